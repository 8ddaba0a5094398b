"""What a file says was done to it, and what that allows: the de-identification claims
(Patient Identity Removed, De-identification Method Code Sequence, Longitudinal Temporal
Information Modified) read once per file, before its elements.

Why a module of its own: every rule judges an element against them ("Clean Descriptors is
claimed, so a description may stay if nothing identifying is in it"; "Retain Full Dates is
claimed, so the dates are allowed"), and the claims rule checks them against the facts. The
options are the columns of Table E.1-1 (:mod:`.profile`), so what an option keeps is the
table's, never a list of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from dicompeek.privacy.profile import Profile, Row

#: De-identification method codes (CID 7050) that are not columns of E.1-1.
EXTRA_OPTION_CODES = {"113101": "Clean Pixel Data Option",
                      "113102": "Clean Recognizable Visual Features Option"}
#: The options that keep dates (their E.1-1 column keys).
DATE_OPTIONS = ("retain_full_dates", "retain_modified_dates")


@dataclass(frozen=True, slots=True)
class Claims:
    """One file's claims: ``options`` are E.1-1 column keys, ``codes`` every CID 7050 code."""

    deidentified: bool = False
    removed: str = ""
    options: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    temporal: str = ""
    listed: tuple[tuple[str, str], ...] = ()  # (code, name) in the file's order

    def allowing(self, row: Row | None) -> str | None:
        """The name of a claimed option that keeps (K) or cleans (C) what ``row`` governs, else None."""
        if row is None:
            return None
        for key in self.options:
            if row.options.get(key) in ("K", "C"):
                return _OPTION_NAMES.get(key, key)
        return None

    @property
    def dates_kept(self) -> str | None:
        """The claimed option that keeps dates (full or shifted), else None."""
        return next((_OPTION_NAMES.get(k, k) for k in DATE_OPTIONS if k in self.options), None)

    @property
    def described(self) -> str:
        """What is claimed, for a finding's explanation."""
        return ", ".join(self.names) or ("Patient Identity Removed YES" if self.deidentified else "nothing")


NO_CLAIMS = Claims()
_OPTION_NAMES: dict[str, str] = {}


def read_claims(ds: Dataset, profile: Profile) -> Claims:
    """The claims of one dataset (absent or malformed values claim nothing)."""
    removed = _text(ds, 0x00120062).upper()
    temporal = _text(ds, 0x00280303).upper()
    codes: list[str] = []
    try:
        items = ds[0x00120064].value if 0x00120064 in ds._dict else []
        for item in items or []:
            code = str(item.get("CodeValue", "") or "").strip()
            if code:
                codes.append(code)
    except Exception:  # malformed: the walk reports the element as unreadable
        codes = []
    if not removed and not codes and not temporal:
        return NO_CLAIMS
    if not _OPTION_NAMES:
        _OPTION_NAMES.update({o.key: o.name for o in profile.options})
    options = frozenset(option.key for option in map(profile.option_for, codes) if option is not None)
    names = tuple(profile.option_name(c) or EXTRA_OPTION_CODES.get(c) or c for c in codes)
    return Claims(removed == "YES" or "113100" in codes, removed, options, frozenset(codes), names, temporal,
                  tuple(zip(codes, names, strict=True)))


def _text(ds: Dataset, tag: int) -> str:
    if tag not in ds._dict:
        return ""
    try:
        return str(ds[tag].value or "").strip()
    except Exception:
        return ""
