"""The privacy review in the page: verdict, findings on the demo's planted identifiers,
masking, the report downloads, and the way from a finding into the tag browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def reviewed(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    yield clean_app
    if page.is_visible("#viewer"):
        page.click("#viewer-close")
    page.uncheck("#review-mask")


def test_the_demo_is_flagged_with_its_planted_identifiers(reviewed):
    page = reviewed.page
    verdict = page.text_content("#review-verdict")
    assert "high" in verdict and "No identifying data found" not in verdict
    text = page.inner_text("#review-findings")
    assert "DEMO^PHANTOM" in text                      # the patient's name, as stored
    assert "PHANTOM DEMO" in text                      # the name again, in a private element
    assert "DEMO-0001" in text                         # the ID, also inside ImageComments
    assert "README.txt" in text                        # non-DICOM content nobody reviewed
    categories = set(page.eval_on_selector_all(".review-finding", "n => n.map(e => e.dataset.category)"))
    assert {"element", "cross-field", "non-dicom", "pixels"} <= categories
    page.wait_for_function("() => [...document.querySelectorAll('.review-thumb')].some(c => c.width > 1)")


def test_masking_hides_the_values_for_screen_sharing(reviewed):
    page = reviewed.page
    page.check("#review-mask")
    text = page.inner_text("#review-findings")
    assert "DEMO^PHANTOM" not in text and "•••" in text
    with page.expect_download() as download:
        page.click("#review-html")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "DEMO^PHANTOM" not in html and "<script" not in html.lower() and "high" in html


def test_the_report_downloads_as_json_and_csv(reviewed):
    page = reviewed.page
    with page.expect_download() as download:
        page.click("#review-json")
    result = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert result["schema_version"] == 1 and result["counts"]["high"] > 0
    assert result["files_reviewed"] == 89
    with page.expect_download() as download:
        page.click("#review-csv")
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("severity,category,title")


def test_a_finding_opens_its_instance_and_element_in_the_tag_browser(reviewed):
    page = reviewed.page
    name = page.locator(".review-finding[data-category='element']", has_text="DEMO^PHANTOM").first
    name.locator(".review-link").click()
    page.wait_for_function("() => document.getElementById('tags-status').textContent.includes('dicompeek-demo.zip')")
    assert page.input_value("#tags-search") == "(0010,0010)"
    assert page.is_visible("#tags-tree .tags-row:has(.name :text-is('PatientName'))")
    page.click("#viewer-tags")


def test_a_review_started_while_indexing_waits_and_covers_every_file(clean_app, tmp_path):
    from dicompeek_synthetic import write_bench_zip

    write_bench_zip(tmp_path / "many.zip", n_series=4, per_series=500)
    page = clean_app.page
    before = clean_app.start_open(tmp_path / "many.zip")
    # at once (page.click would wait for the page to settle): before the workers have indexed every file
    page.evaluate("document.getElementById('review-open').click()")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    assert clean_app.version() > before
    assert page.is_visible("#review")
    assert page.text_content("#review-meta").startswith("2000 DICOM files reviewed")


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
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    with page.expect_download() as download:
        page.click("#review-json")
    result = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert {f["id"]: f["files"] for f in result["findings"]}["leak:name:(0020,4000)"] == 2
    assert result["findings"] == expected["findings"] and result["files_reviewed"] == expected["files_reviewed"]
