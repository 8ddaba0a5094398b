"""The de-identified copy of the inputs and its review, on every core: the command line's
``deidentify`` (:func:`deidentify_inputs`; the page drives :class:`.run.CopyJob` on its workers).

Why: a copy is pure Python per file (parse, apply E.1-1, write, then the copy's own review), a few
times the cost of indexing the same files; indexing reads and parses only headers. Split over the
machine's cores the copy stays within a small multiple of indexing, as the issue asks.

The inputs are indexed on every core too (:func:`indexed`), as the page's workers share a pick.

How the parts give the one-process bytes: every file's pseudonym and neutral name are fixed before
any file is read (:func:`.run.copy_names`), new UIDs and date shifts are functions of the salt, and the
zip writer's entries do not depend on where they start. So part ``k`` (a forked process; part 0 is
this process, writing straight into the output) writes the local entries of its consecutive run of
files to a file of its own; this process appends those files in order and adopts their entries
(:meth:`~dicompeek.io.zipwriter.ZipWriter.adopt`), then writes the one central directory. The copy
is then reviewed in parts exactly as the page's workers review a pick (:mod:`..merge`: the same
plan, reruns and merge, which give the single pass's report); it is not indexed again: each part
hands over the header of every file it wrote (:attr:`.run.CopyJob.headers`, what indexing those
bytes gives), and the review reads each file's bytes from the copy.

Forking needs ``fork`` (Linux, macOS); elsewhere, with one core, or for a small copy, everything runs
in this process. Nothing here runs in the browser, whose workers are the page's to drive.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from dicompeek.dicom.header import Header
from dicompeek.index.indexer import Index
from dicompeek.io.zipwriter import ZipWriter
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.burned_in.reader import read_burned_in
from dicompeek.privacy.deidentify.run import CopyJob, Settings, copy_names, other_entries, text_of
from dicompeek.privacy.merge import merged, plan, reruns, review_part
from dicompeek.privacy.reviewer import Reviewer
from dicompeek.privacy.reviewer import review as reviewer_review

#: Fewer files than this per process are copied in one process (forking costs more than it saves).
MIN_FILES_PER_PART = 100

_shared: dict[str, Any] = {}  # what the forked processes inherit: the input index, settings, counter


def deidentify_inputs(inputs: list[str], output: Path, settings: Settings,
                      progress: Callable[[int, int], None] | None = None,
                      mapping: Path | None = None, parts: int | None = None) -> dict[str, Any]:
    """De-identify ``inputs`` into the zip ``output``; the report (see :mod:`.run`):
    {"output", "files_written", "actions": [{"element", "action", "files"}], "dropped": {why: n},
    "problems": [{"location", "reason"}], "pixels": {how: n}, "review": {severity: n}, "verdict"}.
    ``mapping``: where to write :meth:`.run.CopyJob.mapping` (sensitive: it links the copy back).
    ``parts``: processes to use (default :func:`processes`); the bytes are the same for any number."""
    count = parts if parts is not None else processes(entry_count(inputs))
    index = indexed(inputs, count)
    try:
        if count > 1:
            report, replaced, headers = copy(index, output, settings, count, progress)
        else:
            with output.open("wb") as sink:
                job = CopyJob(index, sink, settings, progress)
                while not job.done:
                    job.step(3600.0)
                report, replaced, headers = job.finish(), job.mapping(), job.headers
        if mapping is not None:
            mapping.write_text(replaced, encoding="utf-8")
        result = review_copy(str(output), headers, settings.ocr, count)
    finally:
        index.close()
    return {"output": str(output), **report, "review": result["counts"], "verdict": result["verdict"]}


def review_copy(path: str, headers: dict[int, Header], ocr: OcrEngine | None = None,
                parts: int = 1) -> dict[str, Any]:
    """The privacy review of the finished copy at ``path``, as the review does any zip, with the
    ``headers`` its writer gave (:attr:`.run.CopyJob.headers`: those files are not indexed again;
    in ``parts`` processes: the same report, its inputs not hashed)."""
    index = Index()
    try:
        index.add_written(path, headers)
        index.run()
        return review(index, parts, ocr) if parts > 1 else reviewer_review(index, ocr=ocr)
    finally:
        index.close()


def entry_count(inputs: list[str]) -> int:
    """How many entries ``inputs`` hold (listed, none read): what decides the number of processes."""
    listing = Index()
    try:
        listing.catalogue(inputs)
        return len(listing.sources.entries)
    finally:
        listing.close()


def indexed(inputs: list[str], parts: int) -> Index:
    """The index of ``inputs``, read in ``parts`` processes as the page's workers share a pick
    (consecutive runs of entries, :meth:`~dicompeek.index.indexer.Index.add`), the records merged
    in order: the same records as one process gives."""
    index = Index()
    index.add(inputs, shard=0, shards=parts)
    if parts == 1:
        index.run()
        return index
    with multiprocessing.get_context("fork").Pool(parts - 1) as pool:
        waiting = pool.map_async(_index_shard, [(inputs, shard, parts) for shard in range(1, parts)])
        index.run()
        for records in waiting.get():
            index.merge_records(records)
    return index


def processes(files: int) -> int:
    """How many processes copy ``files`` files: one per core (at most 8), fewer for a small copy."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, 8, files // MIN_FILES_PER_PART))


def copy(index: Index, output: Path, settings: Settings, parts: int,
         progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, Any], str, dict[int, Header]]:
    """Write the copy of everything in ``index`` to ``output`` in ``parts`` processes; the report
    (:meth:`.run.CopyJob.finish`), the mapping (:meth:`.run.CopyJob.mapping`) and the written
    files' headers by their position in the copy (:attr:`.run.CopyJob.headers`)."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    # what depends on every record, worked out once, here, before the fork: each file's name and
    # pseudonym, the identity, the burned-in text, the non-DICOM entries (the last part's)
    settings.text = text_of(index, settings, reviewer.identity)
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    _shared.update(index=index, settings=settings, counter=counter, names=copy_names(index.dicom, settings.pseudonyms),
                   identity=reviewer.identity, others=other_entries(index), parts=parts)
    with tempfile.TemporaryDirectory(prefix="dicompeek-copy-") as folder, context.Pool(parts - 1) as pool:
        paths = [os.path.join(folder, f"part-{k}") for k in range(parts)]
        waiting = pool.map_async(_write_part, [(k, paths[k]) for k in range(1, parts)])
        with output.open("wb") as sink:
            first = _part_job(0, sink, progress)
            while not first.done:
                first.step(3600.0)
            reports = [first.finish(central=False)]
            writer = ZipWriter(sink)
            writer.adopt(first.entries, first.bytes_written)
            uids, headers = dict(first.uids), dict(first.headers)
            for path, (report, entries, size, mapped, written) in zip(paths[1:], waiting.get(), strict=True):
                _append(path, sink)
                headers.update((len(writer.entries) + position, header) for position, header in written.items())
                writer.adopt(entries, size)
                reports.append(report)
                for old, new in mapped.items():
                    uids.setdefault(old, new)
                os.unlink(path)
            writer.close()
    _shared.clear()
    return merged_reports(reports), first.mapping(uids), headers


def _append(path: str, sink: BinaryIO) -> None:
    """The file at ``path`` added to the end of ``sink``: copied by the kernel where it can
    (``copy_file_range``: a part of the 1 GB bench zip in 0.3 s, against 0.9 to 1.3 s through Python's
    buffers), else, or for what the kernel left, read and written."""
    with open(path, "rb") as part:
        size = os.fstat(part.fileno()).st_size
        sink.flush()
        start = sink.tell()
        done = 0
        try:
            while done < size:
                copied = os.copy_file_range(part.fileno(), sink.fileno(), size - done, done, start + done)
                if copied == 0:
                    break
                done += copied
        except (AttributeError, OSError):  # no such call (not Linux), or not between these files
            pass
        part.seek(done)
        sink.seek(start + done)
        shutil.copyfileobj(part, sink, 1 << 20)


def review(index: Index, parts: int, ocr: OcrEngine | None = None) -> dict[str, Any]:
    """The privacy review of the finished copy indexed in ``index`` (its one pick) in ``parts``
    processes: the single pass's report (:mod:`..merge`), without the provenance (the copy is not
    hashed)."""
    context = multiprocessing.get_context("fork")
    _shared.update(path=index.picked[0])  # before the fork
    try:
        with context.Pool(parts - 1) as pool:
            planned = plan(index, parts)
            identity, runs = planned["identity"], planned["parts"]
            states = pool.map_async(_review_part, [(run, identity) for run in runs[1:]])
            first = review_part(index, runs[0], identity) if runs else None
            found = [first, *states.get()] if first is not None else []
        for number, known in reruns(identity, [state["found"] for state in found]):
            found[number] = review_part(index, runs[number], known)
        reviewer = merged(index, found)
        if ocr is not None:
            text, reviewer.burned_in = read_burned_in(index, index.dicom, reviewer.identity, ocr)
            reviewer.extra_findings.extend(text)
        return reviewer.finish()
    finally:
        _shared.clear()


def _part_job(part: int, sink: Any, progress: Callable[[int, int], None] | None) -> CopyJob:
    """The job of part ``part``: its consecutive run of records, with what :func:`copy` worked out."""
    index, parts, records = _shared["index"], _shared["parts"], len(_shared["index"].dicom)
    start, stop = records * part // parts, records * (part + 1) // parts
    return CopyJob(index, sink, _shared["settings"], _counted(_shared["counter"], records, progress),
                   records=index.dicom[start:stop], names=_shared["names"][start:stop], identity=_shared["identity"],
                   others=_shared["others"] if part == parts - 1 else [])


def _write_part(task: tuple[int, str]) -> tuple[dict[str, Any], list[Any], int, dict[str, str], dict[int, Header]]:
    part, path = task
    with open(path, "wb") as sink:
        job = _part_job(part, sink, None)
        while not job.done:
            job.step(3600.0)
        report = job.finish(central=False)
    return report, job.entries, job.bytes_written, job.uids, job.headers


def _index_shard(task: tuple[list[str], int, int]) -> dict[str, list[dict[str, Any]]]:
    inputs, shard, shards = task
    index = Index()
    try:
        index.add(inputs, shard=shard, shards=shards)
        index.run()
        return index.take_records()
    finally:
        index.close()


def _review_part(task: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    part, identity = task
    index = Index()
    try:
        index.catalogue([_shared["path"]])  # its entries, to read by position
        return review_part(index, part, identity)
    finally:
        index.close()


def _counted(counter: Any, total: int, progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    """Each process counts the files it starts; the one that reports (this one) hears the total so far."""
    def started(_position: int, _total: int) -> None:
        with counter.get_lock():
            counter.value += 1
            done = counter.value
        if progress is not None:
            progress(done, total)
    return started


def merged_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts' reports as one (counts added, problems in order)."""
    actions: Counter[tuple[str, str]] = Counter()
    dropped: Counter[str] = Counter()
    pixels: Counter[str] = Counter()
    for report in reports:
        actions.update({(a["element"], a["action"]): a["files"] for a in report["actions"]})
        dropped.update(report["dropped"])
        pixels.update(report["pixels"])
    return {"files_written": sum(r["files_written"] for r in reports),
            "actions": [{"element": element, "action": action, "files": n}
                        for (element, action), n in sorted(actions.items())],
            "dropped": dict(dropped), "problems": [p for r in reports for p in r["problems"]], "pixels": dict(pixels)}


__all__ = ["copy", "deidentify_inputs", "entry_count", "indexed", "merged_reports", "processes", "review",
           "review_copy"]
