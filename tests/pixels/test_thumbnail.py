"""Series thumbnails (dicompeek.pixels.thumbnail): the middle frame, small, as PNG; reasons when none."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest

from dicompeek.index.indexer import Index
from dicompeek.pixels import thumbnail as thumbnails
from dicompeek.pixels.thumbnail import shrink, thumbnail
from dicompeek_synthetic import ct_phantom_series
from registry import small_dataset, zip_bytes


def png_pixels(data: bytes) -> np.ndarray:
    """Grey or RGB pixels of a PNG written by dicompeek.pixels.png (filter 0, one IDAT)."""
    stream = io.BytesIO(data)
    assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    width = height = channels = 0
    body = b""
    while True:
        length = int.from_bytes(stream.read(4), "big")
        kind, chunk = stream.read(4), stream.read(length)
        stream.read(4)
        if kind == b"IHDR":
            width, height = int.from_bytes(chunk[:4], "big"), int.from_bytes(chunk[4:8], "big")
            channels = 3 if chunk[9] == 2 else 1
        elif kind == b"IDAT":
            body += chunk
        elif kind == b"IEND":
            break
    rows = np.frombuffer(zlib.decompress(body), np.uint8).reshape(height, 1 + width * channels)[:, 1:]
    return rows.reshape(height, width, channels) if channels == 3 else rows


def indexed(tmp_path, files: dict) -> Index:
    (tmp_path / "pick.zip").write_bytes(zip_bytes(files))
    index = Index()
    index.add([str(tmp_path / "pick.zip")])
    index.run()
    return index


@pytest.fixture
def ct_index(tmp_path):
    """A CT series of 9 slices, each a flat value of its own (the slice is told by the thumbnail's grey)."""
    series = ct_phantom_series(9, 300, 200)
    for number, ds in enumerate(series):
        ds.PixelData = np.full((300, 200), number * 100 - 400 + 1024, np.int16).tobytes()  # -400 … 400 HU
        ds.WindowCenter, ds.WindowWidth = 0, 1000
    index = indexed(tmp_path, {f"CT/{number}.dcm": ds for number, ds in enumerate(series)})
    yield index, series
    index.close()


def test_the_thumbnail_is_the_middle_slice_shrunk_with_its_shape(ct_index):
    index, series = ct_index
    meta, png = thumbnail(index, series[0].StudyInstanceUID, series[0].SeriesInstanceUID)
    pixels = png_pixels(png)
    assert meta["frames"] == 9 and meta["frame"] == 0
    assert pixels.shape == (meta["rows"], meta["columns"]) == (100, 66)  # 300 × 200 by blocks of 3
    assert np.all(pixels == 128)  # slice 5 of 9: 0 HU, the middle of the window -500 … 500


def test_a_series_without_pixel_data_says_so(tmp_path):
    ds = small_dataset()
    del ds.PixelData  # a header without pixels
    index = indexed(tmp_path, {"a.dcm": ds})
    meta, png = thumbnail(index, ds.StudyInstanceUID, ds.SeriesInstanceUID)
    assert png == b"" and meta["error"] == "no pixel data"
    index.close()


def test_a_file_too_large_gets_a_reason_not_a_read(ct_index, monkeypatch):
    index, series = ct_index
    monkeypatch.setattr(thumbnails, "FILE_LIMIT", 1000)
    meta, png = thumbnail(index, series[0].StudyInstanceUID, series[0].SeriesInstanceUID)
    assert png == b"" and meta["error"].startswith("no thumbnail for a file of")


def test_an_unknown_series_is_no_longer_loaded(ct_index):
    index, _ = ct_index
    assert thumbnail(index, "1.2.3", "4.5.6") == ({"error": "this series is no longer loaded"}, b"")


def test_shrinking_averages_blocks_so_fine_patterns_become_grey():
    checkerboard = (np.indices((256, 256)).sum(axis=0) % 2 * 255).astype(np.uint8)
    small = shrink(checkerboard, 64)
    assert small.shape == (64, 64) and np.all(np.abs(small.astype(int) - 128) <= 1)


def test_shrinking_keeps_colour_and_very_thin_images():
    colour = np.zeros((40, 400, 3), np.uint8)
    colour[..., 0] = 200
    assert shrink(colour, 100).shape == (10, 100, 3) and np.all(shrink(colour, 100)[..., 0] == 200)
    assert shrink(np.zeros((2, 1000), np.uint8), 100).shape == (1, 100)
