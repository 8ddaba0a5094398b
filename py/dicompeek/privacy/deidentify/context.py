"""What the table's actions need from a run (:class:`.actions.Context`), for one patient: new
UIDs, shifted dates, cleaned text, the pseudonym.

Cleaning ("C": Clean Descriptors, Clean Structured Content) takes out of free text what the
review would call identifying: every identity of the pick found in it (names, IDs, birth dates,
accession numbers, by whole token as the review searches) and every identifier pattern (dates,
MRN-like numbers, phone numbers, e-mail addresses…). What is left is kept ("CT CHEST
KOWALSKI" becomes "CT CHEST"); the review of the output checks the same things, so a cleaned
value cannot be flagged for what was cleaned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dicompeek.privacy.deidentify.dates import shift
from dicompeek.privacy.deidentify.uids import UidMap
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

    def new_uid(self, uid: str) -> str:
        return self.uids.new_uid(uid)

    def shift(self, value: str, vr: str) -> str:
        return shift(value, vr, self.days)

    def clean(self, text: str) -> str:
        return clean_text(text, self.identity)


def clean_text(text: str, identity: Identity) -> str:
    """``text`` without the identities and identifier patterns the review looks for."""
    spans = [m.text for m in identity.search(text)] + [h.text for h in identifiers_in(text)]
    for span in sorted(set(spans), key=len, reverse=True):
        if span:
            text = re.sub(re.escape(span), "", text, flags=re.IGNORECASE)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip(" ,;:^-") for line in text.splitlines()).strip()
