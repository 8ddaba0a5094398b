// @ts-check
// A worker: boots Pyodide, mounts picked files with WORKERFS, and runs the
// dicompeek Python package on its share of the entries (see worker-client.js).
// The messages in and out are those of protocol.js: {op} in (ToWorker), {type} out (FromWorker).
// @ts-ignore -- dist/pyodide/ is node_modules/pyodide, copied by build.py; typed just below
import { loadPyodide as loadPyodideUntyped } from "./pyodide/pyodide.mjs";
import { loadCodecs } from "./codecs.js";
import { CALL, COPY_REQUESTS, EVENT, OP, REQUEST, copyPartFile, protocolMismatch } from "./protocol.js";

/** @typedef {import("pyodide").PyodideInterface} Pyodide */
/** @typedef {import("./protocol.js").Calls} Calls */
/** @typedef {import("./protocol.js").CallName} CallName */
/** @typedef {import("./protocol.js").EntryPoints} EntryPoints */
/** @typedef {import("./protocol.js").FromWorker} FromWorker */
/** @typedef {import("./protocol.js").CopySegment} CopySegment */
/** @typedef {import("./protocol.js").PickedItem} PickedItem */
/** @typedef {import("./protocol.js").RequestOp} RequestOp */
/** @typedef {import("./protocol.js").ToWorker} ToWorker */
/**
 * dicompeek.app.worker_api, as the worker calls it through Pyodide.
 * @typedef {object} PythonApi
 * @property {(name: string, argsJson: Uint8Array) => PyBufferProxy & {destroy(): void}} call
 * @property {(name: string, argsJson: Uint8Array) => {toJs(): [string, Uint8Array], destroy(): void}} call_binary
 * @property {() => string} entry_points
 * @property {() => boolean} import_the_rest
 */
/**
 * This worker's global scope, as far as it is used (the page's modules are typed with the DOM).
 * @typedef {object} WorkerScope
 * @property {((event: MessageEvent<ToWorker>) => void) | null} onmessage
 * @property {(message: FromWorker, transfer?: Transferable[]) => void} postMessage
 * @property {() => number} pythonMemoryBytes
 * @property {() => number} indexedEntries
 * @property {() => boolean} restLoaded
 */
/** @typedef {{pyodide_version: string, pyodide_packages: string[], wheels: string[], app: string, demo: string}} BuildConfig */
/**
 * A synchronous access handle of a file in the origin-private file system (dedicated workers only;
 * not in TypeScript's DOM library).
 * @typedef {object} SyncAccessHandle
 * @property {(buffer: ArrayBufferView, options?: {at?: number}) => number} write
 * @property {(buffer: ArrayBufferView, options?: {at?: number}) => number} read
 * @property {(size: number) => void} truncate
 * @property {() => void} flush
 * @property {() => number} getSize
 * @property {() => void} close
 */
/** @typedef {FileSystemFileHandle & {createSyncAccessHandle(options?: {mode?: "readwrite" | "read-only"}):
 *   Promise<SyncAccessHandle>}} SyncFileHandle */
/** Emscripten's read of a file's stream: `length` bytes at `position` into `buffer` from `offset`.
 * @typedef {(stream: unknown, buffer: Uint8Array, offset: number, length: number, position: number) => number} StreamRead */
/** Python's buffer (a memoryview of the zip's bytes) as a JS call receives it (a PyProxy).
 * @typedef {{getBuffer(type?: string): {data: Uint8Array, release(): void}}} PyBufferProxy */

/** @type {typeof import("pyodide").loadPyodide} */
const loadPyodide = loadPyodideUntyped;
const scope = /** @type {WorkerScope} */ (/** @type {unknown} */ (self));
const base = new URL("./", import.meta.url);
/** @type {ToWorker[]} */
const pending = [];          // messages that arrived before Python was ready
/** @type {PythonApi | null} */
let api = null;              // dicompeek.app.worker_api, once booted
/** @type {Pyodide | null} */
let pyodide = null;
let pickCount = 0;
/** @type {string[]} */
const mounted = [];          // WORKERFS mount points of the picks still indexed
let indexing = false;
let cancelRequested = false;
let run = 0;                 // the page's run number, echoed so that stale progress is ignored
/** @type {Promise<void> | null} */
let codecs = null;           // resolves once the pixel codecs are pydicom plugins
/** @type {Set<string>} */
let decodesPixels = new Set();  // the calls that wait for the codecs: Python says which, at boot
/** @type {Set<string>} */
let binary = new Set();         // the calls that reply with a transferred buffer
/** @type {{handle: SyncAccessHandle, at: number, pieces: import("./protocol.js").CopyPiece[]} | null} this worker's
 * part of the de-identified copy, being written, and the slices of picked files that go between its bytes */
let output = null;
/** @type {string | null} the name of this worker's part file, until deid_cancel deletes it */
let outputName = null;
let outputModule = false;    // whether Python's output module (dicompeek_output) is registered
/** @type {string | null} where the finished copy is mounted for its review */
let copyMount = null;
/** @type {SyncAccessHandle[]} the parts' files, open read-only while the copy is mounted */
let copyHandles = [];
/** @type {Promise<void>} the copy's requests, one after another (they open, mount and delete its file) */
let copying = Promise.resolve();

/** @param {MessageEvent<ToWorker>} event */
scope.onmessage = (event) => {
  const message = event.data;
  if (message.op === OP.cancel) {
    cancelRequested = indexing;
    if (!api) pending.length = 0;
    return;
  }
  if (api) dispatch(message);
  else pending.push(message);
};

// Python's WebAssembly memory in bytes. It never shrinks, so it is the worker's peak;
// the memory test reads it through the worker's global scope.
scope.pythonMemoryBytes = () => {
  const module = /** @type {{_module?: {HEAPU8: Uint8Array}} | null} */ (pyodide);
  return module && module._module ? module._module.HEAPU8.length : 0;
};

// The entries this worker has indexed (its share of the picks): the start-up test reads it to see that
// a pick is spread over every worker.
let indexedEntries = 0;
scope.indexedEntries = () => indexedEntries;

// Whether numpy and Pillow are loaded (loadTheRest): the benches wait for every worker's before
// they pick (bench.settled_page), as a person's pick meets them once the file dialog has started them.
scope.restLoaded = () => restLoaded;

/** @param {FromWorker} message */
function post(message) {
  scope.postMessage(message);
}

/** @param {unknown} error */
function messageOf(error) {
  const message = error && typeof error === "object" && "message" in error ? error.message : null;
  return String(message || error);
}

/** @returns {PythonApi} */
function python() {
  if (!api) throw new Error("Python is not ready");
  return api;
}

/** @returns {Pyodide} */
function runtime() {
  if (!pyodide) throw new Error("Python is not loaded");
  return pyodide;
}

/**
 * One of the worker's own calls (CALL in protocol.js), typed.
 * @template {CallName} K
 * @param {K} name
 * @param {Calls[K]["args"]} args
 * @returns {Calls[K]["reply"]}
 */
function call(name, args) {
  return callJson(name, args);
}

/**
 * Any JSON entry point of dicompeek.app.worker_api; its reply.
 * @param {string} name
 * @param {unknown[]} args
 * @returns {any} the JSON reply, typed by the caller (Calls, Requests)
 */
function callJson(name, args) {
  const reply = python().call(name, jsonBytes(args));
  try {
    const buffer = reply.getBuffer("u8");
    try {
      return JSON.parse(utf8Decoder.decode(buffer.data));
    } finally {
      buffer.release();
    }
  } finally {
    reply.destroy();
  }
}

// JSON crosses to Python and back as UTF-8 bytes, not strings: Pyodide makes a JavaScript string
// from a Python one a character at a time (and the reverse likewise), which for the copy's plan
// (10 MB of JSON) made about 300 MB of short-lived objects in worker 0, and held them while the
// string was in use (dicompeek.app.entry_points.call).
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
/** @param {unknown} args @returns {Uint8Array} */
const jsonBytes = (args) => utf8Encoder.encode(JSON.stringify(args));

/** @type {Record<string, number>} when each boot stage ended (ms since the epoch), for the start-up benchmark */
const marks = {};
/** @param {string} name */
const mark = (name) => { marks[name] = performance.timeOrigin + performance.now(); };

// --- start-up ---------------------------------------------------------------------------------
// "Python ready" is pydicom and the indexing code imported: a pick is indexed and summarised from
// then on. numpy and Pillow load after it, in the background; the calls that need them (everything
// but indexing and the summary) wait for them. On later visits the worker starts from a memory
// snapshot of Python as it stood at "ready" on the first visit (Pyodide's _loadSnapshot): no
// interpreter start-up, no imports. Pyodide 0.27 cannot snapshot a package with compiled code,
// which is one more reason why numpy comes after. When worker 0 starts without a snapshot, it starts a worker of
// its own once it has loaded numpy (SNAPSHOT_WORKER: the same start-up to "ready", then
// makeMemorySnapshot, and it closes); a Pyodide started to make a snapshot (_makeSnapshot) cannot
// serve, its file system calls fail. The snapshot is kept in Cache Storage (SNAPSHOTS, named by the
// build: a new build makes a new one); it holds Python's memory but not its files, so pydicom and
// the app are unpacked again.

const SNAPSHOTS = "dicompeek-snapshot";  // sw.js keeps this cache when it clears old builds'
const SNAPSHOT_WORKER = "python-snapshot";
let restLoaded = false;      // numpy and Pillow loaded, and worker_api's other imports done
/** @type {Promise<void> | null} numpy and Pillow loading (loadTheRest), from "ready" on */
let rest = null;
/** @type {ToWorker[]} messages that arrived before the rest was loaded, in order */
const waiting = [];
// the operations that need only the indexing code (add_paths, index_step, take_records, merge_summary)
/** @type {Set<ToWorker["op"]>} */
const LIGHT = new Set([OP.open, OP.take, OP.merge]);

/** @param {BuildConfig} config @returns {URL} where this build's snapshot is kept (never fetched) */
function snapshotUrl(config) {
  const name = [config.pyodide_version, ...config.wheels, config.app].map((path) => path.split("/").pop()).join("+");
  return new URL(`snapshot/${encodeURIComponent(name)}`, base);
}

/** @param {URL} url @returns {Promise<{bytes: Uint8Array, files: OpenFile[]} | null>} */
async function readSnapshot(url) {
  try {
    if (typeof caches === "undefined") return null;  // not a secure context: no Cache Storage
    const response = await (await caches.open(SNAPSHOTS)).match(url);
    if (!response) return null;
    const files = JSON.parse(response.headers.get(OPEN_FILES) || "null");
    return Array.isArray(files) ? { bytes: new Uint8Array(await response.arrayBuffer()), files } : null;
  } catch {
    return null;
  }
}

/** Keep this build's snapshot, and only it, with the files Python holds open in it (OPEN_FILES).
 * @param {URL} url @param {Uint8Array} bytes @param {OpenFile[]} files */
async function storeSnapshot(url, bytes, files) {
  if (typeof caches === "undefined") return;
  const cache = await caches.open(SNAPSHOTS);
  for (const old of await cache.keys()) await cache.delete(old);
  await cache.put(url, new Response(/** @type {Uint8Array<ArrayBuffer>} */ (bytes), {
    headers: { "Content-Type": "application/octet-stream", [OPEN_FILES]: JSON.stringify(files) } }));
}

// Python's memory in a snapshot holds open file descriptors (the standard library's zip, fd 3) that
// the restored worker's file system does not have: the next file opened would get that number and
// Python would read the standard library from a picked file, or close it. They are opened again,
// with the same numbers, before anything else.
const OPEN_FILES = "X-Dicompeek-Open-Files";
/** @typedef {{fd: number, path: string, flags: number}} OpenFile */

/** @param {Pyodide} py @returns {OpenFile[]} the files open beyond stdin, stdout and stderr */
function openFiles(py) {
  const streams = /** @type {({fd: number, path: string, flags: number} | null)[]} */ (/** @type {any} */ (py.FS).streams);
  return streams.flatMap((stream) => (stream && stream.fd > 2 ? [{ fd: stream.fd, path: stream.path, flags: stream.flags }] : []));
}

/** @param {Pyodide} py @param {OpenFile[]} files */
function reopen(py, files) {
  for (const file of files) {
    const stream = /** @type {{fd: number}} */ (/** @type {any} */ (py.FS).open(file.path, file.flags));
    if (stream.fd !== file.fd) throw new Error(`${file.path} opened as fd ${stream.fd}, not ${file.fd}`);
  }
}

/** Frees a buffer now rather than when Pyodide's options object goes (it keeps the snapshot). @param {Uint8Array} bytes */
function release(bytes) {
  try {
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  } catch {
    // not transferable here: the garbage collector frees it with the options
  }
}

async function boot() {
  /** @param {number} step @param {number} of @param {string} text */
  const stage = (step, of, text) => post({ type: EVENT.boot, step, of, text });
  const started = performance.now();
  mark("start");
  stage(1, 3, "Loading the Python runtime");
  /** @type {BuildConfig} */
  const config = await (await fetch(new URL("build.json", base))).json();
  const snapshotAt = snapshotUrl(config);
  // fetched meanwhile: the pydicom wheel and the app's package, unpacked directly (no micropip)
  const archives = [...config.wheels, config.app].map(async (path) => (await fetch(new URL(path, base))).arrayBuffer());
  const indexURL = new URL("pyodide/", base).href;
  const snapshot = await readSnapshot(snapshotAt);
  mark(snapshot ? "read snapshot" : "config");
  /** @type {Pyodide | null} */
  let py = null;
  if (snapshot) {
    try {
      py = await loadPyodide({ indexURL, _loadSnapshot: snapshot.bytes });
      reopen(py, snapshot.files);
    } catch (error) {  // another Pyodide build, or a damaged entry: start as on a first visit
      console.warn("the memory snapshot did not load; starting without it", error);
      py = null;
      await caches.open(SNAPSHOTS).then((cache) => cache.delete(snapshotAt)).catch(() => {});
    }
    release(snapshot.bytes);
  }
  const restored = py !== null;
  const makeSnapshot = self.name === SNAPSHOT_WORKER;
  py ??= await loadPyodide({ indexURL, _makeSnapshot: makeSnapshot });
  pyodide = py;
  mark("loadPyodide");
  stage(2, 3, "Loading pydicom and DICOM Peek");
  const [pydicom, app] = await Promise.all(archives);
  py.unpackArchive(pydicom, "zip", { extractDir: String(py.runPython("import site; site.getsitepackages()[0]")) });
  py.unpackArchive(app, "zip", { extractDir: "/app" });
  mark("unpack");
  if (!restored) py.runPython("import sys; sys.path.insert(0, '/app')");
  /** @type {PythonApi} */
  const module = py.pyimport("dicompeek.app.worker_api");
  mark("import worker_api");
  // Python says which calls it has and which decode pixels; they must be protocol.js's.
  /** @type {EntryPoints} */
  const entryPoints = JSON.parse(module.entry_points());
  const mismatch = protocolMismatch(entryPoints);
  if (mismatch) {
    post({ type: EVENT.fatal, message: mismatch });
    return;
  }
  decodesPixels = new Set(entryPoints.decodes_pixels);
  binary = new Set(entryPoints.binary);
  if (makeSnapshot) {  // Python as it stands now is the next visits' start
    await storeSnapshot(snapshotAt, py.makeMemorySnapshot(), openFiles(py)).catch((error) => console.warn("the memory snapshot was not kept", error));
    self.close();
    return;
  }
  // after the snapshot: Python holding a JS object (a module) cannot be snapshotted
  py.registerJsModule("dicompeek_files", { read_into: readInto });
  api = module;
  stage(3, 3, "Ready");
  mark("ready");
  post({ type: EVENT.ready, seconds: (performance.now() - started) / 1000, demo: config.demo, marks });
  sayReady();
  const snapshotNext = !restored && self.name === "python-0" && typeof caches !== "undefined";
  rest = loadTheRest(py, module, config).then(() => {
    if (snapshotNext) snapshotWorker = new Worker(new URL(import.meta.url), { type: "module", name: SNAPSHOT_WORKER });
  });
  for (const message of pending.splice(0)) dispatch(message);
}
/** @type {Worker | null} the worker making the memory snapshot (it closes itself when done) */
let snapshotWorker = null;

// The service worker caches the build for offline use only once Python is ready (sw.js): its
// downloading and hashing slowed the first visit's start-up. It is told here, and told again when
// it asks (it may start installing after this worker was ready).
const START_UP = "dicompeek-start-up";
function sayReady() {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(START_UP);
  channel.onmessage = (event) => { if (event.data === "ready?") channel.postMessage("ready"); };
  channel.postMessage("ready");
}

/** numpy and Pillow, then worker_api's imports that need them; the waiting calls run after.
 * @param {Pyodide} py @param {PythonApi} module @param {BuildConfig} config */
async function loadTheRest(py, module, config) {
  try {
    await py.loadPackage(config.pyodide_packages, { messageCallback: () => {} });
    module.import_the_rest();
  } catch (error) {
    post({ type: EVENT.fatal, message: `numpy failed to load: ${messageOf(error)}` });
    return;
  }
  restLoaded = true;
  mark("the rest");
  for (const message of waiting.splice(0)) handle(message);
}

/** Handle a message now if it needs only the indexing code, else once the rest is loaded (in the
 * order they came). @param {ToWorker} message */
function dispatch(message) {
  if (message.op === OP.prepare) {  // not queued: a pick made meanwhile is indexed and summarised
    rest?.then(() => { codecs ??= useCodecs(); });
    return;
  }
  if (restLoaded || (LIGHT.has(message.op) && !waiting.length)) handle(message);
  else waiting.push(message);
}

/** @param {ToWorker} message */
function handle(message) {
  try {
    if (message.op === OP.open) {
      run = message.run;
      const paths = mount(message.items);
      post({ type: EVENT.progress, run, progress: call(CALL.add_paths, [paths, message.shard, message.shards]) });
      runIndex();
    } else if (message.op === OP.request) {
      if (COPY_REQUESTS.includes(message.name)) {
        const request = message;
        copying = copying.then(() => copyRequest(request))
          .catch((error) => post({ type: EVENT.error, message: `The copy's file: ${messageOf(error)}` }));
      } else if (decodesPixels.has(message.name)) {
        const ready = codecs ??= useCodecs();
        ready.then(() => reply(message));
      } else {
        reply(message);
      }
    } else if (message.op === OP.take) {
      post({ type: EVENT.records, records: call(CALL.take_records, []) });
    } else if (message.op === OP.merge) {
      post({ type: EVENT.summary, summary: call(CALL.merge_summary, [message.records]) });
    } else if (message.op === OP.reset) {
      cancelRequested = indexing;
      post({ type: EVENT.summary, summary: resetAll() });
    }
  } catch (error) {
    post({ type: EVENT.error, message: messageOf(error) });
  }
}

// Only the worker that renders needs the codecs: the page asks it to prepare them once
// Python is ready, and requests that decode pixels wait for them.
// If they fail to load, frames that need them say so and everything else works.
async function useCodecs() {
  try {
    runtime().registerJsModule("dicompeek_codecs", await loadCodecs());
    call(CALL.use_codecs, []);
  } catch (error) {
    post({ type: EVENT.error, message: `The image codecs failed to load: ${messageOf(error)}` });
  }
}

// The page's requests (REQUEST in protocol.js); a binary reply (a rendered frame) carries
// its pixels as a transferred buffer.
/** @param {RequestOp} message @param {(result: unknown) => unknown} [wrap] what the reply carries */
function reply({ id, name, args }, wrap = (result) => result) {
  try {
    if (!Object.hasOwn(REQUEST, name)) throw new Error(`no request named ${name}`);
    if (binary.has(name)) {
      const result = python().call_binary(name, jsonBytes(args));
      const [metaJson, pixels] = result.toJs();
      result.destroy();
      const buffer = /** @type {ArrayBuffer} */ (pixels.buffer);
      scope.postMessage({ type: EVENT.reply, id, result: { meta: JSON.parse(metaJson), pixels: buffer } }, [buffer]);
    } else {
      post({ type: EVENT.reply, id, result: wrap(callJson(name, args)) });
    }
  } catch (error) {
    post({ type: EVENT.reply, id, error: messageOf(error) });
  }
}

// --- the de-identified copy, a part on every worker: Python writes this worker's part to a file of
// the origin-private file system through a synchronous access handle, so that it goes to disk as it
// is made; the finished copy (a Blob of every part's file and the central directory) is mounted for
// its review ------------------------------------------------------------------------------------

/** The requests of the copy (COPY_REQUESTS): deid_part opens this worker's part file first (its first
 * argument is the part's number, not Python's), deid_state and deid_cancel close it after (deid_cancel
 * deletes it, and unmounts the copy), deid_review_open mounts the copy (its first argument, a Blob)
 * and passes Python the path.
 * @param {RequestOp} message */
async function copyRequest(message) {
  let { args } = message;
  try {
    if (message.name === REQUEST.deid_part) {
      await openOutput(copyPartFile(/** @type {number} */ (args[0])));
      args = args.slice(1);
    }
    if (message.name === REQUEST.deid_review_open) {
      const [copy, layout, ...rest] = /** @type {[Blob, CopySegment[], boolean]} */ (args);
      args = [await mountCopy(copy, layout), ...rest];
    }
    const problem = message.name === REQUEST.deid_state ? outputProblem() : null;
    if (problem) throw new Error(problem);
  } catch (error) {
    post({ type: EVENT.reply, id: message.id, error: messageOf(error) });
    return;
  }
  // a part's state comes with its pieces (the slices of picked files that go between its bytes)
  const part = message.name === REQUEST.deid_state && output ? output : null;
  reply({ ...message, args }, part ? (state) => ({ state, pieces: part.pieces }) : undefined);
  if (message.name === REQUEST.deid_part || message.name === REQUEST.deid_review_open) return;
  closeOutput();
  if (message.name === REQUEST.deid_cancel) {
    unmountCopy();
    await removeOutput().catch(() => {});
  }
}

/** @param {string} name this worker's part file */
async function openOutput(name) {
  closeOutput();
  unmountCopy();
  const root = await navigator.storage.getDirectory();
  const file = /** @type {SyncFileHandle} */ (await root.getFileHandle(name, { create: true }));
  const handle = await whenUnlocked(() => file.createSyncAccessHandle());
  handle.truncate(0);
  output = { handle, at: 0, pieces: [] };
  outputName = name;
  if (!outputModule) {
    runtime().registerJsModule("dicompeek_output", { write: writeOutput, refer: referOutput });
    outputModule = true;
  }
}

/** Python's JsSink.write: the bytes at the end of the file, through the handle (no copy of them).
 * @param {PyBufferProxy} data @returns {number} */
function writeOutput(data) {
  if (!output) throw new Error("the copy's file is not open");
  const buffer = data.getBuffer("u8");
  try {
    const written = output.handle.write(buffer.data, { at: output.at });
    // Chromium's in-memory file system (incognito) miscounts writes past 4 GiB: a copy that is not
    // what was written must fail, not be offered as a finished copy
    if (written !== buffer.data.byteLength) {
      throw new Error(`the browser wrote ${written} of ${buffer.data.byteLength} bytes at ${output.at} (disk full, or a private window's storage limit)`);
    }
    output.at += written;
    return written;
  } finally {
    buffer.release();
  }
}

/** Python's JsSink.refer: bytes `offset` to `offset + length` of the picked file at `path` (mounted
 * with WORKERFS, whose node holds the File) go into the part after its first `at` bytes (Python
 * buffers what it writes, so `at` may be past what reached the file yet).
 * @param {string} path @param {number} offset @param {number} length @param {number} at */
function referOutput(path, offset, length, at) {
  if (!output) throw new Error("the copy's file is not open");
  const node = /** @type {{contents?: unknown}} */ (runtime().FS.lookupPath(path, {}).node);
  if (!(node.contents instanceof Blob)) throw new Error(`${path} is not a picked file`);
  output.pieces.push({ at, blob: node.contents.slice(offset, offset + length) });
}

function closeOutput() {
  if (!output) return;
  const { handle } = output;
  output = null;
  handle.flush();
  handle.close();
}

/** Why this worker's part file is not what was written to it (null: it is). */
function outputProblem() {
  if (!output) return null;
  const size = output.handle.getSize();
  return size === output.at ? null
    : `the copy's file holds ${size} bytes where ${output.at} were written (a private window's storage limit?)`;
}

/** The finished copy, mounted with WORKERFS like a pick (read where it is: the parts' files on disk);
 * its path. The bytes of the parts' files are read through read-only access handles straight into
 * the reader's buffer: WORKERFS reads a Blob with FileReaderSync, a new buffer each read that V8 frees
 * only at its next full collection, and slowly (on the 1 GB zip the copy with its review took 53 s
 * and grew the browser by 635 MB; 28 s and 352 MB with the handles, bench/deid_bench.py).
 * A part whose file does not open so is read as a Blob.
 * @param {Blob} copy @param {CopySegment[]} layout where the copy's bytes come from */
async function mountCopy(copy, layout) {
  unmountCopy();
  const py = runtime();
  const dir = `/copies/${++pickCount}`;
  const path = `${dir}/deidentified-copy.zip`;
  py.FS.mkdirTree(dir);
  py.FS.mount(py.FS.filesystems.WORKERFS, { blobs: [{ name: "deidentified-copy.zip", data: copy }] }, dir);
  copyMount = dir;
  if (layout.reduce((total, segment) => total + segment.length, 0) !== copy.size) return path;
  const root = await navigator.storage.getDirectory();
  /** @type {Map<number, SyncAccessHandle>} */
  const handles = new Map();
  for (const part of new Set(layout.flatMap((segment) => segment.part ?? []))) {
    try {
      const file = /** @type {SyncFileHandle} */ (await root.getFileHandle(copyPartFile(part)));
      handles.set(part, await file.createSyncAccessHandle({ mode: "read-only" }));
    } catch {
      // read as a Blob
    }
  }
  if (copyMount !== dir) {  // unmounted meanwhile
    for (const handle of handles.values()) handle.close();
    return path;
  }
  copyHandles = [...handles.values()];
  const node = /** @type {{stream_ops: {read: StreamRead}}} */ (/** @type {unknown} */ (py.FS.lookupPath(path, {}).node));
  node.stream_ops = { ...node.stream_ops, read: segmentedRead(copy, layout, handles, node.stream_ops.read) };
  return path;
}

/** A read of the copy that takes each run of bytes from where it lies: a part's file through its
 * handle, into Python's memory; anything else through WORKERFS's own read of the Blob (`blobRead`).
 * @param {Blob} copy @param {CopySegment[]} layout @param {Map<number, SyncAccessHandle>} handles
 * @param {StreamRead} blobRead @returns {StreamRead} */
function segmentedRead(copy, layout, handles, blobRead) {
  /** @type {number[]} */
  const starts = [];
  let end = 0;
  for (const segment of layout) {
    starts.push(end);
    end += segment.length;
  }
  return (stream, buffer, offset, length, position) => {
    const stop = Math.min(position + length, copy.size);
    let at = position;
    while (at < stop) {
      const k = upperBound(starts, at) - 1;  // the last run starting at or before `at`: it holds `at`
      const segment = layout[k];
      const count = Math.min(stop, starts[k] + segment.length) - at;
      const into = offset + at - position;
      const handle = segment.part === undefined ? undefined : handles.get(segment.part);
      const read = handle
        ? handle.read(buffer.subarray(into, into + count), { at: /** @type {number} */ (segment.from) + at - starts[k] })
        : blobRead(stream, buffer, into, count, at);
      if (read !== count) throw new Error(`the copy's file gave ${read} of ${count} bytes at ${at}`);
      at += count;
    }
    return Math.max(0, stop - position);
  };
}

/** How many of the ascending `values` are at most `value`. @param {number[]} values @param {number} value */
function upperBound(values, value) {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function unmountCopy() {
  for (const handle of copyHandles.splice(0)) handle.close();
  if (!copyMount) return;
  /** @type {Pyodide["FS"] & {unmount(path: string): void}} */ (runtime().FS).unmount(copyMount);
  copyMount = null;
}

/** Delete the part file this worker wrote last (the page deletes any other left behind). */
async function removeOutput() {
  if (!outputName) return;
  const name = outputName;
  outputName = null;
  const root = await navigator.storage.getDirectory();
  await whenUnlocked(() => root.removeEntry(name));
}

/** `act` on a part file once no other worker holds it: every worker reads every part while the copy
 * is reviewed, and lets go when it is asked for the next copy or to drop this one, as this one is.
 * @template T @param {() => Promise<T>} act @returns {Promise<T>} */
async function whenUnlocked(act) {
  for (let tries = 1; ; tries += 1) {
    try {
      return await act();
    } catch (error) {
      const locked = error instanceof DOMException && error.name === "NoModificationAllowedError";
      if (!locked || tries >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Python's PickedFile.pread (dicompeek.io.largefile): bytes of an open file from `position` on,
 * read into Python's buffer `data` (a bytearray) where it lies in Python's memory, not into a buffer
 * of JavaScript's that is copied over and left for V8 to collect (a new buffer every read: reading a
 * copy back so grew the browser by 400–600 MB); how many were read.
 * @param {unknown} stream an Emscripten stream (FS.open) @param {PyBufferProxy} data @param {number} position */
function readInto(stream, data, position) {
  const buffer = data.getBuffer("u8");
  try {
    const fs = /** @type {{read: StreamRead}} */ (/** @type {unknown} */ (runtime().FS));
    const read = fs.read(stream, buffer.data, 0, buffer.data.byteLength, position);
    churnYoungGeneration(read);
    return read;
  } finally {
    buffer.release();
  }
}

/** Short-lived objects made by churnYoungGeneration (held by this ring, so no compiler optimises them away). */
const churned = new Array(256).fill(null);
let churnedCount = 0;
/** WORKERFS reads a picked file (a Blob) with FileReaderSync: a new buffer each read, which V8 frees
 * only when it next collects its young generation. That collection comes when the generation fills,
 * and a worker running Python fills it slowly: one worker reading the 1 GB zip in 1 MiB reads left
 * 430–640 MB of buffers waiting. Small objects made in proportion to the bytes read (8 per KiB, about
 * 200 KB per MiB) bring a young collection every few MiB: 54–64 MB there, at no measurable cost.
 * @param {number} bytes just read */
function churnYoungGeneration(bytes) {
  for (let n = bytes >> 7; n > 0; n--) churned[churnedCount++ & 255] = { n };
}

/**
 * Each pick is mounted in a directory of its own, so equal names never clash.
 * @param {PickedItem[]} items
 * @returns {string[]} the paths of the pick's top-level files and folders
 */
function mount(items) {
  const py = runtime();
  const dir = `/picks/${++pickCount}`;
  py.FS.mkdirTree(dir);
  py.FS.mount(py.FS.filesystems.WORKERFS,
    { blobs: items.map((item) => ({ name: item.path, data: item.file })) }, dir);
  mounted.push(dir);
  const tops = new Set(items.map((item) => item.path.split("/")[0]));
  return [...tops].map((top) => `${dir}/${top}`);
}

function resetAll() {
  const summary = call(CALL.reset, []);  // closes the zips first, then their files can go
  closeOutput();  // a copy under way is dropped with the files it copied
  unmountCopy();
  const fs = /** @type {Pyodide["FS"] & {unmount(path: string): void}} */ (runtime().FS);  // Emscripten's FS
  for (const dir of mounted.splice(0)) fs.unmount(dir);
  return summary;
}

// Index in slices of ~100 ms, yielding in between so that "cancel" arrives.
async function runIndex() {
  if (indexing) return;
  indexing = true;
  try {
    for (;;) {
      if (cancelRequested) {
        post({ type: EVENT.progress, run, progress: call(CALL.cancel, []) });
        break;
      }
      const progress = call(CALL.index_step, [0.1]);
      post({ type: EVENT.progress, run, progress });
      indexedEntries = progress.done;
      if (progress.finished) break;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (error) {
    post({ type: EVENT.error, message: messageOf(error) });
  } finally {
    indexing = false;
    cancelRequested = false;
  }
}

boot().catch((error) => post({ type: EVENT.fatal, message: String(error && error.stack ? error.stack : error) }));
