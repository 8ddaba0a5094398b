"""Where things are: the checkout, its build output and its download cache."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
CACHE = ROOT / ".cache"
WEB = ROOT / "web"
PY = ROOT / "py"
VENV = ROOT / ".venv"
NODE_MODULES = ROOT / "node_modules"


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


def run(cmd: list[str], **kwargs: Any) -> None:
    """Run a command in the checkout, echoing it; a failure stops the build."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and \
            dst.stat().st_mtime_ns >= src.stat().st_mtime_ns:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def write_if_changed(target: Path, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
