"""The vocabulary every rule of the privacy review speaks: severities, categories, one reviewed
file, one finding, and a rule's findings as they accumulate.

Why one module: the report sorts, counts and words its verdict by severity, the HTML report
groups by it and the command line's exit status depends on it. The severities are listed here
once (:data:`SEVERITIES`, :data:`FLAGGED`), so a new one, or a new order, cannot make those
disagree.

A finding is created once, at its first hit, and after that each hit costs a few comparisons:
a file is counted once however often it hits, and only the first entries, locations and
series are kept, as the report shows no more (the counts stay exact). What a finding keeps is
a total or a prefix of its hits in order, which is what lets the review run in parts and merge
(:meth:`Finding.merge`): the parts are consecutive runs of the files, so concatenating their
prefixes and cutting at the same caps is what one pass keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from dicompeek.tags.values import tag_text

#: Plain data (dicts, lists, str, int, bool, None) that survives ``json.dumps`` / ``json.loads``:
#: what crosses between the browser's workers.
JSON = Any

Severity = Literal["high", "medium", "low", "info"]
#: Every severity, most serious first: the report's order, the HTML report's sections.
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")
#: The severities that make a verdict (and the command line's exit status) say "flagged".
FLAGGED: tuple[Severity, ...] = SEVERITIES[:3]
SEVERITY_ORDER: dict[str, int] = {s: n for n, s in enumerate(SEVERITIES)}
#: Categories in report order (within one severity): claims and leaks first, totals last.
CATEGORIES = ("identity-claim", "cross-field", "burned_in_text", "element", "pixels", "non-dicom", "free-text",
              "private", "dates", "uids", "consistency")
CATEGORY_ORDER: dict[str, int] = {c: n for n, c in enumerate(CATEGORIES)}
CLEAR_VERDICT = "No identifying data found"

MAX_ENTRIES = 20
MAX_LOCATIONS = 5
MAX_SERIES = 10
MAX_VALUES = 20
MAX_PATIENTS = 10
#: Matching texts kept per finding (each distinct text, kind and patient once).
MAX_MATCHES = 20
#: Files kept per series and per patient, for the findings made from totals.
MAX_FILES = 20
#: Distinct values counted per finding; beyond this new values are not counted (the report says so).
VALUE_CAP = 1000

SeriesKey = tuple[str, str]
ElementInfo = dict[str, str]


class File:
    """One reviewed entry: where it is (its position in the index, its location, its series) and
    whose it is (the key of its patient, :class:`~.identity.Patient`)."""

    __slots__ = ("entry", "location", "patient", "series")

    def __init__(self, entry: int | None, location: str, series: SeriesKey | None, patient: str | None = None) -> None:
        self.entry = entry
        self.location = location
        self.series = series
        self.patient = patient


#: What matched in a value and why: {"text", "kind", "why", "patient" (a key, or None)}.
MatchInfo = dict[str, Any]


#: Something a rule did on one file for one value, to be done again when the same value turns up
#: in another file (:class:`Recorder`): ``effect(file, value)``.
Effect = Callable[[File, Any], None]


class Finding:
    """One finding of the report, accumulating its files and values."""

    __slots__ = ("_last", "category", "element", "entries", "extra", "files", "id", "locations", "matches",
                 "patients", "reason", "series", "severity", "thumbnail", "title", "values")

    def __init__(self, fid: str, severity: str, category: str, title: str, reason: str,
                 element: ElementInfo | None = None) -> None:
        self.id, self.severity, self.category = fid, severity, category
        self.title, self.reason, self.element = title, reason, element
        self.files = 0
        self.entries: list[int] = []
        self.locations: list[str] = []
        self.series: dict[SeriesKey, None] = {}
        self.values: dict[str, int] = {}
        self.patients: dict[str, None] = {}
        self.matches: dict[tuple[str, str, str | None], str] = {}  # (text, kind, patient) -> why
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
            if f.patient is not None and len(self.patients) < MAX_PATIENTS:
                self.patients[f.patient] = None
        if value is not None:
            values = self.values
            if value in values:
                values[value] += 1
            elif len(values) < VALUE_CAP:
                values[value] = 1

    def hit_matching(self, f: File, hit: tuple[str | None, tuple[MatchInfo, ...]]) -> None:
        """A hit with what matched in the value (``hit``: the value and its matches)."""
        value, matches = hit
        self.hit(f, value)
        for match in matches:
            if len(self.matches) >= MAX_MATCHES:
                break
            self.matches.setdefault((match["text"], match["kind"], match["patient"]), match["why"])

    def restart(self) -> None:
        """Count the next hit's file again (findings made from totals, where files are given)."""
        self._last = None

    def as_dict(self, descriptions: dict[SeriesKey, str]) -> dict[str, Any]:
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
            "patients": list(self.patients),
            "matches": [{"text": text, "kind": kind, "why": why, "patient": patient}
                        for (text, kind, patient), why in self.matches.items()],
            **({"boxes": self.extra["boxes"], "text": ranked[0][0] if ranked else ""}
               if "boxes" in self.extra else {}),
        }

    def sort_key(self) -> tuple[int, int, str]:
        return SEVERITY_ORDER[self.severity], CATEGORY_ORDER.get(self.category, 99), self.id

    # -- in parts ---------------------------------------------------------------------------

    def state(self) -> JSON:
        return {"id": self.id, "severity": self.severity, "category": self.category, "title": self.title,
                "reason": self.reason, "element": self.element, "files": self.files, "entries": self.entries,
                "locations": self.locations, "series": [list(s) for s in self.series],
                "values": [[v, n] for v, n in self.values.items()], "extra": self.extra,
                "patients": list(self.patients), "matches": [[*key, why] for key, why in self.matches.items()]}

    @classmethod
    def from_state(cls, data: JSON) -> Finding:
        """An empty finding with the identity of ``data`` (:meth:`merge` adds its hits)."""
        return cls(data["id"], data["severity"], data["category"], data["title"], data["reason"], data["element"])

    def merge(self, data: JSON) -> None:
        """The hits of ``data`` (a later part's :meth:`state`) after this finding's own, cut at the
        caps as :meth:`hit` does. Only exact while no part has more than :data:`VALUE_CAP` distinct
        values of one finding, where one pass would have gone on counting values an earlier part saw."""
        self.files += data["files"]
        self.entries.extend(data["entries"][:MAX_ENTRIES - len(self.entries)])
        self.locations.extend(data["locations"][:MAX_LOCATIONS - len(self.locations)])
        for series in data["series"]:
            if len(self.series) >= MAX_SERIES:
                break
            self.series.setdefault((series[0], series[1]), None)
        for patient in data["patients"]:
            if len(self.patients) >= MAX_PATIENTS:
                break
            self.patients.setdefault(patient, None)
        for text, kind, patient, why in data["matches"]:
            if len(self.matches) >= MAX_MATCHES:
                break
            self.matches.setdefault((text, kind, patient), why)
        values = self.values
        for value, count in data["values"]:
            if value in values:
                values[value] += count
            elif len(values) < VALUE_CAP:
                values[value] = count
        for name, value in data["extra"].items():
            if name in self.extra and isinstance(value, int) and not isinstance(value, bool):
                self.extra[name] += value  # element and byte counts
            elif isinstance(value, list) and isinstance(self.extra.get(name), list):
                self.extra[name].extend(value)  # boxes of burned-in text, in part order
            else:
                self.extra.setdefault(name, list(value) if isinstance(value, list) else value)  # the first path


def finding_id(key: tuple[Any, ...]) -> str:
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


class Recorder:
    """What the rules do for the top-level value being visited, so that the walk can do it again.

    Most top-level values repeat from file to file (a series shares its dates, descriptions,
    UIDs), and what the rules conclude from a value depends only on it and a few facts about its
    file, so the walk remembers the effects of a value once (:meth:`start` ... :meth:`stop`)
    and replays them for the next file with the same facts. Hits of :class:`Findings` are recorded
    by themselves; a rule records any other effect (:meth:`record`), and a rule whose visit does
    what cannot be replayed (sets a fact about the file, learns a token) calls :meth:`spoil`.
    Only top-level elements are ever recorded (standard ones with a short ASCII text value, and
    private data elements): visits of sequences and nested elements need not care.
    """

    __slots__ = ("_spoiled", "tape")

    def __init__(self) -> None:
        self.tape: list[tuple[Effect, Any]] | None = None
        self._spoiled = False

    def start(self) -> None:
        self.tape, self._spoiled = [], False

    def stop(self) -> list[tuple[Effect, Any]] | None:
        """The effects recorded since :meth:`start`, or None when one could not be recorded."""
        tape, self.tape = self.tape, None
        return None if self._spoiled else tape

    def record(self, effect: Effect, value: Any) -> None:
        if self.tape is not None:
            self.tape.append((effect, value))

    def spoil(self) -> None:
        if self.tape is not None:
            self._spoiled = True


class Findings:
    """One rule's findings by key, in the order of their first hit; hits are recorded for replay."""

    __slots__ = ("_by_key", "_recorder")

    def __init__(self, recorder: Recorder | None = None) -> None:
        self._by_key: dict[tuple[Any, ...], Finding] = {}
        self._recorder = recorder

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[tuple[tuple[Any, ...], Finding]]:
        return iter(self._by_key.items())

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, key: tuple[Any, ...]) -> Finding | None:
        return self._by_key.get(key)

    def __getitem__(self, key: tuple[Any, ...]) -> Finding:
        return self._by_key[key]

    def values(self) -> list[Finding]:
        return list(self._by_key.values())

    def put(self, key: tuple[Any, ...], finding: Finding) -> Finding:
        """Add (or replace) a finding made whole: those made from totals at the end."""
        self._by_key[key] = finding
        return finding

    def new(self, key: tuple[Any, ...], severity: str, category: str, title: str, reason: str,
            element: ElementInfo | None = None) -> Finding:
        return self.put(key, Finding(finding_id(key), severity, category, title, reason, element))

    def count(self, finding: Finding, f: File, value: str | None, matches: tuple[MatchInfo, ...] = ()) -> None:
        """One hit of a finding of this set, with what matched in the value (recorded for replay)."""
        recorder = self._recorder
        if matches:
            finding.hit_matching(f, (value, matches))
            if recorder is not None and recorder.tape is not None:
                recorder.tape.append((finding.hit_matching, (value, matches)))
            return
        finding.hit(f, value)
        if recorder is not None and recorder.tape is not None:
            recorder.tape.append((finding.hit, value))

    def hit(self, key: tuple[Any, ...], f: File, value: str | None, severity: str, category: str, title: str,
            reason: str, element: ElementInfo | Callable[[], ElementInfo] | None = None,
            matches: tuple[MatchInfo, ...] = ()) -> Finding:
        """Count a hit; the finding (and its element, given as a function where costly) is made at the first."""
        finding = self._by_key.get(key)
        if finding is None:
            finding = self.new(key, severity, category, title, reason, element() if callable(element) else element)
        self.count(finding, f, value, matches)
        return finding

    # -- in parts ---------------------------------------------------------------------------

    def state(self) -> JSON:
        return [[_plain_key(key), finding.state()] for key, finding in self._by_key.items()]

    def merge(self, state: JSON) -> None:
        """Add a later part's findings: its hits after these, new findings after these."""
        for plain, data in state:
            key = _tuple_key(plain)
            finding = self._by_key.get(key)
            if finding is None:
                finding = self._by_key[key] = Finding.from_state(data)
            finding.merge(data)


def files_state(files: Iterable[File]) -> JSON:
    """Files as plain data: [entry, location, position of the series key in ``keys`` or -1] (a
    series' UIDs are long and shared by its files, so each key is written once)."""
    keys: dict[SeriesKey, int] = {}
    rows = [[f.entry, f.location, -1 if f.series is None else keys.setdefault(f.series, len(keys)), f.patient]
            for f in files]
    return {"keys": [list(key) for key in keys], "files": rows}


def files_from_state(state: JSON) -> list[File]:
    keys = [(key[0], key[1]) for key in state["keys"]]
    return [File(entry, location, None if series < 0 else keys[series], patient)
            for entry, location, series, patient in state["files"]]


def tally(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity, every severity present (zero or not), in order."""
    counts: dict[str, int] = {s: 0 for s in SEVERITIES}
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def verdict(counts: dict[str, int]) -> str:
    """"3 high, 5 medium, 2 low", or :data:`CLEAR_VERDICT` when nothing is flagged."""
    flagged = [f"{counts[s]} {s}" for s in FLAGGED if counts[s]]
    return ", ".join(flagged) if flagged else CLEAR_VERDICT


def _plain_key(key: Any) -> Any:
    return [_plain_key(k) for k in key] if isinstance(key, tuple) else key


def _tuple_key(key: Any) -> Any:
    return tuple(_tuple_key(k) for k in key) if isinstance(key, list) else key
