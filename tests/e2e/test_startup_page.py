"""Start-up: the page starts one Python worker; opening the file dialog, dragging files over the
page, a pointer or the focus on a picker or the demo, or the first pick (made before or after
"Python ready") starts the others, and the pick is spread over all of them; a later visit starts
from the memory snapshot and still works; numpy arrives after "ready" without the page noticing.
"""

from __future__ import annotations

import pytest

from dicompeek_synthetic import ct_phantom_series, write_zip
from e2e.harness import App

BOOT_TIMEOUT_MS = 180_000
FILES = 24


def python_workers(page) -> list:
    """The page's Python workers (python-0 …), not worker 0's short-lived snapshot maker."""
    found = []
    for worker in page.workers:
        if not worker.url.split("?")[0].endswith("/worker.js"):
            continue
        try:
            name = worker.evaluate("() => self.name")
        except Exception:  # the snapshot maker, closing
            continue
        if name != "python-snapshot":
            found.append(worker)
    return found


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.zip"
    write_zip(path, {f"CT/{k:03d}.dcm": ds for k, ds in enumerate(ct_phantom_series(FILES, 16, 16))})
    return path


@pytest.mark.parametrize("when", ["before", "after"])
def test_the_first_pick_is_spread_over_every_worker(fresh_page, export, when):
    page = fresh_page.page
    page.goto(fresh_page.url)
    cores = page.evaluate("Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 4)")
    if when == "after":
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
        page.wait_for_timeout(500)
        assert len(python_workers(page)) == 1  # an idle page runs one Python
    before = fresh_page.start_open(export)
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    fresh_page.wait_for_summary(before)
    assert fresh_page.totals()["dicom"] == FILES
    workers = python_workers(page)
    assert len(workers) == cores
    shares = [worker.evaluate("() => self.indexedEntries()") for worker in workers]
    assert sum(shares) == FILES
    assert all(share > 0 for share in shares), shares  # every core indexed its run of the pick
    # what needs numpy (the viewer) works
    page.click(".series-row")
    page.wait_for_selector("#viewer[data-index='0']", state="attached", timeout=60_000)
    assert not fresh_page.errors


@pytest.mark.parametrize("how", ["file dialog", "files dragged over", "pointer on the demo", "focus on a picker"])
def test_the_other_workers_start_while_the_person_chooses_what_to_open(fresh_page, export, how):
    page = fresh_page.page
    page.goto(fresh_page.url)
    cores = page.evaluate("Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 4)")
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert len(python_workers(page)) == 1
    if how == "file dialog":
        with page.expect_file_chooser() as chooser:
            page.click("#open-files")
    elif how == "files dragged over":
        page.dispatch_event("body", "dragenter", {"dataTransfer": page.evaluate_handle("new DataTransfer()")})
        page.dispatch_event("body", "dragleave")
    elif how == "pointer on the demo":
        page.hover("#demo")
    else:
        page.keyboard.press("Tab")  # the first stop is a picker
        assert page.evaluate("document.activeElement.id") == "open-files"
    page.wait_for_timeout(500)
    assert len(python_workers(page)) == cores  # booting before anything is picked
    if how == "file dialog":
        before = fresh_page.version()
        chooser.value.set_files(str(export))
        fresh_page.wait_for_summary(before)
        assert fresh_page.totals()["dicom"] == FILES
    assert not fresh_page.errors


def test_a_later_visit_starts_from_the_snapshot_and_works(browser, site_url, export):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site_url)
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
        page.wait_for_selector("#offline[data-state='ready']", timeout=BOOT_TIMEOUT_MS)
        for _ in range(240):  # worker 0 has it made once numpy is loaded (wait_for_function would not await)
            if page.evaluate("async () => (await (await caches.open('dicompeek-snapshot')).keys()).length"):
                break
            page.wait_for_timeout(500)
        page.goto("about:blank")
        page.goto(site_url)
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
        marks = page.eval_on_selector("#boot", "e => JSON.parse(e.dataset.marks)")
        assert "read snapshot" in marks  # started from the snapshot, not from scratch
        before = int(page.get_attribute("#summary", "data-version") or 0)
        page.set_input_files("#pick-files", str(export))
        page.wait_for_function("v => Number(document.getElementById('summary').dataset.version || 0) > v",
                               arg=before, timeout=120_000)
        assert App(page, site_url).totals()["dicom"] == FILES
        page.click(".series-row")
        page.wait_for_selector("#viewer[data-index='0']", state="attached", timeout=60_000)
        assert page.is_hidden("#error")
    finally:
        context.close()
