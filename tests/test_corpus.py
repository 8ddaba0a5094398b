"""The shared corpus of real files from public toolkits (skipped where absent)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest

from registry import files_by_location, summarize

#: Files DCMTK reads but pydicom 3.0.2 cannot, and why (reported as unreadable, with the reason).
PYDICOM_LIMITS = {
    # implicit VR big endian with an undefined-length UN sequence (CP-246): pydicom loses its place
    "corpus/fo_dicom/GH177_D_CLUNIE_CT1_IVRLE_BigEndian_undefined_length.dcm",
    # a blank VR ('  ') on PixelPaddingValue: DCMTK guesses a 2-byte length, pydicom a 4-byte one
    "corpus/fo_dicom/GH179A.dcm",
    "corpus/fo_dicom/GH179B.dcm",
}


@pytest.fixture(scope="module")
def corpus_summary(corpus):
    return summarize(corpus)


def test_every_corpus_file_is_accounted_for(corpus, corpus_summary):
    totals = corpus_summary["totals"]
    on_disk = 0
    for path in corpus.rglob("*"):
        if path.is_file() and zipfile.is_zipfile(path):  # zips in a folder are opened too
            with zipfile.ZipFile(path) as archive:
                on_disk += sum(1 for info in archive.infolist() if not info.is_dir())
        elif path.is_file():
            on_disk += 1
    assert totals["entries"] == on_disk
    assert totals["entries"] == totals["dicom"] + totals["non_dicom"] + totals["unreadable"]
    assert totals["dicom"] > 900 and totals["series"] > 100


def test_real_multislice_series_are_grouped(corpus_summary):
    series = [s for p in corpus_summary["patients"] for st in p["studies"] for s in st["series"]
              if any("dcm_qa_deident" in f for f in s["folders"])]
    assert [s["instances"] for s in series] == [196]


@pytest.mark.skipif(not shutil.which("dcmdump"), reason="DCMTK dcmdump not installed")
def test_what_dcmtk_reads_cleanly_we_call_dicom(corpus, corpus_summary):
    files = files_by_location(corpus_summary)
    disagreements = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name in ("LICENSE.source", "README.md", "MANIFEST.tsv"):
            continue
        location = "corpus/" + path.relative_to(corpus).as_posix()
        if location in PYDICOM_LIMITS:
            assert files[location]["kind"] == "unreadable"
            continue
        result = subprocess.run(["dcmdump", "-q", str(path)], capture_output=True, text=True, errors="replace")
        dcmtk_ok = result.returncode == 0 and "E: " not in result.stderr
        ours = files.get(location, {"kind": "dicom"})["kind"]
        if dcmtk_ok and ours not in ("dicom",):
            disagreements.append((location, ours, files[location]["reason"]))
    assert disagreements == []
