"""A DICOM segmentation (SEG) read into plain data, and its masks for the frames of the image it
segments.

Why here and with pydicom and numpy alone: the page (Pyodide) and the command line
(``python -m dicompeek render --seg``) draw the same overlay from this one reading, and highdicom,
which reads SEGs too, does not install in the page (its ``pyjpegls`` has no Pyodide build); the
tests check every mask against highdicom's in CPython.

What is read (PS3.3 C.8.20, A.51; Label Map Segmentation Storage, 1.2.840.10008.5.1.4.1.1.66.7):

- the segments (Segment Sequence): number, label, description, algorithm type and name, the
  category and type codes with their meanings, and a colour: Recommended Display CIELab Value
  converted to sRGB (:func:`cielab_to_srgb`), else one of :data:`PALETTE`;
- the segmentation type: BINARY, FRACTIONAL (with its Maximum Fractional Value) or LABELMAP;
- per frame (functional groups, per-frame before shared): its segment (Segment Identification;
  none in a label map, whose pixel values are segment numbers), the source images and frames it
  was derived from (Derivation Image → Source Image: Referenced SOP Instance UID and Frame Number)
  and its plane (Plane Position's Image Position Patient, Plane Orientation's Image Orientation
  Patient). A TILED_FULL SEG without per-frame groups has its segments in frame order (the segment
  is the outermost dimension, PS3.3 C.7.6.17.3) and no source frames.

Which SEG frames lie on a frame of an image (:func:`match_frames`): those that reference that
instance (and that frame, for a multi-frame source); when no SEG frame references the instance,
those on its plane (same Frame of Reference, position within :data:`POSITION_TOLERANCE` mm and
the same orientation). A SEG that refers to the image's series or Frame of Reference but has no
frame there covers nothing on it: every mask is empty, not an error. Only a SEG unrelated to the
image (another series, another Frame of Reference, no reference to the instance) is
:class:`NotRelated`.

A mask is the SEG's rows × columns, which is the image's size in the usual case (a SEG made on
the image's pixel grid); other sizes (a SEG resampled to another grid) are refused with a reason
(:class:`SizeMismatch`) rather than drawn in the wrong place. A pixel is in a segment when its
value is above 0 (BINARY, and FRACTIONAL whatever the fraction) or equals the segment's number
(LABELMAP). Overlapping segments are drawn in segment-number order, the later on top (as
highdicom's combined label map with overlap checks skipped), not blended.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from dicompeek.objects.colour import cielab_to_srgb
from dicompeek.objects.values import first_int as _int
from dicompeek.pixels.display import frame_pixels
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.one_bit import decodes, one_bit_frame

#: The SOP classes of segmentations: Segmentation Storage and Label Map Segmentation Storage.
SEG_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
LABEL_MAP_STORAGE = "1.2.840.10008.5.1.4.1.1.66.7"
#: How far (mm, Euclidean) a SEG frame's Image Position Patient may lie from the image's for
#: the two to be the same plane: DS values keep 16 characters, so the same point written by two
#: programs differs in the last digits; slices are never this close.
POSITION_TOLERANCE = 0.05
#: How far each component of the two Image Orientation (Patient) direction cosines may differ.
ORIENTATION_TOLERANCE = 1e-3
#: Colours of segments without a Recommended Display CIELab Value, by segment number (cycling):
#: distinct on grey and on each other (Trubetskoy's list of 20 distinct colours, its first ten).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212))
#: Opacity of the overlay drawn by :func:`overlay_rgba` unless told otherwise.
OPACITY = 0.5


class NotRelated(ValueError):
    """The SEG does not segment this image: no reference to it, its series or its plane."""


class SizeMismatch(ValueError):
    """The SEG's frames are not the image's size (only the image's own pixel grid is drawn)."""


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    scheme: str
    meaning: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One item of the Segment Sequence; ``colour`` is sRGB, ``colour_from_file`` whether it came
    from the file's Recommended Display CIELab Value (else :data:`PALETTE`)."""

    number: int
    label: str
    description: str
    algorithm_type: str
    algorithm_name: str
    category: Code | None
    type: Code | None
    colour: tuple[int, int, int]
    colour_from_file: bool


@dataclass(frozen=True, slots=True)
class SegFrame:
    """One frame of the SEG: its segment (None in a label map), its sources as (SOP Instance UID,
    frame number or None when the reference names no frame), and its plane when stated."""

    segment: int | None
    sources: tuple[tuple[str, int | None], ...]
    position: tuple[float, ...] | None
    orientation: tuple[float, ...] | None


@dataclass(frozen=True, slots=True)
class Segmentation:
    sop_instance_uid: str
    series_instance_uid: str
    frame_of_reference: str
    kind: str  # BINARY, FRACTIONAL or LABELMAP
    fractional_type: str  # PROBABILITY or OCCUPANCY for FRACTIONAL, else ""
    maximum_fractional_value: int | None
    rows: int
    columns: int
    referenced_series: tuple[str, ...]
    segments: tuple[Segment, ...]
    frames: tuple[SegFrame, ...]
    #: The SEG frames (indices) derived from each source instance: the viewer asks slice by slice,
    #: and a SEG may have thousands of frames to look through.
    by_source: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def segment(self, number: int) -> Segment | None:
        return next((s for s in self.segments if s.number == number), None)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON data (for the page): everything read, frames included."""
        data = asdict(self)
        del data["by_source"]  # the frames say it
        return data


@dataclass(frozen=True, slots=True)
class Match:
    """The SEG frames on one frame of an image, and how they were found: "reference" (Source
    Image), "plane" (Frame of Reference and position) or "none" (the SEG covers nothing there)."""

    frames: tuple[int, ...]
    how: str


def is_segmentation(ds: Dataset) -> bool:
    return str(ds.get("SOPClassUID", "")) in (SEG_STORAGE, LABEL_MAP_STORAGE)


def read_segmentation(ds: Dataset) -> Segmentation:
    """Everything but the pixels of a SEG (its header is enough). Raises ``ValueError`` for a
    dataset that is not a segmentation or states no size."""
    if not is_segmentation(ds):
        raise ValueError(f"not a segmentation (SOP Class {ds.get('SOPClassUID', '(none)')})")
    kind = str(ds.get("SegmentationType", "") or "").upper()
    if str(ds.SOPClassUID) == LABEL_MAP_STORAGE or kind == "LABELMAP":
        kind = "LABELMAP"
    elif kind not in ("BINARY", "FRACTIONAL"):
        raise ValueError(f"unknown Segmentation Type {kind!r}")
    rows, columns = _int(ds.get("Rows")), _int(ds.get("Columns"))
    if not rows or not columns:
        raise ValueError("the segmentation states no Rows or Columns")
    segments = tuple(_segment(item) for item in ds.get("SegmentSequence") or ())
    count = _int(ds.get("NumberOfFrames")) or 1
    per_frame = list(ds.get("PerFrameFunctionalGroupsSequence") or ())
    shared_items = ds.get("SharedFunctionalGroupsSequence") or ()
    shared = shared_items[0] if shared_items else Dataset()
    tiles = _tiled_full_segments(ds, kind, count, segments) if not per_frame else None
    frames = tuple(_frame(per_frame[k] if k < len(per_frame) else Dataset(), shared,
                          None if kind == "LABELMAP" else tiles[k] if tiles else None)
                   for k in range(count))
    return Segmentation(
        sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
        series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
        frame_of_reference=str(ds.get("FrameOfReferenceUID", "") or ""),
        kind=kind,
        fractional_type=str(ds.get("SegmentationFractionalType", "") or "") if kind == "FRACTIONAL" else "",
        maximum_fractional_value=_int(ds.get("MaximumFractionalValue")) if kind == "FRACTIONAL" else None,
        rows=rows, columns=columns,
        referenced_series=tuple(str(item.get("SeriesInstanceUID", ""))
                                for item in ds.get("ReferencedSeriesSequence") or ()),
        segments=segments, frames=frames, by_source=_by_source(frames))


def match_frames(seg: Segmentation, image: Dataset, frame: int = 0) -> Match:
    """The SEG frames on frame ``frame`` (from 0) of ``image``: by reference, else by plane
    (see the module's docstring). Raises :class:`NotRelated` for a SEG unrelated to the image."""
    uid = str(image.get("SOPInstanceUID", ""))
    frames_in_image = _int(image.get("NumberOfFrames")) or 1
    if uid in seg.by_source:
        return Match(tuple(frames_for_source(seg, uid, frame + 1, single_frame=frames_in_image == 1)),
                     "reference")
    view = frame_view(image, frame)
    reference = str(image.get("FrameOfReferenceUID", "") or "")
    position = _floats(view.get("ImagePositionPatient"), 3)
    orientation = _floats(view.get("ImageOrientationPatient"), 6)
    if reference and reference == seg.frame_of_reference and position:
        return Match(tuple(frames_for_plane(seg, reference, position, orientation)), "plane")
    if str(image.get("SeriesInstanceUID", "")) in seg.referenced_series:
        return Match((), "none")
    raise NotRelated("the segmentation does not refer to this image, its series or its plane "
                     "(Frame of Reference and position)")


def frames_for_source(seg: Segmentation, uid: str, frame_number: int = 1, *,
                      single_frame: bool = True) -> list[int]:
    """The SEG frames derived from frame ``frame_number`` (from 1) of instance ``uid``: a
    reference naming that frame, or naming no frame when the instance has a single frame."""
    candidates = seg.by_source.get(uid, ())
    return [k for k, f in ((k, seg.frames[k]) for k in candidates)
            if any(source == uid and (number == frame_number or (number is None and single_frame))
                   for source, number in f.sources)]


def frames_for_plane(seg: Segmentation, frame_of_reference: str, position: Sequence[float],
                     orientation: Sequence[float] | None = None, *,
                     tolerance: float = POSITION_TOLERANCE) -> list[int]:
    """The SEG frames on the plane through ``position`` (Image Position Patient) with
    ``orientation`` (Image Orientation Patient; either side unstated matches any)."""
    if not frame_of_reference or frame_of_reference != seg.frame_of_reference:
        return []
    found = []
    for k, f in enumerate(seg.frames):
        if f.position is None or math.dist(f.position, position) > tolerance:
            continue
        if orientation and f.orientation and any(
                abs(a - b) > ORIENTATION_TOLERANCE for a, b in zip(f.orientation, orientation, strict=False)):
            continue
        found.append(k)
    return found


def check_size(seg: Segmentation, rows: int, columns: int) -> None:
    """Raise :class:`SizeMismatch` unless the SEG's frames are ``rows`` × ``columns``."""
    if (seg.rows, seg.columns) != (rows, columns):
        raise SizeMismatch(f"the segmentation's frames are {seg.columns}×{seg.rows} pixels and the image's "
                           f"{columns}×{rows}: only a segmentation on the image's own pixel grid is drawn")


def segment_mask(ds: Dataset, seg: Segmentation, frames: Iterable[int], number: int) -> np.ndarray:
    """Where segment ``number`` is present in SEG frames ``frames`` (those of :func:`match_frames`),
    as a rows × columns bool array: all False when none of them is of that segment."""
    mask = np.zeros((seg.rows, seg.columns), dtype=bool)
    for k in frames:
        if seg.kind == "LABELMAP":
            mask |= _values(ds, seg, k) == number
        elif seg.frames[k].segment == number:
            mask |= _values(ds, seg, k) > 0
    return mask


def label_map(ds: Dataset, seg: Segmentation, frames: Iterable[int],
              numbers: Iterable[int] | None = None) -> np.ndarray:
    """Each pixel's segment among ``numbers`` (default: every segment but a label map's segment 0,
    its background) as a rows × columns uint16 array, 0 where none; where segments overlap, the
    highest number (drawn in number order, later on top)."""
    wanted = sorted(set(_drawn(seg) if numbers is None else numbers))
    labels = np.zeros((seg.rows, seg.columns), dtype=np.uint16)
    frames = list(frames)
    if seg.kind == "LABELMAP":
        for k in frames:
            values = _values(ds, seg, k)
            keep = np.isin(values, wanted) & (values != 0)
            labels[keep] = values[keep]
        return labels
    for number in wanted:
        mask = np.zeros((seg.rows, seg.columns), dtype=bool)
        for k in frames:
            if seg.frames[k].segment == number:
                mask |= _values(ds, seg, k) > 0
        labels[mask] = number
    return labels


def overlay_rgba(ds: Dataset, seg: Segmentation, frames: Iterable[int], numbers: Iterable[int] | None = None,
                 opacity: float = OPACITY) -> np.ndarray:
    """The segments of :func:`label_map` in their colours as a rows × columns × 4 uint8 RGBA
    image: alpha ``opacity`` where a segment is, 0 elsewhere (the page's canvas layout)."""
    labels = label_map(ds, seg, frames, numbers)
    table = np.zeros((int(labels.max(initial=0)) + 1, 4), dtype=np.uint8)
    for s in seg.segments:
        if 0 < s.number < len(table):
            table[s.number] = (*s.colour, round(255 * min(max(opacity, 0.0), 1.0)))
    rgba: np.ndarray = table[labels]
    return rgba


def thumbnail_picture(ds: Dataset, frame: int) -> np.ndarray | None:
    """Frame ``frame`` of a segmentation as its thumbnail shows it: every segment on that frame's
    plane (the frames at its position, else those of its source image) in its colour on black, as
    RGB uint8; a frame alone is one segment's mask, which in grey says little. None when ``ds`` is
    not a segmentation (it is shown as any image)."""
    if not is_segmentation(ds):
        return None
    seg = read_segmentation(ds)
    if not 0 <= frame < len(seg.frames):
        return None
    here = seg.frames[frame]
    same: list[int] = []
    if seg.kind != "LABELMAP":  # a label map's frame holds every segment already
        if here.position is not None:
            same = frames_for_plane(seg, seg.frame_of_reference, here.position, here.orientation)
        if not same and here.sources:
            uid, number = here.sources[0]
            same = frames_for_source(seg, uid, number or 1, single_frame=number is None)
    picture: np.ndarray = np.ascontiguousarray(overlay_rgba(ds, seg, same or [frame], opacity=1.0)[..., :3])
    return picture


def blend(image: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """A rendered frame (grey or RGB uint8) with an RGBA overlay drawn over it, as RGB uint8."""
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
    alpha = rgba[..., 3:4].astype(np.float64) / 255.0
    mixed = rgb.astype(np.float64) * (1.0 - alpha) + rgba[..., :3].astype(np.float64) * alpha
    out: np.ndarray = np.rint(mixed).astype(np.uint8)
    return out


# --- reading ---------------------------------------------------------------------------------

def _segment(item: Dataset) -> Segment:
    number = _int(item.get("SegmentNumber")) or 0
    lab = _floats(item.get("RecommendedDisplayCIELabValue"), 3)
    colour = cielab_to_srgb([int(v) for v in lab]) if lab else PALETTE[(number - 1) % len(PALETTE)]
    return Segment(number=number, label=str(item.get("SegmentLabel", "") or ""),
                   description=str(item.get("SegmentDescription", "") or ""),
                   algorithm_type=str(item.get("SegmentAlgorithmType", "") or ""),
                   algorithm_name=str(item.get("SegmentAlgorithmName", "") or ""),
                   category=_code(item.get("SegmentedPropertyCategoryCodeSequence")),
                   type=_code(item.get("SegmentedPropertyTypeCodeSequence")),
                   colour=colour, colour_from_file=bool(lab))


def _code(sequence: Any) -> Code | None:
    if not sequence:
        return None
    item = sequence[0]
    value = item.get("CodeValue") or item.get("LongCodeValue") or item.get("URNCodeValue") or ""
    return Code(str(value), str(item.get("CodingSchemeDesignator", "") or ""), str(item.get("CodeMeaning", "") or ""))


def _frame(item: Dataset, shared: Dataset, tiled_segment: int | None) -> SegFrame:
    def macro(keyword: str) -> Dataset | None:
        for group in (item, shared):
            sequence = group.get(keyword)
            if sequence:
                first: Dataset = sequence[0]
                return first
        return None

    identification = macro("SegmentIdentificationSequence")
    segment = _int(identification.get("ReferencedSegmentNumber")) if identification else tiled_segment
    sources: list[tuple[str, int | None]] = []
    for group in (item, shared):  # the frame's own derivation, else the shared one
        for derivation in group.get("DerivationImageSequence") or ():
            for source in derivation.get("SourceImageSequence") or ():
                uid = str(source.get("ReferencedSOPInstanceUID", "") or "")
                numbers = source.get("ReferencedFrameNumber")
                listed = list(numbers) if isinstance(numbers, (MultiValue, list)) else \
                    [numbers] if numbers not in (None, "") else []
                sources += [(uid, _int(n)) for n in listed] if listed else [(uid, None)]
        if sources:
            break
    position = macro("PlanePositionSequence")
    orientation = macro("PlaneOrientationSequence")
    return SegFrame(segment=segment, sources=tuple(sources),
                    position=_floats(position.get("ImagePositionPatient"), 3) if position else None,
                    orientation=_floats(orientation.get("ImageOrientationPatient"), 6) if orientation else None)


def _by_source(frames: Sequence[SegFrame]) -> dict[str, tuple[int, ...]]:
    found: defaultdict[str, list[int]] = defaultdict(list)
    for k, f in enumerate(frames):
        for uid in dict.fromkeys(source for source, _ in f.sources):
            found[uid].append(k)
    return {uid: tuple(ks) for uid, ks in found.items()}


def _tiled_full_segments(ds: Dataset, kind: str, count: int, segments: tuple[Segment, ...]) -> list[int] | None:
    """Each frame's segment in a TILED_FULL SEG without per-frame groups: segments outermost, in
    the Segment Sequence's order, each with the same number of frames."""
    if kind == "LABELMAP" or not segments or count % len(segments):
        return None
    if str(ds.get("DimensionOrganizationType", "")).upper() != "TILED_FULL":
        return None
    each = count // len(segments)
    return [segments[k // each].number for k in range(count)]


def _values(ds: Dataset, seg: Segmentation, frame: int) -> np.ndarray:
    """The stored values of SEG frame ``frame`` (pydicom and the project's decoders: 1-bit
    packing, JPEG 2000 as for any image; 1-bit RLE and Deflated Image Frame Compression, which
    pydicom 3.0 does not decode, by :mod:`dicompeek.pixels.one_bit`)."""
    values = one_bit_frame(ds, frame) if decodes(ds) else frame_pixels(ds, frame)
    if values.shape[:2] != (seg.rows, seg.columns) or values.ndim != 2:
        raise ValueError(f"frame {frame + 1} of the segmentation decodes to {values.shape}, "
                         f"not {seg.rows}×{seg.columns}")
    return values


def _drawn(seg: Segmentation) -> list[int]:
    return [s.number for s in seg.segments if s.number > 0]


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    """``count`` finite numbers of a multi-valued element, or None."""
    try:
        numbers = tuple(float(v) for v in value) if value is not None else ()
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and all(map(math.isfinite, numbers)) else None
