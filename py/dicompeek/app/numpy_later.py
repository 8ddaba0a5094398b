"""numpy and Pillow arriving after pydicom was imported without them (the browser's start-up).

The page's workers are "Python ready" once pydicom and the app's indexing code are imported; numpy
and Pillow (about two seconds of loading in a worker) follow in the background, and only the calls
that need them wait (web/worker.js). A Pyodide memory snapshot cannot hold a package with compiled
extensions either, so the snapshot the page restores on later visits is taken before numpy is
loaded. pydicom decides at import time whether numpy and Pillow are there: module flags
(``config.have_numpy``, ``HAVE_NP``, ``HAVE_PIL``…), module globals bound by a conditional
``import numpy``, and its decoders' plugins, sorted into available and unavailable when
``pydicom.pixels.decoders.base`` ran.

:func:`arrived` brings every pydicom module already imported to the state a fresh import with numpy
and Pillow installed gives: it runs again each module's top-level optional imports (``try: import
… except ImportError``), the statements that import numpy or Pillow or test or copy the flags those
set, and the flags' defaults that their ``except`` clauses undid; then it lets
every decoder and encoder sort its plugins again, in their original order (plugins added by
others before are dropped: in the worker nothing adds any before numpy is there). tests/app/test_numpy_later.py checks
the result against a fresh import, module by module and decoder by decoder.
"""

from __future__ import annotations

import ast
import re
import sys
from types import ModuleType

#: Besides the flags :func:`_flags` finds: a statement mentioning these imports numpy or Pillow.
_PACKAGES = ("numpy", "PIL")
#: The decoders' and encoders' plugins are added by top-level calls like this in these modules.
_ADDS_PLUGINS = re.compile(r"\.add_plugins?\(")
_CODERS = ("pydicom.pixels.decoders.base", "pydicom.pixels.encoders.base")

_done = False


def needed() -> bool:
    """Whether pydicom was imported before numpy could be (and :func:`arrived` has not run)."""
    config = sys.modules.get("pydicom.config")
    return not _done and config is not None and not getattr(config, "have_numpy", True)


def _guarded_import(node: ast.stmt) -> bool:
    """Whether ``node`` is a ``try`` with an ``except ImportError`` (an optional dependency, which
    may need numpy or Pillow itself, as pylibjpeg does)."""
    if not isinstance(node, ast.Try):
        return False
    names = set()
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names |= {kind.id for kind in kinds if isinstance(kind, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception"})


def _handler_targets(node: ast.Try) -> set[str]:
    """The names an ``except`` clause of ``node`` assigns (the flags it sets to False)."""
    names = set()
    for handler in node.handlers:
        for statement in ast.walk(handler):
            if isinstance(statement, ast.Assign):
                names |= {target.id for target in statement.targets if isinstance(target, ast.Name)}
    return names


def _parsed(module: ModuleType) -> tuple[str, ast.Module] | None:
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py"):
        return None
    with open(path, encoding="utf-8") as stream:
        source = stream.read()
    return source, ast.parse(source, path)


def _flags(trees: dict[str, tuple[str, ast.Module]]) -> set[str]:
    """Every flag an optional import's ``except`` clause sets, in any of the modules."""
    flags: set[str] = set()
    for _, tree in trees.values():
        for node in tree.body:
            if _guarded_import(node):
                flags |= _handler_targets(node)  # type: ignore[arg-type]
    return flags


def _statements(name: str, source: str, tree: ast.Module, concerns: re.Pattern[str]) -> list[ast.stmt]:
    """The top-level statements of module ``name`` to run again, in source order: its optional
    imports, the statements that import numpy or Pillow or test or copy a flag, the flags' defaults
    (``have_numpy = True`` before the try that set it False), and a coder module's plugin calls."""
    picked: list[ast.stmt] = []
    for node in tree.body:
        segment = ast.get_source_segment(source, node) or ""
        optional = _guarded_import(node)
        concerned = isinstance(node, (ast.If, ast.Import, ast.ImportFrom)) and bool(concerns.search(segment))
        default = isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and concerns.fullmatch(t.id)
                                                       for t in node.targets)
        plugins = name in _CODERS and isinstance(node, ast.Expr) and bool(_ADDS_PLUGINS.search(segment))
        if optional or concerned or default or plugins:
            picked.append(node)
    return picked


def arrived() -> None:
    """Tell the pydicom modules imported so far that numpy and Pillow are installed now."""
    global _done
    if not needed():
        _done = True
        return
    import numpy  # noqa: F401  (fails loudly if it is not there after all)
    import PIL  # noqa: F401

    names = [name for name in list(sys.modules) if name == "pydicom" or name.startswith("pydicom.")]
    trees = {name: parsed for name in names if (parsed := _parsed(sys.modules[name])) is not None}
    concerns = re.compile(r"\b(" + "|".join(sorted({*_flags(trees), *_PACKAGES})) + r")\b")
    # config first: the other modules test or copy its have_numpy
    for name in sorted(trees, key=lambda name: name != "pydicom.config"):
        source, tree = trees[name]
        statements = _statements(name, source, tree, concerns)
        if not statements:
            continue
        module = sys.modules[name]
        if name in _CODERS:
            from pydicom.pixels.common import CoderBase

            for value in vars(module).values():
                if isinstance(value, CoderBase):  # every plugin added again below, in its order
                    value._available.clear()
                    value._unavailable.clear()
        code = compile(ast.Module(body=statements, type_ignores=[]), module.__file__ or name, "exec")
        exec(code, vars(module))  # pydicom's own top-level statements, again
    _done = True
