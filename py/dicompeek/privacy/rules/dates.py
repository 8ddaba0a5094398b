"""Dates: every DA/DT/TM value is a quasi-identifier (with the birth date a direct one); the
range of all dates (except birth dates, which are identifying elements) is reported once, and
flagged when it looks shifted (before 1900, in the future, or all in one implausible year).

A realistic date shift cannot be told from real dates, so the range is shown, not judged.
The dates are kept as a count per day, which merges by adding.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from dicompeek.privacy.elements import Element, count_element, judge
from dicompeek.privacy.findings import JSON, File, Finding
from dicompeek.privacy.identity import is_dummy
from dicompeek.privacy.profile import action_text
from dicompeek.privacy.protocol import Context, RuleBase

_WHY = "A date or time: a quasi-identifier, and with the birth date a direct one"


class Dates(RuleBase):
    name = "dates"
    looks_at = frozenset({"dates"})

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._days: Counter[str] = Counter()  # YYYYMMDD of every DA/DT value

    def visit_element(self, element: Element, f: File) -> None:
        facts = self.context.facts
        if facts.directory or element.info is None:
            return
        text = element.shown
        if element.vr != "TM":
            for part in text.split("\\"):
                if len(part) >= 8 and part[:8].isdigit():
                    self._count(f, part[:8])
                    self.context.recorder.record(self._count, part[:8])
        self.findings.hit(("dates-summary",), f, None, "info", "dates", "", "")
        claims = facts.claims
        kept = claims.dates_kept
        if kept is not None:
            severity, why = "info", f"Kept as the claimed {kept} allows."
        elif is_dummy(text):
            severity, why = "info", "Empty or a dummy date."
        else:
            severity, why = judge(element.info, text, claims)
            if severity != "info" and not claims.deidentified:
                why = f"{_WHY}; {action_text(element.info.action)}."
        count_element(self.findings, element, f, text, severity, why)

    def _count(self, f: File, day: str) -> None:
        self._days[day] += 1

    def finish(self) -> list[Finding]:
        days = self._days
        if not days:
            self.findings.put(("dates-summary",), Finding(
                "dates-summary", "info", "dates", "No dates present",
                "No date element (DA/DT) has a value, apart from any birth date reported on its own."))
            return self.findings.values()
        summary = self.findings.get(("dates-summary",))
        if summary is None:
            return self.findings.values()
        first, last = min(days), max(days)
        years = {d[:4] for d in days}
        today = date.today().strftime("%Y%m%d")
        odd = [d for d in days if d < "19000101" or d > today]
        summary.title = f"Dates over {len(years)} year(s)"
        summary.reason = "Dates as found; whether they are real or shifted cannot be told for certain."
        summary.values = {f"{first[:4]}-{first[4:6]}-{first[6:]} to {last[:4]}-{last[4:6]}-{last[6:]}": len(days)}
        if odd or (len(years) == 1 and first < "19500101"):
            summary.title += ": they look shifted"
            summary.reason = ("Dates before 1900, in the future or all in one implausible year are usually shifted "
                              "by a de-identification tool; if they are real they are quasi-identifiers.")
        return self.findings.values()

    def state(self) -> JSON:
        return {**super().state(), "days": dict(self._days)}

    def merge(self, state: JSON) -> None:
        super().merge(state)
        self._days.update(state["days"])
