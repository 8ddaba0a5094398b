"""A defensive zip reader: central directory, zip64, a local-header fallback, bounded member streams.

Python's ``zipfile`` trusts what a zip states: one bzip2 read can expand to
gigabytes in a single call, a bad UTF-8 name or a damaged central directory
makes the whole archive unreadable, and overlapping entries (the "better zip
bomb") are only caught in newer versions. This module reads the same format
with every stated size, offset and count checked:

- The central directory is read record by record (zip64 included); entries
  whose data would overlap another entry's, or run into the central
  directory, are marked before anything is read.
- When the central directory is missing (a truncated zip) or damaged, the
  local file headers are scanned from the start instead, and the reader says so.
- Entries are read through :class:`~dicompeek.io.zipstream.MemberStream`, which
  decompresses in bounded steps, checks the CRC when it reaches the end, and
  reports data that ends early as a truncated zip.

Nothing is ever written to disk: names are only ever shown, never used as paths.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from dicompeek.io import limits
from dicompeek.io.stream import ByteStream
from dicompeek.io.zipstream import MemberStream, Slice, ZipEntryError, method_problem

LOCAL = b"PK\x03\x04"
CENTRAL = b"PK\x01\x02"
END = b"PK\x05\x06"
END64 = b"PK\x06\x06"
END64_LOCATOR = b"PK\x06\x07"
DESCRIPTOR = b"PK\x07\x08"

_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_STRONG_ENCRYPTION = 0x40
_FLAG_UTF8 = 0x800
_U32 = 0xFFFFFFFF

#: Read size when searching the zip for signatures.
_SEARCH_CHUNK = 1024 * 1024


class _ScanExhausted(Exception):
    """The local-header scan has read as much as it may."""


class ZipError(Exception):
    """The archive as a whole cannot be read; the message says why."""


def encryption_problem(flags: int, method: int) -> str | None:
    if method == 99:
        return "encrypted zip entry (AES, password-protected); its content cannot be read"
    if flags & _FLAG_STRONG_ENCRYPTION:
        return "encrypted zip entry (PKWARE strong encryption, password-protected); its content cannot be read"
    if flags & _FLAG_ENCRYPTED:
        return "encrypted zip entry (ZipCrypto, password-protected); its content cannot be read"
    return None


@dataclass(slots=True, eq=False)
class Member:
    """One entry as the zip states it (central directory, or local header when scanned)."""

    name: str
    name_size: int  # bytes of the stored name, for the overlap check
    flags: int
    method: int
    crc: int | None
    csize: int
    usize: int
    offset: int  # of the local file header, in the reader's file object
    disk: int = 0
    data_start: int | None = None  # known once the local header has been read
    end_limit: int | None = None  # the data must end by here (next entry, or the central directory)
    problem: str | None = None  # known before reading: the entry cannot be read at all
    warning: str | None = None  # known before reading: the entry can be read only in part
    name_note: str | None = None  # e.g. the name was not valid UTF-8
    reader: ZipReader | None = None

    def __call__(self) -> MemberStream:
        """Open the entry (a member is its own opener: cheaper than a closure per entry)."""
        assert self.reader is not None
        return self.reader.open(self)

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/") and self.usize == 0


class ZipReader:
    """The entries of one zip (``fileobj`` of ``size`` bytes), read lazily.

    ``notes`` says what was unusual about the archive as a whole (a scan
    instead of the central directory, a truncation); ``more`` counts entries
    left out because of ``max_members``.
    """

    def __init__(self, fileobj: ByteStream, size: int, *, max_members: int | None = None) -> None:
        self.file = fileobj
        self.size = size
        self.members: list[Member] = []
        self.notes: list[str] = []
        self.more = 0
        self.scanned = False
        self._name_bytes = 0
        self._max = max_members if max_members is not None else 1 << 62
        try:
            self._read_central_directory()
        except ZipError as exc:
            self.members = []
            self.more = 0
            self._scan_local_headers()
            if not self.members:
                raise ZipError(f"{exc}, and no entry was found by scanning for local file headers") from None
            self.scanned = True
            found = len(self.members)
            self.notes.insert(0, f"{exc}: the {found:,} entr{'y' if found == 1 else 'ies'} listed "
                                 f"{'was' if found == 1 else 'were'} found by scanning the local file headers "
                                 f"instead (the list, names and sizes may be incomplete)")

    def close(self) -> None:
        self.file.close()

    def _name(self, raw: bytes, flags: int) -> tuple[str, str | None]:
        """The decoded name; past NAME_BYTES_KEPT of names in this zip, long ones are kept clipped."""
        self._name_bytes += len(raw)
        name, note = decode_name(raw, flags)
        if self._name_bytes > limits.NAME_BYTES_KEPT and len(name) > limits.NAME_SHOWN_MAX:
            name = f"{name[:160]}…[{len(raw):,} bytes]…{name[-60:]}"
            note = (f"the name ({len(raw):,} bytes) is not kept whole, because this zip's names take more than "
                    f"{limits.size_text(limits.NAME_BYTES_KEPT)} (NAME_BYTES_KEPT); the entry is still read")
        return name, note

    # -- reading entries -------------------------------------------------------------------

    def data_start(self, member: Member) -> int:
        """Where ``member``'s data begins (reads its local header once); checks the overlap."""
        if member.data_start is None:
            head = self._read_at(member.offset, 30)
            if len(head) < 30 or head[:4] != LOCAL:
                raise ZipEntryError(f"no local file header where the central directory says this entry "
                                    f"starts (offset {member.offset:,}); the zip is damaged")
            name_size, extra_size = struct.unpack_from("<2H", head, 26)
            member.data_start = member.offset + 30 + name_size + extra_size
        if member.end_limit is not None and member.data_start + member.csize > member.end_limit:
            raise ZipEntryError(OVERLAP)
        return member.data_start

    def open(self, member: Member) -> MemberStream:
        """A stream of ``member``'s uncompressed data."""
        problem = member.problem or encryption_problem(member.flags, member.method) or method_problem(member.method)
        if problem:
            raise ZipEntryError(problem)
        start = self.data_start(member)
        return MemberStream(Slice(self.file, start, member.csize, self.size), member)

    # -- the central directory -----------------------------------------------------------

    def _read_at(self, offset: int, size: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(size)

    def _read_central_directory(self) -> None:
        if self.size < 22:
            raise ZipError("too short to be a zip (no end of central directory record)")
        tail_size = min(self.size, 22 + 0xFFFF)
        tail_start = self.size - tail_size
        tail = self._read_at(tail_start, tail_size)
        end_at = _find_end_record(tail)
        if end_at < 0:
            raise ZipError("no end of central directory record (the zip is truncated or damaged)")
        (_, disk, cd_disk, _, count, cd_size, cd_offset, _) = struct.unpack_from("<4s4H2LH", tail, end_at)
        end_pos = tail_start + end_at
        cd_end = end_pos
        locator_at = end_at - 20
        if locator_at >= 0 and tail[locator_at:locator_at + 4] == END64_LOCATOR:
            record_pos = end_pos - 20 - 56
            record = self._read_at(record_pos, 56) if record_pos >= 0 else b""
            if len(record) < 56 or record[:4] != END64:  # an extensible data sector: use the stated offset
                record_pos = struct.unpack_from("<Q", tail, locator_at + 8)[0]
                record = self._read_at(record_pos, 56) if record_pos < self.size else b""
            if len(record) < 56 or record[:4] != END64:
                raise ZipError("the zip64 end of central directory record is missing or damaged")
            (_, _, _, _, disk, cd_disk, _, count, cd_size, cd_offset) = struct.unpack("<4sQ2H2L4Q", record)
            cd_end = record_pos
        elif count == 0xFFFF or cd_size == _U32 or cd_offset == _U32:
            raise ZipError("the end record points to a zip64 record that is missing")
        self.disk = disk
        if disk != cd_disk:
            self.notes.append("this is one part of a split (multi-volume) zip; only what this part holds "
                              "can be read")
        shift = cd_end - cd_size - cd_offset  # bytes in front of the zip (a self-extractor stub)
        if shift < 0 or cd_size > cd_end:
            raise ZipError("the central directory's stated size and offset do not fit in the file")
        self.cd_start = cd_offset + shift
        self._parse_records(self.cd_start, cd_size, shift)
        listed = len(self.members) + self.more
        if listed != count and count != 0xFFFF:
            self.notes.append(f"the end record says {count:,} entries, the central directory lists {listed:,}")
        self._check_overlaps(self.cd_start)

    def _parse_records(self, start: int, size: int, shift: int) -> None:
        buffer = b""
        at = 0  # in buffer
        read_pos = start
        end = start + size
        index = 0
        while True:
            if len(buffer) - at < 46:
                buffer, at, read_pos = self._refill(buffer, at, read_pos, end, 46)
                if len(buffer) - at < 46:
                    if len(buffer) - at:
                        raise ZipError(f"the central directory is damaged (record {index + 1:,} is cut short)")
                    return
            if buffer[at:at + 4] != CENTRAL:
                raise ZipError(f"the central directory is damaged (record {index + 1:,} has no signature)")
            (flags, method, _, _, crc, csize, usize, name_size, extra_size, comment_size,
             disk, _, _, offset) = struct.unpack_from("<4x4x4H3L5H2L", buffer, at)
            record_size = 46 + name_size + extra_size + comment_size
            if len(buffer) - at < record_size:
                buffer, at, read_pos = self._refill(buffer, at, read_pos, end, record_size)
                if len(buffer) - at < record_size:
                    raise ZipError(f"the central directory is damaged (record {index + 1:,} is cut short)")
            index += 1
            if len(self.members) >= self._max:
                self.more += 1
                at += record_size
                continue
            raw_name = buffer[at + 46:at + 46 + name_size]
            extra = buffer[at + 46 + name_size:at + 46 + name_size + extra_size]
            name, name_note = self._name(raw_name, flags)
            member = Member(name, name_size, flags, method, crc, csize, usize, offset, disk, name_note=name_note,
                            reader=self)
            if usize == _U32 or csize == _U32 or offset == _U32 or disk == 0xFFFF:
                try:
                    _apply_zip64(member, extra, usize == _U32, csize == _U32, offset == _U32, disk == 0xFFFF)
                except ValueError:
                    member.problem = "the entry's zip64 extra field is damaged; its sizes are unknown"
            member.offset += shift
            if member.disk != self.disk and not member.problem:
                member.problem = ("the entry is stored in another part of a split (multi-volume) zip, "
                                  "which was not picked")
            self.members.append(member)
            at += record_size

    def _refill(self, buffer: bytes, at: int, read_pos: int, end: int, need: int) -> tuple[bytes, int, int]:
        want = max(need - (len(buffer) - at), min(_SEARCH_CHUNK, end - read_pos))
        want = min(want, end - read_pos)
        data = self._read_at(read_pos, want) if want > 0 else b""
        return buffer[at:] + data, 0, read_pos + len(data)

    def _check_overlaps(self, data_end: int) -> None:
        """Mark entries whose data overlaps another entry's or runs into the central directory."""
        order = sorted(self.members, key=lambda m: m.offset)
        for k, member in enumerate(order):
            following = order[k + 1].offset if k + 1 < len(order) else data_end
            member.end_limit = following
            if member.problem:
                continue
            if member.offset + 30 > self.size:
                member.problem = "the entry's local header lies beyond the end of the zip; the zip is damaged"
            elif member.offset + 30 + member.name_size + member.csize > following:
                if k + 1 < len(order):
                    member.problem = OVERLAP
                    nxt = order[k + 1]
                    if not nxt.problem:
                        nxt.problem = OVERLAP
                else:
                    member.problem = ("zip entry's data runs into the zip's central directory (a damaged or "
                                      "crafted zip); not read")

    # -- the fallback: scanning local file headers --------------------------------------

    def _scan_read(self, offset: int, size: int) -> bytes:
        """A read for the scan, which may read the zip at most a few times over (a hostile
        zip of repeated signatures would otherwise take quadratic time)."""
        self._scan_left -= size
        if self._scan_left < 0:
            raise _ScanExhausted
        return self._read_at(offset, size)

    def _scan_local_headers(self) -> None:
        self._scan_left = 8 * self.size + 64 * 1024 * 1024
        try:
            self._scan()
        except _ScanExhausted:
            self.notes.append(f"scanning stopped after reading the damaged zip several times over "
                              f"({len(self.members):,} found by then); the rest is not listed")

    def _scan(self) -> None:
        pos = self._search(LOCAL, 0)
        skipped_at: list[int] = []
        while 0 <= pos < self.size:
            head = self._scan_read(pos, 30)
            if len(head) < 30:
                self.notes.append(f"the zip ends inside a local file header at offset {pos:,}; "
                                  f"whatever followed is lost")
                return
            if head[:4] in (CENTRAL, END, END64):
                return
            if head[:4] == LOCAL:
                name_size, extra_size = struct.unpack_from("<2H", head, 26)
                if pos + 30 + name_size + extra_size > self.size:
                    self.notes.append(f"the zip ends inside a local file header at offset {pos:,}; "
                                      f"whatever followed is lost")
                    return
            member = self._local_member(pos, head) if head[:4] == LOCAL else None
            if member is None:
                found = self._search(LOCAL, pos + 1)
                skipped_at.append(pos)
                if found < 0:
                    break
                pos = found
                continue
            if len(self.members) >= self._max:
                self.more += 1  # at least: scanning stops here
                break
            self.members.append(member)
            pos = member.end_limit if member.end_limit is not None else self.size
        if skipped_at:
            self.notes.append(f"{len(skipped_at):,} damaged stretch(es) of the zip skipped, the first at "
                              f"offset {skipped_at[0]:,}")

    def _local_member(self, pos: int, head: bytes) -> Member | None:
        """The entry whose local header is at ``pos``; ``end_limit`` is set to where the next one starts."""
        (flags, method, _, _, crc, csize, usize, name_size, extra_size) = struct.unpack_from("<2x4H3L2H", head, 4)
        if method > 255 or name_size == 0:
            return None
        names = self._scan_read(pos + 30, name_size + extra_size)
        name, name_note = self._name(names[:name_size], flags)
        member = Member(name, name_size, flags, method, crc, csize, usize, pos, name_note=name_note, reader=self)
        if usize == _U32 or csize == _U32:
            try:
                _apply_zip64(member, names[name_size:], usize == _U32, csize == _U32, False, False)
            except ValueError:
                member.problem = "the entry's zip64 extra field is damaged; its sizes are unknown"
                member.data_start = pos + 30 + name_size + extra_size
                member.end_limit = member.data_start
                return member
        member.data_start = start = pos + 30 + name_size + extra_size
        if flags & _FLAG_DESCRIPTOR and not (member.csize or member.usize):  # zip64: the extra's zeros
            found = self._find_descriptor(start, zip64=usize == _U32 or csize == _U32)
            if found is None:
                nxt = self._search(LOCAL, start)
                member.csize = (nxt if nxt >= 0 else self.size) - start
                member.end_limit = nxt if nxt >= 0 else self.size
                member.problem = ("the end of this entry's data could not be found (its local header "
                                  "states no sizes and no data descriptor follows it)")
                return member
            member.crc, member.csize, member.usize, member.end_limit = found
        else:
            member.end_limit = start + member.csize
            if flags & _FLAG_DESCRIPTOR:  # sizes given anyway; skip the descriptor that follows
                tail = self._scan_read(member.end_limit, 4)
                member.end_limit += 16 if tail == DESCRIPTOR else 12
        if start + member.csize > self.size:
            present = max(self.size - start, 0)
            member.warning = (f"the zip ends inside this entry: only {present:,} of its {member.csize:,} "
                              f"bytes of compressed data are present")
            self.notes.append(f"the zip is truncated: it ends inside entry {_quoted(name)} "
                              f"({present:,} of {member.csize:,} bytes present)")
        return member

    def _find_descriptor(self, start: int, zip64: bool = False) -> tuple[int, int, int, int] | None:
        """(crc, compressed size, size, next offset) from the data descriptor after ``start``; of
        an entry whose local header has a zip64 field, the 8-byte-size layout is tried first (the
        4-byte one would read the high half of its compressed size as its size, APPNOTE 4.3.9.2)."""
        pos = start
        step = 4096  # growing, as entries are mostly small
        while pos < self.size:
            block = self._scan_read(pos, step + 24)
            if not block:
                return None
            for match in _RECORD_SIGNATURES.finditer(block, 0, step + 3):
                at = match.start()
                self._scan_left -= 256  # each candidate costs Python work: count it too
                absolute = pos + at
                sig = block[at:at + 4]
                if sig == DESCRIPTOR:
                    candidate = self._scan_read(absolute, 24)
                    for layout, length in (("<L2Q", 24), ("<3L", 16)) if zip64 else (("<3L", 16), ("<L2Q", 24)):
                        if len(candidate) >= length:
                            crc, csize, usize = struct.unpack_from(layout, candidate, 4)
                            if csize == absolute - start:
                                return crc, csize, usize, absolute + length
                elif absolute - 12 >= start:  # a descriptor without its signature, before the next record
                    candidate = self._scan_read(absolute - 12, 12)
                    crc, csize, usize = struct.unpack("<3L", candidate)
                    if csize == absolute - 12 - start:
                        return crc, csize, usize, absolute
            pos += step
            step = min(step * 4, _SEARCH_CHUNK)
        return None

    def _search(self, signature: bytes, start: int) -> int:
        """The offset of the next ``signature`` at or after ``start``, or -1."""
        pos = start
        step = 4096  # growing: a damaged stretch is usually short
        while pos < self.size:
            block = self._scan_read(pos, step + len(signature) - 1)
            at = block.find(signature)
            if at >= 0:
                return pos + at
            if len(block) < step:
                return -1
            pos += step
            step = min(step * 4, _SEARCH_CHUNK)
        return -1


OVERLAP = ("zip entry overlaps another entry's data (an overlapping-entries zip bomb, or a damaged zip); "
           "not read")


def _quoted(name: str) -> str:
    """A name for a message: quoted, escaped by repr, and clipped."""
    text = repr(name)
    return text if len(text) <= 120 else f"{text[:80]}…{text[-30:]}"


def decode_name(raw: bytes, flags: int) -> tuple[str, str | None]:
    """The entry name as zip tools decode it (UTF-8 if flagged, else code page 437)."""
    if flags & _FLAG_UTF8:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), "not valid UTF-8 although flagged so; shown with \ufffd"
    return raw.decode("cp437"), None


def _apply_zip64(member: Member, extra: bytes, usize: bool, csize: bool, offset: bool, disk: bool) -> None:
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<2H", extra, at)
        if kind == 0x0001:
            body = extra[at + 4:at + 4 + size]
            fields = []
            for wanted, width in ((usize, 8), (csize, 8), (offset, 8), (disk, 4)):
                if wanted:
                    fields.append(width)
            values = []
            pos = 0
            for width in fields:
                if pos + width > len(body):
                    raise ValueError("zip64 extra field too short")
                values.append(int.from_bytes(body[pos:pos + width], "little"))
                pos += width
            values.reverse()
            if usize:
                member.usize = values.pop()
            if csize:
                member.csize = values.pop()
            if offset:
                member.offset = values.pop()
            if disk:
                member.disk = values.pop()
            return
        at += 4 + size
    raise ValueError("no zip64 extra field")


def _find_end_record(tail: bytes) -> int:
    """The end of central directory record in ``tail``: the last whose comment fits exactly, else the last."""
    at = tail.rfind(END)
    last = -1
    while at >= 0:
        if at + 22 <= len(tail):
            comment_size = struct.unpack_from("<H", tail, at + 20)[0]
            if at + 22 + comment_size == len(tail):
                return at
            if last < 0 and at + 22 + comment_size <= len(tail):
                last = at
        at = tail.rfind(END, 0, at)
    return last


_RECORD_SIGNATURES = re.compile(b"PK(?:\x07\x08|\x03\x04|\x01\x02|\x05\x06)")
