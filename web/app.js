// @ts-check
// The page shell: pickers, drag and drop, the demo button, boot status, the "Hide patient
// data" switch (mask.js; every view re-renders when it changes).
// Work is queued in the worker, so picking files before Python is ready is fine.
import { WorkerClient } from "./worker-client.js";
import { showProgress } from "./progress.js";
import { applyFilter, expandAll, findSeries, refreshSummary, setThumbnailSource, showSummary, turnFilesPage }
  from "./summary.js";
import { pickLabel, showLoaded } from "./loaded.js";
import { bindSwitch, hidden, maskText, onMaskChange, setIdentifyingTags } from "./mask.js";
import { byId, setText } from "./dom.js";
import { Viewer } from "./viewer.js";
import { TagPanel } from "./tags.js";
import { SrView } from "./sr.js";
import { ReviewPanel } from "./review.js";
import { startOffline } from "./offline.js";
import { reviewBoxes } from "./boxes.js";
import { forgetThumbnails, thumbnail } from "./thumbnails.js";
import { seriesTitle } from "./series-strip.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").PickedItem} PickedItem */
/** @typedef {import("./loaded.js").Pick} Pick */

const client = new WorkerClient(new URL("./worker.js", import.meta.url));
const viewer = new Viewer(client);
const tags = new TagPanel(client, viewer.root);
const review = new ReviewPanel(client, {
  showInTagBrowser,
  showFrame: (finding, entry, frame) =>
    showFrame(finding, entry, frame).catch((error) => showError(`Cannot open the frame: ${error.message}`)),
  // the viewer outlines the text the last review read in the pixels, on every frame it shows
  onResult: (result) => viewer.setTextBoxes(result ? reviewBoxes(result) : []),
});

setThumbnailSource((studyUid, seriesUid) => thumbnail(client, studyUid, seriesUid));

/** @type {Pick[]} what is loaded, in the order picked (the summary is of all of them) */
const picks = [];

const reports = new SrView((target, graphics, from) => {
  showReportImage(target, graphics, from).catch((error) => showError(`Cannot open the image: ${error.message}`));
});

/** A structured report's image in the viewer, the frame it names shown, the report's regions drawn.
 * @param {import("./protocol.js").SrTarget} target @param {import("./protocol.js").SrGraphic[]} graphics
 * @param {HTMLElement} from */
async function showReportImage(target, graphics, from) {
  const found = findSeries(target.study_uid, target.series_uid);
  opener = from;
  tags.forget();
  await viewer.open(target.study_uid, target.series_uid, found ? seriesTitle(found.series) : "Series");
  viewer.setGraphics(graphics);
  const index = viewer.frames.findIndex((f) => f.entry === target.entry && f.frame === target.frame);
  if (index > 0) await viewer.show(index);
  byId("viewer").focus();
}

/** The SOP classes of structured reports (and Key Object Selection) start with this. */
const SR_CLASSES = "1.2.840.10008.5.1.4.1.1.88.";

bindSwitch(byId("hide-patient-data", HTMLInputElement));
onMaskChange(() => {
  refreshSummary();
  reports.render();
  showLoaded(picks, removePick);
  viewer.refreshMask();
  tags.refreshMask();
  review.refreshMask();
});

/**
 * A finding's first instance, in the viewer, with the tag browser searching for its element.
 * @param {Finding} finding one with series and entries (the review offers the link only then)
 */
async function showInTagBrowser(finding) {
  const series = (finding.series || [])[0];
  const entries = finding.entries || [];
  tags.forget();
  byId("tags-search", HTMLInputElement).value = finding.element ? finding.element.tag : "";
  await viewer.open(series.study_uid, series.series_uid, series.description || "Series");
  const index = viewer.frames.findIndex((f) => entries.includes(f.entry));
  if (index > 0) await viewer.show(index);
  tags.toggle(true);
  byId("tags-tab-instance").click();
  byId("viewer").focus();
}

/**
 * One frame of a finding (burned-in text) in the viewer, its boxes outlined: the series of the
 * finding that holds it is opened (unless on screen already) and the frame shown.
 * @param {Finding} finding
 * @param {number} entry
 * @param {number} frame 0-based
 */
async function showFrame(finding, entry, frame) {
  /** @param {{entry: number, frame: number}} f */
  const isIt = (f) => f.entry === entry && f.frame === frame;
  for (const series of finding.series || []) {
    if (viewer.root.hidden || viewer.studyUid !== series.study_uid || viewer.seriesUid !== series.series_uid) {
      tags.forget();
      await viewer.open(series.study_uid, series.series_uid, series.description || "Series");
    }
    const index = viewer.frames.findIndex(isIt);
    if (index < 0) continue;
    if (index !== viewer.index || viewer.root.dataset.index !== String(index)) await viewer.show(index);
    byId("viewer").focus();
    return;
  }
  throw new Error(`frame ${frame + 1} of entry ${entry} is in none of the finding's series`);
}

/** @type {string | null} */
let demoUrl = null;

client.on("boot", (detail) => {
  setText("boot-text", `${detail.text}…`);
  byId("boot-bar", HTMLProgressElement).value = detail.step - 1;
});
client.on("ready", (detail) => {
  const boot = byId("boot");
  boot.classList.add("ready");
  setText("boot-text", `Python ready (${detail.seconds.toFixed(1)} s)`);
  // for the start-up benchmark: when, in the page's time, and the worker's stages
  boot.dataset.readyMs = String(performance.now());
  boot.dataset.marks = JSON.stringify(Object.fromEntries(Object.entries(detail.marks)
    .map(([name, at]) => [name, Math.round(at - performance.timeOrigin)])));
  byId("boot-bar").hidden = true;
  demoUrl = detail.demo;
});
client.on("progress", (detail) => showProgress(detail.progress));
// Asked at the first summary, not at "ready": Python answers it once numpy is loaded, and a request
// waiting for numpy would hold up a pick's merge behind it (worker.js). Until the answer comes, every
// value of the tag browser counts as identifying.
let identifyingAsked = false;
client.on("summary", (detail) => {
  if (!identifyingAsked) {
    identifyingAsked = true;
    client.identifyingTags().then((list) => {
      setIdentifyingTags(list);
      tags.refreshMask();
    }).catch((error) => showError(`Cannot tell which elements identify a patient: ${error.message}`));
  }
  review.forget();  // it described what was loaded before
  viewer.setTextBoxes([]);
  forgetThumbnails();
  showSummary(detail.summary);
});
client.on("error", (detail) => showError(detail.message));
client.on("fatal", (detail) => {
  byId("boot").classList.add("failed");
  setText("boot-text", "Python failed to start");
  showError(`Python failed to start: ${detail.message}`);
});

/** @param {string} message */
function showError(message) {
  const box = byId("error");
  box.textContent = maskText(message);
  box.hidden = false;
}

/** @param {PickedItem[]} items */
function open(items) {
  if (!items.length) return;
  picks.push({ label: pickLabel(items), items });
  showLoaded(picks, removePick);
  read(items);
}

/** Index `items` (a pick), with its progress shown. @param {PickedItem[]} items */
function read(items) {
  byId("clear", HTMLButtonElement).disabled = false;  // whatever the pick held, even nothing
  byId("empty").hidden = true;
  const progress = byId("progress");
  progress.hidden = false;
  Object.assign(progress.dataset, { done: 0, finished: false });
  byId("progress-bar").removeAttribute("value");  // indeterminate until counted
  // a file's name may name the patient, and the patients are not known yet
  const what = items.length === 1 ? (hidden() ? "1 item" : items[0].path) : `${items.length} items`;
  setText("progress-text", byId("boot").classList.contains("ready")
    ? `Opening ${what}…` : `Waiting for Python to start… (${what} queued)`);
  client.open(items);
}

/** @param {HTMLInputElement} input @returns {PickedItem[]} */
function pickedItems(input) {
  return [...(input.files || [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Everything loaded but pick `index`, read again (the index cannot forget one pick's files).
 * @param {number} index */
function removePick(index) {
  picks.splice(index, 1);
  showLoaded(picks, removePick);
  client.reset();
  byId("progress").hidden = true;
  for (const pick of picks) read(pick.items);
  byId("clear", HTMLButtonElement).disabled = picks.length === 0;
  byId("open-files").focus();
}

for (const [button, id] of [["open-files", "pick-files"], ["open-folder", "pick-folder"]]) {
  const input = byId(id, HTMLInputElement);
  byId(button).addEventListener("click", () => {
    client.startAll();  // the other workers start while the person chooses
    input.click();
  });
  input.addEventListener("change", () => {
    open(pickedItems(input));
    input.value = "";
  });
}

// A pointer on a picker or the demo, or the focus, says a pick is coming: the workers get ready.
for (const id of ["open-files", "open-folder", "demo"]) {
  for (const type of ["pointerenter", "focus"]) byId(id).addEventListener(type, () => client.startAll());
}

byId("demo").addEventListener("click", async () => {
  const response = await fetch(demoUrl || "demo/dicompeek-demo.zip");
  const blob = await response.blob();
  open([{ path: "dicompeek-demo.zip", file: new File([blob], "dicompeek-demo.zip", { type: "application/zip" }) }]);
});
byId("cancel").addEventListener("click", () => client.cancel());
byId("clear").addEventListener("click", () => {
  client.reset();
  picks.length = 0;
  showLoaded(picks, removePick);
  byId("clear", HTMLButtonElement).disabled = true;
  byId("progress").hidden = true;
  byId("filter", HTMLInputElement).value = "";
  byId("open-files").focus();
});
byId("filter").addEventListener("input", applyFilter);
byId("tree-expand").addEventListener("click", () => expandAll(true));
byId("tree-collapse").addEventListener("click", () => expandAll(false));
byId("files-previous").addEventListener("click", () => turnFilesPage(-1));
byId("files-next").addEventListener("click", () => turnFilesPage(1));

/** @type {HTMLElement | null} what opened the viewer: focus goes back to it when the viewer closes */
let opener = null;

/** Open a series (or a file outside any series: its "file:N" key) in the viewer, from `from`.
 * @param {HTMLElement} from @param {string} studyUid @param {string} seriesUid @param {string} title */
function openSeries(from, studyUid, seriesUid, title) {
  opener = from;
  tags.forget();
  viewer.open(studyUid, seriesUid, title).catch((error) => showError(`Cannot open the series: ${error.message}`));
  byId("viewer").focus();
}

/** @param {Event} event */
function openRow(event) {
  const row = event.target instanceof Element ? event.target.closest(".series-row") : null;
  if (!(row instanceof HTMLElement) || (event.target instanceof Element && event.target.closest("button"))) return;
  const studyUid = row.dataset.studyUid ?? "";
  const seriesUid = row.dataset.seriesUid ?? "";
  const found = findSeries(studyUid, seriesUid);
  const title = found ? seriesTitle(found.series) : "Series";
  if (found && found.series.sop_classes.some((c) => c.uid.startsWith(SR_CLASSES))) {
    showReports(studyUid, seriesUid, title);
    return;
  }
  openSeries(row, studyUid, seriesUid, title);
}

/** A series' structured reports as documents. @param {string} studyUid @param {string} seriesUid @param {string} title */
function showReports(studyUid, seriesUid, title) {
  client.srDocuments(studyUid, seriesUid).then((documents) => reports.show(documents, title))
    .catch((error) => showError(`Cannot read the report: ${error.message}`));
}
byId("tree").addEventListener("click", openRow);
byId("tree").addEventListener("keydown", (event) => {
  if ((event.key === "Enter" || event.key === " ") && event.target instanceof HTMLElement
    && event.target.classList.contains("series-row")) {
    event.preventDefault();
    openRow(event);
  }
});
byId("files").addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button.open-outside") : null;
  if (!(button instanceof HTMLElement)) return;
  const { studyUid = "", seriesUid = "", modality = "" } = button.dataset;
  openSeries(button, studyUid, seriesUid, `${modality} file outside any series`.trim());
});

// Tab and Shift+Tab go round the viewer's controls while it is open (not out to the browser).
viewer.root.addEventListener("keydown", (event) => {
  if (event.key !== "Tab") return;
  const controls = [...viewer.root.querySelectorAll("button, input, select, textarea, a[href], [tabindex]")]
    .filter((node) => node instanceof HTMLElement && node.tabIndex >= 0 && !(/** @type {HTMLButtonElement} */ (node)).disabled
      && node.getClientRects().length > 0);
  if (!controls.length) return;
  const first = /** @type {HTMLElement} */ (controls[0]);
  const last = /** @type {HTMLElement} */ (controls[controls.length - 1]);
  const active = document.activeElement;
  if (event.shiftKey ? active === first || active === viewer.root : active === last) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
});

// While the viewer is open the page behind it is inert (Tab stays in the viewer, a screen reader
// reads the viewer only); when it closes, focus returns to what opened it.
new MutationObserver(() => {
  const open = !viewer.root.hidden;
  for (const node of [byId("masthead"), ...[...byId("main").children].filter((child) => child !== viewer.root)]) {
    if (node instanceof HTMLElement) node.inert = open;
  }
  if (!open && opener && opener.isConnected) opener.focus();
  if (!open) opener = null;
}).observe(viewer.root, { attributes: true, attributeFilter: ["hidden"] });

// a report that refers to the series on screen (the viewer's layers): its document, in place of the viewer
viewer.root.addEventListener("report", (event) => {
  const { studyUid, seriesUid } = /** @type {CustomEvent<import("./viewer.js").PickDetail>} */ (event).detail;
  const found = findSeries(studyUid, seriesUid);
  viewer.close();
  showReports(studyUid, seriesUid, found ? seriesTitle(found.series) : "Report");
});

// a series picked in the viewer's strip: shown in place (Escape still returns to the summary's row)
viewer.root.addEventListener("pick", (event) => {
  const { studyUid, seriesUid } = /** @type {CustomEvent<import("./viewer.js").PickDetail>} */ (event).detail;
  const found = findSeries(studyUid, seriesUid);
  openSeries(opener ?? viewer.root, studyUid, seriesUid, found ? seriesTitle(found.series) : "Series");
});

// Drag and drop anywhere; folders are walked with the File System Entries API.
const overlay = byId("drop-overlay");
let dragDepth = 0;
document.addEventListener("dragenter", (event) => {
  event.preventDefault();
  dragDepth++;
  overlay.hidden = false;
  client.startAll();  // files are coming: the other workers start while they are carried to the drop
});
document.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) { dragDepth = 0; overlay.hidden = true; }
});
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", async (event) => {
  event.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  const transfer = /** @type {DataTransfer} */ (event.dataTransfer);
  const entries = [...transfer.items]
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  const items = entries.every((entry) => entry !== null)
    ? (await Promise.all(entries.map((entry) => walk(/** @type {FileSystemEntry} */ (entry), "")))).flat()
    : [...transfer.files].map((file) => ({ path: file.name, file }));
  open(items);
});

/**
 * Every file in a dropped file or folder, with its path from the drop.
 * @param {FileSystemEntry} entry
 * @param {string} prefix
 * @returns {Promise<PickedItem[]>}
 */
async function walk(entry, prefix) {
  const path = prefix + entry.name;
  if (entry.isFile) {
    const fileEntry = /** @type {FileSystemFileEntry} */ (entry);
    return [{ path, file: await new Promise((resolve, reject) => fileEntry.file(resolve, reject)) }];
  }
  const reader = /** @type {FileSystemDirectoryEntry} */ (entry).createReader();
  /** @type {FileSystemEntry[]} */
  const children = [];
  for (;;) {  // readEntries returns at most 100 entries per call
    /** @type {FileSystemEntry[]} */
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => walk(child, `${path}/`)))).flat();
}
startOffline();
