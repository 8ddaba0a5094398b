"""Enumerate the files inside what a person picked: zips, folders, loose files.

Everything is read lazily. A zip is opened through its central directory and
each entry is only read when the indexer asks for a prefix of it, so memory
does not grow with the size of the archive. In the browser the picked files
are mounted with Emscripten's WORKERFS, which turns every read into a slice
of the original ``File`` object; the large read buffer keeps those calls few.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Callable

#: Read buffers for archives. In the browser every read is a FileReaderSync
#: call with a fixed cost of about a millisecond, plus a few ms per MB. A zip of
#: small entries is therefore cheapest to read straight through in large
#: chunks (entries are read in zip order); a zip of large entries is cheapest
#: read with small buffers placed at each entry's header.
STREAM_BUFFER = 1024 * 1024
SEEK_BUFFER = 64 * 1024
#: Mean entry size below which a zip is read straight through.
STREAM_BELOW = 512 * 1024

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # local file header, empty archive

#: Compression methods Python's zipfile can decode (stored, deflate, bzip2, lzma).
_SUPPORTED_METHODS = {0: "stored", 8: "deflate", 12: "bzip2", 14: "lzma"}
_METHOD_NAMES = {9: "deflate64", 93: "zstandard", 95: "xz", 98: "PPMd", 99: "AES"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One file to index: a zip member or a loose file.

    ``archive`` is the zip's path relative to the pick (``None`` for a loose
    file); ``path`` is the member name inside the zip, or the loose file's
    path relative to the pick. ``problem`` is set when the entry is known to
    be unreadable before it is opened (encrypted, unsupported compression).
    """

    archive: str | None
    path: str
    size: int
    open: Callable[[], BinaryIO]
    problem: str | None = None

    @property
    def location(self) -> str:
        """Where a person finds the file: ``export.zip::DIR/IM1`` or ``DIR/IM1``."""
        return f"{self.archive}::{self.path}" if self.archive else self.path

    @property
    def folder(self) -> str:
        """The folder the file sits in, inside its zip if it has one."""
        return self.path.rpartition("/")[0]


@dataclass(slots=True)
class SourceProblem:
    """A picked item that could not be enumerated at all (e.g. a corrupt zip)."""

    location: str
    size: int
    reason: str


@dataclass(slots=True)
class SourceNote:
    """Something worth telling about a pick that is not an error (an empty zip)."""

    location: str
    message: str


class Sources:
    """All entries of a set of picked paths, plus what could not be opened.

    Open zips are kept here so that their entries can be read later; call
    :meth:`close` when the index is discarded.
    """

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.problems: list[SourceProblem] = []
        self.notes: list[SourceNote] = []
        self._open: list[zipfile.ZipFile] = []

    def add(self, path: str, root: str | None = None) -> None:
        """Add a picked file or folder; names are shown relative to ``root``."""
        root = root if root is not None else os.path.dirname(path.rstrip("/"))
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for name in sorted(filenames):
                    self._add_file(os.path.join(dirpath, name), root)
        else:
            self._add_file(path, root)

    def close(self) -> None:
        for archive in self._open:
            archive.close()
        self._open.clear()

    def _add_file(self, path: str, root: str) -> None:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic in ZIP_MAGIC:
            self._add_zip(path, rel, size)
        elif rel.lower().endswith(".zip"):
            self.problems.append(SourceProblem(
                rel, size,
                "named .zip but is not a zip archive (no zip signature at the start)"
                if size else "empty file named .zip (0 bytes)"))
        else:
            self.entries.append(Entry(None, rel, size, _file_opener(path)))

    def _add_zip(self, path: str, rel: str, size: int) -> None:
        entries = _zip_entry_count(path, size)
        streamed = entries is not None and size < STREAM_BELOW * max(entries, 1)
        fileobj = open(path, "rb", buffering=STREAM_BUFFER if streamed else SEEK_BUFFER)
        try:
            archive = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            fileobj.close()
            self.problems.append(SourceProblem(rel, size, f"not a readable zip archive: {exc}"))
            return
        self._open.append(archive)
        members = [info for info in archive.infolist() if not info.is_dir()]
        if not members:
            self.notes.append(SourceNote(rel, "empty zip: it contains no files"))
        for info in members:
            self.entries.append(Entry(rel, info.filename, info.file_size,
                                      _member_opener(archive, info), _member_problem(info)))


def _zip_entry_count(path: str, size: int) -> int | None:
    """Entries stated by the end-of-central-directory record, read cheaply; None if absent.

    A zip64 archive states 0xFFFF here; that many entries means small ones anyway.
    """
    tail_size = min(size, 22 + 0xFFFF)  # the record plus the longest comment
    with open(path, "rb", buffering=0) as f:
        f.seek(size - tail_size)
        tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


def _file_opener(path: str) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")


def _member_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    return lambda: archive.open(info)  # type: ignore[return-value]


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted zip entry (password-protected); its content cannot be read"
    if info.compress_type not in _SUPPORTED_METHODS:
        name = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        return f"zip entry uses unsupported compression ({name})"
    return None


def read_prefix(stream: BinaryIO, limit: int) -> bytes:
    """Read up to ``limit`` bytes with as few calls as the stream allows."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
