"""Shared fixtures: the package on sys.path, and the reference-data registry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dicompeek.dicom import guard  # noqa: E402
from registry import CORPUS  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def guarded_pydicom() -> None:
    """Files are read as the entry points read them: through pydicom's reader with dicompeek's
    guards installed (importing dicompeek installs nothing; the page's worker and the command
    line call :func:`dicompeek.dicom.guard.install` first; tests/dicom/test_guard.py checks that)."""
    guard.install()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-DICOM corpus next to the project; skip where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not present at {CORPUS}")
    return CORPUS
