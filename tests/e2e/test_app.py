"""The page end to end: boot, demo, picked zips and folders, bad input, XSS, privacy."""

from __future__ import annotations

from pydicom.uid import generate_uid

from dicompeek_synthetic import write_bench_zip
from registry import XSS, encrypt_flag, small_dataset, zip_bytes

BOOT_TIMEOUT_MS = 180_000


def test_files_picked_while_python_starts_are_indexed_once_ready(fresh_page, tmp_path):
    zip_path = tmp_path / "early.zip"
    zip_path.write_bytes(zip_bytes({"IM1.dcm": small_dataset(patient_id="EARLY")}))
    page = fresh_page.page
    page.goto(fresh_page.url)
    assert page.text_content("#promise") == "Your files never leave this computer."
    page.set_input_files("#pick-files", str(zip_path))  # before Python is ready
    assert "Waiting for Python" in page.text_content("#progress-text") or \
        page.is_visible("#boot.ready")
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    fresh_page.wait_for_summary(0)
    assert fresh_page.totals()["dicom"] == 1
    assert "EARLY" in page.text_content("#tree")
    assert not fresh_page.errors


def test_a_page_and_python_that_disagree_on_the_protocol_refuse_to_start(fresh_page):
    """The worker compares Python's entry points with web/protocol.js at boot (a mixed build)."""
    page = fresh_page.page
    served = []

    def with_an_extra_request(route):
        response = route.fetch()
        text = response.text()
        changed = text.replace('instances: "instances",', 'instances: "instances", thumbnails: "thumbnails",', 1)
        served.append(changed != text)
        route.fulfill(response=response, body=changed)

    page.context.route("**/protocol.js", with_an_extra_request)
    page.goto(fresh_page.url)
    page.wait_for_selector("#boot.failed", timeout=BOOT_TIMEOUT_MS)
    assert served and all(served)
    assert page.text_content("#boot-text") == "Python failed to start"
    error = page.text_content("#error")
    assert "do not match" in error and "web/protocol.js names calls that Python does not have: thumbnails" in error
    assert not page.is_visible("#boot.ready")
    assert not fresh_page.errors


def test_demo_zip_shows_patient_studies_and_series(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    assert clean_app.totals() == {"entries": 96, "dicom": 93, "non_dicom": 3, "unreadable": 0,
                                  "patients": 1, "studies": 2, "series": 7}
    assert page.text_content(".patient-name") == "DEMO^PHANTOM"
    rows = page.eval_on_selector_all(
        ".series-row", "rows => rows.map(r => [...r.children].map(c => c.textContent))")
    ct = next(r for r in rows if r[1] == "CT")
    assert ct[4] == "64" and ct[5] == "64" and ct[6] == "128×128"
    assert ct[7] == "CT Image Storage" and ct[8] == "Explicit VR Little Endian"
    assert "dicompeek-demo.zip" in ct[10] and "DEMO/CT" in ct[10]
    assert page.text_content("#progress-text").startswith("Indexed 96 entries in ")
    assert clean_app.files()["dicompeek-demo.zip::thumbnails/preview.png"][0] == "Not DICOM"


def test_filter_keeps_matching_series_and_their_parents(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.fill("#filter", "sag t1")
    visible = page.eval_on_selector_all(".series-row", "rows => rows.filter(r => !r.hidden).length")
    assert visible == 1
    assert page.is_visible("text=MR HEAD PHANTOM")
    assert not page.is_visible("text=CT CHEST PHANTOM")
    assert page.text_content("#filter-count") == "1 of 7 series"
    page.fill("#filter", "phantom ct chest")  # study words match: all its series show
    assert page.eval_on_selector_all(".series-row", "rows => rows.filter(r => !r.hidden).length") == 6
    page.fill("#filter", "")


def test_several_zips_and_loose_files_in_one_pick(clean_app, tmp_path):
    study, series = generate_uid(), generate_uid()
    (tmp_path / "a.zip").write_bytes(zip_bytes({f"S/{i}.dcm": small_dataset(study_uid=study, series_uid=series)
                                                for i in range(3)}))
    (tmp_path / "b.zip").write_bytes(zip_bytes({"x/IM9": small_dataset(patient_id="OTHER")}))
    small_dataset(patient_id="LOOSE").save_as(tmp_path / "IM0001", enforce_file_format=True)
    clean_app.open_files(tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "IM0001")
    totals = clean_app.totals()
    assert (totals["entries"], totals["dicom"], totals["series"]) == (5, 5, 3)
    tree = clean_app.page.text_content("#tree")
    assert "OTHER" in tree and "LOOSE" in tree


def test_folder_of_loose_files_is_walked(clean_app, tmp_path):
    folder = tmp_path / "EXPORT"
    (folder / "SE1").mkdir(parents=True)
    series = generate_uid()
    for i in range(4):
        small_dataset(series_uid=series, study_uid="1.2.3").save_as(folder / "SE1" / f"IM{i}", enforce_file_format=True)
    (folder / "notes.txt").write_text("hello")
    clean_app.open_folder(folder)
    totals = clean_app.totals()
    assert (totals["dicom"], totals["non_dicom"], totals["series"]) == (4, 1, 1)
    assert "EXPORT/SE1" in clean_app.page.text_content(".series-row .from")


def test_bad_input_is_reported_per_file_and_the_rest_goes_on(clean_app, tmp_path):
    good = zip_bytes({"ok.dcm": small_dataset(patient_id="GOOD"), "empty.dcm": b"",
                      "secret.dcm": small_dataset()})
    (tmp_path / "mixed.zip").write_bytes(encrypt_flag(good, "secret.dcm"))
    whole = zip_bytes({"IM1.dcm": small_dataset()})
    (tmp_path / "corrupt.zip").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "renamed.zip").write_bytes(b"I am a text file")
    (tmp_path / "nothing.zip").write_bytes(zip_bytes({}))
    (tmp_path / "zero").write_bytes(b"")
    clean_app.open_files(*(tmp_path / n for n in ("mixed.zip", "corrupt.zip", "renamed.zip", "nothing.zip", "zero")))
    totals = clean_app.totals()
    assert totals["dicom"] == 1 and totals["unreadable"] == 5
    assert totals["entries"] == totals["dicom"] + totals["non_dicom"] + totals["unreadable"]
    files = clean_app.files()
    assert files["mixed.zip::secret.dcm"][0] == "Unreadable" and "encrypted" in files["mixed.zip::secret.dcm"][1]
    assert files["mixed.zip::empty.dcm"][1] == "empty file (0 bytes)"
    assert "the zip ends inside this entry" in files["corrupt.zip::IM1.dcm"][1]  # found by scanning
    assert "corrupt.zip: the zip is truncated" in clean_app.page.text_content("#notes")
    assert "not a zip archive" in files["renamed.zip"][1]
    assert files["zero"][1] == "empty file (0 bytes)"
    assert "nothing.zip: empty zip" in clean_app.page.text_content("#notes")
    assert "GOOD" in clean_app.page.text_content("#tree")


def test_file_content_is_shown_as_text_never_as_html(clean_app, tmp_path):
    ds = small_dataset(patient_name=XSS, patient_id="<b>ID</b>")
    ds.StudyDescription = "<script>alert(2)</script>"
    ds.SeriesDescription = '"><svg onload=alert(3)>'
    zip_path = tmp_path / "xss.zip"
    zip_path.write_bytes(zip_bytes({f"{XSS}.dcm": ds, "<b>bold</b>.txt": b"x"}))
    clean_app.open_files(zip_path)
    page = clean_app.page
    tree = page.text_content("#tree")
    assert XSS in tree and "<script>alert(2)</script>" in tree and "<b>ID</b>" in tree
    assert '"><svg onload=alert(3)>' in tree
    assert "xss.zip::<b>bold</b>.txt" in clean_app.files()
    assert page.locator("#tree script, #tree svg, #tree b, #files b").count() == 0
    assert page.locator("#tree img").count() == page.locator("#tree .thumb > img").count()  # thumbnails only
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert not clean_app.dialogs


def test_cancel_stops_indexing_and_lists_the_rest(clean_app, tmp_path):
    zip_path = tmp_path / "many.zip"
    write_bench_zip(zip_path, n_series=1, per_series=4000, rows=8, columns=8)
    page = clean_app.page
    before = clean_app.start_open(zip_path)
    page.wait_for_function("() => Number(document.getElementById('progress').dataset.done || 0) > 0")
    page.click("#cancel")
    clean_app.wait_for_summary(before)
    totals = clean_app.totals()
    assert totals["entries"] == 4000
    assert 0 < totals["dicom"] < 4000
    assert totals["not_indexed"] == 4000 - totals["dicom"]
    assert page.text_content("#progress-text").startswith("Cancelled after indexing")


def test_progress_shows_rate_and_final_line(clean_app, tmp_path):
    zip_path = tmp_path / "progress.zip"
    write_bench_zip(zip_path, n_series=2, per_series=600, rows=8, columns=8)
    page = clean_app.page
    before = clean_app.start_open(zip_path)
    page.wait_for_selector("#progress-text:has-text('files/s')")
    text = page.text_content("#progress-text")
    assert "/ 1,200 files" in text or text.startswith("Indexed 1,200 entries")
    clean_app.wait_for_summary(before)
    assert page.text_content("#progress-text").startswith("Indexed 1,200 entries in ")


def test_no_request_ever_leaves_the_pages_origin(app):
    """Runs last: everything the shared page fetched, including the worker, came from dist/."""
    assert app.requests, "no requests were recorded"
    assert any(url.endswith("pyodide.asm.wasm") for url in app.requests)  # the worker's fetches count
    foreign = [url for url in app.requests if not url.startswith(app.url) and not url.startswith(("blob:", "data:"))]
    assert foreign == []
    assert not app.errors


def test_zip_dropped_on_the_page_is_indexed(clean_app):
    data = zip_bytes({"dropped/IM1.dcm": small_dataset(patient_id="DROPPED")})
    page = clean_app.page
    before = clean_app.version()
    page.evaluate("""([name, bytes]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, { type: "application/zip" }));
        document.body.dispatchEvent(new DragEvent("dragenter", { bubbles: true, dataTransfer: transfer }));
        document.body.dispatchEvent(new DragEvent("drop", { bubbles: true, dataTransfer: transfer }));
    }""", ["dropped.zip", list(data)])
    clean_app.wait_for_summary(before)
    assert clean_app.totals()["dicom"] == 1
    assert "DROPPED" in page.text_content("#tree")
    assert page.is_hidden("#drop-overlay")
