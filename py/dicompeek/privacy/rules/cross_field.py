"""Cross-field leaks: the patient's identity (each part of the name of three letters or more
that is not a placeholder, the IDs, the birth date, the accession number) turning up anywhere
else: in every other text value, every private value (binary ones up to 64 KiB as Latin-1),
every sequence item and every zip entry path.

Removing the identifying elements alone would not hide who this is. The tokens are the
review's :class:`~..identity.Identity`, learnt from every file before the walk; a name found
nested in a sequence adds tokens for the files after it (as it would for a person reading them
in order), and the entry paths are searched at the end, with every token known.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from dicompeek.index.indexer import OtherRecord
from dicompeek.privacy.elements import CATEGORIES, TEXT_VRS, DicomFile, Element, describe
from dicompeek.privacy.findings import JSON, File, Finding, files_from_state, files_state
from dicompeek.privacy.identity import IDENTITY_TAGS, KIND_TEXT
from dicompeek.privacy.protocol import Context, RuleBase
from dicompeek.tags.values import tag_text

#: Binary private values up to this size are also searched (as Latin-1) for the patient's identity.
SEARCH_BINARY = 64 * 1024


def clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class CrossField(RuleBase):
    name = "cross-field"
    looks_at = frozenset({*CATEGORIES, "private"})

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._paths: list[File] = []  # every entry, DICOM or not, in order
        self._pattern: re.Pattern[str] | None = None  # the tokens known when the current file started
        self._version = 0

    def start_file(self, dicom: DicomFile) -> None:
        self._paths.append(dicom.file)
        identity = self.context.identity
        self._pattern, self._version = identity.pattern(), identity.version

    def visit_other(self, other: OtherRecord, f: File) -> None:
        self._paths.append(f)

    def replay_key(self) -> Hashable:
        return self._version

    def visit_element(self, element: Element, f: File) -> None:
        pattern = self._pattern
        if element.private:
            text = element.text if element.vr in TEXT_VRS else None
            value = element.value
            if text is None and isinstance(value, bytes) and len(value) <= SEARCH_BINARY:
                text = value.decode("latin-1")
            if text and pattern is not None:
                match = pattern.search(text)
                if match:
                    where = f"Private ({element.creator or 'no creator'}) {tag_text(element.tag)}"
                    self._leak(match, text, where, f, element)
            return
        text = element.text
        if text is None or pattern is None:
            return
        kind = IDENTITY_TAGS.get(element.tag)
        if kind is not None:  # the identity itself: nested, it names someone the files after it may mention
            if element.parents:  # nested: never replayed
                self.context.identity.learn(kind, text, found=True)
            return
        match = pattern.search(text)
        if match:
            info = element.info
            where = (info.name if info is not None else "") or f"{describe(element.tag)} {tag_text(element.tag)}"
            self._leak(match, text, where, f, element)

    def _leak(self, match: re.Match[str], text: str, where: str, f: File, element: Element | None) -> None:
        kind = self.context.identity.kind_of(match.group(0))
        info = None if element is None else {"tag": tag_text(element.tag), "keyword": "", "name": where,
                                             "path": element.location}
        key = ("leak", kind, element.path if element is not None else "path")
        self.findings.hit(key, f, clip(text), "high", "cross-field", f"{KIND_TEXT[kind]} appears in {where}",
                          f"“{match.group(0)}” from the patient's identifying elements turns up here: removing those "
                          "elements alone would not hide who this is.", info)

    def finish(self) -> list[Finding]:
        """The entry paths, searched with every token known at the end."""
        pattern = self.context.identity.pattern()
        if pattern is not None:
            for f in self._paths:
                match = pattern.search(f.location)
                if match:
                    self._leak(match, f.location, "file and folder names", f, None)
        return self.findings.values()

    def state(self) -> JSON:
        return {**super().state(), "paths": files_state(self._paths)}

    def merge(self, state: JSON) -> None:
        super().merge(state)
        self._paths.extend(files_from_state(state["paths"]))
