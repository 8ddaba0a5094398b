"""A dataset as Part 10 bytes: the bytes pydicom's ``dcmwrite(enforce_file_format=True)`` writes,
in a fraction of its time when most elements are still raw.

Why: the de-identified copy changes a few dozen elements of a file and leaves the rest as read.
pydicom writes every element through a buffer of its own, with its checks, even when the element
is a raw value in the very encoding it is written in; for a CT slice that was about half the time
of the copy. Here a raw element (a :class:`~pydicom.dataelem.RawDataElement` in the dataset's
top level: its value bytes, its VR as read) is written as its header and those bytes, exactly as
pydicom would; everything else (converted elements, sequences, undefined lengths, values too long
for a short VR) goes through pydicom's own :func:`~pydicom.filewriter.write_data_element`. The file
meta information is pydicom's too.

Only the encodings where that is the same thing take this path: little endian, not deflated, the
dataset still in the encoding and character set it was read in (pydicom re-encodes every element
otherwise). Anything else is written by ``dcmwrite`` itself. The tests compare both writers' bytes
on many toolkits' files.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, validate_file_meta
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.multival import MultiValue
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian

from dicompeek.dicom.reader import PIXEL_TAGS

_PIXEL_DATA, _GROUP_LENGTH = 0x7FE00010, 0x00020000
_FIRST_PIXEL_TAG = min(PIXEL_TAGS)  # where a reader stops before the pixels
_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT"})
#: VRs whose str values pydicom writes as their characters (ASCII the same in every character set).
_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "LO", "LT", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
#: VRs whose bytes values pydicom writes as they are, padded to an even length.
_BYTES_VRS = frozenset({"OB", "OW"})
_STRINGS = (str, UID)  # not str's other subclasses (a PersonName is not one; a DA object is written as a date)
_UNDEFINED = 0xFFFFFFFF
_SHORT, _LONG = struct.Struct("<HH2sH").pack, struct.Struct("<HH2sHL").pack
_IMPLICIT = struct.Struct("<HHL").pack


def part10_bytes(ds: Dataset) -> bytes:
    """``ds`` (with its ``file_meta``) as pydicom's ``dcmwrite(..., enforce_file_format=True)`` writes it;
    raises what it raises (a file meta that is not valid)."""
    return part10(ds)[0]


def part10(ds: Dataset) -> tuple[bytes, int | None]:
    """:func:`part10_bytes` and where its header ends in them, as the index reads it
    (:attr:`~dicompeek.dicom.header.Header.length`: the pixel data element, or the end); None when
    pydicom's writer wrote it (the reader then finds the end itself)."""
    meta = getattr(ds, "file_meta", None)
    syntax = UID(str(meta.get("TransferSyntaxUID", "") or "")) if meta is not None else UID("")
    implicit = syntax == "1.2.840.10008.1.2"
    if (not syntax.is_transfer_syntax or syntax.is_private or not syntax.is_little_endian
            or syntax == DeflatedExplicitVRLittleEndian or ds.original_encoding != (implicit, True)
            or ds.original_character_set != ds._character_set
            or any(tag >> 16 in (0, 2) for tag in ds._dict)):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return buffer.getvalue(), None
    assert meta is not None  # its Media Storage UIDs brought up to date in place, as dcmwrite does on its copy
    for meta_keyword, keyword in (("MediaStorageSOPClassUID", "SOPClassUID"),
                                  ("MediaStorageSOPInstanceUID", "SOPInstanceUID")):
        value = ds.get(keyword)
        if meta.get(meta_keyword) is None or (value and value != meta.get(meta_keyword)):
            setattr(meta, meta_keyword, value)
    validate_file_meta(meta, enforce_standard=True)
    if _PIXEL_DATA in ds._dict:
        ds[_PIXEL_DATA].is_undefined_length = syntax.is_compressed
    preamble = getattr(ds, "preamble", None) or bytes(128)
    if len(preamble) != 128:
        raise ValueError("the preamble must be 128 bytes long")
    group = b"".join(piece for _, piece in _elements(meta, False, "iso8859", skip=_GROUP_LENGTH))
    (_, length), = _elements_of([(_GROUP_LENGTH, DataElement(_GROUP_LENGTH, "UL", len(group)))], False, "iso8859")
    body = _elements(ds, implicit, ds.get("SpecificCharacterSet", "iso8859"))
    pieces = [preamble, b"DICM", length, group, *(piece for _, piece in body)]
    header = sum(map(len, pieces[:4])) + sum(len(piece) for tag, piece in body if tag < _FIRST_PIXEL_TAG)
    return b"".join(pieces), header


def _elements(ds: Dataset, implicit: bool, encodings: Any, skip: int = -1) -> list[tuple[int, bytes]]:
    """The elements of ``ds`` in tag order, as pydicom's ``write_dataset`` writes them: (tag, bytes)."""
    # as ints: pydicom's BaseTag compares in Python, a few calls an element
    ordered = sorted(item for item in ((int(tag), elem) for tag, elem in ds._dict.items()) if item[0] != skip)
    return _elements_of([(tag, ds.get_item(tag) if _deferred(elem) else elem) for tag, elem in ordered],
                        implicit, encodings)


def _deferred(elem: Any) -> bool:
    """A raw element without its value (a deferred read, or none): pydicom's get_item converts it."""
    return isinstance(elem, RawDataElement) and elem.value is None


def _elements_of(elements: list[tuple[int, Any]], implicit: bool, encodings: Any) -> list[tuple[int, bytes]]:
    pieces: list[tuple[int, bytes]] = []
    for tag, elem in elements:
        if tag & 0xFFFF == 0 and tag >> 16 > 6:
            continue  # retired group lengths: dcmwrite leaves them out too
        value = _value_bytes(elem)
        if value is not None:
            vr = elem.VR
            if implicit:
                pieces.append((tag, _IMPLICIT(tag >> 16, tag & 0xFFFF, len(value)) + value))
                continue
            if vr in _LONG_VRS:
                pieces.append((tag, _LONG(tag >> 16, tag & 0xFFFF, vr.encode(), 0, len(value)) + value))
                continue
            if vr and len(vr) == 2 and len(value) <= 0xFFFF:
                pieces.append((tag, _SHORT(tag >> 16, tag & 0xFFFF, vr.encode(), len(value)) + value))
                continue
        fp = DicomBytesIO()
        fp.is_little_endian, fp.is_implicit_VR = True, implicit
        write_data_element(fp, elem, encodings)  # pydicom's way, for everything else
        pieces.append((tag, fp.getvalue()))
    return pieces


def _value_bytes(elem: Any) -> bytes | None:
    """The value as written, where that is plain: a raw value of a defined length, or ASCII text of a
    string VR (joined by backslashes, padded as pydicom pads); None: leave it to pydicom."""
    if isinstance(elem, RawDataElement):
        value = elem.value
        return value if elem.length != _UNDEFINED and isinstance(value, bytes) else None
    if elem.is_undefined_length:
        return None
    if elem.VR in _BYTES_VRS and type(elem.value) is bytes:  # native pixel data, as pydicom pads it
        return elem.value + b"\0" if len(elem.value) % 2 else elem.value
    if elem.VR not in _TEXT_VRS:
        return None
    value = elem.value
    if value is None or value == "":
        return b""
    text: str
    if type(value) in _STRINGS:
        text = str(value)
    elif isinstance(value, MultiValue | list) and value and all(type(v) in _STRINGS for v in value):
        text = "\\".join(value)
    else:
        return None
    if not text.isascii():
        return None
    if len(text) % 2:
        text += "\0" if elem.VR == "UI" else " "
    return text.encode("ascii")


__all__ = ["part10", "part10_bytes"]
