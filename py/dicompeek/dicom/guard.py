"""pydicom's reader, guarded against what hostile files do to it; bounded inflation of deflated data.

pydicom trusts a file's structure: it recurses once per nested sequence (and
Pyodide's stack is small: thousands of levels end the worker instead of
raising), reads any leading run of group 0000 elements (megabytes of zeros are
such a run), inflates a deflated dataset whole before reading any of it, and
takes any file with ``DICM`` at byte 128 for a Part 10 file, even a dataset
without preamble whose values happen to hold those bytes. Importing this module
installs four guards in pydicom's reader (:func:`_install_guard`), and
:func:`inflate_part10` inflates deflated datasets as far as a caller allows. The exceptions here are how every reader
in dicompeek says why a file cannot be read.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
import zlib
from typing import Any, BinaryIO, Callable

import pydicom
import pydicom.filereader
import pydicom.values
from pydicom.tag import Tag

#: Sequences nested deeper than this are not read. pydicom parses sequences of undefined length
#: recursively while reading (about five Python frames a level), and Pyodide's stack is much
#: smaller than CPython's: thousands of levels would end the worker, not raise. Real files nest a
#: handful of levels (five at most in the shared corpus); see :func:`_guarded_read_sequence`.
MAX_NESTING = 32


class NotDicom(Exception):
    """The entry is not DICOM; the message says why."""


class Unreadable(Exception):
    """The entry is (or claims to be) DICOM but cannot be read; the message says why."""


class TooDeep(ValueError):
    """Sequences nested deeper than :data:`MAX_NESTING`."""

    def __init__(self) -> None:
        super().__init__(f"sequences nested more than {MAX_NESTING} levels deep "
                         f"(real files nest a few levels; deeper ones are not read)")


class TooLarge(ValueError):
    """A value, dataset or frame larger than this viewer reads; the message says what."""


# --- how deep pydicom may go ----------------------------------------------------------------

_depth = threading.local()


def _guarded_read_sequence(original: Callable[..., Any]) -> Callable[..., Any]:
    """pydicom's ``read_sequence`` refusing to nest deeper than :data:`MAX_NESTING`.

    Every sequence pydicom reads goes through ``read_sequence``: those of undefined length
    while the file is read, recursively, and those of defined length when their element is
    first used. The depth counted here is the nesting on the stack at that moment, which is
    what can overflow it; the check costs one counter per sequence.
    """
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


class NotDicomData(ValueError):
    """The bytes where a dataset should start are not DICOM (e.g. a run of zeros)."""


#: A command set (group 0000) at the start of a dataset has a dozen elements or so.
_COMMAND_ELEMENTS = 256


def _guarded_command_set(original: Callable[..., Any]) -> Callable[..., Any]:
    """pydicom's reader of a leading command set (group 0000), refusing a run of junk.

    pydicom reads every group 0000 element at the start of a dataset before anything else, and
    zeros are group 0000 elements of length 0: megabytes of zeros (a few KB zipped) would take
    many seconds. A real command set has a few elements, each tag once.
    """
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

    dicompeek inflates deflated datasets itself, bounded (:func:`inflate_part10`); this is the
    last line for any file that reaches pydicom's own inflation all the same.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, INFLATE_LIMIT + 1)
        if len(out) > INFLATE_LIMIT:
            raise TooLarge(f"the deflated data inflates to more than {INFLATE_LIMIT // (1024 * 1024)} MB")
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


def _guarded_read_preamble(original: Callable[..., Any]) -> Callable[..., Any]:
    """pydicom's ``read_preamble``, not trusting ``DICM`` at byte 128 blindly.

    A dataset written without preamble can hold the bytes ``DICM`` at 128 inside a value; pydicom
    then takes its first 128 bytes for a preamble and parses from the middle of that value
    ("truncated", or elements silently lost). When what follows ``DICM`` is not a file meta
    element and the start of the file is a plausible first element, the file is read as a
    dataset without preamble (only where pydicom is told to read such files, ``force=True``).
    """
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


def _install_guard() -> None:
    if not getattr(pydicom.filereader.read_preamble, "dicompeek_guard", False):
        pydicom.filereader.read_preamble = _guarded_read_preamble(pydicom.filereader.read_preamble)
    if not isinstance(pydicom.filereader.zlib, _BoundedZlib):
        pydicom.filereader.zlib = _BoundedZlib()
    for module in (pydicom.filereader, pydicom.values):
        if not getattr(module.read_sequence, "dicompeek_guard", False):
            module.read_sequence = _guarded_read_sequence(module.read_sequence)
    reader = pydicom.filereader._read_command_set_elements
    if not getattr(reader, "dicompeek_guard", False):
        pydicom.filereader._read_command_set_elements = _guarded_command_set(reader)


_install_guard()


# --- deflated datasets ----------------------------------------------------------------------

_DEFLATED = pydicom.uid.DeflatedExplicitVRLittleEndian
_DEFLATED_BYTES = _DEFLATED.encode("ascii")
_SYNTAX_HEAD = b"\x02\x00\x10\x00UI"


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


def inflate_part10(head: bytes, meta: tuple[int, int], rest: BinaryIO | bytes,
                   limit: int) -> tuple[bytes, str | None]:
    """A deflated Part 10 file (``head`` holds its first bytes up to the end of the file meta
    group, ``meta`` is where that group starts and ends, ``rest`` what follows it) as the same
    file in explicit VR little endian, inflated at most to ``limit`` bytes, and what went wrong
    (a truncated or corrupt deflate stream, the limit reached), if anything.

    pydicom inflates a deflated dataset whole and without bound before reading any of it; a few
    KB of zip can inflate to gigabytes. The Transfer Syntax UID in the copy reads explicit VR
    little endian (same length, padded), so pydicom reads it as it is; callers put the real
    one back on the dataset.
    """
    meta_start, meta_end = meta
    at = head.find(_SYNTAX_HEAD, meta_start, meta_end)
    if at < 0:
        raise Unreadable("deflated dataset, but its Transfer Syntax UID could not be found in the file meta")
    (length,) = struct.unpack_from("<H", head, at + 6)
    plain = pydicom.uid.ExplicitVRLittleEndian.encode("ascii")
    if length < len(plain):
        raise Unreadable(f"Transfer Syntax UID of {length} bytes in the file meta, too short for its value")
    meta = bytearray(head[:meta_end])
    meta[at + 8:at + 8 + length] = plain.ljust(length, b"\0")
    if meta_start == 0:  # no preamble: give the copy one, so that it reads as a Part 10 file
        meta[0:0] = bytes(128) + b"DICM"
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out: list[bytes] = []
    size = 0
    source = io.BytesIO(rest) if isinstance(rest, (bytes, bytearray)) else rest
    problem = None
    try:
        while size <= limit and not inflater.eof:
            chunk = inflater.unconsumed_tail or source.read(256 * 1024)
            if not chunk:
                problem = "the deflated data is truncated (the deflate stream does not end)"
                break
            piece = inflater.decompress(chunk, limit + 1 - size)
            out.append(piece)
            size += len(piece)
    except zlib.error as exc:
        problem = f"the deflated data is corrupt ({exc}); read as far as it inflates"
    if size > limit:
        problem = f"the deflated data inflates to more than {limit // (1024 * 1024)} MB"
    return bytes(meta) + b"".join(out)[:limit], problem
