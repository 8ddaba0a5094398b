#!/usr/bin/env python3
"""Benchmark the tag browser in headless Chromium, through the real page.

    python3 bench/tags_bench.py [--smoke] [--repeat N] [--markdown]

Two figures, against the tag-browser issue's targets:
- header panel: a series whose every instance has a header of 1,000+ elements with
  sequences nested five deep; with the panel open, a slice is reached (ArrowDown, measured
  from the moment the viewer shows the new slice) until the panel holds that slice's header.
  Target < 200 ms. Median of the slices stepped through.
- series variation: a 300-instance series; from clicking "What changes in this series" until
  the table is filled. Target < 3 s.

dist/ is (re)built with ``python3 build.py`` when it is missing or out of date with py/ or web/.
``--smoke`` checks that the whole path still works, in seconds: a 4-slice deep-header series
and a 20-instance series, generated afresh in a temporary directory, one variation run; the
table is printed, but the figures mean nothing. The test suite runs it.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(ROOT / "tests")]
from bench import CHROMIUM, ensure_built, page_attribute, print_table  # noqa: E402  bench/bench.py
from tools import serve  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
PANEL_TARGET_MS, VARIATION_TARGET_S = 200, 3.0
STEP_TIMEOUT_MS = 60_000  # one slice's header, in the page


@dataclass(frozen=True)
class Setup:
    deep_slices: int = 12    # slices of the deep-header series: panel measured over all but one
    long_slices: int = 300   # instances of the series whose variation is measured
    repeat: int = 3          # variation runs


SMOKE = Setup(deep_slices=4, long_slices=20, repeat=1)


def deep_header_zip(path: Path, slices: int = 12) -> int:
    """A CT series whose headers hold 1,000+ elements, sequences nested five deep."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from dicompeek.tags.tree import header_tree
    from dicompeek_synthetic import ct_phantom_series
    from registry import zip_bytes

    def nested(depth: int) -> Sequence:
        items = []
        for k in range(3):
            item = Dataset()
            item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = f"C{depth}{k}", "99TEST", f"level {depth}"
            if depth < 5:
                item.ContentSequence = nested(depth + 1)
            items.append(item)
        return Sequence(items)

    series = ct_phantom_series(slices, 64, 64)
    for ds in series:
        ds.ContentSequence = nested(1)
    count: int = header_tree(series[0])["count"]
    path.write_bytes(zip_bytes({f"DEEP/{i:03}.dcm": ds for i, ds in enumerate(series)}))
    return count


def long_series_zip(path: Path, slices: int = 300) -> None:
    from dicompeek_synthetic import ct_phantom_series
    from registry import zip_bytes

    path.write_bytes(zip_bytes({f"LONG/{i:03}.dcm": ds for i, ds in enumerate(ct_phantom_series(slices, 64, 64))},
                               compress=False))


#: With the panel open and ArrowDown pressed: ms from the viewer showing slice ``index`` until
#: the panel holds another header than ``before``.
PANEL_JS = """([index, before, timeout]) => new Promise((resolve, reject) => {
    const viewer = document.getElementById('viewer'), tags = document.getElementById('tags');
    const started = performance.now();
    let shown = null;
    const tick = () => {
      if (shown === null && viewer.dataset.index === String(index)) shown = performance.now();
      if (shown !== null && tags.dataset.entry !== before) return resolve(performance.now() - shown);
      if (performance.now() - started > timeout)
        return reject(new Error(`slice ${index} or its header did not appear in time`));
      requestAnimationFrame(tick);
    };
    tick();
})"""


def measure(work: Path, setup: Setup) -> dict:
    """Generate both series into ``work`` and measure them in one page."""
    from playwright.sync_api import sync_playwright

    elements = deep_header_zip(work / "tags-deep.zip", setup.deep_slices)
    long_series_zip(work / "tags-long.zip", setup.long_slices)
    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    errors: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 900})
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(url)
                page.wait_for_selector("#boot.ready", timeout=180_000)

                open_series(page, work / "tags-deep.zip")
                page.click("#viewer-tags")
                page.wait_for_function("() => document.getElementById('tags').dataset.entry !== undefined")
                panel_ms = []
                frames = int(page_attribute(page, "#viewer", "data-frames"))
                for index in range(1, frames):
                    before = page.get_attribute("#tags", "data-entry")
                    page.focus("#viewer")
                    page.keyboard.press("ArrowDown")
                    # the time between the slice appearing and its header appearing, in the page
                    panel_ms.append(page.evaluate(PANEL_JS, [index, before, STEP_TIMEOUT_MS]))
                page.click("#viewer-tags")
                page.click("#viewer-close")
                page.click("#clear")
                page.wait_for_selector("#empty", state="visible")

                open_series(page, work / "tags-long.zip")
                page.click("#viewer-tags")
                variation_s = []
                for _ in range(setup.repeat):
                    page.click("#tags-tab-instance")
                    page.evaluate("() => document.querySelector('#tags-variation tbody').replaceChildren()")
                    started = time.perf_counter()
                    page.click("#tags-tab-series")
                    page.wait_for_function("() => document.querySelector('#tags-variation tbody tr') !== null",
                                           timeout=120_000)
                    variation_s.append(time.perf_counter() - started)
                    status = page.text_content("#tags-series-status")
                    # the panel keeps a series it has shown; forget it so the next run reads again
                    page.click("#viewer-close")
                    page.click(".series-row")
                    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
            finally:
                browser.close()
    finally:
        server.shutdown()
    if errors:
        sys.exit(f"tags_bench.py: the page threw: {errors[0]}")
    return {"elements": elements, "panel_ms": panel_ms, "variation_s": variation_s, "status": status}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help=f"check the whole path in seconds: {SMOKE.deep_slices} and "
                             f"{SMOKE.long_slices} slices, generated in a temporary directory")
    parser.add_argument("--repeat", type=int, help=f"variation runs, median reported (default "
                                                    f"{Setup.repeat}, --smoke {SMOKE.repeat})")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    setup = SMOKE if args.smoke else Setup()
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        setup = Setup(setup.deep_slices, setup.long_slices, args.repeat)
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ensure_built("tags_bench.py")
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-tags-smoke-") as scratch:
            result = measure(Path(scratch), setup)
    else:
        work = ROOT / ".cache" / "bench"
        work.mkdir(parents=True, exist_ok=True)
        result = measure(work, setup)

    panel_ms, variation_s = result["panel_ms"], result["variation_s"]
    panel = statistics.median(panel_ms)
    variation = statistics.median(variation_s)
    rows = [
        ("Header panel, one slice step", f"{result['elements']:,} elements, sequences 5 deep",
         f"{panel:.0f} ms (max {max(panel_ms):.0f}) {'PASS' if panel < PANEL_TARGET_MS else 'MISS'}",
         f"< {PANEL_TARGET_MS} ms"),
        ("What changes in this series", f"{setup.long_slices:,} instances",
         f"{variation:.2f} s {'PASS' if variation < VARIATION_TARGET_S else 'MISS'}",
         f"< {VARIATION_TARGET_S:.0f} s"),
    ]
    print(f"# {datetime.date.today()} · panel over {len(panel_ms)} slice steps · variation median of "
          f"{len(variation_s)} · last status: {result['status']}"
          + (" · smoke run: these figures mean nothing" if args.smoke else ""))
    print_table("| Measure | Data | Browser | Target |\n|---|---|---:|---:|", rows, args.markdown)
    return 0


def open_series(page: Any, archive: Path) -> None:
    page.set_input_files("#pick-files", str(archive))
    page.wait_for_selector(".series-row", timeout=180_000)
    page.wait_for_function("() => document.getElementById('progress').dataset.finished === 'true'", timeout=180_000)
    page.click(".series-row")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'", timeout=60_000)


if __name__ == "__main__":
    sys.exit(main())
