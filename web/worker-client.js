// The one message layer between the page and the Python workers.
//
// Reading DICOM headers is pure Python, which runs about half as fast in
// WebAssembly as in CPython. So the page runs one worker per core (at most
// MAX_WORKERS): every worker mounts the same picks and indexes its own run of
// consecutive entries; when all are done, worker 0 merges the others' records and builds
// the summary. Events: boot, ready (worker 0's stand for all), progress
// (summed over the workers), summary, error, fatal.

const MAX_WORKERS = 4;

export class WorkerClient extends EventTarget {
  #workers;
  #progress;
  #records = null;
  #run = 0;
  #replies = new Map();
  #nextRequest = 0;
  #indexing = null;  // {promise, resolve}: from open() until worker 0's summary of everything opened

  constructor(url, count = Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), MAX_WORKERS)) {
    super();
    this.#workers = Array.from({ length: count }, (_, index) => this.#start(url, index));
    this.#progress = new Array(count).fill(null);
  }

  get workerCount() {
    return this.#workers.length;
  }

  /** items: [{path, file}] — a pick of zips, files or a folder. */
  open(items) {
    this.#indexing ??= deferred();
    this.#run++;
    this.#progress.fill(null);
    this.#workers.forEach((worker, shard) =>
      worker.postMessage({ op: "open", items, shard, shards: this.#workers.length, run: this.#run }));
  }

  /** Whether files are still being indexed, or merged into worker 0's index. */
  get indexing() {
    return this.#indexing !== null;
  }

  /**
   * Resolves when everything opened is indexed and merged: only then does worker 0 hold
   * every record (a request before sees part of the files). Also on an error, which may mean
   * that no summary comes.
   */
  indexed() {
    return this.#indexing ? this.#indexing.promise : Promise.resolve();
  }

  /** Ask worker 0 (which holds the merged index) for the viewer: series, render, probe. */
  request(name, ...args) {
    return this.requestOn(0, name, ...args);
  }

  /**
   * Ask worker `index` (0 … workerCount - 1). Every worker holds every picked entry, so any
   * can read any file; only worker 0 holds the merged records. The privacy review runs a
   * part on each worker this way (review.js).
   */
  requestOn(index, name, ...args) {
    const id = ++this.#nextRequest;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#workers[index].postMessage({ op: "request", id, name, args });
    });
  }

  cancel() {
    this.#post({ op: "cancel" });
  }

  reset() {
    this.#run++;
    this.#progress.fill(null);
    this.#post({ op: "reset" });
  }

  #post(message) {
    for (const worker of this.#workers) worker.postMessage(message);
  }

  #start(url, index) {
    const worker = new Worker(url, { type: "module" });
    worker.onmessage = (event) => this.#receive(index, event.data);
    worker.onerror = (event) => this.#emit("fatal", { message: event.message || "a Python worker failed to start" });
    return worker;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
    if (["summary", "error", "fatal"].includes(type) && this.#indexing) {
      this.#indexing.resolve();
      this.#indexing = null;
    }
  }

  #receive(index, message) {
    switch (message.type) {
      case "ready":
        // the renderer gets its image codecs now, not on the first click on a series
        if (index === 0) this.#workers[0].postMessage({ op: "prepare" });
        if (index === 0) this.#emit(message.type, message);
        break;
      case "boot":
      case "summary":
        if (index === 0) this.#emit(message.type, message);
        break;
      case "progress":
        if (message.run === this.#run) {
          this.#progress[index] = message.progress;
          this.#progressChanged();
        }
        break;
      case "reply": {
        const waiting = this.#replies.get(message.id);
        this.#replies.delete(message.id);
        if (message.error) waiting.reject(new Error(message.error));
        else waiting.resolve(message.result);
        break;
      }
      case "records":
        this.#records[index] = message.records;
        this.#mergeWhenComplete();
        break;
      default:  // error, fatal
        this.#emit(message.type, message);
    }
  }

  #progressChanged() {
    const parts = this.#progress.filter(Boolean);
    const sum = (key) => parts.reduce((total, p) => total + p[key], 0);
    const elapsed = Math.max(0, ...parts.map((p) => p.elapsed));
    const done = sum("done");
    const rate = elapsed > 0 ? done / elapsed : 0;
    const finished = parts.length === this.#workers.length && parts.every((p) => p.finished);
    this.#emit("progress", { progress: {
      done, total: sum("total"), bytes_done: sum("bytes_done"), bytes_total: sum("bytes_total"),
      elapsed, files_per_second: rate, eta_seconds: rate > 0 ? (sum("total") - done) / rate : 0,
      finished, cancelled: parts.some((p) => p.cancelled),
    } });
    if (finished) this.#collect();
  }

  // Worker 0 keeps its own records; the others hand theirs over for the merge.
  #collect() {
    this.#records = new Array(this.#workers.length).fill(null);
    this.#records[0] = "own";
    this.#workers.slice(1).forEach((worker) => worker.postMessage({ op: "take" }));
    this.#mergeWhenComplete();
  }

  #mergeWhenComplete() {
    if (this.#records.some((records) => records === null)) return;
    this.#workers[0].postMessage({ op: "merge", records: this.#records.slice(1) });
  }
}

function deferred() {
  let resolve;
  const promise = new Promise((done) => { resolve = done; });
  return { promise, resolve };
}
