"""The registry: every rule family of the privacy review, once, in the order they run.

The order does not change the report (each finding belongs to one rule, and the report sorts
them), only the order in which rules see the same element. A new rule is one module here plus
its line below (and its test under ``tests/privacy/rules/``); see :mod:`dicompeek.privacy`.
"""

from __future__ import annotations

from dicompeek.privacy.protocol import RuleBase
from dicompeek.privacy.rules.claims import Claims
from dicompeek.privacy.rules.consistency import Consistency
from dicompeek.privacy.rules.cross_field import CrossField
from dicompeek.privacy.rules.dates import Dates
from dicompeek.privacy.rules.dicomdir import Dicomdir
from dicompeek.privacy.rules.free_text import FreeText
from dicompeek.privacy.rules.not_reviewed import NotReviewed
from dicompeek.privacy.rules.pixels import PixelRisk
from dicompeek.privacy.rules.private import PrivateBlocks
from dicompeek.privacy.rules.profile_elements import ProfileElements
from dicompeek.privacy.rules.uids import Uids

RULES: tuple[type[RuleBase], ...] = (
    ProfileElements,  # PS3.15 Table E.1-1 elements
    Claims,           # de-identification claims against facts
    CrossField,       # identities and identifier patterns in any value and path
    FreeText,         # descriptions, comments, SR
    Dates,            # dates, and whether they look shifted
    Uids,             # UID roots, timestamps, random UIDs
    PrivateBlocks,    # private creators, binary blobs
    PixelRisk,        # burned-in text, faces, overlays, icons
    Consistency,      # patients across files
    Dicomdir,         # DICOMDIR records against the files
    NotReviewed,      # content not reviewed
)

__all__ = ["RULES"]
