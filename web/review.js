// The privacy review: everything in the loaded zips that can identify a person, as Python
// found it (py/dicompeek/review.py). A verdict, then findings by severity with their
// values (maskable for screen sharing), where they occur, a thumbnail for pixel risks,
// a link into the tag browser, and the report as HTML, JSON or CSV.
import { download, el, setText } from "./dom.js";

const SEVERITIES = ["high", "medium", "low", "info"];
const MASK = "•••";

export class ReviewPanel {
  constructor(client, { showInTagBrowser }) {
    this.client = client;
    this.showInTagBrowser = showInTagBrowser;
    this.root = document.getElementById("review");
    this.result = null;
    const on = (id, fn) => document.getElementById(id).addEventListener("click", fn);
    on("review-open", () => this.run());
    on("review-close", () => this.close());
    on("review-html", () => this.#export("html"));
    on("review-json", () => this.#export("json"));
    on("review-csv", () => this.#export("csv"));
    document.getElementById("review-mask").addEventListener("change", () => {
      this.root.classList.toggle("masked", this.masked);  // thumbnails can show burned-in names
      this.#show();
    });
  }

  get masked() {
    return document.getElementById("review-mask").checked;
  }

  async run() {
    this.root.hidden = false;
    delete this.root.dataset.done;
    document.getElementById("review-findings").replaceChildren();
    if (this.client.indexing) {  // worker 0 holds every record only once it has merged them
      setText("review-verdict", "Waiting for indexing to finish…");
      await this.client.indexed();
      this.root.hidden = false;  // the new summary closed the last review
    }
    setText("review-verdict", "Reviewing every header, file and folder name…");
    const started = performance.now();
    try {
      this.result = await this.#review();
    } catch (error) {
      setText("review-verdict", `The review failed: ${error.message}`);
      return;
    }
    this.result.seconds = (performance.now() - started) / 1000;
    this.#show();
    this.root.dataset.done = "true";
    this.root.scrollIntoView({ block: "start" });
  }

  close() {
    this.root.hidden = true;
  }

  // On every worker at once, as indexing is (py/dicompeek/review_merge.py): worker 0 plans
  // (identity tokens of all files; one run of files per worker), each worker reviews its run,
  // runs after one that found a name nested in a sequence are reviewed again with it, and
  // worker 0 merges the parts in order into the same report a single pass gives.
  async #review() {
    const client = this.client;
    const plan = await client.request("review_plan", client.workerCount);
    const files = plan.files.toLocaleString("en");
    const on = plan.parts.length > 1 ? ` on ${plan.parts.length} workers` : "";
    setText("review-verdict", `Reviewing ${files} files${on}…`);
    const part = (number, tokens) => client.requestOn(number, "review_part", plan.parts[number], tokens);
    const states = await Promise.all(plan.parts.map((_, number) => part(number, plan.tokens)));
    const again = await client.request("review_reruns", plan.tokens, states.map((state) => state.found));
    await Promise.all(again.map(async ([number, tokens]) => { states[number] = await part(number, tokens); }));
    setText("review-verdict", `Merging the review of ${files} files…`);
    return client.request("privacy_review", states);
  }

  /** Forget the last review (new files, or cleared). */
  forget() {
    this.result = null;
    this.close();
  }

  #show() {
    const r = this.result;
    if (!r) return;
    const verdict = document.getElementById("review-verdict");
    verdict.textContent = r.verdict;
    const flagged = ["high", "medium", "low"].some((s) => r.counts[s]);
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
    document.getElementById("review-findings").replaceChildren(...groups.filter(Boolean));
  }

  // Findings of one severity, grouped by the (first) series they occur in.
  #bySeries(findings) {
    const groups = new Map();
    for (const f of findings) {
      const s = f.series && f.series[0];
      const label = s ? (f.series.length > 1 ? `${f.series.length} series` : `Series: ${s.description || s.series_uid}`)
        : "Whole zip";
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(f);
    }
    return [...groups];
  }

  #finding(f) {
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

  async #thumbnail(node, { entry, frame }) {
    const canvas = el("canvas", { class: "review-thumb", width: 1, height: 1, title: "One frame of this series" });
    node.prepend(canvas);
    try {
      const { meta, pixels } = await this.client.request("render", entry, frame, {});
      if (meta.error) return canvas.remove();
      canvas.width = meta.columns;
      canvas.height = meta.rows;
      canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows), 0, 0);
    } catch {
      canvas.remove();
    }
  }

  async #export(form) {
    const { text, name } = await this.client.request("review_report", form, this.masked);
    const type = { html: "text/html", json: "application/json", csv: "text/csv" }[form];
    download(new Blob([text], { type }), name);
  }
}
