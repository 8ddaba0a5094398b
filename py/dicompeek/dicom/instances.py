"""Whole instances of indexed DICOM files, read on demand (viewer, tag browser, exports, review).

Indexing keeps only a few header fields per file; the viewer and the tag
browser read a file again when a person looks at it. Headers alone are read
from a prefix of the file when that is enough, so comparing a series of
hundreds of instances does not read their pixel data.

Whatever is in the file, reading it either gives an :class:`Instance` or raises
:class:`~dicompeek.dicom.errors.Unreadable` with a one-line reason: nothing larger
than :data:`WHOLE_FILE_LIMIT` is read whole, a deflated dataset is inflated at
most that far, sequences nest at most :data:`~dicompeek.dicom.errors.MAX_NESTING`
levels, and reading stops where the data stops being DICOM (the one reader path,
:class:`~dicompeek.dicom.reader.Reading`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pydicom.uid
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from dicompeek.dicom.errors import InflatesPastLimit, TooLarge, Unreadable, describe
from dicompeek.dicom.header import HEADER_INFLATE_LIMIT
from dicompeek.dicom.reader import DEFER_SIZE, Data, NeedMore, Positioned, Reading, Source, read_dataset
from dicompeek.io.archive import Sources

#: Reads for a header without pixels, in turn; the whole file is read if the header is longer.
#: Most headers fit in the first (a series' headers are read once per review: in the browser
#: each byte read is a copy out of the file, so 64 KiB instead of 256 KiB per file measured
#: about a tenth off the review of ../shared/corpus; 16 KiB parsed too many headers twice).
HEADER_PREFIX = 256 * 1024
HEADER_STEPS = (64 * 1024, HEADER_PREFIX)
#: Read past where indexing found the header's end: the next element's header must be there
#: for the parse to see that the header is complete.
PAST_HEADER = 1024
#: Files (and inflated deflated datasets) larger than this are not read whole: in the browser a
#: file read whole takes about twice its size in memory, next to everything else on the page.
WHOLE_FILE_LIMIT = 512 * 1024 * 1024

#: The top-level elements of a dataset as read, by tag.
Stored = Mapping[BaseTag, DataElement | RawDataElement]


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """One DICOM file as read.

    ``dataset``: pydicom's dataset (with its pixel data when ``pixels``). ``notes``: what reading
    noticed and read past (junk after the data, a truncated deflate stream), for the tag tree to
    say where reading stopped. ``stored``: its top-level elements as read, pydicom's raw
    elements, which alone know the VR and length stored in the file, kept even after the viewer
    has converted some of them in the dataset.
    """

    dataset: Dataset
    notes: tuple[str, ...]
    stored: Stored
    pixels: bool


class Picks(Protocol):
    """What reading an entry by its position needs of an index: the picked entries."""

    @property
    def sources(self) -> Sources: ...


def read(entry: Source, *, pixels: bool = True, header_length: int | None = None) -> Instance:
    """The instance in ``entry``, pixel data optional; ``header_length`` (known from indexing:
    where the header ends) lets a header be read from a prefix just that long.

    Raises :class:`~dicompeek.dicom.errors.Unreadable` (with the reason) for anything that cannot
    be read, a file too large to read whole included.
    """
    if entry.problem:
        raise Unreadable(entry.problem)
    try:
        return _read(entry, pixels, header_length)
    except Unreadable:
        raise
    except Exception as exc:  # RecursionError and MemoryError included: say why, never crash
        raise Unreadable(describe(exc)) from exc


def read_instance(picks: Picks, entry: int, *, pixels: bool = True, header_length: int | None = None) -> Dataset:
    """The dataset of ``entry`` (a position in ``picks.sources.entries``), pixels optional: the
    dataset of :func:`read` (what the privacy review reads)."""
    return read(picks.sources.entries[entry], pixels=pixels, header_length=header_length).dataset


def _read(entry: Source, pixels: bool, header_length: int | None = None) -> Instance:
    if pixels and entry.size > WHOLE_FILE_LIMIT:
        raise TooLarge(f"the file is {_mb(entry.size)}; files over {_mb(WHOLE_FILE_LIMIT)} "
                       "are not read whole")
    steps = HEADER_STEPS
    if header_length is not None and header_length + PAST_HEADER < HEADER_PREFIX:
        steps = (header_length + PAST_HEADER, HEADER_PREFIX)  # one parse, of just the header
    with Reading(entry, entry.size if pixels else steps[0]) as reading:
        return reading.parse(lambda data: _parse(data, pixels), prefixes=() if pixels else steps,
                             in_memory=WHOLE_FILE_LIMIT,
                             inflate_limit=WHOLE_FILE_LIMIT if pixels else HEADER_INFLATE_LIMIT)


def _parse(data: Data, pixels: bool) -> Instance:
    """The instance from what the reader gives; a header from a prefix only when it ends there."""
    if data.inflated is not None:
        problem = data.inflated.problem
        if pixels and isinstance(problem, InflatesPastLimit):
            raise problem
        instance = _instance(data.fp, pixels, notes=(str(problem),) if problem else ())
        instance.dataset.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
        return instance
    if not data.complete and not data.last:
        return _header_from_prefix(data)
    return _instance(data.fp, pixels, defer=data.defer)


def _header_from_prefix(data: Data) -> Instance:
    """The header parsed from a prefix of the file, if it ends inside the prefix; else ask for more."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds, junk = read_dataset(data.fp, stop_before_pixels=True, force=True)
    except Exception:
        raise NeedMore from None
    # stopped at the pixel data (or at junk), not at the end of the prefix: the header is complete
    if ("PixelData" not in ds or junk) and data.fp.tell() < data.available - 12:
        return Instance(ds, (junk,) if junk else (), dict(ds._dict), pixels=False)
    raise NeedMore


def _instance(fp: Positioned, pixels: bool, *, defer: bool = False, notes: tuple[str, ...] = ()) -> Instance:
    ds, junk = read_dataset(fp, stop_before_pixels=not pixels, force=True,
                            defer_size=DEFER_SIZE if defer else None)
    return Instance(ds, (*notes, *((junk,) if junk else ())), dict(ds._dict), pixels)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


