"""A de-identified copy of picked zips and files: every DICOM file through Table E.1-1 with the
options chosen, its pixels cleaned where asked, written to a new zip as it goes, and the copy
reviewed again.

The steps (the command line's ``deidentify`` and the page's "Make a de-identified copy…" run the
same; the page in a part on each worker, each writing to a file of the browser's origin-private file
system, :mod:`dicompeek.app.worker_copy`):

1. index the inputs (the lazy, hostile-input-safe reader: nothing is read whole but one file);
2. learn every patient (the review's :class:`~..identity.Identity`), give each a pseudonym
   (:mod:`.pseudonyms`) and a date offset (:mod:`.dates`);
3. with Clean Pixel Data and an OCR engine, read the burned-in text of the input
   (:mod:`..burned_in`) for the boxes to blank;
4. file by file, in index order, a step of :class:`CopyJob` at a time: read it, blank its boxes
   (:mod:`.pixels`), apply the table (:mod:`.actions`), write it under a neutral name
   ``<pseudonym>/<study n>/<series n>/<n>.dcm`` to the output zip
   (:class:`~dicompeek.io.zipwriter.ZipWriter`, streamed: one file in memory), stored when the
   input entry was stored, else as the writer's trial decides; then the central directory;
5. review the finished copy as the review does any zip (:func:`.inputs.review_copy`), and report
   counts, never values.

The command line's whole run, on every core, is :func:`.inputs.deidentify_inputs`.

Dropped and why, all counted: DICOMDIRs (their records name the old files and patients; not
regenerated), files that cannot be read (named in ``problems``), and other files unless
``keep_non_dicom``.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import secrets
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

from dicompeek.dicom.header import Header, written_header
from dicompeek.dicom.instances import read_instance
from dicompeek.dicom.writer import part10
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import frame_count
from dicompeek.io.archive import Entry
from dicompeek.io.extent import Extent
from dicompeek.io.stream import ByteStream
from dicompeek.io.zipwriter import EntryInfo, Sink, ZipWriter
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.burned_in.frames import why_read
from dicompeek.privacy.burned_in.reader import read_burned_in, text_left
from dicompeek.privacy.deidentify import passthrough
from dicompeek.privacy.deidentify.actions import deidentify
from dicompeek.privacy.deidentify.context import RunContext
from dicompeek.privacy.deidentify.dates import offset_days
from dicompeek.privacy.deidentify.meta import ensure_meta
from dicompeek.privacy.deidentify.pixels import Box, blank
from dicompeek.privacy.deidentify.pseudonyms import Pseudonym, PseudonymMap
from dicompeek.privacy.deidentify.text_pass import PixelText
from dicompeek.privacy.deidentify.uids import UidMap
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.reviewer import Reviewer

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
#: A written file whose pixel data, copied from its zip, does not match the CRC-32 the zip states.
DAMAGED = ("its pixel data in the zip does not match the zip's CRC-32 (the file is damaged): copied as it is, "
           "so the copy's entry fails its CRC check as the input's does")
#: A file this large is written with a zip64 local header (its copy may pass 4 GiB).
ZIP64_NEAR = 3 << 30


@dataclass
class Settings:
    """What the person chose."""

    options: frozenset[str] = frozenset()  # keys of OPTION_NAMES' values
    salt: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    pseudonyms: PseudonymMap = field(default_factory=PseudonymMap)
    keep_non_dicom: bool = False
    ocr: OcrEngine | None = None
    #: Clean Pixel Data: boxes a person drew, by input Series Instance UID (every frame of every
    #: instance of the series; blanked whether or not OCR is available). ``--box`` on the command line.
    drawn: dict[str, list[Box]] = field(default_factory=dict)
    #: The input's burned-in text read beforehand (the page: its engine answers asynchronously, so
    #: :class:`~.text_pass.TextPass` reads before the copy, and ``ocr`` answers from what it read);
    #: None: read with ``ocr`` when the copy starts.
    text: PixelText | None = None


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


def other_entries(index: Index) -> list[int]:
    """The positions of the entries of ``index`` that are not DICOM files (dropped or kept as they are)."""
    dicom = {record.entry for record in index.dicom}
    return [number for number in range(len(index.sources.entries)) if number not in dicom]


def copy_names(records: list[DicomRecord], pseudonyms: PseudonymMap) -> list[tuple[Pseudonym, str]]:
    """Each record's pseudonym and neutral name in the copy, in index order, before any file is read:
    the same whichever part of the copy writes the file (a file that then cannot be copied leaves
    a gap in the numbers; a DICOMDIR, which is dropped, takes none)."""
    numbering, names = _Numbering(), []
    for record in records:
        fields = record.fields
        if str(fields.get("SOPClassUID") or "") == DICOMDIR_CLASS:
            names.append((Pseudonym("", ""), ""))
            continue
        pseudonym = pseudonyms.of(str(fields.get("PatientID") or ""), str(fields.get("PatientName") or ""))
        names.append((pseudonym, numbering.name(pseudonym.id, fields)))
    return names


class CopyJob:
    """Writing the copy of everything ``index`` holds to ``sink`` (anything with ``write``: the
    zip writer never seeks), in steps of about ``budget`` seconds, so that the page's worker
    can report progress between steps and the page can cancel (by asking for no more): steps
    while not :attr:`done`, then :meth:`finish` (the central directory; the report in counts),
    then :func:`.inputs.review_copy` of the finished copy. ``progress(done, total)`` hears each DICOM
    file as it is started (the command line's callback).

    By default the job writes every record of ``index`` and its other entries. A part of a copy
    written in parts (the command line's processes, the page's workers) is given its ``records``
    (a consecutive run; ``index`` gives the entries to read) and what depends on every record:
    ``names`` (each of its records' pseudonym and name, :func:`copy_names` of every record),
    ``identity`` (seeded with every record) and ``others`` (the positions of the non-DICOM entries
    it writes: the last part's).
    The burned-in text pass (Clean Pixel Data, Clean Graphics) runs when the job is made, with
    ``settings.ocr``, unless ``settings.text`` was read beforehand."""

    def __init__(self, index: Index, sink: Sink, settings: Settings,
                 progress: Callable[[int, int], None] | None = None, *,
                 records: list[DicomRecord] | None = None, names: list[tuple[Pseudonym, str]] | None = None,
                 identity: Identity | None = None, others: list[int] | None = None) -> None:
        self._index, self._settings, self._progress = index, settings, progress
        self._records = index.dicom if records is None else records
        self._names = names if names is not None else copy_names(index.dicom, settings.pseudonyms)
        if identity is None:
            reviewer = Reviewer()
            reviewer.seed(index.dicom)
            identity = reviewer.identity
        self._identity = identity
        self._uids = UidMap(settings.salt)
        self._text = text_of(index, settings, self._identity)
        self._actions: Counter[tuple[str, str]] = Counter()
        self._dropped: Counter[str] = Counter()
        self._pixels: Counter[str] = Counter()
        self._problems: list[dict[str, str]] = []
        self._written = self._kept = 0
        self._headers: dict[int, Header] = {}
        others = other_entries(index) if others is None else others
        self._others = [index.sources.entries[number] for number in others]
        self._next = 0
        self._zip = ZipWriter(sink)

    @property
    def total(self) -> int:
        """Files to go through: the DICOM files, then the others (dropped or copied)."""
        return len(self._records) + len(self._others)

    @property
    def done(self) -> bool:
        return self._next >= self.total

    @property
    def bytes_written(self) -> int:
        return self._zip.bytes_written

    def progress(self) -> dict[str, Any]:
        """{"files": gone through so far, "total", "done": bool, "bytes": written so far}."""
        return {"files": self._next, "total": self.total, "done": self.done, "bytes": self.bytes_written}

    def step(self, budget: float = 0.1) -> dict[str, Any]:
        """Copy files for about ``budget`` seconds (at least one); the :meth:`progress`. An error
        that is not one file's (the sink failing) leaves the zip unfinished: the job is over."""
        deadline = time.perf_counter() + budget
        records = self._records
        while self._next < self.total:
            if self._next < len(records):
                self._dicom_file(records[self._next], self._next)
            else:
                self._other_file(self._others[self._next - len(records)])
            self._next += 1
            if time.perf_counter() >= deadline:
                break
        return self.progress()

    @property
    def entries(self) -> list[EntryInfo]:
        """The zip entries written so far (a part's, for :meth:`ZipWriter.adopt`)."""
        return list(self._zip.entries)

    @property
    def headers(self) -> dict[int, Header]:
        """The header of each DICOM file written, by its position among :attr:`entries`, as indexing
        the copy would read it (:func:`~dicompeek.dicom.header.written_header`): the copy's review
        indexes only the entries not here (:meth:`~dicompeek.index.indexer.Index.add_written`)."""
        return self._headers

    @property
    def uids(self) -> dict[str, str]:
        """Old UID → new, in the order met (a part's, for the mapping)."""
        return self._uids.mapped

    def finish(self, central: bool = True) -> dict[str, Any]:
        """Write the zip's central directory (the sink is left open; not for a part whose entries
        another writer adopts: ``central=False``) once :attr:`done`; the report in counts:
        {"files_written", "actions", "dropped", "problems", "pixels"}."""
        if not self.done:
            raise RuntimeError("the copy is not written yet")
        if central:
            self._zip.close()
        return {"files_written": self._written,
                "actions": [{"element": element, "action": action, "files": n}
                            for (element, action), n in sorted(self._actions.items())],
                "dropped": dict(self._dropped), "problems": self._problems, "pixels": dict(self._pixels)}

    def mapping(self, uids: dict[str, str] | None = None) -> str:
        """What the copy replaced, as CSV (kind, original, new name, new): each patient's
        original ID and pseudonym, each old UID and its new one (``uids``: those of every part of
        a copy written in parts). Sensitive: with it the copy links back to the patients, so it
        is never part of the report."""
        return mapping_csv(self._settings.pseudonyms, self._uids.mapped if uids is None else uids)

    def _dicom_file(self, record: DicomRecord, position: int) -> None:
        if self._progress:
            self._progress(position + 1, len(self._records))
        if str(record.fields.get("SOPClassUID") or "") == DICOMDIR_CLASS:
            self._dropped["DICOMDIR (not regenerated)"] += 1
            return
        try:
            data, name, header = _one_file(self._index, record, self._settings, self._identity, self._uids, self._text,
                                   self._names[position], self._actions, self._pixels)
        except Exception as exc:  # a file that cannot be read or written: said, not copied
            self._problems.append({"location": record.location, "reason": f"{type(exc).__name__}: {exc}"[:300]})
            self._dropped["could not be de-identified"] += 1
            return
        entry = self._index.sources.entries[record.entry]
        damaged = self._zip.damaged
        self._zip.add(name, data, compress=_compression(entry), zip64=entry.size > ZIP64_NEAR)
        self._headers[len(self._zip.entries) - 1] = header
        self._written += 1
        if self._zip.damaged > damaged:  # only where the bytes were copied: the page's copy does not read them
            self._problems.append({"location": record.location, "reason": DAMAGED})

    def _other_file(self, entry: Entry) -> None:
        if not self._settings.keep_non_dicom:
            self._dropped["not DICOM"] += 1
            return
        self._kept += 1
        suffix = _safe(os.path.splitext(entry.path)[1])[:8]  # the type, not the name
        with entry.open() as stream:
            self._zip.add(f"other/{self._kept:05d}{'.' + suffix if suffix != 'unnamed' else ''}", _chunks(stream),
                          compress=_compression(entry))
        self._written += 1


def mapping_csv(pseudonyms: PseudonymMap, uids: dict[str, str]) -> str:
    """:meth:`CopyJob.mapping` of ``pseudonyms`` and ``uids`` (the page's worker 0 joins parts
    written on other workers, so it holds no job that wrote them all)."""
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    rows.writerow(("kind", "original", "new_name", "new"))
    for original, pseudonym in pseudonyms.items():
        rows.writerow(("patient", original, pseudonym.name, pseudonym.id))
    for old, new in uids.items():
        rows.writerow(("uid", old, "", new))
    return text.getvalue()


def _compression(entry: Entry) -> bool | None:
    """How to write a copy of ``entry``: stored (False) when it was a stored zip entry (deflating
    it again was most of the copy's time on CT exports, which their exporters had chosen to store),
    else the writer's trial decides (None)."""
    return False if entry.archive is not None and entry.packed == entry.size else None


def _one_file(index: Index, record: DicomRecord, settings: Settings, identity: Any, uids: UidMap,
              text: PixelText, named: tuple[Pseudonym, str], actions: Counter[tuple[str, str]],
              pixels: Counter[str]) -> tuple[Iterable[bytes | Extent], str, Header]:
    """One file's copy: its bytes (the pixel data streamed from the input where nothing changes it:
    :mod:`.passthrough`), its name and its header as indexing the copy would read it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fields = record.fields
        pid, pname = str(fields.get("PatientID") or ""), str(fields.get("PatientName") or "")
        pseudonym, name = named
        read = settings.ocr is not None and why_read(fields) is not None
        cleaning = "clean_pixel_data" in settings.options
        boxes = text.to_blank(record.entry, fields, settings.drawn) if cleaning else []  # read, and drawn
        reread = cleaning and read  # Burned In Annotation NO only when a second reading finds no text
        ds, start = _read(index, record, streamed=not boxes and not reread)
        # Clean Graphics: overlays stay only where OCR read them and found no text
        context = RunContext(uids, identity, offset_days(settings.salt, pid or f"name:{pname}"),
                             pseudonym.name, pseudonym.id, keep_overlays=read and record.entry not in text.overlays)
        context.learn_people(ds, settings.options)
        cleaned = False
        if boxes:
            pixels[blank(ds, boxes)] += 1
        if reread and settings.ocr is not None:
            cleaned = not text_left(ds, settings.ocr, identity, identity.patient_of(fields), frame_count(record))
            pixels["read again: no text left" if cleaned else "read again: text left"] += 1
        actions.update(deidentify(ds, settings.options, context, pixels_cleaned=cleaned))
        data, length = part10(ds)
    if start is None:
        return (data,), name, written_header(ds, length)
    entry = index.sources.entries[record.entry]
    return itertools.chain((data,), passthrough.chunks(entry, start)), name, written_header(ds, len(data))


def _read(index: Index, record: DicomRecord, streamed: bool) -> tuple[Dataset, int | None]:
    """The dataset of ``record`` with its file meta (:func:`.meta.ensure_meta`), and where its
    pixel data starts when only its header was read (``streamed`` asks for that: the pixel data is
    then copied from there, :mod:`.passthrough`); the whole file where the pixel data must be read,
    the file is small, or its pixel data cannot be streamed as it is (not last in the file, or the
    file is not written in the encoding it was read in)."""
    start = record.header_length if streamed and record.size >= passthrough.STREAM_FROM else None
    if start is not None and passthrough.streamable_syntax(record.transfer_syntax):
        ds = read_instance(index, record.entry, pixels=False, header_length=start)
        ensure_meta(ds, record.location)
        syntax = str(ds.file_meta.TransferSyntaxUID)
        if (ds.original_encoding == (syntax == ImplicitVRLittleEndian, True) and "PixelData" not in ds
                and passthrough.pixel_element_ends_file(index.sources.entries[record.entry], start, syntax)):
            return ds, start
    ds = read_instance(index, record.entry, pixels=True)
    ensure_meta(ds, record.location)
    return ds, None


def text_of(index: Index, settings: Settings, identity: Identity) -> PixelText:
    """The burned-in text of the input as the copy uses it: ``settings.text`` when it was read
    beforehand, else read with ``settings.ocr`` when Clean Pixel Data or Clean Graphics asks for it
    (once, before a copy written in parts)."""
    if settings.text is not None:
        return settings.text  # read beforehand (the page)
    found = PixelText()
    if settings.ocr is None or not {"clean_pixel_data", "clean_graphics"} & settings.options:
        return found
    read_burned_in(index, index.dicom, identity, settings.ocr, on_text=found.keep)
    return found


def _chunks(stream: ByteStream) -> Iterator[bytes]:
    """A stream in pieces of 1 MiB (the writer never holds a whole file)."""
    while chunk := stream.read(1 << 20):
        yield chunk


def _safe(name: str) -> str:
    """A name usable as an entry path component."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "unnamed"


__all__ = ["OPTION_NAMES", "CopyJob", "Settings", "copy_names", "mapping_csv", "other_entries",
           "text_of"]
