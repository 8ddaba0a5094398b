"""Reference data for the tests, made by the tests themselves.

One place that knows how to make each kind of input: pydicom's bundled files,
small synthetic datasets, and zips (valid and broken). Tests ask for data by
what it is, so the same file means the same thing everywhere.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicompeek.synthetic import write_zip

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
PYDICOM_FILES = Path(get_testdata_file("CT_small.dcm")).parent

XSS = "<img src=x onerror=alert(1)>"


def pydicom_file(name: str) -> Path:
    """One of pydicom's bundled test files."""
    return Path(get_testdata_file(name))


def small_dataset(*, study_uid: str | None = None, series_uid: str | None = None,
                  patient_name: str = "TEST^PATIENT", patient_id: str = "P1",
                  rows: int = 8, columns: int = 8, frames: int | None = None) -> Dataset:
    """A minimal valid CT image with tiny pixel data."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = pydicom.uid.CTImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.StudyDate = "20240102"
    ds.Modality = "CT"
    ds.SeriesNumber = 1
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    n = frames or 1
    if frames:
        ds.NumberOfFrames = frames
    ds.PixelData = bytes(rows * columns * 2 * n)
    return ds


def raw_dataset_bytes(ds: Dataset) -> bytes:
    """``ds`` written without preamble or file meta, implicit VR little endian."""
    buffer = io.BytesIO()
    ds = ds.copy()
    del ds.file_meta
    pydicom.dcmwrite(buffer, ds, implicit_vr=True, little_endian=True, enforce_file_format=False)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes | Dataset], *, compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, members, compress=compress)
    return buffer.getvalue()


def encrypt_flag(zip_data: bytes, member: str) -> bytes:
    """Mark ``member`` as encrypted (ZipCrypto flag) in both its headers.

    Python cannot write encrypted zips; the flag is all the reader looks at
    before refusing, which is exactly the behaviour under test.
    """
    data = bytearray(zip_data)
    with zipfile.ZipFile(io.BytesIO(zip_data)) as archive:
        info = archive.getinfo(member)
    # local file header: flags at offset 6
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<H", data, info.header_offset + 6, info.flag_bits | 1)
    # central directory record: flags at offset 8
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        name = bytes(data[pos + 46:pos + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<H", data, pos + 8, info.flag_bits | 1)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)




def summarize(*paths: Path) -> dict:
    """Index ``paths`` as the CLI does and return the summary."""
    from dicompeek.index import Index
    from dicompeek.summary import build_summary

    index = Index()
    try:
        index.add([str(p) for p in paths])
        index.run()
        return build_summary(index)
    finally:
        index.close()


def files_by_location(summary: dict) -> dict[str, dict]:
    return {f["location"]: f for f in summary["files"]}


def all_series(summary: dict) -> list[dict]:
    return [s for p in summary["patients"] for st in p["studies"] for s in st["series"]]
