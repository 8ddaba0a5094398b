// @ts-check
// The privacy review: everything in the loaded zips that can identify a person, as Python
// found it (py/dicompeek/privacy/). While it runs: a progress bar and Cancel
// (review-progress.js; the review itself runs on every worker at once, step by step:
// WorkerClient.privacyReview). Then the verdict with what the report describes, an overview
// (review-overview.js), filters (review-filters.js) and the findings grouped by element
// (review-findings.js), and the report as HTML, JSON or CSV. With "Hide patient data" on,
// everything shown and every download is masked (mask.js). Once a report is shown, "Make a
// de-identified copy…" opens the copy's panel (deidentify.js).
import { byId, download, setText } from "./dom.js";
import { hidden, learnReview, maskDownload, maskReport } from "./mask.js";
import { hideReviewProgress, showReviewProgress, startReviewProgress } from "./review-progress.js";
import { overview, provenanceRows } from "./review-overview.js";
import { FindingFilters } from "./review-filters.js";
import { FindingGroups } from "./review-findings.js";
import { SEVERITIES } from "./review-model.js";
import { count } from "./format.js";
import { CopyPanel } from "./deidentify.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {Review & {seconds?: number}} TimedReview */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */

const EXPORTS = ["review-html", "review-json", "review-csv", "review-copy"];
const OCR_SETTING = "dicompeek.review.ocr";  // localStorage: "off" when the person turned OCR off

/** Whether the review reads burned-in text (the "Read text in the pixels" setting, remembered). */
function readsPixels() {
  return byId("review-ocr", HTMLInputElement).checked;
}

/** The setting as last left, kept when changed. */
function bindOcrSetting() {
  const box = byId("review-ocr", HTMLInputElement);
  try {
    box.checked = localStorage.getItem(OCR_SETTING) !== "off";
  } catch { /* storage blocked: the default */ }
  box.addEventListener("change", () => {
    try {
      localStorage.setItem(OCR_SETTING, box.checked ? "on" : "off");
    } catch { /* not remembered */ }
  });
}

export class ReviewPanel {
  /**
   * @param {WorkerClient} client
   * @param {{showInTagBrowser: (finding: Finding) => Promise<void>,
   *   showFrame: (finding: Finding, entry: number, frame: number) => Promise<void>,
   *   onResult: (review: Review | null) => void}} actions showFrame: one frame of a finding in the
   *   viewer; onResult: a report is shown (null: none any more)
   */
  constructor(client, { showInTagBrowser, showFrame, onResult }) {
    this.client = client;
    this.onResult = onResult;
    this.root = byId("review");
    /** @type {TimedReview | null} */
    this.result = null;
    /** @type {AbortController | null} the review under way */
    this.running = null;
    this.waiting = false;  // for indexing to finish, before reviewing
    this.copy = new CopyPanel(client);
    this.filters = new FindingFilters(() => this.#showFindings());
    this.groups = new FindingGroups(byId("review-findings"), {
      showInTagBrowser: (finding) => { showInTagBrowser(finding); },
      showFrame: (finding, entry, frame) => { showFrame(finding, entry, frame); },
      render: (entry, frame) => client.render(entry, frame, {}),
    });
    /** @param {string} id @param {() => void} fn */
    const on = (id, fn) => byId(id).addEventListener("click", fn);
    bindOcrSetting();
    on("review-open", () => this.run());
    on("review-cancel", () => this.cancel());
    on("review-close", () => this.close());
    on("review-html", () => this.#export("html"));
    on("review-json", () => this.#export("json"));
    on("review-csv", () => this.#export("csv"));
    on("review-copy", () => { if (this.result) this.copy.open(this.result); });
    on("review-expand", () => this.groups.setAllOpen(true));
    on("review-collapse", () => this.groups.setAllOpen(false));
    // Show a report given as the event's detail, as if reviewed here (for tests of large reports).
    this.root.addEventListener("review:show", (event) => this.show(/** @type {CustomEvent<TimedReview>} */ (event).detail));
  }

  async run() {
    if (this.running) return;
    const running = this.running = new AbortController();
    this.#clear();
    this.root.hidden = false;
    this.#busy(true);
    try {
      if (this.client.indexing) {  // worker 0 holds every record only once it has merged them
        this.waiting = true;
        setText("review-verdict", "Waiting for indexing to finish…");
        startReviewProgress("Waiting for indexing to finish…");
        await this.client.indexed();
        this.waiting = false;
        if (this.running !== running) return;
        this.root.hidden = false;  // the new summary closed the last review
      }
      setText("review-verdict", "Reviewing every header, file and folder name…");
      startReviewProgress("Planning the review…");
      const started = performance.now();
      const review = await this.client.privacyReview((progress) => {
        if (this.running === running) showReviewProgress(progress);  // a step of a cancelled review may still answer
      }, running.signal, { ocr: readsPixels() });
      if (this.running !== running || !review) return;
      const shown = { ...review, seconds: (performance.now() - started) / 1000 };
      this.show(shown);
      this.root.scrollIntoView({ block: "start" });
      if ((review.provenance?.inputs || []).some((input) => input.pending)) {
        const provenance = await this.client.reviewProvenance();  // the hashes the background had not finished
        if (this.result === shown) {
          shown.provenance = provenance;
          this.#render();
        }
      }
    } catch (error) {
      if (this.running === running) setText("review-verdict", `The review failed: ${/** @type {Error} */ (error).message}`);
    } finally {
      this.waiting = false;
      if (this.running === running) {
        this.running = null;
        this.#busy(false);
      }
    }
  }

  /** Stop the review under way: no further step is asked for, and a new one can start at once. */
  cancel() {
    if (!this.running) return;
    const hadFocus = document.activeElement === byId("review-cancel");
    this.running.abort();
    this.running = null;
    this.#busy(false);
    if (hadFocus) byId("review-open").focus();  // Cancel is gone: the keyboard goes on from "Privacy review"
    setText("review-verdict", "Review cancelled.");
    this.root.dataset.cancelled = "true";
  }

  close() {
    this.root.hidden = true;
  }

  /** Forget the last review (new files, or cleared); a review under way is stopped, unless it
   * is waiting for exactly this: indexing to finish. */
  forget() {
    if (this.running && !this.waiting) this.cancel();
    if (!this.running) this.#clear();  // nothing of the files before stays on the page
    this.copy.forget();
    this.close();
  }

  /** Show a report (the one just made, or one given by the "review:show" event). @param {TimedReview} review */
  show(review) {
    this.result = null;  // learning it re-renders the views with the switch on: not this one yet
    learnReview(review);
    this.result = review;
    this.onResult(review);
    this.root.hidden = false;
    this.#render();
    this.root.dataset.done = "true";
    for (const id of EXPORTS) byId(id, HTMLButtonElement).disabled = false;
  }

  /** Lay the report out again ("Hide patient data" changed). */
  refreshMask() {
    if (this.result) this.#render();
    this.copy.refreshMask();
  }

  /** @param {boolean} busy */
  #busy(busy) {
    byId("review-open", HTMLButtonElement).disabled = busy;
    if (!busy) hideReviewProgress();
  }

  #clear() {
    this.result = null;
    this.onResult(null);
    learnReview(null);
    delete this.root.dataset.done;
    delete this.root.dataset.cancelled;
    for (const id of EXPORTS) byId(id, HTMLButtonElement).disabled = true;
    for (const id of ["review-meta", "review-provenance", "review-overview", "review-findings"]) byId(id).replaceChildren();
    byId("review-provenance").hidden = true;
    byId("review-filters").hidden = true;
    byId("review-verdict").className = "review-verdict";
    setText("review-verdict", "");
    setText("review-shown", "");
    this.filters.clear();
  }

  #render() {
    const r = this.result;
    if (!r) return;
    const verdict = byId("review-verdict");
    verdict.textContent = r.verdict;
    const flagged = SEVERITIES.slice(0, 3).some((s) => r.counts[s]);
    verdict.className = `review-verdict ${flagged ? "flagged" : "clean"}`;
    const took = r.seconds !== undefined ? ` in ${r.seconds.toFixed(1)} s` : "";
    setText("review-meta", `${count(r.files_reviewed)} DICOM files reviewed${took} against ` +
      `${r.profile.title}, ${r.profile.edition}.${r.burned_in?.said ? ` ${r.burned_in.said}` : ""}`);
    const provenance = provenanceRows(r);
    byId("review-provenance").replaceChildren(...provenance);
    byId("review-provenance").hidden = !provenance.length;
    byId("review-overview").replaceChildren(...overview(r));
    byId("review-filters").hidden = !r.findings.length;
    this.filters.show(r);
    this.#showFindings();
  }

  #showFindings() {
    const r = this.result;
    if (!r) return;
    const shown = this.groups.show(r, (f) => this.filters.test(f));
    setText("review-shown", this.filters.active ? `Showing ${count(shown)} of ${count(r.findings.length)} findings`
      : `${count(r.findings.length)} findings`);
  }

  /** @param {"html" | "json" | "csv"} form */
  async #export(form) {
    const masked = hidden();
    const { text, name } = await this.client.reviewReport(form, masked);
    let body = text;
    if (masked && form === "json") {
      try {
        body = JSON.stringify(maskReport(JSON.parse(text)), null, 1);
      } catch {
        body = maskDownload(text, "text");
      }
    } else if (masked) {
      body = maskDownload(text, form === "html" ? "html" : "text");
    }
    const type = { html: "text/html", json: "application/json", csv: "text/csv" }[form];
    download(new Blob([body], { type }), name);
  }
}
