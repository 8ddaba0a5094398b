// @ts-check
// The privacy review at a glance, before any finding: what the report describes (its
// provenance: inputs with size and SHA-256, when, by what, against which table, what the files
// claim), the findings counted by severity and by category, and per patient and per study.
// With "Hide patient data" on, patients are their labels and studies have no dates or
// accession numbers (mask.js).
import { el } from "./dom.js";
import { bytes, count, date } from "./format.js";
import { hidden, maskField, maskPatient, maskText } from "./mask.js";
import { SEVERITIES, byCategory, categoryLabel, findingsOf, severityCounts, severityLabel } from "./review-model.js";

/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./review-model.js").SeverityCounts} SeverityCounts */

/**
 * The provenance as the rows of a description list (none for a report without it).
 * @param {Review} review
 * @returns {HTMLElement[]}
 */
export function provenanceRows(review) {
  const p = review.provenance;
  if (!p) return [];
  /** @type {[string, (Node | string)[]][]} */
  const rows = [];
  const inputs = p.inputs || [];
  if (inputs.length) {
    rows.push([inputs.length === 1 ? "Input" : `Inputs (${inputs.length})`, [el("ul", { class: "review-inputs" },
      ...inputs.map((input) => el("li", {},
        el("span", { class: "review-input-name" }, maskText(input.name)),
        input.size !== undefined ? ` · ${bytes(input.size)}` : "",
        input.sha256 ? [" · SHA-256 ", el("code", { class: "review-hash" }, input.sha256)]
          : input.pending ? " · SHA-256 being computed…" : " · SHA-256 not computed")))]]);
  }
  if (p.reviewed_at) {
    const when = new Date(p.reviewed_at);
    rows.push(["Reviewed", [Number.isNaN(when.getTime()) ? p.reviewed_at
      : `${when.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" })} (${p.reviewed_at})`]]);
  }
  if (p.tool) rows.push(["By", [p.tool]]);
  rows.push(["Against", [`${review.profile.title}, ${p.table || review.profile.edition}`]]);
  if (p.claimed) rows.push(["The files claim", [p.claimed.length ? p.claimed.join("; ") : "no de-identification"]]);
  return rows.flatMap(([term, details]) => [el("dt", {}, term), el("dd", {}, ...details)]);
}

/**
 * Counts by severity and category, then the patients and studies with theirs.
 * @param {Review} review
 * @returns {HTMLElement[]}
 */
export function overview(review) {
  const findings = review.findings;
  const nodes = [table("By category", ["Category"], byCategory(findings).map(([category, counts]) =>
    [[categoryLabel(category)], counts]), severityCounts(findings))];
  const patients = (review.patients || []).map(maskPatient);
  if (patients.length) {
    nodes.push(table("By patient", ["Patient", "Files"], patients.map((p) => [[
      el("span", {}, p.label, hidden() || !p.name ? "" : ` · ${p.name}`,
        p.pseudonymous ? el("span", { class: "muted" }, " (pseudonym)") : ""),
      count(p.files ?? 0)], severityCounts(findingsOf(findings, { patient: p.key }))])));
    const studies = patients.flatMap((p) => (p.studies || []).map((s) => /** @type {const} */ ([p, s])));
    if (studies.length) {
      nodes.push(table("By study", ["Patient", "Study", "Files"], studies.map(([p, s]) => [[
        p.label,
        [maskField(date(s.date)), maskText(s.description), s.accession ? `accession ${maskField(s.accession)}` : ""]
          .filter(Boolean).join(" · ") || "(no date or description)",
        count(s.files ?? 0)], severityCounts(findingsOf(findings, { study: s.uid }))])));
    }
  }
  return nodes;
}

/**
 * A table of rows with a count per severity (and, given `totals`, a row of totals).
 * @param {string} caption
 * @param {string[]} heads the columns before the counts
 * @param {[(Node | string)[], SeverityCounts][]} rows
 * @param {SeverityCounts} [totals]
 */
function table(caption, heads, rows, totals) {
  /** @param {SeverityCounts} counts */
  const cells = (counts) => SEVERITIES.map((s) => el("td", { class: `num${counts[s] ? ` sev-${s}` : ""}` }, counts[s] || ""));
  // focusable, so that a keyboard can scroll it sideways on a narrow screen
  return el("div", { class: "review-table", tabindex: 0, role: "region", "aria-label": caption }, el("table", {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)),
      ...SEVERITIES.map((s) => el("th", { scope: "col", class: "num" }, severityLabel(s))))),
    el("tbody", {}, ...rows.map(([first, counts]) => el("tr", {},
      ...first.map((cell, n) => (n === 0 ? el("th", { scope: "row" }, cell)
        : el("td", { class: n === first.length - 1 ? "num" : "" }, cell))),  // the last: files
      ...cells(counts)))),
    totals ? el("tfoot", {}, el("tr", {}, el("th", { scope: "row", colspan: heads.length }, "All"), ...cells(totals))) : null));
}
