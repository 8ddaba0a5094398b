// @ts-check
// Graphics drawn on the frame they belong to: a structured report's spatial coordinates (SCOORD:
// POINT, MULTIPOINT, POLYLINE, POLYGON, CIRCLE, ELLIPSE), an RT structure set's contours and a
// presentation state's graphics (also ARROW, filled shapes) and texts. An SVG layer whose viewBox
// is the frame's pixels (0,0 the top left corner of the top left pixel, as PS3.3 C.18.6.1.2 and
// C.10.5.1.1 place them), laid over the image like the text boxes' layer (boxes.js) and moved with
// it. Each in its own colour (a report's in cyan) on a black halo, legible on any image; points as
// small crosses; texts sized with the frame, in their box or at their anchor, with a line to the
// anchor when the presentation state asks for one.

import { boxLayer } from "./boxes.js";
import { svg } from "./dom.js";

/** @typedef {import("./protocol.js").SrGraphic} SrGraphic */
/** @typedef {import("./protocol.js").LayerText} LayerText */

const LINE = "#00e5ff";
const HALO = "#000000";

/** An empty layer (drawGraphics draws on it): the text boxes' kind of layer. @returns {SVGSVGElement} */
export function graphicLayer() {
  const layer = boxLayer("graphic-layer");
  layer.setAttribute("role", "img");
  return layer;
}

/**
 * Draw `graphics` and `texts` on `layer` for a frame of `columns` × `rows` pixels, replacing what it showed.
 * @param {SVGSVGElement} layer @param {number} columns @param {number} rows @param {SrGraphic[]} graphics
 * @param {LayerText[]} [texts]
 */
export function drawGraphics(layer, columns, rows, graphics, texts = []) {
  layer.setAttribute("viewBox", `0 0 ${Math.max(columns, 1)} ${Math.max(rows, 1)}`);
  layer.dataset.graphics = String(graphics.length);
  layer.dataset.texts = String(texts.length);
  const count = graphics.length + texts.length;
  layer.setAttribute("aria-label", `${count === 1 ? "1 drawing" : `${count} drawings`} over the image`);
  const size = Math.max(columns, rows) / 28;  // a text's height: legible at any zoom, as the image is
  layer.replaceChildren(...graphics.map((g) => {
    const group = svg("g", { class: "graphic", "data-graphic": g.graphic });
    if (g.colour) group.dataset.colour = g.colour.join(",");
    if (g.roi !== undefined) group.dataset.roi = String(g.roi);
    const colour = g.colour ? `rgb(${g.colour.join(",")})` : LINE;
    for (const [stroke, width] of [[HALO, 4], [colour, 2]]) {
      const fill = g.filled && stroke !== HALO ? colour : "none";
      const style = { fill, "fill-opacity": 0.35, stroke, "stroke-width": width, "vector-effect": "non-scaling-stroke" };
      for (const shape of shapes(g, style)) group.append(shape);
    }
    return group;
  }), ...texts.map((t) => textGroup(t, size)));
}

/** A presentation state's text: in its box (top left), else at its anchor; a line to the anchor when
 * visible. @param {LayerText} t @param {number} size @returns {SVGElement} */
function textGroup(t, size) {
  const colour = `rgb(${t.colour.join(",")})`;
  const group = svg("g", { class: "graphic-text" });
  const at = t.box ? [t.box[0], t.box[1] + size] : t.anchor ? [t.anchor[0] + size / 2, t.anchor[1] - size / 2] : null;
  if (!at) return group;
  if (t.anchor && t.anchor_visible && t.box) {
    const [x0, y0, x1, y1] = t.box;
    const near = [Math.min(Math.max(t.anchor[0], x0), x1), Math.min(Math.max(t.anchor[1], y0), y1)];
    for (const [stroke, width] of [[HALO, 4], [colour, 2]]) {
      group.append(svg("line", { x1: near[0], y1: near[1], x2: t.anchor[0], y2: t.anchor[1], stroke,
        "stroke-width": width, "vector-effect": "non-scaling-stroke" }));
    }
  }
  const text = svg("text", { x: at[0], y: at[1], fill: colour, "font-size": size, "paint-order": "stroke",
    stroke: HALO, "stroke-width": size / 6, "font-family": "system-ui, sans-serif" });
  text.textContent = t.text;
  group.append(text);
  return group;
}

/** @param {SrGraphic} g @param {Record<string, string | number>} style @returns {SVGElement[]} */
function shapes(g, style) {
  const points = g.points.filter((p) => p.length >= 2 && p.every(Number.isFinite));
  if (!points.length) return [];
  const list = points.map((p) => `${p[0]},${p[1]}`).join(" ");
  switch (g.graphic) {
    case "POLYLINE": return [svg("polyline", { ...style, points: list })];
    case "ARROW": {  // the tip first, then the tail (PS3.3 C.10.5.1.3): a shaft and a head at the tip
      const [[tx, ty], [sx, sy] = [tx, ty]] = points;
      const length = Math.hypot(tx - sx, ty - sy) || 1;
      const head = Math.min(length / 3, 12);
      const [ux, uy] = [(sx - tx) / length, (sy - ty) / length];
      const barb = (/** @type {number} */ sign) => `${tx + head * (ux * 0.87 - sign * uy * 0.5)},${ty + head * (uy * 0.87 + sign * ux * 0.5)}`;
      return [svg("polyline", { ...style, points: `${sx},${sy} ${tx},${ty}` }),
        svg("polyline", { ...style, points: `${barb(1)} ${tx},${ty} ${barb(-1)}` })];
    }
    case "POLYGON": return [svg("polygon", { ...style, points: list })];
    case "CIRCLE": {  // the centre, then a point on the circle
      const [[x, y], [px, py] = [x, y]] = points;
      return [svg("circle", { ...style, cx: x, cy: y, r: Math.hypot(px - x, py - y) })];
    }
    case "ELLIPSE": {  // the major axis' two ends, then the minor axis' two ends
      if (points.length < 4) return [svg("polygon", { ...style, points: list })];
      const [[ax, ay], [bx, by], [cx1, cy1], [dx, dy]] = points;
      const centre = [(ax + bx) / 2, (ay + by) / 2];
      const angle = (Math.atan2(by - ay, bx - ax) * 180) / Math.PI;
      return [svg("ellipse", { ...style, cx: centre[0], cy: centre[1], rx: Math.hypot(bx - ax, by - ay) / 2,
        ry: Math.hypot(dx - cx1, dy - cy1) / 2, transform: `rotate(${angle} ${centre[0]} ${centre[1]})` })];
    }
    default:  // POINT, MULTIPOINT: a cross each, a few pixels across at any zoom
      return points.map(([x, y]) => svg("path", { ...style, d: `M${x - 3},${y} h6 M${x},${y - 3} v6` }));
  }
}
