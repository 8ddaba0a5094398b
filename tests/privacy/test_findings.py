"""The review's vocabulary (dicompeek.privacy.findings): one finding's caps, its state and merge,
the recorder the walk replays from, and the severities listed once."""

from __future__ import annotations

import re
from pathlib import Path

from dicompeek.privacy import findings
from dicompeek.privacy.findings import (
    CLEAR_VERDICT,
    MAX_ENTRIES,
    MAX_LOCATIONS,
    VALUE_CAP,
    File,
    Finding,
    Findings,
    Recorder,
    files_from_state,
    files_state,
    finding_id,
    tally,
    verdict,
)
from privacy.planted import through_json

PACKAGE = Path(findings.__file__).parent


def hits(finding: Finding, files: list[File], value: str = "v") -> None:
    for f in files:
        finding.hit(f, f"{value}{f.entry}")


def test_a_finding_counts_every_file_once_and_keeps_the_first_of_each():
    finding = Finding("x", "high", "element", "t", "r")
    files = [File(n, f"x.zip::{n}.dcm", ("1.2", f"1.2.{n % 3}")) for n in range(30)]
    for f in files:
        finding.hit(f, "same")
        finding.hit(f, "same")
    assert finding.files == 30 and finding.values == {"same": 60}
    assert finding.entries == list(range(MAX_ENTRIES)) and len(finding.locations) == MAX_LOCATIONS
    assert list(finding.series) == [("1.2", "1.2.0"), ("1.2", "1.2.1"), ("1.2", "1.2.2")]


def test_a_finding_merged_from_parts_equals_the_one_made_in_one_pass():
    files = [File(n, f"{n}.dcm", ("s", f"r{n}")) for n in range(40)]
    one = Finding("x", "medium", "private", "t", "r")
    hits(one, files)
    one.extra = {"elements": 40, "path": "(0029,1010)"}
    merged = Finding.from_state(through_json(one.state()))
    for start, stop in ((0, 7), (7, 8), (8, 40)):
        part = Finding("x", "medium", "private", "t", "r")
        hits(part, files[start:stop])
        part.extra = {"elements": stop - start, "path": "(0029,1010)" if start == 0 else "(0029,1011)"}
        merged.merge(through_json(part.state()))
    assert merged.state() == one.state()


def test_values_past_the_cap_are_not_counted():
    finding = Finding("x", "low", "uids", "t", "r")
    f = File(0, "0.dcm", None)
    for n in range(VALUE_CAP + 5):
        finding.hit(f, str(n))
    finding.hit(f, "0")
    assert len(finding.values) == VALUE_CAP and finding.values["0"] == 2 and finding.files == 1


def test_ids_write_tags_and_paths_as_the_tag_browser_does():
    assert finding_id(("element", (0x00081110, 0x00100010))) == "element:(0008,1110)>(0010,0010)"
    assert finding_id(("private", 0x0029, "SIEMENS")) == "private:0029:SIEMENS"
    assert finding_id(("uid-random", True)) == "uid-random:yes"
    assert finding_id(("private", 0x0029, "")) == "private:0029"


def test_findings_record_their_hits_for_replay_unless_spoiled():
    recorder = Recorder()
    found = Findings(recorder)
    f, g = File(0, "0.dcm", None), File(1, "1.dcm", None)
    recorder.start()
    found.hit(("a",), f, "x", "low", "uids", "t", "r")
    tape = recorder.stop()
    assert tape is not None and len(tape) == 1
    for effect, value in tape:
        effect(g, value)
    finding = found.get(("a",))
    assert finding is not None and finding.files == 2 and finding.values == {"x": 2}
    recorder.start()
    recorder.spoil()
    found.hit(("a",), f, "y", "low", "uids", "t", "r")
    assert recorder.stop() is None
    recorder.spoil()  # not recording: nothing to spoil
    recorder.start()
    assert recorder.stop() == []


def test_findings_state_round_trips_keys_with_paths_and_flags():
    found = Findings()
    f = File(3, "3.dcm", ("s", "r"))
    for key in (("claim", "removed", (0x00081110, 0x00100010)), ("uid-random", False), ("private", 0x29, "X")):
        found.hit(key, f, "v", "low", "uids", "t", "r")
    again = Findings()
    again.merge(through_json(found.state()))
    assert [key for key, _ in again] == [key for key, _ in found] and again.state() == found.state()


def test_files_are_written_once_with_their_series_keys_shared():
    files = [File(1, "a", ("s", "r"), "P1"), File(None, "b", None), File(2, "c", ("s", "r"), "P2")]
    state = files_state(files)
    assert state == {"keys": [["s", "r"]], "files": [[1, "a", 0, "P1"], [None, "b", -1, None], [2, "c", 0, "P2"]]}
    assert [(f.entry, f.location, f.series, f.patient) for f in files_from_state(through_json(state))] == [
        (1, "a", ("s", "r"), "P1"), (None, "b", None, None), (2, "c", ("s", "r"), "P2")]


def test_the_verdict_names_flagged_severities_only():
    made = [Finding(str(n), s, "uids", "t", "r") for n, s in enumerate(["high", "low", "info", "high"])]
    counts = tally(made)
    assert counts == {"high": 2, "medium": 0, "low": 1, "info": 1} and list(counts) == ["high", "medium", "low", "info"]
    assert verdict(counts) == "2 high, 1 low"
    assert verdict(tally([Finding("x", "info", "dates", "t", "r")])) == CLEAR_VERDICT


def test_the_severities_are_listed_in_one_place():
    """Nowhere else in the package spells out the list of severities (the issue found three)."""
    listing = re.compile(r"""["']high["']\s*,\s*["']medium["']""")
    where = [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.py")) if listing.search(p.read_text())]
    assert where == ["findings.py"]
