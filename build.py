#!/usr/bin/env python3
"""Build, serve, test and benchmark DICOM Peek.

    python3 build.py            build dist/ (idempotent; downloads are cached in .cache/)
    python3 build.py serve      build, then serve dist/ on http://127.0.0.1:8000/
    python3 build.py test       install what tests need, build, run every test (pytest)
    python3 build.py bench      build, then run the benchmarks in bench/
    python3 build.py lint       static checks: ruff and mypy on the Python, tsc on web/
    python3 build.py tables     regenerate the package data from the pinned published sources

Every command first makes sure of the project's own virtual environment,
``.venv/`` (pydicom and numpy for build and serve; also requirements-dev.txt
for test and bench), and then runs inside it: nothing is ever installed into
the Python that started build.py, so a PEP 668 system Python works too.

Each job lives in a module of tools/ (environment, downloads, codecs, tables,
assemble, serve); this file only dispatches. dist/ is self-contained: Pyodide, its
numpy and Pillow wheels, the pydicom wheel, the pixel codecs
(WebAssembly and JavaScript, from npm), the app's own Python package, the page
and a demo zip. Every Pyodide wheel is verified against the sha256 in Pyodide's
own lock file, and the PyPI and npm downloads against pinned hashes
(tools/downloads.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from tools import environment
from tools.assemble import build
from tools.downloads import npm_install
from tools.paths import ROOT
from tools.serve import serve
from tools.tables import write_tables

#: Commands that need requirements-dev.txt in .venv.
DEV_COMMANDS = ("test", "bench", "lint")
#: What `lint` checks with ruff and mypy (their settings are in pyproject.toml).
LINTED = ["py", "tests", "tools", "bench", "docs", "build.py"]


def lint() -> int:
    """ruff, mypy and the JavaScript type check; every one runs, the exit code says if any failed."""
    npm_install()
    checks = [[sys.executable, "-m", "ruff", "check", *LINTED],
              [sys.executable, "-m", "mypy"],
              ["npm", "run", "--silent", "typecheck"]]
    failed = 0
    for check in checks:
        print("+", " ".join(check), flush=True)
        failed |= subprocess.call(check, cwd=ROOT) != 0
    return int(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="build",
                        choices=["build", "serve", "test", "bench", "lint", "tables"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, rest = parser.parse_known_args(argv)
    environment.ensure_venv(dev=args.command in DEV_COMMANDS)
    environment.reexec_in_venv(sys.argv[1:] if argv is None else argv)
    environment.check_node()
    if args.command == "tables":
        write_tables()
        return 0
    if args.command == "lint":
        return lint()
    if args.command == "test":
        environment.install_test_tools()
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
