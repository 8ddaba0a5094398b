"""The image viewer in the page: what a person sees and does with a series."""

from __future__ import annotations

import pytest

CANVAS_PIXEL = """([x, y]) => Array.from(document.getElementById('viewer-canvas')
    .getContext('2d').getImageData(x, y, 1, 1).data)"""


@pytest.fixture
def viewer(clean_app):
    clean_app.open_demo()
    yield clean_app
    if clean_app.page.is_visible("#viewer"):
        clean_app.page.click("#viewer-close")


def open_series(app, modality: str) -> None:
    page = app.page
    page.click(f".series-row:has(td:text-is('{modality}'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")


def wait_index(page, index: int) -> None:
    page.wait_for_function("i => document.getElementById('viewer').dataset.index === String(i)", arg=index)


def test_clicking_a_series_shows_its_first_image_with_letters_and_overlays(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    assert page.get_attribute("#viewer", "data-frames") == "64"
    assert page.evaluate("() => [document.getElementById('viewer-canvas').width, "
                         "document.getElementById('viewer-canvas').height]") == [128, 128]
    body = page.evaluate(CANVAS_PIXEL, [64, 64])
    air = page.evaluate(CANVAS_PIXEL, [1, 1])
    assert air == [0, 0, 0, 255] and body[0] > 50  # soft-tissue window: air black, body grey
    letters = [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")]
    assert letters == ["R", "L", "A", "P"]
    assert "Image 1 / 64" in page.text_content("#overlay-bl")
    assert "DEMO^PHANTOM" in page.text_content("#overlay-tl")
    assert "W 400 L 40" in page.text_content("#overlay-br")


def test_wheel_keys_and_slider_scroll_through_slices(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    page.mouse.move(640, 400)
    page.mouse.wheel(0, 100)
    wait_index(page, 1)
    page.keyboard.press("ArrowDown")
    wait_index(page, 2)
    page.keyboard.press("End")
    wait_index(page, 63)
    assert "Image 64 / 64" in page.text_content("#overlay-bl")
    page.fill("#viewer-slider", "10")
    page.dispatch_event("#viewer-slider", "input")
    wait_index(page, 10)


def test_dragging_changes_window_and_level(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    before = page.evaluate(CANVAS_PIXEL, [64, 64])
    box = page.locator("#viewer-stage").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 100, y + 60, steps=4)
    page.mouse.up()
    page.wait_for_function("() => !document.getElementById('overlay-br').textContent.includes('W 400 L 40')")
    assert page.evaluate(CANVAS_PIXEL, [64, 64]) != before


def test_presets_and_invert(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    page.select_option("#viewer-preset", label="Lung: W 1500 L -600")
    page.wait_for_function("() => document.getElementById('overlay-br').textContent.includes('W 1500 L -600')")
    lung = page.evaluate(CANVAS_PIXEL, [64, 64])
    page.check("#viewer-invert")
    page.wait_for_function("([x, y, v]) => document.getElementById('viewer-canvas').getContext('2d')"
                           ".getImageData(x, y, 1, 1).data[0] === 255 - v", arg=[64, 64, lung[0]])


def test_sagittal_mr_has_its_own_letters_and_escape_closes(viewer):
    open_series(viewer, "MR")
    page = viewer.page
    letters = [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")]
    assert letters == ["A", "P", "H", "F"]
    assert "TR" in page.text_content("#overlay-bl")
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer", state="hidden")


def test_jpeg_baseline_and_rle_decode_in_the_browser(clean_app, tmp_path):
    from registry import pydicom_file, zip_bytes

    files = {name: pydicom_file(name).read_bytes() for name in ("SC_rgb_jpeg_dcmtk.dcm", "MR_small_RLE.dcm")}
    (tmp_path / "compressed.zip").write_bytes(zip_bytes(files))
    clean_app.open_files(tmp_path / "compressed.zip")
    page = clean_app.page
    for modality in ("MR", "OT"):
        page.click(f".series-row:has(td:text-is('{modality}'))")
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        assert page.text_content("#viewer-message") == ""
        assert max(page.evaluate(CANVAS_PIXEL, [20, 20])[:3]) > 0
        page.click("#viewer-close")


def test_an_undecodable_frame_shows_a_message_naming_the_syntax(clean_app, tmp_path):
    from pydicom.encaps import encapsulate
    from pydicom.uid import MPEG2MPML

    from dicompeek_synthetic import dataset_bytes
    from registry import small_dataset, zip_bytes

    ds = small_dataset(patient_id="MPEG")
    ds.file_meta.TransferSyntaxUID = MPEG2MPML  # 1.2.840.10008.1.2.4.100
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(60)])
    (tmp_path / "mpeg.zip").write_bytes(zip_bytes({"mpeg.dcm": dataset_bytes(ds)}))
    clean_app.open_files(tmp_path / "mpeg.zip")
    page = clean_app.page
    page.click(".series-row")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    assert page.text_content("#viewer-message").startswith("cannot decode frame 1 (MPEG2 Main Profile / Main Level)")
    page.click("#viewer-close")


def canvas_rgba(page):
    """The whole canvas as (rows, columns, 4) RGBA."""
    import numpy as np

    width, height, data = page.evaluate("""() => { const c = document.getElementById('viewer-canvas');
        return [c.width, c.height, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)]; }""")
    return np.array(data, dtype=np.uint8).reshape(height, width, 4)


def test_issue_12_files_index_show_and_warn_as_in_cpython(clean_app, tmp_path):
    """The same Python in the page: a dataset without preamble holding "DICM" at byte 128 is
    DICOM and shows; a Modality LUT with an empty LUT Descriptor is ignored, the image shows
    (as CPython renders it) and the series' warnings say why."""
    import io
    import warnings

    import numpy as np
    import pydicom

    from dicompeek.pixels.display import render_frame, to_rgba
    from dicompeek_synthetic import dataset_bytes
    from registry import dicm_at_128_bytes, modality_lut_dataset, small_dataset, zip_bytes

    dicm = small_dataset(rows=16, columns=16, patient_id="DICM")
    dicm.Modality, dicm.PixelData = "MR", (np.arange(256, dtype="<u2") * 16).tobytes()
    lut = modality_lut_dataset(rescale=True)
    (tmp_path / "issue12.zip").write_bytes(zip_bytes({"IM0001": dicm_at_128_bytes(dicm),
                                                      "lut.dcm": dataset_bytes(lut)}))
    clean_app.open_files(tmp_path / "issue12.zip")
    assert clean_app.totals()["dicom"] == 2 and clean_app.totals()["unreadable"] == 0
    page = clean_app.page
    open_series(clean_app, "MR")
    assert page.text_content("#viewer-message") == ""
    page.click("#viewer-close")
    open_series(clean_app, "CT")
    assert page.text_content("#viewer-message") == ""
    assert "Modality LUT Sequence ignored: its LUT Descriptor is empty; Rescale Slope and Intercept apply " \
           "instead" in page.text_content("#viewer-warnings")
    with warnings.catch_warnings():  # the DisplayWarning the viewer's reply carries instead
        warnings.simplefilter("ignore")
        expected = to_rgba(render_frame(pydicom.dcmread(io.BytesIO(dataset_bytes(lut)))))
    assert np.array_equal(canvas_rgba(page), expected)
    page.click("#viewer-close")


def test_cine_plays_and_the_view_saves_as_png(viewer, tmp_path):
    open_series(viewer, "CT")
    page = viewer.page
    page.fill("#viewer-fps", "30")
    page.click("#viewer-play")
    page.wait_for_function("() => Number(document.getElementById('viewer').dataset.index) >= 3")
    page.click("#viewer-play")
    assert page.text_content("#viewer-play") == "Play"
    with page.expect_download() as download:
        page.click("#viewer-save")
    saved = tmp_path / "view.png"
    download.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
