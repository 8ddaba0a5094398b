"""What the viewer can draw over a series: the derived objects loaded with it (segmentations,
RT structure sets, presentation states, structured reports) that refer to it, and a
segmentation's masks for one frame of it.

Why one place: the viewer asks once, when it opens a series, "what is there to lay over these
images?", and shows the answer as its list of layers; each kind is read by its own module
(:mod:`.seg`, :mod:`.sr`, ...), this one only finds which loaded files refer to the series and
hands each kind's reading to the page.

A file refers to a series when it names the series (Referenced Series Sequence, a report's
evidence, an RT structure set's referenced series), or names one of its instances (a source image,
a referenced image), or, for a segmentation, lies in the same Frame of Reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicompeek.dicom.cache import InstanceCache
from dicompeek.dicom.instances import read
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.objects.presentation import read_presentation_state
from dicompeek.objects.presentation_links import link_presentation
from dicompeek.objects.rtstruct import read_structure_set
from dicompeek.objects.rtstruct_links import link_structures
from dicompeek.objects.seg import (
    LABEL_MAP_STORAGE,
    SEG_STORAGE,
    Match,
    NotRelated,
    Segment,
    Segmentation,
    check_size,
    match_frames,
    read_segmentation,
    segment_mask,
)
from dicompeek.objects.sr import SR_PREFIX

RT_STRUCTURE_SET = "1.2.840.10008.5.1.4.1.1.481.3"
#: Presentation states: grayscale, colour, pseudo-colour, blending (PS3.4 B.5).
PRESENTATION_STATES = tuple(f"1.2.840.10008.5.1.4.1.1.11.{n}" for n in (1, 2, 3, 4))
#: References are looked for this deep in a file's sequences (a report's content tree nests).
MAX_DEPTH = 32


def kind_of(sop_class: str) -> str | None:
    """"SEG", "RTSTRUCT", "PR" or "SR" for the SOP classes drawn over images, else None."""
    if sop_class in (SEG_STORAGE, LABEL_MAP_STORAGE):
        return "SEG"
    if sop_class == RT_STRUCTURE_SET:
        return "RTSTRUCT"
    if sop_class in PRESENTATION_STATES:
        return "PR"
    if sop_class.startswith(SR_PREFIX):
        return "SR"
    return None


class ObjectLayers:
    """The derived objects of what is loaded, read once per file while the file stays cached."""

    def __init__(self, index: Index, cache: InstanceCache) -> None:
        self._index = index
        self._cache = cache
        self._segmentations: dict[int, tuple[Dataset, Segmentation]] = {}
        self._records: dict[int, DicomRecord] = {}  # the index's records by entry, for _known

    def related(self, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
        """Each loaded derived object that refers to the series, in index order: {"kind", "entry",
        "location", "study_uid", "series_uid", "label"} and by kind:

        - SEG: "segments" [{"number", "label", "description", "category", "type", "colour",
          "algorithm_type"}] (the masks come per frame, :meth:`seg_masks`); a segmentation of the
          series itself (it was opened) has "own": true;
        - RTSTRUCT: "rois" and the "graphics" on this series' frames (:func:`link_structures`);
        - PR: "description", and the "graphics", "texts" and "windows" on this series' frames
          (:func:`link_presentation`), "transform";
        - SR: nothing more (the page opens the report as a document).

        RTSTRUCT and PR add "errors" (what could not be drawn); a file that cannot be read is
        listed with "error" (the others still are)."""
        images = self._index.series_records(study_uid, series_uid)
        entries = {r.entry for r in images}
        instances = {str(r.fields.get("SOPInstanceUID")) for r in images}
        found = []
        for record in self._index.dicom:
            kind = kind_of(str(record.fields.get("SOPClassUID", "")))
            if kind is None or (record.entry in entries and kind != "SEG"):
                continue
            if record.entry in entries:  # a segmentation opened itself: its frames in their segments' colours
                try:
                    ds, seg = self._segmentation(record.entry)
                    found.append({**_identity(record, kind), "label": _label(ds), "own": True,
                                  "segments": [_segment(s) for s in seg.segments]})
                except Exception as exc:
                    found.append({**_identity(record, kind), "error": f"cannot read this SEG: {exc}"})
                continue
            try:
                described = self._describe(record, kind, series_uid, images, entries, instances)
            except Exception as exc:  # one unreadable file does not hide the others
                described = {"error": f"cannot read this {kind}: {exc}"}
            if described is not None:
                found.append({**_identity(record, kind), **described})
        return found

    def seg_masks(self, seg_entry: int, entry: int, frame: int) -> tuple[dict[str, Any], bytes]:
        """Segmentation ``seg_entry``'s masks on frame ``frame`` (from 0) of instance ``entry``: the
        metadata {"rows", "columns", "segments" (the numbers present, in drawing order), "how"} or
        {"error"}, and the masks, one rows × columns bit array per segment present, one after the
        other, each packed 8 pixels a byte (least significant bit first, as 1-bit DICOM pixels) and
        padded to a whole byte: an eighth of the bytes to carry to the page. On the segmentation
        itself (``entry`` is ``seg_entry``), that frame's own segment ("how": "own").

        An image the SEG names by its SOP Instance UID is matched from what the index knows of it;
        only matching by plane reads its header (the render reads the file anyway)."""
        try:
            ds, seg = self._segmentation(seg_entry)
            if entry == seg_entry:
                if not 0 <= frame < len(seg.frames):
                    raise ValueError(f"the segmentation has no frame {frame + 1}")
                match = Match((frame,), "own")
            else:
                image = self._known(entry, seg) or self._cache.get(entry).dataset
                check_size(seg, int(image.get("Rows", 0) or 0), int(image.get("Columns", 0) or 0))
                match = match_frames(seg, image, frame)
        except (NotRelated, ValueError) as exc:
            return {"error": str(exc)}, b""
        masks = []
        for segment in seg.segments:
            mask = segment_mask(ds, seg, match.frames, segment.number)
            if mask.any():
                masks.append((segment.number, mask))
        data = b"".join(np.packbits(mask, bitorder="little").tobytes() for _, mask in masks)
        return {"rows": seg.rows, "columns": seg.columns, "segments": [n for n, _ in masks], "how": match.how}, data

    def _known(self, entry: int, seg: Segmentation) -> Dataset | None:
        """What the index knows of image ``entry`` as a dataset (UID, size, frames), when the SEG
        names it by SOP Instance UID: enough to match its frames by reference; else None."""
        if len(self._records) != len(self._index.dicom):
            self._records = {r.entry: r for r in self._index.dicom}
        record = self._records.get(entry)
        uid = str(record.fields.get("SOPInstanceUID") or "") if record else ""
        if record is None or uid not in seg.by_source:
            return None
        known = Dataset()
        known.SOPInstanceUID = uid
        for keyword in ("Rows", "Columns", "NumberOfFrames", "SeriesInstanceUID"):
            if keyword in record.fields:
                setattr(known, keyword, record.fields[keyword])
        return known

    def _segmentation(self, entry: int) -> tuple[Dataset, Segmentation]:
        """The segmentation of ``entry``, read again only when the cache read the file again."""
        ds = self._cache.get(entry).dataset
        known = self._segmentations.get(entry)
        if known is None or known[0] is not ds:
            known = (ds, read_segmentation(ds))
            self._segmentations[entry] = known
        return known

    def _describe(self, record: DicomRecord, kind: str, series_uid: str, images: list[DicomRecord],
                  entries: set[int], instances: set[str]) -> dict[str, Any] | None:
        """What the layer list shows of ``record`` when it refers to the series (whose records are
        ``images``, at ``entries``, with SOP Instance UIDs ``instances``), else None."""
        if kind == "SEG":
            ds, seg = self._segmentation(record.entry)
            refers = series_uid in seg.referenced_series or not seg.by_source.keys().isdisjoint(instances) \
                or self._same_frame_of_reference(seg, images)
            return {"label": _label(ds), "segments": [_segment(s) for s in seg.segments]} if refers else None
        ds = self._cache.get(record.entry).dataset
        if kind == "RTSTRUCT":
            structures = link_structures(read_structure_set(ds), self._index.dicom, self._header)
            graphics = [_drawn_on(g) for g in structures["graphics"] if g["entry"] in entries]
            if not graphics and series_uid not in structures["referenced_series"]:
                return None
            return {"label": structures["label"] or _label(ds), "rois": structures["rois"], "graphics": graphics,
                    "errors": _unmatched(structures["errors"], structures["unmatched"])}
        if kind == "PR":
            state = link_presentation(read_presentation_state(ds), self._index.dicom)
            drawn = {key: [g for g in state[key] if g["entry"] in entries] for key in ("graphics", "texts", "windows")}
            if not any(drawn.values()):
                return None
            return {"label": state["label"] or _label(ds), "description": state["description"], **drawn,
                    "transform": state["transform"], "errors": state["errors"]}
        series, sop_instances = referenced_uids(ds)
        if series_uid not in series and not sop_instances & instances:
            return None
        return {"label": _label(ds)}

    def _same_frame_of_reference(self, seg: Segmentation, images: list[DicomRecord]) -> bool:
        """Whether the series' first image is in the SEG's Frame of Reference (read only when the
        SEG names neither the series nor any of its images: the index does not keep it)."""
        if not seg.frame_of_reference or not images:
            return False
        return seg.frame_of_reference == str(self._cache.get(images[0].entry).dataset.get("FrameOfReferenceUID", ""))

    def _header(self, record: DicomRecord) -> Dataset | None:
        """A record's header (an RT contour on a multi-frame image needs its frames' planes)."""
        try:
            return read(self._index.sources.entries[record.entry], pixels=False,
                        header_length=record.header_length).dataset
        except Exception:  # no planes for this image: its contours are counted as unmatched
            return None


def referenced_uids(ds: Dataset) -> tuple[set[str], set[str]]:
    """The Series Instance UIDs and Referenced SOP Instance UIDs named anywhere in ``ds``'s
    sequences (not its own): what a report, an RT structure set or a presentation state refers to."""
    series: set[str] = set()
    sop_instances: set[str] = set()
    for item in _items(ds, 0):
        if "SeriesInstanceUID" in item:
            series.add(str(item.SeriesInstanceUID))
        if "ReferencedSOPInstanceUID" in item:
            sop_instances.add(str(item.ReferencedSOPInstanceUID))
    return series, sop_instances


def _items(ds: Dataset, depth: int) -> Iterator[Dataset]:
    """Every item of ``ds``'s sequences, depth first, down to :data:`MAX_DEPTH`."""
    if depth >= MAX_DEPTH:
        return
    for element in ds:
        if element.VR == "SQ" and isinstance(element.value, Sequence):
            for item in element.value:
                yield item
                yield from _items(item, depth + 1)


def _drawn_on(graphic: dict[str, Any]) -> dict[str, Any]:
    """An RT graphic as the viewer draws it (its target is the series on screen)."""
    return {key: value for key, value in graphic.items() if key not in ("target", "how")}


def _unmatched(errors: list[str], unmatched: int) -> list[str]:
    return [*errors, f"{unmatched} contour{'s' if unmatched != 1 else ''} on no loaded image"] if unmatched else errors


def _identity(record: DicomRecord, kind: str) -> dict[str, Any]:
    return {"kind": kind, "entry": record.entry, "location": record.location,
            "study_uid": str(record.fields.get("StudyInstanceUID") or ""),
            "series_uid": str(record.fields.get("SeriesInstanceUID") or "")}


def _label(ds: Dataset) -> str:
    """A name for the layer list: the object's own label, else its series' description."""
    for keyword in ("ContentLabel", "StructureSetLabel", "SeriesDescription", "ContentDescription"):
        value = str(ds.get(keyword, "") or "").strip()
        if value:
            return value
    return ""


def _segment(segment: Segment) -> dict[str, Any]:
    return {"number": segment.number, "label": segment.label, "description": segment.description,
            "category": segment.category.meaning if segment.category else "",
            "type": segment.type.meaning if segment.type else "",
            "colour": list(segment.colour), "algorithm_type": segment.algorithm_type}
