"""Shared fixtures: the package on sys.path, and the reference-data registry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry import CORPUS  # noqa: E402


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-DICOM corpus next to the project; skip where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not present at {CORPUS}")
    return CORPUS
