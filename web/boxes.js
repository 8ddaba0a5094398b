// @ts-check
// Text burned into the pixels, where the privacy review's OCR read it: boxes in a frame's pixel
// coordinates (columns × rows). One way to draw them, for the review's thumbnails and the
// viewer alike: an SVG layer whose viewBox is the frame, laid over the image (a thumbnail
// stretches it over its canvas; the viewer sizes it to the zoomed image and moves it with it).
// Each box is outlined in yellow on a black halo (legible on any image), with what was read as
// its tooltip. While "Hide patient data" is on the boxes are filled solid black instead, as
// Clean Pixel Data will blank them, and say only HIDDEN_TITLE: burned-in text is an identifier.
// The boxes of an icon image are in the icon's own small coordinates: never drawn on a frame.

import { svg } from "./dom.js";

/** @typedef {import("./protocol.js").TextBox} TextBox */
/** @typedef {import("./protocol.js").Review} Review */
/** The boxes of one frame of one entry.
 * @typedef {{entry: number, frame: number, boxes: TextBox[]}} FrameBoxes */

const SVG = "http://www.w3.org/2000/svg";
/** A box's tooltip while patient data is hidden. */
export const HIDDEN_TITLE = "text burned in (hidden)";
/** The outline, and the halo under it. */
export const OUTLINE = "#ffe600";
const HALO = "#000000";
/** The category of the review's findings that carry boxes. */
export const BURNED_IN = "burned_in_text";

/** Whether `box` is drawn on its frame: all but an icon image's. @param {TextBox} box */
export function onFrame(box) {
  return !String(box.source || "").startsWith("icon");
}

/** @param {number} entry @param {number} frame */
export function frameKey(entry, frame) {
  return `${entry}:${frame}`;
}

/**
 * The boxes of `boxes` to draw, by frame, in the order their frames first occur.
 * @param {TextBox[]} boxes
 * @returns {FrameBoxes[]}
 */
export function framesOf(boxes) {
  /** @type {Map<string, FrameBoxes>} */
  const frames = new Map();
  for (const box of boxes) {
    if (!onFrame(box)) continue;
    const key = frameKey(box.entry, box.frame);
    let found = frames.get(key);
    if (!found) frames.set(key, found = { entry: box.entry, frame: box.frame, boxes: [] });
    found.boxes.push(box);
  }
  return [...frames.values()];
}

/** Every box of a review's burned-in text findings (none for no review). @param {Review | null | undefined} review */
export function reviewBoxes(review) {
  return ((review && review.findings) || []).flatMap((f) => (f.category === BURNED_IN && f.boxes) || []);
}

/** What a box's tooltip says. @param {TextBox} box @param {boolean} hide */
export function boxTitle(box, hide) {
  return hide ? HIDDEN_TITLE : `Text burned in: ${box.text}`;
}

/** An empty layer to draw boxes on (drawBoxes). @param {string} className @returns {SVGSVGElement} */
export function boxLayer(className) {
  const layer = /** @type {SVGSVGElement} */ (document.createElementNS(SVG, "svg"));
  layer.setAttribute("class", `box-layer ${className}`);
  layer.setAttribute("preserveAspectRatio", "none");
  layer.setAttribute("viewBox", "0 0 1 1");
  return layer;
}

/**
 * Draw `boxes` on `layer` (boxLayer) for a frame of `columns` × `rows` pixels, replacing what
 * it showed: outlined, or filled black without their text when `hide`.
 * @param {SVGSVGElement} layer
 * @param {number} columns
 * @param {number} rows
 * @param {TextBox[]} boxes
 * @param {boolean} hide
 */
export function drawBoxes(layer, columns, rows, boxes, hide) {
  layer.setAttribute("viewBox", `0 0 ${Math.max(columns, 1)} ${Math.max(rows, 1)}`);
  layer.classList.toggle("box-layer-hidden", hide);
  layer.dataset.boxes = String(boxes.length);
  layer.replaceChildren(...boxes.map((box) => {
    const group = svg("g", { class: "text-box" });
    const place = { x: box.x, y: box.y, width: Math.max(box.width, 0), height: Math.max(box.height, 0),
      "vector-effect": "non-scaling-stroke" };
    if (hide) {
      group.append(svg("rect", { ...place, class: "text-box-fill", fill: HALO, stroke: HALO, "stroke-width": 2 }));
    } else {
      group.append(svg("rect", { ...place, class: "text-box-halo", fill: "none", stroke: HALO, "stroke-width": 4 }),
        svg("rect", { ...place, class: "text-box-line", fill: "none", stroke: OUTLINE, "stroke-width": 2 }));
    }
    const title = svg("title", {});
    title.textContent = boxTitle(box, hide);
    group.prepend(title);
    return group;
  }));
}

/** Blank `boxes` on a canvas holding their frame at 1:1 (e.g. a PNG saved while patient data is
 * hidden). @param {CanvasRenderingContext2D} context @param {TextBox[]} boxes */
export function redact(context, boxes) {
  context.fillStyle = HALO;
  for (const box of boxes) context.fillRect(box.x - 1, box.y - 1, box.width + 2, box.height + 2);
}
