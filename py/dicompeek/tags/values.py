"""How one element's value is shown in the tag browser: text, numbers, readable forms, hex.

Values are decoded by VR (numbers as numbers, dates also readable, PN by
component, AT as tags, UIDs with their registered names, text in its Specific
Character Set, ISO 2022 escapes removed), and large ones are summarised: long
text and long number lists are cut with their full length given, binary values
show hex (all of it up to :data:`HEX_LIMIT` bytes), encapsulated pixel data its
fragments and basic offset table. :mod:`dicompeek.tags.tree` builds the tree around
these.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
from pydicom.charset import CODES_TO_ENCODINGS
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.tag import Tag
from pydicom.valuerep import PersonName

from dicompeek.index.summary import uid_name

#: Binary values up to this many bytes come with a full hex view; longer ones with their first bytes.
HEX_LIMIT = 512
#: Text longer than this is cut in the tree (``length`` says how long it is, ``truncated`` that it was cut).
TEXT_LIMIT = 1024
#: Numeric values beyond this many (LUTs, long DS lists) are cut the same way.
NUMBER_LIMIT = 256
#: Each fragment of encapsulated pixel data shows this many of its first bytes (the codec's marker).
FRAGMENT_START = 16

BINARY_VRS = {"OB", "OW", "OF", "OD", "OL", "OV", "UN"}
NUMBER_VRS = {"US", "SS", "UL", "SL", "FL", "FD", "UV", "SV", "IS", "DS"}
#: VRs whose values get a readable form in ``detail``.
READABLE_VRS = {"PN", "AT", "UI", "DA", "TM", "DT"}


def tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def describe_value(element: DataElement, vm: int | None = None) -> dict[str, Any]:
    """The value as text (``value``) plus what helps reading it (``detail``, ``numbers``, ``hex``, ...)."""
    vr, value = element.VR, element.value
    vm = element.VM if vm is None else vm
    if value is None or value == "" or value == b"":
        return {"value": ""}
    if element.tag == 0x7FE00010 and element.is_undefined_length and isinstance(value, bytes):
        return _encapsulated(value)
    if vr in BINARY_VRS or isinstance(value, bytes):
        return _binary(bytes(value))
    values = list(value) if vm > 1 else [value]
    out: dict[str, Any] = {}
    if vr in NUMBER_VRS:
        shown = values[:NUMBER_LIMIT]
        out["numbers"] = [_plain(v) for v in shown]
        texts = [_float_text(v, vr) for v in shown]
        bad = [n for n in out["numbers"] if isinstance(n, str) and n.strip()] if vr in ("IS", "DS") else []
        if bad:  # pydicom keeps an IS/DS that is not a number as its text, silently
            out["warning"] = f"not a number: {', '.join(repr(b) for b in bad[:4])} ({vr} needs a decimal number)"
    else:
        shown = values
        texts = [tag_text(Tag(v)) if vr == "AT" else _strip_escapes(str(v)) for v in values]
    text = "\\".join(texts)
    if len(text) > TEXT_LIMIT or len(shown) < len(values):
        out["truncated"] = True
    out["value"] = text[:TEXT_LIMIT]
    if vr in READABLE_VRS:
        details = [_readable(vr, t if vr != "AT" else v) for v, t in zip(values[:NUMBER_LIMIT], texts, strict=False)]
        if any(details):
            out["detail"] = "; ".join(d or t for d, t in zip(details, texts, strict=False))
    return out


#: ISO 2022 escape sequences as text. Python's codec for ISO 2022 IR 58 (GB2312) does not strip
#: its escape sequence and pydicom 3.0.2 expects it to, so "\x1b$)A" is left inside decoded names.
_ESCAPES = sorted((code.decode("latin-1") for code in CODES_TO_ENCODINGS), key=len, reverse=True)


def _strip_escapes(text: str) -> str:
    if "\x1b" in text:
        for escape in _ESCAPES:
            text = text.replace(escape, "")
    return text


def _readable(vr: str, value: Any) -> str:
    """Dates and times as people write them; UIDs with their names; PN by component; AT by keyword."""
    if vr == "PN":
        return _pn(value)
    if vr == "AT":
        try:
            return keyword_for_tag(Tag(value)) or ""
        except (KeyError, ValueError, OverflowError):
            return ""
    text = str(value).strip()
    if vr == "UI":
        name = uid_name(text)
        return name if name != text else ""
    if vr == "DA" and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if vr == "TM" and len(text) >= 2 and text.split(".")[0].isdigit():
        whole, _, fraction = text.partition(".")
        return ":".join(whole[i:i + 2] for i in range(0, min(len(whole), 6), 2)) + (f".{fraction}" if fraction else "")
    if vr == "DT" and len(text) >= 8 and text[:8].isdigit():
        date = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        rest, zone = text[8:], ""
        for sign in "+-":
            if sign in rest:
                rest, zone = rest.split(sign, 1)[0], sign + rest.split(sign, 1)[1]
        time = _readable("TM", rest) if rest else ""
        return " ".join(p for p in (date, time, f"UTC{zone[:3]}:{zone[3:]}" if len(zone) == 5 else zone) if p)
    return ""


def _pn(name: Any) -> str:
    """'family: Yamada, given: Tarou | ideographic family: 山田, ...' — which part of a name is which."""
    name = name if isinstance(name, PersonName) else PersonName(str(name))
    parts = []
    for group, label in ((name.alphabetic, ""), (name.ideographic, "ideographic "), (name.phonetic, "phonetic ")):
        if not group:
            continue
        components = group.split("^") + [""] * 5
        named = zip(("family", "given", "middle", "prefix", "suffix"), components, strict=False)
        parts.append(", ".join(f"{label}{k}: {v}" for k, v in named if v))
    return " | ".join(parts)


def _float_text(value: Any, vr: str) -> str:
    """Numbers as stored for IS/DS; FL with the digits a float32 carries, not its float64 noise."""
    if vr != "FL" or not isinstance(value, float):
        return str(value)
    return str(np.float32(value)) if abs(value) < 3.4e38 else str(value)


def _plain(value: Any) -> int | float | str:
    """A JSON number for a number pydicom decoded; the text itself for one it could not.

    NaN and infinities (FL/FD allow them) become "NaN", "Infinity", "-Infinity": the worker's
    replies are JSON, which has no such numbers, and JavaScript's Number() reads these.
    """
    if isinstance(value, int):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else "Infinity" if number > 0 else "-Infinity"
    text = str(value).lower()
    return number if isinstance(value, float) or not number.is_integer() or "." in text or "e" in text \
        else int(number)


def _binary(data: bytes) -> dict[str, Any]:
    if len(data) <= HEX_LIMIT:
        return {"value": f"{len(data)} bytes", "hex": data.hex(" ")}
    return {"value": f"{len(data)} bytes, first {HEX_LIMIT} shown", "hex": data[:HEX_LIMIT].hex(" "),
            "truncated": True}


def _encapsulated(data: bytes) -> dict[str, Any]:
    """Items of encapsulated pixel data: the basic offset table, then each fragment.

    Fragment offsets count from the first fragment's item tag, as the basic offset table
    does, so its entries can be matched to fragments. A damaged item list is shown as
    far as it could be read, with a warning.
    """
    items: list[tuple[int, int]] = []  # (position of the item tag, value length)
    problems: list[str] = []
    pos = 0
    while pos + 8 <= len(data):
        group, elem, length = struct.unpack_from("<HHL", data, pos)
        if (group, elem) == (0xFFFE, 0xE0DD):
            break
        if (group, elem) != (0xFFFE, 0xE000):
            problems.append(f"unexpected tag {tag_text(group << 16 | elem)} at byte {pos} of the pixel data")
            break
        if pos + 8 + length > len(data):
            problems.append(f"item at byte {pos} runs past the end ({length} bytes stated, "
                            f"{len(data) - pos - 8} present)")
            items.append((pos, len(data) - pos - 8))
            break
        items.append((pos, length))
        pos += 8 + length
    if not items:
        return {"value": f"encapsulated, {len(data)} bytes", "basic_offset_table": [], "fragments": [],
                "warning": "; ".join(problems) or "no items in the encapsulated pixel data"}
    bot_pos, bot_length = items[0]
    offsets = list(struct.unpack_from(f"<{bot_length // 4}L", data, bot_pos + 8))
    if bot_length % 4:
        problems.append(f"basic offset table length {bot_length} is not a multiple of 4")
    origin = items[1][0] if len(items) > 1 else bot_pos + 8 + bot_length
    fragments = [{"offset": p - origin, "length": n, "start": data[p + 8:p + 8 + min(n, FRAGMENT_START)].hex(" ")}
                 for p, n in items[1:]]
    starts = {f["offset"] for f in fragments}
    stray = [o for o in offsets if o not in starts]
    if stray:
        problems.append(f"basic offset table entries {stray[:4]} do not point at a fragment")
    out: dict[str, Any] = {
        "value": f"encapsulated: {len(fragments)} fragment(s), basic offset table with "
                 f"{len(offsets)} offset(s), {len(data)} bytes",
        "basic_offset_table": offsets, "fragments": fragments}
    if problems:
        out["warning"] = "; ".join(problems)
    return out
