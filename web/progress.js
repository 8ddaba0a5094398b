// @ts-check
// The indexing progress bar: files done / total, files per second, bytes, ETA.
import { bytes, count, plural, seconds } from "./format.js";
import { byId, setText } from "./dom.js";

/** @param {import("./protocol.js").Progress} p */
export function showProgress(p) {
  byId("progress").hidden = false;
  const bar = byId("progress-bar", HTMLProgressElement);
  bar.max = Math.max(p.total, 1);
  bar.value = p.done;
  byId("cancel").hidden = p.finished;
  // the figures, machine-readable, for the benchmark script
  Object.assign(byId("progress").dataset,
    { done: p.done, total: p.total, elapsed: p.elapsed, finished: p.finished });
  if (p.finished) {
    const verb = p.cancelled ? "Cancelled after indexing" : "Indexed";
    // a rate over a few files in a blink says nothing: it is left out
    const rate = p.elapsed >= 0.5 && p.done >= 10 ? `${count(Math.round(p.files_per_second))} files/s, ` : "";
    setText("progress-text", `${verb} ${plural(p.done, "entry", "entries")} in ${seconds(p.elapsed)}`
      + ` (${rate}${bytes(p.bytes_done)})`);
    return;
  }
  const eta = p.eta_seconds > 0 ? ` · about ${seconds(p.eta_seconds)} left` : "";
  setText("progress-text", `${count(p.done)} / ${count(p.total)} files`
    + ` · ${count(Math.round(p.files_per_second))} files/s`
    + ` · ${bytes(p.bytes_done)} / ${bytes(p.bytes_total)}${eta}`);
}
