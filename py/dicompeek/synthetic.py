"""Generate real, valid DICOM Part 10 data for the demo, the tests and the benchmarks.

We cannot ship patient data, so everything the page shows in its demo and
everything the tests and benchmarks index is made here: phantoms built from
ellipsoids in patient coordinates, so the geometry (ImagePositionPatient,
ImageOrientationPatient, PixelSpacing) and the pixels always agree. Only
pydicom and numpy are used and nothing touches the file system except the zip
the caller asks for, so the same code runs in Pyodide to build the demo zip.

CT slices are ordered head to feet like a scanner writes them (z decreases as
InstanceNumber grows); the MR series is sagittal, so a viewer that sorts by
position along the slice normal is exercised on both.
"""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from typing import BinaryIO, Union

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    generate_uid,
)

ZipTarget = Union[str, "os.PathLike[str]", BinaryIO]

MANUFACTURER = "DICOM Peek synthetic"
#: SH, at most 16 characters.
IMPLEMENTATION_VERSION = "DICOMPEEK_SYN1"

#: (centre x, y, z in mm, semi-axes a, b, c in mm, value). Later ones paint over earlier ones.
Ellipsoid = tuple[float, float, float, float, float, float, float]


def new_uid() -> str:
    """A random 2.25 UUID-derived UID: short (<= 44 chars), so bench instance UIDs can extend it."""
    return str(generate_uid(prefix=None))


def _fmt(value: float) -> str:
    """Format a DS value that always fits the 16-character limit."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- phantoms ---------------------------------------------------------------


def _plane(ipp: Sequence[float], iop: Sequence[float], spacing: float, rows: int, columns: int) -> tuple[np.ndarray, ...]:
    """Patient coordinates (X, Y, Z) of every pixel centre, exactly as a viewer would compute them."""
    origin = np.asarray(ipp, dtype=np.float64)
    row_dir, col_dir = np.asarray(iop[:3], dtype=np.float64), np.asarray(iop[3:], dtype=np.float64)
    j = np.arange(columns, dtype=np.float64)[None, :, None] * spacing
    i = np.arange(rows, dtype=np.float64)[:, None, None] * spacing
    points = origin + j * row_dir + i * col_dir
    return points[..., 0], points[..., 1], points[..., 2]


def _paint(shape: tuple[int, int], coords: tuple[np.ndarray, ...], background: float, parts: Sequence[Ellipsoid]) -> np.ndarray:
    """Rasterise ellipsoids on one slice plane."""
    x, y, z = coords
    image = np.full(shape, background, dtype=np.float32)
    for cx, cy, cz, a, b, c, value in parts:
        inside = ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 + ((z - cz) / c) ** 2 <= 1.0
        image[inside] = value
    return image


def _chest_parts(z_top: float, extent: float) -> list[Ellipsoid]:
    """A chest in HU whose organs are placed relative to the series extent, so any slice count shows them come and go."""
    mid = z_top - extent / 2
    long = 1e6  # effectively a cylinder
    return [
        (0, 0, mid, 170, 120, long, 30),  # body, soft tissue
        (-80, 0, mid + 0.05 * extent, 60, 70, 0.42 * extent, -800),  # right lung
        (80, 0, mid + 0.08 * extent, 58, 68, 0.40 * extent, -800),  # left lung
        (20, -25, mid - 0.15 * extent, 50, 45, 0.22 * extent, 45),  # heart
        (-85, 10, mid + 0.20 * extent, 9, 9, 0.06 * extent, 50),  # nodule in the right lung
        (0, 75, mid, 22, 20, long, 700),  # vertebral body
        (0, -105, mid + 0.1 * extent, 15, 6, 0.45 * extent, 600),  # sternum
    ]


def _ct_pixels(coords: tuple[np.ndarray, ...], parts: Sequence[Ellipsoid], rng: np.random.Generator) -> np.ndarray:
    """Stored values for one CT slice: HU with scanner-like noise, stored as HU + 1024 (intercept -1024)."""
    hu = _paint(coords[0].shape, coords, -1000, parts)
    hu += rng.normal(0.0, 6.0, hu.shape).astype(np.float32)
    return (np.clip(np.rint(hu), -1024, 3071) + 1024).astype("<i2")


def _head_parts() -> list[Ellipsoid]:
    """A T1-weighted head: bright scalp fat, dark skull, grey and white matter, dark ventricles, eyes, neck."""
    return [
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


def _mr_pixels(coords: tuple[np.ndarray, ...], rng: np.random.Generator) -> np.ndarray:
    """uint16 MR magnitude with Rician-looking noise, within 12 bits."""
    signal = _paint(coords[0].shape, coords, 0, _head_parts())
    noisy = np.hypot(signal + rng.normal(0, 15, signal.shape), rng.normal(0, 15, signal.shape))
    return np.clip(np.rint(noisy), 0, 4095).astype("<u2")


def _test_pattern(rows: int = 256, columns: int = 256) -> np.ndarray:
    """RGB colour bars over a grey ramp and R/G/B ramps: easy to eyeball wrong channel order or planar config."""
    image = np.zeros((rows, columns, 3), dtype=np.uint8)
    bars = np.array([[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0], [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]], dtype=np.uint8)
    top = rows * 2 // 3
    image[:top] = bars[np.arange(columns) * len(bars) // columns][None, :, :]
    ramp = (np.arange(columns) * 255 // max(columns - 1, 1)).astype(np.uint8)
    bands = np.array_split(np.arange(top, rows), 4)
    image[bands[0]] = ramp[:, None]
    for channel, band in enumerate(bands[1:]):
        image[band, :, channel] = ramp
    return image


# --- datasets ---------------------------------------------------------------


def _new_dataset(sop_class: str, sop_instance: str) -> FileDataset:
    """An empty dataset with a complete file meta, so it can be written as Part 10 as is."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128, is_implicit_VR=False, is_little_endian=True)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    return ds


def _set_common(ds: Dataset, study: Mapping[str, str], modality: str, series_uid: str, series_number: int, series_description: str) -> None:
    """Patient, study, series and equipment modules shared by every image we make."""
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = ds.InstanceCreationDate = study["date"]
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = ds.InstanceCreationTime = study["time"]
    ds.AccessionNumber = study["accession"]
    ds.Modality = modality
    ds.Manufacturer = MANUFACTURER
    ds.InstitutionName = "DICOM Peek"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = study["description"]
    ds.SeriesDescription = series_description
    ds.PatientName = study["patient_name"]
    ds.PatientID = study["patient_id"]
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study["uid"]
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = study["id"]
    ds.SeriesNumber = series_number


def _study(patient_name: str, patient_id: str, study_uid: str | None, date: str, time_: str, description: str, accession: str, study_id: str) -> dict[str, str]:
    return {"patient_name": patient_name, "patient_id": patient_id, "uid": study_uid or new_uid(), "date": date,
            "time": time_, "description": description, "accession": accession, "id": study_id}


def _set_image_plane(ds: Dataset, ipp: Sequence[float], iop: Sequence[float], spacing: float, thickness: float) -> None:
    ds.ImagePositionPatient = [_fmt(v) for v in ipp]
    ds.ImageOrientationPatient = [_fmt(v) for v in iop]
    ds.PixelSpacing = [_fmt(spacing), _fmt(spacing)]
    ds.SliceThickness = _fmt(thickness)


def _set_pixels(ds: Dataset, array: np.ndarray, photometric: str, bits_stored: int, signed: bool) -> None:
    """Image Pixel module from a native array; VR OW for 16 bit, OB for 8 bit."""
    ds.SamplesPerPixel = 3 if array.ndim == 3 else 1
    ds.PhotometricInterpretation = photometric
    if array.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = array.shape[:2]
    ds.BitsAllocated = array.dtype.itemsize * 8
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    data = np.ascontiguousarray(array).tobytes()
    ds.PixelData = data + b"\0" * (len(data) % 2)
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def _ct_template(study: Mapping[str, str], series_uid: str, frame_uid: str, series_number: int, description: str) -> FileDataset:
    """Every CT attribute that does not change from slice to slice."""
    ds = _new_dataset(CTImageStorage, new_uid())
    _set_common(ds, study, "CT", series_uid, series_number, description)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.AcquisitionDate, ds.AcquisitionTime = study["date"], study["time"]
    ds.ManufacturerModelName = "Phantom CT"
    ds.BodyPartExamined = "CHEST"
    ds.KVP = "120"
    ds.ConvolutionKernel = "STANDARD"
    ds.PatientPosition = "HFS"
    ds.FrameOfReferenceUID = frame_uid
    ds.PositionReferenceIndicator = ""
    ds.AcquisitionNumber = 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    ds.WindowCenterWidthExplanation = "SOFT TISSUE"
    return ds


def ct_phantom_series(n_slices: int = 64, rows: int = 128, columns: int = 128, *, patient_name: str = "DEMO^PHANTOM",
                      patient_id: str = "DEMO-0001", study_uid: str | None = None, series_number: int = 2,
                      slice_thickness: float = 2.5, study_date: str = "20240314", study_time: str = "093000",
                      seed: int = 0) -> list[pydicom.FileDataset]:
    """An axial chest CT: stored int16 = HU + 1024, air -1000, body ~30, lungs -800, bone ~700, 400 mm field of view."""
    study = _study(patient_name, patient_id, study_uid, study_date, study_time, "CT CHEST PHANTOM", "DEMO0001", "1")
    series_uid, frame_uid = new_uid(), new_uid()
    spacing = 400.0 / max(rows, columns)
    iop = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    z_top = (n_slices - 1) * slice_thickness / 2
    parts = _chest_parts(z_top, n_slices * slice_thickness)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_slices):
        ds = _ct_template(study, series_uid, frame_uid, series_number, "AXIAL 2.5 MM PHANTOM")
        z = z_top - k * slice_thickness
        ipp = (-spacing * (columns - 1) / 2, -spacing * (rows - 1) / 2, z)
        _set_image_plane(ds, ipp, iop, spacing, slice_thickness)
        ds.SliceLocation = _fmt(z)
        ds.InstanceNumber = k + 1
        pixels = _ct_pixels(_plane(ipp, iop, spacing, rows, columns), parts, rng)
        _set_pixels(ds, pixels, "MONOCHROME2", 16, signed=True)
        out.append(ds)
    return out


def mr_series(n_slices: int = 24, rows: int = 128, columns: int = 128, *, patient_name: str = "DEMO^PHANTOM",
              patient_id: str = "DEMO-0001", study_uid: str | None = None, series_number: int = 3,
              slice_thickness: float = 5.0, study_date: str = "20240902", study_time: str = "141500",
              seed: int = 1) -> list[pydicom.FileDataset]:
    """A sagittal T1 spin-echo head: uint16 in 12 bits, slices from patient left to right (ascending along the normal)."""
    study = _study(patient_name, patient_id, study_uid, study_date, study_time, "MR HEAD PHANTOM", "DEMO0002", "2")
    series_uid, frame_uid = new_uid(), new_uid()
    spacing = 256.0 / max(rows, columns)
    iop = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)  # rows run anterior->posterior, columns superior->inferior
    x_first = (n_slices - 1) * slice_thickness / 2
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_slices):
        ds = _new_dataset(MRImageStorage, new_uid())
        _set_common(ds, study, "MR", series_uid, series_number, "SAG T1 SE")
        ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
        ds.ManufacturerModelName = "Phantom MR"
        ds.BodyPartExamined = "HEAD"
        ds.PatientPosition = "HFS"
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.ScanningSequence, ds.SequenceVariant, ds.ScanOptions = "SE", "NONE", ""
        ds.MRAcquisitionType = "2D"
        ds.SequenceName = "se2d1"
        ds.RepetitionTime, ds.EchoTime, ds.EchoTrainLength = "500", "12", 1
        ds.MagneticFieldStrength, ds.ImagingFrequency = "1.5", "63.87"
        ds.SpacingBetweenSlices = _fmt(slice_thickness)
        ds.AcquisitionNumber = 1
        x = x_first - k * slice_thickness
        ipp = (x, -spacing * (columns - 1) / 2, spacing * (rows - 1) / 2)
        _set_image_plane(ds, ipp, iop, spacing, slice_thickness)
        ds.SliceLocation = _fmt(-x)
        ds.InstanceNumber = k + 1
        ds.WindowCenter, ds.WindowWidth = "800", "1600"
        _set_pixels(ds, _mr_pixels(_plane(ipp, iop, spacing, rows, columns), rng), "MONOCHROME2", 12, signed=False)
        out.append(ds)
    return out


def secondary_capture(*, patient_name: str = "DEMO^PHANTOM", patient_id: str = "DEMO-0001", study_uid: str | None = None,
                      series_number: int = 100, study_date: str = "20240314", study_time: str = "093000") -> pydicom.FileDataset:
    """A 256x256 RGB colour test pattern, as a workstation screenshot (ConversionType WSD) would be stored."""
    study = _study(patient_name, patient_id, study_uid, study_date, study_time, "CT CHEST PHANTOM", "DEMO0001", "1")
    ds = _new_dataset(SecondaryCaptureImageStorage, new_uid())
    _set_common(ds, study, "OT", new_uid(), series_number, "COLOUR TEST PATTERN")
    ds.ConversionType = "WSD"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""
    ds.BodyPartExamined = "CHEST"  # without it, Laterality (type 2C) would be required
    _set_pixels(ds, _test_pattern(), "RGB", 8, signed=False)
    return ds


# --- serialisation ------------------------------------------------------------


def dataset_bytes(ds: pydicom.Dataset) -> bytes:
    """Part 10 bytes; a missing file meta is built (explicit VR little endian) without touching the caller's dataset."""
    meta = FileMetaDataset()
    for element in getattr(ds, "file_meta", None) or ():
        meta.add(element)  # a new element dict, so defaults below never leak into ds.file_meta
    defaults = {"TransferSyntaxUID": ExplicitVRLittleEndian, "MediaStorageSOPClassUID": ds.SOPClassUID,
                "MediaStorageSOPInstanceUID": ds.SOPInstanceUID, "ImplementationClassUID": PYDICOM_IMPLEMENTATION_UID}
    for keyword, value in defaults.items():
        if keyword not in meta:
            setattr(meta, keyword, value)
    wrapper = FileDataset("", ds, file_meta=meta, preamble=b"\0" * 128)  # shares ds's elements, no copy
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, wrapper, enforce_file_format=True)
    return buffer.getvalue()


def _zip_info(name: str, compress: bool, level: int = 6) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info._compresslevel = level  # also a working alias of 3.13's public compress_level
    info.external_attr = 0o644 << 16
    return info


def write_zip(path: ZipTarget, members: Mapping[str, bytes | pydicom.Dataset], *, compress: bool = True) -> None:
    """Write members in the order given; each dataset is serialised only when its turn comes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, member in members.items():
            data = dataset_bytes(member) if isinstance(member, Dataset) else member
            archive.writestr(_zip_info(name, compress), data)


def png_bytes(gray: np.ndarray) -> bytes:
    """A minimal 8-bit greyscale PNG, so the demo has a real non-DICOM image without Pillow."""
    height, width = gray.shape
    raw = b"".join(b"\0" + gray[row].astype(np.uint8).tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _windowed(ds: Dataset) -> np.ndarray:
    """The slice as a viewer shows it at its stored window, as 8-bit grey."""
    values = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    low = float(ds.WindowCenter) - float(ds.WindowWidth) / 2
    return np.clip((values - low) * 255.0 / float(ds.WindowWidth), 0, 255).astype(np.uint8)


_README = """DICOM Peek demo data
====================

Everything in this archive is synthetic: the patient DEMO^PHANTOM does not exist.
Study 1 (2024-03-14): a 64-slice axial CT of a chest phantom and a colour test pattern.
Study 2 (2024-09-02): a 24-slice sagittal T1 MR of a head phantom.
The files under notes/ and thumbnails/ are not DICOM and should be listed as such.
"""


def write_demo_zip(path: ZipTarget) -> dict:
    """The demo archive: one fictional patient, two studies, three series, and three non-DICOM files."""
    ct = ct_phantom_series()
    study1 = str(ct[0].StudyInstanceUID)
    sc = secondary_capture(study_uid=study1)
    mr = mr_series()
    members: dict[str, bytes | Dataset] = {"README.txt": _README.encode()}
    members.update({f"DEMO/CT/IM{k + 1:04d}.dcm": ds for k, ds in enumerate(ct)})
    members["DEMO/SC/IM0001.dcm"] = sc
    members.update({f"DEMO/MR/IM{k + 1:04d}" + ("" if k < 2 else ".dcm"): ds for k, ds in enumerate(mr)})
    protocol = {"title": "DICOM Peek demo", "synthetic": True, "studies": [
        {"date": "2024-03-14", "series": [{"modality": "CT", "slices": len(ct), "slice_thickness_mm": 2.5},
                                          {"modality": "OT", "images": 1, "content": "colour test pattern"}]},
        {"date": "2024-09-02", "series": [{"modality": "MR", "slices": len(mr), "plane": "sagittal"}]}]}
    members["notes/protocol.json"] = json.dumps(protocol, indent=2).encode()
    members["thumbnails/preview.png"] = png_bytes(_windowed(ct[len(ct) // 2])[::2, ::2])
    write_zip(path, members, compress=True)
    return {"dicom_files": len(ct) + 1 + len(mr), "non_dicom_files": 3, "series": 3, "studies": 2, "patients": 1}


# --- benchmark generator --------------------------------------------------------


def _slot(data: bytes, tag: tuple[int, int], vr: bytes) -> tuple[int, int]:
    """(offset, length) of an explicit-VR short element's value; the tag must occur exactly once."""
    key = struct.pack("<HH", *tag) + vr
    at = data.find(key)
    if at < 0 or data.find(key, at + 1) >= 0:
        raise ValueError(f"cannot locate a unique {tag} in the template")
    (length,) = struct.unpack_from("<H", data, at + 6)
    return at + 8, length


def write_bench_zip(path: ZipTarget, *, n_series: int, per_series: int, rows: int = 64, columns: int = 64,
                    compress: bool = False, slice_thickness: float = 2.5, distinct_images: int = 32) -> dict:
    """Many CT files fast: each series is serialised once and only the per-file values are patched into the bytes.

    Patched values keep their byte length (UIDs are fixed width, numbers are
    space padded, which DICOM allows), so no element or group length changes.
    Pixels cycle through ``distinct_images`` phantom slices in z order, so the
    images still move while cost stays flat. Each member is written straight
    into the zip; memory holds one file at a time.
    """
    study = _study("BENCH^SYNTHETIC", "BENCH-0001", None, "20240101", "120000", "BENCHMARK", "BENCH0001", "1")
    spacing = 400.0 / max(rows, columns)
    iop = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    x0, y0 = -spacing * (columns - 1) / 2, -spacing * (rows - 1) / 2
    z_top = (per_series - 1) * slice_thickness / 2
    parts = _chest_parts(z_top, per_series * slice_thickness)
    if per_series >= 10_000_000:
        raise ValueError("per_series must be below 10,000,000 (fixed-width instance UIDs)")
    levels = max(1, min(distinct_images, per_series))
    width = max(5, len(str(per_series)))
    ipp_len, total = 50, 0
    with zipfile.ZipFile(path, "w") as archive:
        for s in range(n_series):
            series_uid = new_uid()
            rng = np.random.default_rng(s)
            pixels = {}
            for level in range(levels):
                k = (2 * level + 1) * per_series // (2 * levels)
                ipp = (x0, y0, z_top - k * slice_thickness)
                pixels[level] = _ct_pixels(_plane(ipp, iop, spacing, rows, columns), parts, rng).tobytes()
            ds = _ct_template(study, series_uid, new_uid(), s + 1, f"BENCH SERIES {s + 1}")
            uid0 = f"{series_uid}.1{0:07d}"  # fixed width; the leading 1 avoids a leading zero
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid0
            _set_image_plane(ds, (x0, y0, 0.0), iop, spacing, slice_thickness)
            ds.ImagePositionPatient = ["1.00000000000000"] * 2 + ["1.0000000000000"]  # 50 bytes incl. separators
            ds.SliceLocation = "1.00000000000000"
            ds.InstanceNumber = 10_000_000
            _set_pixels(ds, np.zeros((rows, columns), "<i2"), "MONOCHROME2", 16, signed=True)
            blob = dataset_bytes(ds)
            header = bytearray(blob[: len(blob) - rows * columns * 2])
            uid_at = (header.find(uid0.encode()), header.rfind(uid0.encode()))  # file meta and dataset
            ipp_at, length = _slot(header, (0x0020, 0x0032), b"DS")
            assert length == ipp_len and uid_at[0] != uid_at[1]
            loc_at, _ = _slot(header, (0x0020, 0x1041), b"DS")
            num_at, _ = _slot(header, (0x0020, 0x0013), b"IS")
            for k in range(per_series):
                z = z_top - k * slice_thickness
                uid = f"{series_uid}.1{k:07d}".encode()
                for at in uid_at:
                    header[at:at + len(uid)] = uid
                header[ipp_at:ipp_at + ipp_len] = f"{_fmt(x0)}\\{_fmt(y0)}\\{_fmt(z)}".ljust(ipp_len).encode()
                header[loc_at:loc_at + 16] = _fmt(z).ljust(16).encode()
                header[num_at:num_at + 8] = str(k + 1).ljust(8).encode()
                with archive.open(_zip_info(f"BENCH/SE{s + 1:03d}/IM{k + 1:0{width}d}.dcm", compress, level=1), "w") as out:
                    out.write(header)
                    out.write(pixels[k * levels // per_series])
                total += len(header) + rows * columns * 2
    size = os.path.getsize(path) if isinstance(path, (str, os.PathLike)) else path.tell()
    return {"files": n_series * per_series, "series": n_series, "bytes": size, "dicom_bytes": total}
