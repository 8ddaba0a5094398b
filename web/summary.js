// @ts-check
// The summary view: totals, the Patient → Study → Series tree with a filter,
// and the list of files that are not (readable) DICOM. With "Hide patient data" on, patients
// are "Patient 1" …, IDs, dates and accession numbers are masked, and descriptions and paths
// have the patients' names, IDs and dates masked (mask.js); the filter searches what is shown.
import { byId, el, setText } from "./dom.js";
import { bytes, count, date } from "./format.js";
import { hidden, learnSummary, maskField, maskText, patientLabel } from "./mask.js";

/** @typedef {import("./protocol.js").Summary} Summary */
/** @typedef {import("./protocol.js").SummaryPatient} SummaryPatient */
/** @typedef {import("./protocol.js").SummaryStudy} SummaryStudy */
/** @typedef {import("./protocol.js").SummarySeries} SummarySeries */
/** @typedef {import("./protocol.js").SummaryFile} SummaryFile */
/** @typedef {import("./protocol.js").Totals} Totals */

/** @type {[keyof Totals, string][]} */
const TOTALS = [
  ["entries", "Zip entries and files"], ["dicom", "DICOM files"], ["non_dicom", "Non-DICOM files"],
  ["unreadable", "Unreadable"], ["not_indexed", "Not indexed"],
  ["patients", "Patients"], ["studies", "Studies"], ["series", "Series"],
];
/** @type {Record<string, string>} */
const KIND_LABELS = { "non-dicom": "Not DICOM", unreadable: "Unreadable", "not-indexed": "Not indexed", dicom: "DICOM" };

/** @type {Summary | null} the summary on screen */
let shown = null;

/** @param {Summary} summary */
export function showSummary(summary) {
  shown = summary;
  learnSummary(summary);
  const hasData = summary.totals.entries > 0 || summary.notes.length > 0;
  const main = byId("summary");
  main.hidden = !hasData;
  main.dataset.version = String(Number(main.dataset.version || 0) + 1);  // lets tests wait for a new summary
  byId("empty").hidden = hasData;
  render(summary);
}

/** Show the summary again (the "Hide patient data" switch changed). */
export function refreshSummary() {
  if (shown) render(shown);
}

/** The series of the summary with these UIDs, and its study and patient, or null.
 * @param {string} studyUid @param {string} seriesUid */
export function findSeries(studyUid, seriesUid) {
  for (const patient of shown ? shown.patients : []) {
    for (const study of patient.studies) {
      if (study.study_instance_uid !== studyUid) continue;
      const series = study.series.find((s) => s.series_instance_uid === seriesUid);
      if (series) return { patient, study, series };
    }
  }
  return null;
}

/** @param {Summary} summary */
function render(summary) {
  renderTotals(summary.totals);
  renderTree(summary.patients);
  renderFiles(summary.files);
  byId("notes").replaceChildren(
    ...summary.notes.map((n) => el("li", {}, el("strong", {}, maskText(n.location)), `: ${maskText(n.message)}`)));
  applyFilter();
}

/** @param {Totals} totals */
function renderTotals(totals) {
  byId("totals").replaceChildren(...TOTALS
    .filter(([key]) => key !== "not_indexed" || totals[key] > 0)
    .map(([key, label]) => el("div", {
      class: `total${(key === "unreadable" || key === "not_indexed") && totals[key] > 0 ? " problem" : ""}`,
      "data-total": key },
      el("dt", {}, label), el("dd", {}, count(totals[key])))));
}

/** @param {SummaryPatient[]} patients */
function renderTree(patients) {
  const tree = byId("tree");
  tree.replaceChildren(...patients.map(patientNode));
}

/** @param {SummaryPatient} patient @param {number} index */
function patientNode(patient, index) {
  // The name exactly as stored (PN components and groups included): this is
  // what a reviewer must see, and what they would search for.
  const name = hidden() ? patientLabel(index) : patient.name || "(no patient name)";
  const studyCount = patient.studies.length;
  const node = el("details", { class: "patient", open: true },
    el("summary", {},
      el("span", { class: "label" }, "Patient"),
      el("strong", { class: "patient-name" }, name),
      field("ID", maskField(patient.id)), field("Born", maskField(date(patient.birth_date))), field("Sex", patient.sex),
      el("span", { class: "muted" }, `${studyCount} ${studyCount === 1 ? "study" : "studies"}`)),
    ...patient.studies.map((study) => studyNode(study)));
  node.dataset.search = (hidden() ? [name] : [name, name.replace(/\^/g, " "), patient.id, patient.birth_date])
    .join(" ").toLowerCase();
  return node;
}

/** @param {SummaryStudy} study */
function studyNode(study) {
  const description = maskText(study.description) || "(no description)";
  const node = el("details", { class: "study", open: true },
    el("summary", {},
      el("span", { class: "label" }, "Study"),
      el("strong", {}, description),
      field("Date", maskField(date(study.date))), field("Accession", maskField(study.accession_number)),
      el("span", { class: "muted" }, `${study.series_count} series`)),
    seriesTable(study.series, study.study_instance_uid));
  node.dataset.search = (hidden() ? [description]
    : [study.description, study.date, date(study.date), study.accession_number, study.study_id, study.study_instance_uid])
    .join(" ").toLowerCase();
  return node;
}

/** @param {SummarySeries[]} series @param {string} studyUid */
function seriesTable(series, studyUid) {
  return el("table", { class: "series" },
    el("thead", {}, el("tr", {}, ...["#", "Modality", "Description", "Instances", "Frames", "Rows × Columns",
      "SOP class", "Transfer syntax", "Size", "From"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...series.map((s) => seriesRow(s, studyUid))));
}

/** @param {SummarySeries} s @param {string} studyUid */
function seriesRow(s, studyUid) {
  const archives = s.archives.map((zip) => maskText(zip));
  const folders = s.folders.filter(Boolean).map((folder) => maskText(folder));
  const description = maskText(s.description) || "(no description)";
  const row = el("tr", { class: "series-row", "data-series-uid": s.series_instance_uid, "data-study-uid": studyUid },
    el("td", { class: "num" }, s.number ?? ""),
    el("td", {}, s.modality),
    el("td", {}, description),
    el("td", { class: "num" }, count(s.instances)),
    el("td", { class: "num" }, count(s.frames)),
    el("td", {}, s.sizes.join(", ")),
    el("td", {}, s.sop_classes.map((c) => c.name).join(", ")),
    el("td", {}, s.transfer_syntaxes.map((t) => t.name).join(", ")),
    el("td", { class: "num" }, bytes(s.bytes)),
    el("td", { class: "from" }, ...archives.map((zip) => el("div", { class: "zip" }, zip)),
      ...folders.map((folder) => el("div", { class: "folder" }, folder))));
  row.title = hidden() ? "Click to view" : `Click to view · Series Instance UID ${s.series_instance_uid}`;
  if (s.geometry_warnings.length) {
    row.children[2].append(...s.geometry_warnings.map((w) => el("div", { class: "geometry-warning" }, `⚠ ${maskText(w)}`)));
  }
  row.dataset.search = [s.number, s.modality, description, s.body_part, ...archives, ...folders,
    ...s.sop_classes.map((c) => c.name), ...s.transfer_syntaxes.map((t) => t.name),
    hidden() ? "" : s.series_instance_uid].join(" ").toLowerCase();
  return row;
}

/** @param {string} label @param {string} value */
function field(label, value) {
  return value ? el("span", { class: "field" }, el("span", { class: "muted" }, `${label} `), value) : null;
}

/** @param {SummaryFile[]} files */
function renderFiles(files) {
  byId("files-section").hidden = files.length === 0;
  setText("files-count", `(${count(files.length)})`);
  byId("files").replaceChildren(...files.map((f) =>
    el("tr", { class: `file-${f.kind}` },
      el("td", {}, KIND_LABELS[f.kind] || f.kind),
      el("td", { class: "path" }, maskText(f.location)),
      el("td", { class: "num" }, bytes(f.size)),
      el("td", {}, maskText(f.reason)))));
}

/** Show series rows matching every word of the filter, with their study and patient;
 *  a match on a study or patient shows all it contains. */
export function applyFilter() {
  const words = byId("filter", HTMLInputElement).value.toLowerCase().split(/\s+/).filter(Boolean);
  /** @param {string} text @param {string} context */
  const matches = (text, context) => words.every((w) => text.includes(w) || context.includes(w));
  let shown = 0;
  let total = 0;
  for (const patient of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#tree .patient"))) {
    let patientVisible = false;
    for (const study of /** @type {NodeListOf<HTMLElement>} */ (patient.querySelectorAll(".study"))) {
      let studyVisible = false;
      const context = `${patient.dataset.search} ${study.dataset.search}`;
      for (const row of /** @type {NodeListOf<HTMLElement>} */ (study.querySelectorAll(".series-row"))) {
        const visible = matches(row.dataset.search ?? "", context);
        row.hidden = !visible;
        studyVisible ||= visible;
        total++;
        if (visible) shown++;
      }
      study.hidden = !studyVisible;
      patientVisible ||= studyVisible;
    }
    patient.hidden = !patientVisible;
  }
  setText("filter-count", words.length ? `${count(shown)} of ${count(total)} series` : "");
}
