#!/usr/bin/env python3
"""Benchmark the privacy review against indexing, in CPython and in headless Chromium.

    python3 bench/review_bench.py [--files N] [--markdown]     (dist/ must be built: python3 build.py)

The issue's target: reviewing a 5,000-file zip takes at most 1.5 × the time of indexing it.
Both are measured in the same run on the same zip: in CPython with the package directly,
and in the page (indexing: the progress bar's own elapsed time; review: the click on
"Privacy review" until its verdict). The click waits for the summary, as a person does: until
then worker 0 is still merging the other workers' records (after the progress bar's time) and
the review would wait for it too, so that wait would be counted twice.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]
import build  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
TARGET_RATIO = 1.5


def bench_zip(files: int) -> Path:
    from dicompeek.synthetic import write_bench_zip

    target = ROOT / ".cache" / "bench" / f"review-{files}.zip"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bench_zip(target, n_series=max(files // 100, 1), per_series=min(files, 100))
    return target


def cpython(path: Path, files: int) -> tuple[float, float]:
    from dicompeek.index import Index
    from dicompeek.review import review

    index = Index()
    try:
        index.add([str(path)])
        started = time.perf_counter()
        index.run()
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        result = review(index)
        reviewed = time.perf_counter() - started
        if result["files_reviewed"] != files:
            sys.exit(f"the review did not cover the {files} files: {result['files_reviewed']}")
        return indexed, reviewed
    finally:
        index.close()


def browser(path: Path, files: int) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    server = build.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = chromium.new_page()
            page.goto(url)
            page.wait_for_selector("#boot.ready", timeout=180_000)
            before = int(page.get_attribute("#summary", "data-version") or 0)
            page.set_input_files("#pick-files", str(path))
            page.wait_for_function("() => document.getElementById('progress').dataset.finished === 'true'",
                                   timeout=600_000)
            indexed = float(page.get_attribute("#progress", "data-elapsed"))
            page.wait_for_function("v => Number(document.getElementById('summary').dataset.version || 0) > v",
                                   arg=before, timeout=600_000)
            started = time.perf_counter()
            page.click("#review-open")
            page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'",
                                   timeout=600_000)
            reviewed = time.perf_counter() - started
            meta = page.text_content("#review-meta") or ""
            chromium.close()
            if not meta.startswith(f"{files} DICOM files reviewed"):
                sys.exit(f"the page's review did not cover the {files} files: {meta}")
    finally:
        server.shutdown()
    return indexed, reviewed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not (build.DIST / "build.json").exists():
        sys.exit("dist/ is not built: run python3 build.py")
    path = bench_zip(args.files)
    rows = []
    for where, measure in (("CPython", cpython), ("Browser", browser)):
        indexed, reviewed = measure(path, args.files)
        ratio = reviewed / indexed
        rows.append((where, f"{args.files:,}", f"{indexed:.1f} s", f"{reviewed:.1f} s",
                     f"{ratio:.2f} {'PASS' if ratio <= TARGET_RATIO else 'MISS'}"))
    print(f"# {datetime.date.today()} · {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
    if args.markdown:
        print("| Where | Files | Indexing | Review | Review / indexing (target ≤ 1.5) |\n|---|---:|---:|---:|---:|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in rows:
            print("  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
