"""DICOM detection by content and header reading (dicompeek.dicom.header)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset

from dicompeek.dicom.errors import NotDicom, Unreadable
from dicompeek.dicom.header import read_header
from dicompeek.io.archive import Sources
from dicompeek_synthetic import dataset_bytes
from registry import dicm_at_128_bytes, pydicom_file, raw_dataset_bytes, small_dataset, summarize


def entry_for(path: Path):
    sources = Sources()
    sources.add(str(path))
    (entry,) = sources.entries
    return entry


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_part10_file_is_read_with_its_summary_fields():
    header = read_header(entry_for(pydicom_file("CT_small.dcm")))
    assert header.fields["PatientName"] == "CompressedSamples^CT1"
    assert header.fields["Modality"] == "CT"
    assert header.fields["Rows"] == 128 and header.fields["Columns"] == 128
    assert header.transfer_syntax == "1.2.840.10008.1.2.1"
    assert header.warning is None


def test_dicom_is_detected_by_content_not_by_name(tmp_path):
    path = write(tmp_path, "report.txt", dataset_bytes(small_dataset(patient_id="BYCONTENT")))
    assert read_header(entry_for(path)).fields["PatientID"] == "BYCONTENT"


def test_dataset_without_preamble_or_meta_is_dicom(tmp_path):
    path = write(tmp_path, "IM0001", raw_dataset_bytes(small_dataset(patient_id="RAW")))
    header = read_header(entry_for(path))
    assert header.fields["PatientID"] == "RAW"
    assert not header.has_file_meta
    assert header.transfer_syntax == "1.2.840.10008.1.2"


@pytest.mark.parametrize("data, kind", [
    (b"hello, this is a plain text file\n" * 10, "text"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
    (b'{"PatientName": "not dicom"}', "JSON text"),
    (b"%PDF-1.7\n" + bytes(300), "PDF document"),
    (bytes(range(256)) * 4, "binary data"),
])
def test_other_content_is_not_dicom_and_says_what_it_looks_like(tmp_path, data, kind):
    with pytest.raises(NotDicom, match=rf"^not DICOM \({kind}\)"):
        read_header(entry_for(write(tmp_path, "file.dcm", data)))


def test_empty_file_is_unreadable(tmp_path):
    with pytest.raises(Unreadable, match="empty file"):
        read_header(entry_for(write(tmp_path, "IM0001.dcm", b"")))


def test_header_truncated_mid_element_is_unreadable(tmp_path):
    data = dataset_bytes(small_dataset())
    cut = data.index(b"TEST^PATIENT") + 4  # inside the PatientName value
    with pytest.raises(Unreadable, match=r"truncated: element \(0010,0010\)"):
        read_header(entry_for(write(tmp_path, "cut.dcm", data[:cut])))


def test_pydicoms_truncated_rt_plan_is_unreadable():
    with pytest.raises(Unreadable, match="truncated"):
        read_header(entry_for(pydicom_file("rtplan_truncated.dcm")))


def test_truncated_pixel_data_keeps_the_header_with_a_warning(tmp_path):
    data = dataset_bytes(small_dataset(rows=64, columns=64))
    header = read_header(entry_for(write(tmp_path, "short.dcm", data[:-100])))
    assert header.fields["PatientName"] == "TEST^PATIENT"
    assert header.warning == "pixel data truncated: 8192 bytes declared, 8092 present"


def test_header_larger_than_the_first_prefix_is_read_whole(tmp_path):
    ds = small_dataset(patient_id="BIGHEADER")
    ds.add_new(0x00291010, "OB", bytes(300_000))  # a large private block before the pixels
    ds.private_block(0x0029, "BIG CREATOR", create=True)
    header = read_header(entry_for(write(tmp_path, "big.dcm", dataset_bytes(ds))))
    assert header.fields["PatientID"] == "BIGHEADER"
    assert header.fields["Rows"] == 8


def test_header_larger_than_every_prefix_is_read_from_the_stream(tmp_path, monkeypatch):
    import dicompeek.dicom.header as header_module

    monkeypatch.setattr(header_module, "PREFIX_STEPS", (1024, 4096))
    ds = small_dataset(patient_id="STREAMED")
    ds.ImageComments = "x" * 10_000  # LT value far past the last prefix
    header = read_header(entry_for(write(tmp_path, "long.dcm", dataset_bytes(ds))))
    assert header.fields["PatientID"] == "STREAMED"
    assert header.warning is None


def test_invalid_values_are_kept_with_a_warning():
    header = read_header(entry_for(pydicom_file("badVR.dcm")))
    assert header.warning == "invalid IS value '1A' in NumberOfFrames (0028,0008)"
    assert header.fields["NumberOfFrames"] == "1A"


def test_header_read_stops_before_pixel_data(tmp_path):
    """A 4 MB image costs only its header: the first prefix is all that is read."""
    import dicompeek.dicom.header as header_module

    ds = small_dataset(rows=1024, columns=2048)
    path = write(tmp_path, "large.dcm", dataset_bytes(ds))
    entry = entry_for(path)
    reads = []

    class CountingFile:
        def __init__(self, f):
            self.f = f

        def read(self, n=-1):
            data = self.f.read(n)
            reads.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    from dataclasses import replace
    counted = replace(entry, open=lambda: CountingFile(path.open("rb")))
    assert read_header(counted).fields["Rows"] == 1024
    assert sum(reads) <= header_module.PREFIX_STEPS[0]


def test_meta_with_dicm_but_garbage_after_is_unreadable(tmp_path):
    data = bytes(128) + b"DICM" + b"\xff" * 64
    with pytest.raises(Unreadable):
        read_header(entry_for(write(tmp_path, "garbage.dcm", data)))


def test_dataset_type_is_plain(tmp_path):
    ds: Dataset = small_dataset(frames=3)
    header = read_header(entry_for(write(tmp_path, "mf.dcm", dataset_bytes(ds))))
    assert header.fields["NumberOfFrames"] == 3


def test_names_in_other_character_sets_are_decoded(tmp_path):
    ds = small_dataset(patient_name="Müller^Jürgen")
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.StudyDescription = "Tête – thorax"
    header = read_header(entry_for(write(tmp_path, "utf8.dcm", dataset_bytes(ds))))
    assert header.fields["PatientName"] == "Müller^Jürgen"
    assert header.fields["StudyDescription"] == "Tête – thorax"


def test_japanese_names_from_pydicoms_charset_files_are_decoded():
    from pydicom.data import get_charset_files

    (path,) = get_charset_files("chrH31.dcm")
    header = read_header(entry_for(Path(path)))
    assert header.fields["PatientName"] == "Yamada^Tarou=山田^太郎=やまだ^たろう"


# --- "DICM" at byte 128 of a dataset without preamble (issue 12) --------------------------------

needs_dcmtk = pytest.mark.skipif(not (shutil.which("dcmdump") and shutil.which("dcmj2pnm")),
                                 reason="DCMTK dcmdump/dcmj2pnm not installed")


def ramp_with_dicm_at_128(*, mid_value: bool) -> bytes:
    ds = small_dataset(rows=16, columns=16, patient_id="DICMAT128")
    ds.PixelData = (np.arange(256, dtype="<u2") * 16).tobytes()
    return dicm_at_128_bytes(ds, mid_value=mid_value)


def dcmdump_top_level(path: Path) -> dict[str, str]:
    """dcmdump -f (the file read as a dataset without meta): top-level tag → value as printed."""
    text = subprocess.run(["dcmdump", "-f", "+L", "-M", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"^\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (\S.*?)\s+#", text, re.M)}


@pytest.mark.parametrize("mid_value", [True, False], ids=["inside a value", "at a value's end"])
def test_dicm_at_128_in_a_dataset_without_preamble_is_that_dataset(mid_value, tmp_path):
    """A dataset written without preamble whose Image Type value holds "DICM" at byte 128 is not a
    Part 10 file: no file meta element follows the marker. It was reported "truncated" (the
    marker inside a value), or read without Image Type (the marker at a value's end)."""
    path = write(tmp_path, "IM0001", ramp_with_dicm_at_128(mid_value=mid_value))
    header = read_header(entry_for(path))
    assert header.fields["PatientID"] == "DICMAT128" and header.warning is None
    assert not header.has_file_meta and header.transfer_syntax == "1.2.840.10008.1.2"
    summary = summarize(path)
    assert summary["totals"]["dicom"] == 1 and summary["totals"]["unreadable"] == 0 and summary["files"] == []
    ds = read_instance_of(path)
    assert ds.ImageType[-2 if mid_value else -1] == "DICM" and ds.Rows == 16


@needs_dcmtk
@pytest.mark.parametrize("mid_value", [True, False], ids=["inside a value", "at a value's end"])
def test_dicm_at_128_reads_and_renders_as_dcmtk_reads_it_as_a_dataset(mid_value, tmp_path):
    """dcmdump -f and dcmj2pnm -f (read as a dataset without file meta) agree with us on every
    top-level element and on every pixel; DCMTK's automatic mode takes the marker for a preamble."""
    from dicompeek.pixels.display import render_frame
    from dicompeek.tags.tree import dump_text, header_tree
    from pixels.test_display import dcmtk_render

    path = write(tmp_path, "IM0001", ramp_with_dicm_at_128(mid_value=mid_value))
    ds = read_instance_of(path)
    theirs = dcmdump_top_level(path)
    assert set(theirs) == {f"{e.tag.group:04x},{e.tag.element:04x}" for e in ds}
    assert theirs["0008,0008"].startswith("[DERIVED\\SECONDARY\\ZZZZ") and "\\DICM" in theirs["0008,0008"]
    ours = dump_text(header_tree(ds))
    assert "(0008,0008) CS [DERIVED\\SECONDARY\\" in ours
    reference = dcmtk_render(path, tmp_path, ds)  # -f: the dataset has no file meta
    assert np.abs(render_frame(ds).astype(int) - reference.astype(int)).max() <= 1


def read_instance_of(path: Path) -> Dataset:
    """The whole dataset as the viewer and the CLI read it."""
    from dicompeek.dicom.instances import read_instance
    from dicompeek.index.indexer import Index

    index = Index()
    try:
        index.add([str(path)])
        index.run()
        return read_instance(index, index.dicom[0].entry)
    finally:
        index.close()


def test_a_part10_file_whose_preamble_looks_like_a_dataset_is_still_part10(tmp_path):
    """The file meta after DICM decides: a preamble may hold anything, even a dataset's start."""
    data = dataset_bytes(small_dataset(patient_id="PREAMBLE"))
    preamble = raw_dataset_bytes(small_dataset())[:128]
    header = read_header(entry_for(write(tmp_path, "p10.dcm", preamble + data[128:])))
    assert header.has_file_meta and header.fields["PatientID"] == "PREAMBLE"
    assert header.transfer_syntax == "1.2.840.10008.1.2.1"


def test_dicm_without_file_meta_after_a_zero_preamble_is_still_read_as_part10(tmp_path):
    """Some writers put the dataset right after DICM, without a file meta group; with a preamble
    that is no dataset start, DICM still means Part 10, as before."""
    data = bytes(128) + b"DICM" + raw_dataset_bytes(small_dataset(patient_id="NOMETA"))
    header = read_header(entry_for(write(tmp_path, "nometa.dcm", data)))
    assert header.fields["PatientID"] == "NOMETA"


# --- an invalid Modality LUT is said when indexing (issue 12) ------------------------------------

def test_an_invalid_modality_lut_is_a_warning_on_the_file(tmp_path):
    from registry import modality_lut_dataset

    path = write(tmp_path, "lut.dcm", dataset_bytes(modality_lut_dataset(rescale=True)))
    header = read_header(entry_for(path))
    assert header.warning == ("Modality LUT Sequence ignored: its LUT Descriptor is empty; "
                              "Rescale Slope and Intercept apply instead")
    (listed,) = summarize(path)["files"]
    assert listed["kind"] == "dicom" and listed["reason"] == header.warning
