// @ts-check
// "Make a de-identified copy…" (opened from the privacy review): the options of PS3.15 Table E.1-1
// by the standard's names, the salt (made here, kept in this browser), a pseudonym table from CSV,
// "Keep non-DICOM files"; then the copy's progress with Cancel, "Save the copy", the copy's own
// review beside the input's, and the action log (counts per element and action, never values) as
// CSV. The copy is made by the command line's Python on every worker, a part each, joined by
// worker 0 (WorkerClient.makeCopy); this view only renders. With Clean Pixel Data or Clean Graphics the text burned into the pixels is read first
// (OCR, unless turned off here), and boxes can be drawn on a series' frames (deid-boxes.js). With
// "Hide patient data" on, the pseudonym table's original IDs and every location shown are masked
// (mask.js), and no frame's pixels are shown.
import { byId, download, el, setText } from "./dom.js";
import { hidden, maskDownload, maskField, maskText } from "./mask.js";
import { bytes, count, seconds } from "./format.js";
import { SEVERITIES } from "./review-model.js";
import { DeidPreview } from "./deid-preview.js";
import { DrawnBoxes } from "./deid-boxes.js";

/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./worker-client.js").Copy} Copy */
/** @typedef {import("./worker-client.js").CopyStatus} CopyStatus */

/** The options as the command line names them, with the standard's names, in Table E.1-1's order. */
export const OPTIONS = Object.freeze([
  ["clean-pixel-data", "Clean Pixel Data Option"],
  ["clean-graphics", "Clean Graphics Option"],
  ["clean-structured-content", "Clean Structured Content Option"],
  ["clean-descriptors", "Clean Descriptors Option"],
  ["retain-longitudinal-full-dates", "Retain Longitudinal Temporal Information with Full Dates Option"],
  ["retain-longitudinal-modified-dates", "Retain Longitudinal Temporal Information with Modified Dates Option"],
  ["retain-patient-characteristics", "Retain Patient Characteristics Option"],
  ["retain-device-identity", "Retain Device Identity Option"],
  ["retain-uids", "Retain UIDs Option"],
  ["retain-safe-private", "Retain Safe Private Option"],
  ["retain-institution-identity", "Retain Institution Identity Option"],
]);
const DEFAULTS = new Set(["retain-longitudinal-modified-dates", "clean-descriptors"]);
/** The options that read the text burned into the pixels (OCR) and show "Text in the pixels". */
const PIXEL_OPTIONS = ["clean-pixel-data", "clean-graphics"];
const EXCLUSIVE = ["retain-longitudinal-full-dates", "retain-longitudinal-modified-dates"];
const SALT_KEY = "dicompeek.deidentify.salt";  // localStorage
const COPY_NAME = "deidentified-copy.zip";

/** A new salt: 32 random bytes as hex. */
export function newSalt() {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** One CSV line (RFC 4180 quoting). @param {(string | number)[]} cells */
function csvLine(cells) {
  return cells.map((cell) => {
    const text = String(cell);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(",");
}

export class CopyPanel {
  /** @param {WorkerClient} client */
  constructor(client) {
    this.client = client;
    this.root = byId("deid");
    /** @type {Review | null} the input's review, for "before" */
    this.before = null;
    /** @type {Copy | null} */
    this.copy = null;
    /** @type {AbortController | null} */
    this.running = null;
    /** @type {[string, string, string][]} original ID, new name, new ID */
    this.rows = [];
    /** whether the boxes' series (and the frame shown, which worker 0 reads whole) are loaded for
     * these files: only once Clean Pixel Data is chosen, so opening the panel reads no file whole */
    this.boxesLoaded = false;
    this.#buildOptions();
    this.#bindSalt();
    this.drawn = new DrawnBoxes(client);
    this.#showPixels();
    this.preview = new DeidPreview(client, () => this.#previewSettings());
    // a setting changed (an option, the salt, a pseudonym, a new salt, the table cleared): the preview follows
    /** @param {Event} event */
    const changed = (event) => {
      if (!(event.target instanceof Element && event.target.closest("#deid-preview"))) this.preview.schedule();
    };
    for (const type of ["change", "input"]) byId("deid-form").addEventListener(type, changed);
    for (const id of ["deid-salt-new", "deid-map-clear"]) byId(id).addEventListener("click", changed);
    /** @param {string} id @param {() => void} fn */
    const on = (id, fn) => byId(id).addEventListener("click", fn);
    on("deid-close", () => this.close());
    on("deid-cancel", () => this.cancel());
    on("deid-save", () => this.#save().catch((error) => this.#say(`Cannot save the copy: ${error.message}`)));
    on("deid-log", () => this.#downloadLog());
    on("deid-mapping", () => this.#downloadMapping().catch((error) => this.#say(`No mapping: ${error.message}`)));
    on("deid-map-import", () => byId("deid-map-file").click());
    on("deid-map-clear", () => { this.rows = []; this.#renderTable(); setText("deid-map-status", ""); });
    const picker = byId("deid-map-file", HTMLInputElement);
    picker.addEventListener("change", () => {
      const file = (picker.files || [])[0];
      picker.value = "";
      if (file) this.#importMap(file);
    });
    byId("deid-form", HTMLFormElement).addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
  }

  /** Open the panel beside a shown review. @param {Review} before */
  open(before) {
    this.before = before;
    this.preview.refresh();
    this.boxesLoaded = false;
    this.#showPixels();
    this.root.hidden = false;
    this.root.scrollIntoView({ block: "start" });
    byId("deid-title").focus();
  }

  /** Close the panel; a copy under way is cancelled and a finished one deleted from this browser. */
  close() {
    if (this.running) this.cancel();
    else if (this.copy) this.#discard();
    this.root.hidden = true;
    this.#reset();
  }

  /** The files changed: nothing of the copy of the files before stays. */
  forget() {
    this.preview.clear();
    this.drawn.clear();
    this.boxesLoaded = false;
    if (!this.root.hidden || this.copy || this.running) this.close();
    this.before = null;
  }

  /** "Hide patient data" changed. */
  refreshMask() {
    this.#renderTable();
    this.preview.render();
    this.drawn.refreshMask();
    if (this.copy) this.#showResult(this.copy);
  }

  /** What the preview is made with: the copy's settings as they are now (the pseudonym table as CSV). */
  #previewSettings() {
    return { options: this.options(), salt: byId("deid-salt", HTMLInputElement).value.trim(),
      pseudonyms: this.rows.map((row) => csvLine(row)).join("\n") };
  }

  /** The options chosen (command-line names). */
  options() {
    return OPTIONS.map(([name]) => name)
      .filter((name) => byId(`deid-option-${name}`, HTMLInputElement).checked);
  }

  async start() {
    if (this.running) return;
    const salt = byId("deid-salt", HTMLInputElement).value.trim();
    if (!salt) {
      this.#say("A salt is needed: it makes the new UIDs and date shifts repeatable.");
      byId("deid-salt").focus();
      return;
    }
    if (this.copy) this.#discard();
    this.#reset();
    const running = this.running = new AbortController();
    this.#busy(true);
    this.#say("Writing the de-identified copy…");
    const pseudonyms = this.rows.map((row) => csvLine(row)).join("\n");
    try {
      const options = this.options();
      const copy = await this.client.makeCopy({ options, salt, pseudonyms,
        keepNonDicom: byId("deid-keep", HTMLInputElement).checked,
        boxes: options.includes("clean-pixel-data") ? this.drawn.boxArguments() : [],
        ocr: byId("deid-ocr", HTMLInputElement).checked },
      (status) => { if (this.running === running) this.#progress(status); }, running.signal);
      if (this.running !== running || !copy) return;
      this.copy = copy;
      this.#showResult(copy);
      this.root.dataset.done = "true";
      byId("deid-save").focus();
    } catch (error) {
      if (this.running === running) this.#say(`The copy failed: ${maskText(/** @type {Error} */ (error).message)}`);
    } finally {
      if (this.running === running) {
        this.running = null;
        this.#busy(false);
      }
    }
  }

  /** Stop the copy under way: no further step, and its file is deleted. */
  cancel() {
    if (!this.running) return;
    this.running.abort();
    this.running = null;
    this.#busy(false);
    byId("deid-start").focus();
    this.#say("Copy cancelled; nothing was kept.");
    this.root.dataset.cancelled = "true";
  }

  // --- the form ----------------------------------------------------------------------------

  #buildOptions() {
    const box = byId("deid-options");
    for (const [name, title] of OPTIONS) {
      const input = el("input", { type: "checkbox", id: `deid-option-${name}`, value: name, checked: DEFAULTS.has(name) });
      input.addEventListener("change", () => {
        if (input.checked && EXCLUSIVE.includes(name)) {
          for (const other of EXCLUSIVE) if (other !== name) byId(`deid-option-${other}`, HTMLInputElement).checked = false;
        }
        if (PIXEL_OPTIONS.includes(name)) this.#showPixels();
      });
      box.append(el("div", { class: "deid-option" }, el("label", {}, input, ` ${title}`)));
    }
  }

  /** "Text in the pixels" with Clean Pixel Data or Clean Graphics; its boxes with Clean Pixel Data. */
  #showPixels() {
    const chosen = this.options();
    byId("deid-pixels").hidden = !PIXEL_OPTIONS.some((name) => chosen.includes(name));
    const boxes = chosen.includes("clean-pixel-data");
    byId("deid-boxes").hidden = !boxes;
    if (boxes && !this.boxesLoaded && this.before) {
      this.boxesLoaded = true;
      this.drawn.load();
    }
  }

  #bindSalt() {
    const input = byId("deid-salt", HTMLInputElement);
    let salt = "";
    try {
      salt = localStorage.getItem(SALT_KEY) || "";
    } catch { /* storage blocked: a new one each visit */ }
    const keep = () => {
      try {
        localStorage.setItem(SALT_KEY, input.value.trim());
      } catch { /* not remembered */ }
    };
    input.value = salt || newSalt();
    if (!salt) keep();
    input.addEventListener("change", keep);
    byId("deid-salt-new").addEventListener("click", () => {
      input.value = newSalt();
      keep();
    });
  }

  /** @param {File} file */
  async #importMap(file) {
    try {
      this.rows = await this.client.pseudonymRows(await file.text());
      setText("deid-map-status", `${count(this.rows.length)} patients in the table.`);
    } catch (error) {
      this.rows = [];
      setText("deid-map-status", `Cannot use this table: ${maskText(/** @type {Error} */ (error).message)}`);
    }
    this.#renderTable();
    this.preview.schedule();
  }

  #renderTable() {
    const body = byId("deid-map").querySelector("tbody");
    if (!body) return;
    byId("deid-map").hidden = !this.rows.length;
    body.replaceChildren(...this.rows.map((row, number) => el("tr", {},
      el("td", { class: "deid-original" }, maskField(row[0])),
      ...[1, 2].map((column) => el("td", {}, el("input", {
        type: "text", value: row[column], "aria-label": `${column === 1 ? "New name" : "New ID"} of row ${number + 1}`,
        on: { change: (event) => {
          const value = /** @type {HTMLInputElement} */ (event.target).value.trim();
          if (value) row[column] = value;
        } } }))))));
  }

  // --- while it runs, and after -------------------------------------------------------------

  /** @param {boolean} busy */
  #busy(busy) {
    byId("deid-start", HTMLButtonElement).disabled = busy;
    byId("deid-progress").hidden = !busy;
    if (busy) byId("deid-bar").removeAttribute("value");
  }

  /** @param {CopyStatus} p */
  #progress(p) {
    const bar = byId("deid-bar", HTMLProgressElement);
    Object.assign(byId("deid-progress").dataset, { files: p.files, total: p.total, stage: p.stage });
    if (p.stage === "reading") {
      const images = p.images || 0;
      const total = Math.max(p.imagesTotal || 0, images);
      bar.max = Math.max(total, 1);
      bar.value = images;
      setText("deid-progress-text", `Reading text in the pixels: ${count(images)} of ${count(total)} images`);
      return;
    }
    if (p.stage === "reviewing") {
      bar.removeAttribute("value");
      setText("deid-progress-text", `Reviewing the copy (${bytes(p.bytes)})…`);
      return;
    }
    bar.max = Math.max(p.total, 1);
    bar.value = p.files;
    const eta = p.eta_seconds > 0 ? ` · about ${seconds(p.eta_seconds)} left` : "";
    setText("deid-progress-text", `Copied ${count(p.files)} of ${count(p.total)} files · ${bytes(p.bytes)} written${eta}`);
  }

  /** @param {string} text */
  #say(text) {
    setText("deid-status", text);
  }

  /** @param {Copy} copy */
  #showResult(copy) {
    const { report, review, file } = copy;
    const flagged = SEVERITIES.slice(0, 3).some((s) => review.counts[s]);
    const status = byId("deid-status");
    status.textContent = `The copy is ready: ${count(report.files_written)} files, ${bytes(file.size)}.`;
    const before = this.before;
    /** @param {Review} r */
    const counts = (r) => SEVERITIES.slice(0, 3).map((s) => `${count(r.counts[s] || 0)} ${s}`).join(", ");
    const after = byId("deid-after");
    after.className = `review-verdict ${flagged ? "flagged" : "clean"}`;
    Object.assign(after.dataset, { high: review.counts.high, medium: review.counts.medium, low: review.counts.low });
    after.replaceChildren(
      ...(before ? [el("span", { class: "deid-before" }, `Before: ${counts(before)}. `)] : []),
      el("span", { class: "deid-after-text" }, `After: ${review.verdict}.`));
    const lines = [
      ...Object.entries(report.dropped).map(([why, n]) => `Not copied: ${count(n)} ${why}`),
      ...Object.entries(report.pixels).map(([how, n]) => `Pixels: ${count(n)} ${how}`),
      ...report.problems.map((p) => `Not de-identified: ${maskText(p.location)}: ${maskText(p.reason)}`),
      ...(review.burned_in?.said ? [`The copy's review: ${review.burned_in.said}`] : []),
    ];
    byId("deid-notes").replaceChildren(...lines.map((line) => el("li", {}, line)));
    // the mapping names the patients: not while their data is hidden
    const mapping = byId("deid-mapping", HTMLButtonElement);
    mapping.disabled = hidden();
    mapping.title = hidden() ? "Turn off Hide patient data to download the mapping: it names the patients"
      : "Original Patient IDs and UIDs with what replaced them: keep it apart from the copy";
    byId("deid-result").hidden = false;
  }

  async #downloadMapping() {
    if (!this.copy || hidden()) return;
    const { text, name } = await this.client.copyMapping();
    download(new Blob([text], { type: "text/csv" }), name);
  }

  async #save() {
    if (!this.copy) return;
    const { file } = this.copy;
    const picker = /** @type {{showSaveFilePicker?: (options: object) => Promise<FileSystemFileHandle & {createWritable(): Promise<WritableStream>}>}} */
      (/** @type {unknown} */ (window)).showSaveFilePicker;
    if (typeof picker === "function") {
      let target;
      try {
        target = await picker.call(window, { suggestedName: COPY_NAME,
          types: [{ description: "Zip archive", accept: { "application/zip": [".zip"] } }] });
      } catch (error) {
        if (/** @type {Error} */ (error).name === "AbortError") return;  // the person changed their mind
        throw error;
      }
      await file.stream().pipeTo(await target.createWritable());  // from disk to disk, in chunks
      this.#say(`Saved the copy (${bytes(file.size)}).`);
    } else {
      download(file, COPY_NAME);  // an object URL of the file on disk: nothing is read into memory here
    }
    this.root.dataset.saved = "true";
  }

  #downloadLog() {
    if (!this.copy) return;
    const lines = [csvLine(["element", "action", "files"]),
      ...this.copy.report.actions.map((a) => csvLine([a.element, a.action, a.files]))];
    const text = `${lines.join("\r\n")}\r\n`;
    download(new Blob([hidden() ? maskDownload(text, "text") : text], { type: "text/csv" }), "deidentification-log.csv");
  }

  #discard() {
    this.copy = null;
    this.client.discardCopy().catch(() => {});
  }

  #reset() {
    for (const key of ["done", "cancelled", "saved"]) delete this.root.dataset[key];
    byId("deid-result").hidden = true;
    byId("deid-notes").replaceChildren();
    byId("deid-after").replaceChildren();
    setText("deid-status", "");
    setText("deid-progress-text", "");
  }
}
