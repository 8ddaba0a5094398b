// @ts-check
// Boxes drawn on a series' frames for Clean Pixel Data, in the copy's panel (deidentify.js): pick a
// series, look at one of its frames (rendered by worker 0 as the viewer renders it), and drag a
// rectangle over the text to blank, with the mouse, a pen or a finger; or type X, Y, W and H (frame
// pixels from the top left) and "Add box". Each box applies to every frame of every instance of its
// series, as the command line's `deidentify --box SERIES_INSTANCE_UID:X,Y,W,H` does (boxArguments()
// gives the same strings, so the page's copy is the command line's).
//
// While "Hide patient data" is on, the frame's pixels are not shown at all (text burned into them is
// an identifier, which is why it is being blanked): the boxes are drawn on a blank frame of the same
// size, and the series' descriptions are masked.
import { byId, el, setText } from "./dom.js";
import { hidden, maskText } from "./mask.js";
import { count } from "./format.js";

/** @typedef {import("./protocol.js").CopySeries} CopySeries */
/** @typedef {import("./protocol.js").Frame} Frame */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** A drawn box, in the pixels of its series' frames. @typedef {{x: number, y: number, width: number, height: number}} Rect */

const SVG = "http://www.w3.org/2000/svg";
/** Boxes smaller than this (in frame pixels, either side) are taken for a click, not a drag. */
const SMALLEST = 2;
/** What a box drawn by dragging is called while it is being drawn. */
const DRAFT = "deid-box-draft";

export class DrawnBoxes {
  /** @param {WorkerClient} client */
  constructor(client) {
    this.client = client;
    /** @type {CopySeries[]} */
    this.series = [];
    /** @type {Map<string, Rect[]>} the boxes by Series Instance UID, in the order drawn */
    this.boxes = new Map();
    /** @type {Frame[]} the frames of the series shown */
    this.frames = [];
    /** the frame shown: columns × rows (0 × 0: none yet) */
    this.size = { columns: 0, rows: 0 };
    /** @type {{entry: number, frame: number, image: ImageBitmap} | null} the frame's pixels, drawn unless hidden */
    this.image = null;
    this.loading = 0;  // which load is the latest: an older one's answer is dropped
    this.surface = byId("deid-boxes-surface");
    this.canvas = byId("deid-boxes-canvas", HTMLCanvasElement);
    this.layer = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId("deid-boxes-layer")));
    byId("deid-boxes-series", HTMLSelectElement).addEventListener("change", () => this.#showSeries().catch(failed));
    byId("deid-boxes-frame", HTMLInputElement).addEventListener("change", () => this.#showFrame().catch(failed));
    byId("deid-boxes-add").addEventListener("click", () => this.#addTyped());
    for (const id of ["deid-box-x", "deid-box-y", "deid-box-w", "deid-box-h", "deid-boxes-frame"]) {
      // Enter adds the box (or shows the frame): it must not submit the form, which starts the copy
      byId(id).addEventListener("keydown", (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        if (id === "deid-boxes-frame") this.#showFrame().catch(failed);
        else this.#addTyped();
      });
    }
    this.#bindDragging();
  }

  /** Load the series of the files loaded (the panel opened). */
  async load() {
    const loading = ++this.loading;
    setText("deid-boxes-status", "Loading the series…");
    try {
      const series = await this.client.copySeries();
      if (loading !== this.loading) return;
      this.series = series;
      const uids = new Set(series.map((s) => s.series_uid));
      for (const uid of [...this.boxes.keys()]) if (!uids.has(uid)) this.boxes.delete(uid);
      this.#renderSeries();
      setText("deid-boxes-status", series.length ? "" : "No series with images to draw on.");
      await this.#showSeries();
    } catch (error) {
      if (loading === this.loading) failed(error);
    }
  }

  /** The files changed: no box of the files before stays. */
  clear() {
    this.loading++;
    this.series = [];
    this.boxes.clear();
    this.frames = [];
    this.size = { columns: 0, rows: 0 };
    this.#dropImage();
    byId("deid-boxes-series").replaceChildren();
    this.#renderList();
    this.#paint();
  }

  /** "Hide patient data" changed: the frame is shown or not, descriptions masked or not. */
  refreshMask() {
    const select = byId("deid-boxes-series", HTMLSelectElement);
    const chosen = select.value;
    this.#renderSeries();
    select.value = chosen;
    this.#renderList();
    this.#paint();
  }

  /** The boxes as the command line's --box takes them: "SERIES_INSTANCE_UID:X,Y,W,H". */
  boxArguments() {
    return [...this.boxes].flatMap(([uid, rects]) =>
      rects.map((r) => `${uid}:${r.x},${r.y},${r.width},${r.height}`));
  }

  /** How many boxes are drawn. */
  get count() {
    return [...this.boxes.values()].reduce((sum, rects) => sum + rects.length, 0);
  }

  // --- the series and the frame shown ---------------------------------------------------------

  /** @param {CopySeries} s */
  #label(s) {
    const description = s.description ? ` · ${maskText(s.description)}` : "";
    const number = s.number === null || s.number === "" ? "" : ` ${s.number}`;
    return `Series${number} · ${s.modality || "?"}${description} (${count(s.files)} files, ${count(s.frames)} frames, ${s.size})`;
  }

  #renderSeries() {
    byId("deid-boxes-series").replaceChildren(...this.series.map((s) => el("option", { value: s.series_uid }, this.#label(s))));
  }

  /** @returns {CopySeries | undefined} */
  #chosen() {
    const uid = byId("deid-boxes-series", HTMLSelectElement).value;
    return this.series.find((s) => s.series_uid === uid);
  }

  async #showSeries() {
    const series = this.#chosen();
    const frameInput = byId("deid-boxes-frame", HTMLInputElement);
    this.frames = [];
    if (!series) return this.#paint();
    const loading = ++this.loading;
    const { frames, error } = await this.client.series(series.study_uid, series.series_uid);
    if (loading !== this.loading) return;
    if (error) setText("deid-boxes-status", `Cannot show this series: ${maskText(error)}`);
    this.frames = frames;
    frameInput.max = String(Math.max(frames.length, 1));
    frameInput.value = "1";
    setText("deid-boxes-frames", `of ${count(frames.length)}`);
    await this.#showFrame();
  }

  async #showFrame() {
    const input = byId("deid-boxes-frame", HTMLInputElement);
    const number = Math.min(Math.max(Math.round(Number(input.value)) || 1, 1), Math.max(this.frames.length, 1));
    input.value = String(number);
    const frame = this.frames[number - 1];
    if (!frame) return this.#paint();
    const loading = ++this.loading;
    try {
      const { meta, pixels } = await this.client.render(frame.entry, frame.frame, {});
      if (loading !== this.loading) return;
      if (meta.error) throw new Error(meta.error);
      const image = await createImageBitmap(new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows));
      if (loading !== this.loading) return image.close();
      this.#dropImage();
      this.image = { entry: frame.entry, frame: frame.frame, image };
      this.size = { columns: meta.columns, rows: meta.rows };
      setText("deid-boxes-status", "");
    } catch (error) {
      if (loading !== this.loading) return;
      this.#dropImage();
      const [columns, rows] = (this.#chosen()?.size || "0×0").split("×").map(Number);
      this.size = { columns: columns || 0, rows: rows || 0 };  // boxes can still be placed on its size
      setText("deid-boxes-status", `This frame cannot be shown here: ${maskText(/** @type {Error} */ (error).message)}`);
    }
    this.#paint();
  }

  #dropImage() {
    if (this.image) this.image.image.close();
    this.image = null;
  }

  /** Draw the frame (or, while patient data is hidden, a blank frame of its size) and the series' boxes. */
  #paint() {
    const { columns, rows } = this.size;
    const series = this.#chosen();
    const shown = columns > 0 && rows > 0 && series;
    this.surface.hidden = !shown;
    this.surface.dataset.hidden = String(hidden());
    if (!shown) return;
    this.canvas.width = columns;
    this.canvas.height = rows;
    const context = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext("2d"));
    context.fillStyle = "#30343b";
    context.fillRect(0, 0, columns, rows);
    // the frame's own pixels may carry burned-in text: never drawn while patient data is hidden
    const showing = Boolean(this.image && !hidden());
    if (this.image && showing) context.drawImage(this.image.image, 0, 0);
    this.surface.dataset.image = showing ? "frame" : "blank";
    this.canvas.setAttribute("aria-label", hidden()
      ? `A blank frame of ${columns} × ${rows} pixels (its pixels are not shown while patient data is hidden)`
      : `Frame ${byId("deid-boxes-frame", HTMLInputElement).value} of the series, ${columns} × ${rows} pixels`);
    this.layer.setAttribute("viewBox", `0 0 ${columns} ${rows}`);
    const rects = this.boxes.get(series.series_uid) || [];
    this.layer.replaceChildren(...rects.map((r, n) => rect(r, "deid-box", `Box ${n + 1}`)));
    this.layer.dataset.boxes = String(rects.length);
  }

  // --- adding and removing boxes --------------------------------------------------------------

  /** @param {Rect} r */
  #add(r) {
    const series = this.#chosen();
    if (!series) return;
    const rects = this.boxes.get(series.series_uid) || [];
    rects.push(r);
    this.boxes.set(series.series_uid, rects);
    this.#renderList();
    this.#paint();
  }

  #addTyped() {
    const [x, y, width, height] = ["deid-box-x", "deid-box-y", "deid-box-w", "deid-box-h"]
      .map((id) => Number(byId(id, HTMLInputElement).value));
    const whole = [x, y, width, height].every((v) => Number.isInteger(v) && v >= 0);
    if (!this.#chosen()) return setText("deid-boxes-status", "Choose a series first.");
    if (!whole || width < 1 || height < 1) {
      setText("deid-boxes-status", "X, Y, W and H are whole numbers of pixels; W and H at least 1.");
      return;
    }
    setText("deid-boxes-status", "");
    this.#add({ x, y, width, height });
  }

  /** @param {string} uid @param {number} index */
  #remove(uid, index) {
    const rects = this.boxes.get(uid) || [];
    rects.splice(index, 1);
    if (!rects.length) this.boxes.delete(uid);
    this.#renderList();
    this.#paint();
    byId("deid-boxes-add").focus();  // the Remove button is gone: focus somewhere that makes sense
  }

  #renderList() {
    const items = [...this.boxes].flatMap(([uid, rects]) => {
      const series = this.series.find((s) => s.series_uid === uid);
      const name = series ? this.#label(series) : "a series no longer loaded";
      return rects.map((r, index) => el("li", { class: "deid-box-item" },
        `${name}: x ${r.x}, y ${r.y}, ${r.width} × ${r.height} pixels `,
        el("button", { type: "button", class: "button subtle", "aria-label": `Remove box ${index + 1} of ${name}`,
          on: { click: () => this.#remove(uid, index) } }, "Remove")));
    });
    byId("deid-boxes-list").replaceChildren(...items);
    setText("deid-boxes-count", items.length ? `${count(items.length)} box${items.length === 1 ? "" : "es"} drawn` : "No boxes drawn");
  }

  // --- drawing by dragging --------------------------------------------------------------------

  #bindDragging() {
    /** @type {{id: number, x: number, y: number} | null} */
    let start = null;
    /** @param {PointerEvent} event the point under the pointer, in frame pixels (clamped to the frame) */
    const at = (event) => {
      const box = this.canvas.getBoundingClientRect();
      const { columns, rows } = this.size;
      const x = ((event.clientX - box.left) / Math.max(box.width, 1)) * columns;
      const y = ((event.clientY - box.top) / Math.max(box.height, 1)) * rows;
      return { x: Math.min(Math.max(x, 0), columns), y: Math.min(Math.max(y, 0), rows) };
    };
    /** @param {{x: number, y: number}} a @param {{x: number, y: number}} b @returns {Rect} */
    const between = (a, b) => {
      const x = Math.floor(Math.min(a.x, b.x));
      const y = Math.floor(Math.min(a.y, b.y));
      return { x, y, width: Math.ceil(Math.max(a.x, b.x)) - x, height: Math.ceil(Math.max(a.y, b.y)) - y };
    };
    const draft = () => this.layer.querySelector(`.${DRAFT}`);
    this.surface.addEventListener("pointerdown", (event) => {
      if (!this.size.columns || event.button > 0) return;
      event.preventDefault();
      this.surface.setPointerCapture(event.pointerId);
      start = { id: event.pointerId, ...at(event) };
    });
    this.surface.addEventListener("pointermove", (event) => {
      if (!start || event.pointerId !== start.id) return;
      draft()?.remove();
      this.layer.append(rect(between(start, at(event)), DRAFT, "The box being drawn"));
    });
    /** @param {PointerEvent} event @param {boolean} keep */
    const end = (event, keep) => {
      if (!start || event.pointerId !== start.id) return;
      const r = between(start, at(event));
      start = null;
      draft()?.remove();
      if (keep && r.width >= SMALLEST && r.height >= SMALLEST) {
        for (const [id, value] of [["deid-box-x", r.x], ["deid-box-y", r.y], ["deid-box-w", r.width], ["deid-box-h", r.height]]) {
          byId(String(id), HTMLInputElement).value = String(value);
        }
        this.#add(r);
      }
    };
    this.surface.addEventListener("pointerup", (event) => end(event, true));
    this.surface.addEventListener("pointercancel", (event) => end(event, false));
  }
}

/** Say why the series or its frame cannot be shown. @param {unknown} error */
function failed(error) {
  setText("deid-boxes-status", `Cannot show the series: ${maskText(error instanceof Error ? error.message : String(error))}`);
}

/** A box on the layer (frame pixels): a black halo under a solid outline, and its name as its tooltip.
 * @param {Rect} r @param {string} className @param {string} title */
function rect(r, className, title) {
  const group = document.createElementNS(SVG, "g");
  group.setAttribute("class", className);
  const place = { x: r.x, y: r.y, width: r.width, height: r.height, "vector-effect": "non-scaling-stroke" };
  for (const [stroke, width] of [["#000000", 4], ["#00e0ff", 2]]) {
    const node = document.createElementNS(SVG, "rect");
    for (const [name, value] of Object.entries({ ...place, fill: "none", stroke, "stroke-width": width })) {
      node.setAttribute(name, String(value));
    }
    group.append(node);
  }
  const tip = document.createElementNS(SVG, "title");
  tip.textContent = title;
  group.prepend(tip);
  return group;
}
