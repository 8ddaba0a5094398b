"""Fuzz the whole Python path (index → summary → viewer → tag browser → exports → privacy review,
then every command line subcommand) with mutated DICOM files and zips of them, and report what
breaks.

    python3 bench/fuzz.py --inputs 100000 --seed 1 --jobs 2 [--time-limit 10] [--memory-limit 3072]
                          [--crashes fuzz-crashes/] [--start 0] [--no-corpus] [--cli-every 1]
    python3 bench/fuzz.py --smoke      # a handful of inputs, one job: that the script still works

Inputs are made from ``(seed, number)`` alone (see ``tests/fuzz.py``), so a failing input can be
made again; each one is also written to ``--crashes`` with its failure. Prints progress every
few seconds, then the totals (inputs, inputs/s, failures by kind) as text and, with --json, as
JSON. Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fuzz  # noqa: E402

#: Inputs of --smoke.
SMOKE_INPUTS = 4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1000, help="inputs to run (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="run seed: the same seed gives the same inputs")
    parser.add_argument("--start", type=int, default=0, help="first input number (to resume or split a run)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1; at most 2 here)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per input (default 10)")
    parser.add_argument("--memory-limit", type=int, default=3072, help="address space per worker, MB")
    parser.add_argument("--growth-limit", type=int, default=512, help="peak memory growth per input, MB")
    parser.add_argument("--crashes", type=Path, default=ROOT / ".cache" / "fuzz-crashes",
                        help="where failing inputs go")
    parser.add_argument("--seeds", type=Path, default=None, help="seed file folder (made if absent)")
    parser.add_argument("--no-corpus", action="store_true", help="leave ../shared/corpus out of the seeds")
    parser.add_argument("--log", type=Path, default=None, help="append the workers' stderr here")
    parser.add_argument("--cli-every", type=int, default=1, metavar="N",
                        help="take every N-th input through the command line too (default 1: all; 0: none)")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON at the end")
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_INPUTS} inputs from #0 with one job, all through the command line")
    args = parser.parse_args(argv)
    if args.smoke:
        args.inputs, args.start, args.jobs, args.cli_every = SMOKE_INPUTS, 0, 1, 1

    seed_dir = args.seeds or (fuzz.default_seed_dir().with_name("fuzz-seeds-nocorpus") if args.no_corpus
                              else fuzz.default_seed_dir())
    fuzz.make_seed_dir(seed_dir, corpus=not args.no_corpus)
    seeds = len(fuzz.load_seeds(seed_dir))
    print(f"{seeds} seed files in {seed_dir}; {args.inputs:,} inputs from #{args.start}, seed {args.seed}, "
          f"{args.jobs} job(s); command line stage on "
          + ("every input" if args.cli_every == 1 else f"every {args.cli_every}th input" if args.cli_every > 1
             else "no input"), flush=True)
    args.crashes.mkdir(parents=True, exist_ok=True)
    last = [0.0]

    def progress(report: fuzz.Report) -> None:
        now = time.perf_counter()
        if now - last[0] >= 30 or report.inputs == args.inputs:
            last[0] = now
            print(f"{report.inputs:>8,} inputs  {report.rate:6.1f}/s  failures {report.by_kind() or 0}", flush=True)

    report = fuzz.run(args.inputs, seed=args.seed, jobs=args.jobs, time_limit=args.time_limit,
                      memory_limit_mb=args.memory_limit, growth_limit_mb=args.growth_limit, seed_dir=seed_dir,
                      crash_dir=args.crashes, start=args.start, progress=progress, log=args.log,
                      cli_every=args.cli_every)
    totals = {"inputs": report.inputs, "seconds": round(report.seconds, 1), "inputs_per_second": round(report.rate, 1),
              "jobs": args.jobs, "seed": args.seed, "seed_files": seeds, "failures": report.by_kind(),
              "cli_inputs": report.cli_inputs, "worker_restarts": report.restarts,
              "slowest_seconds": round(report.slowest[0], 2),
              "slowest_input": report.slowest[1]}
    print(f"done: {report.inputs:,} inputs in {report.seconds:,.0f} s ({report.rate:.1f}/s), "
          f"failures: {report.by_kind() or 'none'}; slowest input {report.slowest[0]:.2f} s {report.slowest[1]}")
    seen = set()
    for failure in report.failures:
        key = (failure["kind"], failure["where"], failure["detail"].strip().splitlines()[-1][:120])
        if key not in seen:
            seen.add(key)
            print(f"- {failure['kind']} in {failure['where']} (input {failure['input']}): {key[2]}")
    if args.json:
        print(json.dumps(totals))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
