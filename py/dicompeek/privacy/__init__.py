"""Privacy review: everything in the picked files that can identify a person, and where.

A review, not a rewrite: it reads every DICOM header once more (without pixel data), walks every
element at every depth and applies rules, one module per family under :mod:`.rules`: PS3.15
Table E.1-1 elements, de-identification claims against facts, cross-field leaks, free text,
dates, UIDs, private blocks, pixel risk, consistency across files, content not reviewed.

Layers (each imports only those above it; nothing outside this package but ``worker_api`` and
``cli`` imports it)::

    findings      the vocabulary: severities (listed once), File, Finding, Findings, Recorder
    profile       PS3.15 Table E.1-1 as data (data/confidentiality_profile.json, generated)
    safe_private  PS3.15 Table E.3.10-1, the safe private attributes (data/safe_private.json, generated)
    claims        what a file claims (0012,0062/0063/0064, 0028,0303) and which E.1-1 rows that allows
    identity      the patients: their names, IDs, dates and accession numbers, searched by whole token
    patterns      identifier patterns in free text and paths (dates, phones, e-mails, numbers, names)
    elements      what the walk shows a rule: Element, DicomFile; classify() a tag; judge() a value
    content       what a value holds: identities and patterns, worked out once per element
    protocol      the Rule protocol, its Context and the current file's Facts, RuleBase
    rules/        one module per family; rules/__init__.py is the registry (RULES, in order)
    reviewer      the walk: files and elements to the rules, no rule logic; the JSON report
    provenance    what a report describes: inputs with their SHA-256, date, version, claims
    merge         the review in parts (one per browser worker), merged by asking each rule
    report        the report as HTML and CSV, and masked ("Hide patient data")

Severity follows content: high is a value holding a patient's identity or an identifier
pattern (with the matching text), a claim the content contradicts, or content not reviewed;
medium is what E.1-1 and the claimed options remove or replace yet is still there with
nothing identifying in it, and pixel risk; info is what the claimed options allow, dummies
and pseudonyms.

The rule protocol (:class:`.protocol.Rule`; subclass :class:`.protocol.RuleBase`):

- ``name``, ``looks_at`` (the kinds of element it is shown: a category of
  :func:`.elements.classify`, "sequence" or "private"), ``fields`` (the index fields it reads);
- ``start_file(dicom)``, ``visit_element(element, file)``, ``visit_unread(file, where, why)``,
  ``end_file(dicom)``, ``visit_other(other, file)``: what it looks at, per element and per
  file, in index order; it counts hits in its own ``self.findings`` and keeps its own state;
- ``replay_key()``: the per-file facts its verdict on an element depends on (the walk replays
  the effects of a repeated top-level value only under the same keys);
- ``finish() -> findings``: what it concludes once every file has been seen;
- ``state()`` / ``merge(state)``: its partial state as plain JSON data, and adding a later
  part's. Merging the parts of a split review must give exactly the single pass's state.

Adding a rule: write ``rules/<family>.py`` with a :class:`~.protocol.RuleBase` subclass (its
findings' keys and category are its own: no other rule touches them), add the class to
``RULES`` in ``rules/__init__.py``, and write ``tests/privacy/rules/test_<family>.py``. The
registry test (``tests/privacy/rules/test_registry.py``) then checks for the new rule too that a
review split into 1, 2, 3 and N parts merges into exactly the single-pass result; extend its
planted data if the rule has nothing to find there.
"""

from __future__ import annotations

from dicompeek.privacy.findings import CLEAR_VERDICT, FLAGGED, SEVERITIES
from dicompeek.privacy.merge import PartReview, burned_in_part, merge, merged, plan, reruns, review_part
from dicompeek.privacy.report import MASK, masked_result, report_csv, report_html
from dicompeek.privacy.reviewer import REVIEW_FIELDS, SCHEMA_VERSION, Reviewer, review, single_pass

__all__ = [
           "CLEAR_VERDICT",
           "FLAGGED",
           "MASK",
           "REVIEW_FIELDS",
           "SCHEMA_VERSION",
           "SEVERITIES",
           "PartReview",
           "Reviewer",
           "burned_in_part",
           "masked_result",
           "merge",
           "merged",
           "plan",
           "report_csv",
           "report_html",
           "reruns",
           "review",
           "review_part",
           "single_pass",
]
