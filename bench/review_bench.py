#!/usr/bin/env python3
"""Benchmark the privacy review against indexing, in CPython and in headless Chromium.

    python3 bench/review_bench.py [--smoke] [--files N | --corpus] [--markdown]

The issue's target: reviewing a 5,000-file zip takes at most 1.5 × the time of indexing it.
Both are measured in the same run on the same zip: in CPython with the package directly,
and in the page (indexing: the progress bar's own elapsed time; review: the click on
"Privacy review" until its verdict). The click waits for the summary, as a person does: until
then worker 0 is still merging the other workers' records (after the progress bar's time) and
the review would wait for it too, so that wait would be counted twice. The page is a later
visit with every worker started and numpy loaded (``bench.settled_page``): a pick at "ready"
would count the second worker's start-up as indexing.

The zip is generated once into .cache/bench/ (its name carries a hash of the generator). dist/
is (re)built with ``python3 build.py`` when it is missing or out of date with py/ or web/.
``--corpus`` measures real data instead: every file of ``../shared/corpus`` (a mix of vendors,
private blocks, multi-frame and malformed files) zipped, stored, into .cache/bench/corpus.zip.
``--smoke`` checks that the whole path still works, in seconds: 40 files generated afresh in a
temporary directory; the table is printed, but the figures mean nothing. The test suite runs it.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]
from bench import CACHE, CHROMIUM, Spec, ensure_built, page_attribute, print_table, settled_page  # noqa: E402
from bench import bench_zip as generate  # noqa: E402
from tools import serve  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
TARGET_RATIO = 1.5
PER_SERIES = 100
SMOKE_FILES = 40


def bench_zip(files: int, directory: Path = CACHE) -> Path:
    """``files`` CT files of 64 x 64, in series of 100 (generated once, as bench.py's zips)."""
    per_series = min(files, PER_SERIES)
    return generate(Spec(f"review-{files}", files // per_series, per_series, 64), directory)


def corpus_zip(directory: Path = CACHE) -> Path:
    """../shared/corpus zipped (stored, in name order) once into ``directory``."""
    import zipfile

    source = ROOT.parent / "shared" / "corpus"
    if not source.is_dir():
        sys.exit(f"no corpus at {source}")
    target = directory / "corpus.zip"
    if not target.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            for file in sorted(p for p in source.rglob("*") if p.is_file()):
                archive.write(file, file.relative_to(source).as_posix())
        partial.replace(target)
    return target


def dicom_files(path: Path) -> int:
    """How many DICOM files indexing finds in ``path`` (what both reviews must cover)."""
    from dicompeek.index.indexer import Index

    index = Index()
    try:
        index.add([str(path)])
        index.run()
        return len(index.dicom)
    finally:
        index.close()


def cpython(path: Path, files: int) -> tuple[float, float]:
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review

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
    """Seconds of indexing and of the review (without OCR: the header review's ratio) in the page."""
    indexed, [(reviewed, _)] = page_reviews(path, files, [False])
    return indexed, reviewed


def page_reviews(path: Path, files: int, ocr: list[bool]) -> tuple[float, list[tuple[float, str]]]:
    """Index ``path`` in the page, then review it once per item of ``ocr`` (reading burned-in text
    or not): the indexing seconds and each review's (seconds, the line saying what it read)."""
    from playwright.sync_api import sync_playwright

    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with (sync_playwright() as playwright,
              tempfile.TemporaryDirectory(prefix="dicompeek-review-profile-", ignore_cleanup_errors=True) as profile):
            chromium = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                                     args=CHROMIUM_ARGS)
            page = chromium.pages[0] if chromium.pages else chromium.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            settled_page(page, url)  # as a person's pick meets the page, not one still starting up
            before = int(page.get_attribute("#summary", "data-version") or 0)
            page.set_input_files("#pick-files", str(path))
            page.wait_for_function("() => document.getElementById('progress').dataset.finished === 'true'",
                                   timeout=600_000)
            indexed = float(page_attribute(page, "#progress", "data-elapsed"))
            page.wait_for_function("v => Number(document.getElementById('summary').dataset.version || 0) > v",
                                   arg=before, timeout=600_000)
            reviews = []
            for reads in ocr:
                page.set_checked("#review-ocr", reads)
                started = time.perf_counter()
                page.click("#review-open")
                page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'",
                                       timeout=1_800_000)
                reviews.append((time.perf_counter() - started, page.text_content("#review-meta") or ""))
                page.click("#review-close")
            chromium.close()
            for _, meta in reviews:
                if not meta.startswith((f"{files} DICOM files reviewed", f"{files:,} DICOM files reviewed")):
                    sys.exit(f"the page's review did not cover the {files} files: {meta}")
            if errors:
                sys.exit(f"the page threw: {errors[0]}")
    finally:
        server.shutdown()
    return indexed, reviews


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help=f"check the whole path in seconds: {SMOKE_FILES} files generated in a "
                             "temporary directory")
    parser.add_argument("--files", type=int, help=f"files in the zip: up to {PER_SERIES} or a "
                                                  f"multiple of it (default 5000, --smoke {SMOKE_FILES})")
    parser.add_argument("--corpus", action="store_true", help="the real files of ../shared/corpus, zipped")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if args.corpus:
        if not Path(CHROMIUM).exists():
            parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
        ensure_built("review_bench.py")
        path = corpus_zip()
        return measure(path, dicom_files(path), args)
    files = args.files or (SMOKE_FILES if args.smoke else 5000)
    if files < 1 or (files > PER_SERIES and files % PER_SERIES):
        parser.error(f"--files must be from 1 to {PER_SERIES} or a multiple of {PER_SERIES}")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ensure_built("review_bench.py")
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-review-smoke-") as work:
            return measure(bench_zip(files, Path(work)), files, args)
    return measure(bench_zip(files), files, args)


def measure(path: Path, files: int, args: argparse.Namespace) -> int:
    rows = []
    for where, measure_on in (("CPython", cpython), ("Browser", browser)):
        indexed, reviewed = measure_on(path, files)
        ratio = reviewed / indexed
        rows.append((where, f"{files:,}", f"{indexed:.1f} s", f"{reviewed:.1f} s",
                     f"{ratio:.2f} {'PASS' if ratio <= TARGET_RATIO else 'MISS'}"))
    print(f"# {datetime.date.today()} · {path.name} ({path.stat().st_size / 1e6:.1f} MB)"
          + (" · smoke run: these figures mean nothing" if args.smoke else ""))
    print_table("| Where | Files | Indexing | Review | Review / indexing (target ≤ 1.5) |\n|---|---:|---:|---:|---:|",
                rows, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
