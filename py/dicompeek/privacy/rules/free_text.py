"""Free text: descriptions, comments, protocol names, SR content, and everything E.1-1 cleans
under the Clean Descriptors, Structured Content or Graphics options.

People type names, IDs and dates into free text. What is in a value is read (the content rule,
:mod:`.cross_field`, reports identities and identifier patterns as high, with the matching
text); what is left is judged by the claims: allowed by a claimed Clean option (info), or
removed by E.1-1 and still here (medium). Structured reports are counted as a whole too: their
content tree is free text.
"""

from __future__ import annotations

from dicompeek.privacy.content import hits
from dicompeek.privacy.elements import DicomFile, Element, count_element, governing_row, judge
from dicompeek.privacy.findings import File
from dicompeek.privacy.protocol import RuleBase

SR_SOP_PREFIX = "1.2.840.10008.5.1.4.1.1.88."


class FreeText(RuleBase):
    name = "free-text"
    looks_at = frozenset({"free-text", "sequence"})
    fields = ("Modality", "SOPClassUID")

    def visit_element(self, element: Element, f: File) -> None:
        info, facts = element.info, self.context.facts
        if info is None or facts.directory:
            return
        if element.sequence:
            if info.category == "free-text":
                text = f"{len(element.value)} item(s)"
                count_element(self.findings, element, f, text, *judge(info, text, facts.claims, content=True))
            return
        if hits(element, facts.patient, self.context.identity):
            return  # identifying content: the content rule's high finding
        text = element.shown
        severity, why = judge(info, text, facts.claims, governing_row(element), content=True)
        if severity != "info":
            why = f"Free text: people type names, IDs and dates into it. {why}"
        count_element(self.findings, element, f, text, severity, why)

    def end_file(self, dicom: DicomFile) -> None:
        modality, sop = dicom.field("Modality"), dicom.field("SOPClassUID")
        if not (sop.startswith(SR_SOP_PREFIX) or modality == "SR"):
            return
        claims = self.context.facts.claims
        if "clean_structured_content" in claims.options or claims.deidentified:
            self.findings.hit(("sr", "cleaned"), dicom.file, modality or sop, "info", "free-text",
                              "Structured reports (SR) of files that claim de-identification",
                              "Their text values were read for identities and identifier patterns (any found is "
                              "a finding of its own).")
        else:
            self.findings.hit(("sr",), dicom.file, modality or sop, "medium", "free-text", "Structured reports (SR)",
                              "An SR's content tree holds free text (findings, names of observers, dates) "
                              "that E.1-1 removes with the Content Sequence unless cleaned (Clean Structured "
                              "Content Option).")
