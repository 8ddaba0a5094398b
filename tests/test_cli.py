"""The command line (python -m dicompeek)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dicompeek.cli import main
from dicompeek.synthetic import write_demo_zip
from registry import ROOT, XSS, small_dataset, zip_bytes


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
