"""Text burned into the pixels, as the privacy review reports it (category "burned_in_text", its
boxes in a frame's pixel coordinates), in the page: thumbnails of the frames with the boxes
drawn, a thumbnail opening its frame in the viewer with the boxes where the text is (following
the zoom), scrolling to another frame showing that frame's boxes, and with "Hide patient data"
on the boxes blacked out and none of the text read anywhere on the page.

The report is made up and shown with the "review:show" event (as in test_review_report_page.py);
its boxes are on real frames of the demo's CT, found by scrolling through it in the viewer.
"""

from __future__ import annotations

import pytest

from e2e.harness import PAGE_TEXT

OUTLINE = "#ffe600"  # web/boxes.js
HIDDEN_TITLE = "text burned in (hidden)"
#: What the made-up OCR "read": in no file of the demo, so any of them on the page comes from the boxes.
TEXTS = ["XAVIER QUILLFEATHER", "MRN Q-99812", "ZORBLAX CLINIC", "ICON ZQWORD"]
MORE = [f"LEGIBLE ZQ{n}" for n in range(8)]

SHOW = "report => document.getElementById('review').dispatchEvent(new CustomEvent('review:show', {detail: report}))"


#: The screen boxes of the rectangles drawn in `layer` (a selector), and of the image under it
#: with its size in pixels.
GEOMETRY = """([layer, image]) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  const svg = document.querySelector(layer);
  const canvas = document.querySelector(image);
  return {
    rects: [...svg.querySelectorAll("g.text-box")].map((g) => ({
      box: box(g.querySelector("rect:last-of-type")), title: g.querySelector("title").textContent,
      fill: g.querySelector("rect:last-of-type").getAttribute("fill"),
      stroke: g.querySelector("rect:last-of-type").getAttribute("stroke")})),
    image: box(canvas),
  };
}"""


def box(entry: int, x: int, y: int, width: int, height: int, text: str, **extra) -> dict:
    return {"entry": entry, "frame": 0, "x": x, "y": y, "width": width, "height": height, "text": text, **extra}


def made_up_review(entries: list[int], study_uid: str, series_uid: str) -> dict:
    """A high finding with boxes on the first two CT frames (and one in an icon image), a medium
    one on eight more frames (six thumbnails, "and 2 more frames")."""
    series = [{"study_uid": study_uid, "series_uid": series_uid, "description": "Chest phantom"}]
    first = [box(entries[0], 10, 12, 40, 8, TEXTS[0]), box(entries[0], 70, 100, 30, 10, TEXTS[1]),
             box(entries[1], 20, 110, 50, 9, TEXTS[2]), box(entries[1], 1, 1, 20, 6, TEXTS[3], source="icon image")]
    more = [box(entries[2 + n], 4 + n, 60, 24, 7, MORE[n]) for n in range(8)]

    def finding(n: int, severity: str, boxes: list[dict]) -> dict:
        files = list(dict.fromkeys(b["entry"] for b in boxes))
        return {
            "id": f"burned-in-text:{severity}:{series_uid}", "severity": severity, "category": "burned_in_text",
            "title": "Identifying text burned into the pixels" if n == 0 else "Legible text burned into the pixels",
            "reason": "OCR read text.", "element": None, "files": len(files), "entries": files,
            "locations": [f"export.zip::CT/slice-{k + 1}" for k in range(len(files))] if n == 0
            else [f"export.zip::CT/more-{k + 1}" for k in range(len(files))],
            "distinct_values": len(boxes), "series": series,
            "values": [{"value": b["text"], "count": 1} for b in boxes], "thumbnail": None, "patients": [],
            "matches": [{"text": "QUILLFEATHER", "kind": "name", "why": "a name part of Patient 1", "patient": None}]
            if n == 0 else [],
            "text": boxes[0]["text"], "boxes": boxes,
        }

    return {"schema_version": 2, "verdict": "1 high, 1 medium", "counts": {"high": 1, "medium": 1, "low": 0, "info": 0},
            "profile": {"edition": "2024c", "title": "PS3.15 E.1-1"}, "files_reviewed": 93, "patients": [],
            "findings": [finding(0, "high", first), finding(1, "medium", more)]}


def wait_frame(page, index: int) -> None:
    page.wait_for_function("i => document.getElementById('viewer').dataset.index === String(i)", arg=index)


def assert_placed(geometry: dict, boxes: list[dict], columns: int = 128, rows: int = 128) -> None:
    """Each rectangle drawn where its box is: image coordinates scaled onto the image on screen."""
    left, top, width, height = geometry["image"]
    sx, sy = width / columns, height / rows
    assert len(geometry["rects"]) == len(boxes)
    for rect, b in zip(geometry["rects"], boxes, strict=True):
        want = [left + b["x"] * sx, top + b["y"] * sy, b["width"] * sx, b["height"] * sy]
        assert all(abs(got - w) <= 2 for got, w in zip(rect["box"], want, strict=True)), (rect, want)


@pytest.fixture
def burned(clean_app):
    """The demo with the made-up review shown; the CT's first ten entries in viewing order."""
    clean_app.open_demo()
    page = clean_app.page
    row = page.locator(".series-row:has(td:text-is('CT'))")
    study_uid, series_uid = row.get_attribute("data-study-uid"), row.get_attribute("data-series-uid")
    row.click()
    entries = []
    for index in range(10):
        wait_frame(page, index)
        entries.append(int(page.get_attribute("#viewer", "data-entry")))
        page.keyboard.press("ArrowDown")
    page.click("#viewer-close")
    review = made_up_review(entries, study_uid, series_uid)
    page.evaluate(SHOW, review)
    yield clean_app, review
    clean_app.reset_views()
    if page.is_checked("#hide-patient-data"):
        page.uncheck("#hide-patient-data")


def test_burned_in_text_thumbnails_open_the_viewer_with_the_boxes_and_hiding_blacks_them_out(burned):
    app, review = burned
    page = app.page
    high, medium = review["findings"]
    page.click("#review-expand")

    # thumbnails: one per frame, the first six of the medium finding's eight, boxes drawn scaled
    thumbs = page.locator(".review-finding.high .burned-thumb")
    page.wait_for_function("() => document.querySelectorAll('.burned-thumb[data-drawn]').length === 8")
    assert thumbs.count() == 2 and page.locator(".review-finding.medium .burned-thumb").count() == 6
    assert "and 2 more frames" in page.inner_text(".review-finding.medium")
    label = "Frame 1 of export.zip::CT/slice-1, 2 text boxes: open in the viewer"
    assert thumbs.first.get_attribute("aria-label") == label
    first = ".review-finding.high .burned-thumb"
    geometry = page.evaluate(GEOMETRY, [f"{first} svg", f"{first} canvas"])
    assert_placed(geometry, high["boxes"][:2])
    assert geometry["image"][2] == 144 and {r["stroke"] for r in geometry["rects"]} == {OUTLINE}
    assert [r["title"] for r in geometry["rects"]] == [f"Text burned in: {t}" for t in TEXTS[:2]]
    listed = page.inner_text(".review-finding.high .burned-texts")
    assert all(text in listed for text in TEXTS) and "icon image of export.zip::CT/slice-2" in listed

    # Enter on a thumbnail: the viewer on that entry and frame, the boxes where the text is, at any zoom
    thumbs.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#viewer", state="visible")
    wait_frame(page, 0)
    assert page.get_attribute("#viewer", "data-entry") == str(high["boxes"][0]["entry"])
    assert page.get_attribute("#viewer", "data-frame") == "0"
    viewer_geometry = [".viewer-boxes", "#viewer-canvas"]
    assert_placed(page.evaluate(GEOMETRY, viewer_geometry), high["boxes"][:2])
    page.keyboard.press("+")
    page.keyboard.press("+")
    placed = page.evaluate(GEOMETRY, viewer_geometry)
    assert_placed(placed, high["boxes"][:2])
    assert {r["stroke"] for r in placed["rects"]} == {OUTLINE}

    # scrolling: the next frame shows its own box (not the icon's), one without boxes none
    page.keyboard.press("ArrowDown")
    wait_frame(page, 1)
    assert_placed(page.evaluate(GEOMETRY, viewer_geometry), high["boxes"][2:3])
    page.keyboard.press("ArrowDown")
    wait_frame(page, 2)
    assert_placed(page.evaluate(GEOMETRY, viewer_geometry), medium["boxes"][:1])
    page.keyboard.press("End")
    wait_frame(page, 63)
    assert page.locator(".viewer-boxes").is_hidden()

    # "Hide patient data": the boxes filled black, in the list and the viewer, and no text read anywhere
    page.keyboard.press("Escape")
    page.check("#hide-patient-data")
    page.wait_for_function("() => document.querySelectorAll('.burned-thumb[data-drawn]').length === 8")
    fills = page.eval_on_selector_all(".burned-thumb g.text-box rect", "rs => rs.map(r => r.getAttribute('fill'))")
    assert len(fills) == 9 and set(fills) == {"#000000"}
    assert page.locator(".burned-thumb .text-box-line").count() == 0
    page.locator(".review-finding.high .burned-thumb").nth(1).press("Enter")
    wait_frame(page, 1)
    hidden = page.evaluate(GEOMETRY, viewer_geometry)
    assert_placed(hidden, high["boxes"][2:3])
    assert hidden["rects"][0]["fill"] == "#000000" and hidden["rects"][0]["title"] == HIDDEN_TITLE
    text = page.evaluate(PAGE_TEXT)
    leaked = [t for t in [*TEXTS, *MORE, "QUILLFEATHER", "ZQWORD", "ZQ0"] if t.lower() in text.lower()]
    assert not leaked, leaked
    assert HIDDEN_TITLE in text and "hidden" in page.inner_text(".review-finding.high .burned-texts-hidden")
