"""Bounded reading of one zip entry's data: a window on the zip file, and the decompressing stream.

Python's ``zipfile`` decompresses as much as one call produces, which for
bzip2 can be gigabytes; :class:`MemberStream` decompresses in bounded steps
instead (never more than was asked for, never past the entry's stated size),
checks the CRC-32 at the end, and says when the data ends early. The entries
themselves, with every size and offset checked, come from
:mod:`dicompeek.io.zipscan`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Protocol

from dicompeek.io.stream import ByteStream, ReadOnlyStream

try:
    import bz2
except ImportError:  # pragma: no cover - present in CPython and Pyodide
    bz2 = None  # type: ignore[assignment]
try:
    import lzma
except ImportError:  # Pyodide ships lzma as a separate package the page does not load
    lzma = None  # type: ignore[assignment]

METHOD_NAMES = {
    0: "stored", 1: "shrink", 2: "reduce", 3: "reduce", 4: "reduce", 5: "reduce", 6: "implode",
    8: "deflate", 9: "deflate64", 10: "PKWARE DCL implode", 12: "bzip2", 14: "LZMA",
    16: "IBM z/OS CMPSC", 18: "IBM TERSE", 19: "IBM LZ77", 20: "zstandard", 93: "zstandard",
    94: "MP3", 95: "xz", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES",
}

#: Bytes read from the zip per decompression step, at least.
_MIN_INPUT = 4096
#: Output produced per read step at least; the last steps are kept to serve short backward seeks.
_STEP = 16 * 1024
#: Output produced per step when skipping forward through compressed data.
_SKIP_STEP = 1024 * 1024


class ZipEntryError(Exception):
    """One entry's data cannot be read; the message says why."""


def method_problem(method: int) -> str | None:
    """Why entries compressed with ``method`` cannot be read here, or None if they can."""
    if method in (0, 8):
        return None
    if method == 12 and bz2 is not None:
        return None
    if method == 14 and lzma is not None:
        return None
    name = METHOD_NAMES.get(method, f"method {method}")
    if method in (12, 14):
        return (f"zip entry uses unsupported compression ({name}: Python's {'bz2' if method == 12 else 'lzma'} "
                f"module is not available here)")
    return f"zip entry uses unsupported compression ({name})"


class Stated(Protocol):
    """What a zip states about one entry's data (a :class:`~dicompeek.io.zipscan.Member` does)."""

    method: int
    crc: int | None
    csize: int
    usize: int


class Slice(ReadOnlyStream):
    """Bytes ``start`` to ``start + length`` of ``file``, with a position of their own.

    Several slices can share one file (every read seeks first), which is how
    entries, and zips stored inside zips, are read in place.
    """

    def __init__(self, file: ByteStream, start: int, length: int, file_size: int | None = None) -> None:
        super().__init__()
        self._file = file
        self._start = start
        self.length = length
        self.available = length if file_size is None else max(0, min(length, file_size - start))
        self._pos = 0

    def seek(self, offset: int, whence: int = 0, /) -> int:
        self._pos = max(0, self._target(offset, whence, self.length))
        return self._pos

    def read(self, size: int | None = -1, /) -> bytes:
        left = self.available - self._pos
        if size is None or size < 0 or size > left:
            size = left
        if size <= 0:
            return b""
        self._file.seek(self._start + self._pos)
        data = self._file.read(size)
        self._pos += len(data)
        return data

    def close(self) -> None:  # the file is shared; its owner closes it
        super().close()


class MemberStream(ReadOnlyStream):
    """The uncompressed data of one entry, decompressed in bounded steps.

    Never yields more than the entry's stated size, never decompresses more
    than was asked for in one step (bzip2 and LZMA included), checks the
    CRC-32 at the end, and keeps the last chunks so that the short backward
    seeks of a DICOM parser do not restart the decompression. Seeking in a
    stored entry is free (``cheap_seek``); in a compressed one it decompresses.
    """

    def __init__(self, source: Slice, member: Stated) -> None:
        super().__init__()
        self._src = source
        self._method = member.method
        self._size = member.usize
        self._csize = member.csize
        self._expected_crc = member.crc
        # no ``name``: pydicom reopens a stream's ``name`` as a path to read deferred values, and an
        # entry's name is whatever the zip says
        self.cheap_seek = member.method == 0
        self._dec: _Decompressor | None = None
        self._restart()

    # io protocol ------------------------------------------------------------------------
    def seek(self, offset: int, whence: int = 0, /) -> int:
        if self.closed:
            raise ValueError("seek on a closed entry")
        self._pos = min(max(0, self._target(offset, whence, self._size)), self._size)
        return self._pos

    def read(self, size: int | None = -1, /) -> bytes:
        if self.closed:
            raise ValueError("read from a closed entry")
        n = self._size - self._pos if size is None or size < 0 else size
        parts: list[bytes] = []
        while n > 0 and self._pos < self._size:
            piece = self._from_kept(n)
            if piece is None:
                self._move_to(self._pos)
                piece = self._decode(min(max(n, _STEP), self._size - self._dpos))
                self._keep(piece)
                piece = piece[:n]
            parts.append(piece)
            self._pos += len(piece)
            n -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def close(self) -> None:
        self._dec = None
        self._kept = self._previous = b""
        super().close()

    # decoding ---------------------------------------------------------------------------
    def _restart(self) -> None:
        self._src.seek(0)
        self._dec = _Decompressor(self._method) if self._method else None
        self._dpos = 0  # bytes decoded so far
        self._pos = 0
        self._previous = b""  # the chunk before the kept one
        self._kept = b""  # the last decoded chunk, ending at _dpos
        self._crc = 0
        self._crc_valid = self._expected_crc is not None

    def _from_kept(self, n: int) -> bytes | None:
        kept_start = self._dpos - len(self._kept)
        if kept_start <= self._pos < self._dpos:
            at = self._pos - kept_start
            return self._kept[at:at + n]
        previous_start = kept_start - len(self._previous)
        if previous_start <= self._pos < kept_start:
            at = self._pos - previous_start
            return self._previous[at:at + n]
        return None

    def _keep(self, piece: bytes) -> None:
        self._previous = self._kept
        self._kept = piece

    def _move_to(self, target: int) -> None:
        """Make the next decoded byte the one at ``target``."""
        if target == self._dpos:
            return
        if self._method == 0:  # stored: jump
            self._src.seek(target)
            self._dpos = target
            self._kept = self._previous = b""
            self._crc_valid = False
            return
        if target < self._dpos:
            self._restart()
            self._pos = target
        while self._dpos < target:
            self._keep(self._decode(min(target - self._dpos, _SKIP_STEP)))

    def _decode(self, k: int) -> bytes:
        """The next up to ``k`` bytes (at least one); raises when the data ends early."""
        if self._dec is None:
            data = self._src.read(k)
            if not data:
                raise self._short()
        else:
            data = self._dec.decode(self._src, k, self._short)
        self._dpos += len(data)
        if self._crc_valid:
            self._crc = zlib.crc32(data, self._crc)
            if self._dpos >= self._size and self._crc != self._expected_crc:
                raise ZipEntryError("CRC-32 check failed: the entry's data is corrupt, or its stated size is wrong")
        return data

    def _short(self) -> ZipEntryError:
        if self._src.available < self._src.length and self._src.tell() >= self._src.available:
            return ZipEntryError(f"the zip ends inside this entry: only {self._src.available:,} of its "
                                 f"{self._src.length:,} bytes of compressed data are present")
        return ZipEntryError(f"the entry's data ends after {self._dpos:,} of its stated {self._size:,} bytes")


#: Makes the error for data that ends early (it knows where it ended).
Short = Callable[[], ZipEntryError]


class _Decompressor:
    """deflate, bzip2 or LZMA (zip's own framing), producing at most ``k`` bytes per step."""

    def __init__(self, method: int) -> None:
        self._method = method
        self._starved = True  # the last step used up its input
        self._inflater = zlib.decompressobj(-15) if method == 8 else None
        # bzip2's, or LZMA's once its properties header has been read
        self._stepped: bz2.BZ2Decompressor | lzma.LZMADecompressor | None = None
        self._header = b""
        if method == 12:
            self._stepped = bz2.BZ2Decompressor()
        elif method not in (8, 14):
            raise ZipEntryError(method_problem(method) or f"compression method {method}")

    def decode(self, src: Slice, k: int, short: Short) -> bytes:
        empty_steps = 0
        while True:
            if self._inflater is not None:
                d = self._inflater
                if d.eof:
                    raise short()
                data = d.unconsumed_tail
                if not data and self._starved:
                    data = self._input(src, k, short)
                out = d.decompress(data, k)
                self._starved = len(out) < k and not d.unconsumed_tail
            else:
                if self._stepped is None:
                    self._stepped = self._lzma_start(src, short)
                stepped = self._stepped
                if stepped.eof:
                    raise short()
                data = self._input(src, k, short) if (stepped.needs_input or empty_steps > 2) else b""
                out = stepped.decompress(data, k)
            if out:
                return bytes(out)
            empty_steps += 1

    def _input(self, src: Slice, k: int, short: Short) -> bytes:
        data = src.read(max(_MIN_INPUT, min(k, 1024 * 1024)))
        if not data:
            raise short()
        return data

    def _lzma_start(self, src: Slice, short: Short) -> lzma.LZMADecompressor:
        while len(self._header) < 4 or len(self._header) < 4 + struct.unpack_from("<H", self._header, 2)[0]:
            need = 4 if len(self._header) < 4 else 4 + struct.unpack_from("<H", self._header, 2)[0]
            more = src.read(need - len(self._header))
            if not more:
                raise short()
            self._header += more
        props_size = struct.unpack_from("<H", self._header, 2)[0]
        try:
            lzma_filter = lzma._decode_filter_properties(  # type: ignore[attr-defined]
                lzma.FILTER_LZMA1, self._header[4:4 + props_size])
        except Exception as exc:
            raise ZipEntryError(f"damaged LZMA properties: {exc}") from None
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])
