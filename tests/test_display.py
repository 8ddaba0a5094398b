"""The display pipeline (dicompeek.display), compared pixel by pixel with DCMTK's dcmj2pnm."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicompeek.display import Window, apply_window, file_windows, render_frame, to_rgba
from registry import CORPUS, pydicom_file, small_dataset

needs_dcmtk = pytest.mark.skipif(not shutil.which("dcmj2pnm"), reason="DCMTK dcmj2pnm not installed")

#: pydicom's bundled files: every photometric interpretation, bit depth and byte order it has natively.
PYDICOM_REFERENCES = [
    "CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_small_RLE.dcm",
    "examples_palette.dcm", "examples_rgb_color.dcm", "SC_ybr_full_422_uncompressed.dcm",
    "SC_rgb_small_odd.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm", "rtdose_1frame.dcm",
    "liver_1frame.dcm", "image_dfl.dcm", "MR_small_expb.dcm",
]
#: Real files from other toolkits (../shared/corpus), when present.
CORPUS_REFERENCES = [
    "pydicom_data/mlut_18.dcm", "pydicom_data/vlut_04.dcm", "pydicom_data/OT-PAL-8-face.dcm",
    "pydicom_data/SC_rgb_16bit.dcm", "pydicom_data/SC_rgb_expb_16bit.dcm", "pydicom_data/emri_small.dcm",
    "pydicom_data/liver_nonbyte_aligned.dcm", "pydicom_data/color-pl.dcm", "pydicom_data/color-px.dcm",
    "pydicom_data/MR2_UNCI.dcm", "pydicom_data/US1_UNCR.dcm", "pydicom_data/693_UNCI.dcm",
    "pydicom_data/OBXXXX1A.dcm",
    "pydicom_data/MR-SIEMENS-DICOM-WithOverlays.dcm",
]


def read_pnm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic, width, height, _maxval, _ = data.split(maxsplit=4)
    channels = 3 if magic == b"P6" else 1
    pixels = np.frombuffer(data[-int(width) * int(height) * channels:], dtype=np.uint8)
    shape = (int(height), int(width), 3) if channels == 3 else (int(height), int(width))
    return pixels.reshape(shape)


def dcmtk_render(path: Path, tmp_path: Path, ds: Dataset, *, frame: int = 0, window: int | None = None) -> np.ndarray:
    """dcmj2pnm's rendering with the file's first VOI (LUT or window), else its min-max window."""
    if window is not None:
        voi = ["+Wi", str(window)]
    elif "VOILUTSequence" in ds:
        voi = ["+Wl", "1"]
    elif "WindowCenter" in ds:
        voi = ["+Wi", "1"]
    else:
        voi = ["+Wm"]
    out = tmp_path / "dcmtk.pnm"
    command = ["dcmj2pnm", "--no-overlays", *voi, "+F", str(frame + 1), *([] if ds.file_meta else ["-f"]),
               str(path), str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return read_pnm(out)


def assert_close_to_dcmtk(path: Path, tmp_path: Path, frame: int = 0, tolerance: int = 1) -> None:
    ds = pydicom.dcmread(path, force=True)
    ours = render_frame(ds, frame)
    reference = dcmtk_render(path, tmp_path, ds, frame=frame)
    assert ours.shape == reference.shape
    difference = np.abs(ours.astype(int) - reference.astype(int))
    assert difference.max() <= tolerance, f"{path.name}: {np.count_nonzero(difference > tolerance)} pixels differ"


@needs_dcmtk
@pytest.mark.parametrize("name", PYDICOM_REFERENCES)
def test_pydicom_files_render_as_dcmtk_does(name, tmp_path):
    assert_close_to_dcmtk(pydicom_file(name), tmp_path)


@needs_dcmtk
@pytest.mark.parametrize("name", CORPUS_REFERENCES)
def test_corpus_files_render_as_dcmtk_does(name, tmp_path, corpus):
    assert_close_to_dcmtk(corpus / name, tmp_path)


def write(ds: Dataset, tmp_path: Path, name: str = "x.dcm") -> Path:
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


def ramp_dataset(rows: int = 32, columns: int = 64, *, signed: bool = True, frames: int = 1) -> Dataset:
    """A signed 12-bit CT-like ramp, -1024 .. 2047 across the columns, shifted per frame."""
    ds = small_dataset(rows=rows, columns=columns, frames=frames if frames > 1 else None)
    ramp = np.linspace(-1024 if signed else 0, 2047, columns)
    pixels = np.stack([np.tile(ramp + 100 * f, (rows, 1)) for f in range(frames)])
    ds.BitsStored, ds.HighBit = 12, 11
    ds.PixelRepresentation = 1 if signed else 0
    dtype = np.int16 if signed else np.uint16
    ds.PixelData = np.clip(pixels, -2048 if signed else 0, 2047).astype(dtype).tobytes()
    ds.RescaleSlope, ds.RescaleIntercept = 1, -24
    ds.WindowCenter, ds.WindowWidth = [40, 500], [400, 2000]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "BONE"]
    return ds


@needs_dcmtk
def test_ybr_full_is_within_two_levels_of_dcmtk(tmp_path, corpus):
    """DCMTK converts YBR_FULL through integer tables that truncate each chroma term;
    pydicom rounds once at the end, so 3 % of pixels differ by 2 (never more)."""
    assert_close_to_dcmtk(corpus / "pydicom_data/SC_ybr_full_uncompressed.dcm", tmp_path, tolerance=2)


@needs_dcmtk
@pytest.mark.parametrize("variant", ["signed", "unsigned", "monochrome1", "inverse", "second window", "no window"])
def test_synthetic_grey_variants_render_as_dcmtk_does(variant, tmp_path):
    ds = ramp_dataset(signed=variant != "unsigned")
    window = None
    if variant == "monochrome1":
        ds.PhotometricInterpretation = "MONOCHROME1"
    elif variant == "inverse":
        ds.PresentationLUTShape = "INVERSE"
    elif variant == "no window":
        del ds.WindowCenter, ds.WindowWidth, ds.WindowCenterWidthExplanation
    path = write(ds, tmp_path)
    if variant == "second window":
        window = 2
        ours = render_frame(pydicom.dcmread(path), 0, file_windows(pydicom.dcmread(path))[1])
    else:
        ours = render_frame(pydicom.dcmread(path))
    reference = dcmtk_render(path, tmp_path, pydicom.dcmread(path), window=window)
    assert np.abs(ours.astype(int) - reference.astype(int)).max() <= 1


@needs_dcmtk
def test_each_frame_of_a_multiframe_image_renders_as_dcmtk_does(tmp_path):
    path = write(ramp_dataset(frames=4), tmp_path)
    for frame in range(4):
        ours = render_frame(pydicom.dcmread(path), frame)
        reference = dcmtk_render(path, tmp_path, pydicom.dcmread(path), frame=frame)
        assert np.abs(ours.astype(int) - reference.astype(int)).max() <= 1
    first, last = (render_frame(pydicom.dcmread(path), f) for f in (0, 3))
    assert not np.array_equal(first, last)


def test_file_windows_keep_their_explanations():
    windows = file_windows(ramp_dataset())
    assert windows == [Window(40, 400, "LINEAR", "SOFT TISSUE"), Window(500, 2000, "LINEAR", "BONE")]


def test_linear_window_follows_the_standards_formula():
    values = np.array([-1000.0, -160.5, 40.0, 239.5, 240.0, 3000.0])
    shown = apply_window(values, Window(40, 400))
    assert shown[0] == 0 and shown[-1] == 255
    assert shown[2] == pytest.approx(255 * ((40 - 39.5) / 399 + 0.5))
    assert np.all(np.diff(shown) >= 0)


def test_linear_exact_and_sigmoid_windows():
    values = np.array([-200.0, 40.0, 280.0])
    exact = apply_window(values, Window(40, 400, "LINEAR_EXACT"))
    assert exact.tolist() == [0.0, 127.5, 255.0]
    sigmoid = apply_window(values, Window(40, 400, "SIGMOID"))
    assert sigmoid[1] == pytest.approx(127.5) and 0 < sigmoid[0] < 30 and 225 < sigmoid[2] < 255


def test_rgba_has_opaque_alpha_and_repeats_grey():
    grey = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    rgba = to_rgba(grey)
    assert rgba.shape == (2, 2, 4) and rgba.dtype == np.uint8
    assert rgba[0, 1].tolist() == [128, 128, 128, 255]


def test_a_segmented_palette_expands_as_the_standard_describes():
    """PS3.3 C.7.9.2: a discrete segment, a linear ramp, and an indirect segment repeating both.
    DCMTK cannot render segmented palettes, so the expected colours are worked out here."""
    ds = small_dataset(rows=1, columns=8)
    ds.PhotometricInterpretation, ds.SamplesPerPixel = "PALETTE COLOR", 1
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes([0, 1, 2, 3, 4, 5, 6, 7])
    # red: 2 entries of 0 (discrete), then linear to 65535 over 2 more entries, then an
    # indirect segment copying both (4 entries again) -> 0, 0, 32768, 65535, 0, 0, 32768, 65535
    red = [0, 2, 0, 0, 1, 2, 65535, 2, 2, 0, 0]
    ramp = [0, 1, 0, 1, 7, 65535]  # 0, then linear over 7 entries up to 65535
    for colour, segments in (("Red", red), ("Green", ramp), ("Blue", [0, 8] + [65535] * 8)):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [8, 0, 16])
        setattr(ds, f"Segmented{colour}PaletteColorLookupTableData",
                np.array(segments, dtype="<u2").tobytes())
    image = render_frame(ds)[0]
    assert image[:, 0].tolist() == [0, 0, 128, 255, 0, 0, 128, 255]
    assert image[:, 1].tolist() == [round(255 * k / 7) for k in range(8)]
    assert image[:, 2].tolist() == [255] * 8


def test_real_segmented_palette_ultrasound_renders_in_colour(corpus):
    ds = pydicom.dcmread(corpus / "pydicom_data" / "gdcm-US-ALOKA-16.dcm")
    assert "SegmentedRedPaletteColorLookupTableData" in ds
    image = render_frame(ds)
    assert image.shape == (480, 640, 3) and len(np.unique(image.reshape(-1, 3), axis=0)) > 16


def test_float_parametric_maps_render_through_their_functional_groups(corpus):
    """Float and double pixel data with rescale and window in the shared functional groups."""
    for name in ("parametric_map_float.dcm", "parametric_map_double_float.dcm"):
        ds = pydicom.dcmread(corpus / "pydicom_data" / name)
        values = ds.pixel_array
        image = render_frame(ds)
        # Window 0.5/1.0 LINEAR: per PS3.3 C.11.2.1.2.1 everything above 0 is white
        assert np.array_equal(image == 255, values > 0)
