// A fake window.showSaveFilePicker for the end-to-end tests (installed with page.add_init_script):
// its writable keeps none of the copy, so a copy of gigabytes needs neither memory nor disk here.
// It counts the bytes and chunks, keeps the last TAIL bytes (a zip's end records and central
// directory) and, without any CRC, samples the stream where a zip says something: CAPTURE bytes from
// every local file header signature (the header, its name and the start of the entry's data) and
// DESCRIPTOR bytes from every data descriptor signature, each with its offset in the stream. The
// test reads window.savedCopy once window.savedCopy.closed is true (base64 strings for the bytes).
(() => {
  const TAIL = 128 * 1024;
  const CAPTURE = 16 * 1024;
  const DESCRIPTOR = 24;
  const LOCAL = [0x50, 0x4b, 0x03, 0x04];
  const DATA_DESCRIPTOR = [0x50, 0x4b, 0x07, 0x08];

  /** @param {Uint8Array} bytes */
  const base64 = (bytes) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };

  window.showSaveFilePicker = async (options) => {
    window.pickerOptions = options;
    const saved = window.savedCopy = { bytes: 0, chunks: 0, largestChunk: 0, closed: false, aborted: null,
      tail: "", samples: [] };
    return {
      createWritable: async () => {
        const ring = new Uint8Array(TAIL);
        let ringAt = 0;  // where the next byte goes in ring
        let previous = new Uint8Array(0);  // the last 3 bytes before this chunk (a signature may straddle)
        /** @type {{offset: number, kind: string, want: number, parts: Uint8Array[], have: number}[]} */
        let open = [];
        /** @type {typeof open} */
        const done = [];

        /** @param {Uint8Array} chunk @param {number} start the chunk's offset in the stream */
        const feed = (chunk, start) => {
          // samples begun earlier take what they still want from this chunk
          for (const sample of open) {
            const from = Math.max(0, sample.offset - start);
            const piece = chunk.subarray(from, from + sample.want - sample.have);
            sample.parts.push(piece.slice());
            sample.have += piece.length;
          }
          done.push(...open.filter((s) => s.have >= s.want));
          open = open.filter((s) => s.have < s.want);
          // signatures that start in the previous chunk's last 3 bytes or in this chunk
          const seam = new Uint8Array(previous.length + Math.min(chunk.length, 3));
          seam.set(previous);
          seam.set(chunk.subarray(0, 3), previous.length);
          /** @param {Uint8Array} bytes @param {number} at @param {number} offset */
          const check = (bytes, at, offset) => {
            for (const [signature, kind, want] of [[LOCAL, "local", CAPTURE], [DATA_DESCRIPTOR, "descriptor", DESCRIPTOR]]) {
              if (signature.every((b, k) => bytes[at + k] === b)) {
                const sample = { offset, kind: /** @type {string} */ (kind), want: /** @type {number} */ (want), parts: [], have: 0 };
                const before = Math.max(0, start - offset);  // bytes of it in the previous chunk
                sample.parts.push(previous.slice(previous.length - before));
                sample.have = before;
                const piece = chunk.subarray(0, sample.want - before);
                sample.parts.push(piece.slice());
                sample.have += piece.length;
                (sample.have >= sample.want ? done : open).push(sample);
              }
            }
          };
          for (let at = 0; at + 3 < seam.length && at < previous.length; at++) check(seam, at, start - previous.length + at);
          for (let at = chunk.indexOf(0x50); at !== -1 && at + 3 < chunk.length; at = chunk.indexOf(0x50, at + 1)) {
            // the sample then starts in this chunk: feed it from `at`
            for (const [signature, kind, want] of [[LOCAL, "local", CAPTURE], [DATA_DESCRIPTOR, "descriptor", DESCRIPTOR]]) {
              if (signature.every((b, k) => chunk[at + k] === b)) {
                const piece = chunk.subarray(at, at + /** @type {number} */ (want));
                const sample = { offset: start + at, kind: /** @type {string} */ (kind), want: /** @type {number} */ (want),
                  parts: [piece.slice()], have: piece.length };
                (sample.have >= sample.want ? done : open).push(sample);
              }
            }
          }
          if (chunk.length >= 3) previous = chunk.slice(chunk.length - 3);
          else {
            const both = new Uint8Array([...previous, ...chunk]);
            previous = both.slice(Math.max(0, both.length - 3));
          }
          // the tail, in a ring
          const last = chunk.subarray(Math.max(0, chunk.length - TAIL));
          const first = Math.min(last.length, TAIL - ringAt);
          ring.set(last.subarray(0, first), ringAt);
          ring.set(last.subarray(first), 0);
          ringAt = (ringAt + last.length) % TAIL;
        };

        const finish = () => {
          const size = Math.min(saved.bytes, TAIL);
          const tail = new Uint8Array(size);
          if (saved.bytes <= TAIL) tail.set(ring.subarray(0, size));
          else {
            tail.set(ring.subarray(ringAt));
            tail.set(ring.subarray(0, ringAt), TAIL - ringAt);
          }
          saved.tail = base64(tail);
          saved.samples = [...done, ...open].sort((a, b) => a.offset - b.offset).map((s) => {
            const bytes = new Uint8Array(s.have);
            let at = 0;
            for (const part of s.parts) { bytes.set(part, at); at += part.length; }
            return { offset: s.offset, kind: s.kind, bytes: base64(bytes) };
          });
        };

        return new WritableStream({
          write(chunk) {
            const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer || chunk);
            feed(bytes, saved.bytes);
            saved.bytes += bytes.length;
            saved.chunks += 1;
            saved.largestChunk = Math.max(saved.largestChunk, bytes.length);
          },
          close() {
            finish();
            saved.closed = true;
          },
          abort(reason) {
            saved.aborted = String(reason);
          },
        });
      },
    };
  };
})();
