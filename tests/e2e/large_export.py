"""A stored zip export over 4 GiB (zip64) of large uncompressed CT images, written in seconds.

Each file is one CT image of :data:`SIDE` × :data:`SIDE` 16-bit pixels (about 231 MB, under the
512 MiB a file may take to be read whole: ``dicom/instances.py``'s ``WHOLE_FILE_LIMIT``). Its pixel
data starts with :data:`PATTERN_SIZE` bytes of a pattern and is zeros after that, and the zeros are
skipped with a seek: on a file system that stores holes the zip costs a few megabytes of disk, and
nothing larger than a file's header and its pattern is ever in memory. The CRC-32 of each entry
is combined from the CRC of the bytes written and that of the zeros (``hostile.crc32_zeros``), so
no gigabyte is read to make it either.

The pattern's bytes are all below ``0x50`` ("P"), so no zip signature can appear in the pixel data:
a reader that scans the copy for local headers finds only real ones (the page test's save does).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from hostile import U32, RawZip, Record, crc32_combine, crc32_zeros

#: Columns and rows of every image: 10,752² × 2 bytes = 231,211,008 bytes of pixel data.
SIDE = 10_752
FILES = 21
#: The pixel data's first bytes (the rest are zeros); every byte below 0x50.
PATTERN_SIZE = 4096
PATTERN = bytes((i * 7 + i // 4093) % 0x50 for i in range(PATTERN_SIZE))
PATIENT_NAME = "GIGANTE^ZIP^SESENTAYCUATRO"
PATIENT_ID = "ZIP64-778899"
BIRTH_DATE = "19520417"
ACCESSION = "ACC-GIGA-4242"
INSTITUTION = "Hospital Grande de Cuatro Gigas"
#: Values of the input that must not be in the copy (in its headers, which the save's samples hold).
IDENTIFYING = (PATIENT_NAME, PATIENT_ID, "GIGANTE", BIRTH_DATE, ACCESSION, INSTITUTION)


@dataclass
class LargeExport:
    """What was written: the entries' names and sizes, in order, and the zip's size."""

    path: Path
    names: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    size: int = 0


def ct_header(study_uid: str, series_uid: str, number: int) -> bytes:
    """A Part 10 CT file up to and including its Pixel Data element's header (OW, explicit length)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[series_uid, str(number)])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240305"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = ACCESSION
    ds.Modality = "CT"
    ds.Manufacturer = "DICOM Peek tests"
    ds.InstitutionName = INSTITUTION
    ds.ReferringPhysicianName = "MEDICO^REFERENTE"
    ds.StudyDescription = "Large matrix CT"
    ds.SeriesDescription = "Ten thousand square"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = PATIENT_ID
    ds.PatientBirthDate = BIRTH_DATE
    ds.PatientSex = "F"
    ds.BurnedInAnnotation = "NO"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.ImagePositionPatient = [0, 0, float(number)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.FrameOfReferenceUID = generate_uid(entropy_srcs=[study_uid, "frame"])
    ds.SliceThickness = 1
    ds.PixelSpacing = [0.05, 0.05]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = SIDE
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue() + struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OW", 0, SIDE * SIDE * 2)


def write_large_export(path: Path, files: int = FILES) -> LargeExport:
    """``files`` CT images of :data:`SIDE`² in one series, stored, as ``DICOM/IM00001.dcm``...; the
    pixel data's zeros are holes in the file (sparse) where the file system allows."""
    export = LargeExport(Path(path))
    study_uid = generate_uid(entropy_srcs=["large-export", "study"])
    series_uid = generate_uid(entropy_srcs=["large-export", "series"])
    pixels = SIDE * SIDE * 2
    with open(path, "wb") as f:
        z = RawZip(f)
        for number in range(1, files + 1):
            head = ct_header(study_uid, series_uid, number) + PATTERN
            zeros = pixels - PATTERN_SIZE
            size = len(head) + zeros
            assert size < U32
            name = f"DICOM/IM{number:05d}.dcm".encode()
            offset = f.tell()
            crc = crc32_combine(zlib.crc32(head), crc32_zeros(zeros), zeros)
            f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, size, size, len(name), 0)
                    + name + head)
            f.seek(zeros - 1, io.SEEK_CUR)
            f.write(b"\x00")  # the last byte written, so the file is this long even if nothing follows
            z.add_record(Record(name, 0, 0, crc, size, size, offset))
            export.names.append(name.decode())
            export.sizes.append(size)
        z.finish()
        export.size = f.tell()
    return export
