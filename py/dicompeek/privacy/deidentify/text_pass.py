"""The burned-in text of a copy's input, read before the copy: what Clean Pixel Data blanks and
Clean Graphics judges overlays by, and, after blanking, whether any text is left.

Why a pass of its own: the command line's engine (Tesseract) answers at once, so its
:class:`~.run.CopyJob` reads the text when it starts and reads each blanked file again as it
writes it (:func:`~dicompeek.privacy.burned_in.reader.text_left`). The page's engine
(tesseract.js, in workers of its own) answers asynchronously, and a step of the copy cannot wait
for it. So the page runs :class:`TextPass` first, one image at a time as the review's pass does
(:meth:`TextPass.next_image`, then :meth:`TextPass.take` with the words): every image of the
input that the review would read, then every frame of each file with boxes, blanked as the copy
will blank it. The words of each image are kept by the image's digest (:class:`RecordedEngine`),
and the copy then runs exactly as the command line's, with that engine: the same images get the
same words, so the page decides Burned In Annotation as the command line does, by the same code.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import Index
from dicompeek.index.series import frame_count
from dicompeek.privacy.burned_in.engine import Word
from dicompeek.privacy.burned_in.frames import Source, frames_to_read, image_of, sources_of, why_read
from dicompeek.privacy.burned_in.meaning import ReadLine, judge_words
from dicompeek.privacy.burned_in.reader import BurnedInJob
from dicompeek.privacy.deidentify.meta import ensure_meta
from dicompeek.privacy.deidentify.pixels import Box, blank
from dicompeek.privacy.identity import Identity, Patient


@dataclass
class PixelText:
    """What the burned-in text pass read in the input: boxes to blank by entry (Clean Pixel
    Data), and the entries whose overlays hold text (Clean Graphics keeps only the others')."""

    boxes: dict[int, list[Box]] = field(default_factory=dict)
    overlays: set[int] = field(default_factory=set)

    def keep(self, entry: int, source: Source, line: ReadLine) -> None:
        """A line that is not a scanner label (the pass's ``on_text``)."""
        if source.kind == "frame":
            self.boxes.setdefault(entry, []).append(Box(source.frame, *line.box))
        elif source.kind == "overlay":
            self.overlays.add(entry)

    def to_blank(self, entry: int, fields: Mapping[str, Any], drawn: Mapping[str, list[Box]]) -> list[Box]:
        """The boxes Clean Pixel Data fills in one file: the text read in it, then the boxes drawn
        on its series (every frame)."""
        return [*self.boxes.get(entry, []), *drawn.get(str(fields.get("SeriesInstanceUID") or ""), [])]


class NotRead(RuntimeError):
    """The copy asked for the words of an image its pass did not read."""


class RecordedEngine:
    """An OCR engine that answers from words read beforehand, by the image's digest: the page's
    copy runs the command line's code with it (see the module's docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._words: dict[bytes, list[Word]] = {}

    def record(self, image: np.ndarray, words: list[Word]) -> None:
        self._words[_digest(image)] = words

    def recognise(self, image: np.ndarray) -> list[Word]:
        try:
            return self._words[_digest(image)]
        except KeyError:
            raise NotRead("this image was not read for text before the copy") from None

    def state(self) -> dict[str, list[list[Any]]]:
        """The words read, as plain data: the page's worker 0 reads, every worker writing a part of
        the copy answers from them (:meth:`from_state`)."""
        return {digest.hex(): [[w.text, w.confidence, w.x, w.y, w.width, w.height] for w in words]
                for digest, words in self._words.items()}

    @classmethod
    def from_state(cls, name: str, state: Mapping[str, list[list[Any]]]) -> RecordedEngine:
        engine = cls(name)
        engine._words = {bytes.fromhex(digest): [Word(*word) for word in words] for digest, words in state.items()}
        return engine


@dataclass(frozen=True, slots=True)
class Image:
    """An image to read: its key for :meth:`TextPass.take`, the prepared pixels (uint8 grey, dark
    text on light), and what it is ("frame 3"; "frame 3, blanked" when read again)."""

    key: int
    pixels: np.ndarray
    label: str


@dataclass(frozen=True, slots=True)
class _Again:
    """A frame of a blanked file, read again."""

    entry: int
    pixels: np.ndarray
    scale: int
    patient: Patient | None
    institution: str
    label: str


class TextPass:
    """The page's reading of the input's burned-in text before its copy: first every image the
    review reads (the boxes), then, with ``clean_pixels``, the frames of each file that will be
    blanked (its OCR boxes and the boxes ``drawn`` on its series), blanked (the text left).
    :attr:`text` and :attr:`engine` are the copy's once :attr:`done`. ``engine_name`` is the
    engine's, as the copy's report and review name it."""

    def __init__(self, index: Index, identity: Identity, engine_name: str, clean_pixels: bool,
                 drawn: Mapping[str, list[Box]], read: Callable[..., Dataset] = read_instance) -> None:
        self._index, self._identity, self._read, self._drawn = index, identity, read, drawn
        self._clean_pixels = clean_pixels
        self.text = PixelText()
        self.engine = RecordedEngine(engine_name)
        self._first = BurnedInJob(index, index.dicom, identity, engine_name, read, on_text=self.text.keep)
        self._again: Iterator[_Again] | None = None  # made once the first reading is over
        # each image out by key: the first reading's key and image, or a blanked frame read again
        self._out: dict[int, tuple[int, np.ndarray] | _Again] = {}
        self._text_left: set[int] = set()  # blanked files in which text was read again
        self._keys = 0
        self._finished = False
        self.images_read = 0
        self.images_expected = sum(len(frames_to_read(frame_count(r)))
                                   for r in index.dicom if why_read(r.fields) is not None)

    @property
    def done(self) -> bool:
        return self._finished and not self._out

    def progress(self) -> dict[str, Any]:
        """{"images": read so far, "total": expected (it grows when an overlay or a blanked frame
        comes up), "done"}."""
        return {"images": self.images_read, "total": max(self.images_expected, self.images_read),
                "done": self.done}

    def next_image(self) -> Image | None:
        """The next image to read, or None when there is none now: every image handed out, or the
        first reading's images all out and not all taken (the blanked files wait for its boxes)."""
        if self._again is None:
            pending = self._first.next_image()
            if pending is not None:
                key = self._key()
                self._out[key] = (pending.key, pending.image)
                if pending.source.kind != "frame":
                    self.images_expected += 1
                return Image(key, pending.image, pending.source.label())
            if self._out:
                return None
            self._again = self._blanked() if self._clean_pixels else iter(())
        again = next(self._again, None)
        if again is None:
            self._finished = True
            return None
        key = self._key()
        self._out[key] = again
        return Image(key, again.pixels, again.label)

    def take(self, key: int, words: list[Word]) -> None:
        """The words the engine read in image ``key`` (of :meth:`next_image`)."""
        out = self._out.pop(key)
        self.images_read += 1
        if isinstance(out, _Again):
            self.engine.record(out.pixels, words)
            lines = judge_words(words, out.scale, out.patient, self._identity, out.institution)
            if any(line.severity != "info" for line in lines):
                self._text_left.add(out.entry)
            return
        first_key, image = out
        self.engine.record(image, words)
        self._first.take(first_key, words)

    def _key(self) -> int:
        self._keys += 1
        return self._keys

    def _blanked(self) -> Iterator[_Again]:
        """The frames of every file the copy blanks and reads again, blanked as it blanks them
        (:func:`~dicompeek.privacy.burned_in.reader.text_left`'s images): a file whose reading or
        blanking fails is left out (the copy fails on it the same way, and names it)."""
        for record in self._index.dicom:
            fields = record.fields
            boxes = self.text.to_blank(record.entry, fields, self._drawn)
            if not boxes or why_read(fields) is None:
                continue  # no boxes: the first reading saw the same images
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ds = self._read(self._index, record.entry, pixels=True)
                    ensure_meta(ds, record.location)  # as the copy blanks it
                    blank(ds, boxes)
                frames = [source for source in sources_of(ds, frame_count(record))
                          if source.kind == "frame"]
            except Exception:
                continue
            patient = self._identity.patient_of(fields)
            institution = str(ds.get("InstitutionName") or "")
            self.images_expected += len(frames)
            for number, source in enumerate(frames):
                if record.entry in self._text_left:  # text_left stops at the first frame with text
                    self.images_expected -= len(frames) - number
                    break
                try:
                    image, scale = image_of(ds, source)
                except Exception:
                    self.images_expected -= len(frames) - number
                    break
                yield _Again(record.entry, image, scale, patient, institution, f"{source.label()}, blanked")


def _digest(image: np.ndarray) -> bytes:
    """An image's identity: its shape and bytes (sha256: collisions are not a concern)."""
    pixels = np.ascontiguousarray(image)
    return hashlib.sha256(f"{pixels.shape}{pixels.dtype}".encode() + pixels.tobytes()).digest()


__all__ = ["Image", "NotRead", "PixelText", "RecordedEngine", "TextPass"]
