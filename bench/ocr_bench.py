#!/usr/bin/env python3
"""Benchmark reading text burned into the pixels: in CPython with Tesseract, in the page with tesseract.js.

    python3 bench/ocr_bench.py [--smoke] [--frames N] [--markdown]

A zip of N ultrasound frames (default 200: 25 cines of 8 frames, 640 × 480, a banner with a
name, an ID and a date at the top, scanner labels at the side, noise behind) is generated once
into .cache/bench/; the review runs on it with and without OCR, in the same run, in CPython and
in the page (Chromium, both reviews in one page). Figures: frames read per second (frames over
the time OCR added), and the review's time with and without OCR. ``--smoke`` checks the path in
seconds on 8 frames generated afresh in a temporary directory; the figures then mean nothing.
The test suite runs it.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(ROOT / "tests")]
from review_bench import page_reviews  # noqa: E402  bench/review_bench.py

from bench import CACHE, CHROMIUM, ensure_built, print_table  # noqa: E402  bench/bench.py

FRAMES_PER_FILE = 8
SMOKE_FRAMES = 8


def ultrasound_zip(frames: int, directory: Path) -> Path:
    """``frames`` frames as cines of 8, each with its own patient's banner (generated once)."""
    from privacy.burned_in.screens import as_dataset, screen
    from registry import zip_bytes

    target = directory / f"ocr-{frames}.zip"
    if target.exists():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    members = {}
    for cine in range(max(frames // FRAMES_PER_FILE, 1)):
        lines = [(8, 16, f"PATIENT{cine:03d} SMITH   ID {7000000 + cine}   DOB 23.05.1961"),
                 (40, 14, "TIS 0.4  MI 1.1"), (440, 14, "5 cm")]
        ds = as_dataset([screen(lines, noise=True, seed=cine * 100 + n) for n in range(FRAMES_PER_FILE)])
        ds.PatientName, ds.PatientID = f"Smith^Patient{cine:03d}", str(7000000 + cine)
        members[f"US/{cine:03d}.dcm"] = ds
    target.write_bytes(zip_bytes(members))
    return target


def measure(path: Path) -> tuple[float, float, int]:
    """The review's seconds without and with OCR, and the frames read."""
    from dicompeek.app.ocr_tesseract import load
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review

    engine, why = load()
    if engine is None:
        sys.exit(f"OCR unavailable: {why}")
    index = Index()
    try:
        index.add([str(path)])
        index.run()
        started = time.perf_counter()
        review(index)
        without = time.perf_counter() - started
        started = time.perf_counter()
        result = review(index, ocr=engine)
        with_ocr = time.perf_counter() - started
    finally:
        index.close()
    return without, with_ocr, int(result["burned_in"]["frames_read"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_FRAMES} frames, in seconds")
    parser.add_argument("--frames", type=int, default=200, help="frames in the zip (a multiple of 8)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    frames = SMOKE_FRAMES if args.smoke else args.frames
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-ocr-smoke-") as work:
            return report(ultrasound_zip(frames, Path(work)), args)
    return report(ultrasound_zip(frames, CACHE), args)


def measure_page(path: Path) -> tuple[float, float, int]:
    """The same in the page: one page, a review without OCR, then one with it."""
    files = int(path.stem.split("-")[1]) // FRAMES_PER_FILE or 1  # ocr-<frames>.zip
    _, [(without, _), (with_ocr, said)] = page_reviews(path, files, [False, True])
    read = re.search(r"(\d[\d,]*) images? of", said)
    if not read:
        sys.exit(f"the page's review read no burned-in text: {said}")
    return without, with_ocr, int(read.group(1).replace(",", ""))


def report(path: Path, args: argparse.Namespace) -> int:
    rows = []
    places = [("CPython (Tesseract)", measure)]
    if Path(CHROMIUM).exists():
        ensure_built("ocr_bench.py")
        places.append(("Page (tesseract.js)", measure_page))
    for where, measure_in in places:
        without, with_ocr, frames = measure_in(path)
        rate = frames / max(with_ocr - without, 1e-9)
        rows.append((where, f"{frames:,}", f"{without:.1f} s", f"{with_ocr:.1f} s", f"{rate:.2f}"))
    print(f"# {datetime.date.today()} · {path.name}"
          + (" · smoke run: these figures mean nothing" if args.smoke else ""))
    print_table("| Where | Frames | Review without OCR | Review with OCR | Frames read per second |\n"
                "|---|---:|---:|---:|---:|", rows, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
