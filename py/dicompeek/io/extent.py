"""Bytes of a picked zip that a copy takes over unread: a stored entry's data where it lies, with the
CRC-32 it must have.

Why: the de-identified copy changes a file's header and, mostly, nothing of its pixel data. Read
through the browser, every byte of that pixel data became a buffer of its own in the worker's
JavaScript, collected when the browser chose: copying a 4.5 GiB zip of 231 MB CT volumes grew the
page by 280-380 MB. A copy that names where those bytes are (an :class:`Extent`) lets the page's
sink put that slice of the picked file into the copy as it is (a Blob slice, never read: 124 MB,
and the copy took a second), and the command line's writer copy it from the file, checking its
CRC-32.

A zip entry's CRC covers the whole file; the copy needs the CRC of the pixel data alone, to
combine it with that of the new header. CRC-32 is linear over GF(2), so the CRC of the bytes after
``start`` follows from the CRC of the whole entry and that of its first ``start`` bytes
(:func:`crc32_tail`), the arithmetic of zlib's ``crc32_combine``. Should the zip's CRC be wrong,
so is the copy's entry, which any unzip then reports, as it did for the input.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from dicompeek.io.archive import Entry
from dicompeek.io.largefile import PickedFile
from dicompeek.io.zipscan import Member, ZipReader

_POLY = 0xEDB88320  # CRC-32's polynomial, reflected (zlib's)


@dataclass(frozen=True, slots=True)
class Extent:
    """``length`` bytes at ``offset`` of the file at ``path``, whose CRC-32 is ``crc``."""

    path: str
    offset: int
    length: int
    crc: int


def stored_extent(entry: Entry, start: int) -> Extent | None:
    """Bytes ``start`` to the end of ``entry`` as they lie in its zip, or None when they do not: only
    a stored (uncompressed) entry of a picked zip (not of a zip inside it), with a stated CRC and no
    known problem, lies there as it is. Reads the entry's first ``start`` bytes (its header)."""
    member = entry.open
    if not (isinstance(member, Member) and isinstance(member.reader, ZipReader)
            and isinstance(member.reader.file, PickedFile) and member.crc is not None and member.method == 0
            and member.csize == member.usize and not (member.problem or member.warning or entry.problem)
            and 0 <= start <= entry.size):
        return None
    with entry.open() as stream:
        head = stream.read(start)
    if len(head) != start:
        return None
    length = entry.size - start
    return Extent(member.reader.file.name, member.reader.data_start(member) + start, length,
                  crc32_tail(member.crc, zlib.crc32(head), length))


def crc32_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of two byte strings one after the other, from their CRCs (zlib's crc32_combine)."""
    return _multiply(_x_power_8n(second_length), first) ^ second


def crc32_tail(whole: int, head: int, tail_length: int) -> int:
    """The CRC-32 of the last ``tail_length`` bytes of a string whose CRC is ``whole`` and whose
    bytes before them have the CRC ``head``: :func:`crc32_combine` solved for its second CRC."""
    return whole ^ _multiply(_x_power_8n(tail_length), head)


def _multiply(a: int, b: int) -> int:
    """a × b modulo CRC-32's polynomial (bit-reflected, as zlib's multmodp)."""
    product, bit = 0, 1 << 31
    while True:
        if a & bit:
            product ^= b
            if not a & (bit - 1):
                return product
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x_power_8n(count: int) -> int:
    """x^(8 × count) modulo the polynomial (zlib's x2nmodp(count, 3))."""
    product, k = 1 << 31, 3  # 1 << 31 is x^0
    while count:
        if count & 1:
            product = _multiply(_X_2_K[k & 31], product)
        count >>= 1
        k += 1
    return product


def _powers() -> list[int]:
    """x^(2^k) modulo the polynomial for k = 0..31."""
    table, p = [1 << 30], 1 << 30  # x^1
    for _ in range(31):
        p = _multiply(p, p)
        table.append(p)
    return table


_X_2_K = _powers()

__all__ = ["Extent", "crc32_combine", "crc32_tail", "stored_extent"]
