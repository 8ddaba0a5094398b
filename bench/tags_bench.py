#!/usr/bin/env python3
"""Benchmark the tag browser in headless Chromium, through the real page.

    python3 bench/tags_bench.py [--repeat N] [--markdown]     (dist/ must be built: python3 build.py)

Two figures, against the tag-browser issue's targets:
- header panel: a series whose every instance has a header of 1,000+ elements with
  sequences nested five deep; with the panel open, a slice is reached (ArrowDown, measured
  from the moment the viewer shows the new slice) until the panel holds that slice's header.
  Target < 200 ms. Median of the slices stepped through.
- series variation: a 300-instance series; from clicking "What changes in this series" until
  the table is filled. Target < 3 s.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(ROOT / "tests")]
import build  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
PANEL_TARGET_MS, VARIATION_TARGET_S = 200, 3.0


def deep_header_zip(path: Path, slices: int = 12) -> int:
    """A CT series whose headers hold 1,000+ elements, sequences nested five deep."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from dicompeek.synthetic import ct_phantom_series
    from dicompeek.tags import header_tree
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
    count = header_tree(series[0])["count"]
    path.write_bytes(zip_bytes({f"DEEP/{i:03}.dcm": ds for i, ds in enumerate(series)}))
    return count


def long_series_zip(path: Path, slices: int = 300) -> None:
    from dicompeek.synthetic import ct_phantom_series
    from registry import zip_bytes

    path.write_bytes(zip_bytes({f"LONG/{i:03}.dcm": ds for i, ds in enumerate(ct_phantom_series(slices, 64, 64))},
                               compress=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="variation runs (median reported)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not (build.DIST / "build.json").exists():
        sys.exit("dist/ is not built: run python3 build.py")
    from playwright.sync_api import sync_playwright

    work = ROOT / ".cache" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    elements = deep_header_zip(work / "tags-deep.zip")
    long_series_zip(work / "tags-300.zip")
    server = build.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(url)
        page.wait_for_selector("#boot.ready", timeout=180_000)

        open_series(page, work / "tags-deep.zip")
        page.click("#viewer-tags")
        page.wait_for_function("() => document.getElementById('tags').dataset.entry !== undefined")
        panel_ms = []
        frames = int(page.get_attribute("#viewer", "data-frames"))
        for index in range(1, frames):
            before = page.get_attribute("#tags", "data-entry")
            page.focus("#viewer")
            page.keyboard.press("ArrowDown")
            # the time between the slice appearing and its header appearing, measured in the page
            ms = page.evaluate("""([index, before]) => new Promise((resolve) => {
                const viewer = document.getElementById('viewer'), tags = document.getElementById('tags');
                let shown = null;
                const tick = () => {
                  if (shown === null && viewer.dataset.index === String(index)) shown = performance.now();
                  if (shown !== null && tags.dataset.entry !== before) return resolve(performance.now() - shown);
                  requestAnimationFrame(tick);
                };
                tick();
            })""", [index, before])
            panel_ms.append(ms)
        page.click("#viewer-tags")
        page.click("#viewer-close")
        page.click("#clear")
        page.wait_for_selector("#empty", state="visible")

        open_series(page, work / "tags-300.zip")
        page.click("#viewer-tags")
        variation_s = []
        for _ in range(args.repeat):
            page.click("#tags-tab-instance")
            page.evaluate("() => document.querySelector('#tags-variation tbody').replaceChildren()")
            started = time.perf_counter()
            page.click("#tags-tab-series")
            page.wait_for_function("() => document.querySelector('#tags-variation tbody tr') !== null", timeout=120_000)
            variation_s.append(time.perf_counter() - started)
            status = page.text_content("#tags-series-status")
            # the panel keeps a series it has shown; forget it so the next run reads again
            page.click("#viewer-close")
            page.click(".series-row")
            page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        browser.close()
    server.shutdown()

    panel = statistics.median(panel_ms)
    variation = statistics.median(variation_s)
    rows = [
        ("Header panel, 1 slice step", f"{elements:,} elements, sequences 5 deep",
         f"{panel:.0f} ms (max {max(panel_ms):.0f})", f"< {PANEL_TARGET_MS} ms",
         "PASS" if panel < PANEL_TARGET_MS else "MISS"),
        ("What changes in this series", "300 instances", f"{variation:.2f} s", f"< {VARIATION_TARGET_S:.0f} s",
         "PASS" if variation < VARIATION_TARGET_S else "MISS"),
    ]
    print(f"# {datetime.date.today()} · panel over {len(panel_ms)} slices · variation median of {len(variation_s)}"
          f" · last status: {status}")
    if args.markdown:
        print("| Measure | Data | Browser | Target | |\n|---|---|---:|---:|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in rows:
            print("  ".join(row))
    return 0


def open_series(page, archive: Path) -> None:
    page.set_input_files("#pick-files", str(archive))
    page.wait_for_selector(".series-row", timeout=180_000)
    page.wait_for_function("() => document.getElementById('progress').dataset.finished === 'true'", timeout=180_000)
    page.click(".series-row")
    page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'", timeout=60_000)


if __name__ == "__main__":
    sys.exit(main())
