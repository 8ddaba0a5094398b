"""What the table's actions need from a run (:class:`.actions.Context`), for one patient: new
UIDs, shifted dates, cleaned text, the pseudonym.

Cleaning ("C": Clean Descriptors, Clean Structured Content) takes out of free text what the
review would call identifying: every identity of the pick found in it (names, IDs, birth dates,
accession numbers, by whole token as the review searches) and every identifier pattern (dates,
MRN-like numbers, phone numbers, e-mail addresses…). What is left is kept ("CT CHEST
KOWALSKI" becomes "CT CHEST"); the review of the output checks the same things, so a cleaned
value cannot be flagged for what was cleaned.

The names of the other people a file names (operators, physicians, an observer in an SR: its
PN elements at every depth, :meth:`RunContext.learn_people`) are taken out too: E.1-1 removes the
elements that held them, after which the review of the copy no longer knows them, so a "Tech:
Ewa Lewandowska" left in Image Comments would pass it unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from dicompeek.privacy.deidentify.dates import shift
from dicompeek.privacy.deidentify.uids import UidMap
from dicompeek.privacy.deidentify.values import vr_of
from dicompeek.privacy.elements import MAX_DEPTH
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.patterns import identifiers_in

_SPACES = re.compile(r"[ \t]{2,}")


@dataclass
class RunContext:
    """The :class:`~.actions.Context` of one file: its patient's pseudonym and date offset."""

    uids: UidMap
    identity: Identity
    days: int  # the patient's date offset (Modified Dates)
    pseudonym_name: str
    pseudonym_id: str
    keep_overlays: bool = False
    people: Identity = field(default_factory=Identity)  # the file's other persons (learn_people)

    def learn_people(self, ds: Dataset, options: frozenset[str]) -> None:
        """Learn the persons ``ds`` names in PN elements, at every depth, when an option cleans text."""
        if {"clean_descriptors", "clean_structured_content"} & options:
            for name in _person_names(ds, 0):
                self.people.learn("people", "name", name)

    def new_uid(self, uid: str) -> str:
        return self.uids.new_uid(uid)

    def shift(self, value: str, vr: str) -> str:
        return shift(value, vr, self.days)

    def clean(self, text: str) -> str:
        return clean_text(text, self.identity, self.people)


def clean_text(text: str, identity: Identity, people: Identity | None = None) -> str:
    """``text`` without the identities and identifier patterns the review looks for (and the names
    of ``people``)."""
    spans = [m.text for m in identity.search(text)] + [h.text for h in identifiers_in(text)]
    if people is not None:
        spans += [m.text for m in people.search(text)]
    for span in sorted(set(spans), key=len, reverse=True):
        if span:
            text = re.sub(re.escape(span), "", text, flags=re.IGNORECASE)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip(" ,;:^-") for line in text.splitlines()).strip()


def _person_names(ds: Dataset, depth: int) -> list[str]:
    """The PN values of ``ds`` at every depth (raw elements converted only when they are PN)."""
    names: list[str] = []
    for tag, elem in list(ds._dict.items()):
        raw = isinstance(elem, RawDataElement)
        vr = vr_of(elem, tag) if raw else elem.VR
        if vr not in ("PN", "SQ"):
            continue
        try:
            value = ds[tag].value
        except Exception:  # unreadable: the engine removes it
            continue
        if isinstance(value, Sequence):
            if depth < MAX_DEPTH:
                for item in value:
                    names += _person_names(item, depth + 1)
        elif vr == "PN" and value:
            names += [str(v) for v in (value if isinstance(value, MultiValue | list) else [value]) if str(v).strip()]
    return names
