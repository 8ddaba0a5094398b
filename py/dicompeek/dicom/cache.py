"""The whole instances shown recently, kept within a memory budget: one cache for every panel.

The viewer needs a file's pixel data, the tag browser its whole header; both
ask the same :class:`InstanceCache` (the worker makes one and gives it to
both), so the file on screen is read once however many panels show it, and
scrolling back and forth or changing the window re-reads nothing.
"""

from __future__ import annotations

from collections import OrderedDict

from dicompeek.dicom.instances import Instance, Picks, read

#: Bytes of files (their size as picked) kept read in memory, at least the last one whatever its size.
CACHE_BUDGET = 256 * 1024 * 1024


class InstanceCache:
    """Whole instances (pixel data included) of ``picks``' entries by position, least recently
    used first out once their files add up to more than ``budget`` bytes (:data:`CACHE_BUDGET`)."""

    def __init__(self, picks: Picks, budget: int | None = None) -> None:
        self.picks = picks
        self._budget = budget
        self._instances: OrderedDict[int, Instance] = OrderedDict()
        self._sizes: dict[int, int] = {}

    def get(self, entry: int) -> Instance:
        """The whole instance of ``entry`` (a position in ``picks.sources.entries``), read when it
        is not in the cache; raises :class:`~dicompeek.dicom.errors.Unreadable` as
        :func:`~dicompeek.dicom.instances.read` does (and keeps nothing then)."""
        if entry in self._instances:
            self._instances.move_to_end(entry)
            return self._instances[entry]
        source = self.picks.sources.entries[entry]
        instance = read(source, pixels=True)
        self._instances[entry] = instance
        self._sizes[entry] = source.size
        budget = CACHE_BUDGET if self._budget is None else self._budget
        while sum(self._sizes.values()) > budget and len(self._instances) > 1:
            old, _ = self._instances.popitem(last=False)
            del self._sizes[old]
        return instance

    def clear(self) -> None:
        """Forget every instance (the index they came from is gone)."""
        self._instances.clear()
        self._sizes.clear()
