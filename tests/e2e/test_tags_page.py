"""The tag browser in the page: the header of the slice on screen, search, sequences,
what changes across a series, comparing two instances, and the exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicompeek_synthetic import ct_phantom_series
from registry import XSS, zip_bytes

SHOWN_ROWS = "() => [...document.querySelectorAll('#tags-tree .tags-row')].filter(r => r.offsetParent).length"


def with_sequences(ds: Dataset) -> Dataset:
    """A CT slice with a nested sequence, a private block and a value that looks like HTML."""
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "T-D3000", "SRT", "Chest"
    referenced = Dataset()
    referenced.ReferencedSOPClassUID = pydicom.uid.CTImageStorage
    referenced.ReferencedSOPInstanceUID = "1.2.3.4.5"
    referenced.PurposeOfReferenceCodeSequence = Sequence([code])
    ds.ReferencedImageSequence = Sequence([referenced])
    block = ds.private_block(0x0029, "DICOMPEEK TEST", create=True)
    block.add_new(0x10, "LO", "private value")
    ds.ImageComments = XSS
    return ds


@pytest.fixture
def tags(clean_app, tmp_path):
    series = [with_sequences(ds) for ds in ct_phantom_series(6, 32, 32)]
    (tmp_path / "ct.zip").write_bytes(zip_bytes({f"CT/{i:03}.dcm": ds for i, ds in enumerate(series)}))
    clean_app.open_files(tmp_path / "ct.zip")
    clean_app.open_instance_tags()
    yield clean_app, series
    clean_app.reset_views()


def row_text(page, keyword: str) -> str:
    return page.locator(f"#tags-tree .tags-row:has(.name [data-keyword='{keyword}'])").first.inner_text()


def test_the_panel_shows_every_element_of_the_slice_on_screen_and_follows_it(tags):
    app, _ = tags
    page = app.page
    status = page.text_content("#tags-status")
    assert "ct.zip::CT/" in status and "128-byte preamble" in status
    assert page.evaluate(SHOWN_ROWS) > 60
    assert "DEMO^PHANTOM" in row_text(page, "PatientName")
    assert "TransferSyntaxUID" in page.text_content("#tags-tree")  # the file meta group too
    assert XSS in row_text(page, "ImageComments") and app.dialogs == []  # text, never HTML
    private = page.locator("#tags-tree .tags-row.is-private").first.inner_text()
    assert "DICOMPEEK TEST" in private
    first = row_text(page, "InstanceNumber")
    before = page.get_attribute("#tags", "data-entry")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '1'")
    page.wait_for_function("e => document.getElementById('tags').dataset.entry !== e", arg=before)
    assert row_text(page, "InstanceNumber") != first


def test_search_keeps_the_parents_of_nested_matches_and_expand_all_opens_sequences(tags):
    page = tags[0].page
    page.fill("#tags-search", "t-d3000")
    assert page.evaluate(SHOWN_ROWS) == 3  # the code value and the two sequences around it
    assert page.is_visible("#tags-tree .tags-row:has(.name a[data-keyword='CodeValue'])")
    assert page.is_visible("#tags-tree .tags-row:has(.name a[data-keyword='ReferencedImageSequence'])")
    page.fill("#tags-search", "")
    page.click("#tags-collapse")
    assert not page.is_visible("#tags-tree .tags-row:has(.name a[data-keyword='CodeValue'])")
    page.click("#tags-expand")
    assert page.is_visible("#tags-tree .tags-row:has(.name a[data-keyword='CodeValue'])")


def test_what_changes_across_the_series(tags):
    page = tags[0].page
    page.click("#tags-tab-series")
    page.wait_for_selector("#tags-variation tbody tr")
    varying = page.eval_on_selector_all("#tags-variation tbody tr", "rows => rows.map(r => r.dataset.keyword)")
    assert {"InstanceNumber", "ImagePositionPatient", "SliceLocation", "SOPInstanceUID"} <= set(varying)
    assert "PatientName" not in varying
    assert "6 instances" in page.text_content("#tags-series-status")
    position = page.locator("#tags-variation tr[data-keyword='SliceLocation']").inner_text()
    assert "min" in position and "6 distinct" in position
    uid = page.locator("#tags-variation tr[data-keyword='SOPInstanceUID'] details")
    assert uid.locator("summary").inner_text() == "6 distinct values, one per instance"
    assert not uid.evaluate("d => d.open") and not uid.locator("li").first.is_visible()  # counts first
    uid.locator("summary").click()
    assert uid.locator("li").count() == 6
    page.uncheck("#tags-varying")
    assert page.locator("#tags-variation tr[data-keyword='PatientName']").count() == 1
    page.check("#tags-varying")
    with page.expect_download() as download:
        page.click("#tags-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["location", "InstanceNumber", "ImagePositionPatient"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]


def test_two_instances_compared_side_by_side(tags):
    page = tags[0].page
    page.click("#tags-tab-compare")
    page.wait_for_selector("#tags-second option", state="attached")
    page.click("#tags-compare-run")
    page.wait_for_selector("#tags-diff tbody tr")
    differing = page.eval_on_selector_all("#tags-diff tbody tr.differs td:first-child",
                                          "c => c.map(x => x.textContent)")
    assert {"SOPInstanceUID", "InstanceNumber", "ImagePositionPatient"} <= set(differing)
    assert "PatientName" not in differing


def test_exports_download_dicom_json_and_a_text_dump(tags):
    app, _ = tags
    page = app.page
    with page.expect_download() as download:
        page.click("#tags-json")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    restored = Dataset.from_json(exported)
    assert restored.PatientName == "DEMO^PHANTOM"
    assert restored.ReferencedImageSequence[0].PurposeOfReferenceCodeSequence[0].CodeValue == "T-D3000"
    with page.expect_download() as download:
        page.click("#tags-dump")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "(0010,0010) PN [DEMO^PHANTOM]" in text and "(0008,1140) SQ" in text
