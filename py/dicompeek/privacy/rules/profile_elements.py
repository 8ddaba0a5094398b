"""PS3.15 Table E.1-1 elements: every element the table lists that identifies a person or an
encounter (names, IDs, addresses, institution, device), judged by what it holds and what the
file claims.

One finding per element *path* and severity, so the same element in a nested item is a finding
of its own with the path of its first occurrence (the tag browser opens it there), and the files
whose value is real stand apart from those whose value is a dummy. The patient's own identity
elements (name, IDs, birth date, accession) are high when they hold a real identity, info when
they hold a dummy or a pseudonym; other elements are medium when E.1-1 removes or replaces them
and no claimed option keeps them, info when one does. A value with an identity or an
identifier pattern in it is the content rule's (:mod:`.cross_field`) high finding instead.
"""

from __future__ import annotations

from dicompeek.privacy.content import hits
from dicompeek.privacy.elements import Element, count_element, judge
from dicompeek.privacy.findings import File, MatchInfo
from dicompeek.privacy.identity import IDENTITY_TAGS, KIND_TEXT, PSEUDONYM_PREFIX, is_dummy, is_pseudonym
from dicompeek.privacy.identity import looks_like_real_name as real_name
from dicompeek.privacy.protocol import Facts, RuleBase


class ProfileElements(RuleBase):
    name = "elements"
    looks_at = frozenset({"element", "sequence"})

    def visit_element(self, element: Element, f: File) -> None:
        info, facts = element.info, self.context.facts
        if info is None or facts.directory:
            return
        if element.sequence:
            if info.category != "element":
                return
            text = f"{len(element.value)} item(s)"
        else:
            text = element.shown
        kind = IDENTITY_TAGS.get(element.tag)
        matches: tuple[MatchInfo, ...] = ()
        if kind and not element.sequence:
            severity, why = identity_judgement(kind, text, facts)
            if severity == "high":
                label = facts.patient.label if facts.patient else "no patient"
                matches = ({"text": text, "kind": kind, "patient": facts.patient.key if facts.patient else None,
                            "why": f"the {KIND_TEXT[kind]} of this file's patient ({label})"},)
        else:
            if hits(element, facts.patient, self.context.identity):
                return  # identifying content: the content rule's high finding
            severity, why = judge(info, text, facts.claims, content=element.sequence)
            if severity == "high":  # the patient's own address, telephone…: the value is the match
                detail = info.name.removeprefix("Patient's ").lower()
                matches = ({"text": text, "kind": info.keyword, "patient": facts.patient.key if facts.patient else None,
                            "why": f"the patient's {detail}"},)
        count_element(self.findings, element, f, text, severity, why, matches)


def identity_judgement(kind: str, text: str, facts: Facts) -> tuple[str, str]:
    """How serious one of the patient's own identity elements is, by what it holds."""
    claims, patient = facts.claims, facts.patient
    if is_dummy(text):
        return "info", "Empty or a dummy value: it names no one."
    pseudonymous = patient is not None and patient.pseudonymous
    if kind == "name":
        if is_pseudonym(text, patient.id if patient else ""):
            return "info", "A pseudonym (letters and digits, no given name): it names no one."
        if real_name(text) or not (claims.deidentified or pseudonymous):
            return "high", "A direct identifier: the patient's name."
        return "medium", ("The files claim de-identification and this is not a known pseudonym form: check that it "
                          "is not a real name.")
    if kind in ("patient-id", "other-id"):
        if (pseudonymous and kind == "patient-id") or PSEUDONYM_PREFIX.match(text):
            return "info", "A pseudonymous ID."
        if claims.deidentified and kind == "patient-id":  # Other Patient IDs are removed (X), never replaced
            return "info", (f"Replaced as the claimed de-identification ({claims.described}) says; an ID cannot be "
                            "told from the original by its form.")
        return "high", "A direct identifier: the patient's ID (a record number the site can look up)."
    if PSEUDONYM_PREFIX.match(text):
        return "info", "A pseudonymous number."
    if kind == "birth-date":
        return "high", "A direct identifier: the birth date (E.1-1 empties it; no option keeps it)."
    if claims.deidentified:
        return "medium", ("The files claim de-identification, yet the accession number has a value "
                          "(E.1-1 action Z: empty it); a hashed number is safe only if the hash is keyed.")
    return "high", "A direct identifier: the accession number (the site's order number for this study)."
