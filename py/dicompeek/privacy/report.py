"""The privacy review as files to keep or pass on: a self-contained HTML page and a CSV.

Both are made from the review's JSON result (:func:`.reviewer.review`), so every
export says the same. The HTML page loads nothing, runs nothing (its own Content-Security-Policy
forbids both) and prints well; every string from a file is escaped. ``masked=True`` replaces
values and locations with :data:`MASK`, for screen sharing or for sending the report itself:
the findings, their elements and counts stay.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from dicompeek.privacy.findings import SEVERITIES

MASK = "•••"
CSV_HEADER = ("severity", "category", "title", "tag", "keyword", "path", "files", "value", "count", "first location")

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
            + (" Values and locations are masked." if masked else "")) + "</p>",
    ]
    findings = result.get("findings", [])
    for severity in SEVERITIES:
        group = [f for f in findings if f.get("severity") == severity]
        if group:
            parts.append(f"<h2>{escape(severity.capitalize())} ({len(group)})</h2>")
            parts.extend(_finding_html(f, masked) for f in group)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _finding_html(finding: dict[str, Any], masked: bool) -> str:
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
    out.append(f"<p class=\"meta\">{escape(where)}</p>")
    values = finding.get("values") or []
    if values:
        items = "".join(f"<li>{escape(MASK if masked else str(v.get('value', '')))} "
                        f"<span class=\"meta\">×{int(v.get('count', 0))}</span></li>" for v in values)
        out.append(f"<p>Values:</p><ul>{items}</ul>")
    series = finding.get("series") or []
    if series:
        items = "".join(f"<li>{escape(MASK if masked else (s.get('description') or s.get('series_uid') or ''))}</li>"
                        for s in series)
        out.append(f"<p>Series:</p><ul>{items}</ul>")
    locations = finding.get("locations") or []
    if locations:
        items = "".join(f"<li>{escape(MASK if masked else str(loc))}</li>" for loc in locations)
        out.append(f"<details><summary>Where</summary><ul>{items}</ul></details>")
    out.append("</section>")
    return "".join(out)


def report_csv(result: dict[str, Any], *, masked: bool = False) -> str:
    """One row per value of each finding (one row for a finding without values)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for finding in result.get("findings", []):
        element = finding.get("element") or {}
        locations = finding.get("locations") or []
        first = (MASK if masked else locations[0]) if locations else ""
        head = [finding.get("severity", ""), finding.get("category", ""), finding.get("title", ""),
                element.get("tag", ""), element.get("keyword", ""), element.get("path", ""),
                finding.get("files", 0)]
        values = finding.get("values") or []
        if not values:
            writer.writerow([*head, "", "", first])
        for value in values:
            writer.writerow([*head, MASK if masked else value.get("value", ""), value.get("count", 0), first])
    return buffer.getvalue()
