"""dist/: the page, Pyodide and its wheels, pydicom, the codecs, tesseract.js, the app's package,
the demo, and the service worker that precaches all of it. Idempotent; dist/ holds exactly one build.
pydicom and the app's package ship with their CPython 3.12 bytecode (tools/pyc.py)."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

from .codecs import CODECS, copy_codecs
from .downloads import (
    PYDICOM_WHEEL,
    PYODIDE_CORE,
    PYODIDE_NPM,
    PYODIDE_PACKAGES,
    PYODIDE_VERSION,
    npm_install,
    pyodide_wheels,
    pypi_download,
)
from .ocr import copy_ocr, ocr_files
from .paths import CACHE, DIST, PY, ROOT, WEB, BuildError, copy_if_changed, run, sha256, write_if_changed
from .pyc import compile_archives, compiled_path

#: The service worker's source: build.py writes it to dist/ with the file list filled in.
SERVICE_WORKER = WEB / "sw.js"
#: Make the demo (and the tests' and benchmarks' data); not part of the package the page loads.
DEMO_GENERATORS = sorted(PY.glob("dicompeek_synthetic*.py"))


#: Modules of the package that only the command line runs: not shipped to the browser.
CLI_ONLY = ("app/cli.py", "app/ocr_tesseract.py", "__main__.py")


def package_files() -> list[Path]:
    """The app's Python package and its data, as zipped for the browser (without the CLI)."""
    package = PY / "dicompeek"
    files = [*package.rglob("*.py"), *package.rglob("data/*.json")]
    return sorted(path for path in files if path.relative_to(package).as_posix() not in CLI_ONLY)


def sources_digest(files: list[Path]) -> str:
    """A short hash of files' paths (relative to py/) and contents: a cache key."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(PY).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def package_name() -> str:
    """The app zip's name, which carries the hash of the package's sources."""
    return f"dicompeek-{sources_digest(package_files())}.zip"


def source_zip() -> Path:
    """py/dicompeek zipped deterministically (sources only), cached by :func:`package_name`."""
    target = CACHE / "app" / package_name()
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")  # .cache/ may be shared by checkouts
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in package_files():
                info = zipfile.ZipInfo(path.relative_to(PY).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        tmp.replace(target)
    return target


def compiled_archives(pydicom_wheel: Path) -> tuple[Path, Path]:
    """pydicom's wheel and the app's package with their bytecode (cached); their paths in dist/.

    The app's zip keeps the name :func:`package_name` gives it (a hash of its sources: what tells
    a stale dist/ apart); pydicom's is named by its compiled archive's key."""
    app_source = source_zip()
    pydicom_cached = compiled_path(pydicom_wheel, pydicom_wheel.name.split("-py3-")[0])
    app_cached = compiled_path(app_source, app_source.stem)
    compile_archives([(pydicom_wheel, pydicom_cached), (app_source, app_cached)])
    pydicom = DIST / "wheels" / pydicom_cached.name
    app = DIST / "app" / package_name()
    for cached, target in ((pydicom_cached, pydicom), (app_cached, app)):
        # the app's name stays when only the compiling changes: compare contents, not dates
        if not (target.exists() and filecmp.cmp(cached, target, shallow=False)):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, target)
    return pydicom, app


def demo_zip() -> Path:
    """The demo zip, regenerated only when the generator or any module it may use changes."""
    key = sources_digest([*DEMO_GENERATORS, *package_files()])
    cached = CACHE / "demo" / f"dicompeek-demo-{key}.zip"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        run([sys.executable, "-c",
             "import sys; from dicompeek_synthetic import write_demo_zip; write_demo_zip(sys.argv[1])",
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
    pydicom, app = compiled_archives(pypi_download(*PYDICOM_WHEEL))
    for src in sorted(WEB.rglob("*")):
        if src.is_file() and src != SERVICE_WORKER:
            copy_if_changed(src, DIST / src.relative_to(WEB))
    copy_codecs()
    copy_ocr()
    demo = demo_zip()
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


def expected_files(wheels: list[Path], pydicom: Path, app: Path, demo: Path) -> set[Path]:
    """Every file this build puts in dist/ (so that files of earlier builds can go)."""
    files = {DIST / "pyodide" / name for name in PYODIDE_CORE}
    files |= {DIST / "pyodide" / wheel.name for wheel in wheels}
    files |= {pydicom, app, demo, DIST / "build.json", DIST / "sw.js"}
    files |= {DIST / src.relative_to(WEB) for src in WEB.rglob("*") if src.is_file()}
    files |= {DIST / "codecs" / name for name in CODECS}
    files |= {DIST / name for name in ocr_files()}
    return files


def prune_stale(expected: set[Path]) -> None:
    """Delete what earlier builds left (old app zips, renamed files): dist/ is exactly this build."""
    for path in sorted(DIST.rglob("*"), reverse=True):
        if path.is_file() and path not in expected:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def precache_list(dist: Path | None = None) -> list[dict[str, str]]:
    """Every file of dist/ but the service worker itself, with its SHA-256, in a stable order."""
    dist = dist or DIST
    return [{"path": path.relative_to(dist).as_posix(), "sha256": sha256(path)}
            for path in sorted(dist.rglob("*")) if path.is_file() and path != dist / "sw.js"]


def service_worker(dist: Path | None = None) -> str:
    """Write dist/sw.js with this build's file list; its version is a hash of that list."""
    dist = dist or DIST
    files = precache_list(dist)
    listing = json.dumps(files, indent=1)
    version = hashlib.sha256(listing.encode()).hexdigest()[:16]
    text = SERVICE_WORKER.read_text()
    for placeholder in ("__VERSION__", "__PRECACHE__"):
        if text.count(placeholder) != 1:
            raise BuildError(f"web/sw.js must contain {placeholder} exactly once")
    write_if_changed(dist / "sw.js", text.replace("__VERSION__", version).replace("__PRECACHE__", listing))
    return version
