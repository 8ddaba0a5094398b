"""What every command of the command line shares: finding its input (a file, a zip entry, a
folder), reading it as the page reads it, writing its output, and saying what went wrong in one
line. Apart from :mod:`dicompeek.app.cli` so that each command module stays small."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dicompeek.dicom.errors import NotDicom, Unreadable, describe
from dicompeek.dicom.header import read_header
from dicompeek.dicom.instances import Instance, read
from dicompeek.index.indexer import Index
from dicompeek.io.archive import escaped


class Failure(Exception):
    """A subcommand cannot do its job on ``where``: printed as ``<where>: <reason>``, exit 2."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason



def indexed(paths: list[str]) -> Index:
    """An index with ``paths`` queued; every missing path is named (one line each), then exit 2."""
    missing = [p for p in paths if not os.path.exists(p)]
    for path in missing[:-1]:
        say(f"{path}: no such file or folder")
    if missing:
        raise Failure(missing[-1], "no such file or folder")
    index = Index()
    try:
        index.add([os.path.abspath(p) for p in paths])
    except BaseException:
        index.close()
        raise
    return index


@contextmanager
def open_target(target: str, where: list[str]) -> Iterator[tuple[Index, int, str]]:
    """(index, entry, location) of FILE, of an entry of a zip (ZIP::ENTRY, or ZIP::INNER.zip::ENTRY in
    a nested zip) or of the first entry of a zip or folder, once the header pass has found it DICOM
    (else the index's reason); its zips stay open inside the block."""
    path, _, member = target.partition("::")
    if not os.path.exists(path):
        raise Failure(path, "no such file or folder")
    index = Index()
    try:
        sources = index.sources
        sources.add(os.path.abspath(path))
        entries = sources.entries
        found = [k for k, e in enumerate(entries) if e.member == member] if member else list(range(len(entries)))
        if not found:
            if sources.problems:  # the zip itself cannot be read: say why
                raise Failure(sources.problems[0].location, sources.problems[0].reason)
            raise Failure(target, f"no entry named {member!r}" if member else
                          sources.notes[0].message if sources.notes else "no files in it")
        entry = found[0]
        location = where[0] = entries[entry].location
        try:  # what the index would list it as: only DICOM entries reach the viewer and the tag browser
            read_header(entries[entry])
        except NotDicom as exc:
            raise Failure(location, str(exc)) from exc
        except Unreadable as exc:
            raise Failure(location, f"cannot read this file: {exc}") from exc
        yield index, entry, location
    finally:
        index.close()


def read_entry(index: Index, entry: int, location: str, *, pixels: bool = True) -> Instance:
    """The instance in ``entry``, read as the viewer and the tag browser read it."""
    try:
        return read(index.sources.entries[entry], pixels=pixels)
    except Exception as exc:  # read() words everything as Unreadable; describe() keeps it so
        raise Failure(location, f"cannot read this file: {describe(exc)}") from exc


def write_output(path: str, data: bytes | str) -> None:
    try:
        if isinstance(data, bytes):
            with open(path, "wb") as out:
                out.write(data)
        else:
            with open(path, "w", encoding="utf-8") as out:
                out.write(data)
    except OSError as exc:
        raise Failure(path, f"cannot write: {exc.strerror or describe(exc)}") from exc


def show(text: str) -> None:
    """Text output, each line made safe for a terminal (values come from the files: an escape
    sequence in a Patient's Name must not retitle the window or hide what follows)."""
    sys.stdout.write("\n".join(map(one_line, text.split("\n"))))


def say(text: str) -> None:
    """One line on stderr (if stderr is gone too, there is nobody left to tell)."""
    try:
        sys.stderr.write(one_line(text) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def one_line(text: str) -> str:
    """``text`` as one line that does nothing to a terminal: control and format characters
    (newlines, escape sequences, bidi overrides) escaped as entry names are, but not clipped."""
    return escaped(text)


def quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in a test): nothing to do
        pass


def safe(compute: Callable[[], Any], default: Any) -> Any:
    try:
        return compute()
    except Exception:  # a malformed value: the message goes without it
        return default


