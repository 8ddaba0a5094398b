"""Pixel data streamed from the input (deidentify/passthrough.py) gives the copy that reading every
file whole gives, byte for byte, on pydicom's test files and the corpus; a file's pixel data is
then never held whole (a file over the whole-file limit is copied); anything after the pixel data
sends the file the whole-file way, where it is de-identified."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicompeek.dicom import instances
from dicompeek.index.indexer import Index
from dicompeek.privacy.deidentify import passthrough
from dicompeek.privacy.deidentify.run import CopyJob, Settings
from registry import CORPUS, PYDICOM_FILES, NotingSink, small_dataset, zip_bytes

USUAL = frozenset({"retain_modified_dates", "clean_descriptors"})


@pytest.fixture(autouse=True)
def stream_every_file(monkeypatch):
    """Stream files of any size (only large ones are streamed otherwise)."""
    monkeypatch.setattr(passthrough, "STREAM_FROM", 0)


def _copy(path: Path, options: frozenset[str] = USUAL, sink: Any = None) -> tuple[bytes, dict]:
    """The copy of the zip at ``path`` (``sink``: the page's kind, :class:`NotingSink`, or a buffer)."""
    index = Index()
    try:
        index.add([str(path)])
        index.run()
        sink = sink or io.BytesIO()
        job = CopyJob(index, sink, Settings(options, b"salt"))
        while not job.done:
            job.step(3600.0)
        report = job.finish()
        return sink.assembled() if isinstance(sink, NotingSink) else sink.getvalue(), report
    finally:
        index.close()


def _both_ways(path: Path, monkeypatch) -> tuple[bytes, bytes, int]:
    """The copy streamed and read whole, and how many files were streamed."""
    streamed = []
    chunks = passthrough.chunks

    def counted(entry, start):
        streamed.append(entry.location)
        return chunks(entry, start)

    with monkeypatch.context() as patch:
        patch.setattr(passthrough, "chunks", counted)
        fast, _ = _copy(path)
    with monkeypatch.context() as patch:
        patch.setattr(passthrough, "streamable_syntax", lambda uid: False)
        whole, _ = _copy(path)
    return fast, whole, len(streamed)


def _zip_of(folder: Path, tmp_path: Path, limit: int, compress: bool) -> Path:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_size < 8_000_000)[:limit]
    path = tmp_path / "input.zip"
    path.write_bytes(zip_bytes({f"{n:04d}-{p.name}": p.read_bytes() for n, p in enumerate(files)}, compress=compress))
    return path


@pytest.mark.parametrize("compress", [False, True], ids=["stored", "deflated"])
def test_streamed_pixel_data_gives_the_whole_file_copy_on_pydicom_files(tmp_path, monkeypatch, compress):
    fast, whole, streamed = _both_ways(_zip_of(PYDICOM_FILES, tmp_path, 400, compress), monkeypatch)
    assert streamed > 40  # most of pydicom's files (the big endian, deflated and odd ones go whole)
    assert fast == whole


def test_pixel_data_the_pages_sink_only_notes_gives_the_copy_the_command_line_writes(tmp_path):
    source = _zip_of(PYDICOM_FILES, tmp_path, 400, False)
    noted = NotingSink()
    page, _ = _copy(source, sink=noted)
    assert len(noted.pieces) > 40  # pixel data of most files never read
    assert page == _copy(source)[0]


def test_a_damaged_stored_file_is_copied_as_it_is_and_named(tmp_path):
    data = bytearray(zip_bytes({"ct.dcm": _ct(512)}, compress=False))
    data[-5000] ^= 0xFF  # in the pixel data (past what indexing reads), which the zip's CRC no longer matches
    source = tmp_path / "damaged.zip"
    source.write_bytes(bytes(data))
    copy, report = _copy(source)
    assert report["files_written"] == 1
    assert [p["location"] for p in report["problems"]] == ["damaged.zip::ct.dcm"]
    assert "CRC-32" in report["problems"][0]["reason"]
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        assert archive.testzip() is not None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_streamed_pixel_data_gives_the_whole_file_copy_on_the_corpus(tmp_path, monkeypatch):
    fast, whole, streamed = _both_ways(_zip_of(CORPUS, tmp_path, 1500, False), monkeypatch)
    assert streamed > 300
    assert fast == whole


def _ct(rows: int) -> Dataset:
    ds = small_dataset(rows=rows, columns=rows)
    ds.PixelData = np.arange(rows * rows, dtype="<u2").tobytes()
    return ds


def test_a_file_over_the_whole_file_limit_is_copied_pixel_data_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(instances, "WHOLE_FILE_LIMIT", 1 << 20)  # a 2 MB file is now "too large to read whole"
    source = tmp_path / "large.zip"
    source.write_bytes(zip_bytes({"large.dcm": _ct(1024)}, compress=False))
    data, report = _copy(source)
    assert report["files_written"] == 1 and not report["problems"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()
        copied = pydicom.dcmread(io.BytesIO(archive.read(name)))
    assert copied.PatientName == "ANON-1" and copied.PixelData == _ct(1024).PixelData


def test_what_follows_the_pixel_data_is_de_identified_not_streamed(tmp_path, monkeypatch):
    ds = _ct(16)
    ds.add_new(0x7FE10010, "LO", "SIEMENS CSA NON-IMAGE")  # a private block after the pixel data
    ds.add_new(0x7FE11010, "OB", b"Dr Who, St Elsewhere")
    source = tmp_path / "trailing.zip"
    source.write_bytes(zip_bytes({"trailing.dcm": ds}, compress=False))
    fast, whole, streamed = _both_ways(source, monkeypatch)
    assert streamed == 0 and fast == whole
    assert b"Elsewhere" not in fast and b"SIEMENS CSA" not in fast
