"""The functions the browser's worker calls; each returns plain JSON data.

The worker passes arguments and results as JSON text through :func:`call`,
which is faster and simpler across the Pyodide bridge than proxies.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .index import Index
from .summary import build_summary

_index = Index()


def add_paths(paths: list[str]) -> dict[str, Any]:
    """Queue mounted files or folders for indexing; return the progress."""
    return _index.add(paths)


def index_step(budget: float = 0.1) -> dict[str, Any]:
    """Index for about ``budget`` seconds; return the progress."""
    return _index.step(budget)


def cancel() -> dict[str, Any]:
    """Stop indexing; the entries left are listed as not indexed."""
    return _index.cancel()


def summary() -> dict[str, Any]:
    """The patient / study / series summary of everything indexed."""
    return build_summary(_index)


def reset() -> dict[str, Any]:
    """Forget everything indexed so far (the mounted files can be unmounted)."""
    global _index
    _index.close()
    _index = Index()
    return {"ok": True}


_API: dict[str, Callable[..., dict[str, Any]]] = {
    "add_paths": add_paths,
    "index_step": index_step,
    "cancel": cancel,
    "summary": summary,
    "reset": reset,
}


def call(name: str, args_json: str) -> str:
    """Run API function ``name`` with JSON-encoded positional arguments."""
    return json.dumps(_API[name](*json.loads(args_json)))
