"""The README's first command: `python3 build.py serve` serves an app that boots and opens the demo.

.ci/run starts that command from a clean clone with a Python that has no packages and
passes its URL in DICOMPEEK_SERVED_URL, so this test checks the newcomer's path; without
the variable the test starts `build.py serve` itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from e2e.harness import BOOT_TIMEOUT_MS, ROOT, App
from tools import serve


@pytest.fixture(scope="module")
def served_url() -> Iterator[str]:
    if os.environ.get("DICOMPEEK_SERVED_URL"):
        yield os.environ["DICOMPEEK_SERVED_URL"]
        return
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", "0"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            match = re.search(r"served at (http://\S+)", line)
            if match:
                yield match.group(1)
                break
        else:
            pytest.fail(f"build.py serve ended without serving (exit {server.wait()})")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_sends_the_content_security_policy(served_url):
    with urllib.request.urlopen(served_url + "index.html", timeout=30) as response:
        assert response.headers["Content-Security-Policy"] == serve.CSP
        assert "<title>DICOM Peek" in response.read().decode()


def test_the_served_page_boots_python_and_opens_the_demo(browser, served_url):
    context = browser.new_context()
    try:
        page = context.new_page()
        app = App(page, served_url)
        page.goto(served_url)
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
        app.open_demo()
        totals = app.totals()
        assert totals["dicom"] > 0 and totals["series"] >= 3, totals
    finally:
        context.close()
