"""The benchmarks keep running: every script in bench/ has a ``--smoke`` mode (tiny data
generated afresh, the CPython side and the browser side, the printed table) that runs here,
so none can rot unnoticed; and the dist/ check they share knows a fresh build when it sees one.

The smoke runs need Chromium (CHROMIUM_PATH, else /usr/bin/chromium, as the end-to-end tests
find it) and skip without it; each starts Pyodide once, about 10-25 s on two busy cores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from registry import ROOT

BENCH = ROOT / "bench"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SMOKE_TIMEOUT = 300  # seconds per script; a smoke run takes well under a minute

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium)")


def load_bench():
    """bench/bench.py as a module (it holds the dist/ check the other scripts share)."""
    spec = importlib.util.spec_from_file_location("bench_script", BENCH / "bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_bench()


# --- the dist/ check ----------------------------------------------------------------------------


@pytest.fixture
def fake_build(bench, tmp_path, monkeypatch):
    """web/ and dist/ in tmp_path, dist/ as build.py leaves it: web/ copied but for sw.js, which
    gets a version and a file list in place of its placeholders; build.json names today's app."""
    web, dist = tmp_path / "web", tmp_path / "dist"
    (web / "sub").mkdir(parents=True)
    (web / "app.js").write_text("console.log('app');\n")
    (web / "sub" / "style.css").write_text("body {}\n")
    (web / "sw.js").write_text('const VERSION = "__VERSION__";\nconst PRECACHE = __PRECACHE__;\n'
                               "self.addEventListener('install', () => {});\n")
    shutil.copytree(web, dist)
    listing = json.dumps([{"path": "app.js", "sha256": "0" * 64}], indent=1)
    (dist / "sw.js").write_text((web / "sw.js").read_text().replace("__VERSION__", "0123456789abcdef")
                                .replace("__PRECACHE__", listing))
    (dist / "build.json").write_text(json.dumps({"app": f"app/{bench.assemble.package_name()}"}))
    monkeypatch.setattr(bench.paths, "WEB", web)
    monkeypatch.setattr(bench.paths, "DIST", dist)
    return web, dist


def test_a_fresh_build_is_current_though_its_service_worker_differs_from_web(bench, fake_build):
    web, dist = fake_build
    assert (dist / "sw.js").read_text() != (web / "sw.js").read_text()
    assert bench.stale_reason() is None


def test_a_changed_or_missing_web_file_makes_dist_stale(bench, fake_build):
    web, _ = fake_build
    (web / "sub" / "style.css").write_text("body { color: red }\n")
    assert bench.stale_reason() == "web/sub/style.css changed since dist/ was built"
    (web / "sub" / "style.css").write_text("body {}\n")
    (web / "new.js").write_text("1;\n")
    assert bench.stale_reason() == "web/new.js changed since dist/ was built"


def test_a_changed_service_worker_source_makes_dist_stale(bench, fake_build):
    web, _ = fake_build
    (web / "sw.js").write_text((web / "sw.js").read_text().replace("install", "activate"))
    assert bench.stale_reason() == "web/sw.js changed since dist/ was built"


def test_a_changed_package_or_no_build_makes_dist_stale(bench, fake_build, monkeypatch):
    _, dist = fake_build
    monkeypatch.setattr(bench.assemble, "package_name", lambda: "dicompeek-000000000000.zip")
    assert bench.stale_reason() == "py/dicompeek changed since dist/ was built"
    (dist / "build.json").unlink()
    assert bench.stale_reason() == "dist/ is not built"


@pytest.fixture(scope="module")
def built(bench):
    """dist/ up to date with py/ and web/ (python3 build.py runs only if it is not)."""
    bench.ensure_built("tests/test_bench.py")
    return bench.paths.DIST


def test_the_real_build_is_current_right_after_building(bench, built):
    assert bench.stale_reason() is None


# --- smoke runs ---------------------------------------------------------------------------------


def smoke(script: str, *args: str) -> str:
    """Run ``bench/SCRIPT --smoke ARGS`` in a fresh interpreter; its stdout, once it exits 0."""
    pytest.importorskip("playwright.sync_api")
    process = subprocess.Popen([sys.executable, str(BENCH / script), "--smoke", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own group: a hang is killed whole
    try:
        out, err = process.communicate(timeout=SMOKE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"{script} --smoke did not finish in {SMOKE_TIMEOUT} s:\n{err[-3000:]}")
    assert process.returncode == 0, f"{script} --smoke exited {process.returncode}:\n{err[-3000:]}"
    return out


def tables(out: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in ``out``, as rows of {column heading: cell}."""
    found, lines = [], out.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("|") and k + 1 < len(lines) and lines[k + 1].startswith("|---"):
            head = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for body in lines[k + 2:]:
                if not body.startswith("|"):
                    break
                rows.append(dict(zip(head, (c.strip() for c in body.strip("|").split("|")), strict=True)))
            found.append(rows)
    return found


def number(cell: str) -> float:
    """The first number in a cell: "1,848 (4.2 s)" -> 1848.0."""
    match = re.search(r"\d[\d,]*(\.\d+)?", cell)
    assert match, f"no number in {cell!r}"
    return float(match.group().replace(",", ""))


def column(row: dict[str, str], start: str) -> str:
    """The cell whose heading starts with ``start`` (headings carry the targets)."""
    return next(cell for head, cell in row.items() if head.startswith(start))


@needs_chromium
def test_indexing_bench_smoke(built):
    [rows] = tables(smoke("bench.py"))
    [row] = rows
    assert row["Zip"] == "smoke" and number(row["Files"]) == 40
    assert number(row["CPython files/s"]) > 0 and number(row["Browser files/s"]) > 0
    assert number(column(row, "Browser / CPython")) > 0
    baseline, peak = (number(part) for part in column(row, "Browser PSS").split("/"))
    assert baseline > 100 and peak > 100  # MB: a booted Chromium with Pyodide


@needs_chromium
@pytest.mark.skipif(not (shutil.which("dcmcrle") and shutil.which("dcmcjpeg")),
                    reason="DCMTK (dcmcrle, dcmcjpeg) not installed: it encodes the viewer data")
@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("pylibjpeg", "openjpeg")),
                    reason="pylibjpeg-openjpeg not installed: it encodes the JPEG 2000 data")
def test_viewer_bench_smoke(built):
    speed, split = tables(smoke("viewer_bench.py", "--markdown"))
    assert [row["Transfer syntax"] for row in speed] == [
        "Explicit VR Little Endian", "RLE Lossless", "JPEG Baseline, 8-bit", "JPEG Lossless SV1",
        "JPEG 2000 Lossless"]
    for row in speed:
        assert number(column(row, "First image ms")) > 0, row
        assert number(column(row, "Cold fps")) > 0 and number(row["Warm fps"]) > 0, row
    assert [row["Series"] for row in split] == [
        "uncompressed", "rle", "jpeg-baseline", "jpeg-lossless", "j2k-lossless"]
    assert all(number(row["First render ms"]) > 0 for row in split)


@needs_chromium
@pytest.mark.skipif(not importlib.util.find_spec("highdicom"),
                    reason="highdicom not installed: it writes the segmentation")
def test_layers_bench_smoke(built):
    scrolling, toggle = tables(smoke("layers_bench.py", "--markdown"))
    assert [column(row, "Measure") for row in scrolling] == [
        "Scrolling, cold (fps)", "Scrolling, warm (fps)"]
    for row in scrolling:  # the script itself fails unless the overlay showed every frame
        assert number(row["Without SEG"]) > 0 and number(row["With SEG"]) > 0, row
        assert number(column(row, "With / without")) > 0, row
    redrawn, presented = toggle
    assert redrawn["Segment toggle (6 clicks)"] == "Click to overlay redrawn"
    assert 0 < number(redrawn["Median ms"]) <= number(presented["Median ms"])


@needs_chromium
def test_tags_bench_smoke(built):
    [rows] = tables(smoke("tags_bench.py", "--markdown"))
    panel, variation = rows
    assert panel["Measure"].startswith("Header panel") and number(panel["Data"]) > 1000
    assert number(panel["Browser"]) > 0
    assert variation["Data"] == "20 instances" and number(variation["Browser"]) > 0


@needs_chromium
def test_review_bench_smoke(built):
    [rows] = tables(smoke("review_bench.py", "--markdown"))
    assert [row["Where"] for row in rows] == ["CPython", "Browser"]
    for row in rows:  # the script itself fails unless every file was reviewed on both sides
        assert number(row["Files"]) == 40
        assert number(column(row, "Review / indexing")) > 0


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract not installed")
def test_ocr_bench_smoke(built):
    [rows] = tables(smoke("ocr_bench.py", "--markdown"))
    assert [row["Where"] for row in rows] == ["CPython (Tesseract)", "Page (tesseract.js)"]
    for row in rows:
        assert number(row["Frames"]) == 8  # every frame of the cine
        assert number(column(row, "Frames read per second")) > 0


def test_deid_bench_smoke():
    [rows] = tables(smoke("deid_bench.py", "--markdown"))
    [row] = rows
    assert row["Zip"] == "smoke" and number(row["Files"]) == 40
    assert number(column(row, "Copy / indexing")) > 0 and row["The copy's review"]


@needs_chromium
def test_startup_bench_smoke(built):
    [rows] = tables(smoke("startup_bench.py", "--markdown"))
    assert [row["Visit"] for row in rows] == ["First visit", "Later visits"]
    for row in rows:
        assert number(column(row, "Bare Pyodide boot")) > 0
        assert number(column(row, '"Python ready"')) > 0
        assert number(column(row, "Ratio")) > 0
        assert number(column(row, "Idle")) > 100  # MB: Chromium with a booted Pyodide
