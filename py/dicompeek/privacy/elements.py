"""What the walk shows the rules: one element (:class:`Element`) or one file (:class:`DicomFile`),
and what kind of element it is (:func:`classify`).

PS3.15 Table E.1-1 (:mod:`.profile`) says what de-identification does with an element; this
module turns that into what a *reviewer* needs: which rule family looks at an element (its
``category``) and how serious a value in it is. The classification of every tag is worked out
once (cached), so the walk costs a dict lookup per element, and the walk hands each element
only to the rules that look at its kind (:data:`ELEMENT_KINDS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydicom.datadict import dictionary_description, dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

from dicompeek.privacy.claims import Claims
from dicompeek.privacy.findings import ElementInfo, File, Findings
from dicompeek.privacy.identity import is_dummy
from dicompeek.privacy.profile import PROFILE, Row, action_text
from dicompeek.tags.values import tag_text

TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM",
                      "UC", "UI", "UR", "UT"})
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})
#: Sequences are walked to this depth (as the tag browser shows them); deeper items are reported
#: as not reviewed. It bounds the walk's recursion: hostile files nest thousands of levels.
MAX_DEPTH = 32

#: The category of every standard element that is not a sequence ("" = only searched for leaks).
CATEGORIES = ("", "element", "free-text", "dates", "uids", "claim", "pixels", "document")
#: What a rule can look at (``Rule.looks_at``): a category above, any standard sequence
#: ("sequence", its category in ``element.info``), or any private data element ("private").
ELEMENT_KINDS = (*CATEGORIES, "sequence", "private")

#: Elements whose value is a direct identifier even when the VR is not PN.
_DIRECT = re.compile(r"PatientID|OtherPatientIDs|BirthDate|BirthTime|BirthName|Address|Telephone|Telecom|"
                     r"MedicalRecordLocator|AccessionNumber|AdmissionID|ServiceEpisodeID|InsurancePlan|"
                     r"MilitaryRank|ResponsiblePerson|OtherPatientNames|PersonName|RegionOfResidence|"
                     r"PatientReligiousPreference|BranchOfService|PatientPrimaryLanguage")
#: Keywords of free text that a person may have typed a name into.
_FREE_TEXT = re.compile(r"Description|Comment|Label|Text|Note|Reason|History|Diagnos|Allergies|"
                        r"MedicalAlerts|Occupation|ProtocolName|Title")
#: Free text that E.1-1 governs only through its parent (the SR content tree), so has no row.
_EXTRA_FREE_TEXT = ("TextValue", "DocumentTitle", "ContentDescription", "ContentLabel")
#: De-identification claims: read as claims, not reported as identifying elements.
CLAIM_TAGS = frozenset(tag_for_keyword(k) for k in (
    "PatientIdentityRemoved", "DeidentificationMethod", "DeidentificationMethodCodeSequence",
    "LongitudinalTemporalInformationModified", "BurnedInAnnotation", "RecognizableVisualFeatures"))
OVERLAY_DATA = 0x60003000
ICON_IMAGE = tag_for_keyword("IconImageSequence")
ENCAPSULATED_DOCUMENT = tag_for_keyword("EncapsulatedDocument")


@dataclass(frozen=True, slots=True)
class TagInfo:
    """How the review treats one standard tag: its ``category`` (one of :data:`CATEGORIES`), the
    severity of a value in it, its names and its E.1-1 row."""

    category: str
    severity: str = "medium"
    keyword: str = ""
    name: str = ""
    row: Row | None = None

    @property
    def action(self) -> str:
        return self.row.basic if self.row else ""


SEARCH_ONLY = TagInfo("")


def vr_of(tag: int) -> str:
    """The dictionary VR (the first of an ambiguous pair); UN for private or unknown tags."""
    return _vr(tag)


@cache
def _vr(tag: int) -> str:
    if tag >> 16 & 1:
        return "UN"
    try:
        return str(dictionary_VR(tag)).split(" ")[0]
    except KeyError:
        return "UN"


@cache
def classify(tag: int) -> TagInfo:
    """The review's treatment of a standard (even-group) tag, from E.1-1 and the VR."""
    if tag in CLAIM_TAGS:
        return TagInfo("claim")
    if tag == ENCAPSULATED_DOCUMENT:
        return TagInfo("document", "high", "EncapsulatedDocument", "Encapsulated Document", PROFILE.row_for(tag))
    if tag in (OVERLAY_DATA, ICON_IMAGE) or (tag & 0xFF00FFFF) == OVERLAY_DATA:
        return TagInfo("pixels", "medium", *names_of(tag), PROFILE.row_for(tag))
    row = PROFILE.row_for(tag)
    vr = _vr(tag)
    keyword, name = names_of(tag)
    if row is not None:
        keyword, name = row.keyword or keyword, row.name or name
    if vr == "UI":
        return TagInfo("uids", "low", keyword, name, row)
    if vr == "PN" or (row is not None and _DIRECT.search(keyword)):
        return TagInfo("element", "high", keyword, name, row)
    if vr in ("DA", "DT", "TM"):
        return TagInfo("dates", "low" if vr == "TM" else "medium", keyword, name, row)
    if keyword in _EXTRA_FREE_TEXT:
        return TagInfo("free-text", "medium", keyword, name, None)
    if row is None:
        return SEARCH_ONLY
    if vr == "SQ" and "U" in row.basic:  # reference sequences: their UIDs are reviewed as UIDs
        return SEARCH_ONLY
    cleans = {"clean_descriptors", "clean_structured_content", "clean_graphics"} & row.options.keys()
    if vr != "SQ" and (cleans or (vr in ("LO", "LT", "ST", "SH", "UT", "UC") and _FREE_TEXT.search(keyword))):
        return TagInfo("free-text", "medium", keyword, name, row)
    severity = "low" if "retain_patient_characteristics" in row.options else "medium"
    return TagInfo("element", severity, keyword, name, row)


@cache
def names_of(tag: int) -> tuple[str, str]:
    """The dictionary's keyword and name of a tag ("", "Unknown element" for a tag it lacks)."""
    try:
        return keyword_for_tag(tag) or "", dictionary_description(tag)
    except KeyError:
        return "", "Unknown element"


def describe(tag: int) -> str:
    return names_of(tag)[1]


def value_text(ds: Dataset, tag: int, value: Any) -> str:
    """A text value as one string (multiple values joined by backslashes), without padding."""
    if isinstance(value, bytes):
        if value.isascii() and b"\x1b" not in value:  # ISO 2022 text is 7-bit too, with escapes
            return value.decode("ascii").strip(" \x00")
        value = ds[tag].value  # pydicom decodes it in the dataset's character set
    if isinstance(value, str):
        return value.strip(" \x00")
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value).strip(" \x00")
    return str(value).strip(" \x00")


def standard_value(ds: Dataset, keyword: str) -> Any:
    """The value of a standard element, or None: an absent one (most files) costs two dict lookups,
    not pydicom's keyword machinery and a KeyError."""
    tag = _TAGS.get(keyword) or _TAGS.setdefault(keyword, tag_for_keyword(keyword) or 0)
    if tag not in ds._dict:
        return None
    try:
        return ds[tag].value
    except Exception:  # malformed: the walk reports it as an element that could not be read
        return None


_TAGS: dict[str, int] = {}


def standard_element(tag: int) -> ElementInfo:
    """A top-level standard element as a finding names it."""
    info = classify(tag)
    return {"tag": tag_text(tag), "keyword": info.keyword, "name": info.name, "path": tag_text(tag)}


class Element:
    """One element with a value, where the walk found it, as every rule looking at it sees it.

    ``text`` is the value as text for the text VRs (None for others); ``info`` its
    classification (None for a private element, whose block's creator is ``creator``).
    """

    __slots__ = ("_shown", "creator", "ds", "hits", "info", "parents", "prefix", "private", "tag", "text", "value",
                 "vr")

    def __init__(self, ds: Dataset, tag: int, vr: str, value: Any, text: str | None, parents: tuple[int, ...],
                 prefix: str, info: TagInfo | None, creator: str = "") -> None:
        self.ds, self.tag, self.vr, self.value, self.text = ds, tag, vr, value, text
        self.parents, self.prefix, self.info, self.creator = parents, prefix, info, creator
        self.private = info is None  # only private elements have no classification
        self._shown: str | None = None
        #: What is identifying in the value (:func:`.content.hits` fills it once).
        self.hits: tuple[dict[str, Any], ...] | None = None

    @property
    def sequence(self) -> bool:
        return self.vr == "SQ"

    @property
    def path(self) -> tuple[int, ...]:
        """The tags from the top-level element down to this one (a finding's key)."""
        return (*self.parents, self.tag)

    @property
    def location(self) -> str:
        """"(0008,1140) > item 1 > (0008,1155)"."""
        return f"{self.prefix}{tag_text(self.tag)}"

    @property
    def shown(self) -> str:
        """The value as a finding lists it: the text, else "OB, 300 bytes" or the converted value.
        Converting may raise (a malformed value): the walk then reports the element as unreadable,
        so a rule asks for this before it counts anything of this element."""
        if self._shown is None:
            if self.text is not None:
                self._shown = self.text
            elif self.vr in BINARY_VRS:
                self._shown = f"{self.vr}, {len(self.value)} bytes"
            else:
                self._shown = str(self.ds[self.tag].value)
        return self._shown

    def describe(self) -> ElementInfo:
        """The element as a finding names it (the path of its first occurrence)."""
        info = self.info or SEARCH_ONLY
        return {"tag": tag_text(self.tag), "keyword": info.keyword, "name": info.name, "path": self.location}


def governing_row(element: Element) -> Row | None:
    """The E.1-1 row that governs an element: its own, else its nearest sequence's (an SR's Text
    Value is governed by the Content Sequence it is in)."""
    if element.info is not None and element.info.row is not None:
        return element.info.row
    for parent in reversed(element.parents):
        row = PROFILE.row_for(parent)
        if row is not None:
            return row
    return None


def count_element(findings: Findings, element: Element, f: File, text: str, severity: str, why: str,
                  matches: tuple[dict[str, Any], ...] = ()) -> None:
    """A value of an element listed for what it is (E.1-1 element, free text, date): one finding per
    category, path and severity, titled by the element, with the reason ``why`` (never a value)."""
    info = element.info or SEARCH_ONLY
    key = (info.category, element.path, severity)
    finding = findings.get(key)
    if finding is None:
        title = f"{info.name} {tag_text(element.tag)}"
        finding = findings.new(key, severity, info.category, title, why, element.describe())
    findings.count(finding, f, text, matches)


def judge(info: TagInfo, text: str, claims: Claims, row: Row | None = None, content: bool = False) -> tuple[str, str]:
    """The severity of a value with nothing identifying in it, and why: allowed by a claimed
    option or a dummy (info), else what E.1-1 asks (medium; low for patient characteristics).
    ``row``: the E.1-1 row that governs it (its own, or its sequence's); ``content``: its text was
    read for identities and patterns (free text, sequences), so a claimed replacement (D) is
    taken at its word."""
    row = row or info.row
    option = claims.allowing(row)
    if option is not None:
        return "info", f"Kept as the claimed {option} allows; nothing identifying was found in it."
    if is_dummy(text):
        return "info", "Empty or a dummy value."
    action = row.basic if row else info.action
    if content and claims.deidentified and action in ("D", "Z", "Z/D", "X/Z/D", "X/D"):
        return "info", (f"The files claim de-identification ({claims.described}); {action_text(action)}: this "
                        "value was read and nothing identifying was found in it.")
    if action == "K":
        return "info", f"{action_text(action)}."
    if row is None and content and "clean_descriptors" in claims.options:  # Content Label, Description…
        return "info", ("Descriptions are cleaned as the claimed Clean Descriptors Option says (E.1-1 does not "
                        "list this one); its text was read and nothing identifying was found in it.")
    # the patient's own contact details stay high; staff names, institutions and devices are medium
    severity = info.severity if info.severity != "high" or info.keyword.startswith("Patient") else "medium"
    if claims.deidentified:
        return severity, (f"The files claim de-identification ({claims.described}) but this value stays; "
                          f"{action_text(action)}, and no claimed option keeps it.")
    return severity, f"An identifying element; {action_text(action)}."


@dataclass(slots=True)
class DicomFile:
    """One DICOM file as the rules see it before and after its elements: the entry as findings
    count it, its whole header and its index record's fields."""

    file: File
    ds: Dataset
    fields: dict[str, Any]

    def field(self, name: str) -> str:
        return str(self.fields.get(name) or "")
