"""The viewer's layers: a segmentation drawn over the CT it segments, in its segments' colours,
with a toggle per segment and an opacity; RT structures and a presentation state's arrow and text
drawn with their toggles; a report that refers to the series opens as its document, whose image
link opens the frame with the report's region. The demo holds one of each."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

hd = pytest.importorskip("highdicom")

SEG_PIXEL = """([x, y]) => Array.from(document.querySelector('#viewer-stage canvas.seg-layer')
    .getContext('2d').getImageData(x, y, 1, 1).data)"""


def show_layers(page) -> None:
    """Open the layers panel once the viewer has found the series' layers (it opens on request)."""
    page.wait_for_selector("#viewer-layers-toggle:not([hidden])", timeout=30_000)
    if page.is_hidden("#viewer-layers"):
        page.click("#viewer-layers-toggle")


def leave_viewer(page) -> None:
    """Close the layers panel (it would stay open for the next series with layers, on this shared
    page: other modules' tests expect it closed) and the viewer."""
    if page.is_visible("#viewer-layers"):
        page.click("#viewer-layers-toggle")
    page.click("#viewer-close")


@pytest.fixture(scope="module")
def study_zip(tmp_path_factory):
    from dicompeek_synthetic import ct_phantom_series
    from dicompeek_synthetic_seg import measurement_report, phantom_segmentation, segment_masks
    from registry import small_dataset, zip_bytes

    ct = ct_phantom_series(12, 64, 64)
    seg = phantom_segmentation(ct)
    members: dict[str, Dataset] = {f"CT/{n:03d}.dcm": ds for n, ds in enumerate(ct)}
    other = small_dataset()
    other.Modality = "OT"
    members.update({"SEG/seg.dcm": seg, "SR/report.dcm": measurement_report(ct, seg), "OT/other.dcm": other})
    path = tmp_path_factory.mktemp("layers") / "segmented.zip"
    path.write_bytes(zip_bytes(members))
    return path, segment_masks(ct), seg


def test_the_segmentation_is_drawn_over_its_ct_in_its_colours_and_each_segment_toggles(clean_app, study_zip):
    from dicompeek.objects.seg import read_segmentation

    path, masks, seg = study_zip
    colours = {s.number: list(s.colour) for s in read_segmentation(seg).segments}
    clean_app.open_files(path)
    page = clean_app.page
    page.click(".series-row:has(td:text-is('CT'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    show_layers(page)
    page.wait_for_selector("#viewer-layers:not([hidden]) .segment input")
    assert page.locator("#viewer-layers .layer[data-kind='SEG'] .segment-label").all_text_contents() == [
        "1. Right lung", "2. Left lung", "3. Heart"]
    assert page.locator("#viewer-layers .layer").evaluate_all("ls => ls.map(l => l.dataset.kind)") == ["SEG", "SR"]
    # a slice with the heart: the viewer shows it, and its pixels are the heart's colour
    k = next(k for k in range(len(masks)) if masks[k, :, :, 2].sum() > 50)
    page.keyboard.press("Home")
    for _ in range(k):
        page.keyboard.press("ArrowDown")
    page.wait_for_function("k => document.getElementById('viewer').dataset.index === String(k)", arg=k)
    page.wait_for_function("k => document.querySelector('canvas.seg-layer').dataset.frame?.endsWith(':0') "
                           "&& document.querySelector('canvas.seg-layer').dataset.segments !== '0'", arg=k)
    rows, columns = masks[k, :, :, 2].nonzero()
    heart = [int(columns[len(columns) // 2]), int(rows[len(rows) // 2])]
    outside = [0, 0]
    assert page.evaluate(SEG_PIXEL, heart) == [*colours[3], 255]
    assert page.evaluate(SEG_PIXEL, outside)[3] == 0
    # the heart toggled off: nothing drawn there; on again: drawn
    page.locator("#viewer-layers .segment input[data-segment='3']").uncheck()
    page.wait_for_function("p => { const c = document.querySelector('canvas.seg-layer'); return c.hidden || "
                           "c.getContext('2d').getImageData(p[0], p[1], 1, 1).data[3] === 0; }", arg=heart)
    page.locator("#viewer-layers .segment input[data-segment='3']").check()
    page.wait_for_function("p => document.querySelector('canvas.seg-layer').getContext('2d')"
                           ".getImageData(p[0], p[1], 1, 1).data[3] === 255", arg=heart)
    # opacity is the layer's own
    page.fill("#layers-opacity", "0.8")
    page.locator("#layers-opacity").dispatch_event("input")
    assert page.evaluate("() => document.querySelector('canvas.seg-layer').style.opacity") == "0.8"
    leave_viewer(page)


def test_a_series_without_derived_objects_has_no_layers_and_a_segmentation_lists_its_report(clean_app, study_zip):
    path, _masks, _seg = study_zip
    clean_app.open_files(path)
    page = clean_app.page
    page.click(".series-row:has(td:text-is('SEG'))")  # the report measures a segment of it
    show_layers(page)
    page.wait_for_selector("#viewer-layers:not([hidden]) .layer[data-kind='SR']")
    leave_viewer(page)
    page.click(".series-row:has(td:text-is('OT'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    page.wait_for_selector("#viewer-layers[data-layers='0']", state="attached")  # asked for after the first image
    assert page.is_hidden("#viewer-layers-toggle") and page.is_hidden("#viewer-layers")
    leave_viewer(page)


LAYER_GROUPS = """() => [...document.querySelectorAll('#viewer-stage .graphic-layer:not([hidden]) g.graphic')]
    .map(g => [g.dataset.graphic, g.dataset.roi || '', g.dataset.colour || ''])"""


def colour_count(page, colour) -> int:
    return page.evaluate("""c => { const l = document.querySelector('#viewer-stage canvas.seg-layer');
        if (l.hidden) return 0;
        const d = l.getContext('2d').getImageData(0, 0, l.width, l.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] === c[0] && d[i + 1] === c[1] && d[i + 2] === c[2] && d[i + 3]) n++;
        }
        return n; }""", colour)


def test_the_demo_shows_every_derived_object_over_its_ct(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    # the summary lists the four objects made from the CT right under it
    rows = page.eval_on_selector_all(
        ".series-row", "rs => rs.map(r => [r.children[1].textContent, r.classList.contains('derived-row')])")
    start = rows.index(["CT", False])
    assert rows[start + 1:start + 5] == [["SEG", True], ["SR", True], ["RTSTRUCT", True], ["PR", True]]
    page.click(".series-row:has(td:text-is('CT'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    show_layers(page)
    page.wait_for_selector("#viewer-layers:not([hidden])[data-layers='4']")
    assert page.text_content("#viewer-layers-toggle") == "Layers (4)"
    bar = page.evaluate("""() => [...document.querySelector('.viewer-bar').children]
        .filter(c => c.getClientRects().length).map(c => { const r = c.getBoundingClientRect();
          return (r.top + r.bottom) / 2; })""")
    assert max(bar) - min(bar) < 4, bar  # the toolbar is one row at 1280 px with the Layers button
    kinds = page.locator("#viewer-layers .layer").evaluate_all("ls => ls.map(l => l.dataset.kind)")
    assert kinds == ["SEG", "SR", "RTSTRUCT", "PR"]
    heart = page.locator("#viewer-layers .layer[data-kind='SEG'] .segment input[data-segment='3'] ~ .swatch")
    colour = [int(v) for v in heart.evaluate("s => getComputedStyle(s).backgroundColor").strip("rgb()").split(",")]
    # the presentation state's arrow is on the slice through the heart: scroll to it
    for _ in range(64):
        if any(g[0] == "ARROW" for g in page.evaluate(LAYER_GROUPS)):
            break
        index = int(page.get_attribute("#viewer", "data-index"))
        page.keyboard.press("ArrowDown")
        page.wait_for_function("i => document.getElementById('viewer').dataset.index === String(i)", arg=index + 1)
    groups = page.evaluate(LAYER_GROUPS)
    assert any(g[0] == "ARROW" for g in groups)
    assert page.text_content("#viewer-stage .graphic-layer .graphic-text text") == "Heart"
    rois = {g[1] for g in groups if g[1]}
    assert len(rois) == 3 and all(g[0] == "POLYGON" for g in groups if g[1])
    # the heart segment in its colour, read back from the canvas; off, then on again
    page.wait_for_function("() => document.querySelector('canvas.seg-layer').dataset.segments === '3'")
    assert colour_count(page, colour) > 50
    page.locator("#viewer-layers .segment input[data-segment='3']").uncheck()
    page.wait_for_function("() => document.querySelector('canvas.seg-layer').dataset.segments === '2'")
    assert colour_count(page, colour) == 0
    page.locator("#viewer-layers .segment input[data-segment='3']").check()
    page.wait_for_function("() => document.querySelector('canvas.seg-layer').dataset.segments === '3'")
    # an ROI and the presentation state toggle
    heart_roi = page.locator("#viewer-layers .layer[data-kind='RTSTRUCT'] .segment:has-text('Heart') input")
    heart_roi.uncheck()
    assert len({g[1] for g in page.evaluate(LAYER_GROUPS) if g[1]}) == 2
    heart_roi.check()
    page.locator("#viewer-layers .layer[data-kind='PR'] input[data-state]").uncheck()
    assert not any(g[0] == "ARROW" for g in page.evaluate(LAYER_GROUPS))
    page.locator("#viewer-layers .layer[data-kind='PR'] input[data-state]").check()
    # its window, on request
    page.locator("#viewer-layers .layer[data-kind='PR'] input[data-window]").check()
    page.wait_for_function("() => document.getElementById('overlay-br').textContent.includes('W 350 L 50')")
    # the report: its document, and its image link opens the nodule's slice with its region drawn
    page.click("#viewer-layers .layer[data-kind='SR'] button")
    page.wait_for_selector("#sr:not([hidden]) .sr-document")
    assert "Diameter" in page.text_content("#sr")
    page.click("#sr button.sr-image")
    page.wait_for_selector("#viewer-stage .graphic-layer:not([hidden]) g.graphic[data-graphic='POLYLINE']",
                           state="attached")  # a horizontal line: no height, never "visible" to Playwright
    leave_viewer(page)
    page.click("#sr-close")


def test_the_demo_segmentation_opened_itself_shows_each_frame_in_its_segment_colour(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.click(".series-row:has(td:text-is('SEG'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    show_layers(page)
    page.wait_for_selector("#viewer-layers:not([hidden]) .layer[data-kind='SEG'] .segment input")
    assert page.text_content("#viewer-layers .layer[data-kind='SEG'] > strong").startswith("This segmentation")
    page.wait_for_function("() => document.querySelector('canvas.seg-layer').dataset.segments === '1'")
    assert page.evaluate("() => document.querySelector('canvas.seg-layer').style.opacity") == "1"
    swatches = page.locator("#viewer-layers .segment .swatch").evaluate_all(
        "ss => ss.map(s => getComputedStyle(s).backgroundColor.match(/\\d+/g).map(Number))")
    drawn = page.evaluate("""() => { const l = document.querySelector('canvas.seg-layer');
        const d = l.getContext('2d').getImageData(0, 0, l.width, l.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]) return [d[i], d[i + 1], d[i + 2]];
        return null; }""")
    assert drawn in swatches
    leave_viewer(page)


def test_a_key_object_selection_lists_its_images_each_opening_its_frame(clean_app, tmp_path):
    from dicompeek_synthetic import ct_phantom_series
    from dicompeek_synthetic_pr import key_object_selection
    from registry import zip_bytes

    ct = ct_phantom_series(8, 32, 32)
    chosen = [ct[2], ct[5]]
    members: dict[str, Dataset] = {f"CT/{n}.dcm": ds for n, ds in enumerate(ct)}
    members["KO/ko.dcm"] = key_object_selection(chosen)
    (tmp_path / "ko.zip").write_bytes(zip_bytes(members))
    clean_app.open_files(tmp_path / "ko.zip")
    page = clean_app.page
    page.click(".series-row:has(td:text-is('KO'))")
    page.wait_for_selector("#sr:not([hidden]) .sr-document")
    assert "Of Interest" in page.text_content("#sr")
    assert page.locator("#sr button.sr-image").count() == 2
    page.locator("#sr button.sr-image").nth(1).click()
    page.wait_for_function("() => !document.getElementById('viewer').hidden "
                           "&& document.getElementById('viewer').dataset.index === '5'")
    leave_viewer(page)
    page.click("#sr-close")


#: Where frame pixel (x, y) is on screen with the image rotated clockwise and then flipped.
TURNED_TO_CLIENT = """([x, y, rotation, flip]) => { const c = document.getElementById('viewer-canvas');
    const r = c.getBoundingClientRect(); const zoom = Math.max(r.width, r.height) / Math.max(c.width, c.height);
    let [dx, dy] = [(x - c.width / 2) * zoom, (y - c.height / 2) * zoom];
    const a = rotation * Math.PI / 180;
    [dx, dy] = [dx * Math.cos(a) - dy * Math.sin(a), dx * Math.sin(a) + dy * Math.cos(a)];
    if (flip) dx = -dx;
    return [r.left + r.width / 2 + dx, r.top + r.height / 2 + dy]; }"""


def open_turned(clean_app, tmp_path, rows: int, columns: int, flip: bool):
    """A CT series with a presentation state that turns it a quarter (and flips it), open in the
    viewer with its layers shown; the page."""
    from dicompeek_synthetic import ct_phantom_series
    from dicompeek_synthetic_pr import presentation_state
    from registry import zip_bytes

    ct = ct_phantom_series(6, rows, columns)
    state = presentation_state(ct)
    state.ImageRotation, state.ImageHorizontalFlip = 90, "Y" if flip else "N"
    members: dict[str, Dataset] = {f"CT/{n}.dcm": ds for n, ds in enumerate(ct)}
    members["PR/pr.dcm"] = state
    (tmp_path / "turned.zip").write_bytes(zip_bytes(members))
    clean_app.open_files(tmp_path / "turned.zip")
    page = clean_app.page
    page.click(".series-row:has(td:text-is('CT'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    show_layers(page)
    return page


def test_a_presentation_states_rotation_and_flip_apply_on_request_with_letters_and_probe(clean_app, tmp_path):
    page = open_turned(clean_app, tmp_path, 64, 64, flip=True)
    letters = [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")]
    assert letters == ["R", "L", "A", "P"]  # an axial slice as stored
    page.locator("#viewer-layers input[data-turn]").check()
    page.wait_for_function("() => document.getElementById('viewer').dataset.turn === '90 flip'")
    # rotated clockwise: the patient's back (P) on the left, right (R) at the top; then flipped
    assert [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")] == ["A", "P", "R", "L"]
    x, y = page.evaluate(TURNED_TO_CLIENT, [10.5, 20.5, 90, True])
    page.mouse.move(x, y)
    page.wait_for_function("() => document.getElementById('viewer-probe').textContent.startsWith('x 10 y 20')")
    page.locator("#viewer-layers input[data-turn]").uncheck()
    page.wait_for_function("() => document.getElementById('viewer').dataset.turn === '0'")
    assert [page.text_content(f"#orient-{e}") for e in ("left", "right", "top", "bottom")] == letters
    leave_viewer(page)


#: The canvas's box on screen (turned) and the stage's.
BOXES = """() => [document.getElementById('viewer-canvas'), document.getElementById('viewer-stage')]
    .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


def test_fit_fits_a_wide_image_turned_a_quarter_inside_the_stage(clean_app, tmp_path):
    page = open_turned(clean_app, tmp_path, 32, 160, flip=False)  # five times as wide as it is high
    page.locator("#viewer-layers input[data-turn]").check()
    page.wait_for_function("() => document.getElementById('viewer').dataset.turn === '90'")
    (left, top, right, bottom), (stage_left, stage_top, stage_right, stage_bottom) = page.evaluate(BOXES)
    assert bottom - top > 4 * (right - left)  # turned: now tall
    slack = 1.5
    assert stage_left - slack <= left and right <= stage_right + slack
    assert stage_top - slack <= top and bottom <= stage_bottom + slack
    # and as large as fits: it spans the stage's height
    assert bottom - top >= stage_bottom - stage_top - 2 * slack
    page.locator("#viewer-layers input[data-turn]").uncheck()
    page.wait_for_function("() => document.getElementById('viewer').dataset.turn === '0'")
    (left, top, right, bottom), (stage_left, _, stage_right, _) = page.evaluate(BOXES)
    assert right - left > 4 * (bottom - top) and right - left <= stage_right - stage_left + 2 * slack
    leave_viewer(page)
