"""Whole datasets of indexed DICOM files, read on demand (viewer, tag browser, exports).

Indexing keeps only a few header fields per file; the viewer and the tag
browser read a file again when a person looks at it. Headers alone are read
from a prefix of the file when that is enough, so comparing a series of
hundreds of instances does not read their pixel data.
"""

from __future__ import annotations

import io

import pydicom
from pydicom.dataset import Dataset

from .archive import read_prefix
from .index import DicomRecord, Index

#: First read for a header without pixels; the whole file is read if the header is longer.
HEADER_PREFIX = 256 * 1024


def read_instance(index: Index, entry: int, *, pixels: bool = True) -> Dataset:
    """The dataset of ``entry`` (a position in ``index.sources.entries``), pixels optional."""
    source = index.sources.entries[entry]
    limit = source.size if pixels else min(source.size, HEADER_PREFIX)
    with source.open() as stream:
        data = read_prefix(stream, limit)
        if not pixels and len(data) < source.size:
            buffer = io.BytesIO(data)
            try:
                ds = pydicom.dcmread(buffer, force=True, stop_before_pixels=True)
                # stopped at the pixel data, not at the end of the prefix: the header is complete
                if "PixelData" not in ds and buffer.tell() < len(data) - 12:
                    return ds
            except Exception:
                pass
            data += read_prefix(stream, source.size - len(data))
    return pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=not pixels)


def series_records(index: Index, study_uid: str, series_uid: str) -> list[DicomRecord]:
    """The files of one series (top-level Study/Series Instance UIDs), in index order."""
    return [r for r in index.dicom if r.fields.get("StudyInstanceUID") == study_uid
            and r.fields.get("SeriesInstanceUID") == series_uid]
