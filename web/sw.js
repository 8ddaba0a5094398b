// The service worker: after one visit the whole app works with no network.
//
// build.py fills in PRECACHE (every file of dist/ with its SHA-256) and VERSION (a hash
// of that list), so every build is a new service worker with a cache of its own. A new
// version downloads and verifies all its files into its own cache before it can take
// over, and takes over only when the page asks (the "new version" notice), so a running
// page never mixes files of two builds. Only same-origin GET requests for listed files
// are answered from the cache; nothing is ever fetched from another origin.
//
// Caching waits for the page's start-up: downloading, hashing and storing 38 MB while Pyodide
// starts made the first visit's "Python ready" about 1.7 s later (4.9 s against 3.1 s to
// loadPyodide() with the service worker blocked, medians of 4 first visits). A worker of the page
// says on the START_UP channel when its Python is ready (worker.js); installing waits for that, or
// for START_UP_WAIT_MS, or not at all when no page is open. The files are fetched with
// `cache: "no-cache"`: revalidated with the server, so the ones the page has just loaded (Pyodide,
// pydicom, the app) come from the HTTP cache instead of being downloaded twice; the hash check is
// what guarantees the build either way (a file that fails it is downloaded once more, bypassing
// the HTTP cache).

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `dicompeek-${VERSION}`;
const SCOPE = new URL("./", self.location).href;
const HASHES = new Map(PRECACHE.map(({ path, sha256 }) => [new URL(path, SCOPE).href, sha256]));
const START_UP = "dicompeek-start-up";  // worker.js: "ready" when its Python is, and in reply to "ready?"
const START_UP_WAIT_MS = 30_000;

// Resolves when a page's Python is ready (or was already: asked with "ready?"), when no page is
// open, or after START_UP_WAIT_MS (a start-up that failed or hangs must not keep offline use away).
async function startUpDone() {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  if (pages.length === 0 || typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(START_UP);
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, START_UP_WAIT_MS);
    channel.onmessage = (event) => {
      if (event.data === "ready") {
        clearTimeout(timer);
        resolve();
      }
    };
    channel.postMessage("ready?");
  });
  channel.close();
}

/** @param {string} hex a SHA-256 as build.py lists it @returns {string} as Subresource Integrity has it */
function integrity(hex) {
  return `sha256-${btoa(String.fromCharCode(...hex.match(/../g).map((byte) => parseInt(byte, 16))))}`;
}

// All files or none: a file that is missing or differs from this build's hash fails the install.
// The browser checks each file against its hash as it downloads it (fetch's integrity).
async function precache() {
  await startUpDone();
  const cache = await caches.open(CACHE);
  for (const [url, expected] of HASHES) {
    const options = { credentials: "same-origin", integrity: integrity(expected) };
    let response;
    try {
      response = await fetch(url, { ...options, cache: "no-cache" });
    } catch {
      try {  // a copy in the HTTP cache that the server wrongly confirmed (an mtime in the same second)
        response = await fetch(url, { ...options, cache: "reload" });
      } catch (error) {
        throw new Error(`${url}: not downloaded, or its content differs from this build (another build is being served?): ${error}`);
      }
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    await cache.put(url, response);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(async (error) => {
    await caches.delete(CACHE);
    throw error;
  }));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      // the workers' memory snapshot (worker.js) is named by its build and replaced by the next
      if (name.startsWith("dicompeek-") && name !== CACHE && name !== "dicompeek-snapshot") await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "activate-new-version") self.skipWaiting();
  else if (event.data === "version") event.source.postMessage({ version: VERSION, files: HASHES.size });
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.hash = "";
  if (url.origin !== self.location.origin) return;  // the CSP blocks these anyway
  let key = url.href.split("?")[0];
  if (request.mode === "navigate" && key === SCOPE) key = new URL("index.html", SCOPE).href;
  if (!HASHES.has(key)) return;  // not part of the app: the network as usual
  event.respondWith((async () => {
    const cached = await caches.match(key, { cacheName: CACHE });
    return cached || fetch(request);
  })());
});
