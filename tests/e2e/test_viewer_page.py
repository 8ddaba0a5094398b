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


# --- the viewer people know (issue 17, part 4) -------------------------------------------------

TO_CLIENT = """([x, y]) => { const c = document.getElementById('viewer-canvas'); const r = c.getBoundingClientRect();
    return [r.left + x / c.width * r.width, r.top + y / c.height * r.height]; }"""


def drag_on_frame(page, start, end) -> None:
    """A left-button drag between two points given in the frame's pixels."""
    x0, y0 = page.evaluate(TO_CLIENT, list(start))
    x1, y1 = page.evaluate(TO_CLIENT, list(end))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def measured(page, before: int) -> str:
    page.wait_for_function("n => Number(document.getElementById('viewer-measure').dataset.measured || 0) > n",
                           arg=before)
    return page.text_content("#viewer-measure")


def measured_count(page) -> int:
    return int(page.get_attribute("#viewer-measure", "data-measured") or 0)


def test_the_series_strip_shows_every_series_with_a_thumbnail_and_switches_in_place(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    page.wait_for_function("() => document.querySelectorAll('#viewer-strip .strip-item[data-thumbnail=shown] img')"
                           ".length === 4")
    items = page.locator("#viewer-strip .strip-item")
    assert items.count() == 4  # the demo's image series: CT, its SEG and OT in one study, MR in another
    assert page.get_attribute(".strip-item[aria-current=true]", "data-series-uid") == \
        page.evaluate("() => document.querySelector('.strip-item[aria-current=true]').dataset.seriesUid")
    assert "CT #2" in page.text_content(".strip-item[aria-current=true]")
    sizes = page.eval_on_selector_all("#viewer-strip img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(size > 0 for size in sizes)
    page.click(".strip-item:has-text('MR #3')")
    page.wait_for_function("() => document.getElementById('viewer').dataset.frames === '24'"
                           " && document.getElementById('viewer').dataset.index === '0'")
    assert page.is_visible("#viewer") and page.text_content("#viewer-title").startswith("MR #3")
    assert [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")] == ["A", "P", "H", "F"]
    assert "MR #3" in page.text_content(".strip-item[aria-current=true]")


def measure_zip(tmp_path, name: str, *, spacing: str = "PixelSpacing"):
    """A 100 × 100 CT whose top half is 40 HU and bottom half -1000 HU, with pixels 0.5 mm high
    and 0.25 mm wide (Pixel Spacing 0.5\\0.25: rows first) given as ``spacing``."""
    import numpy as np

    from dicompeek_synthetic import dataset_bytes
    from registry import small_dataset, zip_bytes

    ds = small_dataset(rows=100, columns=100, patient_id=name.upper())
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    setattr(ds, spacing, [0.5, 0.25])
    stored = np.full((100, 100), 1024 + 40, dtype="<u2")
    stored[50:, :] = 24
    ds.PixelData = stored.tobytes()
    path = tmp_path / f"{name}.zip"
    path.write_bytes(zip_bytes({f"{name}.dcm": dataset_bytes(ds)}))
    return path


def test_the_length_tool_measures_in_mm_from_pixel_spacing_rows_first(clean_app, tmp_path):
    clean_app.open_files(measure_zip(tmp_path, "length"))
    page = clean_app.page
    open_series(clean_app, "CT")
    page.keyboard.press("l")
    assert page.get_attribute("#viewer-tool-length", "aria-pressed") == "true"
    before = measured_count(page)
    drag_on_frame(page, (10, 30), (90, 30))  # 80 columns × 0.25 mm
    assert measured(page, before) == "Length: 20.0 mm"
    drag_on_frame(page, (20, 10), (20, 50))  # 40 rows × 0.5 mm
    assert measured(page, before + 1) == "Length: 20.0 mm"
    drag_on_frame(page, (10, 10), (40, 50))  # 30 columns and 40 rows: hypot(7.5, 20)
    assert measured(page, before + 2) == "Length: 21.4 mm"
    assert page.get_attribute(".measure-layer", "data-count") == "3"
    assert "21.4 mm" in page.text_content(".measure-layer")
    page.keyboard.press("Escape")  # ends the tool; the viewer stays
    assert page.get_attribute("#viewer-tool-length", "aria-pressed") == "false" and page.is_visible("#viewer")
    page.click("#viewer-close")


def test_imager_pixel_spacing_gives_mm_with_its_note(clean_app, tmp_path):
    clean_app.open_files(measure_zip(tmp_path, "imager", spacing="ImagerPixelSpacing"))
    page = clean_app.page
    open_series(clean_app, "CT")
    page.click("#viewer-tool-length")
    before = measured_count(page)
    drag_on_frame(page, (10, 30), (90, 30))
    assert measured(page, before) == ("Length: 20.0 mm (Imager Pixel Spacing: at the detector, "
                                      "not corrected for magnification)")
    page.click("#viewer-close")


def test_an_roi_on_a_flat_region_reads_its_hounsfield_units(clean_app, tmp_path):
    clean_app.open_files(measure_zip(tmp_path, "roi"))
    page = clean_app.page
    open_series(clean_app, "CT")
    page.keyboard.press("e")
    before = measured_count(page)
    drag_on_frame(page, (10, 5), (90, 45))  # inside the 40 HU half
    text = measured(page, before)
    assert text.startswith("Ellipse ROI: mean 40.0 HU · SD 0.0 · area ")
    area = float(text.split("area ")[1].split(" mm²")[0])
    assert abs(area - 3.14159 / 4 * 80 * 0.25 * 40 * 0.5) < 1
    page.keyboard.press("r")
    drag_on_frame(page, (0, 25), (100, 75))  # half and half
    assert measured(page, before + 1).startswith("Rectangle ROI: mean -480.0 HU · SD 520.0 · area 625.0 mm²")
    page.click("#viewer-close")


def test_the_probe_follows_the_slice_under_a_still_pointer(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    x, y = page.evaluate(TO_CLIENT, [64, 64])
    page.mouse.move(x, y)
    page.wait_for_function("() => document.getElementById('viewer-probe').dataset.entry"
                           " === document.getElementById('viewer').dataset.entry")
    assert "HU" in page.text_content("#viewer-probe")
    for index in (1, 2):
        page.keyboard.press("ArrowDown")
        wait_index(page, index)
        page.wait_for_function("() => document.getElementById('viewer-probe').dataset.entry"
                               " === document.getElementById('viewer').dataset.entry")
    assert page.text_content("#viewer-probe").startswith("x 64 y 64")


def test_warnings_have_their_own_line_and_the_toolbar_one_row_at_1280_by_720(clean_app, tmp_path):
    from dicompeek_synthetic import ct_phantom_series
    from registry import zip_bytes

    series = ct_phantom_series(12, 64, 64, patient_id="GAP")
    del series[5]  # a missing slice: uneven spacing
    (tmp_path / "gap.zip").write_bytes(zip_bytes({f"CT/{i}.dcm": ds for i, ds in enumerate(series)}))
    clean_app.open_files(tmp_path / "gap.zip")
    page = clean_app.page
    page.set_viewport_size({"width": 1280, "height": 720})
    open_series(clean_app, "CT")
    warnings = page.text_content("#viewer-warnings")
    assert warnings and page.is_visible("#viewer-warnings")
    assert page.text_content("#viewer-title") == "CT #2 AXIAL 2.5 MM"
    middles, height = page.evaluate("""() => { const bar = document.querySelector('.viewer-bar');
        const middles = [...bar.children].filter(c => c.getClientRects().length).map(c => {
          const r = c.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
        return [middles, bar.getBoundingClientRect().height]; }""")
    assert max(middles) - min(middles) < 4 and height < 50, (middles, height)  # one row
    sizes = page.eval_on_selector_all(".corner, .orient",
                                      "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))")
    assert min(sizes) >= 14, sizes
    page.click("#viewer-close")


def test_mr_offers_an_automatic_window_and_ct_presets_have_no_duplicates(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    labels = page.eval_on_selector_all("#viewer-preset option", "options => options.map(o => o.textContent)")
    names = [label.split(":")[0].strip().lower() for label in labels]
    assert len(names) == len(set(names)), labels
    assert "soft tissue" in names and "Soft tissue: W 400 L 40" not in labels  # the file's SOFT TISSUE is the one
    page.click(".strip-item:has-text('MR #3')")
    page.wait_for_function("() => document.getElementById('viewer').dataset.frames === '24'"
                           " && document.getElementById('viewer').dataset.index === '0'")
    before = page.text_content("#overlay-br")
    page.select_option("#viewer-preset", label="Auto (histogram)")
    page.wait_for_function("b => document.getElementById('overlay-br').textContent !== b", arg=before)
    page.keyboard.press("ArrowDown")  # the automatic window is the frame's own, slice after slice
    wait_index(page, 1)
    assert page.input_value("#viewer-preset") == "auto"


def test_full_screen_with_f_and_the_button(viewer):
    open_series(viewer, "CT")
    page = viewer.page
    page.focus("#viewer")
    page.keyboard.press("f")
    # the button says so once "fullscreenchange" has fired, which comes after fullscreenElement is set
    page.wait_for_function("() => document.fullscreenElement === document.getElementById('viewer')"
                           " && document.getElementById('viewer-fullscreen').getAttribute('aria-pressed') === 'true'")
    page.click("#viewer-fullscreen")
    page.wait_for_function("() => document.fullscreenElement === null")
