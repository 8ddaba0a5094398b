// @ts-check
// "Hide patient data": one switch in the page header (remembered in localStorage) that every
// view follows. Masking is done here, once, in two ways:
//   - field by field: a value that identifies by what it is (a name, an ID, a birth date, an
//     accession number, a date, the value of an identifying element) is replaced whole by MASK
//     (maskField, patientLabel, isIdentifyingElement);
//   - in free text: maskText replaces every occurrence of the identity strings known from the
//     summary and the review (name parts, IDs, birth and study dates in common formats,
//     accession numbers, what the review found) in descriptions, paths, explanations.
// Views call these as they render and re-render on "change" (onMaskChange); downloads made
// while the switch is on are asked for masked and then go through maskDownload.

/** @typedef {import("./protocol.js").Summary} Summary */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./protocol.js").ReviewPatient} ReviewPatient */
/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").IdentifyingTags} IdentifyingTags */

export const MASK = "•••";
const STORAGE_KEY = "dicompeek.hidePatientData";
const events = new EventTarget();

let on = readStored();
/** @type {Map<string, string[]>} identity strings by where they were learnt ("summary", "review") */
const identities = new Map();
/** @type {RegExp | null | undefined} undefined: to be built */
let matcher;
/** @type {{name: string, id: string}[]} the summary's patients, in order: "Patient 1" … */
let patients = [];
/** @type {{tags: Set<number>, patterns: RegExp[], vrs: Set<string>} | null} null: not known yet (everything counts) */
let identifying = null;

function readStored() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

/** Whether patient data is hidden. */
export function hidden() {
  return on;
}

/** @param {boolean} value */
export function setHidden(value) {
  if (value === on) return;
  on = value;
  try {
    localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
  } catch { /* private mode: remembered for this page only */ }
  document.body.classList.toggle("hide-patient-data", on);
  events.dispatchEvent(new Event("change"));
}

/** Call `listener` whenever the switch changes (views re-render). @param {() => void} listener */
export function onMaskChange(listener) {
  events.addEventListener("change", listener);
}

/** Wire the header's switch (index.html #hide-patient-data) to the state. @param {HTMLInputElement} input */
export function bindSwitch(input) {
  input.checked = on;
  document.body.classList.toggle("hide-patient-data", on);
  input.addEventListener("change", () => setHidden(input.checked));
}

// --- what to look for ------------------------------------------------------------------

/** The summary's patients and studies: their identity strings, and the order of "Patient N".
 * @param {Summary} summary */
export function learnSummary(summary) {
  patients = summary.patients.map((p) => ({ name: p.name || "", id: p.id || "" }));
  const strings = [];
  for (const p of summary.patients) {
    strings.push(...nameParts(p.name), p.id, ...dateForms(p.birth_date));
    for (const s of p.studies) strings.push(s.accession_number, ...dateForms(s.date));
  }
  learn("summary", strings);
}

/** The review's patients and studies, and every text its findings matched; views showing
 * text from before are told to mask again. @param {Review | null} review */
export function learnReview(review) {
  if (!review) return learn("review", []);
  const strings = [];
  for (const p of review.patients || []) {
    strings.push(...nameParts(p.name), p.id, ...dateForms(p.birth_date));
    for (const s of p.studies || []) strings.push(s.accession, ...dateForms(s.date));
  }
  for (const f of review.findings) {
    for (const m of f.matches || []) if (m.text && m.text.length >= 3) strings.push(m.text);
  }
  learn("review", strings);
  if (on) events.dispatchEvent(new Event("change"));
}

/** @param {string} source @param {(string | null | undefined)[]} strings */
function learn(source, strings) {
  identities.set(source, strings.map((s) => String(s || "").trim()).filter((s) => s.length >= 2));
  matcher = undefined;
}

/** The parts of a person name (PN: family^given^middle^prefix^suffix, groups split by =) with
 * at least two letters. @param {string | null | undefined} name */
export function nameParts(name) {
  return String(name || "").split(/[\^=\s,.;:/\\_()'’"-]+/u)
    .filter((part) => (part.match(/\p{L}/gu) || []).length >= 2);
}

/** A DICOM date (YYYYMMDD, or already YYYY-MM-DD) in the forms people write it.
 * @param {string | null | undefined} value */
export function dateForms(value) {
  const digits = String(value || "").replace(/\D/g, "");
  if (digits.length !== 8) return value ? [String(value)] : [];
  const [y, m, d] = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6)];
  return [digits, `${y}-${m}-${d}`, `${y}/${m}/${d}`, `${y}.${m}.${d}`, `${d}.${m}.${y}`, `${d}/${m}/${y}`, `${m}/${d}/${y}`];
}

/** @param {string} text */
function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * One expression for all the strings, longest first, case-insensitive. A string of two Latin
 * letters or digits matches only as a word of its own (else "LI" would mask half of every text);
 * longer ones and other scripts anywhere, as they may be glued to other text in paths and names.
 * @param {string[]} strings
 */
function build(strings) {
  const unique = [...new Set(strings.map((s) => s.toLowerCase()))].sort((a, b) => b.length - a.length);
  if (!unique.length) return null;
  const parts = unique.map((s) => (s.length <= 2 && /^[a-z0-9]+$/.test(s)
    ? `(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])` : escape(s)));
  return new RegExp(parts.join("|"), "giu");
}

function currentMatcher() {
  if (matcher === undefined) matcher = build([...identities.values()].flat());
  return matcher;
}

// --- masking ---------------------------------------------------------------------------

/**
 * `text` with every known identity string (and each of `extra`, e.g. a finding's own values)
 * replaced by MASK while patient data is hidden; as it is otherwise.
 * @param {string | number | null | undefined} text
 * @param {string[]} [extra]
 * @returns {string}
 */
export function maskText(text, extra) {
  return masker(extra)(text);
}

/**
 * maskText with `extra` built in once, for masking many texts with the same extra strings.
 * @param {string[]} [extra]
 * @returns {(text: string | number | null | undefined) => string}
 */
export function masker(extra) {
  const strings = (extra || []).filter((s) => typeof s === "string" && s.length >= 3);
  const expression = !on ? null
    : strings.length ? build([...[...identities.values()].flat(), ...strings]) : currentMatcher();
  return (text) => {
    const value = text === null || text === undefined ? "" : String(text);
    return expression && value ? value.replace(expression, MASK) : value;
  };
}

/** A value that identifies by what it is (name, ID, date, accession): MASK while hidden
 * (empty stays empty, so "absent" still shows). @param {string | number | null | undefined} value */
export function maskField(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return on && text ? MASK : text;
}

/** "Patient 1" … for the n-th patient (0-based) of the summary. @param {number} index */
export function patientLabel(index) {
  return `Patient ${index + 1}`;
}

/** The summary's label of the patient with this name and ID ("Patient 2"), or "Patient".
 * @param {string | null | undefined} name @param {string | null | undefined} id */
export function patientLabelOf(name, id) {
  const index = patients.findIndex((p) => p.name === (name || "") && p.id === (id || ""));
  const byName = index >= 0 ? index : patients.findIndex((p) => p.name === (name || ""));
  return byName >= 0 ? patientLabel(byName) : "Patient";
}

// --- elements of a header --------------------------------------------------------------

/** Python's list (worker_api.identifying_tags), once it is known. @param {IdentifyingTags} list */
export function setIdentifyingTags(list) {
  identifying = {
    tags: new Set(list.tags.map((tag) => parseInt(tag, 16))),
    patterns: list.patterns.map((p) => new RegExp(`^${p.replace(/x/gi, "[0-9A-F]")}$`, "i")),
    vrs: new Set(list.vrs),
  };
}

/** "(0010,0010)" or "00100010" → 0x00100010; null when it is not a tag. @param {string} text */
export function tagNumber(text) {
  const hex = String(text).replace(/[(),\s]/g, "");
  return /^[0-9A-Fa-f]{8}$/.test(hex) ? parseInt(hex, 16) : null;
}

/**
 * Whether the value of this element is hidden (see worker_api.identifying_tags): E.1-1 lists
 * it with an action other than K, its VR is a name, date or time, or it is private (but for the
 * creators' names, which are masked as text). Until Python's list is known, every element is.
 * @param {string} tag "(gggg,eeee)"
 * @param {string} [vr]
 */
export function isIdentifyingElement(tag, vr = "") {
  const number = tagNumber(tag);
  if (number === null) return true;
  if ((number >>> 16) & 1) return (number & 0xffff) >= 0x100;
  if (!identifying) return true;
  if (identifying.tags.has(number) || identifying.vrs.has(vr)) return true;
  const hex = number.toString(16).toUpperCase().padStart(8, "0");
  return identifying.patterns.some((pattern) => pattern.test(hex));
}

/** The value of an element as shown: MASK for an identifying one, else masked as text.
 * @param {string} tag @param {string | undefined} vr @param {string | null | undefined} value @param {boolean} [inside] within an identifying sequence */
export function maskElementValue(tag, vr, value, inside = false) {
  if (!on || !value) return value || "";
  return inside || isIdentifyingElement(tag, vr) ? MASK : maskText(value);
}

// --- the privacy review ----------------------------------------------------------------

/** @type {WeakMap<Finding, Finding>} */
const maskedFindings = new WeakMap();

/**
 * A finding as shown while patient data is hidden (itself otherwise): its values and matched
 * texts masked whole; its title, reason, element name, locations and series descriptions with
 * the known identities and its own values and matched texts masked.
 * @param {Finding} finding
 * @returns {Finding}
 */
export function maskFinding(finding) {
  if (!on) return finding;
  const cached = maskedFindings.get(finding);
  if (cached) return cached;
  const own = [...(finding.values || []).map((v) => String(v.value ?? "")), ...(finding.matches || []).map((m) => m.text),
    ...(finding.text ? [finding.text] : []), ...(finding.boxes || []).map((b) => b.text)];
  const mask = masker(own);
  const element = finding.element
    ? { ...finding.element, name: mask(finding.element.name), keyword: mask(finding.element.keyword), path: mask(finding.element.path) }
    : finding.element;
  /** @type {Finding} */
  const masked = {
    ...finding, title: mask(finding.title), reason: mask(finding.reason), element,
    ...(finding.values && { values: finding.values.map((v) => ({ ...v, value: maskField(v.value) })) }),
    ...(finding.matches && { matches: finding.matches.map((m) => ({ ...m, text: maskField(m.text), why: mask(m.why) })) }),
    ...(finding.locations && { locations: finding.locations.map(mask) }),
    ...(finding.series && { series: finding.series.map((s) => ({ ...s, description: mask(s.description) })) }),
    ...(finding.text !== undefined && { text: maskField(finding.text) }),
    ...(finding.boxes && { boxes: finding.boxes.map((b) => ({ ...b, text: maskField(b.text) })) }),
  };
  maskedFindings.set(finding, masked);
  return masked;
}

/** A patient of the review as shown: its label for a name, no ID or birth date, studies
 * without dates and accession numbers. @param {ReviewPatient} patient @returns {ReviewPatient} */
export function maskPatient(patient) {
  if (!on) return patient;
  return { ...patient, name: patient.label, id: maskField(patient.id), birth_date: maskField(patient.birth_date),
    ...(patient.studies && { studies: patient.studies.map((s) => ({ ...s, date: maskField(s.date),
      accession: maskField(s.accession), description: maskText(s.description) })) }) };
}

/** The whole report as a masked download would hold it (every string masked besides).
 * @param {Review} review @returns {Review} */
export function maskReport(review) {
  if (!on) return review;
  const masked = { ...review, findings: review.findings.map(maskFinding),
    ...(review.patients && { patients: review.patients.map(maskPatient) }) };
  return /** @type {Review} */ (maskStrings(masked));
}

// --- downloads -------------------------------------------------------------------------

/**
 * A download's text with the identity strings masked (after Python masked its fields): JSON
 * string by string, HTML text node by text node (its markup untouched), anything else as text.
 * @param {string} text
 * @param {"json" | "html" | "text"} kind
 */
export function maskDownload(text, kind) {
  if (!on) return text;
  if (kind === "json") {
    try {
      return JSON.stringify(maskStrings(JSON.parse(text)), null, 1);
    } catch {
      return maskText(text);
    }
  }
  if (kind === "html") {
    const doc = new DOMParser().parseFromString(text, "text/html");
    const walker = doc.createTreeWalker(doc.documentElement, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && node.parentElement.closest("style")) continue;
      node.nodeValue = maskText(node.nodeValue);
    }
    for (const element of doc.querySelectorAll("[title], [alt], [aria-label]")) {
      for (const name of ["title", "alt", "aria-label"]) {
        const value = element.getAttribute(name);
        if (value) element.setAttribute(name, maskText(value));
      }
    }
    return `<!DOCTYPE html>\n${doc.documentElement.outerHTML}\n`;
  }
  return maskText(text);
}

/** Every string in a JSON value through maskText (keys are the format's own). @param {unknown} value @returns {unknown} */
function maskStrings(value) {
  if (typeof value === "string") return maskText(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskStrings(item)]));
  }
  return value;
}
