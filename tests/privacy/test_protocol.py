"""The rule protocol (dicompeek.privacy.protocol): what a new rule gets for free."""

from __future__ import annotations

from dicompeek.index.indexer import DicomRecord, OtherRecord
from dicompeek.privacy.elements import DicomFile, Element
from dicompeek.privacy.findings import File, Finding, Recorder
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.profile import PROFILE
from dicompeek.privacy.protocol import Context, Rule, RuleBase
from dicompeek.privacy.reviewer import Reviewer
from privacy.planted import by_id, identified, through_json


class Descriptions(RuleBase):
    """A rule as small as one gets: every Study Description, one finding per value's file."""

    name = "descriptions"
    looks_at = frozenset({"free-text"})

    def visit_element(self, element: Element, f: File) -> None:
        if element.tag == 0x00081030:
            self.findings.hit(("study-description",), f, element.text, "low", "free-text", "Study descriptions", "")


def test_a_rule_is_one_class_and_its_findings_reach_the_report():
    reviewer = Reviewer(rules=[Descriptions])
    for n in range(3):
        ds = identified(StudyDescription=f"CT {n % 2}")
        reviewer.add(DicomRecord(n, f"{n}.dcm", None, "", 0, "", {}, None), ds)
    found = by_id(reviewer.finish())
    assert list(found) == ["study-description"] and found["study-description"]["files"] == 3
    assert found["study-description"]["values"] == [{"value": "CT 0", "count": 2}, {"value": "CT 1", "count": 1}]


def test_the_base_keeps_the_findings_state_and_merges_it():
    context = Context(PROFILE, Identity(), Recorder())
    one, two = Descriptions(context), Descriptions(context)
    f = File(0, "0.dcm", None)
    one.findings.hit(("x",), f, "a", "low", "free-text", "t", "r")
    two.merge(through_json(one.state()))
    two.merge(through_json(one.state()))
    [finding] = two.finish()
    assert isinstance(finding, Finding) and finding.files == 2 and finding.values == {"a": 2}


def test_the_defaults_look_at_nothing_and_do_nothing():
    rule: Rule = RuleBase(Context(PROFILE, Identity(), Recorder()))
    f = File(None, "x.txt", None)
    rule.visit_other(OtherRecord("x.txt", 1, "non-dicom", "not DICOM (text)"), f)
    rule.start_file(DicomFile(f, identified(), {}))
    rule.end_file(DicomFile(f, identified(), {}))
    rule.visit_unread(f, "(0008,1140)", "too-deep")
    assert rule.looks_at == frozenset() and rule.replay_key() is None and rule.finish() == []
    assert rule.state() == {"findings": []}
