// @ts-check
// The privacy review's findings as the views arrange them: severities and category names,
// counts, groups by element, the series and patients they occur in. Pure data: no DOM here.

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {Finding["severity"]} Severity */
/** @typedef {Record<Severity, number>} SeverityCounts */
/**
 * Findings about one element (its path, else its tag), or of one category when they name none.
 * @typedef {{key: string, label: string, category: string, findings: Finding[], top: Severity}} FindingGroup
 */

/** @type {Severity[]} */
export const SEVERITIES = ["high", "medium", "low", "info"];

/** @type {Record<string, string>} */
const CATEGORIES = {
  element: "Identifying elements", "cross-field": "Identity found elsewhere", "free-text": "Free text",
  dates: "Dates and times", uids: "UIDs", private: "Private elements", pixels: "Pixel data",
  "non-dicom": "Not DICOM", "identity-claim": "De-identification claims", consistency: "Consistency",
  paths: "File and folder names", dicomdir: "DICOMDIR", "not-reviewed": "Not reviewed",
  burned_in_text: "Text burned into the pixels",
};

/** A category's name for people ("cross-field" → "Identity found elsewhere"). @param {string} category */
export function categoryLabel(category) {
  return CATEGORIES[category] || category.replace(/[-_]/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** @param {string} severity */
export function severityLabel(severity) {
  return severity.charAt(0).toUpperCase() + severity.slice(1);
}

/** @param {Finding[]} findings @returns {SeverityCounts} */
export function severityCounts(findings) {
  const counts = { high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) if (f.severity in counts) counts[f.severity]++;
  return counts;
}

/** "2 high · 1 medium" (severities with none left out). @param {SeverityCounts} counts */
export function countsText(counts) {
  return SEVERITIES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(" · ");
}

/** Categories with their findings, most severe and most frequent first.
 * @param {Finding[]} findings @returns {[string, SeverityCounts][]} */
export function byCategory(findings) {
  /** @type {Map<string, Finding[]>} */
  const groups = new Map();
  for (const f of findings) groups.set(f.category, [...(groups.get(f.category) || []), f]);
  return [...groups].map(([category, list]) => /** @type {[string, SeverityCounts]} */ ([category, severityCounts(list)]))
    .sort((a, b) => compareCounts(a[1], b[1]) || a[0].localeCompare(b[0]));
}

/** @param {SeverityCounts} a @param {SeverityCounts} b */
function compareCounts(a, b) {
  for (const s of SEVERITIES) if (a[s] !== b[s]) return b[s] - a[s];
  return 0;
}

/** The element a finding is about, for people: "Image Comments (0020,4000)", or "" for none.
 * @param {Finding} finding */
export function elementLabel(finding) {
  const e = finding.element;
  if (!e) return "";
  const where = e.path || e.tag;
  const name = e.name || e.keyword;
  return name ? `${name} · ${where}` : where;
}

/**
 * The findings grouped by element (path, else tag), else by category; in each the most severe
 * first; the groups with the most severe findings, then the most, first.
 * @param {Finding[]} findings
 * @param {(finding: Finding) => string} label the group's label from its first finding
 * @returns {FindingGroup[]}
 */
export function groupFindings(findings, label) {
  /** @type {Map<string, FindingGroup>} */
  const groups = new Map();
  for (const f of findings) {
    const key = f.element ? `element:${f.element.path || f.element.tag}` : `category:${f.category}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, label: label(f), category: f.category, findings: [], top: f.severity };
      groups.set(key, group);
    }
    group.findings.push(f);
  }
  const rank = (/** @type {Severity} */ s) => SEVERITIES.indexOf(s);
  for (const group of groups.values()) {
    group.findings.sort((a, b) => rank(a.severity) - rank(b.severity));
    group.top = group.findings[0].severity;
  }
  return [...groups.values()].sort((a, b) => compareCounts(severityCounts(a.findings), severityCounts(b.findings))
    || a.label.localeCompare(b.label));
}

/** Every series the findings occur in, once, in order of appearance.
 * @param {Finding[]} findings @returns {{study_uid: string, series_uid: string, description: string}[]} */
export function seriesOf(findings) {
  /** @type {Map<string, {study_uid: string, series_uid: string, description: string}>} */
  const series = new Map();
  for (const f of findings) for (const s of f.series || []) if (!series.has(s.series_uid)) series.set(s.series_uid, s);
  return [...series.values()];
}

/** The findings about a patient (by key) or a study (by UID).
 * @param {Finding[]} findings @param {{patient?: string, study?: string}} where */
export function findingsOf(findings, { patient, study }) {
  return findings.filter((f) => (patient === undefined || (f.patients || []).includes(patient))
    && (study === undefined || (f.series || []).some((s) => s.study_uid === study)));
}
