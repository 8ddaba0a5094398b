"""The privacy review in parts, one per browser worker, merged into the single-pass report.

Why: reviewing is pure Python, which runs about half as fast in WebAssembly as in CPython;
indexing already uses every core, so the review has to as well to stay within 1.5 times the
indexing time. The steps (run by :mod:`dicompeek.app.worker_api` for ``web/review.js``):

1. :func:`plan` (worker 0, which holds every record): the identity tokens of *all* records,
   and the DICOM records cut into consecutive runs, one per worker, packed small (only
   :data:`~.reviewer.REVIEW_FIELDS`, each distinct value once: it crosses two threads as JSON);
2. :func:`review_part` (every worker at once): a :class:`~.reviewer.Reviewer` seeded with those
   tokens reviews its run (any worker can read any entry) and returns its state as plain
   JSON data (:meth:`~.reviewer.Reviewer.state`: the walk's own and each rule's);
3. :func:`reruns`: a token first found in a nested element (a name inside a sequence) applies
   to the files after it, as in the single pass, so the parts after the one that found it are
   reviewed again with it. Rare: such names are usually those of the files themselves;
4. :func:`merge` (worker 0): a reviewer seeded with every record merges the states in part
   order (:meth:`~.reviewer.Reviewer.merge`, which asks each rule to merge its own state), then
   reviews the non-DICOM entries and finishes.

Why merging in part order gives the single-pass report: the parts are consecutive runs of the
files in index order, and everything a rule keeps is either a total (counts, sums) or a prefix
of its hits in order (entries, locations, series, files per series or patient), so
concatenating and cutting at the same cap is what the single pass keeps. That is each rule's
contract (:class:`~.protocol.Rule`), checked for every rule by the tests. The one exception: a
finding with more than ``VALUE_CAP`` distinct values in one part, where the single pass would
have gone on counting values that an earlier part saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from pydicom.dataset import Dataset

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.privacy.burned_in.reader import BurnedInJob, merge_burned_in
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.provenance import provenance
from dicompeek.privacy.reviewer import REVIEW_FIELDS, Reviewer

#: A part's review as plain JSON data (:meth:`.reviewer.Reviewer.state`).
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
    return {"identity": reviewer.identity.state(), "files": len(records),
            "parts": [_pack(run) for run in runs]}


class PartReview:
    """One part of a :func:`plan`, reviewed in steps of about ``budget`` seconds, so that a worker
    can report progress between steps and the page can cancel (by not asking for more)."""

    def __init__(self, index: Index, part: dict[str, Any], identity: dict[str, Any],
                 read: Callable[..., Dataset] = read_instance) -> None:
        self._index, self._read = index, read
        self._records = list(_unpack(part))
        self._next = 0
        self.reviewer = Reviewer()
        self.reviewer.seed_identity(identity)

    @property
    def done(self) -> bool:
        return self._next >= len(self._records)

    def progress(self) -> dict[str, Any]:
        """{"files": reviewed so far, "total": files of the part, "done": bool}."""
        return {"files": self._next, "total": len(self._records), "done": self.done}

    def step(self, budget: float = 0.1) -> dict[str, Any]:
        """Review files for about ``budget`` seconds (at least one); the :meth:`progress`."""
        deadline = time.perf_counter() + budget
        records = self._records
        while self._next < len(records):
            self.reviewer.review_file(self._index, records[self._next], self._read)
            self._next += 1
            if time.perf_counter() >= deadline:
                break
        return self.progress()

    def state(self) -> State:
        """The part's state once :attr:`done` (:meth:`.reviewer.Reviewer.state`)."""
        if not self.done:
            raise RuntimeError("the part is not reviewed yet")
        return self.reviewer.state()


def review_part(index: Index, part: dict[str, Any], identity: dict[str, Any],
                read: Callable[..., Dataset] = read_instance) -> State:
    """Review one part of a :func:`plan` at once and return the reviewer's state."""
    job = PartReview(index, part, identity, read)
    while not job.done:
        job.step(3600.0)
    return job.state()


def reruns(identity: dict[str, Any], found: list[list[list[str]]]) -> list[list[Any]]:
    """[part, identity] for every part to review again: those after a part that found identities.

    ``found`` is each part's ``state["found"]`` ([patient, kind, text] each), in part order. The
    identity given is what the single pass would know when it reached the part: the seed, then
    what earlier parts found. One round is enough: the nested identities a part meets do not
    depend on what it was seeded with (only which of them are new to it).
    """
    known = Identity.from_state(identity)
    seeded = known.version
    again = []
    for number, part_found in enumerate(found):
        if known.version > seeded:
            again.append([number, known.state()])
        known.add_found(part_found)
    return again


def merged(index: Index, states: list[State]) -> Reviewer:
    """A reviewer holding everything in ``index``, from the states of its parts in part order
    (before :meth:`~.reviewer.Reviewer.finish`)."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    for state in states:
        reviewer.merge(state)
    for other in index.others:
        reviewer.add_other(other)
    return reviewer


def burned_in_part(index: Index, part: dict[str, Any], identity: dict[str, Any], engine: str,
                   read: Callable[..., Dataset] = read_instance) -> BurnedInJob:
    """The burned-in text pass over one part of a :func:`plan` (the page runs it on the part's
    worker beside the header review; its OCR engine is ``engine``)."""
    return BurnedInJob(index, _unpack(part), Identity.from_state(identity), engine, read)


def merge(index: Index, states: list[State], hash_inputs: bool = True,
          burned_in: list[State] | None = None) -> dict[str, Any]:
    """The report of everything in ``index`` from the states of its parts, in part order, with
    the burned-in text pass's (:meth:`.burned_in.reader.BurnedInJob.state`, in part order) when
    it ran. ``hash_inputs=False``: inputs not hashed yet (the page hashes in the background) are
    marked pending in the provenance rather than waited for (:func:`.provenance.completed`)."""
    reviewer = merged(index, states)
    if burned_in:
        found, reviewer.burned_in = merge_burned_in(burned_in)
        reviewer.extra_findings.extend(found)
    result = reviewer.finish()
    result["provenance"] = provenance(index.picked, result, compute=hash_inputs)
    return result


def _pack(records: list[DicomRecord]) -> dict[str, Any]:
    """Records as [entry, location, size, header length, *positions of their REVIEW_FIELDS in
    ``values``] (0: absent): a series shares its UIDs, patient and description, so each is sent
    once, not per file."""
    values: dict[Any, int] = {_ABSENT: 0}
    rows = []
    for record in records:
        fields = record.fields
        row: list[Any] = [record.entry, record.location, record.size, record.header_length]
        for name in REVIEW_FIELDS:
            row.append(values.setdefault(fields[name], len(values)) if name in fields else 0)
        rows.append(row)
    return {"fields": list(REVIEW_FIELDS), "values": [None, *list(values)[1:]], "records": rows}


def _unpack(part: dict[str, Any]) -> Iterator[DicomRecord]:
    values, names = part["values"], part["fields"]
    for entry, location, size, header_length, *positions in part["records"]:
        fields = {name: values[n] for name, n in zip(names, positions, strict=False) if n}
        yield DicomRecord(entry, location, None, "", size, "", fields, None, header_length)
