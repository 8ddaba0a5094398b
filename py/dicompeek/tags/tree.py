"""Every element of a header as plain data for the tag browser, and as a dcmdump-style text.

The tree keeps what a reader of the raw file would see — tag, VR, VM, value
length as stored, private creator, retired status — next to the value decoded
by VR (numbers as numbers, dates also readable, PN components, AT as tags, UIDs
with their registered names, text in its Specific Character Set). Nothing is
dropped: an element whose value cannot be decoded is shown with its raw bytes
and a warning, and so is anything a careful reader would want pointed out (odd
length, value shorter than its length, VR that disagrees with the dictionary).
Large values are summarised (length, first bytes or values); encapsulated pixel
data lists its fragments and basic offset table (values: :mod:`dicompeek.tags.values`).

DCMTK's dcmdump is the reference: tests/tags/test_tree.py checks every element of
pydicom's test files and the shared corpus against it.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from typing import Any

from pydicom import config
from pydicom._private_dict import private_dictionaries
from pydicom.charset import convert_encodings
from pydicom.datadict import get_entry, get_private_entry
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.tag import BaseTag
from pydicom.uid import UID
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from dicompeek.dicom.guard import MAX_NESTING
from dicompeek.dicom.instances import Instance
from dicompeek.tags.values import BINARY_VRS, NUMBER_VRS, TEXT_LIMIT, describe_value, tag_text

#: Undefined length, as stored.
UNDEFINED = 0xFFFFFFFF
#: Elements in one tree at most (a header of a million tiny elements would take gigabytes as a
#: tree); the element where the tree stops says how many more there are.
MAX_NODES = 100_000

#: The VRs PS3.5 defines; anything else read from an explicit VR file is a malformed VR.
KNOWN_VRS = BINARY_VRS | NUMBER_VRS | {"AE", "AS", "AT", "CS", "DA", "DT", "LO", "LT", "PN", "SH", "SQ", "ST",
                                       "TM", "UC", "UI", "UR", "UT"}


def instance_tree(instance: Instance) -> dict[str, Any]:
    """:func:`header_tree` of an instance read by :mod:`dicompeek.dicom.instances`, with what the
    reading noticed (on the last element read) and the elements as they were stored."""
    return header_tree(instance.dataset, notes=instance.notes, stored=dict(instance.stored))


def header_tree(ds: Dataset, notes: Sequence[str] = (),
                stored: dict[BaseTag, DataElement | RawDataElement] | None = None) -> dict[str, Any]:
    """The whole header: preamble status, file meta group, then the dataset, as nested nodes.
    ``notes`` are what reading the file noticed and read past; ``stored`` its top-level elements
    as read (see :class:`dicompeek.dicom.instances.Instance`).

    Never raises for a dataset pydicom could open: what cannot be decoded becomes a warning
    on its element, so one bad element does not hide the rest of the header.

    Building the tree converts pydicom's raw elements in place, and only raw elements still
    know their VR and length as stored (and only their conversion gives pydicom's warnings),
    so the first tree of a dataset is kept while the dataset lives and given again: the panel,
    the text dump and any later call show the same thing. Treat it as read-only.
    """
    cached = _TREES.get(id(ds))
    if cached is not None and cached[0]() is ds:
        return cached[1]
    meta = getattr(ds, "file_meta", None) or Dataset()
    syntax, syntax_problem = transfer_syntax(meta)
    explicit = not syntax.is_implicit_VR if syntax and syntax.is_transfer_syntax else None
    budget = _Budget()
    with warnings.catch_warnings(record=True) as caught:  # once: entering it per element is slow
        warnings.simplefilter("always")
        meta_nodes = element_nodes(meta, caught, budget=budget)
        elements = element_nodes(ds, caught, explicit, budget=budget, stored=stored or {})
    if syntax_problem:
        implicit, little = getattr(ds, "original_encoding", (None, None))
        if implicit is not None:
            syntax_problem += (f": the dataset was read as {'implicit' if implicit else 'explicit'} VR "
                               f"{'little' if little else 'big'} endian")
        for node in meta_nodes:
            if node["tag"] == "(0002,0010)":
                node["warning"] = "; ".join(filter(None, [node.get("warning"), syntax_problem]))
    notes = list(notes)
    if budget.left < 0:
        notes.append(f"{-budget.left:,} more element(s) not shown: the tree shows {MAX_NODES:,} at most")
    if notes and (elements or meta_nodes):  # where reading stopped: on the last element read
        last = (elements or meta_nodes)[-1]
        last["warning"] = "; ".join(filter(None, [last.get("warning"), *notes]))
    tree = {"preamble": preamble_status(ds), "meta": meta_nodes, "elements": elements,
            "count": _count(elements) + _count(meta_nodes)}
    _remember(ds, tree)
    return tree


#: The tree of each dataset still alive, by id (a Dataset is not hashable, and an attribute
#: on it would make a FileDataset unequal to another read of the same file).
_TREES: dict[int, tuple[weakref.ref, dict[str, Any]]] = {}


def _remember(ds: Dataset, tree: dict[str, Any]) -> None:
    key = id(ds)

    def forget(ref: weakref.ref) -> None:
        if _TREES.get(key, (None,))[0] is ref:
            del _TREES[key]

    _TREES[key] = (weakref.ref(ds, forget), tree)


def transfer_syntax(meta: Dataset) -> tuple[UID | None, str | None]:
    """The Transfer Syntax UID of the file meta group as a :class:`~pydicom.uid.UID`, and what is
    wrong with how it is stored, if anything.

    A file may store it with another VR than UI: text (LO, SH, ...) is taken as the UID it
    spells, as pydicom's reader compares it as text; bytes (a binary VR) or several values are
    no UID at all (None). One that cannot be converted is None here, and its node says why.
    """
    try:
        element = meta["TransferSyntaxUID"]
    except Exception:  # absent, or not convertible (element_node gives the reason on its node)
        return None, None
    value = element.value
    if isinstance(value, UID) or not value:
        return value or None, None
    if isinstance(value, str):
        text = value.strip(" \0")
        return UID(text, validation_mode=config.IGNORE), f"Transfer Syntax UID stored as {element.VR}, not UI"
    return None, (f"Transfer Syntax UID stored as {element.VR} with {element.VM} value(s), not as one UID "
                  "(it names no transfer syntax)")


def nesting_depth(ds: Dataset, limit: int = MAX_NESTING) -> int:
    """How deep the sequences of ``ds`` nest (0 for none), counted up to ``limit`` + 1.

    Walked with a stack of its own: pydicom's recursive helpers (``to_json_dict``, ``str``)
    and JSON encoders must not be given more than :data:`MAX_NESTING` levels. Elements that
    cannot be converted are skipped (they hold no items)."""
    deepest = 0
    stack = [(ds, 0)]
    while stack:
        dataset, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            break
        for tag in list(dataset.keys()):
            try:
                element = dataset[tag]
            except Exception:
                continue
            if element.VR == "SQ" and element.value:
                stack.extend((item, depth + 1) for item in element.value)
    return deepest


def preamble_status(ds: Dataset) -> str:
    """What precedes the dataset: says whether this is a Part 10 file and what its preamble holds."""
    preamble = getattr(ds, "preamble", None)
    if not isinstance(ds, FileDataset) or preamble is None:
        return "no preamble and no DICM prefix (a dataset without the Part 10 header)"
    if not any(preamble):
        return "128-byte preamble, all zero, then DICM"
    if preamble[:4] in (b"II*\0", b"MM\0*"):
        return "128-byte preamble holding a TIFF header (dual-format file), then DICM"
    return "128-byte preamble with non-zero content, then DICM"


class _Budget:
    """Nodes a tree may still take (:data:`MAX_NODES`); below zero, how many were left out."""

    def __init__(self) -> None:
        self.left = MAX_NODES


def element_nodes(ds: Dataset, caught: list[warnings.WarningMessage],
                  explicit: bool | None = None, depth: int = 0,
                  budget: _Budget | None = None, stored: dict | None = None) -> list[dict[str, Any]]:
    """One node per element of ``ds`` in tag order; sequences carry their items' nodes.

    ``caught`` is the list a surrounding ``warnings.catch_warnings(record=True)`` fills;
    the warnings pydicom gives while decoding an element go to that element's node.
    ``explicit`` is what the transfer syntax says, to point out a dataset written otherwise.
    ``depth`` is how deep ``ds`` is nested: items deeper than ``MAX_NESTING`` are not shown
    (the walk is recursive, and so are the JSON encoder and the page). ``stored`` holds the
    elements of ``ds`` as read, for those something else (the viewer) has converted since.
    """
    creators: dict[int, str] = {}  # private block (group << 8 | block) -> its creator, as they come
    nodes = []
    switched = False
    budget = budget or _Budget()
    for tag in sorted(ds.keys()):
        budget.left -= 1
        if budget.left < 0:
            continue  # counted, not shown
        raw = ds.get_item(tag, keep_deferred=True)  # as read: no conversion, no deferred read
        if stored and not isinstance(raw, RawDataElement) and isinstance(stored.get(tag), RawDataElement):
            raw = stored[tag]  # converted since it was read: the raw element still knows what was stored
        node = element_node(ds, tag, raw, caught, creators, explicit, depth, budget)  # the key: lookups by identity
        if explicit and not switched and isinstance(raw, RawDataElement) and raw.is_implicit_VR:
            # pydicom noticed while reading (and said so then) and read on in implicit VR
            switched = True
            problem = "from here this dataset is written in implicit VR, though the transfer syntax is explicit VR"
            node["warning"] = "; ".join(filter(None, [node.get("warning"), problem]))
        if tag & 0x10000 and 0x10 <= tag & 0xFFFF <= 0xFF:
            creators[(tag >> 16) << 8 | tag & 0xFF] = str(node.get("value", "")).strip()
        nodes.append(node)
    return nodes


def element_node(ds: Dataset, tag: BaseTag, raw: DataElement | RawDataElement | None,
                 caught: list[warnings.WarningMessage], creators: dict[int, str],
                 explicit: bool | None, depth: int = 0, budget: _Budget | None = None) -> dict[str, Any]:
    """One element: names, VR and length as stored, decoded value, and what is wrong with it.

    ``raw`` is the element as ``ds`` holds it (``get_item(keep_deferred=True)``): not yet
    converted, it still knows the VR and length stored in the file.
    """
    stored_vr = length = present = None
    if isinstance(raw, RawDataElement):  # not yet converted: the file's own VR and length are known
        stored_vr, length = raw.VR, raw.length
        if stored_vr and " or " in stored_vr:  # put there by pydicom from its dictionary, not read
            stored_vr = None
        present = len(raw.value) if isinstance(raw.value, bytes) else None
    entry = _entry(tag)
    node: dict[str, Any] = {"tag": tag_text(tag)}
    node.update(_names(tag, entry, creators))
    problems: list[str] = []
    seen = len(caught)
    if isinstance(raw, RawDataElement) and raw.value is None and raw.length not in (0, UNDEFINED):
        # deferred (a header read without its large values): reading it means the file again
        node.update(vr=stored_vr or (entry[0].split(" or ")[0] if entry else "UN"), length=raw.length,
                    vm=1, value=f"{raw.length} bytes, not read",
                    warning=f"value of {raw.length:,} bytes not read: only the header of this file is read")
        return node
    try:
        element = ds[tag]
        if tag == 0x00080005 and element.value:  # pydicom warned about a bad one when it read the file,
            convert_encodings(element.value)  # not here: ask again, so the warning lands on this node
        if element.VR == "UN" and tag.is_private and isinstance(raw, RawDataElement):
            element = _reread_private(ds, raw, _private_entry(tag, node.get("creator", ""))) or element
    except Exception as exc:  # a value pydicom cannot convert: show the raw bytes under the stored VR
        problems.append(f"value cannot be decoded as {stored_vr or (entry[0] if entry else 'its VR')}: "
                        f"{type(exc).__name__}: {exc}")
        value = raw.value if isinstance(raw, RawDataElement) and isinstance(raw.value, bytes) else b""
        # OB, not UN: pydicom gives a public element made as UN its dictionary VR back
        # (config.replace_un_with_known_vr) and converts the value again, which fails again
        element = DataElement(tag, "OB", value, already_converted=True)
        node["vr"] = stored_vr if stored_vr in KNOWN_VRS and stored_vr != "SQ" else "UN"  # an SQ node has items
    if len(caught) > seen:
        problems += list(dict.fromkeys(str(w.message) for w in caught[seen:]))
    vr = node.setdefault("vr", _single_vr(element))
    if stored_vr and stored_vr != vr:
        node["stored_vr"] = stored_vr  # e.g. UN in the file, decoded with the dictionary's VR
    if length is None:
        length = _value_length(element)
    node["length"] = None if length == UNDEFINED else length
    problems += _checks(tag, stored_vr, node["length"], present, entry)
    if element.VR == "SQ":
        items = element.value or []
        node["vm"] = len(items)
        if depth >= MAX_NESTING:
            node["items"] = []
            problems.append(f"nested more than {MAX_NESTING} levels deep: its {len(items)} item(s) are not shown")
        else:
            node["items"] = [element_nodes(item, caught, explicit, depth + 1, budget) for item in items]
    else:
        node["vm"] = element.VM
        try:
            described = describe_value(element, node["vm"])
        except Exception as exc:  # never out of header_tree: the rest of the header still shows
            described = {"value": repr(element.value)[:TEXT_LIMIT], "warning": f"value cannot be shown: {exc}"}
        problems += [described.pop("warning")] if "warning" in described else []
        node.update(described)
    if problems:
        node["warning"] = "; ".join(problems)
    return node


def _single_vr(element: DataElement) -> str:
    """The VR to show. pydicom keeps the dictionary's 'OB or OW' / 'US or SS' where nothing in
    the dataset decides it (implicit VR, no Pixel Representation); the value it decoded says which."""
    vr = str(element.VR or "UN")  # a plain str, not pydicom's VR enum
    if " or " not in vr:
        return vr
    if isinstance(element.value, bytes):
        return "OB" if vr.startswith("OB") else "OW"
    values = element.value if element.VM > 1 else [element.value]
    return "SS" if "SS" in vr and any(isinstance(v, int) and v < 0 for v in values) else "US"


def _entry(tag: BaseTag) -> tuple[str, str, str, str, str] | None:
    """The public dictionary entry (VR, VM, name, retired, keyword), repeater groups included."""
    try:
        return None if tag.is_private else get_entry(tag)
    except KeyError:
        return None


def _checks(tag: BaseTag, stored_vr: str | None, length: int | None, present: int | None,
            entry: tuple[str, ...] | None) -> list[str]:
    """What is wrong with how the element is stored, beyond what pydicom itself warns about."""
    problems = []
    if length is not None and present is not None and present < length:
        problems.append(f"value truncated: {present} of {length} bytes present (the file ends early)")
    if length is not None and length % 2:
        problems.append(f"odd value length {length} (DICOM values have even lengths)")
    if stored_vr and stored_vr not in KNOWN_VRS:
        problems.append(f"invalid VR {stored_vr!r} in the file")
    elif (stored_vr and stored_vr != "UN" and entry and tag.element != 0
          and stored_vr not in entry[0].split(" or ")):
        problems.append(f"VR {stored_vr} in the file, the DICOM dictionary says {entry[0]}")
    return problems


def _names(tag: BaseTag, entry: tuple[str, ...] | None, creators: dict[int, str]) -> dict[str, Any]:
    """Keyword, name and retired status; for private elements also the creator and private marking."""
    if tag.is_private:
        info: dict[str, Any] = {"keyword": "", "private": True, "retired": False}
        if tag.element == 0:
            return {**info, "name": "Private Group Length"}
        if tag.is_private_creator:
            return {**info, "name": "Private Creator"}
        if tag.element < 0x1000:  # outside any private block: no creator can reserve it
            return {**info, "name": "Unknown private element (no private block)"}
        creator = creators.get(tag.group << 8 | tag.element >> 8, "")
        info["creator"] = creator
        entry = _private_entry(tag, creator)
        if entry:
            return {**info, "name": entry[2], "retired": bool(entry[3])}
        return {**info, "name": "Unknown private element" if creator else "Private element without creator"}
    if entry:
        return {"keyword": entry[4], "name": entry[2], "retired": bool(entry[3])}
    if tag.element == 0:
        return {"keyword": "", "name": "Group Length", "retired": False}
    return {"keyword": "", "name": "Unknown element", "retired": False}


def _private_entry(tag: BaseTag, creator: str) -> tuple[str, str, str, str] | None:
    """pydicom's private dictionary entry (VR, VM, name, retired) for ``tag`` under ``creator``.

    Creators are matched exactly first, then ignoring case: files write 'PHILIPS IMAGING DD 001'
    where the dictionary has 'Philips Imaging DD 001' (DCMTK's dictionary knows both).
    """
    if not creator:
        return None
    for name in (creator, _CREATORS.get(creator.lower())):
        try:
            return get_private_entry(tag, name) if name else None
        except (KeyError, ValueError):
            continue
    return None


_CREATORS = {name.lower(): name for name in private_dictionaries}


def _reread_private(ds: Dataset, raw: RawDataElement, entry: tuple[str, ...] | None) -> DataElement | None:
    """A private element pydicom could only read as UN, read with the VR ``entry`` gives it.

    The value of a UN element is in implicit VR little endian (PS3.5 6.2.2), as is every value
    of an implicit VR dataset, which is all the case-insensitive creator match adds to pydicom.
    """
    vr = entry[0] if entry else ""
    if vr not in KNOWN_VRS or vr == "UN" or not isinstance(raw.value, bytes):
        return None
    stored = raw.VR
    again = raw._replace(VR=vr, is_implicit_VR=True if stored in (None, "UN") else raw.is_implicit_VR,
                         is_little_endian=True if stored == "UN" else raw.is_little_endian)
    try:
        return convert_raw_data_element(again, encoding=getattr(ds, "_character_set", None), ds=ds)
    except Exception:  # not what the dictionary says after all: stay with UN
        return None


def _value_length(element: DataElement) -> int | None:
    """The length an element already converted by pydicom has when written (explicit VR LE)."""
    if element.is_undefined_length:
        return UNDEFINED
    if element.VR == "SQ":
        return None
    if isinstance(element.value, bytes):  # no need to write (a copy of) pixel data to know this
        return len(element.value) + len(element.value) % 2
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
    lines = [f"# {tree['preamble']}", "", "# Dicom-Meta-Information-Header", *_dump_nodes(tree["meta"], 0),
             "", "# Dicom-Data-Set", *_dump_nodes(tree["elements"], 0)]
    return "\n".join(lines) + "\n"


def _dump_nodes(nodes: list[dict[str, Any]], depth: int) -> list[str]:
    lines = []
    pad = "  " * depth
    for node in nodes:
        length = "u/l" if node["length"] is None else str(node["length"])
        label = node.get("keyword") or node.get("name", "")
        warning = f"  ! {node['warning']}" if node.get("warning") else ""
        if node["vr"] == "SQ" and "items" in node:
            head = f"{pad}{node['tag']} SQ (Sequence with {len(node['items'])} item(s))"
            lines.append(f"{head:<56} # {length:>4}, {node['vm']} {label}{warning}")
            for number, item in enumerate(node["items"], 1):
                lines.append(f"{pad}  (FFFE,E000) na (Item #{number} with {len(item)} element(s))")
                lines += _dump_nodes(item, depth + 2)
                lines.append(f"{pad}  (FFFE,E00D) na (ItemDelimitationItem)")
            lines.append(f"{pad}(FFFE,E0DD) na (SequenceDelimitationItem)")
            continue
        value = node.get("value", "").replace("\r\n", "\n").replace("\n", "\\n")
        bare = node["vr"] in BINARY_VRS | {"US", "SS", "UL", "SL", "FL", "FD", "UV", "SV", "AT"} \
            or node.get("fragments") is not None  # as dcmdump: only strings in brackets
        shown = value if bare else f"[{value}]"
        head = f"{pad}{node['tag']} {node['vr']} {shown}"
        lines.append(f"{head:<56} # {length:>4}, {node['vm']} {label}{warning}")
        for number, fragment in enumerate(node.get("fragments", []), 1):
            lines.append(f"{pad}  (FFFE,E000) pi fragment #{number} at offset {fragment['offset']}: "
                         f"{fragment['start']} # {fragment['length']:>4}, 1 Item")
    return lines
