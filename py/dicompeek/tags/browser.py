"""The tag browser's side in the worker: headers, series variation, comparison, exports.

It works on the same :class:`Index` as the viewer and reads whole instances
through the same cache (:class:`~dicompeek.dicom.cache.InstanceCache`, given to
both by the worker), so the header of the slice on screen is not read twice.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from pydicom.dataset import Dataset

from dicompeek.dicom.cache import InstanceCache
from dicompeek.dicom.errors import describe
from dicompeek.dicom.instances import Instance, read
from dicompeek.index.indexer import Index
from dicompeek.index.series import order_frames
from dicompeek.tags.exports import dicom_json, series_csv
from dicompeek.tags.tree import dump_text, instance_tree
from dicompeek.tags.variation import compare, series_variation


class TagBrowser:
    """Every request answers with plain data and never raises for what is in a file: a file that
    cannot be read gives its reason (``error``), an element that cannot be decoded a warning on
    its node, and the other files of a series are compared without it."""

    def __init__(self, index: Index, cache: InstanceCache | None = None) -> None:
        self.index = index
        self.cache = cache if cache is not None else InstanceCache(index)

    def header(self, entry: int) -> dict[str, Any]:
        """The whole header of one instance as a tree, with where it comes from."""
        location = self._location(entry)
        try:
            instance, note = self._instance(entry)
            tree = instance_tree(instance)
        except Exception as exc:
            reason = describe(exc)
            return {"entry": entry, "location": location, "preamble": f"cannot read this file: {reason}",
                    "meta": [], "elements": [], "count": 0, "error": reason}
        return {"entry": entry, "location": location, **tree,
                **({"preamble": f"{tree['preamble']} ({note})", "warning": note} if note else {})}

    def dump(self, entry: int) -> dict[str, str]:
        name = f"{_file_name(self._location(entry))}.txt"
        try:
            instance, note = self._instance(entry)
            text = dump_text(instance_tree(instance))
        except Exception as exc:
            reason = describe(exc)
            return {"text": f"# cannot read this file: {reason}\n", "name": name, "error": reason}
        return {"text": f"# {note}\n{text}" if note else text, "name": name}

    def dicom_json(self, entry: int) -> dict[str, str]:
        location = self._location(entry)
        name = f"{_file_name(location)}.json"
        try:
            return {"text": dicom_json(self._instance(entry)[0].dataset, location), "name": name}
        except Exception as exc:
            return {"text": "", "name": name, "error": describe(exc)}

    def variation(self, study_uid: str, series_uid: str) -> dict[str, Any]:
        datasets, unreadable = self._series_headers(study_uid, series_uid)
        result = series_variation(datasets)
        if unreadable:
            result["unreadable"] = unreadable
        return result

    def series_csv(self, study_uid: str, series_uid: str, fields: list[str]) -> dict[str, str]:
        datasets, unreadable = self._series_headers(study_uid, series_uid)
        text = series_csv(datasets, fields)
        if unreadable:  # listed too, so that the CSV still has a row per instance
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for file in unreadable:
                writer.writerow([file["location"], f"<unreadable: {file['reason']}>", *[""] * (len(fields) - 1)])
            text += buffer.getvalue()
        return {"text": text, "name": f"series-{_file_name(series_uid)}.csv"}

    def compare(self, first: int, second: int) -> dict[str, Any]:
        out: dict[str, Any] = {"first": self._location(first), "second": self._location(second)}
        try:
            a = self._header_only(first)
            b = self._header_only(second)
            return {**out, **compare(a, b)}
        except Exception as exc:
            return {**out, "rows": [], "differences": 0, "error": f"cannot compare: {describe(exc)}"}

    def instances(self) -> list[dict[str, Any]]:
        """Every DICOM file loaded, for choosing two to compare."""
        return [{"entry": r.entry, "location": r.location,
                 "series": str(r.fields.get("SeriesDescription") or ""),
                 "instance": r.fields.get("InstanceNumber")} for r in self.index.dicom]

    def _instance(self, entry: int) -> tuple[Instance, str | None]:
        """The whole instance of ``entry`` (from the cache the viewer shares); if the whole file
        cannot be read (too large, damaged past the header), its header alone, with a note saying why."""
        try:
            return self.cache.get(entry), None
        except Exception as exc:
            whole = describe(exc)
        return read(self.index.sources.entries[entry], pixels=False), f"header only: {whole}"

    def _header_only(self, entry: int) -> Dataset:
        return read(self.index.sources.entries[entry], pixels=False).dataset

    def _series_headers(self, study_uid: str, series_uid: str) -> tuple[list[tuple[str, Any]], list[dict[str, str]]]:
        """The headers of a series in viewing order, and the files among them that cannot be read."""
        records = self.index.series_records(study_uid, series_uid)
        entries = list(dict.fromkeys(frame.entry for frame in order_frames(records, every_frame=False)))
        locations = {r.entry: r.location for r in records}
        datasets, unreadable = [], []
        for e in entries:
            try:
                datasets.append((locations[e], self._header_only(e)))
            except Exception as exc:
                unreadable.append({"location": locations[e], "reason": describe(exc)})
        return datasets, unreadable

    def _location(self, entry: int) -> str:
        return self.index.sources.entries[entry].location


def _file_name(text: str) -> str:
    """A safe download name from an entry's location or a UID."""
    base = text.rsplit("::", 1)[-1].rsplit("/", 1)[-1] or "header"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base)[:80]
