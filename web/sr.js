// @ts-check
// A structured report as a document: its title and flags, then its content tree, each container a
// section (open), each other item a line: relationship, concept name, value in words (a number
// with its unit, a code's meaning with its scheme and value, a date, a name). An image reference
// whose instance is loaded is a button that opens that frame in the viewer with the report's
// regions (SCOORD) drawn on it. "Hide patient data": names, dates and free text go through
// mask.js as everywhere else.
import { byId, el, setText } from "./dom.js";
import { date, plural } from "./format.js";
import { maskField, maskText } from "./mask.js";

/** @typedef {import("./protocol.js").SrDocument} SrDocument */
/** @typedef {import("./protocol.js").SrItem} SrItem */
/** @typedef {import("./protocol.js").SrCode} SrCode */
/** @typedef {import("./protocol.js").SrTarget} SrTarget */
/** @typedef {import("./protocol.js").SrGraphic} SrGraphic */
/** What a link asks for: the frame, and every region of the report to draw.
 * @typedef {(target: SrTarget, graphics: SrGraphic[], from: HTMLElement) => void} ShowImage */

export class SrView {
  /** @param {ShowImage} showImage */
  constructor(showImage) {
    this.root = byId("sr");
    this.showImage = showImage;
    /** @type {SrDocument[]} */
    this.documents = [];
    byId("sr-close").addEventListener("click", () => this.close());
  }

  /** Show the reports of a series. @param {SrDocument[]} documents @param {string} title */
  show(documents, title) {
    this.documents = documents;
    this.title = title;
    this.root.hidden = false;
    this.render();
    byId("sr-title").focus();
  }

  close() {
    this.root.hidden = true;
    byId("sr-body").replaceChildren();
    this.documents = [];
  }

  /** Draw again ("Hide patient data" changed). */
  render() {
    if (this.root.hidden) return;
    setText("sr-title", maskText(this.title || "Structured report"));
    byId("sr-body").replaceChildren(...this.documents.map((d) => this.#document(d)));
  }

  /** @param {SrDocument} d */
  #document(d) {
    if (d.error || !d.content) {
      return el("article", { class: "sr-document" }, el("p", { class: "sr-error" }, `${maskText(d.location)}: ${d.error}`));
    }
    const graphics = collectGraphics(d.content);
    const flags = [["Completion", d.completion], ["Verification", d.verification], ["Preliminary", d.preliminary]]
      .filter(([, v]) => v).map(([k, v]) => `${k} ${v}`);
    return el("article", { class: "sr-document", "aria-label": d.title || "Structured report" },
      el("h3", {}, d.title || "Structured report", d.template ? el("span", { class: "muted" }, ` (${d.template})`) : null),
      el("p", { class: "muted" }, [...flags, maskField(date(d.date)), maskText(d.location)].filter(Boolean).join(" · ")),
      d.linked === 0 && hasReferences(d.content)
        ? el("p", { class: "muted" }, "The images it refers to are not among the files loaded.") : null,
      el("div", { class: "sr-tree" }, this.#item(d.content, graphics, 0)));
  }

  /** @param {SrItem} item @param {SrGraphic[]} graphics every region of the document @param {number} depth
   * @returns {HTMLElement} */
  #item(item, graphics, depth) {
    const concept = item.concept ? item.concept.meaning : "";
    const relation = item.relationship ? el("span", { class: "sr-relation" }, `${item.relationship.toLowerCase()} `) : null;
    /** @type {HTMLElement[]} */
    const children = (item.children || []).map((child) => this.#item(child, graphics, depth + 1));
    if (item.type === "CONTAINER") {
      return el("details", { class: "sr-container", open: true, dataset: { position: item.position } },
        el("summary", {}, relation, el("strong", {}, concept || "(untitled section)")),
        children.length ? el("ul", { class: "sr-items" }, ...children.map((c) => el("li", {}, c))) : null);
    }
    const line = el("div", { class: "sr-item", dataset: { type: item.type, position: item.position } },
      relation, concept ? el("span", { class: "sr-concept" }, concept) : null,
      concept ? ": " : "", ...this.#value(item, graphics),
      item.error ? el("span", { class: "sr-error" }, ` (${item.error})`) : null);
    return children.length
      ? el("div", {}, line, el("ul", { class: "sr-items" }, ...children.map((c) => el("li", {}, c))))
      : line;
  }

  /** @param {SrItem} item @param {SrGraphic[]} graphics @returns {(Node | string)[]} */
  #value(item, graphics) {
    switch (item.type) {
      case "TEXT": return [el("span", { class: "sr-text" }, maskText(item.value || ""))];
      case "PNAME": return [maskField(item.value || "")];
      case "DATE": return [maskField(date(item.value || ""))];
      case "TIME": case "DATETIME": case "UIDREF": return [maskText(item.value || "")];
      case "CODE": return [codeText(item.code)];
      case "NUM": return [item.value
        ? `${item.value} ${unitText(item.unit)}`.trim() : `no value${item.qualifier ? ` (${codeText(item.qualifier)})` : ""}`];
      case "IMAGE": case "COMPOSITE": case "WAVEFORM":
        return (item.references || []).flatMap((r) => this.#reference(r, graphics));
      case "SCOORD": case "SCOORD3D":
        return [`${item.graphic || ""} ${plural((item.points || []).length, "point")}`];
      case "REFERENCE": return [`see item ${item.reference}`];
      default: return [item.value || ""];
    }
  }

  /** @param {NonNullable<SrItem["references"]>[number]} r @param {SrGraphic[]} graphics */
  #reference(r, graphics) {
    const frames = r.frames && r.frames.length ? `, frame ${r.frames.join(", ")}` : "";
    if (!r.target) return [el("span", { class: "muted", title: r.sop_instance }, `an image not loaded${frames}`)];
    const target = r.target;
    const button = el("button", { type: "button", class: "button sr-image", dataset: { entry: String(target.entry) } },
      `Show image${frames}`);
    button.addEventListener("click", () => this.showImage(target, graphics, button));
    return [button];
  }
}

/** Every region (SCOORD) of a document that can be drawn. @param {SrItem} item @returns {SrGraphic[]} */
function collectGraphics(item) {
  return [...(item.graphics || []), ...(item.children || []).flatMap(collectGraphics)];
}

/** @param {SrItem} item @returns {boolean} */
function hasReferences(item) {
  return (item.references || []).length > 0 || (item.children || []).some(hasReferences);
}

/** "Nodule (SCT 27925004)". @param {SrCode | null | undefined} code */
function codeText(code) {
  if (!code) return "";
  const scheme = [code.scheme, code.code].filter(Boolean).join(" ");
  return scheme ? `${code.meaning} (${scheme})` : code.meaning;
}

/** @param {SrCode | null | undefined} unit */
function unitText(unit) {
  if (!unit) return "";
  return unit.meaning && unit.meaning !== unit.code ? `${unit.code} (${unit.meaning})` : unit.code;
}
