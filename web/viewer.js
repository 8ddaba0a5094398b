// @ts-check
// The image viewer: frames rendered to RGBA by Python in the worker, painted
// on a canvas. Scroll (wheel, arrows, slider), window/level by dragging,
// zoom and pan, presets and an automatic window (windows.js), invert, cine, corner overlays
// (sized with the viewport), orientation letters, a pixel probe that follows the slice, length
// and ROI measurements (measure.js), the series strip (series-strip.js), full screen, save as
// PNG. The series' warnings have a line of their own under the toolbar. "Hide patient data"
// masks the overlays, the title and the strip (mask.js).
// The text the last privacy review read in the pixels is outlined on whichever frame holds it
// (boxes.js: an SVG layer sized and moved with the image); blacked out while patient data is
// hidden, in a saved PNG too.
import { byId, download, el, setText } from "./dom.js";
import { date } from "./format.js";
import { hidden, maskField, maskText, patientLabelOf } from "./mask.js";
import { boxLayer, drawBoxes, frameKey, framesOf, redact } from "./boxes.js";
import { drawGraphics, graphicLayer } from "./graphics.js";
import { choiceOf, chosenWindow, windowChoices } from "./windows.js";
import { Measurements, TOOL_NAMES } from "./measure.js";
import { SeriesStrip } from "./series-strip.js";
import { Probe } from "./probe.js";
import { Layers } from "./layers.js";

/** @typedef {import("./protocol.js").Frame} Frame */
/** @typedef {import("./protocol.js").RenderMeta} RenderMeta */
/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./boxes.js").TextBox} TextBox */
/** A rendered frame, ready to paint (no image: meta.error says why).
 * @typedef {{meta: RenderMeta, image: ImageData | null}} Shown */
/** What the "frame" event on the viewer's root tells (the tag browser follows it).
 * @typedef {{entry: number, frame: number, studyUid: string, seriesUid: string}} FrameDetail */
/** What the "pick" event on the viewer's root tells: a series picked in the strip (app.js opens it).
 * @typedef {{studyUid: string, seriesUid: string}} PickDetail */
/** @typedef {import("./windows.js").ChosenWindow} ChosenWindow */
/** @typedef {import("./measure.js").Tool} Tool */
const CACHE_BUDGET = 384 * 1024 * 1024;  // bytes of RGBA frames kept for instant scrolling
const PREFETCH = 4;                      // frames decoded ahead of the current one

export class Viewer {
  /** @param {WorkerClient} client */
  constructor(client) {
    this.client = client;
    this.root = byId("viewer");
    this.canvas = byId("viewer-canvas", HTMLCanvasElement);
    this.context = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext("2d"));
    /** @type {Map<string, Shown>} */
    this.cache = new Map();
    this.cacheBytes = 0;
    /** @type {Map<string, Promise<Shown>>} */
    this.inflight = new Map();  // key → promise of a render already asked for (e.g. by prefetch)
    this.opened = 0;            // counts series openings, so late renders of an old one are not cached
    /** @type {string[]} the series' own warnings (geometry, files) */
    this.seriesWarnings = [];
    /** @type {Frame[]} */
    this.frames = [];
    this.index = 0;
    /** @type {string | undefined} */
    this.studyUid = undefined;
    /** @type {string | undefined} */
    this.seriesUid = undefined;
    /** @type {string | undefined} */
    this.modality = undefined;
    this.title = "";          // as given; shown through maskText
    /** @type {ChosenWindow | null} */
    this.window = null;       // {center, width} or {auto} chosen by the person; null = the file's
    this.invert = false;
    /** @type {{rotation: number, flip: boolean}} a presentation state's rotation and flip, when applied */
    this.turn = { rotation: 0, flip: false };
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.fit = true;
    /** @type {RenderMeta | null} */
    this.meta = null;
    /** @type {number | null} */
    this.playing = null;
    /** @type {Promise<Shown> | null} */
    this.pending = null;      // the request in flight
    /** @type {number | null} */
    this.wanted = null;       // the latest frame asked for while one was in flight
    this.probe = new Probe(client, () => {
      const f = this.frames[this.index];
      return f && this.meta && !this.meta.error && !this.root.hidden ? f : null;
    }, (at) => this.#point(at));
    /** @type {Map<string, TextBox[]>} the last review's boxes of burned-in text, by entry and frame */
    this.textBoxes = new Map();
    this.boxLayer = boxLayer("viewer-boxes");
    this.boxLayer.setAttribute("role", "img");
    this.boxLayer.toggleAttribute("hidden", true);
    this.canvas.after(this.boxLayer);
    /** @type {Map<string, import("./protocol.js").SrGraphic[]>} a report's regions, by frame */
    this.graphics = new Map();
    this.graphicLayer = graphicLayer();
    this.graphicLayer.toggleAttribute("hidden", true);
    this.boxLayer.after(this.graphicLayer);
    this.layers = new Layers(client, () => this.#drawBoxes(),
      (window) => this.#setWindow(window), (turn) => this.setTurn(turn), (report) => {
        /** @type {PickDetail} */
        const detail = { studyUid: report.study_uid, seriesUid: report.series_uid };
        this.root.dispatchEvent(new CustomEvent("report", { detail }));
      });
    this.canvas.after(this.layers.canvas);  // over the image, under the outlines
    this.measure = new Measurements(byId("viewer-stage"), (tool) => this.#showTool(tool));
    this.strip = new SeriesStrip(client, (studyUid, seriesUid) => {
      /** @type {PickDetail} */
      const detail = { studyUid, seriesUid };
      this.root.dispatchEvent(new CustomEvent("pick", { detail }));
    });
    this.#bind();
  }

  /**
   * Where the last privacy review read text in the pixels ([] to forget it: new files, a new
   * review): outlined on each frame shown that holds some, now and as frames are shown.
   * @param {TextBox[]} boxes
   */
  setTextBoxes(boxes) {
    this.textBoxes = new Map(framesOf(boxes).map((f) => [frameKey(f.entry, f.frame), f.boxes]));
    this.#drawBoxes();
  }

  /**
   * A structured report's regions (SCOORDs), drawn on each frame shown that has some ([] to
   * forget them: another series opened from the summary).
   * @param {import("./protocol.js").SrGraphic[]} graphics
   */
  setGraphics(graphics) {
    this.graphics = new Map();
    for (const g of graphics) {
      const key = frameKey(g.entry, g.frame);
      this.graphics.set(key, [...(this.graphics.get(key) || []), g]);
    }
    this.#drawBoxes();
  }

  /** The boxes of the frame on screen. @returns {TextBox[]} */
  frameBoxes() {
    const f = this.frames[this.index];
    return (f && this.textBoxes.get(frameKey(f.entry, f.frame))) || [];
  }

  /** @param {string} studyUid @param {string} seriesUid @param {string} title */
  async open(studyUid, seriesUid, title) {
    this.studyUid = studyUid;
    this.seriesUid = seriesUid;
    this.opened++;
    this.inflight.clear();
    for (const key of ["index", "entry", "frame"]) delete this.root.dataset[key];  // set again once the first frame is painted
    this.boxLayer.toggleAttribute("hidden", true);
    this.graphicLayer.toggleAttribute("hidden", true);
    this.root.hidden = false;
    document.body.classList.add("viewing");
    this.#title(title);
    setText("viewer-message", "Loading…");
    this.probe.leave();
    this.measure.clear();
    this.#stop();
    this.cache.clear();
    this.cacheBytes = 0;
    this.window = null;
    this.invert = false;
    this.turn = { rotation: 0, flip: false };
    delete this.root.dataset.turn;
    this.fit = true;
    byId("viewer-invert", HTMLInputElement).checked = false;
    const series = await this.client.series(studyUid, seriesUid);
    this.frames = series.frames;
    this.modality = series.modality;
    this.seriesWarnings = series.warnings;
    this.#warnings([]);
    const slider = byId("viewer-slider", HTMLInputElement);
    slider.max = String(Math.max(this.frames.length - 1, 0));
    slider.hidden = this.frames.length < 2;
    this.#presets(null);
    this.root.dataset.frames = String(this.frames.length);
    this.layers.clear();
    await this.show(0);
    this.strip.show(studyUid, seriesUid);  // after the first image: its thumbnails and layers must not delay it
    this.layers.open(studyUid, seriesUid);  // not awaited: the viewer is usable while they come
  }

  /** Show the title, overlays and warnings again ("Hide patient data" changed). */
  refreshMask() {
    if (this.root.hidden) return;
    this.#title(this.title);
    this.strip.render();
    this.layers.render();
    if (!this.frames.length) return;
    this.#overlays();
    this.#warnings((this.meta && this.meta.warnings) || []);
    if (this.meta && this.meta.error) setText("viewer-message", maskText(this.meta.error));
    this.#drawBoxes();
  }

  close() {
    this.#stop();
    if (document.fullscreenElement === this.root) document.exitFullscreen().catch(() => {});
    this.measure.setTool(null);
    this.measure.clear();
    this.root.hidden = true;
    document.body.classList.remove("viewing");
    // nothing of the series stays on the page (names and dates in the overlays, above all)
    for (const id of ["viewer-title", "viewer-message", "viewer-probe", "viewer-measure", "overlay-tl", "overlay-tr",
      "overlay-bl", "overlay-br"]) {
      byId(id).replaceChildren();
    }
    byId("viewer-warnings").replaceChildren();
    byId("viewer-title").removeAttribute("title");
    this.strip.clear();
    this.boxLayer.replaceChildren();
    this.boxLayer.toggleAttribute("hidden", true);
    this.graphicLayer.replaceChildren();
    this.graphicLayer.toggleAttribute("hidden", true);
    this.layers.clear();
    this.cache.clear();
    this.cacheBytes = 0;
  }

  /**
   * Show frame `index`; while a render is in flight only the latest wish is kept.
   * @param {number} index
   * @returns {Promise<void>}
   */
  async show(index) {
    if (!this.frames.length) {
      setText("viewer-message", "This series has no frames to show.");
      return;
    }
    this.index = Math.min(Math.max(index, 0), this.frames.length - 1);
    byId("viewer-slider", HTMLInputElement).value = String(this.index);
    if (this.pending) {
      this.wanted = this.index;
      return;
    }
    this.pending = this.#frame(this.index);
    const shown = await this.pending;
    this.pending = null;
    this.#paint(shown);
    if (this.wanted !== null) {
      const next = this.wanted;
      this.wanted = null;
      await this.show(next);
    } else {
      this.#prefetch();
    }
  }

  /** @param {number} index */
  #key(index) {
    const f = this.frames[index];
    const w = choiceOf(this.window) || "file";
    return `${f.entry}:${f.frame}:${w}:${this.invert}`;
  }

  /** @param {number} index @returns {Promise<Shown>} */
  async #frame(index) {
    const key = this.#key(index);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);  // most recent last
      this.cache.set(key, cached);
      return cached;
    }
    if (!this.inflight.has(key)) {
      const rendering = this.#render(index, key);
      this.inflight.set(key, rendering);
      rendering.finally(() => {
        if (this.inflight.get(key) === rendering) this.inflight.delete(key);
      }).catch(() => {});
    }
    return /** @type {Promise<Shown>} */ (this.inflight.get(key));
  }

  /** @param {number} index @param {string} key @returns {Promise<Shown>} */
  async #render(index, key) {
    const opened = this.opened;
    const f = this.frames[index];
    const window = { ...(this.window || {}), invert: this.invert };
    const { meta, pixels } = await this.client.render(f.entry, f.frame, window);
    const shown = { meta, image: meta.error ? null : new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows) };
    if (opened !== this.opened) return shown;  // a series opened since: do not cache into it
    this.cache.set(key, shown);
    this.cacheBytes += pixels.byteLength;
    for (const [oldKey, old] of this.cache) {
      if (this.cacheBytes <= CACHE_BUDGET) break;
      this.cache.delete(oldKey);
      this.cacheBytes -= old.image ? old.image.data.byteLength : 0;
    }
    return shown;
  }

  async #prefetch() {
    for (let step = 1; step <= PREFETCH; step++) {
      const index = this.index + step;
      if (index >= this.frames.length || this.pending || this.wanted !== null) return;
      this.layers.prefetch(this.frames[index].entry, this.frames[index].frame);
      if (!this.cache.has(this.#key(index))) await this.#frame(index);
    }
  }

  /** @param {Shown} shown */
  #paint({ meta, image }) {
    this.meta = meta;
    if (!image) {
      this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
      setText("viewer-message", maskText(meta.error) || "Nothing to show.");
    } else {
      setText("viewer-message", "");
      if (this.canvas.width !== image.width || this.canvas.height !== image.height) {
        this.canvas.width = image.width;
        this.canvas.height = image.height;
      }
      this.context.putImageData(image, 0, 0);
      if (this.fit) this.#fit();
    }
    this.#drawBoxes();
    this.#transform();
    this.#overlays();
    this.#warnings(meta.warnings || []);
    this.#presets(meta);
    const f = this.frames[this.index];
    this.layers.show(f.entry, f.frame);
    Object.assign(this.root.dataset, { index: String(this.index), entry: String(f.entry), frame: String(f.frame) });
    this.probe.slice();  // the value under a still pointer is this slice's now
    /** @type {FrameDetail} */
    const detail = { entry: f.entry, frame: f.frame, studyUid: this.studyUid || "", seriesUid: this.seriesUid || "" };
    this.root.dispatchEvent(new CustomEvent("frame", { detail }));
  }

  /**
   * The series' warnings, then those of the frame on screen that the series list lacks
   * (e.g. an invalid Modality LUT ignored for this frame).
   * @param {string[]} frameWarnings
   */
  #warnings(frameWarnings) {
    const shown = [...this.seriesWarnings, ...frameWarnings.filter((w) => !this.seriesWarnings.includes(w))];
    byId("viewer-warnings").replaceChildren(...shown.map((w) => el("li", {}, maskText(w))));
  }

  #overlays() {
    /** @type {Partial<RenderMeta>} */
    const meta = this.meta || {};
    const o = meta.overlay || {};
    const f = this.frames[this.index];
    /** @param {string} id @param {(string | false | undefined | null)[]} lines */
    const corner = (id, lines) => byId(id).replaceChildren(
      ...lines.filter(Boolean).map((line) => el("div", {}, line)));
    const name = o.PatientName && (hidden() ? patientLabelOf(o.PatientName, o.PatientID) : o.PatientName);
    corner("overlay-tl", [name, o.PatientID && `ID ${maskField(o.PatientID)}`, o.StudyDate && maskField(date(o.StudyDate))]);
    corner("overlay-tr", [[o.Modality, o.SeriesNumber && `Series ${o.SeriesNumber}`].filter(Boolean).join(" "),
      maskText(o.SeriesDescription)]);
    corner("overlay-bl", [
      `Image ${this.index + 1} / ${this.frames.length}` + (f && f.frame ? ` (frame ${f.frame + 1})` : ""),
      o.SliceLocation && `Location ${Number(o.SliceLocation).toFixed(2)} mm`,
      o.SliceThickness && `Thickness ${Number(o.SliceThickness).toFixed(2)} mm`,
      o.RepetitionTime && `TR ${o.RepetitionTime} TE ${o.EchoTime ?? "-"}`,
    ]);
    const w = meta.window;
    corner("overlay-br", [w && `W ${Math.round(Number(w.width))} L ${Math.round(Number(w.center))}`, `Zoom ${Math.round(this.zoom * 100)} %`]);
    const letters = turnedLetters(meta.orientation || {}, this.turn);
    for (const edge of /** @type {const} */ (["left", "right", "top", "bottom"])) setText(`orient-${edge}`, letters[edge] || "");
  }

  /** @param {RenderMeta | null} meta */
  #presets(meta) {
    const select = byId("viewer-preset", HTMLSelectElement);
    const key = JSON.stringify([this.modality, meta && meta.windows, meta && meta.grey]);
    if (select.dataset.key !== key) {
      select.dataset.key = key;
      select.replaceChildren(...windowChoices(this.modality, meta).map((c) => el("option", { value: c.value }, c.label)));
    }
    const chosen = choiceOf(this.window);
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
  }

  /** Window/level from the keyboard, as dragging does: Shift+Up/Down the level (down: higher),
   * Shift+Left/Right the width (right: wider), a 32nd of the width a press.
   * @param {string} key */
  #windowByKey(key) {
    const window = this.meta && this.meta.window;
    if (!window || !this.meta || !this.meta.grey) return;
    const center = Number(window.center);
    const width = Number(window.width);
    const step = Math.max(width / 32, 1);
    /** @type {Record<string, [number, number]>} */
    const moves = { ArrowUp: [-step, 0], ArrowDown: [step, 0], ArrowLeft: [0, -step], ArrowRight: [0, step] };
    const [dc, dw] = moves[key] || [0, 0];
    this.#setWindow({ center: center + dc, width: Math.max(1, width + dw) });
  }

  /** @param {ChosenWindow | null} window */
  #setWindow(window) {
    this.window = window;
    this.show(this.index);
  }

  #fit() {
    const stage = byId("viewer-stage");
    // a quarter turn puts the image's height across the stage
    const across = this.turn.rotation % 180 === 90;
    const [width, height] = across ? [this.canvas.height, this.canvas.width] : [this.canvas.width, this.canvas.height];
    const scale = Math.min(stage.clientWidth / width, stage.clientHeight / height);
    this.zoom = Number.isFinite(scale) && scale > 0 ? scale : 1;
    this.pan = { x: 0, y: 0 };
  }

  #transform() {
    const turn = `${this.turn.flip ? " scaleX(-1)" : ""}${this.turn.rotation ? ` rotate(${this.turn.rotation}deg)` : ""}`;
    const place = `translate(-50%, -50%) translate(${this.pan.x}px, ${this.pan.y}px)${turn}`;
    this.canvas.style.transform = `${place} scale(${this.zoom})`;
    this.canvas.style.imageRendering = this.zoom >= 2 ? "pixelated" : "auto";
    Object.assign(this.layers.canvas.style, { transform: this.canvas.style.transform, imageRendering: this.canvas.style.imageRendering });
    // the boxes' layer: the image's size at this zoom (its viewBox maps the frame's pixels onto
    // it, and its outlines stay 2 px wide), centred where the image is
    for (const layer of [this.boxLayer, this.graphicLayer]) {
      Object.assign(layer.style, { width: `${this.canvas.width * this.zoom}px`,
        height: `${this.canvas.height * this.zoom}px`, transform: place });
    }
    const f = this.frames[this.index];
    this.measure.place(f ? frameKey(f.entry, f.frame) : "", this.canvas.width, this.canvas.height, this.zoom, place);
  }

  /** Outline (or, hidden, blank) the text read in the frame on screen, and draw a report's regions
   * on it; no layer without any. */
  #drawBoxes() {
    const frame = this.frames[this.index];
    const layers = frame ? this.layers.drawingsOn(frame.entry, frame.frame) : { graphics: [], texts: [] };
    const graphics = [...((frame && this.graphics.get(frameKey(frame.entry, frame.frame))) || []), ...layers.graphics];
    const drawn = graphics.length + layers.texts.length > 0 && !this.root.hidden && !!this.meta && !this.meta.error;
    this.graphicLayer.toggleAttribute("hidden", !drawn);
    if (drawn) drawGraphics(this.graphicLayer, this.canvas.width, this.canvas.height, graphics, layers.texts);
    const boxes = this.frameBoxes();
    const shown = boxes.length > 0 && !this.root.hidden && !!this.meta && !this.meta.error;
    this.boxLayer.toggleAttribute("hidden", !shown);
    if (!shown) {
      this.boxLayer.replaceChildren();
      return;
    }
    drawBoxes(this.boxLayer, this.canvas.width, this.canvas.height, boxes, hidden());
    this.boxLayer.setAttribute("aria-label", `${boxes.length === 1 ? "1 box" : `${boxes.length} boxes`} of text `
      + `burned into this image${hidden() ? ", blacked out" : ""}`);
  }

  /** @param {number} factor */
  #zoomBy(factor) {
    this.fit = false;
    this.zoom = Math.min(Math.max(this.zoom * factor, 0.05), 40);
    this.#transform();
    this.#overlays();
  }

  #stop() {
    if (this.playing) clearInterval(this.playing);
    this.playing = null;
    setText("viewer-play", "Play");
  }

  #play() {
    if (this.playing) return this.#stop();
    const fps = Number(byId("viewer-fps", HTMLInputElement).value) || (this.meta && this.meta.frame_rate) || 10;
    setText("viewer-play", "Pause");
    this.playing = setInterval(() => {
      if (!this.pending) this.show((this.index + 1) % this.frames.length);
    }, 1000 / fps);
  }

  #save() {
    let canvas = this.canvas;
    const boxes = hidden() && this.meta && !this.meta.error ? this.frameBoxes() : [];
    const segmentation = !this.layers.canvas.hidden;
    if (boxes.length || segmentation) {  // the segments as seen; the text read is an identifier: blanked in the file too
      canvas = el("canvas", { width: this.canvas.width, height: this.canvas.height });
      const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      context.drawImage(this.canvas, 0, 0);
      if (segmentation) {
        context.globalAlpha = Number(this.layers.canvas.style.opacity);
        context.drawImage(this.layers.canvas, 0, 0);
        context.globalAlpha = 1;
      }
      redact(context, boxes);
    }
    canvas.toBlob((blob) => download(/** @type {Blob} */ (blob), `frame-${this.index + 1}.png`), "image/png");
  }

  /** Where a pointer event is on the frame, in its pixels (not rounded). @param {{clientX: number, clientY: number}} at */
  #point(at) {
    const rect = this.canvas.getBoundingClientRect();
    // from the image's centre on screen, the presentation state's rotation and flip undone
    let dx = at.clientX - (rect.left + rect.width / 2);
    const dy = at.clientY - (rect.top + rect.height / 2);
    if (this.turn.flip) dx = -dx;
    const angle = (-this.turn.rotation * Math.PI) / 180;
    const [ux, uy] = [dx * Math.cos(angle) - dy * Math.sin(angle), dx * Math.sin(angle) + dy * Math.cos(angle)];
    return { x: ux / this.zoom + this.canvas.width / 2, y: uy / this.zoom + this.canvas.height / 2 };
  }

  /** Show the image rotated (clockwise, degrees) and then flipped left–right, as a presentation
   * state asks (its Spatial Transformation), or as stored. @param {{rotation: number, flip: boolean} | null} turn */
  setTurn(turn) {
    this.turn = turn ? { rotation: ((turn.rotation % 360) + 360) % 360, flip: turn.flip } : { rotation: 0, flip: false };
    this.root.dataset.turn = `${this.turn.rotation}${this.turn.flip ? " flip" : ""}`;
    if (this.fit) this.#fit();
    this.#transform();
    this.#overlays();
  }

  /** The toolbar and the page say which measuring tool is on. @param {Tool | null} tool */
  #showTool(tool) {
    for (const name of /** @type {Tool[]} */ (["length", "ellipse", "rectangle"])) {
      byId(`viewer-tool-${name}`).setAttribute("aria-pressed", String(tool === name));
    }
    if (tool) this.root.dataset.tool = tool;
    else delete this.root.dataset.tool;
    setText("viewer-measure", tool ? `${TOOL_NAMES[tool]}: drag on the image (Esc: done)` : "");
  }

  /** A measurement was drawn: its statistics (a region's, from Python) and its line in the foot. */
  async #measured() {
    const f = this.frames[this.index];
    const spacing = this.meta && this.meta.spacing;
    const m = await this.measure.end(spacing, (region) => this.client.roi(f.entry, f.frame,
      region.tool === "ellipse" ? "ellipse" : "rectangle", [region.a.x, region.a.y, region.b.x, region.b.y]));
    if (!m) return;
    const foot = byId("viewer-measure");
    foot.textContent = `${TOOL_NAMES[m.tool]}: ${m.text}${m.note ? ` (${m.note})` : ""}`;
    foot.dataset.measured = String(Number(foot.dataset.measured || 0) + 1);  // lets tests wait for it
  }

  /** Full screen on (the viewer alone) or off. */
  #fullScreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else this.root.requestFullscreen().catch(() => {});
  }

  /** @param {string} title */
  #title(title) {
    this.title = title;
    const shown = maskText(title);
    setText("viewer-title", shown);
    byId("viewer-title").title = shown;
  }

  #bind() {
    const $ = byId;
    $("viewer-close").addEventListener("click", () => this.close());
    const slider = $("viewer-slider", HTMLInputElement);
    slider.addEventListener("input", () => this.show(Number(slider.value)));
    const invert = $("viewer-invert", HTMLInputElement);
    invert.addEventListener("change", () => { this.invert = invert.checked; this.show(this.index); });
    const preset = $("viewer-preset", HTMLSelectElement);
    preset.addEventListener("change", () => this.#setWindow(chosenWindow(preset.value)));
    for (const name of /** @type {Tool[]} */ (["length", "ellipse", "rectangle"])) {
      $(`viewer-tool-${name}`).addEventListener("click", () => this.measure.setTool(name));
    }
    $("viewer-fullscreen").addEventListener("click", () => this.#fullScreen());
    document.addEventListener("fullscreenchange", () => {
      $("viewer-fullscreen").setAttribute("aria-pressed", String(document.fullscreenElement === this.root));
    });
    $("viewer-strip-toggle").addEventListener("click", () => {
      const strip = $("viewer-strip");
      strip.hidden = !strip.hidden;
      $("viewer-strip-toggle").setAttribute("aria-pressed", String(!strip.hidden));
    });
    $("viewer-fit").addEventListener("click", () => { this.fit = true; this.#fit(); this.#transform(); this.#overlays(); });
    $("viewer-one").addEventListener("click", () => { this.fit = false; this.zoom = 1; this.pan = { x: 0, y: 0 }; this.#transform(); this.#overlays(); });
    $("viewer-zoom-in").addEventListener("click", () => this.#zoomBy(1.25));
    $("viewer-zoom-out").addEventListener("click", () => this.#zoomBy(0.8));
    $("viewer-reset").addEventListener("click", () => {
      this.fit = true;
      this.invert = false;
      invert.checked = false;
      preset.value = "";
      this.#setWindow(null);
    });
    $("viewer-play").addEventListener("click", () => this.#play());
    $("viewer-save").addEventListener("click", () => this.#save());
    const overlays = $("viewer-overlays", HTMLInputElement);
    overlays.addEventListener("change", () => this.root.classList.toggle("no-overlays", !overlays.checked));

    const stage = $("viewer-stage");
    new ResizeObserver(() => {  // full screen, the strip or the tag panel shown or hidden, a new window size
      if (this.root.hidden || !this.fit || !this.meta || this.meta.error) return;
      this.#fit();
      this.#transform();
      this.#overlays();
    }).observe(stage);
    stage.addEventListener("wheel", (event) => {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) this.#zoomBy(event.deltaY < 0 ? 1.1 : 0.9);
      else this.show(this.index + Math.sign(event.deltaY));
    }, { passive: false });
    /** @type {{x: number, y: number, pan: boolean, center: number, width: number, panStart: {x: number, y: number}} | null} */
    let drag = null;
    stage.addEventListener("contextmenu", (event) => event.preventDefault());
    stage.addEventListener("pointerdown", (event) => {
      stage.setPointerCapture(event.pointerId);
      if (this.measure.tool && event.button === 0 && !event.shiftKey && this.meta && !this.meta.error) {
        this.measure.begin(this.#point(event));
        return;
      }
      const window = this.meta && this.meta.window;
      drag = { x: event.clientX, y: event.clientY, pan: event.button === 2 || event.shiftKey,
        center: window ? Number(window.center) : 0, width: window ? Number(window.width) : 1, panStart: { ...this.pan } };
    });
    stage.addEventListener("pointermove", (event) => {
      if (this.measure.drawing) return this.measure.move(this.#point(event), this.meta && this.meta.spacing);
      if (!drag) return this.probe.at(event);
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (drag.pan) {
        this.fit = false;
        this.pan = { x: drag.panStart.x + dx, y: drag.panStart.y + dy };
        this.#transform();
      } else if (this.meta && this.meta.grey) {
        // like the desktop viewers: right = wider, down = higher level
        const step = Math.max(drag.width / 256, 0.5);
        this.#setWindow({ center: drag.center + dy * step, width: Math.max(1, drag.width + dx * step) });
      }
    });
    stage.addEventListener("pointerup", () => {
      drag = null;
      if (this.measure.drawing) this.#measured();
    });
    stage.addEventListener("pointerleave", () => {
      if (drag || this.measure.drawing) return;
      this.probe.leave();
    });
    // the measuring tools' and full screen's keys, before the viewer's own (Escape ends a tool
    // before it closes the viewer)
    this.root.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.target instanceof HTMLInputElement
        || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement) return;
      /** @type {Record<string, Tool>} */
      const tools = { l: "length", e: "ellipse", r: "rectangle" };
      const key = event.key.toLowerCase();
      if (key in tools) this.measure.setTool(tools[key]);
      else if (key === "f") this.#fullScreen();
      else if (event.key === "Escape" && (this.measure.tool || this.measure.drawing)) this.measure.setTool(null);
      else if ((event.key === "Delete" || event.key === "Backspace") && this.measure.removeLast()) setText("viewer-measure", "");
      else return;
      event.preventDefault();
      event.stopImmediatePropagation();
    }, { capture: true });
    this.root.addEventListener("keydown", (event) => {
      /** @type {Record<string, number>} */
      const keys = { ArrowDown: 1, ArrowRight: 1, PageDown: 10, ArrowUp: -1, ArrowLeft: -1, PageUp: -10 };
      if (event.shiftKey && event.key.startsWith("Arrow")) this.#windowByKey(event.key);
      else if (event.key in keys) this.show(this.index + keys[event.key]);
      else if (event.key === "Home") this.show(0);
      else if (event.key === "End") this.show(this.frames.length - 1);
      else if (event.key === "Escape") this.close();
      else if (event.key === "+" || event.key === "=") this.#zoomBy(1.25);
      else if (event.key === "-") this.#zoomBy(0.8);
      else if (event.key === "i") { invert.click(); }
      else if (event.key === " ") this.#play();
      else return;
      event.preventDefault();
    });
  }
}

/**
 * The orientation letters of the image's edges once it is rotated clockwise by `turn.rotation`
 * (a multiple of 90; others keep the letters as stored) and then flipped left–right.
 * @param {Record<string, string>} letters @param {{rotation: number, flip: boolean}} turn
 * @returns {Record<string, string>}
 */
function turnedLetters(letters, turn) {
  let { left = "", right = "", top = "", bottom = "" } = letters;
  if (turn.rotation % 90 === 0) {
    for (let k = 0; k < turn.rotation / 90; k++) [left, top, right, bottom] = [bottom, left, top, right];
  }
  if (turn.flip) [left, right] = [right, left];
  return { left, right, top, bottom };
}
