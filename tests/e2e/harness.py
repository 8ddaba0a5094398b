"""What the end-to-end tests share besides fixtures: the system Chromium and the page's actions.

Imported as ``e2e.harness`` (pytest puts tests/ on sys.path), so that conftest.py, the tests
and docs/screenshot.py all name the same module.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-domain-reliability"]
BOOT_TIMEOUT_MS = 180_000
#: Everything on the page a person or a screen reader can read (SVG titles are in textContent).
PAGE_TEXT = """() => {
  const texts = [document.title, document.body.innerText, document.body.textContent];
  for (const node of document.querySelectorAll("[title], [aria-label], [alt], [placeholder]")) {
    for (const name of ["title", "aria-label", "alt", "placeholder"]) texts.push(node.getAttribute(name) || "");
  }
  for (const control of document.querySelectorAll("input, select, textarea")) texts.push(control.value);
  return texts.join("\\n");
}"""


def page_tesseract(folder: Path):
    """The command line's Tesseract given the page's English model (tesseract.js's, in dist/ocr;
    Debian's older one misreads more: "MRN/78812" for "MRN778812"); skips the test without Tesseract."""
    import gzip

    import pytest

    from dicompeek.app.ocr_tesseract import load
    from tools.paths import DIST

    folder.mkdir(exist_ok=True)
    (folder / "eng.traineddata").write_bytes(gzip.decompress((DIST / "ocr/lang/eng.traineddata.gz").read_bytes()))
    engine, why = load(folder)
    if engine is None:
        pytest.skip(why)
    return engine


class App:
    """The booted page and what it did, with the actions a person takes."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def version(self) -> int:
        return int(self.page.get_attribute("#summary", "data-version") or 0)

    def wait_for_summary(self, before: int, timeout: float = 120_000) -> None:
        self.page.wait_for_function(
            "v => Number(document.getElementById('summary').dataset.version || 0) > v",
            arg=before, timeout=timeout)

    def start_open(self, *paths: Path) -> int:
        """Pick files without waiting; returns the summary version to wait beyond."""
        before = self.version()
        self.page.set_input_files("#pick-files", [str(p) for p in paths])
        return before

    def open_files(self, *paths: Path) -> None:
        self.wait_for_summary(self.start_open(*paths))

    def open_folder(self, path: Path) -> None:
        before = self.version()
        self.page.set_input_files("#pick-folder", str(path))
        self.wait_for_summary(before)

    def open_demo(self) -> None:
        before = self.version()
        self.page.click("#demo")
        self.wait_for_summary(before)

    def open_instance_tags(self, row: str = ".series-row") -> None:
        """Open the series of ``row`` in the viewer and the tag panel on its first instance."""
        page = self.page
        page.click(row)
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        page.click("#viewer-tags")
        page.click("#tags-tab-instance")
        page.wait_for_function("() => document.getElementById('tags').dataset.entry !== undefined")

    def reset_views(self) -> None:
        """Close what an earlier test left open (viewer, tag panel, its search) on the shared page."""
        page = self.page
        if page.is_visible("#tags"):
            page.click("#viewer-tags")
        if page.is_visible("#viewer-layers"):  # it stays open for the next series once opened
            page.click("#viewer-layers-toggle")
        page.evaluate("() => { const search = document.getElementById('tags-search');"
                      " search.value = ''; search.dispatchEvent(new Event('input')); }")
        if page.is_visible("#viewer"):
            page.click("#viewer-close")

    def clear(self) -> None:
        if self.page.is_disabled("#clear"):
            return
        before = self.version()
        self.page.click("#clear")
        self.wait_for_summary(before)

    def totals(self) -> dict[str, int]:
        return self.page.eval_on_selector_all(
            "#totals .total",
            "nodes => Object.fromEntries(nodes.map(n => [n.dataset.total, "
            "Number(n.querySelector('dd').textContent.replace(/,/g, ''))]))")

    def files(self) -> dict[str, tuple[str, str]]:
        """Files list: location -> (status, reason)."""
        rows = self.page.eval_on_selector_all(
            "#files tr", "rows => rows.map(r => [...r.children].map(c => c.textContent))")
        return {row[1]: (row[0], row[3]) for row in rows}
