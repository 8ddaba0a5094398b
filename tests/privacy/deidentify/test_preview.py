"""The copy's preview (dicompeek.privacy.deidentify.preview): one instance of a real-looking export
(tests/privacy/exports.py) through the copy's own de-identification, nothing written; what it says
changes is what the copy then writes, value for value, for the same settings."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path

import pydicom
import pytest

from dicompeek.app import worker_api
from dicompeek.index.indexer import Index
from dicompeek.privacy.deidentify.dates import offset_days
from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.preview import CLASSES, preview
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import Settings
from privacy.exports import PATIENTS, original_export
from registry import zip_bytes

KOWALSKI, YAMADA = PATIENTS["kowalski"], PATIENTS["yamada"]
SALT = b"preview-salt"
DEFAULTS = frozenset({"retain_modified_dates", "clean_descriptors"})
#: Records of the default export (two patients, seven files each, in index order).
CT, SR, MR_OVERLAY, MR_REFERENCING, US = 0, 3, 4, 5, 6
YAMADA_CT = 7


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("preview") / "export.zip"
    path.write_bytes(zip_bytes(original_export()))
    return path


@pytest.fixture(scope="module")
def index(export):
    loaded = Index()
    loaded.add([str(export)])
    loaded.run()
    assert len(loaded.dicom) == 14
    yield loaded
    loaded.close()


def rows(result: dict) -> dict[str, dict]:
    """Every row of a preview by path, with its class."""
    return {row["path"]: {**row, "class": group["key"]} for group in result["classes"] for row in group["rows"]}


def copied(export: Path, tmp_path: Path, settings: Settings) -> list[pydicom.Dataset]:
    """The command line's copy of ``export`` with ``settings``, its files in the order written."""
    output = tmp_path / "copy.zip"
    deidentify_inputs([str(export)], output, settings)
    with zipfile.ZipFile(output) as archive:
        return [pydicom.dcmread(io.BytesIO(archive.read(info))) for info in archive.infolist()]


def days_between(before: str, after: str) -> int:
    return (dt.date.fromisoformat(f"{after[:4]}-{after[4:6]}-{after[6:8]}")
            - dt.date.fromisoformat(f"{before[:4]}-{before[4:6]}-{before[6:8]}")).days


def test_modified_dates_move_by_the_patients_offset_and_times_stay(index):
    result = preview(index, Settings(DEFAULTS, SALT))
    found = rows(result)
    days = offset_days(SALT, KOWALSKI.patient_id)
    assert result["patient"]["days"] == days and days < 0
    study = found["(0008,0020)"]
    assert (study["action"], study["class"], study["before"]) == ("shifted", "dates", KOWALSKI.dates[0])
    assert days_between(study["before"], study["after"]) == days
    assert not study["after_from_original"]  # a shifted date may show while patient data is hidden
    assert found["(0008,0030)"]["action"] == "kept by option" and found["(0008,0030)"]["after_from_original"]
    # without a date option, the same dates go
    basic = rows(preview(index, Settings(frozenset({"clean_descriptors"}), SALT)))
    assert basic["(0008,0020)"]["action"] == "emptied" and basic["(0008,0020)"]["after"] == ""
    assert (basic["(0008,0012)"]["action"], basic["(0008,0012)"]["after"]) == ("replaced", "19000101")  # X/D: a dummy
    assert basic["(0040,0244)"]["action"] == "removed"


def test_patient_identity_becomes_the_pseudonym_in_the_copys_order(index):
    first = preview(index, Settings(DEFAULTS, SALT))
    name = rows(first)["(0010,0010)"]
    assert (name["before"], name["after"], name["action"], name["class"]) == \
        (KOWALSKI.name, "ANON-1", "replaced", "patient")
    assert rows(preview(index, Settings(DEFAULTS, SALT), YAMADA_CT))["(0010,0020)"]["after"] == "ANON-2"
    table = PseudonymMap.from_csv(f"{YAMADA.patient_id},SUBJ^0042,SUBJ-0042\n")
    second = preview(index, Settings(DEFAULTS, SALT, table), YAMADA_CT)
    assert second["patient"] == {"pseudonym_name": "SUBJ^0042", "pseudonym_id": "SUBJ-0042", "given": True,
                                 "days": offset_days(SALT, YAMADA.patient_id)}
    assert rows(second)["(0010,0020)"]["before"] == YAMADA.patient_id
    assert dict(table) == dict(PseudonymMap.from_csv(f"{YAMADA.patient_id},SUBJ^0042,SUBJ-0042\n"))  # untouched
    # Kowalski, not in the table, is still the first ANON (the copy numbers only the others)
    assert rows(preview(index, Settings(DEFAULTS, SALT, table)))["(0010,0010)"]["after"] == "ANON-1"


def test_retain_uids_keeps_every_uid_and_says_so(index):
    changed = rows(preview(index, Settings(DEFAULTS, SALT), MR_REFERENCING))
    kept = rows(preview(index, Settings(DEFAULTS | {"retain_uid"}, SALT), MR_REFERENCING))
    uid_paths = [path for path, row in changed.items() if row["action"] == "new UID"]
    assert "(0020,000D)" in uid_paths and "(0008,1140)[1] > (0008,1155)" in uid_paths and "(0002,0003)" in uid_paths
    for path in uid_paths:
        assert changed[path]["after"].startswith("2.25.") and changed[path]["before"] != changed[path]["after"]
        assert kept[path]["action"] == "kept by option", path
        assert kept[path]["before"] == kept[path]["after"] == changed[path]["before"]
        assert kept[path]["after_from_original"]
    assert not any(row["action"] == "new UID" for row in kept.values())


def test_private_elements_are_removed_and_safe_ones_kept_under_the_option(index):
    found = rows(preview(index, Settings(DEFAULTS, SALT)))
    name_copy = found["(0033,1013)"]  # the PACS's copy of the patient's name
    assert (name_copy["action"], name_copy["class"], name_copy["before"]) == ("removed", "private", KOWALSKI.name)
    assert name_copy["name"] == "private, MITRA OBJECT UTF8 ATTRIBUTES 1.0"
    assert found["(0033,0010)"]["action"] == "removed" and found["(0009,1001)"]["action"] == "removed"
    safe = rows(preview(index, Settings(DEFAULTS | {"retain_safe_private"}, SALT)))
    assert "kept (safe private)" in {row["action"] for row in safe.values() if row["class"] == "private"}
    assert safe["(0033,1013)"]["action"] == "removed"


def test_a_sequence_removed_is_one_row_and_nested_changes_are_shown_by_path(index):
    found = rows(preview(index, Settings(DEFAULTS, SALT), MR_REFERENCING))
    other_ids = found["(0010,1002)"]
    assert (other_ids["action"], other_ids["before"], other_ids["after"]) == ("removed", "(1 item)", "")
    assert not any(path.startswith("(0010,1002)[") for path in found)
    reference = found["(0008,1140)[1] > (0008,1155)"]
    assert reference["class"] == "uids" and reference["name"] == "Referenced SOP Instance UID"
    assert "(0008,1140)[1] > (0008,1150)" not in found  # a class UID stays, unlisted
    report = rows(preview(index, Settings(DEFAULTS, SALT), SR))
    assert report["(0040,A730)"] | {"class": "structured"} == report["(0040,A730)"]
    assert report["(0040,A730)"]["action"] == "removed"
    cleaned = rows(preview(index, Settings(DEFAULTS | {"clean_structured_content"}, SALT), SR))
    text = cleaned["(0040,A730)[2] > (0040,A160)"]  # the finding's Text Value, cleaned in place
    assert text["class"] == "structured" and text["action"] == "cleaned"
    assert "Kowalski" not in text["after"] and "No acute intracranial abnormality" in text["after"]


def test_classes_overlays_claims_and_counts(index):
    result = preview(index, Settings(DEFAULTS, SALT), MR_OVERLAY)
    found = rows(result)
    assert [group["key"] for group in result["classes"]] == \
        [key for key, _, _ in CLASSES if key in {group["key"] for group in result["classes"]}]
    assert found["(6000,3000)"]["class"] == "graphics" and found["(6000,4000)"]["action"] == "removed"
    assert found["(0012,0062)"] | {"class": "claims", "action": "written", "before": "", "after": "YES"} \
        == found["(0012,0062)"]
    assert found["(0012,0064)"]["after"].startswith("3 items: 113100")
    assert found["(0008,0080)"]["class"] == "institution" and found["(0018,1000)"]["class"] == "device"
    assert found["(0008,0050)"]["class"] == "identifiers" and found["(0008,103E)"]["class"] == "descriptions"
    for group in result["classes"]:
        assert sum(group["counts"].values()) == len(group["rows"])
    assert sum(result["counts"].values()) == len(found) and result["unchanged"] > 10
    assert result["notes"] == []
    graphics = preview(index, Settings(DEFAULTS | {"clean_graphics"}, SALT), MR_OVERLAY)
    assert any("overlays" in note for note in graphics["notes"])


def test_the_previews_after_values_are_what_the_copy_writes_for_the_same_salt(export, index, tmp_path):
    settings = Settings(DEFAULTS, SALT, PseudonymMap.from_csv(f"{YAMADA.patient_id},SUBJ^0042,SUBJ-0042\n"))
    files = copied(export, tmp_path, settings)
    for record, written in ((CT, files[0]), (MR_REFERENCING, files[5]), (YAMADA_CT, files[7])):
        result = preview(index, settings, record)
        assert str(written.SOPInstanceUID) == rows(result)["(0008,0018)"]["after"]
        compared = 0
        for path, row in rows(result).items():
            if row["class"] == "file_meta" or " > " in path or (row["action"] == "written" and row["vr"] == "SQ"):
                continue
            tag = int(path[1:5] + path[6:10], 16)
            if row["action"] == "removed":
                assert tag not in written, path
            else:
                value = written[tag].value
                text = "\\".join(map(str, value)) if isinstance(value, pydicom.multival.MultiValue) else str(value)
                assert row["after"] in (text, text[:79] + "…"), path
                compared += 1
        assert compared > 20
    reference = rows(preview(index, settings, MR_REFERENCING))["(0008,1140)[1] > (0008,1155)"]["after"]
    referenced = files[5].ReferencedImageSequence[0].ReferencedSOPInstanceUID
    assert reference == str(files[4].SOPInstanceUID) == str(referenced)
    assert str(files[0].file_meta.MediaStorageSOPInstanceUID) == rows(preview(index, settings))["(0002,0003)"]["after"]


def test_nothing_is_written(export, index, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the preview wrote a file")

    monkeypatch.setattr(pydicom.dataset.Dataset, "save_as", refuse)
    monkeypatch.setattr(pydicom.filewriter, "dcmwrite", refuse)
    before = {path: path.stat().st_mtime_ns for path in export.parent.iterdir()}
    data = export.read_bytes()
    cwd = set(os.listdir("."))
    result = preview(index, Settings(DEFAULTS, SALT))
    assert result["classes"]
    assert {path: path.stat().st_mtime_ns for path in export.parent.iterdir()} == before
    assert export.read_bytes() == data and set(os.listdir(".")) == cwd


def test_the_choices_are_the_first_file_of_each_series_with_its_pseudonym(index):
    choices = preview(index, Settings(DEFAULTS, SALT))["choices"]
    assert [(c["record"], c["pseudonym"], c["modality"], c["files"]) for c in choices] == [
        (0, "ANON-1", "CT", 3), (3, "ANON-1", "SR", 1), (4, "ANON-1", "MR", 2), (6, "ANON-1", "US", 1),
        (7, "ANON-2", "CT", 3), (10, "ANON-2", "SR", 1), (11, "ANON-2", "MR", 2), (13, "ANON-2", "US", 1)]
    assert choices[0]["series_description"] == "Head 5.0 H31s" and choices[0]["series_number"] == 2


def test_what_cannot_be_previewed_is_said(index):
    with pytest.raises(ValueError, match="no DICOM file number 99"):
        preview(index, Settings(DEFAULTS, SALT), 99)
    empty = Index()
    with pytest.raises(ValueError, match="no DICOM file to preview"):
        preview(empty, Settings(DEFAULTS, SALT))
    with pytest.raises(ValueError, match="exclude each other"):
        preview(index, Settings(DEFAULTS | {"retain_full_dates"}, SALT))


def test_the_workers_entry_point_takes_the_pages_settings(export):
    worker_api.reset()
    try:
        worker_api.add_paths([str(export)])
        while not worker_api.index_step(1.0)["finished"]:
            pass
        table = f"{KOWALSKI.patient_id},SUBJ^0007,SUBJ-0007\n"
        args = [["retain-longitudinal-modified-dates", "clean-descriptors"], "page salt", table, MR_REFERENCING]
        result = json.loads(worker_api.call("deid_preview", json.dumps(args)))
        assert result["instance"]["record"] == MR_REFERENCING and result["patient"]["pseudonym_id"] == "SUBJ-0007"
        assert result["patient"]["days"] == offset_days(b"page salt", KOWALSKI.patient_id)
        first = json.loads(worker_api.call("deid_preview", json.dumps([[], "page salt", "", None])))
        assert first["instance"]["record"] == CT and rows(first)["(0008,0020)"]["action"] == "emptied"
        with pytest.raises(ValueError, match="unknown options"):
            worker_api.call("deid_preview", json.dumps([["retain-everything"], "s", "", None]))
    finally:
        worker_api.reset()
