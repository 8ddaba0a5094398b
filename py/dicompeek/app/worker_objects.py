"""The worker's entry points for derived objects: what refers to a series (the viewer's layers), a
segmentation's masks on a frame, a series' structured reports.

Why apart from :mod:`.worker_api`: these calls grow with each kind of object the viewer draws, and
share nothing with indexing, the review or the copy but the index and the instance cache, which
:mod:`.worker_api` hands over (:func:`start`) once numpy is loaded: every reading here needs it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dicompeek.app.entry_points import entry_point
from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.objects.sr_links import series_documents

if TYPE_CHECKING:
    from dicompeek.objects.layers import ObjectLayers

_layers: ObjectLayers  # made by start()
_index: Index
_cache: InstanceCache


def start(index: Index, cache: InstanceCache) -> None:
    """Read derived objects from ``index``'s files through ``cache`` (the viewer's)."""
    global _layers, _index, _cache
    from dicompeek.objects.layers import ObjectLayers  # needs numpy: imported once it is loaded
    _index, _cache, _layers = index, cache, ObjectLayers(index, cache)


@entry_point
def related_objects(study_uid: str, series_uid: str) -> list[dict[str, Any]]:
    """The derived objects loaded that refer to a series: the viewer's list of layers."""
    return _layers.related(study_uid, series_uid)


@entry_point(decodes_pixels=True, binary=True)
def seg_masks(args_json: str) -> tuple[str, bytes]:
    """A segmentation's masks on one frame, as (JSON metadata, one byte per pixel per segment)."""
    seg_entry, entry, frame = json.loads(args_json)
    meta, data = _layers.seg_masks(seg_entry, entry, frame)
    return json.dumps(meta), data


@entry_point
def sr_documents(study_uid: str, series_uid: str) -> list[dict[str, Any]]:
    """The structured reports of a series as documents (the page's report view)."""
    return series_documents(_index, _cache, study_uid, series_uid)
