"""Claims against facts (dicompeek.privacy.rules.claims)."""

from __future__ import annotations

from pydicom.dataset import Dataset

from privacy.planted import NAME, by_id, has, identified, reviewed, reviewed_paths, values
from registry import deidentified


def test_a_properly_deidentified_series_has_no_high_severity_finding(tmp_path):
    result = reviewed(tmp_path, {f"S/{i}.dcm": ds for i, ds in enumerate(deidentified())})
    assert result["counts"]["high"] == 0, [f["title"] for f in result["findings"] if f["severity"] == "high"]
    found = by_id(result)
    assert found["claim:identity-removed"]["title"].startswith("Says de-identified")
    assert values(found["claim:codes"]) == ["113100 Basic Application Level Confidentiality Profile"]
    assert found["uid-random:yes"]["severity"] == "info"
    assert found["dates-summary"]["title"] == "No dates present"
    assert result["files_reviewed"] == 3 and result["schema_version"] == 2


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


def test_an_option_that_keeps_an_element_is_not_a_broken_claim(tmp_path):
    """Retain Patient Characteristics keeps Patient's Sex (basic profile: Z, not X) and Retain
    Institution Identity keeps Institution Name (X): claimed, neither is flagged as still present."""
    ds = identified(PatientIdentityRemoved="YES", InstitutionName="St Elsewhere", PatientAddress="1 Main St")
    code = Dataset()
    code.CodeValue = "113112"
    ds.DeidentificationMethodCodeSequence = [code]
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert "claim:removed:(0008,0080)" not in found and (has(found, "element:(0008,0080)"))
    assert values(found["claim:removed:(0010,1040)"]) == ["1 Main St"]
    assert "Retain Institution Identity Option" in found["claim:removed:(0010,1040)"]["reason"]


def test_a_zip_that_mixes_claims_and_one_that_makes_none_are_worded_as_such(tmp_path):
    mixed = by_id(reviewed(tmp_path, {"a.dcm": identified(PatientIdentityRemoved="YES"), "b.dcm": identified()}))
    assert mixed["claim:identity-removed"]["severity"] == "medium"
    assert mixed["claim:identity-removed"]["title"] == "Only some files say they are de-identified"
    none = by_id(reviewed(tmp_path, {"a.dcm": identified()}, "y.zip"))
    assert none["claim:identity-removed"]["severity"] == "low"
    assert values(none["claim:identity-removed"]) == ["(absent)"]


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
