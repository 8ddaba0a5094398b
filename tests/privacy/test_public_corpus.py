"""The privacy review on public data that was de-identified before it was published (from
``../shared/corpus``; see its README.md and MANIFEST.tsv): highdicom's files (Imaging Data
Commons), dcm_qa_deident (a de-faced MR series that claims PS3.15 with options), the pydicom-data
files that claim Patient Identity Removed (CQ500, emri_small, bad_sequence) and a TCIA
Pancreas-CT slice (de-identified by CTP). None gets a high finding except the genuine problems
listed in :data:`GENUINE`, each with its reason (the README's review section lists them too).

Skipped where the corpus is absent.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydicom
import pytest

from privacy.planted import reviewed_paths


def _claims_deidentification(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True,
                                 specific_tags=["PatientIdentityRemoved", "DeidentificationMethod",
                                                "DeidentificationMethodCodeSequence"])
    except Exception:
        return False
    return str(ds.get("PatientIdentityRemoved", "")).strip().upper() == "YES" or "DeidentificationMethod" in ds \
        or "DeidentificationMethodCodeSequence" in ds


def _data_files(folder: Path) -> list[Path]:
    """The files of a corpus folder, without its licence (not part of the data)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("LICENSE")) \
        if folder.is_dir() else []


#: Each public de-identified set: what to index, given the corpus folder.
SETS: dict[str, Callable[[Path], list[Path]]] = {
    "highdicom": lambda corpus: _data_files(corpus / "highdicom"),
    "dcm_qa_deident": lambda corpus: _data_files(corpus / "dcm_qa_deident"),
    "pydicom_data-claimed": lambda corpus: [p for p in _data_files(corpus / "pydicom_data")
                                            if p.suffix == ".dcm" and _claims_deidentification(p)],
    "tcia-pancreas-ct": lambda corpus: [corpus / "pydicom_data" / "explicit_VR-UN.dcm"],
}

_SYNTHETIC = ("claims no de-identification and carries its synthetic test identity (highdicom's ct_image and SR from "
              "Clunie's CompressedSamples^CT1, the veterinary dx_image, the slide-microscopy Test^Patient)")
#: (set, finding id) → why that high finding is a genuine problem of the published data.
GENUINE: dict[tuple[str, str], str] = {
    ("highdicom", "element:(0010,0010):high"): f"Patient's Name: {_SYNTHETIC}",
    ("highdicom", "element:(0010,0020):high"): f"Patient ID: {_SYNTHETIC}",
    ("highdicom", "element:(0010,0030):high"): f"Patient's Birth Date: {_SYNTHETIC}",
    ("highdicom", "element:(0008,0050):high"): f"Accession Number: {_SYNTHETIC}",
    ("highdicom", "leak:own:(0020,0010)"): "Study ID repeats the patient ID (1CT1) or the accession number "
                                           "(S19-1_A_1_1) in files that claim no de-identification",
    ("highdicom", "leak:own:(0040,0512)"): "the slides' Container Identifier is their accession number",
    ("highdicom", "leak:own:(0040,0560)>(0040,0551)"): "the slides' Specimen Identifier is their accession number",
    ("highdicom", "leak:own:(0040,0560)>(0040,0610)>(0040,0612)>(0040,A160)"):
        "the specimen preparation's text repeats the accession number",
    ("dcm_qa_deident", "claim:private"): "claims Retain Safe Private (113111) yet keeps ~143 private elements per file "
                                         "that PS3.15 E.3.10-1 does not list as safe (the corpus README says so)",
    ("pydicom_data-claimed", "element:(0010,0030):high"):
        "bad_sequence.dcm and emri_small*.dcm claim Patient Identity Removed yet keep a birth date (19910101, "
        "20000101: the year kept) where E.1-1 wants it empty",
}


def reviewed_set(paths: list[Path]) -> dict[str, Any]:
    return reviewed_paths(*paths)


@pytest.mark.parametrize("name", list(SETS))
def test_public_de_identified_data_has_no_high_finding_but_its_genuine_problems(corpus, name):
    paths = SETS[name](corpus)
    missing = [p for p in paths if not p.exists()]
    if missing or not paths:
        pytest.skip(f"{name}: not in this corpus ({missing or 'no file claims de-identification'})")
    result = reviewed_set(paths)
    assert result["files_reviewed"], f"{name}: nothing reviewed"
    highs = {f["id"]: f for f in result["findings"] if f["severity"] == "high"}
    unexpected = [f"{fid}: {f['title']} = {[v['value'] for v in f['values']][:3]} "
                  f"{[m.get('text') for m in f.get('matches', [])][:3]} in {f['locations'][:2]}"
                  for fid, f in highs.items() if (name, fid) not in GENUINE]
    assert not unexpected, f"{name}: {len(unexpected)} high finding(s) not known as genuine:\n" + "\n".join(unexpected)
    stale = [fid for set_name, fid in GENUINE if set_name == name and fid not in highs]
    assert not stale, f"{name}: listed as genuine problems but no longer found: {stale}"
