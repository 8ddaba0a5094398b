"""A short, deterministic fuzz run of the whole Python path, and the regression inputs.

The long run is ``python3 bench/fuzz.py --inputs 100000 --jobs 2``; see ``tests/fuzz.py`` for
what an input is and what counts as a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fuzz

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
KNOWN = json.loads((REGRESSIONS / "known.json").read_text())
#: Inputs of the CI run: about 20 s with one worker on the development machine.
CI_INPUTS = 400


def describe(failures: list[dict]) -> str:
    return "\n".join(f"{f['kind']} in {f['where']} ({f.get('input')}): {f['detail'][-1500:]}" for f in failures)


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    # the bundled and synthetic seeds only: the same inputs whether or not the corpus is present
    return fuzz.make_seed_dir(tmp_path_factory.mktemp("fuzz-seeds"), corpus=False)


def test_short_fuzz_run_finds_nothing(seed_dir, tmp_path):
    report = fuzz.run(CI_INPUTS, seed=20261122, jobs=1, time_limit=20, seed_dir=seed_dir, crash_dir=tmp_path)
    assert report.inputs == CI_INPUTS
    assert not report.failures, describe(report.failures)


def test_inputs_are_reproducible(seed_dir):
    seeds = fuzz.load_seeds(seed_dir)
    first, again = fuzz.make_input(7, 123, seeds), fuzz.make_input(7, 123, seeds)
    assert first.files == again.files and first.zip_bytes() == again.zip_bytes()
    assert fuzz.make_input(7, 124, seeds).files != first.files


def test_hangs_and_crashes_are_caught(seed_dir, tmp_path):
    """The harness itself: a worker that never answers, or dies, is reported and replaced."""
    hang = tmp_path / "hang"
    hang.mkdir()
    report = fuzz.run(0, paths=[(str(hang), "__sleep__"), (str(hang), "__exit__"), (str(REGRESSIONS / "viewer-window-nan.dcm"), None)],
                      jobs=1, time_limit=3, seed_dir=seed_dir)
    kinds = [f["kind"] for f in report.failures]
    assert kinds == ["hang", "crash"] and report.inputs == 3


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


@pytest.mark.parametrize("name", sorted(p.name for p in REGRESSIONS.iterdir() if p.suffix in (".dcm", ".zip")))
def test_regression_input(name, regression_failures):
    known = KNOWN.get(name, {})
    failures = regression_failures[name]
    open_ones = [f for f in failures if f["kind"] == "exception" and f["where"] in known]
    others = [f for f in failures if f not in open_ones]
    assert not others, describe(others)
    if open_ones:
        pytest.xfail("; ".join(known[f["where"]] for f in open_ones))
