"""Package data generated from published machine-readable sources (`build.py tables`)."""

from __future__ import annotations

import ast
import json
import zipfile
from typing import Any, TypeVar

from .downloads import pypi_download
from .paths import PY, ROOT, BuildError

_Node = TypeVar("_Node", bound=ast.AST)

#: PS3.15 Table E.1-1 comes from a published extraction: idiscore's generated module, scraped
#: from dicom.nema.org's current Part 15; `build.py tables` turns it into package data.
CONFIDENTIALITY_SOURCE = ("idiscore==1.2.0", "idiscore-1.2.0-py3-none-any.whl",
                          "2c0ef6caf00e38eb1d2f12f5f38e8cfa34dba62693e0bff85155e3428900a524")
CONFIDENTIALITY_TABLE = PY / "dicompeek" / "privacy" / "data" / "confidentiality_profile.json"


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


def write_confidentiality_table() -> None:
    text = json.dumps(confidentiality_table(), indent=0, ensure_ascii=False) + "\n"
    CONFIDENTIALITY_TABLE.parent.mkdir(parents=True, exist_ok=True)
    CONFIDENTIALITY_TABLE.write_text(text)
    print(f"wrote {CONFIDENTIALITY_TABLE.relative_to(ROOT)} ({len(json.loads(text)['rows'])} rows)")
