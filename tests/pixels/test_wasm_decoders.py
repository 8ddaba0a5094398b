"""The pydicom plugin for the page's codecs (dicompeek.pixels.wasm_decoders), outside the browser.

The codecs themselves run only in the page (tests/e2e/test_codecs_page.py
compares their output with DCMTK); here a stand-in bridge checks what the
plugin decides before and after a codec runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_frames
from pydicom.pixels.decoders.base import get_decoder

from dicompeek.pixels import wasm_decoders
from registry import pydicom_file

needs_dcmtk = pytest.mark.skipif(not shutil.which("dcmcjpeg"), reason="DCMTK not installed")


def first_frame(ds: pydicom.Dataset) -> bytes:
    return next(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1))))


class Array:
    """A stand-in for the page's Uint8Array."""

    def __init__(self, data=b""):
        self.data = bytes(data)

    @classmethod
    def new(cls, size):
        return cls(bytes(size))

    def assign(self, data):
        self.data = bytes(data)

    def to_bytes(self):
        return self.data


class Bridge(types.ModuleType):
    """A stand-in for the JS module: decode() answers from ``answer`` and notes the codec."""

    def __init__(self) -> None:
        super().__init__(wasm_decoders.BRIDGE_MODULE)
        self.calls: list[str] = []
        self.answer: dict[str, Any] = {}

    def decode(self, codec, data):
        self.calls.append(codec)
        return types.SimpleNamespace(**{**self.answer, "pixels": Array(self.answer["pixels"])})


@pytest.fixture
def bridge(monkeypatch):
    """The stand-in bridge and Uint8Array installed where the plugin imports them."""
    module = Bridge()
    monkeypatch.setitem(sys.modules, wasm_decoders.BRIDGE_MODULE, module)
    monkeypatch.setitem(sys.modules, "js", types.SimpleNamespace(Uint8Array=Array))
    yield module
    for syntax in wasm_decoders.CODECS:  # leave pydicom's decoders as they were
        decoder = get_decoder(syntax)
        if wasm_decoders.PLUGIN_LABEL in decoder.available_plugins:
            decoder.remove_plugin(wasm_decoders.PLUGIN_LABEL)


def test_without_the_page_nothing_is_registered():
    assert wasm_decoders.register() == []
    assert wasm_decoders.PLUGIN_LABEL not in get_decoder(pydicom.uid.JPEGLSLossless).available_plugins


def test_registered_for_every_syntax_pyodide_cannot_decode_and_ahead_of_pillow_for_jpeg(bridge):
    added = wasm_decoders.register()
    assert set(added) == set(wasm_decoders.CODECS)
    assert wasm_decoders.register() == []  # once only
    jpeg = get_decoder(pydicom.uid.JPEGBaseline8Bit).available_plugins
    if "pillow" in jpeg:
        assert jpeg.index(wasm_decoders.PLUGIN_LABEL) < jpeg.index("pillow")


def test_a_decoded_size_that_disagrees_with_the_dataset_is_reported(bridge):
    wasm_decoders.register()
    ds = pydicom.dcmread(pydicom_file("MR_small_jpeg_ls_lossless.dcm"))
    bridge.answer = {"pixels": bytes(8 * 8 * 2), "width": 8, "height": 8, "bitsPerSample": 16,
                     "components": 1, "signed": True, "planar": False}
    with pytest.raises(Exception, match=r"charls decoded 8×8×1, but the dataset says 64×64×1"):
        ds.pixel_array_options(decoding_plugin=wasm_decoders.PLUGIN_LABEL)
        _ = ds.pixel_array


def test_a_codec_result_becomes_the_array_pydicom_would_give(bridge):
    """JPEG-LS signed 16-bit: the plugin hands over the samples; pydicom's sign handling applies."""
    wasm_decoders.register()
    ds = pydicom.dcmread(pydicom_file("MR_small_jpeg_ls_lossless.dcm"))
    expected = pydicom.dcmread(pydicom_file("MR_small.dcm")).pixel_array
    bridge.answer = {"pixels": expected.astype("<i2").tobytes(), "width": 64, "height": 64,
                     "bitsPerSample": 16, "components": 1, "signed": False, "planar": False}
    ds.pixel_array_options(decoding_plugin=wasm_decoders.PLUGIN_LABEL)
    assert np.array_equal(ds.pixel_array, expected)
    assert bridge.calls == ["charls"]


def test_rgb_without_a_colour_transform_is_left_to_pillow(bridge):
    """libjpeg-turbo would convert these components as YCbCr; the dataset says they are RGB."""
    wasm_decoders.register()
    ds = pydicom.dcmread(pydicom_file("SC_jpeg_no_color_transform.dcm"))
    assert wasm_decoders.jpeg_header(first_frame(ds)).libjpeg_converts_colour
    ds.pixel_array_options(decoding_plugin=wasm_decoders.PLUGIN_LABEL)
    with pytest.raises(Exception, match="dataset says RGB"):
        _ = ds.pixel_array
    assert bridge.calls == []


def test_jpeg_headers_say_how_libjpeg_treats_colour():
    adobe_rgb = wasm_decoders.jpeg_header(first_frame(pydicom.dcmread(pydicom_file("SC_rgb_jpeg_app14_dcmd.dcm"))))
    assert adobe_rgb.adobe_transform == 0 and not adobe_rgb.libjpeg_converts_colour
    ybr = wasm_decoders.jpeg_header(first_frame(pydicom.dcmread(pydicom_file("SC_rgb_jpeg_dcmtk.dcm"))))
    assert ybr.precision == 8 and ybr.libjpeg_converts_colour
    assert wasm_decoders.jpeg_header(b"not a jpeg") == wasm_decoders.JpegHeader()


@needs_dcmtk
def test_12_bit_jpeg_goes_to_the_12_bit_decoder(tmp_path):
    from registry import compression_sources

    source = compression_sources(tmp_path)["12-bit"]
    subprocess.run(["dcmcjpeg", "+ee", str(source), str(tmp_path / "j.dcm")], check=True)
    src = first_frame(pydicom.dcmread(tmp_path / "j.dcm"))
    assert wasm_decoders.jpeg_header(src).precision == 12
    assert wasm_decoders._codecs_for(pydicom.uid.JPEGExtended12Bit, src) == ("jpeg12",)
