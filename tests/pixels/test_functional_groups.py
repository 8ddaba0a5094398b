"""Enhanced multi-frame images (dicompeek.pixels.functional_groups): each frame shown with its own
rescale, window and geometry, exactly as the same slice stored as a classic image."""

from __future__ import annotations

import copy
import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicompeek.index.indexer import Index
from dicompeek.index.series import orientation_letters
from dicompeek.pixels.display import render_frame
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.viewer import Viewer
from dicompeek_synthetic import ct_phantom_series
from registry import zip_bytes

WINDOWS = [(40, 400), (-600, 1500), (300, 1800)]
INTERCEPTS = [-1024, -1000, -900]


def item(**attributes) -> Dataset:
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def enhanced_ct(slices: list[Dataset]) -> Dataset:
    """``slices`` as one Enhanced CT image: rescale and window differ per frame, geometry too."""
    first = slices[0]
    ds = copy.deepcopy(first)
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness",
                    "RescaleIntercept", "RescaleSlope", "RescaleType", "WindowCenter", "WindowWidth",
                    "WindowCenterWidthExplanation", "SliceLocation"):
        delattr(ds, keyword)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.EnhancedCTImageStorage
    ds.NumberOfFrames = len(slices)
    frames = []
    per_frame = []
    for k, (s, (center, width), intercept) in enumerate(zip(slices, WINDOWS, INTERCEPTS, strict=True)):
        hu = s.pixel_array.astype(np.int32) - 1024  # the slice's modality values
        frames.append((hu - intercept).astype("<i2"))  # stored with this frame's intercept
        per_frame.append(item(
            PlanePositionSequence=Sequence([item(ImagePositionPatient=s.ImagePositionPatient)]),
            PixelValueTransformationSequence=Sequence([item(RescaleIntercept=intercept, RescaleSlope=1,
                                                            RescaleType="HU")]),
            FrameVOILUTSequence=Sequence([item(WindowCenter=center, WindowWidth=width,
                                               WindowCenterWidthExplanation=f"W{k}")])))
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.SharedFunctionalGroupsSequence = Sequence([item(
        PlaneOrientationSequence=Sequence([item(ImageOrientationPatient=first.ImageOrientationPatient)]),
        PixelMeasuresSequence=Sequence([item(PixelSpacing=first.PixelSpacing,
                                             SliceThickness=first.SliceThickness)]))])
    ds.PixelData = np.stack(frames).tobytes()
    return ds


def classic(s: Dataset, center: float, width: float) -> Dataset:
    s = copy.deepcopy(s)
    s.WindowCenter, s.WindowWidth = center, width
    return s


@pytest.fixture
def slices():
    return ct_phantom_series(3, 48, 40)


def test_each_frame_renders_as_the_same_slice_stored_classically(slices):
    enhanced = enhanced_ct(slices)
    for k, s in enumerate(slices):
        assert np.array_equal(render_frame(enhanced, k), render_frame(classic(s, *WINDOWS[k])))


def test_the_view_carries_the_frames_geometry_and_leaves_classic_images_alone(slices):
    enhanced = enhanced_ct(slices)
    view = frame_view(enhanced, 2)
    assert [float(v) for v in view.ImagePositionPatient] == [float(v) for v in slices[2].ImagePositionPatient]
    assert orientation_letters([str(v) for v in view.ImageOrientationPatient]) == \
        orientation_letters([str(v) for v in slices[0].ImageOrientationPatient])
    assert float(view.RescaleIntercept) == INTERCEPTS[2] and "PerFrameFunctionalGroupsSequence" not in view
    assert frame_view(slices[0], 0) is slices[0]


def test_the_viewer_reports_each_frames_window_and_probes_in_hu(slices, tmp_path):
    (tmp_path / "e.zip").write_bytes(zip_bytes({"enhanced.dcm": enhanced_ct(slices)}))
    index = Index()
    index.add([str(tmp_path / "e.zip")])
    index.run()
    viewer = Viewer(index)
    try:
        for k, (center, width) in enumerate(WINDOWS):
            meta, _ = viewer.render(0, k)
            assert meta["window"] == {"center": center, "width": width}
            assert meta["windows"][0]["explanation"] == f"W{k}"
        probe = viewer.probe(0, 1, 20, 20)
        hu = int(slices[1].pixel_array[20, 20]) - 1024
        assert probe["value"] == hu and probe["stored"] == hu - INTERCEPTS[1] and probe["unit"] == "HU"
    finally:
        index.close()


@pytest.mark.skipif(not shutil.which("dcmj2pnm"), reason="DCMTK not installed")
def test_real_enhanced_ct_renders_as_dcmtk_does_with_its_functional_group_window(corpus, tmp_path):
    """dcmj2pnm applies the functional groups' rescale but does not find their window
    ("only 0 window(s) in file"), so it is given the window the file states."""
    path = corpus / "pydicom_data" / "eCT_Supplemental.dcm"
    ds = pydicom.dcmread(path)
    views = [frame_view(ds, k) for k in range(2)]
    assert [(float(v.WindowCenter), float(v.WindowWidth)) for v in views] == [(49.0, 102.0)] * 2
    assert [float(v.ImagePositionPatient[2]) for v in views] == [-159.0, -149.0]
    for k in range(2):
        out = tmp_path / f"{k}.png"
        subprocess.run(["dcmj2pnm", "--no-overlays", "+Ww", "49", "102", "+F", str(k + 1), "+on", str(path), str(out)],
                       check=True, capture_output=True)
        reference = np.asarray(Image.open(out)).astype(int)
        assert np.abs(render_frame(ds, k).astype(int) - reference).max() <= 1
