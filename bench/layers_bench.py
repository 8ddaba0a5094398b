#!/usr/bin/env python3
"""Benchmark the viewer's segmentation layer: scrolling with a SEG shown, and toggling a segment.

    python3 bench/layers_bench.py [--smoke] [--scroll N] [--toggles N] [--repeat N] [--markdown]

The speed target of the layers issue: toggling a segment or scrolling with a SEG shown stays at
the viewer's frame rate. For a 512 x 512 x 300-slice CT (uncompressed) and its 3-segment SEG
(lungs and heart, :func:`dicompeek_synthetic_seg.phantom_segmentation`), two zips hold the same
CT files, one with the SEG and one without. Headless Chromium opens each through the real page,
each in a fresh browser context, clicks the CT series, and measures:

- **scrolling**: from slice ``--start`` (where all three segments are present), ArrowDown through
  ``--scroll`` slices, cold (never shown before) then warm (again, from the viewer's cache of
  rendered frames and the layer's cache of masks). Each step waits for the image to be painted
  (``#viewer[data-index]``, viewer_bench.py's SCROLL_JS) and, with the SEG, for the overlay to show
  the same frame (``canvas.seg-layer`` data-frame = the frame on screen), then for one animation
  frame. With / without is the ratio of the frame rates, one run measuring both.
- **segment toggle**: on slice ``TOGGLE_FRACTION`` of the series, a click on a segment's checkbox (each of the
  three off, then on again, round and round), timed from the click to the overlay redrawn (the
  canvas's data-segments changes) and to the next animation frame after it; medians over
  ``--toggles`` clicks, against one frame at 60 Hz (16.7 ms). The masks are cached by then, so
  this is the layer's own composition (layers.js ``#draw``) and nothing else.

Where the time goes: the worker's time per frame shown, for ``render`` and, with the SEG, for
``seg_masks`` (from the request trace viewer_bench.py installs; one worker answers both, one
request at a time). Compare the sums: the layer asks for a frame's masks just before the viewer
asks for its image, so with the SEG it is ``seg_masks`` that reads the CT file (the worker's cache
of instances) and ``render`` finds it read. And the overlay's lag behind the image per frame (the
layer's composition, layers.js ``#draw``, once the masks are there).

The zips are generated once into .cache/bench/ (names carry DATA_VERSION); ``--smoke`` makes
8 slices of 128 x 128 in a temporary directory, opens both zips in one page and prints the
tables in seconds (figures meaningless); the test suite runs it. Figures go to
.cache/bench/layers-results.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]
import viewer_bench as vb  # noqa: E402  (its path set-up puts the repository and py/ first)

from bench import CHROMIUM, ensure_built, shown, size_mb, stale_reason  # noqa: E402
from tools import serve  # noqa: E402

CACHE = vb.CACHE
RESULTS = CACHE / "layers-results.json"
#: Bump when the generated data change: part of every cached zip's name.
DATA_VERSION = "v1"
SIDE, SLICES, SCROLL_STEPS, TOGGLES = 512, 300, 100, 30
SMOKE_SIDE, SMOKE_SLICES, SMOKE_SCROLL, SMOKE_TOGGLES = 128, 8, 3, 6
#: Scrolling starts this far into the series, and segments are toggled on the slice this far: the
#: phantom's three segments are all present on slices 130 to 245 of 300 (4 to 6 of 8), so the
#: 100 slices scrolled show all three, and a toggle changes what is drawn.
START_FRACTION, TOGGLE_FRACTION = 0.45, 0.6
FRAME_MS = 1000 / 60          # one frame at 60 Hz: the toggle target
TARGET_RATIO = 0.9            # fps with the SEG / without: "stays at the viewer's frame rate"
LABEL = "BENCH LAYERS CT"     # the CT's Series Description, the row clicked
SEGMENTS = 3
LAYER = "#viewer-stage canvas.seg-layer"
BOXES = "#viewer-layers .segment input[data-segment]"


@dataclass(frozen=True)
class Setup:
    side: int = SIDE
    slices: int = SLICES
    scroll: int = SCROLL_STEPS
    toggles: int = TOGGLES
    settle: float = vb.SETTLE
    directory: Path = CACHE
    smoke: bool = False

    @property
    def start(self) -> int:
        return math.ceil(START_FRACTION * self.slices)

    @property
    def toggle_at(self) -> int:
        return int(TOGGLE_FRACTION * self.slices)


def log(message: str) -> None:
    print(f"[layers-bench] {message}", file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------


def zip_paths(setup: Setup, version: str = DATA_VERSION) -> dict[str, Path]:
    """The zip without the SEG ("ct") and with it ("seg")."""
    side = "" if setup.side == SIDE else f"{setup.side}x"
    return {name: setup.directory / f"layers-{name}-{side}{setup.slices}-{version}.zip"
            for name in ("ct", "seg")}


def ensure_zips(setup: Setup) -> dict[str, Path]:
    """Both zips, generated together when either is missing: the same CT files in each."""
    paths = zip_paths(setup)
    if all(p.exists() for p in paths.values()):
        return paths
    from dicompeek_synthetic import ct_phantom_series, dataset_bytes
    from dicompeek_synthetic_seg import phantom_segmentation

    setup.directory.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    log(f"generating a {setup.side}x{setup.side}x{setup.slices} CT phantom and its SEG")
    ct = ct_phantom_series(setup.slices, setup.side, setup.side, patient_name="BENCH^LAYERS",
                           patient_id="BENCH-LAYERS")
    for ds in ct:
        ds.SeriesDescription = LABEL
    log(f"  CT: {time.perf_counter() - t0:.1f} s")
    t1 = time.perf_counter()
    seg = phantom_segmentation(ct)
    log(f"  SEG ({seg.NumberOfFrames} frames): {time.perf_counter() - t1:.1f} s")
    files = [(f"BENCH/LAYERS/CT/IM{k + 1:04d}.dcm", dataset_bytes(ds)) for k, ds in enumerate(ct)]
    for name, path in paths.items():
        for old in setup.directory.glob(zip_paths(setup, version="*")[name].name):
            old.unlink(missing_ok=True)
        members = files + ([("BENCH/LAYERS/SEG/SEG0001.dcm", dataset_bytes(seg))] if name == "seg" else [])
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")  # no truncated zip left behind
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
            for member, data in members:
                archive.writestr(member, data)
        tmp.replace(path)
        log(f"  {shown(path)}: {path.stat().st_size / vb.MB:,.1f} MB")
    return paths


# --- in the page --------------------------------------------------------------------------------

#: Step to slice `index` with PageDown / PageUp / ArrowDown / ArrowUp, each key once the last
#: one's frame is painted (the slices passed on the way are rendered, not the ones scrolled).
GO_TO = """async (index) => {
  const root = document.getElementById("viewer");
  const wait = () => new Promise((resolve) => setTimeout(resolve, 5));
  while (Number(root.dataset.index) !== index) {
    const at = Number(root.dataset.index);
    const gap = index - at;
    const key = gap >= 10 ? "PageDown" : gap <= -10 ? "PageUp" : gap > 0 ? "ArrowDown" : "ArrowUp";
    root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    while (Number(root.dataset.index) === at) await wait();
  }
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}"""

#: The layer on the frame on screen: its data-frame (null: not drawn yet) and segments drawn,
#: and the checkboxes listed.
LAYER_STATE = """([layer, boxes]) => {
  const root = document.getElementById("viewer");
  const canvas = document.querySelector(layer);
  return { onScreen: `${root.dataset.entry}:${root.dataset.frame}`,
           frame: canvas ? canvas.dataset.frame || null : null,
           segments: canvas ? Number(canvas.dataset.segments || 0) : null,
           boxes: document.querySelectorAll(boxes).length };
}"""

#: True once the layer lists its segments and has drawn the frame on screen.
SHOWN = """([layer, boxes]) => {
  const canvas = document.querySelector(layer);
  const root = document.getElementById("viewer");
  return !!canvas && document.querySelectorAll(boxes).length > 0
    && canvas.dataset.frame === `${root.dataset.entry}:${root.dataset.frame}`;
}"""

#: Click the segments' checkboxes `n` times (the first off then on, the second, ...), each time
#: until data-segments changes (redrawn) and one animation frame later (presented).
TOGGLE_JS = """async ([layer, boxes, n]) => {
  const canvas = document.querySelector(layer);
  const inputs = [...document.querySelectorAll(boxes)];
  const presented = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const changed = (before) => new Promise((resolve, reject) => {
    if (canvas.dataset.segments !== before) return resolve();
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error("the layer was not redrawn in time"));
    }, %d);
    const observer = new MutationObserver(() => {
      if (canvas.dataset.segments !== before) { clearTimeout(timer); observer.disconnect(); resolve(); }
    });
    observer.observe(canvas, { attributes: true, attributeFilter: ["data-segments"] });
  });
  const out = [];
  for (let k = 0; k < n; k++) {
    const box = inputs[Math.floor(k / 2) %% inputs.length];
    const before = canvas.dataset.segments;
    await presented();
    const clicked = performance.now();
    box.click();
    await changed(before);
    const redrawn = performance.now();
    await presented();
    out.push([redrawn - clicked, performance.now() - clicked, Number(canvas.dataset.segments)]);
  }
  return out;
}""" % vb.STEP_TIMEOUT_MS  # noqa: UP031  (JavaScript braces throughout)


def check_layer(page: Any, with_seg: bool, where: str) -> dict[str, Any]:
    """Wait until the layer shows the frame on screen (with the SEG) and say what it drew."""
    if with_seg:
        page.wait_for_function(SHOWN, arg=[LAYER, BOXES], polling=10, timeout=vb.STEP_TIMEOUT_MS)
    state: dict[str, Any] = page.evaluate(LAYER_STATE, [LAYER, BOXES])
    if with_seg and (state["boxes"] != SEGMENTS or state["segments"] != SEGMENTS):
        raise RuntimeError(f"{where}: the SEG layer should list and draw {SEGMENTS} segments: {state}")
    if not with_seg and state["boxes"]:
        raise RuntimeError(f"{where}: a layer is listed though no SEG was loaded: {state}")
    return state


def seg_figures(scroll: dict[str, Any], trace: list[dict[str, Any]],
                busy: dict[int, float]) -> dict[str, Any]:
    """The SEG's share of a scroll pass: its worker requests and the overlay's lag."""
    asked = [r for r in trace if r["name"] == "seg_masks"
             and scroll["started"] <= r["start"] < scroll["ended"]]
    lag = sorted(o - p for o, (p, _, _) in zip(scroll["overlaid"], scroll["frames"], strict=True))
    worker = sorted(busy[r["id"]] for r in asked)
    p = lambda values, q: values[int(q * (len(values) - 1))] if values else None  # noqa: E731
    return {"seg_requests": len(asked), "seg_worker_ms_median": p(worker, 0.5),
            "seg_worker_ms_p95": p(worker, 0.95),
            "seg_worker_ms_per_frame": sum(worker) / len(scroll["frames"]),
            "overlay_lag_ms_median": p(lag, 0.5), "overlay_lag_ms_p95": p(lag, 0.95)}


def measure_in(session: vb.Session, name: str, path: Path, setup: Setup) -> dict[str, Any]:
    """Open ``path`` in the session's page, click the CT, scroll cold then warm from the start
    slice; with the SEG, toggle its segments on slice ``setup.toggle_at``."""
    page, errors, with_seg = session.page, session.errors, name == "seg"
    t0 = time.perf_counter()
    page.set_input_files("#pick-files", str(path))
    row = page.locator(f".series-row:has(td:text-is('{LABEL}'))")
    row.wait_for(state="visible", timeout=300_000)
    index = time.perf_counter() - t0
    time.sleep(setup.settle)
    mark = vb.open_series(page, row)
    state = page.evaluate(vb.CANVAS_STATE)
    if state["message"] or (state["width"], state["height"]) != (setup.side, setup.side) \
            or state["frames"] != setup.slices:
        raise RuntimeError(f"{name}: frame 0 is not what it should be: {state}")
    overlay = LAYER if with_seg else None
    passes = {}
    for which in ("cold", "warm"):
        vb.wait_idle(page)
        page.evaluate(GO_TO, setup.start)
        check_layer(page, with_seg, f"{name}, slice {setup.start}")
        vb.wait_idle(page)
        passes[which] = page.evaluate(vb.SCROLL_JS, [setup.scroll, "ArrowDown", overlay])
    vb.wait_idle(page)
    toggles = None
    if with_seg:
        page.evaluate(GO_TO, setup.toggle_at)
        check_layer(page, with_seg, f"{name}, slice {setup.toggle_at}")
        toggles = page.evaluate(TOGGLE_JS, [LAYER, BOXES, setup.toggles])
        if sorted({n for _, _, n in toggles}) != [SEGMENTS - 1, SEGMENTS]:
            raise RuntimeError(f"toggling a segment should draw {SEGMENTS - 1} or {SEGMENTS}: {toggles}")
    vb.wait_idle(page)
    trace = page.evaluate("() => window.__viewerBenchTrace")
    if any("error" in r for r in trace):
        raise RuntimeError(f"a viewer request failed: {next(r for r in trace if 'error' in r)}")
    if errors:
        raise RuntimeError(f"the page threw: {errors[0]}")
    busy = vb.worker_busy(trace)
    out: dict[str, Any] = {"boot_seconds": session.boot_seconds, "index_seconds": index,
                           "zip_bytes": path.stat().st_size,
                           "first_image_ms": mark["painted"] - mark["click"],
                           "chromium": session.version}
    for which, scroll in passes.items():
        out[which] = vb.pass_figures(scroll, trace, busy)
        if with_seg:
            out[which].update(seg_figures(scroll, trace, busy))
    if toggles:
        redrawn = sorted(t[0] for t in toggles)
        presented = sorted(t[1] for t in toggles)
        out["toggle"] = {"count": len(toggles), "redraw_ms_median": statistics.median(redrawn),
                         "redraw_ms_p95": redrawn[int(0.95 * (len(redrawn) - 1))],
                         "redraw_ms_max": redrawn[-1],
                         "presented_ms_median": statistics.median(presented),
                         "presented_ms_p95": presented[int(0.95 * (len(presented) - 1))]}
    return out


def measure(browser: Any, url: str, name: str, path: Path, setup: Setup) -> dict[str, Any]:
    session = vb.Session(browser, url)
    try:
        return measure_in(session, name, path, setup)
    finally:
        session.close()


# --- report -------------------------------------------------------------------------------------


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """With / without per pass: the median of each run's ratio (a run measures both zips one
    after the other, so a load that drifts between runs cancels out), and its range."""
    ratios = {which: sorted(s[which]["fps"] / c[which]["fps"] for c, s in zip(runs["ct"], runs["seg"], strict=True))
              for which in ("cold", "warm")}
    toggle = statistics.median(r["toggle"]["redraw_ms_median"] for r in runs["seg"])
    ratio = {which: statistics.median(values) for which, values in ratios.items()}
    return {"ratio": ratio, "ratio_range": {w: [v[0], v[-1]] for w, v in ratios.items()},
            "scroll_target": {w: "PASS" if v >= TARGET_RATIO else "MISS" for w, v in ratio.items()},
            "toggle_target": "PASS" if toggle < FRAME_MS else "MISS"}


def fmt_ms(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def rows(ct: dict[str, Any], seg: dict[str, Any], verdict: dict[str, Any]) -> list[list[str]]:
    """Per pass: fps without and with, their ratio, the worker's ms per frame shown (without;
    with: render + seg_masks) and how long after the image the overlay shows (p50 / p95)."""
    out = []
    for which in ("cold", "warm"):
        a, b = ct[which], seg[which]
        low, high = verdict["ratio_range"][which]
        spread = f" ({low:.2f}–{high:.2f})" if high > low else ""
        out.append([f"Scrolling, {which} (fps)", f"{a['fps']:.1f}", f"{b['fps']:.1f}",
                    f"{verdict['ratio'][which]:.2f}{spread} {verdict['scroll_target'][which]}",
                    f"{a['worker_ms_per_frame_shown']:.1f} / {b['worker_ms_per_frame_shown']:.1f} + "
                    f"{b['seg_worker_ms_per_frame']:.1f}",
                    f"{fmt_ms(b['overlay_lag_ms_median'], 1)} / {fmt_ms(b['overlay_lag_ms_p95'], 1)}"])
    return out


def table(ct: dict[str, Any], seg: dict[str, Any], verdict: dict[str, Any]) -> str:
    head = ["Pass", "Without fps", "With fps", "With / without", "Worker ms/frame", "Overlay lag ms"]
    body = [[r[0].split(" ")[1], *r[1:]] for r in rows(ct, seg, verdict)]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    fmt = lambda line: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(line, widths, strict=True)))
    t = seg["toggle"]
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, body),
                      f"Segment toggle: redrawn in {t['redraw_ms_median']:.1f} ms "
                      f"(p95 {t['redraw_ms_p95']:.1f}), next frame presented at "
                      f"{t['presented_ms_median']:.1f} ms, {t['count']:.0f} clicks: "
                      f"{verdict['toggle_target']}"])


def markdown(ct: dict[str, Any], seg: dict[str, Any], verdict: dict[str, Any],
             info: dict[str, Any]) -> str:
    side, slices = info["side"], info["slices"]
    lines = [f"| Measure ({side}×{side}×{slices} CT, 3-segment SEG) | Without SEG | With SEG "
             f"| With / without (target ≥ {TARGET_RATIO}) | Worker ms per frame: without / with "
             "(render + seg_masks) | Overlay after image ms p50 / p95 |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows(ct, seg, verdict)]
    t = seg["toggle"]
    lines += ["", f"| Segment toggle ({t['count']:.0f} clicks) | Median ms | p95 ms | Target |",
              "|---|---:|---:|---|",
              f"| Click to overlay redrawn | {t['redraw_ms_median']:.1f} | {t['redraw_ms_p95']:.1f} "
              f"| < {FRAME_MS:.1f} (one frame at 60 Hz) {verdict['toggle_target']} |",
              f"| Click to next frame presented | {t['presented_ms_median']:.1f} "
              f"| {t['presented_ms_p95']:.1f} | |"]
    where = "Both zips in one page" if info.get("smoke") else "Each zip in a fresh browser context"
    lines += ["", f"Machine: {info['nproc']} × {info['cpu']}; {info['date']}; load average "
              f"{info['load_average_before']:.1f} before, {info['load_average_after']:.1f} after; "
              f"Chromium {info['chromium']} headless; {info['app']}. {where}; {info['scroll']} "
              f"slices scrolled from slice {info['start']} per pass, toggles on slice "
              f"{info['toggle_at']}; medians of {info['repeat']} run(s). Zips: without "
              f"{size_mb(ct['zip_bytes'])} MB, with {size_mb(seg['zip_bytes'])} MB."]
    if info.get("smoke"):
        lines.append("Smoke run: these figures mean nothing.")
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help=f"check the whole path in seconds: {SMOKE_SLICES} slices of "
                             f"{SMOKE_SIDE}x{SMOKE_SIDE} in a temporary directory, figures not kept")
    parser.add_argument("--scroll", type=int, metavar="N",
                        help=f"slices per scroll pass (default {SCROLL_STEPS}, --smoke {SMOKE_SCROLL})")
    parser.add_argument("--toggles", type=int, metavar="N",
                        help=f"segment toggles timed (default {TOGGLES}, --smoke {SMOKE_TOGGLES})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="runs per zip, alternating, each in a fresh context; medians reported")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = parser.parse_args(argv)
    if args.smoke:
        setup = Setup(side=SMOKE_SIDE, slices=SMOKE_SLICES, scroll=args.scroll or SMOKE_SCROLL,
                      toggles=args.toggles or SMOKE_TOGGLES, settle=0.2, smoke=True)
    else:
        setup = Setup(scroll=args.scroll or SCROLL_STEPS, toggles=args.toggles or TOGGLES)
    if not 1 <= setup.scroll < setup.slices - setup.start:
        parser.error(f"--scroll must be between 1 and {setup.slices - setup.start - 1}")
    if setup.toggles < 2 or args.repeat < 1:
        parser.error("--toggles must be at least 2 and --repeat at least 1")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    started = time.perf_counter()
    load_before = vb.busy_machine()
    app = ensure_built("layers_bench.py")
    if setup.smoke:
        with tempfile.TemporaryDirectory(prefix="dicompeek-layers-smoke-") as work:
            return run(replace(setup, directory=Path(work)), app, args, started, load_before)
    return run(setup, app, args, started, load_before)


def run(setup: Setup, app: str, args: argparse.Namespace, started: float, load_before: float) -> int:
    paths = ensure_zips(setup)

    from playwright.sync_api import sync_playwright

    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    runs: dict[str, list[dict[str, Any]]] = {"ct": [], "seg": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=vb.CHROMIUM_ARGS,
                                                 headless=True)
            shared = vb.Session(browser, url) if setup.smoke else None
            try:
                for _ in range(args.repeat):
                    for name in ("ct", "seg"):  # alternating: a load that drifts hits both
                        if shared:
                            r = measure_in(shared, name, paths[name], setup)
                            shared.clear()
                        else:
                            r = measure(browser, url, name, paths[name], setup)
                        runs[name].append(r)
                        log(f"{name}: cold {r['cold']['fps']:.1f} fps, warm {r['warm']['fps']:.1f} fps"
                            + (f", toggle {r['toggle']['redraw_ms_median']:.1f} ms" if "toggle" in r else ""))
            finally:
                if shared:
                    shared.close()
                browser.close()
    finally:
        server.shutdown()
    if stale_reason():
        log(f"warning: {stale_reason()} while measuring; the figures may mix two versions")
    ct, seg = vb.median_run(runs["ct"]), vb.median_run(runs["seg"])
    verdict = summarise(runs)
    info = vb.machine(app=app, side=setup.side, slices=setup.slices, scroll=setup.scroll,
                      start=setup.start, toggle_at=setup.toggle_at, toggles=setup.toggles, repeat=args.repeat,
                      smoke=setup.smoke, load_average_before=load_before,
                      load_average_after=vb.busy_machine(), chromium=seg["chromium"],
                      total_seconds=round(time.perf_counter() - started, 1))
    results = setup.directory / RESULTS.name
    results.write_text(json.dumps({"machine": info, "without": ct, "with": seg, "verdict": verdict,
                                   "runs": runs}, indent=1) + "\n")
    print(table(ct, seg, verdict))
    if args.markdown:
        print()
        print(markdown(ct, seg, verdict, info))
    kept = "smoke run: figures not kept" if setup.smoke else f"figures written to {shown(results)}"
    log(f"{kept}; {info['total_seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
