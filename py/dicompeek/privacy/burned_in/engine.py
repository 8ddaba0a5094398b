"""The OCR engine as a plugin: what it is given, what it gives back.

Why a protocol: the same review runs in CPython (Tesseract through ``pytesseract``) and in the
page (tesseract.js in a Web Worker). Both see the same prepared image and answer in the same
form, Tesseract's TSV (:func:`words_from_tsv`), so everything that decides what a text means is
written once, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word and its box, in the coordinates of the image the engine was given."""

    text: str
    confidence: float  # 0–100, as Tesseract reports it
    x: int
    y: int
    width: int
    height: int


class OcrEngine(Protocol):
    """Recognises words in a (rows, columns) uint8 grey image with dark text on a light background."""

    name: str

    def recognise(self, image: np.ndarray) -> list[Word]: ...


#: The columns of Tesseract's TSV output (``tesseract … tsv``, ``GetTSVText``, ``image_to_data``).
TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
               "height", "conf", "text")
_WORD_LEVEL = "5"


def words_from_tsv(tsv: str) -> list[Word]:
    """The words of Tesseract's TSV (with or without its header row; tesseract.js gives none)."""
    words = []
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(TSV_COLUMNS) or cells[0] != _WORD_LEVEL:
            continue
        text = "\t".join(cells[11:]).strip()
        if not text:
            continue
        try:
            x, y, width, height = (int(v) for v in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        words.append(Word(text, confidence, x, y, width, height))
    return words


def pgm(image: np.ndarray) -> bytes:
    """A (rows, columns) uint8 image as a binary PGM file: what the page hands tesseract.js
    (Leptonica reads it without a codec; raw pixels are not accepted)."""
    rows, columns = image.shape
    return b"P5\n%d %d\n255\n" % (columns, rows) + np.ascontiguousarray(image, dtype=np.uint8).tobytes()
