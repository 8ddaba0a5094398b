""""Make a de-identified copy…" in the page: the same Python as the command line's ``deidentify``,
a part on every worker, each written to a file of its own in the origin-private file system, and
saved (the parts and the central directory) by a download or by showSaveFilePicker; the copy is byte
for byte the command line's (every entry and the whole zip), its review is shown beside the input's,
and the action log holds counts, never values."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import Settings
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
    assert page.is_enabled("#deid-option-clean-pixel-data") and page.is_hidden("#deid-pixels")


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
    # (Clean Pixel Data was not chosen), which is flagged
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
      window.savedClosed = false;  // the page is shared: an earlier test's save left it true
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
    # every worker deletes its part's file once the step under way is answered
    page.wait_for_function(f"async () => ({COPY_FILES})().then((names) => names.length === 0)", timeout=30_000)


#: The names of the copy's files in the origin-private file system (its parts), in a page's JS.
COPY_FILES = """async () => {
  const names = [];
  for await (const name of (await navigator.storage.getDirectory()).keys()) {
    if (name.startsWith("dicompeek-deidentified-copy.zip")) names.push(name);
  }
  return names.sort();
}"""


def test_every_worker_writes_a_part_and_the_joined_copy_is_the_command_lines(panel_closed, tmp_path):
    app, page = panel_closed, panel_closed.page
    workers = page.evaluate("navigator.hardwareConcurrency")
    if workers < 2:
        pytest.skip("the page runs one worker here: nothing to split")
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes({**original_export(), "README.txt": README}))  # every patient, and a text file
    table = tmp_path / "map.csv"
    table.write_text(f"{KOWALSKI.patient_id},SUBJ-0042,SUBJ-0042\n", encoding="utf-8")
    review_then_open_the_copy_panel(app, source)
    fill_in(page, table, keep_non_dicom=True)
    run_copy(page)
    parts = page.evaluate(f"({COPY_FILES})()")
    assert parts == [f"dicompeek-deidentified-copy.zip.part-{n}" for n in range(min(workers, 4))], parts
    sizes = page.evaluate("""async (names) => {
      const root = await navigator.storage.getDirectory();
      return Promise.all(names.map(async (name) => (await (await root.getFileHandle(name)).getFile()).size));
    }""", parts)
    assert all(size > 0 for size in sizes), sizes  # each worker wrote files of its own
    page.evaluate("() => { window.showSaveFilePicker = undefined; }")  # headless: the download path
    with page.expect_download() as download:
        page.click("#deid-save")
    copied = Path(download.value.path()).read_bytes()

    expected = command_line(source, tmp_path / "cli.zip", table.read_text(encoding="utf-8"), keep_non_dicom=True)
    assert copied == (tmp_path / "cli.zip").read_bytes()  # the parts and the central directory joined
    assert len(copied) > sum(sizes) and members(copied)["other/00001.txt"] == README
    assert f"After: {expected['verdict']}" in page.text_content("#deid-after")  # the copy reviewed on every worker
    for severity in ("high", "medium", "low"):
        assert page.get_attribute("#deid-after", f"data-{severity}") == str(expected["review"].get(severity, 0))
    page.click("#deid-close")  # the copy is deleted from this browser with the panel
    page.wait_for_function(f"async () => ({COPY_FILES})().then((names) => names.length === 0)", timeout=30_000)


# --- Clean Pixel Data: OCR in the page, and boxes drawn on a series' frames ---------------------------

PIXEL_OPTIONS = ["clean-pixel-data", "clean-descriptors", "retain-longitudinal-modified-dates"]


def choose_pixel_cleaning(page, ocr: bool) -> None:
    page.fill("#deid-salt", SALT)
    page.set_checked("#deid-option-clean-pixel-data", True)
    page.wait_for_selector("#deid-pixels:not([hidden]) #deid-boxes:not([hidden])")
    page.set_checked("#deid-ocr", ocr)


def show_series(page, series_uid: str) -> None:
    page.wait_for_selector(f"#deid-boxes-series option[value='{series_uid}']", state="attached")
    page.select_option("#deid-boxes-series", series_uid)
    page.wait_for_function("""uid => {
      const surface = document.getElementById("deid-boxes-surface");
      return document.getElementById("deid-boxes-series").value === uid && !surface.hidden && surface.dataset.image;
    }""", arg=series_uid)


def drag_over_frame(page, frame_box: tuple[int, int, int, int], columns: int, rows: int) -> list[int]:
    """Drag with the mouse from the frame's pixel (x, y) to (x + w, y + h); the box the page made of
    it (it fills in X, Y, W and H)."""
    canvas = page.locator("#deid-boxes-canvas").bounding_box()
    scale_x, scale_y = canvas["width"] / columns, canvas["height"] / rows
    x, y, width, height = frame_box
    page.mouse.move(canvas["x"] + (x + 0.5) * scale_x, canvas["y"] + (y + 0.5) * scale_y)
    page.mouse.down()
    page.mouse.move(canvas["x"] + (x + width / 2) * scale_x, canvas["y"] + (y + height / 2) * scale_y, steps=4)
    page.mouse.move(canvas["x"] + (x + width - 0.5) * scale_x, canvas["y"] + (y + height - 0.5) * scale_y, steps=4)
    page.mouse.up()
    return [int(page.input_value(f"#deid-box-{name}")) for name in "xywh"]


def type_box(page, box: tuple[int, int, int, int]) -> None:
    """A box by keyboard alone: X, Y, W, H typed, Enter in the last adds it (and starts no copy)."""
    for name, value in zip("xywh", box, strict=True):
        page.focus(f"#deid-box-{name}")
        page.keyboard.press("Control+A")
        page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def copied_datasets(data: bytes) -> list:
    import pydicom

    return [pydicom.dcmread(io.BytesIO(member)) for member in members(data).values()]


def test_a_drawn_box_in_the_page_gives_the_command_lines_copy_by_the_download_path(panel_closed, tmp_path):
    from privacy.deidentify.banners import FRAMES, OTHER_SERIES, SERIES, banner_zip, frames_of

    app, page = panel_closed, panel_closed.page
    source = banner_zip(tmp_path / "banner.zip")
    review_then_open_the_copy_panel(app, source)
    choose_pixel_cleaning(page, ocr=False)  # drawn boxes apply without OCR (the command line's --no-ocr)
    show_series(page, SERIES)
    assert page.get_attribute("#deid-boxes-surface", "data-image") == "frame"
    assert page.input_value("#deid-boxes-frame") == "1" and "of 5" in page.text_content("#deid-boxes-frames")
    page.fill("#deid-boxes-frame", "4")  # another frame of the series: the box applies to all of them
    page.keyboard.press("Enter")
    drawn = drag_over_frame(page, (0, 0, 640, 60), 640, 480)
    assert drawn[0] <= 1 and drawn[1] <= 1 and drawn[2] >= 635 and 58 <= drawn[3] <= 62, drawn
    assert page.get_attribute("#deid-boxes-layer", "data-boxes") == "1"
    show_series(page, OTHER_SERIES)
    type_box(page, (2, 3, 5, 4))
    assert page.get_attribute("#deid", "data-done") is None and page.is_hidden("#deid-progress")  # added, not started
    assert page.get_attribute("#deid-boxes-layer", "data-boxes") == "1"
    # a box removed from the list is gone from the copy
    type_box(page, (0, 0, 8, 8))
    assert page.text_content("#deid-boxes-count") == "3 boxes drawn"
    page.click("#deid-boxes-list li:last-child button")
    assert page.text_content("#deid-boxes-count") == "2 boxes drawn"
    run_copy(page)
    notes = page.text_content("#deid-notes")
    assert f"Pixels: {len(FRAMES) + 1} blanked" in notes, notes
    page.evaluate("() => { window.showSaveFilePicker = undefined; }")  # headless: the download path
    with page.expect_download() as download:
        page.click("#deid-save")
    copied = Path(download.value.path()).read_bytes()

    from dicompeek.app.cli import main

    boxes = [f"{SERIES}:{','.join(map(str, drawn))}", f"{OTHER_SERIES}:2,3,5,4"]
    arguments = ["deidentify", str(source), "-o", str(tmp_path / "cli.zip"), "--salt", SALT, "--no-ocr", "--json"]
    for option in PIXEL_OPTIONS:
        arguments += ["--option", option]
    for box in boxes:
        arguments += ["--box", box]
    assert main(arguments) in (0, 1)
    assert copied == (tmp_path / "cli.zip").read_bytes()  # the whole zip, byte for byte
    x, y, width, height = drawn
    ultrasounds = [ds for ds in copied_datasets(copied) if ds.Modality == "US"]
    assert sorted(int(ds.NumberOfFrames) for ds in ultrasounds) == sorted(FRAMES)
    for ds in ultrasounds:
        frames = frames_of(ds)
        assert not frames[:, y:y + height, x:x + width].any()  # black in every frame
        assert frames[:, 100:, :].any()
        assert ds.get("BurnedInAnnotation") != "NO"  # no OCR: nothing claims the text is gone


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract not installed")
def test_ocr_in_the_page_blanks_a_burned_in_name_by_the_picker_path_with_patient_data_hidden(panel_closed, tmp_path):
    from dicompeek.dicom.instances import read_instance
    from dicompeek.index.indexer import Index
    from dicompeek.privacy.burned_in.frames import Source, image_of
    from dicompeek.privacy.burned_in.meaning import judge_words
    from dicompeek.privacy.reviewer import Reviewer
    from e2e.harness import page_tesseract
    from privacy.burned_in.screens import FONT
    from privacy.deidentify.banners import FRAMES, OTHER_SERIES, SERIES, banner_zip, frames_of

    if not FONT.exists():
        pytest.skip("the DejaVu font is not installed")
    app, page = panel_closed, panel_closed.page
    source = banner_zip(tmp_path / "banner.zip", [(200, 18, "KOWALSKI JANINA   MRN778812")])  # mid-screen
    review_then_open_the_copy_panel(app, source)
    page.evaluate("""() => {
      window.savedChunks = [];
      window.savedClosed = false;  // the page is shared: an earlier test's save left it true
      window.showSaveFilePicker = async () => ({ createWritable: async () => new WritableStream({
        write(chunk) { window.savedChunks.push(Array.from(chunk)); },
        close() { window.savedClosed = true; },
      }) });
      window.copyProgress = [];
      const text = document.getElementById("deid-progress-text");
      new MutationObserver(() => window.copyProgress.push(text.textContent))
        .observe(text, { childList: true, characterData: true, subtree: true });
    }""")
    page.click("#hide-patient-data")
    try:
        choose_pixel_cleaning(page, ocr=True)
        show_series(page, SERIES)
        # hidden: the frame's pixels are not drawn, only a blank frame of its size to place boxes on
        assert page.get_attribute("#deid-boxes-surface", "data-image") == "blank"
        colours = page.evaluate("""() => {
          const canvas = document.getElementById("deid-boxes-canvas");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set();
          for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
          return [...seen];
        }""")
        assert colours == ["48,52,59"]
        show_series(page, OTHER_SERIES)
        type_box(page, (0, 0, 4, 4))  # by keyboard, on the CT (never read by OCR)
        assert page.text_content("#deid-boxes-count") == "1 box drawn"
        run_copy(page)
        assert "Kowalski" not in page.inner_text("#deid") and "MRN778812" not in page.inner_text("#deid")
    finally:
        page.click("#hide-patient-data")
    assert any(text.startswith("Reading text in the pixels: ") and " of " in text and text.endswith(" images")
               for text in page.evaluate("window.copyProgress")), page.evaluate("window.copyProgress")
    notes = page.text_content("#deid-notes")
    assert "read again: no text left" in notes and "text left" not in notes.replace("no text left", ""), notes
    assert page.get_attribute("#deid-after", "data-high") == "0"
    page.click("#deid-save")
    page.wait_for_function("() => window.savedClosed === true")
    copied = bytes(byte for chunk in page.evaluate("window.savedChunks") for byte in chunk)

    (tmp_path / "copy.zip").write_bytes(copied)
    datasets = copied_datasets(copied)
    ultrasounds = [ds for ds in datasets if ds.Modality == "US"]
    assert len(ultrasounds) == len(FRAMES)
    for ds in ultrasounds:
        assert ds.BurnedInAnnotation == "NO"  # every text box blanked, and a second reading found none
        assert frames_of(ds)[:, 195:230, :].max() < 100  # the name was drawn at 235 over noise below 60
    [ct] = [ds for ds in datasets if ds.Modality == "CT"]
    assert (ct.pixel_array[:4, :4] == ct.pixel_array.min()).all()
    # every frame of the copy read again by the command line's Tesseract with the page's model, for the
    # input's patient: nothing identifying (the copy's own review does not read frames that say NO).
    # Only identifying lines are compared: the two builds of Tesseract read different junk in plain noise.
    engine = page_tesseract(tmp_path / "tessdata")
    index = Index()
    try:
        index.add([str(source)])
        index.run()
        reviewer = Reviewer()
        reviewer.seed(index.dicom)
        identity = reviewer.identity
        patient = identity.patient_of(index.dicom[0].fields)
        originals = [read_instance(index, r.entry) for r in index.dicom if r.fields.get("Modality") == "US"]
    finally:
        index.close()

    def identifying(ds) -> list[str]:
        found = []
        for frame in range(int(ds.NumberOfFrames)):
            image, scale = image_of(ds, Source("frame", frame))
            found += [line.text for line in judge_words(engine.recognise(image), scale, patient, identity, "")
                      if line.severity == "high"]
        return found

    assert all(identifying(ds) for ds in originals)  # the name was there, and read
    assert [text for ds in ultrasounds for text in identifying(ds)] == []
