"""Accessibility: axe-core (npm, pinned) on each view a person reaches: the landing page, the summary,
the viewer with its tag panel, and the privacy review. Nothing serious or critical, at most two
moderate issues per view (issue 17).

axe-core is injected into the page, which the page's Content-Security-Policy would refuse: this
module's browser context bypasses the CSP, in this test only (the app itself never loads a script
from anywhere but its own origin)."""

from __future__ import annotations

import pytest

from e2e.harness import BOOT_TIMEOUT_MS, ROOT, App

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
}"""


@pytest.fixture(scope="module")
def axe_app(browser, site_url):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_selector("#boot.ready", timeout=BOOT_TIMEOUT_MS)
    yield App(page, site_url)
    context.close()


def violations(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def assert_accessible(page, view: str) -> None:
    found = violations(page)
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    moderate = [v for v in found if v["impact"] == "moderate"]
    assert not bad, f"{view}: {bad}"
    assert len(moderate) <= 2, f"{view}: {moderate}"


def test_every_view_passes_axe(axe_app):
    page = axe_app.page
    assert_accessible(page, "landing page")
    axe_app.open_demo()
    rows = page.locator(".series-row")
    for k in range(rows.count()):  # thumbnails are made as their rows scroll into view
        rows.nth(k).scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.series-row .thumb img').length === 4", timeout=60_000)
    assert_accessible(page, "summary")
    axe_app.open_instance_tags(".series-row:has(td:text-is('CT'))")
    assert_accessible(page, "viewer with tags")
    page.click("#viewer-tags")
    page.click("#viewer-close")
    page.uncheck("#review-ocr")
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    assert_accessible(page, "privacy review")
