// The one message layer between the page and the Python worker.
// Events: boot, ready, progress, summary, error, fatal (detail = the message).

export class WorkerClient extends EventTarget {
  constructor(url) {
    super();
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (event) => {
      this.dispatchEvent(new CustomEvent(event.data.type, { detail: event.data }));
    };
    this.worker.onerror = (event) => {
      this.dispatchEvent(new CustomEvent("fatal", { detail: { message: event.message || "the worker failed to start" } }));
    };
  }

  /** items: [{path, file}] — a pick of zips, files or a folder. */
  open(items) {
    this.worker.postMessage({ op: "open", items });
  }

  cancel() {
    this.worker.postMessage({ op: "cancel" });
  }

  reset() {
    this.worker.postMessage({ op: "reset" });
  }
}
