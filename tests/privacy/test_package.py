"""The package's shape (dicompeek.privacy): layers without import cycles of any kind, nothing but
the shell importing it, modules small enough to read, each saying why it exists."""

from __future__ import annotations

import ast
from pathlib import Path

import dicompeek
from dicompeek import privacy

PACKAGE = Path(privacy.__file__).parent
ROOT = Path(dicompeek.__file__).parent
#: What may import dicompeek.privacy: the shell.
SHELL = {"dicompeek.app.worker_api", "dicompeek.app.cli"}
#: The old module names, kept as pure re-exports until the shell imports the new ones; delete each
#: (and its name here) with the module.
TRANSITIONAL: set[str] = set()
#: The lower layers the privacy package may use.
LOWER = {"dicompeek.index.indexer", "dicompeek.dicom.instances", "dicompeek.tags.values", "dicompeek.dicom.header",
         "dicompeek.dicom.guard"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, wherever (function bodies and TYPE_CHECKING blocks too): for
    ``from x import y`` both x and x.y when that is a module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in ROOT.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def test_the_package_uses_only_the_lower_layers():
    for path in PACKAGE.rglob("*.py"):
        outside = {m for m in imports(path) if not m.startswith("dicompeek.privacy")}
        assert outside <= LOWER, (path.name, outside - LOWER)


def test_the_package_docstring_says_how_to_add_a_rule():
    doc = privacy.__doc__ or ""
    for words in ("visit_element", "finish", "state()", "merge(state)", "Adding a rule", "RULES",
                  "tests/privacy/rules/test_registry.py"):
        assert words in doc, words
