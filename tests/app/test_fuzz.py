"""A short, deterministic fuzz run of the whole Python path and the command line, the regression
inputs, and the long run's script in its smoke mode.

The long run is ``python3 bench/fuzz.py --inputs 100000 --jobs 2``; see ``tests/fuzz.py`` for
what an input is and what counts as a failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fuzz

REGRESSIONS = Path(__file__).resolve().parents[1] / "regressions"
KNOWN = json.loads((REGRESSIONS / "known.json").read_text())
#: Inputs of the CI run: about 20 s with one worker on the development machine.
CI_INPUTS = 400
#: The CI run takes every CLI_EVERY-th of them through the command line as well (the command
#: line stage costs about as much as everything else; the long run takes every input through it,
#: and the regression files go through it on every run).
CLI_EVERY = 8


def describe(failures: list[dict]) -> str:
    return "\n".join(f"{f['kind']} in {f['where']} ({f.get('input')}): {f['detail'][-1500:]}" for f in failures)


def signature(failure: dict) -> tuple[str, str, str]:
    """What tells one bug from another across inputs: kind, where, and the exception (type and the
    start of its message, numbers and quoted names left out) or the JSON token."""
    detail = failure["detail"]
    found = re.search(r"internal error: (.*)", detail) or re.search(r"(NaN|-?Infinity) in the", detail)
    text = found.group(1) if found else detail.strip().splitlines()[-1]
    text = re.sub(r"'[^']*'|0x[0-9a-fA-F]+|\d+", "…", text)[:60]
    return failure["kind"], failure["where"], text


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    # the bundled and synthetic seeds only: the same inputs whether or not the corpus is present
    return fuzz.make_seed_dir(tmp_path_factory.mktemp("fuzz-seeds"), corpus=False)


@pytest.fixture(scope="module")
def regression_failures(seed_dir) -> dict[str, list[dict]]:
    """Every regression input run once (in worker processes, with the time and memory limits)."""
    paths = sorted(p for p in REGRESSIONS.iterdir() if p.suffix in (".dcm", ".zip"))
    report = fuzz.run(0, paths=[(str(p), None) for p in paths], jobs=2, time_limit=30, seed_dir=seed_dir)
    assert report.inputs == len(paths)
    found: dict[str, list[dict]] = {p.name: [] for p in paths}
    for failure in report.failures:
        found[Path(failure["input"]["path"]).name].append(failure)
    return found


def open_failures(failures: list[dict], known: dict[str, dict[str, str]]) -> list[dict]:
    """The failures of a regression file that known.json lists as still open (owned elsewhere)."""
    return [f for f in failures if f["where"] in known and f["kind"] not in ("hang", "crash", "memory")]


def test_short_fuzz_run_finds_nothing(seed_dir, tmp_path, regression_failures):
    """400 inputs, every 8th through the command line too. A failure with the signature of a
    regression file's open one (known.json) is that bug again: the test is an expected failure
    until it is fixed, naming it; anything else fails."""
    report = fuzz.run(CI_INPUTS, seed=20261122, jobs=1, time_limit=20, seed_dir=seed_dir, crash_dir=tmp_path,
                      cli_every=CLI_EVERY)
    assert report.inputs == CI_INPUTS
    known = {signature(f): KNOWN[name][f["where"]] for name, failures in regression_failures.items()
             for f in open_failures(failures, KNOWN.get(name, {}))}
    others = [f for f in report.failures if signature(f) not in known]
    assert not others, describe(others)
    if report.failures:
        pytest.xfail(f"{len(report.failures)} failure(s) of bugs still open: "
                     + "; ".join(sorted({known[signature(f)] for f in report.failures})))


def test_inputs_are_reproducible(seed_dir):
    seeds = fuzz.load_seeds(seed_dir)
    first, again = fuzz.make_input(7, 123, seeds), fuzz.make_input(7, 123, seeds)
    assert first.files == again.files and first.zip_bytes() == again.zip_bytes()
    assert fuzz.make_input(7, 124, seeds).files != first.files


def test_hangs_and_crashes_are_caught(seed_dir, tmp_path):
    """The harness itself: a worker that never answers, or dies, is reported and replaced."""
    hang = tmp_path / "hang"
    hang.mkdir()
    paths = [(str(hang), "__sleep__"), (str(hang), "__exit__"), (str(REGRESSIONS / "viewer-window-nan.dcm"), None)]
    report = fuzz.run(0, paths=paths, jobs=1, time_limit=3, seed_dir=seed_dir, cli_every=0)
    kinds = [f["kind"] for f in report.failures if f["where"] not in KNOWN.get("viewer-window-nan.dcm", {})]
    assert kinds == ["hang", "crash"] and report.inputs == 3


def test_command_line_failures_are_caught(monkeypatch):
    """The harness's command line checks: an exception out of main(), a traceback or an internal
    error on stderr, an exit status the subcommand does not give, a failure not named in one line."""
    import dicompeek.app.cli

    def fake(outcome):
        def main(argv):
            if isinstance(outcome, BaseException):
                raise outcome
            code, err = outcome
            sys.stderr.write(err)
            return code
        return main

    cases = [
        (ValueError("invalid literal for int()"), ["render", "x.dcm", "-o", "x.png"], "traceback"),
        (SystemExit(3), ["dump", "x.dcm"], "traceback"),
        ((2, "Traceback (most recent call last):\n  ...\nTooDeep\n"), ["dump", "x.dcm"], "traceback"),
        ((2, "x.dcm: internal error: TypeError: oops\n"), ["dump", "x.dcm"], "internal"),
        ((2, "x.dcm: cannot read this file: RecursionError\n"), ["dump", "x.dcm"], "resource"),
        ((1, "x.dcm: cannot decode frame 1 (RLE Lossless): ...\n"), ["render", "x.dcm", "-o", "x.png"], "exit"),
        ((2, ""), ["summary", "pick"], "exit"),
        ((2, "cannot read this file\n"), ["dump", "x.dcm"], "exit"),
        ((2, "x.dcm: a warning\nx.dcm: cannot read this file: ...\n"), ["dump", "x.dcm"], "exit"),
        ((2, "pick.zip::DIR/y.dcm: cannot read this file: ...\n"), ["dump", "x.dcm"], "exit"),
    ]
    for outcome, argv, kind in cases:
        monkeypatch.setattr(dicompeek.app.cli, "main", fake(outcome))
        failures: list[dict] = []
        fuzz.run_cli(argv, failures, named="x.dcm")
        assert [f["kind"] for f in failures] == [kind], (outcome, failures)
    for code, err, argv in [(0, "", ["summary", "pick"]), (1, "", ["review", "pick"]),
                            (2, "pick.zip::DIR/x.dcm: cannot decode frame 2 (JPEG Baseline): ...\n",
                             ["render", "pick.zip::DIR/x.dcm", "--frame", "2", "-o", "x.png"])]:
        monkeypatch.setattr(dicompeek.app.cli, "main", fake((code, err)))
        failures = []
        assert fuzz.run_cli(argv, failures, named="x.dcm")[0] == code and not failures


@pytest.mark.parametrize("name", sorted(p.name for p in REGRESSIONS.iterdir() if p.suffix in (".dcm", ".zip")))
def test_regression_input(name, regression_failures):
    known = KNOWN.get(name, {})
    failures = regression_failures[name]
    open_ones = open_failures(failures, known)
    others = [f for f in failures if f not in open_ones]
    assert not others, describe(others)
    if open_ones:
        pytest.xfail("; ".join(dict.fromkeys(known[f["where"]] for f in open_ones)))


def test_known_failures_are_still_open(regression_failures):
    """known.json lists only what still fails: a fixed one must leave it (and the CI run's excuse)."""
    fixed = [(name, where) for name, wheres in KNOWN.items() for where in wheres
             if not any(f["where"] == where for f in regression_failures.get(name, []))]
    assert not fixed, f"fixed, take out of tests/regressions/known.json: {fixed}"


def test_long_run_script_smoke_mode(seed_dir, tmp_path):
    """bench/fuzz.py --smoke: a handful of inputs through the whole script, so that it cannot rot."""
    result = subprocess.run([sys.executable, str(fuzz.ROOT / "bench" / "fuzz.py"), "--smoke", "--json",
                             "--seeds", str(seed_dir), "--crashes", str(tmp_path / "crashes")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    totals = json.loads(result.stdout.strip().splitlines()[-1])
    assert totals["inputs"] == totals["cli_inputs"] > 0 and totals["seed_files"] > 10
    assert f"done: {totals['inputs']:,} inputs" in result.stdout
    assert result.returncode == (1 if totals["failures"] else 0)
