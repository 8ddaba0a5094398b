#!/usr/bin/env python3
"""Benchmark the de-identified copy against indexing, in CPython.

    python3 bench/deid_bench.py [--smoke] [--zip NAME ...] [--corpus] [--markdown]

The issue's target: writing the copy takes at most 4 × the time of indexing the same zip, and
memory does not grow with its size. Measured in one run on bench.py's zips (``2000x256``: one
series of 2,000 CT slices of 256 × 256; ``1GB``: four of them; stored, as most exports are) and,
with ``--corpus``, on ../shared/corpus zipped: indexing the zip, then the copy with the usual
options (Modified Dates, Clean Descriptors), its own review included; peak memory is the
process's resident set growth over the copy (ru_maxrss). The page's figures come with the
page's copy. ``--smoke`` checks the path in seconds on a small generated zip; the figures then
mean nothing. The test suite runs it.
"""

from __future__ import annotations

import argparse
import datetime
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]
from bench import CACHE, SMOKE, SPECS, bench_zip, print_table  # noqa: E402  bench/bench.py

TARGET_RATIO = 4.0
USUAL = frozenset({"retain_modified_dates", "clean_descriptors"})


def measure(path: Path, work: Path) -> tuple[float, float, int, float, str]:
    """(indexing s, copy s, files written, peak MB growth, the copy's verdict) for ``path``."""
    from dicompeek.dicom import guard
    from dicompeek.index.indexer import Index
    from dicompeek.privacy.deidentify.inputs import deidentify_inputs
    from dicompeek.privacy.deidentify.run import Settings

    guard.install()
    started = time.perf_counter()
    index = Index()
    try:
        index.add([str(path)])
        index.run()
    finally:
        index.close()
    indexed = time.perf_counter() - started
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = deidentify_inputs([str(path)], work / "copy.zip", Settings(USUAL, b"bench"))
    copied = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # KiB → MiB
    (work / "copy.zip").unlink()
    return indexed, copied, report["files_written"], grown, report["verdict"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small generated zip, in seconds")
    parser.add_argument("--zip", action="append", choices=sorted(SPECS), help="bench.py zips (default 2000x256, 1GB)")
    parser.add_argument("--corpus", action="store_true", help="also ../shared/corpus, zipped")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dicompeek-deid-bench-") as tmp:
        work = Path(tmp)
        if args.smoke:
            zips = [("smoke", bench_zip(SMOKE, work))]
        else:
            zips = [(name, bench_zip(SPECS[name])) for name in args.zip or ["2000x256", "1GB"]]
            if args.corpus:
                from review_bench import corpus_zip

                zips.append(("corpus", corpus_zip(CACHE)))
        rows = []
        for name, path in zips:
            indexed, copied, files, grown, verdict = measure(path, work)
            ratio = copied / indexed
            rows.append((name, f"{files:,}", f"{indexed:.1f} s", f"{copied:.1f} s",
                         f"{ratio:.1f} {'PASS' if ratio <= TARGET_RATIO else 'MISS'}", f"{grown:.0f} MB", verdict))
    print(f"# {datetime.date.today()} · CPython" + (" · smoke run: these figures mean nothing" if args.smoke else ""))
    print_table("| Zip | Files | Indexing | Copy (with its review) | Copy / indexing (target ≤ 4) | "
                "Peak memory growth | The copy's review |\n|---|---:|---:|---:|---:|---:|---|", rows, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
