"""Limits that keep a hostile pick from exhausting the machine, and the guard that applies them.

Nothing in a zip is trusted: every size, offset and count it states is checked
against a limit before it is acted on, and every limit that stops something
says so by name in the message of the file it stopped. The values are module
constants so that tests (and a person with unusual data) can change them.
"""

from __future__ import annotations

from typing import NoReturn

from dicompeek.io.stream import ByteStream, ReadOnlyStream

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: Zips inside zips are opened down to this many levels (the picked zip is level 1).
MAX_ZIP_DEPTH = 3
#: A compressed zip inside a zip has to be unpacked into memory to be read (a
#: stored one is read in place, at any size); at most this much per nested zip...
NESTED_ZIP_MEMORY = 64 * MiB
#: ...and at most this much for all nested zips of one session together (each browser worker
#: holds its own copy: the page has up to four).
NESTED_ZIPS_MEMORY_TOTAL = 128 * MiB
#: Entries listed over all picks of one session; a zip with more is cut off (and says so).
MAX_ENTRIES = 500_000
#: An entry larger than RATIO_CHECKED_ABOVE that expands more than this many
#: times its compressed size is treated as a zip bomb and not read.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 64 * MiB
#: The header pass does at most this much work on one entry each time it opens it: bytes
#: read, plus bytes decompressed to skip them (seeking in stored data is free).
HEADER_READ_LIMIT = 256 * MiB
#: The header pass reads at most WORK_LIMIT_BASE plus WORK_LIMIT_RATIO times
#: the compressed size of the entries it was given, over all of them together.
WORK_LIMIT_BASE = 2 * GiB
WORK_LIMIT_RATIO = 16
#: Names longer than this (in characters, after escaping) are clipped for display.
NAME_SHOWN_MAX = 256
#: Names kept whole per zip; past this, long names are kept clipped (entries are read by
#: position, so they stay readable).
NAME_BYTES_KEPT = 32 * MiB
#: Notes of one kind (unusual names, shared names) per zip; the rest are counted.
MAX_NOTES_PER_KIND = 20


class LimitExceeded(Exception):
    """A limit stopped the read; the message names the limit."""


def size_text(n: int) -> str:
    """A byte count for people: ``512 bytes``, ``16.0 KiB``, ``10.0 GiB``."""
    if n < KiB:
        return f"{n:,} bytes"
    for unit, scale in (("TiB", GiB * KiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} bytes"  # pragma: no cover


class ReadBudget:
    """Bytes read by the header pass: per entry (HEADER_READ_LIMIT) and in total."""

    def __init__(self) -> None:
        self.allowed = 0
        self.used = 0
        self.tripped: str | None = None  # the message of the limit that stopped the current entry

    @property
    def exhausted(self) -> bool:
        return self.used >= self.allowed

    def allow(self, packed: int) -> None:
        """Add an entry of ``packed`` compressed bytes to the total allowance."""
        if not self.allowed:
            self.allowed = WORK_LIMIT_BASE
        self.allowed += WORK_LIMIT_RATIO * max(packed, 0)

    def exhausted_reason(self) -> str:
        return (f"not indexed: the header pass has read {size_text(self.used)} in all, its limit for "
                f"these picks ({size_text(self.allowed)}: {size_text(WORK_LIMIT_BASE)} plus "
                f"{WORK_LIMIT_RATIO} times their compressed size, WORK_LIMIT_BASE/WORK_LIMIT_RATIO)")

    def guard(self, stream: ByteStream) -> GuardedStream:
        return GuardedStream(stream, self)


class GuardedStream(ReadOnlyStream):
    """A read-only view of ``stream`` that stops after HEADER_READ_LIMIT bytes of work.

    Work is every byte read, plus every byte skipped by seeking forward
    through compressed data (which has to be decompressed to be skipped);
    seeking in stored data or a plain file is free. Going past the limit
    raises :class:`LimitExceeded`; the budget remembers why, so the index can
    report the limit even when a parser wraps the exception in its own. All
    work is also counted into the budget's total.
    """

    def __init__(self, stream: ByteStream, budget: ReadBudget) -> None:
        super().__init__()
        self._stream = stream
        self._budget = budget
        self._limit = HEADER_READ_LIMIT
        self._cheap_seek = bool(getattr(stream, "cheap_seek", True))
        self._work = 0
        self._furthest = 0  # how far a costly stream has been decoded

    def tell(self) -> int:
        return self._stream.tell()

    def read(self, size: int | None = -1, /) -> bytes:
        room = self._limit - self._work
        if room < 0:
            self._stop()
        # asked for more than the room left: read one byte past it, to tell a short entry from a long one
        want = room + 1 if size is None or size < 0 or size > room else size
        data = self._stream.read(want)
        self._add(len(data))
        if not self._cheap_seek:
            self._furthest = max(self._furthest, self._stream.tell())
        if len(data) > room:
            self._stop()
        return data

    def seek(self, offset: int, whence: int = 0, /) -> int:
        position = self._stream.seek(offset, whence)
        if not self._cheap_seek and position > self._furthest:  # skipping compressed data decodes it
            self._add(position - self._furthest)
            self._furthest = position
            if self._work > self._limit:
                self._stop()
        return position

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()

    def _stop(self) -> NoReturn:
        message = (f"header pass stopped after reading {size_text(self._limit)} of the entry, as far as it "
                   f"reads one entry (HEADER_READ_LIMIT): the header is larger than that, or the entry is a "
                   f"decompression bomb")
        self._budget.tripped = message
        raise LimitExceeded(message)

    def _add(self, work: int) -> None:
        self._work += work
        self._budget.used += work
