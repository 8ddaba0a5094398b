"""The privacy review's walk: every file, every element at every depth, handed to the rules.

The reviewer knows no rule (they are :mod:`.rules`); it knows how to read DICOM defensively.
It re-reads every header (without pixel data) and walks the file meta group, sequences item by
item to :data:`~.elements.MAX_DEPTH` (DICOMDIR records included) and private blocks (with each
block's creator), and hands each element with a value to the rules that look at its kind.
An element pydicom cannot convert, or a sequence nested too deep, is handed on as not
reviewed; the walk goes on. :class:`Reviewer` is first told every file's identity (``seed``:
names, IDs, birth dates and accession numbers from the index), then collects one file at a time
(``add``); ``finish`` gives the report. Seeding first means a leak is found even in a file
reviewed before its patient's own file, and lets the review run in parts, one per browser
worker, whose states merge into this same report (:mod:`.merge`).

The report (``SCHEMA_VERSION`` 2; keys are never renamed, only added)::

    {"schema_version": 2,
     "verdict": "No identifying data found" | "3 high, 5 medium, 2 low",
     "counts": {"high": n, "medium": n, "low": n, "info": n},
     "profile": {"edition": str, "title": str},
     "claimed": [{"name": profile or option, "files": n}],
     "files_reviewed": n, "values_masked_by_default": false,
     "patients": [{"key": "P1", "label": "Patient 1", "name", "id", "birth_date", "pseudonymous": bool,
                   "files": n, "studies": [{"uid", "date", "description", "accession", "files"}]}],
     "burned_in": {"engine": name | null, "files_read": n, "frames_read": n, "files_not_read": n,
                   "series_without_text": [series UID], "said": one sentence of what was read},
     "provenance": {"inputs": [{"name", "size", "sha256" (null for a folder; "pending": true while
                                the page still hashes it)}], "reviewed_at": ISO 8601 UTC,
                    "tool": "DICOM Peek <version>", "table": str, "claimed": [str], "verdict": str},
     "findings": [{
        "id": stable across runs of the same files, e.g. "element:(0010,0010):high", "leak:own:path",
        "severity": "high" | "medium" | "low" | "info",
        "category": "element" | "identity-claim" | "cross-field" | "free-text" | "dates" | "uids" |
                    "private" | "pixels" | "non-dicom" | "consistency",
        "title": str, "reason": str (never a value from a file: masking keeps them),
        "element": {"tag": "(0010,0010)", "keyword", "name",
                    "path": "(0008,1140) > item 1 > (0008,1155)" (first occurrence)} | null,
        "files": files it occurs in, "entries": [entry positions, ≤ 20, for the tag browser],
        "locations": [≤ 5 entry locations], "distinct_values": n,
        "series": [{"study_uid", "series_uid", "description"}] (≤ 10),
        "values": [{"value": str, "count": occurrences}] (most frequent first, ≤ 20),
        "thumbnail": {"entry": int, "frame": 0} | null,
        "patients": [patient keys, ≤ 10],
        "matches": [{"text": as written, "kind": str, "why": str, "patient": key | null}] (≤ 20),
        "text", "boxes": [{"entry", "frame", "x", "y", "width", "height", "text"}] (burned_in_text only)}]}

Findings come sorted by severity, then category, then id. The verdict says "No identifying
data found" only when there is no high, medium or low finding.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index, OtherRecord
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.burned_in.frames import FIELDS as BURNED_IN_FIELDS
from dicompeek.privacy.burned_in.reader import describe, read_burned_in, settle_pixel_risk
from dicompeek.privacy.claims import read_claims
from dicompeek.privacy.elements import (
    ELEMENT_KINDS,
    MAX_DEPTH,
    TEXT_VRS,
    DicomFile,
    Element,
    classify,
    value_text,
    vr_of,
)
from dicompeek.privacy.findings import Effect, File, Finding, Recorder, SeriesKey, tally, verdict
from dicompeek.privacy.identity import IDENTITY_FIELDS, Identity
from dicompeek.privacy.profile import PROFILE, Profile
from dicompeek.privacy.protocol import Context, Facts, Rule, Unread
from dicompeek.privacy.provenance import provenance
from dicompeek.privacy.rules import RULES
from dicompeek.tags.values import tag_text

SCHEMA_VERSION = 2
#: Media Storage Directory Storage: a DICOMDIR.
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
#: Distinct top-level values remembered with their effects (:meth:`Reviewer._walk`), and the longest.
MEMO_SIZE, MEMO_VALUE = 20_000, 256
#: Private values (vendor headers repeat from file to file) are remembered up to this size, at
#: most :data:`MEMO_LARGE` of those longer than :data:`MEMO_VALUE` at once (a bound on memory).
MEMO_PRIVATE, MEMO_LARGE = 64 * 1024, 256
#: Sets of remembered values kept at once, one per combination of the rules' replay keys (a few
#: combinations of claims in one zip; a key that changes for good, the tokens, leaves its old sets
#: unused until they are cleared).
MEMOS = 4
#: The index fields the walk itself reads (the rules declare theirs).
_WALK_FIELDS = ("StudyInstanceUID", "SeriesInstanceUID", "SeriesDescription", "StudyDate", "StudyDescription",
                "PatientIdentityRemoved")
#: Every field of an index record that a review reads (a review part is sent only these).
REVIEW_FIELDS = tuple(dict.fromkeys((*(name for _, name in IDENTITY_FIELDS), *_WALK_FIELDS,
                                     *(name for rule in RULES for name in rule.fields), *BURNED_IN_FIELDS)))

_Memo = dict[tuple[Any, ...], list[tuple[Effect, Any]]]


class Reviewer:
    """Walks files and hands what it finds to the rules; :meth:`finish` turns their findings into
    the report. ``rules``: the rule classes to run (the registry, :data:`~.rules.RULES`; anything
    that makes a :class:`~.protocol.Rule` from a :class:`~.protocol.Context` will do)."""

    def __init__(self, profile: Profile = PROFILE, rules: Sequence[Callable[[Context], Rule]] = RULES) -> None:
        self.profile = profile
        self.files = 0
        self.identity = Identity()
        self._recorder = Recorder()
        self._facts = Facts()
        context = Context(profile, self.identity, self._recorder, self._facts)
        self.rules: list[Rule] = [rule(context) for rule in rules]
        self._looking: dict[str, list[Rule]] = {kind: [r for r in self.rules if kind in r.looks_at]
                                                for kind in ELEMENT_KINDS}
        self._seeded = False  # every file's identity known before the walk (then add() learns none)
        self._descriptions: dict[SeriesKey, str] = {}  # each series' first description, for the report
        self._memos: dict[Hashable, _Memo] = {}
        self._large = 0  # remembered private values longer than MEMO_VALUE
        # per patient key: [files, {study UID: [date, description, accession, files]}], for the report
        self._patients: dict[str, list[Any]] = {}
        self._claimed: dict[str, int] = {}  # each claimed profile or option: files claiming it
        self.extra_findings: list[Finding] = []  # made outside the walk (burned-in text)
        self.burned_in: dict[str, Any] | None = None  # what the burned-in text pass read

    # -- before the files ---------------------------------------------------------------------

    def seed(self, records: Iterable[DicomRecord]) -> None:
        """Learn the identity of every file before any is walked (from the index's fields)."""
        self._seeded = True
        for record in records:
            self.identity.learn_fields(record.fields)

    def seed_identity(self, state: dict[str, Any]) -> None:
        """Learn the :meth:`~.identity.Identity.state` of a reviewer seeded elsewhere with every file
        (so, as after :meth:`seed`, :meth:`add` learns nothing from the files' own fields)."""
        self._seeded = True
        self.identity.add_state(state)

    # -- one file -------------------------------------------------------------------------

    def review_files(self, index: Index, records: Iterable[DicomRecord],
                     read: Callable[..., Dataset] = read_instance) -> None:
        """Read and :meth:`add` each record's header; a file unreadable now is reported as such."""
        for record in records:
            self.review_file(index, record, read)

    def review_file(self, index: Index, record: DicomRecord, read: Callable[..., Dataset] = read_instance) -> None:
        """Read and :meth:`add` one record's header (the step of a review that reports progress)."""
        with warnings.catch_warnings():  # pydicom's complaints about values were shown when indexing
            warnings.simplefilter("ignore")
            try:
                ds = read(index, record.entry, pixels=False, header_length=record.header_length)
            except Exception as exc:  # indexed once, unreadable now (changed on disk?): say so
                self.add_other(OtherRecord(record.location, record.size, "unreadable", str(exc)))
                return
            self.add(record, ds)

    def add(self, record: DicomRecord, ds: Dataset) -> None:
        """Review one DICOM file: ``ds`` is its whole header (pixel data need not be read)."""
        fields = record.fields
        key = (str(fields.get("StudyInstanceUID") or ""), str(fields.get("SeriesInstanceUID") or ""))
        patient = self.identity.patient_of(fields) if self._seeded else self.identity.learn_fields(fields)
        f = File(record.entry, record.location, key, patient.key if patient else None)
        self.files += 1
        self._descriptions.setdefault(key, str(fields.get("SeriesDescription") or ""))
        facts = self._facts
        facts.claims, facts.patient, facts.directory = read_claims(ds, self.profile), patient, is_dicomdir(ds)
        for name in facts.claims.names:
            self._claimed[name] = self._claimed.get(name, 0) + 1
        if patient is not None:
            self._count_patient(patient.key, fields)
        dicom = DicomFile(f, ds, fields)
        for rule in self.rules:
            rule.start_file(dicom)
        memo = self._memo((facts.key(), *(rule.replay_key() for rule in self.rules)))
        meta = getattr(ds, "file_meta", None)
        if meta:
            self._walk(meta, (), "", f, memo)
        self._walk(ds, (), "", f, memo)
        for rule in self.rules:
            rule.end_file(dicom)

    def _count_patient(self, key: str, fields: dict[str, Any]) -> None:
        seen = self._patients.setdefault(key, [0, {}])
        seen[0] += 1
        study = str(fields.get("StudyInstanceUID") or "")
        row = seen[1].setdefault(study, [str(fields.get("StudyDate") or ""), str(fields.get("StudyDescription") or ""),
                                         str(fields.get("AccessionNumber") or ""), 0])
        row[3] += 1

    def add_other(self, other: OtherRecord) -> None:
        """A non-DICOM, unreadable or not-indexed entry: content this review could not read."""
        f = File(None, other.location, None)
        for rule in self.rules:
            rule.visit_other(other, f)

    # -- the walk ---------------------------------------------------------------------------

    def _memo(self, key: Hashable) -> _Memo:
        memo = self._memos.get(key)
        if memo is None:
            if len(self._memos) >= MEMOS:
                self._memos.clear()
                self._large = 0
            memo = self._memos[key] = {}
        return memo

    def _walk(self, ds: Dataset, parents: tuple[int, ...], prefix: str, f: File, memo: _Memo | None = None) -> None:
        """One pass over ``ds``; sequences are walked item by item with the path of each.

        Most top-level values repeat from file to file (a series shares its dates, descriptions,
        UIDs), and what the rules do with a value depends only on it and their replay keys (the
        key of ``memo``): so the effects of an ASCII text value are recorded the first time and
        replayed after, which makes the walk several times faster. Nested values are always visited.
        """
        creators: dict[int, str] = {}
        recorder = self._recorder
        for base_tag, elem in ds.items():
            tag = int(base_tag)  # pydicom's BaseTag compares in Python: slow as a dict key
            try:
                value = elem.value
                if value is None or (not value and value != 0):
                    continue
                # a raw element of an implicit VR file has no VR; a converted one always has
                vr: str = (elem.VR or vr_of(tag)) if type(elem) is RawDataElement \
                    else elem.VR  # type: ignore[assignment]
                if vr == "UN" and not tag >> 16 & 1 and vr_of(tag) in TEXT_VRS:
                    vr = vr_of(tag)  # a standard text element written as UN is read as its own VR
                if vr == "SQ":
                    self._sequence(ds, tag, parents, prefix, f)
                    continue
                if tag >> 16 & 1:
                    if memo is not None and tag & 0xFF00 and type(value) is bytes and len(value) <= MEMO_PRIVATE:
                        self._private_remembered(ds, tag, vr, value, f, creators, memo)
                    else:
                        self._private(ds, tag, vr, value, parents, prefix, f, creators)
                    continue
                if memo is not None and type(value) is bytes and vr in TEXT_VRS and len(value) <= MEMO_VALUE:
                    key = (tag, vr, value)
                    tape = memo.get(key)
                    if tape is not None:
                        for effect, shown in tape:
                            effect(f, shown)
                        continue
                    if value.isascii():
                        recorder.start()
                        try:
                            self._value(ds, tag, vr, value, parents, prefix, f)
                        finally:
                            tape = recorder.stop()
                        if tape is not None:
                            if len(memo) >= MEMO_SIZE:
                                memo.clear()
                            memo[key] = tape
                        continue
                self._value(ds, tag, vr, value, parents, prefix, f)
            except Exception as exc:  # a malformed element (pydicom cannot convert it): say so, go on
                self._unread(f, f"{prefix}{tag_text(tag)}: {type(exc).__name__}: {exc}"[:200], "unreadable")

    def _private_remembered(self, ds: Dataset, tag: int, vr: str, value: bytes, f: File, creators: dict[int, str],
                            memo: _Memo) -> None:
        """A top-level private data element: its effects replayed when the same value of the same
        block turned up before (vendor headers repeat across a series), else visited and recorded."""
        key = (tag, vr, value, creators.get(tag >> 16 << 8 | (tag & 0xFFFF) >> 8, ""))
        tape = memo.get(key)
        if tape is not None:
            for effect, shown in tape:
                effect(f, shown)
            return
        recorder = self._recorder
        recorder.start()
        try:
            self._private(ds, tag, vr, value, (), "", f, creators)
        finally:
            tape = recorder.stop()
        if tape is None:
            return
        if len(value) > MEMO_VALUE:
            self._large += 1
        if len(memo) >= MEMO_SIZE or self._large > MEMO_LARGE:
            memo.clear()
            self._large = 0
        memo[key] = tape

    def _value(self, ds: Dataset, tag: int, vr: str, value: Any, parents: tuple[int, ...], prefix: str,
               f: File) -> None:
        """One standard element that is not a sequence, to the rules that look at its category."""
        text = value_text(ds, tag, value) if vr in TEXT_VRS else None
        if text == "":
            return
        info = classify(tag)
        element = Element(ds, tag, vr, value, text, parents, prefix, info)
        for rule in self._looking[info.category]:
            rule.visit_element(element, f)

    def _sequence(self, ds: Dataset, tag: int, parents: tuple[int, ...], prefix: str, f: File) -> None:
        items = ds[tag].value
        if tag >> 16 & 1 == 0:
            element = Element(ds, tag, "SQ", items, None, parents, prefix, classify(tag))
            for rule in self._looking["sequence"]:
                rule.visit_element(element, f)
        if len(parents) >= MAX_DEPTH:
            self._unread(f, f"{prefix}{tag_text(tag)}", "too-deep")
            return
        inner = (*parents, tag)
        head = f"{prefix}{tag_text(tag)} > item "
        for number, item in enumerate(items, 1):
            self._walk(item, inner, f"{head}{number} > ", f)

    def _private(self, ds: Dataset, tag: int, vr: str, value: Any, parents: tuple[int, ...], prefix: str,
                 f: File, creators: dict[int, str]) -> None:
        """A private element: a creator (remembered for its block) or a data element of a block."""
        group, number = tag >> 16, tag & 0xFFFF
        if number < 0x10:
            return
        if number <= 0xFF:
            creators[group << 8 | number] = (value_text(ds, tag, value) or "").strip()
            return
        creator = creators.get(group << 8 | number >> 8, "")
        text = value_text(ds, tag, value) if vr in TEXT_VRS else None
        element = Element(ds, tag, vr, value, text, parents, prefix, None, creator)
        for rule in self._looking["private"]:
            rule.visit_element(element, f)

    def _unread(self, f: File, where: str, why: Unread) -> None:
        for rule in self.rules:
            rule.visit_unread(f, where, why)

    # -- the report ---------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        """The report: every rule's conclusions, sorted (see the module's docstring)."""
        findings = [*(finding for rule in self.rules for finding in rule.finish()), *self.extra_findings]
        if self.burned_in:
            settle_pixel_risk(findings, self.burned_in.get("series_without_text", ()))
        findings.sort(key=Finding.sort_key)
        counts = tally(findings)
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": verdict(counts),
            "counts": counts,
            "profile": {"edition": self.profile.edition, "title": self.profile.title},
            "claimed": [{"name": name, "files": files} for name, files in self._claimed.items()],
            "files_reviewed": self.files,
            "values_masked_by_default": False,
            "patients": self._patient_list(),
            "burned_in": {**(self.burned_in or {"engine": None, "files_read": 0, "frames_read": 0}),
                          "said": describe(self.burned_in)},
            "findings": [f.as_dict(self._descriptions) for f in findings],
        }

    def _patient_list(self) -> list[dict[str, Any]]:
        """The patients of the pick with what each has, in order of first appearance."""
        listed = []
        for key, patient in self.identity.patients.items():
            files, studies = self._patients.get(key, [0, {}])
            listed.append({"key": key, "label": patient.label, "name": patient.name, "id": patient.id,
                           "birth_date": patient.birth_date, "pseudonymous": patient.pseudonymous, "files": files,
                           "studies": [{"uid": uid, "date": date, "description": description, "accession": accession,
                                        "files": count}
                                       for uid, (date, description, accession, count) in studies.items()]})
        return listed

    # -- in parts -------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything :meth:`finish` needs, as plain data: the walk's own (files, tokens found in
        nested elements, series descriptions) and each rule's, by rule name."""
        return {"files": self.files, "found": [list(t) for t in self.identity.found],
                "series": [[*key, description] for key, description in self._descriptions.items()],
                "patients": self._patients, "claimed": self._claimed,
                "rules": {rule.name: rule.state() for rule in self.rules}}

    def merge(self, state: dict[str, Any]) -> None:
        """Add a part's :meth:`state`, as if this reviewer had reviewed the part's files after its
        own: each rule merges its own state."""
        self._seeded = True
        self.files += state["files"]
        self.identity.add_found(state["found"])
        for study, series, description in state["series"]:
            self._descriptions.setdefault((study, series), description)
        for key, (files, studies) in state["patients"].items():
            seen = self._patients.setdefault(key, [0, {}])
            seen[0] += files
            for uid, row in studies.items():
                mine = seen[1].setdefault(uid, [*row[:3], 0])
                mine[3] += row[3]
        for name, files in state["claimed"].items():
            self._claimed[name] = self._claimed.get(name, 0) + files
        for rule in self.rules:
            rule.merge(state["rules"][rule.name])


def is_dicomdir(ds: Dataset) -> bool:
    """A DICOMDIR (by its Media Storage SOP Class, or its Directory Record Sequence)."""
    meta = getattr(ds, "file_meta", None)
    sop = str(meta.get("MediaStorageSOPClassUID", "") or "") if meta is not None else ""
    return sop == DICOMDIR_CLASS or 0x00041220 in ds._dict


def single_pass(index: Index, *, read: Callable[..., Dataset] = read_instance) -> Reviewer:
    """Everything indexed in ``index`` reviewed in one pass (before :meth:`Reviewer.finish`):
    every DICOM header in full, then the other entries."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    reviewer.review_files(index, index.dicom, read)
    for other in index.others:
        reviewer.add_other(other)
    return reviewer


def review(index: Index, *, read: Callable[..., Dataset] = read_instance,
           ocr: OcrEngine | None = None) -> dict[str, Any]:
    """Review everything indexed in ``index`` in one pass (the CLI's way; the browser splits it,
    see :mod:`.merge`); with an OCR engine, text burned into the pixels is read too."""
    reviewer = single_pass(index, read=read)
    if ocr is not None:
        found, reviewer.burned_in = read_burned_in(index, index.dicom, reviewer.identity, ocr)
        reviewer.extra_findings.extend(found)
    result = reviewer.finish()
    result["provenance"] = provenance(index.picked, result)
    return result
