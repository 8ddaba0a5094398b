"""The review in parts, as the browser's workers run it (dicompeek.privacy.merge)."""

from __future__ import annotations

import json

import pytest

from dicompeek.app import worker_api
from dicompeek.index.indexer import Index
from dicompeek.privacy import merge, plan, reruns, review
from dicompeek.privacy.identity import Identity
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
    assert values(found["leak:own:(0020,4000)"]) == ["compare with nowak's scan"]  # the nested name worked
    assert found["leak:own:(0020,4000)"]["files"] == 2 and found["consistency:patients"]
    assert [m["text"] for m in found["leak:own:(0020,4000)"]["matches"]] == ["nowak"]
    assert single["provenance"]["reviewed_at"][:10] == merged["provenance"]["reviewed_at"][:10]
    single["provenance"]["reviewed_at"] = merged["provenance"]["reviewed_at"] = ""
    assert [f["id"] for f in merged["findings"]] == [f["id"] for f in single["findings"]]
    for mine, theirs in zip(merged["findings"], single["findings"], strict=True):
        assert mine == theirs, mine["id"]
    assert merged == single


def test_only_the_parts_after_one_that_found_a_nested_name_are_reviewed_again():
    seed = Identity()
    seed.learn_fields({"PatientName": "Kowalski^Janina", "PatientID": "MRN778812"})
    state = seed.state()
    assert reruns(state, [[], [], []]) == []
    again = reruns(state, [[["P1", "name", "Nowak^Adam"]], [], [["P1", "name", "Adamski"]]])
    assert [number for number, _ in again] == [1, 2]
    for _, identity in again:
        assert [m.text for m in Identity.from_state(identity).search("Nowak Kowalski Adamski")] == ["Nowak", "Kowalski"]


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
        def part(part: dict, identity: dict) -> dict:
            call("review_start", part, identity)
            while not call("review_step", 0.01)["done"]:
                pass
            return call("review_state")

        states = [part(p, split["identity"]) for p in split["parts"]]
        for number, identity in call("review_reruns", split["identity"], [s["found"] for s in states]):
            states[number] = part(split["parts"][number], identity)
        merged = call("privacy_review", states)
        merged["provenance"]["reviewed_at"] = single["provenance"]["reviewed_at"]
        assert merged == single
        reported = json.loads(call("review_report", "json")["text"])
        assert reported["verdict"] == single["verdict"] and reported["findings"] == single["findings"]
    finally:
        call("reset")


def test_a_zip_without_dicom_is_planned_as_no_parts(tmp_path):
    (tmp_path / "x.zip").write_bytes(zip_bytes({"a.txt": b"hello"}))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        assert plan(index, 4)["parts"] == []
        merged, single = merge(index, []), review(index)
        merged["provenance"]["reviewed_at"] = single["provenance"]["reviewed_at"]
        assert merged == single
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
    identity = Identity.from_state(split["identity"])
    assert {m.kind for m in identity.search("KOWALSKI MRN778812")} == {"name", "patient-id"}
    for part in split["parts"]:
        assert part["fields"] == list(REVIEW_FIELDS) and part["values"][0] is None
        assert len(part["values"]) == len(set(map(json.dumps, part["values"])))
