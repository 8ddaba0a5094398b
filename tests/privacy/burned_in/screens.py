"""Test images with text burned in, drawn with real fonts (Debian's DejaVu), as ultrasound,
secondary-capture and angiography screens: banners with a patient's name, ID and dates at
several sizes, light on dark and on noise, grey and RGB, multi-frame; and clean screens, and
screens with only the labels every scanner draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset

from registry import small_dataset

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NAME, MRN, BIRTH = "KOWALSKI^JANINA", "MRN778812", "19610523"
#: A banner of an ultrasound screen: the name, the ID, the birth date and a hospital.
BANNER_LINES = [(8, 16, "KOWALSKI JANINA   ID MRN778812"), (34, 14, "DOB 23.05.1961   St Elsewhere Hospital")]


def screen(lines: list[tuple[int, int, str]], size: tuple[int, int] = (480, 640), noise: bool = False,
           rgb: bool = False, seed: int = 0) -> np.ndarray:
    """A dark screen with ``lines`` of (y, font size, text) drawn light at x = 12."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 60, size, dtype=np.uint8) if noise else np.zeros(size, dtype=np.uint8)
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for y, points, text in lines:
        draw.text((12, y), text, fill=235, font=ImageFont.truetype(str(FONT), points))
    grey = np.asarray(image)
    return np.stack([grey, grey, (grey * 0.9).astype(np.uint8)], axis=-1) if rgb else grey


def as_dataset(frames: list[np.ndarray], modality: str = "US", burned: str | None = None) -> Dataset:
    """A DICOM image of ``frames`` (all the same size) for the patient above."""
    first = frames[0]
    rows, columns = first.shape[:2]
    ds = small_dataset(rows=rows, columns=columns, patient_name=NAME, patient_id=MRN)
    ds.PatientBirthDate = BIRTH
    ds.Modality = modality
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1" if modality == "US" else "1.2.840.10008.5.1.4.1.1.7"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    if first.ndim == 3:
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    else:
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    for keyword in ("WindowCenter", "WindowWidth", "RescaleIntercept", "RescaleSlope"):
        if keyword in ds:
            delattr(ds, keyword)
    if len(frames) > 1:
        ds.NumberOfFrames = len(frames)
    if burned is not None:
        ds.BurnedInAnnotation = burned
    ds.PixelData = np.stack(frames).tobytes()
    return ds


def with_overlay(ds: Dataset, lines: list[tuple[int, int, str]], group: int = 0x6000) -> Dataset:
    """``ds`` with an overlay plane (``group``) of ``lines`` drawn as its set bits."""
    from pydicom.pixels import pack_bits

    plane = (screen(lines, size=(int(ds.Rows), int(ds.Columns))) > 127).astype(np.uint8)
    ds.add_new((group, 0x0010), "US", int(ds.Rows))
    ds.add_new((group, 0x0011), "US", int(ds.Columns))
    ds.add_new((group, 0x0040), "CS", "G")
    ds.add_new((group, 0x0050), "SS", [1, 1])
    ds.add_new((group, 0x0100), "US", 1)
    ds.add_new((group, 0x0102), "US", 0)
    ds.add_new((group, 0x3000), "OW", pack_bits(plane))
    return ds


#: Identifying banners of the recall set: (text, what must be matched).
IDENTIFYING = [("KOWALSKI JANINA", "name"), (f"ID {MRN}", "id"), ("DOB 23.05.1961", "date"),
               ("Janina Kowalski", "name"), ("1961-05-23", "date"), ("Tel 555-867-5309", "phone")]


def recall_set() -> list[tuple[str, Dataset, list[tuple[int, int, str]]]]:
    """Screens of every kind the issue names, each with one identifying line at a known place:
    (name, dataset, lines); the identifying line is the first of ``lines``."""
    made = []
    for n, (points, noise, rgb, modality) in enumerate([(12, False, False, "US"), (14, True, False, "SC"),
                                                        (16, False, True, "XA"), (20, True, True, "US"),
                                                        (24, False, False, "SC"), (28, True, False, "XA")]):
        for k, (text, _) in enumerate(IDENTIFYING):
            y = 8 if k % 2 == 0 else 480 - points * 2 - 8  # top and bottom banners
            lines = [(y, points, text), (200, 14, "5 cm"), (240, 14, "L  R")]
            made.append((f"{modality}-{points}-{k}", as_dataset([screen(lines, noise=noise, rgb=rgb, seed=n * 10 + k)],
                                                                modality=modality), lines))
    return made
