"""The command line (python -m dicompeek)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicompeek.cli import main
from dicompeek.display import Window, render_frame
from dicompeek.synthetic import ct_phantom_series, dataset_bytes, write_demo_zip
from registry import ROOT, XSS, deidentified, pydicom_file, small_dataset, zip_bytes


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    return subprocess.run([sys.executable, "-m", "dicompeek", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT)


def test_json_summary_has_the_documented_schema(tmp_path):
    info = write_demo_zip(tmp_path / "demo.zip")
    result = run_cli("summary", str(tmp_path / "demo.zip"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    totals = data["totals"]
    assert totals["dicom"] == info["dicom_files"] and totals["non_dicom"] == info["non_dicom_files"]
    assert (totals["patients"], totals["studies"], totals["series"]) == (1, info["studies"], info["series"])
    series = data["patients"][0]["studies"][0]["series"][0]
    assert {"series_instance_uid", "instances", "frames", "modality", "description", "number",
            "sizes", "sop_classes", "transfer_syntaxes", "bytes", "archives", "folders"} <= set(series)
    assert data["patients"][0]["studies"][0]["study_instance_uid"]
    assert isinstance(data["elapsed_seconds"], float)


def test_text_summary_reads_like_the_page(tmp_path, capsys):
    (tmp_path / "a.zip").write_bytes(zip_bytes({"IM1": small_dataset(patient_name=XSS), "x.txt": b"hi"}))
    assert main(["summary", str(tmp_path / "a.zip")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Indexed 2 entries in ")
    assert "1 DICOM, 1 non-DICOM, 0 unreadable; 1 patients, 1 studies, 1 series" in out
    assert f"Patient {XSS}" in out
    assert "non-dicom   a.zip::x.txt" in out


def test_folders_and_several_paths_are_summarised_together(tmp_path):
    (tmp_path / "dir").mkdir()
    small_dataset(patient_id="A").save_as(tmp_path / "dir" / "one.dcm", enforce_file_format=True)
    (tmp_path / "b.zip").write_bytes(zip_bytes({"two.dcm": small_dataset(patient_id="B")}))
    data = json.loads(run_cli("summary", str(tmp_path / "dir"), str(tmp_path / "b.zip"), "--json").stdout)
    assert sorted(p["id"] for p in data["patients"]) == ["A", "B"]


def test_missing_path_is_an_error_naming_it(tmp_path):
    result = run_cli("summary", str(tmp_path / "nope.zip"))
    assert result.returncode == 2
    assert "nope.zip" in result.stderr


def test_package_installs_with_pip(tmp_path):
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT / "py", source / "py", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(source)],
                   check=True, capture_output=True)
    assert (target / "dicompeek" / "cli.py").exists()
    result = subprocess.run([sys.executable, "-m", "dicompeek", "--version"], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path)
    assert result.stdout.strip() == "0.1.0"


needs_dcmtk = pytest.mark.skipif(not shutil.which("dcmcjpls"), reason="DCMTK not installed")


def read_png(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path))


@pytest.fixture(scope="module")
def ct_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ct") / "ct.dcm"
    path.write_bytes(dataset_bytes(ct_phantom_series(5, 64, 64)[2]))
    return path


def test_render_writes_the_frame_as_the_viewer_shows_it(ct_file, tmp_path):
    result = run_cli("render", str(ct_file), "--window", "-600", "1500", "-o", str(tmp_path / "out.png"))
    assert result.returncode == 0, result.stderr
    expected = render_frame(pydicom.dcmread(ct_file), 0, Window(-600, 1500))
    assert np.array_equal(read_png(tmp_path / "out.png"), expected)


def test_render_takes_a_zip_entry_and_rejects_a_missing_frame(ct_file, tmp_path):
    (tmp_path / "x.zip").write_bytes(zip_bytes({"A/ct.dcm": ct_file.read_bytes()}))
    assert run_cli("render", f"{tmp_path / 'x.zip'}::A/ct.dcm", "-o", str(tmp_path / "a.png")).returncode == 0
    assert read_png(tmp_path / "a.png").shape == (64, 64)
    result = run_cli("render", f"{tmp_path / 'x.zip'}::A/ct.dcm", "--frame", "2", "-o", str(tmp_path / "b.png"))
    assert result.returncode == 2 and "has 1 frame(s)" in result.stderr


def test_render_and_dump_reach_an_entry_of_a_zip_inside_a_zip(ct_file, tmp_path):
    inner = zip_bytes({"A/ct.dcm": ct_file.read_bytes()})
    (tmp_path / "outer.zip").write_bytes(zip_bytes({"inner.zip": inner}))
    target = f"{tmp_path / 'outer.zip'}::inner.zip::A/ct.dcm"
    result = run_cli("render", target, "-o", str(tmp_path / "n.png"))
    assert result.returncode == 0, result.stderr
    assert np.array_equal(read_png(tmp_path / "n.png"), render_frame(pydicom.dcmread(ct_file), 0, None))
    dump = run_cli("dump", target)
    assert dump.returncode == 0 and "(0028,0010) US 64" in dump.stdout
    missing = run_cli("dump", f"{tmp_path / 'outer.zip'}::inner.zip::A/none.dcm")
    assert missing.returncode == 2 and "no entry named 'inner.zip::A/none.dcm'" in missing.stderr


@needs_dcmtk
@pytest.mark.parametrize("compress", [
    ["dcmcrle"],                      # RLE Lossless
    ["dcmcjpls"],                     # JPEG-LS lossless
    ["dcmcjpeg", "+e1"],              # JPEG lossless, first-order prediction (.70)
    ["dcmcjpeg", "+el"],              # JPEG lossless (.57)
])
def test_lossless_syntaxes_render_as_dcmtk_renders_the_original(ct_file, tmp_path, compress):
    """DCMTK compresses; our render of the result must match DCMTK's render of the original."""
    compressed = tmp_path / "c.dcm"
    subprocess.run([*compress, str(ct_file), str(compressed)], check=True, capture_output=True)
    assert pydicom.dcmread(compressed).file_meta.TransferSyntaxUID != pydicom.dcmread(ct_file).file_meta.TransferSyntaxUID
    result = run_cli("render", str(compressed), "-o", str(tmp_path / "ours.png"))
    assert result.returncode == 0, result.stderr
    subprocess.run(["dcmj2pnm", "+Wi", "1", "+on", str(ct_file), str(tmp_path / "dcmtk.png")],
                   check=True, capture_output=True)
    difference = np.abs(read_png(tmp_path / "ours.png").astype(int) - read_png(tmp_path / "dcmtk.png").astype(int))
    assert difference.max() <= 1


def test_dump_prints_every_element_and_json_reads_back(tmp_path):
    from pydicom.dataset import Dataset

    source = pydicom_file("rtplan.dcm")
    (tmp_path / "x.zip").write_bytes(zip_bytes({"A/plan.dcm": source.read_bytes()}))
    text = run_cli("dump", f"{tmp_path / 'x.zip'}::A/plan.dcm")
    assert text.returncode == 0, text.stderr
    assert "(0010,0010) PN [Last^First^mid^pre]" in text.stdout and "(300A,00B0) SQ" in text.stdout
    as_json = run_cli("dump", str(source), "--json")
    assert Dataset.from_json(as_json.stdout) == pydicom.dcmread(source)


def test_review_exits_1_and_names_the_planted_identifiers_in_the_demo(tmp_path):
    write_demo_zip(tmp_path / "demo.zip")
    text = run_cli("review", str(tmp_path / "demo.zip"))
    assert text.returncode == 1, text.stderr
    assert "high" in text.stdout.splitlines()[0] and "Patient's Name (0010,0010)  (89 file(s))" in text.stdout
    assert "Requested Procedure Description (0032,1060)  [(0040,0275) > item 1 > (0032,1060)]" in text.stdout
    as_json = run_cli("review", str(tmp_path / "demo.zip"), "--json")
    result = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and result["schema_version"] == 1 and result["counts"]["high"] > 0
    names = next(f for f in result["findings"] if f["id"] == "element:(0010,0010)")
    assert [v["value"] for v in names["values"]] == ["DEMO^PHANTOM"]


def test_review_exits_0_for_a_clean_export_and_writes_a_masked_html_report(tmp_path):
    members = {f"S/{i}.dcm": ds for i, ds in enumerate(deidentified())}
    (tmp_path / "clean.zip").write_bytes(zip_bytes(members))
    clean = run_cli("review", str(tmp_path / "clean.zip"))
    assert clean.returncode == 0 and clean.stdout.startswith("No identifying data found"), clean.stdout
    ds = small_dataset(patient_name=XSS, patient_id="MRN1")
    (tmp_path / "x.zip").write_bytes(zip_bytes({"a.dcm": ds}))
    report = tmp_path / "report.html"
    flagged = run_cli("review", str(tmp_path / "x.zip"), "--html", str(report), "--mask")
    html = report.read_text(encoding="utf-8")
    assert flagged.returncode == 1 and "Patient&#x27;s Name (0010,0010)" in html
    assert "onerror" not in html and "MRN1" not in html
