"""The page's "Make a de-identified copy…", on worker 0 (which holds every record after indexing):
the settings from the page's choices, and the sink the copy is written to.

How the bytes leave Python: before :func:`start`, ``web/worker.js`` opens a file in the origin-private
file system with a synchronous access handle and registers the JS module :data:`OUTPUT_MODULE`, whose
``write(buffer)`` writes the bytes at the file's end through that handle and returns their count. The
zip writer never seeks, so each entry goes to disk as it is made and Python's memory does not grow with
the copy. The entry points (``deid_*`` in :mod:`.worker_api`) drive a
:class:`~dicompeek.privacy.deidentify.run.CopyJob` step by step, as the command line does in one go.
"""

from __future__ import annotations

import importlib
from typing import Any

from dicompeek.index.indexer import Index
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import OPTION_NAMES, CopyJob, Settings

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


def settings_of(options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool) -> Settings:
    """The command line's settings from the page's choices: ``--option`` names, the salt as
    ``--salt`` takes it (its UTF-8 bytes: a salt kept from the page links a later batch made on
    the command line), the pseudonym map's CSV and ``--keep-non-dicom``; no OCR engine.

    Clean Pixel Data is refused: it needs the text burned into the pixels read during the copy,
    which the page does not do yet (the command line does)."""
    unknown = [option for option in options if option not in OPTION_NAMES]
    if unknown:
        raise ValueError(f"unknown options: {', '.join(unknown)}")
    chosen = frozenset(OPTION_NAMES[option] for option in options)
    if "clean_pixel_data" in chosen:
        raise ValueError("Clean Pixel Data needs the text burned into the pixels read during the copy: "
                         "use the command line (deidentify --option clean-pixel-data)")
    if not salt:
        raise ValueError("a salt is needed (it makes new UIDs and date shifts repeatable)")
    return Settings(chosen, salt.encode(), PseudonymMap.from_csv(pseudonym_csv, TABLE), keep_non_dicom)


def start(index: Index, options: list[str], salt: str, pseudonym_csv: str, keep_non_dicom: bool) -> CopyJob:
    """The copy of everything in ``index``, written to the worker's file (:class:`JsSink`)."""
    return CopyJob(index, JsSink(), settings_of(options, salt, pseudonym_csv, keep_non_dicom))
