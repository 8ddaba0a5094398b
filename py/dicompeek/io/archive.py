"""Enumerate the files inside what a person picked: zips (and zips inside zips), folders, loose files.

Everything is read lazily. A zip is opened through its central directory
(:mod:`dicompeek.io.zipscan`, which checks every size and offset the zip states)
and each entry is only read when the indexer asks for a prefix of it, so
memory does not grow with the size of the archive. In the browser the picked
files are mounted with Emscripten's WORKERFS, which turns every read into a
slice of the original ``File`` object; the large read buffer keeps those
calls few.

A zip inside a zip (an entry named ``.zip`` that starts like one) is opened in
its place, down to :data:`~dicompeek.io.limits.MAX_ZIP_DEPTH` levels: a stored one
is read where it lies, a compressed one is unpacked into memory within
:data:`~dicompeek.io.limits.NESTED_ZIP_MEMORY`. Its entries are listed as
``outer.zip::inner.zip::DIR/IM1``. Entry names are only ever shown (control
characters escaped, long names clipped) and used to read the entry; nothing
is ever extracted to disk.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dicompeek.io import limits
from dicompeek.io.errors import one_line
from dicompeek.io.largefile import PickedFile
from dicompeek.io.limits import size_text
from dicompeek.io.stream import ByteStream
from dicompeek.io.zipscan import Member, ZipError, ZipReader, encryption_problem
from dicompeek.io.zipstream import Slice, method_problem

#: Read buffers for archives. In the browser every read is a FileReaderSync
#: call with a fixed cost of about a millisecond, plus a few ms per MB. A zip of
#: small entries is therefore cheapest to read straight through in large
#: chunks (entries are read in zip order); a zip of large entries is cheapest
#: read with small buffers placed at each entry's header.
STREAM_BUFFER = 1024 * 1024
SEEK_BUFFER = 64 * 1024
#: Mean entry size below which a zip is read straight through.
STREAM_BELOW = 512 * 1024
#: Read buffer for loose files: the header pass's first prefix, in one read.
LOOSE_BUFFER = 16 * 1024

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # local file header, empty archive


@dataclass(frozen=True, slots=True)
class Entry:
    """One file to index: a zip member or a loose file.

    ``archive`` is the zip's path relative to the pick as it is shown, with
    the zips it sits in (``export.zip::inner.zip``; ``None`` for a loose
    file); ``path`` is the member's full name inside its zip as stored, or the
    loose file's path relative to the pick. ``problem`` is set when the entry
    is known to be unreadable before it is opened (encrypted, unsupported
    compression, a zip bomb); ``warning`` when it can be read only in part (the
    zip ends inside it). ``packed`` is its compressed size, ``container`` the
    full names of the nested zips it is in (``inner.zip``, or ``""``).
    """

    archive: str | None
    path: str
    size: int
    open: Callable[[], ByteStream]
    problem: str | None = None
    packed: int | None = None
    container: str = ""
    warning: str | None = None

    @property
    def location(self) -> str:
        """Where a person finds the file: ``export.zip::DIR/IM1`` or ``DIR/IM1``, safe to show."""
        name = shown(self.path)
        return f"{self.archive}::{name}" if self.archive else name

    @property
    def folder(self) -> str:
        """The folder the file sits in, inside its zip if it has one (safe to show)."""
        return shown(self.path.rpartition("/")[0])

    @property
    def member(self) -> str:
        """The full name inside the picked zip, through nested zips: ``inner.zip::DIR/IM1``."""
        return f"{self.container}::{self.path}" if self.container else self.path


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
    :meth:`close` when the index is discarded. The entries come out in the
    same order every time the same paths are added, so that several indexes
    (one per browser worker) agree on every entry's position.
    """

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.problems: list[SourceProblem] = []
        self.notes: list[SourceNote] = []
        self._open: list[ByteStream] = []
        self._nested_memory = 0

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

    def find(self, member: str) -> list[Entry]:
        """Entries whose full name in their pick is ``member`` (``DIR/IM1``, ``inner.zip::DIR/IM1``)."""
        return [e for e in self.entries if e.member == member]

    def close(self) -> None:
        for fileobj in self._open:
            fileobj.close()
        self._open.clear()

    def _add_file(self, path: str, root: str) -> None:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                magic = f.read(4)
        except OSError as exc:
            self.problems.append(SourceProblem(shown(rel), 0, f"cannot be opened: {exc.strerror or exc}"))
            return
        named_zip = rel.lower().endswith(".zip")
        # a zip behind a stub (a self-extractor) or with its first bytes damaged still has its end record
        if magic in ZIP_MAGIC or (named_zip and size and _zip_entry_count(path, size) is not None):
            first = len(self.entries)
            try:
                self._add_zip(path, rel, size)
            except Exception as exc:  # a bug meeting a hostile zip must not lose the other picks
                del self.entries[first:]
                self.problems.append(SourceProblem(shown(rel), size, f"internal error while reading: {one_line(exc)}"))
        elif named_zip:
            self.problems.append(SourceProblem(
                shown(rel), size,
                "named .zip but is not a zip archive (no zip signature at the start)"
                if size else "empty file named .zip (0 bytes)"))
        else:
            self.entries.append(Entry(None, rel, size, _file_opener(path)))

    def _add_zip(self, path: str, rel: str, size: int) -> None:
        label = shown(rel)
        entries = _zip_entry_count(path, size)
        streamed = entries is not None and size < STREAM_BELOW * max(entries, 1)
        fileobj = PickedFile(path, STREAM_BUFFER if streamed else SEEK_BUFFER)  # 64-bit offsets in Pyodide too
        try:
            reader = ZipReader(fileobj, size, max_members=self._room())
        except ZipError as exc:
            fileobj.close()
            self.problems.append(SourceProblem(label, size, f"not a readable zip archive: {exc}"))
            return
        except BaseException:
            fileobj.close()
            raise
        self._open.append(fileobj)
        self._add_members(reader, label, "", 1, size)

    def _room(self) -> int:
        return max(limits.MAX_ENTRIES - len(self.entries), 0)

    def _add_members(self, reader: ZipReader, label: str, chain: str, depth: int, size: int) -> None:
        for note in reader.notes:
            self.notes.append(SourceNote(label, note))
        members = [m for m in reader.members if not m.is_dir]
        if not members and not reader.more:
            self.notes.append(SourceNote(label, "empty zip: it contains no files"))
        names = Counter(m.name for m in members)
        unusual = shared = 0
        left_out = reader.more
        listed = 0
        for m in members:
            if len(self.entries) >= limits.MAX_ENTRIES:
                left_out += 1
                continue
            location = f"{label}::{shown(m.name)}"
            issues = name_issues(m.name) + ([m.name_note] if m.name_note else [])
            if issues:
                unusual += 1
                if unusual <= limits.MAX_NOTES_PER_KIND:
                    self.notes.append(SourceNote(location, unusual_name_message(issues)))
            if names[m.name] > 1:  # noted at the first of them
                shared += 1
                if shared <= limits.MAX_NOTES_PER_KIND:
                    self.notes.append(SourceNote(location, f"{names[m.name]} entries in this zip share this name; "
                                                           f"all are kept and indexed, in zip order"))
                names[m.name] = 0
            listed += 1
            problem = member_problem(m)
            if problem is None and _zip_name(m.name):
                opened = self._open_nested(reader, m, location, chain, depth)
                if opened is True:
                    continue
                problem = opened
            self.entries.append(Entry(label, m.name, m.usize, m, problem, m.csize,
                                      chain, m.warning))
        if unusual > limits.MAX_NOTES_PER_KIND:
            self.notes.append(SourceNote(label, f"{unusual - limits.MAX_NOTES_PER_KIND:,} more entries with "
                                                f"unusual names (only the first {limits.MAX_NOTES_PER_KIND} are "
                                                f"noted, MAX_NOTES_PER_KIND)"))
        if shared > limits.MAX_NOTES_PER_KIND:
            self.notes.append(SourceNote(label, f"{shared - limits.MAX_NOTES_PER_KIND:,} more names shared by "
                                                f"several entries (only the first {limits.MAX_NOTES_PER_KIND} are "
                                                f"noted, MAX_NOTES_PER_KIND)"))
        if left_out:
            self.problems.append(SourceProblem(label, size if depth == 1 else 0, (
                f"too many entries: {left_out:,} of this zip's entries were left out, because all picks together "
                f"may list at most {limits.MAX_ENTRIES:,} entries (MAX_ENTRIES); the first {listed:,} are indexed")))

    def _open_nested(self, reader: ZipReader, m: Member, location: str, chain: str,
                     depth: int) -> Literal[True] | str | None:
        """Open the zip entry ``m`` as a zip and add its entries: True, or why not (None: not a zip)."""
        try:
            with reader.open(m) as stream:
                magic = stream.read(4)
        except Exception:
            return None  # an ordinary entry; reading it will say what is wrong
        if magic not in ZIP_MAGIC:
            return None
        if depth >= limits.MAX_ZIP_DEPTH:
            return (f"zip inside a zip {depth + 1} levels deep: zips are opened down to {limits.MAX_ZIP_DEPTH} "
                    f"levels (MAX_ZIP_DEPTH), so this one is not opened")
        fileobj: ByteStream
        if m.method == 0:
            window = Slice(reader.file, reader.data_start(m), m.csize, reader.size)
            fileobj, size = window, window.available
        else:
            if m.usize > limits.NESTED_ZIP_MEMORY:
                return (f"zip inside a zip not opened: it is compressed, so it would have to be unpacked into "
                        f"memory, and at {size_text(m.usize)} it is larger than the "
                        f"{size_text(limits.NESTED_ZIP_MEMORY)} allowed for that (NESTED_ZIP_MEMORY); store it "
                        f"uncompressed, or unzip it and pick it directly")
            if self._nested_memory + m.usize > limits.NESTED_ZIPS_MEMORY_TOTAL:
                return (f"zip inside a zip not opened: it is compressed, so it would have to be unpacked into "
                        f"memory, and the {size_text(limits.NESTED_ZIPS_MEMORY_TOTAL)} allowed for all unpacked "
                        f"nested zips together is used up (NESTED_ZIPS_MEMORY_TOTAL); unzip it and pick it "
                        f"directly")
            try:
                with reader.open(m) as stream:
                    data = read_prefix(stream, m.usize)
            except Exception as exc:
                return f"zip inside a zip cannot be unpacked: {one_line(exc)}"
            self._nested_memory += len(data)
            fileobj, size = io.BytesIO(data), len(data)
        try:
            inner = ZipReader(fileobj, size, max_members=self._room())
        except ZipError as exc:
            return f"zip inside a zip is not readable: {exc}"
        self._add_members(inner, location, f"{chain}::{m.name}" if chain else m.name, depth + 1, size)
        return True


def member_problem(m: Member) -> str | None:
    """Why entry ``m`` cannot be read at all, known from the zip's directory alone."""
    if m.problem:
        return m.problem
    problem = encryption_problem(m.flags, m.method) or method_problem(m.method)
    if problem:
        return problem
    if m.usize > limits.RATIO_CHECKED_ABOVE and m.usize > limits.MAX_COMPRESSION_RATIO * max(m.csize, 1):
        return (f"possible zip bomb: {size_text(m.usize)} uncompressed from {size_text(m.csize)} "
                f"({m.usize // max(m.csize, 1):,} to 1); entries over {size_text(limits.RATIO_CHECKED_ABOVE)} may "
                f"expand at most {limits.MAX_COMPRESSION_RATIO} to 1 (MAX_COMPRESSION_RATIO), so it is not read")
    if m.method == 0 and m.usize != m.csize:
        return (f"the zip is damaged: this stored (uncompressed) entry states {m.usize:,} bytes but holds "
                f"{m.csize:,}")
    return None


def _zip_name(name: str) -> bool:
    return name[-4:].lower() == ".zip"


# -- names, shown safely ----------------------------------------------------------------------

_ESCAPED = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def shown(text: str) -> str:
    """``text`` safe to show as one line: control and format characters (bidi overrides
    included) escaped as ``\\xNN``/``\\uNNNN`` (:func:`escaped`), and clipped to NAME_SHOWN_MAX
    characters with its length and a checksum, so that two long names that differ stay apart."""
    if len(text) <= limits.NAME_SHOWN_MAX and text.isprintable():
        return text
    escaped_text = escaped(text)
    if len(escaped_text) <= limits.NAME_SHOWN_MAX:
        return escaped_text
    checksum = zlib.crc32(text.encode("utf-8", "surrogatepass"))
    keep = limits.NAME_SHOWN_MAX - 60
    return (f"{escaped_text[:keep * 3 // 4]}…[{len(text):,} characters, clipped; #{checksum:08x}]…"
            f"{escaped_text[-(keep // 4):]}")


def escaped(text: str) -> str:
    """``text`` with its control and format characters (newlines, escape sequences, bidi
    overrides) escaped as ``\\xNN``/``\\uNNNN``/``\\UNNNNNNNN``, and not clipped: what
    :func:`shown` does before it clips, for text that must stay whole (a terminal's lines)."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED else c for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def name_issues(name: str) -> list[str]:
    """What is unusual about an entry name: absolute, '..' parts, NUL, control characters, length."""
    if (len(name) <= limits.NAME_SHOWN_MAX and name.isprintable() and ".." not in name
            and not name.startswith(("/", "\\")) and ":" not in name[:3]):
        return []
    issues = []
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        issues.append("an absolute path")
    if ".." in re.split(r"[/\\]", name):
        issues.append("'..' parts")
    if "\x00" in name:
        issues.append("a NUL character")
    if any(unicodedata.category(c) in _ESCAPED and c != "\x00" for c in name):
        issues.append("control or formatting characters")
    if len(name) > limits.NAME_SHOWN_MAX:
        issues.append(f"{len(name):,} characters long")
    return issues


def unusual_name_message(issues: list[str]) -> str:
    return (f"unusual entry name ({'; '.join(issues)}): it is only shown as text, with control characters "
            f"escaped (\\xNN) and long names clipped, and the full name is kept for reading the entry; "
            f"nothing is ever extracted to disk, so a name cannot write anywhere")


def _zip_entry_count(path: str, size: int) -> int | None:
    """Entries stated by the end-of-central-directory record, read cheaply; None if absent.

    A zip64 archive states 0xFFFF here; that many entries means small ones anyway.
    """
    tail_size = min(size, 22 + 0xFFFF)  # the record plus the longest comment
    with PickedFile(path, 0) as f:
        f.seek(size - tail_size)
        tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


def _file_opener(path: str) -> Callable[[], ByteStream]:
    return lambda: PickedFile(path, LOOSE_BUFFER)


def read_prefix(stream: ByteStream, limit: int) -> bytes:
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
