"""The functions the browser's worker calls; each returns plain JSON data.

Every function the worker may call is marked ``@entry_point`` (:mod:`.entry_points`: the table
``call`` dispatches on, which calls decode pixels and which reply in binary; the worker calls
``call``, ``call_binary`` and ``entry_points`` through this module).

Importing this module is the worker's start: it installs the guards in pydicom's reader
(:func:`dicompeek.dicom.guard.install`) before anything is read, and makes the one index and the
instance cache the viewer and the tag browser share. What needs numpy (all but indexing and the
summary) comes with :func:`import_the_rest`, which the worker calls once numpy is loaded; those
calls wait for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from typing import TYPE_CHECKING, Any

from dicompeek.app import numpy_later, worker_objects
from dicompeek.app.entry_points import call, call_binary, entry_point, entry_points
from dicompeek.dicom import guard
from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.index.summary import build_summary

if TYPE_CHECKING:  # imported for real by import_the_rest(), once numpy is there (_LATER)
    from dicompeek.app import masking, worker_copy
    from dicompeek.objects.seg import thumbnail_picture
    from dicompeek.pixels import wasm_decoders
    from dicompeek.pixels.thumbnail import thumbnail as series_thumbnail
    from dicompeek.pixels.viewer import Viewer
    from dicompeek.privacy import (
        PartReview,
        burned_in_part,
        masked_result,
        report_csv,
        report_html,
        reruns,
        review,
    )
    from dicompeek.privacy import merge as merge_review
    from dicompeek.privacy import plan as plan_review
    from dicompeek.privacy.burned_in.engine import pgm, words_from_tsv
    from dicompeek.privacy.burned_in.reader import BurnedInJob
    from dicompeek.privacy.deidentify.preview import preview as preview_copy
    from dicompeek.privacy.provenance import Hashing, completed
    from dicompeek.privacy.rules.pixels import text_risk
    from dicompeek.tags.browser import TagBrowser

#: What the calls beyond indexing use (all of it needs numpy), as this module's name: (module, name in
#: it, None for the module itself). import_the_rest() imports it: at once in CPython, in the worker
#: once numpy is loaded, after "Python ready" (web/worker.js).
_LATER: dict[str, tuple[str, str | None]] = {
    "masking": ("dicompeek.app.masking", None), "worker_copy": ("dicompeek.app.worker_copy", None),
    "Viewer": ("dicompeek.pixels.viewer", "Viewer"),
    "wasm_decoders": ("dicompeek.pixels.wasm_decoders", None),
    **{name: ("dicompeek.privacy", name) for name in (
        "PartReview", "burned_in_part", "masked_result", "report_csv", "report_html", "reruns", "review")},
    "merge_review": ("dicompeek.privacy", "merge"), "plan_review": ("dicompeek.privacy", "plan"),
    "pgm": ("dicompeek.privacy.burned_in.engine", "pgm"),
    "words_from_tsv": ("dicompeek.privacy.burned_in.engine", "words_from_tsv"),
    "BurnedInJob": ("dicompeek.privacy.burned_in.reader", "BurnedInJob"),
    "preview_copy": ("dicompeek.privacy.deidentify.preview", "preview"),
    "Hashing": ("dicompeek.privacy.provenance", "Hashing"), "completed": ("dicompeek.privacy.provenance", "completed"),
    "TagBrowser": ("dicompeek.tags.browser", "TagBrowser"),
    "series_thumbnail": ("dicompeek.pixels.thumbnail", "thumbnail"),
    "thumbnail_picture": ("dicompeek.objects.seg", "thumbnail_picture"),
    "text_risk": ("dicompeek.privacy.rules.pixels", "text_risk"),
}

guard.install()
_index = Index()
_cache = InstanceCache(_index)
_viewer: Viewer  # the viewer, the tag browser and the copy: import_the_rest() makes them
_tags: TagBrowser
_deid: worker_copy.WorkerCopy
_review: dict[str, Any] | None = None  # the last privacy review, for its exports
_part: PartReview | None = None  # this worker's part of the privacy review under way
_ocr: BurnedInJob | None = None  # this worker's part of the burned-in text pass under way
_hashing: Hashing | None = None  # the picked files' SHA-256, computed in the background (worker 0)


def import_the_rest() -> bool:
    """Import :data:`_LATER` (telling pydicom first that numpy and Pillow are there: numpy_later), make
    the viewer, the tag browser and this worker's share of the copy. Whether it did (it does it once)."""
    global _viewer, _tags, _deid
    if "_deid" in globals():
        return False
    numpy_later.arrived()
    for name, (module, attribute) in _LATER.items():
        imported = importlib.import_module(module)
        globals()[name] = getattr(imported, attribute) if attribute else imported
    _viewer = Viewer(_index, _cache)
    _tags = TagBrowser(_index, _cache)
    _deid = worker_copy.WorkerCopy()
    worker_objects.start(_index, _cache)
    return True


if importlib.util.find_spec("numpy") is not None:  # CPython; the worker calls it once numpy is loaded
    import_the_rest()


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
    global _index, _cache, _viewer, _tags, _review, _part, _hashing, _ocr
    _review = _part = _ocr = None
    _deid.cancel()
    if _hashing is not None:
        _hashing.close()
        _hashing = None
    _index.close()
    _cache.clear()
    _index = Index()
    _cache = InstanceCache(_index)
    _viewer = Viewer(_index, _cache)
    _tags = TagBrowser(_index, _cache)
    worker_objects.start(_index, _cache)
    return build_summary(_index)


@entry_point(decodes_pixels=True)  # decodes nothing itself, but opens the viewer: waits for the codecs
def series(study_uid: str, series_uid: str) -> dict[str, Any]:
    """The viewer's frames of a series, in order, with geometry warnings."""
    return _viewer.series(study_uid, series_uid)


@entry_point(decodes_pixels=True)
def probe(entry: int, frame: int, x: int, y: int) -> dict[str, Any]:
    """The stored and modality value of one pixel."""
    return _viewer.probe(entry, frame, x, y)


@entry_point(decodes_pixels=True)
def roi(entry: int, frame: int, shape: str, box: list[float]) -> dict[str, Any]:
    """Mean, SD, min, max and area of a rectangle or ellipse on a frame, in modality units."""
    return _viewer.roi(entry, frame, shape, box)


@entry_point(decodes_pixels=True, binary=True)
def render(args_json: str) -> tuple[str, bytes]:
    """A frame as (JSON metadata, RGBA bytes): pixels stay binary across the bridge."""
    meta, rgba = _viewer.render(*json.loads(args_json))
    return json.dumps(meta), rgba


@entry_point(decodes_pixels=True, binary=True)
def thumbnail(args_json: str) -> tuple[str, bytes]:
    """A series' middle frame as (JSON metadata, PNG bytes), with why its pixels may carry
    burned-in text (the page blurs such a thumbnail while patient data is hidden)."""
    study_uid, series_uid = json.loads(args_json)
    meta, png = series_thumbnail(_index, study_uid, series_uid, paint=thumbnail_picture)
    records = _index.series_records(study_uid, series_uid)
    meta["text_risk"] = text_risk(records[0].fields) if records else None
    return json.dumps(meta), png


@entry_point
def header(entry: int) -> dict[str, Any]:
    """Every element of one instance, as a tree for the tag browser."""
    return _tags.header(entry)


@entry_point
def export_header(entry: int, form: str, masked: bool = False) -> dict[str, str]:
    """One instance's header as a download: form "json" (DICOM JSON) or "dump" (dcmdump-style);
    ``masked``: the value of every identifying element (:func:`identifying_tags`) is ``MASK``."""
    if not masked:
        return _tags.dicom_json(entry) if form == "json" else _tags.dump(entry)
    return masking.masked_header(_tags, entry, form)


@entry_point
def variation(study_uid: str, series_uid: str) -> dict[str, Any]:
    """What changes across the instances of a series."""
    return _tags.variation(study_uid, series_uid)


@entry_point
def series_csv(study_uid: str, series_uid: str, fields: list[str], masked: bool = False) -> dict[str, str]:
    """Chosen elements of every instance of a series, as CSV; ``masked``: the columns of
    identifying elements hold ``MASK`` where they have a value."""
    exported = _tags.series_csv(study_uid, series_uid, fields)
    return masking.masked_csv(exported, fields) if masked else exported


@entry_point
def compare(first: int, second: int) -> dict[str, Any]:
    """Two instances' headers side by side."""
    return _tags.compare(first, second)


@entry_point
def instances() -> list[dict[str, Any]]:
    """Every DICOM file loaded, for choosing what to compare."""
    return _tags.instances()


@entry_point
def hash_inputs(budget: float = 0.1) -> dict[str, bool]:
    """Worker 0, in the background once a pick is indexed: hash the picked files for about
    ``budget`` seconds, so that a review's provenance need not wait for it."""
    global _hashing
    if _hashing is None or _hashing.paths != _index.picked:
        if _hashing is not None:
            _hashing.close()
        _hashing = Hashing(_index.picked)
    return {"done": _hashing.step(budget)}


@entry_point
def review_plan(parts: int) -> dict[str, Any]:
    """Worker 0: the identity to search for and the DICOM files cut into ``parts`` runs, one per
    worker, so that every core reviews (see dicompeek.privacy.merge)."""
    return plan_review(_index, parts)


@entry_point
def review_start(part: dict[str, Any], identity: Any) -> dict[str, Any]:
    """Any worker: start reviewing one part of a plan (every worker can read every entry); the
    part started before, finished or not, is dropped. Its progress (:func:`review_step`)."""
    global _part
    _part = PartReview(_index, part, identity)
    return _part.progress()


@entry_point
def review_step(budget: float = 0.1) -> dict[str, Any]:
    """Review this worker's part for about ``budget`` seconds: {"files", "total", "done"}. The
    page cancels by asking for no more steps."""
    if _part is None:
        raise RuntimeError("no part of a review was started (review_start)")
    return _part.step(budget)


@entry_point
def review_state() -> dict[str, Any]:
    """The state of this worker's part once it is done, for :func:`privacy_review` on worker 0."""
    global _part
    if _part is None:
        raise RuntimeError("no part of a review was started (review_start)")
    state, _part = _part.state(), None
    return state


@entry_point(decodes_pixels=True)
def ocr_start(part: dict[str, Any], identity: Any, engine: str) -> dict[str, Any]:
    """Any worker: start the burned-in text pass over one part of a plan, read by ``engine``."""
    global _ocr
    _ocr = burned_in_part(_index, part, identity, engine)
    return _ocr.progress()


@entry_point(decodes_pixels=True, binary=True)
def ocr_next(args_json: str) -> tuple[str, bytes]:
    """The next image of this worker's pass: ({"key", "label"}, PGM), or ({"key": null}, no bytes)."""
    pending = _ocr_job().next_image()
    if pending is None:
        return json.dumps({"key": None}), b""
    return json.dumps({"key": pending.key, "label": pending.source.label()}), pgm(pending.image)


@entry_point
def ocr_take(key: int, tsv: str) -> dict[str, Any]:
    """What tesseract.js read in image ``key`` (its TSV); the pass's progress."""
    job = _ocr_job()
    job.take(key, words_from_tsv(tsv))
    return job.progress()


@entry_point
def ocr_state() -> dict[str, Any]:
    """The state of this worker's pass, for :func:`privacy_review` on worker 0."""
    global _ocr
    state, _ocr = _ocr_job().state(), None
    return state


def _ocr_job() -> BurnedInJob:
    if _ocr is None:
        raise RuntimeError("no burned-in text pass was started (ocr_start)")
    return _ocr


@entry_point
def review_reruns(identity: Any, found: list[Any]) -> list[list[Any]]:
    """[part, identity] of the parts to review again (``found``: each part's, in part order)."""
    return reruns(identity, found)


@entry_point
def privacy_review(states: list[dict[str, Any]] | None = None,
                   burned_in: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Review everything loaded for what can identify a person (see dicompeek.privacy): in one
    pass here, or (worker 0) by merging the states of :func:`review_state` in part order, with
    those of :func:`ocr_state` when the burned-in text was read."""
    global _review
    # the verdict does not wait for the inputs' SHA-256: review_provenance() completes it
    _review = (review(_index) if states is None
               else merge_review(_index, states, hash_inputs=False, burned_in=burned_in))
    return _review


@entry_point
def review_provenance() -> dict[str, Any]:
    """The last review's provenance with every input hashed (the rest of the hashing done now)."""
    if _review is None:
        raise ValueError("no review yet")
    _review["provenance"] = completed(_index.picked, _review["provenance"])
    return dict(_review["provenance"])


@entry_point
def review_report(form: str, masked: bool = False) -> dict[str, str]:
    """The last review as a download: form "html", "json" or "csv"."""
    result = _review if _review is not None else privacy_review()
    review_provenance()  # a report always names its inputs' SHA-256
    if form == "html":
        return {"text": report_html(result, masked=masked), "name": "privacy-review.html"}
    if form == "csv":
        return {"text": report_csv(result, masked=masked), "name": "privacy-review.csv"}
    shown = masked_result(result) if masked else result
    return {"text": json.dumps(shown, indent=1, ensure_ascii=False), "name": "privacy-review.json"}


# --- "Make a de-identified copy…" on every worker (see dicompeek.app.worker_copy) -------------

@entry_point
def deid_pseudonyms(csv_text: str) -> list[list[str]]:
    """A pseudonym table's CSV as [original ID, new name, new ID] rows (raises naming a bad line)."""
    return worker_copy.pseudonym_rows(csv_text)


@entry_point
def deid_preview(options: list[str], salt: str, pseudonym_csv: str, record: int | None = None) -> dict[str, Any]:
    """What the copy with these settings does to one instance (:func:`.preview.preview`)."""
    return preview_copy(_index, worker_copy.settings_of(options, salt, pseudonym_csv, False), record)


@entry_point
def deid_series() -> list[dict[str, Any]]:
    """Every series loaded, for drawing boxes on its frames (worker_copy.series_list)."""
    return worker_copy.series_list(_index)


@entry_point
def deid_start(options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool,
               boxes: list[str] | None = None, engine: str | None = None) -> dict[str, Any]:
    """Worker 0: start the copy of everything loaded (reading the burned-in text first with ``engine``)."""
    return _deid.start(_index, options, salt, pseudonym_csv, keep_non_dicom, boxes, engine)


@entry_point(decodes_pixels=True, binary=True)
def deid_ocr_next(args_json: str) -> tuple[str, bytes]:
    """The next image of the copy's text pass, a PGM file, or none now (PageCopy.next_image)."""
    meta, image = _deid.page().next_image()
    return json.dumps(meta), image


@entry_point
def deid_ocr_take(key: int, tsv: str) -> dict[str, Any]:
    """What tesseract.js read in the copy's image ``key`` (its TSV); the copy's progress."""
    return _deid.page().take(key, tsv)


@entry_point
def deid_plan(parts: int) -> dict[str, Any]:
    """Worker 0, the text read: the copy cut into at most ``parts`` parts (PageCopy.plan)."""
    return _deid.page().plan(parts)


@entry_point
def deid_part(options: list[str], salt: str, keep_non_dicom: bool, boxes: list[str] | None,
              shared: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Any worker: write one part of the plan to this worker's part file (with :func:`deid_step`)."""
    return _deid.part(_index, options, salt, keep_non_dicom, boxes, shared, part)


@entry_point(decodes_pixels=True)
def deid_step(budget: float = 0.1) -> dict[str, Any]:
    """This worker's job of the copy for about ``budget`` seconds: {"files", "total", "done", …}."""
    return _deid.step(budget)


@entry_point
def deid_state() -> dict[str, Any]:
    """This worker's finished job's state (WorkerCopy.state), for worker 0."""
    return _deid.state()


@entry_point(binary=True)
def deid_join(args_json: str) -> tuple[str, bytes]:
    """Worker 0: the parts' states as one copy: (its report in counts, the central directory's bytes)."""
    report, central = _deid.join(*json.loads(args_json))
    return json.dumps(report), central


@entry_point
def deid_review_open(path: str, indexing: bool) -> dict[str, Any]:
    """Any worker: open the finished copy at ``path`` for its review (worker 0 ``indexing`` it)."""
    return _deid.review_open(path, indexing)


@entry_point
def deid_review_plan(parts: int) -> dict[str, Any]:
    """Worker 0, the copy indexed: the copy's review plan (as review_plan's)."""
    return _deid.review_plan(parts)


@entry_point
def deid_review_part(part: dict[str, Any], identity: Any) -> dict[str, Any]:
    """Any worker: start reviewing a part of the copy's review plan (with :func:`deid_step`)."""
    return _deid.review_part(part, identity)


@entry_point
def deid_review(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Worker 0: the privacy review of the finished copy, merged from its parts' states."""
    return _deid.review(states)


@entry_point
def deid_mapping() -> dict[str, str]:
    """What the last copy replaced (original ID → pseudonym, old → new UID) as CSV: sensitive."""
    return _deid.mapping_file()


@entry_point
def deid_cancel() -> dict[str, bool]:
    """Drop the copy under way and what was replaced (the worker deletes its part file)."""
    return _deid.cancel()


@entry_point
def identifying_tags() -> dict[str, Any]:
    """What "Hide patient data" hides in the tag browser and the masked exports ("tags" as 8 hex
    digits, "patterns" such as "60XX3000", "vrs"): see :func:`.masking.identifying`."""
    tags, patterns = masking.identifying()
    return {"tags": [f"{tag:08X}" for tag in sorted(tags)], "patterns": list(patterns),
            "vrs": sorted(masking.IDENTIFYING_VRS)}


@entry_point
def use_codecs() -> dict[str, Any]:
    """Add the page's codecs (registered by the worker as a JS module) to pydicom's decoders."""
    return {"syntaxes": wasm_decoders.register()}


#: What the worker calls on this module (the entry points themselves are called through ``call``).
__all__ = ["call", "call_binary", "entry_points"]
