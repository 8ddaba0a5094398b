"""Reference data for the tests, made by the tests themselves.

One place that knows how to make each kind of input: pydicom's bundled files,
small synthetic datasets, and zips (valid and broken). Tests ask for data by
what it is, so the same file means the same thing everywhere.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from dicompeek.io.extent import Extent
from dicompeek_synthetic import ct_phantom_series, dataset_bytes, mr_series, secondary_capture, write_zip

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
XSS = "<img src=x onerror=alert(1)>"


def pydicom_file(name: str) -> Path:
    """One of pydicom's bundled test files."""
    path = get_testdata_file(name)
    assert isinstance(path, str), f"pydicom has no test file {name}"
    return Path(path)


PYDICOM_FILES = pydicom_file("CT_small.dcm").parent


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


def deflated_bytes(ds: Dataset) -> bytes:
    """``ds`` written as a Part 10 file in Deflated Explicit VR Little Endian."""
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, implicit_vr=False, little_endian=True)
    return buffer.getvalue()


def zip_bytes(members: Mapping[str, bytes | Dataset], *, compress: bool = True) -> bytes:
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
    from dicompeek.index.indexer import Index
    from dicompeek.index.summary import build_summary

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


@dataclass(frozen=True)
class Compressed:
    """One compressed variant of a source image.

    ``reference`` is what decoding it must give: the source itself for a
    lossless variant, else the variant decompressed by an independent tool
    (DCMTK's dcmdjpeg/dcmdjpls; for JPEG 2000, pydicom with pylibjpeg-openjpeg).
    """

    name: str
    path: Path
    source: Path
    lossless: bool
    reference: Path


#: Tools that make the variants; a variant whose tool is missing is not made.
COMPRESSORS = ("dcmcrle", "dcmcjpeg", "dcmcjpls", "ojph_compress")


def compression_sources(directory: Path) -> dict[str, Path]:
    """Uncompressed images covering signed, 12-bit unsigned and RGB samples (smooth, and with
    saturated colour edges everywhere)."""
    ct = ct_phantom_series(3, 96, 112)[1]
    # stored in HU, so that negative values reach the codecs
    hu = ct.pixel_array.astype("<i2") - 1024
    ct.PixelData, ct.RescaleIntercept = hu.tobytes(), "0"
    sources = {"signed": ct, "12-bit": mr_series(3, 80, 96)[1], "rgb": secondary_capture(),
               "colour-edges": colour_edges_dataset()}
    paths = {}
    for name, ds in sources.items():
        paths[name] = directory / f"{name}.dcm"
        paths[name].write_bytes(dataset_bytes(ds))
    return paths


def compressed_variants(directory: Path) -> list[Compressed]:
    """Every compressed transfer syntax the viewer decodes, made by DCMTK, OpenJPH and pydicom.

    Each variant gets its own Series Instance UID and the variant's name as
    Series Description, so a zip of them shows one series per variant.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sources = compression_sources(directory)
    dcmtk = [  # (name, source, command, lossless)
        ("RLE", "signed", ["dcmcrle"], True),
        ("JPEG LOSSLESS 57", "signed", ["dcmcjpeg", "+el"], True),
        ("JPEG LOSSLESS 70", "signed", ["dcmcjpeg", "+e1"], True),
        ("JPEG LOSSLESS RGB", "rgb", ["dcmcjpeg", "+e1"], True),
        ("JPEG BASELINE RGB", "rgb", ["dcmcjpeg", "+eb"], False),
        ("JPEG BASELINE COLOUR EDGES", "colour-edges", ["dcmcjpeg", "+eb"], False),
        ("JPEG 12 BIT", "12-bit", ["dcmcjpeg", "+ee"], False),
        ("JPEG-LS", "signed", ["dcmcjpls"], True),
        ("JPEG-LS NEAR", "12-bit", ["dcmcjpls", "+en"], False),
        ("JPEG-LS RGB", "rgb", ["dcmcjpls"], True),
    ]
    made: list[tuple[str, Path, Path, bool]] = []  # (name, path, source, lossless)
    for name, source, command, lossless in dcmtk:
        if shutil.which(command[0]):
            target = directory / f"{name}.dcm"
            subprocess.run([*command, str(sources[source]), str(target)], check=True, capture_output=True)
            made.append((name, target, sources[source], lossless))
    for name, source, lossless in [("J2K LOSSLESS", "signed", True), ("J2K", "signed", False),
                                   ("J2K 12 BIT", "12-bit", True), ("J2K RGB", "rgb", True)]:
        ds = pydicom.dcmread(sources[source])
        syntax = pydicom.uid.JPEG2000Lossless if lossless else pydicom.uid.JPEG2000
        options: dict[str, Any] = {} if lossless else {"j2k_cr": [8]}
        ds.compress(syntax, encoding_plugin="pylibjpeg", **options)
        target = directory / f"{name}.dcm"
        target.write_bytes(dataset_bytes(ds))
        made.append((name, target, sources[source], lossless))
    if shutil.which("ojph_compress"):
        # not signed: Debian's OpenJPH 0.9 writes negative samples in a way no other decoder
        # reads back (OpenJPH issue #102), so a signed stream from it would test nothing
        for name, source, lossless in [("HTJ2K LOSSLESS", "12-bit", True), ("HTJ2K", "12-bit", False),
                                       ("HTJ2K RGB", "rgb", True)]:
            target = directory / f"{name}.dcm"
            _htj2k(sources[source], target, lossless)
            made.append((name, target, sources[source], lossless))
    variants = []
    for name, path, original, lossless in made:
        ds = pydicom.dcmread(path)
        ds.SeriesInstanceUID, ds.SeriesDescription = generate_uid(), name
        path.write_bytes(dataset_bytes(ds))
        reference = original if lossless else decompressed(path, path.with_suffix(".reference.dcm"))
        variants.append(Compressed(name, path, original, lossless, reference))
    return variants


def decompressed(path: Path, target: Path) -> Path:
    """``path`` decompressed by DCMTK where it can, else by pydicom's pylibjpeg plugins."""
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    tool = ("dcmdjpeg" if syntax in pydicom.uid.JPEGTransferSyntaxes else
            "dcmdjpls" if syntax in pydicom.uid.JPEGLSTransferSyntaxes else None)
    if tool:
        subprocess.run([tool, str(path), str(target)], check=True, capture_output=True)
    else:
        ds = pydicom.dcmread(path)
        ds.decompress(decoding_plugin="pylibjpeg")
        target.write_bytes(dataset_bytes(ds))
    return target


def _htj2k(source: Path, target: Path, lossless: bool) -> None:
    """Compress with OpenJPH's ojph_compress (raw samples in, code stream out)."""
    ds = pydicom.dcmread(source)
    pixels = ds.pixel_array
    stream = target.with_suffix(".j2c")
    if ds.SamplesPerPixel == 3:
        # ojph_compress applies its colour transform only to PPM input
        raw = target.with_suffix(".ppm")
        raw.write_bytes(f"P6\n{ds.Columns} {ds.Rows}\n255\n".encode() + pixels.tobytes())
        command = ["ojph_compress", "-i", str(raw), "-o", str(stream), "-colour_trans", "true"]
    else:
        raw = target.with_suffix(".yuv")
        raw.write_bytes(pixels.tobytes())  # little endian samples
        command = ["ojph_compress", "-i", str(raw), "-o", str(stream),
                   "-dims", f"{{{ds.Columns},{ds.Rows}}}", "-num_comps", "1", "-downsamp", "{1,1}",
                   "-signed", "true" if ds.PixelRepresentation else "false", "-bit_depth", str(ds.BitsStored)]
    command += ["-reversible", "true"] if lossless else ["-reversible", "false", "-qstep", "0.002"]
    subprocess.run(command, check=True, capture_output=True)
    from pydicom.encaps import encapsulate

    ds.PixelData = encapsulate([stream.read_bytes()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = pydicom.uid.HTJ2KLossless if lossless else pydicom.uid.HTJ2K
    if ds.SamplesPerPixel == 3:
        ds.PhotometricInterpretation = "YBR_RCT" if lossless else "YBR_ICT"
    raw.unlink()
    stream.unlink()
    target.write_bytes(dataset_bytes(ds))


def colour_edges_dataset(rows: int = 64, columns: int = 96, frames: int = 1) -> Dataset:
    """An RGB secondary capture of saturated colour blocks 3 × 5 pixels (odd sizes, so that the
    blocks straddle JPEG's 2 × 1 chroma pairs): every edge is a colour edge, where decoders
    that upsample subsampled chroma differently disagree by tens of levels."""
    palette = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255],
                        [255, 0, 255], [255, 255, 255], [0, 0, 0], [128, 64, 200]], dtype=np.uint8)
    rng = np.random.default_rng(12)
    blocks = rng.integers(len(palette), size=(frames, -(-rows // 5), -(-columns // 3)))
    pixels = palette[blocks].repeat(5, axis=1).repeat(3, axis=2)[:, :rows, :columns]
    ds = small_dataset(rows=rows, columns=columns, frames=frames if frames > 1 else None)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    ds.Modality = "OT"
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = pixels.tobytes()
    return ds


def modality_lut_dataset(*, rescale: bool, window: bool = True) -> Dataset:
    """A 12-bit ramp whose Modality LUT Sequence item has an empty LUT Descriptor, as LEADTOOLS
    writes them (the LUT Data is there: 4096 entries of 3 × the stored value), optionally with
    Rescale Slope 2 and Intercept -1000 beside it."""
    from pydicom.dataelem import DataElement

    ds = small_dataset(rows=16, columns=64)
    ds.BitsStored, ds.HighBit = 12, 11
    ds.PixelData = np.tile(np.linspace(0, 4095, 64).astype("<u2"), (16, 1)).tobytes()
    item = Dataset()
    item.add(DataElement(0x00283002, "US", None))  # LUT Descriptor, empty
    item.ModalityLUTType = "HU"
    item.add(DataElement(0x00283006, "OW", (np.arange(4096) * 3).astype("<u2").tobytes()))  # LUT Data
    ds.ModalityLUTSequence = [item]
    if rescale:
        ds.RescaleSlope, ds.RescaleIntercept = 2, -1000
    if window:
        ds.WindowCenter, ds.WindowWidth = 1000, 3000
    return ds


def dicm_at_128_bytes(ds: Dataset, *, mid_value: bool = True) -> bytes:
    """``ds`` without preamble or file meta (implicit VR little endian) with the bytes ``DICM`` at
    offset 128, inside the value of Image Type (0008,0008), its first element: in the middle of
    the value (``mid_value``; the bytes after ``DICM`` are the rest of the value) or at its end
    (a whole element follows, so a reader taking the start for a preamble loses Image Type)."""
    ds = ds.copy()
    ds.ImageType = ["MARKER"]
    start = raw_dataset_bytes(ds).index(b"MARKER")
    values, used = ["DERIVED", "SECONDARY"], len("DERIVED\\SECONDARY\\")
    while 128 - start - used > 17:
        values.append("Z" * 16)
        used += 17
    if 128 - start - used > 0:
        values.append("Z" * (128 - start - used - 1))
    ds.ImageType = values + ["DICM"] + (["AFTER"] if mid_value else [])
    data = raw_dataset_bytes(ds)
    assert data[128:132] == b"DICM" and data[:4] == b"\x08\x00\x08\x00", data[120:140]
    return data


def charset_file(name: str) -> Path:
    """One of pydicom's character set test files (chrH31.dcm, chrI2.dcm, ...)."""
    from pydicom.data import get_charset_files

    return next(Path(f) for f in get_charset_files() if Path(f).name == name)


def explicit_element(tag: int, vr: str, value: bytes, *, length: int | None = None) -> bytes:
    """One element as an explicit VR little endian file stores it; ``length`` overrides the true
    length (to make a truncated or undefined-length element)."""
    length = len(value) if length is None else length
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr.encode("latin-1")
    if vr in ("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"):
        return head + struct.pack("<HL", 0, length) + value
    return head + struct.pack("<H", length) + value


def part10_bytes(dataset: bytes, syntax: str = ExplicitVRLittleEndian) -> bytes:
    """Preamble, DICM and a minimal file meta group in front of the raw ``dataset`` bytes."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = UID(syntax)
    buffer = DicomBytesIO()
    write_file_meta_info(buffer, meta, enforce_standard=True)
    return bytes(128) + b"DICM" + buffer.getvalue() + dataset


def deidentified(n: int = 3) -> list[Dataset]:
    """A synthetic series de-identified by the basic profile: Z elements emptied, X removed,
    2.25 UIDs, Patient Identity Removed YES, the basic profile's code."""
    study, series, frame = (f"2.25.{generate_uid(prefix=None)[5:]}" for _ in range(3))
    out: list[Dataset] = []
    for k, ds in enumerate(ct_phantom_series(n, 8, 8)):
        for keyword in ("PatientBirthDate", "PatientSex", "InstitutionName", "ReferringPhysicianName",
                        "StationName", "OperatorsName", "StudyDescription", "SeriesDescription",
                        "ContentDate", "ContentTime", "AcquisitionDate", "AcquisitionTime", "SeriesDate",
                        "SeriesTime", "InstanceCreationDate", "InstanceCreationTime", "DeviceSerialNumber",
                        "ProtocolName", "ImageComments", "StudyID"):
            if keyword in ds:
                delattr(ds, keyword)
        ds.PatientName = ds.PatientID = ds.AccessionNumber = ds.StudyDate = ds.StudyTime = ""
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(f"2.25.{generate_uid(prefix=None)[5:]}{k}")
        ds.file_meta.ImplementationClassUID = UID("2.25.1")
        ds.PatientIdentityRemoved = "YES"
        ds.LongitudinalTemporalInformationModified = "REMOVED"
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
        code.CodeMeaning = "Basic Application Confidentiality Profile"
        ds.DeidentificationMethodCodeSequence = [code]
        ds.BurnedInAnnotation = "NO"
        out.append(ds)
    return out


class NotingSink:
    """A zip sink like the page's (app/worker_copy.JsSink): bytes written, extents of picked zips only
    noted where they go."""

    def __init__(self) -> None:
        self.data = io.BytesIO()
        self.pieces: list[tuple[int, Extent]] = []

    def write(self, data: bytes) -> int:
        return self.data.write(data)

    def refer(self, extent: Extent) -> None:
        self.pieces.append((self.data.tell(), extent))

    def assembled(self) -> bytes:
        """The bytes as the page puts them together (worker-client.js withPieces)."""
        written, out, at = self.data.getvalue(), [], 0
        for where, extent in self.pieces:
            with open(extent.path, "rb") as source:
                source.seek(extent.offset)
                out += [written[at:where], source.read(extent.length)]
            at = where
        return b"".join([*out, written[at:]])
