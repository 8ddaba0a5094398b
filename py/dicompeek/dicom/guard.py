"""pydicom's reader, guarded against what hostile files do to it; what a file starts with.

pydicom trusts a file's structure: it recurses once per nested sequence (and
Pyodide's stack is small: thousands of levels end the worker instead of
raising), reads any leading run of group 0000 elements (megabytes of zeros are
such a run), inflates a deflated dataset whole before reading any of it, and
takes any file with ``DICM`` at byte 128 for a Part 10 file, even a dataset
without preamble whose values happen to hold those bytes. :func:`install` puts
four guards into pydicom's reader (:data:`PATCHED` names what it replaces); the
program's entry points (:mod:`dicompeek.app.worker_api`, :mod:`dicompeek.app.cli`)
call it once, and importing dicompeek patches nothing. Deflated datasets are
inflated by dicompeek itself, as far as a caller allows (:mod:`dicompeek.dicom.deflate`).
"""

from __future__ import annotations

import functools
import struct
import threading
import types
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import pydicom.filereader
import pydicom.values
from pydicom.tag import Tag

from dicompeek.dicom.errors import MAX_NESTING, InflatesPastLimit, NotDicomData, TooDeep, TooLarge

#: MAX_NESTING and TooLarge are also :mod:`dicompeek.dicom.errors`'s: dicompeek.tags imports them from here.
__all__ = ["MAX_NESTING", "PATCHED", "TooLarge", "content_kind", "install", "installed", "is_part10",
           "starts_dataset", "starts_file_meta"]


# --- how deep pydicom may go ----------------------------------------------------------------

_depth = threading.local()


def _guarded_read_sequence(original: Callable[..., Any]) -> Callable[..., Any]:
    """pydicom's ``read_sequence`` refusing to nest deeper than :data:`MAX_NESTING`.

    Every sequence pydicom reads goes through ``read_sequence``: those of undefined length
    while the file is read, recursively, and those of defined length when their element is
    first used. The depth counted here is the nesting on the stack at that moment, which is
    what can overflow it; the check costs one counter per sequence.
    """
    @functools.wraps(original)
    def read_sequence(*args: Any, **kwargs: Any) -> Any:
        level = getattr(_depth, "level", 0)
        if level >= MAX_NESTING:
            raise TooDeep()
        _depth.level = level + 1
        try:
            return original(*args, **kwargs)
        finally:
            _depth.level = level

    read_sequence.dicompeek_guard = True  # type: ignore[attr-defined]
    return read_sequence


#: A command set (group 0000) at the start of a dataset has a dozen elements or so.
_COMMAND_ELEMENTS = 256


def _guarded_command_set(original: Callable[..., Any]) -> Callable[..., Any]:
    """pydicom's reader of a leading command set (group 0000), refusing a run of junk.

    pydicom reads every group 0000 element at the start of a dataset before anything else, and
    zeros are group 0000 elements of length 0: megabytes of zeros (a few KB zipped) would take
    many seconds. A real command set has a few elements, each tag once.
    """
    @functools.wraps(original)
    def read_command_set(fp: BinaryIO) -> Any:
        start = fp.tell()
        seen: set[int] = set()
        try:
            for _ in range(_COMMAND_ELEMENTS):
                head = fp.read(8)
                if len(head) < 8:
                    break
                group, element, length = struct.unpack("<HHL", head)
                if group != 0:
                    break
                if element in seen:
                    raise NotDicomData(f"element {Tag(element)} repeats at byte {fp.tell() - 8}")
                seen.add(element)
                if length == 0xFFFFFFFF:
                    break  # pydicom searches for its end
                fp.seek(length, 1)
            else:
                raise NotDicomData(f"more than {_COMMAND_ELEMENTS} elements of group 0000 "
                                   f"from byte {start}")
        finally:
            fp.seek(start)
        return original(fp)

    read_command_set.dicompeek_guard = True  # type: ignore[attr-defined]
    return read_command_set


class _BoundedZlib:
    """pydicom's ``zlib``, with ``decompress`` refusing to inflate past :data:`INFLATE_LIMIT`.

    dicompeek inflates deflated datasets itself, bounded (:func:`~dicompeek.dicom.deflate.inflate_part10`);
    this is the last line for any file that reaches pydicom's own inflation all the same.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, INFLATE_LIMIT + 1)
        if len(out) > INFLATE_LIMIT:
            raise InflatesPastLimit(INFLATE_LIMIT)
        if not inflater.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out


#: What pydicom may inflate at most, should it ever inflate a dataset itself.
INFLATE_LIMIT = 512 * 1024 * 1024


# --- what a file starts with ----------------------------------------------------------------

#: Value representations as an explicit VR element header spells them.
VRS = frozenset({
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO",
    b"LT", b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ",
    b"SS", b"ST", b"SV", b"TM", b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT",
    b"UV",
})
#: Groups a dataset without preamble plausibly starts with (0002: file meta without preamble).
FIRST_GROUPS = frozenset({0x0002, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028})


def starts_dataset(data: bytes) -> bool:
    """Whether ``data`` plausibly starts with a data element of a dataset written without
    preamble: a usual first group, a small element number, then a VR or a small length."""
    if len(data) < 12:
        return False
    for order in "<>":
        group, element = struct.unpack_from(order + "HH", data)
        if group in FIRST_GROUPS and element < 0x1000:
            if data[4:6] in VRS:
                return True
            (length,) = struct.unpack_from(order + "L", data, 4)
            if length < 0x10000:
                return True
    return False


def starts_file_meta(data: bytes) -> bool:
    """Whether ``data`` (the bytes after ``DICM``) starts with a file meta element: group 0002,
    little endian, with an explicit VR (or, as some old writers do, implicit with a small length)."""
    if len(data) < 8:
        return False
    group, element = struct.unpack_from("<HH", data)
    if group != 0x0002 or element >= 0x1000:
        return False
    return data[4:6] in VRS or struct.unpack_from("<L", data, 4)[0] < 0x10000


def _guarded_read_preamble(original: Callable[[BinaryIO, bool], bytes | None]) -> Callable[..., Any]:
    """pydicom's ``read_preamble``, not trusting ``DICM`` at byte 128 blindly.

    A dataset written without preamble can hold the bytes ``DICM`` at 128 inside a value; pydicom
    then takes its first 128 bytes for a preamble and parses from the middle of that value
    ("truncated", or elements silently lost). When what follows ``DICM`` is not a file meta
    element and the start of the file is a plausible first element, the file is read as a
    dataset without preamble (only where pydicom is told to read such files, ``force=True``).
    """
    @functools.wraps(original)
    def read_preamble(fp: BinaryIO, force: bool) -> bytes | None:
        start = fp.tell()
        preamble = original(fp, force)
        if preamble is None or not force:
            return preamble
        after = fp.tell()
        following = fp.read(8)
        fp.seek(start)
        first = fp.read(12)
        if not starts_file_meta(following) and starts_dataset(first):
            fp.seek(start)
            return None
        fp.seek(after)
        return preamble

    read_preamble.dicompeek_guard = True  # type: ignore[attr-defined]
    return read_preamble


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "zip archive"), (b"\x1f\x8b", "gzip data"),
    (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"), (b"BM", "BMP image"),
    (b"\xd0\xcf\x11\xe0", "Office document"), (b"\x7fELF", "executable"), (b"MZ", "executable"),
)


def content_kind(prefix: bytes) -> str:
    """A short guess at what a non-DICOM file is, from its first bytes."""
    for signature, kind in _SIGNATURES:
        if prefix.startswith(signature):
            return kind
    head = prefix[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is still text
        if exc.start < len(head) - 4:
            return "binary data"
        text = head[:exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return "binary data"
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("<?xml", "<")):
        return "XML/HTML text"
    if stripped.startswith(("{", "[")):
        return "JSON text"
    return "text"


def is_part10(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is read as a Part 10 file (preamble, ``DICM``):
    the marker at byte 128, and either a file meta element after it or no plausible dataset
    at byte 0 (the bytes before ``DICM`` then are a preamble, whatever follows)."""
    return prefix[128:132] == b"DICM" and (starts_file_meta(prefix[132:140]) or not starts_dataset(prefix))


#: What :func:`install` replaces in pydicom, as (module, name, the guard made from the original).
#: Each is a pydicom internal; tests/dicom/test_guard.py checks that the pydicom installed still
#: has every one, with the parameters the guard passes on.
PATCHED: tuple[tuple[types.ModuleType, str, Callable[[Any], Any]], ...] = (
    (pydicom.filereader, "read_preamble", _guarded_read_preamble),
    (pydicom.filereader, "read_sequence", _guarded_read_sequence),
    (pydicom.values, "read_sequence", _guarded_read_sequence),
    (pydicom.filereader, "_read_command_set_elements", _guarded_command_set),
    (pydicom.filereader, "zlib", lambda original: _BoundedZlib()),
)


def install() -> None:
    """Put the guards into pydicom's reader. Called once by each entry point before anything is
    read; calling it again changes nothing. Raises ``RuntimeError`` naming the internal when the
    installed pydicom lacks one (the guards would silently not apply)."""
    for module, name, guard in PATCHED:
        original = getattr(module, name, None)
        if original is None:
            raise RuntimeError(f"pydicom {pydicom.__version__} has no {module.__name__}.{name}: "
                               "dicompeek cannot guard its reader against hostile files")
        if not _is_guard(original):
            setattr(module, name, guard(original))


def installed() -> bool:
    """Whether every guard is in place."""
    return all(_is_guard(getattr(module, name, None)) for module, name, _ in PATCHED)


def _is_guard(value: object) -> bool:
    return isinstance(value, _BoundedZlib) or bool(getattr(value, "dicompeek_guard", False))
