#!/usr/bin/env python3
"""Benchmark start-up: the page's time to "Python ready" against a bare Pyodide boot, and the
idle page's memory.

    python3 bench/startup_bench.py [--repeat N] [--smoke] [--markdown]     (builds dist/ if stale)

The issue's targets: "Python ready" at most 1.5 × a bare Pyodide boot in a worker on a first
visit and at most 1.0 × on later visits; the idle page under 450 MB.

Everything is measured in one run, in headless Chromium with a persistent profile on disk (as a
person's browser keeps its caches and service workers between visits), a fresh profile per round:

- **Bare boot**: a tiny page of its own (served from a temporary directory on another port, with
  dist/'s Pyodide files and the page's CSP) starts one module worker that calls ``loadPyodide()``
  and nothing else, and says so. First load in the empty profile, then later visits (the HTTP
  cache; every visit navigates away to about:blank and back).
- **The page**: dist/ as ``build.py serve`` serves it. First visit in the same (empty) profile,
  then, once the service worker has cached everything ("Offline ready") and the page has gone
  idle, later visits the same way. Before the later visits the service worker is stopped, as
  Chromium stops it 30 s after its last event: a person's later visit starts it afresh, while the
  one that has just cached the build holds about 90 MB of the page's renderer until it stops.

Each time is the page's own clock from navigation start to the moment the ready message reaches
the page (``#boot[data-ready-ms]`` for the page, the same for the bare page), so both include
loading the page, starting the worker, fetching and compiling Pyodide. The worker's stage marks
(``#boot[data-marks]``) say where the page's time went. Medians over ``--repeat`` rounds (one
first visit and ``--later`` later visits per round, each side); ratios are medians over medians.

Memory: PSS (RSS where smaps_rollup is unreadable) of the whole Chromium process tree, as
bench.py measures it, ``--settle`` seconds after "Python ready" on a later visit with nothing
picked (and, for comparison, on the first visit and for the bare page).

``--smoke`` checks the path in seconds (one round, one later visit); its figures mean nothing. The
test suite runs it (tests/test_bench.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(ROOT / "bench")]
from bench import (  # noqa: E402
    BOOT_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    MB,
    MEMORY_KIND,
    ensure_built,
    log,
    machine,
    print_table,
    tree_memory,
    wait_offline_ready,
)
from tools import paths, serve  # noqa: E402

TARGET_FIRST, TARGET_LATER, TARGET_MEMORY_MB = 1.5, 1.0, 450.0

#: The bare page: one module worker that loads Pyodide from ./pyodide/ (dist/'s copy) and says when.
BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Pyodide boot</title>
<script type="module" src="bare.js"></script></head>
<body><p id="boot">Loading Pyodide…</p></body></html>
"""
BARE_PAGE = """const boot = document.getElementById("boot");
const worker = new Worker(new URL("bare-worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event) => {
  boot.dataset.readyMs = String(performance.now());
  boot.dataset.seconds = String(event.data.seconds);
  boot.className = "ready";
  boot.textContent = `Pyodide ready (${event.data.seconds.toFixed(1)} s)`;
};
"""
BARE_WORKER = """import { loadPyodide } from "./pyodide/pyodide.mjs";
const started = performance.now();
await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
postMessage({ seconds: (performance.now() - started) / 1000 });
"""


class _BareHandler(serve._Handler):
    """serve.py's handler (the page's CSP and headers) on the bare page's directory."""

    directory = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(serve._Handler, self).__init__(*args, directory=self.directory, **kwargs)


def bare_site(directory: Path) -> Path:
    """The bare page in ``directory``, with dist/pyodide linked in (the very files the page loads)."""
    (directory / "index.html").write_text(BARE_HTML)
    (directory / "bare.js").write_text(BARE_PAGE)
    (directory / "bare-worker.js").write_text(BARE_WORKER)
    (directory / "pyodide").symlink_to(paths.DIST / "pyodide", target_is_directory=True)
    return directory


def start(server: Any) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def visit(page: Any, url: str) -> dict[str, Any]:
    """Navigate to ``url`` (from about:blank) and wait for Python; the page's figures."""
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("#boot.ready, #boot.failed", state="attached", timeout=BOOT_TIMEOUT_MS)
    if page.locator("#boot.failed").count():
        raise RuntimeError(f"Python failed to start: {page.inner_text('#error')}")
    data = page.eval_on_selector("#boot", "e => ({...e.dataset})")
    marks = json.loads(data["marks"]) if "marks" in data else {}
    return {"ready_s": float(data["readyMs"]) / 1000, "marks_ms": marks}


def settle_and_measure(seconds: float) -> float:
    time.sleep(seconds)
    return tree_memory() / MB


def stop_service_workers(context: Any, page: Any) -> None:
    """What Chromium does to a service worker 30 s after its last event (DevTools' "stop")."""
    session = context.new_cdp_session(page)
    try:
        session.send("ServiceWorker.enable")
        session.send("ServiceWorker.stopAllWorkers")
    finally:
        session.detach()


def one_round(playwright: Any, bare_url: str, page_url: str, later: int, settle: float) -> dict[str, Any]:
    """A fresh profile on disk: each side's first visit, then ``later`` later visits of each,
    alternating (so that a busy moment of the machine hits both)."""
    with tempfile.TemporaryDirectory(prefix="dicompeek-startup-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = context.pages[0] if context.pages else context.new_page()  # no second tab
            bare_first = visit(page, bare_url)
            bare_memory = settle_and_measure(settle)
            first = visit(page, page_url)
            wait_offline_ready(page)
            first_memory = settle_and_measure(settle)
            stop_service_workers(context, page)
            bare_later, ours_later, memory = [], [], []
            for _ in range(later):
                bare_later.append(visit(page, bare_url))
                ours_later.append(visit(page, page_url))
                memory.append(settle_and_measure(settle))
            return {"bare_first": bare_first, "bare_later": bare_later, "bare_memory_mb": bare_memory,
                    "first": first, "first_memory_mb": first_memory, "later": ours_later,
                    "memory_mb": memory, "chromium": context.browser.version if context.browser else "?"}
        finally:
            context.close()


def median_marks(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each stage mark's median over ``runs`` (ms from navigation start)."""
    names = [name for name in runs[0]["marks_ms"] if all(name in run["marks_ms"] for run in runs)]
    return {name: statistics.median(run["marks_ms"][name] for run in runs) for name in names}


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = {
        "bare_first": [r["bare_first"]["ready_s"] for r in rounds],
        "bare_later": [v["ready_s"] for r in rounds for v in r["bare_later"]],
        "first": [r["first"]["ready_s"] for r in rounds],
        "later": [v["ready_s"] for r in rounds for v in r["later"]],
    }
    medians = {key: statistics.median(values) for key, values in seconds.items()}
    return {
        "seconds": seconds, "median_s": medians,
        "ratio_first": medians["first"] / medians["bare_first"],
        "ratio_later": medians["later"] / medians["bare_later"],
        "memory_mb": statistics.median(m for r in rounds for m in r["memory_mb"]),
        "first_memory_mb": statistics.median(r["first_memory_mb"] for r in rounds),
        "bare_memory_mb": statistics.median(r["bare_memory_mb"] for r in rounds),
        "marks_first_ms": median_marks([r["first"] for r in rounds]),
        "marks_later_ms": median_marks([v for r in rounds for v in r["later"]]),
    }


def brief(run: dict[str, Any]) -> str:
    """One round's times and memory, for the log."""
    def times(first: dict[str, Any], later: list[dict[str, Any]]) -> str:
        return f"{first['ready_s']:.2f} s, later " + ", ".join(f"{v['ready_s']:.2f}" for v in later)
    memory = ", ".join(f"{m:.0f}" for m in run["memory_mb"])
    return (f"bare {times(run['bare_first'], run['bare_later'])}; page {times(run['first'], run['later'])}; "
            f"idle {memory} MB")


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def rows(summary: dict[str, Any]) -> list[list[str]]:
    med, runs = summary["median_s"], summary["seconds"]

    def cell(key: str) -> str:
        return f"{med[key]:.2f} s ({', '.join(f'{v:.2f}' for v in runs[key])})"

    return [
        ["First visit", cell("bare_first"), cell("first"),
         f"{summary['ratio_first']:.2f} {verdict(summary['ratio_first'], TARGET_FIRST)}",
         f"{summary['first_memory_mb']:,.0f}"],
        ["Later visits", cell("bare_later"), cell("later"),
         f"{summary['ratio_later']:.2f} {verdict(summary['ratio_later'], TARGET_LATER)}",
         f"{summary['memory_mb']:,.0f} {'PASS' if summary['memory_mb'] < TARGET_MEMORY_MB else 'MISS'}"],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="rounds, each in a fresh profile: one first visit each side, then later visits")
    parser.add_argument("--later", type=int, default=3, metavar="N", help="later visits per round and side")
    parser.add_argument("--settle", type=float, default=5.0, metavar="S",
                        help="seconds after ready before memory is read")
    parser.add_argument("--smoke", action="store_true", help="one round, one later visit: does it still run?")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table, as in the README")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat, args.later, args.settle = 1, 1, 0.5
    if args.repeat < 1 or args.later < 1:
        parser.error("--repeat and --later must be at least 1")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    app = ensure_built("startup_bench.py")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dicompeek-bare-") as bare_dir:
        _BareHandler.directory = str(bare_site(Path(bare_dir)))
        bare_server = serve.http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BareHandler)
        page_server = serve.make_server(port=0)
        bare_url, page_url = start(bare_server), start(page_server)
        rounds = []
        try:
            with sync_playwright() as playwright:
                for number in range(args.repeat):
                    rounds.append(one_round(playwright, bare_url, page_url, args.later, args.settle))
                    log(f"round {number + 1}: {brief(rounds[-1])}")
        finally:
            bare_server.shutdown()
            page_server.shutdown()
    summary = summarize(rounds)
    info = machine(app=app, repeat=args.repeat, later=args.later, smoke=args.smoke,
                   chromium=rounds[0]["chromium"])
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "summary": summary, "rounds": rounds}, indent=1) + "\n")
    print_table(f"| Visit | Bare Pyodide boot, median (runs) | \"Python ready\", median (runs) "
                f"| Ratio (target ≤ {TARGET_FIRST} first, ≤ {TARGET_LATER} later) "
                f"| Idle {MEMORY_KIND} MB (target < {TARGET_MEMORY_MB:.0f}) |\n|---|---:|---:|---:|---:|",
                rows(summary), args.markdown)
    print()
    for key, label in (("marks_first_ms", "first visit"), ("marks_later_ms", "later visits")):
        stages = summary[key]
        print(f"Stages, {label} (ms from navigation start, medians): "
              + ", ".join(f"{name} {value:,.0f}" for name, value in stages.items()))
    print(f"\nBare page idle: {summary['bare_memory_mb']:,.0f} MB. Machine: {info['nproc']} × {info['cpu']}; "
          f"{info['date']}; Chromium {info['chromium']} headless; Pyodide {info['pyodide']}; {app}; "
          f"{args.repeat} round(s) × {args.later} later visit(s).")
    if args.smoke:
        print("Smoke run (one round): these figures mean nothing.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
