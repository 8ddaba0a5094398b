"""The display pipeline (dicompeek.pixels.display), compared pixel by pixel with DCMTK's dcmj2pnm."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicompeek.pixels.display import (
    DisplayWarning,
    Window,
    apply_window,
    file_windows,
    frame_warnings,
    histogram_window,
    render_frame,
    to_rgba,
)
from registry import pydicom_file, small_dataset

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


# --- decoding in CPython as DCMTK does (issue 12) ---------------------------------------------

needs_dcmcjpeg = pytest.mark.skipif(not shutil.which("dcmcjpeg") or not shutil.which("dcmdjpeg"),
                                    reason="DCMTK dcmcjpeg/dcmdjpeg not installed")


def dcmtk_made(source: Path, tmp_path: Path, *options: str) -> Path:
    """``source`` compressed by DCMTK's dcmcjpeg with ``options``."""
    target = tmp_path / f"{source.stem}{''.join(options)}.dcm"
    subprocess.run(["dcmcjpeg", *options, str(source), str(target)], check=True, capture_output=True)
    return target


def dcmdjpeg_values(path: Path, tmp_path: Path) -> np.ndarray:
    """The stored values DCMTK decodes from ``path`` (dcmdjpeg, then read uncompressed)."""
    target = tmp_path / f"{path.stem}.dcmdjpeg.dcm"
    subprocess.run(["dcmdjpeg", str(path), str(target)], check=True, capture_output=True)
    return pydicom.dcmread(target).pixel_array


def twelve_bit_jpeg(name: str, tmp_path: Path) -> Path:
    """pydicom's JPEG-lossy.dcm (a NEMA NM image; its scan header has a spectral selection other
    than 0..63, which pylibjpeg-libjpeg rejects and IJG only warns about), or a 12-bit JPEG
    Extended file DCMTK makes from unsigned 12-bit MR or signed CT values (dcmcjpeg +ee)."""
    if name == "JPEG-lossy.dcm":
        return pydicom_file(name)
    from registry import compression_sources

    return dcmtk_made(compression_sources(tmp_path)[name], tmp_path, "+ee")


@needs_dcmcjpeg
@pytest.mark.parametrize("name", ["JPEG-lossy.dcm", "12-bit", "signed"])
def test_12_bit_jpeg_extended_decodes_to_dcmtks_values_and_renders_as_dcmtk_does(name, tmp_path):
    """python-gdcm decodes with IJG's 12-bit libjpeg, as DCMTK does: the same stored values.
    dcmj2pnm renders JPEG-lossy.dcm despite its "Invalid SOS parameters" warning, exactly as it
    renders the file dcmdjpeg (or GDCM's gdcmconv --raw) decompressed."""
    pytest.importorskip("gdcm")
    path = twelve_bit_jpeg(name, tmp_path)
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGExtended12Bit and ds.BitsStored == 12
    render_frame(ds)  # registers the CPython decoders first
    assert np.array_equal(ds.pixel_array, dcmdjpeg_values(path, tmp_path))
    assert_close_to_dcmtk(path, tmp_path)


def test_a_12_bit_corpus_multiframe_decodes_to_dcmtks_values(corpus, tmp_path):
    """dicomParser's fragmented 12-bit JPEG Extended CT, two frames, without offset table."""
    pytest.importorskip("gdcm")
    if not shutil.which("dcmdjpeg"):
        pytest.skip("DCMTK dcmdjpeg not installed")
    path = corpus / "dicomparser/encapsulated/multi-frame/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm"
    reference = dcmdjpeg_values(path, tmp_path)
    from dicompeek.pixels.display import frame_pixels

    for frame in range(2):
        assert np.array_equal(frame_pixels(pydicom.dcmread(path), frame), reference[frame])


def test_12_bit_jpeg_without_its_decoder_fails_with_each_decoders_reason(tmp_path, capsys):
    """The GDCM plugin is optional: without it the CLI says why the frame cannot be decoded."""
    from pydicom.pixels.decoders.base import get_decoder

    from dicompeek.app.cli import main
    from dicompeek.pixels import native_decoders

    render_frame(pydicom.dcmread(pydicom_file("MR_small.dcm")))  # the decoders are registered by now
    decoder = get_decoder(pydicom.uid.JPEGExtended12Bit)
    had = native_decoders.GDCM12_LABEL in decoder.available_plugins
    if had:
        decoder.remove_plugin(native_decoders.GDCM12_LABEL)
    try:
        code = main(["render", str(pydicom_file("JPEG-lossy.dcm")), "-o", str(tmp_path / "out.png")])
    finally:
        if had:  # both of ours back, ahead of pydicom's
            if native_decoders.PILLOW_LABEL in decoder.available_plugins:
                decoder.remove_plugin(native_decoders.PILLOW_LABEL)
            native_decoders.register()
    error = capsys.readouterr().err
    assert code != 0 and not (tmp_path / "out.png").exists()
    assert "cannot decode frame 1 (JPEG Extended (Process 2 and 4))" in error
    assert "pylibjpeg:" in error and "scan start must be zero" in error


def test_a_corrupt_12_bit_frame_says_what_gdcm_said():
    pytest.importorskip("gdcm")
    from pydicom.encaps import encapsulate, generate_frames

    from dicompeek.pixels import native_decoders

    ds = pydicom.dcmread(pydicom_file("JPEG-lossy.dcm"))
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[:400] + b"\xff\xd8" + frame[400:800]])  # a second SOI
    render_frame(pydicom.dcmread(pydicom_file("MR_small.dcm")))
    ds.pixel_array_options(decoding_plugin=native_decoders.GDCM12_LABEL)
    with pytest.raises(Exception, match=r"GDCM could not decode the frame: .+"):
        _ = ds.pixel_array


def without_jfif(path: Path) -> Path:
    """``path`` with the JFIF APP0 segment taken out of every frame: libjpeg then goes by the
    component IDs (1, 2, 3: YCbCr) and pydicom no longer re-reads the photometric from JFIF."""
    from pydicom.encaps import encapsulate, generate_frames

    ds = pydicom.dcmread(path)
    frames = []
    for frame in generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1))):
        assert frame[2:4] == b"\xff\xe0"
        frames.append(frame[:2] + frame[4 + int.from_bytes(frame[4:6], "big"):])
    ds.PixelData = encapsulate(frames)
    target = path.with_name(path.stem + ".nojfif.dcm")
    ds.save_as(target)
    return target


@needs_dcmcjpeg
@pytest.mark.parametrize("frames, jfif", [(1, True), (3, True), (3, False)], ids=["1 frame", "3 frames", "no JFIF"])
def test_8_bit_colour_jpeg_renders_in_the_cli_as_dcmtk_does(frames, jfif, tmp_path):
    """DCMTK's JPEG baseline (YBR_FULL_422, chroma subsampled 2:1) of saturated colour blocks.
    Pillow's libjpeg-turbo upsamples and converts as DCMTK's IJG libjpeg does; pylibjpeg-libjpeg
    would differ by tens of levels at the edges, pydicom's YBR conversion by 1."""
    pytest.importorskip("PIL")
    from PIL import Image

    from dicompeek.app.cli import main
    from registry import colour_edges_dataset

    path = dcmtk_made(write(colour_edges_dataset(frames=frames), tmp_path, "rgb.dcm"), tmp_path, "+eb")
    if not jfif:
        path = without_jfif(path)
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGBaseline8Bit
    assert ds.PhotometricInterpretation == "YBR_FULL_422"
    with warnings.catch_warnings():  # pydicom re-reads JFIF for each frame after the first and says so
        warnings.simplefilter("ignore")
        whole = ds.pixel_array.reshape(frames, ds.Rows, ds.Columns, 3)  # every frame in one decode too
    for frame in range(frames):
        out = tmp_path / f"cli{frame}.png"
        assert main(["render", str(path), "--frame", str(frame + 1), "-o", str(out)]) == 0
        ours = np.asarray(Image.open(out).convert("RGB")).astype(int)
        reference = dcmtk_render(path, tmp_path, ds, frame=frame).astype(int)
        assert np.abs(ours - reference).max() <= 1
        assert np.abs(whole[frame].astype(int) - reference).max() <= 1
    try:  # the test can tell: the decoder pydicom would otherwise try first is far off here
        other = pydicom.pixels.pixel_array(str(path), index=0, decoding_plugin="pylibjpeg").astype(int)
    except Exception:
        return
    assert np.abs(other - dcmtk_render(path, tmp_path, ds).astype(int)).max() > 1


def test_pillow_goes_first_for_8_bit_jpeg_in_cpython_and_nothing_changes_in_pyodide(monkeypatch):
    from pydicom.pixels.decoders.base import get_decoder

    from dicompeek.pixels import native_decoders

    pytest.importorskip("PIL")
    render_frame(pydicom.dcmread(pydicom_file("MR_small.dcm")))
    for syntax in (pydicom.uid.JPEGBaseline8Bit, pydicom.uid.JPEGExtended12Bit):
        order = [label for label in get_decoder(syntax)._available if label.startswith("dicompeek-")
                 or label in native_decoders.PYDICOM_PLUGINS]
        assert order.index(native_decoders.PILLOW_LABEL) < min(
            order.index(label) for label in native_decoders.PYDICOM_PLUGINS if label in order)
    assert native_decoders.register() == []  # once only
    # in the browser Pyodide's Pillow is IJG libjpeg 9c: the page's libjpeg-turbo keeps going first
    monkeypatch.setattr(native_decoders, "EMSCRIPTEN", True)
    assert native_decoders.register() == []
    assert not native_decoders.is_available(pydicom.uid.JPEGBaseline8Bit)


# --- an invalid Modality LUT (issue 12) --------------------------------------------------------

@needs_dcmtk
@pytest.mark.parametrize("rescale", [True, False], ids=["rescale", "no rescale"])
@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_an_empty_modality_lut_descriptor_is_ignored_as_dcmtk_does(rescale, implicit, tmp_path):
    """LEADTOOLS writes Modality LUT items with an empty LUT Descriptor; DCMTK ignores the LUT
    ("incomplete or missing 'LookupTableDescriptor' ... ignoring LUT") and applies Rescale
    Slope/Intercept when present. So do we, with a warning."""
    from registry import modality_lut_dataset

    ds = modality_lut_dataset(rescale=rescale)
    if implicit:
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    path = write(ds, tmp_path)
    with pytest.warns(DisplayWarning) as caught:
        assert_close_to_dcmtk(path, tmp_path)
    fallback = "Rescale Slope and Intercept apply instead" if rescale else "the stored values are shown as they are"
    expected = f"Modality LUT Sequence ignored: its LUT Descriptor is empty; {fallback}"
    assert [str(w.message) for w in caught if w.category is DisplayWarning] == [expected]
    assert frame_warnings(pydicom.dcmread(path)) == [expected]


@pytest.mark.parametrize("descriptor, data, reason", [
    ([4096, 0], None, "its LUT Descriptor has 2 value(s), not 3"),
    ([4096, 0, 32], None, "its LUT Descriptor gives 32 bits per entry (1 to 16 are valid)"),
    ([4096, 0, 16], b"", "its LUT Data is empty"),
    ([8192, 0, 16], None, "its LUT Data holds 4096 entries, fewer than the 8192 its LUT Descriptor states"),
])
def test_other_invalid_modality_luts_are_ignored_and_say_why(descriptor, data, reason, tmp_path):
    import re

    from registry import modality_lut_dataset

    ds = modality_lut_dataset(rescale=True)
    item = ds.ModalityLUTSequence[0]
    item.LUTDescriptor = descriptor
    if data is not None:
        item["LUTData"].value = data
    path = write(ds, tmp_path)
    plain = pydicom.dcmread(path)
    del plain.ModalityLUTSequence  # what an ignored LUT must look like
    with pytest.warns(DisplayWarning, match=re.escape(f"Modality LUT Sequence ignored: {reason}; Rescale")):
        assert np.array_equal(render_frame(pydicom.dcmread(path)), render_frame(plain))


def test_a_valid_modality_lut_still_applies():
    from registry import modality_lut_dataset

    ds = modality_lut_dataset(rescale=True)
    ds.ModalityLUTSequence[0].LUTDescriptor = [4096, 0, 16]
    assert frame_warnings(ds) == []
    from dicompeek.pixels.display import modality_values

    stored = np.array([[0, 1, 4095]])
    assert modality_values(ds, stored).tolist() == [[0.0, 3.0, 12285.0]]  # the LUT, not the rescale


def test_the_automatic_window_spans_the_1st_to_99th_percentile():
    values = np.linspace(0.0, 1000.0, 10_001)
    values[:5] = -30_000.0  # a few outliers do not stretch it
    values[-5:] = 30_000.0
    window = histogram_window(values.reshape(73, 137))
    assert window.explanation == "Auto (histogram)"
    assert window.center == pytest.approx(500.0, abs=1) and window.width == pytest.approx(980.0, abs=2)
    flat = histogram_window(np.full((4, 4), 7.0))
    assert flat.width >= 1 and flat.center == pytest.approx(7.5)
    assert histogram_window(np.full((2, 2), np.nan)).width == 1.0
