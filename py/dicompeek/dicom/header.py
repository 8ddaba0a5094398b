"""Decide whether an entry is DICOM and read the header fields the summary needs.

Detection is by content, never by name: a Part 10 file has ``DICM`` at byte
128; a dataset written without preamble and file meta is recognised by a
plausible first element and confirmed by parsing it. Only the header is read
(``stop_before_pixels``), from a bounded prefix that grows only when the
header does not fit, so a large image costs no more to parse than its header.

Nothing in a file is trusted to be small or shallow. The entry is read the one
way every reader reads (:class:`~dicompeek.dicom.reader.Reading`: deflated
datasets inflated only as far as needed, reading stopped where elements start
repeating, values read with deferral never read again by file name), through
pydicom's guarded reader (:mod:`dicompeek.dicom.guard`). What this pass adds is
checks: where the header breaks off, what follows it, whether a dataset without
preamble is one. Every problem becomes a one-line reason for the file
(:class:`~dicompeek.dicom.errors.NotDicom` or :class:`~dicompeek.dicom.errors.Unreadable`),
never another exception out of the caller.
"""

from __future__ import annotations

import logging
import struct
import warnings
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import pydicom.uid
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.tag import Tag

from dicompeek.dicom.errors import InflatesPastLimit, NotDicom, NotDicomData, TooDeep, Unreadable, explain
from dicompeek.dicom.errors import describe as describe  # dicompeek.tags imports it from here
from dicompeek.dicom.guard import content_kind, is_part10, starts_dataset
from dicompeek.dicom.reader import DEFER_SIZE, PIXEL_TAGS, Data, NeedMore, Positioned, Reading, Source, read_dataset

#: Prefix sizes tried in turn; most headers fit in the first. Beyond the last,
#: the header is parsed from the stream with large values skipped.
PREFIX_STEPS = (16 * 1024, 256 * 1024, 4 * 1024 * 1024, 32 * 1024 * 1024)
#: A deflated dataset is inflated at most this far to read its header.
HEADER_INFLATE_LIMIT = PREFIX_STEPS[-1]

#: Keywords copied from each header into the index.
FIELDS = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
    "StudyInstanceUID", "StudyDate", "StudyTime", "StudyDescription",
    "AccessionNumber", "StudyID", "PatientIdentityRemoved",
    "SeriesInstanceUID", "SeriesNumber", "SeriesDate", "SeriesTime",
    "SeriesDescription", "Modality", "BodyPartExamined",
    "SOPClassUID", "SOPInstanceUID", "InstanceNumber",
    "NumberOfFrames", "Rows", "Columns", "BurnedInAnnotation", "InstitutionName",
    # geometry, for slice order and the viewer's checks
    "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness",
    "SliceLocation", "AcquisitionNumber",
)
_NUMERIC = {"SeriesNumber", "InstanceNumber", "NumberOfFrames", "Rows", "Columns", "AcquisitionNumber"}

_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT"}


@dataclass(slots=True)
class Header:
    """What the index keeps of one DICOM file."""

    fields: dict[str, Any]
    transfer_syntax: str
    has_file_meta: bool
    warning: str | None = None
    #: Where the header ends in the entry (the pixel data, or the end); None for a deflated one.
    #: Reading the header again (the privacy review) reads just that far.
    length: int | None = None


def read_header(entry: Source) -> Header:
    """Read the header of ``entry``; raise :class:`NotDicom` or :class:`Unreadable`."""
    if entry.problem:
        raise Unreadable(entry.problem)
    if entry.size == 0:
        raise Unreadable("empty file (0 bytes)")
    try:
        with Reading(entry, PREFIX_STEPS[0]) as reading:
            raw = _detect(reading.head, entry.size) == "raw"
            return reading.parse(lambda data: _parse_data(data, raw), prefixes=PREFIX_STEPS, in_memory=0,
                                 inflate_limit=HEADER_INFLATE_LIMIT)
    except (NotDicom, Unreadable):
        raise
    except (TooDeep, RecursionError) as exc:
        raise Unreadable(str(TooDeep())) from exc
    except Exception as exc:  # zlib.error, BadZipFile (CRC), OSError, MemoryError, ...
        raise Unreadable(f"cannot read the entry: {explain(exc)}") from exc


def written_header(ds: Dataset, length: int | None) -> Header:
    """The header of a file this program has just written from ``ds`` (the de-identified copy's), as
    :func:`read_header` reads it from those bytes, without reading them again: the same fields,
    taken from ``ds`` itself; ``length`` is where the writer put the pixel data
    (:func:`~dicompeek.dicom.writer.part10`). ``tests/dicom/test_writer.py`` checks both agree."""
    return Header(_fields(ds, []), _transfer_syntax(ds), bool(ds.file_meta), None, length)


def _detect(prefix: bytes, size: int) -> str:
    """"part10" or "raw" (a dataset without preamble), from the entry's first bytes; else raise.
    ``DICM`` at byte 128 alone is not enough: a dataset without preamble may hold those bytes in a
    value (see :func:`~dicompeek.dicom.guard.is_part10`)."""
    if len(prefix) < min(size, PREFIX_STEPS[0]):
        raise Unreadable(f"entry is shorter than its stated size ({len(prefix)} of {size} bytes)")
    if is_part10(prefix):
        return "part10"
    if starts_dataset(prefix):
        return "raw"
    raise NotDicom(f"not DICOM ({content_kind(prefix)}): no 'DICM' marker at byte 128 "
                   "and no DICOM dataset at the start")


def _parse_data(data: Data, raw: bool) -> Header:
    """The header from what the reader gives: a prefix, the whole entry, or an inflated dataset."""
    if data.inflated is None:
        return _parse_checked(data.fp, data.available, data.size, raw, data.defer)
    problem = data.inflated.problem
    try:
        try:
            header = _parse_checked(data.fp, data.available, data.size, False)
        except NeedMore:  # only when inflation stopped at the limit
            raise Unreadable(f"header not found within {HEADER_INFLATE_LIMIT // (1024 * 1024)} MB "
                             "of inflated data") from None
    except Unreadable as exc:
        raise Unreadable(f"{problem}: {exc}" if problem else str(exc)) from exc
    header.transfer_syntax = pydicom.uid.DeflatedExplicitVRLittleEndian
    header.length = None  # a position in the inflated data, not in the entry
    if problem and not isinstance(problem, InflatesPastLimit):  # past the limit: only pixel data is lost
        header.warning = "; ".join(filter(None, [str(problem), header.warning]))
    return header


def _parse_checked(fp: Positioned, available: int, size: int, raw: bool, defer: bool = False) -> Header:
    """:func:`_parse`, with pydicom's own exceptions turned into a reason."""
    try:
        return _parse(fp, available, size, raw, defer)
    except (NotDicom, Unreadable, NeedMore):
        raise
    except (TooDeep, RecursionError) as exc:
        raise Unreadable(str(TooDeep())) from exc
    except NotDicomData as exc:
        raise Unreadable(f"the data after {'the start' if raw else 'the file meta information'} "
                         f"is not DICOM: {exc}") from exc
    except Exception as exc:
        raise Unreadable(f"DICOM parse error: {explain(exc)}") from exc


def _parse(fp: Positioned, available: int, size: int, raw: bool, defer: bool = False) -> Header:
    """Parse the header from ``fp``, which holds ``available`` of the entry's ``size`` bytes."""
    complete = available >= size
    with _Messages() as messages:
        try:
            ds, junk = read_dataset(fp, stop_before_pixels=True, force=raw,
                                    defer_size=DEFER_SIZE if defer else None)
        except InvalidDicomError as exc:
            if not complete:
                raise NeedMore from exc
            raise Unreadable(f"invalid DICOM: {explain(exc)}") from exc
        except (NotDicomData, TooDeep):
            raise
        except Exception:
            if not complete:
                raise NeedMore from None
            raise
        stop = fp.tell()
        next_element = _element_header(fp, stop, ds)
        at_pixels = next_element is not None and next_element[0] in PIXEL_TAGS
        ran_out = next((m for m in messages.so_far() if _RAN_OUT in m), None)
        if not complete and (ran_out or (not at_pixels and stop >= available)):
            raise NeedMore
        if raw and not _plausible_raw(ds):
            raise NotDicom("not DICOM: no 'DICM' marker at byte 128 and the start "
                           "does not parse as a DICOM dataset")
        if ran_out:
            raise Unreadable(f"truncated: {ran_out}")
        if not ds:
            raise Unreadable(_empty_dataset_reason(ds, size))
        problem, stray = _truncation(ds, available, stop, at_pixels)
        if problem:
            raise Unreadable(problem)
        fields = _fields(ds, messages)
        display = _display_warning(ds)
    warning = _pixel_length_warning(next_element, stop, size) if next_element and at_pixels else junk or stray
    if messages and not warning:
        warning = "; ".join(sorted(set(messages)))
    if display:
        warning = f"{warning}; {display}" if warning else display
    return Header(fields, _transfer_syntax(ds), bool(ds.file_meta), warning, stop)


_MODALITY_LUT_SEQUENCE = 0x00283000


def _display_warning(ds: Dataset) -> str | None:
    """What the viewer will show differently from what the header asks (an invalid Modality LUT,
    ignored), said already when indexing so that the summary and the viewer's series can tell."""
    if _MODALITY_LUT_SEQUENCE not in ds._dict:
        return None
    from dicompeek.dicom.modality_lut import modality_lut_problem  # numpy: only for the rare files with one

    return modality_lut_problem(ds)


#: pydicom's message when a sequence or item runs past the end of the data.
_RAN_OUT = "End of file reached"


class _Messages(list[str]):
    """Collect what pydicom warns about, whether by ``warnings`` or by its logger."""

    def __enter__(self) -> _Messages:
        self._warnings = warnings.catch_warnings(record=True)
        self._caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        self._handler = _ListHandler(self)
        self._logger = logging.getLogger("pydicom")
        self._logger.addHandler(self._handler)
        self._propagate, self._logger.propagate = self._logger.propagate, False
        return self

    def so_far(self) -> list[str]:
        """The messages up to now; pydicom's warn_and_log says each twice, keep one."""
        return list(dict.fromkeys([*self, *(_first_line(str(w.message)) for w in self._caught)]))

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate
        self[:] = self.so_far()
        self._warnings.__exit__(kind, value, traceback)


class _ListHandler(logging.Handler):
    def __init__(self, target: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.target.append(_first_line(record.getMessage()))


def _first_line(text: str) -> str:
    """The message's first line, without pydicom's link to the standard."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line.split(" Please see <", 1)[0][:200]


def _empty_dataset_reason(ds: Dataset, size: int) -> str:
    if not ds.file_meta:
        return "has the DICOM marker but no element could be read"
    group_length = ds.file_meta.get("FileMetaInformationGroupLength")
    meta_end = 132 + 12 + group_length if isinstance(group_length, int) else 0
    if meta_end > size:
        return (f"truncated: the file ends after {size} bytes, inside the file meta "
                f"information ({meta_end} bytes)")
    return f"no data elements after the file meta information (the file ends after {size} bytes)"


def _plausible_raw(ds: Dataset) -> bool:
    """A forced parse of arbitrary bytes yields junk; real datasets have these."""
    keys = list(ds.keys())
    if len(keys) < 3 or keys != sorted(keys):
        return False
    return any(kw in ds for kw in ("SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "Modality"))


def _element_header(fp: Positioned, pos: int, ds: Dataset) -> tuple[int, int, int] | None:
    """(tag, value length, header size) of the element at ``pos``, or None at the end."""
    fp.seek(pos)
    data = fp.read(12)
    if len(data) < 8:
        return None
    implicit, little = _encoding(ds)
    order = "<" if little else ">"
    group, element = struct.unpack_from(order + "HH", data)
    tag = (group << 16) | element
    if implicit:
        return tag, struct.unpack_from(order + "L", data, 4)[0], 8
    if len(data) < 12:
        return tag, 0, 8
    if data[4:6] in _LONG_VRS:
        return tag, struct.unpack_from(order + "L", data, 8)[0], 12
    return tag, struct.unpack_from(order + "H", data, 6)[0], 8


def _encoding(ds: Dataset) -> tuple[bool, bool]:
    implicit, little = getattr(ds, "original_encoding", (None, None))
    return (bool(implicit) if implicit is not None else True,
            bool(little) if little is not None else True)


def _truncation(ds: Dataset, available: int, stop: int, at_pixels: bool) -> tuple[str | None, str | None]:
    """Say where the header breaks off, if it does (pydicom stops silently); and, as a warning,
    a few bytes after the last element that are too short to be one (a cut element header)."""
    end = 0
    last: tuple[int, int, int] | None = None  # tag, length, position of the value that ends last
    for elem in ds._dict.values():
        tell = getattr(elem, "value_tell", None)
        length = getattr(elem, "length", None)
        if tell is None or length is None or length == 0xFFFFFFFF:
            continue
        if tell + length > end:
            end, last = tell + length, (elem.tag, length, tell)
    if last is not None and end > available:
        tag, length, tell = last
        return (f"truncated: element {Tag(tag)} declares {length} bytes "
                f"but the file ends after {available - tell}"), None
    if last is not None and not at_pixels and 0 < available - end < 8 and stop >= available:
        return None, (f"{available - end} byte(s) after the last complete element, too few for another "
                      "(the file may be truncated inside an element header)")
    return None, None


def _pixel_length_warning(pixel_element: tuple[int, int, int], stop: int, size: int) -> str | None:
    _, length, header_size = pixel_element
    if length != 0xFFFFFFFF and stop + header_size + length > size:
        return (f"pixel data truncated: {length} bytes declared, "
                f"{max(size - stop - header_size, 0)} present")
    return None


def _fields(ds: Dataset, problems: list[str]) -> dict[str, Any]:
    """The summary's fields; values that break their VR are noted in ``problems``."""
    fields: dict[str, Any] = {}
    elements = ds._dict
    for keyword, tag, vr in _FIELD_TAGS:
        elem = elements.get(tag)
        if elem is None:
            continue
        value = _fast_value(elem, vr)
        if value is None:
            try:  # pydicom's full conversion: character sets, odd encodings
                value = _plain(keyword, ds[tag].value)
            except Exception:  # a malformed value must not lose the file
                continue
        if value is None or value == "":
            continue
        if keyword in _NUMERIC:
            if _is_int(value):
                value = int(value)
            else:
                problems.append(f"invalid {vr} value {value!r} in {keyword} {Tag(tag)}")
        fields[keyword] = value
    if "SOPClassUID" not in fields and ds.file_meta.get("MediaStorageSOPClassUID"):
        # A DICOMDIR names its class only in the file meta.
        fields["SOPClassUID"] = str(ds.file_meta.MediaStorageSOPClassUID)
    if fields.get("Modality") in REFERRING_MODALITIES:
        referenced = _referenced_series(ds)
        if referenced:
            fields["ReferencedSeries"] = referenced
    return fields


#: Objects made from other series, which the summary lists under the series they refer to.
REFERRING_MODALITIES = {"SEG", "SR", "KO", "RTSTRUCT", "PR"}
#: Where each kind names the series it refers to, as paths of sequence keywords: a
#: segmentation's and a presentation state's Referenced Series Sequence, a report's evidence,
#: an RT structure set's referenced frame of reference.
_REFERENCE_PATHS = (
    ("ReferencedSeriesSequence",),
    ("CurrentRequestedProcedureEvidenceSequence", "ReferencedSeriesSequence"),
    ("ReferencedFrameOfReferenceSequence", "RTReferencedStudySequence", "RTReferencedSeriesSequence"),
)


def _referenced_series(ds: Dataset) -> list[str]:
    """The Series Instance UIDs a derived object names (:data:`_REFERENCE_PATHS`), in order, once
    each; a malformed sequence gives none rather than losing the file."""
    found: dict[str, None] = {}
    for path in _REFERENCE_PATHS:
        try:
            items = [ds]
            for keyword in path:
                items = [child for item in items for child in (item.get(keyword) or ())]
            found.update((str(item.SeriesInstanceUID), None) for item in items if item.get("SeriesInstanceUID"))
        except Exception:  # a sequence that does not parse refers to nothing
            continue
    return [uid for uid in found if uid != str(ds.get("SeriesInstanceUID", ""))]


#: (keyword, tag, VR) of each field, looked up once.
_FIELD_TAGS = tuple((kw, Tag(kw), dictionary_VR(Tag(kw))) for kw in FIELDS)
_TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH", "TM", "UI"}


def _fast_value(elem: Any, vr: str) -> str | int | None:
    """Decode a still-raw ASCII text or US value directly, or return None.

    pydicom's general conversion (character sets, validation hooks) costs more
    than the whole parse; the summary's fields are almost always plain ASCII,
    which every DICOM character set decodes the same way.
    """
    if not isinstance(elem, RawDataElement) or elem.value is None:
        return None
    if elem.VR not in (None, vr):
        return None
    raw: bytes = elem.value
    if vr in _TEXT_VRS:
        if not raw.isascii() or b"\x1b" in raw:  # ISO 2022 escapes are ASCII bytes too
            return None
        text = raw.decode("ascii").strip(" \x00")
        return text.rstrip("\x00") if vr == "UI" else text
    if vr == "US" and len(raw) == 2:
        return int.from_bytes(raw, "little" if elem.is_little_endian else "big")
    return None


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _plain(keyword: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = "\\".join(str(v) for v in value)
    if keyword in _NUMERIC:
        return value if isinstance(value, int) else str(value).strip()
    return str(value).strip()


def _transfer_syntax(ds: Dataset) -> str:
    uid = ds.file_meta.get("TransferSyntaxUID") if ds.file_meta else None
    if uid:
        return str(uid)
    implicit, little = _encoding(ds)
    if implicit:
        return pydicom.uid.ImplicitVRLittleEndian
    return pydicom.uid.ExplicitVRLittleEndian if little else pydicom.uid.ExplicitVRBigEndian
