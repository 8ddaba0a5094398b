"""Whole datasets of indexed DICOM files, read on demand (viewer, tag browser, exports).

Indexing keeps only a few header fields per file; the viewer and the tag
browser read a file again when a person looks at it. Headers alone are read
from a prefix of the file when that is enough, so comparing a series of
hundreds of instances does not read their pixel data.

Whatever is in the file, reading it either gives a dataset or raises
:class:`~dicompeek.dicom.guard.Unreadable` with a one-line reason: nothing larger
than :data:`WHOLE_FILE_LIMIT` is read whole, a deflated dataset is inflated at
most that far, sequences nest at most :data:`~dicompeek.dicom.guard.MAX_NESTING`
levels, and reading stops where the data stops being DICOM (see
:func:`dicompeek.dicom.header.read_dataset`).
"""

from __future__ import annotations

import io
import warnings
import weakref

import pydicom
from pydicom.dataset import Dataset

from dicompeek.dicom.guard import TooLarge, Unreadable, deflated_meta, inflate_part10
from dicompeek.dicom.header import DEFER_SIZE, HEADER_INFLATE_LIMIT, Nameless, describe, read_dataset
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.io.archive import read_prefix

#: First read for a header without pixels; the whole file is read if the header is longer.
HEADER_PREFIX = 256 * 1024
#: Files (and inflated deflated datasets) larger than this are not read whole: in the browser a
#: file read whole takes about twice its size in memory, next to everything else on the page.
WHOLE_FILE_LIMIT = 512 * 1024 * 1024


def read_instance(index: Index, entry: int, *, pixels: bool = True) -> Dataset:
    """The dataset of ``entry`` (a position in ``index.sources.entries``), pixels optional.

    Raises :class:`~dicompeek.dicom.guard.Unreadable` (with the reason) for anything that cannot
    be read; what the reading noticed but read past is given by :func:`reading_notes`.
    """
    source = index.sources.entries[entry]
    if source.problem:
        raise Unreadable(source.problem)
    try:
        return _read(source, pixels)
    except Unreadable:
        raise
    except Exception as exc:  # RecursionError and MemoryError included: say why, never crash
        raise Unreadable(describe(exc)) from exc


def stored_elements(ds: Dataset) -> dict:
    """The top-level elements of ``ds`` as read (pydicom's raw elements, which alone know the VR
    and length stored in the file), even after the viewer has converted some of them."""
    found = _STORED.get(id(ds))
    return found[1] if found is not None and found[0]() is ds else {}


#: The raw top-level elements of each dataset still alive, by id.
_STORED: dict[int, tuple[weakref.ref, dict]] = {}


def reading_notes(ds: Dataset) -> list[str]:
    """What reading ``ds`` noticed and read past (junk after the data, a truncated deflate stream)."""
    found = _NOTES.get(id(ds))
    return list(found[1]) if found is not None and found[0]() is ds else []


#: Notes of each dataset still alive, by id (a Dataset is neither hashable nor weakly keyable).
_NOTES: dict[int, tuple[weakref.ref, list[str]]] = {}


def _note(ds: Dataset, notes: list[str]) -> None:
    """Keep what :func:`reading_notes` and :func:`stored_elements` give, for as long as ``ds`` lives."""
    key = id(ds)
    if notes:
        _NOTES[key] = (weakref.ref(ds, lambda ref: _forget(_NOTES, key, ref)), notes)
    _STORED[key] = (weakref.ref(ds, lambda ref: _forget(_STORED, key, ref)), dict(ds._dict))


def _forget(registry: dict, key: int, ref: weakref.ref) -> None:
    if registry.get(key, (None,))[0] is ref:
        del registry[key]


def _read(source, pixels: bool) -> Dataset:
    if pixels and source.size > WHOLE_FILE_LIMIT:
        raise TooLarge(f"the file is {_mb(source.size)}; files over {_mb(WHOLE_FILE_LIMIT)} "
                       "are not read whole")
    limit = source.size if pixels else min(source.size, HEADER_PREFIX)
    with source.open() as stream:
        data = read_prefix(stream, limit)
        meta = deflated_meta(data)
        if meta:
            return _read_deflated(data, meta, stream, pixels)
        if not pixels and len(data) < source.size:
            ds = _header_from_prefix(data)
            if ds is not None:
                return ds
            if source.size > WHOLE_FILE_LIMIT:  # a header this long: values over 1 MB are left unread
                with source.open() as again:
                    return _parse(Nameless(again), pixels=False, defer=True)
            data += read_prefix(stream, source.size - len(data))
    return _parse(io.BytesIO(data), pixels)


def _header_from_prefix(data: bytes) -> Dataset | None:
    """The header parsed from a prefix of the file, if it ends inside the prefix."""
    buffer = io.BytesIO(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds, junk = read_dataset(buffer, stop_before_pixels=True, force=True)
    except Exception:
        return None
    # stopped at the pixel data (or at junk), not at the end of the prefix: the header is complete
    if ("PixelData" not in ds or junk) and buffer.tell() < len(data) - 12:
        _note(ds, [junk] if junk else [])
        return ds
    return None


def _parse(fp, pixels: bool, defer: bool = False, notes: list[str] | None = None) -> Dataset:
    ds, junk = read_dataset(fp, stop_before_pixels=not pixels, force=True,
                            defer_size=DEFER_SIZE if defer else None)
    _note(ds, [*(notes or []), *([junk] if junk else [])])
    return ds


def _read_deflated(head: bytes, meta: tuple[int, int], stream, pixels: bool) -> Dataset:
    """A deflated dataset, inflated (at most to :data:`WHOLE_FILE_LIMIT`) before pydicom reads it."""
    tail = _Joined(head[meta[1]:], stream)
    data, problem = inflate_part10(head, meta, tail, WHOLE_FILE_LIMIT if pixels else HEADER_INFLATE_LIMIT)
    if problem and "inflates to more" in problem and pixels:
        raise TooLarge(problem)
    ds = _parse(io.BytesIO(data), pixels, notes=[problem] if problem else [])
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    return ds


class _Joined:
    """``first`` bytes, then the rest of ``stream``, as one readable stream."""

    def __init__(self, first: bytes, stream) -> None:
        self.first, self.stream = first, stream

    def read(self, size: int = -1) -> bytes:
        if self.first:
            chunk, self.first = (self.first, b"") if size < 0 or size >= len(self.first) else \
                (self.first[:size], self.first[size:])
            return chunk
        return self.stream.read(size)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def series_records(index: Index, study_uid: str, series_uid: str) -> list[DicomRecord]:
    """The files of one series (top-level Study/Series Instance UIDs), in index order."""
    return [r for r in index.dicom if r.fields.get("StudyInstanceUID") == study_uid
            and r.fields.get("SeriesInstanceUID") == series_uid]
