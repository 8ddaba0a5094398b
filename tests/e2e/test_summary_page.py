"""The summary of a real export, and reaching everything from the keyboard (issue 17): thumbnails,
sortable aligned tables, the banner, files outside any series, the paged Files list, what is
loaded, and keyboard-only paths through the page and the viewer."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid

from dicompeek_synthetic import ct_phantom_series, secondary_capture
from registry import small_dataset, zip_bytes

ROWS_SHOWN = "rows => rows.filter(r => !r.hidden).length"


def row_texts(page) -> list[list[str]]:
    return page.eval_on_selector_all(".series-row", "rows => rows.map(r => [...r.children].map(c => c.textContent))")


def test_every_series_of_the_demo_gets_a_thumbnail_of_its_middle_frame(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    rows = page.locator(".series-row")
    for k in range(rows.count()):  # thumbnails are made as their rows scroll into view
        rows.nth(k).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.series-row .thumb:not(.no-pixels)')]"
                           ".every(t => t.querySelector('img') && t.querySelector('img').naturalWidth > 0)",
                           timeout=60_000)
    sizes = page.eval_on_selector_all(".series-row .thumb img",
                                      "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 4 and all(0 < max(w, h) <= 128 for w, h in sizes)  # CT, its SEG, OT, MR
    kinds = page.eval_on_selector_all(".series-row .thumb.no-pixels", "ts => ts.map(t => t.textContent)")
    assert kinds == ["SR", "RT", "PR"]  # no image to show: what they are
    titles = page.eval_on_selector_all(".series-row .thumb", "ts => ts.map(t => t.title)")
    assert any("of the series' middle file" in title for title in titles)


#: Each study's rows: [instances, series UID, the UID of the series it was made from or ""].
ROWS_BY_STUDY = """ss => ss.map(s => [...s.querySelectorAll('.series-row')].map(r =>
    [Number(r.children[4].textContent.replace(/,/g, '')), r.dataset.seriesUid, r.dataset.parentUid || '']))"""


def top_level_counts(studies: list) -> list[list[int]]:
    return [[count for count, _uid, parent in rows if not parent] for rows in studies]


def all_under_their_parents(studies: list) -> bool:
    """Every derived row follows its parent or a sibling of it."""
    return all(not parent or rows[k - 1][1] == parent or rows[k - 1][2] == parent
               for rows in studies for k, (_count, _uid, parent) in enumerate(rows))


def test_series_tables_sort_by_a_column_and_line_up_across_studies(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.click("#tree th button[data-sort='instances']")
    studies = page.eval_on_selector_all("#tree .study", ROWS_BY_STUDY)
    # the series sorted; each object made from one (its SEG, report...) right under it
    assert all(counts == sorted(counts) for counts in top_level_counts(studies))
    assert all_under_their_parents(studies)
    assert page.get_attribute("#tree th[aria-sort]", "aria-sort") == "ascending"
    page.click("#tree th button[data-sort='instances']")
    studies = page.eval_on_selector_all("#tree .study", ROWS_BY_STUDY)
    assert all(counts == sorted(counts, reverse=True) for counts in top_level_counts(studies))
    assert all_under_their_parents(studies)
    lefts = page.eval_on_selector_all("#tree table.series", "ts => ts.map(t => [...t.querySelectorAll('th')]"
                                      ".map(th => Math.round(th.getBoundingClientRect().width)))")
    assert len(lefts) == 2 and lefts[0] == lefts[1]  # the same column widths in both studies
    page.click("#tree-collapse")
    assert page.eval_on_selector_all("#tree details", "ds => ds.every(d => !d.open)")
    page.click("#tree-expand")
    assert page.eval_on_selector_all("#tree details", "ds => ds.every(d => d.open)")


def test_the_banner_names_what_makes_the_totals_incomplete(clean_app, tmp_path):
    study, series = generate_uid(), generate_uid()
    twin = small_dataset(study_uid=study, series_uid=series)
    members = {f"dup/{n}.dcm": twin for n in range(3)}  # one SOP Instance UID, three files
    members["other/patient.dcm"] = small_dataset(patient_name="SECOND^PERSON", patient_id="P2")
    outside = small_dataset()
    del outside.StudyInstanceUID, outside.SeriesInstanceUID
    members["loose/slide.dcm"] = outside
    good = tmp_path / "export.zip"
    good.write_bytes(zip_bytes(members))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(zip_bytes({f"t/{n}.dcm": small_dataset() for n in range(4)})[:-200])
    clean_app.open_files(good, truncated)
    page = clean_app.page
    banner = page.text_content("#summary-banner")
    assert page.is_visible("#summary-banner")
    assert "1 series has files sharing a SOP Instance UID (2 duplicate files)" in banner
    assert "truncated.zip" in banner
    assert "1 DICOM file outside any series" in banner
    assert "patients in what is loaded" in banner
    dup = next(r for r in row_texts(page) if "repeated" in r[4])
    assert dup[4] == "1+2 repeated"


def test_a_file_outside_any_series_opens_in_the_viewer_and_tag_browser(clean_app, tmp_path):
    outside = small_dataset(rows=16, columns=24)
    del outside.StudyInstanceUID, outside.SeriesInstanceUID
    path = tmp_path / "loose.zip"
    path.write_bytes(zip_bytes({"slide.dcm": outside}))
    clean_app.open_files(path)
    page = clean_app.page
    page.click("#files button.open-outside")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    assert page.evaluate("() => document.getElementById('viewer-canvas').width") == 24
    page.click("#viewer-tags")
    page.click("#tags-tab-instance")
    page.wait_for_function("() => document.getElementById('tags').dataset.entry !== undefined")
    assert "TEST^PATIENT" in page.text_content("#tags-tree")
    page.click("#viewer-tags")
    page.click("#viewer-close")


def test_the_files_list_shows_a_page_at_a_time(clean_app, tmp_path):
    path = tmp_path / "many-notes.zip"
    path.write_bytes(zip_bytes({f"notes/{n:04}.txt": b"not dicom" for n in range(450)}))
    clean_app.open_files(path)
    page = clean_app.page
    assert page.locator("#files tr").count() == 200
    assert page.text_content("#files-range") == "1–200 of 450"
    page.click("#files-next")
    page.click("#files-next")
    assert page.locator("#files tr").count() == 50 and page.text_content("#files-range") == "401–450 of 450"
    assert page.is_disabled("#files-next")


def test_what_is_loaded_is_listed_and_a_pick_can_be_removed(clean_app, tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    first.write_bytes(zip_bytes({"a.dcm": small_dataset(patient_name="FIRST^ONE", patient_id="F1")}))
    second.write_bytes(zip_bytes({"b.dcm": small_dataset(patient_name="SECOND^TWO", patient_id="S2")}))
    clean_app.open_files(first)
    clean_app.open_files(second)
    page = clean_app.page
    assert page.eval_on_selector_all("#loaded-list .loaded-name", "ns => ns.map(n => n.textContent)") == \
        ["first.zip", "second.zip"]
    page.click("#loaded-list li:first-child .loaded-remove")
    page.wait_for_function("() => !document.getElementById('tree').textContent.includes('FIRST^ONE')"
                           " && document.getElementById('tree').textContent.includes('SECOND^TWO')"
                           " && document.getElementById('progress').dataset.finished === 'true'")
    assert page.eval_on_selector_all("#loaded-list .loaded-name", "ns => ns.map(n => n.textContent)") == ["second.zip"]
    assert page.text_content("#progress-text").startswith("Indexed 1 entry in ")  # one, not "1 entries"


def test_an_empty_zip_leaves_clear_available_and_listed(clean_app, tmp_path):
    empty = tmp_path / "nothing.zip"
    empty.write_bytes(zip_bytes({}))
    clean_app.open_files(empty)
    page = clean_app.page
    assert not page.is_disabled("#clear")
    assert page.text_content("#loaded-list").startswith("nothing.zip")


def test_keyboard_only_open_a_pick_open_a_series_and_come_back(clean_app):
    page = clean_app.page
    tabbable = page.evaluate("""() => [...document.querySelectorAll(
          'a[href], button, input, select, textarea, [tabindex]')]
        .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && !e.closest('[inert]'))
        .map(e => e.id)""")
    assert tabbable[:3] == ["open-files", "open-folder", "demo"]  # the pickers first
    # Enter on the picker button clicks the file input (whose dialog is the browser's: stopped here,
    # as a headless dialog's timing is the browser's too)
    page.evaluate("""() => { window.pickerClicked = false;
      document.getElementById('pick-files').addEventListener('click', (event) => {
        window.pickerClicked = event.target.multiple; event.preventDefault(); }, { once: true }); }""")
    page.focus("#open-files")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.pickerClicked === true")
    before = clean_app.version()
    page.focus("#demo")
    page.keyboard.press("Enter")
    clean_app.wait_for_summary(before)
    page.focus(".series-row")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    for _ in range(30):  # Tab stays in the viewer: the page behind it is inert
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.getElementById('viewer').contains(document.activeElement)")
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer", state="hidden")
    assert page.evaluate("() => document.activeElement.classList.contains('series-row')")


def test_hidden_patient_data_blurs_thumbnails_that_may_carry_text_and_masks_pick_names(clean_app, tmp_path):
    ct = ct_phantom_series(4, 32, 32)
    sc = secondary_capture(study_uid=ct[0].StudyInstanceUID)
    path = tmp_path / "DEMO^PHANTOM.zip"  # named after the patient, as exports often are
    path.write_bytes(zip_bytes({**{f"ct/{n}.dcm": ds for n, ds in enumerate(ct)}, "sc/1.dcm": sc}))
    clean_app.open_files(path)
    page = clean_app.page
    page.wait_for_function("() => document.querySelectorAll('.series-row .thumb img').length === 2", timeout=60_000)
    page.check("#hide-patient-data")
    try:
        filters = page.eval_on_selector_all(
            ".series-row",
            "rs => rs.map(r => [r.children[1].textContent, getComputedStyle(r.querySelector('.thumb img')).filter])")
        risky = [f for modality, f in filters if modality != "CT"]
        assert risky and risky[0].startswith("blur") and dict(filters)["CT"] == "none", filters
        assert "DEMO^PHANTOM" not in page.text_content("#loaded-list")
    finally:
        page.uncheck("#hide-patient-data")


def test_every_series_of_the_corpus_gets_a_thumbnail_or_says_why(clean_app, tmp_path):
    """../shared/corpus zipped (about 1,000 files from many toolkits, 120-odd series): each row's
    thumbnail is a picture or a stated reason (no pixel data, a file too large, a frame that cannot
    be shown), never an endless wait; most are pictures."""
    from registry import CORPUS

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not here")
    import zipfile

    path = tmp_path / "corpus.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(CORPUS.rglob("*")):
            if file.is_file() and file.suffix.lower() not in (".md", ".tsv"):
                archive.write(file, file.relative_to(CORPUS).as_posix())
    clean_app.open_files(path)
    page = clean_app.page
    rows = page.locator(".series-row")
    count = rows.count()
    assert count > 100
    for number in range(count):  # thumbnails are asked for as their rows come into view
        rows.nth(number).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.series-row .thumb')]"
                           ".every(t => t.querySelector('img, .thumb-none, .thumb-kind') && t.title)", timeout=300_000)
    shown = page.eval_on_selector_all(".series-row .thumb", "ts => ts.map(t => [!!t.querySelector('img'), t.title])")
    pictures = sum(1 for picture, _ in shown if picture)
    images = count - page.locator(".series-row .thumb.no-pixels").count()  # reports, structures: no images
    assert pictures >= 0.8 * images, [title for picture, title in shown if not picture]
    assert all(title for _, title in shown)


def test_scroll_window_and_level_and_zoom_from_the_keyboard(clean_app):
    clean_app.open_demo()
    page = clean_app.page
    page.focus(".series-row:has(td:text-is('CT'))")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
    page.keyboard.press("ArrowDown")  # the next slice
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '1'")
    before = page.text_content("#overlay-br")
    page.keyboard.press("Shift+ArrowRight")  # wider: W 400 → 412.5
    page.wait_for_function("b => document.getElementById('overlay-br').textContent !== b", arg=before)
    assert "W 413" in page.text_content("#overlay-br")  # 412.5 shown rounded
    page.keyboard.press("Shift+ArrowDown")  # higher level: L 40 → 52.9
    page.wait_for_function("() => /L 5\\d/.test(document.getElementById('overlay-br').textContent)")
    zoom = page.text_content("#overlay-br")
    page.keyboard.press("+")
    page.wait_for_function("z => document.getElementById('overlay-br').textContent !== z", arg=zoom)
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer", state="hidden")


def test_a_structured_report_reads_as_a_document_and_its_image_link_draws_its_region(clean_app, tmp_path):
    from objects.test_sr import made_sr

    ct = ct_phantom_series(6, 64, 64)
    report = made_sr("A nodule in the left upper lobe.")
    image = report.ContentSequence[1].ContentSequence[0].ContentSequence[2].ContentSequence[0].ContentSequence[0]
    image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID = ct[3].SOPInstanceUID  # the 4th slice
    image.ReferencedSOPSequence[0].ReferencedSOPClassUID = ct[3].SOPClassUID
    del image.ReferencedSOPSequence[0].ReferencedFrameNumber
    report.StudyInstanceUID = ct[0].StudyInstanceUID
    path = tmp_path / "report.zip"
    path.write_bytes(zip_bytes({**{f"ct/{n}.dcm": ds for n, ds in enumerate(ct)}, "sr/1.dcm": report}))
    clean_app.open_files(path)
    page = clean_app.page
    page.click(".series-row:has(td:text-is('SR'))")
    page.wait_for_selector("#sr:not([hidden]) .sr-document")
    text = page.text_content("#sr")
    assert "Imaging Measurement Report" in text and "Nodule (SCT 27925004)" in text
    assert "10.50 mm (millimeter)" in text and "A nodule in the left upper lobe." in text
    page.click("#sr button.sr-image")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '3'")
    layer = page.locator("#viewer .graphic-layer")
    assert layer.get_attribute("data-graphics") == "1" and layer.is_visible()
    assert page.locator("#viewer .graphic-layer polyline").count() == 2  # halo and line
    page.keyboard.press("Escape")
    page.wait_for_selector("#viewer", state="hidden")
    assert page.evaluate("() => document.activeElement.classList.contains('sr-image')")
    page.click("#sr-close")
