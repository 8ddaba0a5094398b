"""Content not reviewed: everything that travels with the files but that this review could not
read, said out loud so that "no identifying data found" never covers it.

Non-DICOM entries (reports, scanned forms, spreadsheets, photos), entries that cannot be read,
entries not indexed (the indexing was cancelled), encapsulated PDF/CDA documents, elements
pydicom cannot convert and sequences nested deeper than the walk goes.
"""

from __future__ import annotations

import re

from dicompeek.index.indexer import OtherRecord
from dicompeek.privacy.elements import MAX_DEPTH, Element
from dicompeek.privacy.findings import File
from dicompeek.privacy.profile import action_text
from dicompeek.privacy.protocol import RuleBase, Unread

_TITLES = {"non-dicom": "Not DICOM, not reviewed: {}",
           "unreadable": "Unreadable entries, not reviewed",
           "not-indexed": "Entries not indexed (cancelled), not reviewed"}


class NotReviewed(RuleBase):
    name = "not-reviewed"
    looks_at = frozenset({"document"})

    def visit_element(self, element: Element, f: File) -> None:
        action = action_text(element.info.action if element.info else "")
        self.findings.hit(("document",), f, element.shown, "high", "non-dicom", "Encapsulated documents, not reviewed",
                          "An embedded PDF or CDA document is often a report with the patient's name, "
                          f"addresses and dates on it; this review does not read inside it ({action}).",
                          element.describe)

    def visit_unread(self, f: File, where: str, why: Unread) -> None:
        if why == "too-deep":
            self.findings.hit(("too-deep",), f, where, "high", "non-dicom",
                              f"Sequences nested deeper than {MAX_DEPTH} levels, not reviewed below that",
                              "No real DICOM object nests this deep; whatever the deeper items hold was not read.")
        else:
            self.findings.hit(("unreadable-element",), f, where, "high", "non-dicom",
                              "Elements that could not be read, not reviewed",
                              "These values are malformed (wrong length for their VR, unknown VR, broken "
                              "sequence), so this review could not read them; they still travel with the file.")

    def visit_other(self, other: OtherRecord, f: File) -> None:
        match = re.match(r"not DICOM \(([^)]*)\)", other.reason)
        what = match.group(1) if match else other.kind
        self.findings.hit(("non-dicom", other.kind, what), f, other.location, "high", "non-dicom",
                          _TITLES[other.kind].format(what),
                          "Everything in the zip leaves with it; this content was not reviewed and can hold anything "
                          "(reports, scanned forms, spreadsheets of patients, photos).")
