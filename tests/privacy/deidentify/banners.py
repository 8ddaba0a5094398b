"""Generated exports with text burned into the pixels, for Clean Pixel Data with drawn boxes and
OCR (the Python tests and the page's, tests/e2e/test_deidentify_page.py): an ultrasound series of
two multi-frame instances with the patient's banner at the top of every frame, where a person
would draw one box, and a CT series nobody draws on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from privacy.burned_in.screens import BANNER_LINES, as_dataset, screen
from registry import small_dataset, zip_bytes

STUDY = "1.2.826.0.1.3680043.8.498.7001"
SERIES = "1.2.826.0.1.3680043.8.498.7002"  # the ultrasound: its banner gets a drawn box
OTHER_SERIES = "1.2.826.0.1.3680043.8.498.7003"
#: The drawn box (x, y, width, height): over the banner's two lines, in every frame.
BOX = (0, 0, 640, 60)
#: Frames of the ultrasound's two instances.
FRAMES = (3, 2)


def _instance(number: int, frames: int, study: str, series: str, lines: list[tuple[int, int, str]]) -> Dataset:
    ds = as_dataset([screen(lines, noise=True, seed=10 * number + n) for n in range(frames)])
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(f"{series}.{number}")
    ds.InstanceNumber = number
    return ds


def banner_export(lines: list[tuple[int, int, str]] = BANNER_LINES) -> dict[str, Dataset]:
    """The ultrasound series (``lines`` burned into every frame) and a small CT series of the same
    patient and study, as zip members."""
    members = {f"US/{number}.dcm": _instance(number, frames, STUDY, SERIES, lines)
               for number, frames in enumerate(FRAMES, 1)}
    ct = small_dataset(study_uid=STUDY, series_uid=OTHER_SERIES, patient_name="KOWALSKI^JANINA",
                       patient_id="MRN778812", rows=16, columns=16)
    ct.PixelData = ((255 - np.arange(256, dtype=np.uint16)) * 7 + 100).tobytes()  # darkest at the bottom right
    members["CT/1.dcm"] = ct
    return members


def banner_zip(path: Path, lines: list[tuple[int, int, str]] = BANNER_LINES) -> Path:
    path.write_bytes(zip_bytes(banner_export(lines)))
    return path


def box_argument(series: str = SERIES, box: tuple[int, int, int, int] = BOX) -> str:
    """The box as ``--box`` and the page take it."""
    return f"{series}:{','.join(str(v) for v in box)}"


def frames_of(ds: Dataset) -> np.ndarray:
    """Every frame of ``ds``'s pixels, (frames, rows, columns[, samples])."""
    pixels = ds.pixel_array
    return pixels if int(ds.get("NumberOfFrames") or 1) > 1 else pixels[np.newaxis]
