"""The fast Part 10 writer gives pydicom's bytes: every pydicom test file that has a file meta
group, as read and after the de-identification engine changed it (the copy's use), and the
corpus's files where ../shared/corpus is present. The header it reports for the bytes it wrote
(the copy's review takes it instead of indexing the copy again) is the one indexing reads from them."""

from __future__ import annotations

import copy
import io
import tempfile
import warnings
from pathlib import Path

import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from dicompeek.dicom.header import read_header, written_header
from dicompeek.dicom.writer import part10, part10_bytes
from dicompeek.io.archive import Sources
from dicompeek.privacy.deidentify.actions import deidentify
from dicompeek.privacy.deidentify.context import RunContext
from dicompeek.privacy.deidentify.uids import UidMap
from dicompeek.privacy.identity import Identity
from registry import CORPUS, PYDICOM_FILES

USUAL = frozenset({"retain_modified_dates", "clean_descriptors"})


def _files(folder: Path, limit: int) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_size < 8_000_000)[:limit]


def _readable(path: Path) -> Dataset | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
    except Exception:
        return None
    meta = getattr(ds, "file_meta", None)
    return ds if meta is not None and "TransferSyntaxUID" in meta else None


def _pydicom_bytes(ds: Dataset) -> bytes | None:
    buffer = io.BytesIO()
    try:
        ds.save_as(buffer, enforce_file_format=True)
    except Exception:
        return None
    return buffer.getvalue()


def _check(ds: Dataset, options: frozenset[str] | None) -> bool:
    """Both writers on the same dataset (after the engine, when ``options``); False when pydicom refuses it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if options is not None:
            deidentify(ds, options, RunContext(UidMap(b"salt"), Identity(), 100, "ANON", "ANON-1", keep_overlays=False))
        ours, theirs = copy.deepcopy(ds), copy.deepcopy(ds)
        expected = _pydicom_bytes(theirs)
        if expected is None:  # pydicom refuses it: so does this writer (the same checks, or pydicom itself)
            with pytest.raises((ValueError, AttributeError, TypeError, NotImplementedError)):
                part10_bytes(ours)
            return False
        data, length = part10(ours)
        assert data == expected
        _assert_indexed_as_written(ours, data, length)
    return True


def _assert_indexed_as_written(ds: Dataset, data: bytes, length: int | None) -> None:
    """Indexing ``data`` (what the writer wrote from ``ds``) reads the header the writer reports."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "written.dcm")
        path.write_bytes(data)
        sources = Sources()
        sources.add(str(path))
        (entry,) = sources.entries
        read = read_header(entry)
    written = written_header(ds, length)
    assert (written.fields, written.transfer_syntax) == (read.fields, read.transfer_syntax)
    assert length is None or length == read.length


def _checked(folder: Path, limit: int, options: frozenset[str] | None) -> int:
    """How many files of ``folder`` both writers wrote (and wrote the same)."""
    return sum(_check(ds, options) for path in _files(folder, limit) if (ds := _readable(path)) is not None)


@pytest.mark.parametrize("options", [None, frozenset(), USUAL], ids=["as read", "basic", "usual"])
def test_the_bytes_are_pydicoms_on_every_pydicom_test_file(options):
    assert _checked(PYDICOM_FILES, 400, options) > 50


def test_raw_elements_are_written_as_they_were_read():
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    raw = sum(isinstance(e, RawDataElement) for e in ds._dict.values())
    data = part10_bytes(ds)
    assert raw > 20 and data == _pydicom_bytes(copy.deepcopy(ds))
    again = pydicom.dcmread(io.BytesIO(data))
    assert again.PatientName == ds.PatientName and again.pixel_array.tolist() == ds.pixel_array.tolist()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_the_bytes_are_pydicoms_on_the_corpus():
    assert _checked(CORPUS, 1500, USUAL) > 300
