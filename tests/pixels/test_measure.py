"""Measurements (dicompeek.pixels.measure): the size of a pixel, regions and their statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydicom.dataset import Dataset

from dicompeek.pixels.measure import DETECTOR_NOTE, region_mask, region_stats, spacing


def test_pixel_spacing_is_row_spacing_first_and_wins_over_imager_pixel_spacing():
    ds = Dataset()
    ds.PixelSpacing = [0.5, 0.25]
    ds.ImagerPixelSpacing = [0.2, 0.2]
    assert spacing(ds) == {"row": 0.5, "column": 0.25, "source": "PixelSpacing", "note": ""}


def test_imager_pixel_spacing_is_used_alone_with_its_note():
    ds = Dataset()
    ds.ImagerPixelSpacing = [0.143, 0.143]
    assert spacing(ds) == {"row": 0.143, "column": 0.143, "source": "ImagerPixelSpacing", "note": DETECTOR_NOTE}
    assert "not corrected for magnification" in DETECTOR_NOTE


@pytest.mark.parametrize("value", [None, [0, 1], [1], [-1, 1], [0.5, 0.5, 0.5]])
def test_no_usable_spacing_gives_none(value):
    ds = Dataset()
    if value is not None:
        ds.PixelSpacing = value
    assert spacing(ds) is None


def test_a_rectangle_holds_the_pixels_whose_centres_are_inside():
    mask = region_mask("rectangle", [2, 1, 6, 4], 8, 10)  # columns 2..5, rows 1..3
    assert mask.sum() == 4 * 3
    assert mask[1, 2] and mask[3, 5] and not mask[0, 2] and not mask[1, 6]
    assert np.array_equal(mask, region_mask("rectangle", [6, 4, 2, 1], 8, 10))  # drawn the other way


def test_an_ellipse_holds_about_pi_over_four_of_its_box():
    mask = region_mask("ellipse", [0, 0, 100, 60], 60, 100)
    assert abs(mask.sum() - math.pi / 4 * 100 * 60) < 60
    with pytest.raises(ValueError, match="unknown region shape"):
        region_mask("star", [0, 0, 1, 1], 2, 2)


def test_region_statistics_in_modality_units_with_the_area_in_mm2():
    values = np.full((20, 20), 40.0)
    values[10:, :] = -1000.0
    stats = region_stats(values, "rectangle", [0, 0, 20, 10], {"row": 0.5, "column": 0.8, "note": ""})
    assert stats["pixels"] == 200 and stats["mean"] == 40.0 and stats["sd"] == 0.0
    assert stats["area_px"] == 200 and stats["area_mm2"] == pytest.approx(200 * 0.4)
    both = region_stats(values, "rectangle", [0, 5, 20, 15], None)
    assert both["mean"] == pytest.approx(-480.0) and both["sd"] == pytest.approx(520.0)
    assert both["min"] == -1000.0 and both["max"] == 40.0 and "area_mm2" not in both
    assert "mean" not in region_stats(values, "ellipse", [3.2, 3.2, 3.3, 3.3], None)  # no centre inside
