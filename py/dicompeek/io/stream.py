"""The package's read-only streams share one base; what a reader needs of any stream is one protocol.

Four streams stand between a picked file and a parser: a window on a file
(:class:`~dicompeek.io.zipstream.Slice`), a zip entry decompressed in bounded
steps (:class:`~dicompeek.io.zipstream.MemberStream`), a picked file with
64-bit offsets (:class:`~dicompeek.io.largefile.PickedFile`) and the header
pass's budgeted view of any of them (:class:`~dicompeek.io.limits.GuardedStream`).
Each says only how it reads and seeks; :class:`ReadOnlyStream` gives them the
rest of Python's binary stream protocol, once: seekable, readable and never
writable, ``readinto`` and ``read1`` through ``read``, and ``tell``.
"""

from __future__ import annotations

import io
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class ByteStream(Protocol):
    """What dicompeek's readers ask of a stream: ``read``, ``seek``, ``tell``, ``close``, and ``with``.

    Python's own binary files and ``io.BytesIO`` are such streams, and so is every
    :class:`ReadOnlyStream`."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> ByteStream: ...

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None, /) -> None: ...


class ReadOnlyStream(io.BufferedIOBase):
    """A seekable binary stream that can only be read; subclasses give ``read`` and ``seek``.

    ``tell`` gives ``_pos``, the position a subclass keeps (one that delegates its position,
    such as :class:`~dicompeek.io.limits.GuardedStream`, gives ``tell`` itself).
    """

    _pos: int = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._pos

    def read(self, size: int | None = -1, /) -> bytes:
        raise NotImplementedError

    def seek(self, offset: int, whence: int = 0, /) -> int:
        raise NotImplementedError

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def readinto1(self, buffer: WriteableBuffer, /) -> int:
        return self.readinto(buffer)

    def _target(self, offset: int, whence: int, end: int) -> int:
        """Where ``seek(offset, whence)`` points in a stream of ``end`` bytes, before the subclass
        clamps it (or refuses it)."""
        if whence not in (io.SEEK_SET, io.SEEK_CUR, io.SEEK_END):
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        return offset + (0, self._pos, end)[whence]
