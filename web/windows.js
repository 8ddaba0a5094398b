// @ts-check
// The viewer's window choices: the file's own windows, an automatic one from the frame's
// histogram (Python computes it: the 1st to 99th percentile of the modality values, as Weasis
// and OHIF offer for MR, PT, US and other images without presets) and, for CT, the usual
// presets. A preset the file already states (by name, case aside, or by its numbers) is not
// offered twice: "SOFT TISSUE" from the file and "Soft tissue" from the list are one choice.

/** @typedef {import("./protocol.js").RenderMeta} RenderMeta */
/** @typedef {{center: number, width: number} | {auto: true}} ChosenWindow a window chosen by the person */
/** @typedef {{value: string, label: string}} WindowChoice */

/** CT presets as the desktop viewers name them: [name, center, width]. @type {[string, number, number][]} */
export const CT_PRESETS = [
  ["Soft tissue", 40, 400], ["Lung", -600, 1500], ["Mediastinum", 50, 350], ["Bone", 400, 1800],
  ["Brain", 40, 80], ["Subdural", 75, 215], ["Stroke", 40, 40], ["Liver", 60, 160],
  ["Abdomen", 60, 400], ["Angio", 300, 600],
];
/** The choice's value for the automatic window. */
export const AUTO = "auto";
/** What the automatic window is called. */
export const AUTO_LABEL = "Auto (histogram)";

/** A name compared as a person would: case, spaces, hyphens and underscores aside. @param {string} name */
const sameName = (name) => name.toLowerCase().replace(/[\s_-]+/g, " ").trim();

/**
 * The choices of the window menu for a frame: "" is the file's window (or, without one, the full
 * range), AUTO the histogram's, "center/width" the others; no two with the same name or numbers.
 * @param {string | undefined} modality
 * @param {RenderMeta | null} meta
 * @returns {WindowChoice[]}
 */
export function windowChoices(modality, meta) {
  const windows = (meta && meta.windows) || [];
  /** @type {WindowChoice[]} */
  const choices = [{ value: "", label: windows.length ? "File window" : "Full range" }];
  if (meta && meta.grey) choices.push({ value: AUTO, label: AUTO_LABEL });
  const names = new Set();
  const values = new Set();
  /** @param {string} name @param {number} center @param {number} width */
  const add = (name, center, width) => {
    const value = `${center}/${width}`;
    if (values.has(value) || (name && names.has(sameName(name)))) return;
    values.add(value);
    if (name) names.add(sameName(name));
    choices.push({ value, label: `${name || "File"}: W ${width} L ${center}` });
  };
  for (const w of windows) add(w.explanation, w.center, w.width);
  if (modality === "CT") for (const [name, center, width] of CT_PRESETS) add(name, center, width);
  return choices;
}

/** The window a choice stands for (null: the file's). @param {string} value @returns {ChosenWindow | null} */
export function chosenWindow(value) {
  if (!value) return null;
  if (value === AUTO) return { auto: true };
  const [center, width] = value.split("/").map(Number);
  return { center, width };
}

/** The choice's value of a window (the inverse of chosenWindow). @param {ChosenWindow | null} window */
export function choiceOf(window) {
  if (!window) return "";
  return "auto" in window ? AUTO : `${window.center}/${window.width}`;
}
