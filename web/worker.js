// A worker: boots Pyodide, mounts picked files with WORKERFS, and runs the
// dicompeek Python package on its share of the entries (see worker-client.js).
// Messages in: {op: "open" | "cancel" | "reset" | "take" | "merge" | "request" | "prepare"}.
// Messages out: {type: "boot" | "ready" | "progress" | "records" | "summary" | "reply" | "error" | "fatal"}.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { loadCodecs } from "./codecs.js";

const base = new URL("./", import.meta.url);
const pending = [];          // messages that arrived before Python was ready
let api = null;              // dicompeek.worker_api, once booted
let pyodide = null;
let pickCount = 0;
const mounted = [];          // WORKERFS mount points of the picks still indexed
let indexing = false;
let cancelRequested = false;
let run = 0;                 // the page's run number, echoed so that stale progress is ignored
let codecs = null;           // resolves once the pixel codecs are pydicom plugins

self.onmessage = (event) => {
  const message = event.data;
  if (message.op === "cancel") {
    cancelRequested = indexing;
    if (!api) pending.length = 0;
    return;
  }
  if (api) handle(message);
  else pending.push(message);
};

// Python's WebAssembly memory in bytes. It never shrinks, so it is the worker's peak;
// the memory test reads it through the worker's global scope.
self.pythonMemoryBytes = () => (pyodide && pyodide._module ? pyodide._module.HEAPU8.length : 0);

function post(message) {
  self.postMessage(message);
}

function call(name, ...args) {
  return JSON.parse(api.call(name, JSON.stringify(args)));
}

async function boot() {
  const stage = (step, of, text) => post({ type: "boot", step, of, text });
  const started = performance.now();
  stage(1, 5, "Loading the Python runtime");
  const config = await (await fetch(new URL("build.json", base))).json();
  pyodide = await loadPyodide({ indexURL: new URL("pyodide/", base).href });
  stage(2, 5, "Loading numpy");
  await pyodide.loadPackage(config.pyodide_packages, { messageCallback: () => {} });
  stage(3, 5, "Installing pydicom");
  const micropip = pyodide.pyimport("micropip");
  for (const wheel of config.wheels) {
    await micropip.install(new URL(wheel, base).href, { deps: false });
  }
  micropip.destroy();
  stage(4, 5, "Loading DICOM Peek");
  const app = await (await fetch(new URL(config.app, base))).arrayBuffer();
  pyodide.unpackArchive(app, "zip", { extractDir: "/app" });
  pyodide.runPython("import sys; sys.path.insert(0, '/app')");
  api = pyodide.pyimport("dicompeek.worker_api");
  stage(5, 5, "Ready");
  post({ type: "ready", seconds: (performance.now() - started) / 1000, demo: config.demo });
  for (const message of pending.splice(0)) handle(message);
}

function handle(message) {
  try {
    if (message.op === "open") {
      run = message.run;
      const paths = mount(message.items);
      post({ type: "progress", run, progress: call("add_paths", paths, message.shard, message.shards) });
      runIndex();
    } else if (message.op === "prepare") {
      codecs ??= useCodecs();
    } else if (message.op === "request") {
      if (DECODES_PIXELS.has(message.name)) {
        codecs ??= useCodecs();
        codecs.then(() => reply(message));
      } else {
        reply(message);
      }
    } else if (message.op === "take") {
      post({ type: "records", records: call("take_records") });
    } else if (message.op === "merge") {
      post({ type: "summary", summary: call("merge_summary", message.records) });
    } else if (message.op === "reset") {
      cancelRequested = indexing;
      post({ type: "summary", summary: resetAll() });
    }
  } catch (error) {
    post({ type: "error", message: String(error && error.message ? error.message : error) });
  }
}

// Only the worker that renders needs the codecs: the page asks it to prepare them once
// Python is ready, and requests that decode pixels wait for them.
const DECODES_PIXELS = new Set(["render", "probe", "series"]);
// If they fail to load, frames that need them say so and everything else works.
async function useCodecs() {
  try {
    pyodide.registerJsModule("dicompeek_codecs", await loadCodecs());
    call("use_codecs");
  } catch (error) {
    post({ type: "error", message: `The image codecs failed to load: ${error && error.message ? error.message : error}` });
  }
}

// The viewer's requests: {id, name, args}; a rendered frame's pixels travel as a transferred buffer.
function reply({ id, name, args }) {
  try {
    if (name === "render") {
      const result = api.render(JSON.stringify(args));
      const [metaJson, pixels] = result.toJs();
      result.destroy();
      self.postMessage({ type: "reply", id, result: { meta: JSON.parse(metaJson), pixels: pixels.buffer } },
        [pixels.buffer]);
    } else {
      post({ type: "reply", id, result: call(name, ...args) });
    }
  } catch (error) {
    post({ type: "reply", id, error: String(error && error.message ? error.message : error) });
  }
}

// Each pick is mounted in a directory of its own, so equal names never clash.
// items: [{path: "export.zip" | "FOLDER/sub/IM1", file: File}]
function mount(items) {
  const dir = `/picks/${++pickCount}`;
  pyodide.FS.mkdirTree(dir);
  pyodide.FS.mount(pyodide.FS.filesystems.WORKERFS,
    { blobs: items.map((item) => ({ name: item.path, data: item.file })) }, dir);
  mounted.push(dir);
  const tops = new Set(items.map((item) => item.path.split("/")[0]));
  return [...tops].map((top) => `${dir}/${top}`);
}

function resetAll() {
  const summary = call("reset");  // closes the zips first, then their files can go
  for (const dir of mounted.splice(0)) pyodide.FS.unmount(dir);
  return summary;
}

// Index in slices of ~100 ms, yielding in between so that "cancel" arrives.
async function runIndex() {
  if (indexing) return;
  indexing = true;
  try {
    for (;;) {
      if (cancelRequested) {
        post({ type: "progress", run, progress: call("cancel") });
        break;
      }
      const progress = call("index_step", 0.1);
      post({ type: "progress", run, progress });
      if (progress.finished) break;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (error) {
    post({ type: "error", message: String(error && error.message ? error.message : error) });
  } finally {
    indexing = false;
    cancelRequested = false;
  }
}

boot().catch((error) => post({ type: "fatal", message: String(error && error.stack ? error.stack : error) }));
