"""Values of the elements the object readers share, read the forgiving way: a missing or malformed
value gives an empty one, never an exception, so that one odd element does not lose a document,
a segmentation or a structure set (each reader says what it could not use)."""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence


def items(ds: Dataset, keyword: str) -> list[Dataset]:
    """The items of a sequence; [] when it is absent or not a sequence."""
    value = ds.get(keyword)
    return list(value) if isinstance(value, Sequence) else []


def text(ds: Dataset, keyword: str) -> str:
    """An element's value as text: values of a multi-valued one joined by backslashes."""
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, (MultiValue, list, tuple)):
        return "\\".join(str(v) for v in value)
    # trailing spaces pad a value to even length; anything else (a text's closing line break) is the value's
    return (str(value) if not isinstance(value, bytes) else value.decode("latin-1")).rstrip(" \x00")


def as_list(value: Any) -> list[Any]:
    """A multi-valued element's values; one value alone as a list of one; nothing as []."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (MultiValue, list, tuple)) else [value]


def first_int(value: Any) -> int | None:
    """The (first) value as an integer, or None."""
    try:
        if isinstance(value, (MultiValue, list, tuple)):
            value = value[0] if len(value) else None
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
