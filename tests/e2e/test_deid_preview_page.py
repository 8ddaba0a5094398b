"""The preview in "Make a de-identified copy…": what the settings do to one file, by the copy's own
Python on worker 0, before anything is written. Patient's Name before → pseudonym after, a study
date moved by the patient's offset for the salt typed, Retain UIDs turning new UIDs into kept
ones, another series chosen, and with "Hide patient data" on nothing of the original anywhere in
the panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dicompeek.privacy.deidentify.dates import offset_days
from e2e.test_deidentify_page import review_then_open_the_copy_panel
from privacy.exports import PATIENTS, original_export
from registry import zip_bytes

KOWALSKI = PATIENTS["kowalski"]
SALT = "e2e-preview-salt"
MASK = "•••"
#: Everything in the panel a person or a screen reader can get at, closed tables included.
PANEL_TEXT = """() => {
  const panel = document.getElementById("deid");
  const texts = [panel.innerText, panel.textContent];
  for (const node of panel.querySelectorAll("[title], [aria-label], [alt], [placeholder]")) {
    for (const name of ["title", "aria-label", "alt", "placeholder"]) texts.push(node.getAttribute(name) || "");
  }
  for (const control of panel.querySelectorAll("input:not(#deid-salt), select, textarea")) texts.push(control.value);
  for (const option of panel.querySelectorAll("option")) texts.push(option.label);
  return texts.join("\\n");
}"""


def shifted(date: str, days: int) -> str:
    return (dt.date(int(date[:4]), int(date[4:6]), int(date[6:])) + dt.timedelta(days=days)).strftime("%Y%m%d")


def version(page) -> int:
    return int(page.get_attribute("#deid-preview", "data-version") or 0)


def after_change(page, before: int) -> None:
    """Wait for the preview made after a change (debounced, then asked of worker 0)."""
    page.wait_for_function("v => Number(document.getElementById('deid-preview').dataset.version || 0) > v",
                           arg=before, timeout=30_000)


def row(page, path: str) -> dict[str, str]:
    """A row of the preview's tables: action, before, after (as shown)."""
    return page.eval_on_selector(f'#deid-preview-classes tr[data-path="{path}"]', """tr => ({
      action: tr.querySelector(".deid-preview-action").textContent,
      before: tr.querySelector(".deid-preview-before").textContent,
      after: tr.querySelector(".deid-preview-after").textContent,
      cls: tr.closest("details").dataset.class})""")


@pytest.fixture
def panel_closed(clean_app):
    yield clean_app
    page = clean_app.page
    page.uncheck("#deid-option-retain-uids")  # the page is shared: the copy tests expect the defaults
    if page.is_visible("#deid"):
        page.click("#deid-close")


def test_the_preview_follows_the_settings_and_hides_the_original(panel_closed, tmp_path: Path):
    app, page = panel_closed, panel_closed.page
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes(original_export(("kowalski",))))
    review_then_open_the_copy_panel(app, source)
    page.click("#deid-map-clear")  # the page is shared: an earlier test's pseudonym table goes
    page.wait_for_selector("#deid-preview[data-state=ready]", timeout=30_000)

    # a salt typed: the preview follows it
    shown = version(page)
    page.fill("#deid-salt", SALT)
    after_change(page, shown)
    name = row(page, "(0010,0010)")
    assert name == {"action": "replaced", "before": KOWALSKI.name, "after": "ANON-1", "cls": "patient"}
    days = offset_days(SALT.encode(), KOWALSKI.patient_id)
    study = row(page, "(0008,0020)")
    assert study == {"action": "shifted", "before": KOWALSKI.dates[0], "after": shifted(KOWALSKI.dates[0], days),
                     "cls": "dates"}
    assert f"dates move {-days:,} days back" in page.text_content("#deid-preview-patient")
    # one table per class, closed but Patient, each with its counts; headers for screen readers
    summary = page.text_content('details[data-class="private"] > summary')
    assert summary.startswith("Private elements") and "removed" in summary
    assert page.eval_on_selector('details[data-class="private"]', "d => d.open") is False
    assert page.eval_on_selector_all('details[data-class="uids"] thead th[scope=col]', "n => n.length") == 4
    page.focus('details[data-class="uids"] > summary')
    page.keyboard.press("Enter")
    assert page.eval_on_selector('details[data-class="uids"]', "d => d.open") is True

    # Retain UIDs: the new UIDs become kept ones
    uid = row(page, "(0020,000D)")
    assert uid["action"] == "new UID" and uid["after"].startswith("2.25.") and uid["before"] != uid["after"]
    shown = version(page)
    page.check("#deid-option-retain-uids")
    after_change(page, shown)
    kept = row(page, "(0020,000D)")
    assert kept == {"action": "kept by option", "before": uid["before"], "after": uid["before"], "cls": "uids"}
    assert page.eval_on_selector('details[data-class="uids"]', "d => d.open") is True  # stays open

    # another series: the MR with an overlay
    choices = page.eval_on_selector_all("#deid-preview-instance option", "o => o.map(e => e.textContent)")
    assert len(choices) == 4 and all(c.startswith("ANON-1 · ") for c in choices) and "MR series #5" in choices[2]
    shown = version(page)
    page.select_option("#deid-preview-instance", index=2)
    after_change(page, shown)
    assert row(page, "(6000,3000)")["action"] == "removed" and row(page, "(6000,3000)")["cls"] == "graphics"

    # Hide patient data: every value of the original masked, the pseudonym and shifted dates shown
    page.click("#hide-patient-data")
    try:
        text = page.evaluate(PANEL_TEXT)
        originals = [KOWALSKI.patient_id, KOWALSKI.birth_date, *KOWALSKI.dates, KOWALSKI.institution,
                     *KOWALSKI.name.replace("^", " ").split(), KOWALSKI.folder, uid["before"]]
        for value in originals:
            assert value not in text, value
        assert str(abs(days)) not in text  # the offset would give the original dates back
        assert row(page, "(0010,0010)")["before"] == MASK and row(page, "(0010,0010)")["after"] == "ANON-1"
        assert row(page, "(0020,000D)")["after"] == MASK  # kept: the original's
        assert row(page, "(0008,0020)")["after"] == shifted(KOWALSKI.dates[1], days)
        befores = page.eval_on_selector_all(".deid-preview-before", "n => n.map(e => e.textContent)")
        assert befores and set(befores) <= {MASK, "(absent)"}
    finally:
        page.click("#hide-patient-data")
    assert row(page, "(0010,0010)")["before"] == KOWALSKI.name
    assert not app.errors
