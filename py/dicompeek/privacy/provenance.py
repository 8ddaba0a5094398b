"""What a review describes: each input's name, size and SHA-256, when it was made, by which
version, against which edition of Table E.1-1, what the files claim, and the verdict.

Why: a report is passed on ("this export was reviewed and is clean") and read later; without
the hash nobody can tell which zip it was about. Hashing reads each input once, in 1 MiB
pieces, so memory does not grow with its size.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

from dicompeek import __version__

CHUNK = 1024 * 1024


def describe_input(path: str) -> dict[str, Any]:
    """{"name", "size", "sha256"} of a picked file; a folder has its total size and no hash."""
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
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        return {"name": name, "size": size, "sha256": None, "error": str(exc)}
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


def provenance(paths: list[str], result: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The provenance block of a report (``result``: the review as :meth:`.reviewer.Reviewer.finish` gives it)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "inputs": [describe_input(path) for path in paths],
        "reviewed_at": moment.isoformat().replace("+00:00", "Z"),
        "tool": f"DICOM Peek {__version__}",
        "table": f"{result['profile']['title']} ({result['profile']['edition']})",
        "claimed": [claim["name"] for claim in result.get("claimed", [])],
        "verdict": result["verdict"],
    }
