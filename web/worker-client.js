// @ts-check
// The one message layer between the page and the Python workers: the views call its typed
// functions and listen to its events; only this file and worker.js post messages, with the
// names of protocol.js.
//
// Reading DICOM headers is pure Python, which runs about half as fast in
// WebAssembly as in CPython. So the page runs one worker per core (at most
// MAX_WORKERS): worker 0 starts with the page, the others with the first pick (each Pyodide
// costs start-up time and about 100 MB, which an idle page need not pay; on later visits they
// start from worker 0's memory snapshot, see worker.js). Every worker mounts the same picks and indexes its own run of
// consecutive entries; when all are done, worker 0 merges the others' records and builds
// the summary. The privacy review is sharded the same way (privacyReview), and so are the
// de-identified copy and its review (makeCopy). Events (see
// ClientEvents in protocol.js): boot, ready (worker 0's stand for all), progress (summed
// over the workers), summary, error, fatal.
import { COPY_FILE, EVENT, OP, REQUEST, copyPartFile } from "./protocol.js";
import { OCR_ENGINE, OcrPool } from "./ocr.js";

/** @typedef {import("./protocol.js").ClientEvents} ClientEvents */
/** @typedef {import("./protocol.js").FromWorker} FromWorker */
/** @typedef {import("./protocol.js").PickedItem} PickedItem */
/** @typedef {import("./protocol.js").Progress} Progress */
/** @typedef {import("./protocol.js").Records} Records */
/** @typedef {import("./protocol.js").RenderWindow} RenderWindow */
/** @typedef {import("./protocol.js").RoiShape} RoiShape */
/** @typedef {import("./protocol.js").Requests} Requests */
/** @typedef {import("./protocol.js").RequestName} RequestName */
/** @typedef {import("./protocol.js").PartProgress} PartProgress */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./protocol.js").ReviewIdentity} ReviewIdentity */
/** @typedef {import("./protocol.js").ReviewPlan} ReviewPlan */
/** @typedef {import("./protocol.js").ReviewProgress} ReviewProgress */
/** @typedef {import("./protocol.js").ReviewState} ReviewState */
/** @typedef {import("./protocol.js").ToWorker} ToWorker */
/** @typedef {import("./protocol.js").OcrProgress} OcrProgress */
/** @typedef {import("./protocol.js").OcrState} OcrState */
/** @typedef {import("./protocol.js").CopyReport} CopyReport */
/**
 * What the de-identified copy is made with (the command line's deidentify: --option names, --salt,
 * the --pseudonym-map's CSV, --keep-non-dicom, each --box as "SERIES_INSTANCE_UID:X,Y,W,H"; `ocr`
 * false: --no-ocr).
 * @typedef {{options: string[], salt: string, pseudonyms: string, keepNonDicom: boolean, boxes?: string[],
 *   ocr?: boolean}} CopySettings */
/** Where the copy is: "reading" the text in the pixels (`images` read of about `imagesTotal`), then
 * "writing" (files gone through of all, bytes written, the rate and the time left), then "reviewing".
 * @typedef {{stage: "reading" | "writing" | "reviewing", files: number, total: number, bytes: number, elapsed: number,
 *   files_per_second: number, eta_seconds: number, images?: number, imagesTotal?: number}} CopyStatus */
/** The finished copy: what was done (counts), its review, and the file to save: the parts' files (in the
 * origin-private file system until discardCopy()), with the slices of the picked zips they refer to in
 * their places, and the central directory, one after the other.
 * @typedef {{report: CopyReport, review: Review, file: File}} Copy */
/** @typedef {import("./protocol.js").CopyPiece} CopyPiece */
/** @typedef {import("./protocol.js").CopySegment} CopySegment */

const MAX_WORKERS = 4;
const REVIEW_STEP_SECONDS = 0.1;  // a part's review runs in steps this long: progress, and a prompt Cancel
const MAX_OCR_WORKERS = 2;  // tesseract.js workers: each holds its model (~100 MB) while a review reads
const COPY_STEP_SECONDS = 0.2;  // a part of the copy is written in steps this long: progress, and a prompt Cancel
const COPY_NAME = "deidentified-copy.zip";
/** The requests a part of a review is run with: the pick's (review_*), or the copy's (deid_*).
 * @typedef {{start: "review_start" | "deid_review_part", step: "review_step" | "deid_step",
 *   state: "review_state" | "deid_state"}} PartRequests */
/** @type {PartRequests} */
const REVIEW_PARTS = { start: REQUEST.review_start, step: REQUEST.review_step, state: REQUEST.review_state };
/** @type {PartRequests} */
const COPY_REVIEW_PARTS = { start: REQUEST.deid_review_part, step: REQUEST.deid_step, state: REQUEST.deid_state };

export class WorkerClient extends EventTarget {
  /** @type {Worker[]} the workers started so far: worker 0, then all of them from the first pick on */
  #workers;
  /** @type {{url: URL, count: number}} worker.js, and how many workers a pick is spread over */
  #plan;
  /** @type {(Progress | null)[]} each worker's latest progress of this run */
  #progress;
  /** @type {(Records | null)[] | null} the records workers 1 … n - 1 handed over for the merge */
  #records = null;
  #run = 0;
  /** @type {Map<number, {resolve: (result: unknown) => void, reject: (error: Error) => void}>} */
  #replies = new Map();
  #nextRequest = 0;
  /** @type {{promise: Promise<void>, resolve: () => void} | null} from open() until worker 0's summary of everything opened */
  #indexing = null;
  /** the run whose files worker 0 is hashing in the background */
  #hashing = -1;
  /** @type {Promise<void>} that hashing, settled when it is done or stopped */
  #hashed = Promise.resolve();
  /** @type {Promise<unknown> | null} the review or copy under way: the background hashing waits for it */
  #reviewing = null;

  /**
   * @param {URL} url worker.js
   * @param {number} [count] workers to run once something is picked (worker 0 starts now)
   */
  constructor(url, count = Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), MAX_WORKERS)) {
    super();
    this.#plan = { url, count };
    this.#workers = [this.#start(url, 0)];
    this.#progress = [null];
  }

  /** The workers started so far: 1 until a pick comes (startAll), then one per core (at most MAX_WORKERS). */
  get workerCount() {
    return this.#workers.length;
  }

  /**
   * Listen to one of the client's events (ClientEvents in protocol.js).
   * @template {keyof ClientEvents} K
   * @param {K} type
   * @param {(detail: ClientEvents[K]) => void} listener
   */
  on(type, listener) {
    this.addEventListener(type, (event) => listener(/** @type {CustomEvent<ClientEvents[K]>} */ (event).detail));
  }

  // --- indexing ---------------------------------------------------------------------------

  /**
   * Start the workers not running yet: a pick is coming (a file dialog opened, files dragged over the
   * page, a pointer or the focus on a picker or the demo). Their start-up, and numpy's loading after
   * it, then runs while the person chooses, not on the pick's indexing: a pick made at "ready" waited
   * about 6 s more for it (2,000 files, two cores). The first pick starts them too; they queue what
   * comes before their Python is ready.
   */
  startAll() {
    while (this.#workers.length < this.#plan.count) this.#workers.push(this.#start(this.#plan.url, this.#workers.length));
  }

  /** @param {PickedItem[]} items a pick of zips, files or a folder */
  open(items) {
    this.#indexing ??= deferred();
    this.#run++;
    this.startAll();
    this.#progress = new Array(this.#workers.length).fill(null);
    this.#workers.forEach((worker, shard) =>
      this.#send(worker, { op: OP.open, items, shard, shards: this.#workers.length, run: this.#run }));
  }

  /** Whether files are still being indexed, or merged into worker 0's index. */
  get indexing() {
    return this.#indexing !== null;
  }

  /**
   * Resolves when everything opened is indexed and merged: only then does worker 0 hold
   * every record (a request before sees part of the files). Also on an error, which may mean
   * that no summary comes.
   * @returns {Promise<void>}
   */
  indexed() {
    return this.#indexing ? this.#indexing.promise : Promise.resolve();
  }

  cancel() {
    this.#broadcast({ op: OP.cancel });
  }

  reset() {
    this.#run++;
    this.#progress.fill(null);
    this.#broadcast({ op: OP.reset });
  }

  // --- the viewer (worker 0, which holds the merged index) ------------------------------

  /** The frames of a series in viewing order, with its warnings.
   * @param {string} studyUid @param {string} seriesUid */
  series(studyUid, seriesUid) {
    return this.#ask(0, REQUEST.series, [studyUid, seriesUid]);
  }

  /** One frame as RGBA pixels (a transferred buffer) with what the overlays need.
   * @param {number} entry @param {number} frame @param {RenderWindow} window */
  render(entry, frame, window) {
    return this.#ask(0, REQUEST.render, [entry, frame, window]);
  }

  /** A series' middle frame as a small PNG (the summary's and the viewer's strip's thumbnails).
   * @param {string} studyUid @param {string} seriesUid */
  thumbnail(studyUid, seriesUid) {
    return this.#ask(0, REQUEST.thumbnail, [studyUid, seriesUid]);
  }

  /** The derived objects loaded that refer to a series (segmentations, RT structures, presentation
   * states, reports): the viewer's layers. @param {string} studyUid @param {string} seriesUid */
  relatedObjects(studyUid, seriesUid) {
    return this.#ask(0, REQUEST.related_objects, [studyUid, seriesUid]);
  }

  /** A segmentation's masks on one frame (a transferred buffer).
   * @param {number} segEntry @param {number} entry @param {number} frame */
  segMasks(segEntry, entry, frame) {
    return this.#ask(0, REQUEST.seg_masks, [segEntry, entry, frame]);
  }

  /** The structured reports of a series as documents, their image references tied to what is loaded.
   * @param {string} studyUid @param {string} seriesUid */
  srDocuments(studyUid, seriesUid) {
    return this.#ask(0, REQUEST.sr_documents, [studyUid, seriesUid]);
  }

  /** The stored and modality value of one pixel.
   * @param {number} entry @param {number} frame @param {number} x @param {number} y */
  probe(entry, frame, x, y) {
    return this.#ask(0, REQUEST.probe, [entry, frame, x, y]);
  }

  /** Mean, SD, min, max and area of a rectangle or ellipse ([x0, y0, x1, y1] in pixels) in modality units.
   * @param {number} entry @param {number} frame @param {RoiShape} shape @param {number[]} box */
  roi(entry, frame, shape, box) {
    return this.#ask(0, REQUEST.roi, [entry, frame, shape, box]);
  }

  // --- the tag browser --------------------------------------------------------------------

  /** Every element of one instance, as a tree. @param {number} entry */
  header(entry) {
    return this.#ask(0, REQUEST.header, [entry]);
  }

  /** One instance's header as a file: DICOM JSON or a dcmdump-style text.
   * @param {number} entry @param {"json" | "dump"} form @param {boolean} masked identifying values masked */
  exportHeader(entry, form, masked) {
    return this.#ask(0, REQUEST.export_header, [entry, form, masked]);
  }

  /** What changes across the instances of a series. @param {string} studyUid @param {string} seriesUid */
  variation(studyUid, seriesUid) {
    return this.#ask(0, REQUEST.variation, [studyUid, seriesUid]);
  }

  /** Chosen elements of every instance of a series, as CSV.
   * @param {string} studyUid @param {string} seriesUid @param {string[]} fields @param {boolean} masked identifying values masked */
  seriesCsv(studyUid, seriesUid, fields, masked) {
    return this.#ask(0, REQUEST.series_csv, [studyUid, seriesUid, fields, masked]);
  }

  /** Two instances' headers side by side. @param {number} first @param {number} second */
  compare(first, second) {
    return this.#ask(0, REQUEST.compare, [first, second]);
  }

  /** Every DICOM file loaded, for choosing what to compare. */
  instances() {
    return this.#ask(0, REQUEST.instances, []);
  }

  /** The elements whose values "Hide patient data" hides (Python's list, asked once). */
  identifyingTags() {
    return this.#ask(0, REQUEST.identifying_tags, []);
  }

  // --- the privacy review -----------------------------------------------------------------

  /**
   * The privacy review, on every worker at once as indexing is (py/dicompeek/privacy/merge.py):
   * worker 0 plans (the identity of all files; one run of files per worker), each worker
   * reviews its run in steps of REVIEW_STEP_SECONDS (every worker holds every picked entry, so
   * any can read any file), runs after one that found an identity nested in a sequence are
   * reviewed again with it, and worker 0 merges the parts in order into the same report a
   * single pass gives. Between steps `onProgress` hears the files done of all parts; when
   * `signal` aborts, no further step is asked for and the result is null (the workers are free
   * for a new review at once; a merge under way finishes unheard).
   * With `ocr`, text burned into the pixels is read at the same time (#readParts).
   * @param {(progress: ReviewProgress) => void} [onProgress]
   * @param {AbortSignal} [signal]
   * @param {{ocr?: boolean}} [options]
   * @returns {Promise<Review | null>}
   */
  privacyReview(onProgress = () => {}, signal, { ocr = false } = {}) {
    const review = this.#review(onProgress, signal, ocr);
    const reviewing = this.#reviewing = review.catch(() => null).finally(() => {
      if (this.#reviewing === reviewing) this.#reviewing = null;
    });
    return review;
  }

  /**
   * @param {(progress: ReviewProgress) => void} onProgress
   * @param {AbortSignal | undefined} signal
   * @param {boolean} ocr
   * @returns {Promise<Review | null>}
   */
  async #review(onProgress, signal, ocr) {
    const stopped = () => Boolean(signal && signal.aborted);
    const plan = await this.#ask(0, REQUEST.review_plan, [this.workerCount]);
    if (stopped()) return null;
    /** @type {ReviewState[]} */
    const states = new Array(plan.parts.length);
    /** @type {OcrState[] | null} */
    const burnedIn = ocr ? new Array(plan.parts.length) : null;
    // the header review's progress and the burned-in text pass's, reported together
    /** @type {ReviewProgress | null} */
    let headers = null;
    /** @type {(OcrProgress | null)[]} */
    const reading = plan.parts.map(() => null);
    const report = () => {
      if (!headers) return;
      if (!burnedIn) return onProgress(headers);
      const images = { files: 0, total: 0, frames: 0 };
      for (const part of reading) {
        if (!part) continue;
        images.files += part.files;
        images.total += part.total;
        images.frames += part.frames;
      }
      const waiting = headers.stage === "reviewing" && headers.files >= headers.total && reading.some((p) => !p || !p.done);
      onProgress({ ...headers, ...(waiting ? { stage: "reading" } : {}), images });
    };
    const all = plan.parts.map((_, number) => /** @type {[number, ReviewIdentity]} */ ([number, plan.identity]));
    const [reviewed, read] = await Promise.all([
      this.#reviewParts(plan, all, states, "reviewing", plan.files, (progress) => { headers = progress; report(); }, stopped),
      burnedIn ? this.#readParts(plan, burnedIn, reading, report, stopped) : Promise.resolve(true),
    ]);
    if (!reviewed || !read) return null;
    const again = plan.parts.length
      ? await this.#ask(0, REQUEST.review_reruns, [plan.identity, states.map((state) => state.found)]) : [];
    if (stopped()) return null;
    if (again.length && !await this.#reviewParts(plan, again, states, "rechecking", 0, onProgress, stopped)) return null;
    onProgress({ stage: "merging", files: plan.files, total: plan.files, parts: plan.parts.length,
      elapsed: 0, files_per_second: 0, eta_seconds: 0 });
    const review = await this.#ask(0, REQUEST.privacy_review, [states, burnedIn]);
    return stopped() ? null : review;
  }

  /**
   * The burned-in text pass (py/dicompeek/privacy/burned_in/reader.py), part n on worker n beside
   * its header review: Python prepares one image at a time (ocr_next: a PGM file), tesseract.js
   * reads it in a worker of its own (ocr.js) and Python judges the words (ocr_take); the next
   * image is prepared while one is read, so at most two are out per part and memory does not
   * grow with the number of frames. The OCR workers start with the first image and stop when
   * the pass ends (their models are large). False when stopped; a failure rejects.
   * @param {ReviewPlan} plan
   * @param {OcrState[]} states filled in part order
   * @param {(OcrProgress | null)[]} reading each part's latest progress
   * @param {() => void} report
   * @param {() => boolean} stopped
   * @returns {Promise<boolean>}
   */
  async #readParts(plan, states, reading, report, stopped) {
    const pool = new OcrPool(Math.min(this.workerCount, MAX_OCR_WORKERS));
    try {
      await Promise.all(plan.parts.map(async (part, number) => {
        const worker = number % this.workerCount;
        reading[number] = await this.#ask(worker, REQUEST.ocr_start, [part, plan.identity, OCR_ENGINE]);
        report();
        let next = this.#ask(worker, REQUEST.ocr_next, []);
        for (;;) {
          const image = await next;
          if (stopped()) return;
          const key = image.meta.key;
          if (key === null) break;
          next = this.#ask(worker, REQUEST.ocr_next, []);  // prepared while this one is read
          const tsv = await pool.recognise(image.pixels);
          if (stopped()) return;
          reading[number] = await this.#ask(worker, REQUEST.ocr_take, [key, tsv]);
          report();
        }
        states[number] = await this.#ask(worker, REQUEST.ocr_state, []);
      }));
    } finally {
      pool.terminate();
    }
    return !stopped();
  }

  /**
   * Review `jobs` ([part number, identity]) step by step, each worker taking the next part when
   * it is done with one (reruns are fewer than the workers and go to whichever is free); fill
   * `states`. (More parts than workers was measured: each part starts with no remembered values,
   * which cost more than the balance gained.)
   * False when stopped before all were done. A failing part stops the others and rejects.
   * @param {ReviewPlan} plan
   * @param {[number, ReviewIdentity][]} jobs
   * @param {ReviewState[]} states
   * @param {"reviewing" | "rechecking"} stage
   * @param {number} expected files in all, until each part has said how many it has
   * @param {(progress: ReviewProgress) => void} onProgress
   * @param {() => boolean} stopped
   * @param {PartRequests} [requests] the pick's review (default), or the copy's
   * @returns {Promise<boolean>}
   */
  async #reviewParts(plan, jobs, states, stage, expected, onProgress, stopped, requests = REVIEW_PARTS) {
    /** @type {(PartProgress | null)[]} */
    const parts = jobs.map(() => null);
    const started = performance.now();
    let failed = false;
    const report = () => {
      const files = parts.reduce((sum, p) => sum + (p ? p.files : 0), 0);
      const total = parts.includes(null) ? Math.max(expected, files)
        : parts.reduce((sum, p) => sum + (p ? p.total : 0), 0);
      const elapsed = (performance.now() - started) / 1000;
      const rate = elapsed > 0 ? files / elapsed : 0;
      onProgress({ stage, files, total, parts: jobs.length, elapsed, files_per_second: rate,
        eta_seconds: rate > 0 && files > 0 ? (total - files) / rate : 0 });
    };
    report();
    let next = 0;
    /** @param {number} worker takes the next part until none is left */
    const work = async (worker) => {
      while (next < jobs.length) {
        const slot = next++;
        const [number, identity] = jobs[slot];
        /** @type {PartProgress} */
        parts[slot] = await this.#ask(worker, requests.start, [plan.parts[number], identity]);
        const done = await this.#stepToEnd(worker, parts[slot], requests.step, REVIEW_STEP_SECONDS,
          (progress) => { parts[slot] = progress; report(); }, () => stopped() || failed);
        if (!done) return;
        states[number] = /** @type {ReviewState} */ (await this.#ask(worker, requests.state, []));
      }
    };
    await Promise.all(this.#workers.map(async (_, worker) => {
      try {
        await work(worker);
      } catch (error) {
        failed = true;
        throw error;
      }
    }));
    return !stopped();
  }

  /**
   * The last review's provenance with every input's SHA-256 (the verdict does not wait for it). The
   * hashing goes on in steps, paused while a review or a copy runs (a copy started now does not wait
   * behind it); what it could not hash, review_provenance hashes itself.
   */
  async reviewProvenance() {
    await this.#hashInBackground(this.#run);
    return this.#ask(0, REQUEST.review_provenance, []);
  }

  /** The last review as a file. @param {"html" | "json" | "csv"} form @param {boolean} masked */
  reviewReport(form, masked) {
    return this.#ask(0, REQUEST.review_report, [form, masked]);
  }

  // --- the de-identified copy (worker 0, which holds every record) ---------------------------

  /** A pseudonym table's CSV as rows [original ID, new name, new ID], read by Python as the command
   * line reads --pseudonym-map (a malformed line rejects, naming it). @param {string} csv */
  pseudonymRows(csv) {
    return this.#ask(0, REQUEST.deid_pseudonyms, [csv]);
  }

  /**
   * What the copy with these settings does to one instance (`record`: its number among the DICOM
   * files, null: the first), per element class, before and after; nothing is written
   * (py/dicompeek/privacy/deidentify/preview.py, the copy's own code).
   * @param {{options: string[], salt: string, pseudonyms: string}} settings
   * @param {number | null} record
   */
  async previewCopy({ options, salt, pseudonyms }, record) {
    await this.indexed();  // worker 0 holds every record only once it has merged them
    return this.#ask(0, REQUEST.deid_preview, [options, salt, pseudonyms, record]);
  }

  /**
   * Make the de-identified copy of everything loaded (py/dicompeek/privacy/deidentify/run.py, the
   * command line's code) on every worker, as the command line does on every core
   * (py/dicompeek/app/worker_copy.py): with Clean Pixel Data or Clean Graphics and `settings.ocr`,
   * worker 0 first has the text burned into the input's pixels read by tesseract.js (#readForCopy), as
   * the command line reads it with Tesseract; then worker 0 cuts the copy into a part per worker
   * (deid_plan), each worker writes its part's zip entries in steps of COPY_STEP_SECONDS to a file of
   * its own in the origin-private file system (copyPartFile(n): from Python's zip writer to disk through
   * a synchronous access handle, so memory does not grow with the copy; #writeParts), worker 0 makes
   * the central directory of all their entries (deid_join), and the copy is a File of the parts' files
   * and that directory (disk-backed: never read into memory), reviewed on every worker (#reviewCopy).
   * Between steps `onProgress` hears the images read, then the files done of all parts; when `signal`
   * aborts, no further step is asked for, every part's file is deleted and the result is null.
   * @param {CopySettings} settings
   * @param {(progress: CopyStatus) => void} [onProgress]
   * @param {AbortSignal} [signal]
   * @returns {Promise<Copy | null>}
   */
  makeCopy(settings, onProgress = () => {}, signal) {
    const copy = this.#copy(settings, onProgress, signal);
    const busy = this.#reviewing = copy.catch(() => null).finally(() => {
      if (this.#reviewing === busy) this.#reviewing = null;
    });
    return copy;
  }

  /**
   * @param {CopySettings} settings
   * @param {(progress: CopyStatus) => void} onProgress
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<Copy | null>}
   */
  async #copy({ options, salt, pseudonyms, keepNonDicom, boxes = [], ocr = true }, onProgress, signal) {
    const stopped = () => Boolean(signal && signal.aborted);
    await this.indexed();  // worker 0 holds every record only once it has merged them
    if (stopped()) return null;
    const started = performance.now();
    /** @param {import("./protocol.js").CopyProgress} p */
    const reading = (p) => {
      if (p.stage === "reading" && p.images) {
        onProgress({ stage: "reading", files: 0, total: p.total, bytes: 0, elapsed: (performance.now() - started) / 1000,
          files_per_second: 0, eta_seconds: 0, images: p.images.images, imagesTotal: p.images.total });
      }
    };
    try {
      const progress = await this.#ask(0, REQUEST.deid_start,
        [options, salt, pseudonyms, keepNonDicom, boxes, ocr ? OCR_ENGINE : null]);
      reading(progress);
      if (progress.stage === "reading" && !await this.#readForCopy(reading, stopped)) {
        await this.discardCopy();
        return null;
      }
      const plan = await this.#ask(0, REQUEST.deid_plan, [this.workerCount]);
      const written = stopped() ? null : await this.#writeParts(plan, [options, salt, keepNonDicom, boxes], onProgress, stopped);
      if (!written) {
        await this.discardCopy();
        return null;
      }
      const { meta: report, pixels: central } = await this.#ask(0, REQUEST.deid_join, [written.map((part) => part.state)]);
      const root = await navigator.storage.getDirectory();
      const parts = await Promise.all(written.map(async ({ pieces }, number) =>
        withPieces(await (await root.getFileHandle(copyPartFile(number))).getFile(), number, pieces)));
      const file = new File([...parts.flatMap((part) => part.blobs), central], COPY_NAME, { type: "application/zip" });
      const layout = [...parts.flatMap((part) => part.segments), { length: central.byteLength }];
      const review = await this.#reviewCopy(file, layout, onProgress, stopped);
      if (!review) {
        await this.discardCopy();
        return null;
      }
      return { report, review, file };
    } catch (error) {
      await this.discardCopy().catch(() => {});  // no half-written copy stays on the disk
      throw error;
    }
  }

  /**
   * Part n of the `plan` written by worker n (each to its own file), in steps; each part's state (for
   * deid_join) and pieces, in part order, or null when stopped. `onProgress` hears the files done of all parts
   * and the time left at the rate so far. A failing part stops the others and rejects.
   * @param {import("./protocol.js").CopyPlan} plan
   * @param {[options: string[], salt: string, keepNonDicom: boolean, boxes: string[]]} settings
   * @param {(progress: CopyStatus) => void} onProgress
   * @param {() => boolean} stopped
   * @returns {Promise<{state: unknown, pieces: CopyPiece[]}[] | null>}
   */
  async #writeParts(plan, settings, onProgress, stopped) {
    /** @type {(import("./protocol.js").CopyProgress | null)[]} */
    const parts = plan.parts.map(() => null);
    /** @type {{state: unknown, pieces: CopyPiece[]}[]} */
    const states = new Array(plan.parts.length);
    const started = performance.now();
    let failed = false;
    const report = () => {
      /** @param {"files" | "total" | "bytes"} key */
      const sum = (key) => parts.reduce((total, p) => total + (p ? p[key] : 0), 0);
      const files = sum("files");
      const total = parts.includes(null) ? Math.max(plan.files, sum("total")) : sum("total");
      const elapsed = (performance.now() - started) / 1000;
      const rate = elapsed > 0 ? files / elapsed : 0;
      onProgress({ stage: "writing", files, total, bytes: sum("bytes"), elapsed, files_per_second: rate,
        eta_seconds: rate > 0 && files > 0 ? (total - files) / rate : 0 });
    };
    report();
    await Promise.all(plan.parts.map(async (part, number) => {
      try {
        parts[number] = await this.#ask(number, REQUEST.deid_part, [number, ...settings, plan.shared, part]);
        const done = await this.#stepToEnd(number, parts[number], REQUEST.deid_step, COPY_STEP_SECONDS,
          (progress) => { parts[number] = progress; report(); }, () => stopped() || failed);
        if (!done) return;
        states[number] = /** @type {{state: unknown, pieces: CopyPiece[]}} */ (await this.#ask(number, REQUEST.deid_state, []));
      } catch (error) {
        failed = true;
        throw error;
      }
    }));
    return stopped() ? null : states;
  }

  /**
   * The privacy review of the finished `copy`, on every worker as the review of a pick is: each worker
   * mounts the copy; worker 0, which has the header of every file written from the parts, indexes
   * only the other entries (the non-DICOM kept) and plans; the parts are reviewed (#reviewParts, with
   * the copy's requests: each file's bytes read from the copy) and rechecked where needed, and worker
   * 0 merges their states. Null when stopped.
   * @param {File} copy
   * @param {CopySegment[]} layout where the copy's bytes come from (the workers read the parts' files directly)
   * @param {(progress: CopyStatus) => void} onProgress
   * @param {() => boolean} stopped
   * @returns {Promise<Review | null>}
   */
  async #reviewCopy(copy, layout, onProgress, stopped) {
    /** @param {{files: number, total: number, elapsed: number, files_per_second: number, eta_seconds: number}} p */
    const reviewing = (p) => onProgress({ stage: "reviewing", files: p.files, total: p.total, bytes: copy.size,
      elapsed: p.elapsed, files_per_second: p.files_per_second, eta_seconds: p.eta_seconds });
    reviewing({ files: 0, total: 0, elapsed: 0, files_per_second: 0, eta_seconds: 0 });
    await Promise.all(this.#workers.map(async (_, number) => {
      const opened = await this.#ask(number, REQUEST.deid_review_open, [copy, layout, number === 0]);
      await this.#stepToEnd(number, opened, REQUEST.deid_step, COPY_STEP_SECONDS, () => {}, stopped);
    }));
    if (stopped()) return null;
    const plan = await this.#ask(0, REQUEST.deid_review_plan, [this.workerCount]);
    /** @type {ReviewState[]} */
    const states = new Array(plan.parts.length);
    const all = plan.parts.map((_, number) => /** @type {[number, ReviewIdentity]} */ ([number, plan.identity]));
    if (!await this.#reviewParts(plan, all, states, "reviewing", plan.files, reviewing, stopped, COPY_REVIEW_PARTS)) {
      return null;
    }
    const again = plan.parts.length
      ? await this.#ask(0, REQUEST.review_reruns, [plan.identity, states.map((state) => state.found)]) : [];
    if (stopped()) return null;
    if (again.length
      && !await this.#reviewParts(plan, again, states, "rechecking", 0, reviewing, stopped, COPY_REVIEW_PARTS)) {
      return null;
    }
    const review = await this.#ask(0, REQUEST.deid_review, [states]);
    return stopped() ? null : review;
  }

  /**
   * The copy's text pass on worker 0 (py/dicompeek/privacy/deidentify/text_pass.py), read as the
   * review's is (#readParts): Python prepares each image (deid_ocr_next: a PGM file), tesseract.js
   * reads it (ocr.js) and Python keeps the words (deid_ocr_take), with as many images out as there
   * are OCR workers plus one being prepared. An answer "none now" waits for an image out to come
   * back (the blanked files are read once every box is known). False when stopped.
   * @param {(p: import("./protocol.js").CopyProgress) => void} report
   * @param {() => boolean} stopped
   * @returns {Promise<boolean>}
   */
  async #readForCopy(report, stopped) {
    const readers = Math.min(this.workerCount, MAX_OCR_WORKERS);
    const pool = new OcrPool(readers);
    /** @type {Set<Promise<void>>} */
    const out = new Set();
    /** @type {unknown} why an image could not be read or taken */
    let failure = null;
    try {
      for (;;) {
        if (failure) throw failure;
        let image = null;
        if (out.size <= readers) {
          image = await this.#ask(0, REQUEST.deid_ocr_next, []);
          if (stopped()) return false;
        }
        if (image && image.meta.key !== null) {
          const key = image.meta.key;
          const read = pool.recognise(image.pixels)
            .then((tsv) => (stopped() ? null : this.#ask(0, REQUEST.deid_ocr_take, [key, tsv])))
            .then((progress) => { if (progress) report(progress); })
            .catch((error) => { failure ??= error; })
            .finally(() => out.delete(read));
          out.add(read);
          continue;
        }
        if (image && image.meta.done && !out.size) return !stopped();
        if (!out.size) throw new Error("the copy's text pass has nothing to read and is not done");
        await Promise.race(out);  // an image came back: more may be ready now
        if (stopped()) return false;
      }
    } finally {
      pool.terminate();
    }
  }

  /** Every series loaded, to draw boxes on its frames for Clean Pixel Data (worker 0, once indexed). */
  async copySeries() {
    await this.indexed();
    return this.#ask(0, REQUEST.deid_series, []);
  }

  /** What the last copy replaced, as CSV (sensitive: original IDs and UIDs). */
  copyMapping() {
    return this.#ask(0, REQUEST.deid_mapping, []);
  }

  /** Delete every file of the copy (a copy under way is dropped first): each worker closes and
   * deletes its part's file, then any other part file left behind (by more workers on another day,
   * or an older page's COPY_FILE) goes too. */
  async discardCopy() {
    await Promise.all(this.#workers.map((_, worker) => this.#ask(worker, REQUEST.deid_cancel, [])));
    const root = /** @type {FileSystemDirectoryHandle & {keys(): AsyncIterable<string>}} */ (
      await navigator.storage.getDirectory());
    const ours = new Set(this.#workers.map((_, number) => copyPartFile(number)));
    for await (const name of root.keys()) {
      if (name.startsWith(COPY_FILE) && !ours.has(name)) await root.removeEntry(name).catch(() => {});
    }
  }

  // --- messages ---------------------------------------------------------------------------

  /**
   * Step worker `worker`'s job, whose latest progress is `progress`, with request `step` (steps of
   * `seconds`) until it says it is done; `onStep` hears each step's progress. False when `halted`
   * first (no further step is asked for).
   * @template {"review_step" | "deid_step"} K
   * @param {number} worker
   * @param {{done: boolean}} progress
   * @param {K} step
   * @param {number} seconds
   * @param {(progress: Requests[K]["reply"]) => void} onStep
   * @param {() => boolean} halted
   * @returns {Promise<boolean>}
   */
  async #stepToEnd(worker, progress, step, seconds, onStep, halted) {
    let done = progress.done;
    while (!done) {
      if (halted()) return false;
      const next = await this.#ask(worker, step, [seconds]);
      onStep(next);
      done = next.done;
    }
    return !halted();
  }

  /**
   * Ask worker `index` (0 … workerCount - 1) to run a request. Only worker 0 holds the merged
   * records; every worker can read every picked entry.
   * @template {RequestName} K
   * @param {number} index
   * @param {K} name
   * @param {Requests[K]["args"]} args
   * @returns {Promise<Requests[K]["reply"]>}
   */
  #ask(index, name, args) {
    const id = ++this.#nextRequest;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve: (result) => resolve(/** @type {Requests[K]["reply"]} */ (result)), reject });
      this.#send(this.#workers[index], { op: OP.request, id, name, args });
    });
  }

  /** @param {Worker} worker @param {ToWorker} message */
  #send(worker, message) {
    worker.postMessage(message);
  }

  /** @param {ToWorker} message */
  #broadcast(message) {
    for (const worker of this.#workers) this.#send(worker, message);
  }

  /** @param {URL} url @param {number} index */
  #start(url, index) {
    const worker = new Worker(url, { type: "module", name: `python-${index}` });
    worker.onmessage = (event) => this.#receive(index, event.data);
    worker.onerror = (event) => this.#emit(EVENT.fatal, { message: event.message || "a Python worker failed to start" });
    return worker;
  }

  /**
   * @template {keyof ClientEvents} K
   * @param {K} type
   * @param {ClientEvents[K]} detail
   */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
    if ((type === EVENT.summary || type === EVENT.error || type === EVENT.fatal) && this.#indexing) {
      this.#indexing.resolve();
      this.#indexing = null;
    }
  }

  /**
   * Worker 0 hashes the picked files (SHA-256, for every report's provenance) a step at a time
   * while a person reads the summary; it pauses while a review or a copy runs (neither waits for
   * the hash, so they should not share worker 0 with it). Stops when the files change.
   * @param {number} run
   * @returns {Promise<void>} settled when the hashing is done or stopped
   */
  #hashInBackground(run) {
    if (this.#hashing !== run) {  // a run can end with more than one summary
      this.#hashing = run;
      this.#hashed = this.#hashSteps(run);
    }
    return this.#hashed;
  }

  /** @param {number} run */
  async #hashSteps(run) {
    try {
      while (run === this.#run && !this.#indexing) {
        if (this.#reviewing) {
          await this.#reviewing;
          continue;
        }
        const { done } = await this.#ask(0, REQUEST.hash_inputs, [0.1]);
        if (done) return;
      }
    } catch {
      // the review hashes what is left itself, and says so if it cannot
    }
  }

  /** @param {number} index @param {FromWorker} message */
  #receive(index, message) {
    switch (message.type) {
      case EVENT.ready:
        // the renderer gets its image codecs now (once numpy is there), not on the first click on a series
        if (index === 0) this.#send(this.#workers[0], { op: OP.prepare });
        if (index === 0) this.#emit(message.type, message);
        break;
      case EVENT.boot:
        if (index === 0) this.#emit(message.type, message);
        break;
      case EVENT.summary:
        if (index === 0) {
          this.#emit(message.type, message);
          this.#hashInBackground(this.#run);
        }
        break;
      case EVENT.progress:
        if (message.run === this.#run) {
          this.#progress[index] = message.progress;
          this.#progressChanged();
        }
        break;
      case EVENT.reply: {
        const waiting = this.#replies.get(message.id);
        this.#replies.delete(message.id);
        if (!waiting) break;
        if ("error" in message) waiting.reject(new Error(message.error));
        else waiting.resolve(message.result);
        break;
      }
      case EVENT.records:
        if (this.#records) this.#records[index - 1] = message.records;
        this.#mergeWhenComplete();
        break;
      default:  // error, fatal
        this.#emit(message.type, message);
    }
  }

  #progressChanged() {
    // each worker knows only its own share of the entries: until all have said, a sum is wrong
    if (this.#progress.includes(null)) return;
    const parts = /** @type {Progress[]} */ (this.#progress);
    /** @param {"done" | "total" | "bytes_done" | "bytes_total"} key */
    const sum = (key) => parts.reduce((total, p) => total + p[key], 0);
    const elapsed = Math.max(0, ...parts.map((p) => p.elapsed));
    const done = sum("done");
    const rate = elapsed > 0 ? done / elapsed : 0;
    const finished = parts.every((p) => p.finished);
    this.#emit(EVENT.progress, { progress: {
      done, total: sum("total"), bytes_done: sum("bytes_done"), bytes_total: sum("bytes_total"),
      elapsed, files_per_second: rate, eta_seconds: rate > 0 ? (sum("total") - done) / rate : 0,
      finished, cancelled: parts.some((p) => p.cancelled),
    } });
    if (finished) this.#collect();
  }

  // Worker 0 keeps its own records; the others hand theirs over for the merge.
  #collect() {
    this.#records = new Array(this.#workers.length - 1).fill(null);
    this.#workers.slice(1).forEach((worker) => this.#send(worker, { op: OP.take }));
    this.#mergeWhenComplete();
  }

  #mergeWhenComplete() {
    const records = (this.#records || []).filter((shard) => shard !== null);
    if (!this.#records || records.length < this.#records.length) return;
    this.#send(this.#workers[0], { op: OP.merge, records });
  }
}

/** @returns {{promise: Promise<void>, resolve: () => void}} */
function deferred() {
  /** @type {() => void} */
  let resolve = () => {};
  /** @type {Promise<void>} */
  const promise = new Promise((done) => { resolve = done; });
  return { promise, resolve };
}

/**
 * A part of the copy as its bytes go: its file, with each piece (a slice of a picked zip: pixel data
 * taken over unread) put after the first `at` bytes of the file that the piece names; and where each
 * of those blobs comes from (the workers read the part file's own through an access handle).
 * @param {File} part @param {number} number the part's @param {CopyPiece[]} pieces
 * @returns {{blobs: Blob[], segments: CopySegment[]}}
 */
function withPieces(part, number, pieces) {
  /** @type {Blob[]} */
  const blobs = [];
  /** @type {CopySegment[]} */
  const segments = [];
  let from = 0;
  for (const { at, blob } of [...pieces, { at: part.size, blob: null }]) {
    blobs.push(part.slice(from, at));
    segments.push({ length: at - from, part: number, from });
    if (blob) {
      blobs.push(blob);
      segments.push({ length: blob.size });
    }
    from = at;
  }
  return { blobs, segments };
}
