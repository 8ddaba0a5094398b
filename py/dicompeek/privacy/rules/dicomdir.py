"""DICOMDIR: the directory's patient records compared with the files it indexes.

A DICOMDIR copies each patient's name and ID into its records. When the files are
de-identified and the DICOMDIR was not made again, it still names the original patient: the
one place in the export that does. A record naming a patient no file has is high ("regenerate
it"); records that agree with the files say nothing new. A DICOMDIR is not expected to carry
de-identification claims of its own, so the other rules leave its records alone (they copy
what the files hold, which is reviewed there).
"""

from __future__ import annotations

from dicompeek.privacy.elements import Element
from dicompeek.privacy.findings import File
from dicompeek.privacy.identity import is_dummy
from dicompeek.privacy.protocol import RuleBase

_RECORDS = 0x00041220  # Directory Record Sequence
_NAME, _ID = 0x00100010, 0x00100020


class Dicomdir(RuleBase):
    name = "dicomdir"
    looks_at = frozenset({"element"})

    def visit_element(self, element: Element, f: File) -> None:
        if not self.context.facts.directory or element.tag not in (_NAME, _ID) or _RECORDS not in element.parents:
            return
        text = element.text or ""
        if is_dummy(text):
            return
        patients = self.context.identity.patients.values()
        known = {p.name.casefold() for p in patients} if element.tag == _NAME else {p.id.casefold() for p in patients}
        if text.casefold() in known:
            return
        kind = "name" if element.tag == _NAME else "patient-id"
        what = "name" if element.tag == _NAME else "patient ID"
        self.findings.hit(("dicomdir", kind), f, text, "high", "cross-field",
                          "The DICOMDIR names a patient the files do not (regenerate it)",
                          "Its patient record was not made again after the files changed: it still holds a "
                          f"{what} that no file in the pick has, most likely the original.", element.describe,
                          ({"text": text, "kind": kind, "why": f"a {what} in the DICOMDIR that no file has",
                            "patient": None},))
