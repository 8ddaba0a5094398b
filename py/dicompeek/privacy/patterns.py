"""Identifier *patterns* in free text and in zip entry paths, independent of who the patient is.

The cross-field rule finds the patient's own tokens (name, IDs, birth date) wherever they leak;
it cannot find what it was never told: a doctor's name typed into a comment, a phone number in an
SR text value, a date in a protocol name, a folder called ``SMITH_J_20230105``. This module
finds the *shapes* of identifiers: dates, phone numbers, e-mail addresses, SSN- and MRN-like
numbers, street addresses, names after a title or cue word, and name-shaped folder and file names.

A hit is a claim a person must act on, so precision matters as much as recall: the content of a
properly de-identified export (UIDs, numbers and number lists, versions, code values, sequence
and protocol names, image sizes, times, study descriptions, pseudonyms) must give no hit. Hence
every date is validated as a calendar date, an ID-like number counts only after a cue word (a
long bare number only inside prose), a name only after a cue and only with a capital letter, and
the abbreviations a title collides with (DR, MR, MS, PT) count as titles only where they are
written as titles. Each hit says *why* without repeating the matched text: reports show the
reason even when values are masked.

Cheap by construction (every header of a zip goes through it): a value is first measured (its
digits, its words) and each pattern runs only where it could match, e.g. dates need six digits,
name cues need a cue word; patterns are compiled once, with bounded repetitions (no catastrophic
backtracking); repeated values (the same header in every file of a series) are cached. Standard
library only: it runs unchanged in CPython and in Pyodide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

KINDS = ("date", "phone", "email", "ssn", "mrn", "address", "name-cue", "name-shape")


@dataclass(frozen=True, slots=True)
class PatternHit:
    """One identifier pattern: its ``kind`` (one of :data:`KINDS`), the ``text`` it matched exactly
    as in the value, and ``why`` it is one (a short phrase that never contains the text)."""

    kind: str
    text: str
    why: str


Spans = Iterator[tuple[int, int, str, str]]  # start, end, kind, why

_MAX_YEAR = date.today().year + 1


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_L = r"[^\W\d_]"  # a letter of any script
_B = r"(?<![^\W_])"  # not right after a letter or digit
_E = r"(?![^\W_])"  # not right before a letter or digit
_NAME_WORD = rf"{_L}(?:{_L}|['\u2019-](?={_L})){{1,40}}"  # two letters or more, with ' and - inside
_NUM_B = r"(?<![.:/+-])"  # not inside a UID, a version, a time or a signed number
_NUM_E = r"(?![.:/-]\d)"

_MONTHS: dict[str, int] = {}
for _number, _spellings in enumerate((
        "jan january januar janvier janv jän jänner", "feb february februar février fevrier févr fevr",
        "mar march märz mär maerz mars", "apr april avril avr", "may mai", "jun june juni juin",
        "jul july juli juillet juil", "aug august août aout", "sep sept september septembre",
        "oct october okt oktober octobre", "nov november novembre", "dec december dez dezember décembre decembre déc"),
        start=1):
    _MONTHS.update(dict.fromkeys(_spellings.split(), _number))
_MON = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + f")(?!{_L})"

_ISO = re.compile(rf"{_B}{_NUM_B}(?P<y>(?:19|20)\d\d)(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}})"
                  rf"(?:(?=T\d)|{_E}){_NUM_E}")
_NUMERIC = re.compile(rf"{_B}{_NUM_B}(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>\d{{4}}|\d\d){_E}{_NUM_E}")
_COMPACT = re.compile(rf"{_B}{_NUM_B}(?P<v>(?:19|20)\d{{6}}(?:\d{{4}}(?:\d\d(?:\.\d{{1,6}})?)?)?)(?:[+-]\d{{4}})?"
                      rf"{_E}{_NUM_E}")
_DAY_MONTH = re.compile(rf"{_B}(?P<d>\d{{1,2}})(?:st|nd|rd|th|er)?[\s.-]{{0,3}}(?:of\s{{1,3}})?{_MON}\.?[\s,.-]{{0,3}}"
                        rf"(?P<y>\d{{4}}|\d\d){_E}", re.I)
_MONTH_DAY = re.compile(rf"{_B}{_MON}\.?\s{{1,3}}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s{{1,3}}(?P<y>\d{{4}}){_E}", re.I)
_VERSION_CUE = re.compile(r"(?:\bv|\bver|version|release|\brel|\brev|revision|build|software|\bsw)\.?\s{0,2}"
                          r"[:=]?\s{0,2}$", re.I)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-])")
_PHONE = re.compile(
    r"(?<!\w)(?P<cue>tel(?:ephone|efon)?|phone|fon|mobile?|cell|fax|handy|tél(?:éphone)?)(?!\w)\.?\s{0,2}"
    r"(?:no\.?|nr\.?|number|#)?\s{0,2}[:.]?\s{0,2}(?P<num>\+?\(?\d[\d\s()./-]{4,22}\d)(?!\w)"
    r"|(?<![\w+])(?P<intl>\+\d{1,3}(?:\s?\(0\))?[\s./-]?\(?\d{1,4}\)?(?:[\s./-]?\d{2,5}){1,5})(?![\w]|[.,/-]\d)"
    r"|(?<![\w.,/+-])(?P<us>\([2-9]\d\d\)\s?\d{3}[-.\s]\d{4}|[2-9]\d\d(?P<us_sep>[-.])\d{3}(?P=us_sep)\d{4})(?![\w]|[.,/-]\d)"
    r"|(?<![\w.,/+-])(?P<eu>0[1-9]\d{1,3}(?:\s?/\s?|[\s-])[1-9]\d{2,7}(?:[\s-]\d{2,5})?)(?![\w]|[.,/-]\d)", re.I)
_SSN = re.compile(
    r"(?<!\w)(?P<cue>SSN|SS\s?#|SS\s?No|Social\s+Security(?:\s+(?:No|Number|#))?)(?!\w)\.?\s{0,2}[:#]?\s{0,2}"
    r"(?P<num>\d{3}[- ]?\d{2}[- ]?\d{4})(?![\w-])"
    r"|(?<![\w.,/+-])(?P<bare>\d{3}(?P<sep>[- ])\d{2}(?P=sep)\d{4})(?![\w]|[-/.,]\d)", re.I)
_MRN_CUES = _words("mrn mr med medical pat patient patienten patientennummer pid hosp hospital chart acc accession "
                   "fall fallnummer nhs id")
_MRN = re.compile(
    r"(?<!\w)(?P<cue>MRN|MR\s?#|MR\.?\s?(?:No|Nr|Number)|Med\.?\s?Rec(?:ord)?s?\.?(?:\s?(?:No|Nr|Number|#))?"
    r"|Medical\s+Record(?:\s+(?:No|Nr|Number|#))?|Pat(?:ient)?\.?[\s-]?(?:ID|No|Nr|Number|#)|PID|Patienten-?(?:nummer|nr)"
    r"|Hosp(?:ital)?\.?\s?(?:No|Nr|Number|ID|#)|Chart(?:\s?(?:No|Nr|Number|#))?|Acc(?:ession)?\.?\s?(?:No|Nr|Number|#)"
    r"|Accession|Fall-?(?:nummer|nr)|NHS(?:\s?(?:No|Number|#))?|ID)(?!\w)\.?\s{0,3}(?P<sep>[:#=]?)\s{0,3}"
    r"(?P<num>\d{3}\s\d{3}\s\d{4}|(?=(?:[A-Z-]{0,20}\d){3})[A-Z0-9][A-Z0-9-]{2,19}[A-Z0-9])(?![\w-])", re.I)
_LONG_NUMBER = re.compile(r"(?<![\w.,=+/#^:-])(?P<num>\d{7,12})(?![\w^/]|[.,:-]\d)"  # not a measurement:
                          r"(?!\s?(?:[cmnuµμ]?m[23²³]?|m?s|sec|min|h|[kmg]?hz|[mnuµμ]?gy|mas|ma|kvp?|[mµμ]?l|[kmg]?bq|"
                          r"m?ci|[kmgt]?b|bytes|px|pixels|voxels|frames|counts|cts|%)(?![^\W\d_]))", re.I)

_STREET_SUFFIXES = _words("street st road rd avenue ave lane ln boulevard blvd drive dr way court ct place pl "
                          "terrace parkway pkwy highway hwy square sq")
_STREET_EN = re.compile(
    rf"{_B}{_NUM_B}\d{{1,5}}[A-Za-z]?,?\s{{1,2}}(?P<words>(?:{_L}[\w'.-]{{0,30}}\s{{1,2}}){{1,4}}?)"
    rf"(?P<suf>{'|'.join(sorted(_STREET_SUFFIXES, key=len, reverse=True))}){_E}(?P<tail>\.?\s?{_L}?)", re.I)
_STRASSE_ENDINGS = ("straße", "strasse", "str", "weg", "platz", "allee", "gasse", "damm", "ufer", "chaussee", "vägen",
                    "gatan", "straat", "laan", "plein", "gracht", "veien")
_STRASSE = re.compile(rf"{_B}(?P<name>(?:{_L}{{2,30}}er\s)?{_L}(?:{_L}|-){{0,40}}?"
                      rf"(?:{'|'.join(e + '[.]' if e == 'str' else e for e in _STRASSE_ENDINGS)}))"
                      rf"\s{{0,2}}\d{{1,4}}(?:\s?[a-z]{_E})?{_E}(?![.,]\d)", re.I)
_RUE_WORDS = _words("rue avenue boulevard bd allée chemin impasse quai route")
_RUE = re.compile(rf"{_B}\d{{1,4}}(?:\s?(?:bis|ter))?,?\s{{1,2}}(?:{'|'.join(sorted(_RUE_WORDS))})\s{{1,2}}"
                  rf"(?:(?:de|du|des|la|le|l'|d')\s{{0,2}}){{0,3}}(?P<name>{_L}[\w'-]{{1,30}})", re.I)
_POSTAL_CUES = _words("zip postal post postcode plz code")
_POSTAL = re.compile(
    r"(?<!\w)(?:zip(?:\s?code)?|postal\s?code|post\s?code|plz|code\s?postal)\.?\s{0,2}[:#]?\s{0,2}"
    r"(?:\d{4,5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})(?![\w-])"
    rf"|{_B}(?<!-)(?:D-\d{{5}}|(?:A|CH)-\d{{4}})\s{{1,2}}(?P<city>{_L}{{2,40}})", re.I)

_TITLE = r"(?:Dr|Prof|Mrs|Mr|Ms|Miss|Mme|Mlle|Herr|Frau|Dott)"
_NAME_CUES = _words("dr prof mrs mr ms miss mme mlle herr frau dott by von par name nom prénom surname patient "
                    "patientin pt pat physician radiologist technologist operator doctor arzt ärztin médecin "
                    "患者 氏名 患者名")
_NAME_CUE = re.compile(
    rf"(?<!{_L})(?P<cue>(?P<title>{_TITLE}|Pt)(?:\.|(?=\s))"
    r"|(?:referred|signed|dictated|verified|seen|überwiesen|unterschrieben|signé)\s{1,3}(?:by|von|par)"
    r"|(?:(?P<who>patient'?s?|pt|pat\.?|first|last|full|given|family|maiden|birth|vor|nach|mother'?s?|father'?s?)\s?)?"
    r"(?P<bare>name)\s{0,2}:|(?P<pat>patient|patientin|pt|pat\.?)\s{0,2}:|(?:surname|nom|prénom|患者名|患者|氏名)\s{0,2}:"
    r"|(?:referring\s)?(?:physician|radiologist|technologist|operator|doctor|arzt|ärztin|médecin)\s{0,2}:)"
    rf"\s{{0,3}}(?:{_TITLE}\.?\s{{1,3}})?(?:med\.\s{{1,2}})?(?P<name>(?:{_L}\.\s?){{0,2}}{_NAME_WORD}(?:\s{_NAME_WORD})?)",
    re.I)
#: Capitalised words that follow a cue without being a name.
_NOT_NAMES = _words(
    "id no nr number name names unknown anonymous anon anonymized anonymised deidentified removed redacted test "
    "phantom none null the a an and or of with male female adult child supine prone head feet data study series "
    "case subject patient yes info information unbekannt inconnu demo sample dummy ct mr mri pet us cr dx xr xa nm cad "
    "ai pacs ris system software computer scanner device hospital clinic department dept radiology cardiology "
    "neurology oncology surgery urology emergency er ed icu gp staff position weight height age sex history "
    "comments comment prep status orientation consent positioning table protocol instructions")
_WHY_NAME = "a capitalised word after a title or a name cue (a person's name?)"

_LETTERS = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d+")
_NO_WORDS: set[str] = set()


def identifiers_in(text: str) -> list[PatternHit]:
    """The identifier patterns in the free text of one DICOM element, in the order they occur."""
    if len(text) <= _CACHED_LENGTH:
        return list(_scan_cached(text)) if text else []
    return list(_scan(text))


def _scan(text: str) -> tuple[PatternHit, ...]:
    if text.isdecimal():  # a number alone (a code, an ID): only a compact date can be in it
        return _resolve(text, list(_compact_dates(text)))
    digits = len("".join(_DIGITS.findall(text)))
    # the words, where a pattern with a cue word could match: after a cue come a space, ":", "." or
    # "#"; without one only a date like 05JAN2020 needs them
    cued = " " in text or ":" in text or "." in text or "#" in text
    words = set(_LETTERS.findall(text.lower())) if cued or digits > 4 else _NO_WORDS
    spans: list[tuple[int, int, str, str]] = []
    if words & _NAME_CUES:
        spans.extend(_names(text))
    if "@" in text:
        spans.extend((m.start(), m.end(), "email", "an e-mail address") for m in _EMAIL.finditer(text))
    if digits >= 3:
        spans.extend(_dates(text, words, digits))
        if words & _MRN_CUES:
            spans.extend(_mrns(text))
    if digits >= 6:
        spans.extend(_phones(text))
    if digits >= 9:
        spans.extend(_ssns(text))
    if digits and words and " " in text:
        spans.extend(_addresses(text, words))
    if digits >= 7 and sum(len(w) > 1 for w in words) >= 2:  # prose; a value of numbers and codes is its element's
        spans.extend((m.start(), m.end(), "mrn", "a long number in text (a record or account number?)")
                     for m in _LONG_NUMBER.finditer(text) if len(set(m["num"])) > 1)  # 0000000: a placeholder
    return _resolve(text, spans)


_CACHED_LENGTH = 1024  # the same header in every file of a series is scanned once; long values are not kept
_scan_cached = lru_cache(maxsize=8192)(_scan)


def _resolve(text: str, spans: list[tuple[int, int, str, str]]) -> tuple[PatternHit, ...]:
    """Leftmost-longest among overlapping hits; one hit per kind and text."""
    if not spans:
        return ()
    hits: list[PatternHit] = []
    end = -1
    for start, stop, kind, why in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):
        if start >= end:
            hit = PatternHit(kind, text[start:stop], why)
            if hit not in hits:
                hits.append(hit)
            end = stop
    return tuple(hits)


def _valid(y: int, m: int, d: int, hhmmss: str = "") -> bool:
    """A calendar date from 1900 to next year (two-digit years read as the nearest past), and a
    valid time of day if given as HHMM[SS]."""
    if y < 100:
        y += 2000 if y <= _MAX_YEAR % 100 else 1900
    if not 1900 <= y <= _MAX_YEAR:
        return False
    try:
        date(y, m, d)
    except ValueError:
        return False
    times = [int(hhmmss[i:i + 2]) for i in range(0, len(hhmmss), 2)]
    return all(t < limit for t, limit in zip(times, (24, 60, 60), strict=False))


def _after_version_cue(text: str, start: int) -> bool:
    return bool(_VERSION_CUE.search(text[max(0, start - 12):start]))


def _dates(text: str, words: set[str], digits: int) -> Spans:
    if digits >= 6:
        yield from _numeric_dates(text)
        yield from _compact_dates(text)
    if words.intersection(_MONTHS):
        for pattern, why in ((_DAY_MONTH, "a date (day, month name and year)"),
                             (_MONTH_DAY, "a date (month name, day and year)")):
            for m in pattern.finditer(text):
                y = m["y"]
                if len(y) == 2 and "-" not in m[0] and any(c.isspace() for c in m[0]):
                    continue  # "2 Mar 12": only 05-MAR-12 and 05MAR12 have two-digit years
                if _valid(int(y), _MONTHS[m["mon"].lower()], int(m["d"])):
                    yield m.start(), m.end(), "date", why


def _numeric_dates(text: str) -> Spans:
    for m in _ISO.finditer(text):
        sep = m["s"]
        if sep == "." and (len(m["m"]) < 2 or len(m["d"]) < 2):  # 2019.1.2 is a version
            continue
        if _valid(int(m["y"]), int(m["m"]), int(m["d"])) and not _after_version_cue(text, m.start()):
            yield m.start(), m.end(), "date", f"a date (YYYY{sep}MM{sep}DD)"
    for m in _NUMERIC.finditer(text):
        a, b, y, sep = m["a"], m["b"], m["y"], m["s"]
        short = len(y) == 2
        if (short and (sep == "-" or len(a) < 2 or len(b) < 2)) or _after_version_cue(text, m.start()):
            continue  # 1.2.10, 5-3-21, version 1.2.2010: versions and codes
        yy = "YY" if short else "YYYY"
        formats = [f"DD{sep}MM{sep}{yy}"] * _valid(int(y), int(b), int(a))
        formats += [f"MM{sep}DD{sep}{yy}"] * (sep != "." and _valid(int(y), int(a), int(b)))
        if formats:
            yield m.start(), m.end(), "date", f"a date ({' or '.join(formats)})"


def _compact_dates(text: str) -> Spans:
    for m in _COMPACT.finditer(text):
        v = m["v"]
        if _valid(int(v[:4]), int(v[4:6]), int(v[6:8]), v[8:14]):
            yield m.start(), m.end(), "date", "a date (YYYYMMDD)" if len(v) == 8 else "a date and time (YYYYMMDDhhmm…)"


def _phones(text: str) -> Spans:
    for m in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m[0])
        if m["cue"]:
            if digits >= 6:
                yield m.start(), m.end(), "phone", _after_cue(m["cue"])
        elif m["intl"]:
            if 8 <= digits <= 15:
                yield m.start(), m.end(), "phone", "a phone number (international form)"
        elif m["us"]:
            yield m.start(), m.end(), "phone", "a phone number (NNN-NNN-NNNN)"
        elif 9 <= digits <= 13 and m[0].strip("0 -/"):
            yield m.start(), m.end(), "phone", "a phone number (area code and number)"


def _ssns(text: str) -> Spans:
    for m in _SSN.finditer(text):
        if m["cue"]:
            if sum(c.isdigit() for c in m["num"]) == 9:
                yield m.start(), m.end(), "ssn", _after_cue(m["cue"])
            continue
        area, group, serial = m["bare"].replace(" ", "-").split("-")
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            yield m.start(), m.end(), "ssn", "a social security number shape (NNN-NN-NNNN)"


def _mrns(text: str) -> Spans:
    for m in _MRN.finditer(text):
        cue = m["cue"]
        if cue.upper() == "ID" and (not m["sep"].strip("=") or _after_word(text, m.start())):
            continue  # a bare ID counts only as "ID:" or "ID#", and not as "Detector ID:"
        yield m.start(), m.end(), "mrn", _after_cue(cue)


def _after_cue(cue: str) -> str:
    return f"a number after the cue word {' '.join(cue.split())}"


def _after_word(text: str, start: int) -> bool:
    """Whether a word and a space come right before ``start`` (as "Protocol" before "Name:")."""
    return start >= 2 and text[start - 2].isalpha() and text[start - 1] in " _"


def _capitalised(word: str) -> bool:
    return not word[:1].islower()


def _addresses(text: str, words: set[str]) -> Spans:
    if words & _STREET_SUFFIXES:
        for m in _STREET_EN.finditer(text):
            suffix, tail = m["suf"], m["tail"]
            if not all(map(_capitalised, (*m["words"].split(), suffix))):
                continue
            if suffix.lower() in ("dr", "st") and tail.strip(". ")[:1].isupper():
                continue  # "2 Views Dr. Smith", "4 Ward St. Mary's": a title, not a street
            yield m.start(), m.end("suf") + tail.startswith("."), "address", "a street address (number, street, suffix)"
    if any(w.endswith(_STRASSE_ENDINGS) for w in words) or words & _RUE_WORDS:
        for pattern in (_STRASSE, _RUE):
            for m in pattern.finditer(text):
                if _capitalised(m["name"]):
                    yield m.start(), m.end(), "address", "a street address (street and number)"
    if words & _POSTAL_CUES or "-" in text:
        for m in _POSTAL.finditer(text):
            if m["city"] is None or _capitalised(m["city"]):
                yield m.start(), m.end(), "address", "a postal code (after a cue word or before a city)"


def _names(text: str) -> Spans:
    for m in _NAME_CUE.finditer(text):
        cue, title = m["cue"], m["title"]
        if title and ((title.isupper() and len(title) > 1 and not cue.endswith("."))  # MR BRAIN, DR CHEST, PT WB
                      or (title[0].islower() and title.lower() != "pt")):  # ms TR (but "pt Smith" is a patient)
            continue
        if m["pat"] and m["pat"].startswith("PT"):
            continue  # PT: the modality
        if m["bare"] and not m["who"] and _after_word(text, m.start()):
            continue  # Protocol Name:, Series Name:
        start = end = m.start("name")
        for i, word in enumerate(m["name"].split()):
            bare = word.rstrip(".").rsplit(".", 1)[-1]
            if not _capitalised(bare) or bare.lower() in _NOT_NAMES or (len(bare) > 1 and len(set(bare.lower())) == 1):
                break  # not a name, or a placeholder (XXXX)
            end = text.index(word, end) + len(word)
            if i == 0 and len(bare) < 2:
                continue  # an initial: "Dr. J. Smith"
        if len(text[start:end].rstrip(".")) > 1:
            yield m.start(), end, "name-cue", _WHY_NAME


# Paths ------------------------------------------------------------------------------------------

#: Words that make a path component a description, a DICOM structure or a pseudonym, not a name.
_NOT_SURNAMES = _words("""
ct mr mri pet pt nm us cr dx dr mg xa rf sc sr seg ot rt ko pr doc ecg io px es oct op sm rtstruct rtdose rtplan
ax axial sag sagittal cor coronal tra trans transverse obl oblique loc localizer localiser scout survey topogram dwi
adc dti flair swi epi bold fmri asl tof mra mrv cta stir tse fse gre spgr mprage vibe haste space ir se fs fat water
pd pdw cine perf dce dsc spect recon mip mpr vr thick thin bone lung soft tissue std standard sharp smooth pre post
contrast plain native delayed arterial venous portal phase head brain neck chest thorax abdomen abd pelvis spine knee
hip shoulder ankle foot hand wrist elbow breast heart cardiac liver kidney body wb leg arm skull sinus orbit face hips
prostate lumbar cervical thoracic left right lt bilat bilateral routine kopf schaedel research neuro angio
dicom dicomdir dcm im img image images series ser study studies st exam scan scans data dataset export exports file
files folder dir import output input raw source orig original primary secondary derived anon anonymous anonymized
anonymised deid case cases subj subject subjects sub pat patient patients id test tests sample samples demo phantom
qa qc run runs ses session visit part page group type view views plan level set block section volume vol slice slices
frame frames mask label labels roi map report new old copy final backup archive version ver rev temp tmp misc other
unknown none default name names echo biopsy tumor tumour lesion nodule mass cyst specimen slide core margin node
vessel artery vein aorta segment region zone area lobe quadrant site target field beam arc ptv ctv gtv structure
dose fraction sequence protocol acq acquisition dynamic static rest stress task baseline early late arm cohort batch
channel lead coil probe plane axis grade stage class option variant model control reference calibration cal gain
""")
_CARET_NAME = re.compile(rf"{_B}(?P<a>{_NAME_WORD})\^(?P<b>{_L}(?:{_L}|[' .-]){{0,40}})(?:\^[^^]{{0,40}}){{0,3}}")
_COMMA_NAME = re.compile(rf"^(?P<a>{_NAME_WORD}),\s?(?P<b>{_NAME_WORD})$")
_INITIAL_NAME = re.compile(rf"^(?P<a>{_NAME_WORD})[_ ](?P<b>[^\W\d_a-z])(?=$|[_ ]\d)(?:[_ ]\d{{1,14}})*$")
_NAME_SHAPES = (
    (_CARET_NAME, "a name-shaped folder or file name (DICOM person name, surname^given name)"),
    (_COMMA_NAME, "a name-shaped folder or file name (surname, given name)"),
    (_INITIAL_NAME, "a name-shaped folder or file name (surname and initial)"))
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_UID_SHAPED = re.compile(r"^[012](?:\.\d+){2,}$")
_TOKEN = re.compile(r"[^_\-. ]+")
_NAME_PARTS = re.compile("[\\s'\u2019.-]+")


def identifiers_in_path(path: str) -> list[PatternHit]:
    """The identifier patterns in a zip entry path ("a/b/c.dcm"), component by component: dates
    (also compact YYYYMMDD between separators) and name-shaped folder and file names."""
    hits: list[PatternHit] = []
    parts = re.split(r"[\\/]", path)
    for i, part in enumerate(parts):
        if i == len(parts) - 1:
            part = _EXTENSION.sub("", part)
        if part and not _UID_SHAPED.match(part):  # a UID's dates are the UID rule's
            found = _path_part_cached(part) if len(part) <= _CACHED_LENGTH else _path_part(part)
            hits.extend(hit for hit in found if hit not in hits)
    return hits


def _path_part(part: str) -> tuple[PatternHit, ...]:
    spans = list(_name_shapes(part))
    if any(c.isdigit() for c in part):
        spans.extend(_numeric_dates(part))
        words = {w.lower() for w in _LETTERS.findall(part)}
        spans.extend(_dates(part, words, 0))  # month names only
        for m in _TOKEN.finditer(part):
            token = m[0]
            if len(token) in (8, 12, 14) and token.isdecimal() and _valid(
                    int(token[:4]), int(token[4:6]), int(token[6:8]), token[8:]):
                spans.append((m.start(), m.end(), "date",
                              "a date (YYYYMMDD)" if len(token) == 8 else "a date and time (YYYYMMDDhhmm…)"))
    return _resolve(part, spans)


_path_part_cached = lru_cache(maxsize=4096)(_path_part)


def _name_shapes(part: str) -> Spans:
    for pattern, why in _NAME_SHAPES:
        m = pattern.search(part)
        if m is None or not _capitalised(m["a"]):
            continue
        surname, given = m["a"], m["b"].strip()
        words = _NAME_PARTS.split(f"{surname} {given}".lower())
        if len(set(surname.lower())) > 1 and _NOT_SURNAMES.isdisjoint(words):
            end = m.end("b") if pattern is _INITIAL_NAME else m.end()
            yield m.start(), end, "name-shape", why
