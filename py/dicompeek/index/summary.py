"""Turn the index into the patient / study / series summary.

Series are keyed by the (StudyInstanceUID, SeriesInstanceUID) of each file's
top-level dataset; UIDs inside sequences are never read here, so a reference
to another series cannot create or inflate one. The result is plain JSON
data with a stable schema (``SCHEMA_VERSION``), documented in the README: the
browser renders it and pipelines consume it from the CLI's ``--json``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydicom.uid import UID

from dicompeek.index.indexer import DicomRecord, Index, outside_key
from dicompeek.index.series import frame_count, geometry_warnings

SCHEMA_VERSION = 1


def uid_name(uid: str) -> str:
    """The registered name of a UID (SOP class, transfer syntax), else the UID."""
    name = UID(uid).name if uid else ""
    return name if name and name != uid else uid


def build_summary(index: Index) -> dict[str, Any]:
    """The whole summary of what has been indexed so far."""
    studies: dict[str, dict[str, Any]] = {}
    series: dict[tuple[str, str], dict[str, Any]] = {}
    outside: list[dict[str, Any]] = []
    for record in index.dicom:
        fields = record.fields
        study_uid = fields.get("StudyInstanceUID")
        series_uid = fields.get("SeriesInstanceUID")
        if not study_uid or not series_uid:
            outside.append(_outside_series(record))
            continue
        study = studies.get(study_uid)
        if study is None:
            study = studies[study_uid] = _new_study(study_uid, fields)
        key = (study_uid, series_uid)
        entry = series.get(key)
        if entry is None:
            entry = series[key] = _new_series(series_uid, fields)
            study["series"].append(entry)
        _add_to_series(entry, record)

    patients: dict[tuple[str, str], dict[str, Any]] = {}
    for study in studies.values():
        patient_fields = study.pop("_patient")
        key = (patient_fields.get("PatientID", ""), patient_fields.get("PatientName", ""))
        patient = patients.get(key)
        if patient is None:
            patient = patients[key] = {
                "name": key[1], "id": key[0],
                "birth_date": patient_fields.get("PatientBirthDate", ""),
                "sex": patient_fields.get("PatientSex", ""),
                "studies": [],
            }
        patient["studies"].append(study)

    for entry in series.values():
        _finish_series(entry)
    for patient in patients.values():
        for study in patient["studies"]:
            study["series"].sort(key=_series_order)
            study["series_count"] = len(study["series"])
        patient["studies"].sort(key=lambda s: (s["date"], s["time"], s["description"]))
    patient_list = sorted(patients.values(), key=lambda p: (p["name"].upper(), p["id"]))

    files = [
        {"location": o.location, "size": o.size, "kind": o.kind, "reason": o.reason}
        for o in index.others
    ]
    files += outside
    files += [
        {"location": r.location, "size": r.size, "kind": "dicom", "reason": r.warning}
        for r in index.dicom if r.warning
    ]
    counts = Counter(o.kind for o in index.others)
    return {
        "schema_version": SCHEMA_VERSION,
        "totals": {
            "entries": len(index.dicom) + len(index.others),
            "dicom": len(index.dicom),
            "non_dicom": counts["non-dicom"],
            "unreadable": counts["unreadable"],
            "not_indexed": counts["not-indexed"],
            "patients": len(patient_list),
            "studies": len(studies),
            "series": len(series),
        },
        "patients": patient_list,
        "files": files,
        "notes": [{"location": n.location, "message": n.message} for n in index.notes],
    }


def _new_study(uid: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "study_instance_uid": uid,
        "date": fields.get("StudyDate", ""),
        "time": fields.get("StudyTime", ""),
        "description": fields.get("StudyDescription", ""),
        "accession_number": fields.get("AccessionNumber", ""),
        "study_id": fields.get("StudyID", ""),
        "series": [],
        "_patient": fields,
    }


def _new_series(uid: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "series_instance_uid": uid,
        "number": fields.get("SeriesNumber"),
        "modality": fields.get("Modality", ""),
        "description": fields.get("SeriesDescription", ""),
        "body_part": fields.get("BodyPartExamined", ""),
        "files": 0,
        "bytes": 0,
        "duplicates": 0,
        "_instances": {},
        "_sizes": Counter(),
        "_sop_classes": Counter(),
        "_transfer_syntaxes": Counter(),
        "_archives": Counter(),
        "_folders": Counter(),
        "_warnings": 0,
        "_records": [],
        "_refers_to": {},
    }


def _add_to_series(entry: dict[str, Any], record: DicomRecord) -> None:
    fields = record.fields
    entry["files"] += 1
    entry["bytes"] += record.size
    sop_uid = fields.get("SOPInstanceUID") or f"file:{record.location}"
    stated = fields.get("NumberOfFrames")
    # never more than the file can hold
    frames = frame_count(record) if isinstance(stated, int) and stated >= 1 else 1 if "Rows" in fields else 0
    if sop_uid in entry["_instances"]:
        entry["duplicates"] += 1  # counted once (a copy of the file?), and said: the page warns
    entry["_instances"][sop_uid] = frames
    if "Rows" in fields and "Columns" in fields:
        entry["_sizes"][f"{fields['Rows']}×{fields['Columns']}"] += 1
    if fields.get("SOPClassUID"):
        entry["_sop_classes"][fields["SOPClassUID"]] += 1
    entry["_transfer_syntaxes"][record.transfer_syntax] += 1
    entry["_archives"][record.archive or ""] += 1
    entry["_folders"][record.folder] += 1
    if record.warning:
        entry["_warnings"] += 1
    entry["_records"].append(record)
    entry["_refers_to"].update(dict.fromkeys(fields.get("ReferencedSeries") or ()))


def _finish_series(entry: dict[str, Any]) -> None:
    instances = entry.pop("_instances")
    entry["instances"] = len(instances)
    entry["frames"] = sum(instances.values())
    entry["sizes"] = _ranked(entry.pop("_sizes"))
    entry["sop_classes"] = [{"uid": uid, "name": uid_name(uid)}
                            for uid in _ranked(entry.pop("_sop_classes"))]
    entry["transfer_syntaxes"] = [{"uid": uid, "name": uid_name(uid)}
                                  for uid in _ranked(entry.pop("_transfer_syntaxes"))]
    entry["archives"] = [a for a in _ranked(entry.pop("_archives")) if a]
    entry["folders"] = _ranked(entry.pop("_folders"))
    entry["files_with_warnings"] = entry.pop("_warnings")
    entry["geometry_warnings"] = geometry_warnings(entry.pop("_records"))
    entry["refers_to"] = list(entry.pop("_refers_to"))


def _ranked(counter: Counter) -> list[str]:
    """Distinct values, most frequent first (ties in sorted order)."""
    return [value for value, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _series_order(entry: dict[str, Any]) -> tuple:
    number = entry["number"]
    return (not isinstance(number, int), number if isinstance(number, int) else 0,
            entry["description"], entry["series_instance_uid"])


def _outside_series(record: DicomRecord) -> dict[str, Any]:
    """A file listed with the others, with what opens it in the viewer and the tag browser:
    ``study_uid`` and ``series_uid`` as a series' (:func:`~dicompeek.index.indexer.outside_key`)."""
    missing = [k for k in ("StudyInstanceUID", "SeriesInstanceUID") if not record.fields.get(k)]
    sop = record.fields.get("SOPClassUID")
    what = f" ({uid_name(sop)})" if sop else ""
    return {
        "location": record.location, "size": record.size, "kind": "dicom",
        "reason": f"DICOM file outside any series{what}: no {' or '.join(missing)}",
        "study_uid": str(record.fields.get("StudyInstanceUID") or ""), "series_uid": outside_key(record),
        "modality": str(record.fields.get("Modality") or ""),
    }
