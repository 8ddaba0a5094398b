"""PS3.15 Table E.1-1 elements: every element the table lists that identifies a person or an
encounter (names, IDs, addresses, institution, device), grouped by element across the zip with
its files and distinct values.

One finding per element *path*, so the same element in a nested item is a finding of its own
with the path of its first occurrence (the tag browser opens it there). Direct identifiers (PN
values, IDs, birth date, address...) are high, the rest medium, patient characteristics low
(the profile has an option that keeps them). Free text and dates are families of their own.
"""

from __future__ import annotations

from dicompeek.privacy.elements import Element, count_element
from dicompeek.privacy.findings import File
from dicompeek.privacy.protocol import RuleBase


class ProfileElements(RuleBase):
    name = "elements"
    looks_at = frozenset({"element", "sequence"})

    def visit_element(self, element: Element, f: File) -> None:
        info = element.info
        if info is None:
            return
        if element.sequence:
            if info.category != "element":
                return
            text = f"{len(element.value)} item(s)"
        else:
            text = element.shown
        why = "A direct identifier" if info.severity == "high" else "An identifying element (E.1-1 lists it)"
        count_element(self.findings, element, f, text, why)
