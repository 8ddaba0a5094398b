"""The values de-identification writes and how it reads and names what it touches: dummies for the
"D" action of PS3.15 Table E.1-1; the claims it leaves in a file (CID 7050 codes and meanings of
the profile and its options); an element's values as text and its label in the action counts.
Kept apart from :mod:`.actions` so that the engine reads as the table's rules and nothing else.

Why these dummies: "D" asks for a value of the right VR that identifies no one. Each dummy here
is one the privacy review already treats as a placeholder (:func:`~..identity.is_dummy`), so a
de-identified file is not flagged for the values put into it: "ANONYMOUS" for person names,
"ANONYMIZED" for other text (a valid code string and AE title too), 1 January 1900 for dates
(in :data:`~..identity.DUMMY_VALUES`, and a real calendar date any reader parses), midnight for
times, zero for numbers. Binary values (OB, OW, UN…) have no dummy a reader could tell from
data, so "D" empties them (zero length): nothing is kept, but a Type 1 binary attribute (an
Encapsulated Document) is then present without a value. Ages (AS) have no valid form the
review calls a placeholder; "000Y" is used and the review lists it as a low finding.
"""

from __future__ import annotations

import struct
from functools import cache
from typing import Any

from pydicom.datadict import dictionary_description
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.tag import Tag

from dicompeek.privacy.elements import vr_of as dictionary_vr
from dicompeek.privacy.profile import PROFILE

#: Person names ("D"); Patient's Name and Patient ID get the run's pseudonym instead.
DUMMY_NAME = "ANONYMOUS"
#: Other text, code strings, AE titles, URIs.
DUMMY_TEXT = "ANONYMIZED"
#: Dates (DA, and DT to the day: a valid DT) and times.
DUMMY_DATE, DUMMY_TIME = "19000101", "000000"
#: Ages.
DUMMY_AGE = "000Y"

TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT"})
#: Numbers written as text, and numbers in binary.
NUMBER_TEXT_VRS = frozenset({"DS", "IS"})
NUMBER_VRS = frozenset({"FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"})
#: Values with no dummy that differs from data: emptied instead.
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "AT"})


def dummy(vr: str) -> Any:
    """The "D" value for a VR, or None when there is none (binary: the element is emptied).
    UI and SQ are not here: a new UID and an empty sequence are the engine's."""
    if vr == "PN":
        return DUMMY_NAME
    if vr in TEXT_VRS:
        return DUMMY_TEXT
    if vr in ("DA", "DT"):
        return DUMMY_DATE
    if vr == "TM":
        return DUMMY_TIME
    if vr == "AS":
        return DUMMY_AGE
    if vr in NUMBER_TEXT_VRS:
        return "0"
    if vr in ("FL", "FD"):
        return 0.0
    if vr in NUMBER_VRS:
        return 0
    return None


#: CID 7050 "De-identification Method": the code of the basic profile, of each E.1-1 option
#: (by its key in :data:`~..profile.PROFILE`) and of Clean Pixel Data, with the code meaning
#: the standard gives it. (The table's own column names differ in wording, e.g. "Retain UIDs".)
BASIC_CODE = ("113100", "Basic Application Confidentiality Profile")
CLEAN_PIXEL_DATA_CODE = ("113101", "Clean Pixel Data Option")
OPTION_CODES: dict[str, tuple[str, str]] = {
    "clean_graphics": ("113103", "Clean Graphics Option"),
    "clean_structured_content": ("113104", "Clean Structured Content Option"),
    "clean_descriptors": ("113105", "Clean Descriptors Option"),
    "retain_full_dates": ("113106", "Retain Longitudinal Temporal Information Full Dates Option"),
    "retain_modified_dates": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    "retain_patient_characteristics": ("113108", "Retain Patient Characteristics Option"),
    "retain_device_id": ("113109", "Retain Device Identity Option"),
    "retain_uid": ("113110", "Retain UIDs Option"),
    "retain_safe_private": ("113111", "Retain Safe Private Option"),
    "retain_institution_id": ("113112", "Retain Institution Identity Option"),
}
#: What De-identification Method (0012,0063) starts with.
TOOL = "DICOM Peek"


def write_claims(ds: Dataset, options: frozenset[str], pixels_cleaned: bool = False, dates_left: bool = False) -> None:
    """Patient Identity Removed, De-identification Method and its codes, Longitudinal Temporal
    Information Modified (and Burned In Annotation NO when the pixels were cleaned). ``dates_left``:
    an option other than the date options kept a date, so the dates were not all removed."""
    codes = sorted([*(OPTION_CODES[key] for key in options if key in OPTION_CODES),
                    *([CLEAN_PIXEL_DATA_CODE] if pixels_cleaned else [])])
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = [f"{TOOL}: {BASIC_CODE[1]}", *(m.removesuffix(" Option")[:64] for _, m in codes)]
    implicit = _implicit(ds)
    if implicit is None:
        items = []
        for value, meaning in (BASIC_CODE, *codes):
            item = Dataset()
            item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
            items.append(item)
        ds.DeidentificationMethodCodeSequence = items
    else:  # the same items in every file: encoded once, written as they are (read back like any sequence)
        encoded = _code_items((BASIC_CODE, *codes), implicit)
        ds._dict[_CODE_SEQUENCE] = RawDataElement(_CODE_SEQUENCE, None if implicit else "SQ", len(encoded), encoded,
                                                  0, implicit, True)
    temporal = "MODIFIED" if "retain_modified_dates" in options else "UNMODIFIED" if "retain_full_dates" in options \
        else "" if dates_left else "REMOVED"
    if temporal:
        ds.LongitudinalTemporalInformationModified = temporal
    elif "LongitudinalTemporalInformationModified" in ds:
        del ds.LongitudinalTemporalInformationModified
    if pixels_cleaned and ("BurnedInAnnotation" in ds or "PixelData" in ds):
        ds.BurnedInAnnotation = "NO"


_CODE_SEQUENCE = Tag(0x00120064)  # De-identification Method Code Sequence


def _implicit(ds: Dataset) -> bool | None:
    """Whether ``ds`` is written in Implicit VR Little Endian (True) or another little-endian syntax
    (False); None when it is big endian or unknown (then the code items are pydicom datasets)."""
    meta = getattr(ds, "file_meta", None)
    syntax = str(meta.get("TransferSyntaxUID", "") or "") if meta is not None else ""
    if syntax == "1.2.840.10008.1.2":
        return True
    if syntax and syntax != "1.2.840.10008.1.2.2":
        return False
    return None


@cache
def _code_items(codes: tuple[tuple[str, str], ...], implicit: bool) -> bytes:
    """Code items (Code Value, Coding Scheme Designator DCM, Code Meaning) as a sequence's value:
    defined-length items of defined-length elements, in the file's VR encoding."""
    items = []
    for value, meaning in codes:
        body = b"".join(_element(tag, vr, text, implicit) for tag, vr, text in
                        ((0x00080100, "SH", value), (0x00080102, "SH", "DCM"), (0x00080104, "LO", meaning)))
        items.append(struct.pack("<HHL", 0xFFFE, 0xE000, len(body)) + body)
    return b"".join(items)


def _element(tag: int, vr: str, text: str, implicit: bool) -> bytes:
    data = text.encode("ascii")
    data += b" " * (len(data) % 2)
    header = struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(data)) if implicit else \
        struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), len(data))
    return header + data


# -- reading and naming elements ----------------------------------------------------------------


def vr_of(elem: DataElement | RawDataElement, tag: int) -> str:
    """The element's VR, or the dictionary's where it is UN or ambiguous ("US or SS": the first)."""
    vr = str(elem.VR or "")
    if vr in ("", "UN") or " or " in vr:
        known = dictionary_vr(tag)
        if known != "UN":
            return known
    return vr.split(" or ")[0] or "UN"


@cache
def label_of(tag: int) -> str:
    """"(0010,0010) Patient's Name", "(60xx,3000) Overlay Data"."""
    group, number = tag >> 16, tag & 0xFFFF
    where = f"({group >> 8:02X}xx,{number:04X})" if 0x5000 <= group <= 0x60FF and group >> 8 in (0x50, 0x60) \
        else f"({group:04X},{number:04X})"
    if number == 0:
        return f"{where} Group Length"
    try:
        name = dictionary_description(tag)
    except KeyError:
        row = PROFILE.row_for(tag)
        name = row.name if row is not None else "Unknown element"
    return f"{where} {name}"


def creator_of(ds: Dataset, tag: int) -> str:
    """A Private Creator's value, unpadded ("" when it cannot be read)."""
    try:
        value = ds[tag].value
        text = value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value or "")
    except Exception:
        return ""
    return text.strip(" \x00")[:64]


def texts(elem: DataElement) -> list[str]:
    """The values as strings; raises TypeError on a value left undecoded (it cannot be changed)."""
    value = elem.value
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray)):
        raise TypeError("a value left undecoded")
    if isinstance(value, (list, tuple, MultiValue)):
        return [str(v) for v in value]
    return [str(value)]


def joined(values: list[str]) -> str | list[str]:
    """One value as itself, several as a list (as pydicom takes them)."""
    return values[0] if len(values) == 1 else values


def is_empty(value: Any) -> bool:
    """No value (zero is one)."""
    return value is None or (not value and value != 0)
