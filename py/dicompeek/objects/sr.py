"""A structured report as a readable document: its content tree, each item with its concept name,
its value in words (units, codes with their scheme and meaning, dates, names) and its children.

Why one reading for every SR (Basic, Enhanced, Comprehensive, Comprehensive 3D, TID 1500
measurement reports, dose reports, Key Object Selection): the content tree (PS3.3 C.17.3) is the
same in all of them; the template only decides which concepts appear. The page shows the document
and the command line prints it (``python -m dicompeek sr``), from this one model: plain JSON data,
so that it crosses to the page as it is.

Each item (:func:`read_document`'s ``"content"`` and every ``"children"``)::

    {"relationship": "CONTAINS", "type": "NUM", "concept": {"code", "scheme", "meaning"} | None,
     "value": "10.0", "unit": {"code", "scheme", "meaning"}, ...,
     "children": [...]}

by value type: TEXT, PNAME, DATE, TIME, DATETIME, UIDREF: ``value`` as stored; CODE: ``code``;
NUM: ``value`` (the string as stored, never reformatted) and ``unit``, or ``qualifier`` for a
missing number; CONTAINER: ``continuity``; IMAGE, COMPOSITE, WAVEFORM: ``references`` [{"sop_class",
"sop_instance", "frames", "segments"}, and "presentation_state" when the reference names the
presentation state to show the image with (its SOP Instance UID; a KO's often do)]; SCOORD:
``graphic`` and ``points`` [[column, row], ...] with the image it lies on among the children
(SELECTED FROM); SCOORD3D: ``graphic``, ``points`` [[x, y, z], ...] and ``frame_of_reference``;
TCOORD: ``range_type`` and its references. An item that only points at another (by-reference,
PS3.3 C.17.3.2.4) has ``"reference": "1.2.3"`` (the target's position path). A malformed item
keeps its place with ``"error"``; the rest is read.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset

from dicompeek.objects.values import as_list as _list
from dicompeek.objects.values import items as _items
from dicompeek.objects.values import text as _text

#: Content items nested deeper than this are not read (a loop of references, a hostile file).
MAX_DEPTH = 64
#: The SOP classes read as structured reports (their UIDs start 1.2.840.10008.5.1.4.1.1.88.).
SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."

Item = dict[str, Any]


def is_sr(ds: Dataset) -> bool:
    """Whether ``ds`` is a structured report (an SR SOP class, or a content tree at the top)."""
    sop = str(ds.get("SOPClassUID", "") or "")
    return sop.startswith(SR_PREFIX) or (str(ds.get("ValueType", "")) == "CONTAINER" and "ContentSequence" in ds)


def read_document(ds: Dataset) -> dict[str, Any]:
    """The document of an SR dataset: its title and flags, and the content tree (see the module)."""
    header = {key: _text(ds, keyword) for key, keyword in (
        ("completion", "CompletionFlag"), ("verification", "VerificationFlag"), ("preliminary", "PreliminaryFlag"),
        ("date", "ContentDate"), ("time", "ContentTime"), ("modality", "Modality"),
        ("series_description", "SeriesDescription"))}
    template = ""
    for item in _items(ds, "ContentTemplateSequence"):
        template = f"TID {_text(item, 'TemplateIdentifier')}".strip()
    root = _item(ds, "", 0, "1")
    return {"sop_class": _text(ds, "SOPClassUID"), "title": (root.get("concept") or {}).get("meaning", ""),
            "template": template if template != "TID" else "", **header, "content": root}


def _item(ds: Dataset, relationship: str, depth: int, position: str) -> Item:
    """One content item and, below it, its children."""
    item: Item = {"position": position, "relationship": relationship or _text(ds, "RelationshipType")}
    if "ReferencedContentItemIdentifier" in ds:  # by-reference: a pointer to another item of the tree
        item.update(type="REFERENCE", concept=None,
                    reference=".".join(str(v) for v in _ints(ds.get("ReferencedContentItemIdentifier"))))
        return item
    kind = _text(ds, "ValueType")
    item["type"] = kind
    item["concept"] = _code(next(iter(_items(ds, "ConceptNameCodeSequence")), None))
    try:
        item.update(_value(ds, kind))
    except Exception as exc:  # a malformed value: said, its place kept
        item["error"] = f"cannot read this {kind or 'item'}: {exc}"
    if depth >= MAX_DEPTH:
        if "ContentSequence" in ds:
            item["error"] = f"nested deeper than {MAX_DEPTH} levels: not read further"
        return item
    item["children"] = [_item(child, "", depth + 1, f"{position}.{number}")
                        for number, child in enumerate(_items(ds, "ContentSequence"), start=1)]
    return item


def _value(ds: Dataset, kind: str) -> dict[str, Any]:
    """The value fields of an item of value type ``kind``."""
    if kind in ("TEXT", "PNAME", "DATE", "TIME", "DATETIME", "UIDREF"):
        keyword = {"TEXT": "TextValue", "PNAME": "PersonName", "DATE": "Date", "TIME": "Time",
                   "DATETIME": "DateTime", "UIDREF": "UID"}[kind]
        return {"value": _text(ds, keyword)}
    if kind == "CODE":
        return {"code": _code(next(iter(_items(ds, "ConceptCodeSequence")), None))}
    if kind == "NUM":
        measured = next(iter(_items(ds, "MeasuredValueSequence")), None)
        if measured is None:
            qualifier = _code(next(iter(_items(ds, "NumericValueQualifierCodeSequence")), None))
            return {"value": "", "unit": None, "qualifier": qualifier}
        return {"value": _raw_text(measured, "NumericValue"),
                "unit": _code(next(iter(_items(measured, "MeasurementUnitsCodeSequence")), None))}
    if kind == "CONTAINER":
        return {"continuity": _text(ds, "ContinuityOfContent")}
    if kind in ("IMAGE", "COMPOSITE", "WAVEFORM"):
        return {"references": [_reference(r) for r in _items(ds, "ReferencedSOPSequence")]}
    if kind == "SCOORD":
        return {"graphic": _text(ds, "GraphicType"), "points": _points(ds.get("GraphicData"), 2)}
    if kind == "SCOORD3D":
        return {"graphic": _text(ds, "GraphicType"), "points": _points(ds.get("GraphicData"), 3),
                "frame_of_reference": _text(ds, "ReferencedFrameOfReferenceUID")}
    if kind == "TCOORD":
        return {"range_type": _text(ds, "TemporalRangeType")}
    return {}


def _reference(ref: Dataset) -> dict[str, Any]:
    frames = ref.get("ReferencedFrameNumber")
    segments = ref.get("ReferencedSegmentNumber")
    reference: dict[str, Any] = {"sop_class": _text(ref, "ReferencedSOPClassUID"),
                                 "sop_instance": _text(ref, "ReferencedSOPInstanceUID"),
                                 "frames": _ints(frames), "segments": _ints(segments)}
    for state in _items(ref, "ReferencedSOPSequence"):  # the presentation state to show the image with (a KO's)
        reference["presentation_state"] = _text(state, "ReferencedSOPInstanceUID")
    return reference


def _points(data: Any, size: int) -> list[list[float]]:
    values = [float(v) for v in _list(data)]
    return [values[i:i + size] for i in range(0, len(values) - size + 1, size)]


def _ints(value: Any) -> list[int]:
    return [int(v) for v in _list(value)]


def _code(item: Dataset | None) -> dict[str, str] | None:
    """A code's value (short, long or URN), scheme and meaning."""
    if item is None:
        return None
    value = _text(item, "CodeValue") or _text(item, "LongCodeValue") or _text(item, "URNCodeValue")
    return {"code": value, "scheme": _text(item, "CodingSchemeDesignator"), "meaning": _text(item, "CodeMeaning")}


def _raw_text(ds: Dataset, keyword: str) -> str:
    """A number as stored (DS keeps the file's string), so that 10.0 stays "10.0"."""
    element = ds.get(keyword)
    if element is None:
        return ""
    original = getattr(element, "original_string", None)
    return str(original).strip() if original else _text(ds, keyword)
