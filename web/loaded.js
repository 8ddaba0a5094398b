// @ts-check
// What is loaded: one line per pick (a zip, files, a folder, the demo) with a button that removes
// it. Picks add up, so the list says what the summary is a summary of; app.js keeps the picks and
// reloads the others when one is removed. Names go through maskText: a file may be named after
// its patient.
import { byId, el } from "./dom.js";
import { plural } from "./format.js";
import { maskText } from "./mask.js";

/** @typedef {import("./protocol.js").PickedItem} PickedItem */
/** One pick as the list shows it. @typedef {{label: string, items: PickedItem[]}} Pick */

/**
 * The name a pick is listed by: its one file, or its top-level folders and files.
 * @param {PickedItem[]} items
 */
export function pickLabel(items) {
  const tops = [...new Set(items.map((item) => item.path.split("/")[0]))];
  const shown = tops.slice(0, 3).join(", ");
  return tops.length > 3 ? `${shown} and ${tops.length - 3} more` : shown || plural(items.length, "file");
}

/**
 * Show `picks`; `remove(index)` is called when one's button is pressed.
 * @param {Pick[]} picks @param {(index: number) => void} remove
 */
export function showLoaded(picks, remove) {
  byId("loaded").hidden = picks.length === 0;
  byId("loaded-list").replaceChildren(...picks.map((pick, index) => {
    const label = maskText(pick.label);
    return el("li", {},
      el("span", { class: "loaded-name" }, label),
      el("span", { class: "muted" }, ` (${plural(pick.items.length, "item")})`),
      el("button", { type: "button", class: "button subtle loaded-remove", "aria-label": `Remove ${label}`,
        title: "Remove this pick (the others are read again)", on: { click: () => remove(index) } }, "Remove"));
  }));
}
