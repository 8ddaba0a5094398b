"""Clean Pixel Data with boxes a person drew (the page's drawn boxes, the command line's ``--box``)
and the page's way of reading the text first (text_pass.TextPass, then the command line's CopyJob
answered by what was read): the same copy as the command line's, byte for byte."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicompeek.app.worker_copy import PageCopy, PartCopy, settings_of
from dicompeek.index.indexer import Index
from dicompeek.privacy.burned_in.engine import Word
from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.pixels import MARGIN, Box, drawn_box, drawn_boxes
from dicompeek.privacy.deidentify.run import Settings
from dicompeek.privacy.deidentify.text_pass import NotRead, RecordedEngine
from privacy.burned_in.screens import FONT
from privacy.deidentify.banners import BOX, FRAMES, OTHER_SERIES, SERIES, banner_zip, box_argument, frames_of

SALT = "drawn-salt"


def copied(data: bytes) -> dict[str, pydicom.Dataset]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: pydicom.dcmread(io.BytesIO(archive.read(name))) for name in archive.namelist()}


def ultrasounds(data: bytes) -> list[pydicom.Dataset]:
    return [ds for ds in copied(data).values() if ds.Modality == "US"]


def box_area(frames: np.ndarray, box: tuple[int, int, int, int] = BOX) -> np.ndarray:
    x, y, width, height = box
    return frames[:, y:y + height, x:x + width]


@pytest.fixture(scope="module")
def tesseract():
    from dicompeek.app.ocr_tesseract import load

    if not FONT.exists():
        pytest.skip("the DejaVu font is not installed")
    engine, why = load()
    if engine is None:
        pytest.skip(why)
    return engine


# --- the form a drawn box is given in ------------------------------------------------------------

def test_a_drawn_box_is_read_from_series_uid_and_x_y_w_h():
    assert drawn_box(" 1.2.3:10, 20,30,40 ") == ("1.2.3", Box(None, 10, 20, 30, 40))
    assert drawn_boxes(["1.2:0,0,5,5", "1.3:1,1,2,2", "1.2:7,7,1,1"]) == {
        "1.2": [Box(None, 0, 0, 5, 5), Box(None, 7, 7, 1, 1)], "1.3": [Box(None, 1, 1, 2, 2)]}


@pytest.mark.parametrize(("text", "says"), [
    ("10,20,30,40", "expected SERIES_INSTANCE_UID:X,Y,W,H"),
    ("1.2.x:1,2,3,4", "is not a Series Instance UID"),
    ("1." + "2" * 70 + ":1,2,3,4", "is not a Series Instance UID"),
    ("1.2.3:1,2,3", "four whole numbers"),
    ("1.2.3:1,2,-3,4", "four whole numbers"),
    ("1.2.3:1.5,2,3,4", "four whole numbers"),
    ("1.2.3:1,2,3,²", "four whole numbers"),
    ("1.2.3:1,2,0,4", "at least 1 pixel"),
    ("1.2.3:65000,2,1000,4", "ends past 65535"),
])
def test_a_bad_drawn_box_is_named_with_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        drawn_box(text)


def test_the_page_settings_take_boxes_only_with_clean_pixel_data():
    settings = settings_of(["clean-pixel-data"], "s", "", False, [box_argument()])
    assert settings.drawn == {SERIES: [Box(None, *BOX)]} and "clean_pixel_data" in settings.options
    with pytest.raises(ValueError, match="Clean Pixel Data"):
        settings_of(["clean-descriptors"], "s", "", False, [box_argument()])
    with pytest.raises(ValueError, match="not a Series Instance UID"):
        settings_of(["clean-pixel-data"], "s", "", False, ["nope:1,2,3,4"])


# --- drawn boxes in the copy ----------------------------------------------------------------------

def test_a_drawn_box_is_black_in_every_frame_of_every_instance_of_its_series_only(tmp_path):
    source = banner_zip(tmp_path / "in.zip")
    settings = Settings(frozenset({"clean_pixel_data"}), SALT.encode(), drawn=drawn_boxes([box_argument()]))
    report = deidentify_inputs([str(source)], tmp_path / "out.zip", settings)  # no OCR: drawn boxes still apply
    assert report["pixels"] == {"blanked": len(FRAMES)}, report
    output = (tmp_path / "out.zip").read_bytes()
    us = ultrasounds(output)
    assert sorted(int(ds.NumberOfFrames) for ds in us) == sorted(FRAMES)
    for ds in us:
        frames = frames_of(ds)
        assert not box_area(frames).any()  # black in every frame
        below = BOX[1] + BOX[3] + MARGIN
        assert frames[:, below:, :].any()  # the rest of the frame is as it was
        # no second reading without OCR: Burned In Annotation is not claimed NO
        assert ds.get("BurnedInAnnotation") != "NO"
    [ct] = [ds for ds in copied(output).values() if ds.Modality == "CT"]
    original = pydicom.dcmread(io.BytesIO(zipfile.ZipFile(source).read("CT/1.dcm")))
    assert ct.PixelData == original.PixelData  # another series: untouched


def test_without_clean_pixel_data_drawn_boxes_change_nothing(tmp_path):
    source = banner_zip(tmp_path / "in.zip")
    settings = Settings(frozenset(), SALT.encode(), drawn=drawn_boxes([box_argument()]))
    report = deidentify_inputs([str(source)], tmp_path / "out.zip", settings)
    assert report["pixels"] == {}
    assert all(box_area(frames_of(ds)).any() for ds in ultrasounds((tmp_path / "out.zip").read_bytes()))


# --- the page's order: read first, then copy ------------------------------------------------------

def tsv_of(words: list[Word]) -> str:
    """Words as Tesseract's TSV rows (what tesseract.js hands the page)."""
    return "".join(f"5\t1\t1\t1\t1\t{n}\t{w.x}\t{w.y}\t{w.width}\t{w.height}\t{w.confidence}\t{w.text}\n"
                   for n, w in enumerate(words, 1))


def image_of_pgm(data: bytes) -> np.ndarray:
    """The pixels of the PGM file the page hands tesseract.js (b"P5\\n<columns> <rows>\\n255\\n" + bytes)."""
    magic, size, depth, pixels = data.split(b"\n", 3)
    assert (magic, depth) == (b"P5", b"255")
    columns, rows = (int(v) for v in size.split())
    return np.frombuffer(pixels, dtype=np.uint8).reshape(rows, columns)


def page_copy(source: Path, options: list[str], boxes: list[str], engine, out_of_order: bool) -> bytes:
    """The copy as the page makes it: PageCopy reading every image first (handed to ``engine`` as
    the PGM the page gives tesseract.js, its words given back as TSV), then in two parts, each
    with what was read as the plan carries it (JSON), joined."""
    index = Index()
    try:
        index.add([str(source)])
        index.run()
        copy = PageCopy(index, settings_of(options, SALT, "", False, boxes), engine.name if engine else None)
        out: list[tuple[int, bytes]] = []
        while copy.reading:
            meta, data = copy.next_image()
            if meta["key"] is not None:
                out.append((meta["key"], data))
                if len(out) < 3:
                    continue  # several images out at once, as in the page
            assert out or meta["done"], "nothing out, nothing to read, and not done"
            if out:
                key, data = out.pop(0 if not out_of_order else -1)  # answers come in any order
                copy.take(key, tsv_of(engine.recognise(image_of_pgm(data))))
        plan = json.loads(json.dumps(copy.plan(2)))
        sinks, states = [], []
        for part in plan["parts"]:
            sinks.append(io.BytesIO())
            job = PartCopy(index, settings_of(options, SALT, "", False, boxes), plan["shared"], part, sinks[-1])
            while not job.done:
                job.step(5.0)
            states.append(json.loads(json.dumps(job.state())))
        assert len(states) == 2
        _, central = copy.join(states)
        return b"".join(sink.getvalue() for sink in sinks) + central
    finally:
        index.close()


def test_the_pages_copy_with_ocr_and_drawn_boxes_is_the_command_lines_byte_for_byte(tmp_path, tesseract):
    """OCR's boxes and the drawn ones merged: the banner (drawn over, and read), a line no box was
    drawn over (read), a box drawn on the CT (never read); answers taken in any order."""
    lines = [(8, 16, "KOWALSKI JANINA   ID MRN778812"), (300, 18, "DOB 23.05.1961")]
    source = banner_zip(tmp_path / "in.zip", lines)
    options = ["clean-pixel-data", "clean-graphics", "retain-longitudinal-modified-dates"]
    boxes = [box_argument(), box_argument(OTHER_SERIES, (0, 0, 4, 4))]
    mine = page_copy(source, options, boxes, tesseract, out_of_order=True)
    settings = settings_of(options, SALT, "", False, boxes)
    settings.ocr = tesseract
    report = deidentify_inputs([str(source)], tmp_path / "cli.zip", settings)
    assert mine == (tmp_path / "cli.zip").read_bytes()
    assert report["pixels"] == {"blanked": len(FRAMES) + 1, "read again: no text left": len(FRAMES)}, report
    for ds in ultrasounds(mine):
        frames = frames_of(ds)
        assert frames[:, 290:330, :].max() < 100  # read by OCR: blanked (drawn at 235 over noise below 60)
        assert not box_area(frames).any()  # drawn over
        assert ds.BurnedInAnnotation == "NO"  # every text box blanked, and read again: none left
    [ct] = [ds for ds in copied(mine).values() if ds.Modality == "CT"]
    pixels = ct.pixel_array  # the box drawn on the CT, black (its darkest value), the rest as it was
    assert (pixels[:4 + MARGIN, :4 + MARGIN] == pixels.min()).all() and (pixels[:15, 8:] > pixels.min()).all()


def test_the_pages_copy_without_ocr_is_the_command_lines_without_ocr(tmp_path):
    source = banner_zip(tmp_path / "in.zip")
    options = ["clean-pixel-data", "clean-descriptors"]
    mine = page_copy(source, options, [box_argument()], None, False)
    deidentify_inputs([str(source)], tmp_path / "cli.zip", settings_of(options, SALT, "", False, [box_argument()]))
    assert mine == (tmp_path / "cli.zip").read_bytes()


def test_an_image_not_read_beforehand_is_never_taken_for_a_clean_one():
    engine = RecordedEngine("recorded")
    image = np.full((4, 4), 255, dtype=np.uint8)
    engine.record(image, [])
    assert engine.recognise(image.copy()) == []
    other = image.copy()
    other[0, 0] = 0
    with pytest.raises(NotRead):
        engine.recognise(other)


def test_clean_graphics_alone_reads_the_text_but_blanks_nothing(tmp_path, tesseract):
    """Clean Graphics alone reads the input but blanks nothing: its ultrasounds keep their text, and
    Burned In Annotation is not claimed NO (nor read again)."""
    source = banner_zip(tmp_path / "in.zip")
    mine = page_copy(source, ["clean-graphics"], [], tesseract, False)
    assert all(ds.get("BurnedInAnnotation") != "NO" for ds in ultrasounds(mine))
    assert all(box_area(frames_of(ds)).max() > 200 for ds in ultrasounds(mine))
