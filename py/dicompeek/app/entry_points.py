"""The worker's entry points: the table of the Python functions the browser's worker may call by
name, and the calls through which it does.

Every function the worker may call is marked :func:`entry_point` (in :mod:`.worker_api`), which
builds the table :func:`call` dispatches on and records which calls decode pixels (the worker
loads the image codecs before it runs those) and which reply in binary. ``web/protocol.js`` names
the same entry points for the page: the worker compares the two lists at boot
(:func:`entry_points`) and refuses to start when they differ, and ``tests/app/test_worker_api.py``
compares them without a browser.

The worker passes arguments and results as JSON through :func:`call`, which is faster and simpler
across the Pyodide bridge than proxies; as UTF-8 bytes (a ``Uint8Array`` in, ``bytes`` out), not as
strings: Pyodide converts a string across the bridge a character at a time, and the de-identified
copy's plan (10 MB of JSON for 8,000 files) so made about 300 MB of short-lived JavaScript objects in
the worker, held while the string was in use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _EntryPoint:
    function: Callable[..., Any]
    decodes_pixels: bool
    binary: bool


#: Every entry point by name (its function's name), in the order they are defined.
_API: dict[str, _EntryPoint] = {}


def entry_point(function: _F | None = None, *, decodes_pixels: bool = False,
                binary: bool = False) -> Any:
    """Mark a function the worker may call by name: ``@entry_point`` or ``@entry_point(...)``.

    ``decodes_pixels``: the worker has the page's image codecs loaded before it runs the call.
    ``binary``: called through :func:`call_binary`, not :func:`call`: it takes the JSON text of
    its arguments and returns (JSON text, bytes), so that pixels stay binary across the bridge.
    """
    def register(function: _F) -> _F:
        name = function.__name__
        if name in _API:
            raise ValueError(f"two entry points named {name}")
        _API[name] = _EntryPoint(function, decodes_pixels, binary)
        return function

    return register if function is None else register(function)


def call(name: str, args_json: Any) -> bytes:
    """Run entry point ``name`` with its positional arguments as JSON (:func:`_json_text`); its
    result as JSON, in UTF-8 bytes."""
    entry = _API[name]
    if entry.binary:
        raise ValueError(f"{name} replies in binary: call it through call_binary")
    return json.dumps(entry.function(*json.loads(_json_text(args_json)))).encode()


def call_binary(name: str, args_json: Any) -> tuple[str, bytes]:
    """Run binary entry point ``name`` (e.g. :func:`render`) with its arguments as JSON
    (:func:`_json_text`): (JSON text, bytes)."""
    entry = _API[name]
    if not entry.binary:
        raise ValueError(f"{name} replies in JSON: call it through call")
    reply: tuple[str, bytes] = entry.function(_json_text(args_json))
    return reply


def _json_text(args_json: Any) -> str:
    """JSON text from what the caller passed: UTF-8 bytes (the worker's ``Uint8Array``, a proxy with
    ``to_bytes``, or ``bytes``) or a ``str`` (the tests)."""
    if isinstance(args_json, str):
        return args_json
    raw = args_json if isinstance(args_json, (bytes, bytearray)) else args_json.to_bytes()
    return raw.decode("utf-8")


def entry_points() -> str:
    """What the worker learns at boot, as JSON: every entry point's name, and which of them
    decode pixels and which reply in binary. ``web/protocol.js`` must name the same calls."""
    return json.dumps({
        "calls": list(_API),
        "decodes_pixels": [name for name, entry in _API.items() if entry.decodes_pixels],
        "binary": [name for name, entry in _API.items() if entry.binary],
    })
