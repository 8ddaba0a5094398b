"""The viewer's side in the worker: frames of a series, rendered to RGBA.

Files are read whole when first shown (a frame needs its pixel data) and kept
in a small cache within a memory budget, so scrolling back and forth and
changing the window re-read nothing. Decoding failures are reported for the
frame that failed, naming its transfer syntax; other frames keep working.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from .functional_groups import frame_view
from .display import Window, file_windows, frame_pixels, modality_values, render_stored, to_rgba
from .index import Index
from .instances import read_instance, series_records
from .series import geometry_warnings, order_frames, orientation_letters
from .summary import uid_name

#: Bytes of files kept decoded-ready in memory.
CACHE_BUDGET = 256 * 1024 * 1024

#: Header values the viewer's corner overlays show.
OVERLAY_FIELDS = ("PatientName", "PatientID", "StudyDate", "SeriesNumber", "SeriesDescription",
                  "InstanceNumber", "SliceLocation", "SliceThickness", "RepetitionTime", "EchoTime",
                  "Modality")


class Viewer:
    """Series lookup and frame rendering over an :class:`Index`."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._files: OrderedDict[int, Dataset] = OrderedDict()
        self._sizes: dict[int, int] = {}
        self._last: tuple[int, int, np.ndarray] | None = None  # entry, frame, stored values
        self._modality: np.ndarray | None = None  # of self._last, once the probe needs it

    def series(self, study_uid: str, series_uid: str) -> dict[str, Any]:
        """The ordered frames of a series and its geometry warnings."""
        records = series_records(self.index, study_uid, series_uid)
        if not records:
            return {"frames": [], "warnings": [], "error": "this series is no longer loaded"}
        first = records[0].fields
        return {
            "frames": [f.as_dict() for f in order_frames(records)],
            "warnings": geometry_warnings(records),
            "modality": first.get("Modality", ""),
            "description": first.get("SeriesDescription", ""),
        }

    def render(self, entry: int, frame: int, window: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
        """One frame as RGBA bytes, with what the overlays and controls need."""
        try:
            ds = self.dataset(entry)
        except Exception as exc:
            return {"error": f"cannot read this file: {exc}"}, b""
        view = frame_view(ds, frame)  # an enhanced image's per-frame rescale, window, geometry
        meta = self._meta(view)
        try:
            chosen = Window(float(window["center"]), float(window["width"]), window.get("function", "LINEAR")) \
                if window and window.get("width") else None
            image, applied = render_stored(view, self._stored(ds, entry, frame), chosen)
            if window and window.get("invert"):
                image = 255 - image
        except Exception as exc:  # a frame that fails must not take the others with it
            syntax = uid_name(str(ds.file_meta.get("TransferSyntaxUID", "")))
            return {**meta, "error": f"cannot decode frame {frame + 1} ({syntax}): {exc}"}, b""
        meta["window"] = {"center": applied.center, "width": applied.width} if applied else None
        meta["rows"], meta["columns"] = int(image.shape[0]), int(image.shape[1])
        return meta, to_rgba(image).tobytes()

    def probe(self, entry: int, frame: int, x: int, y: int) -> dict[str, Any]:
        """Stored and modality value under the cursor."""
        try:
            ds = self.dataset(entry)
            stored = self._stored(ds, entry, frame)
        except Exception as exc:
            return {"error": str(exc)}
        if not (0 <= y < stored.shape[0] and 0 <= x < stored.shape[1]):
            return {}
        value = stored[y, x]
        if stored.ndim == 3:
            return {"x": x, "y": y, "stored": [int(v) for v in value]}
        view = frame_view(ds, frame)
        if self._modality is None:
            self._modality = modality_values(view, stored)
        return {"x": x, "y": y, "stored": int(value) if float(value).is_integer() else float(value),
                "value": round(float(self._modality[y, x]), 3), "unit": _unit(view)}

    def _stored(self, ds: Dataset, entry: int, frame: int) -> np.ndarray:
        """The decoded frame, kept for the probe and re-windowing until another is asked for."""
        if self._last is None or self._last[:2] != (entry, frame):
            self._last = (entry, frame, frame_pixels(ds, frame))
            self._modality = None
        return self._last[2]

    def dataset(self, entry: int) -> Dataset:
        """The whole dataset of ``entry``, from the cache when it was shown recently."""
        if entry in self._files:
            self._files.move_to_end(entry)
            return self._files[entry]
        ds = read_instance(self.index, entry)
        self._files[entry] = ds
        self._sizes[entry] = self.index.sources.entries[entry].size
        while sum(self._sizes.values()) > CACHE_BUDGET and len(self._files) > 1:
            old, _ = self._files.popitem(last=False)
            del self._sizes[old]
        return ds

    def _meta(self, ds: Dataset) -> dict[str, Any]:
        photometric = str(ds.get("PhotometricInterpretation", ""))
        return {
            "windows": [{"center": w.center, "width": w.width, "function": w.function,
                         "explanation": w.explanation} for w in file_windows(ds)],
            "grey": photometric.startswith("MONOCHROME"),
            "photometric": photometric,
            "unit": _unit(ds),
            "orientation": orientation_letters(_text(ds.get("ImageOrientationPatient", ""))),
            "pixel_spacing": [float(v) for v in ds.PixelSpacing] if "PixelSpacing" in ds else None,
            "frame_rate": _frame_rate(ds),
            "overlay": {k: _text(ds.get(k)) for k in OVERLAY_FIELDS if ds.get(k) not in (None, "")},
            "frames": int(ds.get("NumberOfFrames") or 1),
        }


def _unit(ds: Dataset) -> str:
    rescale_type = str(ds.get("RescaleType", "") or "")
    if rescale_type and rescale_type != "US":
        return rescale_type
    return "HU" if ds.get("Modality") == "CT" and "RescaleIntercept" in ds else ""


def _frame_rate(ds: Dataset) -> float:
    for keyword in ("RecommendedDisplayFrameRate", "CineRate"):
        if ds.get(keyword):
            return float(ds.get(keyword))
    if ds.get("FrameTime"):
        return 1000.0 / float(ds.FrameTime)
    return 10.0


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)
