"""Claims against facts: what a file says was done to it (Patient Identity Removed,
De-identification Method and its Code Sequence, Longitudinal Temporal Information Modified),
checked against what is present in the same file.

The claims are read before the file's elements (:mod:`..claims`, shared by every rule),
because the elements are judged against them ("says de-identified, but Patient's Address is
still present": E.1-1 removes it and no claimed option keeps it); the rest is checked once the
whole file has been walked (a real-looking name, private elements, Burned In Annotation or
Recognizable Visual Features YES without the option that cleans them). Every finding of
category "identity-claim" is this rule's.
"""

from __future__ import annotations

from dicompeek.privacy.elements import DicomFile, Element, standard_element, standard_value
from dicompeek.privacy.findings import File, Finding
from dicompeek.privacy.identity import is_dummy, looks_like_real_name
from dicompeek.privacy.profile import action_text
from dicompeek.privacy.protocol import Context, RuleBase
from dicompeek.privacy.safe_private import SAFE_PRIVATE

_CATEGORY = "identity-claim"


class Claims(RuleBase):
    name = "claims"
    looks_at = frozenset({"element", "free-text", "dates", "private"})
    fields = ("PatientName",)

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._private = 0  # private elements in the current file that no claimed option keeps

    def start_file(self, dicom: DicomFile) -> None:
        """What the file says was done to it (the elements are judged against it)."""
        f, hit, claims = dicom.file, self.findings.hit, self.context.facts.claims
        self._private = 0
        if self.context.facts.directory:
            return  # a DICOMDIR indexes the files: no claims are expected of it
        hit(("claim", "identity-removed"), f, claims.removed or "(absent)", "info", _CATEGORY,
            "Patient Identity Removed (0012,0062)", "", standard_element(0x00120062))
        method = standard_value(dicom.ds, "DeidentificationMethod")
        if method:
            values = method if isinstance(method, (list, tuple)) or (hasattr(method, "__iter__") and
                                                                     not isinstance(method, str)) else [method]
            hit(("claim", "method"), f, " / ".join(str(v) for v in values), "info", _CATEGORY,
                "De-identification Method (0012,0063)", "What the file says was done to it.",
                standard_element(0x00120063))
        for code, name in claims.listed:
            hit(("claim", "codes"), f, f"{code} {name}", "info", _CATEGORY,
                "De-identification Method Code Sequence (0012,0064)",
                "The profile and options the file claims (CID 7050).", standard_element(0x00120064))
        if claims.temporal:
            hit(("claim", "temporal"), f, claims.temporal, "info", _CATEGORY,
                "Longitudinal Temporal Information Modified (0028,0303)",
                "Whether dates were kept, shifted or removed, as the file says.", standard_element(0x00280303))

    def visit_element(self, element: Element, f: File) -> None:
        facts = self.context.facts
        claims = facts.claims
        if facts.directory or not (claims.deidentified or claims.temporal):
            return
        info = element.info
        if info is None:  # a private element
            if "retain_safe_private" not in claims.options or \
                    not SAFE_PRIVATE.is_safe(element.creator, element.tag >> 16, element.tag & 0xFFFF):
                self._count_private(f, None)
                self.context.recorder.record(self._count_private, None)
            return
        if info.category == "dates" and claims.temporal == "REMOVED" and not is_dummy(element.shown):
            self.findings.hit(("claim", "dates-removed"), f, f"{info.name}: {element.shown}", "high", _CATEGORY,
                              "Says dates were removed, but dates are present",
                              "Longitudinal Temporal Information Modified (0028,0303) is REMOVED, yet this "
                              "date/time element has a value.")
        row = info.row
        if claims.deidentified and row is not None and row.basic == "X" and claims.allowing(row) is None \
                and not is_dummy(element.shown):
            # medium: the value holds nothing identifying (else it is the content rule's high finding)
            self.findings.hit(("claim", "removed", element.path), f, element.shown, "medium", _CATEGORY,
                              f"Says de-identified, but {info.name} is still present",
                              f"The file claims de-identification ({claims.described}); "
                              f"{action_text('X')} for this element, and no claimed option keeps it.",
                              element.describe)

    def _count_private(self, f: File, _: None) -> None:
        self._private += 1

    def end_file(self, dicom: DicomFile) -> None:
        """The claims checked against the whole file."""
        claims = self.context.facts.claims
        if not claims.deidentified or self.context.facts.directory:
            return
        ds, f, hit = dicom.ds, dicom.file, self.findings.hit
        name = dicom.field("PatientName")
        if looks_like_real_name(name):
            hit(("claim", "real-name"), f, name, "high", _CATEGORY,
                "Says de-identified, but Patient's Name looks like a real name",
                "Patient Identity Removed is YES or the basic profile is claimed, yet the name has a "
                "family and a given name that are not placeholders.", standard_element(0x00100010),
                ({"text": name, "kind": "name", "why": "a family and a given name",
                  "patient": self.context.facts.patient.key if self.context.facts.patient else None},))
        if self._private:
            keeps = "retain_safe_private" in claims.options
            hit(("claim", "private"), f, f"{self._private} private elements", "high", _CATEGORY,
                "Claims Retain Safe Private, but private elements not known to be safe are present" if keeps else
                "Says de-identified, but private elements are present",
                ("The Retain Safe Private Option keeps only the private elements PS3.15 Table E.3.10-1 lists as "
                 "safe; these are not on it." if keeps else "The basic profile removes all private elements (X)."))
        burned = str(standard_value(ds, "BurnedInAnnotation") or "").strip().upper()
        if burned == "YES" and "113101" not in claims.codes:
            hit(("claim", "burned-in"), f, burned, "high", _CATEGORY,
                "Says de-identified, but Burned In Annotation is YES",
                "Text burned into the pixels was not cleaned (no Clean Pixel Data Option claimed).",
                standard_element(0x00280301))
        recognizable = str(standard_value(ds, "RecognizableVisualFeatures") or "").strip().upper()
        if recognizable == "YES" and "113102" not in claims.codes:
            hit(("claim", "recognizable"), f, recognizable, "high", _CATEGORY,
                "Says de-identified, but Recognizable Visual Features is YES",
                "A face or other recognisable feature is in the pixels and the Clean Recognizable "
                "Visual Features Option is not claimed.", standard_element(0x00280302))

    def finish(self) -> list[Finding]:
        """Word the identity claim by what the files say together."""
        finding = self.findings.get(("claim", "identity-removed"))
        if finding is not None:
            values = finding.values
            if set(values) == {"YES"}:
                finding.title = "Says de-identified: Patient Identity Removed is YES"
                finding.reason = "A claim, checked against what is present by the other findings."
            elif "YES" in values:
                finding.severity = "medium"
                finding.title = "Only some files say they are de-identified"
                finding.reason = ("Patient Identity Removed (0012,0062) is YES in some files and not in others: the "
                                  "zip mixes de-identified and original files, or the de-identification stopped part "
                                  "way.")
            else:
                finding.severity = "low"
                finding.title = "No de-identification claim"
                finding.reason = ("Patient Identity Removed (0012,0062) is absent or NO: nothing says these files were "
                                  "de-identified, so expect original identifiers.")
        return self.findings.values()
