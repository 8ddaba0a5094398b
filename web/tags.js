// @ts-check
// The tag browser: every header element of the instance on screen (it follows
// the viewer's slice), searchable, with sequences as a collapsible tree; what
// changes across the series; two instances compared; exports. Python builds the
// data (py/dicompeek/tag_browser.py); this file only lays it out, as text. With "Hide patient
// data" on, the values of identifying elements (and everything inside an identifying sequence)
// are masked, other values have the patients' identities masked (mask.js), the search does not
// look at what is masked, and the exports are asked for masked.
import { byId, download, el, one, setText } from "./dom.js";
import { MASK, hidden, isIdentifyingElement, maskDownload, maskElementValue, maskText } from "./mask.js";

/** @typedef {import("./protocol.js").Comparison} Comparison */
/** @typedef {import("./protocol.js").Header} Header */
/** @typedef {import("./protocol.js").HeaderNode} HeaderNode */
/** @typedef {import("./protocol.js").Variation} Variation */
/** @typedef {import("./viewer.js").FrameDetail} FrameDetail */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** A row of the tree and the text it is searched by; a sequence's items are its children.
 * @typedef {{node: HTMLElement, text: string, children: TreeEntry[]}} TreeEntry */

// A public element's page in a DICOM standard browser, opened only when clicked.
const STANDARD_URL = "https://dicomlookup.com/dicomtags/";

export class TagPanel {
  /** @param {WorkerClient} client @param {HTMLElement} viewerRoot the viewer, whose "frame" events it follows */
  constructor(client, viewerRoot) {
    this.client = client;
    this.root = byId("tags");
    /** @type {FrameDetail | null} */
    this.current = null;    // {entry, studyUid, seriesUid} of the frame on screen
    /** @type {number | null} */
    this.shownEntry = null; // the entry whose header the tree holds
    /** @type {Promise<Header> | null} */
    this.loading = null;
    /** @type {TreeEntry[]} */
    this.model = [];        // [{row, text, children: [model…]}] for searching
    this.tab = "instance";
    /** @type {string | null} */
    this.seriesShown = null;
    /** @type {Header | null} */
    this.header = null;
    /** @type {(Variation & {seconds: number}) | null} */
    this.variation = null;
    /** @type {Comparison | null} */
    this.comparison = null;
    /** @type {import("./protocol.js").Instance[]} the choices of the Compare tab */
    this.instanceList = [];
    viewerRoot.addEventListener("frame", (event) => {
      this.current = /** @type {CustomEvent<FrameDetail>} */ (event).detail;
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
    this.instanceList = [];
    for (const table of ["#tags-variation tbody", "#tags-diff tbody"]) one(table).replaceChildren();
    for (const id of ["tags-series-status", "tags-compare-status"]) setText(id, "");
  }

  isOpen() {
    return !this.root.hidden;
  }

  /** Lay out what is shown again ("Hide patient data" changed). */
  refreshMask() {
    if (this.header) this.#showHeader(this.header);
    this.#showVariation(this.variation);
    this.#showComparison(this.comparison);
    if (this.instanceList.length) {
      this.#showInstances([byId("tags-first", HTMLSelectElement).value, byId("tags-second", HTMLSelectElement).value].map(Number));
    }
  }

  /** @param {boolean} [open] */
  toggle(open = !this.isOpen()) {
    this.root.hidden = !open;
    byId("viewer-tags").setAttribute("aria-pressed", String(open));
    if (open) this.#refresh();
  }

  #bind() {
    /** @param {string} id @param {string} type @param {() => void} fn */
    const on = (id, type, fn) => byId(id).addEventListener(type, fn);
    on("viewer-tags", "click", () => this.toggle());
    for (const button of /** @type {NodeListOf<HTMLElement>} */ (this.root.querySelectorAll("[data-tab]"))) {
      button.addEventListener("click", () => this.#select(button.dataset.tab || ""));
    }
    const search = byId("tags-search", HTMLInputElement);
    search.addEventListener("input", () => this.#filter(search.value));
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
      if (e.target instanceof Element && e.target.closest("input, select, textarea")) e.stopPropagation();
    });
    this.root.addEventListener("wheel", (e) => e.stopPropagation());
  }

  /** @param {string} tab */
  #select(tab) {
    this.tab = tab;
    for (const button of /** @type {NodeListOf<HTMLElement>} */ (this.root.querySelectorAll("[data-tab]"))) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const name of ["instance", "series", "compare"]) {
      byId(`tags-${name}`).hidden = name !== tab;
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

  /** @returns {Promise<void>} */
  async #loadHeader() {
    if (!this.current) return;
    const entry = this.current.entry;
    if (entry === this.shownEntry) return;
    if (this.loading) {          // one request at a time; the latest slice wins
      this.loading.then(() => this.#loadHeader());
      return;
    }
    this.loading = this.client.header(entry);
    let header;
    try {
      header = await this.loading;
    } finally {
      this.loading = null;
    }
    if (this.current && this.current.entry !== entry) return this.#loadHeader();
    this.shownEntry = entry;
    this.header = header;
    this.#showHeader(header);
  }

  /** @param {Header} header */
  #showHeader(header) {
    setText("tags-status", `${maskText(header.location)} · ${header.count} elements · ${maskText(header.preamble)}`);
    this.model = [];
    const tree = byId("tags-tree");
    tree.replaceChildren(
      el("div", { class: "tags-group" }, "File meta information (group 0002)"),
      ...this.#nodes(header.meta, this.model),
      el("div", { class: "tags-group" }, "Dataset"),
      ...this.#nodes(header.elements, this.model));
    this.root.dataset.entry = String(header.entry);
    const query = byId("tags-search", HTMLInputElement).value;
    if (query) this.#filter(query);
  }

  /**
   * @param {HeaderNode[]} nodes
   * @param {TreeEntry[]} model filled with the rows made, for searching
   * @param {boolean} [inside] within a sequence whose values are hidden
   * @returns {HTMLElement[]}
   */
  #nodes(nodes, model, inside = false) {
    return nodes.map((node) => {
      const masked = hidden() && (inside || isIdentifyingElement(node.tag, node.vr));
      const row = this.#row(node, masked);
      const text = [node.tag, node.keyword, node.name, node.vr, ...(masked ? [] : [maskText(node.value), maskText(node.detail)]),
        maskText(node.creator)].filter(Boolean).join(" ").toLowerCase();
      if (node.vr !== "SQ") {
        model.push({ node: row, text, children: [] });
        return row;
      }
      /** @type {TreeEntry[]} */
      const children = [];
      const items = (node.items || []).map((item, i) => {
        /** @type {TreeEntry[]} */
        const itemModel = [];
        const itemNode = el("details", { class: "tags-item" },
          el("summary", {}, `Item ${i + 1}`, el("span", { class: "muted" }, ` (${item.length} elements)`)),
          el("div", { class: "tags-children" }, ...this.#nodes(item, itemModel, masked)));
        children.push({ node: itemNode, text: "", children: itemModel });
        return itemNode;
      });
      const sequence = el("details", { class: "tags-seq" }, el("summary", {}, row), ...items);
      model.push({ node: sequence, text, children });
      return sequence;
    });
  }

  /** @param {HeaderNode} node @param {boolean} masked its value is hidden */
  #row(node, masked) {
    const label = node.keyword || node.name || "";
    const creator = maskText(node.creator);
    const badges = [
      node.private && el("span", { class: "badge private", title: creator ? `Private creator: ${creator}` : "Private" },
        creator ? `private · ${creator}` : "private"),
      node.retired && el("span", { class: "badge retired" }, "retired"),
      node.warning && el("span", { class: "badge warning", title: maskText(node.warning) }, "⚠ " + maskText(node.warning)),
    ];
    const name = node.keyword && !node.private
      ? el("a", { href: STANDARD_URL + node.tag, target: "_blank", rel: "noopener noreferrer", "data-keyword": label,
        title: `${node.name} — open in the DICOM standard browser` }, ...keywordParts(label))
      : el("span", { title: node.name, "data-keyword": label }, label);
    /** @type {HTMLElement[]} */
    const extras = [];
    if (node.detail && !masked) extras.push(el("span", { class: "detail" }, maskText(node.detail)));
    if (node.truncated && !masked) extras.push(el("span", { class: "muted" }, ` … (${node.length} bytes)`));
    if (node.hex && !masked) {
      extras.push(el("details", { class: "hex" }, el("summary", {}, "hex"), el("pre", {}, node.hex)));
    }
    if (node.fragments) {
      const table = node.basic_offset_table || [];
      const lines = [`Basic offset table: ${table.length ? table.join(", ") : "empty"}`,
        ...node.fragments.map((f, i) => `Fragment ${i + 1}: offset ${f.offset}, ${f.length} bytes`)];
      extras.push(el("details", { class: "hex" }, el("summary", {}, `${node.fragments.length} fragment(s)`),
        el("pre", {}, lines.join("\n"))));
    }
    const length = node.length === null || node.length === undefined ? "u/l" : node.length;
    return el("div", { class: `tags-row${node.warning ? " has-warning" : ""}${node.private ? " is-private" : ""}` },
      el("span", { class: "tag" }, node.tag),
      el("span", { class: "vr", title: `VM ${node.vm}, length ${length}` }, node.vr),
      el("span", { class: "name" }, name, ...badges.filter(Boolean)),
      el("span", { class: "value" }, node.vr === "SQ" ? `${node.vm} item(s)` : masked && node.value ? MASK : maskText(node.value),
        ...extras));
  }

  /**
   * Hide what does not match, but keep the parents of nested matches (and open them).
   * @param {string} query
   */
  #filter(query) {
    const q = query.trim().toLowerCase();
    /** @param {TreeEntry[]} entries @returns {boolean} */
    const visit = (entries) => {
      let any = false;
      for (const entry of entries) {
        const inside = visit(entry.children);
        const shown = !q || entry.text.includes(q) || inside;
        entry.node.hidden = !shown;
        if (q && inside && entry.node instanceof HTMLDetailsElement) entry.node.open = true;
        any ||= shown && Boolean(q);
      }
      return any;
    };
    visit(this.model);
    this.root.dataset.query = q;
  }

  /** @param {boolean} open */
  #expand(open) {
    const tree = byId("tags-tree");
    for (const details of /** @type {NodeListOf<HTMLDetailsElement>} */ (tree.querySelectorAll("details.tags-seq, details.tags-item"))) {
      details.open = open;
    }
  }

  /** @param {"json" | "dump"} form */
  async #export(form) {
    if (this.shownEntry === null) return;
    const { text, name } = await this.client.exportHeader(this.shownEntry, form, hidden());
    download(new Blob([maskDownload(text, form === "json" ? "json" : "text")],
      { type: form === "json" ? "application/dicom+json" : "text/plain" }), maskText(name));
  }

  async #copy() {
    if (this.shownEntry === null) return;
    const { text } = await this.client.exportHeader(this.shownEntry, "dump", hidden());
    await navigator.clipboard.writeText(maskDownload(text, "text"));
    setText("tags-status", "Copied the text dump to the clipboard.");
  }

  // --- the series -----------------------------------------------------------------------

  async #loadVariation() {
    if (!this.current) return;
    const key = `${this.current.studyUid}/${this.current.seriesUid}`;
    if (this.seriesShown === key) return;
    this.seriesShown = key;
    setText("tags-series-status", "Reading every header of the series…");
    const started = performance.now();
    const variation = await this.client.variation(this.current.studyUid, this.current.seriesUid);
    this.variation = { ...variation, seconds: (performance.now() - started) / 1000 };
    this.#showVariation(this.variation);
  }

  /** @param {(Variation & {seconds: number}) | null} variation */
  #showVariation(variation) {
    if (!variation) return;
    const onlyVarying = byId("tags-varying", HTMLInputElement).checked;
    setText("tags-series-status", `${variation.instances} instances · ${variation.elements.length} elements, ` +
      `${variation.varying} vary · ${variation.seconds.toFixed(1)} s`);
    const rows = variation.elements.filter((e) => !onlyVarying || !e.constant).map((e) => {
      /** @param {string | number | undefined} v */
      const value = (v) => maskElementValue(e.tag, e.vr, v === undefined ? "" : String(v));
      const list = () => el("ul", {}, ...e.values.map((v) =>
        el("li", {}, `${value(v.value)} `, el("span", { class: "muted" }, `×${v.count}`))));
      const values = e.constant
        ? [el("span", {}, value(e.values[0].value))]
        : uidLike(e)  // 64 SOP Instance UIDs say less than "64 distinct values": the list opens on request
          ? [el("details", { class: "tags-collapsed" }, el("summary", {}, distinctCount(e)), list())]
          : [e.min !== undefined ? el("div", { class: "detail" }, `min ${value(e.min)}, max ${value(e.max)}`) : null,
            el("div", { class: "muted" }, `${e.distinct} distinct value(s)`), list()];
      return el("tr", { class: e.constant ? "constant" : "varies", dataset: { keyword: e.keyword } },
        el("td", {}, el("span", { class: "tag" }, e.tag), " ", e.keyword || e.name),
        el("td", {}, e.vr), el("td", {}, `${e.present}/${variation.instances}`), el("td", {}, ...values));
    });
    one("#tags-variation tbody").replaceChildren(...rows);
  }

  async #csv() {
    if (!this.current) return;
    const fields = byId("tags-csv-fields", HTMLInputElement).value.split(",").map((f) => f.trim()).filter(Boolean);
    try {
      const { text, name } = await this.client.seriesCsv(this.current.studyUid, this.current.seriesUid, fields, hidden());
      download(new Blob([maskDownload(text, "text")], { type: "text/csv" }), maskText(name));
    } catch (error) {
      setText("tags-series-status", String((error instanceof Error && error.message) || error));
    }
  }

  // --- two instances --------------------------------------------------------------------

  async #loadInstances() {
    if (!this.current) return;
    const current = this.current.entry;
    this.instanceList = await this.client.instances();
    const next = this.instanceList.find((i) => i.entry !== current);
    this.#showInstances([current, next ? next.entry : current]);
  }

  /** The choices of the Compare tab. @param {number[]} picks the entries selected in each */
  #showInstances(picks) {
    /** @param {number} pick */
    const options = (pick) => this.instanceList.map((i) => el("option", { value: i.entry, selected: i.entry === pick },
      `${maskText(i.series) || "(no description)"} · ${i.instance ?? "?"} · ${maskText(i.location)}`));
    byId("tags-first").replaceChildren(...options(picks[0]));
    byId("tags-second").replaceChildren(...options(picks[1]));
  }

  async #compare() {
    const first = Number(byId("tags-first", HTMLSelectElement).value);
    const second = Number(byId("tags-second", HTMLSelectElement).value);
    setText("tags-compare-status", "Comparing…");
    this.comparison = await this.client.compare(first, second);
    this.#showComparison(this.comparison);
  }

  /** @param {Comparison | null} comparison */
  #showComparison(comparison) {
    if (!comparison) return;
    const only = byId("tags-only-diff", HTMLInputElement).checked;
    setText("tags-compare-status", `${comparison.differences} of ${comparison.rows.length} elements differ`);
    setText("tags-first-head", maskText(comparison.first));
    setText("tags-second-head", maskText(comparison.second));
    const rows = comparison.rows.filter((r) => !only || r.differs).map((r) => {
      // the element and the sequences it is in: hidden if any of them is identifying
      const tags = r.path.match(/\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)/g) || [r.path];
      const masked = hidden() && tags.some((tag, n) => isIdentifyingElement(tag, n === tags.length - 1 ? r.vr : "SQ"));
      /** @param {string | null} v */
      const cell = (v) => (v === null ? el("span", { class: "muted" }, "(absent)") : masked && v ? MASK : maskText(v));
      return el("tr", { class: r.differs ? "differs" : "" },
        el("td", { title: r.path }, r.name), el("td", {}, r.vr), el("td", {}, cell(r.first)), el("td", {}, cell(r.second)));
    });
    one("#tags-diff tbody").replaceChildren(...rows);
  }
}

/**
 * A keyword with a line-break opportunity before each of its words ("FileMetaInformation" +
 * "GroupLength"), so that a narrow panel wraps it between words, never inside one.
 * @param {string} keyword
 * @returns {(string | HTMLElement)[]}
 */
function keywordParts(keyword) {
  return keyword.split(/(?=[A-Z][a-z])/).flatMap((part, index) => (index ? [el("wbr"), part] : [part]));
}

/** Whether an element's values are identifiers rather than something to read: UIDs, and text
 * that differs in every instance (times of creation, IDs); shown as a count until opened.
 * @param {import("./protocol.js").VariationElement} e */
function uidLike(e) {
  return e.vr === "UI" || (e.min === undefined && e.distinct === e.present && e.distinct > UNIQUE_FROM);
}
/** Distinct values in more instances than this, one per instance, are collapsed (uidLike). */
const UNIQUE_FROM = 8;

/** "64 distinct values, one per instance" or "3 distinct values".
 * @param {import("./protocol.js").VariationElement} e */
function distinctCount(e) {
  return `${e.distinct} distinct value${e.distinct === 1 ? "" : "s"}${e.distinct === e.present ? ", one per instance" : ""}`;
}
