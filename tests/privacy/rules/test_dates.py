"""Dates (dicompeek.privacy.rules.dates)."""

from __future__ import annotations

from privacy.planted import by_id, has, identified, one, reviewed, values


def test_dates_are_listed_by_element_and_their_range_summarised(tmp_path):
    files = {"a.dcm": identified(StudyDate="20240102", AcquisitionDateTime="20240105101500"),
             "b.dcm": identified(StudyDate="20231231", StudyTime="101500")}
    found = by_id(reviewed(tmp_path, files))
    summary = found["dates-summary"]
    assert (summary["severity"], summary["title"]) == ("info", "Dates over 2 year(s)")
    assert values(summary) == ["2023-12-31 to 2024-01-05"]  # a value: masked with the others
    assert sorted(values(one(found, "dates:(0008,0020)"))) == ["20231231", "20240102"]
    assert one(found, "dates:(0008,0020)")["severity"] == "medium"  # E.1-1 empties it, no option claimed
    assert one(found, "dates:(0008,0030)")["severity"] == "low"  # a time
    assert not has(found, "dates:(0010,0030)")  # the birth date is an identifying element


def test_dates_all_in_one_implausible_year_look_shifted(tmp_path):
    found = by_id(reviewed(tmp_path, {"a.dcm": identified(StudyDate="18990101")}))
    assert found["dates-summary"]["severity"] == "info"  # a fact; the dates themselves are findings
    assert found["dates-summary"]["title"].endswith("they look shifted")
