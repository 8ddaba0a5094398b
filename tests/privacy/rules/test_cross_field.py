"""Cross-field leaks (dicompeek.privacy.rules.cross_field)."""

from __future__ import annotations

from pydicom.dataset import Dataset

from privacy.planted import ACCESSION, BIRTH, MRN, by_id, identified, reviewed, values
from registry import small_dataset


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
    assert values(found["leak:own:(0008,103E)"]) == ["follow-up kowalski"]
    assert values(found["leak:own:(0020,4000)"]) == [f"ref {ACCESSION}"]
    assert found["leak:own:(0099,1001)"]["category"] == "cross-field"
    assert "leak:own:(0099,1002)" in found
    assert values(found["leak:own:(0008,1140)>(0070,0081)"]) == ["janina's scan"]
    assert values(found["leak:own:path"]) == ["x.zip::KOWALSKI_J/scan 1.dcm"]


def test_a_leak_is_found_in_a_file_reviewed_before_the_file_it_identifies(tmp_path):
    early = small_dataset(patient_name="Ab^Cd", patient_id="ID1")
    early.ImageComments = f"same patient as {MRN}"
    found = by_id(reviewed(tmp_path, {"a.dcm": early, "b.dcm": identified()}))
    leak = found["leak:other:(0020,4000)"]  # Kowalski's ID in another patient's file
    assert values(leak) == [f"same patient as {MRN}"] and leak["matches"][0]["patient"] == "P2"
    assert leak["title"] == "Another patient's identity in Image Comments (0020,4000)"


def test_a_name_nested_in_a_sequence_is_searched_for_in_the_files_after_it(tmp_path):
    first = identified()
    inner = Dataset()
    inner.PatientName = "Nowak^Adam"
    first.OtherPatientIDsSequence = [inner]
    before = identified(ImageComments="nowak's scan")
    after = identified(ImageComments="nowak's scan")
    found = by_id(reviewed(tmp_path, {"0.dcm": before, "1.dcm": first, "2.dcm": after}))
    assert found["leak:own:(0020,4000)"]["files"] == 1 and found["leak:own:(0020,4000)"]["entries"] == [2]


def test_placeholder_names_and_short_ids_are_not_searched_for(tmp_path):
    ds = small_dataset(patient_name="DEMO^PHANTOM", patient_id="P1")
    ds.ImageComments = "demo phantom P1"
    found = by_id(reviewed(tmp_path, {"DEMO/1.dcm": ds}))
    assert not [key for key in found if key.startswith("leak:")]
