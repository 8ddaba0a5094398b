// @ts-check
// The viewer's layers, as OHIF's segmentation panel and Slicer's data tree show them: the loaded
// derived objects that refer to the series on screen (py/dicompeek/objects/layers.py), listed in a
// panel beside the image with a toggle each. A segmentation (SEG) is drawn as coloured masks on a
// canvas laid over the image: each segment in its colour (the file's CIELab value, else a
// palette's), in number order, the later on top; its row says its label, category and type, and
// toggles it. Opacity is the canvas's own (CSS), so moving the slider costs no drawing. The masks
// of a frame come from the worker once (seg_masks) and are kept, so toggling a segment and scrolling
// back need no worker at all, and the frames ahead are asked for with the viewer's prefetch.
// An RT structure set's contours and a presentation state's graphics and texts come whole with the
// list (they are small) and are drawn by the viewer's graphic layer (graphics.js), each ROI and
// each presentation state with its toggle; a presentation state's window is applied on request.
// A report that refers to the series opens as its document.
import { byId, el } from "./dom.js";
import { frameKey } from "./boxes.js";
import { maskText } from "./mask.js";

/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./protocol.js").RelatedObject} RelatedObject */
/** @typedef {import("./protocol.js").SegSegment} SegSegment */
/** @typedef {import("./protocol.js").SrGraphic} SrGraphic */
/** @typedef {import("./protocol.js").LayerText} LayerText */
/** The masks of one segmentation on one frame: segment numbers, and their bytes one after the other.
 * @typedef {{segments: number[], rows: number, columns: number, bytes: Uint8Array, error?: string}} FrameMasks */

const MASK_BUDGET = 96 * 1024 * 1024;  // bytes of masks kept for scrolling back
const OPACITY = 0.5;
const KIND_NAMES = { SEG: "Segmentation", RTSTRUCT: "RT structures", PR: "Presentation state", SR: "Report" };

export class Layers {
  /**
   * @param {WorkerClient} client
   * @param {() => void} onChange the structures' or presentation states' drawings changed (the
   *   segmentation's canvas is this module's own: the viewer moves it with the image)
   * @param {(window: {center: number, width: number} | null) => void} onWindow a presentation state's window (null: the file's)
   * @param {(turn: {rotation: number, flip: boolean} | null) => void} onTurn its rotation and flip (null: as stored)
   * @param {(report: RelatedObject) => void} onReport a report was asked for
   */
  constructor(client, onChange, onWindow, onTurn, onReport) {
    this.client = client;
    this.onChange = onChange;
    this.onWindow = onWindow;
    this.onTurn = onTurn;
    this.onReport = onReport;
    this.panel = byId("viewer-layers");
    this.button = byId("viewer-layers-toggle");
    this.canvas = el("canvas", { class: "seg-layer", width: "1", height: "1", "aria-hidden": "true" });
    this.context = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext("2d"));
    this.canvas.style.opacity = String(OPACITY);
    /** @type {RelatedObject[]} */
    this.objects = [];
    /** @type {Map<number, Set<number>>} each segmentation's segments shown, by its entry */
    this.shownSegments = new Map();
    /** @type {Map<number, Set<number>>} each structure set's ROIs shown, by its entry */
    this.shownRois = new Map();
    /** @type {Set<number>} the presentation states shown, by entry */
    this.shownStates = new Set();
    /** @type {number | null} the presentation state whose window is applied */
    this.windowOf = null;
    /** @type {number | null} the presentation state whose rotation and flip are applied */
    this.turnOf = null;
    /** @type {Map<string, {o: RelatedObject, graphics: SrGraphic[], texts: LayerText[]}[]>} drawings by frame */
    this.drawings = new Map();
    /** @type {Map<string, Promise<FrameMasks>>} */
    this.masks = new Map();
    this.maskBytes = 0;
    /** @type {{entry: number, frame: number} | null} */
    this.current = null;
    this.opened = 0;
    // the panel opens on request (the image must not move under the pointer when the list
    // arrives), and stays open for the next series with layers once opened
    this.wanted = false;
    this.button.addEventListener("click", () => {
      this.wanted = this.panel.hidden;
      this.#setPanel(this.wanted);
    });
  }

  /** The segmentations shown (each with at least one segment on). @returns {RelatedObject[]} */
  get segmentations() {
    return this.objects.filter((o) => o.kind === "SEG" && !o.error && (this.shownSegments.get(o.entry)?.size ?? 0) > 0);
  }

  /** Learn what refers to the series now on screen, and list it (no layers: no panel, no button).
   * @param {string} studyUid @param {string} seriesUid */
  async open(studyUid, seriesUid) {
    const at = this.current;  // the first frame may be on screen already
    this.clear();
    this.current = at;
    const opened = ++this.opened;
    /** @type {RelatedObject[]} */
    let objects;
    try {
      objects = await this.client.relatedObjects(studyUid, seriesUid);
    } catch (error) {  // the images are shown all the same
      console.warn("the series' layers could not be read", error);
      return;
    }
    if (opened !== this.opened) return;
    this.objects = objects;
    for (const o of objects) {
      if (o.kind === "SEG" && o.segments) this.shownSegments.set(o.entry, new Set(o.segments.map((s) => s.number)));
      if (o.kind === "RTSTRUCT" && o.rois) this.shownRois.set(o.entry, new Set(o.rois.map((r) => r.number)));
      if (o.kind === "PR" && !o.error) this.shownStates.add(o.entry);
      for (const g of o.graphics || []) this.#drawingsOf(o, g.entry, g.frame).graphics.push(g);
      for (const t of o.texts || []) this.#drawingsOf(o, t.entry, t.frame).texts.push(t);
    }
    // a segmentation viewed itself: its frames in full colour (over its grey masks)
    this.canvas.style.opacity = String(objects.some((o) => o.own) ? 1 : OPACITY);
    this.render();
    this.button.hidden = !objects.length;
    this.button.textContent = `Layers (${objects.length})`;
    this.#setPanel(objects.length > 0 && this.wanted);
    this.panel.dataset.layers = String(objects.length);
    this.onChange();
    this.#draw();
  }

  /** Forget the series' layers (another series, the viewer closed). */
  clear() {
    this.opened++;
    this.objects = [];
    this.shownSegments.clear();
    this.shownRois.clear();
    this.shownStates.clear();
    this.windowOf = null;
    this.turnOf = null;
    this.drawings.clear();
    this.masks.clear();
    this.maskBytes = 0;
    this.current = null;
    this.canvas.hidden = true;
    this.panel.replaceChildren();
    this.panel.hidden = true;
    this.button.hidden = true;
    delete this.panel.dataset.layers;
  }

  /** Draw the layers of a frame (the one now on screen). @param {number} entry @param {number} frame */
  show(entry, frame) {
    this.current = { entry, frame };
    this.#draw();
  }

  /** The graphics and texts of the structures and presentation states shown, on a frame.
   * @param {number} entry @param {number} frame @returns {{graphics: SrGraphic[], texts: LayerText[]}} */
  drawingsOn(entry, frame) {
    /** @type {{graphics: SrGraphic[], texts: LayerText[]}} */
    const out = { graphics: [], texts: [] };
    for (const { o, graphics, texts } of this.drawings.get(frameKey(entry, frame)) || []) {
      if (o.kind === "RTSTRUCT") {
        const on = this.shownRois.get(o.entry) || new Set();
        out.graphics.push(...graphics.filter((g) => g.roi !== undefined && on.has(g.roi)));
      } else if (this.shownStates.has(o.entry)) {
        out.graphics.push(...graphics);
        out.texts.push(...texts.map((t) => ({ ...t, text: maskText(t.text) })));
      }
    }
    return out;
  }

  /** @param {RelatedObject} o @param {number} entry @param {number} frame */
  #drawingsOf(o, entry, frame) {
    const key = frameKey(entry, frame);
    const list = this.drawings.get(key) || [];
    this.drawings.set(key, list);
    let found = list.find((d) => d.o === o);
    if (!found) {
      found = { o, graphics: [], texts: [] };
      list.push(found);
    }
    return found;
  }

  /** Ask for a frame's masks ahead of showing it. @param {number} entry @param {number} frame */
  prefetch(entry, frame) {
    for (const o of this.segmentations) this.#masks(o.entry, entry, frame);
  }

  /** The list again ("Hide patient data" changed, a toggle). */
  render() {
    const opacity = el("input", { type: "range", min: "0", max: "1", step: "0.05", value: this.canvas.style.opacity,
      id: "layers-opacity", "aria-label": "Opacity of the segmentations" });
    opacity.addEventListener("input", () => { this.canvas.style.opacity = opacity.value; });
    const hasSeg = this.objects.some((o) => o.kind === "SEG");
    this.panel.replaceChildren(
      el("h2", { class: "layers-heading" }, "Layers"),
      ...(hasSeg ? [el("label", { class: "layers-opacity" }, "Opacity ", opacity)] : []),
      el("ul", { class: "layers-list" }, this.objects.map((o) => this.#item(o))));
  }

  /** @param {RelatedObject} o */
  #item(o) {
    const name = `${o.own ? "This segmentation" : KIND_NAMES[o.kind]}${o.label ? `: ${maskText(o.label)}` : ""}`;
    if (o.error) return el("li", { class: "layer", dataset: { kind: o.kind } }, el("strong", {}, name), el("p", { class: "layer-error" }, maskText(o.error)));
    const segments = o.kind === "SEG" && o.segments ? o.segments : [];
    const rois = o.kind === "RTSTRUCT" && o.rois ? o.rois : [];
    const notes = (o.errors || []).map((e) => el("p", { class: "layer-error" }, maskText(e)));
    return el("li", { class: "layer", dataset: { kind: o.kind, entry: String(o.entry) } },
      o.kind === "PR" ? this.#state(o, name) : el("strong", {}, name),
      segments.length ? el("ul", { class: "segments" }, segments.map((s) => this.#segment(o, s))) : null,
      rois.length ? el("ul", { class: "segments" }, rois.map((r) => this.#roi(o, r))) : null,
      o.kind === "SR" ? el("button", { type: "button", class: "button", on: { click: () => this.onReport(o) } }, "Open the report") : null,
      ...notes);
  }

  /** A presentation state: shown or not, and its window applied or not. @param {RelatedObject} o @param {string} name */
  #state(o, name) {
    const shown = el("input", { type: "checkbox", checked: this.shownStates.has(o.entry), dataset: { state: String(o.entry) } });
    shown.addEventListener("change", () => {
      if (shown.checked) this.shownStates.add(o.entry);
      else this.shownStates.delete(o.entry);
      this.onChange();
    });
    const window = (o.windows || [])[0];
    const useWindow = el("input", { type: "checkbox", checked: this.windowOf === o.entry, dataset: { window: String(o.entry) } });
    useWindow.addEventListener("change", () => {
      this.windowOf = useWindow.checked ? o.entry : null;
      this.onWindow(useWindow.checked && window ? { center: window.center, width: window.width } : null);
      this.render();
    });
    const turn = o.transform && (o.transform.rotation || o.transform.flip) ? o.transform : null;
    const useTurn = el("input", { type: "checkbox", checked: this.turnOf === o.entry, dataset: { turn: String(o.entry) } });
    useTurn.addEventListener("change", () => {
      this.turnOf = useTurn.checked ? o.entry : null;
      this.onTurn(useTurn.checked ? turn : null);
      this.render();
    });
    const turned = turn ? [turn.rotation ? `rotated ${turn.rotation}°` : "", turn.flip ? "flipped" : ""].filter(Boolean).join(", ") : "";
    return el("div", { class: "state" },
      el("label", { class: "state-name" }, shown, el("strong", {}, name)),
      o.description ? el("p", { class: "muted segment-type" }, maskText(o.description)) : null,
      window ? el("label", { class: "state-window" }, useWindow, ` Use its window (C ${window.center}, W ${window.width})`) : null,
      turn ? el("label", { class: "state-window" }, useTurn, ` Show it ${turned}`) : null);
  }

  /** An RT ROI with its colour and toggle.
   * @param {RelatedObject} o @param {{number: number, name: string, colour: number[], type: string, contours: number, drawn: number}} r */
  #roi(o, r) {
    const shown = this.shownRois.get(o.entry) || new Set();
    this.shownRois.set(o.entry, shown);
    return toggleRow(shown, r.number, { roi: String(r.number) }, r.colour, maskText(r.name) || `ROI ${r.number}`, r.type,
      `${r.drawn} of ${r.contours} contours on loaded images`, () => this.onChange());
  }

  /** A segment with its colour, category and type, and toggle. @param {RelatedObject} o @param {SegSegment} s */
  #segment(o, s) {
    const shown = this.shownSegments.get(o.entry) || new Set();
    this.shownSegments.set(o.entry, shown);
    return toggleRow(shown, s.number, { segment: String(s.number) }, s.colour, `${s.number}. ${maskText(s.label) || "(no label)"}`,
      [s.category, s.type].filter(Boolean).join(" › "),
      [maskText(s.description), s.algorithm_type && `${s.algorithm_type} segmentation`].filter(Boolean).join(" · "),
      () => this.#draw());
  }

  /** @param {boolean} open */
  #setPanel(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-pressed", String(open));
  }

  /** @param {number} segEntry @param {number} entry @param {number} frame @returns {Promise<FrameMasks>} */
  #masks(segEntry, entry, frame) {
    const key = `${segEntry}:${entry}:${frame}`;
    let masks = this.masks.get(key);
    if (!masks) {
      masks = this.client.segMasks(segEntry, entry, frame).then(({ meta, pixels }) => {
        const bytes = new Uint8Array(pixels);
        this.maskBytes += bytes.byteLength;
        for (const [oldKey, old] of this.masks) {  // oldest first out
          if (this.maskBytes <= MASK_BUDGET || oldKey === key) break;
          this.masks.delete(oldKey);
          old.then((m) => { this.maskBytes -= m.bytes.byteLength; });
        }
        return { segments: meta.segments || [], rows: meta.rows || 0, columns: meta.columns || 0, bytes, error: meta.error };
      });
      this.masks.set(key, masks);
      masks.catch(() => this.masks.delete(key));
    }
    return masks;
  }

  /** Paint the shown segments of the current frame (nothing shown: the canvas hidden). */
  async #draw() {
    const at = this.current;
    const shown = this.segmentations;
    if (!at || !shown.length) {
      this.canvas.hidden = true;
      this.canvas.dataset.segments = "0";
      return;
    }
    const all = await Promise.all(shown.map((o) => this.#masks(o.entry, at.entry, at.frame).then((m) => ({ o, m }))
      .catch((error) => ({ o, m: /** @type {FrameMasks} */ ({ segments: [], rows: 0, columns: 0, bytes: new Uint8Array(0), error: String(error) }) }))));
    if (this.current !== at) return;  // another frame since
    const usable = all.filter(({ m }) => !m.error && m.rows && m.columns);
    const { rows, columns } = usable.length ? usable[0].m : { rows: 1, columns: 1 };
    const image = this.context.createImageData(columns, rows);
    const pixels = new Uint32Array(image.data.buffer);  // a pixel's RGBA in one store: half the time of four
    let drawn = 0;
    for (const { o, m } of usable) {
      if (m.rows !== rows || m.columns !== columns) continue;
      const on = this.shownSegments.get(o.entry) || new Set();
      const colours = new Map((o.segments || []).map((s) => [s.number, s.colour]));
      const size = rows * columns;
      const packed = Math.ceil(size / 8);  // a mask is one bit a pixel, least significant first
      m.segments.forEach((number, k) => {
        if (!on.has(number)) return;
        const [r, g, b] = colours.get(number) || [255, 255, 0];
        const colour = new Uint32Array(Uint8ClampedArray.of(r, g, b, 255).buffer)[0];  // in the platform's byte order
        const mask = m.bytes.subarray(k * packed, (k + 1) * packed);
        for (let i = 0; i < packed; i++) {
          let bits = mask[i];
          for (let p = i * 8; bits; p++, bits >>= 1) if (bits & 1 && p < size) pixels[p] = colour;
        }
        drawn++;
      });
    }
    if (this.canvas.width !== columns || this.canvas.height !== rows) {
      this.canvas.width = columns;
      this.canvas.height = rows;
    }
    this.context.putImageData(image, 0, 0);
    this.canvas.hidden = drawn === 0;
    this.canvas.dataset.segments = String(drawn);
    this.canvas.dataset.frame = `${at.entry}:${at.frame}`;
    const errors = all.filter(({ m }) => m.error).map(({ o, m }) => `${KIND_NAMES[o.kind]} not drawn: ${m.error}`);
    this.panel.querySelector(".layers-note")?.remove();
    if (errors.length) this.panel.append(el("p", { class: "layers-note" }, errors.map((e) => maskText(e)).join(" ")));
  }
}

/**
 * One row of a layer's list (a segment, an ROI): its toggle, which adds `number` to or removes it
 * from `shown` and calls `changed`, its colour, its label and a muted line under it.
 * @param {Set<number>} shown @param {number} number @param {Record<string, string>} data the checkbox's data attributes
 * @param {number[]} colour sRGB @param {string} label @param {string} detail @param {string} title
 * @param {() => void} changed
 */
function toggleRow(shown, number, data, colour, label, detail, title, changed) {
  const box = el("input", { type: "checkbox", checked: shown.has(number), dataset: data });
  box.addEventListener("change", () => {
    if (box.checked) shown.add(number);
    else shown.delete(number);
    changed();
  });
  const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
  swatch.style.background = `rgb(${colour.join(", ")})`;  // CSSOM: the CSP allows no style attributes
  return el("li", { class: "segment" }, el("label", { title: title || null },
    box, swatch, el("span", { class: "segment-label" }, label),
    detail ? el("span", { class: "muted segment-type" }, detail) : null));
}
