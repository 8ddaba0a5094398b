"""The OCR engine as a plugin: what it is given, what it gives back, and which one is in use.

Why a protocol: the same review runs in CPython (Tesseract through ``pytesseract``) and in the
page (tesseract.js in a Web Worker). Both see the same prepared image and give the same kind of
answer, so everything that decides what a text means is written once, in Python.
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


_ENGINES: list[OcrEngine] = []


def register(engine: OcrEngine) -> None:
    """Use ``engine`` for reading burned-in text (replaces one registered before)."""
    _ENGINES[:] = [engine]


def unregister() -> None:
    _ENGINES.clear()


def current() -> OcrEngine | None:
    """The engine in use, or None (the review then says that no pixels were read)."""
    return _ENGINES[0] if _ENGINES else None
