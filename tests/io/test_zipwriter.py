"""The streaming zip writer (dicompeek.io.zipwriter): what it writes is read back whole by zipfile, Info-ZIP
``unzip`` and our own reader, byte for byte the same for the same input, in flat memory, zip64 included."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest

import hostile
from dicompeek.io import zipwriter
from dicompeek.io.archive import Sources
from dicompeek.io.zipscan import ZipReader
from dicompeek.io.zipwriter import PROBE, ZipWriter
from hostile import GiB, KiB, MiB, dicom

RANDOM = os.urandom(300 * KiB)  # incompressible, like JPEG or JPEG 2000 pixel data
DICOM = dicom(patient_id="ANON")
ENTRIES = {
    "empty.txt": b"",
    "README.txt": b"hello",  # deflate would make it longer
    "DIR/SUB/IM1.dcm": DICOM,
    "DIR/SUB/pixels.raw": bytes(range(256)) * 1000,  # compressible
    "DIR/jpeg.bin": RANDOM,
    "Ünïcödé/名前.dcm": b"x" * 1000,
}

needs_unzip = pytest.mark.skipif(not shutil.which("unzip"), reason="Info-ZIP unzip not installed")


class PipeLike:
    """A sink that can only be written to, like a pipe: not seekable, no position."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data) -> int:
        return self.buffer.write(data)

    def seekable(self) -> bool:
        return False

    def seek(self, *args) -> int:
        raise io.UnsupportedOperation("seek")

    def tell(self) -> int:
        raise io.UnsupportedOperation("tell")

    def getvalue(self) -> bytes:
        return self.buffer.getvalue()


class Counting:
    """A sink that keeps nothing: it counts the bytes."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data) -> None:
        self.count += len(data)


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    return (data[at:at + size] for at in range(0, len(data), size))


def archive(entries: dict[str, bytes] = ENTRIES, chunk: int | None = None, sink: io.BytesIO | PipeLike | None = None,
            **options) -> bytes:
    """The zip of ``entries``, each given in chunks of ``chunk`` bytes (or whole)."""
    target = sink if sink is not None else io.BytesIO()
    with ZipWriter(target, **options) as writer:
        for name, data in entries.items():
            writer.add(name, chunked(data, chunk) if chunk else [data])
    assert writer.bytes_written == len(target.getvalue())
    return target.getvalue()


def read_back(data: bytes) -> dict[str, bytes]:
    """The entries as zipfile reads them, checked against our reader's, CRCs verified by both."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        theirs = {info.filename: zf.read(info) for info in zf.infolist()}
    reader = ZipReader(io.BytesIO(data), len(data))
    assert not reader.notes and not reader.scanned
    ours = {}
    for member in reader.members:
        assert member.problem is None and member.name_note is None
        with member() as stream:
            ours[member.name] = stream.read()
    assert ours == theirs
    return ours


def unzip_test(path: Path, *names: str) -> None:
    if shutil.which("unzip"):
        done = subprocess.run(["unzip", "-t", str(path), *names], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No errors detected" in done.stdout


# -- what comes out -------------------------------------------------------------------------------

def test_entries_are_read_back_whole_by_zipfile_unzip_and_our_reader(tmp_path):
    data = archive()
    assert read_back(data) == ENTRIES
    (tmp_path / "copy.zip").write_bytes(data)
    unzip_test(tmp_path / "copy.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert [(i.filename, i.CRC) for i in zf.infolist()] == [(n, zlib.crc32(d)) for n, d in ENTRIES.items()]
        assert all(i.flag_bits & 0x808 == 0x808 for i in zf.infolist())  # data descriptor, UTF-8 name
    sources = Sources()  # as the app opens a pick
    sources.add(str(tmp_path / "copy.zip"))
    assert not sources.problems and not sources.notes
    assert [e.path for e in sources.entries] == list(ENTRIES)
    with sources.find("DIR/SUB/IM1.dcm")[0].open() as stream:
        assert pydicom.dcmread(stream).PatientID == "ANON"
    sources.close()


@needs_unzip
def test_unzip_extracts_the_names_and_contents(tmp_path):
    (tmp_path / "copy.zip").write_bytes(archive())
    subprocess.run(["unzip", "-q", str(tmp_path / "copy.zip"), "-d", str(tmp_path / "out")], check=True, timeout=60)
    assert {name: (tmp_path / "out" / name).read_bytes() for name in ENTRIES} == ENTRIES
    assert oct((tmp_path / "out" / "README.txt").stat().st_mode & 0o777) == oct(0o644 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_entry_info_says_where_each_entry_is_and_how_it_was_stored():
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        infos = [writer.add_bytes(name, data) for name, data in ENTRIES.items()]
    assert list(writer.entries) == infos
    with zipfile.ZipFile(sink) as zf:
        for info, zinfo in zip(infos, zf.infolist(), strict=True):
            assert (info.name, info.offset, info.size, info.compressed_size, info.crc) == (
                zinfo.filename, zinfo.header_offset, zinfo.file_size, zinfo.compress_size, zinfo.CRC)
            assert info.deflated == (zinfo.compress_type == zipfile.ZIP_DEFLATED)


def test_already_compressed_and_tiny_entries_are_stored_the_rest_deflated():
    infos = {}
    with ZipWriter(io.BytesIO()) as writer:
        for name, data in ENTRIES.items():
            infos[name] = writer.add_bytes(name, data)
        jpeg_dicom = DICOM + RANDOM  # a small header in front of JPEG data: not worth deflating
        infos["jpeg.dcm"] = writer.add("jpeg.dcm", chunked(jpeg_dicom, 10_000))
        infos["forced"] = writer.add_bytes("forced", RANDOM, compress=True)
        infos["kept"] = writer.add_bytes("kept", bytes(100_000), compress=False)
        # decided on the first PROBE bytes only: compressible ones, then random data
        infos["probe"] = writer.add_bytes("probe", bytes(PROBE) + RANDOM)
    deflated = {name for name, info in infos.items() if info.deflated}
    assert deflated == {"DIR/SUB/IM1.dcm", "DIR/SUB/pixels.raw", "Ünïcödé/名前.dcm", "forced", "probe"}
    assert infos["DIR/SUB/pixels.raw"].compressed_size < 3000
    assert infos["jpeg.dcm"].compressed_size == len(DICOM + RANDOM)
    assert infos["kept"].compressed_size == 100_000


def test_every_entry_gets_the_timestamp_given():
    sink = io.BytesIO()
    with ZipWriter(sink, timestamp=(2024, 5, 17, 13, 45, 31)) as writer:
        writer.add_bytes("a", b"1")
    with zipfile.ZipFile(sink) as zf:
        assert zf.getinfo("a").date_time == (2024, 5, 17, 13, 45, 30)  # zips count seconds in twos
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        writer.add_bytes("a", b"1")
    with zipfile.ZipFile(sink) as zf:
        assert zf.getinfo("a").date_time == (1980, 1, 1, 0, 0, 0)  # the default
    for bad in ((1979, 12, 31, 0, 0, 0), (2024, 2, 30, 0, 0, 0), (2024, 1, 1, 24, 0, 0)):
        with pytest.raises(ValueError, match=re.escape(f"timestamp {bad} cannot be stated in a zip")):
            ZipWriter(io.BytesIO(), timestamp=bad)


def test_an_empty_archive_is_a_valid_zip():
    data = archive({})
    assert data == b"PK\x05\x06" + bytes(18)
    assert read_back(data) == {}


# -- the same bytes every time --------------------------------------------------------------------

def test_same_input_gives_the_same_bytes_however_chunked_and_whatever_the_sink():
    entries = {**ENTRIES, "big.raw": bytes(range(256)) * 8000 + RANDOM}
    first = archive(entries)
    assert archive(entries) == first
    for size in (1, 1000, PROBE - 1, PROBE, PROBE + 1, MiB):
        small = {name: data[:5000] for name, data in entries.items()} if size == 1 else entries
        assert archive(small, chunk=size) == archive(small), size
    assert archive(entries, sink=PipeLike()) == first
    assert archive(entries, timestamp=(2020, 1, 1, 0, 0, 0)) != first


def test_a_sink_that_takes_part_of_each_write_still_gets_everything():
    class Trickle(PipeLike):
        def write(self, data) -> int:
            return self.buffer.write(bytes(data[:7]))  # a raw stream may write less than asked

    assert archive(sink=Trickle()) == archive()


# -- memory ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [None, False])
def test_a_200_mb_entry_is_written_through_in_flat_memory(compress):
    pattern = bytes(range(256)) * 4 * KiB  # 1 MiB

    def chunks() -> Iterator[bytearray]:
        for _ in range(200):
            yield bytearray(pattern)  # a new buffer each time, as a reader makes them

    sink = Counting()
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with ZipWriter(sink) as writer:
            info = writer.add("DIR/big.raw", chunks(), compress=compress)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.size == 200 * MiB and info.deflated == (compress is None)
    assert sink.count == writer.bytes_written > (info.compressed_size if compress is None else 200 * MiB)
    assert peak < 4 * MiB, peak
    assert time.perf_counter() - started < 30


# -- zip64 ----------------------------------------------------------------------------------------

def test_zip64_records_when_sizes_offsets_and_counts_run_out(tmp_path, monkeypatch):
    """The limits lowered (1,000 bytes, 3 entries), so that every zip64 record is written in a few KB: sizes
    and offsets in zip64 extras, 8-byte data descriptors, the zip64 end record and its locator."""
    monkeypatch.setattr(zipwriter, "_LIMIT32", 1000)
    monkeypatch.setattr(zipwriter, "_LIMIT16", 3)
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        for name, data in ENTRIES.items():
            writer.add(name, chunked(data, 4000), zip64=name == "DIR/jpeg.bin")
    data = sink.getvalue()
    assert read_back(data) == ENTRIES
    end = data[-22:]
    assert data[-42:-22][:4] == b"PK\x06\x07" and data[-98:-42][:4] == b"PK\x06\x06"
    assert struct.unpack_from("<2H", end, 8) == (0xFFFF, 0xFFFF)  # the counts are in the zip64 record
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        big = [i.filename for i in zf.infolist() if i.file_size >= 1000 or i.header_offset >= 1000]
        assert all(zf.getinfo(name).extra[:2] == b"\x01\x00" for name in big)  # the zip64 extra field
    (tmp_path / "zip64.zip").write_bytes(data)
    unzip_test(tmp_path / "zip64.zip")


def test_more_than_65535_entries(tmp_path):
    """Real counts: 70,000 entries need the zip64 end record (about 3 s)."""
    path = tmp_path / "many.zip"
    with open(path, "wb") as f, ZipWriter(f) as writer:
        for k in range(70_000):
            writer.add_bytes(f"DIR/{k:05}", b"%d" % k, compress=False)
    with zipfile.ZipFile(path) as zf:
        assert len(zf.infolist()) == 70_000 and zf.read("DIR/69999") == b"69999"
    reader = ZipReader(io.BytesIO(path.read_bytes()), path.stat().st_size)
    assert len(reader.members) == 70_000 and not reader.notes
    with reader.members[-1]() as stream:
        assert stream.read() == b"69999"
    unzip_test(path)


class SparseSink:
    """Writes to a file, leaving the chunks of zeros (the ``ZEROS`` object) as holes: gigabytes cost no disk."""

    def __init__(self, f, zeros: bytes) -> None:
        self.f = f
        self.zeros = zeros

    def write(self, data) -> int:
        if getattr(data, "obj", data) is self.zeros and len(data) == len(self.zeros):
            self.f.seek(len(data), os.SEEK_CUR)
        else:
            self.f.write(data)
        return len(data)


def test_entries_over_4_gib_declared_or_not(tmp_path):
    """Two 4 GiB entries of zeros written sparse (about 5 s: the CRCs), one declared zip64 (zip64 extra in its
    local header), one not (zip64 only in its descriptor and central record); the last entry starts past 8 GiB."""
    if not hostile.sparse_files_work(tmp_path):
        pytest.skip("the temporary folder's file system has no sparse files")
    if shutil.disk_usage(tmp_path).free < 10 * GiB:
        pytest.skip("less than 10 GB free for the sparse 8 GiB zip")
    zeros = bytes(16 * MiB)
    big = 257 * len(zeros) + 4  # just over 4 GiB

    def data() -> Iterator[bytes]:
        yield from [zeros] * 257
        yield b"END!"

    path = tmp_path / "big.zip"
    with open(path, "wb") as f, ZipWriter(SparseSink(f, zeros)) as writer:
        writer.add_bytes("before.txt", b"before")
        declared = writer.add("declared.raw", data(), compress=False, zip64=True)
        undeclared = writer.add("undeclared.raw", data(), compress=False)
        writer.add_bytes("after.txt", b"after")
    assert declared.size == declared.compressed_size == undeclared.size == big
    assert declared.crc == undeclared.crc == zlib.crc32(b"END!", hostile.crc32_zeros(257 * len(zeros)))
    with zipfile.ZipFile(path) as zf:
        assert [(i.filename, i.file_size) for i in zf.infolist()] == [
            ("before.txt", 6), ("declared.raw", big), ("undeclared.raw", big), ("after.txt", 5)]
        assert zf.getinfo("after.txt").header_offset > 2 * big
        assert zf.read("after.txt") == b"after"
    with open(path, "rb") as zipped:
        reader = ZipReader(zipped, path.stat().st_size)
        members = {m.name: m for m in reader.members}
        assert not reader.notes and all(m.problem is None for m in reader.members)
        for name in ("declared.raw", "undeclared.raw"):
            with members[name]() as stream:
                stream.seek(big - 8)
                assert stream.read() == b"\0\0\0\0END!"
        with members["after.txt"]() as stream:
            assert stream.read() == b"after"
    unzip_test(path, "before.txt", "after.txt")  # testing the zeros themselves would take a minute


# -- names and failures ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "problem"), [
    ("", "is empty"),
    ("/etc/passwd", "is an absolute path"),
    ("\\\\server\\share\\IM1", "is an absolute path"),
    ("C:/DICOM/IM1", "is an absolute path"),
    ("C:IM1", "is an absolute path"),
    ("DIR/../../IM1", "has a '..' part"),
    ("..", "has a '..' part"),
    ("DIR//IM1", "has an empty or '.' part"),
    ("DIR/", "has an empty or '.' part"),
    ("./IM1", "has an empty or '.' part"),
    ("IM\x001", "contains a NUL character"),
    ("IM\udc801", "is not valid Unicode"),
    ("x" * 70_000, "is too long (70,000 bytes of UTF-8"),
    ("DIR/IM1", "is already in the archive"),
    ("DIR\\IM1", "is already in the archive (as 'DIR/IM1')"),
])
def test_bad_names_are_refused_naming_the_entry_and_the_archive_stays_whole(name, problem):
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        writer.add_bytes("DIR/IM1", b"first")
        with pytest.raises(ValueError) as refused:
            writer.add_bytes(name, b"second")
        message = str(refused.value)
        assert problem in message and len(message) < 300
        assert message.startswith(f"zip entry name {name!r}" if len(name) < 100 else "zip entry name 'xxxx")
        writer.add_bytes("DIR/IM2", b"third")
    assert read_back(sink.getvalue()) == {"DIR/IM1": b"first", "DIR/IM2": b"third"}


def test_backslashes_become_forward_slashes():
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        assert writer.add_bytes("DIR\\SUB\\IM1", b"x").name == "DIR/SUB/IM1"
    assert read_back(sink.getvalue()) == {"DIR/SUB/IM1": b"x"}


def test_bytes_given_to_add_are_refused():
    with ZipWriter(io.BytesIO()) as writer, pytest.raises(TypeError, match="use add_bytes"):
        writer.add("IM1", b"data")  # type: ignore[arg-type]


def test_data_failing_part_way_leaves_an_archive_no_tool_takes_for_complete():
    def failing() -> Iterator[bytes]:
        yield RANDOM
        raise OSError("the source zip could not be read")

    sink = io.BytesIO()
    writer = ZipWriter(sink)
    writer.add_bytes("IM1", b"first")
    with pytest.raises(OSError, match="could not be read"):
        writer.add("IM2", failing())
    with pytest.raises(ValueError, match="cannot add zip entry 'IM3': the archive is unfinished "
                                         r"\(entry 'IM2' failed\)"):
        writer.add_bytes("IM3", b"third")
    writer.close()
    assert b"PK\x05\x06" not in sink.getvalue()  # no end record
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(sink)


def test_data_failing_before_anything_is_written_leaves_the_archive_whole():
    def failing() -> Iterator[bytes]:
        raise OSError("the source zip could not be read")
        yield b""

    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        with pytest.raises(OSError):
            writer.add("IM1", failing())
        writer.add_bytes("IM1", b"retried")
    assert read_back(sink.getvalue()) == {"IM1": b"retried"}


def test_an_exception_in_the_with_block_leaves_the_archive_unfinished():
    sink = io.BytesIO()
    with pytest.raises(RuntimeError), ZipWriter(sink) as writer:
        writer.add_bytes("IM1", b"first")
        raise RuntimeError("de-identification failed")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(sink)
    with pytest.raises(ValueError, match="the archive is closed"):
        writer.add_bytes("IM2", b"x")


@pytest.mark.parametrize("zip64", [False, True])
def test_a_copy_cut_short_is_still_listed_by_our_readers_local_header_scan(zip64):
    """An interrupted download of the copy: the data descriptors let our reader find every whole entry."""
    sink = io.BytesIO()
    with ZipWriter(sink) as writer:
        for name, data in ENTRIES.items():
            writer.add_bytes(name, data, zip64=zip64 and name == "DIR/jpeg.bin")
    last = writer.entries[-1]
    cut = sink.getvalue()[:last.offset + 30 + len(last.name.encode()) + 2]  # inside the last entry's data
    reader = ZipReader(io.BytesIO(cut), len(cut))
    assert reader.scanned and [m.name for m in reader.members] == list(ENTRIES)
    assert reader.members[-1].problem is not None
    whole = {}
    for member in reader.members[:-1]:
        with member() as stream:
            whole[member.name] = stream.read()
    assert whole == dict(list(ENTRIES.items())[:-1])


def test_a_sink_failing_part_way_leaves_the_archive_unfinished():
    class DiskFull(PipeLike):
        def write(self, data) -> int:
            if self.buffer.tell() + len(data) > 100_000:
                raise OSError(28, "No space left on device")
            return self.buffer.write(data)

    writer = ZipWriter(DiskFull())
    with pytest.raises(OSError, match="No space left"):
        for name, data in ENTRIES.items():
            writer.add_bytes(name, data)
    with pytest.raises(ValueError, match="the archive is unfinished"):
        writer.add_bytes("IM9", b"x")
