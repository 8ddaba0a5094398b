"""The pixel codecs of the web DICOM viewers, copied from npm into dist/codecs/ as ES modules."""

from __future__ import annotations

from pathlib import Path

from .downloads import npm_tarball_file
from .paths import DIST, NODE_MODULES, BuildError, copy_if_changed

#: Pixel codecs the web DICOM viewers use, from npm (package-lock.json pins them), copied
#: to dist/codecs/ under these names: {name in dist: (file in node_modules, or
#: "tarball:<NPM_TARBALLS key>/<path inside>", factory)}.
#: The Emscripten builds are classic scripts that define one factory variable; the build
#: appends an ES module export of it, because a module worker cannot importScripts and
#: the CSP forbids eval. A factory of None means the file already is an ES module.
CODECS = {
    "libjpeg-turbo.mjs": ("@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.js",
                          "libjpegturbowasm_decode"),
    "libjpeg-turbo.wasm": ("@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm", None),
    "charls.mjs": ("@cornerstonejs/codec-charls/dist/charlswasm_decode.js", "CharLSWASM"),
    "charls.wasm": ("@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm", None),
    "openjpeg.mjs": ("@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.js", "OpenJPEGWASM"),
    "openjpeg.wasm": ("@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm", None),
    "openjph.mjs": ("@cornerstonejs/codec-openjph/dist/openjphjs.js", "Module"),
    "openjph.wasm": ("@cornerstonejs/codec-openjph/dist/openjphjs.wasm", None),
    "jpeg-lossless.mjs": ("jpeg-lossless-decoder-js/release/lossless.js", None),
    # 12-bit JPEG (extended, process 4): Cornerstone's pure-JavaScript decoder
    "jpeg12.mjs": ("tarball:dicom-image-loader/package/dist/esm/codecs/jpeg.js", None),
}
#: Fixes applied to codec sources while copying: {name in dist: [(old text, new text)]}.
#: A fix whose old text is gone stops the build, so an upgrade cannot drop it silently.
CODEC_FIXES = {
    # Cornerstone's jpeg.js level-shifts 12-bit samples by 128 scaled to 12 bits
    # (2056 * 4095 / 255) instead of by 2048: every sample came out 15 too high.
    "jpeg12.mjs": [(
        """        q =
            q <= -2056 / component.bitConversion
                ? 0
                : q >= 2024 / component.bitConversion
                    ? 255 / component.bitConversion
                    : (q + 2056 / component.bitConversion) >> 4;""",
        """        // dicompeek fix: level shift by 2^(P-1), then clamp to P bits (same result for P = 8)
        var maxSample = Math.round(255 / component.bitConversion);
        q = Math.min(Math.max((q + 8 * (maxSample + 1) + 8) >> 4, 0), maxSample);""")],
}


def codec_source(source: str) -> Path:
    """Where a :data:`CODECS` file is: node_modules, or a pinned tarball."""
    if source.startswith("tarball:"):
        key, _, inner = source.removeprefix("tarball:").partition("/")
        return npm_tarball_file(key, inner)
    src = NODE_MODULES / source
    if not src.exists():
        raise BuildError(f"{source} is missing from node_modules; run npm ci")
    return src


def copy_codecs() -> None:
    """Copy the codecs into dist/codecs/: Emscripten scripts become ES modules, fixes applied."""
    for name, (source, factory) in CODECS.items():
        src = codec_source(source)
        target = DIST / "codecs" / name
        if factory is None and name not in CODEC_FIXES:
            copy_if_changed(src, target)
            continue
        if src.suffix == ".wasm":
            raise BuildError(f"{name}: only scripts can be rewritten")
        text = src.read_text()
        for old, new in CODEC_FIXES.get(name, []):
            if text.count(old) != 1:
                raise BuildError(f"{source}: the code CODEC_FIXES[{name!r}] corrects is not there once; "
                                 "check the fix against the new version")
            text = text.replace(old, new)
        if factory is not None:
            if not text.lstrip().startswith(f"var {factory} = "):
                raise BuildError(f"{source} no longer starts with 'var {factory} = '; update CODECS")
            text = f"{text}\nexport default {factory};\n"
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
