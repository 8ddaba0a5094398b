"""Which files and frames can hold burned-in text, and each image made ready for OCR.

Reading every CT slice would take hours and find nothing: burned-in text lives in the images
made from a screen (ultrasound, secondary captures, fluoroscopy and angiography, endoscopy and
photographs, dose reports and scanned documents: the pixel rule's
:func:`~dicompeek.privacy.rules.pixels.risky_pixels`) and in any image whose Burned In Annotation
says YES. Those are read, with their overlay planes (60xx,3000) rendered on their own and their
icon image; the rest is skipped and the report says so. Long cines are sampled (the banner
rarely changes between frames), with the number of frames read stated.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.pixels.display import render_frame
from dicompeek.privacy.rules.pixels import risky_pixels

#: The index fields this pass reads (a review part is sent them).
FIELDS = ("BurnedInAnnotation", "Modality", "SOPClassUID", "Rows", "NumberOfFrames", "InstitutionName")
#: Frames read of a multi-frame image: all of a short one, this many spread over a long one.
FRAMES_READ = 8
#: Images smaller than this (rows and columns) are enlarged before OCR: small text reads better.
UPSCALE_BELOW = 1000
#: Icon images are thumbnails (64 or 128 pixels): enlarged this much more.
ICON_UPSCALE = 4


@dataclass(frozen=True, slots=True)
class Source:
    """One image read for text: a frame of the pixel data, an overlay plane, or the icon."""

    kind: str  # "frame" | "overlay" | "icon"
    frame: int  # the frame's number (0-based); 0 for an overlay or icon
    group: int = 0  # the overlay's group (0x6000 …)

    def label(self) -> str:
        if self.kind == "overlay":
            return f"overlay {self.group:04X}"
        return "icon image" if self.kind == "icon" else f"frame {self.frame + 1}"


def why_read(fields: Mapping[str, Any]) -> str | None:
    """Why the pixels of a file are read for burned-in text, or None when they are not."""
    burned = str(fields.get("BurnedInAnnotation") or "").strip().upper()
    if not fields.get("Rows"):
        return None
    if burned == "YES":
        return "Burned In Annotation is YES"
    if burned == "NO":
        return None
    kind = risky_pixels(str(fields.get("Modality") or "").upper(), str(fields.get("SOPClassUID") or ""))
    if kind:
        return f"{kind}: text is often burned in, and Burned In Annotation is not stated"
    return None


def frames_to_read(count: int, limit: int = FRAMES_READ) -> list[int]:
    """Every frame of a short image; ``limit`` frames spread evenly over a long one."""
    if count <= limit:
        return list(range(count))
    return sorted({round(n * (count - 1) / (limit - 1)) for n in range(limit)})


def sources_of(ds: Dataset, frames: int) -> list[Source]:
    """What is read of one file: its sampled frames, each overlay plane, its icon image."""
    sources = [Source("frame", n) for n in frames_to_read(frames)]
    sources += [Source("overlay", 0, group) for group in range(0x6000, 0x6020, 2)
                if (group << 16 | 0x3000) in ds._dict]
    if "IconImageSequence" in ds and len(ds.IconImageSequence):
        sources.append(Source("icon", 0))
    return sources


def image_of(ds: Dataset, source: Source) -> tuple[np.ndarray, int]:
    """One source as OCR reads best (:func:`prepare`) and the factor its coordinates grew by."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if source.kind == "frame":
            return prepare(render_frame(ds, source.frame))
        if source.kind == "overlay":
            plane = np.asarray(ds.overlay_array(source.group))
            plane = plane[0] if plane.ndim == 3 else plane  # a multi-frame overlay: its first frame
            return prepare(np.where(plane > 0, 255, 0).astype(np.uint8))
        icon = ds.IconImageSequence[0]
        icon.file_meta = ds.file_meta  # the icon is encoded as its file says (its transfer syntax)
        image, scale = prepare(render_frame(icon, 0))
        return _enlarge(image, ICON_UPSCALE), scale * ICON_UPSCALE


def prepare(image: np.ndarray) -> tuple[np.ndarray, int]:
    """A rendered image (uint8 grey or RGB) as OCR reads best: grey, dark text on light, small
    images enlarged; and the factor its coordinates were multiplied by."""
    grey = image if image.ndim == 2 else (image[..., :3].astype(np.uint16) @ np.array([77, 150, 29]) >> 8)
    grey = grey.astype(np.uint8)
    if float(np.median(grey)) < 128:  # light text on a dark screen, as almost every banner is
        grey = 255 - grey
    # the background to white: everything lighter than halfway between it and the darkest ink
    # (screen noise, soft gradients), while the glyphs keep their anti-aliased edges
    background, ink = float(np.median(grey)), float(grey.min())
    if background - ink > 64:
        grey = np.where(grey > (background + ink) / 2, 255, grey).astype(np.uint8)
    scale = 2 if max(grey.shape) < UPSCALE_BELOW else 1
    return _enlarge(grey, scale), scale


def _enlarge(image: np.ndarray, scale: int) -> np.ndarray:
    if scale > 1:
        image = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    return np.ascontiguousarray(image)

