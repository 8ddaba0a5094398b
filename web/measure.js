// @ts-check
// The viewer's measurements, as in OHIF, Horos and Weasis: a length in mm and a region of
// interest (ellipse or rectangle) with its mean, SD and area in modality units (HU for CT).
// Drawn on an SVG layer laid over the image in the frame's pixel coordinates (moved and sized
// with the image, like the boxes of burned-in text); each measurement belongs to the frame it was
// drawn on and shows only there. Lengths are computed here from the pixel size Python reports
// (Pixel Spacing, else Imager Pixel Spacing with its note, else pixels); a region's statistics
// come from Python (client.roi), which holds the frame's modality values.

import { svg } from "./dom.js";

/** @typedef {import("./protocol.js").RenderMeta} RenderMeta */
/** @typedef {import("./protocol.js").RoiStats} RoiStats */
/** @typedef {import("./protocol.js").Spacing} Spacing */
/** @typedef {"length" | "ellipse" | "rectangle"} Tool */
/** @typedef {{x: number, y: number}} Point a point in the frame's pixels (0, 0: its top-left corner) */
/** @typedef {{tool: Tool, a: Point, b: Point, text: string, note: string, key: string}} Measurement */

const SVG = "http://www.w3.org/2000/svg";
/** Tool names as the page says them. @type {Record<Tool, string>} */
export const TOOL_NAMES = { length: "Length", ellipse: "Ellipse ROI", rectangle: "Rectangle ROI" };
/** Labels' size on screen, in CSS pixels, whatever the zoom. */
const LABEL_PX = 15;

/**
 * The length from `a` to `b`: in mm with a pixel size (a column step is `column` mm, a row step
 * `row` mm), else in pixels.
 * @param {Point} a @param {Point} b @param {Spacing | null | undefined} spacing
 * @returns {{value: number, unit: "mm" | "px", note: string}}
 */
export function length(a, b, spacing) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (!spacing) return { value: Math.hypot(dx, dy), unit: "px", note: "no pixel spacing in the file: in pixels" };
  return { value: Math.hypot(dx * spacing.column, dy * spacing.row), unit: "mm", note: spacing.note };
}

/** A length as the label shows it. @param {ReturnType<typeof length>} l */
export function lengthText(l) {
  return `${l.value.toFixed(l.unit === "mm" ? 1 : 0)} ${l.unit}`;
}

/** A region's statistics as the label shows it. @param {RoiStats} s */
export function roiText(s) {
  if (s.error) return s.error;
  const unit = s.unit ? ` ${s.unit}` : "";
  const number = (/** @type {number | null | undefined} */ v) => (v === null || v === undefined ? "–" : v.toFixed(1));
  const area = s.area_mm2 !== undefined ? `${s.area_mm2.toFixed(1)} mm²` : `${Math.round(s.area_px || 0)} px²`;
  if (!s.pixels) return `no pixel inside · area ${area}`;
  return `mean ${number(s.mean)}${unit} · SD ${number(s.sd)} · area ${area}`;
}

export class Measurements {
  /**
   * @param {HTMLElement} stage where the layer goes (over the canvas)
   * @param {(tool: Tool | null) => void} onTool told when the tool changes (the toolbar shows it)
   */
  constructor(stage, onTool) {
    this.layer = /** @type {SVGSVGElement} */ (document.createElementNS(SVG, "svg"));
    this.layer.setAttribute("class", "measure-layer");
    this.layer.setAttribute("preserveAspectRatio", "none");
    this.layer.setAttribute("role", "img");
    stage.append(this.layer);
    this.onTool = onTool;
    /** @type {Tool | null} */
    this.tool = null;
    /** @type {Measurement[]} */
    this.items = [];
    /** @type {Measurement | null} the one being drawn */
    this.drawing = null;
    this.key = "";
    this.columns = 1;
    this.rows = 1;
    this.scale = 1;
  }

  /** Turn `tool` on, or off when it is on already (null: off). @param {Tool | null} tool */
  setTool(tool) {
    this.tool = tool && tool !== this.tool ? tool : null;
    this.drawing = null;
    this.draw();
    this.onTool(this.tool);
  }

  /** Forget every measurement (another series). */
  clear() {
    this.items = [];
    this.drawing = null;
    this.draw();
  }

  /** Remove the last measurement of the frame on screen. @returns {boolean} whether there was one */
  removeLast() {
    const index = this.items.map((m) => m.key).lastIndexOf(this.key);
    if (index < 0) return false;
    this.items.splice(index, 1);
    this.draw();
    return true;
  }

  /**
   * The frame on screen (its measurements show) and where the image is.
   * @param {string} key the frame's key (entry:frame) @param {number} columns @param {number} rows
   * @param {number} zoom screen pixels per frame pixel @param {string} place the image's CSS transform
   */
  place(key, columns, rows, zoom, place) {
    const redraw = key !== this.key || columns !== this.columns || rows !== this.rows || zoom !== this.scale;
    Object.assign(this, { key, columns, rows, scale: zoom });
    Object.assign(this.layer.style, { width: `${columns * zoom}px`, height: `${rows * zoom}px`, transform: place });
    this.layer.setAttribute("viewBox", `0 0 ${Math.max(columns, 1)} ${Math.max(rows, 1)}`);
    if (redraw) this.draw();
  }

  /** @param {Point} point */
  begin(point) {
    if (!this.tool) return;
    this.drawing = { tool: this.tool, a: point, b: point, text: "", note: "", key: this.key };
    this.draw();
  }

  /** @param {Point} point @param {Spacing | null | undefined} spacing */
  move(point, spacing) {
    if (!this.drawing) return;
    this.drawing.b = point;
    if (this.drawing.tool === "length") this.drawing.text = lengthText(length(this.drawing.a, point, spacing));
    this.draw();
  }

  /**
   * The drawing is done: a length is labelled at once, a region once `stats` answers.
   * @param {Spacing | null | undefined} spacing
   * @param {(m: Measurement) => Promise<RoiStats>} stats
   * @returns {Promise<Measurement | null>} the measurement, labelled
   */
  async end(spacing, stats) {
    const m = this.drawing;
    this.drawing = null;
    if (!m || (Math.abs(m.b.x - m.a.x) < 0.5 && Math.abs(m.b.y - m.a.y) < 0.5)) {  // a click, not a drag
      this.draw();
      return null;
    }
    this.items.push(m);
    if (m.tool === "length") {
      const l = length(m.a, m.b, spacing);
      Object.assign(m, { text: lengthText(l), note: l.note });
    } else {
      m.text = "…";
      this.draw();
      const s = await stats(m);
      Object.assign(m, { text: roiText(s), note: s.spacing_note || "" });
    }
    this.draw();
    return m;
  }

  /** Draw the measurements of the frame on screen (and the one being drawn). */
  draw() {
    const shown = [...this.items.filter((m) => m.key === this.key), ...(this.drawing ? [this.drawing] : [])];
    this.layer.toggleAttribute("hidden", !shown.length);
    this.layer.setAttribute("aria-label", shown.map((m) => `${TOOL_NAMES[m.tool]}: ${m.text}`).join("; "));
    this.layer.dataset.count = String(this.items.filter((m) => m.key === this.key).length);
    const size = LABEL_PX / (this.scale || 1);
    this.layer.replaceChildren(...shown.map((m) => {
      const group = svg("g", { class: `measure ${m.tool}` });
      const left = Math.min(m.a.x, m.b.x);
      const top = Math.min(m.a.y, m.b.y);
      const width = Math.abs(m.b.x - m.a.x);
      const height = Math.abs(m.b.y - m.a.y);
      const shape = m.tool === "length" ? svg("line", { x1: m.a.x, y1: m.a.y, x2: m.b.x, y2: m.b.y })
        : m.tool === "ellipse" ? svg("ellipse", { cx: left + width / 2, cy: top + height / 2, rx: width / 2, ry: height / 2 })
          : svg("rect", { x: left, y: top, width, height });
      shape.setAttribute("vector-effect", "non-scaling-stroke");
      group.append(shape);
      if (m.text) {
        const anchor = m.tool === "length" ? { x: m.b.x, y: m.b.y } : { x: left, y: top + height };
        const lines = [m.text, ...(m.note ? [m.note] : [])];
        const text = svg("text", { x: anchor.x + size * 0.4, y: anchor.y + size * 1.1, "font-size": size });
        lines.forEach((line, n) => {
          const span = svg("tspan", { x: anchor.x + size * 0.4, dy: n ? size * 1.2 : 0, class: n ? "note" : "" });
          span.textContent = line;
          text.append(span);
        });
        group.append(text);
      }
      return group;
    }));
  }
}
