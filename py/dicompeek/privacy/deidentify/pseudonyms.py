"""Who each patient becomes: a pseudonym from a map the user gives (a CSV of original Patient ID
→ new Patient's Name, new Patient ID), else ``ANON-<n>`` in the order patients first appear.

Why a map: a study's coordinator usually has a subject list already (``SUBJ-0042``), and a later
batch must give the same patient the same pseudonym. Patients are told apart by their original
Patient ID (and Patient's Name when there is no ID), as the review does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

#: The first column names a map may have (a header row is optional).
HEADER = ("original_id", "new_name", "new_id")


@dataclass(frozen=True, slots=True)
class Pseudonym:
    name: str  # the new Patient's Name
    id: str  # the new Patient ID


class PseudonymMap(dict[str, Pseudonym]):
    """Original Patient ID → pseudonym; patients not in the map get the next ``ANON-<n>``."""

    def __init__(self, given: dict[str, Pseudonym] | None = None) -> None:
        super().__init__(given or {})
        self._given = set(self)
        self._next = 1

    @classmethod
    def from_csv(cls, text: str, source: str = "the pseudonym map") -> PseudonymMap:
        """A map from CSV text: original ID, new name, new ID (the new ID defaults to the new
        name). Raises ValueError naming ``source`` and the line on a malformed row or a duplicate."""
        given: dict[str, Pseudonym] = {}
        for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
            cells = [cell.strip() for cell in row]
            if not any(cells) or (number == 1 and tuple(c.casefold() for c in cells[:3]) == HEADER[:len(cells[:3])]):
                continue
            if len(cells) < 2 or not cells[0] or not cells[1]:
                raise ValueError(f"{source}, line {number}: expected original ID, new name[, new ID]")
            if cells[0] in given:
                raise ValueError(f"{source}, line {number}: {cells[0]!r} is mapped twice")
            given[cells[0]] = Pseudonym(cells[1], cells[2] if len(cells) > 2 and cells[2] else cells[1])
        return cls(given)

    def of(self, patient_id: str, patient_name: str = "") -> Pseudonym:
        """The pseudonym of the patient with this original ID (or name, without an ID)."""
        key = patient_id.strip() or f"name:{patient_name.strip()}"
        found = self.get(key)
        if found is None:
            taken = {p.id for p in self.values()}
            while f"ANON-{self._next}" in taken:
                self._next += 1
            found = self[key] = Pseudonym(f"ANON-{self._next}", f"ANON-{self._next}")
        return found

    def given(self, key: str) -> bool:
        """Whether the pseudonym of ``key`` came from the user's map."""
        return key in self._given
