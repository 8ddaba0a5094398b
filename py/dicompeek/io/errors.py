"""One way to name an unexpected exception in one line, for every layer that reports one.

Whatever goes wrong while an entry is read is reported for that entry, as a
line a person reads next to its name. Exceptions the package raises on
purpose carry that line as their message; anything else (a bug meeting a
hostile file, ``MemoryError``, an ``OSError`` from the browser's file system)
is named by :func:`one_line`. The DICOM layer explains pydicom's terser
messages on top of it (:func:`dicompeek.dicom.errors.describe`).
"""

from __future__ import annotations

#: Characters of a reason kept at most.
REASON_MAX = 300


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (or the type alone), at most :data:`REASON_MAX` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:REASON_MAX] if text else type(exc).__name__
