"""Hostile input in the page: every case reported for its file, valid files indexed and
viewable, strings from files inert, and the worker's memory bounded on a zip over 4 GiB.

tests/hostile.py builds the zips (the same ones tests/io/test_hostile_zips.py runs through
the Python package in CPython).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hostile
from dicompeek_synthetic import write_zip
from registry import XSS, small_dataset

#: Python's WebAssembly memory per worker after indexing a zip over 4 GiB (it never shrinks,
#: so this bounds the peak). Booted Python with numpy and pydicom takes about 100 MB.
WORKER_MEMORY_BOUND = 512 * 1024 * 1024
INJECTIONS = {  # one per text VR: PN, LO, SH, CS, LT, ST, UT, UC, UR
    "PatientName": XSS,
    "StudyDescription": "javascript:alert(document.domain)",
    "SeriesDescription": '"><svg onload=alert(2)>',
    "InstitutionName": '{"__proto__": {"polluted": true}}',
    "ImageComments": "<script>alert(3)</script>",
    "StationName": "<b>bold</b>",
    "BodyPartExamined": "<I>",
    "AdditionalPatientHistory": '<iframe src="javascript:alert(4)"></iframe>',
    "DerivationDescription": "<style>*{display:none}</style>",
    "TextValue": "<a href=\"javascript:alert(5)\">click</a>",
    "LongCodeValue": "<marquee>x</marquee>",
    "RetrieveURL": "javascript:alert(6)",
}
#: A private block's values: a readable LO and an OB blob that looks like markup.
PRIVATE_TEXT = "<img src=x onerror=alert(7)>"
PRIVATE_BLOB = b"<script>alert(8)</script>"


def inert(app) -> None:
    """Nothing a file carries ran: no dialog, no error, no element made from its markup."""
    assert app.dialogs == [] and app.errors == []
    assert app.page.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload], script:not([src])')"
                             ".length") == 0
    assert app.page.evaluate("() => ({}).polluted === undefined")


def test_one_of_each_hostile_case_is_reported_and_the_valid_files_are_viewable(clean_app, tmp_path):
    expected = hostile.hostile_zip(tmp_path / "hostile.zip", lzma_available=False)  # Pyodide has no lzma
    clean_app.open_files(tmp_path / "hostile.zip")
    totals = clean_app.totals()
    assert totals["entries"] == expected["entries"]
    assert totals["dicom"] == len(expected["dicom"])  # the duplicate name counts twice
    assert totals["entries"] == totals["dicom"] + totals["non_dicom"] + totals["unreadable"]
    files = clean_app.files()
    for location, case in expected["files"].items():
        assert location in files, location
        assert case["reason"] in files[location][1], (location, files[location])
    notes = clean_app.page.text_content("#notes")
    for location, message in expected["notes"].items():
        assert message in notes, (location, message)
    inert(clean_app)

    page = clean_app.page
    rows = page.locator(".series-row")
    assert rows.count() == len(expected["dicom"])  # one series per valid file
    for number in range(rows.count()):  # every valid file is viewable
        rows.nth(number).click()  # opening a series clears data-index until its first frame is painted
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        page.wait_for_function("() => document.getElementById('viewer-message').textContent === ''")
        painted = page.evaluate("""() => { const c = document.getElementById('viewer-canvas');
            return [c.width, c.height, Array.from(c.getContext('2d').getImageData(4, 4, 1, 1).data)]; }""")
        assert painted == [8, 8, [0, 0, 0, 255]], number  # the 8×8 frame of zeros, painted
        page.click("#viewer-close")


def test_strings_from_files_reach_the_page_and_the_report_as_text(clean_app, tmp_path):
    ds = small_dataset(patient_id="INJECT-1")
    for keyword, value in INJECTIONS.items():
        setattr(ds, keyword, value)
    block = ds.private_block(0x0009, '<b>"CREATOR"</b>', create=True)
    block.add_new(0x01, "LO", PRIVATE_TEXT)
    block.add_new(0x02, "OB", PRIVATE_BLOB)
    write_zip(tmp_path / "inject.zip", {f"{XSS}/javascript:alert(1).dcm": ds})
    clean_app.open_files(tmp_path / "inject.zip")
    page = clean_app.page
    text = page.text_content("#summary")
    assert XSS in text and "javascript:alert(document.domain)" in text
    assert page.evaluate("() => [...document.querySelectorAll('a[href]')]"
                         ".every(a => !a.href.startsWith('javascript:'))")
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'")
    page.click("#review-expand")  # the findings are laid out as their groups open
    findings = page.text_content("#review-findings")
    assert "<script>alert(3)</script>" in findings and PRIVATE_TEXT in findings
    with page.expect_download() as download:
        page.click("#review-html")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and XSS not in html
    assert "<script" not in html.lower() and "<svg" not in html.lower()
    page.click("#review-close")
    inert(clean_app)

    clean_app.open_instance_tags()  # the tag browser shows every value as text
    tree = page.text_content("#tags-tree")
    for value in [*INJECTIONS.values(), PRIVATE_TEXT, '<b>"CREATOR"</b>']:
        assert value in tree, value
    assert PRIVATE_BLOB[:8].hex(" ") in tree  # a blob shows as hex
    clean_app.reset_views()
    inert(clean_app)


def test_a_zip_over_4_gib_is_indexed_with_bounded_worker_memory(clean_app, tmp_path):
    if not hostile.sparse_files_work(tmp_path):
        pytest.skip("this file system does not store sparse files: the 4.5 GiB zip would be written out")
    expected = hostile.zip64_large_zip(tmp_path / "large.zip")
    assert (tmp_path / "large.zip").stat().st_size > 4 * 1024 ** 3
    clean_app.open_files(tmp_path / "large.zip")
    totals = clean_app.totals()
    assert totals["dicom"] == len(expected.dicom) == 3 and totals["entries"] == expected.entries
    workers = clean_app.page.workers
    assert workers
    memory = [worker.evaluate("() => self.pythonMemoryBytes()") for worker in workers]
    assert all(0 < used < WORKER_MEMORY_BOUND for used in memory), memory
    print(f"\nPython memory per worker after the {totals['entries']}-entry zip over 4 GiB: "
          f"{', '.join(f'{used / 2 ** 20:.0f} MB' for used in memory)}")
