"""The functions the browser's worker calls; each returns plain JSON data.

Every function the worker may call is marked :func:`entry_point`, which builds the table
:func:`call` dispatches on and records which calls decode pixels (the worker loads the image
codecs before it runs those) and which reply in binary. ``web/protocol.js`` names the same
entry points for the page: the worker compares the two lists at boot (:func:`entry_points`)
and refuses to start when they differ, and ``tests/app/test_worker_api.py`` compares them without a
browser.

The worker passes arguments and results as JSON text through :func:`call`,
which is faster and simpler across the Pyodide bridge than proxies.

Importing this module is the worker's start: it installs the guards in pydicom's reader
(:func:`dicompeek.dicom.guard.install`) before anything is read, and makes the one index, the
instance cache the viewer and the tag browser share, and those two.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dicompeek.dicom import guard
from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.index.summary import build_summary
from dicompeek.pixels import wasm_decoders
from dicompeek.pixels.viewer import Viewer
from dicompeek.privacy import merge as merge_review
from dicompeek.privacy import plan as plan_review
from dicompeek.privacy import report_csv, report_html, reruns, review
from dicompeek.privacy import review_part as review_one_part
from dicompeek.tags.browser import TagBrowser

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


guard.install()
_index = Index()
_cache = InstanceCache(_index)
_viewer = Viewer(_index, _cache)
_tags = TagBrowser(_index, _cache)
_review: dict[str, Any] | None = None  # the last privacy review, for its exports


@entry_point
def add_paths(paths: list[str], shard: int = 0, shards: int = 1) -> dict[str, Any]:
    """Queue mounted files or folders for indexing (this worker's share); return the progress."""
    return _index.add(paths, shard, shards)


@entry_point
def index_step(budget: float = 0.1) -> dict[str, Any]:
    """Index for about ``budget`` seconds; return the progress."""
    return _index.step(budget)


@entry_point
def cancel() -> dict[str, Any]:
    """Stop indexing; the entries left are listed as not indexed."""
    return _index.cancel()


@entry_point
def take_records() -> dict[str, Any]:
    """What this worker indexed since it was last asked, for the main worker to merge."""
    return _index.take_records()


@entry_point
def merge_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the other workers' records, then return the summary of everything indexed."""
    for shard in records:
        _index.merge_records(shard)
    return build_summary(_index)


@entry_point
def reset() -> dict[str, Any]:
    """Forget everything indexed so far (the mounted files can be unmounted)."""
    global _index, _cache, _viewer, _tags, _review
    _review = None
    _index.close()
    _cache.clear()
    _index = Index()
    _cache = InstanceCache(_index)
    _viewer = Viewer(_index, _cache)
    _tags = TagBrowser(_index, _cache)
    return build_summary(_index)


@entry_point(decodes_pixels=True)  # decodes nothing itself, but opens the viewer: waits for the codecs
def series(study_uid: str, series_uid: str) -> dict[str, Any]:
    """The viewer's frames of a series, in order, with geometry warnings."""
    return _viewer.series(study_uid, series_uid)


@entry_point(decodes_pixels=True)
def probe(entry: int, frame: int, x: int, y: int) -> dict[str, Any]:
    """The stored and modality value of one pixel."""
    return _viewer.probe(entry, frame, x, y)


@entry_point(decodes_pixels=True, binary=True)
def render(args_json: str) -> tuple[str, bytes]:
    """A frame as (JSON metadata, RGBA bytes): pixels stay binary across the bridge."""
    meta, rgba = _viewer.render(*json.loads(args_json))
    return json.dumps(meta), rgba


@entry_point
def header(entry: int) -> dict[str, Any]:
    """Every element of one instance, as a tree for the tag browser."""
    return _tags.header(entry)


@entry_point
def export_header(entry: int, form: str) -> dict[str, str]:
    """One instance's header as a download: form "json" (DICOM JSON) or "dump" (dcmdump-style)."""
    return _tags.dicom_json(entry) if form == "json" else _tags.dump(entry)


@entry_point
def variation(study_uid: str, series_uid: str) -> dict[str, Any]:
    """What changes across the instances of a series."""
    return _tags.variation(study_uid, series_uid)


@entry_point
def series_csv(study_uid: str, series_uid: str, fields: list[str]) -> dict[str, str]:
    """Chosen elements of every instance of a series, as CSV."""
    return _tags.series_csv(study_uid, series_uid, fields)


@entry_point
def compare(first: int, second: int) -> dict[str, Any]:
    """Two instances' headers side by side."""
    return _tags.compare(first, second)


@entry_point
def instances() -> list[dict[str, Any]]:
    """Every DICOM file loaded, for choosing what to compare."""
    return _tags.instances()


@entry_point
def review_plan(parts: int) -> dict[str, Any]:
    """Worker 0: the tokens to search for and the DICOM files cut into ``parts`` runs, one per
    worker, so that every core reviews (see dicompeek.privacy.merge)."""
    return plan_review(_index, parts)


@entry_point
def review_part(part: dict[str, Any], tokens: list[list[str]]) -> dict[str, Any]:
    """Any worker: review one part of a plan (every worker can read every entry); its state."""
    return review_one_part(_index, part, tokens)


@entry_point
def review_reruns(tokens: list[list[str]], found: list[list[list[str]]]) -> list[list[Any]]:
    """[part, tokens] of the parts to review again because an earlier part found nested tokens."""
    return reruns(tokens, found)


@entry_point
def privacy_review(states: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Review everything loaded for what can identify a person (see dicompeek.privacy): in one
    pass here, or (worker 0) by merging the states of :func:`review_part` in part order."""
    global _review
    _review = review(_index) if states is None else merge_review(_index, states)
    return _review


@entry_point
def review_report(form: str, masked: bool = False) -> dict[str, str]:
    """The last review as a download: form "html", "json" or "csv"."""
    result = _review if _review is not None else privacy_review()
    if form == "html":
        return {"text": report_html(result, masked=masked), "name": "privacy-review.html"}
    if form == "csv":
        return {"text": report_csv(result, masked=masked), "name": "privacy-review.csv"}
    return {"text": json.dumps(result, indent=1, ensure_ascii=False), "name": "privacy-review.json"}


@entry_point
def use_codecs() -> dict[str, Any]:
    """Add the page's codecs (registered by the worker as a JS module) to pydicom's decoders."""
    return {"syntaxes": wasm_decoders.register()}


def call(name: str, args_json: str) -> str:
    """Run entry point ``name`` with JSON-encoded positional arguments; its JSON-encoded result."""
    entry = _API[name]
    if entry.binary:
        raise ValueError(f"{name} replies in binary: call it through call_binary")
    return json.dumps(entry.function(*json.loads(args_json)))


def call_binary(name: str, args_json: str) -> tuple[str, bytes]:
    """Run binary entry point ``name`` (e.g. :func:`render`): (JSON text, bytes)."""
    entry = _API[name]
    if not entry.binary:
        raise ValueError(f"{name} replies in JSON: call it through call")
    reply: tuple[str, bytes] = entry.function(args_json)
    return reply


def entry_points() -> str:
    """What the worker learns at boot, as JSON: every entry point's name, and which of them
    decode pixels and which reply in binary. ``web/protocol.js`` must name the same calls."""
    return json.dumps({
        "calls": list(_API),
        "decodes_pixels": [name for name, entry in _API.items() if entry.decodes_pixels],
        "binary": [name for name, entry in _API.items() if entry.binary],
    })
