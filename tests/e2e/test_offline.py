"""Offline: after one visit the app starts and works with the server gone.

dist/ is served here by Python's stock static file server (no special headers, as on any
static host or from a USB stick), in a browser context of its own. After "Offline ready"
the server is shut down; the reloaded page must boot Python, open the demo and a zip of
the user's, and render a frame, all from the service worker's cache.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from dicompeek_synthetic import ct_phantom_series, write_zip
from tools import assemble, paths

BOOT_TIMEOUT_MS = 180_000

CANVAS_CENTRE = """() => { const c = document.getElementById('viewer-canvas');
  return Array.from(c.getContext('2d').getImageData(c.width >> 1, c.height >> 1, 1, 1).data); }"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def static_host():
    """dist/ on a plain static server that the test can stop."""
    handler = functools.partial(_Quiet, directory=str(paths.DIST))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state = {"server": server, "url": f"http://127.0.0.1:{server.server_address[1]}/"}
    yield state
    if state["server"] is not None:
        server.shutdown()
        server.server_close()


def wait_summary(page, before: int) -> None:
    page.wait_for_function("v => Number(document.getElementById('summary').dataset.version || 0) > v",
                           arg=before, timeout=120_000)


def version(page) -> int:
    return int(page.get_attribute("#summary", "data-version") or 0)


def test_after_one_visit_everything_works_with_the_server_gone(browser, static_host, tmp_path):
    user_zip = tmp_path / "my-export.zip"
    write_zip(user_zip, {f"CT/{k:03d}.dcm": ds for k, ds in enumerate(ct_phantom_series(4, 32, 32))})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(static_host["url"])
        page.wait_for_selector("#offline[data-state='ready']", timeout=BOOT_TIMEOUT_MS)
        assert page.text_content("#offline") == "Offline ready"
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)

        server = static_host.pop("server")
        static_host["server"] = None
        server.shutdown()
        server.server_close()
        failed = []
        # a fetch the reload cuts short (the old page's workers still loading a codec) is aborted,
        # not sent to the network: only a request that went out and failed counts
        page.on("requestfailed", lambda request: failed.append(request.url)
                if request.failure != "net::ERR_ABORTED" else None)

        page.reload()
        page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        before = version(page)
        page.click("#demo")
        wait_summary(page, before)
        assert "DEMO^PHANTOM" in page.text_content("#summary")

        before = version(page)
        page.set_input_files("#pick-files", str(user_zip))
        wait_summary(page, before)
        assert "my-export.zip" in page.text_content("#summary")
        page.click(".series-row:has(td:text-is('CT'))")
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        page.wait_for_function(f"() => ({CANVAS_CENTRE})()[3] === 255")
        assert page.evaluate(CANVAS_CENTRE)[0] > 0  # the phantom's body, not a blank canvas
        assert failed == []  # nothing had to come from the (gone) network
    finally:
        context.close()


def test_a_new_build_is_announced_and_taken_only_when_the_user_reloads(browser, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(paths.DIST, site)
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_selector("#offline[data-state='ready']", timeout=BOOT_TIMEOUT_MS)
        page.reload()  # now controlled by this build's service worker
        page.wait_for_selector("#offline[data-state='ready']", timeout=BOOT_TIMEOUT_MS)
        first = page.evaluate("() => document.title")

        index = site / "index.html"
        index.write_text(index.read_text().replace("<title>DICOM Peek</title>", "<title>DICOM Peek (new)</title>"))
        assemble.service_worker(site)
        page.reload()  # still the old build, from the cache; the browser finds the new sw.js
        page.wait_for_selector("#update:not([hidden])", timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("() => document.title") == first  # never a mix of the two builds
        page.click("#update-reload")
        page.wait_for_function("() => document.title === 'DICOM Peek (new)'", timeout=60_000)
        page.wait_for_selector("#offline[data-state='ready']", timeout=BOOT_TIMEOUT_MS)
        assert page.is_hidden("#update")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
