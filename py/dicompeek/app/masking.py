"""What "Hide patient data" hides in the worker's exports: which elements are identifying (the
value of every element PS3.15 Table E.1-1 lists with a basic action other than K, of every element
whose VR names a person, a date or a time, of every private element but its creator), and the tag
browser's trees and DICOM JSON with those values masked (:mod:`.worker_api`'s masked exports)."""

from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydicom.datadict import DicomDictionary

from dicompeek.privacy import MASK
from dicompeek.privacy.profile import PROFILE
from dicompeek.tags.exports import parse_fields
from dicompeek.tags.tree import dump_text

if TYPE_CHECKING:
    from dicompeek.tags.browser import TagBrowser

#: Value representations that hold a person's name, a date or a time, in any element.
IDENTIFYING_VRS = frozenset({"PN", "DA", "DT", "TM"})
_TAG_TEXT = re.compile(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)")


@lru_cache(maxsize=1)
def identifying() -> tuple[frozenset[int], tuple[str, ...]]:
    """The standard tags and repeating-group patterns whose values are identifying."""
    tags = {row.tag for row in PROFILE.rows if row.tag is not None and row.basic != "K"}
    tags |= {tag for tag, entry in DicomDictionary.items() if entry[0] in IDENTIFYING_VRS}
    patterns = tuple(row.pattern.upper() for row in PROFILE.rows if row.pattern and row.basic != "K")
    return frozenset(tags), patterns


def is_identifying(tag: int, vr: str = "") -> bool:
    """Whether "Hide patient data" hides the value of element ``tag`` (see :func:`identifying_tags`)."""
    if (tag >> 16) & 1:  # private: all but the group lengths and the creators' names
        return (tag & 0xFFFF) >= 0x100
    tags, patterns = identifying()
    if tag in tags or vr in IDENTIFYING_VRS:
        return True
    text = f"{tag:08X}"
    return any(all(p == "X" or p == t for p, t in zip(pattern, text, strict=False)) for pattern in patterns)


def masked_nodes(nodes: list[dict[str, Any]], inside: bool = False) -> list[dict[str, Any]]:
    """Tag-tree nodes (dicompeek.tags.tree) with the values of identifying elements masked."""
    out = []
    for node in nodes:
        match = _TAG_TEXT.fullmatch(str(node.get("tag", "")))
        tag = int(match.group(1) + match.group(2), 16) if match else None
        hidden = inside or (tag is not None and is_identifying(tag, str(node.get("vr", ""))))
        node = dict(node)
        if "items" in node:
            node["items"] = [masked_nodes(item, hidden) for item in node["items"]]
        elif hidden:
            if node.get("value"):
                node["value"] = MASK
            for key in ("detail", "hex"):
                node.pop(key, None)
        out.append(node)
    return out


def mask_json_model(model: dict[str, Any], inside: bool = False) -> None:
    """DICOM JSON (PS3.18 F) with the values of identifying elements masked, in place."""
    for key, element in model.items():
        if not isinstance(element, dict):
            continue
        vr = str(element.get("vr", ""))
        try:
            hidden = inside or is_identifying(int(key, 16), vr)
        except ValueError:
            hidden = True
        values = element.get("Value")
        if vr == "SQ":
            for item in values or []:
                if isinstance(item, dict):
                    mask_json_model(item, hidden)
        elif hidden:
            if isinstance(values, list):
                element["Value"] = [{"Alphabetic": MASK} if isinstance(v, dict) else MASK for v in values]
            if "InlineBinary" in element:
                del element["InlineBinary"]
                element["BulkDataURI"] = "dicompeek:masked"


def masked_header(tags: TagBrowser, entry: int, form: str) -> dict[str, str]:
    """One instance's header as a download (form "json": DICOM JSON, else dcmdump-style) with the
    value of every identifying element (:func:`identifying`) replaced by ``MASK``."""
    if form == "json":
        exported = tags.dicom_json(entry)
        if exported.get("text"):
            model = json.loads(exported["text"])
            mask_json_model(model)
            exported = {**exported, "text": json.dumps(model, indent=1, ensure_ascii=False)}
        return exported
    exported = tags.dump(entry)
    header = tags.header(entry)
    if "error" in header:
        return exported
    tree = {**header, "meta": masked_nodes(header["meta"]), "elements": masked_nodes(header["elements"])}
    note = f"# {header['warning']}\n" if header.get("warning") else ""
    return {**exported, "text": note + dump_text(tree)}


def masked_csv(exported: dict[str, str], fields: list[str]) -> dict[str, str]:
    """A series' CSV (TagBrowser.series_csv) with ``MASK`` in the columns of identifying elements
    where they have a value."""
    hidden = [number for number, tag in enumerate(parse_fields(fields), 1) if is_identifying(tag)]
    rows = list(csv.reader(io.StringIO(exported["text"])))
    for row in rows[1:]:
        for number in hidden:
            if number < len(row) and row[number]:
                row[number] = MASK
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return {**exported, "text": out.getvalue()}
