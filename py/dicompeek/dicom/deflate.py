"""Deflated datasets, inflated by dicompeek as far as a caller allows, never by pydicom.

pydicom inflates a deflated dataset whole and without bound before reading any
of it; a few KB of zip can inflate to gigabytes. :func:`deflated_meta` tells a
deflated file from its first bytes, and :func:`inflate_part10` turns it into
the same file in explicit VR little endian, inflated at most to a limit, with
what stopped the inflation early (a typed :class:`~dicompeek.dicom.errors.InflateProblem`).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from typing import NamedTuple, Protocol

import pydicom.filereader
import pydicom.uid

from dicompeek.dicom.errors import DeflateCorrupt, DeflateTruncated, InflateProblem, InflatesPastLimit, Unreadable
from dicompeek.dicom.guard import is_part10

_DEFLATED = pydicom.uid.DeflatedExplicitVRLittleEndian
_DEFLATED_BYTES = _DEFLATED.encode("ascii")
_SYNTAX_HEAD = b"\x02\x00\x10\x00UI"
#: Compressed bytes read per inflation step.
_CHUNK = 256 * 1024


class Readable(Protocol):
    """Anything with ``read``: the rest of a file after its file meta group."""

    def read(self, size: int = -1, /) -> bytes: ...


class Inflated(NamedTuple):
    """A deflated Part 10 file as the same file in explicit VR little endian (``data``), and what
    stopped its inflation before the deflate stream's end, if anything (``problem``)."""

    data: bytes
    problem: InflateProblem | None


def deflated_meta(prefix: bytes) -> tuple[int, int] | None:
    """(start, end) of the file meta group when it says the dataset is deflated, from the file's
    first bytes; None for any other file (or a file meta that cannot be read: pydicom says why).

    A file meta without the preamble before it (the file starting with group 0002) counts too:
    pydicom reads it the same way, and would inflate the dataset itself.
    """
    if _DEFLATED_BYTES not in prefix[:65536]:  # cheap: almost every file stops here
        return None
    start = 132 if is_part10(prefix) else 0 if prefix[:2] == b"\x02\x00" else None
    if start is None:
        return None
    fp = io.BytesIO(prefix)
    fp.seek(start)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta = pydicom.filereader._read_file_meta_info(fp)
        syntax = meta.get("TransferSyntaxUID")
    except Exception:
        return None
    return (start, fp.tell()) if syntax == _DEFLATED else None


def inflate_part10(head: bytes, meta: tuple[int, int], rest: Readable | bytes, limit: int) -> Inflated:
    """A deflated Part 10 file (``head`` holds its first bytes up to the end of the file meta
    group, ``meta`` is where that group starts and ends, ``rest`` what follows it) as the same
    file in explicit VR little endian, inflated at most to ``limit`` bytes, and what went wrong
    (a truncated or corrupt deflate stream, the limit reached), if anything.

    The Transfer Syntax UID in the copy reads explicit VR little endian (same length, padded),
    so pydicom reads it as it is; callers put the real one back on the dataset.
    """
    meta_start, meta_end = meta
    at = head.find(_SYNTAX_HEAD, meta_start, meta_end)
    if at < 0:
        raise Unreadable("deflated dataset, but its Transfer Syntax UID could not be found in the file meta")
    (length,) = struct.unpack_from("<H", head, at + 6)
    plain = pydicom.uid.ExplicitVRLittleEndian.encode("ascii")
    if length < len(plain):
        raise Unreadable(f"Transfer Syntax UID of {length} bytes in the file meta, too short for its value")
    copy = bytearray(head[:meta_end])
    copy[at + 8:at + 8 + length] = plain.ljust(length, b"\0")
    if meta_start == 0:  # no preamble: give the copy one, so that it reads as a Part 10 file
        copy[0:0] = bytes(128) + b"DICM"
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out: list[bytes] = []
    size = 0
    source: Readable = io.BytesIO(rest) if isinstance(rest, (bytes, bytearray)) else rest
    problem: InflateProblem | None = None
    try:
        while size <= limit and not inflater.eof:
            chunk = inflater.unconsumed_tail or source.read(_CHUNK)
            if not chunk:
                problem = DeflateTruncated()
                break
            piece = inflater.decompress(chunk, limit + 1 - size)
            out.append(piece)
            size += len(piece)
    except zlib.error as exc:
        problem = DeflateCorrupt(exc)
    if size > limit:
        problem = InflatesPastLimit(limit)
    return Inflated(bytes(copy) + b"".join(out)[:limit], problem)
