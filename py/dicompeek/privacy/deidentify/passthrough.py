"""Pixel data the copy does not change, streamed from the input into the copy: the file's header
is read, de-identified and written; its pixel data element follows as the bytes it was read as: an
:class:`~dicompeek.io.extent.Extent` of the picked zip where the file is stored in one (the page's
copy then takes those bytes over unread), else read a megabyte at a time.

Why: reading a file whole to copy it held the file several times over (the read, pydicom's
value, the written bytes): on an export of 231 MB CT volumes the page grew by more than 4 GB, and a
multi-frame file of a gigabyte could not be copied at all. The header is small; the pixel data
is most of the file and, without Clean Pixel Data's boxes, is copied unchanged.

Only for files of :data:`STREAM_FROM` or more, and only where that gives the bytes the whole-file
way writes: the pixel data element is the last
thing in the file (nothing after it could be left unexamined: trailing private groups, padding
and signatures go the whole-file way), and the header is written in the encoding it was read in
(:func:`~dicompeek.dicom.writer.part10` says where its pixel data would start). The tests compare
both ways' bytes on every pydicom test file and the corpus.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicompeek.dicom.reader import PIXEL_TAGS
from dicompeek.io.archive import Entry
from dicompeek.io.extent import Extent, stored_extent
from dicompeek.io.stream import ByteStream

_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"UN"})
_ITEM, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
CHUNK = 1 << 20
#: Files from this size on are streamed; a smaller one is read whole, which costs less than
#: opening it three times (its header, its pixel data's extent, its pixel data) and holds little.
#: (Taking a small file's pixel data over unread as well was measured on the bench's 1 GB zip of
#: 128 KB files: the page read as much through its zip's megabyte read-ahead, and the copy, a Blob of
#: 16,000 slices, took longer to review.)
STREAM_FROM = 4 << 20


def streamable_syntax(uid: str) -> bool:
    """Whether a file in transfer syntax ``uid`` can have its pixel data streamed: little endian and
    not deflated (the pixel data element is then bytes of the file, as they are written)."""
    syntax = UID(uid)
    return (syntax.is_transfer_syntax and not syntax.is_private and syntax.is_little_endian
            and syntax != DeflatedExplicitVRLittleEndian)


def pixel_element_ends_file(entry: Entry, start: int, syntax: str) -> bool:
    """Whether the element at ``start`` of ``entry`` (written in transfer syntax ``syntax``) is its
    pixel data, well formed as the writer would write it (even lengths; encapsulated exactly when
    the syntax is compressed: pydicom mends the others), and ends exactly at the end of the entry
    (an encapsulated one: its items and the sequence delimiter)."""
    try:
        with entry.open() as stream:
            stream.seek(start)
            return _element_end(stream, start, UID(syntax)) == entry.size
    except (OSError, ValueError, struct.error):
        return False


def chunks(entry: Entry, start: int) -> Iterator[bytes | Extent]:
    """The bytes of ``entry`` from ``start`` to its end: their extent in the picked zip where they
    lie stored there, else read a megabyte at a time; raises if the entry ends early (the zip entry
    being written fails, and the copy says so)."""
    extent = stored_extent(entry, start)
    if extent is not None:
        yield extent
        return
    with entry.open() as stream:
        stream.seek(start)
        left = entry.size - start
        while left > 0:
            piece = stream.read(min(CHUNK, left))
            if not piece:
                raise OSError(f"{entry.location}: the file ended {left} bytes early")
            left -= len(piece)
            yield piece


def _element_end(stream: ByteStream, start: int, syntax: UID) -> int | None:
    """Where the pixel data element at ``start`` (``stream`` there) ends, or None: not a pixel
    data element, or not as the writer writes it."""
    implicit = syntax == ImplicitVRLittleEndian
    head = stream.read(8)
    if len(head) < 8:
        return None
    group, number = struct.unpack("<HH", head[:4])
    if (group << 16 | number) not in PIXEL_TAGS:
        return None
    if implicit:
        (length,), at = struct.unpack("<L", head[4:8]), start + 8
    elif head[4:6] in _LONG_VRS:
        more = stream.read(4)
        if len(more) < 4:
            return None
        (length,), at = struct.unpack("<L", more), start + 12
    else:
        return None  # a short VR cannot hold pixel data
    if (length == _UNDEFINED) != syntax.is_compressed or length % 2:
        return None
    if length != _UNDEFINED:
        return at + int(length)
    while True:  # encapsulated: items up to the sequence delimiter, each skipped by its length
        item = stream.read(8)
        if len(item) < 8:
            return None
        group, number, length = struct.unpack("<HHL", item)
        tag, at = group << 16 | number, at + 8
        if tag == _SEQUENCE_END:
            return at if length == 0 else None
        if tag != _ITEM or length == _UNDEFINED or length % 2:
            return None
        at += length
        stream.seek(at)


__all__ = ["STREAM_FROM", "chunks", "pixel_element_ends_file", "streamable_syntax"]
