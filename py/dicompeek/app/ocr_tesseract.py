"""Tesseract as the command line's OCR engine (the ``[ocr]`` extra: ``pytesseract`` and Debian's
``tesseract-ocr``), registered as a plugin of :mod:`dicompeek.privacy.burned_in.engine`.

CLI only: the page reads with tesseract.js through the same protocol.
"""

from __future__ import annotations

import numpy as np

from dicompeek.privacy.burned_in.engine import Word

#: Sparse text in any order: banners, labels and scale marks scattered over a screen.
CONFIG = "--psm 11"


class TesseractEngine:
    """Words and boxes from ``pytesseract.image_to_data``."""

    def __init__(self) -> None:
        import pytesseract  # the [ocr] extra; ImportError says it is missing

        self._tesseract = pytesseract
        self.name = f"Tesseract {pytesseract.get_tesseract_version()}"  # raises when the binary is missing

    def recognise(self, image: np.ndarray) -> list[Word]:
        from PIL import Image

        data = self._tesseract.image_to_data(Image.fromarray(image), config=CONFIG,
                                             output_type=self._tesseract.Output.DICT)
        return [Word(text, float(confidence), int(x), int(y), int(width), int(height))
                for text, confidence, x, y, width, height in zip(
                    data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"],
                    strict=True) if str(text).strip()]


def load() -> tuple[TesseractEngine | None, str]:
    """The engine, or None and why OCR is unavailable (said once by the command line)."""
    try:
        return TesseractEngine(), ""
    except ImportError:
        return None, "pytesseract is not installed (pip install 'dicompeek[ocr]')"
    except Exception as exc:  # pytesseract.TesseractNotFoundError and the like
        return None, f"Tesseract is not available ({type(exc).__name__}: {exc})"
