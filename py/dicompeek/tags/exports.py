"""Header exports: DICOM JSON (PS3.18 Annex F) for one instance, CSV for a series.

DICOM JSON is what web services and other tools read back; large binary
values (pixel data, big private blobs) are left out as a BulkDataURI naming
the element, so the export stays small, and values up to
:data:`INLINE_LIMIT` bytes are inlined as base64 (InlineBinary).

JSON has no NaN or infinities, and neither has DICOM JSON (PS3.18 F.2.3), yet DS and IS
values such as "nan" or "inf" occur and FL and FD may hold any IEEE 754 value. Such a value is
written as a JSON string: a DS or IS value as its text in the file, as DCMTK's dcm2json writes
any DS it cannot write as a JSON number (PS3.18 F.2.3.1 allows strings for DS and IS); an FL or
FD value as "NaN", "Infinity" or "-Infinity", as the tag browser shows it (JavaScript's
``Number()``, Python's ``float()`` and pydicom's ``Dataset.from_json`` read these back; dcm2json
refuses the file, and pydicom's ``to_json`` writes ``NaN``, which is not JSON).
"""

from __future__ import annotations

import csv
import io
import json
import math
from itertools import zip_longest
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

    Raises :class:`~dicompeek.dicom.guard.TooLarge` (a ``ValueError``, with the reason) for a
    dataset whose sequences nest more than ``MAX_NESTING`` levels: pydicom builds the model
    recursively, and DICOM JSON has no way to say that a part was left out. NaN and infinities
    are written as strings (see the module's docstring), so the text is always strict JSON."""
    def bulk_uri(element: Any) -> str:
        return f"dicompeek:omitted/{element.tag:08X}?from={location}"

    if nesting_depth(ds) > MAX_NESTING:
        raise TooLarge(f"cannot export as DICOM JSON: sequences nested more than {MAX_NESTING} levels deep")

    try:
        model = ds.to_json_dict(bulk_data_threshold=INLINE_LIMIT, bulk_data_element_handler=bulk_uri)
    except Exception:  # an invalid value: export the rest rather than nothing
        model = ds.to_json_dict(bulk_data_threshold=INLINE_LIMIT, bulk_data_element_handler=bulk_uri,
                                suppress_invalid_tags=True)
    _finite_only(model, ds)
    return json.dumps(model, indent=1, ensure_ascii=False, allow_nan=False)


#: FL and FD values that are not numbers, as they are written (see the module's docstring).
NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _finite_only(model: dict[str, Any], ds: Dataset | None) -> None:
    """Replace every NaN and infinity in the values of ``model`` (pydicom's DICOM JSON of ``ds``)
    with a string, in place: a DS or IS value with its text in ``ds``, anything else with
    :data:`NON_FINITE`. Walked with a stack (the model nests as deep as the dataset)."""
    stack = [(model, ds)]
    while stack:
        part, dataset = stack.pop()
        for key, element in part.items():
            values = element.get("Value") if isinstance(element, dict) else None
            if not isinstance(values, list):
                continue
            if element.get("vr") == "SQ":
                items = _stored(dataset, key)
                stack.extend((item, source if isinstance(source, Dataset) else None)
                             for item, source in zip_longest(values, items) if isinstance(item, dict))
                continue
            stored: list[Any] | None = None  # the element's values in ``dataset``, looked up once
            for number, value in enumerate(values):
                if isinstance(value, float) and not math.isfinite(value):
                    if stored is None:
                        stored = _stored(dataset, key) if element.get("vr") in ("DS", "IS") else []
                    values[number] = _number_text(value, element.get("vr"), stored, number)


def _stored(dataset: Dataset | None, key: str) -> list[Any]:
    """The values (or items) of the element ``key`` (its tag in hex) of ``dataset`` as a list."""
    try:
        element = dataset[int(key, 16)] if dataset is not None else None
    except Exception:  # not convertible: pydicom left it out of the model, nothing to match
        return []
    if element is None or element.value is None:
        return []
    return list(element.value) if element.VR == "SQ" or element.VM > 1 else [element.value]


def _number_text(value: float, vr: str | None, stored: list[Any], number: int) -> str:
    """A non-finite number as a JSON string: a DS or IS value as written in the file, if known."""
    if vr in ("DS", "IS") and number < len(stored):
        text = str(stored[number]).strip()
        try:
            if text and (float(text) == value or (math.isnan(value) and math.isnan(float(text)))):
                return text
        except ValueError:
            pass
    return NON_FINITE[str(value)]


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
