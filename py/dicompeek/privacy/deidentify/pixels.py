"""Clean Pixel Data: the boxes where text was read (the burned-in text pass) or drawn by a
person, filled with black in the frames they apply to.

A drawn box is given per series (:func:`drawn_box`: ``SERIES_INSTANCE_UID:X,Y,W,H``, the command
line's ``--box`` and the page's boxes alike, so both make the same copy) and applies to every frame
of every instance of that series.

Native pixel data is changed in place and stays in its transfer syntax; compressed pixel data
is decoded, blanked and written uncompressed (Explicit VR Little Endian: lossless, and readable
everywhere), which the action log says. A margin of :data:`MARGIN` pixels is added around each
box: OCR boxes hug the glyphs, and anti-aliased edges stay legible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

MARGIN = 3
#: A UID as PS3.5 9.1 allows: digits and dots, at most 64 characters.
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")
_NUMBER = re.compile(r"[0-9]{1,6}")
#: The largest coordinate a drawn box may have (Rows and Columns are 16-bit).
_LIMIT = 65535


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle to blank: frame None applies to every frame of the image."""

    frame: int | None
    x: int
    y: int
    width: int
    height: int


def drawn_box(text: str) -> tuple[str, Box]:
    """A box drawn on a series, from ``SERIES_INSTANCE_UID:X,Y,W,H`` (pixels of its frames, from the
    top left; every frame): (the series' UID, the box). A ValueError says what is wrong with it."""
    uid, colon, numbers = text.strip().rpartition(":")
    if not colon:
        raise ValueError(f"{text!r}: expected SERIES_INSTANCE_UID:X,Y,W,H")
    uid = uid.strip()
    if len(uid) > 64 or not _UID.fullmatch(uid):
        raise ValueError(f"{text!r}: {uid!r} is not a Series Instance UID (digits and dots, at most 64)")
    parts = [part.strip() for part in numbers.split(",")]
    if len(parts) != 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        raise ValueError(f"{text!r}: X,Y,W,H must be four whole numbers of pixels, not {numbers!r}")
    x, y, width, height = (int(part) for part in parts)
    if width < 1 or height < 1:
        raise ValueError(f"{text!r}: the width and the height must be at least 1 pixel")
    if max(x + width, y + height) > _LIMIT:
        raise ValueError(f"{text!r}: the box ends past {_LIMIT} pixels")
    return uid, Box(None, x, y, width, height)


def drawn_boxes(texts: Iterable[str]) -> dict[str, list[Box]]:
    """Boxes in :func:`drawn_box`'s form, by series, in the order given."""
    boxes: dict[str, list[Box]] = {}
    for text in texts:
        uid, box = drawn_box(text)
        boxes.setdefault(uid, []).append(box)
    return boxes


def blank(ds: Dataset, boxes: Iterable[Box]) -> str:
    """Fill ``boxes`` with black in ``ds``'s pixel data; what was done, for the action log
    ("blanked" or "decoded, blanked, written as Explicit VR Little Endian")."""
    boxes = list(boxes)
    if not boxes:
        return ""
    if "PixelData" not in ds:
        return "no pixel data to blank"
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
