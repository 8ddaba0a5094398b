"""Layouts people really use (issue 17): a projector at 1280×720 and a phone 390 px wide. Each view is
photographed (test-results/layout-*.png, for a person to look at) and checked for what breaks a
layout: the page scrolling sideways, text cut mid-word, controls off screen."""

from __future__ import annotations

import pytest

from e2e.harness import BOOT_TIMEOUT_MS, ROOT, App

SIZES = {"projector": (1280, 720), "phone": (390, 844)}
SHOTS = ROOT / "test-results"
#: How far the page may be wider than the window (a scrollbar's rounding).
SLACK = 1
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
#: Visible elements (not inside a horizontal scroller, which may scroll) that stick out of the window.
OFF_SCREEN = """() => [...document.querySelectorAll(
    'button, input, select, h1, h2, .total, .series-row td, .viewer-bar > *')]
  .filter(e => e.getClientRects().length
    && !e.closest('.table-scroll, .review-table, .tags-tree, .tags-page > table, .viewer-strip'))
  .filter(e => !(e.parentElement && e.parentElement.matches('.viewer-bar')
    && getComputedStyle(e.parentElement).overflowX === 'auto'))
  .filter(e => { const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1 || r.left < -1; })
  .map(e => e.id || e.className || e.tagName)"""


@pytest.fixture(scope="module", params=list(SIZES))
def sized(request, browser, site_url):
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    app = App(page, site_url)
    app.open_demo()
    yield request.param, app
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"layout-{name}.png"))


def test_the_summary_fits_the_window(sized):
    name, app = sized
    page = app.page
    shot(page, f"{name}-summary")
    assert page.evaluate(PAGE_OVERFLOW) <= SLACK
    assert page.evaluate(OFF_SCREEN) == []


def test_the_viewer_and_its_tags_fit_the_window(sized):
    name, app = sized
    page = app.page
    app.open_instance_tags(".series-row:has(td:text-is('CT'))")
    try:
        shot(page, f"{name}-viewer-tags")
        assert page.evaluate(PAGE_OVERFLOW) <= SLACK
        # keywords and VRs are not broken inside a word: each cell's text fits its width
        broken = page.eval_on_selector_all("#tags-tree .tags-row .name > :first-child, #tags-tree .tags-row .vr", r"""
            cells => cells.filter(c => c.getClientRects().length).filter(c => {
              const lines = new Set();  // the tops of the line boxes of each word: one per word, or broken
              for (const word of c.textContent.split(/(?=[A-Z][a-z])|\s+/).filter(Boolean)) {
                const start = c.textContent.indexOf(word);
                const range = document.createRange();
                const text = [...c.childNodes].filter(n => n.nodeType === 3);
                let offset = 0;
                for (const node of text) {
                  if (start >= offset && start < offset + node.length) {
                    range.setStart(node, start - offset);
                    range.setEnd(node, Math.min(node.length, start - offset + word.length));
                    if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) return true;
                  }
                  offset += node.length;
                }
              }
              return false;
            }).map(c => c.textContent)""")
        assert broken == []
        if name == "phone":  # the tag panel is a sheet over the image, the image and the toolbar the full width
            width = page.evaluate("() => document.getElementById('tags').getBoundingClientRect().width")
            assert width >= 380
            stage = page.evaluate("() => document.getElementById('viewer-stage').getBoundingClientRect().width")
            assert stage >= 380
            bar = page.evaluate("() => document.querySelector('.viewer-bar').getBoundingClientRect().height")
            assert bar < 60  # one row
    finally:
        page.click("#viewer-tags")
        page.click("#viewer-close")
