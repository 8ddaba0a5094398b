"""A frame's plane in the patient, and where points in patient coordinates (mm) fall on it.

Why one small module: anything drawn from patient coordinates on a frame (an RT structure set's
contours, a 3D coordinate of a report) needs the same transform, and getting its conventions
right once is the point. They are PS3.3 C.7.6.2.1.1 (Image Plane) and the page's SVG layers
(web/graphics.js, SR SCOORD, PS3.3 C.18.6.1.2):

- Image Position (Patient) P0 is the centre of the first pixel (column 0, row 0);
- Image Orientation (Patient) is the row direction r (along a row, the way columns count up) then
  the column direction c (down a column, the way rows count up);
- Pixel Spacing is [Δr, Δc]: the distance between the centres of adjacent rows, then of adjacent
  columns;
- pixel space has (0, 0) at the top-left CORNER of the top-left pixel, so the centre of the pixel
  in column i, row j is (i + 0.5, j + 0.5).

So a patient point P lies at x = (P−P0)·r / Δc + 0.5, y = (P−P0)·c / Δr + 0.5, at the signed
distance (P−P0)·n from the plane, n = r×c. The direction cosines are normalised first: stored as
DS they are rounded (0.7071 for 1/√2), which would otherwise scale every coordinate a little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.pixels.functional_groups import frame_view

Vector = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Plane:
    """One frame's plane: ``origin`` (P0, mm), unit ``row`` and ``column`` directions, and
    ``spacing`` = (between rows, between columns) in mm, as Pixel Spacing orders them."""

    origin: Vector
    row: Vector
    column: Vector
    spacing: tuple[float, float]

    @property
    def normal(self) -> Vector:
        """The unit normal r×c (the way slice positions grow in a stack ordered along it)."""
        n = np.cross(self.row, self.column)
        x, y, z = (float(v) for v in n / np.linalg.norm(n))
        return x, y, z

    def to_pixels(self, points: Any) -> np.ndarray:
        """Patient points ((n, 3), mm) as (n, 2) float pixel coordinates [x (column), y (row)],
        (0, 0) the top-left corner of the frame (see the module)."""
        offsets = np.asarray(points, dtype=np.float64).reshape(-1, 3) - np.asarray(self.origin)
        x = offsets @ np.asarray(self.row) / self.spacing[1] + 0.5
        y = offsets @ np.asarray(self.column) / self.spacing[0] + 0.5
        return np.stack([x, y], axis=1)

    def to_patient(self, pixels: Any) -> np.ndarray:
        """The inverse of :meth:`to_pixels` on the plane: (n, 2) pixel coordinates as (n, 3) mm."""
        xy = np.asarray(pixels, dtype=np.float64).reshape(-1, 2) - 0.5
        patient: np.ndarray = (np.asarray(self.origin) + xy[:, :1] * self.spacing[1] * np.asarray(self.row)
                               + xy[:, 1:] * self.spacing[0] * np.asarray(self.column))
        return patient

    def distances(self, points: Any) -> np.ndarray:
        """Signed distances (mm) of patient points ((n, 3)) from the plane, along :attr:`normal`."""
        offsets = np.asarray(points, dtype=np.float64).reshape(-1, 3) - np.asarray(self.origin)
        distances: np.ndarray = offsets @ np.asarray(self.normal)
        return distances

    def position(self) -> float:
        """Where the plane lies along its normal (mm): P0·n, the slice position of a stack."""
        return float(np.dot(self.origin, self.normal))


def plane_from_values(position: Any, orientation: Any, spacing: Any) -> Plane | None:
    """A plane from Image Position (Patient), Image Orientation (Patient) and Pixel Spacing as
    pydicom gives them or as the index keeps them (strings joined by backslashes); None when any
    is missing or unusable (not finite, a zero or non-positive spacing, parallel directions)."""
    p, o, s = _floats(position, 3), _floats(orientation, 6), _floats(spacing, 2)
    if p is None or o is None or s is None or min(s) <= 0:
        return None
    row, column = np.asarray(o[:3]), np.asarray(o[3:])
    row_length, column_length = float(np.linalg.norm(row)), float(np.linalg.norm(column))
    if row_length < 1e-6 or column_length < 1e-6:
        return None
    row, column = row / row_length, column / column_length
    if float(np.linalg.norm(np.cross(row, column))) < 1e-3:
        return None
    r0, r1, r2 = (float(v) for v in row)
    c0, c1, c2 = (float(v) for v in column)
    return Plane(origin=(p[0], p[1], p[2]), row=(r0, r1, r2), column=(c0, c1, c2), spacing=(s[0], s[1]))


def frame_plane(ds: Dataset, frame: int = 0) -> Plane | None:
    """The plane of frame ``frame`` (from 0) of ``ds``: its own attributes, or an enhanced
    image's functional groups (per-frame before shared)."""
    view = frame_view(ds, frame)
    return plane_from_values(view.get("ImagePositionPatient"), view.get("ImageOrientationPatient"),
                             view.get("PixelSpacing"))


def fields_plane(fields: Mapping[str, Any]) -> Plane | None:
    """The plane of an index record's ``fields`` (a single-frame image's top-level geometry)."""
    return plane_from_values(fields.get("ImagePositionPatient"), fields.get("ImageOrientationPatient"),
                             fields.get("PixelSpacing"))


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    """``count`` finite numbers from a multi-valued element or a backslash-joined string, or None."""
    if value is None:
        return None
    try:
        if isinstance(value, (str, bytes)):
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            numbers = tuple(float(v) for v in text.split("\\"))
        else:
            numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and all(map(math.isfinite, numbers)) else None
