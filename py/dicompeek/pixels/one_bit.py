"""1-bit frames that pydicom 3.0 cannot decode: RLE Lossless and Deflated Image Frame Compression;
and native 1-bit frames, read directly.

Why: binary segmentations (SEG, 1 bit allocated) are written compressed by dcmqi and highdicom
with these two syntaxes (pydicom's own test files ``liver_rle.dcm`` and ``liver_deflate.dcm``),
and pydicom 3.0 refuses both for 1 bit (its RLE decoder knows 8, 16 and 32 bits; the deflated
syntax is newer than it). Both are simple enough to decode with the standard library in the page
and in CPython alike: each frame is its own fragment holding the frame's bits packed as in native
data (least significant bit first, PS3.5 8.1.1), padded to a whole byte; PS3.5 Annex G (RLE: one
segment of those bytes, PackBits) and Annex A.4.11 (deflated: RFC 1951 deflate of them).

Native 1-bit frames (a binary SEG written uncompressed, the usual case) pydicom decodes, but each
call sets up its whole pixel pipeline: a frame here is a slice of the packed bits, unpacked with
numpy, several times faster when the viewer asks for a SEG's masks slice by slice. The frames
follow each other without padding, so a frame may start inside a byte (PS3.5 8.1.1).
"""

from __future__ import annotations

import zlib

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame

RLE_LOSSLESS = "1.2.840.10008.1.2.5"
DEFLATED_IMAGE_FRAME = "1.2.840.10008.1.2.8.1"
#: Native syntaxes whose 1-bit pixel data is the packed bits as they are (not byte-swapped).
NATIVE_LITTLE_ENDIAN = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99")
#: A frame's packed bytes may inflate to this many times the expected size before it is refused.
SLACK = 2


def decodes(ds: Dataset) -> bool:
    """Whether ``ds`` is a 1-bit image in one of the two syntaxes this module decodes."""
    meta = getattr(ds, "file_meta", None)
    syntax = str(meta.get("TransferSyntaxUID", "") or "") if meta is not None else ""
    return syntax in (RLE_LOSSLESS, DEFLATED_IMAGE_FRAME, *NATIVE_LITTLE_ENDIAN) \
        and int(ds.get("BitsAllocated", 0) or 0) == 1 and int(ds.get("SamplesPerPixel", 1) or 1) == 1


def one_bit_frame(ds: Dataset, frame: int) -> np.ndarray:
    """Frame ``frame`` (from 0) as a rows × columns uint8 array of 0 and 1. Raises ``ValueError``
    with the reason when the frame's data is not what the syntax says."""
    rows, columns = int(ds.Rows), int(ds.Columns)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if not 0 <= frame < frames:
        raise ValueError(f"frame {frame + 1} does not exist: the file has {frames:,} frame(s)")
    if str(ds.file_meta.TransferSyntaxUID) in NATIVE_LITTLE_ENDIAN:
        data = ds.PixelData
        if not isinstance(data, (bytes, bytearray)):
            raise ValueError("the pixel data is not a byte string")
        return _native_frame(bytes(data), frame, rows * columns).reshape(rows, columns)
    fragment = get_frame(ds.PixelData, frame, number_of_frames=frames)
    expected = (rows * columns + 7) // 8
    if str(ds.file_meta.TransferSyntaxUID) == RLE_LOSSLESS:
        packed = _rle_segment(fragment, expected)
    else:
        packed = _inflate(fragment, expected)
    if len(packed) < expected:
        raise ValueError(f"frame {frame + 1} holds {len(packed):,} bytes, {expected:,} expected")
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8, count=expected), bitorder="little")
    return bits[:rows * columns].reshape(rows, columns)


def _native_frame(data: bytes, frame: int, pixels: int) -> np.ndarray:
    """Frame ``frame``'s ``pixels`` bits of native 1-bit data, as 0 and 1."""
    start = frame * pixels
    first, last = start // 8, (start + pixels + 7) // 8
    if last > len(data):
        raise ValueError(f"frame {frame + 1} lies past the end of the pixel data ({len(data):,} bytes)")
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, count=last - first, offset=first), bitorder="little")
    offset = start - first * 8
    return bits[offset:offset + pixels]


def _inflate(data: bytes, expected: int) -> bytes:
    """Raw deflate (RFC 1951); a zlib-wrapped stream is taken too. At most a bounded size."""
    for wbits in (-15, 15):
        try:
            inflater = zlib.decompressobj(wbits)
            return inflater.decompress(data, expected * SLACK + 16)
        except zlib.error:
            continue
    raise ValueError("the frame is not a deflate stream")


def _rle_segment(data: bytes, expected: int) -> bytes:
    """PS3.5 G.3: the RLE header (segment count and offsets), then the first segment, PackBits."""
    if len(data) < 64:
        raise ValueError("the RLE frame is shorter than its header")
    header = np.frombuffer(data[:64], dtype="<u4")
    if int(header[0]) != 1:
        raise ValueError(f"the RLE frame has {int(header[0])} segments, 1 expected for 1 bit")
    start = int(header[1])
    out = bytearray()
    position, end = start, len(data)
    while position < end and len(out) < expected:
        control = data[position]
        position += 1
        if control < 128:  # copy the next control + 1 bytes literally
            out += data[position:position + control + 1]
            position += control + 1
        elif control > 128:  # repeat the next byte 257 - control times
            if position < end:
                out += bytes([data[position]]) * (257 - control)
            position += 1
        # 128: no operation
    return bytes(out)
