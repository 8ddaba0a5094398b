"""Bytecode for the page: pydicom and the app's package ship with CPython 3.12 .pyc files, so that
the first visit imports them without compiling their source (about 1 s of the first start-up, in
the worker, before "Python ready").

The build's own Python need not be 3.12, so the compiling is done by Pyodide itself, in Node
(tools/compile_pyc.mjs, with node_modules/pyodide): the bytecode then has exactly the magic number
and cache tag of the Python that imports it. Each archive keeps its .py files (for tracebacks) and
gains ``__pycache__/NAME.cpython-312.pyc`` beside them, unchecked-hash pycs: the importer reads them
without reading or hashing the source (an unpacked file's mtime is the unpacking's, so timestamp
pycs would always look stale). Results are cached in .cache/pyc/ by a hash of the source archive,
the compiler script and the Pyodide version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .downloads import PYODIDE_NPM, PYODIDE_VERSION
from .paths import CACHE, ROOT, BuildError, run

COMPILER = ROOT / "tools" / "compile_pyc.mjs"
#: CPython 3.12's bytecode magic number (importlib.util.MAGIC_NUMBER of Pyodide 0.27's Python).
MAGIC_312 = (3531).to_bytes(2, "little") + b"\r\n"
CACHE_TAG = "cpython-312"


def compiled_key(source: Path) -> str:
    """What the compiled archive depends on: the source archive, the compiler and Pyodide."""
    digest = hashlib.sha256()
    for part in (source.read_bytes(), COMPILER.read_bytes(), PYODIDE_VERSION.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def compiled_path(source: Path, stem: str) -> Path:
    """Where the compiled copy of ``source`` is cached (``stem``-KEY.zip)."""
    return CACHE / "pyc" / f"{stem}-{compiled_key(source)}.zip"


def compile_archives(jobs: list[tuple[Path, Path]]) -> None:
    """Compile each (source archive, target path) whose target is not cached yet, in one Node run."""
    missing = [(source, target) for source, target in jobs if not target.exists()]
    if not missing:
        return
    for _, target in missing:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        run(["node", str(COMPILER), str(PYODIDE_NPM), *(str(p) for job in missing for p in job)])
    except Exception as error:  # CalledProcessError, or node missing
        raise BuildError(f"compiling Python bytecode in Pyodide failed: {error}") from None
    for _, target in missing:
        if not target.exists():
            raise BuildError(f"compiling Python bytecode in Pyodide did not write {target.name}")
