"""Clean Pixel Data: the boxes where text was read (the burned-in text pass) or drawn by a
person, filled with black in the frames they apply to.

Native pixel data is changed in place and stays in its transfer syntax; compressed pixel data
is decoded, blanked and written uncompressed (Explicit VR Little Endian: lossless, and readable
everywhere), which the action log says. A margin of :data:`MARGIN` pixels is added around each
box: OCR boxes hug the glyphs, and anti-aliased edges stay legible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

MARGIN = 3


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle to blank: frame None applies to every frame of the image."""

    frame: int | None
    x: int
    y: int
    width: int
    height: int


def blank(ds: Dataset, boxes: Iterable[Box]) -> str:
    """Fill ``boxes`` with black in ``ds``'s pixel data; what was done, for the action log
    ("blanked" or "decoded, blanked, written as Explicit VR Little Endian")."""
    boxes = list(boxes)
    if not boxes:
        return ""
    compressed = ds.file_meta.TransferSyntaxUID.is_compressed
    if compressed:
        ds.decompress(generate_instance_uid=False)  # its UID is mapped like every other
    frames = int(ds.get("NumberOfFrames") or 1)
    array = np.array(ds.pixel_array)  # a writable copy
    stack = array if frames > 1 else array[np.newaxis]
    black = _black(ds, stack)
    rows, columns = stack.shape[1], stack.shape[2]
    for box in boxes:
        targets = range(frames) if box.frame is None else [box.frame] if 0 <= box.frame < frames else []
        top, left = max(box.y - MARGIN, 0), max(box.x - MARGIN, 0)
        bottom, right = min(box.y + box.height + MARGIN, rows), min(box.x + box.width + MARGIN, columns)
        for frame in targets:
            stack[frame, top:bottom, left:right] = black
    ds.PixelData = stack.astype(array.dtype, copy=False).tobytes()
    if compressed:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return "decoded, blanked, written as Explicit VR Little Endian"
    return "blanked"


def _black(ds: Dataset, stack: np.ndarray) -> int | float:
    """The value that shows as black: the smallest stored value, or the largest for MONOCHROME1."""
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        return stack.max().item()  # type: ignore[no-any-return]
    return 0 if stack.ndim == 4 else stack.min().item()
