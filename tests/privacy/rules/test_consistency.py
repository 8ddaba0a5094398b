"""Consistency across files (dicompeek.privacy.rules.consistency)."""

from __future__ import annotations

from pydicom.uid import generate_uid

from privacy.planted import by_id, identified, reviewed, values
from registry import small_dataset


def test_two_patients_and_one_id_with_two_names_are_inconsistent(tmp_path):
    study = generate_uid()
    files = {"a.dcm": small_dataset(patient_name="Ab^Cd", patient_id="ID1", study_uid=study),
             "b.dcm": small_dataset(patient_name="Ef^Gh", patient_id="ID1", study_uid=study)}
    found = by_id(reviewed(tmp_path, files))
    assert found["consistency:patients"]["title"] == "2 patients in this zip"
    assert sorted(values(found["consistency:same-id:1"])) == ["Ab^Cd / ", "Ef^Gh / "]
    assert "consistency:study:1" in found


def test_one_patient_in_many_files_is_consistent(tmp_path):
    found = by_id(reviewed(tmp_path, {f"{i}.dcm": identified() for i in range(3)}))
    assert not [key for key in found if key.startswith("consistency:")]


def test_a_group_counts_each_file_once_with_every_value(tmp_path):
    files = {"a.dcm": small_dataset(patient_name="Ab^Cd", patient_id="ID1"),
             "b.dcm": small_dataset(patient_name="Ab^Cd", patient_id="ID1"),
             "c.dcm": small_dataset(patient_name="Ef^Gh", patient_id="ID2")}
    patients = by_id(reviewed(tmp_path, files))["consistency:patients"]
    assert patients["files"] == 3 and patients["entries"] == [0, 1, 2]
    assert {v["value"]: v["count"] for v in patients["values"]} == {"Ab^Cd / ID1": 2, "Ef^Gh / ID2": 1}
