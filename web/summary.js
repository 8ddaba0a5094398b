// @ts-check
// The summary view: a banner for whatever makes the totals incomplete or the data suspect, the
// totals, one compact table of series per study (columns aligned across tables, sortable, every
// study and patient collapsible), a thumbnail per series asked for as its row scrolls into view,
// and the files that are not (readable) DICOM or lie outside any series, a page at a time. With
// "Hide patient data" on, patients are "Patient 1" …, IDs, dates and accession numbers are masked,
// descriptions and paths have the patients' names, IDs and dates masked (mask.js), and a thumbnail
// of a kind of image that often carries burned-in text is blurred; the filter searches what is shown.
import { byId, el, setText } from "./dom.js";
import { bytes, count, date, plural } from "./format.js";
import { hidden, learnSummary, maskField, maskText, patientLabel } from "./mask.js";

/** @typedef {import("./protocol.js").Summary} Summary */
/** @typedef {import("./protocol.js").SummaryPatient} SummaryPatient */
/** @typedef {import("./protocol.js").SummaryStudy} SummaryStudy */
/** @typedef {import("./protocol.js").SummarySeries} SummarySeries */
/** @typedef {import("./protocol.js").SummaryFile} SummaryFile */
/** @typedef {import("./thumbnails.js").ThumbnailImage} ThumbnailImage */
/** @typedef {import("./protocol.js").Totals} Totals */
/** Where thumbnails come from (thumbnails.js with the client, given by app.js: views do not talk to
 * workers; it asks once per series and keeps them).
 * @typedef {(studyUid: string, seriesUid: string) => Promise<ThumbnailImage>} ThumbnailSource */

/** @type {[keyof Totals, string][]} */
const TOTALS = [
  ["entries", "Zip entries and files"], ["dicom", "DICOM files"], ["non_dicom", "Non-DICOM files"],
  ["unreadable", "Unreadable"], ["not_indexed", "Not indexed"],
  ["patients", "Patients"], ["studies", "Studies"], ["series", "Series"],
];
/** @type {Record<string, string>} */
const KIND_LABELS = { "non-dicom": "Not DICOM", unreadable: "Unreadable", "not-indexed": "Not indexed", dicom: "DICOM" };
/**
 * The series table's columns: heading, the class of its cells, and the value it sorts by.
 * @type {{key: string, heading: string, cell: string, sort: ((s: SummarySeries) => string | number) | null}[]}
 */
const COLUMNS = [
  { key: "thumbnail", heading: "", cell: "thumb-cell", sort: null },
  { key: "modality", heading: "Modality", cell: "", sort: (s) => s.modality },
  { key: "number", heading: "#", cell: "num", sort: (s) => (typeof s.number === "number" ? s.number : Infinity) },
  { key: "description", heading: "Description", cell: "description", sort: (s) => s.description.toLowerCase() },
  { key: "instances", heading: "Instances", cell: "num", sort: (s) => s.instances },
  { key: "frames", heading: "Frames", cell: "num", sort: (s) => s.frames },
  { key: "size", heading: "Rows × Columns", cell: "", sort: (s) => s.sizes[0] || "" },
  { key: "sop", heading: "SOP class", cell: "", sort: (s) => (s.sop_classes[0] || { name: "" }).name },
  { key: "syntax", heading: "Transfer syntax", cell: "", sort: (s) => (s.transfer_syntaxes[0] || { name: "" }).name },
  { key: "bytes", heading: "Size", cell: "num", sort: (s) => s.bytes },
  { key: "from", heading: "From", cell: "from", sort: (s) => s.archives.concat(s.folders).join(" ") },
];
const FILES_PER_PAGE = 200;  // rows of the Files list in the page at a time: 100,000 entries cost one page

/** @type {Summary | null} the summary on screen */
let shown = null;
/** @type {{key: string, ascending: boolean} | null} how every series table is sorted (null: as listed) */
let sortBy = null;
let filesPage = 0;
/** @type {ThumbnailSource | null} */
let thumbnailSource = null;
/** @type {Map<string, ThumbnailImage>} the thumbnails shown, by "study series": drawn again at once */
const shownThumbnails = new Map();
/** @type {IntersectionObserver | null} */
let observer = null;

/** Where thumbnails come from. @param {ThumbnailSource} source */
export function setThumbnailSource(source) {
  thumbnailSource = source;
}

/** @param {Summary} summary */
export function showSummary(summary) {
  shown = summary;
  learnSummary(summary);
  shownThumbnails.clear();  // app.js has thumbnails.js forget them too: the data loaded changed
  filesPage = 0;
  const hasData = summary.totals.entries > 0 || summary.notes.length > 0;
  const view = byId("summary");
  view.hidden = !hasData;
  view.dataset.version = String(Number(view.dataset.version || 0) + 1);  // lets tests wait for a new summary
  byId("empty").hidden = hasData;
  render(summary);
}

/** Show the summary again (the "Hide patient data" switch changed). */
export function refreshSummary() {
  if (shown) render(shown);
}

/** Open or close every patient and study. @param {boolean} open */
export function expandAll(open) {
  for (const node of /** @type {NodeListOf<HTMLDetailsElement>} */ (document.querySelectorAll("#tree details"))) {
    node.open = open;
  }
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
  renderBanner(summary);
  renderTotals(summary.totals);
  renderTree(summary.patients);
  renderFiles(summary.files);
  byId("notes").replaceChildren(
    ...summary.notes.map((n) => el("li", {}, el("strong", {}, maskText(n.location)), `: ${maskText(n.message)}`)));
  applyFilter();
}

/** What makes the totals incomplete or the data suspect, first thing on the page.
 * @param {Summary} summary */
function renderBanner(summary) {
  const { totals } = summary;
  const series = summary.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
  const duplicated = series.filter((s) => s.duplicates > 0);
  const outside = summary.files.filter((f) => f.series_uid).length;
  /** @type {(string | Node)[][]} */
  const items = summary.notes.map((n) => [el("strong", {}, maskText(n.location)), `: ${maskText(n.message)}`]);
  if (totals.unreadable) items.push([`${plural(totals.unreadable, "file")} could not be read (listed under Files).`]);
  if (totals.not_indexed) {
    items.push([`${plural(totals.not_indexed, "entry", "entries")} were not indexed: the totals leave them out (listed under Files).`]);
  }
  if (duplicated.length) {
    const files = duplicated.reduce((sum, s) => sum + s.duplicates, 0);
    items.push([`${plural(duplicated.length, "series", "series")} ${duplicated.length === 1 ? "has" : "have"} files`
      + ` sharing a SOP Instance UID (${plural(files, "duplicate file")}): `
      + duplicated.map((s) => `${s.modality} #${s.number ?? ""} ${maskText(s.description)}`.trim()).join("; ")
      + ". Counted once each in Instances."]);
  }
  if (outside) items.push([`${plural(outside, "DICOM file")} outside any series (no Study or Series Instance UID): listed under Files, where each opens on its own.`]);
  if (totals.patients > 1) items.push([`${plural(totals.patients, "patient")} in what is loaded: check that this is meant before sending it on.`]);
  const banner = byId("summary-banner");
  banner.hidden = items.length === 0;
  byId("summary-banner-list").replaceChildren(...items.map((parts) => el("li", {}, ...parts)));
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
  observer?.disconnect();
  observer = new IntersectionObserver(onVisible, { rootMargin: "200px" });
  byId("tree").replaceChildren(...patients.map(patientNode));
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
      el("span", { class: "muted" }, plural(studyCount, "study", "studies"))),
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
      el("span", { class: "muted" }, plural(study.series_count, "series", "series"))),
    el("div", { class: "table-scroll" }, seriesTable(study.series, study.study_instance_uid)));
  node.dataset.search = (hidden() ? [description]
    : [study.description, study.date, date(study.date), study.accession_number, study.study_id, study.study_instance_uid])
    .join(" ").toLowerCase();
  return node;
}

/** @param {SummarySeries[]} series @param {string} studyUid */
function seriesTable(series, studyUid) {
  const column = COLUMNS.find((c) => c.key === sortBy?.key);
  const rows = series.slice();
  if (sortBy && column && column.sort) {
    const key = column.sort;
    const direction = sortBy.ascending ? 1 : -1;
    rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return direction * (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)));
    });
  }
  return el("table", { class: "series" },
    el("colgroup", {}, ...COLUMNS.map((c) => el("col", { class: `col-${c.key}` }))),
    el("thead", {}, el("tr", {}, ...COLUMNS.map(headerCell))),
    el("tbody", {}, ...underParents(rows).map(({ s, parent }) => seriesRow(s, studyUid, parent))));
}

/**
 * The rows in their order, except that a series made from another of the table (a SEG, a report,
 * RT structures, a presentation state) follows that one, as OHIF and Slicer list derived objects.
 * @param {SummarySeries[]} rows @returns {{s: SummarySeries, parent: SummarySeries | null}[]}
 */
function underParents(rows) {
  const here = new Map(rows.map((s) => [s.series_instance_uid, s]));
  /** @param {SummarySeries} s */
  const parentOf = (s) => (s.refers_to || []).map((uid) => here.get(uid)).find((p) => p && p !== s && !(p.refers_to || []).length) || null;
  /** @type {Map<SummarySeries, SummarySeries[]>} */
  const children = new Map();
  for (const s of rows) {
    const parent = parentOf(s);
    if (parent) children.set(parent, [...(children.get(parent) || []), s]);
  }
  return rows.filter((s) => !parentOf(s))
    .flatMap((s) => [{ s, parent: null }, ...(children.get(s) || []).map((child) => ({ s: child, parent: s }))]);
}

/** A column heading: a button that sorts every table by it (again: the other way).
 * @param {typeof COLUMNS[number]} column */
function headerCell(column) {
  if (!column.sort) return el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Thumbnail"));
  const active = sortBy && sortBy.key === column.key;
  const order = active ? (sortBy?.ascending ? "ascending" : "descending") : null;
  return el("th", { scope: "col", class: column.cell === "num" ? "num" : "", "aria-sort": order },
    el("button", { type: "button", class: "sort", dataset: { sort: column.key },
      on: { click: () => sortSeries(column.key) } }, column.heading, active ? (sortBy?.ascending ? " ▲" : " ▼") : ""));
}

/** Sort every series table by `key`, the other way when already sorted by it. @param {string} key */
function sortSeries(key) {
  sortBy = { key, ascending: sortBy && sortBy.key === key ? !sortBy.ascending : true };
  const focused = key;
  refreshSummary();
  const again = /** @type {HTMLElement | null} */ (document.querySelector(`#tree button.sort[data-sort="${focused}"]`));
  again?.focus();
}

/** @param {SummarySeries} s @param {string} studyUid @param {SummarySeries | null} parent the series it was made from */
function seriesRow(s, studyUid, parent) {
  const archives = s.archives.map((zip) => maskText(zip));
  const folders = s.folders.filter(Boolean).map((folder) => maskText(folder));
  const description = maskText(s.description) || "(no description)";
  const thumb = el("div", { class: "thumb", dataset: { studyUid, seriesUid: s.series_instance_uid } });
  const instances = s.duplicates
    ? el("td", { class: "num" }, count(s.instances),
      el("div", { class: "duplicates", title: "Files that repeat a SOP Instance UID of this series" },
        `+${count(s.duplicates)} repeated`))
    : el("td", { class: "num" }, count(s.instances));
  const label = `${s.modality} series ${s.number ?? ""} ${description}: open in the viewer`;
  const row = el("tr", { class: "series-row", tabindex: 0, "aria-label": label,
    "data-series-uid": s.series_instance_uid, "data-study-uid": studyUid },
    el("td", { class: "thumb-cell" }, thumb),
    el("td", {}, s.modality),
    el("td", { class: "num" }, s.number ?? ""),
    el("td", { class: "description" }, description),
    instances,
    el("td", { class: "num" }, count(s.frames)),
    el("td", {}, s.sizes.join(", ")),
    el("td", {}, s.sop_classes.map((c) => c.name).join(", ")),
    el("td", {}, s.transfer_syntaxes.map((t) => t.name).join(", ")),
    el("td", { class: "num" }, bytes(s.bytes)),
    el("td", { class: "from" }, ...archives.map((zip) => el("div", { class: "zip" }, zip)),
      ...folders.map((folder) => el("div", { class: "folder" }, folder))));
  row.title = hidden() ? "Open in the viewer (Enter)" : `Open in the viewer (Enter) · Series Instance UID ${s.series_instance_uid}`;
  if (parent) {
    row.classList.add("derived-row");
    row.dataset.parentUid = parent.series_instance_uid;
    row.children[3].prepend(el("span", { class: "derived-of", title: `Made from series ${parent.number ?? ""}` }, "↳ "));
  }
  if (s.geometry_warnings.length) {
    row.children[3].append(...s.geometry_warnings.map((w) => el("div", { class: "geometry-warning" }, `⚠ ${maskText(w)}`)));
  }
  row.dataset.search = [s.number, s.modality, description, s.body_part, ...archives, ...folders,
    ...s.sop_classes.map((c) => c.name), ...s.transfer_syntaxes.map((t) => t.name),
    hidden() ? "" : s.series_instance_uid].join(" ").toLowerCase();
  if (s.frames > 0) fillThumbnail(thumb);
  else {  // a report, RT structures, a presentation state: no image to make one of
    thumb.classList.add("no-pixels");
    thumb.title = "No images in this series";
    thumb.append(el("span", { class: "thumb-kind" }, s.modality === "RTSTRUCT" ? "RT" : s.modality));
  }
  return row;
}

/** @param {string} label @param {string} value */
function field(label, value) {
  return value ? el("span", { class: "field" }, el("span", { class: "muted" }, `${label} `), value) : null;
}

// --- thumbnails ------------------------------------------------------------------------------

/** Show the thumbnail of a placeholder if known, else ask for it once it scrolls into view.
 * @param {HTMLElement} holder */
function fillThumbnail(holder) {
  const known = shownThumbnails.get(thumbnailKey(holder));
  if (known) paintThumbnail(holder, known);
  else observer?.observe(holder);
}

/** @param {IntersectionObserverEntry[]} entries */
function onVisible(entries) {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const holder = /** @type {HTMLElement} */ (entry.target);
    observer?.unobserve(holder);
    loadThumbnail(holder);
  }
}

/** @param {HTMLElement} holder */
async function loadThumbnail(holder) {
  if (!thumbnailSource) return;
  const key = thumbnailKey(holder);
  /** @type {ThumbnailImage} */
  let made;
  try {
    made = await thumbnailSource(holder.dataset.studyUid ?? "", holder.dataset.seriesUid ?? "");
  } catch (error) {
    made = { url: null, meta: { error: `no thumbnail: ${error instanceof Error ? error.message : error}`, text_risk: null } };
  }
  shownThumbnails.set(key, made);
  // the row may have been drawn again meanwhile (sorting, the switch): fill what is on the page now
  for (const node of document.querySelectorAll(".thumb")) {
    if (node instanceof HTMLElement && thumbnailKey(node) === key) paintThumbnail(node, made);
  }
}

/** @param {HTMLElement} holder @param {ThumbnailImage} made */
function paintThumbnail(holder, made) {
  const { meta } = made;
  holder.title = meta.error || `Frame ${(meta.frame ?? 0) + 1} of the series' middle file`
    + ` (${plural(meta.frames ?? 0, "frame")} in the series)`;
  holder.classList.toggle("text-risk", !!meta.text_risk);
  holder.replaceChildren(made.url
    ? el("img", { src: made.url, alt: "", width: 64, height: 64, draggable: "false" })
    : el("span", { class: "thumb-none", "aria-hidden": "true" }, "—"));
}

/** @param {HTMLElement} holder */
function thumbnailKey(holder) {
  return `${holder.dataset.studyUid} ${holder.dataset.seriesUid}`;
}

// --- the files list ----------------------------------------------------------------------------

/** @param {SummaryFile[]} files */
function renderFiles(files) {
  byId("files-section").hidden = files.length === 0;
  setText("files-count", `(${count(files.length)})`);
  const pages = Math.max(1, Math.ceil(files.length / FILES_PER_PAGE));
  filesPage = Math.min(filesPage, pages - 1);
  const first = filesPage * FILES_PER_PAGE;
  const page = files.slice(first, first + FILES_PER_PAGE);
  byId("files").replaceChildren(...page.map((f) =>
    el("tr", { class: `file-${f.kind}` },
      el("td", {}, KIND_LABELS[f.kind] || f.kind),
      el("td", { class: "path" }, maskText(f.location)),
      el("td", { class: "num" }, bytes(f.size)),
      el("td", {}, maskText(f.reason)),
      el("td", {}, f.series_uid
        ? el("button", { type: "button", class: "button subtle open-outside",
          dataset: { studyUid: f.study_uid ?? "", seriesUid: f.series_uid, modality: f.modality ?? "" },
          "aria-label": `Open ${maskText(f.location)} in the viewer` }, "View")
        : null))));
  const paging = byId("files-paging");
  paging.hidden = pages < 2;
  setText("files-range", `${count(first + 1)}–${count(first + page.length)} of ${count(files.length)}`);
  byId("files-previous", HTMLButtonElement).disabled = filesPage === 0;
  byId("files-next", HTMLButtonElement).disabled = filesPage >= pages - 1;
}

/** Show the previous (-1) or next (+1) page of the Files list. @param {number} step */
export function turnFilesPage(step) {
  if (!shown) return;
  filesPage = Math.max(0, filesPage + step);
  renderFiles(shown.files);
}

/** Show series rows matching every word of the filter, with their study and patient;
 *  a match on a study or patient shows all it contains. */
export function applyFilter() {
  const words = byId("filter", HTMLInputElement).value.toLowerCase().split(/\s+/).filter(Boolean);
  /** @param {string} text @param {string} context */
  const matches = (text, context) => words.every((w) => text.includes(w) || context.includes(w));
  let visibleRows = 0;
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
        if (visible) visibleRows++;
      }
      study.hidden = !studyVisible;
      patientVisible ||= studyVisible;
    }
    patient.hidden = !patientVisible;
  }
  setText("filter-count", words.length ? `${count(visibleRows)} of ${plural(total, "series", "series")}` : "");
}
