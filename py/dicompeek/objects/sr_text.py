"""A structured report's document (:func:`.sr.read_document`) as indented text, one line per
content item: the command line's ``sr`` and a person reading a report in a terminal.

Each line: the relationship to its parent, the concept name, then the value in words (a number
with its unit, a code's meaning with its scheme and value, a name, a date, a reference); nesting by
two spaces, as DCMTK's dsrdump. Text values are printed whole, however long (a report's findings).
"""

from __future__ import annotations

from typing import Any

from dicompeek.index.summary import uid_name
from dicompeek.objects.sr import Item

INDENT = "  "


def document_text(document: dict[str, Any]) -> str:
    """The whole document: a heading (title, template, flags, date), then the content tree."""
    flags = [f"{name} {document[key]}" for name, key in (("Completion", "completion"),
                                                        ("Verification", "verification"),
                                                        ("Preliminary", "preliminary")) if document.get(key)]
    when = " ".join(v for v in (_date(document.get("date", "")), _time(document.get("time", ""))) if v)
    title = document.get("title") or "Structured report"
    lines = [f"{title} ({document['template']})" if document.get("template") else title]
    details = " · ".join(part for part in (*flags, when) if part)
    if details:
        lines.append(details)
    lines.append("")
    _lines(document["content"], 0, lines)
    return "\n".join(lines) + "\n"


def _lines(item: Item, depth: int, out: list[str]) -> None:
    relationship = item.get("relationship", "")
    unnamed = "" if item.get("type") == "REFERENCE" else "(no concept name)"
    concept = (item.get("concept") or {}).get("meaning") or unnamed
    prefix = INDENT * depth + (f"{relationship.lower()}: " if relationship else "")
    value = value_text(item)
    head = f"{prefix}{concept}" if concept else prefix.rstrip(": ").rstrip()
    text = f"{head} = {value}" if value else head
    if item.get("type") == "CONTAINER" and not value:
        text = f"{head} [{item.get('continuity') or 'CONTAINER'}]".rstrip()
    first, *rest = text.split("\n")
    out.append(first)
    out.extend(INDENT * (depth + 2) + line for line in rest)  # a long text's own lines, under it
    if item.get("error"):
        out.append(INDENT * (depth + 1) + f"(!) {item['error']}")
    for child in item.get("children", []):
        _lines(child, depth + 1, out)


def value_text(item: Item) -> str:
    """An item's value in words ("" for a container)."""
    kind = item.get("type")
    if kind in ("TEXT", "PNAME", "UIDREF"):
        return str(item.get("value", ""))
    if kind == "DATE":
        return _date(item.get("value", ""))
    if kind == "TIME":
        return _time(item.get("value", ""))
    if kind == "DATETIME":
        value = item.get("value", "")
        return f"{_date(value[:8])} {_time(value[8:])}".strip() if len(value) >= 8 else value
    if kind == "CODE":
        return code_text(item.get("code"))
    if kind == "NUM":
        if not item.get("value"):
            return f"no value ({code_text(item.get('qualifier'))})" if item.get("qualifier") else "no value"
        unit = item.get("unit") or {}
        meaning = unit.get("meaning", "")
        named = f" ({meaning})" if meaning and meaning != unit.get("code") else ""
        return f"{item['value']} {unit.get('code', '')}".rstrip() + named
    if kind in ("IMAGE", "COMPOSITE", "WAVEFORM"):
        return "; ".join(_reference_text(r) for r in item.get("references", [])) or "(no reference)"
    if kind in ("SCOORD", "SCOORD3D"):
        points = ", ".join("(" + ", ".join(f"{v:g}" for v in point) + ")" for point in item.get("points", [])[:8])
        more = len(item.get("points", [])) - 8
        return f"{item.get('graphic', '')} {points}{f' … and {more} more points' if more > 0 else ''}".strip()
    if kind == "TCOORD":
        return str(item.get("range_type", ""))
    if kind == "REFERENCE":
        return f"see item {item.get('reference', '')}"
    return ""


def code_text(code: dict[str, str] | None) -> str:
    """"Nodule (SCT 27925004)"."""
    if not code:
        return ""
    scheme = " ".join(part for part in (code.get("scheme", ""), code.get("code", "")) if part)
    return f"{code.get('meaning', '')} ({scheme})" if scheme else code.get("meaning", "")


def _reference_text(reference: dict[str, Any]) -> str:
    what = uid_name(reference.get("sop_class", "")) or "instance"
    frames = reference.get("frames") or []
    frame_text = f", frame{'s' if len(frames) > 1 else ''} {', '.join(map(str, frames))}" if frames else ""
    return f"{what} {reference.get('sop_instance', '')}{frame_text}"


def _date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def _time(value: str) -> str:
    digits = value.split(".")[0]
    if len(digits) >= 4 and digits.isdigit():
        return ":".join(digits[i:i + 2] for i in range(0, min(len(digits), 6), 2))
    return value
