"""Burned-in text in the page's review: the same test zip gives the command line's findings
(tesseract.js in the page, Debian's Tesseract in CPython: the same words, boxes within a few
pixels), with no request to another origin; and the setting turns OCR off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from e2e.harness import page_tesseract
from privacy.burned_in.screens import BANNER_LINES, FONT, as_dataset, screen, with_overlay

pytestmark = pytest.mark.skipif(not shutil.which("tesseract") or not FONT.exists(),
                                reason="Tesseract or the DejaVu font not installed")

#: How far apart the two engines may put the same line's box, in pixels.
BOX_TOLERANCE = 6


def screens_zip(tmp_path: Path) -> Path:
    from pydicom.uid import generate_uid

    from registry import zip_bytes

    members = {
        "US/banner.dcm": as_dataset([screen(BANNER_LINES, noise=True, seed=n) for n in range(2)]),
        "SC/date.dcm": as_dataset([screen([(440, 20, "DOB 23.05.1961")], rgb=True)], modality="SC"),
        "SC/clean.dcm": as_dataset([screen([(200, 16, "5 cm"), (240, 16, "L  R")])], modality="SC"),
        "SC/overlay.dcm": with_overlay(as_dataset([screen([])], modality="SC"), [(300, 20, "KOWALSKI JANINA")]),
    }
    for ds in members.values():
        ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
    path = tmp_path / "screens.zip"
    path.write_bytes(zip_bytes(members))
    return path


def cli_review(path: Path, tessdata: Path) -> dict:
    """The command line's review of ``path``, its Tesseract given the page's English model."""
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review

    engine = page_tesseract(tessdata)
    index = Index()
    try:
        index.add([str(path)])
        index.run()
        return json.loads(json.dumps(review(index, ocr=engine)))
    finally:
        index.close()


def page_review(app, path: Path, ocr: bool) -> dict:
    page = app.page
    app.open_files(path)
    page.set_checked("#review-ocr", ocr)
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=180_000)
    with page.expect_download() as download:
        page.click("#review-json")
    return json.loads(Path(download.value.path()).read_text(encoding="utf-8"))


def burned_in(result: dict) -> dict[str, dict]:
    return {f["id"]: f for f in result["findings"] if f["category"] == "burned_in_text"}


def test_the_page_reads_burned_in_text_as_the_command_line_does(clean_app, tmp_path):
    path = screens_zip(tmp_path)
    expected = cli_review(path, tmp_path / "tessdata")
    clean_app.requests.clear()
    result = page_review(clean_app, path, ocr=True)
    page = clean_app.page
    try:
        assert result["burned_in"]["engine"].startswith("tesseract.js")
        for name in ("files_read", "frames_read", "files_not_read", "series_without_text"):
            assert result["burned_in"][name] == expected["burned_in"][name], name
        mine, theirs = burned_in(result), burned_in(expected)
        assert {i for i, f in mine.items() if f["severity"] == "high"} == \
               {i for i, f in theirs.items() if f["severity"] == "high"} != set()
        for key, finding in theirs.items():
            if finding["severity"] != "high":
                continue
            page_finding = mine[key]
            assert {m["kind"] for m in page_finding["matches"]} == {m["kind"] for m in finding["matches"]}, key
            for box in finding["boxes"]:  # the same line, in about the same place
                same = [b for b in page_finding["boxes"] if (b["entry"], b["frame"], b.get("source")) ==
                        (box["entry"], box["frame"], box.get("source")) and abs(b["y"] - box["y"]) <= BOX_TOLERANCE]
                assert same, (key, box, page_finding["boxes"])
                assert abs(same[0]["x"] - box["x"]) <= BOX_TOLERANCE
                assert abs(same[0]["height"] - box["height"]) <= BOX_TOLERANCE
        assert "read by tesseract.js" in (page.text_content("#review-meta") or "")
        origin = clean_app.url.rstrip("/")
        assert [r for r in clean_app.requests if not r.startswith((origin, "data:", "blob:"))] == []
        assert any("/ocr/" in r for r in clean_app.requests)  # loaded from this site, for this review
        # the thumbnails of the high findings carry their boxes
        page.click("#review-expand")
        page.wait_for_selector(".burned-thumb", timeout=30_000)
    finally:
        page.click("#review-close")


def test_with_ocr_turned_off_no_pixels_are_read_and_the_setting_is_remembered(clean_app, tmp_path):
    path = screens_zip(tmp_path)
    clean_app.requests.clear()
    result = page_review(clean_app, path, ocr=False)
    page = clean_app.page
    try:
        assert result["burned_in"]["engine"] is None and not burned_in(result)
        assert "not read" in (page.text_content("#review-meta") or "")
        assert not any("/ocr/" in r for r in clean_app.requests)
        page.reload()
        page.wait_for_selector("#boot.ready", timeout=120_000)
        assert not page.evaluate("document.getElementById('review-ocr').checked")
    finally:  # the default again, for the other tests
        page.evaluate("""() => { localStorage.removeItem("dicompeek.review.ocr");
                                 document.getElementById("review-ocr").checked = true; }""")
