// The page shell: pickers, drag and drop, the demo button, boot status.
// Work is queued in the worker, so picking files before Python is ready is fine.
import { WorkerClient } from "./worker-client.js";
import { showProgress } from "./progress.js";
import { applyFilter, showSummary } from "./summary.js";
import { setText } from "./dom.js";
import { Viewer } from "./viewer.js";
import { TagPanel } from "./tags.js";
import { ReviewPanel } from "./review.js";
import { startOffline } from "./offline.js";

const client = new WorkerClient(new URL("./worker.js", import.meta.url));
const viewer = new Viewer(client);
const tags = new TagPanel(client, viewer.root);
const review = new ReviewPanel(client, { showInTagBrowser });

// A finding's first instance, in the viewer, with the tag browser searching for its element.
async function showInTagBrowser(finding) {
  const series = finding.series[0];
  tags.forget();
  document.getElementById("tags-search").value = finding.element ? finding.element.tag : "";
  await viewer.open(series.study_uid, series.series_uid, series.description || "Series");
  const index = viewer.frames.findIndex((f) => finding.entries.includes(f.entry));
  if (index > 0) await viewer.show(index);
  tags.toggle(true);
  document.getElementById("tags-tab-instance").click();
  document.getElementById("viewer").focus();
}
let demoUrl = null;

client.addEventListener("boot", ({ detail }) => {
  setText("boot-text", `${detail.text}…`);
  document.getElementById("boot-bar").value = detail.step - 1;
});
client.addEventListener("ready", ({ detail }) => {
  const boot = document.getElementById("boot");
  boot.classList.add("ready");
  setText("boot-text", `Python ready (${detail.seconds.toFixed(1)} s)`);
  document.getElementById("boot-bar").hidden = true;
  demoUrl = detail.demo;
});
client.addEventListener("progress", ({ detail }) => showProgress(detail.progress));
client.addEventListener("summary", ({ detail }) => {
  review.forget();  // it described what was loaded before
  showSummary(detail.summary);
  document.getElementById("clear").disabled = detail.summary.totals.entries === 0;
});
client.addEventListener("error", ({ detail }) => showError(detail.message));
client.addEventListener("fatal", ({ detail }) => {
  document.getElementById("boot").classList.add("failed");
  setText("boot-text", "Python failed to start");
  showError(`Python failed to start: ${detail.message}`);
});

function showError(message) {
  const box = document.getElementById("error");
  box.textContent = message;
  box.hidden = false;
}

function open(items) {
  if (!items.length) return;
  document.getElementById("empty").hidden = true;
  const progress = document.getElementById("progress");
  progress.hidden = false;
  Object.assign(progress.dataset, { done: 0, finished: false });
  document.getElementById("progress-bar").removeAttribute("value");  // indeterminate until counted
  const what = items.length === 1 ? items[0].path : `${items.length} items`;
  setText("progress-text", document.getElementById("boot").classList.contains("ready")
    ? `Opening ${what}…` : `Waiting for Python to start… (${what} queued)`);
  client.open(items);
}

function pickedItems(input) {
  return [...input.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

for (const id of ["pick-files", "pick-folder"]) {
  const input = document.getElementById(id);
  input.addEventListener("change", () => {
    open(pickedItems(input));
    input.value = "";
  });
}

document.getElementById("demo").addEventListener("click", async () => {
  const response = await fetch(demoUrl || "demo/dicompeek-demo.zip");
  const blob = await response.blob();
  open([{ path: "dicompeek-demo.zip", file: new File([blob], "dicompeek-demo.zip", { type: "application/zip" }) }]);
});
document.getElementById("cancel").addEventListener("click", () => client.cancel());
document.getElementById("clear").addEventListener("click", () => {
  client.reset();
  document.getElementById("progress").hidden = true;
  document.getElementById("filter").value = "";
});
document.getElementById("filter").addEventListener("input", applyFilter);
document.getElementById("tree").addEventListener("click", (event) => {
  const row = event.target.closest(".series-row");
  if (!row) return;
  const cells = row.children;
  tags.forget();
  viewer.open(row.dataset.studyUid, row.dataset.seriesUid,
    `${cells[1].textContent} #${cells[0].textContent} ${cells[2].textContent}`)
    .catch((error) => showError(`Cannot open the series: ${error.message}`));
  document.getElementById("viewer").focus();
});

// Drag and drop anywhere; folders are walked with the File System Entries API.
const overlay = document.getElementById("drop-overlay");
let dragDepth = 0;
document.addEventListener("dragenter", (event) => {
  event.preventDefault();
  dragDepth++;
  overlay.hidden = false;
});
document.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) { dragDepth = 0; overlay.hidden = true; }
});
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", async (event) => {
  event.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  const entries = [...event.dataTransfer.items]
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  const items = entries.every(Boolean)
    ? (await Promise.all(entries.map((entry) => walk(entry, "")))).flat()
    : [...event.dataTransfer.files].map((file) => ({ path: file.name, file }));
  open(items);
});

async function walk(entry, prefix) {
  const path = prefix + entry.name;
  if (entry.isFile) {
    return [{ path, file: await new Promise((resolve, reject) => entry.file(resolve, reject)) }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) {  // readEntries returns at most 100 entries per call
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => walk(child, `${path}/`)))).flat();
}
startOffline();
