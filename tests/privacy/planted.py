"""Test data for the privacy review: a patient's identifiers planted where they hide, and the
review run the ways the page and the command line run it (one pass; in parts through JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from dicompeek.index.indexer import Index
from dicompeek.privacy import Reviewer, merge, merged, plan, reruns, review, review_part
from registry import pydicom_file, small_dataset, zip_bytes

NAME, MRN, BIRTH, ACCESSION = "Kowalski^Janina", "MRN778812", "19610523", "ACC99812"
REGRESSIONS = Path(__file__).resolve().parent.parent / "regressions"


def reviewed(tmp_path: Path, members: dict, name: str = "x.zip") -> dict:
    (tmp_path / name).write_bytes(zip_bytes(members))
    index = Index()
    try:
        index.add([str(tmp_path / name)])
        index.run()
        return review(index)
    finally:
        index.close()


def reviewed_paths(*paths: Path) -> dict:
    index = Index()
    try:
        index.add([str(p) for p in paths])
        index.run()
        return review(index)
    finally:
        index.close()


def by_id(result: dict) -> dict[str, dict]:
    return {f["id"]: f for f in result["findings"]}


def values(finding: dict) -> list[str]:
    return [v["value"] for v in finding["values"]]


def identified(**extra: Any) -> Dataset:
    ds = small_dataset(patient_name=NAME, patient_id=MRN)
    ds.PatientBirthDate, ds.AccessionNumber = BIRTH, ACCESSION
    for key, value in extra.items():
        setattr(ds, key, value)
    return ds


def planted_zip() -> dict:
    """Two patients, three series, identifiers planted at every depth, a nested name that leaks into
    later files, private blocks, claims, pixel risks and non-DICOM entries."""
    files: dict = {}
    study, series = generate_uid(), [generate_uid() for _ in range(3)]
    for i in range(9):
        ds = identified(StudyInstanceUID=study, SeriesInstanceUID=series[i % 3], InstanceNumber=i,
                        StudyDate=f"2024010{i + 1}", SeriesDescription=f"series {i % 3}")
        if i % 3 == 1:
            ds.Modality, ds.SOPClassUID = "US", "1.2.840.10008.5.1.4.1.1.6.1"
        if i == 1:
            inner = Dataset()
            inner.PatientName = "Nowak^Adam"  # only here: a token found while walking
            ds.OtherPatientIDsSequence = [inner]
        if i in (4, 8):
            ds.ImageComments = "compare with nowak's scan"  # found only once NOWAK is known
        if i % 2:
            block = ds.private_block(0x0099, "ACME 1.0", create=True)
            block.add_new(0x01, "LO", f"patient {MRN} #{i}")
            block.add_new(0x02, "OB", bytes(100 + i))
        if i == 5:
            ds.PatientIdentityRemoved, ds.BurnedInAnnotation = "YES", "YES"
        files[f"KOWALSKI/{i:02}.dcm"] = ds
    files["other/a.dcm"] = small_dataset(patient_name="Ef^Gh", patient_id=MRN, study_uid=study)
    files["other/notes.txt"] = b"Janina Kowalski"
    files["other/broken.dcm"] = b"\0" * 128 + b"DICM" + b"\2\0"
    return files


def every_rule_zip() -> dict:
    """:func:`planted_zip` with something for every rule family spread between its files (so that a
    split review has it in several parts): an SR, an encapsulated PDF, overlays and an icon, UID
    roots with timestamps, claims with options, dates removed, an unreadable element, a sequence
    nested too deep, a second study whose patient data disagree; and a series of 22 more files
    of the same patient, past the caps of what a finding, a series and a patient keep."""
    extras: list[tuple[str, Any]] = []
    sr = identified(Modality="SR", SOPClassUID="1.2.840.10008.5.1.4.1.1.88.22")
    item = Dataset()
    item.TextValue = "Seen by Dr Nowak"
    sr.ContentSequence = [item]
    extras.append(("extra/sr.dcm", sr))
    pdf = identified(Modality="DOC", SOPClassUID="1.2.840.10008.5.1.4.1.1.104.1")
    pdf.add_new(0x00420011, "OB", b"%PDF-1.4 Kowalski")
    extras.append(("extra/pdf.dcm", pdf))
    drawn = identified(BurnedInAnnotation="NO", RecognizableVisualFeatures="YES", PatientIdentityRemoved="YES",
                       LongitudinalTemporalInformationModified="REMOVED", PatientAddress="1 Main St")
    drawn.SeriesInstanceUID = "1.3.12.2.1107.5.2.32.35162.2012021516340154873208328"
    drawn.add_new(0x60000010, "US", 8)
    drawn.add_new(0x60003000, "OW", bytes(8))
    icon = Dataset()
    icon.Rows = 1
    drawn.IconImageSequence = [icon]
    code = Dataset()
    code.CodeValue = "113111"
    drawn.DeidentificationMethodCodeSequence = [code]
    drawn.DeidentificationMethod = "tool 1.0"
    extras.append(("extra/drawn.dcm", drawn))
    other_study = small_dataset(patient_name="Ef^Gh", patient_id="ID7", study_uid="1.2.3.99")
    other_study.StudyDate = "18990101"
    extras.append(("extra/study-a.dcm", other_study))
    extras.append(("extra/study-b.dcm", small_dataset(patient_name="Ij^Kl", patient_id="ID7", study_uid="1.2.3.99")))
    for folder in ("a", "b"):  # DICOMDIRs naming patients no file has
        extras.append((f"extra/{folder}/DICOMDIR", pydicom_file("DICOMDIR").read_bytes()))
    for name in ("review-deep-defined-sequences.dcm", "review-unknown-vr.dcm"):
        extras.append((f"extra/{name}", (REGRESSIONS / name).read_bytes()))
    files: dict = {}
    planted = list(planted_zip().items())
    for n, (name, data) in enumerate(planted):
        files[name] = data
        for extra_name, extra in extras[n::len(planted)]:
            files[extra_name] = extra
        if n == 4:
            for i in range(22):
                files[f"KOWALSKI/more/{i:02}.dcm"] = identified(
                    StudyInstanceUID="1.2.3.98", SeriesInstanceUID="1.2.3.98.1", InstanceNumber=i,
                    Modality="XA", StudyDate=f"201901{i + 1:02}", SOPInstanceUID=f"2.25.{i + 1}")
    return files


def through_json(data: Any) -> Any:
    """As between workers: everything crosses as JSON."""
    return json.loads(json.dumps(data))


def states_in_parts(index: Index, parts: int) -> list[dict]:
    """Plan, parts and reruns, each result through JSON as between workers: the parts' states."""
    split = through_json(plan(index, parts))
    states = [through_json(review_part(index, part, split["identity"])) for part in split["parts"]]
    for number, tokens in through_json(reruns(split["identity"], [s["found"] for s in states])):
        states[number] = through_json(review_part(index, split["parts"][number], tokens))
    return states


def merged_in_parts(index: Index, parts: int) -> Reviewer:
    """The merging reviewer of a review in ``parts`` parts (before it finishes)."""
    return merged(index, states_in_parts(index, parts))


def reviewed_in_parts(index: Index, parts: int) -> dict:
    """Plan, parts, reruns and merge, each result through JSON as between workers."""
    return through_json(merge(index, states_in_parts(index, parts)))


def one(found: dict, prefix: str) -> dict:
    """The one finding for ``prefix`` (an element's findings are keyed by severity too:
    "element:(0010,0010):high"), whatever its severity."""
    matches = [f for key, f in found.items() if key == prefix or key.startswith(prefix + ":")]
    assert len(matches) == 1, (prefix, [f["id"] for f in matches])
    return matches[0]


def has(found: dict, prefix: str) -> bool:
    """Whether any finding is for ``prefix`` (see :func:`one`)."""
    return any(key == prefix or key.startswith(prefix + ":") for key in found)
