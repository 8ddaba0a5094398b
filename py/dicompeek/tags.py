"""Every element of a header as plain data for the tag browser, and as a dcmdump-style text.

The tree keeps what a reader of the raw file would see — tag, VR, VM, value
length as stored, private creator, retired status — next to the value decoded
by VR (numbers as numbers, dates also readable, PN components, AT as tags, UIDs
with their registered names, text in its Specific Character Set). Nothing is
dropped: an element whose value cannot be decoded is shown with its raw bytes
and a warning. Large binary values are summarised (length, first bytes);
encapsulated pixel data lists its fragments and basic offset table.
"""

from __future__ import annotations

import warnings
from typing import Any

from pydicom.datadict import dictionary_description, dictionary_is_retired, get_private_entry, keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileDataset
from pydicom.encaps import parse_basic_offsets, parse_fragments
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32
from pydicom.tag import BaseTag, Tag
from pydicom.valuerep import PersonName

from .summary import uid_name

#: Binary values up to this many bytes come with a hex view; longer ones with their first bytes.
HEX_LIMIT = 512
#: Text longer than this is cut in the tree (the length says how long it is).
TEXT_LIMIT = 1024
#: Undefined length, as stored.
UNDEFINED = 0xFFFFFFFF

BINARY_VRS = {"OB", "OW", "OF", "OD", "OL", "OV", "UN"}
NUMBER_VRS = {"US", "SS", "UL", "SL", "FL", "FD", "UV", "SV", "IS", "DS"}


def tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def header_tree(ds: Dataset) -> dict[str, Any]:
    """The whole header: preamble status, file meta group, then the dataset, as nested nodes."""
    meta = getattr(ds, "file_meta", None) or Dataset()
    elements = element_nodes(ds)
    return {
        "preamble": preamble_status(ds),
        "meta": element_nodes(meta),
        "elements": elements,
        "count": _count(elements) + len(meta),
    }


def preamble_status(ds: Dataset) -> str:
    preamble = getattr(ds, "preamble", None)
    if not isinstance(ds, FileDataset) or preamble is None:
        return "no preamble and no DICM prefix (a dataset without the Part 10 header)"
    if not any(preamble):
        return "128-byte preamble, all zero, then DICM"
    if preamble[:4] in (b"II*\0", b"MM\0*"):
        return "128-byte preamble holding a TIFF header (dual-format file), then DICM"
    return "128-byte preamble with non-zero content, then DICM"


def element_nodes(ds: Dataset) -> list[dict[str, Any]]:
    """One node per element of ``ds`` in tag order; sequences carry their items' nodes."""
    nodes = []
    for tag in sorted(ds.keys()):
        nodes.append(element_node(ds, BaseTag(tag)))
    return nodes


def element_node(ds: Dataset, tag: BaseTag) -> dict[str, Any]:
    raw = ds.get_item(tag)
    length = raw.length if isinstance(raw, RawDataElement) else None
    node: dict[str, Any] = {"tag": tag_text(tag)}
    problems: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            element = ds[tag]
        problems += [str(w.message) for w in caught]
    except Exception as exc:  # a value pydicom cannot convert: show the raw bytes
        problems.append(f"value cannot be decoded: {exc}")
        element = DataElement(tag, raw.VR or "UN", raw.value or b"") if isinstance(raw, RawDataElement) \
            else DataElement(tag, "UN", b"")
        element.VR = "UN" if element.VR not in BINARY_VRS else element.VR
    vr = element.VR or "UN"
    node.update(_names(ds, tag))
    node["vr"] = vr
    if length is None:
        length = _value_length(element)
    node["length"] = None if length == UNDEFINED else length
    if vr == "SQ":
        items = element.value or []
        node["vm"] = len(items)
        node["items"] = [element_nodes(item) for item in items]
    else:
        node["vm"] = element.VM
        node.update(describe_value(element, ds))
    if problems:
        node["warning"] = "; ".join(problems)
    return node


def _names(ds: Dataset, tag: BaseTag) -> dict[str, Any]:
    if tag.is_private:
        info: dict[str, Any] = {"private": True}
        if tag.is_private_creator:
            info.update(keyword="", name="Private Creator")
            return info
        creator_tag = Tag(tag.group, tag.element >> 8)
        creator = str(ds[creator_tag].value) if creator_tag in ds else ""
        info["creator"] = creator
        try:
            _vr, _vm, name, _retired = get_private_entry(tag, creator)
            info.update(keyword="", name=name)
        except (KeyError, ValueError):
            info.update(keyword="", name="Unknown private element")
        return info
    try:
        return {"keyword": keyword_for_tag(tag), "name": dictionary_description(tag),
                "retired": bool(dictionary_is_retired(tag))}
    except KeyError:
        if tag.element == 0:
            return {"keyword": "", "name": "Group Length", "retired": False}
        return {"keyword": "", "name": "Unknown element", "retired": False}


def describe_value(element: DataElement, ds: Dataset) -> dict[str, Any]:
    """The value as text (``value``) plus what helps reading it (``detail``, ``hex``, ...)."""
    vr, value = element.VR, element.value
    if value is None or value == "" or value == b"":
        return {"value": ""}
    if element.tag == 0x7FE00010 and getattr(element, "is_undefined_length", False):
        return _encapsulated(value)
    if vr in BINARY_VRS:
        return _binary(value)
    values = list(value) if element.VM > 1 else [value]
    if vr == "AT":
        return {"value": "\\".join(_at(v) for v in values)}
    if vr == "PN":
        return {"value": "\\".join(str(v) for v in values), "detail": "; ".join(_pn(v) for v in values)}
    if vr in NUMBER_VRS:
        return {"value": "\\".join(_number(v) for v in values), "numbers": [_plain(v) for v in values]}
    text = "\\".join(str(v) for v in values)
    out: dict[str, Any] = {"value": text[:TEXT_LIMIT]}
    if len(text) > TEXT_LIMIT:
        out["truncated"] = True
    readable = [_readable(vr, str(v)) for v in values]
    if any(readable):
        out["detail"] = "; ".join(r or str(v) for r, v in zip(readable, values))
    return out


def _readable(vr: str, text: str) -> str:
    """Dates and times as people write them; UIDs with their registered names."""
    text = text.strip()
    if vr == "UI":
        name = uid_name(text)
        return name if name != text else ""
    if vr == "DA" and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if vr == "TM" and len(text) >= 4 and text[:4].isdigit():
        return ":".join(text[i:i + 2] for i in range(0, min(len(text.split(".")[0]), 6), 2)) + \
            (f".{text.split('.')[1]}" if "." in text else "")
    if vr == "DT" and len(text) >= 8 and text[:8].isdigit():
        date = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        rest = _readable("TM", text[8:]) if len(text) > 8 else ""
        return f"{date} {rest}".strip()
    return ""


def _pn(name: PersonName | str) -> str:
    name = name if isinstance(name, PersonName) else PersonName(str(name))
    parts = []
    for group, label in ((name.alphabetic, ""), (name.ideographic, "ideographic "), (name.phonetic, "phonetic ")):
        if not group:
            continue
        components = PersonName(group)
        named = [(k, getattr(components, k)) for k in ("family_name", "given_name", "middle_name",
                                                       "name_prefix", "name_suffix")]
        parts.append(label + ", ".join(f"{k.replace('_name', '').replace('name_', '')}: {v}"
                                       for k, v in named if v))
    return " | ".join(parts)


def _at(value: Any) -> str:
    tag = Tag(value)
    try:
        return f"{tag_text(tag)} {keyword_for_tag(tag)}".strip()
    except KeyError:
        return tag_text(tag)


def _number(value: Any) -> str:
    return str(_plain(value))


def _plain(value: Any) -> int | float | str:
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, int) else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() and "." not in str(value) and "e" not in str(value).lower() \
        else number


def _binary(value: bytes) -> dict[str, Any]:
    data = bytes(value)
    shown = data[:HEX_LIMIT]
    return {"value": f"{len(data)} bytes" + ("" if len(data) <= HEX_LIMIT else f", first {HEX_LIMIT} shown"),
            "hex": shown.hex(" ")}


def _encapsulated(value: bytes) -> dict[str, Any]:
    data = bytes(value)
    try:
        offsets = parse_basic_offsets(data)
        count, positions = parse_fragments(data)
    except Exception as exc:
        return {"value": f"encapsulated, {len(data)} bytes", "warning": f"cannot list fragments: {exc}"}
    fragments = [{"offset": p, "length": int.from_bytes(data[p + 4:p + 8], "little")} for p in positions]
    return {"value": f"encapsulated: {count} fragment(s), {len(data)} bytes",
            "basic_offset_table": offsets, "fragments": fragments}


def _value_length(element: DataElement) -> int | None:
    """The length an element already converted by pydicom has when written (explicit VR LE)."""
    if getattr(element, "is_undefined_length", False):
        return UNDEFINED
    if element.VR == "SQ":
        return None
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    try:
        write_data_element(buffer, element)
    except Exception:
        return None
    data = buffer.getvalue()
    long_form = data[4:6].decode("latin-1") in EXPLICIT_VR_LENGTH_32
    return int.from_bytes(data[8:12] if long_form else data[6:8], "little")


def _count(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + sum(_count(item) for item in node.get("items", [])) for node in nodes)


# --- dcmdump-style text -------------------------------------------------------------------

def dump_text(tree: dict[str, Any]) -> str:
    """The tree as text laid out like DCMTK's dcmdump, for reading, diffing and copying."""
    lines = [f"# {tree['preamble']}", "", "# Dicom-Meta-Information-Header"]
    lines += _dump_nodes(tree["meta"], 0)
    lines += ["", "# Dicom-Data-Set"]
    lines += _dump_nodes(tree["elements"], 0)
    return "\n".join(lines) + "\n"


def _dump_nodes(nodes: list[dict[str, Any]], depth: int) -> list[str]:
    lines = []
    pad = "  " * depth
    for node in nodes:
        length = "u/l" if node["length"] is None else str(node["length"])
        label = node.get("keyword") or node.get("name", "")
        if node["vr"] == "SQ":
            head = f"{pad}{node['tag']} SQ (Sequence with {len(node['items'])} item(s))"
            lines.append(f"{head:<56} # {length:>4}, {node['vm']} {label}")
            for item in node["items"]:
                lines.append(f"{pad}  (FFFE,E000) na (Item with {len(item)} element(s))")
                lines += _dump_nodes(item, depth + 2)
                lines.append(f"{pad}  (FFFE,E00D) na (ItemDelimitationItem)")
            lines.append(f"{pad}(FFFE,E0DD) na (SequenceDelimitationItem)")
            continue
        value = node.get("value", "")
        shown = value if node["vr"] in BINARY_VRS or node.get("fragments") is not None else f"[{value}]"
        head = f"{pad}{node['tag']} {node['vr']} {shown}"
        lines.append(f"{head:<56} # {length:>4}, {node['vm']} {label}")
    return lines
