"""Identifying content: the patients' identities (by whole token, each patient's own) and
identifier patterns (dates, phone numbers, e-mail addresses, record numbers, addresses, name
cues) in any value, private values and entry paths included.

Removing the identifying elements alone would not hide who this is. Every match is high and
shows its text and why it matched; a value naming *another* patient of the pick is a finding of
its own, naming which. The identities are the review's :class:`~..identity.Identity`, learnt
from every file before the walk; a name found nested in a sequence adds to the file's patient
for the files after it (as it would for a person reading them in order). Entry paths are
searched at the end, with everything known, for identities, dates and name-shaped names.
"""

from __future__ import annotations

from collections.abc import Hashable

from dicompeek.index.indexer import OtherRecord
from dicompeek.privacy.content import hits, leaks_of, path_hits
from dicompeek.privacy.elements import CATEGORIES, DicomFile, Element, describe
from dicompeek.privacy.findings import JSON, File, Finding, MatchInfo, files_from_state, files_state
from dicompeek.privacy.identity import IDENTITY_TAGS
from dicompeek.privacy.protocol import Context, RuleBase
from dicompeek.tags.values import tag_text

_REASON = ("Found by whole word: {what}. Removing the identifying elements alone would not hide who this is.")


def clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class CrossField(RuleBase):
    name = "cross-field"
    looks_at = frozenset({*CATEGORIES, "private"})

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._paths: list[File] = []  # every entry, DICOM or not, in order
        self._version = 0

    def start_file(self, dicom: DicomFile) -> None:
        self._paths.append(dicom.file)
        self._version = self.context.identity.version

    def visit_other(self, other: OtherRecord, f: File) -> None:
        self._paths.append(f)

    def replay_key(self) -> Hashable:
        return self._version

    def visit_element(self, element: Element, f: File) -> None:
        facts, identity = self.context.facts, self.context.identity
        if facts.directory:
            return
        kind = IDENTITY_TAGS.get(element.tag)
        if kind and element.parents and not element.private and facts.patient is not None and element.text:
            # nested: the identity of someone the files after it may mention (never replayed)
            identity.learn(facts.patient.key, kind, element.text, found=True)
            return
        matches = hits(element, facts.patient, identity)
        if not matches:
            return
        if element.private:
            where = f"Private ({element.creator or 'no creator'}) {tag_text(element.tag)}"
        else:
            info = element.info
            where = f"{(info.name if info is not None else '') or describe(element.tag)} {tag_text(element.tag)}"
        info_ = {"tag": tag_text(element.tag), "keyword": element.info.keyword if element.info else "",
                 "name": where, "path": element.location}
        self._leak(element.path, where, matches, clip(element.shown), f, info_)

    def _leak(self, path: tuple[int, ...] | str, where: str, matches: tuple[MatchInfo, ...], value: str, f: File,
              element: dict[str, str] | None) -> None:
        patient = self.context.identity.patients.get(f.patient) if f.patient else None
        whose = leaks_of(matches, patient)
        identities = any(m["patient"] is not None for m in matches)
        category = "cross-field" if identities else "free-text"
        if whose == "other":
            title = f"Another patient's identity in {where}"
            what = "the identity of another patient in this pick"
        else:
            title = f"Identifying text in {where}"
            what = ", ".join(sorted({m["why"] for m in matches}))
        self.findings.hit(("leak", whose, path), f, value, "high", category, title,
                          _REASON.format(what=what), element, matches)

    def finish(self) -> list[Finding]:
        """The entry paths, searched with every identity known at the end."""
        identity = self.context.identity
        for f in self._paths:
            patient = identity.patients.get(f.patient) if f.patient else None
            matches = path_hits(f.location, patient, identity)
            if matches:
                self._leak("path", "file and folder names", matches, f.location, f, None)
        return self.findings.values()

    def state(self) -> JSON:
        return {**super().state(), "paths": files_state(self._paths)}

    def merge(self, state: JSON) -> None:
        super().merge(state)
        self._paths.extend(files_from_state(state["paths"]))
