// @ts-check
// Building DOM nodes. Text goes in through textContent only: strings from
// files (names, header values, entry paths) must never be parsed as HTML.

/** @typedef {Node | string | number | boolean | null | undefined} Child false, null and undefined add nothing */
/**
 * Attributes; besides them "class", "dataset" ({name: value}) and "on" ({event type: listener}).
 * false, null and undefined leave an attribute out; true sets it empty.
 * @typedef {{[name: string]: string | number | boolean | null | undefined | Record<string, string>
 *   | Record<string, EventListener>}} Props
 */

/**
 * el("td", {class: "num", title: "…"}, "text", childNode, …)
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") {
      for (const [type, fn] of Object.entries(/** @type {Record<string, EventListener>} */ (value))) {
        node.addEventListener(type, fn);
      }
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * An SVG element with these attributes (the layers drawn over images: text boxes, measurements,
 * a report's regions).
 * @param {string} tag @param {Record<string, string | number>} attributes
 * @returns {SVGElement}
 */
export function svg(tag, attributes) {
  const node = /** @type {SVGElement} */ (document.createElementNS("http://www.w3.org/2000/svg", tag));
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/**
 * The page's element with this id (index.html); `type` says, and checks, which kind it is.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!node || (type && !(node instanceof type))) {
    throw new Error(`the page has no ${type ? type.name : "element"} #${id}`);
  }
  return /** @type {T} */ (node);
}

/**
 * The first element matching `selector` (which the page must have); `type` as for byId.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {new () => T} [type]
 * @returns {T}
 */
export function one(selector, type) {
  const node = document.querySelector(selector);
  if (!node || (type ? !(node instanceof type) : !(node instanceof HTMLElement))) {
    throw new Error(`the page has no ${type ? type.name : "element"} ${selector}`);
  }
  return /** @type {T} */ (node);
}

/** @param {string} id @param {string} text */
export function setText(id, text) {
  byId(id).textContent = text;
}

/**
 * Offer `blob` as a download named `name` (nothing is sent anywhere).
 * @param {Blob} blob
 * @param {string} name
 */
export function download(blob, name) {
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
