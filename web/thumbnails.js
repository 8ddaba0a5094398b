// @ts-check
// Series thumbnails as images the page can show: asked of the worker once per series (a PNG of
// the middle frame, client.thumbnail), one request at a time (worker 0 answers one at a time,
// and the viewer's frames must not wait behind a long queue), kept as Blob URLs until the data
// loaded changes (forgetThumbnails).

/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./protocol.js").Thumbnail} Thumbnail */
/** @typedef {{url: string | null, meta: Thumbnail["meta"]}} ThumbnailImage url null: meta.error says why */

/** @type {Map<string, Promise<ThumbnailImage>>} */
const cache = new Map();
/** @type {string[]} */
let urls = [];
/** @type {Promise<unknown>} the last request queued */
let queue = Promise.resolve();
let generation = 0;

/**
 * A series' thumbnail, asked for once.
 * @param {WorkerClient} client @param {string} studyUid @param {string} seriesUid
 * @returns {Promise<ThumbnailImage>}
 */
export function thumbnail(client, studyUid, seriesUid) {
  const key = `${studyUid}\u0000${seriesUid}`;
  let image = cache.get(key);
  if (!image) {
    const asked = generation;
    image = queue.catch(() => {}).then(() => client.thumbnail(studyUid, seriesUid)).then(({ meta, pixels }) => {
      if (meta.error || !pixels || !pixels.byteLength) return { url: null, meta };
      const url = URL.createObjectURL(new Blob([pixels], { type: "image/png" }));
      if (asked === generation) urls.push(url);
      else setTimeout(() => URL.revokeObjectURL(url), 0);
      return { url, meta };
    });
    queue = image;
    cache.set(key, image);
  }
  return image;
}

/** Forget every thumbnail (other files are loaded). */
export function forgetThumbnails() {
  generation++;
  cache.clear();
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
}
