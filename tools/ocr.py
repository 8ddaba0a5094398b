"""tesseract.js, copied from npm into dist/ocr/: the OCR the privacy review runs in the page (web/ocr.js).

Only what an LSTM-only English worker loads: the page's ES module bundle, the worker script, the
three builds of the Tesseract core that tesseract.js picks between for LSTM only (relaxed SIMD,
SIMD, neither; each a script with its wasm inside) and the English "best_int" model. The files
come from node_modules, which `npm ci` installs from package-lock.json (its sha512 integrity hashes
are the pin); the installed versions are checked against :data:`OCR_PACKAGES` too.
"""

from __future__ import annotations

import json
import re

from .paths import DIST, NODE_MODULES, BuildError, copy_if_changed, write_if_changed

#: The npm packages the OCR files come from, by the versions package.json pins.
OCR_PACKAGES = {"tesseract.js": "7.0.0", "tesseract.js-core": "7.0.0", "@tesseract.js-data/eng": "1.0.0"}
#: {name in dist/ocr/: file in node_modules}. web/ocr.js names the first, the worker path and
#: the core and lang directories; the worker names the core files itself (getCore.js).
OCR_FILES = {
    # tesseract.js's own ES module build of its page bundle (no imports: webpack and rollup inlined them)
    "tesseract.esm.min.js": "tesseract.js/dist/tesseract.esm.min.js",
    "worker.min.js": "tesseract.js/dist/worker.min.js",
    "core/tesseract-core-relaxedsimd-lstm.wasm.js": "tesseract.js-core/tesseract-core-relaxedsimd-lstm.wasm.js",
    "core/tesseract-core-simd-lstm.wasm.js": "tesseract.js-core/tesseract-core-simd-lstm.wasm.js",
    "core/tesseract-core-lstm.wasm.js": "tesseract.js-core/tesseract-core-lstm.wasm.js",
    "lang/eng.traineddata.gz": "@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz",
}
#: Changes made to the scripts while copying: {name in dist/ocr/: [(old text, new text)]}. A change
#: whose old text is not there exactly once stops the build, so an upgrade cannot drop it silently.
#: The source maps are not shipped, so the comments naming them go (a browser with its developer
#: tools open would ask for them). Nothing else needs changing for the page's CSP: the bundles'
#: two Function() fallbacks (regenerator-runtime's, webpack's global lookup) never run in a
#: browser that has globalThis, which tests/e2e/test_ocr_page.py checks by watching for violations.
OCR_FIXES = {
    "tesseract.esm.min.js": [("//# sourceMappingURL=tesseract.esm.min.js.map", "")],
    "worker.min.js": [("//# sourceMappingURL=worker.min.js.map", "")],
}


def check_versions() -> None:
    """The installed packages are the pinned versions (node_modules may be older than the lock)."""
    for package, version in OCR_PACKAGES.items():
        manifest = NODE_MODULES / package / "package.json"
        if not manifest.exists():
            raise BuildError(f"{package} is missing from node_modules; run npm ci")
        installed = json.loads(manifest.read_text())["version"]
        if installed != version:
            raise BuildError(f"node_modules has {package} {installed}, expected {version}; run npm ci")


def copy_ocr() -> None:
    """Copy tesseract.js, its cores and the English model into dist/ocr/, fixes applied."""
    check_versions()
    for name, source in OCR_FILES.items():
        src = NODE_MODULES / source
        if not src.exists():
            raise BuildError(f"{source} is missing from node_modules; run npm ci")
        target = DIST / "ocr" / name
        if name not in OCR_FIXES:
            copy_if_changed(src, target)
            continue
        text = src.read_text()
        for old, new in OCR_FIXES[name]:
            if text.count(old) != 1:
                raise BuildError(f"{source}: the text OCR_FIXES[{name!r}] changes is not there once; "
                                 "check the fix against the new version")
            text = text.replace(old, new)
        if name.endswith(".esm.min.js") and re.search(r"^\s*import\s*[\w{*'\"]", text, re.M):
            raise BuildError(f"{source} now imports other modules; the page loads it alone from dist/ocr/")
        write_if_changed(target, text)


def ocr_files() -> set[str]:
    """The files :func:`copy_ocr` puts in dist/, relative to it."""
    return {f"ocr/{name}" for name in OCR_FILES}
