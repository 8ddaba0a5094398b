#!/usr/bin/env python3
"""Benchmark DICOM Peek: indexing speed in the browser against CPython, and browser memory.

    python3 build.py bench [--quick | --smoke] [--only NAME ...]     (builds dist/ first)
    python3 bench/bench.py [--quick | --smoke] [--only NAME ...]     (builds dist/ if stale)

Each zip is indexed in one session, so all figures come from the same machine state: by the
CLI in a CPython subprocess, then in headless Chromium through the real page (file picker,
worker, progress bar), as a person would. Both run the same code: the CLI runs the package of
dist/'s app zip (extracted once per run), not py/, which may be edited meanwhile. Both sides
report Python's own indexing time (``elapsed_seconds`` / ``data-elapsed``), so interpreter and
Pyodide start-up are excluded.

The browser indexes each zip twice, each time in a fresh browser profile, on a later visit with
every worker started and numpy loaded, as a person's pick meets the page (:func:`settled_page`):
once untouched for speed, once while the memory of Chromium's whole process tree is sampled from
/proc. Reading PSS every 100 ms costs enough CPU (and kernel locks on the renderer's memory map)
to slow the browser by 10-25 % on a 2-core machine, so one run cannot give honest figures for
both.

Prints a Markdown table for the README and writes the same figures to .cache/bench/results.json.

``--smoke`` checks that the whole path still works, in seconds: a 40-file zip generated afresh in
a temporary directory, one CPython run and one (sampled) browser run, the table; its figures mean
nothing and are not kept. The test suite runs it (tests/test_bench.py), as it does the other
benchmarks' ``--smoke``; they share this module's dist/ check (:func:`stale_reason`).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]
from tools import assemble, downloads, paths, serve  # noqa: E402  (build.py's jobs: its static server is the one people use)

CACHE = ROOT / ".cache" / "bench"
#: As the end-to-end tests find it (tests/e2e/conftest.py).
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: The issue's targets: browser speed relative to CPython, and memory growth on the 1 GB zip.
TARGET_RATIO, TARGET_MEMORY_MB, MEMORY_TARGET_ZIP = 0.6, 400.0, "1GB"
SAMPLE_INTERVAL = 0.1  # seconds between memory samples
SETTLE = 2.0  # seconds to let the page go idle after boot, before the baseline
BOOT_TIMEOUT_MS = 180_000
SNAPSHOT_KEPT = "async () => (await (await caches.open('dicompeek-snapshot')).keys()).length === 1"
#: The page's Python workers, by name (python-0 …; not worker 0's short-lived snapshot maker), each
#: with whether numpy and Pillow have loaded (web/worker.js), and how many the page starts.
PYTHON_WORKER = "() => ({name: self.name, rest: self.restLoaded()})"
WORKER_COUNT = "() => Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 4)"  # worker-client.js
MB = 1e6  # decimal megabytes, like the 400 MB target
#: PSS splits shared pages between the processes mapping them, so summing it over the tree
#: does not count Chromium's shared libraries and shared memory once per process.
MEMORY_KIND = "PSS" if os.access("/proc/self/smaps_rollup", os.R_OK) else "RSS"


@dataclass(frozen=True)
class Spec:
    """One benchmark zip, as arguments to ``write_bench_zip`` (stored, square int16 CT)."""

    name: str
    n_series: int
    per_series: int
    side: int


FULL = (Spec("small", 77, 100, 64), Spec("2000x256", 1, 2000, 256), Spec("1GB", 4, 2000, 256))
QUICK = (Spec("small-quick", 7, 100, 64), Spec("200x256", 1, 200, 256))
SMOKE = Spec("smoke", 2, 20, 64)
SPECS = {spec.name: spec for spec in FULL + QUICK}


def bench_zip(spec: Spec, directory: Path = CACHE) -> Path:
    """The zip for ``spec`` in ``directory``, generated once. The name carries a hash of the
    generator and the parameters, so a changed generator never benchmarks stale data; stale
    copies are removed."""
    generator = paths.PY / "dicompeek_synthetic.py"
    key = hashlib.sha256(generator.read_bytes() + repr(spec).encode()).hexdigest()[:12]
    target = directory / f"{spec.name}-{key}.zip"
    if target.exists():
        return target
    for old in directory.glob(f"{spec.name}-{'?' * len(key)}.zip"):  # not small-quick-… for small
        old.unlink(missing_ok=True)
    from dicompeek_synthetic import write_bench_zip  # numpy and pydicom only when generating

    directory.mkdir(parents=True, exist_ok=True)
    # an interrupted run must not leave a truncated zip, nor two runs write one file
    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
    log(f"generating {shown(target)}")
    write_bench_zip(tmp, n_series=spec.n_series, per_series=spec.per_series, rows=spec.side,
                    columns=spec.side, compress=False)
    tmp.replace(target)
    return target


def shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it (smoke runs write to /tmp)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def page_attribute(page: Any, selector: str, name: str) -> str:
    """An attribute the page has set by now (the benchmarks wait for it first)."""
    value: str | None = page.get_attribute(selector, name)
    if value is None:
        raise RuntimeError(f"{selector} has no {name} attribute")
    return value


# --- is dist/ today's build? --------------------------------------------------------------------


def service_worker_is_built_from(template: str, built: str) -> bool:
    """Whether ``built`` (dist/sw.js) is ``template`` (web/sw.js) with its placeholders filled
    in, as assemble.service_worker writes it: a 16-hex-digit version and the JSON file list. The
    list itself depends on every file of dist/, so it always differs from the template."""
    fill = {"__VERSION__": "[0-9a-f]{16}", "__PRECACHE__": r"\[.*\]"}
    pattern = "".join(fill.get(part, re.escape(part))
                      for part in re.split("(__VERSION__|__PRECACHE__)", template))
    return re.fullmatch(pattern, built, re.S) is not None


def stale_reason() -> str | None:
    """Why dist/ does not hold today's py/ and web/, or None when it does. build.py names the
    app zip after a hash of py/dicompeek (:func:`assemble.package_name`); it copies web/ as it is,
    except web/sw.js, which it writes to dist/ with this build's file list filled in."""
    manifest = paths.DIST / "build.json"
    if not manifest.exists():
        return "dist/ is not built"
    if json.loads(manifest.read_text())["app"] != f"app/{assemble.package_name()}":
        return "py/dicompeek changed since dist/ was built"
    for source in sorted(paths.WEB.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(paths.WEB)
        built = paths.DIST / relative
        if not built.is_file():
            current = False
        elif relative.as_posix() == "sw.js":  # assemble.SERVICE_WORKER
            current = service_worker_is_built_from(source.read_text(), built.read_text())
        else:
            current = built.read_bytes() == source.read_bytes()
        if not current:
            return f"web/{relative.as_posix()} changed since dist/ was built"
    return None


def ensure_built(script: str) -> str:
    """The app zip of an up-to-date dist/, running ``python3 build.py`` first if needed."""
    reason = stale_reason()
    if reason:
        print(f"[{script}] {reason}: running python3 build.py", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, check=True,
                       stdout=sys.stderr)
        reason = stale_reason()
        if reason:
            raise SystemExit(f"{script}: {reason}, even after building")
    app: str = json.loads((paths.DIST / "build.json").read_text())["app"]
    return app


def app_package(app: str, directory: Path) -> Path:
    """dist/'s app zip extracted into ``directory``, for PYTHONPATH: the CLI then indexes with the
    very package the page runs, whatever happens to py/ while we measure. The zip leaves out the
    command line itself (assemble.CLI_ONLY), so those few modules come from py/."""
    target = directory / "app"
    with zipfile.ZipFile(paths.DIST / app) as archive:
        archive.extractall(target)
    for relative in assemble.CLI_ONLY:
        shutil.copy(paths.PY / "dicompeek" / relative, target / "dicompeek" / relative)
    return target


def still_served(app: str, smoke: bool) -> None:
    """Stop when dist/ was rebuilt with other code while we measured (a smoke run only warns):
    the browser would have run another package than the CLI."""
    served = json.loads((paths.DIST / "build.json").read_text())["app"]
    if served == app:
        return
    message = f"dist/ was rebuilt while measuring ({served}, not {app})"
    if not smoke:
        raise SystemExit(f"bench.py: {message}; run `python3 build.py bench` again")
    log(f"warning: {message}")


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run by speed, with every run's speed kept: two cores make single runs noisy."""
    ranked = sorted(runs, key=lambda run: run["files_per_second"])
    return {**ranked[len(ranked) // 2], "runs_files_per_second": [r["files_per_second"]
                                                                  for r in runs]}


def index_cpython(zip_path: Path, package: Path) -> dict[str, Any]:
    """Index with the CLI in a fresh interpreter, as a pipeline would run it, from ``package``
    (the directory holding dicompeek/)."""
    out = subprocess.run([sys.executable, "-m", "dicompeek", "summary", str(zip_path), "--json"],
                         env={**os.environ, "PYTHONPATH": str(package)}, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the CLI failed on {zip_path.name}:\n{out.stderr}")
    result = json.loads(out.stdout)
    seconds, files = result["elapsed_seconds"], result["totals"]["entries"]
    return {"files": files, "seconds": seconds, "files_per_second": files / seconds}


# --- memory of the Chromium process tree, from /proc -------------------------------------------


def chromium_tree() -> list[int]:
    """Every Chromium process started from this process. Below us sit Playwright's node driver,
    then the browser: the first Chromium process on each branch is a browser, and everything
    under it (zygotes, the renderer that runs the worker, GPU and utility processes) is its."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit():  # comm, in parentheses, may contain spaces or ')'
                ppid = int(Path(entry.path, "stat").read_text().rpartition(")")[2].split()[1])
                kids.setdefault(ppid, []).append(int(entry.name))
        except OSError:  # exited meanwhile
            continue
    found, stack = [], [os.getpid()]
    while stack:
        for child in kids.get(stack.pop(), []):
            try:
                is_chromium = "chrom" in os.path.basename(os.readlink(f"/proc/{child}/exe"))
            except OSError:
                continue
            if is_chromium:
                subtree = [child]
                for pid in subtree:  # grows while iterating: breadth first
                    subtree.extend(kids.get(pid, []))
                found.extend(subtree)
            else:
                stack.append(child)
    return found


def tree_memory(pids: list[int] | None = None) -> int:
    """Bytes of MEMORY_KIND summed over ``pids`` (default: the whole Chromium tree)."""
    name, prefix = ("smaps_rollup", "Pss:") if MEMORY_KIND == "PSS" else ("status", "VmRSS:")
    total = 0
    for pid in chromium_tree() if pids is None else pids:
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:  # exited between listing and reading
            continue
        total += sum(int(line.split()[1]) * 1024 for line in text.splitlines()
                     if line.startswith(prefix))
    return total


class PeakSampler(threading.Thread):
    """Samples the tree every SAMPLE_INTERVAL and keeps the peak: the renderer allocates in
    bursts (a buffer per file read, freed at the next GC), so one reading at the end misses it."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        pids: list[int] = []
        while not self._done.is_set():
            if self.samples % 10 == 0:  # walking /proc costs as much as reading 2 processes,
                pids = chromium_tree()  # and the tree hardly changes while indexing
            self.peak, self.samples = max(self.peak, tree_memory(pids)), self.samples + 1
            self._done.wait(SAMPLE_INTERVAL)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return max(self.peak, tree_memory())


# --- the browser, through the real page ---------------------------------------------------------

FINISHED_OR_ERROR = """() => document.getElementById('progress').dataset.finished === 'true'
    || !document.getElementById('error').hidden"""


def wait_offline_ready(page: Any) -> None:
    """Until the service worker has cached every file of the build (the page's "Offline ready") and
    the workers' memory snapshot is kept (web/worker.js makes it after numpy has loaded)."""
    page.wait_for_selector("#offline[data-state='ready']", state="attached", timeout=BOOT_TIMEOUT_MS)
    deadline = time.monotonic() + BOOT_TIMEOUT_MS / 1000
    while not page.evaluate(SNAPSHOT_KEPT):  # wait_for_function does not wait for a promise
        if time.monotonic() > deadline:
            raise RuntimeError("the memory snapshot was not kept")
        time.sleep(0.5)


def chromium_version(page: Any) -> str:
    """The browser's version (a persistent context has no Browser object to ask, and the user
    agent string gives only the major version)."""
    product = page.context.new_cdp_session(page).send("Browser.getVersion")["product"]
    return str(product).rpartition("/")[2]


def wait_python_ready(page: Any) -> None:
    page.wait_for_selector("#boot.ready, #boot.failed", state="attached", timeout=BOOT_TIMEOUT_MS)
    if page.locator("#boot.failed").count():
        raise RuntimeError(f"Python failed to start: {page.inner_text('#error')}")


def settled_page(page: Any, url: str) -> None:
    """The page as a person's pick meets it: a later visit (the first one's service worker
    caching and memory snapshot are over), every worker started as opening the file dialog starts
    them (web/app.js), and numpy loaded in each. A pick made at "ready" on a first visit competes
    with all of that and was indexed 2 to 3 times slower (the README's Benchmarks)."""
    page.goto(url)
    wait_python_ready(page)
    wait_offline_ready(page)
    page.reload()
    wait_python_ready(page)
    page.focus("#open-files")
    expected = page.evaluate(WORKER_COUNT)
    deadline = time.monotonic() + BOOT_TIMEOUT_MS / 1000
    while True:
        states = []
        for worker in page.workers:
            if worker.url.split("?")[0].endswith("/worker.js"):
                try:
                    states.append(worker.evaluate(PYTHON_WORKER))
                except Exception:  # a worker closing (the snapshot maker), or not yet running
                    continue
        ready = [s for s in states if s["name"] != "python-snapshot" and s["rest"]]
        if len(ready) >= expected:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(ready)} of {expected} workers loaded numpy")
        time.sleep(0.5)


def browser_run(playwright: Any, url: str, zip_path: Path, timeout_s: float,
                sample: bool, settle: float = SETTLE) -> dict[str, Any]:
    """Open ``zip_path`` with the page's file picker in a fresh browser (so nothing is left over
    from the zip before) and wait for the summary; with ``sample``, measure memory meanwhile."""
    profile = tempfile.mkdtemp(prefix="dicompeek-bench-profile-")  # on disk, as a person's browser
    browser = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                            args=CHROMIUM_ARGS)
    try:
        page = browser.pages[0] if browser.pages else browser.new_page()
        settled_page(page, url)
        time.sleep(settle)
        baseline, sampler = (tree_memory(), PeakSampler()) if sample else (0, None)
        if sampler:
            sampler.start()
        started = time.perf_counter()
        try:
            page.set_input_files("#pick-files", str(zip_path))  # a local path: no upload copy
            page.wait_for_function(FINISHED_OR_ERROR, polling=200, timeout=timeout_s * 1000)
            if page.locator("#error").is_visible():
                raise RuntimeError(f"the page reported: {page.inner_text('#error')}")
            progress = page.eval_on_selector("#progress", "e => ({...e.dataset})")
            page.wait_for_selector("#summary[data-version]", state="attached", timeout=600_000)
            wall = time.perf_counter() - started
        finally:
            peak = sampler.stop() if sampler else 0
        done, elapsed = int(progress["done"]), float(progress["elapsed"])
        result = {"files": done, "seconds": elapsed, "files_per_second": done / elapsed,
                  "wall_seconds_to_summary": round(wall, 2), "chromium": chromium_version(page)}
        if sampler:
            result.update(memory_samples=sampler.samples, memory_baseline_mb=baseline / MB,
                          memory_peak_mb=peak / MB, memory_growth_mb=(peak - baseline) / MB)
        return result
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def index_browser(playwright: Any, url: str, zip_path: Path, timeout_s: float,
                  repeat: int, smoke: bool = False) -> dict[str, Any]:
    """Speed from unsampled runs, memory from a sampled one (see the module docstring); a smoke
    run saves a browser start by taking both from one sampled run."""
    if smoke:
        run = browser_run(playwright, url, zip_path, timeout_s, sample=True, settle=0.2)
        return {**run, "sampled_run_files_per_second": run["files_per_second"]}
    speed = median([browser_run(playwright, url, zip_path, timeout_s, sample=False)
                    for _ in range(repeat)])
    memory = browser_run(playwright, url, zip_path, timeout_s, sample=True)
    return {**speed, **{k: v for k, v in memory.items() if k.startswith("memory_")},
            "sampled_run_files_per_second": memory["files_per_second"]}


# --- report -------------------------------------------------------------------------------------


def machine(**extra: Any) -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 "unknown CPU")
    return {"nproc": os.cpu_count(), "cpu": model, "python": sys.version.split()[0],
            "pyodide": downloads.PYODIDE_VERSION, "memory_kind": MEMORY_KIND,
            "sample_interval_s": SAMPLE_INTERVAL,
            "date": datetime.datetime.now().astimezone().isoformat(" ", "minutes"), **extra}


def judge(row: dict[str, Any]) -> dict[str, Any]:
    """PASS/MISS against the issue's targets; the memory target applies to the 1 GB zip only."""
    ratio = row["browser"]["files_per_second"] / row["cpython"]["files_per_second"]
    growth = row["browser"]["memory_growth_mb"]
    return {"ratio": ratio, "ratio_target": "PASS" if ratio >= TARGET_RATIO else "MISS",
            "memory_target": ("PASS" if growth < TARGET_MEMORY_MB else "MISS")
            if row["name"] == MEMORY_TARGET_ZIP else None}


def size_mb(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:.1f}"


def markdown(rows: list[dict[str, Any]], info: dict[str, Any]) -> str:
    lines = [f"| Zip | Files | Size | CPython files/s | Browser files/s | Browser / CPython "
             f"(target ≥ {TARGET_RATIO}) | Browser {MEMORY_KIND} baseline / peak MB "
             f"| Peak − baseline MB (target < {TARGET_MEMORY_MB:.0f} on {MEMORY_TARGET_ZIP}) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c, b, target = r["cpython"], r["browser"], r["memory_target"]
        lines.append(
            f"| {r['name']} | {r['files']:,} | {size_mb(r['zip_bytes'])} MB "
            f"| {c['files_per_second']:,.0f} ({c['seconds']:.1f} s) "
            f"| {b['files_per_second']:,.0f} ({b['seconds']:.1f} s) "
            f"| {math.floor(r['ratio'] * 100) / 100:.2f} {r['ratio_target']} "  # 0.598 is no 0.60
            f"| {b['memory_baseline_mb']:,.0f} / {b['memory_peak_mb']:,.0f} "
            f"| {b['memory_growth_mb']:,.0f}{' ' + target if target else ''} |")
    lines += ["", f"Machine: {info['nproc']} × {info['cpu']}; {info['date']}; Chromium "
              f"{info['chromium']} headless; Pyodide {info['pyodide']}; CPython {info['python']}; "
              f"{info['app']}. Times: Python's own indexing time, median of {info['repeat']} "
              f"run(s). Memory: {MEMORY_KIND} of the whole Chromium process tree, sampled every "
              f"{SAMPLE_INTERVAL * 1000:.0f} ms in a separate run; 1 MB = 10^6 bytes."]
    if info.get("smoke"):
        lines.append("Smoke run (one sampled browser run, tiny zip): these figures mean nothing.")
    return "\n".join(lines)


def print_table(head: str, rows: Sequence[Sequence[str]], markdown: bool) -> None:
    """A script's rows: as a Markdown table under ``head`` (its heading and alignment lines, as the
    README shows it), or one line each with the cells two spaces apart."""
    if markdown:
        print(head)
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in rows:
            print("  ".join(row))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true",
                       help=f"small zips only: {', '.join(s.name for s in QUICK)}")
    modes.add_argument("--smoke", action="store_true",
                       help=f"check the whole path in seconds: {SMOKE.n_series * SMOKE.per_series} "
                            "files generated in a temporary directory, one browser run, "
                            "figures not kept")
    parser.add_argument("--only", action="append", choices=list(SPECS), metavar="NAME",
                        help=f"run only this zip (repeatable): {', '.join(SPECS)}")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="speed runs per zip and side; the median is reported")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per browser run")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.smoke and args.only:
        parser.error("--smoke runs its own zip; leave out --only")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    app = ensure_built("bench.py")
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-bench-smoke-") as work:
            return measure([SMOKE], Path(work), app, args)
    specs = [SPECS[n] for n in args.only] if args.only else list(QUICK if args.quick else FULL)
    return measure(specs, CACHE, app, args)


def measure(specs: list[Spec], directory: Path, app: str, args: argparse.Namespace) -> int:
    """Index each zip (generated into ``directory``) on both sides, print and save the table."""
    from playwright.sync_api import sync_playwright  # only once the arguments are known good

    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    rows: list[dict[str, Any]] = []
    code = tempfile.TemporaryDirectory(prefix="dicompeek-bench-app-")
    try:
        package = app_package(app, Path(code.name))
        with sync_playwright() as playwright:
            for spec in specs:
                zip_path = bench_zip(spec, directory)
                cpython = median([index_cpython(zip_path, package) for _ in range(args.repeat)])
                log(f"{spec.name}: CPython {cpython['files_per_second']:,.0f} files/s")
                browser = index_browser(playwright, url, zip_path, args.timeout, args.repeat,
                                        smoke=args.smoke)
                log(f"{spec.name}: browser {browser['files_per_second']:,.0f} files/s, "
                    f"memory +{browser['memory_growth_mb']:,.0f} MB")
                still_served(app, args.smoke)
                if browser["files"] != cpython["files"]:
                    raise RuntimeError(f"{spec.name}: the browser indexed {browser['files']} "
                                       f"entries, CPython {cpython['files']}")
                row = {"name": spec.name, "files": cpython["files"], "spec": asdict(spec),
                       "zip_bytes": zip_path.stat().st_size, "cpython": cpython, "browser": browser}
                rows.append({**row, **judge(row)})
    finally:
        server.shutdown()
        code.cleanup()
    info = machine(app=app, repeat=args.repeat, smoke=args.smoke,
                   chromium=rows[0]["browser"]["chromium"] if rows else "?")
    results = directory / "results.json"
    results.write_text(json.dumps({"machine": info, "results": rows}, indent=1) + "\n")
    print(markdown(rows, info))
    log("smoke run: figures not kept" if args.smoke else f"figures written to {shown(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
