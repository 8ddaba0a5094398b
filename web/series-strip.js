// @ts-check
// The viewer's series strip, as in OHIF, Horos and Weasis: every series of the patient on
// screen, by study, each with a thumbnail (its middle frame, asked for lazily as it scrolls into
// view: thumbnails.js) and its number, modality, description and size; a click or Enter opens it
// in place. "Hide patient data" applies: descriptions and study dates are masked, and a thumbnail
// whose pixels may carry burned-in text (meta.text_risk) is blurred beyond reading.
import { byId, el } from "./dom.js";
import { date } from "./format.js";
import { hidden, maskField, maskText } from "./mask.js";
import { findSeries } from "./summary.js";
import { thumbnail } from "./thumbnails.js";

/** @typedef {import("./worker-client.js").WorkerClient} WorkerClient */
/** @typedef {import("./protocol.js").SummarySeries} SummarySeries */

/** A series' short title, as the viewer's title bar and the strip show it. @param {SummarySeries} s */
export function seriesTitle(s) {
  return `${s.modality} #${s.number ?? ""} ${s.description}`.trim();
}

export class SeriesStrip {
  /**
   * @param {WorkerClient} client
   * @param {(studyUid: string, seriesUid: string) => void} onPick a series was picked
   */
  constructor(client, onPick) {
    this.client = client;
    this.onPick = onPick;
    this.root = byId("viewer-strip");
    this.studyUid = "";
    this.seriesUid = "";
    this.observer = new IntersectionObserver((seen) => {
      for (const entry of seen) {
        if (entry.isIntersecting && entry.target instanceof HTMLElement) this.#load(entry.target);
      }
    }, { root: this.root, rootMargin: "200px" });
  }

  /** Show the series of the patient of this series, this one marked as on screen.
   * @param {string} studyUid @param {string} seriesUid */
  show(studyUid, seriesUid) {
    this.studyUid = studyUid;
    this.seriesUid = seriesUid;
    this.render();
  }

  /** Show nothing (the viewer closed). */
  clear() {
    this.observer.disconnect();
    this.studyUid = this.seriesUid = "";
    this.root.replaceChildren();
  }

  /** Draw the strip again (the series on screen or "Hide patient data" changed). */
  render() {
    this.observer.disconnect();
    if (!this.seriesUid) return;
    const found = findSeries(this.studyUid, this.seriesUid);
    if (!found) {
      this.root.replaceChildren();
      return;
    }
    const studies = found.patient.studies;
    this.root.replaceChildren(el("h2", { class: "strip-heading" }, studies.length === 1 ? "Series" : "Studies and series"),
      ...studies.flatMap((study) => [
        ...(studies.length > 1 ? [el("div", { class: "strip-study" },
          maskField(date(study.date)) || "(no date)", el("br"), maskText(study.description) || "(no description)")] : []),
        // images only: a report, RT structures or a presentation state is reached from the layers of the series it refers to
        el("ul", { class: "strip-list" }, ...study.series.filter((s) => s.frames > 0)
          .map((s) => el("li", {}, this.#item(study.study_instance_uid, s)))),
      ]));
    const current = this.root.querySelector("[aria-current=true]");
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  /** @param {string} studyUid @param {SummarySeries} s */
  #item(studyUid, s) {
    const current = studyUid === this.studyUid && s.series_instance_uid === this.seriesUid;
    const frames = s.frames === 1 ? "1 image" : `${s.frames} images`;
    const button = el("button", {
      type: "button", class: "strip-item", "aria-current": current ? "true" : null,
      dataset: { studyUid, seriesUid: s.series_instance_uid },
      on: { click: () => this.onPick(studyUid, s.series_instance_uid) },
    },
    el("span", { class: "strip-thumb" }, el("span", { class: "strip-wait" }, s.modality)),
    el("span", { class: "strip-caption" }, `${s.modality} #${s.number ?? ""}`, el("br"),
      maskText(s.description) || "(no description)", el("br"), el("span", { class: "muted" }, frames)));
    this.observer.observe(button);
    return button;
  }

  /** @param {HTMLElement} button */
  async #load(button) {
    this.observer.unobserve(button);
    const { studyUid = "", seriesUid = "" } = button.dataset;
    const frame = button.querySelector(".strip-thumb");
    if (!frame) return;
    try {
      const { url, meta } = await thumbnail(this.client, studyUid, seriesUid);
      const masked = hidden() && meta.text_risk !== null;
      frame.replaceChildren(url
        ? el("img", { src: url, alt: "", class: masked ? "masked" : null, width: meta.columns, height: meta.rows })
        : el("span", { class: "strip-wait", title: maskText(meta.error) }, "no image"));
      button.dataset.thumbnail = url ? "shown" : "none";
      button.dataset.textRisk = meta.text_risk ? "true" : "false";
    } catch (error) {
      frame.replaceChildren(el("span", { class: "strip-wait" }, "no image"));
      button.dataset.thumbnail = "none";
    }
  }
}
