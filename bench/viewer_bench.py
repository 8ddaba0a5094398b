#!/usr/bin/env python3
"""Benchmark DICOM Peek's image viewer: time to first image and scrolling speed, per syntax.

    python3 bench/viewer_bench.py [--quick | --smoke] [--only NAME ...] [--repeat N] [--markdown]

For a 512 x 512 x 300-slice CT series stored in each of several transfer syntaxes (one zip
each), headless Chromium opens the zip through the real page, as a person would, and measures:

- **first image**: from the click on the series row in the summary until the viewer has painted
  frame 0 (``#viewer`` gets ``data-index="0"``, which viewer.js sets right after
  ``putImageData``). Every series is opened in a fresh browser context, so this is the first
  image of a session: it includes the worker loading the pixel codecs, which it does on the
  viewer's first request whatever the syntax.
- **cold fps**: ArrowDown through ``--scroll`` slices never shown before, waiting for each frame
  to be painted and presented (one animation frame) before the next key; frames / seconds.
- **warm fps**: back to slice 1 (Home), then the same slices again, now from the viewer's LRU of
  rendered frames. Presentation is paced by animation frames, so this is at most the display
  rate (60 Hz in headless Chromium).

Targets from the viewer issue: first image < 500 ms; uncompressed scrolling (cold) >= 30 fps.

The zips are generated once into .cache/bench/ (names carry DATA_VERSION) from
``dicompeek_synthetic.ct_phantom_series``: DCMTK's dcmcrle and dcmcjpeg and pydicom's pylibjpeg
encoder compress each slice, in parallel over the cores. dist/ is (re)built with
``python3 build.py`` when it is missing or out of date with py/ or web/ (``bench.stale_reason``).

``--smoke`` checks that the whole path still works, in seconds: every series as 8 slices of
128 x 128, generated afresh in a temporary directory, all opened one after the other in one
page (one Pyodide start instead of one per series), 3 slices scrolled per pass; the tables are
printed, but the figures mean nothing and are not kept. The test suite runs it.

The worker's requests are traced in the page (a pass-through wrapper of ``Worker``, installed
before the app starts), which splits the time between the worker and the page and counts
renders per frame shown. Figures go to .cache/bench/viewer-results.json.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import importlib.util
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]
from bench import CHROMIUM, ensure_built, shown, size_mb, stale_reason  # noqa: E402  bench/bench.py
from tools import downloads, serve  # noqa: E402  (build.py's jobs: its static server is the one people use)

CACHE = ROOT / ".cache" / "bench"
RESULTS = CACHE / "viewer-results.json"
#: Bump when the generated data changes (phantom, encoder options, zip layout): it is part of
#: every cached zip's name, and zips of another version are deleted when regenerated.
DATA_VERSION = "v1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-domain-reliability"]
VIEWPORT = {"width": 1280, "height": 800}
SIDE = 512
SLICES, SCROLL_STEPS = 300, 100         # full run: series length, slices scrolled per pass
QUICK_SLICES, QUICK_SCROLL = 60, 40     # --quick
SMOKE_SIDE, SMOKE_SLICES, SMOKE_SCROLL = 128, 8, 3  # --smoke
TARGET_FIRST_MS, TARGET_FPS = 500.0, 30.0
FPS_TARGET_SERIES = "uncompressed"      # the fps target applies to this series (cold pass)
SETTLE = 1.0                            # seconds of idle page before the click
BOOT_TIMEOUT_MS = 180_000
STEP_TIMEOUT_MS = 60_000                # one frame, in the page
MB = 1e6


@dataclass(frozen=True)
class Setup:
    """What one run measures, and where its zips live."""

    side: int = SIDE
    slices: int = SLICES
    scroll: int = SCROLL_STEPS
    settle: float = SETTLE
    directory: Path = CACHE
    smoke: bool = False


@dataclass(frozen=True)
class Variant:
    """One series: how its slices are encoded. ``tool`` is a DCMTK command line, or
    ["pydicom-j2k"] for pydicom's pylibjpeg encoder, or [] for no compression."""

    name: str
    label: str          # Series Description, the row the benchmark clicks
    syntax_name: str    # short, for the tables
    syntax: str         # the Transfer Syntax UID the files must end up with
    tool: tuple[str, ...]
    bits: int = 16      # 8: windowed to an 8-bit MONOCHROME2 copy first (JPEG baseline)


VARIANTS = (
    Variant("uncompressed", "BENCH UNCOMPRESSED", "Explicit VR Little Endian",
            "1.2.840.10008.1.2.1", ()),
    Variant("rle", "BENCH RLE", "RLE Lossless", "1.2.840.10008.1.2.5", ("dcmcrle",)),
    Variant("jpeg-baseline", "BENCH JPEG BASELINE 8 BIT", "JPEG Baseline, 8-bit",
            "1.2.840.10008.1.2.4.50", ("dcmcjpeg", "+eb"), bits=8),
    Variant("jpeg-lossless", "BENCH JPEG LOSSLESS SV1", "JPEG Lossless SV1",
            "1.2.840.10008.1.2.4.70", ("dcmcjpeg", "+e1")),
    Variant("j2k-lossless", "BENCH JPEG 2000 LOSSLESS", "JPEG 2000 Lossless",
            "1.2.840.10008.1.2.4.90", ("pydicom-j2k",)),
)
BY_NAME = {v.name: v for v in VARIANTS}


def log(message: str) -> None:
    print(f"[viewer-bench] {message}", file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------


def zip_path(variant: Variant, setup: Setup, version: str = DATA_VERSION) -> Path:
    side = "" if setup.side == SIDE else f"{setup.side}x"
    return setup.directory / f"viewer-{variant.name}-{side}{setup.slices}-{version}.zip"


def _to_8bit(ds: Any) -> Any:
    """An 8-bit MONOCHROME2 copy: the CT's stored values (HU + 1024) through its soft-tissue
    window (L 40 W 400) to 0..255, without rescale; the window then spans the full range."""
    import numpy as np

    out = copy.deepcopy(ds)
    hu = ds.pixel_array.astype(np.float32) - 1024.0
    pixels = np.clip(np.rint((hu - (40 - 200)) / 400 * 255), 0, 255).astype(np.uint8)
    out.BitsAllocated, out.BitsStored, out.HighBit, out.PixelRepresentation = 8, 8, 7, 0
    for keyword in ("RescaleIntercept", "RescaleSlope", "RescaleType"):
        delattr(out, keyword)
    out.WindowCenter, out.WindowWidth = "128", "256"
    out.WindowCenterWidthExplanation = "8 BIT"
    out.PixelData = pixels.tobytes()
    out["PixelData"].VR = "OB"
    return out


def _encode(job: tuple[tuple[str, ...], bytes, str]) -> bytes:
    """One slice, Part 10 in and out (runs in a worker process)."""
    tool, data, workdir = job
    if not tool:
        return data
    if tool == ("pydicom-j2k",):
        import pydicom

        from dicompeek_synthetic import dataset_bytes

        ds = pydicom.dcmread(io.BytesIO(data))
        ds.compress(pydicom.uid.JPEG2000Lossless, encoding_plugin="pylibjpeg")
        return dataset_bytes(ds)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        source, target = Path(tmp, "in.dcm"), Path(tmp, "out.dcm")
        source.write_bytes(data)
        done = subprocess.run([*tool, str(source), str(target)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(tool)} failed: {done.stderr.strip()}")
        return target.read_bytes()


def ensure_zips(variants: list[Variant], setup: Setup) -> dict[str, Path]:
    """The zip of every variant, generating the missing ones from one phantom series."""
    paths = {v.name: zip_path(v, setup) for v in variants}
    missing = [v for v in variants if not paths[v.name].exists()]
    if not missing:
        return paths
    import pydicom

    from dicompeek_synthetic import ct_phantom_series, dataset_bytes, new_uid

    directory, side, slices = setup.directory, setup.side, setup.slices
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log(f"generating a {side}x{side}x{slices} CT phantom for {', '.join(v.name for v in missing)}")
    base = ct_phantom_series(slices, side, side, patient_name="BENCH^VIEWER",
                             patient_id="BENCH-VIEWER")
    log(f"  phantom: {time.perf_counter() - started:.1f} s")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for variant in missing:
            t0 = time.perf_counter()
            series_uid = new_uid()
            jobs = []
            for ds in base:
                ds = _to_8bit(ds) if variant.bits == 8 else ds
                ds.SeriesInstanceUID, ds.SeriesDescription = series_uid, variant.label
                jobs.append((variant.tool, dataset_bytes(ds), str(directory)))
            encoded = list(pool.map(_encode, jobs, chunksize=8))
            syntax = pydicom.dcmread(io.BytesIO(encoded[0]), stop_before_pixels=True) \
                .file_meta.TransferSyntaxUID
            if syntax != variant.syntax:
                raise RuntimeError(f"{variant.name}: the encoder wrote {syntax}, "
                                   f"not {variant.syntax}")
            target = paths[variant.name]
            for old in directory.glob(zip_path(variant, setup, version="*").name):
                old.unlink(missing_ok=True)
            # an interrupted run must not leave a truncated zip, nor two runs write one file
            tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
                for k, data in enumerate(encoded):
                    archive.writestr(f"BENCH/{variant.name.upper()}/IM{k + 1:04d}.dcm", data)
            tmp.replace(target)
            log(f"  {shown(target)}: {target.stat().st_size / MB:,.1f} MB "
                f"in {time.perf_counter() - t0:.1f} s")
    return paths


# --- in the page --------------------------------------------------------------------------------

#: Installed before the app runs: records every viewer request the page posts to a worker and
#: when its reply arrives. A pass-through subclass of Worker; the app sees no difference.
TRACE_WORKERS = """(() => {
  const Native = window.Worker;
  const trace = [];
  Object.defineProperty(window, "__viewerBenchTrace", { value: trace });
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      const open = new Map();
      this.__open = open;
      this.addEventListener("message", (event) => {
        const m = event.data;
        if (m && m.type === "reply" && open.has(m.id)) {
          const r = open.get(m.id);
          open.delete(m.id);
          r.end = performance.now();
          if (m.error) r.error = m.error;
        }
      });
    }
    postMessage(message, transfer) {
      if (message && message.op === "request") {
        const r = { id: message.id, name: message.name, args: JSON.stringify(message.args),
                    start: performance.now() };
        this.__open.set(message.id, r);
        trace.push(r);
      }
      return transfer === undefined ? super.postMessage(message) : super.postMessage(message, transfer);
    }
  };
})();"""

#: Before the click: note when the click reaches the page and when frame 0 is painted
#: (data-index = "0") and then presented (the next animation frame has run).
ARM_FIRST_IMAGE = """() => {
  const root = document.getElementById("viewer");
  const mark = window.__viewerBench = {};
  window.addEventListener("click", (event) => {
    if (mark.click === undefined && event.target.closest(".series-row")) mark.click = performance.now();
  }, { capture: true });
  const observer = new MutationObserver(() => {
    if (root.dataset.index !== "0" || mark.painted !== undefined) return;
    mark.painted = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { mark.presented = performance.now(); }, 0));
  });
  observer.observe(root, { attributes: true, attributeFilter: ["data-index"] });
}"""

#: Press `key` on the viewer `steps` times (ArrowDown), each time waiting until the next index is
#: painted and presented; per step: ms to paint, ms to present, and the viewer's message if any.
#: With `overlay` (a selector; layers_bench.py), each step also waits, before presenting, until
#: that element's data-frame names the frame on screen ("entry:frame"), and `overlaid` lists the
#: ms from the key to that moment.
SCROLL_JS = """async ([steps, key, overlay]) => {
  const root = document.getElementById("viewer");
  const message = document.getElementById("viewer-message");
  const presented = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const indexIs = (i) => new Promise((resolve, reject) => {
    if (root.dataset.index === String(i)) return resolve();
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`frame ${i} was not painted in time`));
    }, %d);
    const observer = new MutationObserver(() => {
      if (root.dataset.index === String(i)) { clearTimeout(timer); observer.disconnect(); resolve(); }
    });
    observer.observe(root, { attributes: true, attributeFilter: ["data-index"] });
  });
  const layer = overlay ? document.querySelector(overlay) : null;
  if (overlay && !layer) throw new Error(`no ${overlay} in the page`);
  const overlaid = [];
  const overlayShows = () => new Promise((resolve, reject) => {
    const want = () => layer.dataset.frame === `${root.dataset.entry}:${root.dataset.frame}`;
    if (want()) return resolve();
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${overlay} did not show frame ${root.dataset.index} in time`));
    }, %d);
    const observer = new MutationObserver(() => {
      if (want()) { clearTimeout(timer); observer.disconnect(); resolve(); }
    });
    observer.observe(layer, { attributes: true, attributeFilter: ["data-frame"] });
  });
  const first = Number(root.dataset.index);
  const started = performance.now();
  const frames = [];
  for (let k = 1; k <= steps; k++) {
    const pressed = performance.now();
    root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    await indexIs(first + k);
    const painted = performance.now();
    const text = message.textContent;
    if (layer) {
      await overlayShows();
      overlaid.push(performance.now() - pressed);
    }
    await presented();
    frames.push([painted - pressed, performance.now() - pressed, text]);
  }
  return { started, ended: performance.now(), frames, overlaid };
}""" % (STEP_TIMEOUT_MS, STEP_TIMEOUT_MS)  # noqa: UP031  (JavaScript braces throughout: no f-string or format())

GO_HOME = """async () => {
  const root = document.getElementById("viewer");
  root.dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true, cancelable: true }));
  while (root.dataset.index !== "0") await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}"""

CLOSE = """async () => {
  const root = document.getElementById("viewer");
  root.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
  while (!root.hidden) await new Promise((resolve) => setTimeout(resolve, 5));
}"""

CANVAS_STATE = """() => {
  const canvas = document.getElementById("viewer-canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 0) lit++;
  return { width: canvas.width, height: canvas.height, lit: lit / (data.length / 4),
           frames: Number(document.getElementById("viewer").dataset.frames),
           message: document.getElementById("viewer-message").textContent };
}"""

IDLE = "() => window.__viewerBenchTrace.every((r) => r.end !== undefined)"


def wait_idle(page: Any) -> None:
    """Until no viewer request is in flight and none starts for a moment (prefetch done)."""
    while True:
        page.wait_for_function(IDLE, polling=50, timeout=120_000)
        count = page.evaluate("() => window.__viewerBenchTrace.length")
        time.sleep(0.3)
        if page.evaluate(IDLE) and page.evaluate("() => window.__viewerBenchTrace.length") == count:
            return


def worker_busy(trace: list[dict[str, Any]]) -> dict[int, float]:
    """Per request id, the time worker 0 spent on it: it answers one request at a time, in order,
    so a request's service starts when it was posted or when the one before was answered."""
    busy, previous_end = {}, 0.0
    for r in sorted(trace, key=lambda r: r["start"]):
        begin = max(r["start"], previous_end)
        busy[r["id"]] = r["end"] - begin
        previous_end = r["end"]
    return busy


def pass_figures(scroll: dict[str, Any], trace: list[dict[str, Any]],
                 busy: dict[int, float]) -> dict[str, Any]:
    """fps and where the time went in one scroll pass. A render is "new" when it is the first
    request for its frame and window in the session, a "repeat" otherwise (the worker keeps the
    last decoded frame, so a repeat right after a new one costs the display pipeline only)."""
    frames = scroll["frames"]
    errors = [text for _, _, text in frames if text]
    if errors:
        raise RuntimeError(f"the viewer showed a message instead of a frame: {errors[0]}")
    elapsed = scroll["ended"] - scroll["started"]
    first_asked: dict[str, int] = {}
    for r in trace:
        if r["name"] == "render":
            first_asked.setdefault(r["args"], r["id"])
    renders = [r for r in trace if r["name"] == "render"
               and scroll["started"] <= r["start"] < scroll["ended"]]
    new = [busy[r["id"]] for r in renders if first_asked[r["args"]] == r["id"]]
    repeat = [busy[r["id"]] for r in renders if first_asked[r["args"]] != r["id"]]
    paint = sorted(p for p, _, _ in frames)
    p50 = lambda values: statistics.median(values) if values else None  # noqa: E731
    return {
        "frames": len(frames), "seconds": elapsed / 1000, "fps": len(frames) / elapsed * 1000,
        "paint_ms_median": statistics.median(paint),
        "paint_ms_p95": paint[int(0.95 * (len(paint) - 1))],
        "paint_ms_max": paint[-1], "renders": len(renders), "renders_repeated": len(repeat),
        "worker_ms_new_median": p50(new), "worker_ms_repeat_median": p50(repeat),
        "worker_ms_per_frame_shown": sum(new + repeat) / len(frames),
    }


def open_series(page: Any, row: Any) -> dict[str, float]:
    """Click the series row; the page's times of the click, the paint and the presentation."""
    page.evaluate(ARM_FIRST_IMAGE)
    row.click()
    page.wait_for_function("() => window.__viewerBench.presented !== undefined",
                           polling=10, timeout=120_000)
    times: dict[str, float] = page.evaluate("() => window.__viewerBench")
    return times


def opening(trace: list[dict[str, Any]], mark: dict[str, float]) -> dict[str, float]:
    """The series and first render requests made between the click and the paint."""
    made = [r for r in trace if mark["click"] <= r["start"] <= mark["painted"]]
    series = next(r for r in made if r["name"] == "series")
    render = next(r for r in made if r["name"] == "render")
    return {"first_image_ms": mark["painted"] - mark["click"],
            "first_image_presented_ms": mark["presented"] - mark["click"],
            "series_request_ms": series["end"] - series["start"],
            "first_render_ms": render["end"] - render["start"]}


class Session:
    """A booted page in a browser context of its own, with the request trace installed."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.errors: list[str] = []
        try:
            self.context.add_init_script(script=TRACE_WORKERS)
            self.page = self.context.new_page()
            self.page.on("pageerror", lambda error: self.errors.append(str(error)))
            t0 = time.perf_counter()
            self.page.goto(url)
            self.page.wait_for_selector("#boot.ready, #boot.failed", state="attached",
                                        timeout=BOOT_TIMEOUT_MS)
            if self.page.locator("#boot.failed").count():
                raise RuntimeError(f"Python failed to start: {self.page.inner_text('#error')}")
            self.boot_seconds = time.perf_counter() - t0
            if not self.page.evaluate("() => Array.isArray(window.__viewerBenchTrace)"):
                raise RuntimeError("the request trace was not installed")
        except BaseException:
            self.context.close()
            raise
        self.version = browser.version

    def clear(self) -> None:
        """Close the viewer and clear the page's files, for the next series in the same page."""
        page = self.page
        page.evaluate(CLOSE)
        before = int(page.get_attribute("#summary", "data-version") or 0)
        page.click("#clear")
        page.wait_for_function(
            "v => Number(document.getElementById('summary').dataset.version || 0) > v",
            arg=before, timeout=60_000)

    def close(self) -> None:
        self.context.close()


def measure(browser: Any, url: str, variant: Variant, path: Path, setup: Setup) -> dict[str, Any]:
    """Open ``path`` in a fresh context, click its series, scroll cold, then warm."""
    session = Session(browser, url)
    try:
        return measure_in(session, variant, path, setup)
    finally:
        session.close()


def measure_in(session: Session, variant: Variant, path: Path, setup: Setup) -> dict[str, Any]:
    """Open ``path`` in the session's page, click its series, scroll cold, then warm; close the
    viewer and open the series again."""
    page, errors = session.page, session.errors
    t0 = time.perf_counter()
    page.set_input_files("#pick-files", str(path))
    row = page.locator(f".series-row:has(td:text-is('{variant.label}'))")
    row.wait_for(state="visible", timeout=300_000)
    index = time.perf_counter() - t0
    time.sleep(setup.settle)

    t0 = time.perf_counter()
    mark = open_series(page, row)
    click_wall = time.perf_counter() - t0
    state = page.evaluate(CANVAS_STATE)
    if state["message"] or (state["width"], state["height"]) != (setup.side, setup.side) \
            or state["frames"] != setup.slices or state["lit"] < 0.05:
        raise RuntimeError(f"{variant.name}: frame 0 is not what it should be: {state}")
    wait_idle(page)
    cold = page.evaluate(SCROLL_JS, [setup.scroll, "ArrowDown"])
    wait_idle(page)
    page.evaluate(GO_HOME)
    wait_idle(page)
    warm = page.evaluate(SCROLL_JS, [setup.scroll, "ArrowDown"])
    wait_idle(page)
    # Close and open again: the codecs are loaded now and the worker still holds the
    # files, so this splits the first open's time between set-up and the viewer itself.
    page.evaluate(CLOSE)
    time.sleep(setup.settle)
    again = open_series(page, row)
    wait_idle(page)
    trace = page.evaluate("() => window.__viewerBenchTrace")
    if any("error" in r for r in trace):
        raise RuntimeError(f"a viewer request failed: {next(r for r in trace if 'error' in r)}")
    if errors:
        raise RuntimeError(f"the page threw: {errors[0]}")
    busy = worker_busy(trace)
    return {
        "boot_seconds": session.boot_seconds, "index_seconds": index,
        "zip_bytes": path.stat().st_size, **opening(trace, mark),
        "click_to_presented_wall_ms": click_wall * 1000,  # includes Playwright's own overhead
        "reopen": opening(trace, again),
        "cold": pass_figures(cold, trace, busy), "warm": pass_figures(warm, trace, busy),
        "chromium": session.version,
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Every figure as its median over ``runs`` (two cores make single runs noisy)."""
    def merge(values: list[Any]) -> Any:
        if isinstance(values[0], dict):
            return {key: merge([v[key] for v in values]) for key in values[0]}
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return statistics.median(values)
        return values[0]

    out: dict[str, Any] = merge(runs)
    if len(runs) > 1:
        out["runs"] = [{"first_image_ms": r["first_image_ms"], "cold_fps": r["cold"]["fps"],
                        "warm_fps": r["warm"]["fps"]} for r in runs]
    return out


# --- report -------------------------------------------------------------------------------------


def judge(name: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"first_image_target": "PASS" if result["first_image_ms"] < TARGET_FIRST_MS else "MISS",
            "fps_target": ("PASS" if result["cold"]["fps"] >= TARGET_FPS else "MISS")
            if name == FPS_TARGET_SERIES else None}


def table(rows: list[dict[str, Any]]) -> str:
    head = ["Series", "Zip MB", "First image ms", f"< {TARGET_FIRST_MS:.0f}", "Cold fps",
            "Warm fps", f">= {TARGET_FPS:.0f} fps"]
    body = [[r["name"], size_mb(r["zip_bytes"]), f"{r['first_image_ms']:,.0f}",
             r["first_image_target"], f"{r['cold']['fps']:.1f}", f"{r['warm']['fps']:.1f}",
             r["fps_target"] or "-"] for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    fmt = lambda line: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(line, widths, strict=True)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, body)])


def details(rows: list[dict[str, Any]]) -> str:
    head = ["Series", "Boot s", "Index s", "Series req ms", "1st render ms", "Reopen ms",
            "Cold paint ms p50/p95", "Renders/frame", "Worker ms new/repeat", "Warm paint ms"]
    body = []
    ms = lambda value: "-" if value is None else f"{value:,.0f}"  # noqa: E731
    for r in rows:
        c, w, again = r["cold"], r["warm"], r["reopen"]
        body.append([r["name"], f"{r['boot_seconds']:.1f}", f"{r['index_seconds']:.1f}",
                     f"{r['series_request_ms']:,.0f} ({again['series_request_ms']:,.0f})",
                     f"{r['first_render_ms']:,.0f}", f"{again['first_image_ms']:,.0f}",
                     f"{c['paint_ms_median']:.0f} / {c['paint_ms_p95']:.0f}",
                     f"{c['renders'] / c['frames']:.2f}",
                     f"{ms(c['worker_ms_new_median'])} / {ms(c['worker_ms_repeat_median'])}",
                     f"{w['paint_ms_median']:.1f}"])
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    fmt = lambda line: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(line, widths, strict=True)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, body)])


def markdown(rows: list[dict[str, Any]], info: dict[str, Any]) -> str:
    side = info["side"]
    ms = lambda value: "–" if value is None else f"{value:,.0f}"  # noqa: E731
    lines = [f"| Series ({side}×{side}×{info['slices']}) | Transfer syntax | First image ms "
             f"(target < {TARGET_FIRST_MS:.0f}) | Cold fps (target ≥ {TARGET_FPS:.0f}, "
             f"{FPS_TARGET_SERIES}) | Warm fps | Worker ms per new slice |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        fps_target = f" {r['fps_target']}" if r["fps_target"] else ""
        lines.append(f"| {r['name']} | {r['syntax_name']} "
                     f"| {r['first_image_ms']:,.0f} {r['first_image_target']} "
                     f"| {r['cold']['fps']:.1f}{fps_target} | {r['warm']['fps']:.1f} "
                     f"| {ms(r['cold']['worker_ms_new_median'])} |")
    lines += ["", "| Series | Series request ms (reopened) | First render ms | First image "
              "reopened ms | Cold paint ms p50 / p95 | Renders per frame | Worker ms per render: "
              "new / repeat |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c, again = r["cold"], r["reopen"]
        lines.append(f"| {r['name']} | {r['series_request_ms']:,.0f} "
                     f"({again['series_request_ms']:,.0f}) "
                     f"| {r['first_render_ms']:,.0f} | {again['first_image_ms']:,.0f} "
                     f"| {c['paint_ms_median']:.0f} / {c['paint_ms_p95']:.0f} "
                     f"| {c['renders'] / c['frames']:.2f} "
                     f"| {ms(c['worker_ms_new_median'])} / {ms(c['worker_ms_repeat_median'])} |")
    lines += ["", f"Machine: {info['nproc']} × {info['cpu']}; {info['date']}; Chromium "
              f"{info['chromium']} headless; Pyodide {info['pyodide']}; {info['app']}. "
              f"Each series in a fresh browser context; {info['scroll']} slices scrolled with "
              f"ArrowDown per pass, each frame painted and presented before the next key; "
              f"medians of {info['repeat']} run(s). Zips: "
              + ", ".join(f"{r['name']} {size_mb(r['zip_bytes'])} MB" for r in rows) + "."]
    if info.get("smoke"):
        lines[-1] = lines[-1].replace("Each series in a fresh browser context",
                                      "Smoke run, all series in one page")
        lines.append("Smoke run: these figures mean nothing.")
    return "\n".join(lines)


def busy_machine() -> float:
    """The 1-minute load average, with a warning when other work competes for the cores: the
    page needs them all (one Python worker per core, plus the page and the browser)."""
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        log(f"warning: load average {load:.1f} on {os.cpu_count()} cores; other work on this "
            "machine slows the browser, so these figures will be low")
    return load


def machine(**extra: Any) -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 "unknown CPU")
    return {"nproc": os.cpu_count(), "cpu": model, "python": sys.version.split()[0],
            "pyodide": downloads.PYODIDE_VERSION,
            "date": datetime.datetime.now().astimezone().isoformat(" ", "minutes"), **extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true",
                       help=f"{QUICK_SLICES}-slice series, {QUICK_SCROLL} slices scrolled")
    modes.add_argument("--smoke", action="store_true",
                       help=f"check the whole path in seconds: {SMOKE_SLICES} slices of "
                            f"{SMOKE_SIDE}x{SMOKE_SIDE} generated in a temporary directory, every "
                            "series in one page, figures not kept")
    parser.add_argument("--only", action="append", choices=list(BY_NAME), metavar="NAME",
                        help=f"run only this series (repeatable): {', '.join(BY_NAME)}")
    parser.add_argument("--scroll", type=int, metavar="N",
                        help=f"slices per scroll pass (default {SCROLL_STEPS}, --quick "
                             f"{QUICK_SCROLL}, --smoke {SMOKE_SCROLL})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="runs per series (each in a fresh context); medians are reported")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    if args.smoke:
        setup = Setup(side=SMOKE_SIDE, slices=SMOKE_SLICES, scroll=args.scroll or SMOKE_SCROLL,
                      settle=0.2, smoke=True)
    elif args.quick:
        setup = Setup(slices=QUICK_SLICES, scroll=args.scroll or QUICK_SCROLL)
    else:
        setup = Setup(scroll=args.scroll or SCROLL_STEPS)
    if not 1 <= setup.scroll < setup.slices:
        parser.error(f"--scroll must be between 1 and {setup.slices - 1}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    variants = [BY_NAME[n] for n in dict.fromkeys(args.only)] if args.only else list(VARIANTS)
    for tool in {v.tool[0] for v in variants if v.tool and v.tool[0].startswith("dcm")}:
        if not shutil.which(tool):
            parser.error(f"{tool} (DCMTK) is needed to generate the data: apt-get install dcmtk")
    if any(v.tool == ("pydicom-j2k",) for v in variants) and not all(
            importlib.util.find_spec(m) for m in ("pylibjpeg", "openjpeg")):
        parser.error("pylibjpeg and pylibjpeg-openjpeg are needed to generate the JPEG 2000 data")

    started = time.perf_counter()
    load_before = busy_machine()
    app = ensure_built("viewer_bench.py")
    if setup.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-viewer-smoke-") as work:
            return run(replace(setup, directory=Path(work)), variants, app, args, started,
                       load_before)
    return run(setup, variants, app, args, started, load_before)


def run(setup: Setup, variants: list[Variant], app: str, args: argparse.Namespace,
        started: float, load_before: float) -> int:
    """Generate the missing zips into ``setup.directory``, measure each series, print tables."""
    paths = ensure_zips(variants, setup)

    from playwright.sync_api import sync_playwright  # only once the data are ready

    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 headless=True)
            # a smoke run opens every series in one page, to start Pyodide once
            shared = Session(browser, url) if setup.smoke else None
            try:
                for variant in variants:
                    runs = []
                    for _ in range(args.repeat):
                        if shared:
                            r = measure_in(shared, variant, paths[variant.name], setup)
                            shared.clear()
                        else:
                            r = measure(browser, url, variant, paths[variant.name], setup)
                        runs.append(r)
                        log(f"{variant.name}: first image {r['first_image_ms']:,.0f} ms "
                            f"(series request {r['series_request_ms']:,.0f} ms, first render "
                            f"{r['first_render_ms']:,.0f} ms; reopened "
                            f"{r['reopen']['first_image_ms']:,.0f} ms); "
                            f"cold {r['cold']['fps']:.1f} fps, warm {r['warm']['fps']:.1f} fps")
                    result = median_run(runs)
                    row = {"name": variant.name, "variant": asdict(variant),
                           "syntax_name": variant.syntax_name, **result}
                    rows.append({**row, **judge(variant.name, result)})
            finally:
                if shared:
                    shared.close()
                browser.close()
    finally:
        server.shutdown()
    if stale_reason():
        log(f"warning: {stale_reason()} while measuring; the figures may mix two versions")
    info = machine(app=app, side=setup.side, slices=setup.slices, scroll=setup.scroll,
                   repeat=args.repeat, smoke=setup.smoke, load_average_before=load_before,
                   load_average_after=busy_machine(),
                   chromium=rows[0]["chromium"] if rows else "?",
                   total_seconds=round(time.perf_counter() - started, 1))
    results = setup.directory / RESULTS.name
    results.write_text(json.dumps({"machine": info, "results": rows}, indent=1) + "\n")
    print(table(rows))
    print()
    print("Where the time goes:")
    print(details(rows))
    if args.markdown:
        print()
        print(markdown(rows, info))
    kept = "smoke run: figures not kept" if setup.smoke else f"figures written to {shown(results)}"
    log(f"{kept}; {info['total_seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
