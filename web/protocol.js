// @ts-check
// The page–worker protocol, in one place. Page → worker messages are {op} (OP), worker → page
// messages are {type} (EVENT); the Python entry points (dicompeek.app.worker_api, each marked
// @entry_point there) are either run by the worker for itself (CALL: indexing) or asked for by
// the page with {op: "request"} (REQUEST: the viewer, the tag browser, the privacy review).
// Every message, argument list and reply is typed below; ClientEvents is what the client layer
// (worker-client.js) tells the page. Only worker.js and worker-client.js use these names; the
// views call typed functions of worker-client.js.
//
// The two sides are checked against each other: at boot the worker asks Python for its entry
// points and refuses to start when they are not exactly CALL and REQUEST (protocolMismatch);
// tests/app/test_worker_api.py compares the same lists without a browser. Which calls decode pixels
// is Python's to say (@entry_point(decodes_pixels=True)); the worker learns it at boot.

// --- what the page posts to a worker ---------------------------------------------------

export const OP = Object.freeze({
  open: "open", cancel: "cancel", reset: "reset", take: "take", merge: "merge",
  prepare: "prepare", request: "request",
});

/** A picked file; `path` is "export.zip", "IM1" or "FOLDER/sub/IM1" (a folder's files).
 * @typedef {{path: string, file: File}} PickedItem */
/** Mount the pick and index this worker's run of its entries (shard of shards); `run` is echoed
 * in progress so that progress of an earlier run is ignored.
 * @typedef {{op: "open", run: number, items: PickedItem[], shard: number, shards: number}} OpenOp */
/** Stop indexing (the entries left are listed as not indexed).
 * @typedef {{op: "cancel"}} CancelOp */
/** Forget everything loaded; answered with an empty summary.
 * @typedef {{op: "reset"}} ResetOp */
/** Hand over what this worker indexed (answered with "records"); workers 1 … n - 1.
 * @typedef {{op: "take"}} TakeOp */
/** Worker 0: merge the other workers' records and answer with the summary.
 * @typedef {{op: "merge", records: Records[]}} MergeOp */
/** Worker 0: load the image codecs once numpy is there, not on the first request that needs them
 * (a pick made meanwhile is not held up).
 * @typedef {{op: "prepare"}} PrepareOp */
/** Run a page request; answered with "reply" of the same id.
 * @typedef {{op: "request", id: number, name: RequestName, args: unknown[]}} RequestOp */
/** @typedef {OpenOp | CancelOp | ResetOp | TakeOp | MergeOp | PrepareOp | RequestOp} ToWorker */

// --- what a worker posts to the page ---------------------------------------------------

export const EVENT = Object.freeze({
  boot: "boot", ready: "ready", progress: "progress", records: "records", summary: "summary",
  reply: "reply", error: "error", fatal: "fatal",
});

/** A boot stage, `step` of `of`.
 * @typedef {{type: "boot", step: number, of: number, text: string}} BootMessage */
/** Python is ready (after `seconds`); `demo` is the demo zip's path in dist/; `marks`: when each
 * boot stage ended, in ms since the epoch (for the start-up benchmark).
 * @typedef {{type: "ready", seconds: number, demo: string, marks: Record<string, number>}} ReadyMessage */
/** @typedef {{type: "progress", run: number, progress: Progress}} ProgressMessage */
/** @typedef {{type: "records", records: Records}} RecordsMessage */
/** @typedef {{type: "summary", summary: Summary}} SummaryMessage */
/** The reply to a RequestOp: its `result` (see Requests), or the `error` it raised.
 * @typedef {{type: "reply", id: number, result: unknown} | {type: "reply", id: number, error: string}} ReplyMessage */
/** Something failed; the worker goes on.
 * @typedef {{type: "error", message: string}} ErrorMessage */
/** The worker could not start.
 * @typedef {{type: "fatal", message: string}} FatalMessage */
/** @typedef {BootMessage | ReadyMessage | ProgressMessage | RecordsMessage | SummaryMessage | ReplyMessage
 *   | ErrorMessage | FatalMessage} FromWorker */

// --- the Python entry points -----------------------------------------------------------

/**
 * The worker's own calls, by Python name: arguments → reply.
 * @typedef {object} Calls
 * @property {{args: [paths: string[], shard: number, shards: number], reply: Progress}} add_paths
 * @property {{args: [budget: number], reply: Progress}} index_step
 * @property {{args: [], reply: Progress}} cancel
 * @property {{args: [], reply: Records}} take_records
 * @property {{args: [records: Records[]], reply: Summary}} merge_summary
 * @property {{args: [], reply: Summary}} reset
 * @property {{args: [], reply: {syntaxes: string[]}}} use_codecs
 */
/** @typedef {keyof Calls} CallName */

/**
 * What the page may ask a worker for, by Python name: arguments → reply.
 * @typedef {object} Requests
 * @property {{args: [studyUid: string, seriesUid: string], reply: SeriesFrames}} series
 * @property {{args: [entry: number, frame: number, window: RenderWindow], reply: Rendered}} render
 * @property {{args: [entry: number, frame: number, x: number, y: number], reply: Probe}} probe
 * @property {{args: [entry: number, frame: number, shape: RoiShape, box: number[]], reply: RoiStats}} roi
 * @property {{args: [studyUid: string, seriesUid: string], reply: Thumbnail}} thumbnail
 * @property {{args: [studyUid: string, seriesUid: string], reply: RelatedObject[]}} related_objects
 * @property {{args: [segEntry: number, entry: number, frame: number], reply: SegMasks}} seg_masks
 * @property {{args: [studyUid: string, seriesUid: string], reply: SrDocument[]}} sr_documents
 * @property {{args: [entry: number], reply: Header}} header
 * @property {{args: [entry: number, form: "json" | "dump", masked: boolean], reply: Download}} export_header
 * @property {{args: [studyUid: string, seriesUid: string], reply: Variation}} variation
 * @property {{args: [studyUid: string, seriesUid: string, fields: string[], masked: boolean], reply: Download}} series_csv
 * @property {{args: [first: number, second: number], reply: Comparison}} compare
 * @property {{args: [], reply: Instance[]}} instances
 * @property {{args: [parts: number], reply: ReviewPlan}} review_plan
 * @property {{args: [part: ReviewPart, identity: ReviewIdentity], reply: PartProgress}} review_start
 * @property {{args: [budget: number], reply: PartProgress}} review_step
 * @property {{args: [], reply: ReviewState}} review_state
 * @property {{args: [part: ReviewPart, identity: ReviewIdentity, engine: string], reply: OcrProgress}} ocr_start
 * @property {{args: [], reply: OcrImage}} ocr_next
 * @property {{args: [key: number, tsv: string], reply: OcrProgress}} ocr_take
 * @property {{args: [], reply: OcrState}} ocr_state
 * @property {{args: [budget: number], reply: {done: boolean}}} hash_inputs
 * @property {{args: [], reply: NonNullable<Review["provenance"]>}} review_provenance
 * @property {{args: [identity: ReviewIdentity, found: unknown[]], reply: [part: number, identity: ReviewIdentity][]}} review_reruns
 * @property {{args: [states?: ReviewState[], burnedIn?: OcrState[] | null], reply: Review}} privacy_review
 * @property {{args: [form: "html" | "json" | "csv", masked: boolean], reply: Download}} review_report
 * @property {{args: [], reply: IdentifyingTags}} identifying_tags
 * @property {{args: [csv: string], reply: [original: string, name: string, id: string][]}} deid_pseudonyms
 * @property {{args: [options: string[], salt: string, pseudonymCsv: string, record: number | null], reply: CopyPreview}} deid_preview
 * @property {{args: [], reply: CopySeries[]}} deid_series
 * @property {{args: [options: string[], salt: string, pseudonymCsv: string, keepNonDicom: boolean, boxes: string[],
 *   engine: string | null], reply: CopyProgress}} deid_start
 * @property {{args: [], reply: CopyImage}} deid_ocr_next
 * @property {{args: [key: number, tsv: string], reply: CopyProgress}} deid_ocr_take
 * @property {{args: [parts: number], reply: CopyPlan}} deid_plan
 * @property {{args: [number: number, options: string[], salt: string, keepNonDicom: boolean, boxes: string[],
 *   shared: CopyPlan["shared"], part: CopyPart], reply: CopyProgress}} deid_part
 * @property {{args: [budget: number], reply: CopyProgress}} deid_step
 * @property {{args: [], reply: unknown}} deid_state after deid_part: {state, pieces: CopyPiece[]} (worker.js adds
 *   the pieces); after deid_review_part: the review part's state
 * @property {{args: [states: unknown[]], reply: {meta: CopyReport, pixels: ArrayBuffer}}} deid_join
 * @property {{args: [copy: Blob, layout: CopySegment[], indexing: boolean], reply: PartProgress}} deid_review_open
 * @property {{args: [parts: number], reply: ReviewPlan}} deid_review_plan
 * @property {{args: [part: ReviewPart, identity: ReviewIdentity], reply: PartProgress}} deid_review_part
 * @property {{args: [states: ReviewState[]], reply: Review}} deid_review
 * @property {{args: [], reply: Download}} deid_mapping
 * @property {{args: [], reply: {cancelled: boolean}}} deid_cancel
 */
/** @typedef {keyof Requests} RequestName */

/** The worker's own calls (each name is its own value, so that tsc checks the list against Calls). */
export const CALL = Object.freeze(/** @type {{[K in CallName]: K}} */ ({
  add_paths: "add_paths", index_step: "index_step", cancel: "cancel", take_records: "take_records",
  merge_summary: "merge_summary", reset: "reset", use_codecs: "use_codecs",
}));

/** The page's requests (checked against Requests the same way). */
export const REQUEST = Object.freeze(/** @type {{[K in RequestName]: K}} */ ({
  series: "series", render: "render", probe: "probe", roi: "roi", thumbnail: "thumbnail",
  related_objects: "related_objects", seg_masks: "seg_masks", sr_documents: "sr_documents",
  header: "header", export_header: "export_header", variation: "variation", series_csv: "series_csv",
  compare: "compare", instances: "instances",
  review_plan: "review_plan", review_start: "review_start", review_step: "review_step",
  review_state: "review_state", review_reruns: "review_reruns",
  ocr_start: "ocr_start", ocr_next: "ocr_next", ocr_take: "ocr_take", ocr_state: "ocr_state",
  privacy_review: "privacy_review", review_report: "review_report", identifying_tags: "identifying_tags",
  hash_inputs: "hash_inputs", review_provenance: "review_provenance",
  deid_pseudonyms: "deid_pseudonyms", deid_preview: "deid_preview", deid_series: "deid_series",
  deid_start: "deid_start", deid_ocr_next: "deid_ocr_next", deid_ocr_take: "deid_ocr_take",
  deid_plan: "deid_plan", deid_part: "deid_part", deid_step: "deid_step", deid_state: "deid_state",
  deid_join: "deid_join", deid_review_open: "deid_review_open", deid_review_plan: "deid_review_plan",
  deid_review_part: "deid_review_part", deid_review: "deid_review", deid_mapping: "deid_mapping",
  deid_cancel: "deid_cancel",
}));

/** The de-identified copy's files in the origin-private file system (navigator.storage.getDirectory())
 * start with this name: part k is written by one worker through a synchronous access handle
 * (copyPartFile(k): opened before deid_part, whose first argument, k, the worker keeps, and closed after
 * deid_state), and deleted by that worker on deid_cancel; deid_state gives the part's state (for
 * deid_join) and its pieces: slices of the picked zips (pixel data stored there, never read) that go
 * between the part file's bytes. The page reads the parts as Files and makes the copy of them, their
 * pieces and the central directory (deid_join), which every worker mounts for its review
 * (deid_review_open: the worker passes Python the mounted path for the Blob, and reads the parts' bytes
 * through read-only access handles of their files, by the copy's layout).
 * @type {"dicompeek-deidentified-copy.zip"} */
export const COPY_FILE = "dicompeek-deidentified-copy.zip";
/** The file part `number` of the copy is written to. @param {number} number */
export const copyPartFile = (number) => `${COPY_FILE}.part-${number}`;
/** The requests of the copy that worker.js prepares for or cleans up after (a part's file, the mount). */
export const COPY_REQUESTS = Object.freeze(/** @type {RequestName[]} */ ([
  REQUEST.deid_part, REQUEST.deid_state, REQUEST.deid_cancel, REQUEST.deid_review_open]));

/** Requests whose reply carries binary data as a transferred buffer: {meta, pixels} (Python:
 * @entry_point(binary=True), called through worker_api.call_binary): pixels, or the copy's central directory.
 * @type {readonly RequestName[]} */
export const BINARY_REQUESTS = Object.freeze([REQUEST.seg_masks, REQUEST.render, REQUEST.thumbnail, REQUEST.ocr_next, REQUEST.deid_ocr_next,
  REQUEST.deid_join]);

/** What worker_api.entry_points() tells the worker at boot.
 * @typedef {{calls: string[], decodes_pixels: string[], binary: string[]}} EntryPoints */

/**
 * How Python's entry points differ from the ones named here, or null when they agree.
 * @param {EntryPoints} python
 * @returns {string | null}
 */
export function protocolMismatch(python) {
  const named = [...Object.values(CALL), ...Object.values(REQUEST)];
  /** @param {string[]} a @param {readonly string[]} b */
  const missing = (a, b) => a.filter((name) => !b.includes(name));
  const problems = [];
  const unnamed = missing(python.calls, named);
  const absent = missing(named, python.calls);
  if (unnamed.length) problems.push(`Python has entry points that web/protocol.js does not name: ${unnamed.join(", ")}`);
  if (absent.length) problems.push(`web/protocol.js names calls that Python does not have: ${absent.join(", ")}`);
  const binary = [...missing(python.binary, BINARY_REQUESTS), ...missing([...BINARY_REQUESTS], python.binary)];
  if (binary.length) problems.push(`Python and web/protocol.js disagree on which calls reply in binary: ${binary.join(", ")}`);
  const unknown = missing(python.decodes_pixels, named);
  if (unknown.length) problems.push(`Python says unknown calls decode pixels: ${unknown.join(", ")}`);
  return problems.length
    ? `The page and its Python package do not match (a mixed or broken build): ${problems.join("; ")}.`
    : null;
}

// --- what the client layer tells the page (worker-client.js) ---------------------------

/**
 * The events of WorkerClient, by name: what the listener gets. Boot and ready are worker 0's,
 * progress is summed over the workers, summary is worker 0's after the merge.
 * @typedef {object} ClientEvents
 * @property {BootMessage} boot
 * @property {ReadyMessage} ready
 * @property {{progress: Progress}} progress
 * @property {SummaryMessage} summary
 * @property {{message: string}} error
 * @property {{message: string}} fatal
 */

/**
 * Where the sharded privacy review is (WorkerClient.privacyReview): "reviewing" the parts, one
 * per worker; "rechecking" the parts after one that found a nested identity; "merging" them
 * on worker 0; "reading" burned-in text after every header is reviewed. `files` of `total`
 * are summed over the `parts` being reviewed; the rate and the time left are those of the
 * stage. `images`: the burned-in text pass (when it runs): risky files done of all, images read.
 * @typedef {object} ReviewProgress
 * @property {"reviewing" | "rechecking" | "reading" | "merging"} stage
 * @property {{files: number, total: number, frames: number}} [images]
 * @property {number} files
 * @property {number} total
 * @property {number} parts
 * @property {number} elapsed seconds since the stage began
 * @property {number} files_per_second
 * @property {number} eta_seconds 0 when unknown
 */

// --- the data in replies (built by Python: see the module named on each) ---------------

/** Indexing progress (dicompeek.index); summed over the workers by the client.
 * @typedef {object} Progress
 * @property {number} done
 * @property {number} total
 * @property {number} bytes_done
 * @property {number} bytes_total
 * @property {number} elapsed seconds
 * @property {number} files_per_second
 * @property {number} eta_seconds
 * @property {boolean} finished
 * @property {boolean} cancelled
 */

/** One worker's index records, handed to worker 0 as they are (dicompeek.index.take_records).
 * @typedef {{dicom: object[], others: object[]}} Records */

/** The summary (dicompeek.summary).
 * @typedef {object} Summary
 * @property {number} schema_version
 * @property {Totals} totals
 * @property {SummaryPatient[]} patients
 * @property {SummaryFile[]} files
 * @property {{location: string, message: string}[]} notes
 */
/** @typedef {{entries: number, dicom: number, non_dicom: number, unreadable: number, not_indexed: number,
 *   patients: number, studies: number, series: number}} Totals */
/** @typedef {{name: string, id: string, birth_date: string, sex: string, studies: SummaryStudy[]}} SummaryPatient */
/**
 * @typedef {object} SummaryStudy
 * @property {string} study_instance_uid
 * @property {string} date
 * @property {string} time
 * @property {string} description
 * @property {string} accession_number
 * @property {string} study_id
 * @property {number} series_count
 * @property {SummarySeries[]} series
 */
/**
 * @typedef {object} SummarySeries
 * @property {string} series_instance_uid
 * @property {number | string | null} number
 * @property {string} modality
 * @property {string} description
 * @property {string} body_part
 * @property {number} files
 * @property {number} bytes
 * @property {number} instances
 * @property {number} frames
 * @property {number} duplicates files whose SOP Instance UID an earlier file of the series has
 * @property {string[]} sizes "rows×columns", most frequent first
 * @property {{uid: string, name: string}[]} sop_classes
 * @property {{uid: string, name: string}[]} transfer_syntaxes
 * @property {string[]} archives
 * @property {string[]} folders
 * @property {number} files_with_warnings
 * @property {string[]} geometry_warnings
 * @property {string[]} refers_to the series a segmentation, report, RT structure set or presentation state of
 *   this series was made from (Series Instance UIDs): the summary lists it under the first of them
 */
/** A listed file; one outside any series also has the keys that open it alone in the viewer and tag
 * browser (`series_uid` "file:N") and its modality.
 * @typedef {{location: string, size: number, kind: "dicom" | "non-dicom" | "unreadable" | "not-indexed",
 *   reason: string | null, study_uid?: string, series_uid?: string, modality?: string}} SummaryFile */

/** The viewer's frames of a series, in viewing order (dicompeek.viewer).
 * @typedef {object} SeriesFrames
 * @property {Frame[]} frames
 * @property {string[]} warnings
 * @property {string} [modality]
 * @property {string} [description]
 * @property {string} [error]
 */
/** @typedef {{entry: number, frame: number, instance: number | null, position: number | null}} Frame */

/** A code: value, scheme, meaning. @typedef {{code: string, scheme: string, meaning: string}} SrCode */
/** Where a referenced instance is loaded (frame 0-based). @typedef {{study_uid: string, series_uid: string,
 *   entry: number, frame: number}} SrTarget */
/** A spatial coordinate to draw on a frame (columns, rows from the top left corner of the image);
 * from an RT structure set or a presentation state, with its colour (and ROI, or fill).
 * @typedef {{entry: number, frame: number, graphic: string, points: number[][], colour?: number[], filled?: boolean,
 *   roi?: number}} SrGraphic */
/** A presentation state's text on a frame: its box [left, top, right, bottom] and anchor in pixels.
 * @typedef {{entry: number, frame: number, text: string, box: number[] | null, anchor: number[] | null,
 *   anchor_visible: boolean, colour: number[]}} LayerText */
/**
 * One content item of a structured report (py/dicompeek/objects/sr.py documents every field).
 * @typedef {object} SrItem
 * @property {string} position
 * @property {string} relationship
 * @property {string} type
 * @property {SrCode | null} concept
 * @property {string} [value]
 * @property {SrCode | null} [code]
 * @property {SrCode | null} [unit]
 * @property {SrCode | null} [qualifier]
 * @property {string} [continuity]
 * @property {{sop_class: string, sop_instance: string, frames: number[], target?: SrTarget | null}[]} [references]
 * @property {string} [graphic]
 * @property {number[][]} [points]
 * @property {SrGraphic[]} [graphics]
 * @property {string} [reference]
 * @property {string} [error]
 * @property {SrItem[]} [children]
 */
/** A structured report read as a document, with its file (or the error that stopped its reading).
 * @typedef {{location: string, entry: number, error?: string, title?: string, template?: string,
 *   completion?: string, verification?: string, preliminary?: string, date?: string, time?: string,
 *   linked?: number, content?: SrItem}} SrDocument */
/** A segment of a segmentation (py/dicompeek/objects/layers.py): colour sRGB from the file's CIELab value, or a palette's.
 * @typedef {{number: number, label: string, description: string, category: string, type: string,
 *   colour: number[], algorithm_type: string}} SegSegment */
/** A loaded derived object that refers to a series: a layer the viewer can draw over it (or the error reading it).
 * SEG: its segments (own: the segmentation on screen itself, each frame in its segment's colour); RTSTRUCT: its ROIs and their contours on this series' frames; PR: its graphics, texts and
 * windows on them (py/dicompeek/objects/layers.py says each field).
 * @typedef {{kind: "SEG" | "RTSTRUCT" | "PR" | "SR", entry: number, location: string, study_uid: string,
 *   series_uid: string, label?: string, description?: string, segments?: SegSegment[], own?: boolean,
 *   rois?: {number: number, name: string, colour: number[], type: string, contours: number, drawn: number}[],
 *   graphics?: SrGraphic[], texts?: LayerText[], windows?: {entry: number, frame: number, center: number, width: number}[],
 *   transform?: {rotation: number, flip: boolean} | null,
 *   errors?: string[], error?: string}} RelatedObject */
/** A segmentation's masks on one frame: `pixels` holds one rows × columns bit array per segment of
 * meta.segments, in that order, each packed 8 pixels a byte (least significant bit first) and padded
 * to a whole byte (meta.error: why none, e.g. another pixel grid).
 * @typedef {{meta: {rows?: number, columns?: number, segments?: number[], how?: string, error?: string},
 *   pixels: ArrayBuffer}} SegMasks */
/** A series' thumbnail: its middle frame (`meta.entry`, `meta.frame`, of `meta.frames`) as a small PNG
 * (`pixels`, meta.rows × meta.columns), or meta.error saying why there is none (and no pixels).
 * `meta.text_risk`: why its pixels may carry burned-in text (the review's pixel rule), else null: while
 * patient data is hidden such a thumbnail is not shown legibly.
 * @typedef {{meta: {entry?: number, frame?: number, frames?: number, rows?: number, columns?: number,
 *   error?: string, text_risk: string | null}, pixels: ArrayBuffer}} Thumbnail */

/** The window a frame is rendered with; no width: the file's own; auto: from the frame's histogram
 * (1st to 99th percentile of its modality values).
 * @typedef {{center?: number, width?: number, auto?: boolean, invert?: boolean}} RenderWindow */
/** A rendered frame: `pixels` are RGBA, meta.rows × meta.columns (none when meta.error says why).
 * @typedef {{meta: RenderMeta, pixels: ArrayBuffer}} Rendered */
/**
 * @typedef {object} RenderMeta
 * @property {string} [error]
 * @property {number} rows
 * @property {number} columns
 * @property {{center: number | null, width: number | null} | null} [window] the window applied
 * @property {{center: number, width: number, function: string, explanation: string}[]} [windows] the file's
 * @property {boolean} [grey]
 * @property {string} [photometric]
 * @property {string} [unit]
 * @property {{left?: string, right?: string, top?: string, bottom?: string} | null} [orientation]
 * @property {number[] | null} [pixel_spacing]
 * @property {Spacing | null} [spacing] the size of a pixel, for lengths and areas
 * @property {number} [frame_rate]
 * @property {Partial<Record<OverlayField, string>>} [overlay]
 * @property {number} [frames]
 * @property {string[]} [warnings]
 */
/** @typedef {"PatientName" | "PatientID" | "StudyDate" | "SeriesNumber" | "SeriesDescription" | "InstanceNumber"
 *   | "SliceLocation" | "SliceThickness" | "RepetitionTime" | "EchoTime" | "Modality"} OverlayField */
/** The size of a pixel in mm (row: the vertical distance between rows), from Pixel Spacing, else Imager
 * Pixel Spacing (then `note` says it is at the detector, not corrected for magnification).
 * @typedef {{row: number, column: number, source: "PixelSpacing" | "ImagerPixelSpacing", note: string}} Spacing */
/** @typedef {"rectangle" | "ellipse"} RoiShape */
/** A region's statistics in modality units (`unit`, e.g. HU): no mean when no pixel's centre is inside;
 * `area_mm2` (and `spacing_note`) with a pixel spacing, `area_px` always.
 * @typedef {{shape?: RoiShape, pixels?: number, mean?: number | null, sd?: number | null, min?: number | null,
 *   max?: number | null, area_px?: number, area_mm2?: number, spacing_note?: string, unit?: string,
 *   error?: string}} RoiStats */
/** The value under the cursor; empty outside the image.
 * @typedef {{x?: number, y?: number, stored?: number | null | (number | null)[], value?: number | null,
 *   unit?: string, error?: string}} Probe */

/** One instance's header as a tree (dicompeek.tag_browser, dicompeek.tags).
 * @typedef {object} Header
 * @property {number} entry
 * @property {string} location
 * @property {string} preamble
 * @property {HeaderNode[]} meta
 * @property {HeaderNode[]} elements
 * @property {number} count
 * @property {string} [warning]
 * @property {string} [error]
 */
/**
 * @typedef {object} HeaderNode
 * @property {string} tag
 * @property {string} [keyword]
 * @property {string} [name]
 * @property {string} vr
 * @property {string} [stored_vr]
 * @property {number | null} [length]
 * @property {number} vm
 * @property {string} [value]
 * @property {string} [detail]
 * @property {boolean} [truncated]
 * @property {string} [hex]
 * @property {number[]} [basic_offset_table]
 * @property {{offset: number, length: number}[]} [fragments]
 * @property {boolean} [private]
 * @property {string} [creator]
 * @property {boolean} [retired]
 * @property {string} [warning]
 * @property {HeaderNode[][]} [items] a sequence's items
 */
/** A file to save: its text and name.
 * @typedef {{text: string, name: string, error?: string}} Download */
/**
 * What changes across a series (dicompeek.variation).
 * @typedef {object} Variation
 * @property {number} instances
 * @property {VariationElement[]} elements
 * @property {number} varying
 * @property {{location: string, reason: string}[]} [unreadable]
 */
/**
 * @typedef {object} VariationElement
 * @property {string} tag
 * @property {string} keyword
 * @property {string} name
 * @property {string} vr
 * @property {number} present
 * @property {boolean} constant
 * @property {number} distinct
 * @property {{value: string, count: number, example: string}[]} values
 * @property {number | string} [min]
 * @property {number | string} [max]
 */
/**
 * Two instances' headers side by side.
 * @typedef {object} Comparison
 * @property {string} first
 * @property {string} second
 * @property {{path: string, name: string, vr: string, first: string | null, second: string | null,
 *   differs: boolean}[]} rows
 * @property {number} differences
 * @property {string} [error]
 */
/** @typedef {{entry: number, location: string, series: string, instance: number | string | null}} Instance */

/** A privacy review cut into parts, one per worker (dicompeek.privacy.merge.plan); the identity
 * and the parts are opaque to the page.
 * @typedef {{identity: ReviewIdentity, files: number, parts: ReviewPart[]}} ReviewPlan */
/** What every part searches for (opaque to the page).
 * @typedef {unknown} ReviewIdentity */
/** Packed records of one part (opaque to the page).
 * @typedef {unknown} ReviewPart */
/** One part's reviewer state (opaque to the page but for what it found nested: `found`, handed
 * to review_reruns as it is).
 * @typedef {{found: unknown} & Record<string, unknown>} ReviewState */
/** A part's progress on its worker (dicompeek.privacy.merge.PartReview.progress).
 * @typedef {{files: number, total: number, done: boolean}} PartProgress */
/** A part's burned-in text pass on its worker (dicompeek.privacy.burned_in.reader.BurnedInJob.progress):
 * risky files handed out in full of all risky files, and images read.
 * @typedef {{files: number, total: number, frames: number, done: boolean}} OcrProgress */
/** The next image of a part's burned-in text pass: a PGM file for tesseract.js (key null: none left).
 * @typedef {{meta: {key: number | null, label?: string}, pixels: ArrayBuffer}} OcrImage */
/** A part's burned-in text state, merged by privacy_review (opaque to the page).
 * @typedef {Record<string, unknown>} OcrState */
/** The copy cut into parts, one per worker (dicompeek.app.worker_copy.PageCopy.plan): the DICOM files,
 * what every part needs and the parts (opaque to the page).
 * @typedef {{files: number, shared: unknown, parts: CopyPart[]}} CopyPlan */
/** Bytes of a picked file that go into a part of the copy unread, after the part file's first `at` bytes
 * (Python's JsSink.refer). @typedef {{at: number, blob: Blob}} CopyPiece */
/** Where a run of the copy's bytes comes from, in the copy's order: bytes `from` to `from + length` of part
 * file `part` (copyPartFile(part)), or, without `part`, bytes of a picked zip or the central directory.
 * @typedef {{length: number, part?: number, from?: number}} CopySegment */
/** One part of the copy: its records, their names in the copy, the other files (opaque to the page).
 * @typedef {unknown} CopyPart */
/** The de-identified copy's progress: worker 0's (dicompeek.app.worker_copy.PageCopy.progress) "reading"
 * the burned-in text first (Clean Pixel Data or Clean Graphics with OCR: `images` read of about `total`),
 * then a part's "writing" files gone through of its all (DICOM, then the others), bytes written so far.
 * @typedef {{stage: "reading" | "writing", files: number, total: number, done: boolean, bytes: number,
 *   images?: {images: number, total: number, done: boolean}}} CopyProgress */
/** A series loaded, to draw boxes on its frames (worker_copy.series_list): its UIDs, number, modality,
 * description (identifying: masked while patient data is hidden), files, frames and its most frequent
 * size, "columns×rows".
 * @typedef {{study_uid: string, series_uid: string, number: number | string | null, modality: string,
 *   description: string, files: number, frames: number, size: string}} CopySeries */
/** The next image of the copy's text pass: a PGM file for tesseract.js; key null: none now (done:
 * none left; else the images out must come back first).
 * @typedef {{meta: {key: number | null, label?: string, done: boolean}, pixels: ArrayBuffer}} CopyImage */
/** What the copy did, in counts, never values (CopyJob.finish): per element label and action word,
 * files dropped by reason, files that could not be de-identified (their input location), pixels.
 * @typedef {object} CopyReport
 * @property {number} files_written
 * @property {{element: string, action: string, files: number}[]} actions
 * @property {Record<string, number>} dropped
 * @property {{location: string, reason: string}[]} problems
 * @property {Record<string, number>} pixels
 */
/**
 * What the copy does to one instance, before anything is written (dicompeek.privacy.deidentify.preview):
 * its changes per element class, before and after; `after_from_original`: the value after is the
 * original's (kept or cleaned), masked like every "before" while patient data is hidden.
 * @typedef {object} CopyPreview
 * @property {{record: number, location: string, series_description: string, series_number: number | string | null,
 *   modality: string}} instance
 * @property {{pseudonym_name: string, pseudonym_id: string, given: boolean, days: number}} patient
 * @property {{key: string, title: string, about: string, counts: Record<string, number>,
 *   rows: CopyPreviewRow[]}[]} classes
 * @property {Record<string, number>} counts per action word
 * @property {number} unchanged elements left as they were
 * @property {string[]} notes what is not previewed
 * @property {CopyPreviewChoice[]} choices the first file of each series
 */
/** @typedef {{path: string, name: string, vr: string, action: string, before: string, after: string,
 *   after_from_original: boolean}} CopyPreviewRow */
/** @typedef {{record: number, pseudonym: string, series_description: string, series_number: number | string | null,
 *   modality: string, files: number}} CopyPreviewChoice */
/** The elements whose values "Hide patient data" hides (worker_api.identifying_tags): tags as 8
 * hex digits, patterns with x for any digit ("60XX3000"), VRs (PN, DA, DT, TM).
 * @typedef {{tags: string[], patterns: string[], vrs: string[]}} IdentifyingTags */
/**
 * The privacy review (dicompeek.privacy.reviewer, schema_version 2; keys of version 1 and keys
 * still to come are optional here, so the page shows what there is).
 * @typedef {object} Review
 * @property {number} schema_version
 * @property {string} verdict
 * @property {{high: number, medium: number, low: number, info: number}} counts
 * @property {{edition: string, title: string}} profile
 * @property {number} files_reviewed
 * @property {ReviewPatient[]} [patients]
 * @property {Provenance} [provenance]
 * @property {{engine: string | null, files_read: number, frames_read: number, files_not_read?: number,
 *   series_without_text?: string[], said?: string}} [burned_in] what the burned-in text pass read (engine null: not run)
 * @property {Finding[]} findings
 */
/**
 * A patient of the files reviewed: `key` ("P1") is what findings name in `patients`.
 * @typedef {object} ReviewPatient
 * @property {string} key
 * @property {string} label "Patient 1"
 * @property {string} [name]
 * @property {string} [id]
 * @property {string} [birth_date]
 * @property {boolean} [pseudonymous]
 * @property {number} [files]
 * @property {{uid: string, date?: string, description?: string, accession?: string, files?: number}[]} [studies]
 */
/**
 * What a report describes: the inputs, when, by what, against which table, what the files claim.
 * @typedef {object} Provenance
 * @property {{name: string, size?: number, sha256?: string | null, pending?: boolean}[]} [inputs]
 * @property {string} [reviewed_at] ISO 8601, UTC
 * @property {string} [tool]
 * @property {string} [table]
 * @property {string[]} [claimed]
 * @property {string} [verdict]
 */
/**
 * @typedef {object} Finding
 * @property {string} id
 * @property {"high" | "medium" | "low" | "info"} severity
 * @property {string} category
 * @property {string} title
 * @property {string} reason
 * @property {{tag: string, keyword?: string, name?: string, path?: string} | null} [element]
 * @property {number} files
 * @property {number[]} [entries]
 * @property {string[]} [locations]
 * @property {number} [distinct_values]
 * @property {{study_uid: string, series_uid: string, description: string}[]} [series]
 * @property {{value: string, count: number}[]} [values]
 * @property {{entry: number, frame: number} | null} [thumbnail]
 * @property {string[]} [patients] keys of the patients whose files it occurs in
 * @property {{text: string, kind?: string, why?: string, patient?: string | null}[]} [matches]
 * @property {string} [text] burned_in_text: the line read first
 * @property {TextBox[]} [boxes] burned_in_text: where the text is
 */
/**
 * Where text was read in the pixels (dicompeek.privacy.burned_in.reader): in the frame's pixel
 * coordinates, or an overlay plane's (`source` "overlay 6000", the image's too) or the icon's.
 * @typedef {{entry: number, frame: number, x: number, y: number, width: number, height: number, text: string,
 *   source?: string}} TextBox
 */
