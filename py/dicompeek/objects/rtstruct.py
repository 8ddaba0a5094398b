"""An RT Structure Set (RTSTRUCT) read into plain data: its ROIs with their names, colours and
contours in patient coordinates, for drawing on the images they were outlined on.

Why with pydicom and numpy alone: the page (Pyodide) draws the contours from this reading, and
the command line can list them. What is read (PS3.3 A.19, C.8.8.5-C.8.8.8; RT Structure Set
Storage, 1.2.840.10008.5.1.4.1.1.481.3):

- Structure Set module: the label and name, the Referenced Frame of Reference Sequence's frames
  of reference and the series it lists (RT Referenced Study → RT Referenced Series), and per ROI
  (Structure Set ROI Sequence) its number, name, description, Referenced Frame of Reference UID
  and ROI Generation Algorithm;
- RT ROI Observations: each ROI's RT ROI Interpreted Type (ORGAN, PTV, EXTERNAL, ...);
- ROI Contour: each ROI's ROI Display Color (else one of :data:`~.seg.PALETTE` by ROI number, as
  for SEG segments) and its contours: Contour Geometric Type (POINT, OPEN_PLANAR,
  OPEN_NONPLANAR, CLOSED_PLANAR), Contour Data as (n, 3) patient coordinates in mm, and the images
  they were drawn on (Contour Image Sequence: Referenced SOP Instance UID and frame numbers).

Real files are read as far as they go: a contour whose data cannot be used (no numbers, a count
not a multiple of three, values that are not finite numbers, an unknown geometric type) is
skipped and counted under its reason in :attr:`StructureSet.problems`; a Number of Contour Points
that disagrees with the Contour Data is counted there too, and the Contour Data is used. Only a
dataset that is not a structure set, or has no ROI at all, raises ``ValueError``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from dicompeek.objects.seg import PALETTE
from dicompeek.objects.values import as_list as _list
from dicompeek.objects.values import first_int as _int

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
GEOMETRIC_TYPES = ("POINT", "OPEN_PLANAR", "OPEN_NONPLANAR", "CLOSED_PLANAR")


@dataclass(frozen=True, slots=True, eq=False)
class Contour:
    """One item of a Contour Sequence. ``points``: (n, 3) float64 patient coordinates (mm,
    read-only); ``images``: the Contour Image Sequence as (SOP Instance UID, frame number from 1
    or None when the reference names no frame); ``stated_points``: Number of Contour Points."""

    number: int | None
    geometric_type: str
    points: np.ndarray
    images: tuple[tuple[str, int | None], ...]
    stated_points: int | None


@dataclass(frozen=True, slots=True, eq=False)
class Roi:
    """One ROI: its Structure Set ROI item, observation and contours; ``colour`` is sRGB,
    ``colour_from_file`` whether it came from ROI Display Color (else the palette)."""

    number: int
    name: str
    description: str
    frame_of_reference: str
    generation_algorithm: str
    interpreted_type: str
    colour: tuple[int, int, int]
    colour_from_file: bool
    contours: tuple[Contour, ...]


@dataclass(frozen=True, slots=True, eq=False)
class StructureSet:
    """A structure set as read. ``skipped``: contours not read (their reasons are counted in
    ``problems``, with everything else read past, one line per reason)."""

    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    label: str
    name: str
    frames_of_reference: tuple[str, ...]
    referenced_series: tuple[str, ...]
    rois: tuple[Roi, ...]
    skipped: int
    problems: tuple[str, ...]

    def roi(self, number: int) -> Roi | None:
        return next((r for r in self.rois if r.number == number), None)


def is_structure_set(ds: Dataset) -> bool:
    return str(ds.get("SOPClassUID", "") or "") == RT_STRUCTURE_SET_STORAGE


def read_structure_set(ds: Dataset) -> StructureSet:
    """Everything of an RTSTRUCT (see the module). Raises ``ValueError`` for a dataset that is
    not a structure set or lists no ROI in either the Structure Set ROI or the ROI Contour
    Sequence."""
    if not is_structure_set(ds):
        raise ValueError(f"not an RT structure set (SOP Class {ds.get('SOPClassUID', '(none)')})")
    problems: Counter[str] = Counter()
    declared = _declared_rois(ds, problems)
    contour_items = _items(ds, "ROIContourSequence")
    if not declared and not contour_items:
        raise ValueError("the structure set lists no ROI (no Structure Set ROI or ROI Contour Sequence)")
    types = {}
    for item in _items(ds, "RTROIObservationsSequence"):
        number = _int(_get(item, "ReferencedROINumber"))
        if number is not None and number not in types:
            types[number] = _text(item, "RTROIInterpretedType")
    colours: dict[int, tuple[int, int, int]] = {}
    contours: dict[int, list[Contour]] = {}
    skipped = 0
    for item in contour_items:
        number = _int(_get(item, "ReferencedROINumber"))
        items = _items(item, "ContourSequence")
        if number is None:
            problems["an ROI Contour item without Referenced ROI Number: its contours are not read"] += 1
            skipped += len(items)
            continue
        if number in contours:
            problems[f"ROI {number} has more than one ROI Contour item: only the first is read"] += 1
            skipped += len(items)
            continue
        if number not in declared:
            problems[f"ROI {number} has contours but is not in the Structure Set ROI Sequence"] += 1
            declared[number] = Dataset()
        colour = _colour(_get(item, "ROIDisplayColor"))
        if colour is not None:
            colours[number] = colour
        elif "ROIDisplayColor" in item:
            problems[f"ROI {number}: ROI Display Color is not three numbers from 0 to 255 "
                     "(a palette colour is used)"] += 1
        contours[number] = []
        for contour_item in items:
            try:
                contour = _contour(contour_item, number, problems)
            except Exception as exc:  # whatever else is wrong with one contour, the others are read
                problems[f"ROI {number}: contours that cannot be read skipped ({exc})"] += 1
                contour = None
            if contour is None:
                skipped += 1
            else:
                contours[number].append(contour)
    rois = tuple(Roi(number=number, name=_text(item, "ROIName"), description=_text(item, "ROIDescription"),
                     frame_of_reference=_text(item, "ReferencedFrameOfReferenceUID"),
                     generation_algorithm=_text(item, "ROIGenerationAlgorithm"),
                     interpreted_type=types.get(number, ""),
                     colour=colours.get(number, PALETTE[(number - 1) % len(PALETTE)]),
                     colour_from_file=number in colours, contours=tuple(contours.get(number, ())))
                 for number, item in declared.items())
    frames, series = [], []
    for reference in _items(ds, "ReferencedFrameOfReferenceSequence"):
        frames.append(_text(reference, "FrameOfReferenceUID"))
        for study in _items(reference, "RTReferencedStudySequence"):
            series += [_text(s, "SeriesInstanceUID") for s in _items(study, "RTReferencedSeriesSequence")]
    return StructureSet(
        sop_instance_uid=_text(ds, "SOPInstanceUID"), study_instance_uid=_text(ds, "StudyInstanceUID"),
        series_instance_uid=_text(ds, "SeriesInstanceUID"), label=_text(ds, "StructureSetLabel"),
        name=_text(ds, "StructureSetName"), frames_of_reference=tuple(f for f in frames if f),
        referenced_series=tuple(dict.fromkeys(s for s in series if s)), rois=rois, skipped=skipped,
        problems=tuple(f"{count} × {reason}" if count > 1 else reason for reason, count in problems.items()))


def _declared_rois(ds: Dataset, problems: Counter[str]) -> dict[int, Dataset]:
    """The Structure Set ROI items by ROI number, in file order (the first of a repeated number)."""
    declared: dict[int, Dataset] = {}
    for item in _items(ds, "StructureSetROISequence"):
        number = _int(_get(item, "ROINumber"))
        if number is None:
            problems["a Structure Set ROI item without a usable ROI Number: not read"] += 1
        elif number in declared:
            problems[f"ROI number {number} is used twice in the Structure Set ROI Sequence: the first is read"] += 1
        else:
            declared[number] = item
    return declared


def _contour(item: Dataset, roi: int, problems: Counter[str]) -> Contour | None:
    """One contour, or None (its reason counted) when its data cannot be drawn."""
    kind = _text(item, "ContourGeometricType").upper()
    if kind not in GEOMETRIC_TYPES:
        problems[f"ROI {roi}: contours of unknown Contour Geometric Type {kind or '(none)'!r} skipped"] += 1
        return None
    try:
        values = [float(v) for v in _list(_get(item, "ContourData"))]
    except (TypeError, ValueError):
        values = [math.nan]
    if not values:
        problems[f"ROI {roi}: contours without Contour Data skipped"] += 1
        return None
    if len(values) % 3 or not all(map(math.isfinite, values)):
        problems[f"ROI {roi}: contours whose Contour Data is not (x, y, z) finite numbers skipped"] += 1
        return None
    points = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    points.setflags(write=False)
    stated = _int(_get(item, "NumberOfContourPoints"))
    if stated != len(points):
        problems[f"ROI {roi}: Number of Contour Points disagrees with Contour Data (the Contour Data is used)"] += 1
    images: list[tuple[str, int | None]] = []
    for reference in _items(item, "ContourImageSequence"):
        uid = _text(reference, "ReferencedSOPInstanceUID")
        frames = [_int(n) for n in _list(_get(reference, "ReferencedFrameNumber"))]
        images += [(uid, f) for f in frames if f is not None] or [(uid, None)]
    return Contour(number=_int(_get(item, "ContourNumber")), geometric_type=kind, points=points,
                   images=tuple(i for i in images if i[0]), stated_points=stated)


def _colour(value: Any) -> tuple[int, int, int] | None:
    try:
        numbers = [int(v) for v in _list(value)]
    except (TypeError, ValueError):
        return None
    if len(numbers) != 3 or not all(0 <= n <= 255 for n in numbers):
        return None
    return numbers[0], numbers[1], numbers[2]


def _get(ds: Dataset, keyword: str) -> Any:
    """An element's value, None when absent or when pydicom cannot convert it (a malformed
    number reads as missing, never stops the reading)."""
    try:
        return ds.get(keyword)
    except Exception:
        return None


def _items(ds: Dataset, keyword: str) -> list[Dataset]:
    value = _get(ds, keyword)
    return list(value) if isinstance(value, Sequence) else []


def _text(ds: Dataset, keyword: str) -> str:
    value = _get(ds, keyword)
    if value is None:
        return ""
    if isinstance(value, (MultiValue, list, tuple)):
        return "\\".join(str(v) for v in value)
    return str(value).strip(" \x00")
