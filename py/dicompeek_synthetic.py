"""Generate real, valid DICOM Part 10 data for the demo, the tests and the benchmarks.

We cannot ship patient data, so everything the demo shows and everything the tests and
benchmarks index is made here. Phantoms are ellipsoids in patient coordinates, rasterised on
each slice plane, so geometry (ImagePositionPatient/OrientationPatient, PixelSpacing) and pixels
always agree. Only pydicom and numpy are used and nothing touches the file system except the zip
the caller asks for, so the same code runs in Pyodide to build the demo in the browser.

CT slices are ordered head to feet as scanners write them (z falls as InstanceNumber grows); the
MR series is sagittal, so sorting by position along the slice normal is exercised on both.
"""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Union

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from dicompeek.pixels.display import render_frame
from dicompeek.pixels.png import encode_png

ZipTarget = Union[str, "os.PathLike[str]", BinaryIO]

MANUFACTURER = "DICOM Peek synthetic"
IMPLEMENTATION_VERSION = "DICOMPEEK_SYN1"  # SH: at most 16 characters
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)  # rows run anterior->posterior, columns head->feet

#: (centre x, y, z, semi-axes a, b, c) in mm, then the value; later ones paint over earlier ones.
Ellipsoid = tuple[float, float, float, float, float, float, float]
#: Patient x, y and z of every pixel centre of one slice.
Coords = tuple[np.ndarray, np.ndarray, np.ndarray]


def new_uid() -> str:
    """A random 2.25 (UUID-derived) UID: at most 44 characters, so bench UIDs can extend it."""
    return str(generate_uid(prefix=None))


def _fmt(value: float) -> str:
    """A DS string that always fits the 16-character limit (pydicom would warn on long floats)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class _Study:
    """What every image of one study shares; a fresh UID unless the caller pins one."""

    patient_name: str
    patient_id: str
    date: str
    time: str
    description: str
    accession: str
    study_id: str
    uid: str = field(default_factory=new_uid)


# --- phantoms -----------------------------------------------------------------------------------


def _plane(ipp: Sequence[float], iop: Sequence[float], spacing: float, rows: int,
           columns: int) -> Coords:
    """Patient coordinates (X, Y, Z) of every pixel centre, computed as a viewer would."""
    row_dir, col_dir = np.asarray(iop[:3], float), np.asarray(iop[3:], float)
    j = np.arange(columns, dtype=float)[None, :, None] * spacing
    i = np.arange(rows, dtype=float)[:, None, None] * spacing
    points = np.asarray(ipp, float) + j * row_dir + i * col_dir
    return points[..., 0], points[..., 1], points[..., 2]


def _paint(coords: Coords, background: float, parts: Sequence[Ellipsoid]) -> np.ndarray:
    """Rasterise ellipsoids on one slice plane."""
    x, y, z = coords
    image = np.full(x.shape, background, dtype=np.float32)
    for cx, cy, cz, a, b, c, value in parts:
        image[((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 + ((z - cz) / c) ** 2 <= 1.0] = value
    return image


def _chest_parts(z_top: float, extent: float) -> list[Ellipsoid]:
    """A chest in HU; organs are placed relative to the series extent, so any slice count shows
    the lungs, heart and a nodule appear and disappear while scrolling."""
    mid, long = z_top - extent / 2, 1e6  # `long` makes an ellipsoid a cylinder
    return [
        (0, 0, mid, 170, 120, long, 30),  # body, soft tissue
        (-80, 0, mid + 0.05 * extent, 60, 70, 0.42 * extent, -800),  # right lung
        (80, 0, mid + 0.08 * extent, 58, 68, 0.40 * extent, -800),  # left lung
        (20, -25, mid - 0.15 * extent, 50, 45, 0.22 * extent, 45),  # heart
        (-85, 10, mid + 0.20 * extent, 9, 9, 0.06 * extent, 50),  # nodule, right lung
        (0, 75, mid, 22, 20, long, 700),  # vertebral body
        (0, -105, mid + 0.1 * extent, 15, 6, 0.45 * extent, 600),  # sternum
    ]


def _ct_pixels(coords: Coords, parts: Sequence[Ellipsoid], rng: np.random.Generator) -> np.ndarray:
    """One CT slice with scanner-like noise, stored as HU + 1024 (RescaleIntercept -1024)."""
    hu = _paint(coords, -1000, parts) + rng.normal(0.0, 6.0, coords[0].shape)
    return (np.clip(np.rint(hu), -1024, 3071) + 1024).astype("<i2")


#: A T1-weighted head in mm around the brain centre: bright scalp fat, dark skull and CSF.
_HEAD: list[Ellipsoid] = [
    (0, 15, -150, 50, 55, 80, 650),  # neck
    (0, 0, 0, 78, 98, 92, 1500),  # scalp fat
    (0, 0, 0, 72, 92, 86, 120),  # skull
    (0, 0, 2, 66, 86, 80, 700),  # grey matter
    (0, 5, 10, 54, 70, 58, 950),  # white matter
    (-9, -5, 15, 6, 26, 12, 220),  # right lateral ventricle
    (9, -5, 15, 6, 26, 12, 220),  # left lateral ventricle
    (0, 35, -45, 40, 25, 22, 760),  # cerebellum
    (-32, -78, -30, 12, 12, 12, 300),  # right eye
    (32, -78, -30, 12, 12, 12, 300),  # left eye
]


def _mr_pixels(coords: Coords, rng: np.random.Generator) -> np.ndarray:
    """A magnitude image with Rician noise, within 12 bits."""
    signal = _paint(coords, 0, _HEAD)
    noisy = np.hypot(signal + rng.normal(0, 15, signal.shape), rng.normal(0, 15, signal.shape))
    return np.clip(np.rint(noisy), 0, 4095).astype("<u2")


def _test_pattern(rows: int = 256, columns: int = 256) -> np.ndarray:
    """Colour bars over grey and R, G, B ramps: a swapped channel or planar config is obvious."""
    image = np.zeros((rows, columns, 3), dtype=np.uint8)
    bars = np.array([[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0],
                     [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]], dtype=np.uint8)
    top = rows * 2 // 3
    image[:top] = bars[np.arange(columns) * len(bars) // columns][None]
    ramp = (np.arange(columns) * 255 // max(columns - 1, 1)).astype(np.uint8)
    bands = np.array_split(np.arange(top, rows), 4)
    image[bands[0]] = ramp[:, None]
    for channel, band in enumerate(bands[1:]):
        image[band, :, channel] = ramp
    return image


# --- datasets -----------------------------------------------------------------------------------


def _new_dataset(sop_class: str, study: _Study, modality: str, series_uid: str,
                 series_number: int, series_description: str) -> FileDataset:
    """A dataset with a complete file meta and the patient, study, series and equipment modules."""
    sop_instance = new_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = UID(sop_class), UID(sop_instance)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128,
                     is_implicit_VR=False, is_little_endian=True)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_instance
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = ds.InstanceCreationDate = study.date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = ds.InstanceCreationTime = study.time
    ds.AccessionNumber = study.accession
    ds.Modality = modality
    ds.Manufacturer, ds.InstitutionName = MANUFACTURER, "DICOM Peek"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription, ds.SeriesDescription = study.description, series_description
    ds.PatientName, ds.PatientID = study.patient_name, study.patient_id
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study.uid, series_uid
    ds.StudyID, ds.SeriesNumber = study.study_id, series_number
    return ds


def _set_plane(ds: Dataset, ipp: Sequence[float], iop: Sequence[float], spacing: float,
               thickness: float, frame_uid: str) -> None:
    """Frame of reference and image plane modules."""
    ds.PatientPosition = "HFS"
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = frame_uid, ""
    ds.ImagePositionPatient = [_fmt(v) for v in ipp]
    ds.ImageOrientationPatient = [_fmt(v) for v in iop]
    ds.PixelSpacing = [_fmt(spacing), _fmt(spacing)]
    ds.SliceThickness = _fmt(thickness)


def _set_pixels(ds: Dataset, array: np.ndarray, photometric: str, bits_stored: int) -> None:
    """Image pixel module from a native little-endian array: OW for 16 bit, OB for 8 bit."""
    ds.SamplesPerPixel = 3 if array.ndim == 3 else 1
    ds.PhotometricInterpretation = photometric
    if array.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = array.shape[:2]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = array.itemsize * 8, bits_stored, bits_stored - 1
    ds.PixelRepresentation = 1 if array.dtype.kind == "i" else 0
    data = np.ascontiguousarray(array).tobytes()
    ds.PixelData = data + b"\0" * (len(data) % 2)
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def _ct_dataset(study: _Study, series_uid: str, series_number: int,
                description: str) -> FileDataset:
    """The CT attributes that do not change from slice to slice."""
    ds = _new_dataset(CTImageStorage, study, "CT", series_uid, series_number, description)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.AcquisitionDate, ds.AcquisitionTime, ds.AcquisitionNumber = study.date, study.time, 1
    ds.ManufacturerModelName, ds.BodyPartExamined = "Phantom CT", "CHEST"
    ds.KVP, ds.ConvolutionKernel = "120", "STANDARD"
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    ds.WindowCenterWidthExplanation = "SOFT TISSUE"
    return ds


def ct_phantom_series(n_slices: int = 64, rows: int = 128, columns: int = 128, *,
                      patient_name: str = "DEMO^PHANTOM", patient_id: str = "DEMO-0001",
                      study_uid: str | None = None, series_number: int = 2,
                      slice_thickness: float = 2.5, study_date: str = "20240314",
                      study_time: str = "093000", seed: int = 0) -> list[pydicom.FileDataset]:
    """An axial chest CT over a 400 mm field of view: int16 stored = HU + 1024; air -1000,
    body 30, lungs -800, heart 45, vertebra 700 HU, plus noise of 6 HU."""
    study = _Study(patient_name, patient_id, study_date, study_time, "CT CHEST PHANTOM",
                   "DEMO0001", "1", uid=study_uid or new_uid())
    series_uid, frame_uid = new_uid(), new_uid()
    spacing = 400.0 / max(rows, columns)
    z_top = (n_slices - 1) * slice_thickness / 2
    parts = _chest_parts(z_top, n_slices * slice_thickness)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_slices):
        ds = _ct_dataset(study, series_uid, series_number, f"AXIAL {_fmt(slice_thickness)} MM")
        ipp = (-spacing * (columns - 1) / 2, -spacing * (rows - 1) / 2, z_top - k * slice_thickness)
        _set_plane(ds, ipp, AXIAL, spacing, slice_thickness, frame_uid)
        ds.SliceLocation, ds.InstanceNumber = _fmt(ipp[2]), k + 1
        _set_pixels(ds, _ct_pixels(_plane(ipp, AXIAL, spacing, rows, columns), parts, rng),
                    "MONOCHROME2", 16)
        out.append(ds)
    return out


def ct_phantom_parts(ct: Sequence[Dataset]) -> list[Ellipsoid]:
    """The ellipsoids a :func:`ct_phantom_series` was painted from (body, right lung, left lung,
    heart, nodule, vertebra, sternum), from the series itself: what its segmentation and
    structures are made of."""
    z_top = float(ct[0].ImagePositionPatient[2])
    return _chest_parts(z_top, len(ct) * float(ct[0].SliceThickness))


def slice_coordinates(ds: Dataset) -> Coords:
    """Patient coordinates (X, Y, Z) of every pixel centre of a single-frame image."""
    return _plane([float(v) for v in ds.ImagePositionPatient], [float(v) for v in ds.ImageOrientationPatient],
                  float(ds.PixelSpacing[0]), int(ds.Rows), int(ds.Columns))


def mr_series(n_slices: int = 24, rows: int = 128, columns: int = 128, *,
              patient_name: str = "DEMO^PHANTOM", patient_id: str = "DEMO-0001",
              study_uid: str | None = None, series_number: int = 3, slice_thickness: float = 5.0,
              study_date: str = "20240902", study_time: str = "141500",
              seed: int = 1) -> list[pydicom.FileDataset]:
    """A sagittal T1 spin-echo head over 256 mm: uint16 in 12 bits, slices from the patient's
    left to right, i.e. ascending along the slice normal (row x column = -x)."""
    study = _Study(patient_name, patient_id, study_date, study_time, "MR HEAD PHANTOM",
                   "DEMO0002", "2", uid=study_uid or new_uid())
    series_uid, frame_uid = new_uid(), new_uid()
    spacing = 256.0 / max(rows, columns)
    x_first = (n_slices - 1) * slice_thickness / 2
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_slices):
        ds = _new_dataset(MRImageStorage, study, "MR", series_uid, series_number, "SAG T1 SE")
        ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
        ds.ManufacturerModelName, ds.BodyPartExamined = "Phantom MR", "HEAD"
        ds.AcquisitionNumber = 1
        ds.ScanningSequence, ds.SequenceVariant, ds.ScanOptions = "SE", "NONE", ""
        ds.MRAcquisitionType, ds.SequenceName = "2D", "se2d1"
        ds.RepetitionTime, ds.EchoTime, ds.EchoTrainLength = "500", "12", 1
        ds.MagneticFieldStrength, ds.ImagingFrequency = "1.5", "63.87"
        ds.SpacingBetweenSlices = _fmt(slice_thickness)
        ipp = (x_first - k * slice_thickness, -spacing * (columns - 1) / 2,
               spacing * (rows - 1) / 2)
        _set_plane(ds, ipp, SAGITTAL, spacing, slice_thickness, frame_uid)
        ds.SliceLocation, ds.InstanceNumber = _fmt(-ipp[0]), k + 1
        ds.WindowCenter, ds.WindowWidth = "800", "1600"
        _set_pixels(ds, _mr_pixels(_plane(ipp, SAGITTAL, spacing, rows, columns), rng),
                    "MONOCHROME2", 12)
        out.append(ds)
    return out


def secondary_capture(*, patient_name: str = "DEMO^PHANTOM", patient_id: str = "DEMO-0001",
                      study_uid: str | None = None, series_number: int = 100,
                      study_date: str = "20240314",
                      study_time: str = "093000") -> pydicom.FileDataset:
    """A 256x256 RGB colour test pattern, stored as a workstation screenshot (WSD) would be."""
    study = _Study(patient_name, patient_id, study_date, study_time, "CT CHEST PHANTOM",
                   "DEMO0001", "1", uid=study_uid or new_uid())
    ds = _new_dataset(SecondaryCaptureImageStorage, study, "OT", new_uid(), series_number,
                      "COLOUR TEST PATTERN")
    ds.ConversionType, ds.ImageType = "WSD", ["DERIVED", "SECONDARY"]
    ds.InstanceNumber, ds.PatientOrientation = 1, ""
    ds.BodyPartExamined = "CHEST"  # without it dciodvfy requires Laterality (type 2C)
    _set_pixels(ds, _test_pattern(), "RGB", 8)
    return ds


# --- serialisation ------------------------------------------------------------------------------


def dataset_bytes(ds: pydicom.Dataset) -> bytes:
    """Part 10 bytes. Missing file meta elements are filled in (explicit VR little endian) on a
    copy, never on ``ds``. Pixel Data is written as is, so it must already suit the syntax."""
    meta = FileMetaDataset()
    for element in getattr(ds, "file_meta", None) or ():
        meta.add(element)
    defaults = {"TransferSyntaxUID": ExplicitVRLittleEndian, "MediaStorageSOPClassUID":
                ds.SOPClassUID, "MediaStorageSOPInstanceUID": ds.SOPInstanceUID,
                "ImplementationClassUID": PYDICOM_IMPLEMENTATION_UID}
    for keyword, value in defaults.items():
        if keyword not in meta:
            setattr(meta, keyword, value)
    wrapper = FileDataset("", ds, file_meta=meta, preamble=b"\0" * 128)  # shares ds's elements
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, wrapper, enforce_file_format=True)
    return buffer.getvalue()


def _zip_info(name: str, compress: bool, level: int = 6) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    # private before Python 3.13 (typeshed declares only 3.13's compress_level), an alias of it since
    info._compresslevel = level  # type: ignore[attr-defined]
    info.external_attr = 0o644 << 16
    return info


def write_zip(path: ZipTarget, members: Mapping[str, bytes | pydicom.Dataset], *,
              compress: bool = True) -> None:
    """Write members in order; each dataset is serialised only when its turn comes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, member in members.items():
            data = dataset_bytes(member) if isinstance(member, Dataset) else member
            archive.writestr(_zip_info(name, compress), data)


_README = """DICOM Peek demo data
====================

Everything in this archive is synthetic: the patient DEMO^PHANTOM does not exist.
Study 1 (2024-03-14): a 64-slice axial CT of a chest phantom and a colour test pattern, with
what is made from the CT: a segmentation of its lungs and heart (SEG), a measurement report
(SR, TID 1500), RT structures (RTSTRUCT) and a presentation state with an arrow and a text (PR).
Study 2 (2024-09-02): a 24-slice sagittal T1 MR of a head phantom.
The files under notes/ and thumbnails/ are not DICOM and should be listed as such.
"""


def write_demo_zip(path: ZipTarget) -> dict:
    """The demo: one fictional patient, two studies, seven series (three images, four objects
    made from the CT) and three non-DICOM files."""
    # imported here: the derived objects' generators import this module (and need highdicom)
    from dicompeek_synthetic_pr import presentation_state
    from dicompeek_synthetic_rt import chest_structures, structure_set
    from dicompeek_synthetic_seg import measurement_report, phantom_segmentation

    ct = ct_phantom_series()
    sc = secondary_capture(study_uid=str(ct[0].StudyInstanceUID))
    mr = mr_series()
    _plant_identifiers(ct, mr)
    seg = phantom_segmentation(ct)
    derived = {"SEG": seg, "SR": measurement_report(ct, seg),
               "RT": structure_set(ct, chest_structures(ct), series_number=6),
               "PR": presentation_state(ct, window=(50.0, 350.0), series_number=7)}
    derived["PR"].SeriesDescription = "Presentation state: arrow on the heart"
    members: dict[str, bytes | Dataset] = {"README.txt": _README.encode()}
    members.update({f"DEMO/CT/IM{k + 1:04d}.dcm": ds for k, ds in enumerate(ct)})
    members["DEMO/SC/IM0001.dcm"] = sc
    members.update({f"DEMO/{name}/IM0001.dcm": ds for name, ds in derived.items()})
    members.update({f"DEMO/MR/IM{k + 1:04d}{'.dcm' if k >= 2 else ''}": ds
                    for k, ds in enumerate(mr)})  # the first two without extension
    protocol = {"title": "DICOM Peek demo", "synthetic": True, "studies": [
        {"date": "2024-03-14", "series": [
            {"modality": "CT", "slices": len(ct), "slice_thickness_mm": 2.5},
            {"modality": "OT", "images": 1, "content": "colour test pattern"},
            {"modality": "SEG", "segments": ["Right lung", "Left lung", "Heart"]},
            {"modality": "SR", "template": "TID 1500", "content": "nodule diameter, heart volume"},
            {"modality": "RTSTRUCT", "rois": ["Body", "Heart", "Lung_R"]},
            {"modality": "PR", "content": "an arrow and a text on the heart"}]},
        {"date": "2024-09-02", "series": [
            {"modality": "MR", "slices": len(mr), "plane": "sagittal"}]}]}
    members["notes/protocol.json"] = json.dumps(protocol, indent=2).encode()
    members["thumbnails/preview.png"] = encode_png(render_frame(ct[len(ct) // 2])[::2, ::2])
    write_zip(path, members, compress=True)
    return {"dicom_files": len(ct) + 1 + len(derived) + len(mr), "non_dicom_files": 3, "series": 3 + len(derived),
            "studies": 2, "patients": 1}


def _plant_identifiers(ct: Sequence[Dataset], mr: Sequence[Dataset]) -> None:
    """What the privacy review should find besides the obvious names and IDs: the patient ID
    in a free-text comment, the name in a vendor's private element and in a nested request
    description. (The secondary capture has no Burned In Annotation flag, as screenshots
    often have not.)"""
    for ds in ct:
        ds.ImageComments = f"Follow-up for {ds.PatientID}, see prior"
        block = ds.private_block(0x0029, "DICOMPEEK DEMO", create=True)
        block.add_new(0x10, "LO", "PHANTOM DEMO")
    for ds in mr:
        request = Dataset()
        request.RequestedProcedureID, request.ScheduledProcedureStepID = "RP17", "SPS17"
        request.RequestedProcedureDescription = "MRI HEAD, PHANTOM DEMO"
        ds.RequestAttributesSequence = DicomSequence([request])


# --- benchmark generator ------------------------------------------------------------------------


def _slot(data: bytes | bytearray, tag: tuple[int, int], vr: bytes) -> tuple[int, int]:
    """(offset, length) of an explicit-VR short element's value; the tag must occur once."""
    key = struct.pack("<HH", *tag) + vr
    at = data.find(key)
    if at < 0 or data.find(key, at + 1) >= 0:
        raise ValueError(f"cannot locate a unique {tag} in the template")
    return at + 8, struct.unpack_from("<H", data, at + 6)[0]


def write_bench_zip(path: ZipTarget, *, n_series: int, per_series: int, rows: int = 64,
                    columns: int = 64, compress: bool = False, slice_thickness: float = 2.5,
                    distinct_images: int = 32) -> dict:
    """Many CT files fast: each series is serialised once, then only the per-file values are
    patched into the bytes. Patched values keep their length (instance UIDs are fixed width,
    numbers are space padded, which DICOM allows), so no element or group length changes.
    Pixels step through ``distinct_images`` phantom slices in z order, so scrolling still shows
    motion at a flat cost. Members stream into the zip; memory holds one file at a time.

    Returns files, series, bytes (the zip's size) and dicom_bytes (uncompressed DICOM total).
    """
    if per_series >= 10_000_000:
        raise ValueError("per_series must be below 10,000,000 (fixed-width instance UIDs)")
    study = _Study("BENCH^SYNTHETIC", "BENCH-0001", "20240101", "120000", "BENCHMARK",
                   "BENCH0001", "1")
    spacing = 400.0 / max(rows, columns)
    x0, y0 = -spacing * (columns - 1) / 2, -spacing * (rows - 1) / 2
    z_top = (per_series - 1) * slice_thickness / 2
    parts = _chest_parts(z_top, per_series * slice_thickness)
    levels = max(1, min(distinct_images, per_series))
    width, pixel_bytes, total = max(5, len(str(per_series))), rows * columns * 2, 0
    with zipfile.ZipFile(path, "w") as archive:
        for s in range(n_series):
            series_uid, rng = new_uid(), np.random.default_rng(s)
            images = []
            for level in range(levels):
                z = z_top - (2 * level + 1) * per_series // (2 * levels) * slice_thickness
                coords = _plane((x0, y0, z), AXIAL, spacing, rows, columns)
                images.append(_ct_pixels(coords, parts, rng).tobytes())
            ds = _ct_dataset(study, series_uid, s + 1, f"BENCH SERIES {s + 1}")
            _set_plane(ds, (x0, y0, 0.0), AXIAL, spacing, slice_thickness, new_uid())
            uid0 = f"{series_uid}.1{0:07d}"  # fixed width; the leading 1 avoids a leading zero
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(uid0)
            ds.ImagePositionPatient = ["1.00000000000000"] * 2 + ["1.0000000000000"]  # 50 bytes
            ds.SliceLocation, ds.InstanceNumber = "1.00000000000000", 10_000_000  # 16 and 8
            _set_pixels(ds, np.zeros((rows, columns), "<i2"), "MONOCHROME2", 16)
            blob = dataset_bytes(ds)
            header = bytearray(blob[: len(blob) - pixel_bytes])  # Pixel Data's value is last
            uid_at = (header.find(uid0.encode()), header.rfind(uid0.encode()))  # meta, dataset
            ipp_at, ipp_len = _slot(header, (0x0020, 0x0032), b"DS")
            loc_at, _ = _slot(header, (0x0020, 0x1041), b"DS")
            num_at, _ = _slot(header, (0x0020, 0x0013), b"IS")
            assert ipp_len == 50 and uid_at[0] != uid_at[1]
            for k in range(per_series):
                z_text = _fmt(z_top - k * slice_thickness)
                uid = f"{series_uid}.1{k:07d}".encode()
                for at in uid_at:
                    header[at:at + len(uid)] = uid
                header[ipp_at:ipp_at + 50] = f"{_fmt(x0)}\\{_fmt(y0)}\\{z_text}".ljust(50).encode()
                header[loc_at:loc_at + 16] = z_text.ljust(16).encode()
                header[num_at:num_at + 8] = str(k + 1).ljust(8).encode()
                name = f"BENCH/SE{s + 1:03d}/IM{k + 1:0{width}d}.dcm"
                with archive.open(_zip_info(name, compress, level=1), "w") as out:
                    out.write(header)
                    out.write(images[k * levels // per_series])
                total += len(header) + pixel_bytes
    size = os.path.getsize(path) if isinstance(path, (str, os.PathLike)) else path.tell()
    return {"files": n_series * per_series, "series": n_series, "bytes": size,
            "dicom_bytes": total}
