"""The burned-in text pass: every frame that can hold text (:mod:`.frames`) rendered, prepared,
read by the registered engine and judged (:mod:`.meaning`), as findings of the review.

One finding per series and severity ("burned_in_text"), with the lines read as its values, the
boxes where they are (entry, frame, x, y, width, height in the frame's pixels) and, for a high
one, what matched and why. Files that are not read are counted and said ("CT/MR/PT slices
without burned-in flags are not read"), so the report never implies more than was done.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

from pydicom.dataset import Dataset

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.pixels.display import render_frame
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.burned_in.frames import frames_to_read, prepare, why_read
from dicompeek.privacy.burned_in.meaning import judge_words
from dicompeek.privacy.findings import File, Finding, Findings
from dicompeek.privacy.identity import Identity

#: Boxes kept per finding (the report shows where; the counts stay exact).
MAX_BOXES = 50
_TITLES = {"high": "Identifying text burned into the pixels", "medium": "Legible text burned into the pixels",
           "info": "Scanner labels burned into the pixels"}
_REASONS = {"high": "OCR read text that matches this patient's identity or an identifier pattern: blank it "
                    "(Clean Pixel Data) or leave these images out.",
            "medium": "OCR read words that are neither scanner labels nor numbers: check what they say.",
            "info": "Orientation letters, scale marks and probe settings: nothing about the patient."}


def read_burned_in(index: Index, records: Iterable[DicomRecord], identity: Identity, engine: OcrEngine,
                   read: Callable[..., Dataset] = read_instance) -> tuple[list[Finding], dict[str, Any]]:
    """The findings of reading every risky frame of ``records``, and what was read (a summary)."""
    findings = Findings()
    read_files = frames = skipped = 0
    series_read: set[str] = set()
    series_unread: set[str] = set()  # a file of it could not be read: the series is not clear
    for record in records:
        fields = record.fields
        if why_read(fields) is None:
            skipped += 1
            continue
        key = (str(fields.get("StudyInstanceUID") or ""), str(fields.get("SeriesInstanceUID") or ""))
        patient = identity.patient_of(fields)
        f = File(record.entry, record.location, key, patient.key if patient else None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = read(index, record.entry, pixels=True)
                count = int(fields.get("NumberOfFrames") or 1)
                images = [(n, render_frame(ds, n)) for n in frames_to_read(count)]
        except Exception as exc:  # no pixels to read: the pixel findings say so
            series_unread.add(key[1])
            findings.hit(("burned-in-unread",), f, f"{record.location}: {exc}"[:200], "medium", "burned_in_text",
                         "Frames that could not be read for burned-in text",
                         "Their pixel data could not be decoded here, so nobody has looked for text in them.")
            continue
        read_files += 1
        series_read.add(key[1])
        for number, image in images:
            frames += 1
            prepared, scale = prepare(image)
            for line in judge_words(engine.recognise(prepared), scale, patient, identity):
                finding = findings.hit(("burned-in-text", line.severity, key[1]), f, line.text, line.severity,
                                       "burned_in_text", _TITLES[line.severity], _REASONS[line.severity],
                                       None, tuple(line.matches))
                boxes = finding.extra.setdefault("boxes", [])
                if len(boxes) < MAX_BOXES:
                    x, y, width, height = line.box
                    boxes.append({"entry": record.entry, "frame": number, "x": x, "y": y, "width": width,
                                  "height": height, "text": line.text})
    flagged = {key[2] for key, _ in findings if key[0] == "burned-in-text" and key[1] != "info"}
    summary = {"engine": engine.name, "files_read": read_files, "frames_read": frames, "files_not_read": skipped,
               "series_without_text": sorted(series_read - flagged - series_unread)}
    return findings.values(), summary


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
