"""An RT structure set's contours tied to the images loaded with it: each contour finds the frames
it lies on, and its points become those frames' pixel coordinates, for the page to draw.

Why apart from :mod:`.rtstruct`: reading needs nothing but the dataset; linking needs the index
of the files loaded with it (as :mod:`.sr_links` does for a report's coordinates).

Which frames a contour is drawn on (:func:`link_structures`):

1. by reference: each image of its Contour Image Sequence that is loaded (by SOP Instance UID),
   on the frame named (from 1), or, for a multi-frame image when no frame is named, its frame
   nearest the contour (as by position below). A contour farther from the plane of the image it
   references than that image's tolerance is drawn there all the same, and counted in the errors;
2. else by position: on each candidate series, the slice whose plane every point of the contour
   lies within the tolerance of, the nearest if several (and any other slice of the series at the
   same place). The candidates are the single-frame images of the series the structure set
   lists (RT Referenced Series) when any of them is loaded, else of the structure set's study.
   The tolerance is half the image's Slice Thickness, else half the smallest gap between slices
   of its series, else :data:`DEFAULT_TOLERANCE`.

The index keeps no Frame of Reference UID (``FrameOfReferenceUID`` is not among
:data:`dicompeek.dicom.header.FIELDS`), so matching by position compares the geometry alone,
within the candidates above; if a record does carry one, it must be the ROI's. Multi-frame images
are matched by reference only (their frames' planes are in headers the index does not keep).

A contour that matches no loaded frame is counted in ``"unmatched"``, never dropped silently.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.dicom.cache import InstanceCache
from dicompeek.dicom.instances import read
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import frame_count
from dicompeek.objects.rtstruct import RT_STRUCTURE_SET_STORAGE, Contour, Roi, StructureSet, read_structure_set
from dicompeek.pixels.geometry import Plane, fields_plane, frame_plane

#: How far (mm) a contour may lie from a slice without a Slice Thickness or neighbours to judge by.
DEFAULT_TOLERANCE = 1.0
#: Slices of one series this close (mm) along the normal are at the same place (duplicates).
SAME_PLACE = 0.05
#: The page's graphic for each Contour Geometric Type (web/graphics.js draws these).
GRAPHICS = {"CLOSED_PLANAR": "POLYGON", "OPEN_PLANAR": "POLYLINE", "OPEN_NONPLANAR": "POLYLINE", "POINT": "POINT"}
#: Decimals kept of a pixel coordinate (a thousandth of a pixel; keeps the page's data small).
DECIMALS = 3

#: Reads the header of a record's file (for a multi-frame image's planes); None when it cannot.
HeaderReader = Callable[[DicomRecord], Dataset | None]


def series_structures(index: Index, cache: InstanceCache, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
    """Every RT structure set of a series, linked to what is loaded (:func:`link_structures`),
    with its file's location and entry; a file that cannot be read says why in ``"error"`` (and
    in ``"errors"``) with nothing to draw, and the others are still read."""
    def header(record: DicomRecord) -> Dataset | None:
        try:
            return read(index.sources.entries[record.entry], pixels=False,
                        header_length=record.header_length).dataset
        except Exception:  # no planes for this image: its contours are counted as unmatched
            return None

    out = []
    for record in index.series_records(study_uid, series_uid):
        if str(record.fields.get("SOPClassUID") or "") != RT_STRUCTURE_SET_STORAGE:
            continue
        try:
            linked = link_structures(read_structure_set(cache.get(record.entry).dataset), index.dicom, header)
        except Exception as exc:  # one unreadable structure set does not hide the others
            reason = f"cannot read this structure set: {exc}"
            linked = {"label": "", "name": "", "referenced_series": [], "rois": [], "graphics": [], "targets": [],
                      "unmatched": 0, "skipped": 0, "errors": [reason], "error": reason}
        out.append({"location": record.location, "entry": record.entry, **linked})
    return out


def link_structures(structure: StructureSet, records: list[DicomRecord],
                    header: HeaderReader | None = None) -> dict[str, Any]:
    """The structure set as the page draws it::

        {"label", "name", "referenced_series": [uid, ...],
         "rois": [{"number", "name", "description", "colour": [r, g, b], "colour_from_file",
                   "type", "algorithm", "frame_of_reference", "contours", "drawn"}],
         "graphics": [{"entry", "frame", "graphic": "POLYGON" | "POLYLINE" | "POINT",
                       "points": [[x, y], ...], "roi", "colour", "how": "reference" | "position",
                       "target": {"study_uid", "series_uid", "entry", "frame"}}],
         "targets": [{"study_uid", "series_uid", "graphics"}],
         "unmatched", "skipped", "errors": [...]}

    ``label``: Structure Set Label, else its Name. ``frame``: from 0. ``points``: pixel
    coordinates, (0, 0) the top-left corner of the frame (:mod:`dicompeek.pixels.geometry`).
    ``contours``: the ROI's contours read; ``drawn``: those on at least one loaded frame;
    ``unmatched``: contours on none; ``skipped``: contours that could not be read. ``targets``:
    the series the graphics are on, with how many each. ``header`` reads a record's header, for
    multi-frame images referenced without a frame number (without it they are not matched)."""
    images = _Images(records, structure, header)
    problems: Counter[str] = Counter()
    graphics: list[dict[str, Any]] = []
    rois, unmatched = [], 0
    for roi in structure.rois:
        drawn = 0
        for contour in roi.contours:
            found = images.match(contour, roi, problems)
            drawn += bool(found)
            unmatched += not found
            graphics += [_graphic(contour, roi, record, frame, plane, how) for record, frame, plane, how in found]
        rois.append({"number": roi.number, "name": roi.name, "description": roi.description,
                     "colour": list(roi.colour), "colour_from_file": roi.colour_from_file,
                     "type": roi.interpreted_type, "algorithm": roi.generation_algorithm,
                     "frame_of_reference": roi.frame_of_reference, "contours": len(roi.contours), "drawn": drawn})
    targets: Counter[tuple[str, str]] = Counter((g["target"]["study_uid"], g["target"]["series_uid"]) for g in graphics)
    return {"label": structure.label or structure.name, "name": structure.name,
            "referenced_series": list(structure.referenced_series), "rois": rois, "graphics": graphics,
            "targets": [{"study_uid": study, "series_uid": series, "graphics": count}
                        for (study, series), count in targets.items()],
            "unmatched": unmatched, "skipped": structure.skipped,
            "errors": [*structure.problems,
                       *(f"{count} × {reason}" if count > 1 else reason for reason, count in problems.items())]}


def _graphic(contour: Contour, roi: Roi, record: DicomRecord, frame: int, plane: Plane, how: str) -> dict[str, Any]:
    points = np.round(plane.to_pixels(contour.points), DECIMALS).tolist()
    return {"entry": record.entry, "frame": frame, "graphic": GRAPHICS[contour.geometric_type], "points": points,
            "roi": roi.number, "colour": list(roi.colour), "how": how,
            "target": {"study_uid": str(record.fields.get("StudyInstanceUID") or ""),
                       "series_uid": str(record.fields.get("SeriesInstanceUID") or ""),
                       "entry": record.entry, "frame": frame}}


@dataclass
class _Stack:
    """The single-frame images of one series in one orientation, ordered along the normal."""

    normal: np.ndarray
    positions: list[float] = field(default_factory=list)
    slices: list[tuple[DicomRecord, Plane]] = field(default_factory=list)
    gap: float | None = None


Found = list[tuple[DicomRecord, int, Plane, str]]


class _Images:
    """The loaded images a structure set's contours may lie on (see the module)."""

    def __init__(self, records: list[DicomRecord], structure: StructureSet, header: HeaderReader | None) -> None:
        self.by_uid = {str(r.fields.get("SOPInstanceUID")): r for r in records if r.fields.get("SOPInstanceUID")}
        self.header = header
        self._planes: dict[int, list[Plane | None]] = {}
        referenced = set(structure.referenced_series)
        candidates = [r for r in records if r.fields.get("SeriesInstanceUID") in referenced]
        if not candidates:
            candidates = [r for r in records if structure.study_instance_uid
                          and r.fields.get("StudyInstanceUID") == structure.study_instance_uid]
        self.stacks = _stacks(r for r in candidates if frame_count(r) == 1)

    def planes(self, record: DicomRecord) -> list[Plane | None]:
        """Each frame's plane of ``record`` (None where it states none)."""
        if record.entry not in self._planes:
            count = frame_count(record)
            if count == 1:
                self._planes[record.entry] = [fields_plane(record.fields)]
            else:
                ds = self.header(record) if self.header else None
                self._planes[record.entry] = [frame_plane(ds, k) if ds is not None else None for k in range(count)]
        return self._planes[record.entry]

    def match(self, contour: Contour, roi: Roi, problems: Counter[str]) -> Found:
        found = self._by_reference(contour, problems)
        return found or self._by_position(contour, roi)

    def _by_reference(self, contour: Contour, problems: Counter[str]) -> Found:
        found: Found = []
        for uid, number in contour.images:
            record = self.by_uid.get(uid)
            if record is None:
                continue
            planes = self.planes(record)
            if number is None and len(planes) > 1:
                frames = _nearest(planes, contour, _half_thickness(record) or DEFAULT_TOLERANCE)
            elif number is not None and not 1 <= number <= len(planes):
                problems[f"contours reference frame {number} of an image of {len(planes)} frames"] += 1
                continue
            else:
                frames = [number - 1 if number is not None else 0]
            for frame in frames:
                plane = planes[frame]
                if plane is None:
                    problems["contours reference an image without Image Position/Orientation (Patient) "
                             "and Pixel Spacing: not drawn there"] += 1
                    continue
                tolerance = _half_thickness(record) or DEFAULT_TOLERANCE
                if float(np.abs(plane.distances(contour.points)).max()) > tolerance:
                    problems["contours lie off the plane of the image they reference (drawn there all the same)"] += 1
                found.append((record, frame, plane, "reference"))
        return found

    def _by_position(self, contour: Contour, roi: Roi) -> Found:
        found: Found = []
        for stack in self.stacks:
            wanted = roi.frame_of_reference
            along = contour.points @ stack.normal
            middle = float(along.min() + along.max()) / 2
            at = bisect.bisect_left(stack.positions, middle)
            best = min((k for k in (at - 1, at) if 0 <= k < len(stack.positions)),
                       key=lambda k: float(np.abs(along - stack.positions[k]).max()), default=None)
            if best is None:
                continue
            tolerance = _half_thickness(stack.slices[best][0]) or (stack.gap / 2 if stack.gap else DEFAULT_TOLERANCE)
            if float(np.abs(along - stack.positions[best]).max()) > tolerance:
                continue
            for position, (record, plane) in zip(stack.positions, stack.slices, strict=True):
                known = str(record.fields.get("FrameOfReferenceUID") or "")
                if abs(position - stack.positions[best]) <= SAME_PLACE and not (known and wanted and known != wanted):
                    found.append((record, 0, plane, "position"))
        return found


def _stacks(records: Iterable[DicomRecord]) -> list[_Stack]:
    """The records with a plane, by series and orientation, each stack sorted along its normal."""
    groups: dict[tuple[Any, ...], list[tuple[float, DicomRecord, Plane]]] = defaultdict(list)
    for record in records:
        plane = fields_plane(record.fields)
        if plane is not None:
            key = (record.fields.get("SeriesInstanceUID"), *np.round((*plane.row, *plane.column), 3))
            groups[key].append((plane.position(), record, plane))
    stacks = []
    for members in groups.values():
        members.sort(key=lambda m: m[0])
        stack = _Stack(np.asarray(members[0][2].normal), [m[0] for m in members], [(m[1], m[2]) for m in members])
        gaps = [b - a for a, b in zip(stack.positions, stack.positions[1:], strict=False) if b - a > SAME_PLACE]
        stack.gap = min(gaps) if gaps else None
        stacks.append(stack)
    return stacks


def _nearest(planes: list[Plane | None], contour: Contour, tolerance: float) -> list[int]:
    """The frame (of a multi-frame image) nearest the contour, within ``tolerance``: [] or [k]."""
    best, distance = None, float("inf")
    for k, plane in enumerate(planes):
        if plane is not None:
            d = float(np.abs(plane.distances(contour.points)).max())
            if d < distance:
                best, distance = k, d
    return [best] if best is not None and distance <= tolerance else []


def _half_thickness(record: DicomRecord) -> float | None:
    """Half the record's Slice Thickness (mm), when it states a positive one."""
    try:
        value = float(str(record.fields.get("SliceThickness") or "").split("\\")[0])
    except ValueError:
        return None
    return value / 2 if value > 0 and np.isfinite(value) else None
