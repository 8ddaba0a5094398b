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

from dicompeek.app.cli import main
from dicompeek.pixels.display import Window, render_frame
from dicompeek_synthetic import ct_phantom_series, dataset_bytes, write_demo_zip
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
    assert (target / "dicompeek" / "app" / "cli.py").exists()
    assert (target / "dicompeek" / "privacy" / "data" / "confidentiality_profile.json").exists()
    assert not (target / "dicompeek_synthetic.py").exists()  # test data, not the package
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


def test_render_says_what_the_frame_shows_differently_from_the_file(ct_file, tmp_path):
    """As the viewer does: an invalid Modality LUT is ignored, with a warning (on stderr, one line,
    naming the file); a frame shown as the file asks has none."""
    from registry import modality_lut_dataset

    (tmp_path / "lut.dcm").write_bytes(dataset_bytes(modality_lut_dataset(rescale=True)))
    result = run_cli("render", str(tmp_path / "lut.dcm"), "-o", str(tmp_path / "lut.png"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("lut.dcm: warning: Modality LUT Sequence ignored: its LUT Descriptor is empty; "
                             "Rescale Slope and Intercept apply instead\n")
    assert result.stdout.startswith("lut.dcm frame 1 → ") and read_png(tmp_path / "lut.png").shape == (16, 64)
    plain = run_cli("render", str(ct_file), "-o", str(tmp_path / "ct.png"))
    assert plain.returncode == 0 and plain.stderr == ""


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
    syntax = pydicom.dcmread(compressed).file_meta.TransferSyntaxUID
    assert syntax != pydicom.dcmread(ct_file).file_meta.TransferSyntaxUID
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
    assert "high" in text.stdout.splitlines()[0] and "Patient's Name (0010,0010)  (93 file(s))" in text.stdout
    assert "Requested Procedure Description (0032,1060)  [(0040,0275) > item 1 > (0032,1060)]" in text.stdout
    as_json = run_cli("review", str(tmp_path / "demo.zip"), "--json")
    result = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and result["schema_version"] == 2 and result["counts"]["high"] > 0
    names = next(f for f in result["findings"] if f["id"] == "element:(0010,0010):info")
    assert [v["value"] for v in names["values"]] == ["DEMO^PHANTOM"]  # placeholder words: names no one


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


# --- what the command line says when it cannot do its job -----------------------------------

REGRESSIONS = ROOT / "tests" / "regressions"


def one_line(result: subprocess.CompletedProcess) -> str:
    """The failure's one line on stderr; there must be nothing else, and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_render_of_a_frame_count_that_is_not_a_number_says_why(tmp_path):
    """pydicom's badVR.dcm: Number of Frames "1A" (was: ValueError out of int(), a traceback)."""
    result = run_cli("render", str(pydicom_file("badVR.dcm")), "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert one_line(result) == ("badVR.dcm: cannot decode frame 1 (Explicit VR Little Endian): "
                                "invalid literal for int() with base 10: '1A'")
    assert not (tmp_path / "x.png").exists()


def test_dump_of_sequences_nested_too_deep_says_why():
    """Undefined-length sequences 10,000 deep (was: TooDeep out of pydicom's reader, a traceback)."""
    zipped = REGRESSIONS / "header-deep-undefined-sequences.zip"
    for form in ([], ["--json"]):
        result = run_cli("dump", str(zipped), *form)
        assert result.returncode == 2 and result.stdout == ""
        assert one_line(result) == ("header-deep-undefined-sequences.zip::DIR/header-deep-undefined-sequences.dcm: "
                                    "cannot read this file: sequences nested more than 32 levels deep "
                                    "(real files nest a few levels; deeper ones are not read)")


def test_dump_json_of_a_header_too_deep_for_dicom_json_says_why():
    result = run_cli("dump", str(REGRESSIONS / "review-deep-defined-sequences.dcm"), "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert one_line(result) == ("review-deep-defined-sequences.dcm: cannot export as DICOM JSON: "
                                "sequences nested more than 32 levels deep")
    text = run_cli("dump", str(REGRESSIONS / "review-deep-defined-sequences.dcm"))
    assert text.returncode == 0 and "nested more than 32 levels deep" in text.stdout


def test_a_frame_that_cannot_be_decoded_or_shown_exits_2(tmp_path):
    """Exit 2 ("cannot do its job on that input"; it was 1 before issue 12), with the viewer's words."""
    ds = small_dataset(rows=8, columns=8)
    ds.PixelData = b"\0" * 20  # 128 bytes stated by Rows × Columns × 16 bits
    ds.save_as(tmp_path / "short.dcm", enforce_file_format=True)
    short = run_cli("render", str(tmp_path / "short.dcm"), "-o", str(tmp_path / "x.png"))
    assert short.returncode == 2
    assert one_line(short).startswith("short.dcm: cannot decode frame 1 (Explicit VR Little Endian): ")
    huge = run_cli("render", str(REGRESSIONS / "viewer-frames-overflow.dcm"), "-o", str(tmp_path / "x.png"))
    assert huge.returncode == 2
    assert one_line(huge) == ("viewer-frames-overflow.dcm: cannot show frame 1: the frame is 65,535 × 65,535 "
                              "pixels, more than the viewer decodes (33,554,432 at most)")
    unreadable = run_cli("render", str(REGRESSIONS / "header-deflate-bomb.dcm"), "-o", str(tmp_path / "x.png"))
    assert unreadable.returncode == 2
    assert one_line(unreadable).startswith("header-deflate-bomb.dcm: cannot read this file: ")
    assert not (tmp_path / "x.png").exists()


def test_inputs_that_are_not_there_or_not_dicom_are_one_line_each(tmp_path):
    missing = run_cli("summary", str(tmp_path / "a.zip"), str(tmp_path), str(tmp_path / "b"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.splitlines() == [f"{tmp_path / 'a.zip'}: no such file or folder",
                                           f"{tmp_path / 'b'}: no such file or folder"]
    (tmp_path / "notes.txt").write_text("not DICOM")
    for argv in (["dump", str(tmp_path / "notes.txt")], ["render", str(tmp_path / "notes.txt"), "-o", "x.png"]):
        result = run_cli(*argv)
        assert result.returncode == 2
        assert one_line(result) == ("notes.txt: not DICOM (text): no 'DICM' marker at byte 128 "
                                    "and no DICOM dataset at the start")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    result = run_cli("dump", f"{tmp_path / 'bad.zip'}::IM1")
    assert result.returncode == 2 and one_line(result).startswith("bad.zip: not a readable zip archive")
    (tmp_path / "empty").mkdir()
    result = run_cli("dump", str(tmp_path / "empty"))
    assert result.returncode == 2 and one_line(result) == f"{tmp_path / 'empty'}: no files in it"
    summary = run_cli("summary", str(tmp_path / "notes.txt"))  # listing it as non-DICOM is the job done
    assert summary.returncode == 0 and "non-dicom" in summary.stdout


def test_an_output_that_cannot_be_written_is_named(ct_file, tmp_path):
    result = run_cli("render", str(ct_file), "-o", str(tmp_path / "no" / "such" / "x.png"))
    assert result.returncode == 2
    assert one_line(result) == f"{tmp_path / 'no' / 'such' / 'x.png'}: cannot write: No such file or directory"


def test_usage_errors_stay_argparse_errors():
    result = run_cli("render", "x.dcm")  # no -o
    assert result.returncode == 2 and result.stderr.startswith("usage: ")
    assert "the following arguments are required: -o/--output" in result.stderr
    result = run_cli("render", "x.dcm", "--window", "nan", "400", "-o", "x.png")
    assert result.returncode == 2 and "argument --window: invalid finite number value: 'nan'" in result.stderr


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    import dicompeek.app.cli as cli

    def broken(index):
        raise RuntimeError("boom\nsecond line")

    (tmp_path / "a.zip").write_bytes(zip_bytes({"IM1": small_dataset()}))
    monkeypatch.setattr(cli, "build_summary", broken)
    monkeypatch.delenv("DICOMPEEK_DEBUG", raising=False)
    assert main(["summary", str(tmp_path / "a.zip")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{tmp_path / 'a.zip'}: internal error: RuntimeError: boom\n" and captured.out == ""
    monkeypatch.setenv("DICOMPEEK_DEBUG", "1")
    assert main(["summary", str(tmp_path / "a.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "RuntimeError: boom" in err
    assert err.endswith(f"{tmp_path / 'a.zip'}: internal error: RuntimeError: boom\n")


def test_an_unexpected_error_in_a_dump_names_the_entry(tmp_path, monkeypatch, capsys):
    import dicompeek.app.cli as cli

    def broken(tree):
        raise KeyError("vr")

    (tmp_path / "a.zip").write_bytes(zip_bytes({"DIR/IM1": small_dataset()}))
    monkeypatch.setattr(cli, "dump_text", broken)
    monkeypatch.delenv("DICOMPEEK_DEBUG", raising=False)
    assert main(["dump", f"{tmp_path / 'a.zip'}::DIR/IM1"]) == 2
    assert capsys.readouterr().err == "a.zip::DIR/IM1: internal error: KeyError: 'vr'\n"


def test_a_file_too_large_to_read_whole_is_dumped_from_its_header(ct_file, monkeypatch, capsys):
    import dicompeek.dicom.instances

    monkeypatch.setattr(dicompeek.dicom.instances, "WHOLE_FILE_LIMIT", 1024)  # as a file over 512 MB is
    assert main(["dump", str(ct_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# header only: the file is 0 MB; files over 0 MB are not read whole\n")
    assert "(0028,0010) US 64" in out
    assert main(["dump", str(ct_file), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["00280010"]["Value"] == [64]
    assert captured.err == "ct.dcm: header only: the file is 0 MB; files over 0 MB are not read whole\n"


def test_values_from_a_file_cannot_drive_the_terminal(tmp_path, capsys):
    """An escape sequence in a Patient's Name is shown escaped in text output, as names are."""
    ds = small_dataset(patient_name="EVIL\x1b]0;owned\x07\x1b[2J^X")
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.save_as(tmp_path / "evil.dcm", enforce_file_format=True)
    for argv in (["dump", str(tmp_path / "evil.dcm")], ["summary", str(tmp_path / "evil.dcm")],
                 ["review", str(tmp_path / "evil.dcm")]):
        main(argv)
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out, argv
    main(["dump", str(tmp_path / "evil.dcm")])
    assert "EVIL\\x1b]0;owned\\x07\\x1b[2J^X" in capsys.readouterr().out


def test_a_broken_installation_is_one_line_too(tmp_path):
    shutil.copytree(ROOT / "py" / "dicompeek", tmp_path / "dicompeek", ignore=shutil.ignore_patterns("__pycache__"))
    broken = "raise FileNotFoundError('data/profile.json is missing')\n"
    (tmp_path / "dicompeek" / "pixels" / "png.py").write_text(broken)
    result = subprocess.run([sys.executable, "-m", "dicompeek", "summary", "x"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(tmp_path), "DICOMPEEK_DEBUG": ""}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("dicompeek: internal error: cannot load the command line: "
                             "FileNotFoundError: data/profile.json is missing\n")
