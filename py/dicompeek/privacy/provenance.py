"""What a review describes: each input's name, size and SHA-256, when it was made, by which
version, against which edition of Table E.1-1, what the files claim, and the verdict.

Why: a report is passed on ("this export was reviewed and is clean") and read later; without
the hash nobody can tell which zip it was about. Hashing reads each input once, in 1 MiB
pieces, so memory does not grow with its size. A digest is remembered for the file's path,
size and modification time, so the page can hash in the background while a person reads the
summary (:class:`Hashing`, in steps) and every later review of the same pick reuses it.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from datetime import UTC, datetime
from typing import Any

from dicompeek import __version__

CHUNK = 1024 * 1024
#: SHA-256 of files already hashed, by (path, size, modification time in ns).
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _key(path: str) -> tuple[str, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return path, status.st_size, status.st_mtime_ns


class Hashing:
    """The picked files hashed a step at a time (each :meth:`step` for about ``budget`` seconds)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = list(paths)
        self._todo = [p for p in paths if os.path.isfile(p) and _key(p) not in _DIGESTS]
        self._digest = hashlib.sha256()
        self._stream: Any = None
        self.errors: dict[str, str] = {}  # path -> why it could not be hashed

    def step(self, budget: float = 0.1) -> bool:
        """Hash for about ``budget`` seconds; True once every file is hashed."""
        deadline = time.perf_counter() + budget
        while self._todo:
            path = self._todo[0]
            try:
                if self._stream is None:
                    self._stream, self._digest = open(path, "rb"), hashlib.sha256()  # noqa: SIM115 (kept across steps)
                while chunk := self._stream.read(CHUNK):
                    self._digest.update(chunk)
                    if time.perf_counter() >= deadline:
                        return False
                key = _key(path)
                if key is not None:
                    _DIGESTS[key] = self._digest.hexdigest()
            except OSError as exc:
                self.errors[path] = str(exc)  # describe_input says why when the report is made
            self.close()
            self._todo.pop(0)
        return True

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def describe_input(path: str, compute: bool = True) -> dict[str, Any]:
    """{"name", "size", "sha256"} of a picked file; a folder has its total size and no hash.
    ``compute=False``: a file not hashed yet says so ("pending": true) instead of being read."""
    name = os.path.basename(path.rstrip("/")) or path
    if os.path.isdir(path):
        size = files = 0
        for folder, _, names in os.walk(path):
            for file_name in names:
                try:
                    size += os.path.getsize(os.path.join(folder, file_name))
                    files += 1
                except OSError:
                    continue
        return {"name": name, "size": size, "sha256": None, "files": files}
    key = _key(path)
    if key is not None and key in _DIGESTS:
        return {"name": name, "size": key[1], "sha256": _DIGESTS[key]}
    if key is None:
        return {"name": name, "size": 0, "sha256": None, "error": "the file is gone"}
    if not compute:
        return {"name": name, "size": key[1], "sha256": None, "pending": True}
    hashing = Hashing([path])
    hashing.step(math.inf)
    if key in _DIGESTS:
        return {"name": name, "size": key[1], "sha256": _DIGESTS[key]}
    return {"name": name, "size": key[1], "sha256": None, "error": hashing.errors.get(path, "not hashed")}


def provenance(paths: list[str], result: dict[str, Any], now: datetime | None = None,
               compute: bool = True) -> dict[str, Any]:
    """The provenance block of a report (``result``: the review as :meth:`.reviewer.Reviewer.finish`
    gives it). ``compute=False``: inputs not hashed yet are marked pending (:func:`completed`)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "inputs": [describe_input(path, compute) for path in paths],
        "reviewed_at": moment.isoformat().replace("+00:00", "Z"),
        "tool": f"DICOM Peek {__version__}",
        "table": f"{result['profile']['title']} ({result['profile']['edition']})",
        "claimed": [claim["name"] for claim in result.get("claimed", [])],
        "verdict": result["verdict"],
    }


def completed(paths: list[str], block: dict[str, Any]) -> dict[str, Any]:
    """``block`` (a :func:`provenance`) with its pending inputs hashed now."""
    if not any(item.get("pending") for item in block.get("inputs", [])):
        return block
    return {**block, "inputs": [describe_input(path) for path in paths]}
