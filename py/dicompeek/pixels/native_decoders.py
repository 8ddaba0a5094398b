"""pydicom decoder plugins for CPython that make the CLI decode JPEG as DCMTK does.

pydicom tries its plugins in the order they were added: GDCM, pylibjpeg, Pillow.
Two of its JPEG results differ from DCMTK's (``dcmj2pnm``), which the tests and
the page take as the reference:

- 8-bit colour JPEG: pylibjpeg-libjpeg upsamples subsampled chroma differently
  from IJG's libjpeg 6b (DCMTK) and libjpeg-turbo (the page), by tens of levels
  at saturated colour edges (37 on the tests' image); pydicom's own YBR → RGB
  conversion rounds differently from libjpeg's integer tables (±1). Pillow's
  PyPI wheels use libjpeg-turbo, so :func:`_decode_pillow` lets libjpeg-turbo
  upsample *and* convert, as the page's WebAssembly libjpeg-turbo does
  (:mod:`dicompeek.pixels.wasm_decoders`): the result is DCMTK's to the level. It goes
  first for 8-bit JPEG.
- 12-bit JPEG Extended: pylibjpeg-libjpeg rejects valid streams (scans whose
  spectral selection is not 0..63, which IJG only warns about), pydicom's GDCM
  plugin refuses 12-bit JPEG outright, and Pillow has no 12-bit decoder. GDCM
  itself decodes them with IJG's 12-bit libjpeg, as DCMTK does (identical
  samples); :func:`_decode_gdcm12` calls python-gdcm on the frame in memory.

Both are optional: without Pillow or python-gdcm the plugins are simply not
available and pydicom's own order applies (a frame nobody decodes fails with
each plugin's reason). Pyodide is left alone: its Pillow is built with IJG
libjpeg 9c, whose upsampling differs again, and the page has its own codecs.
The plugin interface is pydicom 3's (``pydicom.pixels.decoders.base``): a module
with ``DECODER_DEPENDENCIES``, ``is_available(uid)`` and frame functions
``(src, runner) -> bytes``.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydicom import uid
from pydicom.pixels.common import PhotometricInterpretation as PI
from pydicom.pixels.decoders.base import DecodeRunner, get_decoder

from dicompeek.pixels.wasm_decoders import jpeg_header

EMSCRIPTEN = sys.platform == "emscripten"

#: Labels of the plugins in pydicom's decoders.
PILLOW_LABEL = "dicompeek-pillow"
GDCM12_LABEL = "dicompeek-gdcm12"

_JPEG_8 = (uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit)  # 8-bit streams: both syntaxes carry them
DECODER_DEPENDENCIES = {
    uid.JPEGBaseline8Bit: ("pillow>=10.2 built with libjpeg-turbo (PyPI wheels)",),
    uid.JPEGExtended12Bit: ("pillow>=10.2 built with libjpeg-turbo (PyPI wheels)", "python-gdcm>=3.2"),
}

#: pydicom's own JPEG plugins, put back after ours in this order (GDCM behind pylibjpeg, see
#: :func:`register`); each lives in ``pydicom.pixels.decoders.<label>``.
PYDICOM_PLUGINS = ("pylibjpeg", "pillow")


def _pillow_is_turbo() -> bool:
    try:
        from PIL import features
    except ImportError:
        return False
    return bool(features.check_codec("jpg")) and bool(features.check_feature("libjpeg_turbo"))


def _have_gdcm() -> bool:
    try:
        import gdcm  # noqa: F401
    except ImportError:
        return False
    return True


def is_available(syntax: str) -> bool:
    """True when one of the two plugins can serve ``syntax`` here (never in Pyodide)."""
    if EMSCRIPTEN or syntax not in _JPEG_8:
        return False
    return _pillow_is_turbo() or (syntax == uid.JPEGExtended12Bit and _have_gdcm())


def pillow_available(syntax: str) -> bool:
    return not EMSCRIPTEN and syntax in _JPEG_8 and _pillow_is_turbo()


def gdcm12_available(syntax: str) -> bool:
    return not EMSCRIPTEN and syntax == uid.JPEGExtended12Bit and _have_gdcm()


def register() -> list[str]:
    """Put the plugins first in pydicom's JPEG decoders, pydicom's own after them (CPython only).

    python-gdcm is installed for 12-bit JPEG only; pydicom's own GDCM plugin is taken out
    (:func:`_without_pydicoms_gdcm`), so every other syntax decodes as it would without
    python-gdcm. Returns the labels added, as ``"label:syntax"``; calling it again adds nothing.
    """
    if EMSCRIPTEN:
        return []
    _without_pydicoms_gdcm()
    added = []
    for syntax in _JPEG_8:
        ours = [(label, function) for label, function, available in (
            (GDCM12_LABEL, "_decode_gdcm12", gdcm12_available(syntax)),
            (PILLOW_LABEL, "_decode_pillow", pillow_available(syntax))) if available]
        decoder = get_decoder(syntax)
        ours = [(label, function) for label, function in ours if label not in decoder.available_plugins]
        if not ours:
            continue
        # pydicom tries plugins in the order they were added: take its own out, add ours, put them back
        theirs = [label for label in PYDICOM_PLUGINS if label in decoder.available_plugins]
        for label in theirs:
            decoder.remove_plugin(label)
        for label, function in ours:
            decoder.add_plugin(label, (__name__, function))
            added.append(f"{label}:{syntax}")
        for label in theirs:
            decoder.add_plugin(label, (f"pydicom.pixels.decoders.{label}", "_decode_frame"))
    return added


def _without_pydicoms_gdcm() -> None:
    """Take pydicom's GDCM plugin out of every decoder.

    python-gdcm is installed for 12-bit JPEG only (our own plugin, which checks the stream
    first). pydicom's plugin hands GDCM whatever the header says, and GDCM aborts the whole
    process on some impossible combinations (a JPEG Baseline frame with 32 bits allocated, found
    by the fuzz run), which no ``except`` can catch.
    """
    try:
        from pydicom.pixels.decoders.gdcm import DECODER_DEPENDENCIES as gdcm_syntaxes
    except ImportError:
        return
    for syntax in gdcm_syntaxes:
        decoder = get_decoder(syntax)
        if "gdcm" in decoder.available_plugins:
            decoder.remove_plugin("gdcm")


# --- 8-bit JPEG: Pillow (libjpeg-turbo) --------------------------------------------------------

#: Runner option set once this plugin has converted a frame to RGB (and said so in the
#: runner's photometric interpretation), so that the next frame of the same image is too.
_CONVERTED = "dicompeek_libjpeg_rgb"


def _decode_pillow(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode an 8-bit JPEG frame with Pillow; YCbCr colour converted by libjpeg-turbo itself."""
    from PIL import Image
    from pydicom.pixels.decoders import pillow

    header = jpeg_header(src)
    if header.precision > 8:
        raise ValueError(f"a {header.precision}-bit stream: Pillow decodes 8-bit JPEG only")
    photometric = runner.photometric_interpretation
    libjpeg_converts = (runner.samples_per_pixel == 3 and header.libjpeg_converts_colour
                        and runner.get_option("as_rgb", False)
                        and (photometric in (PI.YBR_FULL, PI.YBR_FULL_422)
                             or (photometric == PI.RGB and runner.get_option(_CONVERTED, False))))
    if not libjpeg_converts:
        # grey, RGB stored without a colour transform, or YCbCr asked for as it is:
        # pydicom's Pillow plugin returns the components as they are
        return pillow._decode_frame(src, runner)
    with Image.open(io.BytesIO(src), formats=("JPEG",)) as image:
        if image.mode != "RGB" or image.size != (runner.columns, runner.rows):
            raise ValueError(f"Pillow decoded {image.mode} {image.size[0]}×{image.size[1]}, but the dataset "
                             f"says RGB {runner.columns}×{runner.rows}")
        pixels = image.tobytes()
    runner.set_option("photometric_interpretation", PI.RGB)  # libjpeg-turbo converted it
    runner.set_option("planar_configuration", 0)
    runner.set_option(_CONVERTED, True)
    return pixels


# --- 12-bit JPEG Extended: python-gdcm ---------------------------------------------------------

def _decode_gdcm12(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode a 12-bit JPEG Extended grey frame with GDCM's IJG 12-bit libjpeg (DCMTK's too).

    GDCM picks its 8-, 12- or 16-bit libjpeg from Bits Allocated; given 16 it first tries the
    16-bit one, which prints "Unsupported JPEG data precision 12" before GDCM retries with the
    12-bit one. Telling it 12 bits allocated picks the right one at once; it still returns
    the samples in 16-bit words. libjpeg's own messages (e.g. "Invalid SOS parameters for
    sequential JPEG", a warning DCMTK prints too) would go to the process's stderr; they are
    caught and, when decoding fails, become the reason.
    """
    import gdcm

    precision = jpeg_header(src).precision
    if precision <= 8:
        raise ValueError(f"a {precision or 'unknown'}-bit stream: left to the 8-bit decoders")
    if precision > 12:
        raise ValueError(f"a {precision}-bit stream is not JPEG Extended (12 bits at most)")
    if runner.samples_per_pixel != 1:
        raise ValueError("12-bit colour JPEG is left to the other decoders")
    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((runner.columns, runner.rows, 1))
    image.SetDataElement(element)
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(gdcm.PhotometricInterpretation.MONOCHROME2))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGExtendedProcess2_4))
    # unsigned: the stream's samples as they are; pydicom applies Pixel Representation afterwards
    image.SetPixelFormat(gdcm.PixelFormat(1, 12, precision, precision - 1, 0))
    with _native_stderr() as messages:
        buffer = image.GetBuffer()
    if buffer is None:
        reason = "; ".join(dict.fromkeys(messages)) or "no reason given"
        raise ValueError(f"GDCM could not decode the frame: {reason}")
    pixels: bytes = buffer.encode("utf-8", "surrogateescape")  # GDCM returns char* as str
    if len(pixels) != runner.rows * runner.columns * 2:
        raise ValueError(f"GDCM returned {len(pixels)} bytes for a {runner.columns}×{runner.rows} frame")
    runner.set_option("bits_allocated", 16)
    return pixels


_stderr_lock = threading.Lock()


@contextmanager
def _native_stderr() -> Iterator[list[str]]:
    """Catch what native code writes to file descriptor 2 meanwhile, as lines.

    Only this plugin's calls are serialised; another thread writing to stderr at the same
    moment would have its text caught too, which is why the window is one GetBuffer call.
    """
    lines: list[str] = []
    with _stderr_lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no fd 2 (embedded, pythonw): nothing to catch
            yield lines
            return
        with tempfile.TemporaryFile() as caught:
            os.dup2(caught.fileno(), 2)
            try:
                yield lines
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                caught.seek(0)
                text = caught.read(64 * 1024).decode("utf-8", "replace")
                lines.extend(line.strip() for line in text.splitlines() if line.strip())
