"""Compressed pixel data decoded in the browser by the WebAssembly and JavaScript codecs.

Every compressed transfer syntax is made with DCMTK, OpenJPH or pydicom
(tests/registry.py), opened in the page and shown in the viewer; the canvas
must hold the image CPython's pipeline renders from the uncompressed original
(lossless syntaxes) or from the variant decompressed by an independent tool
(lossy ones: DCMTK's dcmdjpeg and dcmdjpls, OpenJPEG for JPEG 2000).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicompeek.pixels.display import render_frame, to_rgba
from registry import compressed_variants, zip_bytes

CANVAS_PNG = "() => document.getElementById('viewer-canvas').toDataURL('image/png')"

#: Grey levels a lossy variant may differ from its reference (all others: none).
TOLERANCE = {
    "JPEG 12 BIT": 1,       # Cornerstone's JavaScript IDCT against IJG's: ±1 stored value
    "JPGExtended.dcm": 1,
    "JPEG-lossy.dcm": 1,    # 12-bit NM whose scan header has a spectral selection other than 0..63
    "HTJ2K": 1,             # OpenJPH in the browser, OpenJPEG for the reference
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    return compressed_variants(tmp_path_factory.mktemp("variants"))


def shown_images(app, archive, names) -> dict[str, np.ndarray | str]:
    """Open ``archive`` and show the series with each description: the canvas as RGBA, or the message."""
    from PIL import Image

    app.open_files(archive)
    page = app.page
    shown = {}
    for name in names:
        page.click(f".series-row:has(td:text-is('{name}'))")
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        message = page.text_content("#viewer-message")
        png = base64.b64decode(page.evaluate(CANVAS_PNG).split(",", 1)[1])
        page.click("#viewer-close")
        shown[name] = message or np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    return shown


def differences(shown: dict, expected_files: dict[str, Path]) -> dict[str, str | int]:
    """Largest grey-level difference from CPython's render of each expected file, or the message."""
    out: dict[str, str | int] = {}
    for name, image in shown.items():
        if isinstance(image, str):
            out[name] = image
            continue
        expected = to_rgba(render_frame(pydicom.dcmread(expected_files[name])))
        out[name] = (int(np.abs(image.astype(int) - expected).max()) if image.shape == expected.shape
                     else f"shown {image.shape}, expected {expected.shape}")
    return out


def within_tolerance(name: str, difference: int | str) -> bool:
    return isinstance(difference, int) and difference <= TOLERANCE.get(name, 0)


def test_every_compressed_syntax_shows_the_image_cpython_renders(clean_app, variants, tmp_path):
    assert len(variants) >= 12, [v.name for v in variants]
    archive = tmp_path / "compressed.zip"
    archive.write_bytes(zip_bytes({f"{v.name}.dcm": v.path.read_bytes() for v in variants}))
    shown = shown_images(clean_app, archive, [v.name for v in variants])
    found = differences(shown, {v.name: v.reference for v in variants})
    assert {name: d for name, d in found.items() if not within_tolerance(name, d)} == {}


def test_a_corrupt_compressed_frame_names_its_syntax_and_the_next_series_still_shows(clean_app, variants, tmp_path):
    from pydicom.encaps import encapsulate

    from dicompeek_synthetic import dataset_bytes

    good = next(v for v in variants if v.name == "JPEG-LS")
    ds = pydicom.dcmread(good.path)
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xf7" + bytes(200)])  # a JPEG-LS start, then nothing
    ds.SeriesInstanceUID, ds.SeriesDescription = pydicom.uid.generate_uid(), "BROKEN JPEG-LS"
    archive = tmp_path / "broken.zip"
    archive.write_bytes(zip_bytes({"broken.dcm": dataset_bytes(ds), "good.dcm": good.path.read_bytes()}))
    clean_app.open_files(archive)
    page = clean_app.page
    page.click(".series-row:has(td:text-is('BROKEN JPEG-LS'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    assert page.text_content("#viewer-message").startswith("cannot decode frame 1 (JPEG-LS Lossless Image Compression)")
    page.click("#viewer-close")
    page.click(".series-row:has(td:text-is('JPEG-LS'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    assert page.text_content("#viewer-message") == ""
    page.click("#viewer-close")


#: pydicom's own compressed test files: odd colour signalling, 12-bit JPEG, J2K quirks.
PYDICOM_COMPRESSED = [
    "SC_jpeg_no_color_transform.dcm",    # RGB without a colour transform: libjpeg-turbo must not decode it
    "SC_jpeg_no_color_transform_2.dcm",
    "SC_rgb_jpeg_app14_dcmd.dcm",
    "SC_rgb_jpeg_lossy_gdcm.dcm",
    "JPGExtended.dcm",
    "JPEG-lossy.dcm",                    # 12-bit, odd scan header: IJG (DCMTK) warns and decodes it
    "JPEG2000.dcm",
    "J2K_pixelrep_mismatch.dcm",
    "GDCMJ2K_TextGBR.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "JPEGLSNearLossless_16.dcm",
    "JPEGLSNearLossless_08.dcm",
    "693_J2KI.dcm",
    "SC_rgb_jpeg.dcm",
]


def test_pydicoms_compressed_files_show_what_dcmtk_or_pydicom_decodes(clean_app, tmp_path):
    """Reference: DCMTK's dcmdjpeg/dcmdjpls where it decodes the syntax, else pydicom with pylibjpeg."""
    from dicompeek_synthetic import dataset_bytes
    from registry import decompressed, pydicom_file

    members, references = {}, {}
    for name in PYDICOM_COMPRESSED:
        ds = pydicom.dcmread(pydicom_file(name))
        ds.SeriesInstanceUID, ds.SeriesDescription = pydicom.uid.generate_uid(), name
        ds.StudyInstanceUID = ds.get("StudyInstanceUID") or pydicom.uid.generate_uid()  # some have none
        members[name] = dataset_bytes(ds)
        (tmp_path / name).write_bytes(members[name])
        references[name] = decompressed(tmp_path / name, tmp_path / f"{name}.reference")
    archive = tmp_path / "pydicom.zip"
    archive.write_bytes(zip_bytes(members))
    found = differences(shown_images(clean_app, archive, list(members)), references)
    assert {name: d for name, d in found.items() if not within_tolerance(name, d)} == {}
