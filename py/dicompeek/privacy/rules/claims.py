"""Claims against facts: what a file says was done to it (Patient Identity Removed,
De-identification Method and its Code Sequence, Longitudinal Temporal Information Modified),
checked against what is present in the same file.

The claims are read before the file's elements, because the elements are judged against them
("says de-identified, but Patient's Address is still present": E.1-1 removes it and no claimed
option keeps it); the rest is checked once the whole file has been walked (a real-looking
name, private elements, Burned In Annotation or Recognizable Visual Features YES without the
option that cleans them). Every finding of category "identity-claim" is this rule's.
"""

from __future__ import annotations

from collections.abc import Hashable

from dicompeek.privacy.elements import DicomFile, Element, standard_element, standard_value
from dicompeek.privacy.findings import File, Finding
from dicompeek.privacy.identity import looks_like_real_name
from dicompeek.privacy.profile import action_text
from dicompeek.privacy.protocol import Context, RuleBase

#: De-identification method codes (CID 7050) that are not columns of E.1-1.
EXTRA_OPTION_CODES = {"113101": "Clean Pixel Data Option",
                      "113102": "Clean Recognizable Visual Features Option"}
_CATEGORY = "identity-claim"


class Claims(RuleBase):
    name = "claims"
    looks_at = frozenset({"element", "free-text", "dates", "private"})
    fields = ("PatientName",)

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # what the current file claims
        self._deidentified = False
        self._dates_removed = False
        self._options: frozenset[str] = frozenset()
        self._codes: frozenset[str] = frozenset()
        self._claim_names: list[str] = []
        self._private = 0  # private elements in the current file

    def start_file(self, dicom: DicomFile) -> None:
        """What the file says was done to it (the elements are judged against it)."""
        ds, f, hit = dicom.ds, dicom.file, self.findings.hit
        profile = self.context.profile
        removed = str(standard_value(ds, "PatientIdentityRemoved") or "").strip().upper()
        codes = []
        for item in standard_value(ds, "DeidentificationMethodCodeSequence") or []:
            code = str(item.get("CodeValue", "") or "").strip()
            if code:
                codes.append(code)
        self._options = frozenset(option.key for option in map(profile.option_for, codes) if option is not None)
        self._claim_names = [profile.option_name(c) or EXTRA_OPTION_CODES.get(c) or c for c in codes]
        self._codes = frozenset(codes)
        self._deidentified = removed == "YES" or "113100" in codes
        temporal = str(standard_value(ds, "LongitudinalTemporalInformationModified") or "").strip().upper()
        self._dates_removed = temporal == "REMOVED"
        self._private = 0
        hit(("claim", "identity-removed"), f, removed or "(absent)", "info", _CATEGORY,
            "Patient Identity Removed (0012,0062)", "", standard_element(0x00120062))
        method = standard_value(ds, "DeidentificationMethod")
        if method:
            values = method if isinstance(method, (list, tuple)) or (hasattr(method, "__iter__") and
                                                                     not isinstance(method, str)) else [method]
            hit(("claim", "method"), f, " / ".join(str(v) for v in values), "info", _CATEGORY,
                "De-identification Method (0012,0063)", "What the file says was done to it.",
                standard_element(0x00120063))
        for code, name in zip(codes, self._claim_names, strict=True):
            hit(("claim", "codes"), f, f"{code} {name}", "info", _CATEGORY,
                "De-identification Method Code Sequence (0012,0064)",
                "The profile and options the file claims (CID 7050).", standard_element(0x00120064))
        if temporal:
            hit(("claim", "temporal"), f, temporal, "info", _CATEGORY,
                "Longitudinal Temporal Information Modified (0028,0303)",
                "Whether dates were kept, shifted or removed, as the file says.", standard_element(0x00280303))

    def replay_key(self) -> Hashable:
        return self._deidentified, self._dates_removed, self._options

    def visit_element(self, element: Element, f: File) -> None:
        info = element.info
        if info is None:  # a private element (never replayed: the walk records top-level standard values)
            self._private += 1
            return
        if info.category == "dates" and self._dates_removed:
            self.findings.hit(("claim", "dates-removed"), f, f"{info.name}: {element.shown}", "high", _CATEGORY,
                              "Says dates were removed, but dates are present",
                              "Longitudinal Temporal Information Modified (0028,0303) is REMOVED, yet this "
                              "date/time element has a value.")
        row = info.row
        if self._deidentified and row is not None and row.basic == "X" and \
                not any(row.options.get(option) in ("K", "C") for option in self._options):
            self.findings.hit(("claim", "removed", element.path), f, element.shown, "high", _CATEGORY,
                              f"Says de-identified, but {info.name} is still present",
                              f"The file claims de-identification "
                              f"({', '.join(self._claim_names) or 'Patient Identity Removed YES'}); "
                              f"{action_text('X')} for this element, and no claimed option keeps it.",
                              element.describe)

    def end_file(self, dicom: DicomFile) -> None:
        """The claims checked against the whole file."""
        if not self._deidentified:
            return
        ds, f, hit = dicom.ds, dicom.file, self.findings.hit
        name = dicom.field("PatientName")
        if looks_like_real_name(name):
            hit(("claim", "real-name"), f, name, "high", _CATEGORY,
                "Says de-identified, but Patient's Name looks like a real name",
                "Patient Identity Removed is YES or the basic profile is claimed, yet the name has a "
                "family and a given name that are not placeholders.", standard_element(0x00100010))
        if self._private:
            keeps = "retain_safe_private" in self._options
            hit(("claim", "private"), f, f"{self._private} private elements", "high", _CATEGORY,
                "Claims Retain Safe Private, but unknown private elements are present" if keeps else
                "Says de-identified, but private elements are present",
                ("The Retain Safe Private Option keeps only private elements known to be safe; this "
                 "review has no safe-private list, so every private element here is unknown."
                 if keeps else "The basic profile removes all private elements (X)."))
        burned = str(standard_value(ds, "BurnedInAnnotation") or "").strip().upper()
        if burned == "YES" and "113101" not in self._codes:
            hit(("claim", "burned-in"), f, burned, "high", _CATEGORY,
                "Says de-identified, but Burned In Annotation is YES",
                "Text burned into the pixels was not cleaned (no Clean Pixel Data Option claimed).",
                standard_element(0x00280301))
        recognizable = str(standard_value(ds, "RecognizableVisualFeatures") or "").strip().upper()
        if recognizable == "YES" and "113102" not in self._codes:
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

