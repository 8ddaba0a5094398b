"""A de-identified copy of picked zips and files: every DICOM file through Table E.1-1 with the
options chosen, its pixels cleaned where asked, written to a new zip as it goes, and the copy
reviewed again.

The steps (the command line's ``deidentify`` and, later, the page run the same):

1. index the inputs (the lazy, hostile-input-safe reader: nothing is read whole but one file);
2. learn every patient (the review's :class:`~..identity.Identity`), give each a pseudonym
   (:mod:`.pseudonyms`) and a date offset (:mod:`.dates`);
3. with Clean Pixel Data and an OCR engine, read the burned-in text of the input
   (:mod:`..burned_in`) for the boxes to blank;
4. file by file, in index order: read it, blank its boxes (:mod:`.pixels`), apply the table
   (:mod:`.actions`), write it under a neutral name ``<pseudonym>/<study n>/<series n>/<n>.dcm``
   to the output zip (:class:`~dicompeek.io.zipwriter.ZipWriter`, streamed: one file in memory);
5. review the output as the review does any zip, and report counts, never values.

Dropped and why, all counted: DICOMDIRs (their records name the old files and patients; not
regenerated), files that cannot be read (named in ``problems``), and other files unless
``keep_non_dicom``.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.io.stream import ByteStream
from dicompeek.io.zipwriter import ZipWriter
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.burned_in.frames import Source, why_read
from dicompeek.privacy.burned_in.meaning import ReadLine
from dicompeek.privacy.burned_in.reader import read_burned_in, text_left
from dicompeek.privacy.deidentify.actions import deidentify
from dicompeek.privacy.deidentify.context import RunContext
from dicompeek.privacy.deidentify.dates import offset_days
from dicompeek.privacy.deidentify.pixels import Box, blank
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.uids import UidMap
from dicompeek.privacy.reviewer import Reviewer, review

#: The options of the command line, by their E.1-1 keys (PROFILE.options), and Clean Pixel Data.
OPTION_NAMES = {
    "retain-longitudinal-modified-dates": "retain_modified_dates",
    "retain-longitudinal-full-dates": "retain_full_dates",
    "retain-patient-characteristics": "retain_patient_characteristics",
    "retain-device-identity": "retain_device_id",
    "retain-institution-identity": "retain_institution_id",
    "retain-uids": "retain_uid",
    "retain-safe-private": "retain_safe_private",
    "clean-descriptors": "clean_descriptors",
    "clean-structured-content": "clean_structured_content",
    "clean-graphics": "clean_graphics",
    "clean-pixel-data": "clean_pixel_data",
}
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"


@dataclass
class Settings:
    """What the person chose."""

    options: frozenset[str] = frozenset()  # keys of OPTION_NAMES' values
    salt: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    pseudonyms: PseudonymMap = field(default_factory=PseudonymMap)
    keep_non_dicom: bool = False
    ocr: OcrEngine | None = None


@dataclass
class _Numbering:
    """Neutral output names: studies per patient, series per study, instances per series, in order."""

    studies: dict[tuple[str, str], int] = field(default_factory=dict)
    series: dict[tuple[str, str], int] = field(default_factory=dict)
    instances: Counter[str] = field(default_factory=Counter)

    def name(self, pseudonym: str, fields: dict[str, Any]) -> str:
        study_uid = str(fields.get("StudyInstanceUID") or "")
        series_uid = str(fields.get("SeriesInstanceUID") or "")
        study = self.studies.setdefault((pseudonym, study_uid), sum(p == pseudonym for p, _ in self.studies) + 1)
        series = self.series.setdefault((study_uid, series_uid), sum(s == study_uid for s, _ in self.series) + 1)
        self.instances[series_uid] += 1
        return f"{_safe(pseudonym)}/study-{study}/series-{series}/{self.instances[series_uid]:05d}.dcm"


def deidentify_inputs(inputs: list[str], output: Path, settings: Settings,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """De-identify ``inputs`` into the zip ``output``; the report (see the module's docstring):
    {"output", "files_written", "actions": [{"element", "action", "files"}], "dropped": {why: n},
    "problems": [{"location", "reason"}], "pixels": {how: n}, "review": {severity: n}, "verdict"}."""
    index = Index()
    try:
        index.add(inputs)
        index.run()
        return _deidentify(index, output, settings, progress)
    finally:
        index.close()


def _deidentify(index: Index, output: Path, settings: Settings,
                progress: Callable[[int, int], None] | None) -> dict[str, Any]:
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    identity = reviewer.identity
    uids = UidMap(settings.salt)
    text = _read_text(index, settings, identity)
    actions: Counter[tuple[str, str]] = Counter()
    dropped: Counter[str] = Counter()
    pixels: Counter[str] = Counter()
    problems: list[dict[str, str]] = []
    numbering = _Numbering()
    written = kept = 0
    with output.open("wb") as sink, ZipWriter(sink) as zipped:
        for done, record in enumerate(index.dicom, 1):
            if progress:
                progress(done, len(index.dicom))
            if str(record.fields.get("SOPClassUID") or "") == DICOMDIR_CLASS:
                dropped["DICOMDIR (not regenerated)"] += 1
                continue
            try:
                data, name = _one_file(index, record, settings, identity, uids, text, numbering, actions, pixels)
            except Exception as exc:  # a file that cannot be read or written: said, not copied
                problems.append({"location": record.location, "reason": f"{type(exc).__name__}: {exc}"[:300]})
                dropped["could not be de-identified"] += 1
                continue
            zipped.add_bytes(name, data)
            written += 1
        dicom = {record.entry for record in index.dicom}
        for number, entry in enumerate(index.sources.entries):
            if number in dicom:
                continue
            if not settings.keep_non_dicom:
                dropped["not DICOM"] += 1
                continue
            kept += 1
            suffix = _safe(os.path.splitext(entry.path)[1])[:8]  # the type, not the name
            with entry.open() as stream:
                zipped.add(f"other/{kept:05d}{'.' + suffix if suffix != 'unnamed' else ''}", _chunks(stream))
            written += 1
    result = _review_output(output, settings.ocr)
    counts = result["counts"]
    return {"output": str(output), "files_written": written,
            "actions": [{"element": element, "action": action, "files": n}
                        for (element, action), n in sorted(actions.items())],
            "dropped": dict(dropped), "problems": problems, "pixels": dict(pixels),
            "review": counts, "verdict": result["verdict"]}


def _one_file(index: Index, record: DicomRecord, settings: Settings, identity: Any, uids: UidMap,
              text: _Text, numbering: _Numbering, actions: Counter[tuple[str, str]],
              pixels: Counter[str]) -> tuple[bytes, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_instance(index, record.entry, pixels=True)
        _ensure_meta(ds)
        fields = record.fields
        pid, pname = str(fields.get("PatientID") or ""), str(fields.get("PatientName") or "")
        pseudonym = settings.pseudonyms.of(pid, pname)
        read = settings.ocr is not None and why_read(fields) is not None
        # Clean Graphics: overlays stay only where OCR read them and found no text
        context = RunContext(uids, identity, offset_days(settings.salt, pid or f"name:{pname}"),
                             pseudonym.name, pseudonym.id, keep_overlays=read and record.entry not in text.overlays)
        boxes = text.boxes.get(record.entry, [])
        cleaned = False
        if "clean_pixel_data" in settings.options and settings.ocr is not None and read:
            if boxes:
                pixels[blank(ds, boxes)] += 1
            # Burned In Annotation NO only when a second reading finds nothing but scanner labels
            cleaned = not text_left(ds, settings.ocr, identity, identity.patient_of(fields),
                                    int(fields.get("NumberOfFrames") or 1))
            pixels["read again: no text left" if cleaned else "read again: text left"] += 1
        actions.update(deidentify(ds, settings.options, context, pixels_cleaned=cleaned))
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue(), numbering.name(pseudonym.id, fields)


def _ensure_meta(ds: Dataset) -> None:
    """A file meta group to write (files without one get Explicit VR Little Endian)."""
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        meta = meta if meta is not None else FileMetaDataset()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
    meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", meta.get("MediaStorageSOPClassUID", ""))
    meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", meta.get("MediaStorageSOPInstanceUID", ""))


@dataclass
class _Text:
    """What the burned-in text pass read in the input: boxes to blank by entry (Clean Pixel
    Data), and the entries whose overlays hold text (Clean Graphics keeps only the others')."""

    boxes: dict[int, list[Box]] = field(default_factory=dict)
    overlays: set[int] = field(default_factory=set)


def _read_text(index: Index, settings: Settings, identity: Any) -> _Text:
    found = _Text()
    if settings.ocr is None or not {"clean_pixel_data", "clean_graphics"} & settings.options:
        return found

    def keep(entry: int, source: Source, line: ReadLine) -> None:
        if source.kind == "frame":
            found.boxes.setdefault(entry, []).append(Box(source.frame, *line.box))
        elif source.kind == "overlay":
            found.overlays.add(entry)

    read_burned_in(index, index.dicom, identity, settings.ocr, on_text=keep)
    return found


def _review_output(output: Path, ocr: OcrEngine | None) -> dict[str, Any]:
    index = Index()
    try:
        index.add([str(output)])
        index.run()
        return review(index, ocr=ocr)
    finally:
        index.close()


def _chunks(stream: ByteStream) -> Iterator[bytes]:
    """A stream in pieces of 1 MiB (the writer never holds a whole file)."""
    while chunk := stream.read(1 << 20):
        yield chunk


def _safe(name: str) -> str:
    """A name usable as an entry path component."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "unnamed"


__all__ = ["OPTION_NAMES", "Settings", "deidentify_inputs"]
