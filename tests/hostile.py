"""Hostile zips, built cheaply, with what DICOM Peek must make of each.

Zips are written by hand (:class:`RawZip`) so that every field can lie:
names with NUL or control characters, encryption flags, unsupported methods,
declared sizes that do not match, entries that overlap, zip64 records. Big
cases cost almost nothing to build: the 10 GiB entry repeats one compressed
block of zeros (deflate output after a full flush does not depend on what came
before), the zip over 4 GiB is a sparse file, and CRCs of zeros are computed
with zlib's combine algorithm rather than by reading gigabytes.

:func:`hostile_zip` writes one zip with one of each case that fits in a zip,
plus valid DICOM files, and returns what is expected of it; the cases that
need a whole archive (truncated, damaged central directory, over 4 GiB,
100,000 entries, ...) have builders of their own. Every builder returns an
:class:`Expected`, whose :meth:`Expected.as_dict` is plain JSON data for tests
that drive the page.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from dicompeek.io.archive import shown
from dicompeek.io.extent import crc32_combine
from dicompeek_synthetic import dataset_bytes
from registry import XSS, small_dataset

KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3
U32 = 0xFFFFFFFF


@dataclass
class Expected:
    """What indexing one hostile pick must give.

    ``dicom``: locations of the valid DICOM files (a location appears twice when
    two entries share a name); ``files``: location -> {"kind", "reason"} for
    every entry that is listed in the summary's files, ``reason`` being a
    substring of the message; ``notes``: location -> a substring of a note;
    ``entries``: the summary's ``totals.entries`` for this pick alone.
    """

    name: str
    entries: int = 0
    dicom: list[str] = field(default_factory=list)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def valid(self, location: str) -> None:
        self.dicom.append(location)
        self.entries += 1

    def bad(self, location: str, kind: str, reason: str, *, counted: bool = True) -> None:
        self.files[location] = {"kind": kind, "reason": reason}
        self.entries += counted

    def note(self, location: str, message: str) -> None:
        self.notes[location] = message

    def as_dict(self) -> dict:
        return asdict(self)


# -- CRC-32 without reading the data ---------------------------------------------------------
# crc32_combine is the product's (dicompeek.io.extent; tests/io/test_extent.py checks it against zlib)


def crc32_zeros(n: int) -> int:
    """CRC-32 of ``n`` zero bytes, in microseconds whatever ``n``."""
    # the register starts as all ones; zero bytes only shift it (times x^8n); the result is inverted:
    # that is combining the all-ones register with n bytes whose own CRC is the final inversion
    return crc32_combine(0xFFFFFFFF, 0xFFFFFFFF, n)


def deflated_zeros(total: int, block: int = MiB) -> Iterable[bytes]:
    """A raw deflate stream of ``total`` zero bytes, made by compressing one block and repeating it.

    After a full flush the compressor starts afresh, so the compressed form of
    each further block of zeros is the same bytes: a 10 GiB stream costs two
    compressions and 10,240 writes of about 1 KiB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(block)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    check = compressor.copy()
    assert check.compress(zeros) + check.flush(zlib.Z_FULL_FLUSH) == repeated
    full, rest = divmod(total, block)
    if full:
        yield first
        for _ in range(full - 1):
            yield repeated
    yield compressor.compress(bytes(rest)) + compressor.flush(zlib.Z_FINISH)


# -- a zip writer that lets every field lie ------------------------------------------------------

@dataclass
class Record:
    """One central directory record."""

    name: bytes
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    offset: int
    extra: bytes = b""


class RawZip:
    """Write a zip field by field. ``entry`` writes a local header and data; ``finish`` the directory."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.records: list[Record] = []

    def entry(self, name: str | bytes, data: bytes = b"", *, method: int = 8, flags: int = 0,
              compressed: bytes | None = None, crc: int | None = None, usize: int | None = None,
              extra: bytes = b"") -> Record:
        """An entry whose data is ``data`` compressed with ``method`` (or ``compressed`` as given)."""
        if compressed is None:
            compressed = compress(data, method)
        return self._write(name, [compressed], len(compressed), method=method, flags=flags,
                           crc=zlib.crc32(data) if crc is None else crc,
                           usize=len(data) if usize is None else usize, extra=extra)

    def stream(self, name: str, chunks: Iterable[bytes], *, usize: int, crc: int, method: int = 8) -> Record:
        """An entry whose compressed data arrives in ``chunks`` (sizes fixed up afterwards)."""
        return self._write(name, chunks, None, method=method, flags=0, crc=crc, usize=usize, extra=b"",
                           zip64=usize >= U32)

    def sparse(self, name: str, size: int) -> Record:
        """A stored entry of ``size`` zero bytes left as a hole in the file (costs no disk)."""
        record = self._header(name, method=0, flags=0, crc=crc32_zeros(size), csize=size, usize=size, extra=b"")
        self.f.seek(size, os.SEEK_CUR)
        return record

    def raw(self, data: bytes) -> None:
        self.f.write(data)

    def _header(self, name: str | bytes, *, method: int, flags: int, crc: int, csize: int, usize: int,
                extra: bytes, zip64: bool = False) -> Record:
        raw_name = name if isinstance(name, bytes) else name.encode("utf-8")
        if isinstance(name, str) and not name.isascii():
            flags |= 0x800
        offset = self.f.tell()
        zip64 = zip64 or csize >= U32 or usize >= U32
        local_extra = extra + (struct.pack("<2H2Q", 1, 16, usize, csize) if zip64 else b"")
        self.f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 45 if zip64 else 20, flags, method, 0, 0x21,
                                 crc, U32 if zip64 else csize, U32 if zip64 else usize,
                                 len(raw_name), len(local_extra)) + raw_name + local_extra)
        record = Record(raw_name, flags, method, crc, csize, usize, offset, extra)
        self.records.append(record)
        return record

    def _write(self, name, chunks, csize, *, method, flags, crc, usize, extra, zip64=False) -> Record:
        record = self._header(name, method=method, flags=flags, crc=crc, csize=csize or 0, usize=usize,
                              extra=extra, zip64=zip64 or (csize or 0) >= U32)
        written = 0
        for chunk in chunks:
            self.f.write(chunk)
            written += len(chunk)
        if csize is None:  # patch the compressed size into the local header
            record.csize = written
            end = self.f.tell()
            if zip64 or usize >= U32:
                self.f.seek(record.offset + 30 + len(record.name) + len(extra) + 4 + 8)
                self.f.write(struct.pack("<Q", written))
            else:
                self.f.seek(record.offset + 18)
                self.f.write(struct.pack("<L", written))
            self.f.seek(end)
        return record

    def add_record(self, record: Record) -> None:
        """A central directory record for data written with :meth:`raw`."""
        self.records.append(record)

    def finish(self, *, records: list[Record] | None = None, comment: bytes = b"", zip64: bool = False) -> None:
        records = self.records if records is None else records
        start = self.f.tell()
        for r in records:
            fields = [v for v, big in ((r.usize, r.usize >= U32), (r.csize, r.csize >= U32),
                                       (r.offset, r.offset >= U32)) if big]
            extra = r.extra + (struct.pack("<2H", 1, 8 * len(fields)) + struct.pack(f"<{len(fields)}Q", *fields)
                               if fields else b"")
            self.f.write(struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 0x031E, 45 if fields else 20, r.flags, r.method, 0, 0x21, r.crc,
                min(r.csize, U32), min(r.usize, U32), len(r.name), len(extra), 0, 0, 0, 0, min(r.offset, U32))
                + r.name + extra)
        end = self.f.tell()
        count, size = len(records), end - start
        if zip64 or count > 0xFFFF or start >= U32 or size >= U32:
            self.f.write(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start))
            self.f.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1))
        self.f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                 min(size, U32), min(start, U32), len(comment)) + comment)


def compress(data: bytes, method: int) -> bytes:
    """``data`` as a zip entry compressed with ``method`` holds it (junk for methods Python lacks)."""
    if method == 0:
        return data
    if method == 8:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    if method in (12, 14):  # let zipfile do bzip2 and its LZMA framing, then take the bytes out
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            archive.writestr("x", data)
        with zipfile.ZipFile(buffer) as archive:
            info = archive.getinfo("x")
        raw = buffer.getvalue()
        start = info.header_offset + 30 + len(info.filename) + struct.unpack_from("<H", raw, info.header_offset + 28)[0]
        return raw[start:start + info.compress_size]
    return os.urandom(max(len(data) // 3, 16))  # a method nobody here can decode: the bytes do not matter


def zip_of(members: dict[str, bytes], *, method: int = 8) -> bytes:
    buffer = io.BytesIO()
    z = RawZip(buffer)
    for name, data in members.items():
        z.entry(name, data, method=method)
    z.finish()
    return buffer.getvalue()


def dicom(**kwargs) -> bytes:
    return dataset_bytes(small_dataset(**kwargs))


def overlap_group(z: RawZip, prefix: str, count: int, kernel_size: int) -> list[Record]:
    """David Fifield's "better zip bomb" (quoted overlap), ``count`` entries sharing one kernel.

    The kernel (``kernel_size`` zeros, deflated) is the last entry's data. Each
    entry before it starts with a stored deflate block that quotes the next
    entry's local header and then runs on into that entry's data, so every
    entry decompresses, with a correct CRC, to the headers after it plus the
    whole kernel: ``count`` times the kernel from one copy of it.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = compressor.compress(bytes(kernel_size)) + compressor.flush()
    names = [f"{prefix}{k:02d}".encode() for k in range(count)]
    # built back to front: each header states the sizes and CRC of everything after it
    usize, csize, crc = kernel_size, len(kernel), crc32_zeros(kernel_size)
    headers: list[bytes] = [b""] * count
    sizes: list[tuple[int, int, int]] = [(0, 0, 0)] * count
    for k in range(count - 1, -1, -1):
        if k < count - 1:
            quoted = headers[k + 1]
            crc = crc32_combine(zlib.crc32(quoted), crc, usize)
            usize += len(quoted)
            csize += 5 + len(quoted)
        sizes[k] = (crc, csize, usize)
        headers[k] = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, csize, usize,
                                 len(names[k]), 0) + names[k]
    records = []
    for k in range(count):
        offset = z.f.tell()
        z.raw(headers[k])
        if k < count - 1:
            quoted = headers[k + 1]
            z.raw(struct.pack("<BHH", 0, len(quoted), len(quoted) ^ 0xFFFF))  # a stored, non-final block
        crc, csize, usize = sizes[k]
        records.append(Record(names[k], 0, 8, crc, csize, usize, offset))
    z.raw(kernel)
    z.records.extend(records)
    return records


# -- the one zip with one of everything ------------------------------------------------------------

AES_EXTRA = struct.pack("<3H2sBH", 0x9901, 7, 2, b"AE", 3, 8)
WEIRD_NAMES = [
    "/absolute/IM.dcm",
    "../../escape/IM.dcm",
    "C:\\windows\\IM.dcm",
    "nul\x00name.dcm",
    "ctrl\x1b[31m\x07\r\nname.dcm",
    "bidi\u202egpj.dcm",
    f"{XSS}.dcm",
    "long/" + "x" * 10240 + ".dcm",
]


def hostile_zip(path: str | Path, *, lzma_available: bool | None = None) -> dict:
    """Write one zip holding one of each hostile case that fits in a zip, plus valid DICOM files.

    Returns :meth:`Expected.as_dict`. ``lzma_available``: whether the reader
    has Python's lzma module (CPython does, the page's Pyodide does not); by
    default, whether this interpreter has it.
    """
    if lzma_available is None:
        try:
            import lzma  # noqa: F401
            lzma_available = True
        except ImportError:
            lzma_available = False
    path = Path(path)
    label = path.name
    expected = Expected(label)

    def where(name: str) -> str:
        return f"{label}::{shown(name)}"

    with open(path, "wb") as f:
        z = RawZip(f)
        z.entry("dir/", b"", method=0)  # a folder entry: not a file, not counted
        # valid DICOM in every method the reader decodes
        for name, method in (("valid/deflate.dcm", 8), ("valid/stored.dcm", 0), ("valid/bzip2.dcm", 12)):
            z.entry(name, dicom(patient_id="HOSTILE"), method=method)
            expected.valid(where(name))
        z.entry("valid/lzma.dcm", dicom(patient_id="HOSTILE"), method=14)
        if lzma_available:
            expected.valid(where("valid/lzma.dcm"))
        else:
            expected.bad(where("valid/lzma.dcm"), "unreadable", "zip entry uses unsupported compression (LZMA")
        z.entry("readme.txt", b"Hostile test zip: every case here must be reported, none may crash.\n")
        expected.bad(where("readme.txt"), "non-dicom", "not DICOM (text)")
        z.entry("empty.dcm", b"", method=0)
        expected.bad(where("empty.dcm"), "unreadable", "empty file (0 bytes)")

        # two entries with one name: both kept and indexed
        for _ in range(2):
            z.entry("dup/IM.dcm", dicom(patient_id="HOSTILE"))
            expected.valid(where("dup/IM.dcm"))
        expected.note(where("dup/IM.dcm"), "2 entries in this zip share this name")

        # names that would be dangerous if anything were extracted, or shown as markup
        for name in WEIRD_NAMES:
            z.entry(name, dicom(patient_id="HOSTILE"))
            expected.valid(where(name))
            if name != f"{XSS}.dcm":  # markup is an ordinary name: it is shown as text like any other
                expected.note(where(name), "unusual entry name")
        z.entry(b"bad-\xff\xfe-utf8.dcm", dicom(patient_id="HOSTILE"), flags=0x800)
        bad_utf8 = where("bad-\ufffd\ufffd-utf8.dcm")
        expected.valid(bad_utf8)
        expected.note(bad_utf8, "not valid UTF-8")

        # encrypted and undecodable entries
        z.entry("secret/zipcrypto.dcm", compressed=os.urandom(300), usize=500, crc=1, flags=0x1)
        expected.bad(where("secret/zipcrypto.dcm"), "unreadable", "encrypted zip entry (ZipCrypto")
        z.entry("secret/aes.dcm", compressed=os.urandom(300), usize=500, crc=0, flags=0x1, method=99,
                extra=AES_EXTRA)
        expected.bad(where("secret/aes.dcm"), "unreadable", "encrypted zip entry (AES")
        for name, method, shown_as in (("methods/deflate64.dcm", 9, "deflate64"), ("methods/zstd.dcm", 93, "zstandard"),
                                       ("methods/xz.dcm", 95, "xz"), ("methods/ppmd.dcm", 98, "PPMd"),
                                       ("methods/implode.dcm", 6, "implode")):
            z.entry(name, dicom(), method=method)
            expected.bad(where(name), "unreadable", f"zip entry uses unsupported compression ({shown_as})")

        # bombs
        size = 10 * GiB
        z.stream("bomb/10GiB-of-zeros.bin", deflated_zeros(size), usize=size, crc=crc32_zeros(size))
        expected.bad(where("bomb/10GiB-of-zeros.bin"), "unreadable", "possible zip bomb: 10.0 GiB uncompressed")
        liar = bytes(50 * MiB)
        z.entry("bomb/liar.dcm", compressed=compress(liar, 8), crc=zlib.crc32(liar), usize=2000)
        expected.bad(where("bomb/liar.dcm"), "unreadable", "CRC-32 check failed")
        z.entry("valid/between.dcm", dicom(patient_id="HOSTILE"))
        expected.valid(where("valid/between.dcm"))
        for record in overlap_group(z, "overlap/", 10, 4 * MiB):
            name = record.name.decode()
            expected.bad(where(name), "unreadable", "overlaps another entry's data")

        # zips inside the zip
        deepest = zip_of({"IM.dcm": dicom(patient_id="HOSTILE")})
        deeper = zip_of({"IM.dcm": dicom(patient_id="HOSTILE"), "deepest.zip": deepest}, method=0)
        inner = zip_of({"IM.dcm": dicom(patient_id="HOSTILE"), "deeper.zip": deeper})
        z.entry("nested/inner.zip", inner)
        nest = where("nested/inner.zip")
        expected.valid(f"{nest}::IM.dcm")
        expected.valid(f"{nest}::deeper.zip::IM.dcm")
        expected.bad(f"{nest}::deeper.zip::deepest.zip", "unreadable", "zip inside a zip 4 levels deep")
        z.entry("nested/empty.zip", zip_of({}))
        expected.note(where("nested/empty.zip"), "empty zip")
        z.entry("nested/not-a-zip.zip", b"just text in a file named .zip\n")
        expected.bad(where("nested/not-a-zip.zip"), "non-dicom", "not DICOM (text)")
        cut = zip_of({"IM1.dcm": dicom(patient_id="HOSTILE"), "IM2.dcm": dicom(patient_id="HOSTILE")})
        cut = cut[:cut.index(b"PK\x03\x04", 4) + 200]  # ends inside the second entry's data
        z.entry("nested/truncated.zip", cut, method=0)
        truncated = where("nested/truncated.zip")
        expected.valid(f"{truncated}::IM1.dcm")
        expected.bad(f"{truncated}::IM2.dcm", "unreadable", "the zip ends inside this entry")
        expected.note(truncated, "found by scanning the local file headers")
        z.entry("valid/last.dcm", dicom(patient_id="HOSTILE"), method=0)
        expected.valid(where("valid/last.dcm"))
        # a stored entry whose data runs on over the central directory to the end of the file
        into = z.entry("overlap/into-directory.bin", b"", method=0)
        data_start = f.tell()
        directory = io.BytesIO()
        RawZip(directory).finish(records=z.records)
        into.csize = into.usize = len(directory.getvalue())
        f.seek(into.offset + 18)
        f.write(struct.pack("<2L", into.csize, into.usize))
        f.seek(data_start)
        expected.bad(where("overlap/into-directory.bin"), "unreadable", "runs into the zip's central directory")
        z.finish()
    return expected.as_dict()


# -- whole-archive cases ------------------------------------------------------------------------

def truncated_zip(path: str | Path) -> Expected:
    """A zip cut off inside its third entry's pixel data: no central directory at all."""
    path = Path(path)
    expected = Expected(path.name)
    buffer = io.BytesIO()
    z = RawZip(buffer)
    z.entry("IM1.dcm", dicom(patient_id="CUT"))
    z.entry("IM2.dcm", dicom(patient_id="CUT"), method=0)
    big = z.entry("IM3.dcm", dicom(patient_id="CUT", rows=256, columns=256), method=0)
    z.entry("IM4.dcm", dicom(patient_id="CUT"))
    z.finish()
    data = buffer.getvalue()
    path.write_bytes(data[:big.offset + 60 * KiB])
    for name in ("IM1.dcm", "IM2.dcm", "IM3.dcm"):
        expected.valid(f"{path.name}::{name}")
    expected.bad(f"{path.name}::IM3.dcm", "dicom", "the zip ends inside this entry", counted=False)
    expected.note(path.name, "the zip is truncated: it ends inside entry 'IM3.dcm'")
    return expected


def corrupt_directory_zip(path: str | Path) -> Expected:
    """A zip whose central directory records are overwritten with junk; the entries are intact."""
    path = Path(path)
    expected = Expected(path.name)
    buffer = io.BytesIO()
    z = RawZip(buffer)
    for k in range(4):
        z.entry(f"S/IM{k}.dcm", dicom(patient_id="CD"), method=8 if k % 2 else 0)
        expected.valid(f"{path.name}::S/IM{k}.dcm")
    z.entry("notes.txt", b"some notes\n")
    expected.bad(f"{path.name}::notes.txt", "non-dicom", "not DICOM (text)")
    directory = buffer.tell()
    z.finish()
    data = bytearray(buffer.getvalue())
    data[directory:directory + 40] = b"\xde\xad" * 20
    path.write_bytes(bytes(data))
    expected.note(path.name, "the central directory is damaged (record 1 has no signature): the 5 entries "
                             "listed were found by scanning the local file headers instead")
    return expected


def streamed_truncated_zip(path: str | Path) -> Expected:
    """A zip written to a pipe (data descriptors, no sizes in the local headers), then cut short."""
    path = Path(path)
    expected = Expected(path.name)

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:
            self.data += b
            return len(b)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
        for k in range(3):
            archive.writestr(f"IM{k}.dcm", dicom(patient_id="PIPE"))
    data = bytes(pipe.data)
    path.write_bytes(data[:data.index(b"PK\x01\x02")])  # the whole central directory lost
    for k in range(3):
        expected.valid(f"{path.name}::IM{k}.dcm")
    expected.note(path.name, "no end of central directory record")
    return expected


def bomb_zip(path: str | Path, size: int = 10 * GiB) -> Expected:
    """One deflated entry of ``size`` zero bytes (10 GiB: about 10 MiB of zip) and one DICOM file."""
    path = Path(path)
    expected = Expected(path.name)
    with open(path, "wb") as f:
        z = RawZip(f)
        z.entry("IM1.dcm", dicom(patient_id="BOMB"))
        z.stream("zeros.bin", deflated_zeros(size), usize=size, crc=crc32_zeros(size))
        z.finish()
    expected.valid(f"{path.name}::IM1.dcm")
    expected.bad(f"{path.name}::zeros.bin", "unreadable", "possible zip bomb")
    return expected


def overlap_bomb_zip(path: str | Path, count: int = 200, kernel_size: int = 32 * MiB) -> Expected:
    """The overlapping-entries bomb alone: ``count`` entries each expanding to the whole kernel."""
    path = Path(path)
    expected = Expected(path.name)
    with open(path, "wb") as f:
        z = RawZip(f)
        z.entry("before.dcm", dicom(patient_id="OVERLAP"))
        overlap_group(z, "", count, kernel_size)
        z.entry("after.dcm", dicom(patient_id="OVERLAP"))
        z.finish()
    expected.valid(f"{path.name}::before.dcm")
    expected.valid(f"{path.name}::after.dcm")
    for k in range(count):
        expected.bad(f"{path.name}::{k:02d}", "unreadable", "overlaps another entry's data")
    return expected


def sparse_files_work(directory: str | Path) -> bool:
    """Whether ``directory``'s file system stores holes without allocating them."""
    probe = Path(directory) / ".sparse-probe"
    with open(probe, "wb") as f:
        f.seek(64 * MiB)
        f.write(b"x")
    try:
        return probe.stat().st_blocks * 512 < 8 * MiB
    finally:
        probe.unlink()


def zip64_large_zip(path: str | Path, big: int = 4 * GiB + 512 * MiB) -> Expected:
    """A zip64 archive over 4 GiB: DICOM files before and after one stored entry of ``big`` zeros
    (a hole in a sparse file), so the later entries sit past the 4 GiB offset."""
    path = Path(path)
    expected = Expected(path.name)
    with open(path, "wb") as f:
        z = RawZip(f)
        z.entry("before/IM1.dcm", dicom(patient_id="ZIP64"))
        z.sparse("big/zeros.raw", big)
        z.entry("after/IM2.dcm", dicom(patient_id="ZIP64"))
        z.entry("after/IM3.dcm", dicom(patient_id="ZIP64"), method=0)
        z.finish()
    for name in ("before/IM1.dcm", "after/IM2.dcm", "after/IM3.dcm"):
        expected.valid(f"{path.name}::{name}")
    expected.bad(f"{path.name}::big/zeros.raw", "non-dicom", "not DICOM (binary data)")
    return expected


def many_entries_zip(path: str | Path, count: int = 100_000) -> Expected:
    """``count`` tiny stored entries (a zip64 directory beyond 65,535) and three DICOM files."""
    path = Path(path)
    expected = Expected(path.name)
    buffer = io.BytesIO()
    z = RawZip(buffer)
    for k in range(3):
        z.entry(f"DICOM/IM{k}.dcm", dicom(patient_id="MANY"))
        expected.valid(f"{path.name}::DICOM/IM{k}.dcm")
    crc = zlib.crc32(b"x")
    write, pack = buffer.write, struct.pack
    records = z.records
    for k in range(count):
        name = b"tiny/%06d" % k
        records.append(Record(name, 0, 0, crc, 1, 1, buffer.tell()))
        write(pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, 1, 1, len(name), 0) + name + b"x")
        expected.bad(f"{path.name}::{name.decode()}", "non-dicom", "not DICOM (text)")
    z.finish()
    path.write_bytes(buffer.getvalue())
    return expected


def nested_chain_zip(path: str | Path, depth: int = 6) -> Expected:
    """A zip in a zip in a zip ... ``depth`` levels, a DICOM file at each level."""
    path = Path(path)
    expected = Expected(path.name)
    data = zip_of({"IM.dcm": dicom(patient_id="NEST")})
    for level in range(depth - 1, 0, -1):
        data = zip_of({"IM.dcm": dicom(patient_id="NEST"), f"level{level + 1}.zip": data},
                      method=0 if level % 2 else 8)
    path.write_bytes(data)
    location = path.name
    from dicompeek.io import limits
    for level in range(1, depth + 1):
        if level > limits.MAX_ZIP_DEPTH:
            expected.bad(location, "unreadable", f"zip inside a zip {level} levels deep")
            break
        expected.valid(f"{location}::IM.dcm")
        location = f"{location}::level{level + 1}.zip"
    return expected
