"""The privacy review in parts, one per browser worker, merged into the single-pass report.

Why: reviewing is pure Python, which runs about half as fast in WebAssembly as in CPython;
indexing already uses every core, so the review has to as well to stay within 1.5 × the
indexing time. The steps (run by :mod:`.worker_api` for ``web/review.js``):

1. :func:`plan` (worker 0, which holds every record): the identity tokens of *all* records,
   and the DICOM records cut into consecutive runs, one per worker, packed small (only
   :data:`~.review.REVIEW_FIELDS`, each distinct value once: it crosses two threads as JSON);
2. :func:`review_part` (every worker at once): a :class:`~.review.Reviewer` seeded with those
   tokens reviews its run (any worker can read any entry) and returns its state as plain
   JSON data (:func:`state_of`);
3. :func:`reruns`: a token first found in a nested element (a name inside a sequence) applies
   to the files after it, as in the single pass, so the parts after the one that found it are
   reviewed again with it. Rare: such names are usually those of the files themselves;
4. :func:`merge` (worker 0): the states in part order, then the non-DICOM entries, then
   ``finish``.

Why merging in part order gives the single-pass report: the parts are consecutive runs of the
files in index order, and everything a part keeps is either a total (counts, Counters, sums)
or a prefix of its hits in order (entries, locations, series, files per series or patient),
so concatenating and cutting at the same cap is what the single pass keeps. The one
exception: a finding with more than ``VALUE_CAP`` distinct values in one part, where the
single pass would have gone on counting values that an earlier part saw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from pydicom.dataset import Dataset

from .index import DicomRecord, Index
from .instances import read_instance
from .review import REVIEW_FIELDS, Reviewer
from .review_findings import MAX_ENTRIES, MAX_FILES, MAX_LOCATIONS, MAX_SERIES, VALUE_CAP, File, Finding

State = dict[str, Any]
_ABSENT = object()


def plan(index: Index, parts: int) -> dict[str, Any]:
    """The tokens every part searches for, and the DICOM records cut into ``parts`` runs
    (fewer when there are fewer files; none when there is no DICOM file)."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    records = index.dicom
    count = min(max(parts, 1), len(records))
    runs = [records[len(records) * n // count:len(records) * (n + 1) // count] for n in range(count)]
    return {"tokens": [list(t) for t in reviewer.tokens()], "files": len(records),
            "parts": [_pack(run) for run in runs]}


def review_part(index: Index, part: dict[str, Any], tokens: list[list[str]],
                read: Callable[..., Dataset] = read_instance) -> State:
    """Review one part of a :func:`plan` and return the reviewer's state."""
    reviewer = Reviewer()
    reviewer.seed_tokens(tokens)
    reviewer.review_files(index, _unpack(part), read)
    return state_of(reviewer)


def reruns(tokens: list[list[str]], found: list[list[list[str]]]) -> list[list[Any]]:
    """[part, tokens] for every part to review again: those after a part that found new tokens.

    ``found`` is each part's ``state["found"]``, in part order. The tokens given are what the
    single pass would know when it reached the part: the seed, then what earlier parts found.
    One round is enough: the nested tokens a part meets do not depend on what it was seeded with
    (only which of them are new to it).
    """
    known = {token: kind for token, kind in tokens}
    seeded = len(known)
    again = []
    for number, part_found in enumerate(found):
        if len(known) > seeded:
            again.append([number, [[t, k] for t, k in known.items()]])
        for token, kind in part_found:
            known.setdefault(token, kind)
    return again


def merge(index: Index, states: list[State]) -> dict[str, Any]:
    """The report of everything in ``index`` from the states of its parts, in part order."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    for state in states:
        absorb(reviewer, state)
    for other in index.others:
        reviewer.add_other(other)
    return reviewer.finish()


# -- state: a Reviewer as plain data, and back ------------------------------------------------

def state_of(reviewer: Reviewer) -> State:
    """Everything :meth:`Reviewer.finish` needs, as JSON-able data. Files are listed once
    (``paths``: entry, location, position of its series key in ``keys`` or -1) and referred to
    by position, as the series and patients keep some of them."""
    position = {id(f): n for n, f in enumerate(reviewer._paths)}
    keys: dict[tuple[str, str], int] = {}
    paths = [[f.entry, f.location, -1 if f.series is None else keys.setdefault(f.series, len(keys))]
             for f in reviewer._paths]
    return {
        "files": reviewer.files,
        "found": [list(t) for t in reviewer._found],
        "keys": [list(key) for key in keys],
        "paths": paths,
        "findings": [[_plain_key(key), _finding_state(f)] for key, f in reviewer._findings.items()],
        "series": [[list(key), {**s, "files": [position[id(f)] for f in s["files"]], "burned": dict(s["burned"]),
                                "recognizable": dict(s["recognizable"])}] for key, s in reviewer._series.items()],
        "people": [[list(key), [position[id(f)] for f in files]] for key, files in reviewer._people.items()],
        "studies": [[study, [list(p) for p in people]] for study, people in reviewer._studies.items()],
        "dates": dict(reviewer._dates),
    }


def absorb(reviewer: Reviewer, state: State) -> None:
    """Add a part's state to ``reviewer``, as if it had reviewed the part's files itself, after its own."""
    keys = [tuple(key) for key in state["keys"]]
    files = [File(entry, location, None if series < 0 else keys[series]) for entry, location, series in state["paths"]]
    reviewer._paths.extend(files)
    reviewer.files += state["files"]
    reviewer.seed_tokens(state["found"])
    for key, data in state["findings"]:
        key = _tuple_key(key)
        finding = reviewer._findings.get(key)
        if finding is None:
            reviewer._findings[key] = finding = Finding(data["id"], data["severity"], data["category"], data["title"],
                                                        data["reason"], data["element"])
        _add_finding(finding, data)
    for key, data in state["series"]:
        key = tuple(key)
        series = reviewer._series.get(key)
        kept = [files[n] for n in data["files"]]
        if series is None:
            reviewer._series[key] = {**data, "files": kept[:MAX_FILES], "burned": Counter(data["burned"]),
                                     "recognizable": Counter(data["recognizable"])}
            continue
        series["files"].extend(kept[:MAX_FILES - len(series["files"])])
        series["burned"].update(data["burned"])
        series["recognizable"].update(data["recognizable"])
        for total in ("overlay", "icon", "images"):
            series[total] += data[total]
        series["risk"] = series["risk"] or data["risk"]
        series["modality"] = data["modality"]  # the last file's, as in one pass
    for key, positions in state["people"]:
        people = reviewer._people.setdefault(tuple(key), [])
        people.extend(files[n] for n in positions[:MAX_FILES - len(people)])
    for study, people in state["studies"]:
        known = reviewer._studies.setdefault(study, {})
        for person in people:
            known[tuple(person)] = None
    reviewer._dates.update(state["dates"])


def _finding_state(f: Finding) -> dict[str, Any]:
    return {"id": f.id, "severity": f.severity, "category": f.category, "title": f.title, "reason": f.reason,
            "element": f.element, "files": f.files, "entries": f.entries, "locations": f.locations,
            "series": [list(s) for s in f.series], "values": [[v, n] for v, n in f.values.items()],
            "extra": f.extra}


def _add_finding(finding: Finding, data: dict[str, Any]) -> None:
    """The hits of ``data`` after those of ``finding``, cut at the caps as :meth:`Finding.hit` does."""
    finding.files += data["files"]
    finding.entries.extend(data["entries"][:MAX_ENTRIES - len(finding.entries)])
    finding.locations.extend(data["locations"][:MAX_LOCATIONS - len(finding.locations)])
    for series in data["series"]:
        if len(finding.series) >= MAX_SERIES:
            break
        finding.series.setdefault(tuple(series), None)
    values = finding.values
    for value, count in data["values"]:
        if value in values:
            values[value] += count
        elif len(values) < VALUE_CAP:
            values[value] = count
    for name, value in data["extra"].items():
        if name in finding.extra and isinstance(value, int) and not isinstance(value, bool):
            finding.extra[name] += value  # element and byte counts
        else:
            finding.extra.setdefault(name, value)  # the first path, as in one pass


def _pack(records: list[DicomRecord]) -> dict[str, Any]:
    """Records as [entry, location, size, *positions of their REVIEW_FIELDS in ``values``] (0: absent):
    a series shares its UIDs, patient and description, so each is sent once, not per file."""
    values: dict[Any, int] = {_ABSENT: 0}
    rows = []
    for record in records:
        fields = record.fields
        row: list[Any] = [record.entry, record.location, record.size]
        for name in REVIEW_FIELDS:
            row.append(values.setdefault(fields[name], len(values)) if name in fields else 0)
        rows.append(row)
    return {"fields": list(REVIEW_FIELDS), "values": [None, *list(values)[1:]], "records": rows}


def _unpack(part: dict[str, Any]) -> Iterator[DicomRecord]:
    values, names = part["values"], part["fields"]
    for entry, location, size, *positions in part["records"]:
        fields = {name: values[n] for name, n in zip(names, positions) if n}
        yield DicomRecord(entry, location, None, "", size, "", fields, None)


def _plain_key(key: Any) -> Any:
    return [_plain_key(k) for k in key] if isinstance(key, tuple) else key


def _tuple_key(key: Any) -> Any:
    return tuple(_tuple_key(k) for k in key) if isinstance(key, list) else key
