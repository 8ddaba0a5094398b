"""The registry (dicompeek.privacy.rules): every rule is listed once, and for every rule a review
split into parts merges into exactly the single-pass result (its state and its findings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dicompeek.index.indexer import Index
from dicompeek.privacy.elements import ELEMENT_KINDS
from dicompeek.privacy.protocol import RuleBase
from dicompeek.privacy.reviewer import Reviewer, single_pass
from dicompeek.privacy.rules import RULES
from privacy.planted import every_rule_zip, merged_in_parts, states_in_parts, through_json
from registry import zip_bytes

NAMES = [rule.name for rule in RULES]
#: 1, 2 and 3 parts, and one part per DICOM file ("N").
PARTS: list[int | str] = [1, 2, 3, "N"]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Iterator[Index]:
    path = tmp_path_factory.mktemp("every-rule") / "x.zip"
    path.write_bytes(zip_bytes(every_rule_zip()))
    index = Index()
    try:
        index.add([str(path)])
        index.run()
        yield index
    finally:
        index.close()


def outcome(reviewer: Reviewer) -> dict[str, Any]:
    """The reviewer's state (through JSON) and each rule's state and findings, by rule name."""
    rules: dict[str, Any] = {rule.name: {"state": through_json(rule.state())} for rule in reviewer.rules}
    state = through_json(reviewer.state())
    for rule in reviewer.rules:
        rules[rule.name]["findings"] = through_json([f.as_dict({}) for f in rule.finish()])
    return {"state": state, "rules": rules}


@pytest.fixture(scope="module")
def single(index: Index) -> dict[str, Any]:
    return outcome(single_pass(index))


@pytest.fixture(scope="module")
def in_parts(index: Index) -> dict[Any, dict[str, Any]]:
    return {parts: outcome(merged_in_parts(index, len(index.dicom) if isinstance(parts, str) else parts))
            for parts in PARTS}


def test_every_rule_is_listed_once_with_a_name_and_kinds_of_element_the_walk_shows():
    assert len(set(NAMES)) == len(NAMES) == 11 and all(NAMES)
    for rule in RULES:
        assert issubclass(rule, RuleBase) and rule.__module__.startswith("dicompeek.privacy.rules.")
        assert rule.looks_at <= set(ELEMENT_KINDS), rule.name
    modules = {rule.__module__ for rule in RULES}
    assert len(modules) == len(RULES)  # one module per family


@pytest.mark.parametrize("parts", PARTS)
@pytest.mark.parametrize("name", NAMES)
def test_a_review_split_into_parts_merges_into_the_single_pass_result(single, in_parts, name, parts):
    mine, theirs = in_parts[parts]["rules"][name], single["rules"][name]
    assert mine["state"] == theirs["state"]
    assert [f["id"] for f in mine["findings"]] == [f["id"] for f in theirs["findings"]]
    for finding, expected in zip(mine["findings"], theirs["findings"], strict=True):
        assert finding == expected, finding["id"]
    assert theirs["findings"], f"{name}: the planted data gives this rule nothing to find"


@pytest.mark.parametrize("parts", PARTS)
def test_the_walks_own_state_merges_too(single, in_parts, parts):
    assert in_parts[parts]["state"] == single["state"]


def test_the_planted_data_is_split_for_every_rule(index):
    """Not one part doing all the work: with one part per file, every rule has state in several
    parts, so the test above merges something for each."""
    states = states_in_parts(index, len(index.dicom))
    assert len(states) == len(index.dicom) > 10
    empty = through_json(Reviewer().state())
    for name in NAMES:
        parts = [s for s in states if s["rules"][name] != empty["rules"][name]]
        assert len(parts) >= 2, name
