// @ts-check
// Offline readiness: registers the service worker (sw.js) and says what it has done.
//
// "Offline ready" appears once this build's files are all cached and verified. A newer
// build found on a later visit is cached in the background; the page then offers to
// reload into it (it never switches versions under a running page).
import { byId } from "./dom.js";

export function startOffline() {
  const badge = byId("offline");
  if (!navigator.serviceWorker) {  // absent, or blocked (then present but undefined)
    show(badge, "failed", "Offline use needs a browser with service workers (and http://localhost or https)");
    return;
  }
  show(badge, "", "Preparing offline use…");
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
  });
  byId("update-reload").addEventListener("click", async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration || !registration.waiting) return location.reload();
    reloading = true;
    registration.waiting.postMessage("activate-new-version");
  });
  navigator.serviceWorker.register(new URL("./sw.js", import.meta.url), { scope: "./" }).then((registration) => {
    /** @param {ServiceWorker | null} worker */
    const watch = (worker) => worker && worker.addEventListener("statechange", () => {
      if (worker.state === "redundant" && !registration.active) {
        show(badge, "failed", "Offline use unavailable: caching the app failed");
      } else update(registration);
    });
    registration.addEventListener("updatefound", () => watch(registration.installing));
    watch(registration.installing);
    update(registration);
  }, (error) => show(badge, "failed", `Offline use unavailable: ${error.message}`));

  /** @param {ServiceWorkerRegistration} registration */
  function update(registration) {
    if (registration.active) show(badge, "ready", "Offline ready");
    // A waiting worker next to an active one controlling this page is a newer build.
    byId("update").hidden = !(registration.waiting && navigator.serviceWorker.controller);
  }
}

/** @param {HTMLElement} badge @param {string} state @param {string} text */
function show(badge, state, text) {
  badge.hidden = false;
  badge.className = `offline ${state}`.trim();
  badge.dataset.state = state || "pending";
  badge.textContent = text;
}
