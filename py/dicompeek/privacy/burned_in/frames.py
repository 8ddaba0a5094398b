"""Which files and frames can hold burned-in text, and each frame made ready for OCR.

Reading every CT slice would take hours and find nothing: burned-in text lives in the images
made from a screen (ultrasound, secondary captures, fluoroscopy and angiography, endoscopy and
photographs, dose reports and scanned documents) and in any image whose Burned In Annotation
says YES. Those are read; the rest is skipped and the report says so. Long cines are sampled
(the banner rarely changes between frames), with the number of frames read stated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

#: Modalities whose images are usually screens, with what each is.
SCREEN_MODALITIES = {"US": "ultrasound", "SC": "secondary capture", "XA": "angiography", "RF": "fluoroscopy",
                     "ES": "endoscopy", "XC": "photograph", "OT": "other (screens, dose reports)",
                     "DOC": "scanned document", "SR": ""}
#: SOP Class UIDs of secondary captures and encapsulated scans, whatever their modality says.
SCREEN_CLASSES = ("1.2.840.10008.5.1.4.1.1.7",)
#: Frames read of a multi-frame image: all of a short one, this many spread over a long one.
FRAMES_READ = 8
#: Frames smaller than this (rows) are enlarged before OCR: small banner text reads better.
UPSCALE_BELOW = 1000


def why_read(fields: Mapping[str, Any]) -> str | None:
    """Why the pixels of a file are read for burned-in text, or None when they are not."""
    burned = str(fields.get("BurnedInAnnotation") or "").strip().upper()
    if not fields.get("Rows"):
        return None
    if burned == "YES":
        return "Burned In Annotation is YES"
    if burned == "NO":
        return None
    modality = str(fields.get("Modality") or "").upper()
    kind = SCREEN_MODALITIES.get(modality)
    if kind:
        return f"{kind} images usually have text burned in, and Burned In Annotation is not stated"
    if str(fields.get("SOPClassUID") or "").startswith(SCREEN_CLASSES):
        return "secondary captures usually have text burned in, and Burned In Annotation is not stated"
    return None


def frames_to_read(count: int, limit: int = FRAMES_READ) -> list[int]:
    """Every frame of a short image; ``limit`` frames spread evenly over a long one."""
    if count <= limit:
        return list(range(count))
    return sorted({round(n * (count - 1) / (limit - 1)) for n in range(limit)})


def prepare(image: np.ndarray) -> tuple[np.ndarray, int]:
    """A rendered frame (uint8 grey or RGB) as OCR reads best: grey, dark text on light, small
    frames enlarged; and the factor its coordinates were multiplied by."""
    grey = image if image.ndim == 2 else (image[..., :3].astype(np.uint16) @ np.array([77, 150, 29]) >> 8)
    grey = grey.astype(np.uint8)
    if float(np.median(grey)) < 128:  # light text on a dark screen, as almost every banner is
        grey = 255 - grey
    # the background to white: everything lighter than halfway between it and the darkest ink
    # (screen noise, soft gradients), while the glyphs keep their anti-aliased edges
    background, ink = float(np.median(grey)), float(grey.min())
    if background - ink > 64:
        grey = np.where(grey > (background + ink) / 2, 255, grey)
    scale = 2 if max(grey.shape) < UPSCALE_BELOW else 1
    if scale > 1:
        grey = np.repeat(np.repeat(grey, scale, axis=0), scale, axis=1)
    return np.ascontiguousarray(grey), scale

