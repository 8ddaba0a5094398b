"""The privacy review (dicompeek.review): planted identifiers are found wherever they hide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from dicompeek import worker_api
from dicompeek.index import Index
from dicompeek.review import review
from dicompeek.review_merge import merge, plan, reruns, review_part
from registry import deidentified, pydicom_file, small_dataset, zip_bytes

NAME, MRN, BIRTH, ACCESSION = "Kowalski^Janina", "MRN778812", "19610523", "ACC99812"


def reviewed(tmp_path, members: dict, name: str = "x.zip") -> dict:
    (tmp_path / name).write_bytes(zip_bytes(members))
    index = Index()
    try:
        index.add([str(tmp_path / name)])
        index.run()
        return review(index)
    finally:
        index.close()


def by_id(result: dict) -> dict[str, dict]:
    return {f["id"]: f for f in result["findings"]}


def values(finding: dict) -> list[str]:
    return [v["value"] for v in finding["values"]]


def identified(**extra) -> Dataset:
    ds = small_dataset(patient_name=NAME, patient_id=MRN)
    ds.PatientBirthDate, ds.AccessionNumber = BIRTH, ACCESSION
    for key, value in extra.items():
        setattr(ds, key, value)
    return ds


def test_a_properly_deidentified_series_has_no_high_severity_finding(tmp_path):
    result = reviewed(tmp_path, {f"S/{i}.dcm": ds for i, ds in enumerate(deidentified())})
    assert result["counts"]["high"] == 0, [f["title"] for f in result["findings"] if f["severity"] == "high"]
    found = by_id(result)
    assert found["claim:identity-removed"]["title"].startswith("Says de-identified")
    assert values(found["claim:codes"]) == ["113100 Basic Application Level Confidentiality Profile"]
    assert found["uid-random:yes"]["severity"] == "info"
    assert found["dates-summary"]["title"] == "No dates present"
    assert result["files_reviewed"] == 3 and result["schema_version"] == 1


def test_direct_identifiers_are_grouped_by_element_with_their_values(tmp_path):
    result = reviewed(tmp_path, {f"{i}.dcm": identified(InstitutionName="St Elsewhere") for i in range(3)})
    found = by_id(result)
    name = found["element:(0010,0010)"]
    assert (name["severity"], name["category"], name["files"]) == ("high", "element", 3)
    assert values(name) == [NAME] and "E.1-1 action Z" in name["reason"]
    assert values(found["element:(0010,0020)"]) == [MRN]
    assert found["element:(0010,0030)"]["severity"] == "high"
    assert values(found["element:(0008,0080)"]) == ["St Elsewhere"]
    assert found["element:(0008,0080)"]["severity"] == "medium"
    assert len(name["entries"]) == 3 and name["series"][0]["series_uid"]
    assert result["verdict"].startswith(f"{result['counts']['high']} high")


def test_identifiers_three_sequences_deep_are_found_with_their_path(tmp_path):
    inner = Dataset()
    inner.PatientName = "Nowak^Adam"
    middle = Dataset()
    middle.OtherPatientIDsSequence = [inner]
    outer = Dataset()
    outer.RequestAttributesSequence = [Dataset(), middle]
    ds = identified()
    ds.ReferencedStudySequence = [outer]
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    deep = found["element:(0008,1110)>(0040,0275)>(0010,1002)>(0010,0010)"]
    assert values(deep) == ["Nowak^Adam"]
    assert deep["element"]["path"] == ("(0008,1110) > item 1 > (0040,0275) > item 2 > (0010,1002) > item 1 > "
                                       "(0010,0010)")


def test_the_name_and_ids_are_found_in_other_values_private_tags_and_paths(tmp_path):
    ds = identified(SeriesDescription="follow-up kowalski", ImageComments=f"ref {ACCESSION}")
    block = ds.private_block(0x0099, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", f"patient {MRN}")
    block.add_new(0x02, "OB", b"\x00\x01 born " + BIRTH.encode() + b"\x00")
    item = Dataset()
    item.ContentDescription = "janina's scan"
    ds.ReferencedImageSequence = [item]
    result = reviewed(tmp_path, {"KOWALSKI_J/scan 1.dcm": ds, "other/readme.txt": b"plain text"})
    found = by_id(result)
    assert values(found["leak:name:(0008,103E)"]) == ["follow-up kowalski"]
    assert values(found["leak:accession:(0020,4000)"]) == [f"ref {ACCESSION}"]
    assert found["leak:patient-id:(0099,1001)"]["category"] == "cross-field"
    assert "leak:birth-date:(0099,1002)" in found
    assert values(found["leak:name:(0008,1140)>(0070,0081)"]) == ["janina's scan"]
    assert values(found["leak:name:path"]) == ["x.zip::KOWALSKI_J/scan 1.dcm"]


def test_free_text_descriptors_are_listed(tmp_path):
    ds = identified(StudyDescription="CT head", ProtocolName="Dr Who's protocol", ImageComments="see chart")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    for tag, text in (("(0008,1030)", "CT head"), ("(0018,1030)", "Dr Who's protocol"), ("(0020,4000)", "see chart")):
        finding = found[f"free-text:{tag}"]
        assert finding["category"] == "free-text" and values(finding) == [text]


def test_private_blocks_are_counted_and_binary_blobs_flagged(tmp_path):
    ds = identified()
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x10, "OB", bytes(300))
    block.add_new(0x08, "CS", "IMAGE NUM 4")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    private = found["private:0029:SIEMENS CSA HEADER"]
    assert private["title"] == "Private block “SIEMENS CSA HEADER” in group 0029: 2 elements"
    assert "no safe-private list" in private["reason"]
    assert "(0029,1008) IMAGE NUM 4" in values(private)
    blob = found["private-blob:0029:SIEMENS CSA HEADER"]
    assert values(blob) == ["(0029,1010) OB"] and "300 bytes" in blob["title"]


def test_a_dicomdir_is_reviewed_record_by_record(tmp_path):
    found = by_id(reviewed(tmp_path, {"DICOMDIR": pydicom_file("DICOMDIR").read_bytes()}))
    names = found["element:(0004,1220)>(0010,0010)"]
    assert sorted(values(names)) == ["Doe^Archibald", "Doe^Peter"]
    assert names["element"]["path"].startswith("(0004,1220) > item ")


def test_overlays_burned_in_text_and_icons_are_pixel_findings(tmp_path):
    us = identified(Modality="US", SOPClassUID="1.2.840.10008.5.1.4.1.1.6.1")
    us.SeriesInstanceUID = "1.2.3.4"
    flagged = identified(BurnedInAnnotation="YES")
    flagged.SeriesInstanceUID = "1.2.3.5"
    flagged.add_new(0x60000010, "US", 8)
    flagged.add_new(0x60003000, "OW", bytes(8))
    icon = Dataset()
    icon.Rows = 1
    flagged.IconImageSequence = [icon]
    result = reviewed(tmp_path, {"us.dcm": us, "ct.dcm": flagged})
    found = by_id(result)
    missing = found["pixels:burned-in-missing:1.2.3.4"]
    assert missing["severity"] == "medium" and missing["thumbnail"] == {"entry": 0, "frame": 0}
    assert found["pixels:burned-in:1.2.3.5"]["severity"] == "high"
    assert found["pixels:overlay:1.2.3.5"]["thumbnail"] == {"entry": 1, "frame": 0}
    assert "pixels:icon:1.2.3.5" in found


def test_non_dicom_entries_are_unreviewed_content(tmp_path):
    found = by_id(reviewed(tmp_path, {"1.dcm": identified(), "report.pdf": b"%PDF-1.4 Janina",
                                      "list.csv": b"name,id\nx,y\n"}))
    pdf = found["non-dicom:non-dicom:PDF document"]
    assert (pdf["severity"], values(pdf)) == ("high", ["x.zip::report.pdf"])
    assert values(found["non-dicom:non-dicom:text"]) == ["x.zip::list.csv"]


def test_claims_are_checked_against_what_is_present(tmp_path):
    ds = identified(PatientIdentityRemoved="YES", PatientAddress="1 Main St", BurnedInAnnotation="YES",
                    LongitudinalTemporalInformationModified="REMOVED")
    code = Dataset()
    code.CodeValue = "113111"
    ds.DeidentificationMethodCodeSequence = [code]
    ds.private_block(0x0011, "ACME", create=True).add_new(0x01, "LO", "x")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert values(found["claim:real-name"]) == [NAME]
    assert values(found["claim:removed:(0010,1040)"]) == ["1 Main St"]
    assert found["claim:private"]["title"].startswith("Claims Retain Safe Private")
    assert found["claim:burned-in"]["severity"] == "high"
    assert values(found["claim:dates-removed"]) == ["Study Date: 20240102"]
    assert values(found["claim:codes"]) == ["113111 Retain Safe Private Option"]


def test_uid_roots_timestamps_and_dates_are_reported(tmp_path):
    ds = identified(StudyDate="18990101")
    ds.SeriesInstanceUID = "1.3.12.2.1107.5.2.32.35162.2012021516340154873208328"
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert found["uid-root:1.3.12.2.1107.5"]["severity"] == "medium"
    assert values(found["uid-time"]) == [ds.SeriesInstanceUID]
    assert found["uid-random:no"]["severity"] == "low"
    assert found["dates-summary"]["title"].endswith("they look shifted")


def test_two_patients_and_one_id_with_two_names_are_inconsistent(tmp_path):
    study = generate_uid()
    files = {"a.dcm": small_dataset(patient_name="Ab^Cd", patient_id="ID1", study_uid=study),
             "b.dcm": small_dataset(patient_name="Ef^Gh", patient_id="ID1", study_uid=study)}
    found = by_id(reviewed(tmp_path, files))
    assert found["consistency:patients"]["title"] == "2 patients in this zip"
    assert sorted(values(found["consistency:same-id:1"])) == ["Ab^Cd / ", "Ef^Gh / "]
    assert "consistency:study:1" in found


def test_a_leak_is_found_in_a_file_reviewed_before_the_file_it_identifies(tmp_path):
    early = small_dataset(patient_name="Ab^Cd", patient_id="ID1")
    early.ImageComments = f"same patient as {MRN}"
    found = by_id(reviewed(tmp_path, {"a.dcm": early, "b.dcm": identified()}))
    assert values(found["leak:patient-id:(0020,4000)"]) == [f"same patient as {MRN}"]


def test_repeated_values_are_judged_under_each_files_own_claims(tmp_path):
    claims = identified(PatientAddress="1 Main St", PatientIdentityRemoved="YES",
                        LongitudinalTemporalInformationModified="REMOVED")
    files = {"0.dcm": identified(PatientAddress="1 Main St"), "1.dcm": claims,
             "2.dcm": identified(PatientAddress="1 Main St")}
    found = by_id(reviewed(tmp_path, files))
    assert found["element:(0010,1040)"]["files"] == 3 and found["element:(0010,1040)"]["values"][0]["count"] == 3
    assert found["claim:removed:(0010,1040)"]["files"] == 1
    assert found["claim:dates-removed"]["files"] == 1 and found["dates:(0008,0020)"]["files"] == 3


def test_standard_text_elements_written_as_un_are_read_as_their_own_vr(tmp_path):
    ds = identified()
    ds.add_new(0x00080080, "UN", b"St Elsewhere")
    ds.add_new(0x00200052, "UN", b"1.3.12.2.1107.5.2.32.35162.1")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert values(found["element:(0008,0080)"]) == ["St Elsewhere"]
    assert "1.3.12.2.1107.5.2.32.35162.1" in values(found["uid-root:1.3.12.2.1107.5"])


# -- the review in parts, as the browser's workers run it ----------------------------------------

def planted_zip() -> dict:
    """Two patients, three series, identifiers planted at every depth, a nested name that leaks into
    later files, private blocks, claims, pixel risks and non-DICOM entries."""
    files: dict = {}
    study, series = generate_uid(), [generate_uid() for _ in range(3)]
    for i in range(9):
        ds = identified(StudyInstanceUID=study, SeriesInstanceUID=series[i % 3], InstanceNumber=i,
                        StudyDate=f"2024010{i + 1}", SeriesDescription=f"series {i % 3}")
        if i % 3 == 1:
            ds.Modality, ds.SOPClassUID = "US", "1.2.840.10008.5.1.4.1.1.6.1"
        if i == 1:
            inner = Dataset()
            inner.PatientName = "Nowak^Adam"  # only here: a token found while walking
            ds.OtherPatientIDsSequence = [inner]
        if i in (4, 8):
            ds.ImageComments = "compare with nowak's scan"  # found only once NOWAK is known
        if i % 2:
            block = ds.private_block(0x0099, "ACME 1.0", create=True)
            block.add_new(0x01, "LO", f"patient {MRN} #{i}")
            block.add_new(0x02, "OB", bytes(100 + i))
        if i == 5:
            ds.PatientIdentityRemoved, ds.BurnedInAnnotation = "YES", "YES"
        files[f"KOWALSKI/{i:02}.dcm"] = ds
    files["other/a.dcm"] = small_dataset(patient_name="Ef^Gh", patient_id=MRN, study_uid=study)
    files["other/notes.txt"] = b"Janina Kowalski"
    files["other/broken.dcm"] = b"\0" * 128 + b"DICM" + b"\2\0"
    return files


def reviewed_in_parts(index: Index, parts: int) -> dict:
    """Plan, parts, reruns and merge, each result through JSON as between workers."""
    through_json = lambda data: json.loads(json.dumps(data))  # noqa: E731
    split = through_json(plan(index, parts))
    states = [through_json(review_part(index, part, split["tokens"])) for part in split["parts"]]
    for number, tokens in through_json(reruns(split["tokens"], [s["found"] for s in states])):
        states[number] = through_json(review_part(index, split["parts"][number], tokens))
    return through_json(merge(index, states))


@pytest.mark.parametrize("parts", [1, 2, 3, 20])
def test_a_review_in_parts_merges_into_the_single_pass_report(tmp_path, parts):
    (tmp_path / "x.zip").write_bytes(zip_bytes(planted_zip()))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        single = json.loads(json.dumps(review(index)))
        merged = reviewed_in_parts(index, parts)
    finally:
        index.close()
    found = by_id(single)
    assert values(found["leak:name:(0020,4000)"]) == ["compare with nowak's scan"]  # the nested token worked
    assert found["leak:name:(0020,4000)"]["files"] == 2 and found["consistency:patients"]
    assert [f["id"] for f in merged["findings"]] == [f["id"] for f in single["findings"]]
    for mine, theirs in zip(merged["findings"], single["findings"]):
        assert mine == theirs, mine["id"]
    assert merged == single


def test_only_the_parts_after_one_that_found_a_nested_name_are_reviewed_again():
    seed = [["KOWALSKI", "name"]]
    assert reruns(seed, [[], [], []]) == []
    assert reruns(seed, [[["NOWAK", "name"]], [], [["ADAM", "name"]]]) == [
        [1, [["KOWALSKI", "name"], ["NOWAK", "name"]]], [2, [["KOWALSKI", "name"], ["NOWAK", "name"]]]]


def test_the_worker_api_reviews_in_parts_like_in_one_pass(tmp_path):
    (tmp_path / "x.zip").write_bytes(zip_bytes(planted_zip()))
    call = lambda name, *args: json.loads(worker_api.call(name, json.dumps(args)))  # noqa: E731
    try:
        call("add_paths", [str(tmp_path / "x.zip")])
        while not call("index_step", 1.0)["finished"]:
            pass
        single = call("privacy_review")
        split = call("review_plan", 2)
        assert len(split["parts"]) == 2 and split["files"] == single["files_reviewed"]
        states = [call("review_part", part, split["tokens"]) for part in split["parts"]]
        for number, tokens in call("review_reruns", split["tokens"], [s["found"] for s in states]):
            states[number] = call("review_part", split["parts"][number], tokens)
        assert call("privacy_review", states) == single
        assert json.loads(call("review_report", "json")["text"]) == single
    finally:
        call("reset")


def test_a_zip_without_dicom_is_planned_as_no_parts(tmp_path):
    (tmp_path / "x.zip").write_bytes(zip_bytes({"a.txt": b"hello"}))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        assert plan(index, 4)["parts"] == []
        assert merge(index, []) == review(index)
    finally:
        index.close()


# -- real data -------------------------------------------------------------------------------

def reviewed_paths(*paths) -> dict:
    index = Index()
    try:
        index.add([str(p) for p in paths])
        index.run()
        return review(index)
    finally:
        index.close()


def test_real_ultrasound_with_burned_in_identity_is_flagged(corpus):
    found = by_id(reviewed_paths(corpus / "deid_data" / "ultrasounds"))
    burned = [f for f in found.values() if f["id"].startswith("pixels:burned-in:")]
    missing = [f for f in found.values() if f["id"].startswith("pixels:burned-in-missing:")]
    assert burned and missing  # GREYSCALE_IMAGE says YES; RGB_IMAGE has no flag
    assert all(f["thumbnail"] for f in burned + missing)
    assert {"ZZZ TEST PATIENTFIVE^NEW^P^", "ZZZDOWNTIME^MARY^^"} <= set(values(found["element:(0010,0010)"]))


def test_real_deidentified_mr_still_carrying_private_elements_is_called_out(corpus):
    result = reviewed_paths(corpus / "dcm_qa_deident")
    found = by_id(result)
    claim = found["claim:private"]
    assert claim["severity"] == "high" and claim["files"] == 196
    assert claim["title"].startswith("Claims Retain Safe Private")
    assert found["claim:identity-removed"]["title"].startswith("Says de-identified")
    summary = found["private:summary"]
    total = int(summary["title"].split()[0])
    assert 140 * 196 <= total <= 160 * 196


@pytest.mark.parametrize("name, title", [
    ("review-deep-defined-sequences.dcm", "Sequences nested deeper than 32 levels, not reviewed below that"),
    ("review-unknown-vr.dcm", "Elements that could not be read, not reviewed"),
    ("review-wrong-length-for-vr.dcm", "Elements that could not be read, not reviewed"),
    ("review-undelimited-inside-defined.dcm", "Elements that could not be read, not reviewed"),
])
def test_malformed_files_are_reviewed_as_far_as_they_can_be_read(name, title):
    result = reviewed_paths(Path(__file__).parent / "regressions" / name)
    found = {f["title"]: f for f in result["findings"]}
    assert result["files_reviewed"] == 1 and found[title]["severity"] == "high"
