"""Synthetic data must be real DICOM a viewer accepts, with the anatomy and geometry promised."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

import dicompeek_synthetic as synthetic

Demo = tuple[Path, dict]


def read(data: bytes) -> pydicom.FileDataset:
    """Read Part 10 bytes, failing on any warning pydicom raises, decoding pixels included."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = pydicom.dcmread(io.BytesIO(data))
        if "PixelData" in ds:
            _ = ds.pixel_array  # decoded for the warnings
    return ds


def is_dicom(data: bytes) -> bool:
    return data[128:132] == b"DICM"


def hu(ds: Dataset) -> np.ndarray:
    slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    return ds.pixel_array.astype(np.float64) * slope + intercept


def patch_at(ds: Dataset, x_mm: float, y_mm: float, half: int = 2) -> np.ndarray:
    """HU around a patient (x, y) on an axial slice, located through the slice's own geometry."""
    x0, y0, _ = (float(v) for v in ds.ImagePositionPatient)
    row_spacing, col_spacing = (float(v) for v in ds.PixelSpacing)
    col, row = round((x_mm - x0) / col_spacing), round((y_mm - y0) / row_spacing)
    return hu(ds)[row - half:row + half + 1, col - half:col + half + 1]


@pytest.fixture(scope="module")
def demo_zip(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    path = tmp_path_factory.mktemp("demo") / "demo.zip"
    return path, synthetic.write_demo_zip(path)


@pytest.fixture(scope="module")
def demo_datasets(demo_zip: Demo) -> dict[str, pydicom.FileDataset]:
    with zipfile.ZipFile(demo_zip[0]) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return {name: read(data) for name, data in members.items() if is_dicom(data)}


@pytest.fixture(scope="module")
def ct_series() -> list[pydicom.FileDataset]:
    return [read(synthetic.dataset_bytes(ds)) for ds in synthetic.ct_phantom_series()]


def test_demo_zip_contains_the_promised_counts(demo_zip: Demo, demo_datasets: dict) -> None:
    path, summary = demo_zip
    assert summary == {"dicom_files": 93, "non_dicom_files": 3, "series": 7, "studies": 2,
                       "patients": 1}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert len(names) == 96 and len(demo_datasets) == 93
    others = set(names) - set(demo_datasets)
    assert others == {"README.txt", "notes/protocol.json", "thumbnails/preview.png"}
    datasets = demo_datasets.values()
    assert len({ds.SeriesInstanceUID for ds in datasets}) == 7
    assert len({ds.StudyInstanceUID for ds in datasets}) == 2
    assert len({ds.StudyDate for ds in datasets}) == 2
    patients = {(str(ds.PatientName), ds.PatientID) for ds in datasets}
    assert patients == {("DEMO^PHANTOM", "DEMO-0001")}


def test_demo_zip_has_dicom_files_without_extension(demo_datasets: dict) -> None:
    bare = [name for name in demo_datasets if "." not in name.rsplit("/", 1)[-1]]
    assert sorted(bare) == ["DEMO/MR/IM0001", "DEMO/MR/IM0002"]
    assert all(name.startswith("DEMO/") for name in demo_datasets)


def test_demo_preview_is_a_valid_png(demo_zip: Demo) -> None:
    with zipfile.ZipFile(demo_zip[0]) as archive:
        png = archive.read("thumbnails/preview.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (width + 1)
    assert b"IEND" in chunks


def test_every_demo_image_has_the_stated_pixel_shape_and_type(demo_datasets: dict) -> None:
    expected = {"CT": ((128, 128), np.int16), "MR": ((128, 128), np.uint16),
                "OT": ((256, 256, 3), np.uint8), "SEG": ((133, 128, 128), np.uint8)}
    for name, ds in demo_datasets.items():
        if ds.Modality in ("SR", "RTSTRUCT", "PR"):  # no pixels
            assert "PixelData" not in ds, name
            continue
        shape, dtype = expected[ds.Modality]
        assert ds.pixel_array.shape == shape, name
        assert ds.pixel_array.dtype == dtype, name


def test_every_demo_file_has_a_consistent_file_meta(demo_datasets: dict) -> None:
    for name, ds in demo_datasets.items():
        meta = ds.file_meta
        assert meta.MediaStorageSOPClassUID == ds.SOPClassUID, name
        assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID, name
        assert meta.TransferSyntaxUID == ExplicitVRLittleEndian, name
        assert meta.ImplementationClassUID.is_valid, name
        assert ds.Manufacturer == "DICOM Peek synthetic"
    assert len({ds.SOPInstanceUID for ds in demo_datasets.values()}) == len(demo_datasets)


def test_ct_slices_are_spaced_uniformly_along_z(ct_series: list) -> None:
    assert [ds.InstanceNumber for ds in ct_series] == list(range(1, 65))
    positions = np.array([[float(v) for v in ds.ImagePositionPatient] for ds in ct_series])
    assert np.allclose(positions[:, :2], positions[0, :2])
    assert np.allclose(np.diff(positions[:, 2]), -float(ct_series[0].SliceThickness))
    assert [float(ds.SliceLocation) for ds in ct_series] == pytest.approx(positions[:, 2])
    for ds in ct_series:
        assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
    assert len({ds.FrameOfReferenceUID for ds in ct_series}) == 1


def test_ct_phantom_hu_values_match_air_body_lung_and_bone(ct_series: list) -> None:
    middle = ct_series[len(ct_series) // 2]
    assert (middle.RescaleSlope, middle.RescaleIntercept) == (1, -1024)
    assert (middle.WindowCenter, middle.WindowWidth) == (40, 400)
    assert np.median(patch_at(middle, -190, -190)) == pytest.approx(-1000, abs=20)  # air
    assert 0 <= np.median(patch_at(middle, 0, -80)) <= 40  # soft tissue, anterior
    assert np.median(patch_at(middle, -80, 0)) == pytest.approx(-800, abs=30)  # right lung
    assert np.median(patch_at(middle, 80, 0)) == pytest.approx(-800, abs=30)  # left lung
    assert 600 <= np.median(patch_at(middle, 0, 75)) <= 800  # vertebra, posterior


def test_scrolling_the_ct_shows_the_anatomy_change(ct_series: list) -> None:
    lung = [np.median(patch_at(ds, -80, 0)) for ds in ct_series]
    assert lung[0] > -100 and lung[len(lung) // 2] < -700 and lung[-1] > -100  # lungs come, go
    air_like = [int((hu(ds) < -500).sum()) for ds in ct_series]  # outside air plus lungs
    assert len(set(air_like)) >= 40  # the lung outline changes from slice to slice


def test_mr_series_is_a_sagittal_head_ordered_along_the_normal() -> None:
    series = [read(synthetic.dataset_bytes(ds)) for ds in synthetic.mr_series()]
    assert len(series) == 24
    assert {ds.SOPClassUID for ds in series} == {pydicom.uid.MRImageStorage}
    iop = np.array([float(v) for v in series[0].ImageOrientationPatient])
    normal = np.cross(iop[:3], iop[3:])
    along = [float(np.dot(normal, [float(v) for v in ds.ImagePositionPatient])) for ds in series]
    assert np.allclose(np.diff(along), float(series[0].SliceThickness))
    assert float(series[0].RepetitionTime) > 0 and float(series[0].EchoTime) > 0
    middle = series[12].pixel_array
    assert middle.max() <= 4095 and middle[48:80, 48:80].mean() > 5 * middle[:8, :8].mean()


def test_secondary_capture_is_an_rgb_colour_pattern() -> None:
    ds = read(synthetic.dataset_bytes(synthetic.secondary_capture()))
    assert ds.SOPClassUID == pydicom.uid.SecondaryCaptureImageStorage
    assert (ds.SamplesPerPixel, ds.PlanarConfiguration, ds.ConversionType) == (3, 0, "WSD")
    rgb = ds.pixel_array
    assert rgb[10, 10].tolist() == [255, 255, 255]  # white bar
    assert rgb[10, 40].tolist() == [255, 255, 0]  # yellow bar


def test_series_share_the_study_they_are_given() -> None:
    study = synthetic.new_uid()
    ct = synthetic.ct_phantom_series(4, study_uid=study)
    sc = synthetic.secondary_capture(study_uid=study)
    assert {ds.StudyInstanceUID for ds in [*ct, sc]} == {study}
    assert sc.SeriesInstanceUID != ct[0].SeriesInstanceUID


def test_dataset_bytes_fills_in_a_missing_file_meta_without_changing_the_dataset() -> None:
    ds = Dataset()
    ds.SOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    ds.SOPInstanceUID, ds.PatientName = synthetic.new_uid(), "X^Y"
    data = synthetic.dataset_bytes(ds)
    assert is_dicom(data) and "file_meta" not in ds.__dict__
    back = read(data)
    assert back.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert back.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID


def test_dataset_bytes_honours_the_datasets_transfer_syntax() -> None:
    ds = synthetic.secondary_capture()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    back = read(synthetic.dataset_bytes(ds))
    assert back.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    assert np.array_equal(back.pixel_array, ds.pixel_array)


def test_write_zip_keeps_entry_names_and_serialises_datasets(tmp_path: Path) -> None:
    ds = synthetic.secondary_capture()
    members: dict[str, bytes | Dataset] = {"x/y/image": ds, "z.txt": b"hello"}
    synthetic.write_zip(tmp_path / "a.zip", members, compress=False)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["x/y/image", "z.txt"]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert read(archive.read("x/y/image")).SOPInstanceUID == ds.SOPInstanceUID
        assert archive.read("z.txt") == b"hello"


def test_bench_zip_has_one_valid_file_per_instance_and_one_uid_per_series(tmp_path: Path) -> None:
    path = tmp_path / "bench.zip"
    summary = synthetic.write_bench_zip(path, n_series=3, per_series=40, rows=32, columns=48)
    assert (summary["files"], summary["series"]) == (120, 3)
    assert summary["bytes"] == path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        datasets = {name: read(archive.read(name)) for name in names}
    assert len(names) == 120
    assert len({ds.SOPInstanceUID for ds in datasets.values()}) == 120
    for ds in datasets.values():
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.pixel_array.shape == (32, 48) and ds.pixel_array.dtype == np.int16
    by_folder: dict[str, set[str]] = {}
    for name, ds in datasets.items():
        by_folder.setdefault(name.rsplit("/", 1)[0], set()).add(ds.SeriesInstanceUID)
    assert len(by_folder) == 3 and all(len(uids) == 1 for uids in by_folder.values())
    assert len(set.union(*by_folder.values())) == 3
    first = [datasets[name] for name in names[:40]]
    assert [ds.InstanceNumber for ds in first] == list(range(1, 41))
    z = [float(ds.ImagePositionPatient[2]) for ds in first]
    assert np.allclose(np.diff(z), -2.5)
    assert [float(ds.SliceLocation) for ds in first] == z
    assert not np.array_equal(first[0].pixel_array, first[20].pixel_array)  # images move


def test_bench_generation_is_fast(tmp_path: Path) -> None:
    start = time.process_time()
    summary = synthetic.write_bench_zip(tmp_path / "bench.zip", n_series=3, per_series=100)
    assert summary["files"] == 300
    assert time.process_time() - start < 3.0  # CPU seconds; 7,700 such files take about 2 s


def _sample_files(tmp_path: Path, demo_zip: Demo) -> list[Path]:
    """A few demo and bench files of every kind, extracted for the command-line tools."""
    bench = tmp_path / "bench.zip"
    synthetic.write_bench_zip(bench, n_series=2, per_series=12)
    demo_names = ("DEMO/CT/IM0001.dcm", "DEMO/CT/IM0033.dcm", "DEMO/SC/IM0001.dcm",
                  "DEMO/MR/IM0001", "DEMO/MR/IM0024.dcm")
    wanted = [(demo_zip[0], name) for name in demo_names]
    wanted += [(bench, "BENCH/SE001/IM00001.dcm"), (bench, "BENCH/SE002/IM00012.dcm")]
    files = []
    for index, (archive, name) in enumerate(wanted):
        target = tmp_path / f"{index:02d}"
        with zipfile.ZipFile(archive) as z:
            target.write_bytes(z.read(name))
        files.append(target)
    return files


def _tool_output(tool: str, path: Path) -> tuple[int, list[str]]:
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    return result.returncode, (result.stdout + result.stderr).splitlines()


@pytest.mark.skipif(shutil.which("dcmdump") is None, reason="DCMTK dcmdump not installed")
def test_dcmdump_reads_samples_without_errors_or_warnings(tmp_path: Path, demo_zip: Demo) -> None:
    for path in _sample_files(tmp_path, demo_zip):
        code, lines = _tool_output("dcmdump", path)
        assert code == 0 and not [line for line in lines if line.startswith(("E:", "W:"))], lines


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_dciodvfy_finds_the_samples_conform_to_their_iod(tmp_path: Path, demo_zip: Demo) -> None:
    for path in _sample_files(tmp_path, demo_zip):
        _, lines = _tool_output("dciodvfy", path)
        assert not [line for line in lines if line.startswith(("Error", "Warning"))], lines
