"""The privacy review's building blocks: one finding as it accumulates, and one reviewed file.

A finding is created once, at its first hit, and after that each hit costs a few comparisons:
a file is counted once however often it hits, and only the first entries, locations and
series are kept, as the report shows no more (the counts stay exact).
"""

from __future__ import annotations

from typing import Any

from .tag_values import tag_text

MAX_ENTRIES = 20
MAX_LOCATIONS = 5
MAX_SERIES = 10
MAX_VALUES = 20
#: Files kept per series and per patient, for the findings made from totals.
MAX_FILES = 20
#: Distinct values counted per finding; beyond this new values are not counted (the report says so).
VALUE_CAP = 1000

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
CATEGORY_ORDER = {c: n for n, c in enumerate((
    "identity-claim", "cross-field", "element", "pixels", "non-dicom", "free-text", "private", "dates", "uids",
    "consistency"))}


class File:
    """One reviewed entry: where it is, and what the walk learnt about it."""

    __slots__ = ("entry", "location", "series", "deidentified", "options", "codes", "claim_names",
                 "dates_removed", "private", "overlay", "icon")

    def __init__(self, entry: int | None, location: str, series: tuple[str, str] | None) -> None:
        self.entry = entry
        self.location = location
        self.series = series
        self.deidentified = False
        self.options: frozenset[str] = frozenset()
        self.codes: frozenset[str] = frozenset()
        self.claim_names: list[str] = []
        self.dates_removed = False
        self.private = 0
        self.overlay = False
        self.icon = False


class Finding:
    """One finding of the report, accumulating its files and values."""

    __slots__ = ("id", "severity", "category", "title", "reason", "element", "files", "entries", "locations",
                 "series", "values", "thumbnail", "extra", "_last")

    def __init__(self, fid: str, severity: str, category: str, title: str, reason: str,
                 element: dict[str, str] | None = None) -> None:
        self.id, self.severity, self.category = fid, severity, category
        self.title, self.reason, self.element = title, reason, element
        self.files = 0
        self.entries: list[int] = []
        self.locations: list[str] = []
        self.series: dict[tuple[str, str], None] = {}
        self.values: dict[str, int] = {}
        self.thumbnail: dict[str, int] | None = None
        self.extra: dict[str, Any] = {}
        self._last: File | None = None

    def hit(self, f: File, value: str | None = None) -> None:
        if self._last is not f:
            self._last = f
            self.files += 1
            if f.entry is not None and len(self.entries) < MAX_ENTRIES:
                self.entries.append(f.entry)
            if len(self.locations) < MAX_LOCATIONS:
                self.locations.append(f.location)
            if f.series is not None and f.series[1] and len(self.series) < MAX_SERIES:
                self.series[f.series] = None
        if value is not None:
            values = self.values
            if value in values:
                values[value] += 1
            elif len(values) < VALUE_CAP:
                values[value] = 1

    def as_dict(self, descriptions: dict[tuple[str, str], str]) -> dict[str, Any]:
        ranked = sorted(self.values.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_VALUES]
        return {
            "id": self.id, "severity": self.severity, "category": self.category,
            "title": self.title, "reason": self.reason, "element": self.element,
            "files": self.files, "entries": self.entries, "locations": self.locations,
            "distinct_values": len(self.values),
            "series": [{"study_uid": s, "series_uid": r, "description": descriptions.get((s, r), "")}
                       for s, r in self.series],
            "values": [{"value": v, "count": n} for v, n in ranked],
            "thumbnail": self.thumbnail,
        }

    def sort_key(self) -> tuple:
        return SEVERITY_ORDER[self.severity], CATEGORY_ORDER.get(self.category, 99), self.id


def finding_id(key: tuple) -> str:
    """A stable id from the finding's key: tags as (gggg,eeee), paths joined by '>'."""
    parts = []
    for part in key:
        if isinstance(part, tuple):
            parts.append(">".join(tag_text(t) for t in part))
        elif isinstance(part, bool):
            parts.append("yes" if part else "no")
        elif isinstance(part, int):
            parts.append(tag_text(part) if part > 0xFFFF else f"{part:04X}")
        else:
            parts.append(str(part))
    return ":".join(p for p in parts if p != "")
