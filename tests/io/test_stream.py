"""The read-only stream base (dicompeek.io.stream): the four streams between a picked file and a
parser behave as one kind of binary stream."""

from __future__ import annotations

import io

import pytest

from dicompeek.io.largefile import PickedFile
from dicompeek.io.limits import GuardedStream, LimitExceeded, ReadBudget
from dicompeek.io.stream import ReadOnlyStream
from dicompeek.io.zipscan import ZipReader
from dicompeek.io.zipstream import MemberStream, Slice
from registry import zip_bytes

DATA = bytes(range(256)) * 64


@pytest.fixture(params=["slice", "stored member", "deflated member", "picked file", "guarded"])
def stream(request, tmp_path):
    """Each stream over the same 16 KiB."""
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    if request.param == "slice":
        yield Slice(io.BytesIO(b"head" + DATA + b"tail"), 4, len(DATA))
    elif request.param.endswith("member"):
        archive = zip_bytes({"data.bin": DATA}, compress=request.param.startswith("deflated"))
        reader = ZipReader(io.BytesIO(archive), len(archive))
        (member,) = reader.members
        opened = reader.open(member)
        assert isinstance(opened, MemberStream)
        yield opened
    elif request.param == "picked file":
        with PickedFile(str(path), 1024) as picked:
            yield picked
    else:
        budget = ReadBudget()
        budget.allow(len(DATA))
        yield budget.guard(PickedFile(str(path), 1024))


def test_every_stream_is_a_read_only_stream(stream):
    assert isinstance(stream, ReadOnlyStream) and isinstance(stream, io.BufferedIOBase)
    assert stream.readable() and stream.seekable() and not stream.writable()
    with pytest.raises(io.UnsupportedOperation):
        stream.write(b"x")


def test_every_stream_reads_seeks_and_reads_into_buffers_alike(stream):
    assert stream.read(4) == DATA[:4] and stream.tell() == 4
    assert stream.read1(4) == DATA[4:8]
    buffer = bytearray(8)
    assert stream.readinto(buffer) == 8 and bytes(buffer) == DATA[8:16]
    assert stream.seek(-16, io.SEEK_END) == len(DATA) - 16
    assert stream.read() == DATA[-16:] and stream.read(1) == b""
    stream.seek(100)
    words = memoryview(bytearray(8)).cast("H")  # a buffer of 2-byte items is filled bytewise
    assert stream.readinto(words) == 8 and words.tobytes() == DATA[100:108]
    assert stream.seek(8, io.SEEK_CUR) == 116


def test_a_guarded_stream_stops_at_its_limit(tmp_path, monkeypatch):
    from dicompeek.io import limits

    monkeypatch.setattr(limits, "HEADER_READ_LIMIT", 1000)
    (tmp_path / "data.bin").write_bytes(DATA)
    budget = ReadBudget()
    guarded = budget.guard(PickedFile(str(tmp_path / "data.bin")))
    assert isinstance(guarded, GuardedStream)
    with pytest.raises(LimitExceeded):
        guarded.readinto(bytearray(2000))
    assert budget.tripped and "HEADER_READ_LIMIT" in budget.tripped
