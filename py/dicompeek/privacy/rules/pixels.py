"""Pixel risk: what may be burned into or drawn over the pixels, judged per series.

No OCR: the review says where text or a face is likely (Burned In Annotation YES, or absent for
the kinds of image that usually carry text: ultrasound, screenshots, angiography screens,
photos, dose reports, scanned documents; Recognizable Visual Features YES; overlays; icon
images) and shows a thumbnail of one frame, so a person looks. Per series, because a series
is what a person checks: its totals (counts per value, the first files) merge by adding.
"""

from __future__ import annotations

from collections import Counter

from dicompeek.privacy.elements import DicomFile, Element, standard_value
from dicompeek.privacy.findings import JSON, MAX_FILES, File, Finding, SeriesKey, files_from_state, files_state
from dicompeek.privacy.protocol import Context, RuleBase

#: Modalities whose images usually carry burned-in text (screenshots, photos, scanned paper, labels).
RISKY_MODALITIES = {"US": "ultrasound", "XA": "angiography screens", "RF": "fluoroscopy screens",
                    "ES": "endoscopy photos", "XC": "external camera photos", "GM": "microscopy photos",
                    "OP": "ophthalmic photos", "OT": "secondary capture", "SC": "secondary capture",
                    "DOC": "scanned documents", "SM": "slide labels", "IVUS": "intravascular ultrasound"}
#: SOP classes likewise: secondary capture family, VL photographs, encapsulated documents.
RISKY_SOP_PREFIXES = (("1.2.840.10008.5.1.4.1.1.7", "secondary capture (screenshots, dose reports)"),
                      ("1.2.840.10008.5.1.4.1.1.77.1", "visible light photograph"),
                      ("1.2.840.10008.5.1.4.1.1.104", "encapsulated document"),
                      ("1.2.840.10008.5.1.4.1.1.6", "ultrasound"),
                      ("1.2.840.10008.5.1.4.1.1.3.1", "ultrasound"))


def risky_pixels(modality: str, sop_class: str) -> str | None:
    """Why images of this modality / SOP class often carry burned-in text, else None."""
    for prefix, why in RISKY_SOP_PREFIXES:
        if sop_class == prefix or sop_class.startswith(prefix + "."):  # …1.1.6, not a SEG's …1.1.66.4
            return why
    return RISKY_MODALITIES.get(modality)


def text_risk(fields: dict[str, object]) -> str | None:
    """Why a file's pixels may carry burned-in text, from its indexed fields: Burned In Annotation
    YES, or unstated on a kind of image that usually does (:func:`risky_pixels`); else None."""
    burned = str(fields.get("BurnedInAnnotation") or "").strip().upper()
    if burned == "YES":
        return "Burned In Annotation YES"
    if burned == "NO":
        return None
    return risky_pixels(str(fields.get("Modality") or ""), str(fields.get("SOPClassUID") or ""))


class _Series:
    """What one series' files say about their pixels, in totals."""

    def __init__(self, entry: int | None) -> None:
        self.entry = entry  # the first file: its thumbnail
        self.files: list[File] = []  # the first MAX_FILES
        self.burned: Counter[str] = Counter()  # Burned In Annotation value ("" absent) -> files
        self.recognizable: Counter[str] = Counter()
        self.overlay = self.icon = self.images = 0
        self.risk: str | None = None
        self.modality = ""  # the last file's

    def state(self) -> JSON:
        return {"entry": self.entry, "files": files_state(self.files), "burned": dict(self.burned),
                "recognizable": dict(self.recognizable), "overlay": self.overlay, "icon": self.icon,
                "images": self.images, "risk": self.risk, "modality": self.modality}

    def merge(self, data: JSON) -> None:
        self.files.extend(files_from_state(data["files"])[:MAX_FILES - len(self.files)])
        self.burned.update(data["burned"])
        self.recognizable.update(data["recognizable"])
        self.overlay += data["overlay"]
        self.icon += data["icon"]
        self.images += data["images"]
        self.risk = self.risk or data["risk"]
        self.modality = data["modality"]


class PixelRisk(RuleBase):
    name = "pixels"
    looks_at = frozenset({"pixels", "sequence"})
    fields = ("Modality", "SOPClassUID", "Rows")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._series: dict[SeriesKey, _Series] = {}
        self._overlay = self._icon = False  # of the current file

    def start_file(self, dicom: DicomFile) -> None:
        if self.context.facts.directory:
            return
        key = dicom.file.series or ("", "")
        if key not in self._series:
            self._series[key] = _Series(dicom.file.entry)
        self._overlay = self._icon = False

    def visit_element(self, element: Element, f: File) -> None:
        if element.parents or element.info is None or element.info.category != "pixels" or \
                self.context.facts.directory:
            return
        self.context.recorder.spoil()
        if self.context.facts.claims.allowing(element.info.row) is not None:
            return  # Clean Graphics claimed: the overlay may stay
        if element.sequence:
            self._icon = True
        else:
            self._overlay = True

    def end_file(self, dicom: DicomFile) -> None:
        if self.context.facts.directory:
            return
        f, ds = dicom.file, dicom.ds
        series = self._series[f.series or ("", "")]
        modality, sop = dicom.field("Modality"), dicom.field("SOPClassUID")
        if len(series.files) < MAX_FILES:
            series.files.append(f)
        burned = str(standard_value(ds, "BurnedInAnnotation") or "").strip().upper()
        if not burned and "113101" in self.context.facts.claims.codes:
            burned = "NO"  # the Clean Pixel Data Option claimed: the burned-in text was cleaned
        series.burned[burned] += 1
        series.recognizable[str(standard_value(ds, "RecognizableVisualFeatures") or "").strip().upper()] += 1
        series.overlay += self._overlay
        series.icon += self._icon
        series.images += "Rows" in dicom.fields
        series.risk = series.risk or risky_pixels(modality, sop)
        series.modality = modality

    def finish(self) -> list[Finding]:
        for key, series in self._series.items():
            thumbnail = {"entry": series.entry, "frame": 0} if series.images and series.entry is not None else None
            uid = key[1] or "none"
            burned = series.burned
            checks: list[tuple[int, str, str, str, str]] = [
                (burned["YES"], "high", "burned-in", "Burned In Annotation is YES",
                 "The file says text is burned into the pixels (often the name, ID and date): check the images."),
                (series.recognizable["YES"], "high", "recognizable", "Recognizable Visual Features is YES",
                 "The pixels show something that can identify the person (a face, a tattoo)."),
                (series.overlay, "medium", "overlay", "Overlays present (60xx,3000)",
                 "Overlay planes are drawn over the image and can carry text or marks; E.1-1 removes them (X)."),
                (series.icon, "medium", "icon", "Icon Image Sequence present (0088,0200)",
                 "A small copy of the image, burned-in text included; E.1-1 removes it (X)."),
            ]
            if series.risk and series.images and burned[""]:
                checks.append((burned[""], "medium", "burned-in-missing",
                               f"Burned In Annotation not stated on {series.risk} images",
                               "Images of this kind usually have text burned in (names, IDs, dates on the screen); "
                               "(0028,0301) is absent, so nothing says they were checked."))
            for count, severity, kind, title, reason in checks:
                if not count:
                    continue
                finding = self.findings.put(("pixels", kind, uid), Finding(
                    f"pixels:{kind}:{uid}", severity, "pixels", f"{title} ({series.modality or 'no modality'})",
                    reason))
                for f in series.files:
                    finding.hit(f)
                finding.files = count
                finding.thumbnail = thumbnail
        return self.findings.values()

    def state(self) -> JSON:
        return {**super().state(), "series": [[list(key), s.state()] for key, s in self._series.items()]}

    def merge(self, state: JSON) -> None:
        super().merge(state)
        for key, data in state["series"]:
            series_key = (key[0], key[1])
            series = self._series.get(series_key)
            if series is None:
                series = self._series[series_key] = _Series(data["entry"])
            series.merge(data)

