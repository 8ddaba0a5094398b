// @ts-check
// The privacy review: everything in the loaded zips that can identify a person, as Python
// found it (py/dicompeek/privacy/). A verdict, then findings by severity with their
// values (maskable for screen sharing), where they occur, a thumbnail for pixel risks,
// a link into the tag browser, and the report as HTML, JSON or CSV. The review itself runs
// on every worker at once (WorkerClient.privacyReview).
import { byId, download, el, setText } from "./dom.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review & {seconds: number}} TimedReview */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */

/** @type {Finding["severity"][]} */
const SEVERITIES = ["high", "medium", "low", "info"];
const MASK = "•••";

export class ReviewPanel {
  /**
   * @param {WorkerClient} client
   * @param {{showInTagBrowser: (finding: Finding) => Promise<void>}} actions
   */
  constructor(client, { showInTagBrowser }) {
    this.client = client;
    this.showInTagBrowser = showInTagBrowser;
    this.root = byId("review");
    /** @type {TimedReview | null} */
    this.result = null;
    /** @param {string} id @param {() => void} fn */
    const on = (id, fn) => byId(id).addEventListener("click", fn);
    on("review-open", () => this.run());
    on("review-close", () => this.close());
    on("review-html", () => this.#export("html"));
    on("review-json", () => this.#export("json"));
    on("review-csv", () => this.#export("csv"));
    byId("review-mask").addEventListener("change", () => {
      this.root.classList.toggle("masked", this.masked);  // thumbnails can show burned-in names
      this.#show();
    });
  }

  get masked() {
    return byId("review-mask", HTMLInputElement).checked;
  }

  async run() {
    this.root.hidden = false;
    delete this.root.dataset.done;
    byId("review-findings").replaceChildren();
    if (this.client.indexing) {  // worker 0 holds every record only once it has merged them
      setText("review-verdict", "Waiting for indexing to finish…");
      await this.client.indexed();
      this.root.hidden = false;  // the new summary closed the last review
    }
    setText("review-verdict", "Reviewing every header, file and folder name…");
    const started = performance.now();
    let review;
    try {
      review = await this.client.privacyReview(({ stage, files, parts }) => {
        const count = files.toLocaleString("en");
        if (stage === "merging") setText("review-verdict", `Merging the review of ${count} files…`);
        else setText("review-verdict", `Reviewing ${count} files${parts > 1 ? ` on ${parts} workers` : ""}…`);
      });
    } catch (error) {
      setText("review-verdict", `The review failed: ${/** @type {Error} */ (error).message}`);
      return;
    }
    this.result = { ...review, seconds: (performance.now() - started) / 1000 };
    this.#show();
    this.root.dataset.done = "true";
    this.root.scrollIntoView({ block: "start" });
  }

  close() {
    this.root.hidden = true;
  }

  /** Forget the last review (new files, or cleared). */
  forget() {
    this.result = null;
    this.close();
  }

  #show() {
    const r = this.result;
    if (!r) return;
    const verdict = byId("review-verdict");
    verdict.textContent = r.verdict;
    const flagged = SEVERITIES.slice(0, 3).some((s) => r.counts[s]);
    verdict.className = `review-verdict ${flagged ? "flagged" : "clean"}`;
    setText("review-meta", `${r.files_reviewed} DICOM files reviewed in ${r.seconds.toFixed(1)} s against ` +
      `${r.profile.title}, ${r.profile.edition}.`);
    const groups = SEVERITIES.map((severity) => {
      const findings = r.findings.filter((f) => f.severity === severity);
      if (!findings.length) return null;
      return el("section", { class: `review-group ${severity}` },
        el("h3", {}, `${severity[0].toUpperCase()}${severity.slice(1)} (${findings.length})`),
        ...this.#bySeries(findings).map(([label, list]) => el("div", { class: "review-series" },
          el("h4", {}, label), ...list.map((f) => this.#finding(f)))));
    });
    byId("review-findings").replaceChildren(...groups.filter((group) => group !== null));
  }

  /**
   * Findings of one severity, grouped by the (first) series they occur in.
   * @param {Finding[]} findings
   * @returns {[string, Finding[]][]}
   */
  #bySeries(findings) {
    /** @type {Map<string, Finding[]>} */
    const groups = new Map();
    for (const f of findings) {
      const s = f.series && f.series[0];
      const label = s && f.series ? (f.series.length > 1 ? `${f.series.length} series` : `Series: ${s.description || s.series_uid}`)
        : "Whole zip";
      const group = groups.get(label) || [];
      groups.set(label, group);
      group.push(f);
    }
    return [...groups];
  }

  /** @param {Finding} f */
  #finding(f) {
    /** @type {Partial<NonNullable<Finding["element"]>>} */
    const element = f.element || {};
    const where = [element.path || element.tag, element.keyword, `${f.files} file(s)`].filter(Boolean).join(" · ");
    const values = (f.values || []).map((v) => el("li", {}, this.masked ? MASK : v.value,
      el("span", { class: "muted" }, ` ×${v.count}`)));
    const locations = (f.locations || []).map((loc) => el("li", {}, this.masked ? MASK : loc));
    const canLink = f.series && f.series.length && f.entries && f.entries.length;
    const node = el("article", { class: `review-finding ${f.severity}`, dataset: { id: f.id, category: f.category } },
      el("header", {}, el("span", { class: "sev" }, f.severity), " ", el("strong", {}, f.title)),
      el("p", {}, f.reason),
      el("p", { class: "muted" }, where),
      values.length ? el("ul", { class: "review-values" }, ...values) : null,
      locations.length ? el("details", {}, el("summary", {}, "Where"), el("ul", { class: "review-values" }, ...locations)) : null,
      canLink ? el("button", { type: "button", class: "button subtle review-link",
        on: { click: () => this.showInTagBrowser(f) } }, "Show in tag browser") : null);
    if (f.thumbnail) this.#thumbnail(node, f.thumbnail);
    return node;
  }

  /** @param {HTMLElement} node @param {{entry: number, frame: number}} frame */
  async #thumbnail(node, { entry, frame }) {
    const canvas = el("canvas", { class: "review-thumb", width: 1, height: 1, title: "One frame of this series" });
    node.prepend(canvas);
    try {
      const { meta, pixels } = await this.client.render(entry, frame, {});
      if (meta.error) return canvas.remove();
      canvas.width = meta.columns;
      canvas.height = meta.rows;
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows), 0, 0);
    } catch {
      canvas.remove();
    }
  }

  /** @param {"html" | "json" | "csv"} form */
  async #export(form) {
    const { text, name } = await this.client.reviewReport(form, this.masked);
    const type = { html: "text/html", json: "application/json", csv: "text/csv" }[form];
    download(new Blob([text], { type }), name);
  }
}
