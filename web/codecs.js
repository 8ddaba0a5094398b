// @ts-check
// The pixel codecs the web DICOM viewers use, for the syntaxes Pyodide has no Python
// decoder for: Cornerstone's WebAssembly builds of libjpeg-turbo, CharLS, OpenJPEG and
// OpenJPH, plus two pure-JavaScript JPEG decoders (lossless, and 12-bit extended).
// The worker registers the object loadCodecs() resolves to as the Python module
// `dicompeek_codecs`; py/dicompeek/wasm_decoders.py calls decode() from pydicom's
// decoder plugin interface, synchronously, one encoded frame at a time.
const base = new URL("./codecs/", import.meta.url);

/**
 * A decoded frame: little-endian samples, 1 or 2 bytes each; planar: one plane per component.
 * @typedef {{pixels: Uint8Array, width: number, height: number, bitsPerSample: number,
 *   components: number, signed: boolean, planar: boolean}} DecodedFrame
 */
/** @typedef {(data: Uint8Array) => DecodedFrame} Decode */
/**
 * What the worker registers as the Python module `dicompeek_codecs`.
 * @typedef {{names: string[], decode(name: string, data: Uint8Array): DecodedFrame}} Codecs
 */
/**
 * An Emscripten module of one codec (dist/codecs/*.mjs): its Embind decoder classes by name.
 * @typedef {{getExceptionMessage?: (pointer: number) => string | string[]} & Record<string, unknown>} CodecModule
 */
/**
 * Cornerstone's Embind decoders (JPEGDecoder, JpegLSDecoder, J2KDecoder, HTJ2KDecoder).
 * @typedef {object} EmbindDecoder
 * @property {(length: number) => Uint8Array} getEncodedBuffer
 * @property {() => void} decode
 * @property {() => {width: number, height: number, bitsPerSample: number, componentCount: number,
 *   isSigned: boolean | number}} getFrameInfo
 * @property {() => Uint8Array} getDecodedBuffer
 * @property {() => number} [getInterleaveMode] CharLS only
 * @property {() => void} delete
 */
/** jpeg-lossless-decoder-js's Decoder.
 * @typedef {new () => {decode(buffer: ArrayBufferLike, offset: number, length: number,
 *   bytesPerSample: number): Uint8Array | Uint16Array}} LosslessDecoder */
/** Cornerstone's JavaScript JPEG decoder (12-bit extended).
 * @typedef {new () => {parse(data: Uint8Array): void, colorTransform: boolean,
 *   getData16(width: number, height: number): Uint16Array}} JpegImageClass */

// codec name → [ES module in dist/codecs/, its wasm file, the Embind decoder class]
const WASM = {
  "libjpeg-turbo": ["libjpeg-turbo.mjs", "libjpeg-turbo.wasm", "JPEGDecoder"],
  "charls": ["charls.mjs", "charls.wasm", "JpegLSDecoder"],
  "openjpeg": ["openjpeg.mjs", "openjpeg.wasm", "J2KDecoder"],
  "openjph": ["openjph.mjs", "openjph.wasm", "HTJ2KDecoder"],
};

/** @type {Promise<Codecs> | null} */
let loading = null;

/**
 * Load every codec once (in parallel); later calls share the same promise.
 * @returns {Promise<Codecs>}
 */
export function loadCodecs() {
  loading ??= load();
  return loading;
}

/** @returns {Promise<Codecs>} */
async function load() {
  /** @type {Record<string, Decode>} */
  const decoders = {};
  await Promise.all(Object.entries(WASM).map(async ([name, [script, wasm, className]]) => {
    const factory = (await import(new URL(script, base).href)).default;
    const module = await factory({ locateFile: () => new URL(wasm, base).href });
    decoders[name] = wasmDecoder(module, className);
  }));
  const { Decoder } = await import(new URL("jpeg-lossless.mjs", base).href);
  decoders["jpeg-lossless"] = (data) => jpegLossless(Decoder, data);
  const JpegImage = (await import(new URL("jpeg12.mjs", base).href)).default;
  decoders["jpeg12"] = (data) => jpeg12(JpegImage, data);
  return {
    names: Object.keys(decoders),
    /**
     * Decode one frame. data: Uint8Array of the encoded frame. Returns
     * {pixels: Uint8Array (little-endian samples, 1 or 2 bytes each), width, height,
     *  bitsPerSample, components, signed, planar (true: one plane per component)}.
     */
    decode(name, data) {
      const decoder = decoders[name];
      if (!decoder) throw new Error(`no codec named ${name}`);
      return decoder(data);
    },
  };
}

/**
 * @param {CodecModule} module
 * @param {string} className
 * @returns {Decode}
 */
function wasmDecoder(module, className) {
  return (data) => {
    const decoder = new (/** @type {new () => EmbindDecoder} */ (module[className]))();
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      return {
        pixels: decoder.getDecodedBuffer().slice(),  // copy out of the codec's memory
        width: info.width,
        height: info.height,
        bitsPerSample: info.bitsPerSample,
        components: info.componentCount,
        signed: Boolean(info.isSigned),
        // CharLS keeps the stream's interleave mode: 0 (none) is one plane per component
        planar: className === "JpegLSDecoder" && info.componentCount > 1
          && /** @type {() => number} */ (decoder.getInterleaveMode)() === 0,
      };
    } catch (error) {
      throw new Error(errorText(module, error));
    } finally {
      decoder.delete();
    }
  };
}

/**
 * Emscripten throws C++ exceptions as numbers (pointers); turn them into their message.
 * @param {CodecModule} module
 * @param {unknown} error
 * @returns {string}
 */
function errorText(module, error) {
  if (typeof error === "number" && module.getExceptionMessage) {
    return /** @type {string[]} */ ([]).concat(module.getExceptionMessage(error)).filter(Boolean).join(": ");
  }
  if (typeof error === "number") return `codec error ${error}`;
  const message = error && typeof error === "object" && "message" in error ? error.message : null;
  return String(message || error);
}

/** @param {LosslessDecoder} Decoder @param {Uint8Array} data @returns {DecodedFrame} */
function jpegLossless(Decoder, data) {
  const frame = readFrameHeader(data);
  const bytes = frame.precision > 8 ? 2 : 1;
  const decoded = new Decoder().decode(data.buffer, data.byteOffset, data.byteLength, bytes);
  return {
    pixels: new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength),
    width: frame.width, height: frame.height, bitsPerSample: frame.precision,
    components: frame.components, signed: false, planar: false,
  };
}

/** @param {JpegImageClass} JpegImage @param {Uint8Array} data @returns {DecodedFrame} */
function jpeg12(JpegImage, data) {
  const frame = readFrameHeader(data);
  if (frame.components !== 1) throw new Error(`${frame.precision}-bit colour JPEG is not supported`);
  const image = new JpegImage();
  image.parse(data);
  image.colorTransform = false;
  const samples = image.getData16(frame.width, frame.height);
  return {
    pixels: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
    width: frame.width, height: frame.height, bitsPerSample: frame.precision,
    components: 1, signed: false, planar: false,
  };
}

/**
 * The JPEG frame header (SOFn): precision, size and component count.
 * @param {Uint8Array} data
 * @returns {{precision: number, height: number, width: number, components: number}}
 */
function readFrameHeader(data) {
  for (let i = 2; i + 9 < data.length;) {
    if (data[i] !== 0xff) throw new Error("not a JPEG stream (no marker where one belongs)");
    const marker = data[i + 1];
    if (marker === 0xff) { i += 1; continue; }
    const length = (data[i + 2] << 8) | data[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        precision: data[i + 4],
        height: (data[i + 5] << 8) | data[i + 6],
        width: (data[i + 7] << 8) | data[i + 8],
        components: data[i + 9],
      };
    }
    i += 2 + length;
  }
  throw new Error("no JPEG frame header");
}
