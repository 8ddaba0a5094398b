// @ts-check
// Spatial coordinates from a structured report (SCOORD: POINT, MULTIPOINT, POLYLINE, POLYGON,
// CIRCLE, ELLIPSE), drawn on the frame they belong to: an SVG layer whose viewBox is the frame's
// pixels (0,0 the top left corner of the top left pixel, as PS3.3 C.18.6.1.2 places them), laid
// over the image like the text boxes' layer (boxes.js) and moved with it. Cyan on a black halo,
// legible on any image; points as small crosses.

import { boxLayer } from "./boxes.js";
import { svg } from "./dom.js";

/** @typedef {import("./protocol.js").SrGraphic} SrGraphic */

const LINE = "#00e5ff";
const HALO = "#000000";

/** An empty layer (drawGraphics draws on it): the text boxes' kind of layer. @returns {SVGSVGElement} */
export function graphicLayer() {
  const layer = boxLayer("graphic-layer");
  layer.setAttribute("role", "img");
  return layer;
}

/**
 * Draw `graphics` on `layer` for a frame of `columns` × `rows` pixels, replacing what it showed.
 * @param {SVGSVGElement} layer @param {number} columns @param {number} rows @param {SrGraphic[]} graphics
 */
export function drawGraphics(layer, columns, rows, graphics) {
  layer.setAttribute("viewBox", `0 0 ${Math.max(columns, 1)} ${Math.max(rows, 1)}`);
  layer.dataset.graphics = String(graphics.length);
  layer.setAttribute("aria-label", `${graphics.length === 1 ? "1 region" : `${graphics.length} regions`} of the report`);
  layer.replaceChildren(...graphics.map((g) => {
    const group = svg("g", { class: "graphic", "data-graphic": g.graphic });
    for (const [stroke, width] of [[HALO, 4], [LINE, 2]]) {
      const style = { fill: "none", stroke, "stroke-width": width, "vector-effect": "non-scaling-stroke" };
      for (const shape of shapes(g, style)) group.append(shape);
    }
    return group;
  }));
}

/** @param {SrGraphic} g @param {Record<string, string | number>} style @returns {SVGElement[]} */
function shapes(g, style) {
  const points = g.points.filter((p) => p.length >= 2 && p.every(Number.isFinite));
  if (!points.length) return [];
  const list = points.map((p) => `${p[0]},${p[1]}`).join(" ");
  switch (g.graphic) {
    case "POLYLINE": return [svg("polyline", { ...style, points: list })];
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
