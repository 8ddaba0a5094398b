"""What the privacy review looks for: each element's rule, and the small tables behind them.

PS3.15 Table E.1-1 (:mod:`.confidentiality`) says what de-identification does with an
element; this module turns that into what a *reviewer* needs: which category of finding an
element belongs to and how serious a value in it is. The rule of every tag is worked out once
(:func:`rule_for`, cached), so the walk over a dataset costs a dict lookup per element.

The tables here (UID roots, modalities that carry burned-in text, placeholder names) are
short and curated: they point a person at something to check, they do not decide for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.datadict import dictionary_description
from pydicom.dataset import Dataset

from .confidentiality import PROFILE, Row
from .tag_values import tag_text

SEVERITIES = ("high", "medium", "low", "info")

#: What each E.1-1 action letter asks a de-identifier to do.
ACTIONS = {
    "D": "replace with a dummy value", "Z": "empty it or replace with a dummy value",
    "X": "remove", "K": "keep", "C": "clean", "U": "replace with a consistent new UID",
    "U*": "replace UIDs in it with consistent new ones",
}

TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM",
                      "UC", "UI", "UR", "UT"})
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})

#: De-identification method codes (CID 7050) that are not columns of E.1-1.
EXTRA_OPTION_CODES = {"113101": "Clean Pixel Data Option",
                      "113102": "Clean Recognizable Visual Features Option"}

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
#: The values the cross-field search looks for elsewhere come from these; they are not leaks of themselves.
IDENTITY_SOURCES = {
    tag_for_keyword("PatientName"): "name", tag_for_keyword("OtherPatientNames"): "name",
    tag_for_keyword("PatientBirthName"): "name", tag_for_keyword("PatientID"): "patient-id",
    tag_for_keyword("OtherPatientIDs"): "patient-id", tag_for_keyword("PatientBirthDate"): "birth-date",
    tag_for_keyword("AccessionNumber"): "accession",
}
OVERLAY_DATA = 0x60003000
ICON_IMAGE = tag_for_keyword("IconImageSequence")
ENCAPSULATED_DOCUMENT = tag_for_keyword("EncapsulatedDocument")

#: Well-known UID roots: (root, who, severity). Longest first, so the most specific wins.
UID_ROOTS = sorted([
    ("1.2.840.113619", "GE Healthcare", "medium"),
    ("1.3.12.2.1107.5", "Siemens Healthineers", "medium"),
    ("1.3.46.670589", "Philips", "medium"),
    ("1.2.840.113704", "Philips (formerly Picker/Marconi)", "medium"),
    ("1.2.392.200036.9116", "Toshiba / Canon Medical", "medium"),
    ("1.2.392.200036.9125", "Fujifilm", "medium"),
    ("1.2.840.113564", "Agfa", "medium"),
    ("1.3.6.1.4.1.5962", "David Clunie (dicom3tools)", "low"),
    ("1.2.276.0.7230010", "OFFIS DCMTK (toolkit default root)", "low"),
    ("1.2.40.0.13", "dcm4che (toolkit root)", "low"),
    ("1.2.826.0.1.3680043.8.498", "pydicom (toolkit default root)", "low"),
    ("1.2.826.0.1.3680043", "Medical Connections (free roots handed out to many sites and tools)", "low"),
], key=lambda r: -len(r[0]))
_GENERIC_ROOTS = ((re.compile(r"^1\.3\.6\.1\.4\.1\.(\d+)\."), "IANA Private Enterprise Number {}", "1.3.6.1.4.1.{}"),
                  (re.compile(r"^1\.2\.840\.(\d{5,})\."), "ANSI-registered organisation {}", "1.2.840.{}"))
#: A 14-digit YYYYMMDDhhmmss at the start of a UID component.
UID_TIMESTAMP = re.compile(r"(?:^|\.)((?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                           r"(?:[01]\d|2[0-3])[0-5]\d[0-5]\d)")

#: Modalities whose images usually carry burned-in text (screenshots, photos, scanned paper, labels).
RISKY_MODALITIES = {"US": "ultrasound", "XA": "angiography screens", "RF": "fluoroscopy screens",
                    "ES": "endoscopy photos", "XC": "external camera photos", "GM": "microscopy photos",
                    "OP": "ophthalmic photos", "OT": "secondary capture", "SC": "secondary capture",
                    "DOC": "scanned documents", "SM": "slide labels", "IVUS": "intravascular ultrasound"}
#: SOP classes likewise: secondary capture family, VL photographs, encapsulated documents.
RISKY_SOP_PREFIXES = (("1.2.840.10008.5.1.4.1.1.7", "secondary capture (screenshots, dose reports)"),
                      ("1.2.840.10008.5.1.4.1.1.77.1", "visible light photograph"),
                      ("1.2.840.10008.5.1.4.1.1.104", "encapsulated document"),
                      ("1.2.840.10008.5.1.4.1.1.6", "ultrasound"),
                      ("1.2.840.10008.5.1.4.1.1.3.1", "ultrasound"))
SR_SOP_PREFIX = "1.2.840.10008.5.1.4.1.1.88."

#: Words that make a name a placeholder rather than a person.
PLACEHOLDER_WORDS = frozenset({
    "ANON", "ANONYMOUS", "ANONYMIZED", "ANONYMISED", "DEIDENTIFIED", "REMOVED", "PATIENT", "TEST", "DEMO",
    "PHANTOM", "UNKNOWN", "NONE", "NULL", "NA", "N/A", "XXX", "QA", "STUDY", "SUBJECT", "CASE", "DUMMY",
    "SAMPLE", "RESEARCH", "ZZZ", "DOE"})


@dataclass(frozen=True, slots=True)
class Rule:
    """How the review treats one tag: ``category`` "element", "free-text", "dates", "uids",
    "claim", "pixels" or "" (only searched for leaks)."""

    category: str
    severity: str = "medium"
    keyword: str = ""
    name: str = ""
    row: Row | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.row.basic if self.row else ""


SEARCH_ONLY = Rule("")


def vr_of(tag: int) -> str:
    """The dictionary VR (the first of an ambiguous pair); UN for private or unknown tags."""
    return _vr(tag)


@lru_cache(maxsize=None)
def _vr(tag: int) -> str:
    if tag >> 16 & 1:
        return "UN"
    try:
        return dictionary_VR(tag).split(" ")[0]
    except KeyError:
        return "UN"


@lru_cache(maxsize=None)
def rule_for(tag: int) -> Rule:
    """The review's rule for a standard (even-group) tag, from E.1-1 and the VR."""
    if tag in CLAIM_TAGS:
        return Rule("claim")
    if tag == ENCAPSULATED_DOCUMENT:
        return Rule("document", "high", "EncapsulatedDocument", "Encapsulated Document", PROFILE.row_for(tag))
    if tag == OVERLAY_DATA or tag == ICON_IMAGE or (tag & 0xFF00FFFF) == OVERLAY_DATA:
        return Rule("pixels", "medium", *_names(tag), PROFILE.row_for(tag))
    row = PROFILE.row_for(tag)
    vr = _vr(tag)
    keyword, name = _names(tag)
    if row is not None:
        keyword, name = row.keyword or keyword, row.name or name
    if vr == "UI":
        return Rule("uids", "low", keyword, name, row)
    if vr == "PN" or (row is not None and _DIRECT.search(keyword)):
        return Rule("element", "high", keyword, name, row)
    if vr in ("DA", "DT", "TM"):
        return Rule("dates", "low" if vr == "TM" else "medium", keyword, name, row)
    if keyword in _EXTRA_FREE_TEXT:
        return Rule("free-text", "medium", keyword, name, None)
    if row is None:
        return SEARCH_ONLY
    if vr == "SQ" and "U" in row.basic:  # reference sequences: their UIDs are reviewed as UIDs
        return SEARCH_ONLY
    cleans = {"clean_descriptors", "clean_structured_content", "clean_graphics"} & row.options.keys()
    if vr != "SQ" and (cleans or (vr in ("LO", "LT", "ST", "SH", "UT", "UC") and _FREE_TEXT.search(keyword))):
        return Rule("free-text", "medium", keyword, name, row)
    severity = "low" if "retain_patient_characteristics" in row.options else "medium"
    return Rule("element", severity, keyword, name, row)


def _names(tag: int) -> tuple[str, str]:
    try:
        return keyword_for_tag(tag) or "", dictionary_description(tag)
    except KeyError:
        return "", "Unknown element"


def action_text(action: str) -> str:
    """"X/Z/D" → "X/Z/D: remove, or empty it or replace with a dummy value, or …"."""
    if not action:
        return "not listed in E.1-1"
    parts = [ACTIONS.get(a, a) for a in action.split("/")]
    return f"E.1-1 action {action}: {', or '.join(parts)}"


def uid_root(uid: str) -> tuple[str, str, str] | None:
    """(root, who, severity) of a well-known or registered root of ``uid``, else None."""
    for root, who, severity in UID_ROOTS:
        if uid.startswith(root) and (len(uid) == len(root) or uid[len(root)] == "."):
            return root, who, severity
    for pattern, who, root in _GENERIC_ROOTS:
        match = pattern.match(uid)
        if match:
            return root.format(match.group(1)), who.format(match.group(1)), "medium"
    return None


def risky_pixels(modality: str, sop_class: str) -> str | None:
    """Why images of this modality / SOP class often carry burned-in text, else None."""
    for prefix, why in RISKY_SOP_PREFIXES:
        if sop_class.startswith(prefix):
            return why
    return RISKY_MODALITIES.get(modality)


def looks_like_real_name(name: str) -> bool:
    """A family and a given name, both made of letters, neither a placeholder word."""
    parts = [p.strip() for p in name.split("=")[0].split("^")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return False
    words = " ".join(parts[:2]).upper().replace("-", " ").replace("'", " ").split()
    if not all(w.isalpha() and len(w) >= 2 for w in words):
        return False
    return not any(w in PLACEHOLDER_WORDS or w.startswith(("PATIENT", "TEST", "ANON")) for w in words)


def name_tokens(name: str) -> list[str]:
    """The components of a PN value worth searching for elsewhere (≥ 3 letters, not placeholders)."""
    words = re.split(r"[\^=\s,]+", name.upper())
    return [w for w in words if len(w) >= 3 and w not in PLACEHOLDER_WORDS and not w.isdigit()]


def id_token(value: str) -> str | None:
    """An ID or date worth searching for elsewhere: at least 4 characters, not a placeholder."""
    value = value.strip().upper()
    if len(value) < 4 or value in PLACEHOLDER_WORDS or len(set(value)) == 1:
        return None
    return value


def leak_pattern(tokens: dict[str, str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for every token; short words and numbers must stand alone."""
    if not tokens:
        return None
    alternatives = []
    for token in sorted(tokens, key=len, reverse=True):
        escaped = re.escape(token)
        if any(c.isdigit() for c in token):
            escaped = rf"(?<![0-9]){escaped}(?![0-9])"
        elif len(token) < 4:
            escaped = rf"(?<![A-Za-z]){escaped}(?![A-Za-z])"
        alternatives.append(escaped)
    return re.compile("|".join(alternatives), re.IGNORECASE)


# -- values and elements as the report shows them ----------------------------------------------

def value_text(ds: Dataset, tag: int, value: Any) -> str:
    """A text value as one string (multiple values joined by backslashes), without padding."""
    if isinstance(value, bytes):
        if value.isascii():
            return value.decode("ascii").strip(" \x00")
        value = ds[tag].value  # pydicom decodes it in the dataset's character set
    if isinstance(value, str):
        return value.strip(" \x00")
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value).strip(" \x00")
    return str(value).strip(" \x00")


def describe(tag: int) -> str:
    try:
        return dictionary_description(tag)
    except KeyError:
        return "Unknown element"


def clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def element_info(rule, tag: int, parents: tuple[int, ...], prefix: str) -> dict[str, str]:
    return {"tag": tag_text(tag), "keyword": rule.keyword, "name": rule.name, "path": f"{prefix}{tag_text(tag)}"}


def standard_element(tag: int) -> dict[str, str]:
    rule = rule_for(tag)
    return {"tag": tag_text(tag), "keyword": rule.keyword, "name": rule.name, "path": tag_text(tag)}
