"""The engine that applies PS3.15 Table E.1-1 (:data:`~..profile.PROFILE`) with the chosen options
to one dataset, in place, at every depth, and writes the claims that say so.

Why one engine over the table as data: the review (:mod:`..rules`) judges a file against the same
rows and option columns, so what this writes is what the review expects of a de-identified file,
row for row; a new edition of the table changes both at once.

The API::

    actions = deidentify(ds, options, context, pixels_cleaned=False)

``options`` are keys of :data:`OPTIONS` (E.1-1's option columns, plus "clean_pixel_data", which
has no column: the pixels are the caller's; it changes nothing here, ``pixels_cleaned`` is what
claims it). ``context`` (:class:`Context`) is the run's: new UIDs, date shift, cleaning, the
patient's pseudonym, whether overlays may stay. The answer counts what was done per element and
action word (:data:`ACTION_WORDS`), never a value: ``{("(0010,0010) Patient's Name", "replaced"): 1}``.
Labels are "(gggg,eeee) Name"; a repeating group's "(60xx,3000) Overlay Data"; a private data
element's "(gggg,xxee) <creator>" (the block number masked, as PS3.15 E.3.10 writes it) and its
creator's "(gggg,00xx) Private Creator <creator>". Raises ValueError on an unknown option or on
both date options (they exclude each other); never on the data.

How a tag's action is chosen. The row that governs it (exact tag, repeating group, private) gives
the basic profile's action, unless a chosen option has one for that row; when two chosen options
disagree, "C" beats "K" (the only such rows are device calibration dates under Retain Device
Identity with Modified Dates: a date kept unshifted next to shifted ones would give the shift
away). Combined actions keep the file valid without keeping data:

- "X/Z" → Z, "X/D" → D;
- "Z/D" and "X/Z/D" → Z, unless a value is needed: a UID gets a new UID, Patient's Name and ID the
  pseudonym, and the few that are Type 1 in common IODs get a dummy (:data:`NEEDS_VALUE`: an SR's
  Content Date and Time, an enhanced image's Acquisition DateTime and its equipment's Device
  Serial Number). The engine knows no IOD, so the list is by attribute;
- "X/Z/U*" → the sequence stays and the table is applied to its items (their instance UIDs get
  new ones through their own "U" rows; class UIDs, which E.1-1 does not list, stay).

What each action does: X removes; Z empties (a sequence loses its items); D writes a dummy
(:mod:`.values`; UI: a new UID; binary: emptied, for want of a dummy); a sequence is removed,
as no dummy is valid: an empty item lacks its macro's Type 1 attributes (an SR item's
Relationship Type) and an empty Content Sequence is an error where absent is not (dciodvfy;
the D sequences of E.1-1 are conditional in the IODs that hold them);
K keeps; U gives each UID a new one from ``context.new_uid`` (a well-known UID under
1.2.840.10008, e.g. an atlas Frame of Reference, names no one and stays); C cleans: text through
``context.clean``, a sequence's items with the table and every free-text element in them that the
table does not list (code values and designators excepted: vocabulary, not text), and under
Retain Modified Dates DA and DT shifted by ``context.shift`` (times, and the time zone offset,
kept: a whole-day shift leaves them true). A C that cannot apply to the value (a binary Maker
Note under Clean Descriptors, a binary timestamp under Modified Dates) falls back to the basic
action. Patient's Name and Patient ID get the pseudonym wherever they are (both at the top level
when the file has either: one alone would make another person of the same patient).

Beyond single rows: every private element is removed, except, under Retain Safe Private, those
Table E.3.10-1 lists for their creator (:mod:`..safe_private`); a creator whose block loses every
element goes too. Curves (50xx) are removed; overlays (60xx, the whole group) too, unless Clean
Graphics is chosen and ``context.keep_overlays`` (the caller found them clean): then their data
is "kept by option" and their text cleaned. Group lengths are removed (they would be wrong).

Not in the table: kept, as E.1-1 is the list of what to change; free text the table does not
list (rare: it lists the descriptions, comments and labels) is kept too, as the standard says,
except inside a sequence being cleaned (the review still lists a kept Content Label or Content
Description, (0070,0080/0081), as medium: its disagreement with the standard, not settled here).
Dates are the exception: a DA, DT or TM the table does not list is treated as its date rows are
(removed; shifted or kept by the date options), so that
"Longitudinal Temporal Information Modified: REMOVED" stays true.

Odd input never stops it: a value that cannot be read, shifted or replaced is removed (and counted
"removed"), as are sequences nested deeper than the review reads (:data:`~..elements.MAX_DEPTH`).

File meta: Media Storage SOP Instance UID becomes the new SOP Instance UID (kept under Retain
UIDs); every other element of group 0002 but the group length, version, SOP class, transfer
syntax and implementation UID and name is removed (AE titles, presentation addresses, private
information). The implementation UID and name are the writer's to set. A non-zero preamble (a
dual-personality TIFF header) is zeroed.

Afterwards the claims (:func:`.values.write_claims`), replacing any earlier ones (they describe
this file as it now is; a claim left by an earlier tool could allow what was removed here):
Patient Identity Removed YES; De-identification Method naming this tool, the profile and each
option (one value each: LO holds 64 characters); its Code Sequence (CID 7050: 113100, each
option's code, 113101 when ``pixels_cleaned``); Longitudinal Temporal Information Modified
MODIFIED, UNMODIFIED or REMOVED (left out, as Type 3 allows, when neither date option is chosen
but Retain Device Identity kept a calibration date: REMOVED would be false); and with
``pixels_cleaned`` Burned In Annotation NO. They are not counted as actions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicompeek.privacy.deidentify.decisions import (
    CODE_TAGS,
    CONVERT,
    DATE_ROW,
    DATE_VRS,
    FREE_TEXT_VRS,
    KEEP,
    NEW_UIDS,
    PATIENT_ID,
    PATIENT_NAME,
    TIME_KEPT,
    letter_for,
    raw_plan,
    resolve,
    tag_of,
)
from dicompeek.privacy.deidentify.raw import plain_values, well_formed, with_text
from dicompeek.privacy.deidentify.values import (
    creator_of,
    dummy,
    is_empty,
    joined,
    label_of,
    texts,
    vr_of,
    write_claims,
)
from dicompeek.privacy.elements import MAX_DEPTH
from dicompeek.privacy.profile import PROFILE, Row
from dicompeek.privacy.safe_private import SAFE_PRIVATE

#: The option keys :func:`deidentify` accepts: E.1-1's columns, and Clean Pixel Data.
OPTIONS: tuple[str, ...] = (*(o.key for o in PROFILE.options if o.key != "basic_profile"), "clean_pixel_data")
#: What :func:`deidentify` counts, per element.
ACTION_WORDS = ("removed", "emptied", "replaced", "shifted", "cleaned", "new UID", "kept by option",
                "kept (safe private)")
REMOVED, EMPTIED, REPLACED, SHIFTED, CLEANED, NEW_UID, KEPT, KEPT_SAFE = ACTION_WORDS

Actions = Counter[tuple[str, str]]


class Context(Protocol):
    """What the engine needs from the run (the caller implements it)."""

    pseudonym_name: str  # this patient's new Patient's Name
    pseudonym_id: str  # this patient's new Patient ID
    keep_overlays: bool  # Clean Graphics: overlays found clean may stay (decided per file)

    def new_uid(self, uid: str) -> str:
        """The same input UID → the same new UID, everywhere."""
        ...

    def shift(self, value: str, vr: str) -> str:
        """A DA or DT value moved by this patient's offset; raises ValueError on a non-date."""
        ...

    def clean(self, text: str) -> str:
        """Free text with the identifiers taken out (the "C" action)."""
        ...


SOP_INSTANCE_UID, MEDIA_SOP_INSTANCE_UID = tag_of("SOPInstanceUID"), tag_of("MediaStorageSOPInstanceUID")
#: The file meta elements kept (the Media Storage SOP Instance UID is replaced).
META_KEPT = frozenset(map(tag_of, ("FileMetaInformationGroupLength", "FileMetaInformationVersion",
                                 "MediaStorageSOPClassUID", "TransferSyntaxUID", "ImplementationClassUID",
                                 "ImplementationVersionName")))
#: Overlay elements that hold text: cleaned when overlays stay.
OVERLAY_TEXT = frozenset({0x0022, 0x1500, 0x4000})  # Overlay Description, Label, Comments
#: VRs that "C" cleans as text.
CLEANABLE_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
WELL_KNOWN_UID = "1.2.840.10008."


def deidentify(ds: Dataset, options: frozenset[str], context: Context, pixels_cleaned: bool = False) -> Actions:
    """Apply E.1-1 with ``options`` to ``ds`` in place, at every depth (items of sequences too), and
    its file meta; then write the claims. What was done, per element label and action word."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(f"unknown de-identification options: {sorted(unknown)}")
    if {"retain_full_dates", "retain_modified_dates"} <= options:
        raise ValueError("Retain Full Dates and Retain Modified Dates exclude each other")
    engine = _Engine(options, context)
    engine.dataset(ds, 0, False)
    engine.patient(ds)
    engine.file_meta(ds)
    engine.preamble(ds)
    write_claims(ds, options, pixels_cleaned, dates_left=engine.dates_kept)
    return engine.actions


class _Engine:
    """One dataset's walk: the chosen options, the run's context and the counts so far."""

    def __init__(self, options: frozenset[str], context: Context) -> None:
        self.options, self.context = options, context
        self.actions: Actions = Counter()
        self.dates_kept = False  # a date or time kept by an option (Retain Device Identity's)

    # -- datasets -----------------------------------------------------------------------------

    def dataset(self, ds: Dataset, depth: int, cleaning: bool) -> None:
        """Every element of ``ds``: the standard ones by the table, then the private ones."""
        creators: dict[int, tuple[int, str]] = {}  # block (group << 8 | block) -> creator's tag, creator
        private: list[int] = []
        for base in list(ds.keys()):
            tag = int(base)
            if tag >> 16 & 1:
                number = tag & 0xFFFF
                if 0x10 <= number <= 0xFF:
                    creators[tag >> 16 << 8 | number] = (tag, creator_of(ds, tag))
                else:
                    private.append(tag)
                continue
            try:
                self.standard(ds, tag, depth, cleaning)
            except Exception:  # a value that cannot be read or replaced: removed, never kept
                self.remove(ds, tag, label_of(tag))
        kept: set[int] = set()
        for tag in private:
            block = tag >> 16 << 8 | (tag & 0xFFFF) >> 8
            creator = creators.get(block, (0, ""))[1] if tag & 0xFF00 else ""
            if self.keep_private(ds, tag, creator, depth):
                kept.add(block)
        for block, (tag, creator) in creators.items():
            if block not in kept:
                self.remove(ds, tag, f"({tag >> 16:04X},00xx) Private Creator {creator or '(unreadable)'}")

    def standard(self, ds: Dataset, tag: int, depth: int, cleaning: bool) -> None:
        group, number = tag >> 16, tag & 0xFFFF
        if number == 0 and group != 0x0002:
            self.remove(ds, tag, label_of(tag))  # a group length: wrong once anything changes
            return
        if 0x5000 <= group <= 0x50FF or group == 0xFFFE:  # curves; an item or delimiter tag read as an element
            self.remove(ds, tag, label_of(tag))
            return
        if 0x6000 <= group <= 0x60FF:
            self.overlay(ds, tag)
            return
        raw = ds._dict.get(tag)  # type: ignore[call-overload]
        if isinstance(raw, RawDataElement) and self.raw_done(ds, tag, raw, cleaning):
            return
        elem = ds[tag]  # converts a raw element; raises on one that cannot be read
        vr = vr_of(elem, tag)
        if tag in (PATIENT_NAME, PATIENT_ID):
            value = self.context.pseudonym_name if tag == PATIENT_NAME else self.context.pseudonym_id
            self.set(ds, tag, vr, value or None, REPLACED if value else EMPTIED)
            return
        row = PROFILE.row_for(tag)
        if row is None:
            if vr in DATE_VRS:
                row = DATE_ROW
            elif vr == "SQ":
                self.items(ds, tag, elem, depth, cleaning)
                return
            else:
                if cleaning and vr in FREE_TEXT_VRS and tag not in CODE_TAGS:
                    self.clean(ds, tag, elem, vr)
                return
        action, option = resolve(row, self.options)
        self.apply(ds, tag, elem, vr, letter_for(action, tag, vr), option, row, depth, cleaning)

    def raw_done(self, ds: Dataset, tag: int, raw: RawDataElement, cleaning: bool) -> bool:
        """Whether a raw (not yet converted) element is dealt with from its tag, VR and bytes alone:
        left as it is (most elements of a file, which then go to the copy as the bytes they were
        read as: converting and re-encoding each was most of the copy's time), or, for plain UIDs
        and dates, given its new value as bytes (:func:`.decisions.raw_plan`). False: convert it
        and go the general way."""
        if tag in (PATIENT_NAME, PATIENT_ID):
            return False
        vr = vr_of(raw, tag)
        value = raw.value
        if vr == "SQ" or not isinstance(value, bytes) or not well_formed(value, vr):
            return False  # a value of the wrong length is converted (and removed when it cannot be)
        plan = raw_plan(self.options, tag, vr, cleaning)
        if plan == KEEP:
            return True
        if plan == TIME_KEPT:
            self.count(label_of(tag), KEPT)  # see cleaned()
            return True
        if plan == CONVERT or not (raw.is_little_endian and raw.VR in (None, vr)):
            return False  # bytes pydicom would write differently (big endian, UN): the general way
        values = plain_values(value, vr)
        if values is None:
            return False
        if plan == NEW_UIDS:
            new = [v if not v or v.startswith(WELL_KNOWN_UID) else self.context.new_uid(v) for v in values]
            if new != values:
                self.set_raw(ds, tag, raw, "\\".join(new), NEW_UID)
            return True
        if any(values):  # SHIFT_DATES
            try:
                shifted = [self.context.shift(v, vr) if v else v for v in values]
            except ValueError:
                return False  # the general way removes it
            self.set_raw(ds, tag, raw, "\\".join(shifted), SHIFTED)
        return True

    def apply(self, ds: Dataset, tag: int, elem: DataElement, vr: str, letter: str, option: str, row: Row,
              depth: int, cleaning: bool) -> None:
        label = label_of(tag)
        if letter == "X":
            self.remove(ds, tag, label)
        elif letter == "K":
            if option:
                self.count(label, KEPT)
                self.dates_kept |= vr in DATE_VRS and not is_empty(elem.value)
            if vr == "SQ":
                self.items(ds, tag, elem, depth, cleaning)
        elif letter == "C":
            if not self.cleaned(ds, tag, elem, vr, option, depth):
                basic = letter_for(row.basic, tag, vr)
                self.apply(ds, tag, elem, vr, basic if basic != "C" else "X", "", row, depth, cleaning)
        elif letter == "Z":
            if vr == "SQ":
                if len(elem.value):
                    self.set(ds, tag, vr, Sequence(), EMPTIED)
            elif not is_empty(elem.value):
                self.set(ds, tag, vr, None, EMPTIED)
        elif letter == "D":
            if vr == "SQ":  # no dummy sequence is valid: see the module's docstring
                self.remove(ds, tag, label_of(tag))
            elif vr == "UI":
                self.uids(ds, tag, elem, vr)
            else:
                value = dummy(vr)
                if value is not None:
                    self.set(ds, tag, vr, value, REPLACED)
                elif not is_empty(elem.value):
                    self.set(ds, tag, vr, None, EMPTIED)
        elif letter == "U*" and vr == "SQ":
            self.items(ds, tag, elem, depth, cleaning)
        elif letter in ("U", "U*"):
            self.uids(ds, tag, elem, vr)
        else:  # an action this engine does not know (a later edition): the safe side
            self.remove(ds, tag, label)

    def cleaned(self, ds: Dataset, tag: int, elem: DataElement, vr: str, option: str, depth: int) -> bool:
        """The "C" of ``option`` done to the element; False when it cannot apply to this value."""
        label = label_of(tag)
        if option == "retain_modified_dates":
            if vr in ("DA", "DT"):
                values = texts(elem)
                if any(values):
                    shifted = [self.context.shift(v, vr) if v else v for v in values]
                    self.set(ds, tag, vr, joined(shifted), SHIFTED)
                return True
            if isinstance(elem.value, (bytes, bytearray)):
                return False  # a binary timestamp: cannot be shifted
            if vr == "SQ":
                self.items(ds, tag, elem, depth, False)
            self.count(label, KEPT)  # a time, a time zone offset: a whole-day shift leaves it true
            return True
        if vr == "SQ":
            self.count(label, CLEANED)
            self.items(ds, tag, elem, depth, True)
            return True
        if vr in CLEANABLE_VRS and not isinstance(elem.value, (bytes, bytearray)):
            self.clean(ds, tag, elem, vr)
            return True
        return False

    def clean(self, ds: Dataset, tag: int, elem: DataElement, vr: str) -> None:
        values = texts(elem)
        if any(values):
            self.set(ds, tag, vr, joined([self.context.clean(v) if v else v for v in values]) or None, CLEANED)

    def uids(self, ds: Dataset, tag: int, elem: DataElement, vr: str) -> None:
        values = texts(elem)
        new = [v if not v.strip() or v.startswith(WELL_KNOWN_UID) else self.context.new_uid(v) for v in values]
        if new != values:
            self.set(ds, tag, "UI", joined(new), NEW_UID)

    def items(self, ds: Dataset, tag: int, elem: DataElement, depth: int, cleaning: bool) -> None:
        """The table applied to each item of a sequence kept (or removed when it cannot be)."""
        value = elem.value
        if not isinstance(value, Sequence) or depth >= MAX_DEPTH:
            if value or isinstance(value, (bytes, bytearray)):  # unparsed or too deep: unread content
                self.remove(ds, tag, label_of(tag))
            return
        for item in value:
            self.dataset(item, depth + 1, cleaning)

    # -- private elements and repeating groups ---------------------------------------------------

    def keep_private(self, ds: Dataset, tag: int, creator: str, depth: int) -> bool:
        """Keep a private data element that is safe under Retain Safe Private; else remove it."""
        group, number = tag >> 16, tag & 0xFFFF
        label = f"({group:04X},xx{number & 0xFF:02X}) {creator}" if number >= 0x1000 and creator else \
            f"({group:04X},{number:04X}) private, no creator"
        try:
            safe = SAFE_PRIVATE.lookup(creator, group, number) if "retain_safe_private" in self.options else None
            if safe is not None:
                elem = ds[tag]
                if safe.vr == "SQ" or elem.VR == "SQ" or isinstance(elem.value, Sequence):
                    self.items(ds, tag, elem, depth, False)  # bytes: a sequence left unparsed goes
                if tag in ds:
                    self.count(label, KEPT_SAFE)
                    return True
                return False
        except Exception:
            pass
        self.remove(ds, tag, label)
        return False

    def overlay(self, ds: Dataset, tag: int) -> None:
        """An element of an overlay group: the group stays only under Clean Graphics with overlays
        the caller found clean."""
        number = tag & 0xFFFF
        if "clean_graphics" not in self.options or not self.context.keep_overlays:
            self.remove(ds, tag, label_of(tag))
        elif number == 0x3000:
            self.count(label_of(tag), KEPT)
        elif number in OVERLAY_TEXT:
            elem = ds[tag]
            if elem.VR in CLEANABLE_VRS:
                self.clean(ds, tag, elem, elem.VR)

    # -- the file around the dataset -------------------------------------------------------------

    def patient(self, ds: Dataset) -> None:
        """Both pseudonyms where the file names its patient by one of them only: a file with the ID
        and no name would stand for another person among the copies."""
        if PATIENT_NAME in ds or PATIENT_ID in ds:
            for tag, vr, value in ((PATIENT_NAME, "PN", self.context.pseudonym_name),
                                   (PATIENT_ID, "LO", self.context.pseudonym_id)):
                if tag not in ds and value:
                    self.set(ds, tag, vr, value, REPLACED)

    def file_meta(self, ds: Dataset) -> None:
        meta = getattr(ds, "file_meta", None)
        if meta is None:
            return
        for base in list(meta.keys()):
            tag = int(base)
            if tag in META_KEPT:
                continue
            if tag != MEDIA_SOP_INSTANCE_UID:
                self.remove(meta, tag, label_of(tag))
            elif "retain_uid" in self.options:
                self.count(label_of(tag), KEPT)
            else:
                try:
                    old = str(meta[tag].value or "")
                    sop = ds[SOP_INSTANCE_UID].value if SOP_INSTANCE_UID in ds else None
                    new = str(sop) if sop else (old if old.startswith(WELL_KNOWN_UID) else self.context.new_uid(old))
                    self.set(meta, tag, "UI", new, NEW_UID)
                except Exception:
                    self.remove(meta, tag, label_of(tag))

    def preamble(self, ds: Dataset) -> None:
        preamble = getattr(ds, "preamble", None)
        if isinstance(preamble, bytes) and preamble.strip(b"\0"):
            ds.preamble = bytes(128)
            self.count("File Preamble", EMPTIED)

    # -- changes, counted ----------------------------------------------------------------------

    def set_raw(self, ds: Dataset, tag: int, raw: RawDataElement, text: str, word: str) -> None:
        ds._dict[raw.tag] = with_text(raw, text, vr_of(raw, tag))
        self.count(label_of(tag), word)

    def set(self, ds: Dataset, tag: int, vr: str, value: Any, word: str) -> None:
        ds[tag] = DataElement(tag, vr, value)
        self.count(label_of(tag), word)

    def remove(self, ds: Dataset, tag: int, label: str) -> None:
        try:
            del ds[tag]
        except Exception:  # pydicom's bookkeeping failed: the element goes all the same
            ds._dict.pop(tag, None)  # type: ignore[call-overload]
        self.count(label, REMOVED)

    def count(self, label: str, word: str) -> None:
        self.actions[(label, word)] += 1

