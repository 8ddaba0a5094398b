// @ts-check
// The privacy review's findings, grouped by element (else by category), each group a
// <details> closed by default whose findings are laid out only when it is first opened, a
// page at a time; long lists of values and locations are paged too. So a report of a
// thousand findings over ten thousand files costs a few hundred summary lines until someone
// opens a group. Each finding shows what matched and why, its values, where it occurs, a
// thumbnail for pixel risks and a way into the tag browser. "Hide patient data": mask.js.
import { el } from "./dom.js";
import { hidden, maskFinding, maskText } from "./mask.js";
import { countsText, elementLabel, categoryLabel, groupFindings, severityCounts } from "./review-model.js";

/** @typedef {import("./protocol.js").Finding} Finding */
/** @typedef {import("./protocol.js").Review} Review */
/** @typedef {import("./protocol.js").Rendered} Rendered */
/** @typedef {import("./review-model.js").FindingGroup} FindingGroup */
/**
 * What a finding can do: open its instance in the tag browser, draw a thumbnail.
 * @typedef {{showInTagBrowser: (finding: Finding) => void, render: (entry: number, frame: number) => Promise<Rendered>}} FindingActions
 */

const FINDINGS_PAGE = 50;  // findings laid out at a time in an opened group
const VALUES_PAGE = 20;    // values, matches or locations listed at a time

export class FindingGroups {
  /** @param {HTMLElement} container @param {FindingActions} actions */
  constructor(container, actions) {
    this.container = container;
    this.actions = actions;
    /** @type {Review | null} */
    this.review = null;
    /** @type {FindingGroup[]} */
    this.groups = [];
    /** @type {Set<string>} the keys of the groups open, kept across filters and re-renders */
    this.open = new Set();
    /** @type {WeakMap<HTMLDetailsElement, () => void>} lays out a group's findings (once) */
    this.layOut = new WeakMap();
  }

  /**
   * Lay out the groups of `review` with the findings `test` lets through; the number shown.
   * @param {Review} review
   * @param {(finding: Finding) => boolean} test
   * @returns {number}
   */
  show(review, test) {
    if (review !== this.review) {
      this.review = review;
      this.open.clear();
      this.groups = groupFindings(review.findings, (f) => (f.element ? elementLabel(f) : categoryLabel(f.category)));
    }
    let shown = 0;
    const nodes = [];
    for (const group of this.groups) {
      const findings = group.findings.filter(test);
      if (!findings.length) continue;
      shown += findings.length;
      nodes.push(this.#group(group, findings));
    }
    this.container.replaceChildren(...nodes);
    return shown;
  }

  /** Open or close every group shown (opening lays out their first findings). @param {boolean} open */
  setAllOpen(open) {
    for (const details of /** @type {NodeListOf<HTMLDetailsElement>} */ (this.container.querySelectorAll("details.review-group"))) {
      details.open = open;
      if (open) {
        this.open.add(details.dataset.key || "");
        const layOut = this.layOut.get(details);
        if (layOut) layOut();
      } else {
        this.open.delete(details.dataset.key || "");
      }
    }
  }

  /** @param {FindingGroup} group @param {Finding[]} findings */
  #group(group, findings) {
    const counts = severityCounts(findings);
    const files = Math.max(...findings.map((f) => f.files || 0));
    const details = el("details", { class: `review-group ${group.top}`, dataset: { key: group.key, category: group.category } },
      el("summary", {},
        el("span", { class: `sev sev-${findings[0].severity}` }, findings[0].severity),
        " ", el("span", { class: "review-group-label" }, maskText(group.label)),
        el("span", { class: "muted" }, ` · ${findings.length === 1 ? "1 finding" : `${findings.length} findings`}`
          + `${findings.length > 1 ? ` (${countsText(counts)})` : ""} · ${files} file(s)`)));
    const body = el("div", { class: "review-group-body" });
    details.append(body);
    let laidOut = false;
    const layOut = () => {
      if (laidOut) return;
      laidOut = true;
      body.append(paged(findings, (f) => this.#finding(f), FINDINGS_PAGE, "review-group-findings", "findings"));
    };
    this.layOut.set(details, layOut);
    details.addEventListener("toggle", () => {
      if (details.open) {
        this.open.add(group.key);
        layOut();
      } else {
        this.open.delete(group.key);
      }
    });
    if (this.open.has(group.key)) {
      details.open = true;
      layOut();
    }
    return details;
  }

  /** @param {Finding} raw */
  #finding(raw) {
    const f = maskFinding(raw);
    const patients = new Map(((this.review && this.review.patients) || []).map((p) => [p.key, p]));
    /** @param {string | null | undefined} key */
    const patientName = (key) => {
      const p = key ? patients.get(key) : undefined;
      if (!p) return key || "";
      return hidden() || !p.name ? p.label : `${p.label} (${p.name})`;
    };
    const where = [elementLabel(f), `${f.files} file(s)`].filter(Boolean).join(" · ");
    const series = f.series || [];
    const matches = f.matches || [];
    const values = f.values || [];
    const locations = f.locations || [];
    const canLink = series.length && f.entries && f.entries.length;
    const node = el("article", { class: `review-finding ${f.severity}`, dataset: { id: maskText(f.id), category: f.category } },
      el("header", {}, el("span", { class: `sev sev-${f.severity}` }, f.severity), " ", el("strong", {}, f.title)),
      el("p", {}, f.reason),
      el("p", { class: "muted" }, where),
      series.length ? el("p", { class: "muted" }, `Series: ${series.slice(0, 3).map((s) => s.description || "(no description)").join(", ")}`
        + (series.length > 3 ? ` and ${series.length - 3} more` : "")) : null,
      f.patients && f.patients.length ? el("p", { class: "muted" }, `In the files of ${f.patients.map(patientName).join(", ")}`) : null,
      matches.length ? el("div", { class: "review-matches" }, el("h5", {}, "What matched, and why"),
        paged(matches, (m) => el("li", {}, el("q", { class: "review-match" }, m.text), m.why ? ` ${m.why}` : "",
          m.patient ? el("span", { class: "muted" }, ` · ${patientName(m.patient)}`) : ""), VALUES_PAGE, "review-values", "matches")) : null,
      values.length ? el("div", { class: "review-value-list" },
        el("h5", {}, f.distinct_values && f.distinct_values > values.length
          ? `Values (${values.length} of ${f.distinct_values} distinct)` : `Values (${values.length})`),
        paged(values, (v) => el("li", {}, v.value, el("span", { class: "muted" }, ` ×${v.count}`)),
          VALUES_PAGE, "review-values", "values")) : null,
      locations.length ? el("details", { class: "review-where" }, el("summary", {}, `Where (${locations.length}${f.files > locations.length ? ` of ${f.files}` : ""})`),
        paged(locations, (loc) => el("li", {}, loc), VALUES_PAGE, "review-values", "locations")) : null,
      canLink ? el("button", { type: "button", class: "button subtle review-link",
        on: { click: () => this.actions.showInTagBrowser(raw) } }, "Show in tag browser") : null);
    if (f.thumbnail) this.#thumbnail(node, f.thumbnail);
    return node;
  }

  /** @param {HTMLElement} node @param {{entry: number, frame: number}} frame */
  async #thumbnail(node, { entry, frame }) {
    const canvas = el("canvas", { class: "review-thumb", width: 1, height: 1, role: "img", "aria-label": "One frame of this series" });
    node.prepend(canvas);
    try {
      const { meta, pixels } = await this.actions.render(entry, frame);
      if (meta.error) return canvas.remove();
      canvas.width = meta.columns;
      canvas.height = meta.rows;
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(
        new ImageData(new Uint8ClampedArray(pixels), meta.columns, meta.rows), 0, 0);
    } catch {
      canvas.remove();
    }
  }
}

/**
 * A list that shows `size` items, then "Show more" (the next `size`) and "Show all".
 * @template T
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} render
 * @param {number} size
 * @param {string} className the list's
 * @param {string} noun what the items are, for the buttons
 */
function paged(items, render, size, className, noun) {
  const list = el(className === "review-group-findings" ? "div" : "ul", { class: className });
  let shown = 0;
  const more = el("button", { type: "button", class: "button subtle review-more" });
  const all = el("button", { type: "button", class: "button subtle review-more" });
  const line = el("p", { class: "review-more-line" }, more, " ", all);
  /** @param {number} count */
  const next = (count) => {
    const batch = items.slice(shown, shown + count);
    list.append(...batch.map(render));
    shown += batch.length;
    const left = items.length - shown;
    line.hidden = left <= 0;
    more.textContent = `Show ${Math.min(size, left)} more ${noun}`;
    all.textContent = `Show all ${items.length} ${noun}`;
  };
  more.addEventListener("click", () => next(size));
  all.addEventListener("click", () => next(items.length));
  next(size);
  return el("div", { class: "review-paged" }, list, line);
}
