"""Free text: descriptions, comments, protocol names, SR content, and everything E.1-1 cleans
under the Clean Descriptors, Structured Content or Graphics options.

People type names, IDs and dates into free text; whether they did cannot be told by rule, so
every value is listed for a person to read (the patient's own tokens in it are found by the
cross-field rule). Structured reports are flagged as a whole: their content tree is free text.
"""

from __future__ import annotations

from dicompeek.privacy.elements import DicomFile, Element, count_element
from dicompeek.privacy.findings import File
from dicompeek.privacy.protocol import RuleBase

SR_SOP_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
_WHY = "Free text: people type names, IDs and dates into it"


class FreeText(RuleBase):
    name = "free-text"
    looks_at = frozenset({"free-text", "sequence"})
    fields = ("Modality", "SOPClassUID")

    def visit_element(self, element: Element, f: File) -> None:
        if element.sequence:
            if element.info is not None and element.info.category == "free-text":
                count_element(self.findings, element, f, f"{len(element.value)} item(s)", _WHY)
            return
        count_element(self.findings, element, f, element.shown, _WHY)

    def end_file(self, dicom: DicomFile) -> None:
        modality, sop = dicom.field("Modality"), dicom.field("SOPClassUID")
        if sop.startswith(SR_SOP_PREFIX) or modality == "SR":
            self.findings.hit(("sr",), dicom.file, modality or sop, "medium", "free-text", "Structured reports (SR)",
                              "An SR's content tree holds free text (findings, names of observers, dates) "
                              "that E.1-1 removes with the Content Sequence unless cleaned.")
