"""Package data generated from published machine-readable sources (`build.py tables`)."""

from __future__ import annotations

import ast
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

from .downloads import pypi_download
from .paths import PY, ROOT, BuildError

_Node = TypeVar("_Node", bound=ast.AST)

#: PS3.15 Table E.1-1 comes from a published extraction: idiscore's generated module, scraped
#: from dicom.nema.org's current Part 15; `build.py tables` turns it into package data.
CONFIDENTIALITY_SOURCE = ("idiscore==1.2.0", "idiscore-1.2.0-py3-none-any.whl",
                          "2c0ef6caf00e38eb1d2f12f5f38e8cfa34dba62693e0bff85155e3428900a524")
CONFIDENTIALITY_TABLE = PY / "dicompeek" / "privacy" / "data" / "confidentiality_profile.json"

#: PS3.15 Table E.3.10-1 comes from Innolitics' dicom-standard, whose wheel carries the HTML of the
#: sections the standard's tables refer to (references.json), E.3.10 among them, scraped from
#: dicom.nema.org's current edition when the package was built. No newer published extraction of
#: this table is on PyPI; `build.py tables` turns its rows into package data.
SAFE_PRIVATE_SOURCE = ("dicom-standard==0.1.0", "dicom_standard-0.1.0-py3-none-any.whl",
                       "648aad3e57229c8891c7970533638584237b2347001cfcc78f84d7d19e8bdeac")
SAFE_PRIVATE_MEMBER = "dicom_standard-0.1.0.data/data/standard/references.json"
SAFE_PRIVATE_SECTION = "http://dicom.nema.org/medical/dicom/current/output/chtml/part15/sect_E.3.10.html#sect_E.3.10"
SAFE_PRIVATE_TABLE = PY / "dicompeek" / "privacy" / "data" / "safe_private.json"
#: The columns of Table E.3.10-1, as the standard heads them.
_SAFE_PRIVATE_COLUMNS = ["Data Element", "Private Creator", "VR", "VM", "Meaning"]


def confidentiality_table() -> dict[str, Any]:
    """Table E.1-1 (basic profile and its ten options) from the pinned idiscore wheel.

    The wheel's ``_public_dicom.py`` is parsed, never imported (its imports need packages
    we do not use): every ``RawNemaRuleSet(name=, code=, rules=[(identifier, ActionCodes.X)])``
    becomes a column, every identifier a row, and the action names are resolved through
    ``ActionCodes`` in ``idiscore/dicom.py``.
    """
    from pydicom.datadict import dictionary_description, keyword_for_tag

    wheel = pypi_download(*CONFIDENTIALITY_SOURCE)
    with zipfile.ZipFile(wheel) as archive:
        public = archive.read("idiscore/_public_dicom.py").decode()
        codes_source = archive.read("idiscore/dicom.py").decode()
    codes: dict[str, Any] = {}
    for node in ast.walk(ast.parse(codes_source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                getattr(node.value.func, "id", "") == "ActionCode":
            codes[_expect(node.targets[0], ast.Name).id] = ast.literal_eval(node.value.args[0])
    scraped = public.split("scrape date:", 1)[1].split()[0]
    columns: list[dict[str, Any]] = []
    rows: dict[str, dict[str, Any]] = {}
    for statement in ast.parse(public).body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        key = _expect(statement.targets[0], ast.Name).id
        fields = {k.arg: k.value for k in statement.value.keywords}
        columns.append({"key": key, "name": ast.literal_eval(fields["name"]),
                        "code": ast.literal_eval(fields["code"])})
        for rule in _expect(fields["rules"], ast.List).elts:
            identifier_node, action = _expect(rule, ast.Tuple).elts
            identifier = _expect(identifier_node, ast.Call)
            kind = _expect(identifier.func, ast.Name).id
            text = ast.literal_eval(identifier.args[0]).upper() if identifier.args else ""
            row_key = {"SingleTag": text, "RepeatingGroup": text.replace("X", "x"), "PrivateTags": "private"}[kind]
            row = rows.setdefault(row_key, {"basic": None, "options": {}})
            if kind == "SingleTag":
                tag = int(text, 16)
                row.update(tag=text, keyword=keyword_for_tag(tag) if tag in _dictionary() else "",
                           name=dictionary_description(tag) if tag in _dictionary() else "")
            elif kind == "RepeatingGroup":
                row.update(pattern=row_key, name={"50xxxxxx": "Curve Data", "60xx3000": "Overlay Data",
                                                   "60xx4000": "Overlay Comments"}.get(row_key, row_key))
            else:
                row.update(private=True, name="Private Attributes")
            value = codes[_expect(action, ast.Attribute).attr]
            if key == "basic_profile":
                row["basic"] = value
            else:
                row["options"][key] = value
    return {
        "title": "DICOM PS3.15 Table E.1-1, Application Level Confidentiality Profile Attributes",
        "edition": f"the edition current at dicom.nema.org on {scraped}",
        "source": f"{CONFIDENTIALITY_SOURCE[1]} (sha256 {CONFIDENTIALITY_SOURCE[2][:16]}…): idiscore/_public_dicom.py",
        "generated_by": "python3 build.py tables",
        "options": columns,
        "rows": sorted(rows.values(), key=lambda r: (r.get("tag") or r.get("pattern") or "zzzz")),
    }


def _expect(node: ast.AST, kind: type[_Node]) -> _Node:
    """``node`` as the syntax the generated source is known to use; anything else is a new idiscore."""
    if not isinstance(node, kind):
        raise BuildError(f"idiscore source: expected {kind.__name__}, found {ast.dump(node)[:80]}")
    return node


def _dictionary() -> dict[int, Any]:
    from pydicom.datadict import DicomDictionary

    return DicomDictionary


def safe_private_section() -> tuple[str, str]:
    """The HTML of PS3.15 section E.3.10 as the pinned dicom-standard wheel carries it, and the
    date of the wheel's data files (the day the current edition was scraped, or soon after)."""
    wheel = pypi_download(*SAFE_PRIVATE_SOURCE)
    with zipfile.ZipFile(wheel) as archive:
        references = json.loads(archive.read(SAFE_PRIVATE_MEMBER))
        built = "-".join(f"{n:02}" for n in archive.getinfo(SAFE_PRIVATE_MEMBER).date_time[:3])
    if not isinstance(references.get(SAFE_PRIVATE_SECTION), str):
        raise BuildError(f"{SAFE_PRIVATE_SOURCE[1]}: no section E.3.10 in {SAFE_PRIVATE_MEMBER}")
    return references[SAFE_PRIVATE_SECTION], built


def safe_private_table() -> dict[str, Any]:
    """Table E.3.10-1 (Safe Private Attributes) from the pinned dicom-standard wheel.

    Every body row of the section's one table whose head is :data:`_SAFE_PRIVATE_COLUMNS`
    becomes a row: the creator as the standard spells it, the group and the low byte of the
    element (in the standard "(gggg,xxee)": the block xx moves from file to file) in upper-case
    hex, VR, VM and the meaning. Anything else in that table is a new source and stops the build.
    """
    section, built = safe_private_section()
    tables = [t for t in _html_tables(section) if t and t[0] == _SAFE_PRIVATE_COLUMNS]
    if len(tables) != 1:
        raise BuildError(f"{SAFE_PRIVATE_SOURCE[1]}: expected one Table E.3.10-1 in E.3.10, found {len(tables)}")
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for cells in tables[0][1:]:
        match = re.fullmatch(r"\(([0-9A-Fa-f]{4}),xx([0-9A-Fa-f]{2})\)", cells[0]) if len(cells) == 5 else None
        if match is None or not int(match[1], 16) & 1 or not cells[1]:
            raise BuildError(f"{SAFE_PRIVATE_SOURCE[1]}: a Table E.3.10-1 row this generator does not know: {cells}")
        row = {"creator": cells[1], "group": match[1].upper(), "element": match[2].upper(),
               "vr": cells[2], "vm": cells[3], "name": cells[4]}
        key = (row["creator"], row["group"], row["element"])
        if key in rows:
            raise BuildError(f"{SAFE_PRIVATE_SOURCE[1]}: Table E.3.10-1 lists {key} twice")
        rows[key] = row
    return {
        "title": "DICOM PS3.15 Table E.3.10-1, Safe Private Attributes",
        "edition": f"the edition current at dicom.nema.org on {built} (when the source package's data was built)",
        "source": f"{SAFE_PRIVATE_SOURCE[1]} (sha256 {SAFE_PRIVATE_SOURCE[2]}): {SAFE_PRIVATE_MEMBER}, "
                  "section E.3.10",
        "generated_by": "python3 build.py tables",
        "key": "creator (exact, as the standard spells it), group, low byte of the element",
        "rows": sorted(rows.values(), key=lambda r: (r["group"], r["creator"], r["element"])),
    }


class _TableCells(HTMLParser):
    """The text of every cell (th or td) of every table row, table by table; spaces collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(html: str) -> list[list[list[str]]]:
    parser = _TableCells()
    parser.feed(html)
    parser.close()
    return parser.tables


def _write(path: Path, table: dict[str, Any]) -> None:
    text = json.dumps(table, indent=0, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(table['rows'])} rows)")


def write_confidentiality_table() -> None:
    _write(CONFIDENTIALITY_TABLE, confidentiality_table())


def write_safe_private_table() -> None:
    _write(SAFE_PRIVATE_TABLE, safe_private_table())


def write_tables() -> None:
    """`build.py tables`: every generated package data file."""
    write_confidentiality_table()
    write_safe_private_table()
