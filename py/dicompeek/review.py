"""Privacy review: everything in the picked files that can identify a person, and where.

A review, not a rewrite: it reads every DICOM header once more (without pixel data), walks
every element at every depth (file meta group, sequences, DICOMDIR records, private blocks)
and applies PS3.15 Table E.1-1 (:mod:`.confidentiality`) plus checks the table cannot
express: de-identification claims against what is present, the patient's name / IDs / birth
date / accession number turning up elsewhere (other values, private values, zip entry paths),
UID roots and timestamps, pixel-level risk flags, non-DICOM content and consistency across
files. :class:`Reviewer` is first told every file's identity (``seed``: names, IDs, birth
dates and accession numbers from the index), then collects one file at a time (``add``);
``finish`` gives the report. Seeding first means a leak is found even in a file reviewed before
its patient's own file, and lets the review run in parts, one per browser worker, whose states
merge into this same report (:mod:`.review_merge`).

The report (``SCHEMA_VERSION`` 1; keys are never renamed, only added)::

    {"schema_version": 1,
     "verdict": "No identifying data found" | "3 high, 5 medium, 2 low",
     "counts": {"high": n, "medium": n, "low": n, "info": n},
     "profile": {"edition": str, "title": str},
     "files_reviewed": n, "values_masked_by_default": false,
     "findings": [{
        "id": stable across runs of the same files, e.g. "element:(0010,0010)", "leak:name:path",
        "severity": "high" | "medium" | "low" | "info",
        "category": "element" | "identity-claim" | "cross-field" | "free-text" | "dates" | "uids" |
                    "private" | "pixels" | "non-dicom" | "consistency",
        "title": str, "reason": str (element findings name the E.1-1 action),
        "element": {"tag": "(0010,0010)", "keyword", "name",
                    "path": "(0008,1140) > item 1 > (0008,1155)" (first occurrence)} | null,
        "files": files it occurs in, "entries": [entry positions, ≤ 20, for the tag browser],
        "locations": [≤ 5 entry locations], "distinct_values": n,
        "series": [{"study_uid", "series_uid", "description"}] (≤ 10),
        "values": [{"value": str, "count": occurrences}] (most frequent first, ≤ 20),
        "thumbnail": {"entry": int, "frame": 0} | null}]}

Findings come sorted by severity, then category, then id. The verdict says "No identifying
data found" only when there is no high, medium or low finding.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from .confidentiality import PROFILE, Profile
from .index import DicomRecord, Index, OtherRecord
from .instances import read_instance
from .review_findings import MAX_FILES, File, Finding, finding_id
from .review_claims import after_walk, read_claims
from .review_rules import (BINARY_VRS, IDENTITY_SOURCES, TEXT_VRS, UID_TIMESTAMP, action_text, clip, describe,
                           element_info, id_token, leak_pattern, name_tokens, rule_for, uid_root, value_text, vr_of)
from .tag_values import tag_text

SCHEMA_VERSION = 1
#: Binary private values up to this size are also searched (as Latin-1) for the patient's identity.
SEARCH_BINARY = 64 * 1024
#: Distinct top-level values remembered with their hits (:meth:`Reviewer._walk`), and the longest.
MEMO_SIZE, MEMO_VALUE = 20_000, 256
#: Sequences are walked to this depth (as the tag browser shows them); deeper items are reported
#: as not reviewed. It bounds the walk's recursion: hostile files nest thousands of levels.
MAX_DEPTH = 32
#: Categories whose effects are more than hits (a file's flags): never replayed from the memo.
_UNSHARED = frozenset({"pixels", "document"})
#: Every field of an index record that :class:`Reviewer` reads (a review part is sent only these).
REVIEW_FIELDS = ("PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "StudyInstanceUID",
                 "SeriesInstanceUID", "SeriesDescription", "Modality", "SOPClassUID", "SOPInstanceUID", "Rows")
_KIND_TEXT = {"name": "The patient's name", "patient-id": "The patient ID", "birth-date": "The birth date",
              "accession": "The accession number"}


class Reviewer:
    """Collects findings file by file; :meth:`finish` turns them into the report."""

    def __init__(self, profile: Profile = PROFILE) -> None:
        self.profile = profile
        self.files = 0
        self._findings: dict[tuple, Finding] = {}
        self._tokens: dict[str, str] = {}  # upper-case token -> kind
        self._seeded = False  # every file's identity known before the walk (then add() learns none)
        self._found: list[tuple[str, str]] = []  # tokens first learnt from a nested source, in order
        self._pattern: re.Pattern[str] | None = None
        self._pattern_tokens = 0
        self._paths: list[File] = []
        self._series: dict[tuple[str, str], dict[str, Any]] = {}
        self._people: dict[tuple[str, str, str], list[File]] = {}  # (id, name, birth date) -> files
        self._studies: dict[str, dict[tuple[str, str, str], None]] = {}  # ordered: deterministic report
        self._dates: Counter[str] = Counter()  # YYYYMMDD of every DA/DT value except birth dates
        self._codes = {o.code: o for o in profile.options}
        # (file flags the rules read) -> {(tag, VR, raw value): [(finding or None for a date, value)]}
        self._memos: dict[tuple, dict[tuple[int, str, bytes], list[tuple[Finding | None, Any]]]] = {}
        self._tape: list[tuple[Finding | None, Any]] | None = None  # the hits of the value being remembered

    # -- before the files ---------------------------------------------------------------------

    def seed(self, records: Iterable[DicomRecord]) -> None:
        """Learn the identity of every file before any is walked (from the index's fields)."""
        self._seeded = True
        for record in records:
            self._identity(record.fields)

    def seed_tokens(self, tokens: Iterable[tuple[str, str] | list[str]]) -> None:
        """Learn (token, kind) pairs: :meth:`tokens` of a reviewer seeded elsewhere with every file
        (so, as after :meth:`seed`, :meth:`add` learns none from the files' own fields)."""
        self._seeded = True
        for token, kind in tokens:
            self._tokens.setdefault(token, kind)

    def tokens(self) -> list[tuple[str, str]]:
        """Every (token, kind) searched for so far, in the order learnt."""
        return list(self._tokens.items())

    # -- one file -------------------------------------------------------------------------

    def review_files(self, index: Index, records: Iterable[DicomRecord],
                     read: Callable[..., Dataset] = read_instance) -> None:
        """Read and :meth:`add` each record's header; a file unreadable now is reported as such."""
        with warnings.catch_warnings():  # pydicom's complaints about values were shown when indexing
            warnings.simplefilter("ignore")
            for record in records:
                try:
                    ds = read(index, record.entry, pixels=False)
                except Exception as exc:  # indexed once, unreadable now (changed on disk?): say so
                    self.add_other(OtherRecord(record.location, record.size, "unreadable", str(exc)))
                    continue
                self.add(record, ds)

    def add(self, record: DicomRecord, ds: Dataset) -> None:
        """Review one DICOM file: ``ds`` is its whole header (pixel data need not be read)."""
        fields = record.fields
        key = (str(fields.get("StudyInstanceUID") or ""), str(fields.get("SeriesInstanceUID") or ""))
        f = File(record.entry, record.location, key)
        self.files += 1
        self._paths.append(f)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = {"entry": record.entry, "description": str(fields.get("SeriesDescription") or ""),
                                          "files": [], "burned": Counter(), "recognizable": Counter(),
                                          "overlay": 0, "icon": 0, "risk": None, "images": 0}
        read_claims(self, ds, f)
        name, pid, birth = self._identity(fields, learn=not self._seeded)  # seeded: known already
        if len(self._tokens) != self._pattern_tokens:
            self._pattern, self._pattern_tokens = leak_pattern(self._tokens), len(self._tokens)
            self._memos.clear()  # remembered under the old tokens
        memo = self._memos.setdefault((f.deidentified, f.dates_removed, f.options), {})
        meta = getattr(ds, "file_meta", None)
        if meta:
            self._walk(meta, (), "", f, memo)
        self._walk(ds, (), "", f, memo)
        after_walk(self, ds, fields, f, series, name)
        if name or pid or birth:
            people = self._people.setdefault((pid, name, birth), [])
            if len(people) < MAX_FILES:
                people.append(f)
            if key[0]:
                self._studies.setdefault(key[0], {})[(pid, name, birth)] = None

    def add_other(self, other: OtherRecord) -> None:
        """A non-DICOM, unreadable or not-indexed entry: content this review could not read."""
        f = File(None, other.location, None)
        self._paths.append(f)
        match = re.match(r"not DICOM \(([^)]*)\)", other.reason)
        what = match.group(1) if match else other.kind
        titles = {"non-dicom": f"Not DICOM, not reviewed: {what}",
                  "unreadable": "Unreadable entries, not reviewed",
                  "not-indexed": "Entries not indexed (cancelled), not reviewed"}
        self._hit(("non-dicom", other.kind, what), f, other.location, "high", "non-dicom", titles[other.kind],
                  "Everything in the zip leaves with it; this content was not reviewed and can hold anything "
                  "(reports, scanned forms, spreadsheets of patients, photos).")

    # -- the walk ---------------------------------------------------------------------------

    def _walk(self, ds: Dataset, parents: tuple[int, ...], prefix: str, f: File, memo: dict | None = None) -> None:
        """One pass over ``ds``; sequences are walked item by item with the path of each.

        Most top-level values repeat from file to file (a series shares its dates, descriptions,
        UIDs), and what a value hits depends only on it, the tokens and the file's claims (the key
        of ``memo``): so the hits of an ASCII text value are remembered the first time and replayed
        after, which makes the walk several times faster. Nested values are always worked out.
        """
        pattern = self._pattern
        creators: dict[int, str] = {}
        for tag, elem in ds.items():
            tag = int(tag)  # pydicom's BaseTag compares in Python: slow as a dict key
            try:
                value = elem.value
                if value is None or (not value and value != 0):
                    continue
                vr = (elem.VR or vr_of(tag)) if type(elem) is RawDataElement else elem.VR
                if vr == "UN" and not tag >> 16 & 1 and vr_of(tag) in TEXT_VRS:
                    vr = vr_of(tag)  # a standard text element written as UN is read as its own VR
                if vr == "SQ":
                    self._sequence(ds, tag, parents, prefix, f)
                    continue
                if tag >> 16 & 1:
                    self._private(ds, tag, vr, value, parents, prefix, f, creators, pattern)
                    continue
                if memo is not None and type(value) is bytes and vr in TEXT_VRS and len(value) <= MEMO_VALUE:
                    key = (tag, vr, value)
                    tape = memo.get(key)
                    if tape is not None:
                        for finding, shown in tape:
                            if finding is None:
                                self._dates[shown] += 1
                            else:
                                finding.hit(f, shown)
                        continue
                    if value.isascii() and rule_for(tag).category not in _UNSHARED:
                        if len(memo) >= MEMO_SIZE:
                            memo.clear()
                        self._tape = memo[key] = []
                        try:
                            self._value(ds, tag, vr, value, parents, prefix, f, pattern)
                        except Exception:
                            del memo[key]  # a half-recorded tape must not be replayed
                            raise
                        finally:
                            self._tape = None
                        continue
                self._value(ds, tag, vr, value, parents, prefix, f, pattern)
            except Exception as exc:  # a malformed element (pydicom cannot convert it): say so, go on
                self._hit(("unreadable-element",), f, f"{prefix}{tag_text(tag)}: {type(exc).__name__}: {exc}"[:200],
                          "high", "non-dicom", "Elements that could not be read, not reviewed",
                          "These values are malformed (wrong length for their VR, unknown VR, broken "
                          "sequence), so this review could not read them; they still travel with the file.")

    def _value(self, ds: Dataset, tag: int, vr: str, value: Any, parents: tuple[int, ...], prefix: str, f: File,
               pattern: re.Pattern[str] | None) -> None:
        """One standard element that is not a sequence: its rule, then the search for leaks."""
        text = value_text(ds, tag, value) if vr in TEXT_VRS else None
        if text == "":
            return
        rule = rule_for(tag)
        if rule.category:
            self._apply(rule, ds, tag, vr, text, value, parents, prefix, f)
        if text is not None and pattern is not None:
            if tag in IDENTITY_SOURCES:
                if parents and self._add_token(IDENTITY_SOURCES[tag], text, found=True):
                    self._pattern_tokens = -1  # rebuilt before the next file
            else:
                match = pattern.search(text)
                if match:
                    where = rule.name or f"{describe(tag)} {tag_text(tag)}"
                    self._leak(match, text, tag, where, parents, prefix, f)

    def _sequence(self, ds: Dataset, tag: int, parents: tuple[int, ...], prefix: str, f: File) -> None:
        items = ds[tag].value
        if tag >> 16 & 1 == 0:
            rule = rule_for(tag)
            if rule.category in ("element", "free-text"):
                self._element(rule, tag, f"{len(items)} item(s)", parents, prefix, f)
            elif rule.category == "pixels" and not parents:
                f.icon = True
        if len(parents) >= MAX_DEPTH:
            self._hit(("too-deep",), f, f"{prefix}{tag_text(tag)}", "high", "non-dicom",
                      f"Sequences nested deeper than {MAX_DEPTH} levels, not reviewed below that",
                      "No real DICOM object nests this deep; whatever the deeper items hold was not read.")
            return
        inner = parents + (tag,)
        head = f"{prefix}{tag_text(tag)} > item "
        for number, item in enumerate(items, 1):
            self._walk(item, inner, f"{head}{number} > ", f)

    def _apply(self, rule, ds: Dataset, tag: int, vr: str, text: str | None, value: Any,
               parents: tuple[int, ...], prefix: str, f: File) -> None:
        category = rule.category
        if category == "uids":
            for uid in (text or "").split("\\"):
                self._uid(uid.strip(), rule, tag, parents, prefix, f)
            return
        if category == "pixels":
            if not parents:
                f.overlay = True
            return
        if category == "claim":
            return
        if text is None:
            text = f"{vr}, {len(value)} bytes" if vr in BINARY_VRS else str(ds[tag].value)
        if category == "document":
            self._hit(("document",), f, text, "high", "non-dicom", "Encapsulated documents, not reviewed",
                      "An embedded PDF or CDA document is often a report with the patient's name, "
                      "addresses and dates on it; this review does not read inside it "
                      f"({action_text(rule.action)}).", lambda: element_info(rule, tag, parents, prefix))
            return
        if category == "dates":
            for part in text.split("\\"):
                if len(part) >= 8 and part[:8].isdigit() and vr != "TM":
                    self._dates[part[:8]] += 1
                    if self._tape is not None:
                        self._tape.append((None, part[:8]))
            self._hit(("dates-summary",), f, None, "info", "dates", "", "")
            if f.dates_removed:
                self._hit(("claim", "dates-removed"), f, f"{rule.name}: {text}", "high", "identity-claim",
                          "Says dates were removed, but dates are present",
                          "Longitudinal Temporal Information Modified (0028,0303) is REMOVED, yet this "
                          "date/time element has a value.")
        self._element(rule, tag, text, parents, prefix, f)
        row = rule.row
        if f.deidentified and row is not None and row.basic == "X" and \
                not any(row.options.get(option) in ("K", "C") for option in f.options):
            self._hit(("claim", "removed", parents + (tag,)), f, text, "high", "identity-claim",
                      f"Says de-identified, but {rule.name} is still present",
                      f"The file claims de-identification ({', '.join(f.claim_names) or 'Patient Identity Removed YES'}); "
                      f"{action_text('X')} for this element, and no claimed option keeps it.",
                      lambda: element_info(rule, tag, parents, prefix))

    def _element(self, rule, tag: int, text: str, parents: tuple[int, ...], prefix: str, f: File) -> None:
        key = (rule.category, parents + (tag,))
        finding = self._findings.get(key)
        if finding is None:
            why = {"element": "An identifying element (E.1-1 lists it)",
                   "free-text": "Free text: people type names, IDs and dates into it",
                   "dates": "A date or time: a quasi-identifier, and with the birth date a direct one"}[rule.category]
            if rule.category == "element" and rule.severity == "high":
                why = "A direct identifier"
            finding = self._new(key, rule.severity, rule.category, f"{rule.name} {tag_text(tag)}",
                                f"{why}; {action_text(rule.action)}.", element_info(rule, tag, parents, prefix))
        finding.hit(f, text)
        if self._tape is not None:
            self._tape.append((finding, text))

    def _uid(self, uid: str, rule, tag: int, parents: tuple[int, ...], prefix: str, f: File) -> None:
        if not uid or uid.startswith(("1.2.840.10008.", "2.25.")):
            return
        root = uid_root(uid)
        if root is not None:
            self._hit(("uid-root", root[0]), f, uid, root[2], "uids", f"UIDs under the root {root[0]} ({root[1]})",
                      "A UID root names the organisation or product that made the UID: original UIDs "
                      "point back to the site's archive (E.1-1 action U: replace with new UIDs).",
                      lambda: element_info(rule, tag, parents, prefix))
        stamp = UID_TIMESTAMP.search(uid)
        if stamp is not None:
            self._hit(("uid-time",), f, uid, "medium", "uids", "UIDs with a date and time in them",
                      f"A component such as {stamp.group(1)} (YYYYMMDDhhmmss) gives away when the data "
                      "was made, even where the date elements were removed.",
                      lambda: element_info(rule, tag, parents, prefix))

    def _private(self, ds: Dataset, tag: int, vr: str, value: Any, parents: tuple[int, ...], prefix: str,
                 f: File, creators: dict[int, str], pattern: re.Pattern[str] | None) -> None:
        group, number = tag >> 16, tag & 0xFFFF
        if number < 0x10:
            return
        if number <= 0xFF:
            creators[group << 8 | number] = (value_text(ds, tag, value) or "").strip()
            return
        creator = creators.get(group << 8 | number >> 8, "")
        binary = isinstance(value, bytes)
        if vr in TEXT_VRS:
            text = value_text(ds, tag, value)
            shown = text
        elif binary and len(value) <= SEARCH_BINARY:
            text = value.decode("latin-1")
            shown = text.strip(" \x00") if len(value) <= 64 and value.isascii() and text.strip(" \x00").isprintable() \
                else None
        else:
            text = shown = None
        f.private += 1
        block = self._hit(("private", group, creator), f, f"{tag_text(tag)} {shown}" if shown else None,
                          "medium", "private", "", "")
        block.extra["elements"] = block.extra.get("elements", 0) + 1
        block.extra.setdefault("path", f"{prefix}{tag_text(tag)}")
        if shown is None and (binary or vr in BINARY_VRS):
            blob = self._hit(("private-blob", group, creator), f, f"{tag_text(tag)} {vr}", "medium", "private",
                             f"Binary private values in “{creator or 'no creator'}” (group {group:04X})",
                             "Binary (OB/UN) private values can hold whole vendor headers, including names and "
                             "dates, that no viewer shows; the basic profile removes all private elements (X).")
            blob.extra["bytes"] = blob.extra.get("bytes", 0) + (len(value) if binary else 0)
        if text and pattern is not None:
            match = pattern.search(text)
            if match:
                self._leak(match, text, tag, f"Private ({creator or 'no creator'}) {tag_text(tag)}", parents, prefix, f)

    def _leak(self, match: re.Match[str], text: str, tag: int | None, where: str, parents: tuple[int, ...],
              prefix: str, f: File) -> None:
        kind = self._tokens.get(match.group(0).upper(), "name")
        element = None if tag is None else {"tag": tag_text(tag), "keyword": "", "name": where,
                                            "path": f"{prefix}{tag_text(tag)}"}
        self._hit(("leak", kind, parents + (tag,) if tag is not None else "path"), f, clip(text), "high", "cross-field",
                  f"{_KIND_TEXT[kind]} appears in {where}",
                  f"“{match.group(0)}” from the patient's identifying elements turns up here: removing those "
                  "elements alone would not hide who this is.", element)

    # -- the report ---------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        from .review_totals import finish_report

        return finish_report(self)

    # -- helpers ------------------------------------------------------------------------------

    def _identity(self, fields: dict[str, Any], learn: bool = True) -> tuple[str, str, str]:
        """(name, patient ID, birth date) of a file; they and its accession number become tokens."""
        name, pid = str(fields.get("PatientName") or ""), str(fields.get("PatientID") or "")
        birth = str(fields.get("PatientBirthDate") or "")
        if not learn:
            return name, pid, birth
        for kind, text in (("name", name), ("patient-id", pid), ("birth-date", birth),
                           ("accession", str(fields.get("AccessionNumber") or ""))):
            self._add_token(kind, text)
        return name, pid, birth

    def _add_token(self, kind: str, text: str, found: bool = False) -> bool:
        tokens = name_tokens(text) if kind == "name" else [id_token(text)]
        added = False
        for token in tokens:
            if token and token not in self._tokens:
                self._tokens[token] = kind
                if found:
                    self._found.append((token, kind))
                added = True
        return added

    def _new(self, key: tuple, severity: str, category: str, title: str, reason: str,
             element: dict[str, str] | None = None) -> Finding:
        finding = self._findings[key] = Finding(finding_id(key), severity, category, title, reason, element)
        return finding

    def _hit(self, key: tuple, f: File, value: str | None, severity: str, category: str, title: str,
             reason: str, element: dict[str, str] | Callable[[], dict[str, str]] | None = None) -> Finding:
        """Count a hit; the finding (and its element, given as a function where costly) is made at the first."""
        finding = self._findings.get(key)
        if finding is None:
            finding = self._new(key, severity, category, title, reason, element() if callable(element) else element)
        finding.hit(f, value)
        if self._tape is not None:
            self._tape.append((finding, value))
        return finding




def review(index: Index, *, read: Callable[..., Dataset] = read_instance) -> dict[str, Any]:
    """Review everything indexed in ``index`` in one pass: every DICOM header in full, then the
    other entries (the CLI's way; the browser splits it, see :mod:`.review_merge`)."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    reviewer.review_files(index, index.dicom, read)
    for other in index.others:
        reviewer.add_other(other)
    return reviewer.finish()
