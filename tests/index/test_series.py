"""Slice order, geometry warnings and orientation letters (dicompeek.index.series)."""

from __future__ import annotations

import pytest

from dicompeek.index.indexer import DicomRecord
from dicompeek.index.series import geometry_warnings, order_frames, orientation_letters

AXIAL = "1\\0\\0\\0\\1\\0"


def record(entry: int, z: float | None, instance: int | None = None, *, orientation: str = AXIAL,
           frames: int | None = None, x: float = 0.0, rows: int = 64, spacing: str = "0.5\\0.5") -> DicomRecord:
    fields = {"Rows": rows, "Columns": 64, "PixelSpacing": spacing, "ImageOrientationPatient": orientation}
    if z is not None:
        fields["ImagePositionPatient"] = f"{x}\\0\\{z}"
    if instance is not None:
        fields["InstanceNumber"] = instance
    if frames:
        fields["NumberOfFrames"] = frames
    return DicomRecord(entry, f"e{entry}", None, "", 100, "1.2.840.10008.1.2.1", fields, None)


def test_slices_follow_position_in_the_scanners_numbering_direction():
    # numbered head to feet (instance 1 at the top), one slice numbered out of place
    records = [record(0, 10.0, 1), record(1, 5.0, 3), record(2, 7.5, 2), record(3, 0.0, 4)]
    assert [f.entry for f in order_frames(records)] == [0, 2, 1, 3]
    records = [record(0, 0.0, 1), record(1, 5.0, 2), record(2, 2.5, 5)]
    assert [f.entry for f in order_frames(records)] == [0, 2, 1]


def test_without_positions_instance_numbers_decide():
    records = [record(0, None, 3), record(1, None, 1), record(2, None, 2)]
    assert [f.entry for f in order_frames(records)] == [1, 2, 0]


def test_multiframe_files_give_every_frame_in_order():
    frames = order_frames([record(7, None, 1, frames=3)])
    assert [(f.entry, f.frame) for f in frames] == [(7, 0), (7, 1), (7, 2)]


def test_a_regular_stack_has_no_warnings():
    assert geometry_warnings([record(i, i * 2.5, i + 1) for i in range(10)]) == []


@pytest.mark.parametrize("positions, expected", [
    ([0, 2.5, 5, 7.5, 15, 17.5], "about 2 missing slice(s)"),
    ([0, 2.5, 5, 5, 7.5], "1 duplicate slice position(s)"),
    ([0, 2.5, 5.2, 7.5, 10.0], "non-uniform slice spacing: 2.300 to 2.700 mm"),
])
def test_spacing_problems_are_named(positions, expected):
    warnings = geometry_warnings([record(i, z, i + 1) for i, z in enumerate(positions)])
    assert any(w.startswith(expected) for w in warnings), warnings


def test_gantry_tilt_is_detected():
    records = [record(i, i * 2.5, i + 1, x=i * 0.5) for i in range(6)]  # 11.3 degrees
    assert any(w.startswith("gantry/detector tilt: slices advance 11.3°") for w in geometry_warnings(records))


def test_mixed_orientations_sizes_and_spacings_are_named():
    records = [record(0, 0, 1), record(1, 2.5, 2, orientation="0\\1\\0\\0\\0\\-1"),
               record(2, 5, 3, rows=32, spacing="0.7\\0.7")]
    warnings = geometry_warnings(records)
    assert "mixed orientations in one series (2 different)" in warnings
    assert "mixed pixel spacings in one series (2 different)" in warnings
    assert "mixed image sizes in one series: 32×64, 64×64" in warnings


@pytest.mark.parametrize("orientation, letters", [
    (AXIAL, {"left": "R", "right": "L", "top": "A", "bottom": "P"}),
    ("0\\1\\0\\0\\0\\-1", {"left": "A", "right": "P", "top": "H", "bottom": "F"}),   # sagittal
    ("1\\0\\0\\0\\0\\-1", {"left": "R", "right": "L", "top": "H", "bottom": "F"}),   # coronal
    ("0.866\\0.5\\0\\0\\0\\-1", {"left": "RA", "right": "LP", "top": "H", "bottom": "F"}),  # oblique
])
def test_orientation_letters_like_the_desktop_viewers(orientation, letters):
    assert orientation_letters(orientation) == letters


def test_no_letters_without_orientation():
    assert orientation_letters("") is None
