"""The viewer's side in the worker: frames of a series, rendered to RGBA.

Files are read whole when first shown (a frame needs its pixel data) and kept
in the instance cache the tag browser shares (:class:`~dicompeek.dicom.cache.InstanceCache`),
so scrolling back and forth and changing the window re-read nothing. Decoding
failures are reported for the frame that failed, naming its transfer syntax;
other frames keep working.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.dicom.cache import InstanceCache
from dicompeek.dicom.errors import describe
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import geometry_warnings, order_frames, orientation_letters
from dicompeek.index.summary import uid_name
from dicompeek.pixels.display import (
    Window,
    file_windows,
    frame_pixels,
    frame_problem,
    frame_warnings,
    histogram_window,
    modality_values,
    photometric_is_grey,
    render_stored,
    to_rgba,
)
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.measure import region_stats, spacing

#: Header values the viewer's corner overlays show.
OVERLAY_FIELDS = ("PatientName", "PatientID", "StudyDate", "SeriesNumber", "SeriesDescription",
                  "InstanceNumber", "SliceLocation", "SliceThickness", "RepetitionTime", "EchoTime",
                  "Modality")


class Viewer:
    """Series lookup and frame rendering over an :class:`Index`, its files read through ``cache``
    (one of its own if none is given)."""

    def __init__(self, index: Index, cache: InstanceCache | None = None) -> None:
        self.index = index
        self.cache = cache if cache is not None else InstanceCache(index)
        self._last: tuple[int, int, np.ndarray] | None = None  # entry, frame, stored values
        self._modality: np.ndarray | None = None  # of self._last, once the probe needs it

    def series(self, study_uid: str, series_uid: str) -> dict[str, Any]:
        """The ordered frames of a series, its geometry warnings and its files' own warnings
        (the page lists them above the image)."""
        records = self.index.series_records(study_uid, series_uid)
        if not records:
            return {"frames": [], "warnings": [], "error": "this series is no longer loaded"}
        first = records[0].fields
        try:
            frames = [f.as_dict() for f in order_frames(records)]
        except Exception as exc:  # not expected: the records hold checked header fields only
            return {"frames": [], "warnings": [], "error": f"cannot order this series: {describe(exc)}"}
        return {
            "frames": frames,
            "warnings": _safe(lambda: geometry_warnings(records), []) + file_warnings(records),
            "modality": first.get("Modality", ""),
            "description": first.get("SeriesDescription", ""),
        }

    def render(self, entry: int, frame: int, window: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
        """One frame as RGBA bytes, with what the overlays and controls need.

        Never raises: a file that cannot be read, or a frame that cannot be decoded or shown,
        gives ``meta["error"]`` (the page shows it on the canvas) and no pixels."""
        try:
            ds = self.dataset(entry)
        except Exception as exc:
            return {"error": f"cannot read this file: {describe(exc)}"}, b""
        try:
            view = frame_view(ds, frame)  # an enhanced image's per-frame rescale, window, geometry
        except Exception:  # damaged functional groups: the file's own attributes still apply
            view = ds
        meta = self._meta(view)
        syntax = _safe(lambda: uid_name(str(_get(ds.file_meta, "TransferSyntaxUID", "") or "")), "")
        problem = _safe(lambda: frame_problem(ds, frame), None)
        if problem:
            return {**meta, "error": f"cannot show frame {frame + 1}: {problem}"}, b""
        try:
            stored = self._stored(ds, entry, frame)
            chosen = Window(float(window["center"]), float(window["width"]), window.get("function", "LINEAR")) \
                if window and window.get("width") else None
            if window and window.get("auto") and stored.ndim == 2 and photometric_is_grey(view):
                chosen = histogram_window(self._modality_of(view, stored))
            image, applied = render_stored(view, stored, chosen)
            if window and window.get("invert"):
                image = 255 - image
        except BaseException as exc:  # a frame that fails must not take the others with it
            _reraise_exits(exc)  # decoders in Rust panic with a BaseException (pyo3's PanicException)
            reason = str(exc) or type(exc).__name__
            return {**meta, "error": f"cannot decode frame {frame + 1} ({syntax}): {reason}"}, b""
        meta["window"] = {"center": _finite(applied.center), "width": _finite(applied.width)} if applied else None
        meta["rows"], meta["columns"] = int(image.shape[0]), int(image.shape[1])
        meta["warnings"] = _safe(lambda: frame_warnings(view), [])
        return meta, to_rgba(image).tobytes()

    def probe(self, entry: int, frame: int, x: int, y: int) -> dict[str, Any]:
        """Stored and modality value under the cursor."""
        read = self._decoded(entry, frame)
        if isinstance(read, dict):
            return read
        ds, stored = read
        if not (0 <= y < stored.shape[0] and 0 <= x < stored.shape[1]):
            return {}
        value = stored[y, x]
        if stored.ndim == 3:
            return {"x": x, "y": y, "stored": [_finite(v) for v in value.tolist()]}
        try:
            view = frame_view(ds, frame)
            modality = _finite(round(float(self._modality_of(view, stored)[y, x]), 3))
        except Exception as exc:  # a Modality LUT that cannot be applied: the stored value still is
            return {"x": x, "y": y, "stored": _number(value), "error": describe(exc)}
        return {"x": x, "y": y, "stored": _number(value), "value": modality, "unit": _unit(view)}

    def roi(self, entry: int, frame: int, shape: str, box: list[float]) -> dict[str, Any]:
        """Mean, SD, minimum, maximum, pixel count and area of a ``rectangle`` or ``ellipse``
        drawn in ``box`` = [x0, y0, x1, y1] (pixel coordinates), in modality units (HU for CT)."""
        read = self._decoded(entry, frame)
        if isinstance(read, dict):
            return read
        ds, stored = read
        view = _safe(lambda: frame_view(ds, frame), ds)
        if stored.ndim != 2 or not photometric_is_grey(view):
            return {"error": "region statistics need a grey image; this one is colour"}
        try:
            values = self._modality_of(view, stored)
            result = region_stats(values, shape, box, _safe(lambda: spacing(view), None))
        except Exception as exc:
            return {"error": describe(exc)}
        return {**result, "unit": _safe(lambda: _unit(view), "")}

    def _modality_of(self, view: Dataset, stored: np.ndarray) -> np.ndarray:
        """The modality values of the frame last decoded (``stored``), computed once."""
        if self._modality is None:
            self._modality = modality_values(view, stored)
        return self._modality

    def _decoded(self, entry: int, frame: int) -> tuple[Dataset, np.ndarray] | dict[str, Any]:
        """(dataset, decoded frame) of ``entry``, or {"error": why} when it cannot be read or decoded."""
        try:
            ds = self.dataset(entry)
            return ds, self._stored(ds, entry, frame)
        except BaseException as exc:
            _reraise_exits(exc)
            return {"error": describe(exc)}

    def _stored(self, ds: Dataset, entry: int, frame: int) -> np.ndarray:
        """The decoded frame, kept for the probe and re-windowing until another is asked for."""
        if self._last is None or self._last[:2] != (entry, frame):
            self._last = self._modality = None  # a failed decode must not leave the old frame in place
            self._last = (entry, frame, frame_pixels(ds, frame))
            self._modality = None
        return self._last[2]

    def dataset(self, entry: int) -> Dataset:
        """The whole dataset of ``entry``, from the cache when it was shown recently."""
        return self.cache.get(entry).dataset

    def _meta(self, ds: Dataset) -> dict[str, Any]:
        """What the overlays and controls need; a value that cannot be read is left out, never raised."""
        photometric = _safe(lambda: str(_get(ds, "PhotometricInterpretation", "") or "")[:64], "")
        return {
            "windows": _safe(lambda: [{"center": w.center, "width": w.width, "function": w.function[:32],
                                       "explanation": w.explanation} for w in file_windows(ds)], []),
            "grey": photometric.startswith("MONOCHROME"),
            "photometric": photometric,
            "unit": _safe(lambda: _unit(ds), ""),
            "orientation": _safe(lambda: orientation_letters(_text(_get(ds, "ImageOrientationPatient", ""))), None),
            "pixel_spacing": _safe(lambda: _spacing(ds), None),
            "spacing": _safe(lambda: spacing(ds), None),
            "frame_rate": _safe(lambda: _frame_rate(ds), 10.0),
            "overlay": {k: v for k in OVERLAY_FIELDS if (v := _overlay_text(ds, k)) not in ("", "None")},
            "frames": _safe(lambda: max(int(_get(ds, "NumberOfFrames") or 1), 1), 1),
        }


#: Characters of one overlay value shown at most.
OVERLAY_LIMIT = 256
#: Distinct file warnings listed for a series at most.
FILE_WARNING_LINES = 5


def file_warnings(records: list[DicomRecord]) -> list[str]:
    """The warnings indexing put on the files of a series (an invalid Modality LUT that the
    viewer ignores, pixel data shorter than stated, ...), so that the viewer says why an image
    may not look as the file asks. The same text for many files is one line with their number."""
    files: dict[str, list[str]] = {}
    for record in records:
        if record.warning:
            files.setdefault(record.warning, []).append(record.location)
    lines = [f"{where[0]}: {text}" if len(where) == 1 else f"{len(where):,} files ({where[0]}, …): {text}"
             for text, where in files.items()]
    if len(lines) > FILE_WARNING_LINES:
        more = len(lines) - FILE_WARNING_LINES + 1
        lines = [*lines[:FILE_WARNING_LINES - 1], f"… and {more} more file warnings (the summary lists every file)"]
    return lines


def _reraise_exits(exc: BaseException) -> None:
    """Let what stops the program through; any other failure is the frame's."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _safe(compute: Any, default: Any) -> Any:
    try:
        return compute()
    except Exception:  # a malformed value: the overlay or control simply goes without it
        return default


def _overlay_text(ds: Dataset, keyword: str) -> str:
    """A value for the corner overlays, clipped; "" when it cannot be read."""
    try:
        return _text(_get(ds, keyword))[:OVERLAY_LIMIT]
    except Exception:  # a malformed value: the overlay goes without it
        return ""


def _get(ds: Dataset, keyword: str, default: Any = None) -> Any:
    """``ds.get`` that gives ``default`` for a value pydicom cannot convert."""
    try:
        return ds.get(keyword, default)
    except Exception:
        return default


def _finite(value: Any) -> Any:
    """A number JSON (and so the page) can carry: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: np.generic) -> int | float | None:
    """A stored value for the page: whole numbers as ints, NaN and infinities as None."""
    number = value.item()
    if isinstance(number, float):
        return int(number) if number.is_integer() else _finite(number)
    whole: int | None = number  # numpy's integer types give ints
    return whole


def _spacing(ds: Dataset) -> list[float] | None:
    value = _get(ds, "PixelSpacing")
    if value is None or value == "":
        return None
    numbers = [float(v) for v in value] if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" \
        else [float(value)]
    return numbers if len(numbers) == 2 and all(math.isfinite(n) and n > 0 for n in numbers) else None


def _unit(ds: Dataset) -> str:
    rescale_type = str(_get(ds, "RescaleType", "") or "")[:64]
    if rescale_type and rescale_type != "US":
        return rescale_type
    return "HU" if _get(ds, "Modality") == "CT" and "RescaleIntercept" in ds else ""


def _frame_rate(ds: Dataset) -> float:
    for keyword in ("RecommendedDisplayFrameRate", "CineRate"):
        if _get(ds, keyword):
            rate = float(_get(ds, keyword))
            if math.isfinite(rate) and rate > 0:
                return rate
    if _get(ds, "FrameTime"):
        rate = 1000.0 / float(ds.FrameTime)
        if math.isfinite(rate) and rate > 0:
            return rate
    return 10.0


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)
