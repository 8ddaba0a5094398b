"""The walk (dicompeek.privacy.reviewer): every element at every depth reaches the rules, once,
under its file's own claims; what cannot be read is said."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.privacy.elements import DicomFile, Element
from dicompeek.privacy.findings import File
from dicompeek.privacy.protocol import Context, RuleBase, Unread
from dicompeek.privacy.reviewer import REVIEW_FIELDS, Reviewer
from dicompeek.privacy.rules import RULES
from dicompeek.privacy.rules.not_reviewed import NotReviewed
from dicompeek.privacy.rules.profile_elements import ProfileElements
from privacy.planted import REGRESSIONS, by_id, has, identified, one, reviewed, reviewed_paths, values
from registry import pydicom_file, zip_bytes


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
    deep = one(found, "element:(0008,1110)>(0040,0275)>(0010,1002)>(0010,0010)")
    assert values(deep) == ["Nowak^Adam"]
    assert deep["element"]["path"] == ("(0008,1110) > item 1 > (0040,0275) > item 2 > (0010,1002) > item 1 > "
                                       "(0010,0010)")


def test_a_dicomdir_is_reviewed_record_by_record(tmp_path):
    found = by_id(reviewed(tmp_path, {"DICOMDIR": pydicom_file("DICOMDIR").read_bytes()}))
    names = found["dicomdir:name"]  # its records name patients no file in the pick has
    assert sorted(values(names)) == ["Doe^Archibald", "Doe^Peter"] and names["severity"] == "high"
    assert names["element"]["path"].startswith("(0004,1220) > item ")
    assert not [key for key in found if key.startswith(("element:", "claim:"))]  # records copy the files


def test_repeated_values_are_judged_under_each_files_own_claims(tmp_path):
    claims = identified(PatientAddress="1 Main St", PatientIdentityRemoved="YES",
                        LongitudinalTemporalInformationModified="REMOVED")
    files = {"0.dcm": identified(PatientAddress="1 Main St"), "1.dcm": claims,
             "2.dcm": identified(PatientAddress="1 Main St")}
    found = by_id(reviewed(tmp_path, files))
    address = one(found, "element:(0010,1040)")
    assert address["files"] == 3 and address["values"][0]["count"] == 3
    assert found["claim:removed:(0010,1040)"]["files"] == 1
    assert found["claim:dates-removed"]["files"] == 1 and one(found, "dates:(0008,0020)")["files"] == 3


def test_standard_text_elements_written_as_un_are_read_as_their_own_vr(tmp_path):
    ds = identified()
    ds.add_new(0x00080080, "UN", b"St Elsewhere")
    ds.add_new(0x00200052, "UN", b"1.3.12.2.1107.5.2.32.35162.1")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert values(one(found, "element:(0008,0080)")) == ["St Elsewhere"]
    assert "1.3.12.2.1107.5.2.32.35162.1" in values(one(found, "uid-root:1.3.12.2.1107.5"))


@pytest.mark.parametrize("name, title", [
    ("review-deep-defined-sequences.dcm", "Sequences nested deeper than 32 levels, not reviewed below that"),
    ("review-unknown-vr.dcm", "Elements that could not be read, not reviewed"),
    ("review-wrong-length-for-vr.dcm", "Elements that could not be read, not reviewed"),
    ("review-undelimited-inside-defined.dcm", "Elements that could not be read, not reviewed"),
])
def test_malformed_files_are_reviewed_as_far_as_they_can_be_read(name, title):
    result = reviewed_paths(REGRESSIONS / name)
    found = {f["title"]: f for f in result["findings"]}
    assert result["files_reviewed"] == 1 and found[title]["severity"] == "high"


# -- what the rules are shown -----------------------------------------------------------------

class Spy(RuleBase):
    """Records every call the walk makes, as (call, what)."""

    name = "spy"
    looks_at = frozenset({"element", "sequence", "private", ""})

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.calls: list[tuple[str, str]] = []

    def start_file(self, dicom: DicomFile) -> None:
        self.calls.append(("start", dicom.file.location))

    def visit_element(self, element: Element, f: File) -> None:
        self.calls.append(("element", element.location))

    def visit_unread(self, f: File, where: str, why: Unread) -> None:
        self.calls.append((why, where))

    def end_file(self, dicom: DicomFile) -> None:
        self.calls.append(("end", dicom.file.location))


def spied(ds: Dataset, **fields) -> list[tuple[str, str]]:
    reviewer = Reviewer(rules=[Spy])
    reviewer.add(DicomRecord(0, "x.dcm", None, "", 0, "", fields, None), ds)
    spy = reviewer.rules[0]
    assert isinstance(spy, Spy)
    return spy.calls


def spied_paths(*paths) -> list[tuple[str, str]]:
    index = Index()
    try:
        index.add([str(p) for p in paths])
        index.run()
        reviewer = Reviewer(rules=[Spy])
        reviewer.review_files(index, index.dicom)
        spy = reviewer.rules[0]
        assert isinstance(spy, Spy)
        return spy.calls
    finally:
        index.close()


def test_the_walk_shows_each_element_with_a_value_once_in_order_to_the_rules_that_look_at_it():
    ds = Dataset()
    ds.StudyDate = "20240101"       # dates: the spy does not look at them
    ds.Manufacturer = "ACME"        # search only ("")
    ds.PatientName = "Ab^Cd"        # element
    ds.PatientAge = ""              # empty: not shown
    item = Dataset()
    item.PatientID = "ID1"
    ds.OtherPatientIDsSequence = [item]
    block = ds.private_block(0x0011, "ACME", create=True)
    block.add_new(0x01, "LO", "x")
    calls = spied(ds)
    assert calls == [("start", "x.dcm"), ("element", "(0008,0070)"), ("element", "(0010,0010)"),
                     ("element", "(0010,1002)"), ("element", "(0010,1002) > item 1 > (0010,0020)"),
                     ("element", "(0011,1001)"), ("end", "x.dcm")]


def test_what_cannot_be_walked_is_shown_as_unread():
    assert spied(Dataset()) == [("start", "x.dcm"), ("end", "x.dcm")]
    deep = [c for c in spied_paths(REGRESSIONS / "review-deep-defined-sequences.dcm") if c[0] == "too-deep"]
    assert len(deep) == 1 and deep[0][1].count(" > item ") == 32
    broken = [c for c in spied_paths(REGRESSIONS / "review-undelimited-inside-defined.dcm") if c[0] == "unreadable"]
    assert broken == [("unreadable", "(0008,1140): OSError: No tag to read at file position 28")]


def test_a_value_a_rule_cannot_convert_is_reported_unreadable_and_the_walk_goes_on():
    class Raising(RuleBase):
        name = "raising"
        looks_at = frozenset({"element"})

        def visit_element(self, element: Element, f: File) -> None:
            if element.tag == 0x00100010:
                raise ValueError("cannot convert")

    ds = Dataset()
    ds.PatientName = "Ab^Cd"
    ds.PatientID = "ID1"
    reviewer = Reviewer(rules=[Raising, NotReviewed, ProfileElements])
    reviewer.add(DicomRecord(0, "x.dcm", None, "", 0, "", {}, None), ds)
    found = by_id(reviewer.finish())
    assert values(found["unreadable-element"]) == ["(0010,0010): ValueError: cannot convert"]
    assert (not has(found, "element:(0010,0010)")) and (has(found, "element:(0010,0020)"))  # later rules: not this one


def test_a_repeated_top_level_value_is_replayed_not_visited_again(tmp_path):
    """The effects of a repeated ASCII value are recorded once per replay key and replayed: the spy
    (which records nothing) sees the value in the first file only, the real rules count every file."""
    class Counting(Spy):
        looks_at = frozenset({"free-text"})

    (tmp_path / "x.zip").write_bytes(zip_bytes({f"{i}.dcm": identified(StudyDescription="CT head") for i in range(3)}))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        reviewer = Reviewer(rules=[*RULES, Counting])
        reviewer.seed(index.dicom)
        reviewer.review_files(index, index.dicom)
        spy = reviewer.rules[-1]
        assert isinstance(spy, Counting)
        assert [c for c in spy.calls if c[0] == "element"] == [("element", "(0008,1030)")]
        assert one(by_id(reviewer.finish()), "free-text:(0008,1030)")["files"] == 3
    finally:
        index.close()


def test_a_part_is_sent_every_field_a_rule_and_the_burned_in_pass_read():
    assert {name for rule in RULES for name in rule.fields} <= set(REVIEW_FIELDS)
    assert {"BurnedInAnnotation", "NumberOfFrames", "InstitutionName",
            "PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "StudyInstanceUID",
            "SeriesInstanceUID", "SeriesDescription", "Modality", "SOPClassUID", "SOPInstanceUID",
            "Rows", "StudyDate", "StudyDescription", "PatientIdentityRemoved"} == set(REVIEW_FIELDS)


def test_repeated_private_values_are_replayed_and_still_counted_in_every_file(tmp_path):
    files = {}
    for i in range(3):
        ds = identified(PatientIdentityRemoved="YES")
        block = ds.private_block(0x0099, "ACME 1.0", create=True)
        block.add_new(0x01, "LO", "same in every file")
        block.add_new(0x02, "OB", bytes(300))
        files[f"{i}.dcm"] = ds
    found = by_id(reviewed(tmp_path, files))
    counted = found["private:0099:ACME 1.0"]
    assert counted["files"] == 3 and counted["title"].endswith(": 6 elements")
    assert found["private-blob:0099:ACME 1.0"]["title"].endswith(", 900 bytes")
    assert values(found["claim:private"]) == ["2 private elements"] and found["claim:private"]["files"] == 3
