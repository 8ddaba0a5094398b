"""The viewer's layers: a segmentation drawn over the CT it segments, in its segments' colours,
with a toggle per segment and an opacity; the derived objects listed beside the image."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

hd = pytest.importorskip("highdicom")

SEG_PIXEL = """([x, y]) => Array.from(document.querySelector('#viewer-stage canvas.seg-layer')
    .getContext('2d').getImageData(x, y, 1, 1).data)"""


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
    page.wait_for_selector("#viewer-layers:not([hidden]) .segment input", timeout=30_000)
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
    page.click("#viewer-close")


def test_a_series_without_derived_objects_has_no_layers_and_a_segmentation_lists_its_report(clean_app, study_zip):
    path, _masks, _seg = study_zip
    clean_app.open_files(path)
    page = clean_app.page
    page.click(".series-row:has(td:text-is('SEG'))")  # the report measures a segment of it
    page.wait_for_selector("#viewer-layers:not([hidden]) .layer[data-kind='SR']", timeout=30_000)
    page.click("#viewer-close")
    page.click(".series-row:has(td:text-is('OT'))")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    page.wait_for_selector("#viewer-layers[data-layers='0']", state="attached")  # asked for after the first image
    assert page.is_hidden("#viewer-layers-toggle") and page.is_hidden("#viewer-layers")
    page.click("#viewer-close")
