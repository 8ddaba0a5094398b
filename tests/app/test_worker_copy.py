"""The page's copy in parts, as its workers make it (dicompeek.app.worker_copy), without a browser:
each "worker" an index of its own shard of the pick, worker 0 holding every record after the
merge, every part written to a buffer of its own, the central directory joined on worker 0 and the
copy reviewed in parts from the headers the parts wrote. The bytes, the report and the mapping are
the command line's for any number of workers, and the copy's review is the one a review of the
copy as any zip gives (indexed again from its bytes)."""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import pytest

from dicompeek.app.worker_copy import OUTPUT_MODULE, SINK_BUFFER, JsSink, WorkerCopy
from dicompeek.index.indexer import Index
from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.pseudonyms import Pseudonym, PseudonymMap
from dicompeek.privacy.deidentify.run import Settings
from dicompeek.privacy.merge import reruns
from dicompeek.privacy.reviewer import review as review_zip
from privacy.exports import original_export
from registry import zip_bytes

SALT = "page-salt"
OPTIONS = ["retain-longitudinal-modified-dates", "clean-descriptors"]
USUAL = frozenset({"retain_modified_dates", "clean_descriptors"})  # OPTIONS, by their E.1-1 keys
TABLE = "2048713355,SUBJ-2,SUBJ-2\n"  # a given pseudonym, and ANON-n for the rest


def _export(tmp_path: Path) -> Path:
    members = dict(original_export())
    members["README.txt"] = b"not DICOM: dropped, or kept last"
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes(members))
    return path


class Workers:
    """``count`` page workers over ``paths``: each indexes its shard; worker 0 merges the records."""

    def __init__(self, paths: list[str], count: int) -> None:
        self.indexes = [Index() for _ in range(count)]
        self.sinks: list[io.BytesIO] = []
        self.copies = [WorkerCopy(self._sink) for _ in range(count)]
        for shard, index in enumerate(self.indexes):
            index.add(paths, shard, count)
            index.run()
        for index in self.indexes[1:]:
            self.indexes[0].merge_records(index.take_records())

    def _sink(self) -> io.BytesIO:
        self.sinks.append(io.BytesIO())
        return self.sinks[-1]

    def close(self) -> None:
        for copy, index in zip(self.copies, self.indexes, strict=True):
            copy.cancel()
            index.close()


def _wire(value):
    """As the page's messages carry it: JSON both ways."""
    return json.loads(json.dumps(value))


def _page_copy(workers: Workers, keep: bool) -> tuple[bytes, dict, str, int]:
    """The copy as worker-client.js drives it: start and plan on worker 0, part n on worker n, the join."""
    first = workers.copies[0]
    assert first.start(workers.indexes[0], OPTIONS, SALT, TABLE, keep, [], None)["stage"] == "writing"
    plan = _wire(first.page().plan(len(workers.copies)))
    states = []
    for number, part in enumerate(plan["parts"]):
        worker = workers.copies[number]
        progress = worker.part(workers.indexes[number], OPTIONS, SALT, keep, [], plan["shared"], part)
        while not progress["done"]:
            progress = worker.step(0.05)
        states.append(_wire(worker.state()))
    report, central = first.join(states)
    data = b"".join(sink.getvalue() for sink in workers.sinks) + central
    return data, report, first.mapping_file()["text"], len(plan["parts"])


def _page_review(workers: Workers, path: Path) -> dict:
    """The copy's review as #reviewCopy drives it: the copy opened on every worker (indexed on worker
    0, from the parts' headers), planned on worker 0, a part per worker, reruns, the merge."""
    count = len(workers.copies)
    for number, worker in enumerate(workers.copies):
        progress = worker.review_open(str(path), number == 0)
        while not progress["done"]:
            progress = worker.step(0.05)
    plan = _wire(workers.copies[0].review_plan(count))
    states = []
    for number, part in enumerate(plan["parts"]):
        worker = workers.copies[number]
        progress = worker.review_part(part, plan["identity"])
        while not progress["done"]:
            progress = worker.step(0.05)
        states.append(_wire(worker.state()))
    for number, identity in reruns(plan["identity"], [state["found"] for state in states]):
        workers.copies[0].review_part(plan["parts"][number], identity)
        assert workers.copies[0].step(3600.0)["done"]
        states[number] = _wire(workers.copies[0].state())
    return workers.copies[0].review(states)


@pytest.mark.parametrize("keep", [False, True], ids=["others dropped", "others kept"])
@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_pages_parts_make_the_command_lines_copy_byte_for_byte(tmp_path, count, keep):
    source = _export(tmp_path)
    cli = tmp_path / "cli.zip"
    expected = deidentify_inputs([str(source)], cli, Settings(
        USUAL, SALT.encode(), PseudonymMap({"2048713355": Pseudonym("SUBJ-2", "SUBJ-2")}), keep_non_dicom=keep),
        mapping=tmp_path / "cli.csv", parts=1)
    workers = Workers([str(source)], count)
    try:
        data, report, mapping, parts = _page_copy(workers, keep)
        assert parts == count  # every worker wrote a part
        assert len(workers.sinks) == count and all(sink.getvalue() for sink in workers.sinks)
        assert data == cli.read_bytes()
        assert report == {key: expected[key] for key in report}
        assert mapping == (tmp_path / "cli.csv").read_text(encoding="utf-8")
        copy = tmp_path / "page.zip"
        copy.write_bytes(data)
        review = _page_review(workers, copy)
    finally:
        workers.close()
    single = _review_as_any_zip(copy)  # with the copy hashed: not the page's
    assert "provenance" not in review and review == {key: single[key] for key in single if key != "provenance"}
    assert review["counts"] == expected["review"] and review["verdict"] == expected["verdict"]


def _review_as_any_zip(path: Path) -> dict:
    """The single pass's review of the zip at ``path``, every entry indexed from its bytes."""
    index = Index()
    try:
        index.add([str(path)])
        index.run()
        return review_zip(index)
    finally:
        index.close()


def test_a_part_needs_its_plan_and_a_review_its_copy(tmp_path):
    worker = WorkerCopy(io.BytesIO)
    with pytest.raises(RuntimeError, match="deid_start"):
        worker.page()
    with pytest.raises(RuntimeError, match="no part"):
        worker.step(0.1)
    with pytest.raises(RuntimeError, match="deid_review_open"):
        worker.review([])
    with pytest.raises(ValueError, match="no copy"):
        worker.mapping_file()


def test_the_browsers_sink_hands_over_large_pieces_in_order(monkeypatch):
    """JsSink: few calls into JS (each costs about the same whatever its size), every byte once, in
    order, a short write continued; the rest on flush."""
    received: list[bytes] = []

    def write(data) -> int:
        piece = bytes(data)[:700_000]  # the file takes at most this much at a time
        received.append(piece)
        return len(piece)

    monkeypatch.setitem(sys.modules, OUTPUT_MODULE, types.SimpleNamespace(write=write))
    sink = JsSink()
    pieces = [bytes([n % 251]) * size for n, size in enumerate([30, 130_000, 16] * 20 + [3 * SINK_BUFFER, 5])]
    assert all(sink.write(piece) == len(piece) for piece in pieces)
    sink.flush()
    assert b"".join(received) == b"".join(pieces)
    assert len(received) <= 12 and all(received)


def test_a_pick_without_dicom_is_one_part_of_its_other_files(tmp_path):
    source = tmp_path / "notes.zip"
    source.write_bytes(zip_bytes({"a/README.txt": b"not DICOM", "b/data.csv": b"1,2\n"}))
    cli = tmp_path / "cli.zip"
    deidentify_inputs([str(source)], cli, Settings(USUAL, SALT.encode(), keep_non_dicom=True), parts=1)
    workers = Workers([str(source)], 3)
    try:
        data, report, _, parts = _page_copy(workers, keep=True)
    finally:
        workers.close()
    assert parts == 1 and data == cli.read_bytes() and report["files_written"] == 2
