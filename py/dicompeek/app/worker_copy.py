"""The page's "Make a de-identified copy…", on worker 0 (which holds every record after indexing):
the settings from the page's choices, and the sink the copy is written to.

How the bytes leave Python: before :func:`start`, ``web/worker.js`` opens a file in the origin-private
file system with a synchronous access handle and registers the JS module :data:`OUTPUT_MODULE`, whose
``write(buffer)`` writes the bytes at the file's end through that handle and returns their count. The
zip writer never seeks, so each entry goes to disk as it is made and Python's memory does not grow with
the copy. The entry points (``deid_*`` in :mod:`.worker_api`) drive a :class:`PageCopy`: with Clean
Pixel Data or Clean Graphics and the page's OCR engine, first the input's burned-in text read image by
image (:class:`~dicompeek.privacy.deidentify.text_pass.TextPass`: the page hands each image to
tesseract.js and gives its words back), then a :class:`~dicompeek.privacy.deidentify.run.CopyJob` step
by step, as the command line does in one go.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections import Counter
from typing import Any

from dicompeek.index.indexer import Index
from dicompeek.io.zipwriter import Sink
from dicompeek.privacy.burned_in.engine import pgm, words_from_tsv
from dicompeek.privacy.deidentify.pixels import drawn_boxes
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import OPTION_NAMES, CopyJob, Settings
from dicompeek.privacy.deidentify.text_pass import TextPass
from dicompeek.privacy.reviewer import Reviewer

#: The JS module the worker registers before a copy starts: ``write(buffer) -> bytes written``.
OUTPUT_MODULE = "dicompeek_output"
#: Where the page's pseudonym table is named in its messages.
TABLE = "the pseudonym table"


class JsSink:
    """The copy's sink in the browser: each write goes straight to the worker's file."""

    def __init__(self) -> None:
        self._module: Any = importlib.import_module(OUTPUT_MODULE)

    def write(self, data: Any) -> int:
        return int(self._module.write(data))


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
    """The page's copy of everything in ``index`` to ``sink``: with ``engine`` (the name of the
    page's OCR engine) and Clean Pixel Data or Clean Graphics, the input's burned-in text is read
    first (:meth:`next_image`, :meth:`take` until :attr:`reading` is over), then the copy is
    written in steps (:meth:`step` while not :attr:`done`, then :meth:`finish`), by the command
    line's :class:`CopyJob` answered by what was read."""

    def __init__(self, index: Index, settings: Settings, sink: Sink, engine: str | None = None) -> None:
        self._index, self._settings, self._sink = index, settings, sink
        self._text: TextPass | None = None
        self._job: CopyJob | None = None
        if engine and {"clean_pixel_data", "clean_graphics"} & settings.options:
            reviewer = Reviewer()
            reviewer.seed(index.dicom)  # the identity the copy judges the text by (CopyJob's)
            self._text = TextPass(index, reviewer.identity, engine, "clean_pixel_data" in settings.options,
                                  settings.drawn)
        else:
            self._job = CopyJob(index, sink, settings)

    @property
    def reading(self) -> bool:
        """Whether the burned-in text is still being read (no step of the copy yet)."""
        return self._text is not None and not self._text.done

    @property
    def done(self) -> bool:
        return self._job is not None and self._job.done

    def progress(self) -> dict[str, Any]:
        """CopyJob's progress ({"files", "total", "done", "bytes"}) and "stage": "reading" (with
        "images": {"images", "total", "done"} of the text pass) or "writing"."""
        images = {"images": self._text.progress()} if self._text is not None else {}
        if self._job is None:
            return {"stage": "reading", "files": 0, "total": len(self._index.dicom), "done": False, "bytes": 0,
                    **images}
        return {"stage": "writing", **self._job.progress(), **images}

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

    def step(self, budget: float) -> dict[str, Any]:
        """Write the copy for about ``budget`` seconds (once the text is read); the :meth:`progress`."""
        self._job_ready().step(budget)
        return self.progress()

    def finish(self) -> dict[str, Any]:
        return self._job_ready().finish()

    def mapping(self) -> str:
        return self._job_ready().mapping()

    def _job_ready(self) -> CopyJob:
        if self._job is None:
            if self._text is None or not self._text.done:
                raise RuntimeError("the text in the pixels is still being read")
            settings = dataclasses.replace(self._settings, text=self._text.text, ocr=self._text.engine)
            self._job = CopyJob(self._index, self._sink, settings)
        return self._job


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
        try:
            series["frames"] += max(int(fields.get("NumberOfFrames") or 1), 1)
        except (TypeError, ValueError):
            series["frames"] += 1
        sizes.setdefault(key, Counter())[f"{fields.get('Columns')}×{fields.get('Rows')}"] += 1
    return [{**series, "size": sizes[key].most_common(1)[0][0]} for key, series in found.items()]


def start(index: Index, options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool,
          boxes: list[str] | None = None, engine: str | None = None) -> PageCopy:
    """The copy of everything in ``index``, written to the worker's file (:class:`JsSink`);
    ``engine``: the page's OCR engine, when it may read the burned-in text."""
    return PageCopy(index, settings_of(options, salt, pseudonym_csv, keep_non_dicom, boxes), JsSink(), engine)
