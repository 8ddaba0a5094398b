// @ts-check
// The pixel probe: the stored and modality value under the pointer, in the viewer's foot. It
// follows the slice: when the slice changes under a still pointer (wheel, keys, cine) the value
// is asked again, and a probe answered for a slice no longer on screen is asked again for the
// one that is. One request in flight at a time; the latest pointer position wins.
import { byId, setText } from "./dom.js";

/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {{clientX: number, clientY: number}} At a pointer position on the page */
/** @typedef {{entry: number, frame: number}} OnScreen the frame on screen */

export class Probe {
  /**
   * @param {WorkerClient} client
   * @param {() => OnScreen | null} onScreen the frame on screen, null when it cannot be probed
   * @param {(at: At) => {x: number, y: number}} pointOf a pointer position in the frame's pixels
   */
  constructor(client, onScreen, pointOf) {
    this.client = client;
    this.onScreen = onScreen;
    this.pointOf = pointOf;
    this.output = byId("viewer-probe");
    /** @type {At | null} where the pointer is over the image */
    this.pointer = null;
    this.busy = false;
    this.again = false;  // the pointer or the slice changed while a probe was in flight
  }

  /** The pointer moved to `at`. @param {At} at */
  at(at) {
    this.pointer = { clientX: at.clientX, clientY: at.clientY };
    this.#ask();
  }

  /** Another slice is on screen: the value under a still pointer is its own now. */
  slice() {
    if (this.pointer) this.#ask();
  }

  /** The pointer left the image (or another series opens). */
  leave() {
    this.pointer = null;
    setText("viewer-probe", "");
  }

  async #ask() {
    const f = this.onScreen();
    if (!f || !this.pointer) {
      setText("viewer-probe", "");
      return;
    }
    if (this.busy) {
      this.again = true;
      return;
    }
    const { x, y } = this.pointOf(this.pointer);
    this.busy = true;
    this.again = false;
    try {
      const p = await this.client.probe(f.entry, f.frame, Math.floor(x), Math.floor(y));
      const now = this.onScreen();
      if (now && now.entry === f.entry && now.frame === f.frame) {
        this.output.textContent = p.stored === undefined ? "" :
          `x ${p.x} y ${p.y} · stored ${p.stored}` + (p.value !== undefined ? ` · ${p.value} ${p.unit}`.trimEnd() : "");
        Object.assign(this.output.dataset, { entry: String(f.entry), frame: String(f.frame) });
      } else {
        this.again = true;
      }
    } finally {
      this.busy = false;
    }
    if (this.again && this.pointer) this.#ask();
  }
}
