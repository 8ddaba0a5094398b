"""Turn a frame's stored pixel values into display values (8-bit grey or RGB).

The order is the standard's grayscale pipeline (PS3.3 C.11, PS3.14): stored
values → Modality LUT (Rescale Slope/Intercept or Modality LUT Sequence) →
VOI (Window Center/Width with the VOI LUT Function, or a VOI LUT Sequence) →
Presentation LUT (INVERSE, or MONOCHROME1) → 8 bits. Colour images go through
pydicom's colour conversions instead (YBR → RGB, palette lookup). Everything
is vectorised numpy, so a 512×512 frame costs a few milliseconds.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import apply_color_lut
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicompeek.dicom.modality_lut import modality_lut, modality_lut_problem
from dicompeek.pixels import native_decoders
from dicompeek.pixels.functional_groups import frame_view

#: Frames of more pixels than this are not decoded: the pipeline holds about 30 bytes per pixel
#: at its peak (stored values, float64 modality values and window, RGBA), and a header can state
#: 65535 × 65535 pixels in a file of a few hundred bytes. 2^25 is 5,792 × 5,792 and more than any
#: projection radiograph or mammogram.
MAX_FRAME_PIXELS = 1 << 25


@dataclass(frozen=True, slots=True)
class Window:
    """A VOI window in modality units, with the VOI LUT Function it is used with."""

    center: float
    width: float
    function: str = "LINEAR"
    explanation: str = ""


def frame_problem(ds: Dataset, frame: int = 0) -> str | None:
    """Why frame ``frame`` (from 0) of ``ds`` cannot be decoded, told before anything is allocated;
    None when it may be (pydicom then checks the rest, e.g. that the pixel data is long enough)."""
    rows, columns = _count(ds, "Rows"), _count(ds, "Columns")
    samples = _count(ds, "SamplesPerPixel") or 1
    if rows is not None and columns is not None and rows * columns * samples > MAX_FRAME_PIXELS:
        return (f"the frame is {rows:,} × {columns:,} pixels{f' × {samples} samples' if samples > 1 else ''}, "
                f"more than the viewer decodes ({MAX_FRAME_PIXELS:,} at most)")
    frames = _count(ds, "NumberOfFrames")
    if frame < 0 or (frames is not None and frame >= frames) or (frames is None and frame > 0):
        return f"frame {frame + 1} does not exist: the file has {frames or 1:,} frame(s)"
    return None


def _count(ds: Dataset, keyword: str) -> int | None:
    """A count from the header (Rows, Number of Frames, ...) as an int; None if absent or invalid."""
    try:
        value = ds.get(keyword)
        if isinstance(value, (MultiValue, list, tuple)):
            value = value[0] if len(value) else None
        return int(value) if value not in (None, "") and int(value) >= 0 else None
    except Exception:  # not a number, or a value pydicom cannot convert (wrong length, VR...)
        return None


def frame_pixels(ds: Dataset, frame: int = 0) -> np.ndarray:
    """The stored values of one frame, decoded by pydicom (colour as RGB).

    Raises ``ValueError`` with the reason, before decoding, for a frame that cannot be
    decoded whatever the pixel data holds (see :func:`frame_problem`)."""
    problem = frame_problem(ds, frame)
    if problem:
        raise ValueError(problem)
    if "TransferSyntaxUID" not in ds.file_meta:
        # a dataset without file meta: pydicom needs the syntax it was read with
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = (
            ImplicitVRLittleEndian if implicit else
            ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    _register_decoders()
    ds.pixel_array_options(index=frame)
    try:
        return ds.pixel_array
    except Exception:
        raise
    except BaseException as exc:  # a decoder written in Rust panics with pyo3's PanicException
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise ValueError(f"the decoder failed: {type(exc).__name__}: {exc}") from exc


@functools.cache
def _register_decoders() -> list[str]:
    """Put the CPython JPEG plugins first in pydicom (once, on the first frame; nothing in Pyodide),
    so that a summary or a dump never pays for importing Pillow and GDCM."""
    return native_decoders.register()


class DisplayWarning(UserWarning):
    """The frame is shown, but not quite as the file asks (e.g. an invalid Modality LUT ignored)."""


def modality_values(ds: Dataset, stored: np.ndarray) -> np.ndarray:
    """Stored values in modality units (e.g. HU): Modality LUT Sequence, else Rescale Slope and
    Intercept, else the stored values. An invalid Modality LUT counts as absent, as in DCMTK
    (see :func:`~dicompeek.dicom.modality_lut.modality_lut_problem`)."""
    lut = modality_lut(ds)
    if isinstance(lut, tuple):
        table, first = lut
        return table[np.clip(stored.astype(np.int64) - first, 0, len(table) - 1)]
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        return stored.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    return stored.astype(np.float64, copy=False)


def frame_warnings(ds: Dataset) -> list[str]:
    """What the display pipeline shows differently from what ``ds`` asks, one line each.
    For an enhanced multi-frame image pass the frame's :func:`frame_view`."""
    problem = modality_lut_problem(ds) if photometric_is_grey(ds) else None
    return [problem] if problem else []


def photometric_is_grey(ds: Dataset) -> bool:
    """Whether the Modality LUT and VOI apply: MONOCHROME1/2 (or no Photometric Interpretation)."""
    return str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper().startswith("MONOCHROME")


def file_windows(ds: Dataset) -> list[Window]:
    """Every window the file states, in order, with its explanation."""
    centers = _numbers(ds.get("WindowCenter"))
    widths = _numbers(ds.get("WindowWidth"))
    explanations = ds.get("WindowCenterWidthExplanation") or []
    if isinstance(explanations, str):
        explanations = [explanations]
    function = str(ds.get("VOILUTFunction") or "LINEAR").upper()
    return [Window(c, w, function, str(explanations[i])[:200] if i < len(explanations) else "")
            for i, (c, w) in enumerate(zip(centers, widths, strict=False))
            if w > 0 and math.isfinite(c) and math.isfinite(w)]


def full_range_window(values: np.ndarray) -> Window:
    """The window covering every (finite) value of the frame, for files that state none."""
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if not finite.size:
        return Window(0.5, 1.0, "LINEAR", "full range")
    low, high = float(np.min(finite)), float(np.max(finite))
    center, width = (low + high + 1) / 2, high - low + 1
    if not (math.isfinite(center) and math.isfinite(width)):  # float data near the ends of float64
        return Window(low / 2 + high / 2, 1.7e308, "LINEAR", "full range")
    return Window(center, max(width, 1.0), "LINEAR", "full range")


#: The share of the frame's values an automatic window leaves out at each end (in percent).
AUTO_PERCENTILE = 1.0
#: Values the automatic window looks at, at most (a larger frame is sampled evenly).
AUTO_SAMPLE = 1 << 18
#: What the automatic window is called in the page.
AUTO_EXPLANATION = "Auto (histogram)"


def histogram_window(values: np.ndarray) -> Window:
    """A window from the frame's histogram, as Weasis and OHIF offer for images without a
    useful window of their own (MR, PT, US, ...): from the 1st to the 99th percentile of the
    (finite) modality values, so that a few very bright or dark pixels do not flatten the rest;
    the full range when those two are equal."""
    flat = values.reshape(-1)
    if flat.size > AUTO_SAMPLE:
        flat = flat[:: -(-flat.size // AUTO_SAMPLE)]
    finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat
    if not finite.size:
        return Window(0.5, 1.0, "LINEAR", AUTO_EXPLANATION)
    low, high = (float(v) for v in np.percentile(finite, [AUTO_PERCENTILE, 100 - AUTO_PERCENTILE]))
    if not high > low:
        full = full_range_window(finite)
        return Window(full.center, full.width, "LINEAR", AUTO_EXPLANATION)
    center, width = (low + high) / 2, high - low
    if not (math.isfinite(center) and math.isfinite(width)):
        return Window(low / 2 + high / 2, 1.7e308, "LINEAR", AUTO_EXPLANATION)
    return Window(center, max(width, 1.0), "LINEAR", AUTO_EXPLANATION)


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """PS3.3 C.11.2.1.2: modality values to 0..255 (float) through ``window``."""
    c, w = window.center, window.width
    if window.function == "SIGMOID":
        return 255.0 / (1.0 + np.exp(-4.0 * (values - c) / w))
    if window.function == "LINEAR_EXACT":
        scaled = (values - c) / w + 0.5
    else:  # LINEAR, and unknown functions as the standard's default
        if w <= 1:
            return np.where(values > c - 0.5, 255.0, 0.0)
        scaled = (values - (c - 0.5)) / (w - 1) + 0.5
    return np.clip(scaled, 0.0, 1.0) * 255.0


def apply_voi_lut_sequence(ds: Dataset, values: np.ndarray, index: int = 0) -> np.ndarray:
    """The file's VOI LUT (from VOI LUT Sequence) to 0..255 (float)."""
    item = ds.VOILUTSequence[index]
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    lut = np.frombuffer(item.LUTData, dtype="<u2") if isinstance(item.LUTData, bytes) \
        else np.asarray(item.LUTData, dtype=np.float64)
    lut = lut[:entries].astype(np.float64)
    positions = np.clip(np.rint(values).astype(np.int64) - first, 0, entries - 1)
    shown: np.ndarray = lut[positions] * (255.0 / (2 ** bits - 1))
    return shown


def render_frame(ds: Dataset, frame: int = 0, window: Window | None = None) -> np.ndarray:
    """One frame as display values: (rows, columns) uint8 grey or (rows, columns, 3) uint8 RGB.

    ``window`` overrides the file's; without either, the frame's full range is used. What is shown
    differently from what the file asks (:func:`frame_warnings`) is said as a :class:`DisplayWarning`.
    """
    view = frame_view(ds, frame)
    image = render_stored(view, frame_pixels(ds, frame), window)[0]
    for problem in frame_warnings(view):
        warnings.warn(problem, DisplayWarning, stacklevel=2)
    return image


def render_stored(ds: Dataset, stored: np.ndarray, window: Window | None = None) -> tuple[np.ndarray, Window | None]:
    """:func:`render_frame` for already decoded values; also returns the window it applied
    (None for colour or a VOI LUT Sequence), so callers need not work it out again.
    For an enhanced multi-frame image pass the frame's :func:`frame_view`."""
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        return _to_8_bits(apply_color_lut(stored, ds), _lut_bits(ds)), None
    if stored.ndim == 3:  # colour: pydicom already converted YBR to RGB
        return _to_8_bits(stored, int(ds.BitsStored)), None
    return _grey(ds, stored, window)


def _grey(ds: Dataset, stored: np.ndarray, window: Window | None) -> tuple[np.ndarray, Window | None]:
    """Modality LUT → VOI → Presentation LUT → 8 bits, for grey stored values."""
    values = modality_values(ds, stored)
    if window is None and "VOILUTSequence" in ds:
        shown = apply_voi_lut_sequence(ds, values)
    else:
        window = window or next(iter(file_windows(ds)), None) or full_range_window(values)
        shown = apply_window(values, window)
    inverse = str(ds.get("PresentationLUTShape", "")).upper() == "INVERSE"
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        inverse = not inverse
    grey = np.rint(shown).astype(np.uint8)
    return (255 - grey if inverse else grey), window


def to_rgba(image: np.ndarray) -> np.ndarray:
    """Grey or RGB uint8 to RGBA uint8, the layout of a canvas ImageData."""
    rows, columns = image.shape[:2]
    if image.ndim == 2:  # one pass: grey g becomes the little-endian word (g, g, g, 255)
        words = image.astype("<u4") * np.uint32(0x010101) | np.uint32(0xFF000000)
        return words.view(np.uint8).reshape(rows, columns, 4)
    rgba = np.empty((rows, columns, 4), dtype=np.uint8)
    rgba[..., :3] = image
    rgba[..., 3] = 255
    return rgba


def _to_8_bits(rgb: np.ndarray, bits: int) -> np.ndarray:
    if rgb.dtype == np.uint8 and bits <= 8:
        return rgb
    scaled: np.ndarray = np.rint(rgb.astype(np.float64) * (255.0 / (2 ** bits - 1))).clip(0, 255)
    return scaled.astype(np.uint8)


def _lut_bits(ds: Dataset) -> int:
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor")
    return int(descriptor[2]) if descriptor is not None else 8


def _numbers(value: Any) -> list[float]:
    """Numbers of a DS/IS/FD value; a value that is not a number is left out."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, (MultiValue, list, tuple)) else [value]
    numbers = []
    for v in values:
        try:
            numbers.append(float(v))
        except (TypeError, ValueError, OverflowError):
            numbers.append(math.nan)  # keeps centres and widths paired; dropped by file_windows
    return numbers
