"""A structured report's image references tied to what is loaded: each IMAGE item and each
SCOORD's image learns where that instance is in the index (its series and entry), so the page can
open the frame and draw the coordinates on it.

Why apart from :mod:`.sr`: reading a document needs nothing but the dataset (the command line
prints it as it is); linking needs the index of the files loaded with it, and changes nothing
else in the document.
"""

from __future__ import annotations

from typing import Any

from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.objects.sr import Item, read_document


def series_documents(index: Index, cache: InstanceCache, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
    """Every structured report of a series as a linked document, with its file's location and
    entry; a file that cannot be read is said in its place (the others are still read)."""
    documents = []
    for record in index.series_records(study_uid, series_uid):
        try:
            document = link_references(read_document(cache.get(record.entry).dataset), index.dicom)
        except Exception as exc:  # one unreadable report does not hide the others
            document = {"error": f"cannot read this report: {exc}"}
        documents.append({"location": record.location, "entry": record.entry, **document})
    return documents


def link_references(document: dict[str, Any], records: list[DicomRecord]) -> dict[str, Any]:
    """``document`` with ``"target"`` on each reference whose instance is in ``records``
    ({"study_uid", "series_uid", "entry", "frame"}: frame 0-based, the first referenced one) and,
    on each SCOORD item whose image is loaded, ``"graphics"`` [{"entry", "frame", "graphic",
    "points"}] to draw (on every referenced frame); ``"linked"``: how many references were found."""
    by_uid = {str(r.fields.get("SOPInstanceUID")): r for r in records if r.fields.get("SOPInstanceUID")}
    found = [0]

    def target(reference: dict[str, Any]) -> dict[str, Any] | None:
        record = by_uid.get(reference.get("sop_instance", ""))
        if record is None:
            return None
        frames = reference.get("frames") or [1]
        found[0] += 1
        return {"study_uid": str(record.fields.get("StudyInstanceUID") or ""),
                "series_uid": str(record.fields.get("SeriesInstanceUID") or ""),
                "entry": record.entry, "frame": max(int(frames[0]) - 1, 0)}

    def visit(item: Item) -> None:
        for reference in item.get("references", []):
            reference["target"] = target(reference)
        for child in item.get("children", []):
            visit(child)
        if item.get("type") == "SCOORD":
            graphics = []
            for child in item.get("children", []):
                for reference in child.get("references", []):
                    if reference.get("target"):
                        frames = reference.get("frames") or [1]
                        graphics += [{"entry": reference["target"]["entry"], "frame": int(frame) - 1,
                                      "graphic": item.get("graphic", ""), "points": item.get("points", [])}
                                     for frame in frames]
            item["graphics"] = graphics

    visit(document["content"])
    document["linked"] = found[0]
    return document
