"""What a value *holds*: a patient's identity (by whole token, :mod:`.identity`) or an identifier
pattern (dates, phone numbers, e-mail addresses, record numbers, addresses, name cues:
:mod:`.patterns`), worked out once per element and shared by every rule that looks at it.

Why this decides severity: a finding is a claim a person must act on. "Study Description is
present" is what the profile says about an element; "Study Description holds the patient's
surname" is what a reviewer must fix. The rules ask :func:`hits` and give the high finding (with
the matching text) to the first, the medium or info one to the second.
"""

from __future__ import annotations

import re

from dicompeek.privacy.elements import Element, names_of
from dicompeek.privacy.findings import MatchInfo
from dicompeek.privacy.identity import IDENTITY_TAGS, KIND_TEXT, Identity, Match, Patient, looks_like_real_name
from dicompeek.privacy.patterns import identifiers_in, identifiers_in_path

#: Values searched for the patients' identity (numbers, dates, UIDs and codes are not).
IDENTITY_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
#: Values searched for identifier patterns: free text that a person may have typed.
PATTERN_VRS = frozenset({"LO", "LT", "SH", "ST", "UC", "UT"})
#: Elements whose values are codes, numbers or versions, not text a person typed.
_CODED = ("ID", "IDs", "Number", "Numbers", "CodeValue", "Version", "Versions", "Designator", "UID", "Identifier")
#: A family and a given name written as a DICOM person name ("Kowalski^Janina"), in any script.
_PERSON_NAME = re.compile(r"[^\W\d_]{2,}(?:[-' ][^\W\d_]+)*\^[^\W\d_]{2,}(?:[-' ^][^\W\d_]*)*")
#: Elements that *are* an address or a number to call: judged as elements (the institution's
#: address is not the patient's), not searched for patterns of themselves; a coding scheme's
#: responsible organisation (0008,0116) is a standards body's address.
_CONTACT = re.compile("Address|Telephone|Telecom|Institution|ResponsibleOrganization")
#: Binary private values up to this size are also searched (as Latin-1) for the patients' identity.
SEARCH_BINARY = 64 * 1024
NO_HITS: tuple[MatchInfo, ...] = ()


def identity_why(match: Match, patient: Patient | None, identity: Identity) -> str:
    """Why an identity match matters, without its text: whose and what it is."""
    owner = identity.patients.get(match.patient)
    label = owner.label if owner is not None else match.patient
    if patient is not None and match.patient == patient.key:
        return f"the {KIND_TEXT.get(match.kind, match.kind)} of this file's patient ({label})"
    return f"the {KIND_TEXT.get(match.kind, match.kind)} of another patient in this pick ({label})"


def _identity(text: str, patient: Patient | None, identity: Identity) -> list[MatchInfo]:
    matches = identity.search(text)
    if not matches:
        return []
    if patient is not None and any(m.patient == patient.key for m in matches):
        matches = [m for m in matches if m.patient == patient.key]  # a shared surname is this patient's
    else:  # another patient's given name alone, or a short number, is a coincidence ("Mary", "123456")
        families = {m.patient for m in matches if m.kind != "given-name"}
        matches = [m for m in matches if (m.kind != "given-name" or m.patient in families) and
                   (m.kind in ("name", "given-name", "birth-date") or len(m.text) >= 7)]
    return [{"text": m.text, "kind": m.kind, "why": identity_why(m, patient, identity), "patient": m.patient}
            for m in matches]


def hits(element: Element, patient: Patient | None, identity: Identity) -> tuple[MatchInfo, ...]:
    """Everything identifying in ``element``'s value (cached on the element)."""
    cached = element.hits
    if cached is not None:
        return cached
    found: list[MatchInfo] = []
    vr, text = element.vr, element.text
    if element.private:
        if vr in IDENTITY_VRS and text:
            found = _identity(text, patient, identity) or _person_names(text)
        elif text is None and isinstance(element.value, bytes) and len(element.value) <= SEARCH_BINARY:
            found = _identity(element.value.decode("latin-1"), patient, identity)
            if not found and b"^" in element.value:
                found = _person_names(element.value.decode("utf-8", "replace"))
    elif text and vr in IDENTITY_VRS and element.tag not in IDENTITY_TAGS:
        found = _identity(text, patient, identity)
        keyword = names_of(element.tag)[0]
        if vr in PATTERN_VRS and not keyword.endswith(_CODED) and not _CONTACT.search(keyword):
            found.extend({"text": h.text, "kind": h.kind, "why": h.why, "patient": None}
                         for h in identifiers_in(text))
    element.hits = tuple(found) if found else NO_HITS
    return element.hits


def _person_names(text: str) -> list[MatchInfo]:
    """Real-looking names written as DICOM person names in a private value, whoever they are: a
    vendor block that copies the patient's name keeps it when the name elements are replaced."""
    if "^" not in text:
        return []
    return [{"text": m.group(0), "kind": "name-shape", "patient": None,
             "why": "a family and a given name written as a DICOM person name"}
            for m in _PERSON_NAME.finditer(text) if looks_like_real_name(m.group(0))]


def path_hits(path: str, patient: Patient | None, identity: Identity) -> tuple[MatchInfo, ...]:
    """Everything identifying in a zip entry's path: identities, dates, name-shaped names."""
    found = _identity(path, patient, identity)
    seen = {m["text"].casefold() for m in found}
    found.extend({"text": h.text, "kind": h.kind, "why": h.why, "patient": None}
                 for h in identifiers_in_path(path) if h.text.casefold() not in seen)
    return tuple(found)


def leaks_of(matches: tuple[MatchInfo, ...], patient: Patient | None) -> str:
    """"own" when a match is this file's patient's or a pattern, "other" when all are another's."""
    return "own" if any(m["patient"] is None or (patient is not None and m["patient"] == patient.key)
                        for m in matches) else "other"

