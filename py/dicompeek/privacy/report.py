"""The privacy review as files to keep or pass on: a self-contained HTML page and a CSV.

Both are made from the review's JSON result (:func:`.reviewer.review`), so every
export says the same, provenance first (inputs with their SHA-256, date, version, table,
claims, verdict). The HTML page loads nothing, runs nothing (its own Content-Security-Policy
forbids both) and prints well; every string from a file is escaped. ``masked=True`` replaces
everything that came from a file with :data:`MASK` (values, matching texts, locations, series
descriptions, patients' names, IDs and dates, input names), for screen sharing or for sending
the report itself: titles and reasons never hold a value, so the findings, their elements,
why they matched and the counts stay.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from dicompeek.privacy.findings import SEVERITIES

MASK = "•••"
CSV_HEADER = ("severity", "category", "title", "tag", "keyword", "path", "files", "patients", "value", "count",
              "first location", "matching text", "why it matched")

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111;padding:0 1em}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #ccc}
.meta{color:#555}.verdict{font-size:1.2em;font-weight:600;margin:.6em 0}
.finding{border-left:4px solid #999;padding:.3em .8em;margin:.6em 0;break-inside:avoid}
.high{border-color:#b00020}.medium{border-color:#c77700}.low{border-color:#2f6fb0}.info{border-color:#888}
.finding h3{font-size:1em;margin:0}.finding p{margin:.2em 0}code{font-size:.95em}
ul{margin:.2em 0 .2em 1.2em;padding:0}li{word-break:break-all}
@media print{body{margin:0;max-width:none}}
"""


def report_html(result: dict[str, Any], *, masked: bool = False, title: str = "Privacy review") -> str:
    """The whole review as one HTML page that needs nothing else to be read or printed."""
    counts = result.get("counts", {})
    profile = result.get("profile", {})
    if masked:
        result = masked_result(result)
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class=\"verdict\">{escape(str(result.get('verdict', '')))}</p>",
        "<p class=\"meta\">" + escape(
            f"{result.get('files_reviewed', 0)} DICOM file(s) reviewed; "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
            + f". Rules: {profile.get('title', '')} ({profile.get('edition', '')})."
            + (" Patient data is hidden: every value from the files is masked." if masked else "")) + "</p>",
        "<p class=\"meta\">" + escape(str((result.get("burned_in") or {}).get("said", ""))) + "</p>",
        _provenance_html(result.get("provenance")),
        _patients_html(result.get("patients") or []),
    ]
    findings = result.get("findings", [])
    for severity in SEVERITIES:
        group = [f for f in findings if f.get("severity") == severity]
        if group:
            parts.append(f"<h2>{escape(severity.capitalize())} ({len(group)})</h2>")
            parts.extend(_finding_html(f) for f in group)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _provenance_html(provenance: dict[str, Any] | None) -> str:
    if not provenance:
        return ""
    inputs = "".join(f"<li>{escape(_text(i.get('name')))}: {int(i.get('size') or 0):,} bytes, SHA-256 "
                     f"<code>{escape(str(i.get('sha256') or 'not computed (a folder)'))}</code></li>"
                     for i in provenance.get("inputs", []))
    claimed = ", ".join(provenance.get("claimed") or []) or "no de-identification claimed"
    return ("<h2>Provenance</h2><ul>" + inputs +
            f"<li>Reviewed {escape(str(provenance.get('reviewed_at', '')))} by "
            f"{escape(str(provenance.get('tool')))}</li>"
            f"<li>Rules: {escape(str(provenance.get('table', '')))}</li>"
            f"<li>The files claim: {escape(claimed)}</li>"
            f"<li>Verdict: {escape(str(provenance.get('verdict', '')))}</li></ul>")


def _patients_html(patients: list[dict[str, Any]]) -> str:
    if not patients:
        return ""
    rows = "".join(
        f"<li>{escape(str(p.get('label', '')))}: {escape(_text(p.get('name')))} / {escape(_text(p.get('id')))}"
        f"{' (pseudonymous)' if p.get('pseudonymous') else ''}, {int(p.get('files') or 0)} file(s), "
        f"{len(p.get('studies') or [])} study(ies)</li>" for p in patients)
    return f"<h2>Patients ({len(patients)})</h2><ul>{rows}</ul>"


def _finding_html(finding: dict[str, Any]) -> str:
    severity = str(finding.get("severity", "info"))
    out = [f"<section class=\"finding {escape(severity)}\">",
           f"<h3>{escape(str(finding.get('title', '')))}</h3>"]
    element = finding.get("element")
    if element:
        out.append(f"<p><code>{escape(str(element.get('path') or element.get('tag', '')))}</code> "
                   f"{escape(str(element.get('keyword') or element.get('name') or ''))}</p>")
    if finding.get("reason"):
        out.append(f"<p>{escape(str(finding['reason']))}</p>")
    where = f"{finding.get('files', 0)} file(s)"
    if finding.get("distinct_values"):
        where += f", {finding['distinct_values']} distinct value(s)"
    if finding.get("patients"):
        where += f"; patients {', '.join(str(p) for p in finding['patients'])}"
    out.append(f"<p class=\"meta\">{escape(where)}</p>")
    out.append(_listed("What matched", [f"<mark>{escape(_text(m.get('text')))}</mark>: "
                                        f"{escape(str(m.get('why', '')))}" for m in finding.get("matches") or []]))
    out.append(_listed("Values", [f"{escape(_text(v.get('value', '')))} <span class=\"meta\">×{int(v.get('count', 0))}"
                                  "</span>" for v in finding.get("values") or []]))
    out.append(_listed("Series", [escape(_text(s.get("description") or s.get("series_uid") or ""))
                                  for s in finding.get("series") or []]))
    locations = [escape(_text(loc)) for loc in finding.get("locations") or []]
    if locations:
        out.append(f"<details><summary>Where</summary><ul>{''.join(f'<li>{x}</li>' for x in locations)}</ul></details>")
    out.append("</section>")
    return "".join(out)


def _listed(heading: str, items: list[str]) -> str:
    """A heading and a list of items (already escaped), or nothing for no items."""
    if not items:
        return ""
    return f"<p>{heading}:</p><ul>{''.join(f'<li>{item}</li>' for item in items)}</ul>"


def report_csv(result: dict[str, Any], *, masked: bool = False) -> str:
    """One row per value of each finding (one row for a finding without values)."""
    if masked:
        result = masked_result(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    provenance = result.get("provenance") or {}
    for item in provenance.get("inputs", []):
        writer.writerow([f"# input: {_text(item.get('name'))}", item.get("size", ""), item.get("sha256") or ""])
    for key in ("reviewed_at", "tool", "table", "verdict"):
        if key in provenance:
            writer.writerow([f"# {key}: {provenance[key]}"])
    if provenance:
        writer.writerow([f"# claimed: {', '.join(provenance.get('claimed') or []) or 'nothing'}"])
    writer.writerow(CSV_HEADER)
    for finding in result.get("findings", []):
        element = finding.get("element") or {}
        locations = finding.get("locations") or []
        first = _text(locations[0]) if locations else ""
        head = [finding.get("severity", ""), finding.get("category", ""), finding.get("title", ""),
                element.get("tag", ""), element.get("keyword", ""), element.get("path", ""),
                finding.get("files", 0), " ".join(finding.get("patients") or [])]
        matches = finding.get("matches") or []
        matching = "; ".join(_text(m.get("text")) for m in matches)
        why = "; ".join(str(m.get("why", "")) for m in matches)
        values = finding.get("values") or []
        if not values:
            writer.writerow([*head, "", "", first, matching, why])
        for value in values:
            writer.writerow([*head, _text(value.get("value", "")), value.get("count", 0), first, matching, why])
    return buffer.getvalue()


def masked_result(result: dict[str, Any]) -> dict[str, Any]:
    """The review with everything that came from a file replaced by :data:`MASK`: what the masked
    JSON, HTML and CSV are made from, so that the fields hidden are listed here only."""
    copy: dict[str, Any] = json.loads(json.dumps(result))
    for patient in copy.get("patients", []):
        patient.update(name=MASK, id=MASK, birth_date=MASK)
        for study in patient.get("studies", []):
            study.update(uid=MASK, date=MASK, description=MASK, accession=MASK)
    for item in (copy.get("provenance") or {}).get("inputs", []):
        item["name"] = MASK
    for finding in copy.get("findings", []):
        finding["values"] = [{**v, "value": MASK} for v in finding.get("values") or []]
        finding["matches"] = [{**m, "text": MASK} for m in finding.get("matches") or []]
        finding["locations"] = [MASK for _ in finding.get("locations") or []]
        finding["series"] = [{**s, "study_uid": MASK, "series_uid": MASK, "description": MASK}
                             for s in finding.get("series") or []]
    copy["values_masked"] = True
    return copy
