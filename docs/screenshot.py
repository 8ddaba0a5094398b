"""Regenerate the README's screenshots: the demo zip's summary (docs/summary.png), its CT series
in the viewer with the tag browser open (docs/viewer.png), and the same slice with its layers:
the segmentation, the RT structures and the presentation state's arrow (docs/layers.png).

    python3 build.py && python3 docs/screenshot.py
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from e2e.harness import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tools import serve  # noqa: E402


def main() -> None:
    server = serve.make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", CHROMIUM),
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("#boot.ready", timeout=180_000)
        page.click("#demo")
        page.wait_for_function("() => Number(document.getElementById('summary').dataset.version || 0) > 0")
        rows = page.locator(".series-row")
        for k in range(rows.count()):  # thumbnails are made as their rows scroll into view
            rows.nth(k).scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('.series-row .thumb:not(.no-pixels)')]"
                               ".every(t => t.querySelector('img'))")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(ROOT / "docs" / "summary.png"), full_page=True)
        page.click(".series-row:has(td:text-is('CT'))")
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '0'")
        page.focus("#viewer")
        for _ in range(32):
            page.keyboard.press("ArrowDown")
        page.wait_for_function("() => document.getElementById('viewer').dataset.index === '32'")
        page.click("#viewer-tags")
        page.wait_for_function("() => document.getElementById('tags').dataset.entry !== undefined")
        page.fill("#tags-search", "position")
        page.wait_for_selector("#viewer-layers-toggle:not([hidden])")  # the layers found (their panel closed)
        page.wait_for_function("() => [...document.querySelectorAll('#viewer-strip .strip-item')]"
                               ".every(i => i.dataset.thumbnail)")  # the strip's thumbnails
        page.screenshot(path=str(ROOT / "docs" / "viewer.png"))
        page.click("#viewer-tags")
        page.click("#viewer-layers-toggle")
        page.wait_for_selector("#viewer-stage .graphic-layer g[data-graphic='ARROW']", state="attached")
        page.wait_for_function("() => document.querySelector('canvas.seg-layer').dataset.segments === '3'")
        page.screenshot(path=str(ROOT / "docs" / "layers.png"))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
