"""The Modality LUT Sequence of a dataset, checked: the table, or why it is ignored.

Some writers (LEADTOOLS) leave the LUT Descriptor empty, or write a LUT
shorter than its descriptor; pydicom then fails on every frame. DCMTK ignores
such a LUT ("incomplete or missing 'LookupTableDescriptor' ... ignoring LUT")
and applies Rescale Slope/Intercept if present, and so does dicompeek: the
display pipeline (:func:`dicompeek.pixels.display.modality_values`) uses
:func:`modality_lut`, and the header pass (:mod:`dicompeek.dicom.header`) warns
with :func:`modality_lut_problem` already when indexing, so that the summary
and the viewer's series can tell.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRBigEndian

#: A usable Modality LUT: the table (float64) and the first stored value it maps.
Table = tuple[np.ndarray, int]


def modality_lut(ds: Dataset) -> Table | str | None:
    """The first Modality LUT of ``ds`` as (float64 table, first value mapped); the reason it
    cannot be used; or None when the dataset has none."""
    if "ModalityLUTSequence" not in ds:
        return None
    try:
        items = ds.ModalityLUTSequence
        if not items:
            return None  # an empty sequence: no LUT, nothing wrong with the image
        item = items[0]
        descriptor = item.get("LUTDescriptor")
        values = list(descriptor) if isinstance(descriptor, (MultiValue, list, tuple)) else \
            [] if descriptor in (None, "", b"") else [descriptor]
        if not values:
            return "its LUT Descriptor is empty"
        if len(values) != 3:
            return f"its LUT Descriptor has {len(values)} value(s), not 3"
        entries, first, bits = (int(v) for v in values)
        entries = entries or 65536
        if not 1 <= bits <= 16:
            return f"its LUT Descriptor gives {bits} bits per entry (1 to 16 are valid)"
        data = item.get("LUTData")
        if data is None or len(data) == 0:
            return "its LUT Data is empty"
        if isinstance(data, (bytes, bytearray)):
            table = np.frombuffer(bytes(data[:len(data) // 2 * 2]), dtype="<u2" if little_endian(ds) else ">u2")
        else:
            table = np.asarray(data if isinstance(data, (MultiValue, list, tuple)) else [data], dtype=np.int64)
        if len(table) < entries:
            return f"its LUT Data holds {len(table)} entries, fewer than the {entries} its LUT Descriptor states"
        return table[:entries].astype(np.float64), first
    except Exception as exc:  # a value pydicom cannot convert (e.g. LUT Data whose VR depends on the descriptor)
        return f"it cannot be read ({type(exc).__name__}: {str(exc)[:120]})"


def modality_lut_problem(ds: Dataset) -> str | None:
    """Why the Modality LUT Sequence of ``ds`` is ignored, as a warning; None when there is none
    or it is valid (Rescale Slope/Intercept then apply, as in DCMTK)."""
    lut = modality_lut(ds)
    if not isinstance(lut, str):
        return None
    fallback = ("Rescale Slope and Intercept apply instead" if "RescaleSlope" in ds and "RescaleIntercept" in ds
                else "the stored values are shown as they are")
    return f"Modality LUT Sequence ignored: {lut}; {fallback}"


def little_endian(ds: Dataset) -> bool:
    """The byte order the dataset was read in (OW values are kept as they were read)."""
    little = getattr(ds, "original_encoding", (None, None))[1]
    if little is None and getattr(ds, "file_meta", None) is not None:
        syntax = ds.file_meta.get("TransferSyntaxUID")
        little = syntax != ExplicitVRBigEndian if syntax else None
    return True if little is None else bool(little)
