"""Write 8-bit grey or RGB images as PNG with zlib alone (no Pillow needed)."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a (rows, columns) grey or (rows, columns, 3) RGB uint8 image."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected uint8 grey or RGB, got {image.dtype} {image.shape}")
    colour_type = 2 if image.ndim == 3 else 0
    rows = np.ascontiguousarray(image).reshape(image.shape[0], -1)
    raw = b"".join(b"\0" + row.tobytes() for row in rows)  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", image.shape[1], image.shape[0], 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
