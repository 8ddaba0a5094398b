"""The tag browser's side in the worker: headers, series variation, comparison, exports.

It works on the same :class:`Index` as the viewer and borrows the viewer's
cache, so the header of the slice on screen is not read twice.
"""

from __future__ import annotations

import re
from typing import Any

from .exports import dicom_json, series_csv
from .index import Index
from .instances import read_instance, series_records
from .series import order_frames
from .tags import dump_text, header_tree
from .variation import compare, series_variation
from .viewer import Viewer


class TagBrowser:
    def __init__(self, index: Index, viewer: Viewer) -> None:
        self.index = index
        self.viewer = viewer

    def header(self, entry: int) -> dict[str, Any]:
        """The whole header of one instance as a tree, with where it comes from."""
        return {"entry": entry, "location": self._location(entry), **header_tree(self.viewer.dataset(entry))}

    def dump(self, entry: int) -> dict[str, str]:
        tree = header_tree(self.viewer.dataset(entry))
        return {"text": dump_text(tree), "name": f"{_file_name(self._location(entry))}.txt"}

    def dicom_json(self, entry: int) -> dict[str, str]:
        location = self._location(entry)
        return {"text": dicom_json(self.viewer.dataset(entry), location), "name": f"{_file_name(location)}.json"}

    def variation(self, study_uid: str, series_uid: str) -> dict[str, Any]:
        return series_variation(self._series_headers(study_uid, series_uid))

    def series_csv(self, study_uid: str, series_uid: str, fields: list[str]) -> dict[str, str]:
        text = series_csv(self._series_headers(study_uid, series_uid), fields)
        return {"text": text, "name": f"series-{_file_name(series_uid)}.csv"}

    def compare(self, first: int, second: int) -> dict[str, Any]:
        a = read_instance(self.index, first, pixels=False)
        b = read_instance(self.index, second, pixels=False)
        return {"first": self._location(first), "second": self._location(second), **compare(a, b)}

    def instances(self) -> list[dict[str, Any]]:
        """Every DICOM file loaded, for choosing two to compare."""
        return [{"entry": r.entry, "location": r.location,
                 "series": str(r.fields.get("SeriesDescription") or ""),
                 "instance": r.fields.get("InstanceNumber")} for r in self.index.dicom]

    def _series_headers(self, study_uid: str, series_uid: str) -> list[tuple[str, Any]]:
        records = series_records(self.index, study_uid, series_uid)
        entries = list(dict.fromkeys(frame.entry for frame in order_frames(records)))
        locations = {r.entry: r.location for r in records}
        return [(locations[e], read_instance(self.index, e, pixels=False)) for e in entries]

    def _location(self, entry: int) -> str:
        return self.index.sources.entries[entry].location


def _file_name(text: str) -> str:
    """A safe download name from an entry's location or a UID."""
    base = text.rsplit("::", 1)[-1].rsplit("/", 1)[-1] or "header"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base)[:80]
