"""Tesseract as the command line's OCR engine (the ``[ocr]`` extra: ``pytesseract`` and Debian's
``tesseract-ocr``), an :class:`~dicompeek.privacy.burned_in.engine.OcrEngine`.

CLI only: the page reads with tesseract.js, which answers in the same TSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dicompeek.privacy.burned_in.engine import Word, words_from_tsv

#: Sparse text in any order (banners, labels and scale marks scattered over a screen), LSTM
#: only: the same settings the page gives tesseract.js (web/ocr.js).
CONFIG = "--psm 11 --oem 1"


class TesseractEngine:
    """Words and boxes from ``pytesseract.image_to_data`` (Tesseract's TSV)."""

    def __init__(self, tessdata: Path | None = None) -> None:
        import pytesseract  # the [ocr] extra; ImportError says it is missing

        self._tesseract = pytesseract
        self._config = CONFIG + (f' --tessdata-dir "{tessdata}"' if tessdata else "")
        self.name = f"Tesseract {pytesseract.get_tesseract_version()}"  # raises when the binary is missing

    def recognise(self, image: np.ndarray) -> list[Word]:
        from PIL import Image

        return words_from_tsv(self._tesseract.image_to_data(Image.fromarray(image), config=self._config))


def load(tessdata: Path | None = None) -> tuple[TesseractEngine | None, str]:
    """The engine, or None and why OCR is unavailable (said once by the command line).
    ``tessdata``: a folder with the English model to use instead of the system's (the tests
    give it the page's, to compare the two engines on the same model)."""
    try:
        return TesseractEngine(tessdata), ""
    except ImportError:
        return None, "pytesseract is not installed (pip install 'dicompeek[ocr]')"
    except Exception as exc:  # pytesseract.TesseractNotFoundError and the like
        return None, f"Tesseract is not available ({type(exc).__name__}: {exc})"
