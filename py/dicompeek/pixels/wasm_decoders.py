"""pydicom decoder plugins that call the page's WebAssembly and JavaScript codecs.

Pyodide has Python decoders only for native data, RLE (numpy) and 8-bit JPEG
(Pillow). For JPEG lossless, JPEG-LS, JPEG 2000, HTJ2K and 12-bit JPEG the
worker loads the codecs the web DICOM viewers use (web/codecs.js) and registers
them as the JS module ``dicompeek_codecs``; :func:`register` then adds this
module to pydicom's decoders, so that ``ds.pixel_array`` and
``pydicom.pixels.iter_pixels`` simply work in the browser. pydicom tries its own
plugins first, except for 8-bit JPEG: Pyodide's Pillow is built with IJG
libjpeg 9c, whose chroma upsampling differs from libjpeg-turbo's and DCMTK's by
up to ~80 levels at colour edges, so libjpeg-turbo goes first and Pillow only
decodes what libjpeg-turbo cannot decode faithfully (see :func:`_conform`).

The plugin follows pydicom 3's decoder plugin interface
(``pydicom.pixels.decoders.base``): a module with ``DECODER_DEPENDENCIES``,
``is_available(uid)`` and a frame function ``(src, runner) -> bytes``. The frame
function returns the decoded samples and tells the runner how they are laid
out (container size, planar configuration, colour space), as pydicom's own
pylibjpeg plugin does, so the rest of pydicom's pipeline (sign correction,
unused-bit masking, YBR → RGB) runs unchanged.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from pydicom import uid
from pydicom.pixels.common import PhotometricInterpretation as PI
from pydicom.pixels.decoders.base import DecodeRunner, get_decoder

#: The JS module the worker registers (see web/codecs.js).
BRIDGE_MODULE = "dicompeek_codecs"
#: The plugin's label in pydicom's decoders.
PLUGIN_LABEL = "dicompeek-wasm"

#: Codecs to try for each transfer syntax, in order (names from web/codecs.js).
CODECS: dict[str, tuple[str, ...]] = {
    uid.JPEGBaseline8Bit: ("libjpeg-turbo",),
    uid.JPEGExtended12Bit: ("libjpeg-turbo", "jpeg12"),
    uid.JPEGLossless: ("jpeg-lossless",),
    uid.JPEGLosslessSV1: ("jpeg-lossless",),
    uid.JPEGLSLossless: ("charls",),
    uid.JPEGLSNearLossless: ("charls",),
    uid.JPEG2000Lossless: ("openjpeg",),
    uid.JPEG2000: ("openjpeg",),
    # an HTJ2K syntax may also carry a plain JPEG 2000 code stream, which OpenJPH rejects
    uid.HTJ2KLossless: ("openjph", "openjpeg"),
    uid.HTJ2KLosslessRPCL: ("openjph", "openjpeg"),
    uid.HTJ2K: ("openjph", "openjpeg"),
}

DECODER_DEPENDENCIES = {syntax: ("web/codecs.js in the page",) for syntax in CODECS}


class Codecs(Protocol):
    """What the bridge module offers: ``decode(codec, Uint8Array) -> frame object``."""

    def decode(self, codec: str, data: Any) -> Any: ...


def _bridge() -> Codecs | None:
    try:
        return importlib.import_module(BRIDGE_MODULE)
    except ImportError:
        return None


def is_available(syntax: str) -> bool:
    """True in the browser once the worker has registered the codecs."""
    return syntax in CODECS and _bridge() is not None


#: pydicom's Pillow plugin, re-added after ours for 8-bit JPEG.
PILLOW = ("pillow", ("pydicom.pixels.decoders.pillow", "_decode_frame"))


def register() -> list[str]:
    """Add the plugin to pydicom's decoder of every syntax it serves; returns their UIDs."""
    added = []
    for syntax in CODECS:
        decoder = get_decoder(syntax)
        if PLUGIN_LABEL in decoder.available_plugins or not is_available(syntax):
            continue
        pillow_first = PILLOW[0] in decoder.available_plugins and "libjpeg-turbo" in CODECS[syntax]
        if pillow_first:
            decoder.remove_plugin(PILLOW[0])
        decoder.add_plugin(PLUGIN_LABEL, (__name__, "_decode_frame"))
        if pillow_first:
            decoder.add_plugin(*PILLOW)
        added.append(str(syntax))
    return added


def _decode_frame(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode one frame with the first codec for its syntax that succeeds."""
    bridge = _bridge()
    if bridge is None:
        raise RuntimeError("the page's codecs are not loaded")
    syntax = runner.transfer_syntax
    converts = runner.samples_per_pixel == 3 and jpeg_header(src).libjpeg_converts_colour
    if converts and runner.photometric_interpretation == PI.RGB and "libjpeg-turbo" in CODECS[syntax]:
        # libjpeg-turbo would apply a colour transform the dataset says was never applied;
        # pydicom's Pillow plugin, next in line, decodes the components as they are
        raise ValueError("the stream looks YCbCr to libjpeg-turbo but the dataset says RGB")
    failures = []
    for codec in _codecs_for(syntax, src):
        try:
            frame = _to_python(bridge.decode(codec, _to_js(src)))
        except Exception as exc:  # a JS error from the codec: try the next one
            failures.append(f"{codec}: {_message(exc)}")
            continue
        if codec == "libjpeg-turbo" and converts:
            runner.set_option("photometric_interpretation", PI.RGB)  # it output RGB
        return _conform(frame, codec, runner)
    raise ValueError("; ".join(failures))


def _codecs_for(syntax: str, src: bytes) -> tuple[str, ...]:
    if syntax == uid.JPEGExtended12Bit:
        # libjpeg-turbo here is the 8-bit build; 12-bit samples need the other decoder
        return ("jpeg12",) if jpeg_header(src).precision > 8 else ("libjpeg-turbo",)
    return CODECS[syntax]


@dataclass(frozen=True, slots=True)
class JpegHeader:
    """What a JPEG stream says before its first scan about how to decode it."""

    precision: int = 0
    component_ids: tuple[int, ...] = ()
    jfif: bool = False
    adobe_transform: int | None = None  # APP14 "Adobe" colour transform flag

    @property
    def libjpeg_converts_colour(self) -> bool:
        """Whether libjpeg(-turbo) treats three components as YCbCr and outputs RGB
        (its jdapimin.c rules: JFIF, else Adobe's flag, else component IDs 'R','G','B')."""
        if len(self.component_ids) != 3:
            return False
        if self.jfif:
            return True
        if self.adobe_transform is not None:
            return self.adobe_transform != 0
        return self.component_ids != (82, 71, 66)


def jpeg_header(src: bytes) -> JpegHeader:
    """Parse the markers up to the frame header (SOFn); an empty header if there is none."""
    jfif, adobe = False, None
    i = 2
    while i + 4 < len(src):
        if src[i] != 0xFF:
            break
        marker = src[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = int.from_bytes(src[i + 2:i + 4], "big")
        body = src[i + 4:i + 2 + length]
        if marker == 0xE0 and body.startswith(b"JFIF\0"):
            jfif = True
        elif marker == 0xEE and body.startswith(b"Adobe") and len(body) >= 12:
            adobe = body[11]
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and len(body) >= 6:
            count = body[5]
            ids = tuple(body[6 + 3 * k] for k in range(count) if 6 + 3 * k < len(body))
            return JpegHeader(body[0], ids, jfif, adobe)
        i += 2 + length
    return JpegHeader()


def _conform(frame: dict[str, Any], codec: str, runner: DecodeRunner) -> bytes:
    """Check the decoded frame against the dataset and describe its layout to pydicom."""
    pixels: bytes = frame["pixels"]
    size = (frame["width"], frame["height"], frame["components"])
    expected = (runner.columns, runner.rows, runner.samples_per_pixel)
    if size != expected:
        raise ValueError(f"{codec} decoded {size[0]}×{size[1]}×{size[2]}, but the dataset says "
                         f"{expected[0]}×{expected[1]}×{expected[2]} (columns × rows × samples)")
    container = 1 if frame["bitsPerSample"] <= 8 else 2
    if len(pixels) != runner.columns * runner.rows * runner.samples_per_pixel * container:
        raise ValueError(f"{codec} returned {len(pixels)} bytes for a {size[0]}×{size[1]} frame")
    runner.set_option("bits_allocated", 8 * container)
    runner.set_option("planar_configuration", 1 if frame["planar"] else 0)
    if runner.samples_per_pixel == 3:
        photometric = runner.photometric_interpretation
        if codec in ("openjpeg", "openjph") and photometric in (PI.YBR_ICT, PI.YBR_RCT):
            # the JPEG 2000 decoders undo the component transform themselves
            runner.set_option("photometric_interpretation", PI.RGB)
    return pixels


def _to_js(src: bytes) -> Any:
    from js import Uint8Array  # Pyodide only

    array = Uint8Array.new(len(src))
    array.assign(src)
    return array


def _to_python(result: Any) -> dict[str, Any]:
    """The codec's JS result object as a dict with the pixels as bytes."""
    frame = {key: getattr(result, key) for key in
             ("width", "height", "bitsPerSample", "components", "signed", "planar")}
    frame["pixels"] = result.pixels.to_bytes()
    return frame


def _message(exc: Exception) -> str:
    text = str(exc)
    # a JsException's text starts with the JS error type
    return text.removeprefix("Error: ")
