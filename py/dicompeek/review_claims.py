"""The privacy review, per file: the de-identification claims a file makes, and what is
checked against them once the whole file has been walked (pixel flags, SR, UIDs).

Kept apart from the walk (:mod:`.review`) so that each module stays readable; these functions
work on a :class:`~.review.Reviewer` as its methods would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset

from .review_findings import MAX_FILES, File
from .review_rules import EXTRA_OPTION_CODES, SR_SOP_PREFIX, looks_like_real_name, risky_pixels, standard_element

if TYPE_CHECKING:
    from .review import Reviewer


def read_claims(reviewer: Reviewer, ds: Dataset, f: File) -> None:
    """What the file says was done to it (before the walk: the rules check values against it)."""
    removed = str(_get(ds, "PatientIdentityRemoved") or "").strip().upper()
    codes = []
    for item in _get(ds, "DeidentificationMethodCodeSequence") or []:
        code = str(item.get("CodeValue", "") or "").strip()
        if code:
            codes.append(code)
    options = [reviewer._codes[c].key for c in codes if c in reviewer._codes]
    f.options = frozenset(options)
    f.claim_names = [reviewer.profile.option_name(c) or EXTRA_OPTION_CODES.get(c) or c for c in codes]
    f.codes = frozenset(codes)
    f.deidentified = removed == "YES" or "113100" in codes
    temporal = str(_get(ds, "LongitudinalTemporalInformationModified") or "").strip().upper()
    f.dates_removed = temporal == "REMOVED"
    reviewer._hit(("claim", "identity-removed"), f, removed or "(absent)", "info", "identity-claim",
                  "Patient Identity Removed (0012,0062)", "", standard_element(0x00120062))
    method = _get(ds, "DeidentificationMethod")
    if method:
        values = method if isinstance(method, (list, tuple)) or hasattr(method, "__iter__") and \
            not isinstance(method, str) else [method]
        reviewer._hit(("claim", "method"), f, " / ".join(str(v) for v in values), "info", "identity-claim",
                      "De-identification Method (0012,0063)", "What the file says was done to it.",
                      standard_element(0x00120063))
    for code, name in zip(codes, f.claim_names):
        reviewer._hit(("claim", "codes"), f, f"{code} {name}", "info", "identity-claim",
                      "De-identification Method Code Sequence (0012,0064)",
                      "The profile and options the file claims (CID 7050).", standard_element(0x00120064))
    if temporal:
        reviewer._hit(("claim", "temporal"), f, temporal, "info", "identity-claim",
                      "Longitudinal Temporal Information Modified (0028,0303)",
                      "Whether dates were kept, shifted or removed, as the file says.",
                      standard_element(0x00280303))


def after_walk(reviewer: Reviewer, ds: Dataset, fields: dict[str, Any], f: File, series: dict[str, Any],
               name: str) -> None:
    """The file's share of its series' pixel totals, and the claims checked against the whole file."""
    burned = str(_get(ds, "BurnedInAnnotation") or "").strip().upper()
    recognizable = str(_get(ds, "RecognizableVisualFeatures") or "").strip().upper()
    modality, sop = str(fields.get("Modality") or ""), str(fields.get("SOPClassUID") or "")
    series["files"].append(f) if len(series["files"]) < MAX_FILES else None
    series["burned"][burned] += 1
    series["recognizable"][recognizable] += 1
    series["overlay"] += f.overlay
    series["icon"] += f.icon
    series["images"] += "Rows" in fields
    series["risk"] = series["risk"] or risky_pixels(modality, sop)
    series["modality"] = modality
    if sop.startswith(SR_SOP_PREFIX) or modality == "SR":
        reviewer._hit(("sr",), f, modality or sop, "medium", "free-text", "Structured reports (SR)",
                      "An SR's content tree holds free text (findings, names of observers, dates) "
                      "that E.1-1 removes with the Content Sequence unless cleaned.")
    if f.private:
        reviewer._hit(("private", "summary"), f, None, "info", "private", "", "")
    if f.deidentified:
        if looks_like_real_name(name):
            reviewer._hit(("claim", "real-name"), f, name, "high", "identity-claim",
                          "Says de-identified, but Patient's Name looks like a real name",
                          "Patient Identity Removed is YES or the basic profile is claimed, yet the name has a "
                          "family and a given name that are not placeholders.", standard_element(0x00100010))
        if f.private:
            keeps = "retain_safe_private" in f.options
            reviewer._hit(("claim", "private"), f, f"{f.private} private elements", "high", "identity-claim",
                          "Claims Retain Safe Private, but unknown private elements are present" if keeps else
                          "Says de-identified, but private elements are present",
                          ("The Retain Safe Private Option keeps only private elements known to be safe; this "
                           "review has no safe-private list, so every private element here is unknown."
                           if keeps else "The basic profile removes all private elements (X)."))
        if burned == "YES" and "113101" not in f.codes:
            reviewer._hit(("claim", "burned-in"), f, burned, "high", "identity-claim",
                          "Says de-identified, but Burned In Annotation is YES",
                          "Text burned into the pixels was not cleaned (no Clean Pixel Data Option claimed).",
                          standard_element(0x00280301))
        if recognizable == "YES" and "113102" not in f.codes:
            reviewer._hit(("claim", "recognizable"), f, recognizable, "high", "identity-claim",
                          "Says de-identified, but Recognizable Visual Features is YES",
                          "A face or other recognisable feature is in the pixels and the Clean Recognizable "
                          "Visual Features Option is not claimed.", standard_element(0x00280302))
    for uid_key in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        uid = str(fields.get(uid_key) or "")
        random = uid.startswith("2.25.")
        reviewer._hit(("uid-random", random), f, None, "info" if random else "low", "uids",
                      "Study, Series and SOP Instance UIDs are random 2.25 UIDs" if random else
                      "Study, Series or SOP Instance UIDs are not random 2.25 UIDs",
                      "Random UIDs (2.25.…) carry nothing about the site." if random else
                      "They may be the original UIDs, which the site's archive can look up (E.1-1 action U).")


def _get(ds: Dataset, keyword: str) -> Any:
    """The value of a standard element, or None: an absent one (most files) costs two dict lookups,
    not pydicom's keyword machinery and a KeyError."""
    tag = _TAGS.get(keyword) or _TAGS.setdefault(keyword, tag_for_keyword(keyword))
    if tag not in ds._dict:
        return None
    try:
        return ds[tag].value
    except Exception:  # malformed: the walk reports it as an element that could not be read
        return None


_TAGS: dict[str, int] = {}
