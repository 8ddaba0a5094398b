"""End-to-end fixtures: dist/ served on localhost, one Chromium, one booted page.

Playwright's own browser download does not work on our machines, so the
system Chromium is used (CHROMIUM_PATH, else /usr/bin/chromium). Booting
Pyodide takes seconds, so the tests share one page and clear it in between.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from e2e.harness import BOOT_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, ROOT, App

sys.path.insert(0, str(ROOT))
from tools import assemble, paths, serve


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium)")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def site_url():
    if not (paths.DIST / "build.json").exists():
        assemble.build()
    server = serve.make_server(port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _watch(app: App, context, page) -> None:
    def dismiss(dialog) -> None:
        app.dialogs.append(dialog.message)
        dialog.dismiss()

    context.on("request", lambda request: app.requests.append(request.url))
    page.on("dialog", dismiss)
    page.on("pageerror", lambda error: app.errors.append(str(error)))


@pytest.fixture(scope="session")
def app(browser, site_url):
    """One page, booted once, shared by the end-to-end tests."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    booted = App(page, site_url)
    _watch(booted, context, page)
    page.goto(site_url)
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    yield booted
    context.close()


@pytest.fixture
def clean_app(app):
    app.reset_views()
    app.clear()
    yield app


@pytest.fixture
def fresh_page(browser, site_url):
    """A page of its own, for tests about start-up."""
    context = browser.new_context()
    page = context.new_page()
    fresh = App(page, site_url)
    _watch(fresh, context, page)
    yield fresh
    context.close()
