// @ts-check
// The privacy review's progress: a bar of the files reviewed of all (summed over the workers),
// the rate and the time left; its Cancel button is the review panel's (review.js).
import { byId, setText } from "./dom.js";
import { count, seconds } from "./format.js";

/** @typedef {import("./protocol.js").ReviewProgress} ReviewProgress */

/** Show the bar with a line of text and no figures yet (indeterminate). @param {string} text */
export function startReviewProgress(text) {
  const box = byId("review-progress");
  box.hidden = false;
  byId("review-bar").removeAttribute("value");
  setText("review-progress-text", text);
  for (const key of ["files", "total", "stage", "imageFiles", "imageTotal", "frames"]) delete box.dataset[key];
}

/** @param {ReviewProgress} p */
export function showReviewProgress(p) {
  const box = byId("review-progress");
  box.hidden = false;
  const bar = byId("review-bar", HTMLProgressElement);
  // the figures, machine-readable, for tests and the benchmark
  Object.assign(box.dataset, { files: p.files, total: p.total, stage: p.stage });
  if (p.stage === "merging") {
    bar.removeAttribute("value");
    setText("review-progress-text", `Merging the review of ${count(p.total)} files…`);
    return;
  }
  bar.max = Math.max(p.total, 1);
  bar.value = p.files;
  const images = p.images;
  if (images) Object.assign(box.dataset, { imageFiles: images.files, imageTotal: images.total, frames: images.frames });
  const read = images && images.total
    ? ` · burned-in text: ${count(images.frames)} images read in ${count(images.files)} of ${count(images.total)} files` : "";
  if (p.stage === "reading" && images) {
    bar.max = Math.max(images.total, 1);
    bar.value = images.files;
    setText("review-progress-text", `Reviewed all ${count(p.total)} files${read}`);
    return;
  }
  const verb = p.stage === "rechecking" ? "Checking again for names found inside sequences:" : "Reviewed";
  const workers = p.parts > 1 ? ` on ${p.parts} workers` : "";
  const rate = p.files_per_second > 0 ? ` · ${count(Math.round(p.files_per_second))} files/s` : "";
  const eta = p.eta_seconds > 0 ? ` · about ${seconds(p.eta_seconds)} left` : "";
  setText("review-progress-text", `${verb} ${count(p.files)} of ${count(p.total)} files${workers}${rate}${eta}${read}`);
}

export function hideReviewProgress() {
  byId("review-progress").hidden = true;
}
