// The tag browser: every header element of the instance on screen (it follows
// the viewer's slice), searchable, with sequences as a collapsible tree; what
// changes across the series; two instances compared; exports. Python builds the
// data (py/dicompeek/tag_browser.py); this file only lays it out, as text.
import { download, el, setText } from "./dom.js";

// A public element's page in a DICOM standard browser, opened only when clicked.
const STANDARD_URL = "https://dicomlookup.com/dicomtags/";

export class TagPanel {
  constructor(client, viewerRoot) {
    this.client = client;
    this.root = document.getElementById("tags");
    this.current = null;    // {entry, studyUid, seriesUid} of the frame on screen
    this.shownEntry = null; // the entry whose header the tree holds
    this.loading = null;
    this.model = [];        // [{row, text, children: [model…]}] for searching
    this.tab = "instance";
    this.seriesShown = null;
    viewerRoot.addEventListener("frame", ({ detail }) => {
      this.current = detail;
      if (this.isOpen()) this.#refresh();
    });
    this.#bind();
  }

  /** Drop what is shown (a new series, or files cleared: entry numbers may be reused). */
  forget() {
    this.shownEntry = null;
    this.seriesShown = null;
    this.variation = null;
    this.comparison = null;
  }

  isOpen() {
    return !this.root.hidden;
  }

  toggle(open = !this.isOpen()) {
    this.root.hidden = !open;
    document.getElementById("viewer-tags").setAttribute("aria-pressed", String(open));
    if (open) this.#refresh();
  }

  #bind() {
    const on = (id, type, fn) => document.getElementById(id).addEventListener(type, fn);
    on("viewer-tags", "click", () => this.toggle());
    for (const button of this.root.querySelectorAll("[data-tab]")) {
      button.addEventListener("click", () => this.#select(button.dataset.tab));
    }
    on("tags-search", "input", (e) => this.#filter(e.target.value));
    on("tags-expand", "click", () => this.#expand(true));
    on("tags-collapse", "click", () => this.#expand(false));
    on("tags-json", "click", () => this.#export("json"));
    on("tags-dump", "click", () => this.#export("dump"));
    on("tags-copy", "click", () => this.#copy());
    on("tags-varying", "change", () => this.#showVariation(this.variation));
    on("tags-csv", "click", () => this.#csv());
    on("tags-compare-run", "click", () => this.#compare());
    on("tags-only-diff", "change", () => this.#showComparison(this.comparison));
    // keys typed into the panel's fields are for them, not for the viewer's shortcuts;
    // the wheel scrolls the panel, not the slices
    this.root.addEventListener("keydown", (e) => {
      if (e.target.closest("input, select, textarea")) e.stopPropagation();
    });
    this.root.addEventListener("wheel", (e) => e.stopPropagation());
  }

  #select(tab) {
    this.tab = tab;
    for (const button of this.root.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const name of ["instance", "series", "compare"]) {
      document.getElementById(`tags-${name}`).hidden = name !== tab;
    }
    this.#refresh();
  }

  async #refresh() {
    if (!this.current) return;
    if (this.tab === "instance") await this.#loadHeader();
    else if (this.tab === "series") await this.#loadVariation();
    else await this.#loadInstances();
  }

  // --- one instance ---------------------------------------------------------------------

  async #loadHeader() {
    const entry = this.current.entry;
    if (entry === this.shownEntry) return;
    if (this.loading) {          // one request at a time; the latest slice wins
      this.loading.then(() => this.#loadHeader());
      return;
    }
    this.loading = this.client.request("header", entry);
    let header;
    try {
      header = await this.loading;
    } finally {
      this.loading = null;
    }
    if (this.current.entry !== entry) return this.#loadHeader();
    this.shownEntry = entry;
    this.header = header;
    setText("tags-status", `${header.location} · ${header.count} elements · ${header.preamble}`);
    this.model = [];
    const tree = document.getElementById("tags-tree");
    tree.replaceChildren(
      el("div", { class: "tags-group" }, "File meta information (group 0002)"),
      ...this.#nodes(header.meta, this.model),
      el("div", { class: "tags-group" }, "Dataset"),
      ...this.#nodes(header.elements, this.model));
    this.root.dataset.entry = entry;
    const query = document.getElementById("tags-search").value;
    if (query) this.#filter(query);
  }

  #nodes(nodes, model) {
    return nodes.map((node) => {
      const row = this.#row(node);
      const text = [node.tag, node.keyword, node.name, node.vr, node.value, node.detail, node.creator]
        .filter(Boolean).join(" ").toLowerCase();
      if (node.vr !== "SQ") {
        model.push({ node: row, text, children: [] });
        return row;
      }
      const children = [];
      const items = node.items.map((item, i) => {
        const itemModel = [];
        const itemNode = el("details", { class: "tags-item" },
          el("summary", {}, `Item ${i + 1}`, el("span", { class: "muted" }, ` (${item.length} elements)`)),
          el("div", { class: "tags-children" }, ...this.#nodes(item, itemModel)));
        children.push({ node: itemNode, text: "", children: itemModel });
        return itemNode;
      });
      const sequence = el("details", { class: "tags-seq" }, el("summary", {}, row), ...items);
      model.push({ node: sequence, text, children });
      return sequence;
    });
  }

  #row(node) {
    const label = node.keyword || node.name || "";
    const badges = [
      node.private && el("span", { class: "badge private", title: node.creator ? `Private creator: ${node.creator}` : "Private" },
        node.creator ? `private · ${node.creator}` : "private"),
      node.retired && el("span", { class: "badge retired" }, "retired"),
      node.warning && el("span", { class: "badge warning", title: node.warning }, "⚠ " + node.warning),
    ];
    const name = node.keyword && !node.private
      ? el("a", { href: STANDARD_URL + node.tag, target: "_blank", rel: "noopener noreferrer",
        title: `${node.name} — open in the DICOM standard browser` }, label)
      : el("span", { title: node.name }, label);
    const extras = [];
    if (node.detail) extras.push(el("span", { class: "detail" }, node.detail));
    if (node.truncated) extras.push(el("span", { class: "muted" }, ` … (${node.length} bytes)`));
    if (node.hex) {
      extras.push(el("details", { class: "hex" }, el("summary", {}, "hex"), el("pre", {}, node.hex)));
    }
    if (node.fragments) {
      const lines = [`Basic offset table: ${node.basic_offset_table.length ? node.basic_offset_table.join(", ") : "empty"}`,
        ...node.fragments.map((f, i) => `Fragment ${i + 1}: offset ${f.offset}, ${f.length} bytes`)];
      extras.push(el("details", { class: "hex" }, el("summary", {}, `${node.fragments.length} fragment(s)`),
        el("pre", {}, lines.join("\n"))));
    }
    const length = node.length === null || node.length === undefined ? "u/l" : node.length;
    return el("div", { class: `tags-row${node.warning ? " has-warning" : ""}${node.private ? " is-private" : ""}` },
      el("span", { class: "tag" }, node.tag),
      el("span", { class: "vr", title: `VM ${node.vm}, length ${length}` }, node.vr),
      el("span", { class: "name" }, name, ...badges.filter(Boolean)),
      el("span", { class: "value" }, node.vr === "SQ" ? `${node.vm} item(s)` : node.value, ...extras));
  }

  // Hide what does not match, but keep the parents of nested matches (and open them).
  #filter(query) {
    const q = query.trim().toLowerCase();
    const visit = (entries) => {
      let any = false;
      for (const entry of entries) {
        const inside = visit(entry.children);
        const shown = !q || entry.text.includes(q) || inside;
        entry.node.hidden = !shown;
        if (q && inside && entry.node.tagName === "DETAILS") entry.node.open = true;
        any ||= shown && Boolean(q);
      }
      return any;
    };
    visit(this.model);
    this.root.dataset.query = q;
  }

  #expand(open) {
    for (const details of document.getElementById("tags-tree").querySelectorAll("details.tags-seq, details.tags-item")) {
      details.open = open;
    }
  }

  async #export(form) {
    if (this.shownEntry === null) return;
    const { text, name } = await this.client.request("export_header", this.shownEntry, form);
    download(new Blob([text], { type: form === "json" ? "application/dicom+json" : "text/plain" }), name);
  }

  async #copy() {
    if (this.shownEntry === null) return;
    const { text } = await this.client.request("export_header", this.shownEntry, "dump");
    await navigator.clipboard.writeText(text);
    setText("tags-status", "Copied the text dump to the clipboard.");
  }

  // --- the series -----------------------------------------------------------------------

  async #loadVariation() {
    const key = `${this.current.studyUid}/${this.current.seriesUid}`;
    if (this.seriesShown === key) return;
    this.seriesShown = key;
    setText("tags-series-status", "Reading every header of the series…");
    const started = performance.now();
    this.variation = await this.client.request("variation", this.current.studyUid, this.current.seriesUid);
    this.variation.seconds = (performance.now() - started) / 1000;
    this.#showVariation(this.variation);
  }

  #showVariation(variation) {
    if (!variation) return;
    const onlyVarying = document.getElementById("tags-varying").checked;
    setText("tags-series-status", `${variation.instances} instances · ${variation.elements.length} elements, ` +
      `${variation.varying} vary · ${variation.seconds.toFixed(1)} s`);
    const rows = variation.elements.filter((e) => !onlyVarying || !e.constant).map((e) => {
      const values = e.constant
        ? [el("span", {}, e.values[0].value)]
        : [e.min !== undefined ? el("div", { class: "detail" }, `min ${e.min}, max ${e.max}`) : null,
          el("div", { class: "muted" }, `${e.distinct} distinct value(s)`),
          el("ul", {}, ...e.values.map((v) => el("li", {}, `${v.value} `, el("span", { class: "muted" }, `×${v.count}`))))];
      return el("tr", { class: e.constant ? "constant" : "varies", dataset: { keyword: e.keyword } },
        el("td", {}, el("span", { class: "tag" }, e.tag), " ", e.keyword || e.name),
        el("td", {}, e.vr), el("td", {}, `${e.present}/${variation.instances}`), el("td", {}, ...values));
    });
    document.querySelector("#tags-variation tbody").replaceChildren(...rows);
  }

  async #csv() {
    const fields = document.getElementById("tags-csv-fields").value.split(",").map((f) => f.trim()).filter(Boolean);
    try {
      const { text, name } = await this.client.request("series_csv", this.current.studyUid, this.current.seriesUid, fields);
      download(new Blob([text], { type: "text/csv" }), name);
    } catch (error) {
      setText("tags-series-status", String(error.message || error));
    }
  }

  // --- two instances --------------------------------------------------------------------

  async #loadInstances() {
    const instances = await this.client.request("instances");
    const options = (selected) => instances.map((i) => el("option", { value: i.entry, selected: i.entry === selected },
      `${i.series || "(no description)"} · ${i.instance ?? "?"} · ${i.location}`));
    const first = document.getElementById("tags-first");
    const second = document.getElementById("tags-second");
    const next = instances.find((i) => i.entry !== this.current.entry);
    first.replaceChildren(...options(this.current.entry));
    second.replaceChildren(...options(next ? next.entry : this.current.entry));
  }

  async #compare() {
    const first = Number(document.getElementById("tags-first").value);
    const second = Number(document.getElementById("tags-second").value);
    setText("tags-compare-status", "Comparing…");
    this.comparison = await this.client.request("compare", first, second);
    this.#showComparison(this.comparison);
  }

  #showComparison(comparison) {
    if (!comparison) return;
    const only = document.getElementById("tags-only-diff").checked;
    setText("tags-compare-status", `${comparison.differences} of ${comparison.rows.length} elements differ`);
    setText("tags-first-head", comparison.first);
    setText("tags-second-head", comparison.second);
    const absent = (v) => (v === null ? el("span", { class: "muted" }, "(absent)") : v);
    const rows = comparison.rows.filter((r) => !only || r.differs).map((r) =>
      el("tr", { class: r.differs ? "differs" : "" },
        el("td", { title: r.path }, r.name), el("td", {}, r.vr), el("td", {}, absent(r.first)), el("td", {}, absent(r.second))));
    document.querySelector("#tags-diff tbody").replaceChildren(...rows);
  }
}
