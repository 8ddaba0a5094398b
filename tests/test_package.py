"""The package's shape: layers that import only downwards, no import cycle of any kind, modules
small enough to read, each saying why it exists.

Imports are found with ``ast.walk``, so imports inside functions and ``TYPE_CHECKING`` blocks
count too: a cycle hidden there is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dicompeek

PACKAGE = Path(dicompeek.__file__).parent
#: The layers, lowest first. A module may import its own layer and the ones before it.
LAYERS = ("io", "dicom", "index", "pixels", "objects", "tags", "privacy", "app")
#: Modules outside the layers: the version (imported by anything) and `python -m dicompeek`.
OUTSIDE = {"dicompeek": -1, "dicompeek.__main__": len(LAYERS)}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The package's modules that module ``name`` imports, wherever in it (for ``from x import y``
    both x and x.y when that is a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


def layer(name: str) -> int:
    if name in OUTSIDE:
        return OUTSIDE[name]
    return LAYERS.index(name.split(".")[1])


def test_every_module_belongs_to_a_layer():
    assert {name.split(".")[1] for name in MODULES if name not in OUTSIDE} == set(LAYERS)


def test_no_module_imports_a_higher_layer():
    upward = [f"{name} ({LAYERS[layer(name)] if name not in OUTSIDE else name}) imports {other}"
              for name in sorted(MODULES) for other in sorted(imports(name)) if layer(other) > layer(name)]
    assert not upward, "\n".join(upward)


def test_there_is_no_import_cycle():
    graph = {name: imports(name) - {p for p in MODULES if name.startswith(p + ".")} for name in MODULES}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for other in sorted(graph[node]):
            assert state.get(other) != 1, " -> ".join([*path, node, other])
            if other not in state:
                visit(other, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_every_module_is_short_and_says_why_it_exists():
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, f"{name}: {len(text.splitlines())} lines"
        assert ast.get_docstring(ast.parse(text)), f"{name} has no docstring"
