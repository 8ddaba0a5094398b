"""Why a file cannot be read, as types: the one error vocabulary of every DICOM reader in dicompeek.

A reader says why an entry cannot be read (or was read only in part) with one
of these exceptions, raised or, for what it read past, returned; callers tell
them apart by type, never by their text, and show ``str()`` of one as the
reason. :func:`describe` words anything else that goes wrong (pydicom's own
exceptions, ``MemoryError``, ``RecursionError``) the same way.

- :class:`NotDicom`: the entry is not DICOM at all (it is listed as non-DICOM).
- :class:`Unreadable`: it is, or claims to be, DICOM but cannot be read.
- :class:`TooDeep`, :class:`TooLarge`: more nesting or more data than dicompeek reads.
- :class:`NotDicomData`: where a dataset should start, the bytes are not DICOM.
- :class:`InflateProblem`: a deflated dataset stops inflating before its end
  (:class:`DeflateTruncated`, :class:`DeflateCorrupt`, :class:`InflatesPastLimit`);
  what did inflate is still read, and the problem is said with it.
"""

from __future__ import annotations

import struct

from dicompeek.io.errors import one_line

#: Sequences nested deeper than this are not read. pydicom parses sequences of undefined length
#: recursively while reading (about five Python frames a level), and Pyodide's stack is much
#: smaller than CPython's: thousands of levels would end the worker, not raise. Real files nest a
#: handful of levels (five at most in the shared corpus); see :mod:`dicompeek.dicom.guard`.
MAX_NESTING = 32


class ReadError(Exception):
    """Why a file cannot be read as asked; ``str()`` is the one-line reason shown for it."""


class NotDicom(ReadError):
    """The entry is not DICOM; the message says why."""


class Unreadable(ReadError):
    """The entry is (or claims to be) DICOM but cannot be read; the message says why."""


class TooDeep(ReadError, ValueError):
    """Sequences nested deeper than :data:`MAX_NESTING`."""

    def __init__(self) -> None:
        super().__init__(f"sequences nested more than {MAX_NESTING} levels deep "
                         f"(real files nest a few levels; deeper ones are not read)")


class TooLarge(ReadError, ValueError):
    """A value, dataset or frame larger than this viewer reads; the message says what."""


class NotDicomData(ReadError, ValueError):
    """The bytes where a dataset should start are not DICOM (e.g. a run of zeros)."""


class InflateProblem(ReadError):
    """A deflated dataset stopped inflating before its end; what inflated is read all the same."""


class DeflateTruncated(InflateProblem):
    """The deflate stream ends before its last block."""

    def __init__(self) -> None:
        super().__init__("the deflated data is truncated (the deflate stream does not end)")


class DeflateCorrupt(InflateProblem):
    """zlib refused the deflate stream part way."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"the deflated data is corrupt ({error}); read as far as it inflates")


class InflatesPastLimit(InflateProblem, TooLarge):
    """The deflate stream inflates to more than a reader allows (``limit`` bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the deflated data inflates to more than {limit // (1024 * 1024)} MB")
        self.limit = limit


def describe(exc: BaseException) -> str:
    """A one-line reason for ``exc``, as every reader words it (the header pass, the viewer, the
    tag browser, the command line)."""
    if isinstance(exc, (TooDeep, RecursionError)):
        return str(TooDeep())
    if isinstance(exc, NotDicomData):
        return f"the data is not DICOM: {exc}"
    if isinstance(exc, ReadError):
        return str(exc)
    return explain(exc)


def explain(exc: BaseException) -> str:
    """:func:`~dicompeek.io.errors.one_line` of an exception from outside the vocabulary, with
    pydicom's terse messages (and a few of Python's) explained."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, OSError) and text.startswith("No tag to read at file position"):
        position = text.rsplit(" ", 1)[-1]
        return (f"a sequence item is cut off or its length is wrong: no item where one should start "
                f"(byte 0x{position} of the data)")
    if isinstance(exc, struct.error):
        return "truncated: the data ends inside an element or item header"
    if isinstance(exc, MemoryError):
        return "MemoryError: not enough memory to read it"
    return one_line(exc)
