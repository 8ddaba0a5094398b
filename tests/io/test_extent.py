"""Pixel data a copy takes over unread: where a stored entry's bytes lie in the picked zip, the CRC
they must have, and a zip writer that gives the same archive whether it copies them or its sink
only notes where they go (the page's)."""

from __future__ import annotations

import io
import os
import random
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from dicompeek.io.archive import Sources
from dicompeek.io.extent import Extent, crc32_combine, crc32_tail, stored_extent
from dicompeek.io.zipwriter import ZipWriter
from hostile import crc32_zeros
from registry import NotingSink, zip_bytes

MEMBERS = {"stored.dcm": bytes(range(256)) * 40, "deflated.txt": b"text " * 2000}


def _zip(tmp_path: Path, members: dict[str, bytes] = MEMBERS) -> Path:
    path = tmp_path / "pick.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED if name.endswith(".txt") else zipfile.ZIP_STORED)
    return path


def _entries(tmp_path: Path, path: Path) -> dict[str, Any]:
    sources = Sources()
    sources.add(str(path))
    return {entry.path: entry for entry in sources.entries}


def _extent(entry: Any, start: int) -> Extent:
    extent = stored_extent(entry, start)
    assert extent is not None
    return extent


def test_crc_of_two_strings_and_of_a_tail_follow_from_the_crcs_alone():
    generator = random.Random(7)
    for _ in range(100):
        first, second = os.urandom(generator.randint(0, 5000)), os.urandom(generator.randint(0, 5000))
        assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)
        assert crc32_tail(zlib.crc32(first + second), zlib.crc32(first), len(second)) == zlib.crc32(second)
    for size in (0, 1, 1000, 1 << 20):  # the hostile zips' entries of zeros are stated this way
        assert crc32_zeros(size) == zlib.crc32(bytes(size))


def test_a_stored_entry_lies_in_the_picked_zip_with_the_crc_of_its_tail(tmp_path):
    entries = _entries(tmp_path, _zip(tmp_path))
    extent = _extent(entries["stored.dcm"], 1000)
    assert extent.length == len(MEMBERS["stored.dcm"]) - 1000
    with open(extent.path, "rb") as source:
        source.seek(extent.offset)
        tail = source.read(extent.length)
    assert tail == MEMBERS["stored.dcm"][1000:] and extent.crc == zlib.crc32(tail)


def test_deflated_nested_and_loose_files_have_no_extent(tmp_path):
    entries = _entries(tmp_path, _zip(tmp_path))
    assert stored_extent(entries["deflated.txt"], 10) is None
    outer = tmp_path / "outer.zip"
    outer.write_bytes(zip_bytes({"inner.zip": zip_bytes({"a.dcm": b"x" * 500}, compress=False)}, compress=False))
    nested = _entries(tmp_path, outer)
    assert [path for path, entry in nested.items() if stored_extent(entry, 10) is not None] == []
    (tmp_path / "loose.dcm").write_bytes(b"y" * 300)
    sources = Sources()
    sources.add(str(tmp_path / "loose.dcm"))
    assert stored_extent(sources.entries[0], 10) is None


@pytest.mark.parametrize("header", [b"", b"new header " * 50], ids=["alone", "after new bytes"])
def test_an_extent_noted_by_the_sink_gives_the_archive_a_copied_one_gives(tmp_path, header):
    entry = _entries(tmp_path, _zip(tmp_path))["stored.dcm"]
    copied, noted = io.BytesIO(), NotingSink()
    sinks: list[Any] = [copied, noted]
    for sink in sinks:
        writer = ZipWriter(sink)
        extent = _extent(entry, 2000)
        writer.add("a.dcm", [header, extent], compress=False)
        writer.add_bytes("b.txt", b"after it", compress=False)
        writer.close()
    assert noted.pieces and noted.assembled() == copied.getvalue()
    with zipfile.ZipFile(io.BytesIO(copied.getvalue())) as archive:
        assert archive.testzip() is None
        assert archive.read("a.dcm") == header + MEMBERS["stored.dcm"][2000:]


def test_bytes_that_do_not_match_the_zips_crc_are_copied_as_they_are_and_counted(tmp_path):
    path = _zip(tmp_path)
    entry = _entries(tmp_path, path)["stored.dcm"]
    extent = _extent(entry, 0)
    data = bytearray(path.read_bytes())
    data[extent.offset + 5] ^= 0xFF  # damaged after listing: its bytes no longer match the stated CRC
    path.write_bytes(bytes(data))
    copied, noted = io.BytesIO(), NotingSink()
    sinks: list[Any] = [copied, noted]
    for sink in sinks:
        writer = ZipWriter(sink)
        writer.add("a.dcm", [extent], compress=False)
        writer.close()
        assert writer.damaged == (1 if sink is copied else 0)  # the page's sink never reads them
    assert noted.assembled() == copied.getvalue()
    with zipfile.ZipFile(io.BytesIO(copied.getvalue())) as archive:
        assert archive.testzip() == "a.dcm"  # as the input's entry fails


def test_an_extent_goes_only_into_a_stored_entry(tmp_path):
    entry = _entries(tmp_path, _zip(tmp_path))["stored.dcm"]
    with pytest.raises(ValueError, match="stored entry"):
        ZipWriter(io.BytesIO()).add("a.dcm", [b"x" * 70_000, _extent(entry, 0)], compress=True)
