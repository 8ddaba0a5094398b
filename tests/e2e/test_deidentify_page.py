""""Make a de-identified copy…" in the page: the same Python as the command line's ``deidentify``
on worker 0, written to the origin-private file system and saved by a download or by
showSaveFilePicker; the copy is byte for byte the command line's (every entry and the whole zip),
its review is shown beside the input's, and the action log holds counts, never values."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import Settings, deidentify_inputs
from privacy.exports import PATIENTS, original_export
from registry import zip_bytes

KOWALSKI = PATIENTS["kowalski"]
SALT = "e2e-known-salt"
#: The page's default options, by their E.1-1 keys.
DEFAULTS = frozenset({"retain_modified_dates", "clean_descriptors"})
README = b"Patient Kowalski, scanned 2023-01-05. Call 555-0100.\n"


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def command_line(source: Path, out: Path, pseudonyms: str, keep_non_dicom: bool) -> dict:
    """What ``deidentify`` makes of ``source`` with the page's settings (no OCR in either)."""
    return deidentify_inputs([str(source)], out, Settings(DEFAULTS, SALT.encode(), PseudonymMap.from_csv(pseudonyms),
                                                          keep_non_dicom=keep_non_dicom))


def review_then_open_the_copy_panel(app, path: Path) -> None:
    page = app.page
    app.open_files(path)
    page.set_checked("#review-ocr", False)  # the input's review without OCR: quicker, and not under test here
    try:
        page.click("#review-open")
        page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    finally:
        page.set_checked("#review-ocr", True)
    page.click("#review-copy")
    page.wait_for_selector("#deid:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "deid-title"


def fill_in(page, csv_path: Path, keep_non_dicom: bool) -> None:
    page.fill("#deid-salt", SALT)
    page.set_input_files("#deid-map-file", str(csv_path))
    page.wait_for_selector("#deid-map:not([hidden]) tbody tr")
    page.set_checked("#deid-keep", keep_non_dicom)
    checked = page.eval_on_selector_all("#deid-options input:checked", "n => n.map(e => e.value)")
    assert sorted(checked) == ["clean-descriptors", "retain-longitudinal-modified-dates"]
    assert page.is_disabled("#deid-option-clean-pixel-data")


def run_copy(page) -> None:
    page.click("#deid-start")
    page.wait_for_function("() => document.getElementById('deid').dataset.done === 'true'", timeout=120_000)


@pytest.fixture
def panel_closed(clean_app):
    yield clean_app
    page = clean_app.page
    if page.is_visible("#deid"):
        page.click("#deid-close")


def test_the_downloaded_copy_is_the_command_lines_byte_for_byte(panel_closed, tmp_path):
    app, page = panel_closed, panel_closed.page
    export = {**original_export(("kowalski",)), "Kowalski_Jędrzej/README.txt": README}
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes(export))  # deflated entries: the copy's writer decides by its trial
    table = tmp_path / "map.csv"
    table.write_text(f"original_id,new_name,new_id\n{KOWALSKI.patient_id},SUBJ^0042,SUBJ-0042\n", encoding="utf-8")
    review_then_open_the_copy_panel(app, source)
    fill_in(page, table, keep_non_dicom=True)
    assert page.text_content("#deid-map tbody td.deid-original") == KOWALSKI.patient_id
    run_copy(page)
    page.evaluate("() => { window.showSaveFilePicker = undefined; }")  # headless: the download path
    with page.expect_download() as download:
        page.click("#deid-save")
    assert download.value.suggested_filename == "deidentified-copy.zip"
    copied = Path(download.value.path()).read_bytes()

    expected = command_line(source, tmp_path / "cli.zip", table.read_text(encoding="utf-8"), keep_non_dicom=True)
    reference = (tmp_path / "cli.zip").read_bytes()
    assert members(copied) == members(reference)
    assert len(members(copied)) == 8 and "other/00001.txt" in members(copied)
    assert copied == reference  # the whole zip: same entries, same deflate, fixed timestamps
    # the copy's review as the command line's: the ultrasound still says Burned In Annotation YES
    # (Clean Pixel Data is not in the page yet), which is flagged
    after = page.text_content("#deid-after")
    assert f"After: {expected['verdict']}" in after and "Before: " in after
    assert "Before: 0 high" not in page.text_content("#deid-after .deid-before")


def test_the_picker_path_a_clean_copy_and_a_log_without_values(panel_closed, tmp_path):
    app, page = panel_closed, panel_closed.page
    export = {name: data for name, data in original_export(("kowalski",)).items() if "_US/" not in name}
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes(export, compress=False))  # stored entries: the copy stores them too
    table = tmp_path / "map.csv"
    table.write_text(f"{KOWALSKI.patient_id},SUBJ-0042,SUBJ-0042\n", encoding="utf-8")
    review_then_open_the_copy_panel(app, source)
    fill_in(page, table, keep_non_dicom=False)
    # a picker that collects what is written to it
    page.evaluate("""() => {
      window.savedChunks = [];
      window.showSaveFilePicker = async (options) => {
        window.pickerOptions = options;
        return { createWritable: async () => new WritableStream({
          write(chunk) { window.savedChunks.push(Array.from(chunk)); },
          close() { window.savedClosed = true; },
        }) };
      };
    }""")
    # "Hide patient data" masks the table's original IDs
    page.click("#hide-patient-data")
    try:
        assert page.text_content("#deid-map tbody td.deid-original") == "•••"
        run_copy(page)
        assert KOWALSKI.patient_id not in page.inner_text("#deid")
        assert page.is_disabled("#deid-mapping")  # it names the patients: not while hidden
    finally:
        page.click("#hide-patient-data")
    assert page.text_content("#deid-map tbody td.deid-original") == KOWALSKI.patient_id
    after = page.text_content("#deid-after")
    assert "After: No identifying data found" in after, after
    assert page.get_attribute("#deid-after", "data-high") == page.get_attribute("#deid-after", "data-medium") == "0"
    page.click("#deid-save")
    page.wait_for_function("() => window.savedClosed === true")
    assert page.evaluate("window.pickerOptions.suggestedName") == "deidentified-copy.zip"
    copied = bytes(byte for chunk in page.evaluate("window.savedChunks") for byte in chunk)

    command_line(source, tmp_path / "cli.zip", table.read_text(encoding="utf-8"), keep_non_dicom=False)
    reference = (tmp_path / "cli.zip").read_bytes()
    assert members(copied) == members(reference) and len(members(copied)) == 6
    assert copied == reference
    with zipfile.ZipFile(io.BytesIO(copied)) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}

    with page.expect_download() as download:
        page.click("#deid-log")
    log = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(log)))
    assert rows[0] == ["element", "action", "files"] and len(rows) > 20
    assert all(row[2].isdigit() for row in rows[1:])
    for value in (KOWALSKI.patient_id, KOWALSKI.birth_date, KOWALSKI.family, KOWALSKI.institution,
                  *KOWALSKI.dates, KOWALSKI.ascii_name.split("^")[0]):
        assert value not in log, value

    # the mapping, apart and marked sensitive, is the command line's
    assert page.is_enabled("#deid-mapping")
    with page.expect_download() as download:
        page.click("#deid-mapping")
    assert download.value.suggested_filename == "deidentification-mapping-SENSITIVE.csv"
    mapping = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert {"kind": "patient", "original": KOWALSKI.patient_id, "new_name": "SUBJ-0042", "new": "SUBJ-0042"} in mapping
    assert sum(row["kind"] == "uid" for row in mapping) > 6


def test_cancel_stops_the_copy_and_deletes_its_file(panel_closed, tmp_path):
    app, page = panel_closed, panel_closed.page
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes(original_export()))  # every patient: long enough to cancel
    review_then_open_the_copy_panel(app, source)
    page.fill("#deid-salt", SALT)
    page.click("#deid-start")
    page.click("#deid-cancel")
    page.wait_for_function("() => document.getElementById('deid').dataset.cancelled === 'true'")
    assert page.is_hidden("#deid-progress") and page.is_enabled("#deid-start")
    assert page.get_attribute("#deid", "data-done") is None
    # the worker deletes the file once the step under way is answered
    page.wait_for_function("""async () => {
      const root = await navigator.storage.getDirectory();
      try { await root.getFileHandle("dicompeek-deidentified-copy.zip"); return false; } catch { return true; }
    }""", timeout=30_000)
