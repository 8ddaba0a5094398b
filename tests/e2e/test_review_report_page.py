"""The privacy review's report in the page, on reports made up here (schema_version 2, as
py/dicompeek/privacy/reviewer.py documents it): what the report describes, the overview per
patient and study, matches with their reasons, the filters, and a report of 1,000 findings
over 10,000 files staying usable (groups laid out lazily, lists paged)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

SEVERITIES = ["high", "medium", "low", "info"]
FULL_DATES = "Retain Longitudinal Temporal Information With Full Dates Option"
CATEGORIES = ["element", "free-text", "cross-field", "private", "dates"]


def made_up_report(findings: int = 1000, values: int = 150, locations: int = 300,
                   patients: int = 3, elements: int = 200) -> dict:
    """Findings cycle through severities, categories, patients (each with two studies of two
    series) and ``elements`` elements; every tenth names no element (grouped by category)."""
    people: list[dict[str, Any]] = [{
        "key": f"P{p + 1}", "label": f"Patient {p + 1}", "name": f"SURNAME{p}^GIVEN{p}", "id": f"MRN-{p:04d}",
        "birth_date": f"198{p}0101", "pseudonymous": p == 2, "files": 10_000 // patients,
        "studies": [{"uid": f"1.2.826.9.{p}.{s}", "date": f"2023{p + 1:02d}{s + 10}",
                     "description": f"CT OF SURNAME{p}", "accession": f"ACC{p}{s}X",
                     "files": 10_000 // patients // 2} for s in range(2)],
    } for p in range(patients)]
    made = []
    for n in range(findings):
        p = n % patients
        study = people[p]["studies"][n // patients % 2]
        series = {"study_uid": study["uid"], "series_uid": f"{study['uid']}.{n // 7 % 2}",
                  "description": f"SERIES {n // 7 % 2} OF SURNAME{p}"}
        element = None if n % 10 == 9 else {
            "tag": f"(0011,{0x1000 + n % elements:04X})", "keyword": "", "name": f"Element {n % elements}",
            "path": f"(0011,{0x1000 + n % elements:04X})"}
        made.append({
            "id": f"finding-{n}", "severity": SEVERITIES[n % 4], "category": CATEGORIES[n % 5],
            "title": f"Finding {n}", "reason": f"Reason {n}", "element": element, "files": 2000,
            "entries": [], "distinct_values": values + 5,
            "locations": [f"export.zip::SURNAME{p}/IM{k:05d}" for k in range(locations)],
            "series": [series], "values": [{"value": f"value {k} of SURNAME{p}", "count": 3} for k in range(values)],
            "thumbnail": None, "patients": [f"P{p + 1}"],
            "matches": [{"text": f"SURNAME{p}", "kind": "name", "why": f"a name part of Patient {p + 1}",
                         "patient": f"P{p + 1}"}],
        })
    counts = Counter(f["severity"] for f in made)
    return {
        "schema_version": 2, "verdict": ", ".join(f"{counts[s]} {s}" for s in SEVERITIES[:3]),
        "counts": {s: counts[s] for s in SEVERITIES}, "profile": {"edition": "2024c", "title": "PS3.15 E.1-1"},
        "files_reviewed": 10_000, "patients": people, "findings": made,
        "provenance": {
            "inputs": [{"name": "export-SURNAME0.zip", "size": 1_048_576, "sha256": "ab" * 32},
                       {"name": "loose-file.dcm", "size": 512, "sha256": None}],
            "reviewed_at": "2026-01-02T03:04:05Z", "tool": "DICOM Peek 0.1.0", "table": "DICOM PS3.15 2024c",
            "claimed": ["Basic Application Level Confidentiality Profile", FULL_DATES],
            "verdict": "made up",
        },
    }


SHOW = """report => {
  const started = performance.now();
  document.getElementById('review').dispatchEvent(new CustomEvent('review:show', {detail: report}));
  return performance.now() - started;
}"""


@pytest.fixture
def shown(clean_app):
    clean_app.open_demo()  # the review panel belongs to a summary
    yield clean_app
    page = clean_app.page
    if page.is_checked("#hide-patient-data"):
        page.uncheck("#hide-patient-data")


def shown_count(page) -> str:
    return page.text_content("#review-shown")


def test_a_report_of_a_thousand_findings_is_laid_out_lazily_and_filters_combine(shown):
    page = shown.page
    report = made_up_report()
    milliseconds = page.evaluate(SHOW, report)
    assert milliseconds < 2000, milliseconds
    groups = page.locator("details.review-group")
    keys = {f"element:{f['element']['path']}" if f["element"] else f"category:{f['category']}"
            for f in report["findings"]}
    assert groups.count() == len(keys) > 100  # by element, and the findings without one by category
    assert page.locator(".review-finding").count() == 0 and shown_count(page) == "1,000 findings"

    first = groups.first
    first.locator("summary").click()
    findings = first.locator(".review-finding")
    findings.first.wait_for()  # laid out on the group's "toggle" event
    assert findings.count() == len([f for f in report["findings"]
                                    if f["element"] and f["element"]["path"] == first.get_attribute("data-key")[8:]])
    assert page.locator(".review-finding").count() == findings.count()  # only the group opened
    values = findings.first.locator(".review-value-list li")
    assert values.count() == 20
    findings.first.locator(".review-value-list .review-more", has_text="Show 20 more values").click()
    assert values.count() == 40
    findings.first.locator(".review-value-list .review-more", has_text="Show all 150 values").click()
    assert values.count() == 150 and not findings.first.locator(".review-value-list .review-more").first.is_visible()
    assert findings.first.locator(".review-where li").count() == 20  # locations paged too

    # each filter, and all of them at once
    def expected(test) -> int:
        return sum(1 for f in report["findings"] if test(f))

    page.uncheck("#review-filter-severity input[value='info']")
    assert shown_count(page) == f"Showing {expected(lambda f: f['severity'] != 'info'):,} of 1,000 findings"
    page.select_option("#review-filter-category", "cross-field")
    page.select_option("#review-filter-patient", "P2")
    series = "1.2.826.9.1.0.1"
    page.select_option("#review-filter-series", series)
    want = expected(lambda f: f["severity"] != "info" and f["category"] == "cross-field" and "P2" in f["patients"]
                    and f["series"][0]["series_uid"] == series)
    assert 0 < want < 100 and shown_count(page) == f"Showing {want} of 1,000 findings"
    page.click("#review-expand")
    assert page.locator(".review-finding").count() == want
    categories = page.eval_on_selector_all(".review-finding", "n => n.map(e => e.dataset.category)")
    assert set(categories) == {"cross-field"}
    for select in ("#review-filter-category", "#review-filter-patient", "#review-filter-series"):
        page.select_option(select, "")
    page.check("#review-filter-severity input[value='info']")
    assert shown_count(page) == "1,000 findings"
    page.click("#review-collapse")


def test_the_overview_provenance_and_matches_and_all_of_it_hidden(shown):
    page = shown.page
    report = made_up_report(findings=40, values=3, locations=3)
    page.evaluate(SHOW, report)
    provenance = page.inner_text("#review-provenance")
    for text in ("export-SURNAME0.zip", "1.0 MB", "ab" * 32, "SHA-256 not computed", "2026-01-02T03:04:05Z",
                 "DICOM Peek 0.1.0", "DICOM PS3.15 2024c", FULL_DATES):
        assert text in provenance, text
    tables = page.locator("#review-overview table")
    captions = tables.locator("caption").all_text_contents()
    assert captions == ["By category", "By patient", "By study"]
    patient_rows = tables.nth(1).locator("tbody tr")
    assert patient_rows.count() == 3
    first = patient_rows.first.locator("th, td").all_text_contents()
    highs = sum(1 for f in report["findings"] if "P1" in f["patients"] and f["severity"] == "high")
    assert first[0] == "Patient 1 · SURNAME0^GIVEN0" and first[2] == str(highs)
    assert "(pseudonym)" in patient_rows.nth(2).text_content()
    assert tables.nth(2).locator("tbody tr").count() == 6
    assert "ACC00X" in tables.nth(2).text_content()
    page.click("#review-expand")
    match = page.locator(".review-finding.high .review-matches li").first
    assert match.locator("q").text_content() == "SURNAME0" and "a name part of Patient 1" in match.text_content()

    page.check("#hide-patient-data")
    text = page.evaluate("() => { const review = document.getElementById('review');"
                         " return review.innerText + review.textContent"
                         " + [...review.querySelectorAll('option')].map(o => o.textContent).join(' '); }")
    leaked = set(re.findall(r"SURNAME\d|GIVEN\d|MRN-\d+|ACC\d+X|198\d0101|2023\d{4}", text))
    assert not leaked, leaked
    assert tables.nth(1).locator("tbody tr").first.locator("th").text_content() == "Patient 1"
    assert page.locator(".review-finding.high .review-matches q").first.text_content() == "•••"
    assert "export-•••.zip" in page.inner_text("#review-provenance")
