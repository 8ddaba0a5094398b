"""Dates moved by one offset per patient (the Retain Longitudinal Temporal Information with
Modified Dates option): intervals between a patient's studies are kept, the calendar dates are not.

The offset is derived from the salt and the patient's original ID, so every file of a patient
moves by the same number of days in this run and in later runs with the same salt; without the
salt it cannot be recomputed. It lies between :data:`MIN_DAYS` and :data:`MAX_DAYS` days into
the past (a whole number of days: times of day are kept, as the option allows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

#: The range of the offset, in days back.
MIN_DAYS, MAX_DAYS = 366, 3652
_DA = re.compile(r"^(\d{4})(\d{2})?(\d{2})?$")


def offset_days(salt: bytes, patient_id: str) -> int:
    """This patient's shift in days (negative: into the past)."""
    digest = hmac.new(salt, b"date\0" + patient_id.encode("utf-8", "replace"), hashlib.sha256).digest()
    return -(MIN_DAYS + int.from_bytes(digest[:8], "big") % (MAX_DAYS - MIN_DAYS + 1))


def shift(value: str, vr: str, days: int) -> str:
    """A DA or DT value (or a range "A-B", or several values "A\\B") moved by ``days``. A date
    given only to the year or month moves by the whole years in ``days`` (rounded towards zero).
    Raises ValueError on anything that is not a date: the caller removes it rather than keep it."""
    if "\\" in value:
        return "\\".join(shift(part, vr, days) for part in value.split("\\"))
    text = value.strip()
    if not text:
        return ""
    if ("-" in text and vr == "DA") or (text.count("-") == 1 and vr == "DT" and not re.search(r"[+-]\d{4}$", text)):
        first, _, last = text.partition("-")
        return f"{shift(first, vr, days) if first else ''}-{shift(last, vr, days) if last else ''}"
    head, rest = (text[:8], text[8:]) if vr == "DT" else (text, "")
    match = _DA.match(head)
    if not match:
        raise ValueError(f"not a date: {value!r}")
    year, month, day = match.groups()
    if day is None:
        years = int(days / 365.25)
        return f"{int(year) + years:04d}{month or ''}{rest}"
    moved = dt.date(int(year), int(month), int(day)) + dt.timedelta(days=days)
    # not strftime: in Pyodide that is Emscripten's, in JavaScript, about 700 bytes of objects a date
    return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}{rest}"
