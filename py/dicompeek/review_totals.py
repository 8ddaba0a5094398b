"""The privacy review's totals: what can only be judged once every file has been seen.

Per-series pixel risk, the date range, patients across files, the patient's identity in
entry paths, and the wording of findings that depend on totals; then the verdict.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .review_findings import Finding
from .review_rules import leak_pattern

if TYPE_CHECKING:
    from .review import Reviewer


def finish_report(reviewer: Reviewer) -> dict[str, Any]:
    from .review import SCHEMA_VERSION

    _claims(reviewer)
    _private(reviewer)
    _pixels(reviewer)
    _dates(reviewer)
    _consistency(reviewer)
    _paths(reviewer)
    findings = sorted(reviewer._findings.values(), key=Finding.sort_key)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("high", "medium", "low", "info")}
    flagged = [f"{counts[s]} {s}" for s in ("high", "medium", "low") if counts[s]]
    descriptions = {key: s["description"] for key, s in reviewer._series.items()}
    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": ", ".join(flagged) if flagged else "No identifying data found",
        "counts": counts,
        "profile": {"edition": reviewer.profile.edition, "title": reviewer.profile.title},
        "files_reviewed": reviewer.files,
        "values_masked_by_default": False,
        "findings": [f.as_dict(descriptions) for f in findings],
    }


def _claims(reviewer: Reviewer) -> None:
    finding = reviewer._findings.get(("claim", "identity-removed"))
    if finding is None:
        return
    values = finding.values
    if set(values) == {"YES"}:
        finding.title = "Says de-identified: Patient Identity Removed is YES"
        finding.reason = "A claim, checked against what is present by the other findings."
    elif "YES" in values:
        finding.severity = "medium"
        finding.title = "Only some files say they are de-identified"
        finding.reason = "Patient Identity Removed (0012,0062) is YES in some files and not in others: the zip mixes " \
                         "de-identified and original files, or the de-identification stopped part way."
    else:
        finding.severity = "low"
        finding.title = "No de-identification claim"
        finding.reason = "Patient Identity Removed (0012,0062) is absent or NO: nothing says these files were " \
                         "de-identified, so expect original identifiers."


def _private(reviewer: Reviewer) -> None:
    blocks = [(key, f) for key, f in reviewer._findings.items() if key[0] == "private" and len(key) == 3]
    total = 0
    for (_, group, creator), finding in blocks:
        elements = finding.extra.get("elements", 0)
        total += elements
        finding.title = f"Private block “{creator or 'no creator'}” in group {group:04X}: {elements} elements"
        finding.reason = ("Private elements are the vendor's own; what they hold is undocumented here. The basic "
                          "profile removes them all (X); the Retain Safe Private Option keeps only those known to be "
                          "safe, and this review has no safe-private list, so this block counts as unknown.")
        finding.element = {"tag": f"({group:04X},00xx)", "keyword": "PrivateCreator",
                           "name": f"Private Creator {creator}", "path": finding.extra.get("path", "")}
    for key, finding in reviewer._findings.items():
        if key[0] == "private-blob":
            finding.title += f", {finding.extra.get('bytes', 0):,} bytes"
    summary = reviewer._findings.get(("private", "summary"))
    if summary is not None:
        summary.title = f"{total} private elements in {len(blocks)} private blocks"
        summary.reason = "Known-safe vs unknown cannot be told apart: no safe-private list ships with this review."


def _pixels(reviewer: Reviewer) -> None:
    for key, series in reviewer._series.items():
        thumbnail = {"entry": series["entry"], "frame": 0} if series["images"] else None
        uid = key[1] or "none"
        burned = series["burned"]
        checks = [
            (burned["YES"], "high", "burned-in", "Burned In Annotation is YES",
             "The file says text is burned into the pixels (often the name, ID and date): check the images."),
            (series["recognizable"]["YES"], "high", "recognizable", "Recognizable Visual Features is YES",
             "The pixels show something that can identify the person (a face, a tattoo)."),
            (series["overlay"], "medium", "overlay", "Overlays present (60xx,3000)",
             "Overlay planes are drawn over the image and can carry text or marks; E.1-1 removes them (X)."),
            (series["icon"], "medium", "icon", "Icon Image Sequence present (0088,0200)",
             "A small copy of the image, burned-in text included; E.1-1 removes it (X)."),
        ]
        if series["risk"] and series["images"] and burned[""]:
            checks.append((burned[""], "medium", "burned-in-missing",
                           f"Burned In Annotation not stated on {series['risk']} images",
                           "Images of this kind usually have text burned in (names, IDs, dates on the screen); "
                           "(0028,0301) is absent, so nothing says they were checked."))
        for count, severity, kind, title, reason in checks:
            if not count:
                continue
            finding = reviewer._findings[("pixels", kind, uid)] = Finding(
                f"pixels:{kind}:{uid}", severity, "pixels", f"{title} ({series.get('modality') or 'no modality'})",
                reason)
            for f in series["files"]:
                finding.hit(f)
            finding.files = count
            finding.thumbnail = thumbnail


def _dates(reviewer: Reviewer) -> None:
    dates = reviewer._dates
    summary = reviewer._findings.get(("dates-summary",))
    if not dates:
        reviewer._findings[("dates-summary",)] = Finding(
            "dates-summary", "info", "dates", "No dates present",
            "No date element (DA/DT) has a value, apart from any birth date reported on its own.")
        return
    first, last = min(dates), max(dates)
    years = {d[:4] for d in dates}
    today = date.today().strftime("%Y%m%d")
    odd = [d for d in dates if d < "19000101" or d > today]
    if summary is None:
        return
    summary.title = f"Dates from {first[:4]}-{first[4:6]}-{first[6:]} to {last[:4]}-{last[4:6]}-{last[6:]}"
    summary.reason = "Dates as found; whether they are real or shifted cannot be told for certain."
    if odd or (len(years) == 1 and first < "19500101"):
        summary.severity = "low"
        summary.title += ": they look shifted"
        summary.reason = ("Dates before 1900, in the future or all in one implausible year are usually shifted by a "
                          "de-identification tool; if they are real they are quasi-identifiers.")


def _consistency(reviewer: Reviewer) -> None:
    people = reviewer._people
    patients: dict[tuple[str, str], list] = {}
    for (pid, name, _), files in people.items():
        patients.setdefault((pid, name), []).extend(files)
    if len(patients) > 1:
        _group(reviewer, ("consistency", "patients"), "medium", f"{len(patients)} patients in this zip",
               "More than one person's data: check that each was meant to be sent.",
               {f"{name} / {pid}": files for (pid, name), files in patients.items()})
    by_id: dict[str, dict[str, list]] = {}
    for (pid, name, birth), files in people.items():
        if pid:
            by_id.setdefault(pid, {})[f"{name} / {birth}"] = files
    for n, (pid, variants) in enumerate(sorted(by_id.items()), 1):
        if len(variants) > 1:
            _group(reviewer, ("consistency", "same-id", n), "medium",
                   "The same Patient ID with different names or birth dates",
                   "One ID, several people or spellings: files from different patients may have been mixed, or "
                   "a de-identification replaced names inconsistently.", variants)
    for n, (study, variants) in enumerate(sorted(reviewer._studies.items()), 1):
        if len(variants) > 1:
            _group(reviewer, ("consistency", "study", n), "medium", "One study with different patient data",
                   "Files of the same Study Instance UID disagree on the patient (ID, name or birth date).",
                   {" / ".join(v): people.get(v, []) for v in variants})


def _group(reviewer: Reviewer, key: tuple, severity: str, title: str, reason: str, groups: dict[str, list]) -> None:
    finding = reviewer._findings[key] = Finding(":".join(str(k) for k in key), severity, "consistency", title, reason)
    for value, files in groups.items():
        for f in files:
            finding._last = None
            finding.hit(f, value)
    finding.files = len({f.entry for files in groups.values() for f in files})


def _paths(reviewer: Reviewer) -> None:
    pattern = leak_pattern(reviewer._tokens)
    if pattern is None:
        return
    for f in reviewer._paths:
        match = pattern.search(f.location)
        if match:
            reviewer._leak(match, f.location, None, "file and folder names", (), "", f)
