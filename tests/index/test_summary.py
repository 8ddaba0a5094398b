"""The patient / study / series summary (dicompeek.index.summary)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from dicompeek_synthetic import ct_phantom_series, mr_series, secondary_capture
from registry import PYDICOM_FILES, all_series, files_by_location, small_dataset, summarize, zip_bytes


def test_demo_like_zip_gives_one_patient_two_studies_three_series(tmp_path):
    ct = ct_phantom_series(12, 16, 16)
    study = ct[0].StudyInstanceUID
    sc = secondary_capture(study_uid=study)
    mr = mr_series(5, 16, 16)
    members = {f"CT/{i:03}.dcm": ds for i, ds in enumerate(ct)}
    members |= {"SC/1.dcm": sc} | {f"MR/{i}": ds for i, ds in enumerate(mr)}
    (tmp_path / "x.zip").write_bytes(zip_bytes(members))
    summary = summarize(tmp_path / "x.zip")
    assert summary["totals"] == {"entries": 18, "dicom": 18, "non_dicom": 0, "unreadable": 0,
                                      "not_indexed": 0, "patients": 1, "studies": 2, "series": 3}
    (patient,) = summary["patients"]
    assert (patient["name"], patient["id"]) == ("DEMO^PHANTOM", "DEMO-0001")
    ct_study = next(s for s in patient["studies"] if s["study_instance_uid"] == study)
    assert ct_study["series_count"] == 2
    ct_series, sc_series = ct_study["series"]  # sorted by series number
    assert (ct_series["modality"], ct_series["instances"], ct_series["frames"]) == ("CT", 12, 12)
    assert ct_series["sizes"] == ["16×16"]
    assert ct_series["sop_classes"] == [{"uid": "1.2.840.10008.5.1.4.1.1.2", "name": "CT Image Storage"}]
    assert ct_series["transfer_syntaxes"][0]["name"] == "Explicit VR Little Endian"
    assert ct_series["archives"] == ["x.zip"] and ct_series["folders"] == ["CT"]
    assert ct_series["bytes"] > 12 * 16 * 16 * 2
    assert sc_series["modality"] == "OT" and sc_series["sop_classes"][0]["name"] == "Secondary Capture Image Storage"


def test_uids_inside_sequences_never_make_a_series(tmp_path):
    study, series = generate_uid(), generate_uid()
    files = {}
    for n in range(3):
        ds = small_dataset(study_uid=study, series_uid=series)
        ref = Dataset()
        ref.SeriesInstanceUID = generate_uid()       # another series, only referenced
        ref.StudyInstanceUID = generate_uid()
        ds.ReferencedSeriesSequence = [ref]
        item = Dataset()
        item.SeriesInstanceUID = generate_uid()
        ds.SourceImageSequence = [item]
        files[f"{n}.dcm"] = ds
    (tmp_path / "refs.zip").write_bytes(zip_bytes(files))
    summary = summarize(tmp_path / "refs.zip")
    assert summary["totals"]["series"] == 1
    assert [s["series_instance_uid"] for s in all_series(summary)] == [series]
    assert all_series(summary)[0]["instances"] == 3


def test_multiframe_frames_are_counted_and_duplicates_are_one_instance(tmp_path):
    study, series = generate_uid(), generate_uid()
    mf = small_dataset(study_uid=study, series_uid=series, frames=7)
    (tmp_path / "mf.zip").write_bytes(zip_bytes({"a/mf.dcm": mf, "b/mf-copy.dcm": mf}))
    (s,) = all_series(summarize(tmp_path / "mf.zip"))
    assert (s["files"], s["instances"], s["frames"]) == (2, 1, 7)
    assert s["folders"] == ["a", "b"]
    assert s["duplicates"] == 1  # said, so that the page warns: 2 files, 1 SOP Instance UID


def test_a_file_outside_any_series_is_listed_with_the_key_that_opens_it(tmp_path):
    from dicompeek.index.indexer import Index
    from dicompeek.pixels.viewer import Viewer

    slide = small_dataset(rows=4, columns=6)
    del slide.SeriesInstanceUID, slide.StudyInstanceUID
    (tmp_path / "slide.zip").write_bytes(zip_bytes({"slide.dcm": slide, "ct.dcm": small_dataset()}))
    summary = summarize(tmp_path / "slide.zip")
    (listed,) = summary["files"]
    assert listed["reason"].startswith("DICOM file outside any series (CT Image Storage)")
    assert (listed["study_uid"], listed["modality"]) == ("", "CT") and listed["series_uid"].startswith("file:")
    index = Index()
    index.add([str(tmp_path / "slide.zip")])
    index.run()
    (record,) = index.series_records("", listed["series_uid"])
    assert record.location.endswith("slide.dcm")
    frames = Viewer(index).series("", listed["series_uid"])["frames"]
    assert len(frames) == 1 and Viewer(index).render(frames[0]["entry"], 0)[0]["columns"] == 6
    index.close()


def test_patients_studies_series_are_sorted(tmp_path):
    members = {}
    for name, pid in (("ZULU^Z", "2"), ("ALPHA^A", "1")):
        study = generate_uid()
        for number in (3, 1, 2):
            ds = small_dataset(study_uid=study, patient_name=name, patient_id=pid)
            ds.SeriesNumber = number
            members[f"{pid}/{number}.dcm"] = ds
    (tmp_path / "s.zip").write_bytes(zip_bytes(members))
    summary = summarize(tmp_path / "s.zip")
    assert [p["name"] for p in summary["patients"]] == ["ALPHA^A", "ZULU^Z"]
    assert [s["number"] for s in summary["patients"][0]["studies"][0]["series"]] == [1, 2, 3]


def test_dicomdir_is_listed_outside_any_series():
    summary = summarize(PYDICOM_FILES / "dicomdirtests" / "DICOMDIR")
    assert summary["totals"]["dicom"] == 1 and summary["totals"]["series"] == 0
    (entry,) = summary["files"]
    assert "Media Storage Directory Storage" in entry["reason"]


@pytest.mark.skipif(not shutil.which("dcmdump"), reason="DCMTK dcmdump not installed")
def test_series_grouping_agrees_with_dcmdump_on_pydicoms_files():
    """Every file we call DICOM has the top-level Study/Series UIDs dcmdump reads."""
    summary = summarize(PYDICOM_FILES)
    ours: dict[str, tuple[str, str]] = {}
    for patient in summary["patients"]:
        for study in patient["studies"]:
            for series in study["series"]:
                pair = (study["study_instance_uid"], series["series_instance_uid"])
                ours.setdefault(series["series_instance_uid"], pair)
    checked = 0
    root = PYDICOM_FILES.parent
    for path in sorted(PYDICOM_FILES.rglob("*")):
        if not path.is_file():
            continue
        out = subprocess.run(["dcmdump", "-q", str(path)], capture_output=True, text=True,
                             errors="replace").stdout
        uids = [line.split("[", 1)[1].split("]", 1)[0] for line in out.splitlines()
                if line.startswith(("(0020,000d)", "(0020,000e)")) and "[" in line]
        if len(uids) == 2:  # top level only: dcmdump indents nested elements
            study_uid, series_uid = uids
            assert series_uid in ours, f"{path.relative_to(root)}: dcmdump finds series {series_uid}"
            assert ours[series_uid][0] == study_uid
            checked += 1
    assert checked > 100
    location_of = files_by_location(summary)
    assert "test_files/rtplan_truncated.dcm" in location_of


def test_geometry_warnings_stand_next_to_their_series(tmp_path):
    series = ct_phantom_series(10, 8, 8)
    del series[4]  # a missing slice
    (tmp_path / "gap.zip").write_bytes(zip_bytes({f"{i}.dcm": ds for i, ds in enumerate(series)}))
    (s,) = all_series(summarize(tmp_path / "gap.zip"))
    assert s["geometry_warnings"] == ["about 1 missing slice(s): gaps up to 5.00 mm where slices are 2.50 mm apart"]


def test_a_segmentation_report_structures_and_presentation_state_name_the_series_they_were_made_from(tmp_path):
    pytest.importorskip("highdicom")
    from dicompeek_synthetic_pr import presentation_state
    from dicompeek_synthetic_rt import chest_structures, structure_set
    from dicompeek_synthetic_seg import measurement_report, phantom_segmentation

    ct = ct_phantom_series(6, 16, 16)
    seg = phantom_segmentation(ct)
    derived = {"seg": seg, "sr": measurement_report(ct, seg), "rt": structure_set(ct, chest_structures(ct)),
               "pr": presentation_state(ct)}
    (tmp_path / "x.zip").write_bytes(zip_bytes({**{f"CT/{i}.dcm": ds for i, ds in enumerate(ct)},
                                                **{f"{k}.dcm": ds for k, ds in derived.items()}}))
    by_uid = {s["series_instance_uid"]: s for s in all_series(summarize(tmp_path / "x.zip"))}
    assert by_uid[ct[0].SeriesInstanceUID]["refers_to"] == []
    for ds in derived.values():
        assert by_uid[ds.SeriesInstanceUID]["refers_to"][0] == ct[0].SeriesInstanceUID, ds.Modality
    assert seg.SeriesInstanceUID in by_uid[derived["sr"].SeriesInstanceUID]["refers_to"]  # the report measures it
