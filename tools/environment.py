"""The project's own virtual environment and the host tools: what each command needs, installed
idempotently, never into the Python that started build.py (PEP 668 system Pythons work)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from .paths import PY, ROOT, VENV, BuildError, run, write_if_changed

#: Host requirements; everything else is installed by build.py itself.
MIN_PYTHON = (3, 11)
MIN_NODE = 18
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
#: Debian packages the tests use, by the command that shows they are installed.
TEST_TOOLS = {"chromium": "chromium", "dcmtk": "dcmdump", "openjph-tools": "ojph_compress",
              "tesseract-ocr": "tesseract",  # Debian's tesseract-ocr brings its English data
              "dicom3tools": "dciodvfy"}


def runtime_requirements() -> list[str]:
    """What the package itself needs (pyproject's dependencies): enough to build and serve."""
    dependencies: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return dependencies


def demo_requirements() -> list[str]:
    """What building the demo needs besides the package (highdicom, in CPython only)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    demo: list[str] = project["optional-dependencies"]["demo"]
    return demo


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages: list[str]) -> None:
    run(["apt-get", "update", "-qq"])
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def create_venv() -> None:
    """Make .venv with pip. Debian and Ubuntu ship venv's pip bootstrap separately
    (python3.X-venv): as root it is installed, otherwise the message says what to install."""
    def attempt() -> subprocess.CompletedProcess[str]:
        shutil.rmtree(VENV, ignore_errors=True)
        print(f"+ {sys.executable} -m venv .venv", flush=True)
        return subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)

    result = attempt()
    debian_package = f"python3.{sys.version_info.minor}-venv"
    if result.returncode and "ensurepip" in result.stdout + result.stderr and shutil.which("apt-get") and is_root():
        apt_install([debian_package])
        result = attempt()
    if result.returncode:
        shutil.rmtree(VENV, ignore_errors=True)
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no reason given"]
        raise BuildError(f"cannot create the virtual environment .venv/ with {sys.executable}: {last[0]}; "
                         f"on Debian or Ubuntu install {debian_package} (apt-get install {debian_package}) "
                         "and run this again")


def ensure_venv(dev: bool) -> None:
    """Install into .venv what the command needs: pydicom and numpy, highdicom for the demo, and
    for ``dev`` (test, bench) requirements-dev.txt too.

    A stamp per requirement set holds a hash of the requirements' text and the interpreter's
    version, so an edited requirement or a new Python reinstalls and an unchanged one costs
    nothing."""
    if sys.version_info < MIN_PYTHON:
        raise BuildError(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed, "
                         f"this is {sys.version.split()[0]}")
    sets = {"runtime": runtime_requirements(), "demo": demo_requirements()}
    if dev:
        sets["dev"] = ["-r", str(DEV_REQUIREMENTS)]
    if not venv_python().exists():
        create_venv()
    version, purelib = _venv_facts()
    for name, args in sets.items():
        stamp = VENV / f".dicompeek-{name}"
        text = DEV_REQUIREMENTS.read_text() if name == "dev" else "\n".join(args)
        wanted = hashlib.sha256((version + text).encode()).hexdigest()
        if stamp.exists() and stamp.read_text() == wanted:
            continue
        run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args])
        stamp.write_text(wanted)
    # py/ on the venv's path, so that `.venv/bin/python -m dicompeek …` runs this checkout's code
    write_if_changed(purelib / "dicompeek-checkout.pth", f"{PY}\n")


def _venv_facts() -> tuple[str, Path]:
    """The venv interpreter's version and site-packages folder: asked of it in one subprocess,
    or known directly once build.py runs inside it."""
    if in_venv():
        return sys.version, Path(sysconfig.get_paths()["purelib"])
    out = subprocess.run([str(venv_python()), "-c",
                          "import sys, sysconfig; print(sysconfig.get_paths()['purelib']); print(sys.version)"],
                         capture_output=True, text=True, check=True).stdout
    purelib, version = out.split("\n", 1)
    return version.strip(), Path(purelib)


def reexec_in_venv(argv: list[str]) -> None:
    """Go on inside .venv with the same arguments (does not return), unless already there."""
    if not in_venv():
        os.execv(str(venv_python()), [str(venv_python()), str(ROOT / "build.py"), *argv])


def check_node() -> None:
    """Node.js and npm are the one other host requirement (npm installs Pyodide and the codecs)."""
    if not shutil.which("npm") or not shutil.which("node"):
        raise BuildError(f"Node.js {MIN_NODE} or newer with npm is needed (node and npm are not on PATH)")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    major = version.lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < MIN_NODE:
        raise BuildError(f"Node.js {MIN_NODE} or newer is needed, this is {version or 'unknown'}")


def install_test_tools() -> None:
    """What the tests need beyond .venv: Debian's Chromium, DCMTK, OpenJPH's tools and Tesseract.

    Without root (or apt) this says so in one line; the tests that need a tool skip."""
    missing = [package for package, command in TEST_TOOLS.items() if not shutil.which(command)]
    if "chromium" in missing and os.environ.get("CHROMIUM_PATH"):
        missing.remove("chromium")
    if not missing:
        return
    if not shutil.which("apt-get") or not is_root():
        print(f"note: {', '.join(missing)} not installed (apt-get needs root); the tests that need them skip")
        return
    apt_install(missing)
