"""A small picture of a series: its middle frame, rendered as the viewer would and shrunk.

Why a module of its own: the summary shows one per series row and the viewer's series strip one
per series, each asked for lazily (as it scrolls into view) and answered as a PNG, a few KB, so a
page of 124 series costs 124 small images, never their frames. The middle frame, as Horos and
OHIF show: the first slice of a CT is often all air, the first frame of a cine a blank.

The file is read on its own, not through the viewer's instance cache: thumbnails of a whole
export must not push out the files a person is looking at. A file larger than
:data:`FILE_LIMIT` gets no thumbnail (reading it whole for a few KB is not worth its memory); it
is said why, and the viewer still opens it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.dicom.errors import describe
from dicompeek.dicom.instances import read
from dicompeek.index.indexer import Index
from dicompeek.index.series import order_frames
from dicompeek.pixels.display import frame_pixels, frame_problem, render_stored
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.png import encode_png

#: The longest side of a thumbnail, in pixels (the page shows it at half that on a normal screen,
#: sharp on a high-density one).
SIZE = 128
#: Files larger than this (as picked) get no thumbnail.
FILE_LIMIT = 64 * 1024 * 1024
#: A picture of frame ``frame`` of a dataset other than its grey rendering (a segmentation in its
#: segments' colours: :func:`dicompeek.objects.seg.thumbnail_picture`), grey or RGB uint8; None to
#: render it as any image. Passed in by the caller: this layer knows images, not what they annotate.
Painter = Callable[[Dataset, int], np.ndarray | None]


def thumbnail(index: Index, study_uid: str, series_uid: str, size: int = SIZE,
              paint: Painter | None = None) -> tuple[dict[str, Any], bytes]:
    """The series' middle frame as (meta, PNG bytes): meta holds ``entry`` and ``frame`` (which
    frame it is), ``frames`` (how many the series has), ``rows`` and ``columns`` of the picture;
    or ``error`` (why there is none) and no bytes. ``paint`` may picture the frame otherwise.
    Never raises on the data."""
    records = index.series_records(study_uid, series_uid)
    if not records:
        return {"error": "this series is no longer loaded"}, b""
    try:
        frames = order_frames(records)
    except Exception as exc:  # the records hold checked fields only: not expected
        return {"error": f"cannot order this series: {describe(exc)}"}, b""
    if not frames:
        return {"error": "no frames"}, b""
    middle = frames[len(frames) // 2]
    meta: dict[str, Any] = {"entry": middle.entry, "frame": middle.frame, "frames": len(frames)}
    source = index.sources.entries[middle.entry]
    if source.size > FILE_LIMIT:
        return {**meta, "error": f"no thumbnail for a file of {source.size // (1024 * 1024)} MB"}, b""
    try:
        ds = read(source, pixels=True).dataset
        if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
            return {**meta, "error": "no pixel data"}, b""
        problem = frame_problem(ds, middle.frame)
        if problem:
            return {**meta, "error": problem}, b""
        picture = paint(ds, middle.frame) if paint is not None else None
        if picture is None:
            try:
                view = frame_view(ds, middle.frame)
            except Exception:  # damaged functional groups: the file's own attributes still apply
                view = ds
            picture = render_stored(view, frame_pixels(ds, middle.frame))[0]
        image = shrink(picture, size)
    except BaseException as exc:  # a frame that cannot be shown: said, the page goes on
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return {**meta, "error": f"cannot show this frame: {describe(exc) if isinstance(exc, Exception) else exc}"}, b""
    meta["rows"], meta["columns"] = int(image.shape[0]), int(image.shape[1])
    return meta, encode_png(image)


def shrink(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` (grey or RGB uint8) with its longer side at most ``size``: each output pixel the
    mean of a block of input pixels (no aliasing of fine lines or noise, unlike picking pixels)."""
    rows, columns = image.shape[:2]
    factor = max(1, math.ceil(max(rows, columns) / size))
    if factor == 1:
        return image
    down, across = min(factor, rows), min(factor, columns)  # a very thin image: as thin as it is
    out_rows, out_columns = rows // down, columns // across
    block = image[:out_rows * down, :out_columns * across].astype(np.float32)
    shape = (out_rows, down, out_columns, across, *image.shape[2:])
    shrunk: np.ndarray = np.rint(block.reshape(shape).mean(axis=(1, 3))).astype(np.uint8)
    return shrunk
