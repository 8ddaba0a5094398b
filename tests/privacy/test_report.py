"""The privacy review's report files (dicompeek.privacy.report): inert, maskable, complete."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from dicompeek.privacy.report import MASK, masked_result, report_csv, report_html
from registry import XSS

RESULT: dict[str, Any] = {
    "schema_version": 2, "verdict": "1 high, 1 medium", "counts": {"high": 1, "medium": 1, "low": 0, "info": 0},
    "profile": {"title": "DICOM PS3.15 Table E.1-1", "edition": "the edition current on 2024-09-19"},
    "files_reviewed": 3,
    "findings": [
        {"id": "element:00100010", "severity": "high", "category": "element", "title": "Patient's Name present",
         "reason": "E.1-1 basic profile: Z", "element": {"tag": "(0010,0010)", "keyword": "PatientName",
                                                         "name": "Patient's Name", "path": "(0010,0010)"},
         "files": 3, "entries": [0], "locations": [f"x.zip::{XSS}/1.dcm"], "series": [],
         "values": [{"value": XSS, "count": 3}], "thumbnail": None, "patients": ["P1"],
         "matches": [{"text": "Kowalski", "kind": "name", "why": "the name of this file's patient (Patient 1)",
                      "patient": "P1"}]},
        {"id": "dates", "severity": "medium", "category": "dates", "title": "Dates present", "reason": "",
         "element": None, "files": 3, "entries": [], "locations": [], "series": [], "values": [],
         "thumbnail": None},
    ],
}


def test_the_html_report_shows_every_finding_as_inert_text():
    html = report_html(RESULT)
    assert "1 high, 1 medium" in html and "Patient&#x27;s Name present" in html and "Dates present" in html
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower() and "default-src 'none'" in html


def test_masking_hides_values_and_locations_but_not_the_findings():
    html = report_html(RESULT, masked=True)
    assert "onerror" not in html and MASK in html and "Patient&#x27;s Name present" in html
    assert "Kowalski" not in html and "the name of this file&#x27;s patient (Patient 1)" in html
    rows = list(csv.reader(io.StringIO(report_csv(RESULT, masked=True))))
    assert rows[1][8] == MASK and rows[1][10] == MASK and rows[1][11] == MASK and "Kowalski" not in str(rows)


def test_a_masked_report_keeps_no_name_id_date_accession_or_uid_anywhere():
    study_uid, series_uid = "2.25.1361266673832785141500", "2.25.9071188200000413"  # a UID can hold a time
    series = [{"study_uid": study_uid, "series_uid": series_uid, "description": "CT Kowalski"}]
    findings = [{**finding, "series": series} for finding in RESULT["findings"]]
    result = {**RESULT, "findings": findings,
              "patients": [{"key": "P1", "label": "Patient 1", "name": "Kowalski^Janina", "id": "MRN778812",
                            "birth_date": "19610523", "pseudonymous": False, "files": 3,
                            "studies": [{"uid": study_uid, "date": "20240102", "description": "CT",
                                         "accession": "ACC99812", "files": 3}]}],
              "provenance": {"inputs": [{"name": "Kowalski.zip", "size": 10, "sha256": "ab" * 32}],
                             "reviewed_at": "2026-12-01T10:00:00Z", "tool": "DICOM Peek 0.1.0", "table": "E.1-1",
                             "claimed": [], "verdict": "1 high, 1 medium"}}
    for text in (report_html(result, masked=True), report_csv(result, masked=True), json.dumps(masked_result(result))):
        for secret in ("Kowalski", "Janina", "MRN778812", "19610523", "ACC99812", "20240102", "onerror",
                       study_uid, series_uid):
            assert secret not in text, secret
        assert "ab" * 32 in text and "2026-12-01T10:00:00Z" in text and "Patient 1" in text


def test_the_csv_has_a_row_per_value_and_per_finding_without_values():
    rows = list(csv.reader(io.StringIO(report_csv(RESULT))))
    assert rows[0][:4] == ["severity", "category", "title", "tag"]
    assert rows[1][:5] == ["high", "element", "Patient's Name present", "(0010,0010)", "PatientName"]
    assert rows[1][7:10] == ["P1", XSS, "3"] and rows[1][11] == "Kowalski"
    assert rows[2][:3] == ["medium", "dates", "Dates present"] and rows[2][8] == ""


def test_the_html_report_groups_findings_by_severity_in_order():
    html = report_html(RESULT)
    assert html.index("<h2>High (1)</h2>") < html.index("<h2>Medium (1)</h2>")
    assert "<h2>Low" not in html and "0 low, 0 info" in html
