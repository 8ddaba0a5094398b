"""Slice order and geometry checks of a series, and orientation letters.

Slices are ordered by their position along the slice normal (from Image
Position and Orientation (Patient)), as 3D Slicer and the web viewers do,
falling back to Instance Number. The checks warn about what makes a stack
misleading to scroll or to measure: uneven spacing, missing or duplicate
slices, gantry tilt, and mixed orientations, sizes or pixel spacings.

Pure Python, without numpy: the summary is built from this, and the page's workers index and
summarise a pick before numpy has loaded (web/worker.js). The vectors have three components.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pydicom.uid import UID

from dicompeek.index.indexer import DicomRecord


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame to show: which entry, which frame in it, and where it lies."""

    entry: int
    frame: int
    instance: int | None
    position: float | None  # along the slice normal, mm

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "frame": self.frame, "instance": self.instance,
                "position": self.position}


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in str(value).split("\\"))
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and all(map(math.isfinite, numbers)) else None


#: Frames listed for one file at most, whatever its Number of Frames says.
MAX_FRAMES = 50_000


def frame_count(record: DicomRecord) -> int:
    """The frames of ``record`` to list: its Number of Frames (1 if absent or invalid), never more
    than its size can hold (see :func:`frame_limit`), so a bogus count allocates nothing."""
    count = record.fields.get("NumberOfFrames")
    count = count if isinstance(count, int) and count > 0 else 1
    return min(count, frame_limit(record))


def frame_limit(record: DicomRecord) -> int:
    """How many frames the file can hold at most: a frame takes at least one bit uncompressed
    and at least an 8-byte item compressed; never more than :data:`MAX_FRAMES`."""
    try:
        compressed = UID(record.transfer_syntax).is_compressed
    except Exception:  # not a transfer syntax pydicom knows: the smaller bound
        compressed = True
    most = record.size // 8 if compressed else record.size * 8
    return max(1, min(most, MAX_FRAMES))


Vector = tuple[float, float, float]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def slice_normal(orientation: tuple[float, ...]) -> Vector:
    """The cross product of the row and column directions."""
    (a1, a2, a3), (b1, b2, b3) = orientation[:3], orientation[3:6]
    return (a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1)


def order_frames(records: list[DicomRecord], *, every_frame: bool = True) -> list[Frame]:
    """Every frame of the series, in viewing order (only each file's first with ``every_frame`` False)."""
    orientation = next((o for r in records
                        if (o := _floats(r.fields.get("ImageOrientationPatient"), 6))), None)
    normal = slice_normal(orientation) if orientation else None
    frames = []
    for record in records:
        instance = record.fields.get("InstanceNumber")
        instance = instance if isinstance(instance, int) else None
        position = _floats(record.fields.get("ImagePositionPatient"), 3)
        distance = _dot(position, normal) if position and normal is not None else None
        if distance is not None and not math.isfinite(distance):  # overflowed: as if unknown
            distance = None
        frames += [Frame(record.entry, f, instance, distance)
                   for f in range(frame_count(record) if every_frame else 1)]
    by_instance = sorted(frames, key=lambda f: (f.instance is None, f.instance or 0, f.entry, f.frame))
    if len(frames) < 2 or any(f.position is None for f in frames):
        return by_instance
    by_position = sorted(frames, key=lambda f: (f.position or 0.0, f.instance or 0, f.entry, f.frame))
    # Scroll in the direction the scanner numbered the slices (e.g. head to feet),
    # while the positions fix any slice numbered out of place.
    if (by_instance[0].position or 0.0) > (by_instance[-1].position or 0.0):
        by_position.reverse()
    return by_position


def geometry_warnings(records: list[DicomRecord]) -> list[str]:
    """What a reader of this series should know before trusting its geometry."""
    warnings = []
    for record in records:
        stated = record.fields.get("NumberOfFrames")
        if isinstance(stated, int) and stated > frame_count(record):
            warnings.append(f"{record.location} states {stated:,} frames, more than a file of "
                            f"{record.size:,} bytes can hold: {frame_count(record):,} are listed")
    mixed = set()
    for keyword, label in (("ImageOrientationPatient", "orientations"), ("PixelSpacing", "pixel spacings")):
        values = {_rounded(r.fields.get(keyword)) for r in records if r.fields.get(keyword)}
        if len(values) > 1:
            mixed.add(keyword)
            warnings.append(f"mixed {label} in one series ({len(values)} different)")
    sizes = Counter(f"{r.fields.get('Rows')}×{r.fields.get('Columns')}" for r in records if "Rows" in r.fields)
    if len(sizes) > 1:
        warnings.append("mixed image sizes in one series: " + ", ".join(sorted(sizes)))
    single = [r for r in records if not isinstance(r.fields.get("NumberOfFrames"), int)
              or r.fields["NumberOfFrames"] <= 1]
    orientation = next((o for r in single if (o := _floats(r.fields.get("ImageOrientationPatient"), 6))), None)
    positions = [p for r in single if (p := _floats(r.fields.get("ImagePositionPatient"), 3))]
    if orientation is None or len(positions) < 3 or "ImageOrientationPatient" in mixed:
        return warnings  # spacing along one normal means nothing for mixed orientations
    normal = slice_normal(orientation)
    along = sorted((_dot(point, normal), point) for point in positions)
    all_gaps = [b - a for (a, _), (b, _) in pairwise(along)]
    duplicates = sum(gap < 1e-3 for gap in all_gaps)
    if duplicates:
        warnings.append(f"{duplicates} duplicate slice position(s) (several acquisitions, echoes or phases?)")
    gaps = [gap for gap in all_gaps if gap >= 1e-3]
    if len(gaps) >= 2:
        typical = statistics.median(gaps)
        missing = int(sum(round(g / typical) - 1 for g in gaps if g > 1.5 * typical))
        if missing:
            warnings.append(f"about {missing} missing slice(s): gaps up to {max(gaps):.2f} mm "
                            f"where slices are {typical:.2f} mm apart")
        elif max(gaps) - min(gaps) > max(0.01 * typical, 0.01):
            warnings.append(f"non-uniform slice spacing: {min(gaps):.3f} to {max(gaps):.3f} mm")
    travel = [b - a for a, b in zip(along[0][1], along[-1][1], strict=True)]
    length = math.hypot(*travel)
    if length > 1e-3:
        cosine = abs(_dot(travel, normal)) / length
        tilt = math.degrees(math.acos(min(cosine, 1.0)))
        if tilt > 0.5:
            warnings.append(f"gantry/detector tilt: slices advance {tilt:.1f}° off the slice normal")
    return warnings


def _rounded(value: Any) -> tuple[float, ...] | str:
    try:
        return tuple(round(float(v), 4) for v in str(value).split("\\"))
    except ValueError:
        return str(value)


#: Patient axes (LPS): the letter for the positive direction of each.
_POSITIVE = ("L", "P", "H")
_NEGATIVE = ("R", "A", "F")


def direction_letters(vector: Sequence[float]) -> str:
    """Letters for a direction in patient space, strongest first (e.g. "LA" for an oblique)."""
    letters: list[str] = []
    for axis in sorted(range(3), key=lambda k: -abs(vector[k])):
        if abs(vector[axis]) > 0.0001 and (not letters or abs(vector[axis]) > 0.25):
            letters.append(_POSITIVE[axis] if vector[axis] > 0 else _NEGATIVE[axis])
    return "".join(letters[:3])


def orientation_letters(orientation_value: Any) -> dict[str, str] | None:
    """Letters for the left, right, top and bottom edges of the image; None without orientation."""
    orientation = _floats(orientation_value, 6)
    if orientation is None:
        return None
    row, column = orientation[:3], orientation[3:]
    return {"left": direction_letters([-v for v in row]), "right": direction_letters(row),
            "top": direction_letters([-v for v in column]), "bottom": direction_letters(column)}
