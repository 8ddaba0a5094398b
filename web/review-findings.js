// @ts-check
// The privacy review's findings, grouped by element (else by category), each group a
// <details> closed by default whose findings are laid out only when it is first opened, a
// page at a time; long lists of values and locations are paged too. So a report of a
// thousand findings over ten thousand files costs a few hundred summary lines until someone
// opens a group. Each finding shows what matched and why, its values, where it occurs, a
// thumbnail for pixel risks and a way into the tag browser. Text burned into the pixels shows
// the frames it was read in, its boxes drawn on them (boxes.js), each a button into the viewer,
// and the texts read. "Hide patient data": mask.js (and burned-in text blacked out, unread).
import { el } from "./dom.js";
import { hidden, maskFinding, maskText } from "./mask.js";
import { countsText, elementLabel, categoryLabel, groupFindings, severityCounts } from "./review-model.js";
import { BURNED_IN, boxLayer, drawBoxes, framesOf, onFrame } from "./boxes.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./protocol.js").Rendered} Rendered */
/** @typedef {import("./review-model.js").FindingGroup} FindingGroup */
/** @typedef {import("./boxes.js").TextBox} TextBox */
/** @typedef {import("./boxes.js").FrameBoxes} FrameBoxes */
/**
 * What a finding can do: open its instance in the tag browser, draw a thumbnail, open one frame
 * of it in the viewer (burned-in text: `frame` 0-based; its thumbnails are disabled without it).
 * @typedef {object} FindingActions
 * @property {(finding: Finding) => void} showInTagBrowser
 * @property {(entry: number, frame: number) => Promise<Rendered>} render
 * @property {(finding: Finding, entry: number, frame: number) => void} showFrame
 */

const FINDINGS_PAGE = 50;  // findings laid out at a time in an opened group
const VALUES_PAGE = 20;    // values, matches or locations listed at a time
const FRAME_THUMBS = 6;    // frames of burned-in text shown as thumbnails per finding
const THUMB_SIZE = 144;    // CSS pixels of a thumbnail's longer side
const RENDERS_KEPT = 36;   // rendered frames kept for thumbnails (re-laid out when the switch changes)

export class FindingGroups {
  /** @param {HTMLElement} container @param {FindingActions} actions */
  constructor(container, actions) {
    this.container = container;
    this.actions = actions;
    /** @type {Review | null} */
    this.review = null;
    /** @type {FindingGroup[]} */
    this.groups = [];
    /** @type {Set<string>} the keys of the groups open, kept across filters and re-renders */
    this.open = new Set();
    /** @type {WeakMap<HTMLDetailsElement, () => void>} lays out a group's findings (once) */
    this.layOut = new WeakMap();
    /** @type {Map<string, Promise<Rendered>>} frames rendered for thumbnails of this review, oldest first */
    this.rendered = new Map();
  }

  /**
   * Lay out the groups of `review` with the findings `test` lets through; the number shown.
   * @param {Review} review
   * @param {(finding: Finding) => boolean} test
   * @returns {number}
   */
  show(review, test) {
    if (review !== this.review) {
      this.review = review;
      this.open.clear();
      this.rendered.clear();
      this.groups = groupFindings(review.findings, (f) => (f.element ? elementLabel(f) : categoryLabel(f.category)));
    }
    let shown = 0;
    const nodes = [];
    for (const group of this.groups) {
      const findings = group.findings.filter(test);
      if (!findings.length) continue;
      shown += findings.length;
      nodes.push(this.#group(group, findings));
    }
    this.container.replaceChildren(...nodes);
    return shown;
  }

  /** Open or close every group shown (opening lays out their first findings). @param {boolean} open */
  setAllOpen(open) {
    for (const details of /** @type {NodeListOf<HTMLDetailsElement>} */ (this.container.querySelectorAll("details.review-group"))) {
      details.open = open;
      if (open) {
        this.open.add(details.dataset.key || "");
        const layOut = this.layOut.get(details);
        if (layOut) layOut();
      } else {
        this.open.delete(details.dataset.key || "");
      }
    }
  }

  /** @param {FindingGroup} group @param {Finding[]} findings */
  #group(group, findings) {
    const counts = severityCounts(findings);
    const files = Math.max(...findings.map((f) => f.files || 0));
    const details = el("details", { class: `review-group ${group.top}`, dataset: { key: group.key, category: group.category } },
      el("summary", {},
        el("span", { class: `sev sev-${findings[0].severity}` }, findings[0].severity),
        " ", el("span", { class: "review-group-label" }, maskText(group.label)),
        el("span", { class: "muted" }, ` · ${findings.length === 1 ? "1 finding" : `${findings.length} findings`}`
          + `${findings.length > 1 ? ` (${countsText(counts)})` : ""} · ${files} file(s)`)));
    const body = el("div", { class: "review-group-body" });
    details.append(body);
    let laidOut = false;
    const layOut = () => {
      if (laidOut) return;
      laidOut = true;
      body.append(paged(findings, (f) => this.#finding(f), FINDINGS_PAGE, "review-group-findings", "findings"));
    };
    this.layOut.set(details, layOut);
    details.addEventListener("toggle", () => {
      if (details.open) {
        this.open.add(group.key);
        layOut();
      } else {
        this.open.delete(group.key);
      }
    });
    if (this.open.has(group.key)) {
      details.open = true;
      layOut();
    }
    return details;
  }

  /** @param {Finding} raw */
  #finding(raw) {
    const burned = raw.category === BURNED_IN && raw.boxes && raw.boxes.length ? raw.boxes : null;
    const f = maskFinding(raw);
    const patients = new Map(((this.review && this.review.patients) || []).map((p) => [p.key, p]));
    /** @param {string | null | undefined} key */
    const patientName = (key) => {
      const p = key ? patients.get(key) : undefined;
      if (!p) return key || "";
      return hidden() || !p.name ? p.label : `${p.label} (${p.name})`;
    };
    const where = [elementLabel(f), `${f.files} file(s)`].filter(Boolean).join(" · ");
    const series = f.series || [];
    const matches = f.matches || [];
    const values = f.values || [];
    const locations = f.locations || [];
    const canLink = series.length && f.entries && f.entries.length;
    const node = el("article", { class: `review-finding ${f.severity}`, dataset: { id: maskText(f.id), category: f.category } },
      el("header", {}, el("span", { class: `sev sev-${f.severity}` }, f.severity), " ", el("strong", {}, f.title)),
      el("p", {}, f.reason),
      el("p", { class: "muted" }, where),
      series.length ? el("p", { class: "muted" }, `Series: ${series.slice(0, 3).map((s) => s.description || "(no description)").join(", ")}`
        + (series.length > 3 ? ` and ${series.length - 3} more` : "")) : null,
      f.patients && f.patients.length ? el("p", { class: "muted" }, `In the files of ${f.patients.map(patientName).join(", ")}`) : null,
      burned ? this.#burnedIn(raw, f, burned) : null,
      matches.length ? el("div", { class: "review-matches" }, el("h5", {}, "What matched, and why"),
        paged(matches, (m) => el("li", {}, el("q", { class: "review-match" }, m.text), m.why ? ` ${m.why}` : "",
          m.patient ? el("span", { class: "muted" }, ` · ${patientName(m.patient)}`) : ""), VALUES_PAGE, "review-values", "matches")) : null,
      values.length ? el("div", { class: "review-value-list" },
        el("h5", {}, f.distinct_values && f.distinct_values > values.length
          ? `Values (${values.length} of ${f.distinct_values} distinct)` : `Values (${values.length})`),
        paged(values, (v) => el("li", {}, v.value, el("span", { class: "muted" }, ` ×${v.count}`)),
          VALUES_PAGE, "review-values", "values")) : null,
      locations.length ? el("details", { class: "review-where" }, el("summary", {}, `Where (${locations.length}${f.files > locations.length ? ` of ${f.files}` : ""})`),
        paged(locations, (loc) => el("li", {}, loc), VALUES_PAGE, "review-values", "locations")) : null,
      canLink ? el("button", { type: "button", class: "button subtle review-link",
        on: { click: () => this.actions.showInTagBrowser(raw) } }, "Show in tag browser") : null);
    if (f.thumbnail && !burned) this.#thumbnail(node, f.thumbnail);
    return node;
  }

  /**
   * Burned-in text: thumbnails of the first frames it was read in with its boxes drawn, each
   * opening that frame in the viewer, "and N more frames", and what was read where (not while
   * patient data is hidden: the boxes are then blacked out, the texts not shown).
   * @param {Finding} raw @param {Finding} f as shown (masked) @param {TextBox[]} boxes
   */
  #burnedIn(raw, f, boxes) {
    const hide = hidden();
    const entries = raw.entries || [];
    const locations = f.locations || [];
    /** The file of an entry, as the finding lists it. @param {number} entry */
    const fileOf = (entry) => {
      const at = entries.indexOf(entry);
      return at >= 0 && locations[at] ? locations[at] : `entry ${entry}`;
    };
    const frames = framesOf(boxes);
    const more = frames.length - FRAME_THUMBS;
    const icons = boxes.length - boxes.filter(onFrame).length;
    /** @param {TextBox} box */
    const place = (box) => `${box.source || `frame ${box.frame + 1}`} of ${fileOf(box.entry)}`;
    /** @param {number} n */
    const places = (n) => (n === 1 ? "1 place" : `${n} places`);
    return el("div", { class: "burned-in" },
      frames.length ? el("h5", {}, hide ? "Where it is (blacked out while patient data is hidden)" : "Where it is") : null,
      frames.length ? el("div", { class: "burned-frames" },
        frames.slice(0, FRAME_THUMBS).map((frame) => this.#frameThumb(raw, frame, fileOf(frame.entry), hide)),
        more > 0 ? el("span", { class: "muted burned-more" }, `and ${more} more frame${more === 1 ? "" : "s"}`) : null) : null,
      icons ? el("p", { class: "muted" }, `Also in the icon image (${places(icons)}), not drawn on the frames.`) : null,
      hide ? el("p", { class: "muted burned-texts-hidden" }, `Text read in ${places(boxes.length)}: hidden.`)
        : el("div", { class: "burned-texts" }, el("h5", {}, `Text read (${boxes.length})`),
          paged(boxes, (box) => el("li", {}, el("q", { class: "burned-text" }, box.text),
            el("span", { class: "muted" }, ` · ${place(box)}`)), VALUES_PAGE, "review-values", "texts")));
  }

  /**
   * One frame's thumbnail with its boxes: a button opening it in the viewer.
   * @param {Finding} raw @param {FrameBoxes} frame @param {string} file where it is (as shown) @param {boolean} hide
   */
  #frameThumb(raw, { entry, frame, boxes }, file, hide) {
    const label = `Frame ${frame + 1} of ${file}, ${boxes.length === 1 ? "1 text box" : `${boxes.length} text boxes`}`
      + `${hide ? " (blacked out)" : ""}: open in the viewer`;
    const canvas = el("canvas", { class: "burned-thumb-image", width: 1, height: 1 });
    const layer = boxLayer("burned-thumb-boxes");
    layer.setAttribute("aria-hidden", "true");
    const showFrame = this.actions.showFrame;
    const button = el("button", { type: "button", class: "burned-thumb", "aria-label": label, title: label,
      dataset: { entry: String(entry), frame: String(frame) },
      on: { click: () => showFrame(raw, entry, frame) } }, canvas, layer);
    this.#paintThumb(button, canvas, layer, { entry, frame, boxes }, hide);
    return button;
  }

  /**
   * Render the frame into the thumbnail's canvas (scaled down to THUMB_SIZE), then its boxes.
   * @param {HTMLButtonElement} button @param {HTMLCanvasElement} canvas @param {SVGSVGElement} layer
   * @param {FrameBoxes} frame @param {boolean} hide
   */
  async #paintThumb(button, canvas, layer, { entry, frame, boxes }, hide) {
    try {
      const { meta, pixels } = await this.#render(entry, frame);
      if (meta.error) throw new Error(meta.error);
      const scale = Math.min(THUMB_SIZE / meta.columns, THUMB_SIZE / meta.rows);
      const width = Math.max(1, Math.round(meta.columns * scale));
      const height = Math.max(1, Math.round(meta.rows * scale));
      const ratio = Math.min(window.devicePixelRatio || 1, 3);
      const image = await createImageBitmap(new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows));
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      Object.assign(canvas.style, { width: `${width}px`, height: `${height}px` });
      const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      context.imageSmoothingQuality = "high";
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      image.close();
      drawBoxes(layer, meta.columns, meta.rows, boxes, hide);
      button.dataset.drawn = "true";
    } catch {
      button.classList.add("burned-thumb-failed");
      button.append(el("span", {}, `Frame ${frame + 1} cannot be shown here`));
    }
  }

  /** A frame rendered with its file's window, kept for re-renders. @param {number} entry @param {number} frame */
  #render(entry, frame) {
    const key = `${entry}:${frame}`;
    let rendering = this.rendered.get(key);
    if (!rendering) {
      rendering = this.actions.render(entry, frame);
      rendering.catch(() => this.rendered.delete(key));
      this.rendered.set(key, rendering);
      for (const old of this.rendered.keys()) {
        if (this.rendered.size <= RENDERS_KEPT) break;
        this.rendered.delete(old);
      }
    }
    return rendering;
  }

  /** @param {HTMLElement} node @param {{entry: number, frame: number}} frame */
  async #thumbnail(node, { entry, frame }) {
    const canvas = el("canvas", { class: "review-thumb", width: 1, height: 1, role: "img", "aria-label": "One frame of this series" });
    node.prepend(canvas);
    try {
      const { meta, pixels } = await this.actions.render(entry, frame);
      if (meta.error) return canvas.remove();
      canvas.width = meta.columns;
      canvas.height = meta.rows;
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(
        new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows), 0, 0);
    } catch {
      canvas.remove();
    }
  }
}

/**
 * A list that shows `size` items, then "Show more" (the next `size`) and "Show all".
 * @template T
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} render
 * @param {number} size
 * @param {string} className the list's
 * @param {string} noun what the items are, for the buttons
 */
function paged(items, render, size, className, noun) {
  const list = el(className === "review-group-findings" ? "div" : "ul", { class: className });
  let shown = 0;
  const more = el("button", { type: "button", class: "button subtle review-more" });
  const all = el("button", { type: "button", class: "button subtle review-more" });
  const line = el("p", { class: "review-more-line" }, more, " ", all);
  /** @param {number} count */
  const next = (count) => {
    const batch = items.slice(shown, shown + count);
    list.append(...batch.map(render));
    shown += batch.length;
    const left = items.length - shown;
    line.hidden = left <= 0;
    more.textContent = `Show ${Math.min(size, left)} more ${noun}`;
    all.textContent = `Show all ${items.length} ${noun}`;
  };
  more.addEventListener("click", () => next(size));
  all.addEventListener("click", () => next(items.length));
  next(size);
  return el("div", { class: "review-paged" }, list, line);
}
