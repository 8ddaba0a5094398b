"""Free text (dicompeek.privacy.rules.free_text)."""

from __future__ import annotations

from pydicom.dataset import Dataset

from privacy.planted import by_id, identified, one, reviewed, values


def test_free_text_descriptors_are_listed(tmp_path):
    ds = identified(StudyDescription="CT head", ProtocolName="Dr Who's protocol", ImageComments="see chart")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    for tag, text in (("(0008,1030)", "CT head"), ("(0020,4000)", "see chart")):
        finding = one(found, f"free-text:{tag}")
        assert finding["category"] == "free-text" and values(finding) == [text] and finding["severity"] == "medium"
    named = found["leak:own:(0018,1030)"]  # a person named in free text: high, with the matching text
    assert named["severity"] == "high" and [m["kind"] for m in named["matches"]] == ["name-cue"]
    assert "Dr Who" in named["matches"][0]["text"] and "Who" not in named["title"] + named["reason"]


def test_structured_reports_and_their_text_values_are_free_text(tmp_path):
    sr = identified(Modality="SR", SOPClassUID="1.2.840.10008.5.1.4.1.1.88.22")
    item = Dataset()
    item.TextValue = "Seen by Dr Who"
    sr.ContentSequence = [item]
    found = by_id(reviewed(tmp_path, {"sr.dcm": sr}))
    assert (found["sr"]["severity"], values(found["sr"])) == ("medium", ["SR"])
    text = found["leak:own:(0040,A730)>(0040,A160)"]  # "Dr Who": a person named in the report
    assert values(text) == ["Seen by Dr Who"] and text["severity"] == "high"
    plain = identified(Modality="SR", SOPClassUID="1.2.840.10008.5.1.4.1.1.88.22")
    item = Dataset()
    item.TextValue = "No acute abnormality"
    plain.ContentSequence = [item]
    text = one(by_id(reviewed(tmp_path, {"sr.dcm": plain}, "y.zip")), "free-text:(0040,A730)>(0040,A160)")
    assert text["severity"] == "medium" and text["reason"].startswith("Free text:")


def test_a_content_description_cleaned_as_a_clean_descriptors_claim_says_is_not_flagged(tmp_path):
    from registry import deidentified

    files = {}
    for name, clean in (("plain", False), ("cleaned", True)):
        ds = deidentified(1)[0]
        ds.ContentDescription = "Iowa QIN segmentation result"
        if clean:
            code = Dataset()
            code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "113105", "DCM", "Clean Descriptors Option"
            ds.DeidentificationMethodCodeSequence.append(code)
        files[f"{name}/IM1"] = ds
    for name, expected in (("plain", "medium"), ("cleaned", "info")):
        result = reviewed(tmp_path, {k: v for k, v in files.items() if k.startswith(name)}, f"{name}.zip")
        [finding] = [f for f in result["findings"] if f["id"].startswith("free-text:(0070,0081)")]
        assert finding["severity"] == expected, (name, finding)
