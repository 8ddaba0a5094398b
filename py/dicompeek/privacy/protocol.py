"""The rule protocol of the privacy review: what a rule looks at, what it concludes, and how
its partial state merges (see the package's docstring for how to add one).

Modelled on pydicom's decoder plugins: the reviewer (:mod:`.reviewer`) knows no rule, it walks
the files and hands each element to the rules that look at its kind; each rule keeps its own
state and findings, says what it concludes at the end, and writes and merges its own state, so
a review split over the browser's workers is merged by asking each rule (:mod:`.merge`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from dicompeek.index.indexer import OtherRecord
from dicompeek.privacy.claims import NO_CLAIMS, Claims
from dicompeek.privacy.elements import DicomFile, Element
from dicompeek.privacy.findings import JSON, File, Finding, Findings, Recorder
from dicompeek.privacy.identity import Identity, Patient
from dicompeek.privacy.profile import Profile

#: Why the walk did not review something: an element pydicom could not convert, or a sequence
#: nested deeper than :data:`~.elements.MAX_DEPTH`.
Unread = Literal["unreadable", "too-deep"]


@dataclass(slots=True)
class Facts:
    """What the walk knows of the current file before its elements, shared by every rule (so
    that no rule needs another's state): its claims, its patient, whether it is a DICOMDIR."""

    claims: Claims = NO_CLAIMS
    patient: Patient | None = None
    directory: bool = False

    def key(self) -> Hashable:
        """What a rule's verdict on a value may depend on besides the value (the walk replays
        effects only between files with the same key)."""
        return self.claims, self.patient.key if self.patient else None, self.directory


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule of one review shares: the table, the patients' identity as known so far,
    the current file's facts and the recorder of the value being visited (which
    :class:`~.findings.Findings` feed)."""

    profile: Profile
    identity: Identity
    recorder: Recorder
    facts: Facts = field(default_factory=Facts)


class Rule(Protocol):
    """One rule family of the review.

    The walk calls, for each DICOM file in index order: :meth:`start_file`, :meth:`visit_element`
    for every element (at every depth, file meta group first) whose kind is in ``looks_at``,
    :meth:`visit_unread` for what could not be walked, then :meth:`end_file`; for every other
    entry (non-DICOM, unreadable, not indexed) :meth:`visit_other`. :meth:`finish` is called once,
    after every file, and gives the rule's findings for the report.

    A review in parts: each part's rule gives :meth:`state` (plain JSON data), and the rule of
    the merging reviewer :meth:`merge`\\ s those in part order. The contract, which a test checks
    for every rule of the registry: merging the parts gives exactly the state (and the findings)
    of one pass over all the files. What keeps it easy: keep totals and prefixes in file order.
    """

    #: Names the rule's state in a part's state; unique in the registry.
    name: str
    #: The kinds of element :meth:`visit_element` is called for (see :data:`~.elements.ELEMENT_KINDS`).
    looks_at: frozenset[str]
    #: The index record fields the rule reads (a part is sent only the fields some rule reads).
    fields: tuple[str, ...]

    def start_file(self, dicom: DicomFile) -> None:
        """Before the file's elements (may read the dataset: its claims, say)."""

    def visit_element(self, element: Element, f: File) -> None:
        """One element of a kind in ``looks_at``. What this does must depend only on the element,
        the state of the walk and :meth:`replay_key`: the walk replays the recorded effects of a
        repeated top-level standard text value instead of calling this again (see
        :class:`~.findings.Recorder`; for such a value, call ``recorder.spoil()`` for any effect
        that is not a hit).
        An exception (a value that cannot be converted) reports the element as unreadable."""

    def visit_unread(self, f: File, where: str, why: Unread) -> None:
        """Something of the file the walk could not review."""

    def end_file(self, dicom: DicomFile) -> None:
        """After the file's elements."""

    def visit_other(self, other: OtherRecord, f: File) -> None:
        """An entry that is not a readable DICOM file (after every DICOM file)."""

    def replay_key(self) -> Hashable:
        """The facts of the current file (besides the element) that :meth:`visit_element`'s effects
        depend on; a recorded value is replayed only in files with the same keys."""

    def finish(self) -> list[Finding]:
        """The rule's findings once every file has been seen (findings made from totals included)."""

    def state(self) -> JSON:
        """Everything :meth:`finish` needs, as plain data (:mod:`json` round-trips it)."""

    def merge(self, state: JSON) -> None:
        """Add the :meth:`state` of a part reviewed after everything this rule has seen."""


class RuleBase:
    """Defaults for :class:`Rule`: look at nothing, and keep findings (``self.findings``) whose state
    and merge are done here. A rule with more state extends :meth:`state` and :meth:`merge`."""

    name: str = ""
    looks_at: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()

    def __init__(self, context: Context) -> None:
        self.context = context
        self.findings = Findings(context.recorder)

    def start_file(self, dicom: DicomFile) -> None:
        pass

    def visit_element(self, element: Element, f: File) -> None:
        pass

    def visit_unread(self, f: File, where: str, why: Unread) -> None:
        pass

    def end_file(self, dicom: DicomFile) -> None:
        pass

    def visit_other(self, other: OtherRecord, f: File) -> None:
        pass

    def replay_key(self) -> Hashable:
        return None

    def finish(self) -> list[Finding]:
        return self.findings.values()

    def state(self) -> JSON:
        return {"findings": self.findings.state()}

    def merge(self, state: JSON) -> None:
        self.findings.merge(state["findings"])
