"""The burned-in text pass: every image that can hold text (:mod:`.frames`) rendered, prepared,
read by an OCR engine and judged (:mod:`.meaning`), as findings of the review.

One finding per series and severity ("burned_in_text"), with the lines read as its values, the
boxes where they are (entry, frame, x, y, width, height in the frame's pixels) and, for a high
one, what matched and why. Files that are not read are counted and said ("CT/MR/PT slices
without burned-in flags are not read"), so the report never implies more than was done.

Why a job handing out one image at a time (:class:`BurnedInJob`): in the page the engine is
tesseract.js in a worker of its own, answering asynchronously, so the Python worker prepares an
image, the page has it read and gives the words back. The command line runs the same job with
Tesseract in a loop (:func:`read_burned_in`). One file is open at a time, so memory does not
grow with the number of frames; the page cuts the files into the same parts as the header
review, and :func:`merge_burned_in` joins their states in part order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import frame_count
from dicompeek.privacy.burned_in.engine import OcrEngine, Word
from dicompeek.privacy.burned_in.frames import Source, image_of, sources_of, why_read
from dicompeek.privacy.burned_in.meaning import ReadLine, judge_words
from dicompeek.privacy.findings import File, Finding, Findings
from dicompeek.privacy.identity import Identity, Patient

#: Boxes kept per finding (the report shows where; the counts stay exact).
MAX_BOXES = 50
_TITLES = {"high": "Identifying text burned into the pixels", "medium": "Legible text burned into the pixels",
           "info": "Scanner labels burned into the pixels"}
_REASONS = {"high": "OCR read text that matches this patient's identity or an identifier pattern: blank it "
                    "(Clean Pixel Data) or leave these images out.",
            "medium": "OCR read words that are neither scanner labels nor numbers: check what they say.",
            "info": "Orientation letters, scale marks and probe settings: nothing about the patient."}


@dataclass(slots=True)
class Pending:
    """An image handed to the engine, waiting for its words."""

    key: int
    image: np.ndarray  # prepared: uint8 grey, dark text on light
    scale: int
    file: File
    patient: Patient | None
    institution: str  # the file's Institution Name
    source: Source


class BurnedInJob:
    """The pass over ``records``, one image at a time: :meth:`next_image`, then :meth:`take`
    with the engine's words for it (in any order; several may be out at once)."""

    def __init__(self, index: Index, records: Iterable[DicomRecord], identity: Identity, engine: str,
                 read: Callable[..., Dataset] = read_instance,
                 on_text: Callable[[int, Source, ReadLine], None] | None = None) -> None:
        """``on_text(entry, source, line)`` hears every line that is not a scanner label, with its box
        uncapped (Clean Pixel Data blanks them all; the findings keep :data:`MAX_BOXES`)."""
        self._index, self._read, self._identity, self._engine = index, read, identity, engine
        self._on_text = on_text
        records = list(records)
        self._risky = [r for r in records if why_read(r.fields) is not None]
        self._skipped = len(records) - len(self._risky)
        self._images = self._walk()
        self._pending: dict[int, Pending] = {}
        self._next_key = 0
        self._files_done = 0
        self._exhausted = False
        self.findings = Findings()
        self.files_read = self.frames_read = 0
        self.series_read: set[str] = set()
        self.series_unread: set[str] = set()  # a file of it could not be read: the series is not clear

    @property
    def done(self) -> bool:
        return self._exhausted and not self._pending

    def progress(self) -> dict[str, Any]:
        """{"files": risky files handed out in full, "total": risky files, "frames": images read, "done"}."""
        return {"files": self._files_done, "total": len(self._risky), "frames": self.frames_read,
                "done": self.done}

    def next_image(self) -> Pending | None:
        """The next image to read, or None when every image has been handed out."""
        if self._exhausted:
            return None
        pending = next(self._images, None)
        if pending is None:
            self._exhausted = True
            return None
        self._pending[pending.key] = pending
        return pending

    def take(self, key: int, words: list[Word]) -> None:
        """The words the engine read in image ``key`` (of :meth:`next_image`)."""
        pending = self._pending.pop(key)
        self.frames_read += 1
        series = pending.file.series[1] if pending.file.series else ""
        entry = pending.file.entry
        for line in judge_words(words, pending.scale, pending.patient, self._identity, pending.institution):
            if self._on_text is not None and entry is not None and line.severity != "info":
                self._on_text(entry, pending.source, line)
            finding = self.findings.hit(("burned-in-text", line.severity, series), pending.file, line.text,
                                        line.severity, "burned_in_text", _TITLES[line.severity],
                                        _REASONS[line.severity], None, tuple(line.matches))
            boxes = finding.extra.setdefault("boxes", [])
            if len(boxes) < MAX_BOXES:
                x, y, width, height = line.box
                box = {"entry": entry, "frame": pending.source.frame, "x": x, "y": y, "width": width,
                       "height": height, "text": line.text}
                if pending.source.kind != "frame":
                    box["source"] = pending.source.label()
                boxes.append(box)

    def _walk(self) -> Iterator[Pending]:
        for record in self._risky:
            fields = record.fields
            key = (str(fields.get("StudyInstanceUID") or ""), str(fields.get("SeriesInstanceUID") or ""))
            patient = self._identity.patient_of(fields)
            institution = str(fields.get("InstitutionName") or "")
            f = File(record.entry, record.location, key, patient.key if patient else None)
            try:
                ds = self._read(self._index, record.entry, pixels=True)
            except Exception as exc:  # no pixels to read: say so, go on
                self._unread(key[1], f, exc)
                continue
            read_any = False
            for source in sources_of(ds, frame_count(record)):
                try:
                    image, scale = image_of(ds, source)
                except Exception as exc:
                    self._unread(key[1], f, exc, source)
                    continue
                if not read_any:
                    read_any = True
                    self.files_read += 1
                    self.series_read.add(key[1])
                self._next_key += 1
                yield Pending(self._next_key, image, scale, f, patient, institution, source)
            self._files_done += 1

    def _unread(self, series: str, f: File, exc: Exception, source: Source | None = None) -> None:
        self.series_unread.add(series)
        where = f"{f.location} ({source.label()})" if source else f.location
        self.findings.hit(("burned-in-unread",), f, f"{where}: {exc}"[:200], "medium", "burned_in_text",
                          "Images that could not be read for burned-in text",
                          "Their pixel data could not be decoded here, so nobody has looked for text in them.")

    def state(self) -> dict[str, Any]:
        """What :func:`merge_burned_in` needs, as plain JSON data."""
        return {"engine": self._engine, "findings": self.findings.state(), "files_read": self.files_read,
                "frames_read": self.frames_read, "files_not_read": self._skipped,
                "series_read": sorted(self.series_read), "series_unread": sorted(self.series_unread)}


def merge_burned_in(states: list[dict[str, Any]]) -> tuple[list[Finding], dict[str, Any]]:
    """The findings and summary of the pass from the states of its parts, in part order."""
    findings = Findings()
    series_read: set[str] = set()
    series_unread: set[str] = set()
    summary: dict[str, Any] = {"engine": None, "files_read": 0, "frames_read": 0, "files_not_read": 0}
    for state in states:
        findings.merge(state["findings"])
        summary["engine"] = summary["engine"] or state["engine"]
        for name in ("files_read", "frames_read", "files_not_read"):
            summary[name] += state[name]
        series_read.update(state["series_read"])
        series_unread.update(state["series_unread"])
    for _, finding in findings:
        if "boxes" in finding.extra:
            del finding.extra["boxes"][MAX_BOXES:]
    flagged = {key[2] for key, _ in findings if key[0] == "burned-in-text" and key[1] != "info"}
    summary["series_without_text"] = sorted(series_read - flagged - series_unread)
    return findings.values(), summary


def read_burned_in(index: Index, records: Iterable[DicomRecord], identity: Identity, engine: OcrEngine,
                   read: Callable[..., Dataset] = read_instance, workers: int = os.cpu_count() or 1,
                   on_text: Callable[[int, Source, ReadLine], None] | None = None,
                   ) -> tuple[list[Finding], dict[str, Any]]:
    """The findings of reading every risky image of ``records`` with ``engine``, and a summary
    of what was read (the command line's way). ``workers`` images are read at once (Tesseract
    runs as a process of its own per image, so threads keep every core busy); their words are
    taken in the order the images were handed out, so the report does not depend on timing."""
    job = BurnedInJob(index, records, identity, engine.name, read, on_text)
    with ThreadPoolExecutor(max(workers, 1)) as pool:
        running: deque[tuple[int, Future[list[Word]]]] = deque()
        while True:
            while len(running) < 2 * max(workers, 1) and (pending := job.next_image()) is not None:
                running.append((pending.key, pool.submit(engine.recognise, pending.image)))
            if not running:
                break
            key, words = running.popleft()
            job.take(key, words.result())
    return merge_burned_in([job.state()])


def text_left(ds: Dataset, engine: OcrEngine, identity: Identity, patient: Patient | None, frames: int) -> bool:
    """Whether OCR still reads anything but scanner labels in ``ds``'s frames (after blanking:
    Burned In Annotation may say NO only when it does not). A frame that cannot be rendered (no
    pixel data, a broken fragment) may hold anything: it counts as text left."""
    institution = str(ds.get("InstitutionName") or "")
    for source in sources_of(ds, frames):
        if source.kind != "frame":
            continue
        try:
            image, scale = image_of(ds, source)
        except Exception:  # not readable now: Burned In Annotation is not claimed NO
            return True
        if any(line.severity != "info" for line in judge_words(engine.recognise(image), scale, patient,
                                                              identity, institution)):
            return True
    return False


def describe(summary: dict[str, Any] | None) -> str:
    """What the pass read, in one sentence for the report (the page and the HTML say the same)."""
    if not summary or not summary.get("engine"):
        return "Text burned into the pixels was not read (OCR off or unavailable)."
    files, frames, skipped = summary["files_read"], summary["frames_read"], summary.get("files_not_read", 0)
    said = (f"Text burned into the pixels: {frames} image{'s' * (frames != 1)} of {files} "
            f"file{'s' * (files != 1)} read by {summary['engine']}")
    if skipped:
        said += (f"; {skipped} file{'s' * (skipped != 1)} not read (CT, MR, PT and other images that are "
                 "not screens, photographs or scans and do not state Burned In Annotation YES)")
    return said + "."


def settle_pixel_risk(findings: list[Finding], series_without_text: Iterable[str]) -> None:
    """"Burned In Annotation not stated" on a series whose frames were read and hold no legible
    text is a fact, not a risk: it becomes info, saying so."""
    clear = set(series_without_text)
    for finding in findings:
        if finding.id.startswith("pixels:burned-in-missing:") and finding.id.rsplit(":", 1)[1] in clear:
            finding.severity = "info"
            finding.title += ": read by OCR, no text found"
            finding.reason = ("Its frames were read for burned-in text and hold none legible beyond scanner "
                              "labels; Burned In Annotation (0028,0301) is still absent.")
