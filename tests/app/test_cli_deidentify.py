"""``python -m dicompeek deidentify``: the copy, its report in counts, the exit code of its review."""

from __future__ import annotations

import json
import zipfile

import pytest

from dicompeek.app.cli import main
from privacy.exports import PATIENTS, original_export
from registry import zip_bytes


def test_the_copy_is_written_reviewed_and_reported_in_counts(tmp_path, capsys):
    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski", "yamada"))))
    status = main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"), "--salt", "s3cret",
                   "--option", "retain-longitudinal-modified-dates", "--option", "clean-descriptors",
                   "--option", "clean-pixel-data", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["review"]["high"] == report["review"]["medium"] == 0, report
    assert report["output"] == str(tmp_path / "out.zip") and report["files_written"] == 14
    assert {a["action"] for a in report["actions"]} >= {"removed", "new UID", "shifted", "replaced"}
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert len(archive.namelist()) == 14
    assert PATIENTS["kowalski"].patient_id not in json.dumps(report)


def test_without_options_the_copy_may_be_flagged_and_the_exit_code_says_so(tmp_path, capsys):
    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski",))))
    status = main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"), "--no-ocr"])
    out, err = capsys.readouterr()
    assert "no --salt" in err
    assert out.startswith("7 files → ") and "its review:" in out
    assert status in (0, 1) and (tmp_path / "out.zip").exists()


def test_a_bad_pseudonym_map_is_named_with_its_line_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski",))))
    (tmp_path / "map.csv").write_text("only-one-column\n", encoding="utf-8")
    status = main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"),
                   "--pseudonym-map", str(tmp_path / "map.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and err[-1] == f"{tmp_path / 'map.csv'}: line 1: expected original ID, new name[, new ID]"
    assert not (tmp_path / "out.zip").exists()


def test_a_missing_input_is_named(tmp_path, capsys):
    assert main(["deidentify", str(tmp_path / "nope.zip"), "-o", str(tmp_path / "out.zip")]) == 2
    assert capsys.readouterr().err.strip().endswith("nope.zip: no such file or folder")


def test_the_mapping_is_written_apart_when_asked(tmp_path, capsys):
    import csv

    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski",))))
    assert main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"), "--salt", "s",
                 "--no-ocr", "--mapping", str(tmp_path / "map.csv")]) in (0, 1)
    rows = list(csv.DictReader((tmp_path / "map.csv").open(encoding="utf-8")))
    assert {"kind": "patient", "original": PATIENTS["kowalski"].patient_id, "new_name": "ANON-1",
            "new": "ANON-1"} in rows
    uids = [row for row in rows if row["kind"] == "uid"]
    assert uids and all(row["new"].startswith("2.25.") for row in uids)
    assert PATIENTS["kowalski"].patient_id not in capsys.readouterr().out  # only in the mapping


def test_a_box_is_blanked_in_every_frame_of_its_series(tmp_path, capsys):
    import pydicom

    from privacy.deidentify.banners import BOX, FRAMES, banner_zip, box_argument, frames_of

    source = banner_zip(tmp_path / "export.zip")
    status = main(["deidentify", str(source), "-o", str(tmp_path / "out.zip"), "--salt", "s", "--no-ocr",
                   "--option", "clean-pixel-data", "--box", box_argument(), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status in (0, 1) and report["pixels"] == {"blanked": len(FRAMES)}
    x, y, width, height = BOX
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        copies = [pydicom.dcmread(archive.open(name)) for name in archive.namelist()]
    frames = [frames_of(ds) for ds in copies if ds.Modality == "US"]
    assert len(frames) == len(FRAMES) and all(not f[:, y:y + height, x:x + width].any() for f in frames)


def test_a_bad_box_is_a_usage_error_naming_it(tmp_path, capsys):
    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski",))))
    for bad, says in (("1.2.3:1,2,3", "four whole numbers"), ("abc:1,2,3,4", "not a Series Instance UID"),
                      ("1.2.3:0,0,0,5", "at least 1 pixel")):
        with pytest.raises(SystemExit) as exit_:
            main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"),
                  "--option", "clean-pixel-data", "--box", bad])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and "argument --box" in err and says in err and repr(bad) in err, err
    assert not (tmp_path / "out.zip").exists()


def test_a_box_without_clean_pixel_data_is_refused(tmp_path, capsys):
    (tmp_path / "export.zip").write_bytes(zip_bytes(original_export(("kowalski",))))
    status = main(["deidentify", str(tmp_path / "export.zip"), "-o", str(tmp_path / "out.zip"), "--no-ocr",
                   "--box", "1.2.3:0,0,10,10"])
    assert status == 2 and "--box: boxes are blanked by Clean Pixel Data" in capsys.readouterr().err
    assert not (tmp_path / "out.zip").exists()
