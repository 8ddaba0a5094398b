"""Picked files read with 64-bit offsets, in CPython and in Pyodide alike.

Pyodide 0.27's Python (wasm32) converts file offsets to a 32-bit C long:
``seek`` beyond 2 GiB raises ``OverflowError``, ``seek(-n, 2)`` on a larger
file wraps around to a wrong position, and ``io.BufferedReader`` refuses the
positions it gets back. A zip over 2 GiB therefore cannot be read through
Python's own file objects in the browser. :class:`PickedFile` keeps its
position as a Python int and reads each block at an explicit offset:
``os.pread`` in CPython, Emscripten's ``FS.read(stream, buffer, 0, n,
position)`` in Pyodide (a JavaScript number: exact up to 2**53, and WORKERFS
turns it into ``File.slice``). It buffers reads itself (``buffer_size``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from dicompeek.io.stream import ReadOnlyStream

#: Whether this is Pyodide (where Python's own offsets stop at 2 GiB).
EMSCRIPTEN = sys.platform == "emscripten"


class _PosixReader:
    def __init__(self, path: str) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - open until close(), as the file is
        self._fd = self._file.fileno()
        self._pread = getattr(os, "pread", None)

    def pread(self, n: int, position: int) -> bytes:
        if self._pread is not None:
            return bytes(self._pread(self._fd, n, position))
        self._file.seek(position)  # Windows: no pread, but 64-bit offsets
        return self._file.read(n)

    def close(self) -> None:
        self._file.close()


class _EmscriptenReader:  # pragma: no cover - runs in Pyodide only (tests/e2e, and node in development)
    """Reads through Emscripten's FS into a Python buffer where it lies, by the JS module
    ``dicompeek_files`` that ``web/worker.js`` registers: reading into a JavaScript array instead
    made a new one every read, which V8 frees only at its next full collection (in the page, reading
    a de-identified copy back so grew the browser by 450–600 MB)."""

    def __init__(self, path: str) -> None:
        import pyodide_js
        from dicompeek_files import read_into  # type: ignore[import-not-found]  # web/worker.js

        self._read_into: Any = read_into
        self._fs: Any = pyodide_js.FS
        self._stream: Any = self._fs.open(path, "r")

    def pread(self, n: int, position: int) -> bytes:
        if n <= 0:
            return b""
        buffer = bytearray(n)
        got = self._read_into(self._stream, buffer, position)
        return bytes(buffer) if got == n else bytes(buffer[:got])

    def close(self) -> None:
        if self._stream is not None:
            self._fs.close(self._stream)
            self._stream = None


class PickedFile(ReadOnlyStream):
    """A read-only file with its own read-ahead buffer and unlimited offsets."""

    def __init__(self, path: str, buffer_size: int = 64 * 1024) -> None:
        super().__init__()
        self.name = path
        self.size = os.path.getsize(path)
        self._raw: _PosixReader | _EmscriptenReader = _EmscriptenReader(path) if EMSCRIPTEN else _PosixReader(path)
        self._buffer_size = buffer_size
        self._pos = 0
        self._buffer = b""
        self._buffer_start = 0

    def seek(self, offset: int, whence: int = 0, /) -> int:
        target = self._target(offset, whence, self.size)
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._pos = target
        return self._pos

    def read(self, size: int | None = -1, /) -> bytes:
        if self.closed:
            raise ValueError("read of a closed file")
        left = self.size - self._pos
        n = left if size is None or size < 0 or size > left else size
        if n <= 0:
            return b""
        at = self._pos - self._buffer_start
        if at >= 0 and at + n <= len(self._buffer):  # all of it buffered
            data = self._buffer[at:at + n]
        elif n >= self._buffer_size:  # large: straight from the file, in one read
            data = self._read_at(self._pos, n)
        else:
            head = self._buffer[at:] if 0 <= at < len(self._buffer) else b""
            self._buffer_start = self._pos + len(head)
            self._buffer = self._read_at(self._buffer_start, self._buffer_size)
            data = head + self._buffer[:n - len(head)]
        self._pos += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            self._buffer = b""
        super().close()

    def _read_at(self, position: int, n: int) -> bytes:
        data = self._raw.pread(n, position)
        if 0 < len(data) < n:  # a short read is not the end of the file
            parts = [data]
            got = len(data)
            while got < n:
                more = self._raw.pread(n - got, position + got)
                if not more:
                    break
                parts.append(more)
                got += len(more)
            data = b"".join(parts)
        return data
