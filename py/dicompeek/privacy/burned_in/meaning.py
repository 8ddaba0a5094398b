"""What words read in the pixels mean: the patient's identity or an identifier pattern (high,
with the text and its box), other legible text in an image that should hold none (medium), or
the labels every scanner burns in (info).

Words are put back into lines (a banner reads "KOWALSKI^JANINA  MRN778812  23.05.1961"), and
each line is searched as the headers are (:meth:`~..identity.Identity.near`, which forgives one
misread per word, and :func:`~..patterns.identifiers_in`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from dicompeek.privacy.burned_in.engine import Word
from dicompeek.privacy.content import identity_why
from dicompeek.privacy.identity import Identity, Match, Patient, ocr_close, tokens
from dicompeek.privacy.patterns import identifiers_in

#: Words below this confidence are not counted as legible text on their own.
LEGIBLE = 60.0
#: Labels ultrasound and fluoroscopy screens carry whatever the patient: probe, mode, power,
#: scale and orientation marks. A line of only these, numbers and units is harmless.
LABELS = frozenset(" ".join((
    "a p r l s i h f ap pa lat lao rao cran caud sup inf ant post left right rt lt",
    "tis tib tic mi gn gain frq freq dr fr fps hz khz mhz db cm mm s ms bpm map res pwr prf wf wall depth",
    "b m d cf pw cw 2d 3d 4d b-mode m-mode thi harm gen pen fsc sv ang flow angle pk sd rs ps ed vel cine",
    "zoom scale ref kv kvp ma mas mgy gy dap time dyn med adv pen gen general sag trans tran long cor ax",
    # the presets and regions a sonographer picks: what was scanned, not who
    "abd abdomen breast liver renal kidney thyroid carotid cardiac vasc vascular msk ob gyn pelvis bladder",
    "prostate testis neck small parts superficial venous arterial lower upper extremity")).split())
#: Words of an institution's name that do not tell which one it is.
INSTITUTION_WORDS = frozenset(" ".join((
    "the of and for de der des la le du di del st saint san sankt hospital hospitals clinic clinics klinik",
    "klinikum center centre medical medicine health healthcare university universitair universitaire",
    "universitat universitätsklinikum general regional memorial community children childrens women",
    "radiology imaging diagnostic diagnostics institute department dept campus site inc ltd gmbh llc")).split())
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?(?:cm|mm|db|hz|khz|mhz|s|ms|%|x|°)?$", re.I)


@dataclass(slots=True)
class ReadLine:
    """One line of burned-in text and what it means."""

    text: str
    severity: str  # "high" | "medium" | "info"
    why: str
    box: tuple[int, int, int, int]  # x, y, width, height in the frame's pixels
    matches: list[dict[str, object]] = field(default_factory=list)


def lines_of(words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines: each word joins the line whose vertical middle it shares."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.y, w.x)):
        middle = word.y + word.height / 2
        for line in lines:
            first = line[0]
            if first.y <= middle <= first.y + first.height:
                line.append(word)
                break
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.x) for line in lines]


def institution_words(name: str) -> list[str]:
    """The words that tell which institution ``name`` is ("St Elsewhere Hospital" → ["elsewhere"])."""
    return [w for w in tokens(name) if len(w) >= 3 and not w.isdigit() and w not in INSTITUTION_WORDS]


def _names_institution(line: str, words: list[str]) -> bool:
    """Every telling word of an institution's name read in ``line`` (one misread forgiven each)."""
    read = tokens(line)
    return bool(words) and all(any(ocr_close(w, r) for r in read) for w in words)


def judge_words(words: list[Word], scale: int, patient: Patient | None, identity: Identity,
                institution: str = "") -> list[ReadLine]:
    """Every line of ``words`` (read from an image enlarged ``scale`` times) with what it means;
    ``institution``: the file's Institution Name, which a banner often shows."""
    telling = institution_words(institution)
    judged = []
    for line in lines_of([w for w in words if w.text.strip()]):
        text = " ".join(w.text.strip() for w in line)
        x0, y0 = min(w.x for w in line), min(w.y for w in line)
        x1, y1 = max(w.x + w.width for w in line), max(w.y + w.height for w in line)
        box = (x0 // scale, y0 // scale, max(1, (x1 - x0) // scale), max(1, (y1 - y0) // scale))
        found = identity.near(text)
        for left, right in pairwise(line):  # OCR splits a word: "MRN7 78812"
            found += [Match(f"{left.text} {right.text}", m.kind, m.patient)
                      for m in identity.near(left.text.strip() + right.text.strip())]
        matches: list[dict[str, object]] = [
            {"text": m.text, "kind": m.kind, "patient": m.patient, "why": identity_why(m, patient, identity)}
            for m in found]
        matches += [{"text": h.text, "kind": h.kind, "patient": None, "why": h.why} for h in identifiers_in(text)]
        if _names_institution(text, telling):
            matches.append({"text": text, "kind": "institution", "patient": None,
                            "why": "the institution the header names (Institution Name)"})
        if matches:
            judged.append(ReadLine(text, "high", "identifying text burned into the pixels", box, matches))
        elif any(_legible(w) for w in line):
            judged.append(ReadLine(text, "medium", "legible text burned into the pixels", box))
        else:
            judged.append(ReadLine(text, "info", "scanner labels, numbers and units", box))
    return judged


def _legible(word: Word) -> bool:
    """A word a person wrote or a system printed about the patient: letters, not a known label."""
    letters = re.sub(r"[^\w]", "", word.text)
    return (word.confidence >= LEGIBLE and sum(c.isalpha() for c in letters) >= 3
            and letters.casefold() not in LABELS and not _NUMBER.match(word.text))
