"""Header exports: DICOM JSON (PS3.18 Annex F) for one instance, CSV for a series.

DICOM JSON is what web services and other tools read back; large binary
values (pixel data, big private blobs) are left out as a BulkDataURI naming
the element, so the export stays small, and values up to
:data:`INLINE_LIMIT` bytes are inlined as base64 (InlineBinary).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset

from dicompeek.dicom.guard import MAX_NESTING, TooLarge
from dicompeek.tags.tree import nesting_depth
from dicompeek.tags.variation import value_text

#: Binary values up to this size are exported inline; larger ones as a BulkDataURI.
INLINE_LIMIT = 64 * 1024


def dicom_json(ds: Dataset, location: str) -> str:
    """The dataset (without file meta) in the DICOM JSON model, as text.

    Raises :class:`~dicompeek.dicom.guard.TooLarge` (a ``ValueError``, with the reason) for a dataset whose sequences nest more than
    ``MAX_NESTING`` levels: pydicom builds the model recursively, and DICOM JSON has no way
    to say that a part was left out."""
    def bulk_uri(element: Any) -> str:
        return f"dicompeek:omitted/{element.tag:08X}?from={location}"

    if nesting_depth(ds) > MAX_NESTING:
        raise TooLarge(f"cannot export as DICOM JSON: sequences nested more than {MAX_NESTING} levels deep")

    try:
        model = ds.to_json_dict(bulk_data_threshold=INLINE_LIMIT, bulk_data_element_handler=bulk_uri)
    except Exception:  # an invalid value: export the rest rather than nothing
        model = ds.to_json_dict(bulk_data_threshold=INLINE_LIMIT, bulk_data_element_handler=bulk_uri,
                                suppress_invalid_tags=True)
    return json.dumps(model, indent=1, ensure_ascii=False)


def parse_fields(fields: list[str]) -> list[int]:
    """Keywords or tags ("PatientName", "0010,0010", "(0010,0010)", "00100010") as tag numbers."""
    tags = []
    for field in fields:
        text = field.strip().strip("()").replace(",", "").replace(" ", "")
        tag = tag_for_keyword(field.strip())
        if tag is None:
            try:
                tag = int(text, 16) if len(text) == 8 else None
            except ValueError:
                tag = None
        if tag is None:
            raise ValueError(f"not a keyword or tag: {field!r}")
        tags.append(tag)
    return tags


def series_csv(datasets: list[tuple[str, Dataset]], fields: list[str]) -> str:
    """One row per instance: its location, then each chosen element's value ("" if absent)."""
    tags = parse_fields(fields)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["location", *fields])
    for location, ds in datasets:
        writer.writerow([location, *(value_text(ds, tag)[1] if tag in ds else "" for tag in tags)])
    return out.getvalue()
