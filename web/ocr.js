// @ts-check
// Text burned into the pixels, read in this browser by tesseract.js (Tesseract compiled to
// WebAssembly) for the privacy review. Python decides what to read and prepares each image (an
// 8-bit grey PGM file, dark text on a light background); this module only runs Tesseract on it
// and hands back Tesseract's TSV, which Python judges (py/dicompeek/privacy/burned_in/).
//
// Everything comes from dist/ocr/ (tools/ocr.py copies it there from npm): the tesseract.js
// bundle, its worker script, the Tesseract cores and the English model. Nothing is loaded until
// the first image is read. The settings are those the command line gives Tesseract
// (py/dicompeek/app/ocr_tesseract.py: `--psm 11 --oem 1`), so both read the same words when
// given the same model (Debian's own English model is another one, and misreads more).
//
// The page's Content-Security-Policy holds: the workers are started from their script's URL
// (not a blob: URL), nothing is evaluated from a string, the cores' WebAssembly is compiled
// under 'wasm-unsafe-eval', and the model is fetched from this origin and not cached in IndexedDB
// (the service worker caches it with the rest of the app).
const base = new URL("./ocr/", import.meta.url);

/** The engine the review report names. */
export const OCR_ENGINE = "tesseract.js 7.0.0 (Tesseract LSTM, eng 4.0.0_best_int)";

const LSTM_ONLY = 1;      // tesseract.js OEM.LSTM_ONLY: the LSTM cores and the best_int model
const SPARSE_TEXT = "11"; // PSM.SPARSE_TEXT: as much text as possible, in no particular order

/**
 * A tesseract.js worker, as far as the pool uses it.
 * @typedef {object} TesseractWorker
 * @property {(params: Record<string, string>) => Promise<unknown>} setParameters
 * @property {(image: Uint8Array, options: object, output: Record<string, boolean>)
 *   => Promise<{data: {tsv: string | null}}>} recognize
 * @property {() => Promise<void>} terminate
 */
/** @typedef {{createWorker(langs: string, oem: number, options: object): Promise<TesseractWorker>}} Tesseract */
/** @typedef {{image: Uint8Array, resolve: (tsv: string) => void, reject: (error: Error) => void}} Job */
/** A worker of the pool: starting (no worker yet), free, or reading `job`.
 * @typedef {{worker: TesseractWorker | null, job: Job | null}} Slot */

/** @type {Promise<Tesseract> | null} */
let loading = null;

/** The tesseract.js bundle, imported once, on first use. @returns {Promise<Tesseract>} */
function loadTesseract() {
  loading ??= import(new URL("tesseract.esm.min.js", base).href).then(
    (module) => module.default,
    (error) => { loading = null; throw error; });  // a later call tries again
  return loading;
}

/** @param {unknown} error @returns {Error} */
function asError(error) {
  return error instanceof Error ? error : new Error(`tesseract.js: ${String(error)}`);
}

/** Start one tesseract.js worker, ready to read (model loaded, settings made). @returns {Promise<TesseractWorker>} */
async function startWorker() {
  const Tesseract = await loadTesseract();
  /** @type {(error: unknown) => void} */
  let failed = () => {};
  let starting = true;
  const failure = new Promise((_, reject) => { failed = reject; });
  const worker = await Promise.race([failure, Tesseract.createWorker("eng", LSTM_ONLY, {
    workerPath: new URL("worker.min.js", base).href,
    corePath: new URL("core/", base).href,  // a directory: the worker picks the build this CPU runs
    langPath: new URL("lang", base).href,
    gzip: true,              // lang/eng.traineddata.gz
    cacheMethod: "none",     // no IndexedDB copy of the model: the service worker has it
    workerBlobURL: false,    // new Worker(workerPath): the CSP allows no blob: worker
    logger: () => {},
    // tesseract.js throws a failed job's error from its message handler (an uncaught error in
    // the page) unless this is given; the job's promise is rejected either way. A failure while
    // starting rejects nothing else (createWorker would wait for ever), hence `failure`.
    errorHandler: (/** @type {unknown} */ error) => { if (starting) failed(error); },
  })]).catch((error) => { throw asError(error); }).finally(() => { starting = false; });
  try {
    // debug_file: Tesseract's notes ("Estimating resolution as 335" for every image, as a PGM
    // has no resolution) would otherwise reach the console as errors; they change no result
    await worker.setParameters({ tessedit_pageseg_mode: SPARSE_TEXT, debug_file: "/dev/null" });
  } catch (error) {
    await worker.terminate();
    throw asError(error);
  }
  return worker;
}

/**
 * Up to `size` tesseract.js workers, started when images come and there is none free; each
 * image goes to the first free worker, in the order recognise() was called.
 */
export class OcrPool {
  /** @type {number} */
  #size;
  /** @type {Slot[]} */
  #slots = [];
  /** @type {Job[]} */
  #queue = [];
  /** Why a worker could not start: no other is started until terminate(). @type {Error | null} */
  #failure = null;

  /** @param {number} size workers at most (started lazily on first use) */
  constructor(size) {
    this.#size = Math.max(1, Math.floor(size) || 1);
  }

  /**
   * Words in a PGM image as Tesseract's TSV text (GetTSVText: rows
   * "level\tpage\tblock\tpar\tline\tword\tleft\ttop\twidth\theight\tconf\ttext").
   * @param {ArrayBuffer} pgm
   * @returns {Promise<string>}
   */
  recognise(pgm) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ image: new Uint8Array(pgm), resolve, reject });
      this.#dispatch();
    });
  }

  /** Stop every worker (frees their memory); a later recognise starts them again. Images not yet
   * read are rejected. */
  terminate() {
    const slots = this.#slots;
    const queue = this.#queue;
    this.#slots = [];
    this.#queue = [];
    this.#failure = null;
    const stopped = new Error("OCR stopped");
    for (const slot of slots) {
      slot.job?.reject(stopped);
      // a task later: tesseract.js posts an image a few microtasks after recognize() is called,
      // and would post it to no worker (an unhandled rejection) if terminated before
      const worker = slot.worker;
      if (worker) setTimeout(() => worker.terminate(), 0);
    }
    for (const job of queue) job.reject(stopped);
  }

  /** Give waiting images to free workers; start workers while images wait for one. */
  #dispatch() {
    for (const slot of this.#slots) {
      if (slot.worker && !slot.job && this.#queue.length) this.#read(slot, /** @type {Job} */ (this.#queue.shift()));
    }
    if (this.#failure) {
      if (!this.#slots.length) this.#rejectWaiting(this.#failure);
      return;
    }
    let starting = this.#slots.filter((slot) => !slot.worker).length;
    while (this.#queue.length > starting && this.#slots.length < this.#size) {
      this.#start();
      starting += 1;
    }
  }

  #start() {
    /** @type {Slot} */
    const slot = { worker: null, job: null };
    this.#slots.push(slot);
    startWorker().then((worker) => {
      if (!this.#slots.includes(slot)) {  // terminate() came first
        worker.terminate();
        return;
      }
      slot.worker = worker;
      this.#dispatch();
    }, (error) => {
      if (!this.#slots.includes(slot)) return;
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      this.#failure = asError(error);
      this.#dispatch();  // the workers already started still read; with none, the images fail
    });
  }

  /** @param {Slot} slot @param {Job} job */
  async #read(slot, job) {
    const worker = /** @type {TesseractWorker} */ (slot.worker);
    slot.job = job;
    try {
      const { data } = await worker.recognize(job.image, {}, { text: false, tsv: true });
      job.resolve(data.tsv ?? "");
      slot.job = null;
    } catch (error) {
      job.reject(asError(error));
      // the worker may be broken (an aborted WebAssembly instance): a new one takes its place
      const index = this.#slots.indexOf(slot);
      if (index >= 0) {
        this.#slots.splice(index, 1);
        worker.terminate();
      }
    }
    this.#dispatch();
  }

  /** @param {Error} error */
  #rejectWaiting(error) {
    const queue = this.#queue;
    this.#queue = [];
    for (const job of queue) job.reject(error);
  }
}
