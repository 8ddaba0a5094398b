"""The one way dicompeek reads a DICOM entry: a first prefix, then only as much more as a parse needs.

Every read goes through :class:`Reading`: the header pass
(:func:`dicompeek.dicom.header.read_header`) and the reads of whole instances
or their headers for the viewer, the tag browser and the review
(:func:`dicompeek.dicom.instances.read`). A reading opens the entry and reads
a first prefix; then :meth:`Reading.parse` gives the caller's parse

1. a deflated dataset, inflated by dicompeek as far as the caller allows
   (:mod:`dicompeek.dicom.deflate`); else
2. prefixes of growing length, for as long as the parse asks for more
   (:class:`NeedMore`: the header runs past the prefix); then
3. the whole entry: read into memory up to a size the caller gives, beyond it
   parsed from the stream with large values left unread (:class:`Nameless`).

The parses differ in what they check, not in how the data reaches pydicom:
:func:`read_dataset` is the one call of pydicom's reader, stopping where the
data stops being DICOM.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Protocol, TypeVar, cast

import pydicom.filereader
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from dicompeek.dicom.deflate import Inflated, deflated_meta, inflate_part10
from dicompeek.dicom.errors import InflatesPastLimit
from dicompeek.io.archive import read_prefix
from dicompeek.io.stream import ByteStream

#: Values larger than this are skipped, not loaded, when parsing from a stream.
DEFER_SIZE = 1024 * 1024
#: Tags of the pixel data (float, double float, and integer pixel data).
PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})

_T = TypeVar("_T")


class NeedMore(Exception):
    """The header runs past the prefix a parse was given; try a longer one."""


class Source(Protocol):
    """What the reader needs of an entry: its size, a problem known before it is opened, and a
    way to open it (an :class:`~dicompeek.io.archive.Entry` has all three)."""

    @property
    def size(self) -> int: ...

    @property
    def problem(self) -> str | None: ...

    @property
    def open(self) -> Callable[[], ByteStream]: ...


class Positioned(Protocol):
    """What pydicom reads from, and the header pass looks at: ``read``, ``seek`` and ``tell``."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Data:
    """What one parse is given: ``available`` bytes of the entry's ``size`` in ``fp``.

    ``last``: no longer attempt follows, so asking for more (:class:`NeedMore`) is the parse's
    own to word. ``defer``: ``fp`` is the entry's stream, whose large values are to be left
    unread (``DEFER_SIZE``). ``inflated``: the data is a deflated dataset, inflated (``fp`` holds
    it), with what stopped its inflation early.
    """

    fp: Positioned
    available: int
    size: int
    last: bool = False
    defer: bool = False
    inflated: Inflated | None = None

    @property
    def complete(self) -> bool:
        """Whether ``fp`` holds all of the data."""
        return self.available >= self.size


class Reading:
    """One read of one entry: opened with its first ``first`` bytes read (:attr:`head`), which a
    caller may look at before :meth:`parse` reads on. Use it in a ``with`` block."""

    def __init__(self, entry: Source, first: int) -> None:
        self._entry = entry
        self._open = ExitStack()
        self._stream: ByteStream | None = self._open.enter_context(entry.open())
        try:
            self.head = read_prefix(self._stream, first)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the entry's stream (as ``with`` does: ``__exit__``, which is all some streams have)."""
        self._stream = None
        self._open.close()

    def parse(self, parse: Callable[[Data], _T], *, prefixes: tuple[int, ...], in_memory: int,
              inflate_limit: int) -> _T:
        """``parse`` of the entry's data: inflated to at most ``inflate_limit`` bytes if it is a
        deflated dataset; else of each of ``prefixes`` in turn while ``parse`` raises
        :class:`NeedMore`; then of the whole entry, read into memory if it is at most
        ``in_memory`` bytes, else from a new stream with large values deferred."""
        size = self._entry.size
        data = self.head
        stream = self._stream
        assert stream is not None, "parse() of a closed reading"
        meta = deflated_meta(data)
        if meta:
            inflated = inflate_part10(data, meta, _Joined(data[meta[1]:], stream), inflate_limit)
            # past the limit, there is more than ``fp`` holds: a header that runs on asks for more
            total = len(inflated.data) + (1 if isinstance(inflated.problem, InflatesPastLimit) else 0)
            return parse(Data(io.BytesIO(inflated.data), len(inflated.data), total, last=True, inflated=inflated))
        for step in prefixes:
            if len(data) < min(step, size):
                data += read_prefix(stream, min(step, size) - len(data))
            try:
                return parse(Data(io.BytesIO(data), len(data), size))
            except NeedMore:
                continue
        if size <= in_memory:
            data += read_prefix(stream, size - len(data))
            return parse(Data(io.BytesIO(data), len(data), size, last=True))
        self.close()
        with self._entry.open() as again:
            return parse(Data(Nameless(again), size, size, last=True, defer=True))


class _Joined:
    """``first`` bytes, then the rest of ``stream``, as one readable stream."""

    def __init__(self, first: bytes, stream: ByteStream) -> None:
        self.first, self.stream = first, stream

    def read(self, size: int = -1, /) -> bytes:
        if self.first:
            chunk, self.first = (self.first, b"") if size < 0 or size >= len(self.first) else \
                (self.first[:size], self.first[size:])
            return chunk
        return self.stream.read(size)


class Nameless:
    """A stream without a ``name``, for reading with values deferred.

    pydicom reads a deferred value again by opening the file it was read from by *name*, and
    a zip member's name is whatever the zip says ("/etc/passwd" will do). Without a name it
    can only use the stream itself, which is closed by then: the value is simply not read.
    """

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def read_dataset(fp: Positioned, *, stop_before_pixels: bool, force: bool,
                 defer_size: int | None = None) -> tuple[Dataset, str | None]:
    """``pydicom.dcmread`` of ``fp``, stopping where the data stops being DICOM.

    A run of zeros (or any repeated 8 bytes) parses as the same element over and over, a few
    microseconds each: a zip entry of a few KB can inflate to megabytes of it. Consecutive
    elements never have the same tag in a real dataset, so reading stops at the first repeat
    and says so (the second value of the pair).
    """
    last: list[int | None] = [None]
    junk: list[str] = []

    def stop_when(tag: int, vr: str | None, length: int) -> bool:
        tag = int(tag)  # pydicom's BaseTag compares in Python: slow, and this runs for every element
        if stop_before_pixels and tag in PIXEL_TAGS:
            return True
        if tag == last[0]:
            junk.append(f"element {Tag(tag)} repeats at byte {max(fp.tell() - 8, 0)}: "
                        "the rest of the data is not read (it is not DICOM)")
            return True
        last[0] = tag
        return False

    ds = pydicom.filereader.read_partial(cast(BinaryIO, fp), stop_when, defer_size=defer_size, force=force)
    return ds, (junk[0] if junk else None)
