"""New UIDs for old ones: the same input UID becomes the same ``2.25.`` UID everywhere.

Why a keyed hash rather than a counter or random UIDs: references between files (a SEG's
Referenced Series, an SR's evidence, the file meta's Media Storage SOP Instance UID) must keep
pointing at the same objects, across every file of one run and across runs made with the same
salt (a second batch of the same study links up), while without the salt the new UIDs cannot be
traced back to the old ones. HMAC-SHA-256 of the UID under the salt, its first 128 bits as the
integer of a ``2.25.`` UID (PS3.5 B.2: a UUID-derived root, at most 44 characters).
"""

from __future__ import annotations

import hashlib
import hmac


class UidMap:
    """Old UID → new ``2.25.`` UID under one salt; remembers what it mapped (the mapping report)."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt
        self.mapped: dict[str, str] = {}

    def new_uid(self, uid: str) -> str:
        """The new UID for ``uid`` (stripped of padding); an empty value stays empty."""
        old = uid.strip().rstrip("\0").strip()
        if not old:
            return ""
        new = self.mapped.get(old)
        if new is None:
            digest = hmac.new(self._salt, b"uid\0" + old.encode("ascii", "replace"), hashlib.sha256).digest()
            new = self.mapped[old] = f"2.25.{int.from_bytes(digest[:16], 'big')}"
        return new
