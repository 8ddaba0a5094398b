"""The review in parts, as the browser's workers run it (dicompeek.privacy.merge)."""

from __future__ import annotations

import json

import pytest

from dicompeek.app import worker_api
from dicompeek.index.indexer import Index
from dicompeek.privacy import merge, plan, reruns, review
from dicompeek.privacy.reviewer import REVIEW_FIELDS
from privacy.planted import by_id, planted_zip, reviewed_in_parts, values
from registry import zip_bytes


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
    for mine, theirs in zip(merged["findings"], single["findings"], strict=True):
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
        states = [call("review_part", part, split["identity"]) for part in split["parts"]]
        for number, tokens in call("review_reruns", split["identity"], [s["found"] for s in states]):
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


def test_a_plan_sends_each_distinct_value_once_and_only_the_fields_a_review_reads(tmp_path):
    (tmp_path / "x.zip").write_bytes(zip_bytes(planted_zip()))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        split = plan(index, 3)
    finally:
        index.close()
    assert [len(part["records"]) for part in split["parts"]] == [3, 3, 4] and split["files"] == 10
    assert ["KOWALSKI", "name"] in split["identity"] and ["MRN778812", "patient-id"] in split["identity"]
    for part in split["parts"]:
        assert part["fields"] == list(REVIEW_FIELDS) and part["values"][0] is None
        assert len(part["values"]) == len(set(map(json.dumps, part["values"])))
