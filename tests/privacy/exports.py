"""Realistic exports for the privacy review, made here with pydicom: the ORIGINAL export of a few
patients as a hospital hands it out, the same export DE-IDENTIFIED per PS3.15 (the Basic
Application Level Confidentiality Profile and the options it claims), and that export with ONE
identifier left in it.

The patients' names come in several scripts (Latin with diacritics, Japanese with its three PN
groups in ISO 2022 IR 87, Korean in ISO 2022 IR 149, Chinese, Cyrillic in ISO_IR 144, Greek in
ISO_IR 126, Hebrew, Arabic in UTF-8). Each has a CT study (three 8×8 images and a Comprehensive
SR report with a text finding), an MR study (two images, one with an overlay, the other
referring to it) and an ultrasound image. The originals carry everything a hospital's export
carries: names, IDs, birth dates, accession numbers, physicians and operators, institution,
station and serial number, dates, vendor UIDs, free text that names people, GE-, Siemens- and
PACS-like private blocks (one holds the patient's name), folders named after the patient.

:func:`deidentified_export` removes, empties, replaces and keeps each element by the action PS3.15
Table E.1-1 gives it under the claimed options, read from the table the package ships
(``py/dicompeek/privacy/data/confidentiality_profile.json``; not through the package's code,
which is what is under test): X removed, Z emptied (or a dummy), D a dummy, K kept, C cleaned
(dates shifted for Retain Modified Dates, descriptions and SR text stripped of what identifies),
U a new UID, the same in every file. It writes the claims (Patient Identity Removed, the
method's text, its codes, Longitudinal Temporal Information Modified), pseudonyms such as
``CASE-0101`` for name and ID, paths made of the pseudonym (``CASE-0101/1/CT/1.dcm``), and
files written by pydicom (Implementation Class UID under 1.2.826.0.1.3680043.8.498) or in
DCMTK's manner (``1.2.276.0.7230010.3.0.3.6.8``, ``OFFIS_DCMTK_368``).

:func:`with_leak` puts back one identifier, of one of the kinds in :data:`LEAKS`, and says which
text a review must show for it.

Everything is deterministic (UIDs are hashes of what they stand for) and cached, so a test module
can ask for dozens of exports in a few seconds.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.fileset import FileSet, RecordNode
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import BaseTag, Tag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, PYDICOM_ROOT_UID, UID, ExplicitVRLittleEndian

ROOT = Path(__file__).resolve().parents[2]
PROFILE_TABLE = ROOT / "py" / "dicompeek" / "privacy" / "data" / "confidentiality_profile.json"

CT_IMAGE, MR_IMAGE = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"
US_IMAGE, COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.88.33"

# -- the options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    name: str     # as the tests name it, e.g. "retain-uids"
    key: str      # the option's key in the shipped table, e.g. "retain_uid"
    code: str     # CID 7050
    meaning: str  # CID 7050's code meaning


#: The options of PS3.15 Table E.1-1 a de-identified export may claim, by name.
OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("clean-graphics", "clean_graphics", "113103", "Clean Graphics Option"),
    Option("clean-structured-content", "clean_structured_content", "113104", "Clean Structured Content Option"),
    Option("clean-descriptors", "clean_descriptors", "113105", "Clean Descriptors Option"),
    Option("retain-longitudinal-full-dates", "retain_full_dates", "113106",
           "Retain Longitudinal Temporal Information Full Dates Option"),
    Option("retain-longitudinal-modified-dates", "retain_modified_dates", "113107",
           "Retain Longitudinal Temporal Information Modified Dates Option"),
    Option("retain-patient-characteristics", "retain_patient_characteristics", "113108",
           "Retain Patient Characteristics Option"),
    Option("retain-device-identity", "retain_device_id", "113109", "Retain Device Identity Option"),
    Option("retain-uids", "retain_uid", "113110", "Retain UIDs Option"),
    Option("retain-safe-private", "retain_safe_private", "113111", "Retain Safe Private Option"),
    Option("retain-institution-identity", "retain_institution_id", "113112", "Retain Institution Identity Option"),
)}
BASIC_PROFILE = ("113100", "Basic Application Confidentiality Profile")
#: Claimed by every de-identified export: the ultrasound's burned-in band is blanked.
CLEAN_PIXEL_DATA = ("113101", "Clean Pixel Data Option")

#: Implementation Class UID and Version Name of the writers an export may come from.
IMPLEMENTATIONS: dict[str, tuple[UID, str]] = {
    "pydicom": (PYDICOM_IMPLEMENTATION_UID, f"PYDICOM {pydicom.__version__}"[:16]),
    "dcmtk": (UID("1.2.276.0.7230010.3.0.3.6.8"), "OFFIS_DCMTK_368"),
}

# -- the patients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    script: str
    name: str           # Patient's Name as the files hold it (every PN group)
    written: str        # the name as someone types it in running text
    family: str         # the family name in the person's own script (what a leak must show)
    ascii_name: str     # the name as a CD burner's DICOMDIR or an e-mail address spells it
    folder: str         # the folder an export names after the patient
    charset: str | list[str]
    patient_id: str
    birth_date: str
    sex: str
    age: str
    institution: str
    department: str
    referring: str      # PN
    reading: str        # PN
    operator: str       # PN
    operator_written: str
    dates: tuple[str, str, str]  # CT, MR, US study dates


PATIENTS: dict[str, Person] = {p.key: p for p in (
    Person("kowalski", "latin", "Kowalski^Jędrzej^Łukasz", "Jędrzej Kowalski", "Kowalski", "KOWALSKI^JEDRZEJ",
           "Kowalski_Jędrzej", "ISO_IR 192", "00778812", "19610523", "M", "061Y",
           "Szpital Miejski w Poznaniu", "Zakład Radiologii", "Nowak^Adam^^dr n. med.", "Wójcik^Anna",
           "Lewandowska^Ewa", "Ewa Lewandowska", ("20230105", "20230214", "20230302")),
    Person("yamada", "japanese", "Yamada^Tarou=山田^太郎=やまだ^たろう", "山田太郎", "山田", "YAMADA^TAROU",
           "Yamada_Tarou", ["", "ISO 2022 IR 87"], "2048713355", "19580917", "M", "064Y",
           "Tokyo Chuo Hospital", "Radiology", "Sato^Hanako=佐藤^花子", "Suzuki^Ichiro=鈴木^一郎",
           "Tanaka^Yumi=田中^由美", "田中由美", ("20221111", "20221208", "20230120")),
    Person("hong", "korean", "Hong^Gildong=洪^吉洞=홍^길동", "홍길동", "홍", "HONG^GILDONG",
           "Hong_Gildong", ["", "ISO 2022 IR 149"], "8807161234", "19880716", "M", "034Y",
           "Seoul Central Hospital", "Radiology", "Kim^Minji=金^敏智=김^민지", "Park^Jisoo=朴^智秀=박^지수",
           "Lee^Sora=李^素羅=이^소라", "이소라", ("20220822", "20220915", "20221003")),
    Person("wang", "chinese", "Wang^XiaoDong=王^小东", "王小东", "王", "WANG^XIAODONG",
           "Wang_XiaoDong", "ISO_IR 192", "3301048871", "19750203", "M", "047Y",
           "Hangzhou First Hospital", "Radiology", "Li^Na=李^娜", "Zhang^Wei=张^伟", "Liu^Yang=刘^洋", "刘洋",
           ("20220610", "20220701", "20220729")),
    Person("ivanova", "cyrillic", "Иванова^Мария^Петровна", "Мария Иванова", "Иванова", "IVANOVA^MARIA",
           "Иванова_Мария", "ISO_IR 144", "4471230", "19700412", "F", "052Y",
           "Городская больница № 1", "Отделение лучевой диагностики", "Смирнов^Олег", "Кузнецова^Ольга",
           "Попов^Игорь", "Игорь Попов", ("20220318", "20220406", "20220427")),
    Person("papadopoulou", "greek", "Παπαδοπούλου^Ελένη", "Ελένη Παπαδοπούλου", "Παπαδοπούλου",
           "PAPADOPOULOU^ELENI", "Papadopoulou_Eleni", "ISO_IR 126", "55012377", "19830129", "F", "039Y",
           "Γενικό Νοσοκομείο Πατρών", "Ακτινολογικό", "Νικολάου^Γιώργος", "Οικονόμου^Μαρία",
           "Δημητρίου^Κώστας", "Κώστας Δημητρίου", ("20220120", "20220208", "20220301")),
    Person("cohen", "hebrew", "כהן^שרה", "שרה כהן", "כהן", "COHEN^SARA", "Cohen_Sara", "ISO_IR 192",
           "031447285", "19660808", "F", "056Y", "Rambam Medical Center", "Radiology", "לוי^דוד",
           "מזרחי^רחל", "פרץ^דנה", "דנה פרץ", ("20221017", "20221103", "20221124")),
    Person("husseini", "arabic", "الحسيني^ليلى", "ليلى الحسيني", "الحسيني", "ALHUSSEINI^LAILA",
           "AlHusseini_Laila", "ISO_IR 192", "1029384756", "19790321", "F", "043Y", "Amman General Hospital",
           "Radiology", "خليل^أحمد", "منصور^سارة", "عباس^كريم", "كريم عباس", ("20220915", "20221006", "20221027")),
)}
#: The patients of an export unless a test asks for others: two scripts, two character sets.
DEFAULT_PATIENTS = ("kowalski", "yamada")
SCRIPTS = {p.script: p.key for p in PATIENTS.values()}

# -- PS3.15 Table E.1-1, read from the package's data ------------------------------------------


@dataclass(frozen=True)
class _Row:
    basic: str
    options: Mapping[str, str]


@dataclass(frozen=True)
class _Table:
    by_tag: Mapping[int, _Row]
    patterns: tuple[tuple[str, _Row], ...]
    private: _Row | None


@lru_cache(maxsize=1)
def _table() -> _Table:
    data = json.loads(PROFILE_TABLE.read_text(encoding="utf-8"))
    by_tag: dict[int, _Row] = {}
    patterns: list[tuple[str, _Row]] = []
    private = None
    for row in data["rows"]:
        entry = _Row(row["basic"], dict(row.get("options", {})))
        if row.get("tag"):
            by_tag[int(row["tag"], 16)] = entry
        elif row.get("pattern"):
            patterns.append((row["pattern"].upper(), entry))
        elif row.get("private"):
            private = entry
    return _Table(by_tag, tuple(patterns), private)


def action(tag: int, claimed: Iterable[str] = ()) -> str:
    """What the profile asks for ``tag`` under the claimed options (option keys of the table, e.g.
    "retain_uid"): "" when the table does not list it (kept as it is), else the action: an
    option's K before its C before the basic profile's action ("X", "Z", "X/Z/D", "U", ...)."""
    table = _table()
    row = table.by_tag.get(tag)
    if row is None:
        text = f"{tag:08X}"
        row = next((r for p, r in table.patterns if all(a == "X" or a == b for a, b in zip(p, text, strict=True))),
                   None)
    if row is None and (tag >> 16) & 1:
        row = table.private
    if row is None:
        return ""
    picked = {row.options[key] for key in claimed if key in row.options}
    for letter in ("K", "C"):
        if letter in picked:
            return letter
    return row.basic


# -- small helpers -------------------------------------------------------------------------------


def _digits(*parts: object, length: int = 24) -> str:
    """A deterministic run of decimal digits (no leading zero) from ``parts``."""
    number = int(hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest(), 16)
    text = str(number)
    return (text.lstrip("0") or "1")[:length]


def _vendor_uid(root: str, *parts: object) -> str:
    return f"{root}.{_digits(*parts, length=62 - len(root))}"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _shift(value: str, days: int) -> str:
    """A DA (or the date of a DT) moved by ``days``; anything else as it is."""
    if len(value) < 8 or not value[:8].isdigit():
        return value
    moved = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:8])) + datetime.timedelta(days=days)
    return moved.strftime("%Y%m%d") + value[8:]


def _dotted(date: str) -> str:
    return f"{date[6:8]}.{date[4:6]}.{date[:4]}"


#: Free text of the originals and what cleaning leaves of it (filled as the originals are made).
_CLEANED: dict[str, str] = {}


def _identifying(clean: str, tail: str) -> str:
    """``clean`` followed by what identifies someone; cleaning gives back ``clean``."""
    text = f"{clean} {tail}"
    _CLEANED[text] = clean
    return text


def _pixels(rows: int, columns: int, seed: int, bits: int = 16) -> bytes:
    values = (np.add.outer(np.arange(rows), np.arange(columns)) * 37 + seed * 11) % (200 if bits == 8 else 1800)
    return values.astype(np.uint8 if bits == 8 else np.uint16).tobytes()


# -- the original export -------------------------------------------------------------------------


def _patient_study(ds: Dataset, person: Person, study: int, modality: str) -> None:
    """Patient, study and equipment modules as a hospital's export fills them."""
    n = list(PATIENTS).index(person.key)
    date = person.dates[study - 1]
    ds.SpecificCharacterSet = person.charset
    ds.PatientName = person.name
    ds.PatientID = person.patient_id
    ds.IssuerOfPatientID = f"HOSP{n + 1:02}"
    ds.PatientBirthDate = person.birth_date
    ds.PatientSex = person.sex
    ds.PatientAge = person.age
    ds.PatientSize = "1.72" if person.sex == "M" else "1.64"
    ds.PatientWeight = "81" if person.sex == "M" else "63"
    ds.PatientAddress = "ul. Długa 12, 61-001 Poznań" if person.key == "kowalski" else "14 Elm Street, Springfield"
    ds.PatientTelephoneNumbers = "+48 61 855 01 37"
    ds.Allergies = "Iodinated contrast"
    other = Dataset()
    other.PatientID, other.IssuerOfPatientID, other.TypeOfPatientID = f"9{person.patient_id}", "REGIONAL", "TEXT"
    ds.OtherPatientIDsSequence = [other]
    ds.StudyInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, "study", study)
    ds.StudyDate, ds.StudyTime = date, f"{9 + study:02}{13 * study % 60:02}07"
    ds.AccessionNumber = f"{date[2:]}{n + 1:02}{study:02}"
    ds.StudyID = f"{modality}{date[2:]}"
    ds.ReferringPhysicianName = person.referring
    ds.NameOfPhysiciansReadingStudy = person.reading
    ds.RequestingPhysician = person.referring
    ds.StudyDescription = {1: "CT HEAD W/O CONTRAST", 2: "MR BRAIN W/WO CONTRAST", 3: "US ABDOMEN"}[study]
    ds.InstitutionName = person.institution
    ds.InstitutionAddress = "ul. Szpitalna 27, 60-572 Poznań" if person.key == "kowalski" else "1 Hospital Road"
    ds.InstitutionalDepartmentName = person.department
    ds.TimezoneOffsetFromUTC = "+0100"
    ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = ds.InstanceCreationDate = date
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = ds.InstanceCreationTime = ds.StudyTime
    ds.PerformedProcedureStepStartDate = date
    ds.PerformedProcedureStepID = f"PPS{date}{n}"
    ds.OperatorsName = person.operator
    ds.PerformingPhysicianName = person.reading
    ds.StationName = {"CT": "CTAWP71234", "MR": "MRC40521", "US": "EPIQ7-01", "SR": "RIS01"}[modality]
    ds.DeviceSerialNumber = {"CT": "71234", "MR": "40521", "US": "US1187", "SR": "R77"}[modality]
    ds.Manufacturer = {"CT": "GE MEDICAL SYSTEMS", "MR": "SIEMENS", "US": "Philips", "SR": "ACME Reporting"}[modality]
    ds.ManufacturerModelName = {"CT": "LightSpeed VCT", "MR": "Prisma", "US": "EPIQ 7G", "SR": "Reporter"}[modality]
    ds.SoftwareVersions = {"CT": "gmp_vct.42", "MR": "syngo MR XA30", "US": "7.0.2", "SR": "3.1"}[modality]
    ds.InstanceCreatorUID = "1.2.840.113619.6.374"
    # the PACS copies the patient's identity into its own private blocks
    ds.private_block(0x0031, "MITRA LINKED ATTRIBUTES 1.0", create=True).add_new(0x20, "LO", person.patient_id)
    ds.private_block(0x0033, "MITRA OBJECT UTF8 ATTRIBUTES 1.0", create=True).add_new(0x13, "PN", person.name)


def _image(ds: Dataset, sop_class: str, person: Person, study: int, series: int, instance: int,
           rows: int = 8, bits: int = 16) -> None:
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, study, series, instance)
    ds.SeriesInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, study, series)
    ds.FrameOfReferenceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, study, "frame")
    ds.SeriesNumber, ds.InstanceNumber, ds.AcquisitionNumber = series, instance, 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImagePositionPatient = [-100.0, -100.0, 5.0 * instance]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing, ds.SliceThickness = [0.5, 0.5], "5.0"
    ds.Rows = ds.Columns = rows
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit, ds.PixelRepresentation = bits - 1, 0
    ds.PixelData = _pixels(rows, rows, instance + 10 * series, bits)


def _ct(person: Person, instance: int) -> Dataset:
    ds = Dataset()
    _patient_study(ds, person, 1, "CT")
    ds.Modality = "CT"
    _image(ds, CT_IMAGE, person, 1, 2, instance)
    ds.SeriesDescription, ds.ProtocolName, ds.BodyPartExamined = "Head 5.0 H31s", "Head_Routine", "HEAD"
    ds.KVP, ds.ConvolutionKernel = "120", "STANDARD"
    ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
    ds.ImageComments = _identifying("Omnipaque 350, 80 ml.", f"Tech: {person.operator_written}.")
    ds.BurnedInAnnotation = "NO"
    iden = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
    iden.add_new(0x01, "LO", "GE_GENESIS_FF")
    iden.add_new(0x02, "SH", "CT01")
    iden.add_new(0x04, "SH", "LightSpeed VCT")
    acquisition = ds.private_block(0x0019, "GEMS_ACQU_01", create=True)
    acquisition.add_new(0x02, "SL", 912)
    acquisition.add_new(0x23, "DS", "5.000000")
    ds.private_block(0x0043, "GEMS_PARM_01", create=True).add_new(0x10, "US", 400)
    return ds


def _mr(person: Person, instance: int) -> Dataset:
    ds = Dataset()
    _patient_study(ds, person, 2, "MR")
    ds.Modality = "MR"
    _image(ds, MR_IMAGE, person, 2, 5, instance)
    ds.SeriesDescription, ds.ProtocolName, ds.BodyPartExamined = "t1_mprage_sag", "t1_mprage_sag_p2", "BRAIN"
    ds.AcquisitionDateTime = ds.AcquisitionDate + "081500.000000"
    ds.ScanningSequence, ds.SequenceVariant, ds.MRAcquisitionType = "GR", "SP", "3D"
    ds.RepetitionTime, ds.EchoTime, ds.MagneticFieldStrength = "2300", "2.98", "3"
    ds.BurnedInAnnotation = "NO"
    if instance == 1:  # an overlay with a comment that names who drew it
        ds.add_new(0x60000010, "US", 8)
        ds.add_new(0x60000011, "US", 8)
        ds.add_new(0x60000022, "LO", "Lesion outline")
        ds.add_new(0x60000040, "CS", "G")
        ds.add_new(0x60000050, "SS", [1, 1])
        ds.add_new(0x60000100, "US", 1)
        ds.add_new(0x60000102, "US", 0)
        ds.add_new(0x60003000, "OW", bytes(8))
        ds.add_new(0x60004000, "LT", _identifying("ROI", f"drawn by {person.operator_written}"))
    else:
        reference = Dataset()
        reference.ReferencedSOPClassUID = MR_IMAGE
        reference.ReferencedSOPInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, 2, 5, 1)
        ds.ReferencedImageSequence = [reference]
    header = ds.private_block(0x0019, "SIEMENS MR HEADER", create=True)
    header.add_new(0x08, "CS", "IMAGE NUM 4")
    header.add_new(0x0B, "DS", "1020")
    header.add_new(0x0C, "IS", "0")
    csa = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    csa.add_new(0x08, "CS", "IMAGE NUM 4")
    csa.add_new(0x09, "LO", "20100114")
    csa.add_new(0x10, "OB", b"SV10\x04\x03\x02\x01" + bytes(56))
    return ds


def _us(person: Person) -> Dataset:
    ds = Dataset()
    _patient_study(ds, person, 3, "US")
    ds.Modality = "US"
    _image(ds, US_IMAGE, person, 3, 1, 1, bits=8)
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "SliceThickness", "FrameOfReferenceUID"):
        delattr(ds, keyword)
    ds.SeriesDescription, ds.BodyPartExamined = "Liver", "ABDOMEN"
    ds.BurnedInAnnotation = "YES"  # the scanner writes the name and date across the top rows
    band = bytearray(ds.PixelData)
    band[:16] = b"\xff" * 16
    ds.PixelData = bytes(band)
    ds.private_block(0x200D, "Philips US Imaging DD 017", create=True).add_new(0x01, "LO", "HV")
    return ds


def _sr(person: Person) -> Dataset:
    ds = Dataset()
    _patient_study(ds, person, 1, "SR")
    ds.Modality = "SR"
    ds.SOPClassUID = COMPREHENSIVE_SR
    ds.SOPInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, 1, 99, 1)
    ds.SeriesInstanceUID = _vendor_uid("1.2.840.113619.2.55.3", person.key, 1, 99)
    ds.SeriesNumber, ds.InstanceNumber = 99, 1
    ds.SeriesDescription = "Radiology report"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.ConceptNameCodeSequence = [_code("18748-4", "LN", "Diagnostic Imaging Report")]
    template = Dataset()
    template.MappingResource, template.TemplateIdentifier = "DCMR", "2000"
    ds.ContentTemplateSequence = [template]
    observer = Dataset()
    observer.RelationshipType, observer.ValueType = "HAS OBS CONTEXT", "PNAME"
    observer.ConceptNameCodeSequence = [_code("121008", "DCM", "Person Observer Name")]
    observer.PersonName = person.reading
    finding = Dataset()
    finding.RelationshipType, finding.ValueType = "CONTAINS", "TEXT"
    finding.ConceptNameCodeSequence = [_code("121071", "DCM", "Finding")]
    referring = person.referring.split("=")[0].split("^")[0]
    finding.TextValue = _identifying("No acute intracranial abnormality.",
                                     f"Discussed with Dr. {referring} on {_dotted(person.dates[0])}.")
    ds.ContentSequence = [observer, finding]
    return ds


@dataclass(frozen=True)
class _File:
    study: int
    modality: str
    instance: int
    ds: Dataset


@cache
def _originals(key: str) -> tuple[_File, ...]:
    person = PATIENTS[key]
    return (*(_File(1, "CT", i, _ct(person, i)) for i in (1, 2, 3)), _File(1, "SR", 1, _sr(person)),
            *(_File(2, "MR", i, _mr(person, i)) for i in (1, 2)), _File(3, "US", 1, _us(person)))


def original_export(patients: Sequence[str] = DEFAULT_PATIENTS) -> dict[str, bytes]:
    """The export as the hospital hands it out: folders named after the patient and the date."""
    return {path: data for key in patients for path, data in _original_members(key)}


@cache
def _original_members(key: str) -> tuple[tuple[str, bytes], ...]:
    person = PATIENTS[key]
    return tuple((f"{person.folder}/{person.dates[f.study - 1]}_{f.modality}/IM{f.instance:05}.dcm",
                  dataset_bytes(f.ds, "pydicom")) for f in _originals(key))


def original_uids(patients: Sequence[str] = DEFAULT_PATIENTS) -> set[str]:
    """Every UID the original files of ``patients`` hold, at any depth."""
    uids: set[str] = set()

    def walk(ds: Dataset) -> None:
        for elem in ds:
            if elem.VR == "UI" and elem.value:
                uids.add(str(elem.value))
            elif elem.VR == "SQ":
                for item in elem.value:
                    walk(item)

    for key in patients:
        for f in _originals(key):
            walk(f.ds)
    return uids


def dataset_bytes(ds: Dataset, implementation: str = "pydicom") -> bytes:
    """A Part 10 file (explicit VR little endian) as ``implementation`` writes it."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID, meta.ImplementationVersionName = IMPLEMENTATIONS[implementation]
    wrapper = FileDataset("", ds, file_meta=meta, preamble=b"\0" * 128)
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, wrapper, enforce_file_format=True)
    return buffer.getvalue()


# -- de-identification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dummies:
    """The values a de-identifier puts where E.1-1 says Z (empty or dummy) or D (dummy)."""

    name: str
    pn: str        # person names (Z: this; D: this, or "ANONYMOUS" where this is empty)
    text: str      # other text
    study_id: str


DUMMIES: dict[str, Dummies] = {d.name: d for d in (
    Dummies("empty", "", "", "1"),
    Dummies("blank", "", "", ""),
    Dummies("anonymous", "ANONYMOUS", "ANONYMOUS", "1"),
    Dummies("removed", "Removed", "Removed", "1"),
    Dummies("ctp", "Removed by CTP", "Removed by CTP", "1"),
    Dummies("unknown", "Unknown", "Unknown", "1"),
    Dummies("caret", "^", "", "1"),
)}


def pseudonym(scheme: str, person: Person) -> tuple[str, str]:
    """(Patient's Name, Patient ID) a de-identifier gives ``person`` under ``scheme`` (each person
    has the same pseudonym in every export, so that a Patient ID says whom it stands for)."""
    number = list(PATIENTS).index(person.key)
    if scheme == "case":
        return f"CASE-{101 + number:04}", f"CASE-{101 + number:04}"
    if scheme == "anon":
        code = hashlib.sha256(person.key.encode()).hexdigest()[:8].upper()
        return f"ANON-{code}", f"ANON-{code}"
    if scheme == "subj":
        return f"SUBJ-{number + 1:03}", f"SUBJ-{number + 1:03}"
    if scheme == "id-only":
        return "", f"CASE-{101 + number:04}"
    raise ValueError(f"no pseudonym scheme {scheme!r}")


PSEUDONYMS = ("case", "anon", "subj", "id-only")


def person_of(patient_id: str) -> Person:
    """The person a de-identified export's Patient ID stands for."""
    for person in PATIENTS.values():
        if any(pseudonym(scheme, person)[1] == patient_id for scheme in PSEUDONYMS):
            return person
    raise KeyError(f"{patient_id} is no pseudonym of this module")


def _safe_private_check() -> Callable[[str, int, int], bool] | None:
    """Whether (creator, group, element number) is on PS3.15's safe list (Table E.3.10-1), asked of
    the package's ``privacy/safe_private.py`` (``SAFE_PRIVATE.is_safe``); None where it is missing."""
    try:
        module = importlib.import_module("dicompeek.privacy.safe_private")
    except ImportError:
        return None
    check = getattr(getattr(module, "SAFE_PRIVATE", None), "is_safe", None) or getattr(module, "is_safe", None)
    if not callable(check):
        raise AttributeError("dicompeek.privacy.safe_private has no SAFE_PRIVATE.is_safe(creator, group, element)")
    return lambda creator, group, element: bool(check(creator, group, element))


class _Deidentifier:
    """One patient's files through the profile: the same new UIDs and date shift in every file."""

    def __init__(self, options: frozenset[str], dummies: Dummies, uid_style: str, shift: int) -> None:
        self.claimed = frozenset(OPTIONS[o].key for o in options)
        self.dummies, self.uid_style, self.shift = dummies, uid_style, shift
        self.safe = _safe_private_check() if "retain_safe_private" in self.claimed else None

    def uid(self, value: str) -> str:
        if self.uid_style == "2.25":
            return f"2.25.{int(hashlib.sha256(f'export|{value}'.encode()).hexdigest()[:32], 16)}"
        return pydicom.uid.generate_uid(PYDICOM_ROOT_UID, entropy_srcs=["export", value])

    def dataset(self, source: Dataset, *, cleaning: bool = False) -> Dataset:
        out = Dataset()
        overlays = action(0x60003000, self.claimed) == "X"
        creators: dict[int, str] = {}
        for elem in source:
            tag = int(elem.tag)
            group = tag >> 16
            if overlays and 0x6000 <= group <= 0x60FF and not group & 1:
                continue
            if group & 1:
                self._private(source, elem, out, creators)
                continue
            kept = self._element(elem, action(tag, self.claimed), cleaning)
            if kept is not None:
                out.add(kept)
        return out

    def _element(self, elem: DataElement, what: str, cleaning: bool) -> DataElement | None:
        tag, vr, value = elem.tag, elem.VR, elem.value
        if vr == "SQ":
            if what in ("", "K", "C") or what.endswith("U*"):
                inner = cleaning or what == "C"
                return DataElement(tag, vr, DicomSequence([self.dataset(item, cleaning=inner) for item in value]))
            if what == "D":  # the Content Sequence of an SR: a dummy finding
                return DataElement(tag, vr, DicomSequence([self._dummy_content()]))
            if what == "Z":
                return DataElement(tag, vr, DicomSequence([]))
            return None
        if what in ("", "K"):
            return DataElement(tag, vr, self._cleaned(value) if cleaning and what == "" else value)
        if what == "C":
            if vr in ("DA", "DT"):
                return DataElement(tag, vr, _shift(str(value), self.shift))
            return DataElement(tag, vr, self._cleaned(value))
        if what == "U":
            return DataElement(tag, vr, self.uid(str(value)))
        letters = what.split("/")
        if self.dummies.name in ("empty", "blank") and "X" in letters:
            return None
        if "D" in letters and vr not in ("DA", "DT", "TM"):
            return DataElement(tag, vr, self._dummy(tag, vr, required=True))
        if "Z" in letters:
            return DataElement(tag, vr, self._dummy(tag, vr, required=False))
        if "D" in letters:  # a date the profile wants replaced: this de-identifier removes it where it may
            return None if "X" in letters else DataElement(tag, vr, "19000101" if vr != "TM" else "000000")
        return None

    def _dummy(self, tag: BaseTag, vr: str, *, required: bool) -> str:
        if tag == Tag("StudyID"):
            return self.dummies.study_id
        if vr == "PN":
            return self.dummies.pn or ("ANONYMOUS" if required else "")
        if vr in ("LO", "SH", "LT", "ST", "UT", "UC"):
            return self.dummies.text or ("REMOVED" if required else "")
        return ""  # dates, times, codes, numbers: empty

    def _dummy_content(self) -> Dataset:
        item = Dataset()
        item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
        item.ConceptNameCodeSequence = [_code("121071", "DCM", "Finding")]
        item.TextValue = self.dummies.text or "Removed"
        return item

    @staticmethod
    def _cleaned(value: Any) -> Any:
        return _CLEANED.get(value, value) if isinstance(value, str) else value

    def _private(self, source: Dataset, elem: DataElement, out: Dataset, creators: dict[int, str]) -> None:
        tag = int(elem.tag)
        group, number = tag >> 16, tag & 0xFFFF
        if self.safe is None or number < 0x10:
            return
        if number <= 0xFF:
            creators[number] = str(elem.value)
            return
        creator = creators.get(number >> 8)
        if creator is None or not self.safe(creator, group, number):
            return
        creator_tag = group << 16 | number >> 8
        if creator_tag not in out:
            out.add_new(creator_tag, "LO", creator)
        out.add(DataElement(tag, elem.VR, elem.value))


def _claims(ds: Dataset, options: frozenset[str]) -> None:
    ds.PatientIdentityRemoved = "YES"
    names = [OPTIONS[o].meaning.removesuffix(" Option") for o in sorted(options, key=lambda o: OPTIONS[o].code)]
    ds.DeidentificationMethod = ["Per DICOM PS 3.15 AnnexE. Details in 0012,0064", *(n[:64] for n in names)]
    codes = [BASIC_PROFILE, CLEAN_PIXEL_DATA, *((OPTIONS[o].code, OPTIONS[o].meaning) for o in options)]
    ds.DeidentificationMethodCodeSequence = [_code(value, "DCM", meaning) for value, meaning in sorted(codes)]
    if "retain-longitudinal-full-dates" in options:
        ds.LongitudinalTemporalInformationModified = "UNMODIFIED"
    elif "retain-longitudinal-modified-dates" in options:
        ds.LongitudinalTemporalInformationModified = "MODIFIED"
    else:
        ds.LongitudinalTemporalInformationModified = "REMOVED"


def deidentified_files(options: Iterable[str] = (), *, patients: Sequence[str] = DEFAULT_PATIENTS,
                       pseudonyms: str = "case", dummies: str = "empty", uids: str = "2.25",
                       ) -> Iterator[tuple[str, int, str, int, Dataset]]:
    """(patient ID given, study, modality, instance, dataset) of each de-identified file."""
    claimed = frozenset(options)
    unknown = claimed - OPTIONS.keys()
    if unknown:
        raise ValueError(f"no such option: {sorted(unknown)}")
    if {"retain-longitudinal-full-dates", "retain-longitudinal-modified-dates"} <= claimed:
        raise ValueError("full and modified dates cannot both be retained")
    for key in patients:
        person = PATIENTS[key]
        name, patient_id = pseudonym(pseudonyms, person)
        shift = -(400 + 37 * list(PATIENTS).index(key))
        deidentifier = _Deidentifier(claimed, DUMMIES[dummies], uids, shift)
        for f in _originals(key):
            ds = deidentifier.dataset(f.ds)
            ds.PatientName, ds.PatientID = name, patient_id
            if f.modality == "US":  # the burned-in band blanked
                ds.PixelData = bytes(16) + f.ds.PixelData[16:]
                ds.BurnedInAnnotation = "NO"
            _claims(ds, claimed)
            yield patient_id, f.study, f.modality, f.instance, ds


LAYOUTS = ("folders", "flat", "media")


def deidentified_export(options: Iterable[str] = (), *, patients: Sequence[str] = DEFAULT_PATIENTS,
                        pseudonyms: str = "case", dummies: str = "empty", implementation: str = "mixed",
                        uids: str = "2.25", layout: str = "folders") -> dict[str, bytes]:
    """The export de-identified under the Basic profile and ``options`` (names of :data:`OPTIONS`).

    ``pseudonyms``: one of :data:`PSEUDONYMS`; ``dummies``: a key of :data:`DUMMIES`;
    ``implementation``: "pydicom", "dcmtk" or "mixed" (the MR and US files DCMTK's, the rest
    pydicom's); ``uids``: "2.25" (from a hash, as from a UUID) or "toolkit" (under pydicom's
    root); ``layout``: "folders" (``CASE-0101/1/CT/1.dcm``), "flat" (``CASE-0101_1_CT_1.dcm``)
    or "media" (a DICOMDIR and pydicom's File-set layout, ``PT000000/ST000000/...``)."""
    key = (tuple(sorted(options)), tuple(patients), pseudonyms, dummies, implementation, uids, layout)
    return dict(_deidentified_export(*key))


@cache
def _deidentified_export(options: tuple[str, ...], patients: tuple[str, ...], pseudonyms: str, dummies: str,
                         implementation: str, uids: str, layout: str) -> tuple[tuple[str, bytes], ...]:
    files = list(deidentified_files(options, patients=patients, pseudonyms=pseudonyms, dummies=dummies, uids=uids))
    if layout == "media":
        return tuple(media_export([ds for *_, ds in files], implementation).items())
    members: list[tuple[str, bytes]] = []
    for patient_id, study, modality, instance, ds in files:
        writer = _writer(implementation, modality)
        path = f"{patient_id}/{study}/{modality}/{instance}.dcm" if layout == "folders" \
            else f"{patient_id}_{study}_{modality}_{instance}.dcm"
        members.append((path, dataset_bytes(ds, writer)))
    return tuple(members)


def _writer(implementation: str, modality: str) -> str:
    """The writer of a file: "mixed" has DCMTK write the MR and US files, pydicom the rest."""
    if implementation != "mixed":
        return implementation
    return "dcmtk" if modality in ("MR", "US") else "pydicom"


def media_export(datasets: Sequence[Dataset], implementation: str = "pydicom",
                 patient_names: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """``datasets`` as a File-set: a DICOMDIR and the files in pydicom's layout. The PATIENT
    records hold each patient's name from the files, or ``patient_names[patient ID]``."""
    fileset = FileSet()
    fileset.ID = "EXPORT"
    nodes: dict[tuple[str, ...], RecordNode] = {}

    def node(key: tuple[str, ...], kind: str, parent: RecordNode | None, **values: Any) -> RecordNode:
        if key not in nodes:
            record = Dataset()
            record.DirectoryRecordType = kind
            for keyword, value in values.items():
                setattr(record, keyword, value)
            nodes[key] = RecordNode(record)
            if parent is not None:
                nodes[key].parent = parent
        return nodes[key]

    names = patient_names or {}
    for ds in datasets:
        pid = str(ds.PatientID)
        patient = node((pid,), "PATIENT", None, PatientID=pid, PatientName=names.get(pid, ds.get("PatientName", "")))
        study_uid, series_uid = str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID)
        study = node((pid, study_uid), "STUDY", patient, StudyInstanceUID=study_uid,
                     StudyDate=ds.get("StudyDate", ""), StudyTime=ds.get("StudyTime", ""),
                     StudyDescription=ds.get("StudyDescription", ""), StudyID=ds.get("StudyID", ""),
                     AccessionNumber=ds.get("AccessionNumber", ""))
        series = node((pid, study_uid, series_uid), "SERIES", study, Modality=ds.Modality,
                      SeriesInstanceUID=series_uid, SeriesNumber=ds.SeriesNumber)
        record = Dataset()
        record.DirectoryRecordType = "SR DOCUMENT" if ds.Modality == "SR" else "IMAGE"
        record.InstanceNumber = ds.InstanceNumber
        record.ReferencedSOPClassUIDInFile = ds.SOPClassUID
        record.ReferencedSOPInstanceUIDInFile = ds.SOPInstanceUID
        record.ReferencedTransferSyntaxUIDInFile = ExplicitVRLittleEndian
        if ds.Modality == "SR":
            record.CompletionFlag, record.VerificationFlag = ds.CompletionFlag, ds.VerificationFlag
            record.ContentDate, record.ContentTime = ds.get("ContentDate", ""), ds.get("ContentTime", "")
            record.ConceptNameCodeSequence = ds.ConceptNameCodeSequence
        leaf = RecordNode(record)
        leaf.parent = series
        fileset.add_custom(_as_file(ds, _writer(implementation, str(ds.Modality))), leaf)
    members: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as directory:
        fileset.write(directory)
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                members[path.relative_to(directory).as_posix()] = path.read_bytes()
    return members


def _as_file(ds: Dataset, implementation: str) -> FileDataset:
    return pydicom.dcmread(io.BytesIO(dataset_bytes(ds, implementation)))


# -- one identifier left in ---------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    """One identifier a de-identifier left behind: where, what is planted, what a review must show."""

    kind: str
    where: str  # a keyword of the element it is typed into, or "path", "dicomdir", "private-text", ...
    planted: Callable[[Person], str]
    expected: Callable[[Person], str]
    modality: str = "CT"  # which of the patient's files
    patient: str | None = None  # whose files (default: the export's first patient)
    dates: bool = False  # a date: a leak only where dates are not retained
    #: How serious PS3.15 and issue 14 make it: "high" for what identifies the patient or matches an
    #: identifier pattern, "medium" for a value the profile removes that identifies no patient.
    severity: str = "high"


def _name_leak(script: str) -> Leak:
    return Leak(f"name-{script}", "TextValue", lambda p: f"Patient: {p.written}. Tolerated the procedure well.",
                lambda p: p.family, "SR", SCRIPTS[script])


LEAKS: dict[str, Leak] = {leak.kind: leak for leak in (
    Leak("phone", "ImageComments", lambda p: "Omnipaque 350, 80 ml. Results phoned to (415) 555-0137.",
         lambda p: "(415) 555-0137"),
    Leak("email", "ImageComments",
         lambda p: f"Copy sent to {p.ascii_name.split('^')[1].lower()}.{p.ascii_name.split('^')[0].lower()}"
                   "@mail.example.com",
         lambda p: f"{p.ascii_name.split('^')[1].lower()}.{p.ascii_name.split('^')[0].lower()}@mail.example.com"),
    Leak("phone-international", "ImageComments", lambda p: "Contact +48 61 855 01 37 for the results.",
         lambda p: "+48 61 855 01 37"),
    Leak("ssn", "ImageComments", lambda p: "Insurance 078-05-1120 checked.", lambda p: "078-05-1120"),
    Leak("ssn-cue", "ImageComments", lambda p: "SSN: 078-05-1120", lambda p: "078-05-1120"),
    Leak("mrn-cue", "ImageComments", lambda p: f"MRN {p.patient_id}, contrast given.", lambda p: p.patient_id),
    Leak("mrn", "StudyDescription", lambda p: f"CT HEAD W/O CONTRAST {p.patient_id}", lambda p: p.patient_id),
    Leak("accession-cue", "ImageComments", lambda p: f"Accession {p.dates[0][2:]}0101, contrast given.",
         lambda p: f"{p.dates[0][2:]}0101"),
    Leak("birth-date", "ImageComments", lambda p: f"DOB {_dotted(p.birth_date)}, contrast given.",
         lambda p: _dotted(p.birth_date)),
    Leak("date-us", "ImageComments", lambda p: "Compared with prior study of 11/03/2022.", lambda p: "11/03/2022",
         dates=True),
    Leak("date-iso", "ImageComments", lambda p: "Compared with prior study of 2022-11-03.", lambda p: "2022-11-03",
         dates=True),
    Leak("date-text", "ImageComments", lambda p: "Compared with prior study of 3 Nov 2022.", lambda p: "3 Nov 2022",
         dates=True),
    Leak("address", "ImageComments", lambda p: "Home visit: 221B Baker Street, London NW1 6XE.",
         lambda p: "221B Baker Street"),
    Leak("staff-dr", "SeriesDescription", lambda p: "Head 5.0 H31s reviewed by Dr. Okonkwo", lambda p: "Okonkwo"),
    Leak("operator-name", "OperatorsName", lambda p: p.operator, lambda p: p.operator.split("^")[0],
         severity="medium"),
    Leak("pt-name", "TextValue", lambda p: f"Pt {p.written} tolerated the procedure well.", lambda p: p.family, "SR"),
    *(_name_leak(script) for script in SCRIPTS),
    Leak("path-name", "path", lambda p: f"{p.ascii_name.split('^')[0].title()}_{p.ascii_name.split('^')[1][0]}_"
                                        f"{p.dates[0]}", lambda p: p.ascii_name.split("^")[0].title()),
    Leak("path-person-name", "path", lambda p: p.ascii_name, lambda p: p.ascii_name.split("^")[0]),
    Leak("path-date", "path", lambda p: p.dates[0], lambda p: p.dates[0], dates=True),
    Leak("dicomdir", "dicomdir", lambda p: p.ascii_name, lambda p: p.ascii_name.split("^")[0]),
    Leak("private-text", "private-text", lambda p: p.name, lambda p: p.family),
    Leak("private-blob", "private-blob", lambda p: p.name, lambda p: p.family),
    Leak("other-patient-ids", "OtherPatientIDs", lambda p: p.patient_id, lambda p: p.patient_id),
)}


def with_leak(members: Mapping[str, bytes], kind: str) -> tuple[dict[str, bytes], str]:
    """``members`` (a de-identified export of this module) with one identifier of ``kind`` (a key of
    :data:`LEAKS`) put back into one file of one patient, or its path, or a DICOMDIR; and the text
    the review must show for it."""
    leak = LEAKS[kind]
    files = {path: pydicom.dcmread(io.BytesIO(data)) for path, data in members.items()
             if not path.endswith("DICOMDIR")}
    order = sorted(files, key=lambda path: (str(files[path].PatientID), path))
    patient_ids = dict.fromkeys(str(files[path].PatientID) for path in order)
    if leak.patient is None:
        patient_id = next(iter(patient_ids))
    else:
        patient_id = next((pid for pid in patient_ids if person_of(pid).key == leak.patient), "")
        if not patient_id:
            raise ValueError(f"{kind}: the export has no file of {leak.patient}")
    person = person_of(patient_id)
    mine = [path for path in order if str(files[path].PatientID) == patient_id]
    target = next(path for path in mine if files[path].Modality == leak.modality)
    out = dict(members)
    ds = files[target]
    planted = leak.planted(person)
    if leak.where == "path":
        prefix = f"{patient_id}/" if any(p.startswith(f"{patient_id}/") for p in mine) else ""
        if not prefix:
            raise ValueError(f"{kind}: the export's paths are not named after the patient")
        new_prefix = f"{patient_id}_{planted}/" if leak.dates else f"{planted}/"
        out = {(new_prefix + path[len(prefix):] if path.startswith(prefix) else path): data
               for path, data in members.items()}
        return out, leak.expected(person)
    if leak.where == "dicomdir":
        datasets = [files[path] for path in order]
        return media_export(datasets, "pydicom", {patient_id: planted}), leak.expected(person)
    if leak.where == "TextValue":
        items = [item for item in ds.ContentSequence if item.get("ValueType") == "TEXT"]
        items[0].TextValue = planted
    elif leak.where == "private-text":
        ds.private_block(0x0033, "MITRA OBJECT UTF8 ATTRIBUTES 1.0", create=True).add_new(0x13, "PN", planted)
    elif leak.where == "private-blob":
        blob = b"\x01\x00\x00\x00HDR0" + bytes(24) + planted.encode("utf-8") + b"\x00" + bytes(31)
        ds.private_block(0x0045, "ACME RAW DATA 1.0", create=True).add_new(0x10, "OB", blob)
    else:
        setattr(ds, leak.where, planted)
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    out[target] = buffer.getvalue()
    return out, leak.expected(person)

