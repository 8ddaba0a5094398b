// @ts-check
// The preview of "Make a de-identified copy…": what the options, salt and pseudonyms chosen do to
// one instance, before a byte of the copy is written. Worker 0 runs the copy's own
// de-identification on that instance (py/dicompeek/privacy/deidentify/preview.py) and answers
// with its changes per element class; this view renders them: a chooser of the instance (the
// first file of each series), then one collapsible table per class (element, action, before,
// after), the counts in its summary line. Refreshed, debounced, whenever a setting changes, and
// on demand.
//
// With "Hide patient data" on, nothing of the original shows: every "before" value, every
// "after" value that is the original's (kept or cleaned), the series descriptions of the chooser,
// the instance's location and the date offset (with a shifted date it gives the original back)
// are masked or left out; the pseudonym, dummies, new UIDs and shifted dates show. Strings from
// the files reach the page as text only (dom.js el).
import { byId, el, setText } from "./dom.js";
import { hidden, maskField, maskText } from "./mask.js";
import { count } from "./format.js";

/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./protocol.js").CopyPreview} CopyPreview */
/** @typedef {import("./protocol.js").CopyPreviewRow} CopyPreviewRow */
/** @typedef {import("./protocol.js").CopyPreviewChoice} CopyPreviewChoice */
/** What the preview is made with: the copy's settings (as CopyPanel gives them to makeCopy).
 * @typedef {{options: string[], salt: string, pseudonyms: string}} PreviewSettings */

/** How long the settings must stay unchanged before the preview is asked for again. */
const DEBOUNCE_MS = 400;
/** The action words, in the order their counts are listed (the engine's, and "written"). */
const ACTION_ORDER = ["removed", "emptied", "replaced", "new UID", "shifted", "cleaned", "kept by option",
  "kept (safe private)", "written"];

/** "3 removed, 2 new UID" for counts per action word. @param {Record<string, number>} counts */
export function countsText(counts) {
  const words = Object.keys(counts).sort((a, b) => rank(a) - rank(b));
  return words.map((word) => `${count(counts[word])} ${word}`).join(", ");
}

/** @param {string} word */
function rank(word) {
  const at = ACTION_ORDER.indexOf(word);
  return at < 0 ? ACTION_ORDER.length : at;
}

export class DeidPreview {
  /**
   * @param {WorkerClient} client
   * @param {() => PreviewSettings} settings the copy's settings as they are now
   */
  constructor(client, settings) {
    this.client = client;
    this.settings = settings;
    this.root = byId("deid-preview");
    this.chooser = byId("deid-preview-instance", HTMLSelectElement);
    this.classes = byId("deid-preview-classes");
    /** @type {CopyPreview | null} the last preview shown */
    this.shown = null;
    /** @type {number | null} the record chosen (null: the first file) */
    this.record = null;
    /** @type {Set<string>} the classes open, kept across refreshes */
    this.open = new Set(["patient"]);
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.asked = 0;  // the latest request: an older reply is dropped
    this.version = 0;  // previews shown so far (data-version: tests wait for the next one)
    this.chooser.addEventListener("change", () => {
      this.record = this.chooser.value === "" ? null : Number(this.chooser.value);
      this.refresh();
    });
    byId("deid-preview-refresh").addEventListener("click", () => this.refresh());
  }

  /** The settings changed: preview again once they stay still for DEBOUNCE_MS. */
  schedule() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.root.dataset.state = "waiting";
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, DEBOUNCE_MS);
  }

  /** Preview now with the settings as they are. */
  async refresh() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const asked = ++this.asked;
    const settings = this.settings();
    this.root.dataset.state = "loading";
    this.classes.setAttribute("aria-busy", "true");
    setText("deid-preview-status", "Previewing…");
    try {
      const preview = await this.client.previewCopy(settings, this.record);
      if (asked !== this.asked) return;
      this.shown = preview;
      this.record = preview.instance.record;
      this.render();
      this.root.dataset.state = "ready";
      this.root.dataset.version = String(++this.version);
    } catch (error) {
      if (asked !== this.asked) return;
      this.shown = null;
      this.render();
      setText("deid-preview-status", `No preview: ${maskText(/** @type {Error} */ (error).message)}`);
      this.root.dataset.state = "failed";
    } finally {
      if (asked === this.asked) this.classes.removeAttribute("aria-busy");
    }
  }

  /** Forget the preview (the files changed, or the panel closed); a reply on its way is dropped. */
  clear() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.asked++;
    this.shown = null;
    this.record = null;
    this.render();
    setText("deid-preview-status", "");
    delete this.root.dataset.state;
  }

  /** Show the last preview as "Hide patient data" says (called again when it changes). */
  render() {
    const preview = this.shown;
    this.#renderChooser(preview ? preview.choices : []);
    if (!preview) {
      this.classes.replaceChildren();
      setText("deid-preview-patient", "");
      return;
    }
    const { instance, patient } = preview;
    const total = preview.classes.reduce((sum, c) => sum + c.rows.length, 0);
    const where = hidden() ? "" : ` (${instance.location})`;
    setText("deid-preview-status", `${count(total)} elements of this file${where} are listed below; ` +
      `${count(preview.unchanged)} others stay as they are.`);
    const offset = hidden() ? ""
      : `; dates move ${count(Math.abs(patient.days))} days ${patient.days < 0 ? "back" : "forward"}`;
    setText("deid-preview-patient", `This patient becomes ${patient.pseudonym_name} (ID ${patient.pseudonym_id}` +
      `${patient.given ? ", from the pseudonym table" : ""})${offset}.`);
    this.classes.replaceChildren(
      ...preview.classes.map((c) => this.#renderClass(c)),
      ...preview.notes.map((note) => el("p", { class: "muted deid-preview-note" }, note)));
  }

  /** @param {CopyPreviewChoice[]} choices */
  #renderChooser(choices) {
    const chosen = this.record === null ? "" : String(this.record);
    this.chooser.replaceChildren(...(choices.length ? choices : [null]).map((choice) => {
      if (!choice) return el("option", { value: "" }, "First file");
      const description = choice.series_description ? ` ${maskText(choice.series_description)}` : "";  // as the summary shows it
      const number = choice.series_number === null || choice.series_number === "" ? "" : ` #${choice.series_number}`;
      const files = `${count(choice.files)} file${choice.files === 1 ? "" : "s"}`;
      return el("option", { value: String(choice.record) },
        `${choice.pseudonym} · ${choice.modality || "?"} series${number}${description} (${files})`);
    }));
    if ([...this.chooser.options].some((option) => option.value === chosen)) this.chooser.value = chosen;
  }

  /** One class: a collapsible table, its counts in the summary line.
   * @param {CopyPreview["classes"][number]} group */
  #renderClass(group) {
    const details = el("details", { class: "deid-preview-class", dataset: { class: group.key } },
      el("summary", {}, el("span", { class: "deid-preview-title" }, group.title),
        el("span", { class: "muted" }, ` — ${countsText(group.counts)}`)),
      el("p", { class: "muted deid-preview-about" }, group.about),
      el("table", { class: "deid-preview-table" },
        el("caption", {}, `${group.title}: each element changed, before and after`),
        el("thead", {}, el("tr", {}, ...["Element", "Action", "Before", "After"].map((name) =>
          el("th", { scope: "col" }, name)))),
        el("tbody", {}, ...group.rows.map((row) => this.#renderRow(row)))));
    details.open = this.open.has(group.key);
    details.addEventListener("toggle", () => {
      if (details.open) this.open.add(group.key);
      else this.open.delete(group.key);
    });
    return details;
  }

  /** @param {CopyPreviewRow} row */
  #renderRow(row) {
    const before = maskField(row.before);
    const after = row.after_from_original ? maskField(row.after) : row.after;
    return el("tr", { dataset: { action: row.action, path: row.path } },
      el("th", { scope: "row", class: "deid-preview-element" },
        el("code", {}, row.path), " ", maskText(row.name)),
      el("td", { class: "deid-preview-action" }, row.action),
      el("td", { class: "deid-preview-before" }, before || el("span", { class: "muted" }, "(absent)")),
      el("td", { class: "deid-preview-after" }, after || el("span", { class: "muted" },
        row.action === "removed" ? "(removed)" : "(empty)")));
  }
}
