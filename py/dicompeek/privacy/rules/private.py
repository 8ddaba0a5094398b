"""Private blocks: each private creator with its element count, and binary (OB/UN) private
values, which can hold whole vendor headers with names and dates that no viewer shows.

There is no safe-private list yet, so every private element counts as unknown: the basic
profile removes them all (X). The patient's tokens inside private values are the cross-field
rule's; a "de-identified" file with private elements is the claims rule's.
"""

from __future__ import annotations

from dicompeek.privacy.elements import BINARY_VRS, TEXT_VRS, DicomFile, Element
from dicompeek.privacy.findings import File, Finding
from dicompeek.privacy.protocol import Context, RuleBase
from dicompeek.tags.values import tag_text


class PrivateBlocks(RuleBase):
    name = "private"
    looks_at = frozenset({"private"})

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._elements = 0  # private elements in the current file

    def start_file(self, dicom: DicomFile) -> None:
        self._elements = 0

    def visit_element(self, element: Element, f: File) -> None:
        # never replayed (the walk records top-level standard values only): no need to spoil
        group, creator, value, vr = element.tag >> 16, element.creator, element.value, element.vr
        binary = isinstance(value, bytes)
        shown: str | None = None
        if vr in TEXT_VRS:
            shown = element.text
        elif binary and len(value) <= 64 and value.isascii():
            shown = value.decode("latin-1").strip(" \x00")
            if not shown.isprintable():
                shown = None
        self._elements += 1
        where = tag_text(element.tag)
        block = self.findings.hit(("private", group, creator), f, f"{where} {shown}" if shown else None,
                                  "medium", "private", "", "")
        extra = block.extra
        extra["elements"] = extra.get("elements", 0) + 1
        if "path" not in extra:
            extra["path"] = element.location
        if shown is None and (binary or vr in BINARY_VRS):
            blob = self.findings.hit(("private-blob", group, creator), f, f"{where} {vr}", "medium", "private",
                                     f"Binary private values in “{creator or 'no creator'}” (group {group:04X})",
                                     "Binary (OB/UN) private values can hold whole vendor headers, including names "
                                     "and dates, that no viewer shows; the basic profile removes all private "
                                     "elements (X).")
            blob.extra["bytes"] = blob.extra.get("bytes", 0) + (len(value) if binary else 0)

    def end_file(self, dicom: DicomFile) -> None:
        if self._elements:
            self.findings.hit(("private", "summary"), dicom.file, None, "info", "private", "", "")

    def finish(self) -> list[Finding]:
        blocks = [(key, f) for key, f in self.findings if key[0] == "private" and len(key) == 3]
        total = 0
        for (_, group, creator), finding in blocks:
            elements = finding.extra.get("elements", 0)
            total += elements
            finding.title = f"Private block “{creator or 'no creator'}” in group {group:04X}: {elements} elements"
            finding.reason = ("Private elements are the vendor's own; what they hold is undocumented here. The basic "
                              "profile removes them all (X); the Retain Safe Private Option keeps only those known to "
                              "be safe, and this review has no safe-private list, so this block counts as unknown.")
            finding.element = {"tag": f"({group:04X},00xx)", "keyword": "PrivateCreator",
                               "name": f"Private Creator {creator}", "path": finding.extra.get("path", "")}
        for key, finding in self.findings:
            if key[0] == "private-blob":
                finding.title += f", {finding.extra.get('bytes', 0):,} bytes"
        summary = self.findings.get(("private", "summary"))
        if summary is not None:
            summary.title = f"{total} private elements in {len(blocks)} private blocks"
            summary.reason = ("Known-safe vs unknown cannot be told apart: no safe-private list ships with this "
                              "review.")
        return self.findings.values()
