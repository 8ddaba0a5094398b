"""The copy written in several processes is the copy written in one: the same zip, byte for byte,
the same report, mapping and review of the copy."""

from __future__ import annotations

import multiprocessing
import os
import zipfile
from pathlib import Path

import pytest

from dicompeek.privacy.deidentify.inputs import MIN_FILES_PER_PART, deidentify_inputs, indexed, processes
from dicompeek.privacy.deidentify.pseudonyms import Pseudonym, PseudonymMap
from dicompeek.privacy.deidentify.run import Settings
from privacy.exports import original_export
from registry import zip_bytes

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
needs_kernel_copy = pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="no copy_file_range here")
USUAL = frozenset({"retain_modified_dates", "clean_descriptors"})


def _export(tmp_path: Path) -> Path:
    members = dict(original_export())
    members["README.txt"] = b"not DICOM: dropped, or kept last"
    members["DICOMDIR-like.bin"] = b"\x00" * 300
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes(members))
    return path


def _copy(source: Path, out: Path, parts: int, keep: bool) -> tuple[dict, str]:
    mapping = out.with_suffix(".csv")
    pseudonyms = PseudonymMap({"2048713355": Pseudonym("SUBJ-2", "SUBJ-2")})  # a given one, and ANON-n for the rest
    report = deidentify_inputs([str(source)], out, Settings(USUAL, b"salt", pseudonyms, keep_non_dicom=keep),
                               mapping=mapping, parts=parts)
    return report, mapping.read_text()


@pytest.mark.parametrize("keep", [False, True], ids=["others dropped", "others kept"])
def test_two_or_three_processes_write_the_bytes_one_writes(tmp_path, keep):
    source = _export(tmp_path)
    one, one_map = _copy(source, tmp_path / "one.zip", 1, keep)
    for parts in (2, 3):
        many, many_map = _copy(source, tmp_path / f"{parts}.zip", parts, keep)
        assert (tmp_path / f"{parts}.zip").read_bytes() == (tmp_path / "one.zip").read_bytes()
        assert {**many, "output": ""} == {**one, "output": ""}  # actions, drops, problems, the review's counts
        assert many_map == one_map
    assert one["files_written"] > 10 and one["review"]  # (the ultrasound's burned-in text is not read here: high)
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert any(name.startswith("SUBJ-2/") for name in names) and any(name.startswith("ANON-1/") for name in names)
    assert any(name.startswith("other/") for name in names) == keep


@needs_kernel_copy
@pytest.mark.parametrize("kernel", ["refuses", "stops short"])
def test_parts_joined_without_the_kernels_copy_give_the_same_bytes(tmp_path, monkeypatch, kernel):
    # copy_file_range is Linux's; where it refuses (another file system) or stops early, the rest of
    # a part is read and written
    source = _export(tmp_path)
    _copy(source, tmp_path / "kernel.zip", 2, False)
    real, calls = os.copy_file_range, []

    def stand_in(src: int, dst: int, count: int, offset_src: int, offset_dst: int) -> int:
        calls.append(count)
        if kernel == "refuses":
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst, min(count, 4096), offset_src, offset_dst) if len(calls) == 1 else 0

    monkeypatch.setattr(os, "copy_file_range", stand_in)
    _copy(source, tmp_path / "joined.zip", 2, False)
    assert calls
    assert (tmp_path / "joined.zip").read_bytes() == (tmp_path / "kernel.zip").read_bytes()


def test_small_copies_stay_in_one_process():
    assert processes(MIN_FILES_PER_PART - 1) == 1
    assert processes(10_000) >= 1


def test_inputs_indexed_in_three_processes_are_the_records_one_process_reads(tmp_path):
    source = _export(tmp_path)
    found = []
    for parts in (1, 3):
        index = indexed([str(source)], parts)
        try:
            found.append((index.dicom, index.others))
        finally:
            index.close()
    assert found[0] == found[1] and len(found[0][0]) > 10 and found[0][1]  # the not-DICOM entries too
