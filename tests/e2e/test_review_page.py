"""The privacy review in the page: verdict, findings on the demo's planted identifiers, the
report downloads, the way from a finding into the tag browser, progress and Cancel, and the
review on every worker giving the single-pass result. (Masking: test_hide_page.py; the
overview, filters and a large report: test_review_report_page.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tools.paths import DIST


@pytest.fixture
def reviewed(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    yield clean_app
    if page.is_visible("#viewer"):
        page.click("#viewer-close")


def review_done(page, timeout: float = 120_000) -> None:
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=timeout)


def test_the_demo_is_flagged_with_its_planted_identifiers(reviewed):
    page = reviewed.page
    verdict = page.text_content("#review-verdict")
    assert "high" in verdict and "No identifying data found" not in verdict
    assert page.locator("#review-findings .review-finding").count() == 0  # closed groups: laid out when opened
    page.click("#review-expand")
    text = page.inner_text("#review-findings")
    assert "DEMO^PHANTOM" in text                      # the patient's name, as stored
    assert "PHANTOM DEMO" in text                      # the name again, in a private element
    assert "DEMO-0001" in text                         # the ID, also inside ImageComments
    assert "README.txt" in text                        # non-DICOM content nobody reviewed
    categories = set(page.eval_on_selector_all(".review-finding", "n => n.map(e => e.dataset.category)"))
    assert {"element", "free-text", "non-dicom", "pixels", "private"} <= categories
    page.wait_for_function("() => [...document.querySelectorAll('.review-thumb')].some(c => c.width > 1)")
    page.click("#review-collapse")
    assert page.eval_on_selector_all("details.review-group", "g => g.every(d => !d.open)")


def test_the_report_downloads_as_json_and_csv(reviewed):
    page = reviewed.page
    with page.expect_download() as download:
        page.click("#review-json")
    result = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert result["schema_version"] >= 1 and result["counts"]["high"] > 0
    assert result["files_reviewed"] == 93
    demo = hashlib.sha256((DIST / "demo" / "dicompeek-demo.zip").read_bytes()).hexdigest()
    [picked] = result["provenance"]["inputs"]  # hashed in the worker, in the background after indexing
    assert (picked["name"], picked["sha256"]) == ("dicompeek-demo.zip", demo)
    page.wait_for_function("h => document.getElementById('review-provenance').textContent.includes(h)", arg=demo)
    with page.expect_download() as download:
        page.click("#review-csv")
    assert "severity,category,title" in Path(download.value.path()).read_text(encoding="utf-8")


def test_a_finding_opens_its_instance_and_element_in_the_tag_browser(reviewed):
    page = reviewed.page
    page.click("details.review-group[data-key='element:(0010,0010)'] > summary")
    name = page.locator(".review-finding[data-category='element']", has_text="DEMO^PHANTOM").first
    name.locator(".review-link").click()
    page.wait_for_function("() => document.getElementById('tags-status').textContent.includes('dicompeek-demo.zip')")
    assert page.input_value("#tags-search") == "(0010,0010)"
    assert page.is_visible("#tags-tree .tags-row:has(.name a[data-keyword='PatientName'])")
    page.click("#viewer-tags")


def test_a_review_started_while_indexing_waits_and_covers_every_file(clean_app, tmp_path):
    from dicompeek_synthetic import write_bench_zip

    write_bench_zip(tmp_path / "many.zip", n_series=4, per_series=500)
    page = clean_app.page
    before = clean_app.start_open(tmp_path / "many.zip")
    # at once (page.click would wait for the page to settle): before the workers have indexed every file
    page.evaluate("document.getElementById('review-open').click()")
    review_done(page)
    assert clean_app.version() > before
    assert page.is_visible("#review")
    assert page.text_content("#review-meta").startswith("2,000 DICOM files reviewed")


def test_the_review_shows_progress_and_cancel_stops_it_for_a_new_one(clean_app, tmp_path):
    from dicompeek_synthetic import write_bench_zip

    write_bench_zip(tmp_path / "many.zip", n_series=8, per_series=1000)
    clean_app.open_files(tmp_path / "many.zip")
    page = clean_app.page
    page.click("#review-open")
    # progress of the files done on every worker, with the rate and the time left
    page.wait_for_function("() => Number(document.getElementById('review-progress').dataset.files) > 0")
    assert page.is_visible("#review-bar") and page.is_visible("#review-cancel")
    text = page.text_content("#review-progress-text")
    assert " of 8,000 files" in text and "files/s" in text, text
    assert page.is_disabled("#review-open")
    page.click("#review-cancel")
    assert page.text_content("#review-verdict") == "Review cancelled."
    assert not page.is_visible("#review-progress") and page.is_enabled("#review-open")
    assert page.get_attribute("#review", "data-done") is None and page.is_disabled("#review-json")
    # the workers stop stepping: a new review starts at once and covers every file
    page.click("#review-open")
    review_done(page, timeout=180_000)
    assert page.text_content("#review-meta").startswith("8,000 DICOM files reviewed")
    assert page.get_attribute("#review", "data-cancelled") is None and page.is_enabled("#review-json")


def test_the_page_reviews_on_every_worker_with_the_single_pass_result(clean_app, tmp_path):
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review
    from privacy.planted import planted_zip  # a name nested in one file that leaks into later ones
    from registry import zip_bytes

    (tmp_path / "planted.zip").write_bytes(zip_bytes(planted_zip()))
    index = Index()
    try:
        index.add([str(tmp_path / "planted.zip")])
        index.run()
        expected = json.loads(json.dumps(review(index)))
    finally:
        index.close()
    clean_app.open_files(tmp_path / "planted.zip")
    page = clean_app.page
    page.set_checked("#review-ocr", False)  # the headers' review (OCR in the page: test_ocr_review_page.py)
    try:
        page.click("#review-open")
        review_done(page)
    finally:
        page.set_checked("#review-ocr", True)
    with page.expect_download() as download:
        page.click("#review-json")
    result = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert {f["id"]: f["files"] for f in result["findings"]}["leak:own:(0020,4000)"] == 2
    assert result["findings"] == expected["findings"] and result["files_reviewed"] == expected["files_reviewed"]
    assert result["patients"] == expected["patients"]
