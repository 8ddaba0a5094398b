"""A streaming zip writer: each entry's data is written through as it arrives, so memory does not grow with the output.

The de-identified copy of an export is written entry by entry, by the command line to a file and in the browser
to a file in Emscripten's FS that is streamed out, and the two must give the same bytes. Hence:

- The sink is only ever written to (never sought, told or read): a pipe or a socket works. Every entry has
  general-purpose bit 3, its CRC-32 and sizes following its data in a data descriptor (with its signature), so
  a seekable sink gets exactly the bytes a non-seekable one does.
- Deterministic: one timestamp for every entry (default 1980-01-01 00:00, the earliest a zip can state), Unix
  rw-r--r-- attributes, no extra fields beyond zip64's, deflate at zlib level 6 (raw deflate, memLevel 8, the
  default strategy). The same entries and timestamp give the same archive however the data is split into
  chunks. Stored entries are byte-identical everywhere; deflated ones wherever the same deflate runs: zlib's
  output has been stable across its releases (CPython and Pyodide both link zlib), but zlib-ng, which some
  Python builds link instead, deflates differently.
- Store or deflate (``compress=None``): the first :data:`PROBE` bytes of the entry (all of it, if shorter) are
  deflated on trial; the entry is deflated when they come to at most 15/16 of their size, and stored otherwise
  (JPEG, JPEG 2000 and other already-compressed pixel data; tiny entries that deflate would only grow). Only
  those bytes are held back while deciding, and nothing is deflated twice: the trial's compressor is copied to
  measure its end, and the original goes on with the rest.
- Zip64 (APPNOTE 4.3.14-4.3.16, 4.5.3). An entry's size is unknown when its local header is written. As with
  ``zipfile``'s ``force_zip64``, an entry added with ``zip64=True`` (one that may reach 4 GiB) gets a zip64
  extra field in its local header (sizes 0xFFFFFFFF there, 0 in the extra) and a data descriptor with 8-byte
  sizes; other entries get plain version 2.0 headers, which every tool reads. An entry not declared so that
  reaches 4 GiB anyway is not refused after gigabytes were written (``zipfile`` raises): like Go's
  ``archive/zip``, its descriptor gets 8-byte sizes and its central record the zip64 extra, which readers that
  go by the central directory (``zipfile``, Info-ZIP, 7-Zip, :mod:`~dicompeek.io.zipscan`) read; only one that
  reads a zip front to back may not. The central directory states sizes and offsets of 0xFFFFFFFF or more in
  zip64 extras, and the zip64 end record and its locator are written when there are 0xFFFF entries or more,
  or the directory's size or offset reaches 0xFFFFFFFF.
- Extents (:class:`~dicompeek.io.extent.Extent`) among a stored entry's chunks: bytes of a picked zip
  with their CRC-32, taken over unread. A sink with ``refer(extent)`` (the page's) records where they go and
  never sees them; any other gets them copied from the file, their CRC checked. The CRC of the entry is
  combined from theirs, so the archive is the same either way: bytes damaged since their zip was written
  make the entry fail its CRC check, as the input's does (:attr:`ZipWriter.damaged` names it where they
  were copied).
- Names are UTF-8 (bit 11), with ``\\`` turned into ``/``; empty, absolute (``/x``, ``C:x``), ``.``, ``..``
  or empty parts, NUL and duplicates are refused with a :class:`ValueError` naming the entry.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from dicompeek.io.extent import Extent, crc32_combine

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Bytes of each entry deflated on trial to choose between deflate and store.
PROBE = 64 * 1024
#: The zlib level; part of the output, so never to be changed lightly.
LEVEL = 6

# Where 32-bit size and offset fields and 16-bit counts run out (a field holding the limit itself means "see the
# zip64 record"). Private: only the tests lower them, to write zip64 records without gigabytes of data.
_LIMIT32 = 0xFFFFFFFF
_LIMIT16 = 0xFFFF

_LOCAL, _CENTRAL, _DESCRIPTOR = b"PK\x03\x04", b"PK\x01\x02", b"PK\x07\x08"
_END, _END64, _LOCATOR = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
_FLAGS = 0x0808  # bit 3: sizes in a data descriptor; bit 11: UTF-8 name
_MADE_BY = (3 << 8) | 45  # Unix, APPNOTE 4.5
_ATTRIBUTES = 0o100644 << 16  # a regular file, rw-r--r--
_DRIVE = re.compile(r"[A-Za-z]:")


class Sink(Protocol):
    """Where the archive goes: anything with ``write`` (a file, a pipe, a socket's file)."""

    def write(self, data: ReadableBuffer, /) -> int | None: ...


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """One written entry: ``offset`` of its local header from where writing started, ``size`` and
    ``compressed_size`` in bytes, ``deflated`` or stored, ``zip64`` if its local header was (``add``'s flag)."""

    name: str
    offset: int
    size: int
    compressed_size: int
    crc: int
    deflated: bool
    zip64: bool


class ZipWriter:
    """Writes a zip archive to a binary stream, one entry at a time.

    :meth:`close` (or leaving the ``with`` block) writes the central directory; the sink itself is flushed but
    left open. Leaving the ``with`` block by an exception, or an entry whose data fails part-way, leaves the
    archive unfinished: nothing more is written, so that no tool takes a partial copy for a whole one.
    """

    def __init__(self, sink: Sink, *, timestamp: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)) -> None:
        year, month, day, hour, minute, second = timestamp
        try:
            datetime.datetime(*timestamp)
        except ValueError:
            year = 0
        if not 1980 <= year <= 2107:
            raise ValueError(f"timestamp {timestamp} cannot be stated in a zip (a date and time, 1980 to 2107)")
        self._time = (hour << 11) | (minute << 5) | (second // 2)
        self._date = ((year - 1980) << 9) | (month << 5) | day
        self._sink = sink
        self._written = 0
        self._entries: list[EntryInfo] = []
        self._names: set[str] = set()
        self._closed = False
        self._failed: str | None = None
        #: Extents copied whose bytes did not have the CRC-32 their zip states (written as they are).
        self.damaged = 0

    @property
    def bytes_written(self) -> int:
        """Bytes written to the sink so far."""
        return self._written

    @property
    def entries(self) -> Sequence[EntryInfo]:
        """The entries written so far, in order."""
        return self._entries

    def add_bytes(self, name: str, data: ReadableBuffer, *, compress: bool | None = None,
                  zip64: bool = False) -> EntryInfo:
        """Add an entry whose data is at hand (see :meth:`add`)."""
        return self.add(name, (data,), compress=compress, zip64=zip64)

    def add(self, name: str, chunks: Iterable[ReadableBuffer | Extent], *, compress: bool | None = None,
            zip64: bool = False) -> EntryInfo:
        """Add entry ``name`` whose data is ``chunks``, written through as they come (an
        :class:`~dicompeek.io.extent.Extent` among them: its bytes, which only a stored entry takes).

        ``compress``: True deflates, False stores, None decides on the first :data:`PROBE` bytes (see the
        module's docstring). ``zip64``: the entry may reach 4 GiB, so its local header says so (pass it when its
        size may come near, e.g. when the entry it is copied from is over 3 GiB); readers that go by the central
        directory read a large entry correctly without it.
        """
        if self._closed or self._failed is not None:
            state = "closed" if self._failed is None else f"unfinished (entry {_quoted(self._failed)} failed)"
            raise ValueError(f"cannot add zip entry {_quoted(name)}: the archive is {state}")
        if isinstance(chunks, bytes | bytearray | memoryview):
            raise TypeError(f"zip entry {_quoted(name)}: add() takes an iterable of chunks; use add_bytes() for bytes")
        text, raw = self._check_name(name)
        start, writing = self._written, False
        try:
            probe, rest = _probe(iter(chunks))
            deflater, first = None, b""
            if compress is not False:
                deflater = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
                first = deflater.compress(probe)
                if rest is None:  # the probe is all there is: its trial is the entry's data
                    first += deflater.flush()
                trial = len(first) + (len(deflater.copy().flush()) if rest is not None else 0)
                if compress is None and 16 * trial > 15 * len(probe):
                    deflater = None
            self._names.add(text)
            writing = True  # from here on, a failure leaves part of the entry in the sink
            self._write(struct.pack("<4s5H3L2H", _LOCAL, 45 if zip64 else 20, _FLAGS, 8 if deflater else 0,
                                    self._time, self._date, 0, 0xFFFFFFFF if zip64 else 0,
                                    0xFFFFFFFF if zip64 else 0, len(raw), 20 if zip64 else 0)
                        + raw + (struct.pack("<2H2Q", 1, 16, 0, 0) if zip64 else b""))
            crc, usize = zlib.crc32(probe), len(probe)
            csize = self._write(first if deflater else probe)
            for piece in rest or ():
                if isinstance(piece, Extent):
                    if deflater:
                        raise ValueError(f"zip entry {_quoted(name)}: another file's bytes go only into a stored entry")
                    crc, usize = crc32_combine(crc, piece.crc, piece.length), usize + piece.length
                    csize += self._write_extent(piece)
                    continue
                view = memoryview(piece).cast("B")
                crc, usize = zlib.crc32(view, crc), usize + len(view)
                csize += self._write(deflater.compress(view) if deflater else view)
                del piece, view  # not held while the next chunk is made
            if deflater and rest is not None:
                csize += self._write(deflater.flush())
            wide = zip64 or usize >= _LIMIT32 or csize >= _LIMIT32
            self._write(struct.pack("<4sL2Q" if wide else "<4s3L", _DESCRIPTOR, crc, csize, usize))
        except BaseException:
            if writing:
                self._failed = text
            else:  # nothing written: the archive is as it was
                self._names.discard(text)
            raise
        info = EntryInfo(text, start, usize, csize, crc, deflater is not None, zip64)
        self._entries.append(info)
        return info

    def adopt(self, entries: Sequence[EntryInfo], size: int) -> None:
        """Take over the entries another writer wrote (offsets from its start) whose ``size`` bytes the
        caller has just put into this writer's sink, as if they had been added here: the parts of an
        archive written side by side (the de-identified copy's processes), then joined, give the bytes
        one writer gives."""
        if self._closed or self._failed is not None:
            raise ValueError("cannot adopt zip entries: the archive is closed or unfinished")
        for info in entries:
            text, _ = self._check_name(info.name)
            self._names.add(text)
            self._entries.append(dataclasses.replace(info, offset=info.offset + self._written))
        self._written += size

    def close(self) -> None:
        """Write the central directory and end records (zip64 ones when needed); flush the sink.

        Does nothing more on an archive already closed, or left unfinished by a failed entry."""
        if self._closed:
            return
        self._closed = True
        if self._failed is not None:
            return
        start = self._written
        batch: list[bytes] = []
        for info in self._entries:
            batch.append(self._central(info))
            if len(batch) >= 4096:
                self._write(b"".join(batch))
                batch.clear()
        self._write(b"".join(batch))
        count, size = len(self._entries), self._written - start
        if count >= _LIMIT16 or size >= _LIMIT32 or start >= _LIMIT32:
            end64 = self._written
            self._write(struct.pack("<4sQ2H2L4Q", _END64, 44, _MADE_BY, 45, 0, 0, count, count, size, start))
            self._write(struct.pack("<4sLQL", _LOCATOR, 0, end64, 1))
        count16 = 0xFFFF if count >= _LIMIT16 else count
        self._write(struct.pack("<4s4H2LH", _END, 0, 0, count16, count16, _field32(size), _field32(start), 0))
        flush = getattr(self._sink, "flush", None)
        if callable(flush):
            flush()

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self._closed = True  # unfinished: no central directory

    # -- helpers ----------------------------------------------------------------------------------------------

    def _check_name(self, name: str) -> tuple[str, bytes]:
        """The name as stored (``/`` separators) and its UTF-8 bytes; a ValueError saying what is wrong."""
        text = name.replace("\\", "/")
        parts = text.split("/")
        problem = None
        if not text:
            problem = "is empty"
        elif text.startswith("/") or _DRIVE.match(text):
            problem = "is an absolute path"
        elif ".." in parts:
            problem = "has a '..' part (it would point outside the folder it is extracted to)"
        elif "" in parts or "." in parts:
            problem = "has an empty or '.' part (a doubled or trailing '/')"
        elif "\x00" in text:
            problem = "contains a NUL character"
        elif text in self._names:
            problem = "is already in the archive" + (f" (as {_quoted(text)})" if text != name else "")
        else:
            try:
                raw = text.encode("utf-8")
            except UnicodeEncodeError:
                problem = "is not valid Unicode (it holds a lone surrogate)"
            else:
                if len(raw) <= 0xFFFF:
                    return text, raw
                problem = f"is too long ({len(raw):,} bytes of UTF-8; a zip allows 65,535)"
        raise ValueError(f"zip entry name {_quoted(name)} {problem}")

    def _central(self, info: EntryInfo) -> bytes:
        raw = info.name.encode("utf-8")
        big = [value for value in (info.size, info.compressed_size, info.offset) if value >= _LIMIT32]
        extra = struct.pack(f"<2H{len(big)}Q", 1, 8 * len(big), *big) if big else b""
        return struct.pack("<4s6H3L5HLL", _CENTRAL, _MADE_BY, 45 if big or info.zip64 else 20, _FLAGS,
                           8 if info.deflated else 0, self._time, self._date, info.crc,
                           _field32(info.compressed_size), _field32(info.size), len(raw), len(extra), 0, 0, 0,
                           _ATTRIBUTES, _field32(info.offset)) + raw + extra

    def _write_extent(self, extent: Extent) -> int:
        """Put ``extent``'s bytes into the sink: referred to, where the sink can (``refer``), else copied
        from its file a megabyte at a time, their CRC-32 checked; its length."""
        refer = getattr(self._sink, "refer", None)
        if callable(refer):
            refer(extent)
            self._written += extent.length
            return extent.length
        crc, left = 0, extent.length
        with open(extent.path, "rb") as source:
            source.seek(extent.offset)
            while left > 0:
                piece = source.read(min(left, 1 << 20))
                if not piece:
                    raise OSError(f"{extent.path} ended {left:,} bytes early")
                crc, left = zlib.crc32(piece, crc), left - len(piece)
                self._write(piece)
        if crc != extent.crc:
            self.damaged += 1
        return extent.length

    def _write(self, data: ReadableBuffer) -> int:
        """Write all of ``data`` (a short write is continued; None counts as all of it); its length."""
        view = memoryview(data).cast("B")
        size = len(view)
        while view:
            done = self._sink.write(view)
            if done == 0:
                raise OSError("the zip's sink accepted no bytes (a non-blocking stream?)")
            view = view[size if done is None else done:]
        self._written += size
        return size


def _quoted(name: str) -> str:
    """A name for a message: quoted, escaped by repr, clipped."""
    text = repr(name)
    return text if len(text) <= 120 else f"{text[:80]}…{text[-30:]}"


def _field32(value: int) -> int:
    return 0xFFFFFFFF if value >= _LIMIT32 else value


def _probe(source: Iterator[ReadableBuffer | Extent]) -> tuple[bytes, Iterator[ReadableBuffer | Extent] | None]:
    """The first :data:`PROBE` bytes of ``source`` (copied, as a caller may reuse its buffer), and an iterator
    over the rest of it, or None when there is no more; the probe stops at an extent (never read here)."""
    held: list[bytes] = []
    size = 0
    for chunk in source:
        if isinstance(chunk, Extent):
            return b"".join(held), itertools.chain((chunk,), source)
        view = memoryview(chunk).cast("B")
        held.append(bytes(view[:PROBE - size]))
        size += len(held[-1])
        if size == PROBE:
            return b"".join(held), itertools.chain((view[len(held[-1]):],), source)
    return b"".join(held), None
