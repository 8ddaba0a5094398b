"""The functions the browser's worker calls; each returns plain JSON data.

The worker passes arguments and results as JSON text through :func:`call`,
which is faster and simpler across the Pyodide bridge than proxies.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .index import Index
from .review import review
from .review_merge import merge as merge_review, plan as plan_review, reruns, review_part as review_one_part
from .review_report import report_csv, report_html
from .summary import build_summary
from .tag_browser import TagBrowser
from .viewer import Viewer
from . import wasm_decoders

_index = Index()
_viewer = Viewer(_index)
_tags = TagBrowser(_index, _viewer)
_review: dict[str, Any] | None = None  # the last privacy review, for its exports


def add_paths(paths: list[str], shard: int = 0, shards: int = 1) -> dict[str, Any]:
    """Queue mounted files or folders for indexing (this worker's share); return the progress."""
    return _index.add(paths, shard, shards)


def index_step(budget: float = 0.1) -> dict[str, Any]:
    """Index for about ``budget`` seconds; return the progress."""
    return _index.step(budget)


def cancel() -> dict[str, Any]:
    """Stop indexing; the entries left are listed as not indexed."""
    return _index.cancel()


def take_records() -> dict[str, Any]:
    """What this worker indexed since it was last asked, for the main worker to merge."""
    return _index.take_records()


def merge_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the other workers' records, then return the summary of everything indexed."""
    for shard in records:
        _index.merge_records(shard)
    return build_summary(_index)


def reset() -> dict[str, Any]:
    """Forget everything indexed so far (the mounted files can be unmounted)."""
    global _index, _viewer, _tags, _review
    _review = None
    _index.close()
    _index = Index()
    _viewer = Viewer(_index)
    _tags = TagBrowser(_index, _viewer)
    return build_summary(_index)


def series(study_uid: str, series_uid: str) -> dict[str, Any]:
    """The viewer's frames of a series, in order, with geometry warnings."""
    return _viewer.series(study_uid, series_uid)


def probe(entry: int, frame: int, x: int, y: int) -> dict[str, Any]:
    """The stored and modality value of one pixel."""
    return _viewer.probe(entry, frame, x, y)


def render(args_json: str) -> tuple[str, bytes]:
    """A frame as (JSON metadata, RGBA bytes): pixels stay binary across the bridge."""
    meta, rgba = _viewer.render(*json.loads(args_json))
    return json.dumps(meta), rgba


def header(entry: int) -> dict[str, Any]:
    """Every element of one instance, as a tree for the tag browser."""
    return _tags.header(entry)


def export_header(entry: int, form: str) -> dict[str, str]:
    """One instance's header as a download: form "json" (DICOM JSON) or "dump" (dcmdump-style)."""
    return _tags.dicom_json(entry) if form == "json" else _tags.dump(entry)


def variation(study_uid: str, series_uid: str) -> dict[str, Any]:
    """What changes across the instances of a series."""
    return _tags.variation(study_uid, series_uid)


def series_csv(study_uid: str, series_uid: str, fields: list[str]) -> dict[str, str]:
    """Chosen elements of every instance of a series, as CSV."""
    return _tags.series_csv(study_uid, series_uid, fields)


def compare(first: int, second: int) -> dict[str, Any]:
    """Two instances' headers side by side."""
    return _tags.compare(first, second)


def instances() -> list[dict[str, Any]]:
    """Every DICOM file loaded, for choosing what to compare."""
    return _tags.instances()


def review_plan(parts: int) -> dict[str, Any]:
    """Worker 0: the tokens to search for and the DICOM files cut into ``parts`` runs, one per
    worker, so that every core reviews (see dicompeek.review_merge)."""
    return plan_review(_index, parts)


def review_part(part: dict[str, Any], tokens: list[list[str]]) -> dict[str, Any]:
    """Any worker: review one part of a plan (every worker can read every entry); its state."""
    return review_one_part(_index, part, tokens)


def review_reruns(tokens: list[list[str]], found: list[list[list[str]]]) -> list[list[Any]]:
    """[part, tokens] of the parts to review again because an earlier part found nested tokens."""
    return reruns(tokens, found)


def privacy_review(states: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Review everything loaded for what can identify a person (see dicompeek.review): in one
    pass here, or (worker 0) by merging the states of :func:`review_part` in part order."""
    global _review
    _review = review(_index) if states is None else merge_review(_index, states)
    return _review


def review_report(form: str, masked: bool = False) -> dict[str, str]:
    """The last review as a download: form "html", "json" or "csv"."""
    result = _review if _review is not None else privacy_review()
    if form == "html":
        return {"text": report_html(result, masked=masked), "name": "privacy-review.html"}
    if form == "csv":
        return {"text": report_csv(result, masked=masked), "name": "privacy-review.csv"}
    return {"text": json.dumps(result, indent=1, ensure_ascii=False), "name": "privacy-review.json"}


def use_codecs() -> dict[str, Any]:
    """Add the page's codecs (registered by the worker as a JS module) to pydicom's decoders."""
    return {"syntaxes": wasm_decoders.register()}


_API: dict[str, Callable[..., Any]] = {
    "add_paths": add_paths,
    "index_step": index_step,
    "cancel": cancel,
    "take_records": take_records,
    "merge_summary": merge_summary,
    "reset": reset,
    "series": series,
    "probe": probe,
    "use_codecs": use_codecs,
    "header": header,
    "export_header": export_header,
    "variation": variation,
    "series_csv": series_csv,
    "compare": compare,
    "instances": instances,
    "review_plan": review_plan,
    "review_part": review_part,
    "review_reruns": review_reruns,
    "privacy_review": privacy_review,
    "review_report": review_report,
}


def call(name: str, args_json: str) -> str:
    """Run API function ``name`` with JSON-encoded positional arguments."""
    return json.dumps(_API[name](*json.loads(args_json)))
