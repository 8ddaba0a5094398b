"""``python -m dicompeek deidentify``: the copy, its report in counts, the exit code of its review."""

from __future__ import annotations

import json
import zipfile

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
