// @ts-check
// The privacy review's filters: severities (check boxes), category, patient and series
// (selects), combined; the choices made survive a new report where they still apply and a
// change of "Hide patient data" (which only relabels patients and series).
import { byId, el } from "./dom.js";
import { hidden, maskText } from "./mask.js";
import { SEVERITIES, byCategory, categoryLabel, seriesOf, severityCounts, severityLabel } from "./review-model.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review} Review */

export class FindingFilters {
  /** @param {() => void} onChange told whenever a choice changes */
  constructor(onChange) {
    this.onChange = onChange;
    /** @type {Set<string>} */
    this.severities = new Set(SEVERITIES);
    this.category = "";
    this.patient = "";
    this.series = "";
    this.severityBox = byId("review-filter-severity");
    this.categorySelect = byId("review-filter-category", HTMLSelectElement);
    this.patientSelect = byId("review-filter-patient", HTMLSelectElement);
    this.seriesSelect = byId("review-filter-series", HTMLSelectElement);
    this.severityBox.addEventListener("change", (event) => {
      const box = event.target;
      if (!(box instanceof HTMLInputElement)) return;
      if (box.checked) this.severities.add(box.value);
      else this.severities.delete(box.value);
      this.onChange();
    });
    for (const [select, key] of /** @type {const} */ ([[this.categorySelect, "category"], [this.patientSelect, "patient"],
      [this.seriesSelect, "series"]])) {
      select.addEventListener("change", () => {
        this[key] = select.value;
        this.onChange();
      });
    }
  }

  /** The controls for this report (labels masked as "Hide patient data" says). @param {Review} review */
  show(review) {
    const findings = review.findings;
    const counts = severityCounts(findings);
    this.severityBox.replaceChildren(...SEVERITIES.map((s) => el("label", { class: `review-sev-choice sev-${s}` },
      el("input", { type: "checkbox", value: s, checked: this.severities.has(s) }), ` ${severityLabel(s)} (${counts[s]})`)));
    const categories = byCategory(findings);
    this.category = fill(this.categorySelect, "All categories", this.category, categories.map(([category, c]) =>
      [category, `${categoryLabel(category)} (${SEVERITIES.reduce((sum, s) => sum + c[s], 0)})`]));
    const patients = review.patients || [];
    byId("review-filter-patient-label").hidden = patients.length < 2;
    this.patient = fill(this.patientSelect, "All patients", this.patient, patients.map((p) =>
      [p.key, hidden() || !p.name ? p.label : `${p.label} · ${p.name}`]));
    let unnamed = 0;
    this.series = fill(this.seriesSelect, "All series", this.series, seriesOf(findings).map((s) =>
      [s.series_uid, maskText(s.description) || `(no description${hidden() ? ` ${++unnamed}` : `: ${s.series_uid}`})`]));
  }

  /** Empty the controls (their choices are kept for the next report). */
  clear() {
    for (const node of [this.severityBox, this.categorySelect, this.patientSelect, this.seriesSelect]) node.replaceChildren();
  }

  /** Whether a finding passes every filter. @param {Finding} f */
  test(f) {
    return this.severities.has(f.severity)
      && (!this.category || f.category === this.category)
      && (!this.patient || (f.patients || []).includes(this.patient))
      && (!this.series || (f.series || []).some((s) => s.series_uid === this.series));
  }

  /** Whether any filter hides something. */
  get active() {
    return this.severities.size < SEVERITIES.length || Boolean(this.category || this.patient || this.series);
  }
}

/**
 * Fill a select with "all" and the choices; keep `current` when it is still one. The value chosen.
 * @param {HTMLSelectElement} select
 * @param {string} all
 * @param {string} current
 * @param {[string, string][]} choices [value, label]
 */
function fill(select, all, current, choices) {
  const kept = choices.some(([value]) => value === current) ? current : "";
  select.replaceChildren(el("option", { value: "" }, all),
    ...choices.map(([value, label]) => el("option", { value, selected: value === kept }, label)));
  select.value = kept;
  return kept;
}
