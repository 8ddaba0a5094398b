"""Measurements on a frame, as the desktop viewers make them: the physical size of a pixel
(for the length tool and areas) and the statistics of a region of interest in modality units.

Pixel Spacing (0028,0030) is the distance between pixel centres in the patient: its first
value is the spacing between rows (the vertical distance), the second between columns. When
it is absent, projection images may state Imager Pixel Spacing (0018,1164): the same at the
detector, not corrected for the geometric magnification, so lengths come out too large by the
magnification factor and the page says so. Without either, lengths are in pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

#: What the page shows next to a length or area measured with Imager Pixel Spacing.
DETECTOR_NOTE = "Imager Pixel Spacing: at the detector, not corrected for magnification"
#: Region shapes the ROI tool draws.
SHAPES = ("rectangle", "ellipse")


def spacing(ds: Dataset) -> dict[str, Any] | None:
    """``{"row", "column", "source", "note"}`` in mm (row: the vertical distance between the
    centres of adjacent rows), from Pixel Spacing, else Imager Pixel Spacing; None without a
    usable value (absent, not two positive finite numbers)."""
    for keyword, note in (("PixelSpacing", ""), ("ImagerPixelSpacing", DETECTOR_NOTE)):
        pair = _pair(ds, keyword)
        if pair:
            return {"row": pair[0], "column": pair[1], "source": keyword, "note": note}
    return None


def _pair(ds: Dataset, keyword: str) -> list[float] | None:
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return None
        numbers = [float(v) for v in value] if isinstance(value, (list, tuple)) \
            or type(value).__name__ == "MultiValue" else [float(value)]
    except Exception:  # a malformed value counts as absent
        return None
    return numbers if len(numbers) == 2 and all(math.isfinite(n) and n > 0 for n in numbers) else None


def region_mask(shape: str, box: list[float], rows: int, columns: int) -> np.ndarray:
    """The pixels of a ``rectangle`` or ``ellipse`` inscribed in ``box`` = [x0, y0, x1, y1]
    (in pixel coordinates, the frame's top-left corner at 0, 0; pixel (i, j) covers
    [j, j+1) × [i, i+1)): those whose centre lies inside, as a boolean (rows, columns) array."""
    if shape not in SHAPES:
        raise ValueError(f"unknown region shape {shape!r}")
    x0, y0, x1, y1 = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ValueError("the region's corners are not numbers")
    left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    ys = np.arange(rows, dtype=np.float64)[:, None] + 0.5
    xs = np.arange(columns, dtype=np.float64)[None, :] + 0.5
    if shape == "rectangle":
        inside: np.ndarray = (xs >= left) & (xs <= right) & (ys >= top) & (ys <= bottom)
        return inside
    cx, cy, rx, ry = (left + right) / 2, (top + bottom) / 2, (right - left) / 2, (bottom - top) / 2
    if rx <= 0 or ry <= 0:
        return np.zeros((rows, columns), dtype=bool)
    ellipse: np.ndarray = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0
    return ellipse


def region_stats(values: np.ndarray, shape: str, box: list[float], pixel: dict[str, Any] | None) -> dict[str, Any]:
    """Mean, standard deviation (of the population of pixels), minimum, maximum and count of the
    modality ``values`` inside the region, and its area: of the drawn shape, in mm² with ``pixel``
    (:func:`spacing`), else in pixels."""
    mask = region_mask(shape, box, values.shape[0], values.shape[1])
    inside = values[mask]
    inside = inside[np.isfinite(inside)] if inside.dtype.kind == "f" else inside
    x0, y0, x1, y1 = (float(v) for v in box)
    width, height = abs(x1 - x0), abs(y1 - y0)
    area_px = width * height * (math.pi / 4 if shape == "ellipse" else 1.0)
    result: dict[str, Any] = {"shape": shape, "pixels": int(inside.size), "area_px": round(area_px, 3)}
    if pixel:
        result["area_mm2"] = round(area_px * pixel["row"] * pixel["column"], 3)
        result["spacing_note"] = pixel["note"]
    if inside.size:
        numbers = inside.astype(np.float64)
        result.update(mean=_round(float(numbers.mean())), sd=_round(float(numbers.std())),
                      min=_round(float(numbers.min())), max=_round(float(numbers.max())))
    return result


def _round(value: float) -> float | None:
    return round(value, 3) if math.isfinite(value) else None
