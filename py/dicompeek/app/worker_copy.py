"""The page's "Make a de-identified copy…" on every worker, as the command line's
(:mod:`dicompeek.privacy.deidentify.inputs`) runs on every core, and giving its bytes.

Why in parts: the copy is pure Python per file, a few times the cost of indexing, and indexing
already uses every worker; on worker 0 alone a 2,000-file CT copy with its review took fifteen
times its indexing (``bench/deid_bench.py --page``).

The steps (``web/worker-client.js`` drives them through the ``deid_*`` entry points of
:mod:`.worker_api`, each a method of :class:`WorkerCopy`, this worker's share of the copy):

1. worker 0 (which holds every record): :class:`PageCopy` reads the input's burned-in text first
   when Clean Pixel Data or Clean Graphics asks for it and the page has its OCR engine
   (:class:`~dicompeek.privacy.deidentify.text_pass.TextPass`: the page hands each image to
   tesseract.js and gives its words back), then :meth:`PageCopy.plan` fixes what depends on every
   record before any file is read, as the command line does: each file's pseudonym and neutral
   name, the identity every file is judged by, the non-DICOM entries, and what the text pass read
   (its boxes, overlays and the words of every image, :class:`RecordedEngine`), and cuts the
   DICOM records into consecutive runs;
2. every worker: :class:`PartCopy` writes the local zip entries of one run (the command line's
   :class:`~dicompeek.privacy.deidentify.run.CopyJob` over the run's records only, given the
   plan's names and identity) to a file of its own in the origin-private file system: before
   it, ``web/worker.js`` opens that file with a synchronous access handle and registers the JS
   module :data:`OUTPUT_MODULE`, whose ``write(buffer)`` writes the bytes at the file's end
   (:class:`JsSink`, a megabyte at a time), and whose ``refer(path, offset, length, at)`` notes where
   bytes of a picked zip (pixel data stored there, :mod:`~dicompeek.io.extent`) go between them,
   unread. The zip writer never seeks, so the entries go to disk as they are made and Python's
   memory does not grow with the copy;
3. worker 0: :meth:`PageCopy.join` adopts the parts' entries (offsets shifted by the sizes of the
   parts before) and gives the one central directory's bytes; the page's copy is the parts'
   files, with the slices of the picked zips they refer to in their places, and those bytes, one
   after the other (a Blob of disk-backed files: never read whole);
4. the copy's review, as the review of a pick: every worker mounts the copy; worker 0 has the
   header of every file written from the parts' states (what indexing those bytes gives:
   :attr:`~dicompeek.privacy.deidentify.run.CopyJob.headers`), indexes only the other entries
   (:class:`CopyIndex`) and plans (:mod:`..privacy.merge`), every worker reviews parts
   (:class:`~dicompeek.privacy.merge.PartReview`, reading each file's bytes from the copy),
   worker 0 merges.

The bytes are the command line's for any number of parts: the names and pseudonyms are fixed
before any file is read, new UIDs and date shifts are functions of the salt, and a zip entry's
bytes do not depend on where it starts (``tests/app/test_worker_copy.py``).
"""

from __future__ import annotations

import dataclasses
import importlib
import io
from collections import Counter
from collections.abc import Callable
from typing import Any

from dicompeek.dicom.header import Header
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import frame_count
from dicompeek.io.extent import Extent
from dicompeek.io.zipwriter import EntryInfo, Sink, ZipWriter
from dicompeek.privacy.burned_in.engine import pgm, words_from_tsv
from dicompeek.privacy.deidentify.inputs import merged_reports
from dicompeek.privacy.deidentify.pixels import Box, drawn_boxes
from dicompeek.privacy.deidentify.pseudonyms import Pseudonym, PseudonymMap
from dicompeek.privacy.deidentify.run import OPTION_NAMES, CopyJob, Settings, copy_names, mapping_csv, other_entries
from dicompeek.privacy.deidentify.text_pass import PixelText, RecordedEngine, TextPass
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.merge import PartReview, merged, plan
from dicompeek.privacy.reviewer import Reviewer

#: The JS module the worker registers before a part is written: ``write(buffer) -> bytes written``,
#: ``refer(path, offset, length, at)``.
OUTPUT_MODULE = "dicompeek_output"
#: Where the page's pseudonym table is named in its messages.
TABLE = "the pseudonym table"


#: Bytes a part hands the worker's file at a time (see :class:`JsSink`).
SINK_BUFFER = 1 << 20


class JsSink:
    """A part's sink in the browser: the bytes go to the worker's file in pieces of about
    :data:`SINK_BUFFER` (a call into JS and a write of the access handle cost about as much for
    100 bytes as for a megabyte: the zip writer's four writes a file, each handed over at once, took
    a third of a part's time); :meth:`flush` hands over the rest."""

    def __init__(self) -> None:
        self._module: Any = importlib.import_module(OUTPUT_MODULE)
        self._buffer = bytearray()
        self._handed = 0  # bytes handed to the worker's file so far

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if len(self._buffer) + len(view) >= SINK_BUFFER:
            self.flush()
        if len(view) >= SINK_BUFFER:
            self._put(view)
        else:
            self._buffer += view
        return len(view)

    def refer(self, extent: Extent) -> None:
        """``extent``'s bytes come next: the worker puts that slice of the picked file there (after
        the bytes written so far, buffered ones included) when the page makes the copy; none of
        them is read."""
        self._module.refer(extent.path, extent.offset, extent.length, self._handed + len(self._buffer))

    def flush(self) -> None:
        if self._buffer:
            self._put(memoryview(self._buffer))
            self._buffer = bytearray()

    def _put(self, view: memoryview) -> None:
        while view:
            done = int(self._module.write(view))
            if done <= 0:
                raise OSError("the copy's file accepted no bytes")
            self._handed += done
            view = view[done:]


def pseudonym_rows(csv_text: str) -> list[list[str]]:
    """A pseudonym table from CSV as the command line reads it (original Patient ID, new name,
    new ID): [original ID, new name, new ID] rows; a malformed row raises, naming its line."""
    return [[key, p.name, p.id] for key, p in PseudonymMap.from_csv(csv_text, TABLE).items()]


def settings_of(options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool,
                boxes: list[str] | None = None) -> Settings:
    """The command line's settings from the page's choices: ``--option`` names, the salt as
    ``--salt`` takes it (its UTF-8 bytes: a salt kept from the page links a later batch made on
    the command line), the pseudonym map's CSV, ``--keep-non-dicom`` and the boxes drawn, each as
    ``--box`` takes it (``SERIES_INSTANCE_UID:X,Y,W,H``); no OCR engine (:class:`PageCopy` adds
    what the page's engine read)."""
    unknown = [option for option in options if option not in OPTION_NAMES]
    if unknown:
        raise ValueError(f"unknown options: {', '.join(unknown)}")
    chosen = frozenset(OPTION_NAMES[option] for option in options)
    if not salt:
        raise ValueError("a salt is needed (it makes new UIDs and date shifts repeatable)")
    if boxes and "clean_pixel_data" not in chosen:
        raise ValueError("boxes drawn on the pixels are blanked by Clean Pixel Data: choose it, or remove them")
    return Settings(chosen, salt.encode(), PseudonymMap.from_csv(pseudonym_csv, TABLE), keep_non_dicom,
                    drawn=drawn_boxes(boxes or []))


class PageCopy:
    """Worker 0's share of the copy of everything in ``index``: with ``engine`` (the name of the
    page's OCR engine) and Clean Pixel Data or Clean Graphics, the input's burned-in text is read
    first (:meth:`next_image`, :meth:`take` until :attr:`reading` is over); then :meth:`plan` cuts
    the copy into parts for the workers (:class:`PartCopy`) and :meth:`join` makes one zip of them."""

    def __init__(self, index: Index, settings: Settings, engine: str | None = None) -> None:
        self._index, self._settings = index, settings
        self._text: TextPass | None = None
        self.mapping: str | None = None  # once joined: what the copy replaced (sensitive)
        self.headers: dict[int, Header] = {}  # once joined: the files written, by position in the copy
        reviewer = Reviewer()
        reviewer.seed(index.dicom)
        self._identity = reviewer.identity  # every file's, as CopyJob's: the text pass's and the parts'
        if engine and {"clean_pixel_data", "clean_graphics"} & settings.options:
            self._text = TextPass(index, self._identity, engine, "clean_pixel_data" in settings.options,
                                  settings.drawn)

    @property
    def reading(self) -> bool:
        """Whether the burned-in text is still being read (nothing can be written yet)."""
        return self._text is not None and not self._text.done

    def progress(self) -> dict[str, Any]:
        """{"stage": "reading" (with "images": {"images", "total", "done"} of the text pass) or
        "writing" (the parts can start), "files": 0, "total": the DICOM files, "done": false, "bytes": 0}."""
        images = {"images": self._text.progress()} if self._text is not None else {}
        return {"stage": "reading" if self.reading else "writing", "files": 0, "total": len(self._index.dicom),
                "done": False, "bytes": 0, **images}

    def next_image(self) -> tuple[dict[str, Any], bytes]:
        """The next image to read as ({"key", "label", "done"}, a PGM file for tesseract.js), or
        ({"key": null, "done"}, no bytes) when none is to be read now: "done" false means that
        images handed out must come back first (the blanked files wait for their boxes)."""
        if self._text is None:
            return {"key": None, "done": True}, b""
        image = self._text.next_image()
        if image is None:
            return {"key": None, "done": self._text.done}, b""
        return {"key": image.key, "label": image.label, "done": False}, pgm(image.pixels)

    def take(self, key: int, tsv: str) -> dict[str, Any]:
        """What tesseract.js read in image ``key`` (its TSV); the :meth:`progress`."""
        if self._text is None:
            raise RuntimeError("this copy reads no text in the pixels")
        self._text.take(key, words_from_tsv(tsv))
        return self.progress()

    def plan(self, parts: int) -> dict[str, Any]:
        """The copy cut into at most ``parts`` runs of consecutive DICOM records (the non-DICOM
        entries go with the last): {"files": DICOM files, "shared": what every part needs (the
        identity, what the text pass read), "parts": [{"records", "names", "others"}]}, plain data
        for :class:`PartCopy`. Opaque to the page."""
        if self.reading:
            raise RuntimeError("the text in the pixels is still being read")
        records = self._index.dicom
        names = copy_names(records, self._settings.pseudonyms)  # the whole copy's: the mapping's pseudonyms
        others = other_entries(self._index)
        count = max(1, min(parts, len(records)))
        bounds = [(len(records) * k // count, len(records) * (k + 1) // count) for k in range(count)]
        return {"files": len(records),
                "shared": {"identity": self._identity.state(), "text": self._text_state()},
                "parts": [{"records": [dataclasses.asdict(record) for record in records[start:stop]],
                           "names": [[pseudonym.name, pseudonym.id, name] for pseudonym, name in names[start:stop]],
                           "others": others if k == count - 1 else []}
                          for k, (start, stop) in enumerate(bounds)]}

    def join(self, states: list[dict[str, Any]]) -> tuple[dict[str, Any], bytes]:
        """The parts' :meth:`PartCopy.state` in part order as one copy: its report in counts (as
        :meth:`CopyJob.finish`) and the bytes that follow the parts' files, the central directory
        of every part's entries. What was replaced is kept in :attr:`mapping`, the headers of the
        files written, by their position in the copy, in :attr:`headers`."""
        central = io.BytesIO()
        writer = ZipWriter(central)
        uids: dict[str, str] = {}
        self.headers = {}
        for state in states:
            self.headers.update((len(writer.entries) + position, Header(fields, syntax, True, None, length))
                                for position, syntax, fields, length in state["headers"])
            writer.adopt([EntryInfo(*entry) for entry in state["entries"]], state["size"])
            for old, new in state["uids"].items():
                uids.setdefault(old, new)
        writer.close()
        self.mapping = mapping_csv(self._settings.pseudonyms, uids)
        return merged_reports([state["report"] for state in states]), central.getvalue()

    def _text_state(self) -> dict[str, Any] | None:
        """What the text pass read, as plain data (None: no pass; the parts read nothing either)."""
        if self._text is None:
            return None
        text = self._text.text
        return {"boxes": [[entry, [dataclasses.astuple(box) for box in boxes]] for entry, boxes in text.boxes.items()],
                "overlays": sorted(text.overlays), "engine": self._text.engine.name,
                "words": self._text.engine.state()}


class PartCopy:
    """One part of a :meth:`PageCopy.plan` written to ``sink`` on any worker (``index``: the
    worker's, whose entries are every worker's; its records need not be there): steps while not
    :attr:`done`, then :meth:`state` for :meth:`PageCopy.join`."""

    def __init__(self, index: Index, settings: Settings, shared: dict[str, Any], part: dict[str, Any],
                 sink: Sink) -> None:
        text = shared["text"]
        if text is not None:
            found = PixelText({entry: [Box(*box) for box in boxes] for entry, boxes in text["boxes"]},
                              set(text["overlays"]))
            settings = dataclasses.replace(settings, text=found,
                                           ocr=RecordedEngine.from_state(text["engine"], text["words"]))
        names = [(Pseudonym(name, pid), path) for name, pid, path in part["names"]]
        self._sink = sink
        self._job = CopyJob(index, sink, settings, records=[DicomRecord(**record) for record in part["records"]],
                            names=names, identity=Identity.from_state(shared["identity"]), others=part["others"])

    @property
    def done(self) -> bool:
        return self._job.done

    def progress(self) -> dict[str, Any]:
        """{"stage": "writing", "files", "total", "done", "bytes"} of this part."""
        return {"stage": "writing", **self._job.progress()}

    def step(self, budget: float) -> dict[str, Any]:
        """Write for about ``budget`` seconds; the :meth:`progress`."""
        self._job.step(budget)
        return self.progress()

    def state(self) -> dict[str, Any]:
        """Once :attr:`done`: {"report": in counts, "entries": its zip entries (EntryInfo's fields,
        offsets from the part's start), "size": its bytes, "uids": old → new, in the order met,
        "headers": [position among its entries, transfer syntax, fields, header length] of each
        DICOM file written}."""
        report = self._job.finish(central=False)
        flush = getattr(self._sink, "flush", None)
        if callable(flush):
            flush()  # every byte in the file before the worker closes it
        return {"report": report, "entries": [dataclasses.astuple(entry) for entry in self._job.entries],
                "size": self._job.bytes_written, "uids": self._job.uids,
                "headers": [[position, header.transfer_syntax, header.fields, header.length]
                            for position, header in self._job.headers.items()]}


class CopyIndex:
    """Worker 0's index of the finished copy for its review: the files written become records from
    their ``headers`` (:meth:`~dicompeek.index.indexer.Index.add_written`); the other entries (the
    non-DICOM kept) are indexed in steps as a pick's are."""

    def __init__(self, index: Index, path: str, headers: dict[int, Header]) -> None:
        self._index = index
        index.add_written(path, headers)

    def progress(self) -> dict[str, Any]:
        """{"files": entries indexed, "total", "done"}."""
        progress = self._index.progress()
        return {"files": progress["done"], "total": progress["total"], "done": progress["finished"]}

    def step(self, budget: float) -> dict[str, Any]:
        """Index for about ``budget`` seconds; the :meth:`progress`."""
        self._index.step(budget)
        return self.progress()


class WorkerCopy:
    """This worker's share of the copy, as its ``deid_*`` entry points see it: worker 0's
    :class:`PageCopy`, the job it steps (a :class:`PartCopy`, a :class:`CopyIndex` or a part of
    the copy's review), and the copy's index for its review. The sink of a part is made by
    ``sink()`` (the browser: :class:`JsSink`; the tests: a buffer)."""

    def __init__(self, sink: Callable[[], Sink] = JsSink) -> None:
        self._sink = sink
        self._page: PageCopy | None = None
        self._job: PartCopy | CopyIndex | PartReview | None = None
        self._index: Index | None = None  # the finished copy's, for its review
        self.mapping: str | None = None  # what the last copy replaced (worker 0)
        self._headers: dict[int, Header] = {}  # the last copy's files (worker 0), for its review

    def start(self, index: Index, options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool,
              boxes: list[str] | None = None, engine: str | None = None) -> dict[str, Any]:
        """Worker 0: a new copy of everything in ``index`` (the one before is dropped)."""
        self.close()
        self._page = PageCopy(index, settings_of(options, salt, pseudonym_csv, keep_non_dicom, boxes), engine)
        return self._page.progress()

    def page(self) -> PageCopy:
        if self._page is None:
            raise RuntimeError("no de-identified copy was started (deid_start)")
        return self._page

    def part(self, index: Index, options: list[str], salt: str, keep_non_dicom: bool, boxes: list[str] | None,
             shared: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
        """Any worker: start writing ``part`` with the copy's settings (the job before is dropped)."""
        self._close_index()
        settings = settings_of(options, salt, "", keep_non_dicom, boxes)
        job = self._job = PartCopy(index, settings, shared, part, self._sink())
        return job.progress()

    def step(self, budget: float) -> dict[str, Any]:
        """Step this worker's job for about ``budget`` seconds; its progress ({"files", "total", "done", …})."""
        return self._job_now().step(budget)

    def state(self) -> dict[str, Any]:
        """This worker's job's state once done: a part's (:meth:`PartCopy.state`) or a review part's
        (:meth:`~dicompeek.privacy.merge.PartReview.state`)."""
        job, self._job = self._job_now(), None
        if isinstance(job, CopyIndex):
            raise RuntimeError("the copy's index stays on this worker")
        return job.state()

    def join(self, states: list[dict[str, Any]]) -> tuple[dict[str, Any], bytes]:
        """Worker 0: the copy's report and central directory (:meth:`PageCopy.join`)."""
        page = self.page()
        report, central = page.join(states)
        self.mapping, self._headers, self._page = page.mapping, page.headers, None
        return report, central

    def review_open(self, path: str, indexing: bool) -> dict[str, Any]:
        """Any worker: open the finished copy mounted at ``path`` for its review; worker 0
        (``indexing``) indexes it (:class:`CopyIndex`, in steps), the others list its entries to
        read them by position."""
        self._close_index()
        self._index = Index()
        if not indexing:
            self._index.catalogue([path])
            return {"files": 0, "total": 0, "done": True}
        job = self._job = CopyIndex(self._index, path, self._headers)
        return job.progress()

    def review_plan(self, parts: int) -> dict[str, Any]:
        """Worker 0, the copy indexed: the review in ``parts`` (:func:`~dicompeek.privacy.merge.plan`)."""
        return plan(self._copy_index(), parts)

    def review_part(self, part: dict[str, Any], identity: dict[str, Any]) -> dict[str, Any]:
        """Any worker: start reviewing one part of the copy's review plan."""
        job = self._job = PartReview(self._copy_index(), part, identity)
        return job.progress()

    def review(self, states: list[dict[str, Any]]) -> dict[str, Any]:
        """Worker 0: the copy's review from its parts' states, in part order (the single pass's
        report, without the provenance: the copy is not hashed, as on the command line)."""
        return merged(self._copy_index(), states).finish()

    def mapping_file(self) -> dict[str, str]:
        """Worker 0: what the last copy replaced as a download (sensitive)."""
        if self.mapping is None:
            raise ValueError("no copy has been made")
        return {"text": self.mapping, "name": "deidentification-mapping-SENSITIVE.csv"}

    def close(self) -> None:
        """Drop the copy under way and its review's index (the worker closes and deletes its files)."""
        self._page = self._job = None
        self._headers = {}
        self._close_index()

    def cancel(self) -> dict[str, bool]:
        """Drop everything of the copy, what it replaced included."""
        self.close()
        self.mapping = None
        return {"cancelled": True}

    def _job_now(self) -> PartCopy | CopyIndex | PartReview:
        if self._job is None:
            raise RuntimeError("no part of a de-identified copy was started on this worker")
        return self._job

    def _copy_index(self) -> Index:
        if self._index is None:
            raise RuntimeError("the copy is not open for its review (deid_review_open)")
        return self._index

    def _close_index(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


def series_list(index: Index) -> list[dict[str, Any]]:
    """Every series loaded, in the order of its first file, for drawing boxes on its frames (Clean
    Pixel Data): {"study_uid", "series_uid", "number", "modality", "description", "files", "frames",
    "size": the most frequent "columns×rows"}. The description can identify (the page masks it)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    sizes: dict[tuple[str, str], Counter[str]] = {}
    for record in index.dicom:
        fields = record.fields
        if not fields.get("Rows"):
            continue  # no image to draw on
        key = (str(fields.get("StudyInstanceUID") or ""), str(fields.get("SeriesInstanceUID") or ""))
        if not key[1]:
            continue  # a box is given by its series' UID
        series = found.setdefault(key, {
            "study_uid": key[0], "series_uid": key[1], "number": fields.get("SeriesNumber"),
            "modality": str(fields.get("Modality") or ""), "description": str(fields.get("SeriesDescription") or ""),
            "files": 0, "frames": 0})
        series["files"] += 1
        series["frames"] += frame_count(record)
        sizes.setdefault(key, Counter())[f"{fields.get('Columns')}×{fields.get('Rows')}"] += 1
    return [{**series, "size": sizes[key].most_common(1)[0][0]} for key, series in found.items()]
