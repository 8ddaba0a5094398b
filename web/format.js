// @ts-check
// Human-readable forms of values from the summary.

/** @param {number} n */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** @param {number} n */
export function count(n) {
  return n.toLocaleString("en-US");
}

/**
 * "1 entry", "2 entries": a count with its noun in the right number.
 * @param {number} n @param {string} one @param {string} [many] default: `one` + "s"
 */
export function plural(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** @param {number} s */
export function seconds(s) {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * DICOM DA "20240131" → "2024-01-31"; anything else is shown as it is.
 * @param {string | null | undefined} da
 */
export function date(da) {
  const text = da || "";
  return /^\d{8}$/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}` : text;
}
