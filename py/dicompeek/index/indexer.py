"""Index picked zips, folders and files, a slice of work at a time.

The browser's worker cannot receive a "cancel" message while Python runs, so
indexing is done in steps of bounded duration: the caller runs :meth:`Index.step`
repeatedly and yields to its event loop in between, which is also when it
reports progress. The CLI simply steps until the queue is empty.

Every entry ends in exactly one list (DICOM, non-DICOM, unreadable, or not
indexed when cancelled), so ``entries == dicom + non_dicom + unreadable +
not_indexed`` always holds and nothing is silently dropped.

Each entry is read inside its own boundary: whatever goes wrong while reading
it (a damaged zip, a parser bug, a recursion or memory error) is reported for
that entry and indexing goes on. The header pass reads each entry through a
guard that stops at :data:`~dicompeek.io.limits.HEADER_READ_LIMIT` and counts
into a budget for the whole run (``WORK_LIMIT_BASE`` plus ``WORK_LIMIT_RATIO``
times the compressed size of the entries); when the budget is spent, the
entries left are listed as not indexed, with the limit named.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dicompeek.dicom.errors import NotDicom, Unreadable
from dicompeek.dicom.header import Header, read_header
from dicompeek.io.archive import Entry, SourceNote, Sources
from dicompeek.io.errors import one_line
from dicompeek.io.limits import ReadBudget
from dicompeek.io.stream import ByteStream


@dataclass(slots=True)
class DicomRecord:
    """One DICOM file as the summary sees it."""

    entry: int  # position in Sources.entries, the same in every worker
    location: str
    archive: str | None
    folder: str
    size: int
    transfer_syntax: str
    fields: dict[str, Any]
    warning: str | None
    header_length: int | None = None  # where the header ends in the entry (Header.length)


@dataclass(slots=True)
class OtherRecord:
    """A non-DICOM, unreadable or not-indexed entry, with the reason."""

    location: str
    size: int
    kind: str  # "non-dicom" | "unreadable" | "not-indexed"
    reason: str


#: How :func:`outside_key` starts (a UID is digits and dots: no series has such a UID).
OUTSIDE_PREFIX = "file:"


def outside_key(record: DicomRecord) -> str:
    """The series key of a DICOM file without a Study or Series Instance UID (a DICOMDIR, a slide
    image written without them): viewed and inspected on its own, as a series of one file."""
    return f"{OUTSIDE_PREFIX}{record.entry}" if not (record.fields.get("StudyInstanceUID")
                                                     and record.fields.get("SeriesInstanceUID")) else ""


class Index:
    """Everything picked in this session, indexed incrementally."""

    def __init__(self) -> None:
        self.sources = Sources()
        self.picked: list[str] = []  # the paths given to add(), in order (a report's inputs)
        self.dicom: list[DicomRecord] = []
        self.others: list[OtherRecord] = []
        self._queue: deque[int] = deque()  # positions in self.sources.entries
        self._run = _Run()
        self._budget = ReadBudget()

    @property
    def notes(self) -> list[SourceNote]:
        return self.sources.notes

    def add(self, paths: list[str], shard: int = 0, shards: int = 1) -> dict[str, Any]:
        """Queue every entry of ``paths`` (files or folders) for indexing.

        With ``shards`` > 1, that many indexes (one per browser worker, each
        given the same paths) share the work: this one takes the ``shard``-th
        of ``shards`` consecutive runs of entries (consecutive, so that each
        worker reads only its own part of a zip), and only shard 0 reports
        the picks that could not be opened, so merged results count each once.
        """
        first_entry = len(self.sources.entries)
        first_problem = len(self.sources.problems)
        for path in paths:
            self.picked.append(path)
            self.sources.add(path)
        if not self._queue:
            self._run = _Run()
        if shard == 0:
            for problem in self.sources.problems[first_problem:]:
                self.others.append(OtherRecord(problem.location, problem.size, "unreadable", problem.reason))
                self._run.add(problem.size)
                self._run.finish(problem.size)
        count = len(self.sources.entries) - first_entry
        start = first_entry + count * shard // shards
        end = first_entry + count * (shard + 1) // shards
        for position in range(start, end):
            entry = self.sources.entries[position]
            self._queue.append(position)
            self._run.add(entry.size)
            self._budget.allow(entry.size if entry.packed is None else entry.packed)
        return self.progress()

    def add_written(self, path: str, headers: Mapping[int, Header]) -> dict[str, Any]:
        """Queue the zip at ``path`` that this program wrote (the de-identified copy), whose DICOM
        entries' ``headers`` (by position in it) are known from writing them: those entries become
        records at once, the others (non-DICOM entries kept) are queued to be indexed as any are."""
        first_entry = len(self.sources.entries)
        self.add([path])
        known = {first_entry + position: header for position, header in headers.items()}
        self._queue = deque(position for position in self._queue if position not in known)
        for position, header in sorted(known.items()):
            entry = self.sources.entries[position]
            self.dicom.append(DicomRecord(position, entry.location, entry.archive, entry.folder, entry.size,
                                          header.transfer_syntax, header.fields, header.warning, header.length))
            self._run.finish(entry.size)
        return self.progress()

    def catalogue(self, paths: list[str]) -> None:
        """List the entries of ``paths`` without reading any: for reading entries by position (a
        worker reviewing records that another indexed)."""
        for path in paths:
            self.picked.append(path)
            self.sources.add(path)

    def take_records(self) -> dict[str, list[dict[str, Any]]]:
        """Hand over (and forget) what this shard indexed, as plain data."""
        records = {"dicom": [asdict(r) for r in self.dicom], "others": [asdict(r) for r in self.others]}
        self.dicom.clear()
        self.others.clear()
        return records

    def merge_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Add what another shard indexed (from :meth:`take_records`)."""
        self.dicom.extend(DicomRecord(**r) for r in records["dicom"])
        self.others.extend(OtherRecord(**r) for r in records["others"])

    def step(self, budget: float = 0.1) -> dict[str, Any]:
        """Index entries for about ``budget`` seconds; return the progress."""
        deadline = time.perf_counter() + budget
        while self._queue:
            position = self._queue.popleft()
            self._index_entry(position)
            self._run.finish(self.sources.entries[position].size)
            if time.perf_counter() >= deadline:
                break
        return self.progress()

    def run(self) -> dict[str, Any]:
        """Index everything queued (the CLI's way)."""
        while self._queue:
            self.step(1.0)
        return self.progress()

    def cancel(self) -> dict[str, Any]:
        """Stop: what is still queued is listed as not indexed."""
        while self._queue:
            entry = self.sources.entries[self._queue.popleft()]
            self.others.append(OtherRecord(entry.location, entry.size, "not-indexed",
                                           "not indexed: cancelled before it was read"))
            self._run.finish(entry.size)
        self._run.cancelled = True
        return self.progress()

    def close(self) -> None:
        self.sources.close()

    def series_records(self, study_uid: str, series_uid: str) -> list[DicomRecord]:
        """The files of one series (top-level Study/Series Instance UIDs), in index order; for the
        key of a file outside any series (:func:`outside_key`), that file alone."""
        if series_uid.startswith(OUTSIDE_PREFIX):
            return [r for r in self.dicom if outside_key(r) == series_uid]
        return [r for r in self.dicom if r.fields.get("StudyInstanceUID") == study_uid
                and r.fields.get("SeriesInstanceUID") == series_uid]

    def progress(self) -> dict[str, Any]:
        return self._run.report(finished=not self._queue)

    def _index_entry(self, position: int) -> None:
        entry = self.sources.entries[position]
        if self._budget.exhausted and not entry.problem:
            self.others.append(OtherRecord(entry.location, entry.size, "not-indexed",
                                           self._budget.exhausted_reason()))
            return
        self._budget.tripped = None
        try:
            header = read_header(_Guarded(entry, self._budget))
        except NotDicom as exc:
            self.others.append(OtherRecord(entry.location, entry.size, "non-dicom", str(exc)))
        except Unreadable as exc:
            reason = self._budget.tripped or str(exc)
            self.others.append(OtherRecord(entry.location, entry.size, "unreadable", reason))
        except Exception as exc:  # the per-file boundary: RecursionError, MemoryError and bugs included
            reason = self._budget.tripped or f"internal error while reading: {one_line(exc)}"
            self.others.append(OtherRecord(entry.location, entry.size, "unreadable", reason))
        else:
            warning = header.warning
            if entry.warning:
                warning = f"{entry.warning}; {warning}" if warning else entry.warning
            self.dicom.append(DicomRecord(position, entry.location, entry.archive, entry.folder, entry.size,
                                          header.transfer_syntax, header.fields, warning, header.length))


class _Guarded:
    """``entry`` as the header pass sees it: every stream it opens goes through the budget's guard."""

    __slots__ = ("_budget", "_entry")

    def __init__(self, entry: Entry, budget: ReadBudget) -> None:
        self._entry = entry
        self._budget = budget

    @property
    def size(self) -> int:
        return self._entry.size

    @property
    def problem(self) -> str | None:
        return self._entry.problem

    @property
    def open(self) -> Callable[[], ByteStream]:
        return lambda: self._budget.guard(self._entry.open())

    def __getattr__(self, name: str) -> Any:  # the rest of the entry (path, location...) as it is
        return getattr(self._entry, name)


@dataclass(slots=True)
class _Run:
    """Progress of one continuous stretch of indexing (may span several picks)."""

    total: int = 0
    done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    started: float = 0.0
    ended: float = 0.0
    cancelled: bool = False

    def __post_init__(self) -> None:
        self.started = time.perf_counter()

    def add(self, size: int) -> None:
        self.total += 1
        self.bytes_total += size

    def finish(self, size: int) -> None:
        self.done += 1
        self.bytes_done += size
        self.ended = time.perf_counter()

    def report(self, finished: bool) -> dict[str, Any]:
        now = self.ended if finished else time.perf_counter()
        elapsed = max(now - self.started, 0.0)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        remaining = self.total - self.done
        return {
            "done": self.done,
            "total": self.total,
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "elapsed": round(elapsed, 3),
            "files_per_second": round(rate, 1),
            "eta_seconds": round(remaining / rate, 1) if rate > 0 and remaining else 0.0,
            "finished": finished,
            "cancelled": self.cancelled,
        }
