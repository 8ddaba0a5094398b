"""What "Make a de-identified copy…" will do, shown before anything is written: one instance through
exactly the copy's de-identification, and what changed in it, element by element, at every depth.

Why: the people who make these copies (research coordinators, PACS staff used to CTP, the RSNA
Anonymizer, DicomCleaner) want to see what the options chosen do to their files before writing a
10 GB copy, and a preview that ran other code than the copy would show them something else. So the
instance is read as the copy reads a file whose pixel data it streams (its header only:
:mod:`.passthrough`; the file meta completed as the copy completes it) and given the context the copy would
give it: the same identity to clean free text against (every patient of the index), the same
pseudonym (the map's, else ``ANON-<n>`` in the order the copy meets the patients), the same date
offset and the same new UIDs (both from the salt). Nothing is written; the dataset read is the
preview's own.

What changed is found by comparing the dataset before and after, element by element, item by item
(``(0008,1140)[1] > (0008,1155)``: the first item's element), and named with the engine's action
words (:data:`~.actions.ACTION_WORDS`, and "written" for the claims and what the copy adds): a
sequence removed or emptied is one row, not one per element it held. Elements the table keeps
without a word are not listed (they are counted as ``unchanged``), except those an option kept
("kept by option", "kept (safe private)") and free text cleaned with nothing to take out.

Rows are grouped in classes a person recognises (:data:`CLASSES`): an element inside a private
block, an overlay or icon, structured content or the claims belongs to that, else to its own
kind (patient, UIDs, dates…). Each row says whether its "after" value is the original's (kept or
cleaned: the page masks it while patient data is hidden, as it masks every "before"), or one the
copy made (a pseudonym, a dummy, a new UID, a shifted date).

Not previewed: the pixels. Clean Pixel Data blanks what OCR reads during the copy, and Clean
Graphics keeps only the overlays OCR found clean; the preview reads no pixels, so overlays show as
removed and Burned In Annotation as the file has it (:func:`preview` says so in ``notes``).
"""

from __future__ import annotations

import copy
import hashlib
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydicom.datadict import keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.privacy.deidentify.actions import (
    CLEANED,
    EMPTIED,
    KEPT,
    KEPT_SAFE,
    NEW_UID,
    REMOVED,
    REPLACED,
    SHIFTED,
    deidentify,
)
from dicompeek.privacy.deidentify.context import RunContext
from dicompeek.privacy.deidentify.dates import offset_days
from dicompeek.privacy.deidentify.meta import ensure_meta
from dicompeek.privacy.deidentify.run import DICOMDIR_CLASS, Settings, copy_names
from dicompeek.privacy.deidentify.uids import UidMap
from dicompeek.privacy.deidentify.values import creator_of, label_of, vr_of
from dicompeek.privacy.elements import MAX_DEPTH
from dicompeek.privacy.identity import Identity
from dicompeek.privacy.profile import PROFILE
from dicompeek.privacy.reviewer import Reviewer

#: The word for what the copy adds (the claims, a missing file meta element).
WRITTEN = "written"
#: The element classes, in the order they are shown: key, title, what is in it.
CLASSES: tuple[tuple[str, str, str], ...] = (
    ("patient", "Patient", "the patient's name and IDs, birth date, sex, age, size, address, other IDs, "
                           "visit and admission (groups 0010 and 0038)"),
    ("identifiers", "Study and order identifiers", "accession number, study ID, procedure step and order numbers"),
    ("dates", "Dates and times", "every date, time and date-time"),
    ("uids", "UIDs", "study, series, instance and frame of reference UIDs, references to other files"),
    ("descriptions", "Descriptions and free text", "descriptions, comments, protocol names and other text"),
    ("structured", "Structured content", "SR content, acquisition context, specimen preparation"),
    ("device", "Device", "station name, serial numbers, device and software identifiers"),
    ("institution", "Institution and staff", "institution, department, physicians', operators' and other "
                                             "people's names"),
    ("private", "Private elements", "vendors' private blocks and their creators"),
    ("graphics", "Overlays, curves and icons", "overlay planes and their text, curves, icon images, "
                                               "graphic annotations"),
    ("file_meta", "File meta and preamble", "group 0002 and the 128 bytes before it"),
    ("claims", "Claims written", "Patient Identity Removed, De-identification Method and its codes, "
                                 "Longitudinal Temporal Information Modified, Burned In Annotation"),
    ("other", "Other elements", "anything else the table lists"),
)
#: How long a value is shown (characters), and how many instances the page may choose among.
SHOWN_CHARS = 80
MAX_CHOICES = 500

_META, _PREAMBLE = -1, -2  # key prefixes of the file meta and the preamble
_TIME_VRS = frozenset({"DA", "DT", "TM"})
_TEXT_VRS = frozenset({"LO", "LT", "SH", "ST", "UC", "UT"})
_IDENTIFIER = re.compile(r"ID$|Number$|Identifier$|Accession")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    assert tag is not None, keyword
    return tag


CLAIM_TAGS = frozenset(map(_tag, ("PatientIdentityRemoved", "DeidentificationMethod",
                                  "DeidentificationMethodCodeSequence", "LongitudinalTemporalInformationModified",
                                  "BurnedInAnnotation")))
PATIENT_TAGS = frozenset(map(_tag, ("PatientName", "PatientID")))
ICON_TAGS = frozenset({_tag("IconImageSequence"), *(r.tag for r in PROFILE.rows
                                                    if r.tag and "clean_graphics" in r.options)})
STRUCTURED_TAGS = frozenset(r.tag for r in PROFILE.rows if r.tag and "clean_structured_content" in r.options)

Key = tuple[int, ...]  # tag, item, tag, item, …, tag (the file meta's and preamble's start with a marker)


@dataclass(frozen=True, slots=True)
class _Seen:
    """One element as it was (or is): how it is named, shown and compared."""

    tag: int
    vr: str
    label: str  # as the engine counts it
    name: str
    shown: str
    value: object  # what is compared: the text, or a digest of bytes
    items: int  # a sequence's items; -1 for any other element
    empty: bool


def preview(index: Index, settings: Settings, record: int | None = None) -> dict[str, Any]:
    """The copy's de-identification of one instance of ``index`` (``record``: its number in
    ``index.dicom``; default the first that the copy writes), not written anywhere:

    {"instance": {"record", "location", "series_description", "series_number", "modality"},
    "patient": {"pseudonym_name", "pseudonym_id", "given": from the user's map, "days": the date
    offset}, "classes": [{"key", "title", "about", "counts": {word: n}, "rows": [{"path", "name",
    "vr", "action", "before", "after", "after_from_original"}]}] (classes without rows left out),
    "counts": {word: n}, "unchanged": elements left as they were, "notes": [what is not previewed],
    "choices": :func:`choices`}. Raises ValueError when there is nothing to preview."""
    records = index.dicom
    number = _pick(records, record)
    target = records[number]
    identity = _identity(index)
    pseudonyms = copy.copy(settings.pseudonyms)  # the copy's own map is not touched
    pseudonym = copy_names(records, pseudonyms)[number][0]
    pid, pname = _patient(target)
    days = offset_days(settings.salt, pid or f"name:{pname}")
    context = RunContext(UidMap(settings.salt), identity, days, pseudonym.name, pseudonym.id, keep_overlays=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_instance(index, target.entry, pixels=False, header_length=target.header_length)
        before = _snapshot(ds)
        ensure_meta(ds, target.location)
        context.learn_people(ds, settings.options)
        actions = deidentify(ds, settings.options, context, pixels_cleaned=False)
        after = _snapshot(ds)
    words: dict[str, set[str]] = defaultdict(set)
    for label, word in actions:
        words[label].add(word)
    rows = list(_rows(before, after, words))
    classes = []
    for key, title, about in CLASSES:
        own = [row for cls, row in rows if cls == key]
        if own:
            classes.append({"key": key, "title": title, "about": about,
                            "counts": dict(Counter(row["action"] for row in own)), "rows": own})
    listed = {row["path"] for _, row in rows}
    unchanged = sum(1 for key, old in before.items()
                    if (new := after.get(key)) is not None and new.value == old.value and _path(key) not in listed)
    return {
        "instance": {"record": number, "location": target.location, **_series(target)},
        "patient": {"pseudonym_name": pseudonym.name, "pseudonym_id": pseudonym.id,
                    "given": pseudonyms.given(pid.strip() or f"name:{pname.strip()}"), "days": days},
        "classes": classes,
        "counts": dict(Counter(row["action"] for _, row in rows)),
        "unchanged": unchanged,
        "notes": _notes(settings),
        "choices": choices(index, settings),
    }


def choices(index: Index, settings: Settings) -> list[dict[str, Any]]:
    """The instances offered to preview: the first file of each series, in index order (at most
    :data:`MAX_CHOICES`), each {"record", "pseudonym": the patient's new ID in the copy,
    "series_description", "series_number", "modality", "files"}: a chooser can tell patients
    apart without naming them."""
    first: dict[str, dict[str, Any]] = {}
    records = index.dicom
    for number, (pseudonym, name) in enumerate(copy_names(records, copy.copy(settings.pseudonyms))):
        if not name:
            continue  # a DICOMDIR: not copied
        record = records[number]
        series = str(record.fields.get("SeriesInstanceUID") or f"no series:{record.folder}")
        found = first.get(series)
        if found is not None:
            found["files"] += 1
        elif len(first) < MAX_CHOICES:
            first[series] = {"record": number, "pseudonym": pseudonym.id, **_series(record), "files": 1}
    return list(first.values())


def _pick(records: list[DicomRecord], record: int | None) -> int:
    if record is None:
        found = next((n for n, r in enumerate(records) if not _is_dicomdir(r)), None)
        if found is None:
            raise ValueError("no DICOM file to preview: load files first")
        return found
    if not 0 <= record < len(records):
        raise ValueError(f"no DICOM file number {record} (there are {len(records)})")
    if _is_dicomdir(records[record]):
        raise ValueError("a DICOMDIR is not copied (its records name the old files and patients)")
    return record


def _identity(index: Index) -> Identity:
    """The copy's identity (every patient of the index), as :class:`~.run.CopyJob` learns it."""
    reviewer = Reviewer()
    reviewer.seed(index.dicom)
    return reviewer.identity


def _patient(record: DicomRecord) -> tuple[str, str]:
    return str(record.fields.get("PatientID") or ""), str(record.fields.get("PatientName") or "")


def _is_dicomdir(record: DicomRecord) -> bool:
    return str(record.fields.get("SOPClassUID") or "") == DICOMDIR_CLASS


def _series(record: DicomRecord) -> dict[str, Any]:
    fields = record.fields
    number = fields.get("SeriesNumber")
    return {"series_description": str(fields.get("SeriesDescription") or ""),
            "series_number": number if isinstance(number, (int, float)) or number is None else str(number),
            "modality": str(fields.get("Modality") or "")}


def _notes(settings: Settings) -> list[str]:
    notes = []
    if "clean_pixel_data" in settings.options:
        notes.append("Clean Pixel Data: the pixels are not previewed; the copy blanks the text OCR reads in them "
                     "and says Burned In Annotation NO only when none is left.")
    if "clean_graphics" in settings.options:
        notes.append("Clean Graphics: overlays show as removed; the copy keeps those OCR reads and finds no text in.")
    return notes


# -- before and after ---------------------------------------------------------------------------


def _snapshot(ds: Dataset) -> dict[Key, _Seen]:
    """Every element of ``ds``, its file meta and preamble, by :data:`Key`, in file order."""
    seen: dict[Key, _Seen] = {}
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        _walk(meta, (_META,), seen, 0)
    preamble = getattr(ds, "preamble", None)
    if isinstance(preamble, bytes):
        shown = "(zeros)" if not preamble.strip(b"\0") else _short(preamble[:64].decode("latin-1"))
        seen[(_PREAMBLE,)] = _Seen(0, "OB", "File Preamble", "File Preamble", shown, preamble, -1,
                                   not preamble.strip(b"\0"))
    _walk(ds, (), seen, 0)
    return seen


def _walk(ds: Dataset, prefix: Key, seen: dict[Key, _Seen], depth: int) -> None:
    for base in list(ds.keys()):
        tag = int(base)
        key = (*prefix, tag)
        label, name = _names(ds, tag)
        try:
            elem = ds[tag]
            vr, value = vr_of(elem, tag), elem.value
        except Exception:  # the engine removes what cannot be read
            seen[key] = _Seen(tag, "UN", label, name, "(cannot be read)", key, -1, False)
            continue
        if isinstance(value, Sequence):
            seen[key] = _Seen(tag, "SQ", label, name, _items_shown(value), f"SQ {len(value)}", len(value),
                              not len(value))
            if depth < MAX_DEPTH:
                for number, item in enumerate(value):
                    _walk(item, (*key, number), seen, depth + 1)
            continue
        shown, compared = _value(value)
        seen[key] = _Seen(tag, vr, label, name, shown, compared, -1, not shown)


def _names(ds: Dataset, tag: int) -> tuple[str, str]:
    """The engine's label of an element (what its counts name) and the name shown."""
    group, number = tag >> 16, tag & 0xFFFF
    if not group & 1:
        label = label_of(tag)
        return label, label.split(" ", 1)[1]
    if 0x10 <= number <= 0xFF:
        creator = creator_of(ds, tag)
        return f"({group:04X},00xx) Private Creator {creator or '(unreadable)'}", f"Private Creator {creator}".strip()
    creator = creator_of(ds, group << 16 | number >> 8) if number >= 0x1000 else ""
    if creator:
        return f"({group:04X},xx{number & 0xFF:02X}) {creator}", f"private, {creator}"
    return f"({group:04X},{number:04X}) private, no creator", "private, no creator"


def _value(value: Any) -> tuple[str, object]:
    """A value as shown (shortened) and as compared."""
    if value is None:
        return "", ""
    if isinstance(value, (bytes, bytearray)):
        if not value:
            return "", b""
        return f"({len(value):,} bytes)", (len(value), hashlib.blake2b(value, digest_size=16).digest())
    several = isinstance(value, (list, tuple, MultiValue))
    text = ("\\".join(str(v) for v in value) if several else str(value)).rstrip(" \0")
    return _short(text), text


def _items_shown(items: Sequence) -> str:
    """A sequence as shown: its size, and its codes when its items are codes."""
    size = f"{len(items)} item{'s' if len(items) != 1 else ''}"
    codes = [f"{item.get('CodeValue', '')} {item.get('CodeMeaning', '')}".strip()
             for item in items if isinstance(item, Dataset) and "CodeValue" in item]
    return _short(f"{size}: {'; '.join(codes)}") if codes and len(codes) == len(items) else f"({size})"


def _short(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _rows(before: dict[Key, _Seen], after: dict[Key, _Seen], words: dict[str, set[str]]) -> Iterator[tuple[str, dict]]:
    """(class key, row) for each element changed, in file order (what the copy adds at the end)."""
    whole: set[Key] = set()  # sequences shown as one row: removed, emptied or written whole
    for key in [*before, *(key for key in after if key not in before)]:
        if any(key[:end] in whole for end in range(1, len(key))):
            continue
        old, new = before.get(key), after.get(key)
        seen = old or new
        assert seen is not None
        word = _word(old, new, words.get(seen.label, set()))
        if word is None:
            continue
        if seen.items >= 0 and word in (REMOVED, EMPTIED, WRITTEN):
            whole.add(key)
        yield _class_of(key, seen.vr), {
            "path": _path(key), "name": seen.name, "vr": seen.vr, "action": word,
            "before": old.shown if old else "", "after": new.shown if new else "",
            "after_from_original": word in (KEPT, KEPT_SAFE, CLEANED)}


def _word(old: _Seen | None, new: _Seen | None, counted: set[str]) -> str | None:
    """What happened to one element (None: nothing to show)."""
    if new is None:
        return REMOVED
    if old is None:
        return REPLACED if new.tag in PATIENT_TAGS and REPLACED in counted else WRITTEN
    if old.value == new.value:
        if KEPT in counted or KEPT_SAFE in counted:
            return KEPT if KEPT in counted else KEPT_SAFE
        return CLEANED if CLEANED in counted and old.items < 0 and not old.empty else None
    if old.items >= 0 or new.items >= 0:  # the items' own changes are their rows
        return EMPTIED if new.items == 0 and old.items > 0 else None
    if new.empty:
        return EMPTIED
    if new.tag in CLAIM_TAGS:
        return WRITTEN
    if new.vr == "UI":
        return NEW_UID
    for word in (SHIFTED, CLEANED, REPLACED, NEW_UID):
        if word in counted:
            return word
    return REPLACED


def _path(key: Key) -> str:
    """"(0008,1140)[1] > (0008,1155)": the element's tag in each item, items from 1."""
    if key[0] == _PREAMBLE:
        return "preamble"
    tags = key[1:] if key[0] == _META else key
    parts: list[str] = []
    for position, part in enumerate(tags):
        if position % 2:
            parts[-1] += f"[{part + 1}]"
        else:
            parts.append(f"({part >> 16:04X},{part & 0xFFFF:04X})")
    return " > ".join(parts)


def _class_of(key: Key, vr: str) -> str:
    """The class of :data:`CLASSES` of the element at ``key``: an enclosing private block, overlay
    or icon, structured content or claim decides, else the element's own kind."""
    if key[0] in (_META, _PREAMBLE):
        return "file_meta"
    tags = key[::2]
    for tag in tags:
        group = tag >> 16
        if group & 1:
            return "private"
        if 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF or tag in ICON_TAGS:
            return "graphics"
        if tag in CLAIM_TAGS:
            return "claims"
        if tag in STRUCTURED_TAGS:
            return "structured"
    tag = tags[-1]
    row = PROFILE.row_for(tag)
    options = row.options if row is not None else {}
    if tag >> 16 in (0x0010, 0x0038) or "retain_patient_characteristics" in options:
        return "patient"
    if vr == "UI":
        return "uids"
    if vr in _TIME_VRS or "retain_modified_dates" in options:
        return "dates"
    if "retain_device_id" in options:
        return "device"
    if "retain_institution_id" in options or vr == "PN":
        return "institution"
    if row is not None and _IDENTIFIER.search(keyword_for_tag(tag) or ""):
        return "identifiers"
    if "clean_descriptors" in options or vr in _TEXT_VRS:
        return "descriptions"
    return "other"


__all__ = ["CLASSES", "WRITTEN", "choices", "preview"]
