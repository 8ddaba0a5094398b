"""How headers differ: across the instances of a series, and between two instances.

"What changes across this series" is how people check a series without
opening hundreds of files: for every top-level element, whether it is the same
in all instances, and if not its distinct values with counts (numbers also as
min/max). Comparing two instances lists every element at every depth side by
side, marking the ones that differ.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pydicom.datadict import dictionary_description, keyword_for_tag
from pydicom.dataset import Dataset

from dicompeek.dicom.guard import MAX_NESTING
from dicompeek.dicom.header import describe
from dicompeek.tags.values import NUMBER_VRS, tag_text

#: Distinct values listed per element; the rest are counted.
DISTINCT_LIMIT = 25
#: Never compared: the pixels themselves.
SKIPPED_TAGS = {0x7FE00010, 0x7FE00008, 0x7FE00009}


def value_text(ds: Dataset, tag: int) -> tuple[str, str]:
    """(VR, a short text standing for the value), for comparison and display.

    Never raises: a value pydicom cannot convert stands as ``<unreadable: reason>``."""
    try:
        element = ds[tag]
        vr = element.VR or "UN"
        value = element.value
        if vr == "SQ":
            return vr, f"{len(value)} item(s) #{_sequence_digest(value)}"
        if isinstance(value, (bytes, bytearray)):
            return vr, f"{len(value)} bytes #{hashlib.sha1(value).hexdigest()[:8]}"
        if element.VM > 1:
            return vr, "\\".join(str(v) for v in value)
        return vr, "" if value is None else str(value)
    except Exception as exc:  # undecodable: compare what pydicom says about it
        return "UN", f"<unreadable: {describe(exc)}>"


def _sequence_digest(items: Any) -> str:
    """A short hash of everything in a sequence's items, at every depth (down to ``MAX_NESTING``).

    Walked with a stack of its own, not by recursion: pydicom's own ``str()`` of a sequence
    recurses once per level and a file can nest thousands of them."""
    digest = hashlib.sha1()
    tasks: list[tuple[Any, int] | bytes] = [(items, 1)]
    while tasks:
        task = tasks.pop()
        if isinstance(task, bytes):
            digest.update(task)
            continue
        sequence, depth = task
        if depth > MAX_NESTING:
            digest.update(b"<deeper>")
            continue
        expanded: list[tuple[Any, int] | bytes] = [b"["]
        for item in sequence:
            expanded.append(b"(")
            for tag in sorted(item.keys()):
                expanded.append(f"{int(tag):08X}=".encode())
                try:
                    element = item[tag]
                    if element.VR == "SQ":
                        expanded.append((element.value, depth + 1))
                    else:
                        value = element.value
                        expanded.append(hashlib.sha1(value).digest() if isinstance(value, (bytes, bytearray))
                                        else repr(str(value)).encode("utf-8", "replace"))
                except Exception as exc:
                    expanded.append(f"<unreadable: {describe(exc)}>".encode("utf-8", "replace"))
            expanded.append(b")")
        expanded.append(b"]")
        tasks.extend(reversed(expanded))
    return digest.hexdigest()[:8]


def series_variation(datasets: list[tuple[str, Dataset]]) -> dict[str, Any]:
    """Per top-level element of ``datasets`` [(location, dataset)]: constant or varying, and how."""
    found: dict[int, dict[str, Any]] = {}
    for location, ds in datasets:
        for tag in ds.keys():  # noqa: SIM118  (iterating a Dataset yields elements, not tags)
            if tag in SKIPPED_TAGS:
                continue
            vr, text = value_text(ds, tag)
            entry = found.setdefault(int(tag), {"vr": vr, "values": Counter(), "where": {}})
            entry["values"][text] += 1
            entry["where"].setdefault(text, location)
    total = len(datasets)
    elements = []
    for key in sorted(found):
        entry = found[key]
        values: Counter = entry["values"]
        present = sum(values.values())
        element = {"tag": tag_text(key), "keyword": _keyword(key), "name": _name(key), "vr": entry["vr"],
                   "present": present, "constant": len(values) == 1 and present == total,
                   "distinct": len(values),
                   "values": [{"value": v, "count": c, "example": entry["where"][v]}
                              for v, c in values.most_common(DISTINCT_LIMIT)]}
        numbers = [n for n in _numbers(values) if math.isfinite(n)] if entry["vr"] in NUMBER_VRS else None
        if numbers and len(values) > 1:
            element["min"], element["max"] = min(numbers), max(numbers)
        elements.append(element)
    return {"instances": total, "elements": elements,
            "varying": sum(1 for e in elements if not e["constant"])}


def compare(first: Dataset, second: Dataset) -> dict[str, Any]:
    """Every element of both datasets at every depth, side by side, differences marked."""
    left, right = dict(_flatten(first)), dict(_flatten(second))
    rows = []
    for path in sorted(set(left) | set(right), key=_path_key):
        a, b = left.get(path), right.get(path)
        vr = left[path][0] if path in left else right[path][0]
        rows.append({"path": path, "name": _path_name(path), "vr": vr,
                     "first": None if a is None else a[1], "second": None if b is None else b[1],
                     "differs": a != b})
    return {"rows": rows, "differences": sum(1 for r in rows if r["differs"])}


def _flatten(ds: Dataset, prefix: str = "", depth: int = 0) -> Iterable[tuple[str, tuple[str, str]]]:
    for tag in sorted(ds.keys()):
        if tag in SKIPPED_TAGS:
            continue
        path = f"{prefix}{tag_text(tag)}"
        vr, text = value_text(ds, tag)
        if vr == "SQ":
            items = ds[tag].value
            if depth >= MAX_NESTING:  # as the tag tree: deeper items are not walked
                yield path, (vr, f"{text} (nested more than {MAX_NESTING} levels deep: items not compared)")
                continue
            yield path, (vr, f"{len(items)} item(s)")
            for number, item in enumerate(items, 1):
                yield from _flatten(item, f"{path} > item {number} > ", depth + 1)
        else:
            yield path, (vr, text)


def _path_key(path: str) -> list[Any]:
    return [int(p.split()[1]) if p.startswith("item ") else p for p in path.split(" > ")]


def _path_name(path: str) -> str:
    names = []
    for part in path.split(" > "):
        if part.startswith("item "):
            names.append(part)
        else:
            tag = int(part[1:5] + part[6:10], 16)
            names.append(_keyword(tag) or part)
    return " > ".join(names)


def _keyword(tag: int) -> str:
    try:
        return keyword_for_tag(tag)
    except KeyError:
        return ""


def _name(tag: int) -> str:
    try:
        return dictionary_description(tag)
    except KeyError:
        return "Private element" if (tag >> 16) % 2 else "Unknown element"


def _numbers(values: Counter) -> list[float]:
    numbers = []
    for text in values:
        try:
            numbers += [float(v) for v in text.split("\\")]
        except ValueError:
            return []
    return numbers
