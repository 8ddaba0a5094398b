""""Hide patient data": one switch in the page header masks every view and every download.

On the demo (py/dicompeek_synthetic.py: patient DEMO^PHANTOM, ID DEMO-0001, born 19700101,
studies on 20240314 and 20240902 at 093000 and 141500, accessions DEMO0001 and DEMO0002), with
the switch on, none of these may be anywhere in the page's text, its title, aria-label, alt
and placeholder attributes and the values of its controls, after the summary, the viewer, the
tag browser (all three tabs) and the privacy review (every group, list and page opened), nor
in any download made meanwhile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2e.harness import PAGE_TEXT

#: The demo patient's identifiers, in the forms they are stored and shown.
IDENTIFIERS = re.compile(
    r"PHANTOM|DEMO-0001|DEMO000[12]|19700101|1970-01-01|20240314|2024-03-14|20240902|2024-09-02"
    r"|093000|141500|dicompeek-demo", re.I)
NAME_PART = re.compile(r"DEMO")  # as stored; "demo" in the page's own words ("Try the demo") is not the patient's



def leaks(text: str) -> list[str]:
    return sorted({m.group(0) for m in IDENTIFIERS.finditer(text)} | {m.group(0) for m in NAME_PART.finditer(text)})


#: Where on the page a leak is: the innermost elements whose text or attributes hold it.
WHERE = """pattern => {
  const re = new RegExp(pattern, "i");
  return [...document.querySelectorAll("body *")].filter((e) =>
    [...e.childNodes].some((n) => n.nodeType === 3 && re.test(n.nodeValue))
    || ["title", "aria-label", "alt", "placeholder"].some((a) => re.test(e.getAttribute(a) || ""))
    || (("value" in e) && re.test(String(e.value))))
    .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${(e.textContent || "").slice(0, 80)}`).slice(0, 8);
}"""


def assert_page_hides(page, where: str) -> None:
    found = leaks(page.evaluate(PAGE_TEXT))
    places = page.evaluate(WHERE, "|".join(re.escape(f) for f in found)) if found else []
    assert not found, f"{where}: {found} on the page, in {places}"


def downloaded(page, button: str) -> str:
    with page.expect_download() as download:
        page.click(button)
    return Path(download.value.path()).read_text(encoding="utf-8")


@pytest.fixture
def hiding(clean_app):
    page = clean_app.page
    clean_app.open_demo()
    page.check("#hide-patient-data")
    yield clean_app
    clean_app.reset_views()
    if page.is_checked("#hide-patient-data"):
        page.uncheck("#hide-patient-data")


def test_the_switch_masks_every_view_and_every_download(hiding):
    page = hiding.page
    switch = page.get_by_role("switch", name="Hide patient data")
    assert switch.is_checked() and page.evaluate("document.body.classList.contains('hide-patient-data')")

    # the summary: the patient is a label; IDs, dates, accession numbers and paths are masked
    assert page.text_content(".patient-name") == "Patient 1"
    assert "•••" in page.text_content("#tree") and "Sex O" in page.text_content("#tree")
    assert_page_hides(page, "summary")

    # the viewer's overlays and the tag browser, every tab, and its downloads
    hiding.open_instance_tags()
    page.wait_for_function("() => document.getElementById('overlay-tl').textContent.includes('Patient 1')")
    assert "•••" in page.text_content("#overlay-tl")
    # the series strip: captions masked; a thumbnail whose pixels may hold burned-in text blurred
    page.wait_for_function("() => document.querySelectorAll('#viewer-strip .strip-item[data-thumbnail]').length === 4")
    risky = page.locator("#viewer-strip .strip-item[data-text-risk=true] img")
    assert risky.count() >= 1 and all("masked" in (c or "") for c in risky.evaluate_all("i => i.map(x => x.className)"))
    assert "blur" in risky.first.evaluate("i => getComputedStyle(i).filter")
    name_row = page.locator("#tags-tree .tags-row", has=page.locator(".tag", has_text="(0010,0010)"))
    assert name_row.locator(".value").text_content() == "•••"
    assert_page_hides(page, "viewer and tag browser")
    for button in ("#tags-json", "#tags-dump"):
        text = downloaded(page, button)
        assert "•••" in text and not leaks(text), (button, leaks(text))
    page.click("#tags-tab-series")
    page.wait_for_function("() => document.getElementById('tags-series-status').textContent.includes('instances')")
    page.uncheck("#tags-varying")
    assert_page_hides(page, "what changes in the series")
    fields = page.input_value("#tags-csv-fields")
    page.fill("#tags-csv-fields", "PatientName, PatientID, StudyDate, AccessionNumber, ImageComments, InstanceNumber")
    csv = downloaded(page, "#tags-csv")
    page.fill("#tags-csv-fields", fields)  # the page is shared with the other tests
    assert "•••" in csv and not leaks(csv), leaks(csv)
    page.check("#tags-varying")
    page.click("#tags-tab-compare")
    page.click("#tags-compare-run")
    page.wait_for_function("() => document.getElementById('tags-compare-status').textContent.includes('differ')")
    page.uncheck("#tags-only-diff")
    assert_page_hides(page, "comparison")
    page.check("#tags-only-diff")
    page.click("#tags-tab-instance")
    hiding.reset_views()

    # the review: every group, list and page opened
    page.click("#review-open")
    page.wait_for_function("() => document.getElementById('review').dataset.done === 'true'", timeout=120_000)
    page.click("#review-expand")
    page.evaluate("() => document.querySelectorAll('#review details').forEach(d => { d.open = true; })")
    while page.locator("#review .review-more:visible").count():
        page.locator("#review .review-more:visible").first.click()
    assert "•••" in page.inner_text("#review-findings")
    assert_page_hides(page, "privacy review")
    for button in ("#review-html", "#review-csv", "#review-json"):
        text = downloaded(page, button)
        assert not leaks(text), (button, leaks(text))
    report = json.loads(downloaded(page, "#review-json"))
    assert all(v["value"] == "•••" for f in report["findings"] for v in f.get("values", []))
    assert "<script" not in downloaded(page, "#review-html").lower()

    # off again: everything as stored
    switch.uncheck()
    assert page.text_content(".patient-name") == "DEMO^PHANTOM"
    assert "DEMO-0001" in page.inner_text("#review-findings")


def test_the_switch_is_a_labelled_switch_remembered_across_visits(fresh_page):
    page = fresh_page.page
    page.goto(fresh_page.url)
    switch = page.get_by_role("switch", name="Hide patient data")
    assert not switch.is_checked()
    switch.focus()
    page.keyboard.press("Space")  # a real control: the keyboard works it
    assert switch.is_checked()
    page.reload()
    assert page.get_by_role("switch", name="Hide patient data").is_checked()
    assert page.evaluate("document.body.classList.contains('hide-patient-data')")
    assert not fresh_page.errors
