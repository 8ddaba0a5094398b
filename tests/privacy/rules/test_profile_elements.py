"""PS3.15 Table E.1-1 elements (dicompeek.privacy.rules.profile_elements)."""

from __future__ import annotations

from pydicom.dataset import Dataset

from privacy.planted import MRN, NAME, by_id, identified, one, reviewed, values


def test_direct_identifiers_are_grouped_by_element_with_their_values(tmp_path):
    result = reviewed(tmp_path, {f"{i}.dcm": identified(InstitutionName="St Elsewhere") for i in range(3)})
    found = by_id(result)
    name = one(found, "element:(0010,0010)")
    assert (name["severity"], name["category"], name["files"]) == ("high", "element", 3)
    assert values(name) == [NAME] and name["reason"] == "A direct identifier: the patient's name."
    assert [(m["text"], m["kind"], m["patient"]) for m in name["matches"]] == [(NAME, "name", "P1")]
    assert values(one(found, "element:(0010,0020)")) == [MRN]
    assert one(found, "element:(0010,0030)")["severity"] == "high"
    assert values(one(found, "element:(0008,0080)")) == ["St Elsewhere"]
    assert one(found, "element:(0008,0080)")["severity"] == "medium"
    assert len(name["entries"]) == 3 and name["series"][0]["series_uid"]
    assert result["verdict"].startswith(f"{result['counts']['high']} high")


def test_patient_characteristics_are_low_and_listed_sequences_count_their_items(tmp_path):
    ds = identified(PatientSex="F")
    ds.OtherPatientIDsSequence = [Dataset(), Dataset()]
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert one(found, "element:(0010,0040)")["severity"] == "info"  # Retain Patient Characteristics keeps it
    assert values(one(found, "element:(0010,1002)")) == ["2 item(s)"]
    assert one(found, "element:(0010,0010)")["reason"].startswith("A direct identifier:")
