"""Which action of Table E.1-1 a tag gets under the chosen options, decided once per tag.

Why a module of its own: the decision depends on the tag, its VR, the options and whether the
element sits in a sequence being cleaned, never on the value; most elements of a file (and every
file of a series) ask the same question, so the answer for a raw element is remembered
(:func:`raw_plan`), which saves the engine (:mod:`.actions`) walking the table's rows and option
columns for each of them. The engine applies what is decided here; the combined actions and
their reasons are described in its docstring.
"""

from __future__ import annotations

from functools import lru_cache

from pydicom.datadict import tag_for_keyword

from dicompeek.privacy.profile import PROFILE, Row


def tag_of(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    assert tag is not None, keyword
    return tag


PATIENT_NAME, PATIENT_ID = tag_of("PatientName"), tag_of("PatientID")
#: "Z/D" and "X/Z/D" attributes that are Type 1 in common IODs: a dummy rather than nothing.
NEEDS_VALUE = frozenset(map(tag_of, ("ContentDate", "ContentTime", "AcquisitionDateTime", "DeviceSerialNumber")))
#: Elements of a code, not text: never cleaned inside a sequence being cleaned.
CODE_TAGS = frozenset(map(tag_of, ("CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "LongCodeValue",
                                 "URNCodeValue", "MappingResource", "ContextIdentifier")))
#: Free text cleaned inside a sequence being cleaned.
FREE_TEXT_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UT"})
DATE_VRS = frozenset({"DA", "DT", "TM"})
#: How a DA, DT or TM the table does not list is treated: as the table's date rows.
DATE_ROW = Row(name="Date or time not in E.1-1", basic="X",
               options={"retain_full_dates": "K", "retain_modified_dates": "C"})

#: What :func:`raw_plan` answers for a raw element (its value not yet converted).
KEEP = "keep"  # left as read
TIME_KEPT = "time kept"  # a time under Modified Dates: a whole-day shift leaves it true
NEW_UIDS = "new UIDs"  # each UID replaced, from the bytes
SHIFT_DATES = "shift dates"  # each DA value shifted, from the bytes
CONVERT = "convert"  # anything else: converted, then the general way


def resolve(row: Row, options: frozenset[str]) -> tuple[str, str]:
    """The action for ``row`` under ``options``, and the option that gave it ("" basic): a chosen
    option's action, "C" beating "K" when two chosen options disagree."""
    chosen = [(action, key) for key, action in row.options.items() if key in options]
    for action, key in chosen:
        if action == "C":
            return action, key
    return chosen[0] if chosen else (row.basic, "")


def letter_for(action: str, tag: int, vr: str) -> str:
    """One action for a combined one (see :mod:`.actions`)."""
    parts = action.split("/")
    if len(parts) == 1:
        return action
    if "U*" in parts:
        return "U*"
    letters = set(parts)
    if letters == {"X", "Z"}:
        return "Z"
    if letters == {"X", "D"}:
        return "D"
    if {"Z", "D"} <= letters:
        return "D" if vr == "UI" or tag in NEEDS_VALUE else "Z"
    return "X" if "X" in letters else parts[0]


@lru_cache(maxsize=65_536)
def raw_plan(options: frozenset[str], tag: int, vr: str, cleaning: bool) -> str:
    """What to do with a well-formed raw standard element of ``tag`` and ``vr`` (not a sequence, not
    Patient's Name or ID): one of :data:`KEEP`, :data:`TIME_KEPT`, :data:`NEW_UIDS`,
    :data:`SHIFT_DATES` (these two only for values written as pydicom would: the caller checks)
    or :data:`CONVERT`."""
    row = PROFILE.row_for(tag)
    if row is None:
        if vr not in DATE_VRS:
            return CONVERT if cleaning and vr in FREE_TEXT_VRS and tag not in CODE_TAGS else KEEP
        row = DATE_ROW
    action, option = resolve(row, options)
    letter = letter_for(action, tag, vr)
    if vr == "TM" and letter == "C" and option == "retain_modified_dates":
        return TIME_KEPT
    if vr == "UI" and letter in ("U", "U*", "D"):
        return NEW_UIDS
    if vr == "DA" and letter == "C" and option == "retain_modified_dates":
        return SHIFT_DATES
    return KEEP if not option and letter == "K" else CONVERT
