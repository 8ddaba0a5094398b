"""Private blocks: each private creator with its element count, and binary (OB/UN) private
values, which can hold whole vendor headers with names and dates that no viewer shows.

The basic profile removes them all (X); under a claimed Retain Safe Private Option the elements
PS3.15 Table E.3.10-1 lists as safe (:mod:`..safe_private`) are not findings, the rest are. The
patients' identities inside private values are the content rule's; a "de-identified" file with
private elements is the claims rule's.
"""

from __future__ import annotations

from dicompeek.privacy.elements import BINARY_VRS, TEXT_VRS, DicomFile, Element
from dicompeek.privacy.findings import File, Finding
from dicompeek.privacy.protocol import Context, RuleBase
from dicompeek.privacy.safe_private import SAFE_PRIVATE
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
        # replayed for a repeated top-level value: every effect goes through the recorder
        group, creator, value, vr = element.tag >> 16, element.creator, element.value, element.vr
        if "retain_safe_private" in self.context.facts.claims.options and \
                SAFE_PRIVATE.is_safe(creator, group, element.tag & 0xFFFF):
            return
        binary = isinstance(value, bytes)
        shown: str | None = None
        if vr in TEXT_VRS:
            shown = element.text
        elif binary and len(value) <= 64 and value.isascii():
            shown = value.decode("latin-1").strip(" \x00")
            if not shown.isprintable():
                shown = None
        where = tag_text(element.tag)
        key = ("private", group, creator)
        if key not in self.findings:
            self.findings.new(key, "medium", "private", "", "")
        # one effect per element, recorded for replay: a series repeats its vendor blocks
        counted = (self.findings[key], f"{where} {shown}" if shown else None, element.location)
        self._count(f, counted)
        recorder = self.context.recorder
        recorder.record(self._count, counted)
        if shown is None and (binary or vr in BINARY_VRS):
            blob_key = ("private-blob", group, creator)
            if blob_key not in self.findings:
                self.findings.new(blob_key, "medium", "private",
                                  f"Binary private values in “{creator or 'no creator'}” (group {group:04X})",
                                  "Binary (OB/UN) private values can hold whole vendor headers, including names "
                                  "and dates, that no viewer shows; the basic profile removes all private "
                                  "elements (X).")
            size = (self.findings[blob_key], f"{where} {vr}", len(value) if binary else 0)
            self._bytes(f, size)
            recorder.record(self._bytes, size)

    def _count(self, f: File, counted: tuple[Finding, str | None, str]) -> None:
        """One more element of a block: in the file, in the block's finding and its counts."""
        block, shown, location = counted
        block.hit(f, shown)
        self._elements += 1
        extra = block.extra
        extra["elements"] = extra.get("elements", 0) + 1
        extra.setdefault("path", location)

    def _bytes(self, f: File, size: tuple[Finding, str, int]) -> None:
        blob, shown, length = size
        blob.hit(f, shown)
        blob.extra["bytes"] = blob.extra.get("bytes", 0) + length

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
                              "profile removes them all (X); the Retain Safe Private Option keeps only those PS3.15 "
                              "Table E.3.10-1 lists as safe.")
            finding.element = {"tag": f"({group:04X},00xx)", "keyword": "PrivateCreator",
                               "name": f"Private Creator {creator}", "path": finding.extra.get("path", "")}
        for key, finding in self.findings:
            if key[0] == "private-blob":
                finding.title += f", {finding.extra.get('bytes', 0):,} bytes"
        summary = self.findings.get(("private", "summary"))
        if summary is not None:
            summary.title = f"{total} private elements in {len(blocks)} private blocks"
            summary.reason = ("Elements PS3.15 Table E.3.10-1 lists as safe are left out when the files claim the "
                              "Retain Safe Private Option.")
        return self.findings.values()
