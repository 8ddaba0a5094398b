"""``python -m dicompeek render``: one frame to PNG with the viewer's pipeline, and with ``--seg``
a segmentation drawn over it (or, with ``--mask-only``, one segment's mask aligned to the frame).

Why a module of its own: the SEG options brought the command line past the size of one module;
the parser stays in :mod:`dicompeek.app.cli`. The segmentation is read and matched to the frame
by :mod:`dicompeek.objects.seg`, the code the page uses: by Source Image reference, else by Frame
of Reference and position. A frame the segmentation does not cover is not an error: the overlay
is the frame alone and the mask all 0 (said on stderr as a note); a segmentation that does not
segment the image at all (no reference to it, its series or its plane) is one, exit 2.
"""

from __future__ import annotations

import argparse

import numpy as np
from pydicom.dataset import Dataset

from dicompeek.app.cli_io import Failure, open_target, read_entry, safe, say, write_output
from dicompeek.dicom.errors import describe
from dicompeek.index.summary import uid_name
from dicompeek.objects.seg import (
    NotRelated,
    Segmentation,
    SizeMismatch,
    blend,
    check_size,
    is_segmentation,
    match_frames,
    overlay_rgba,
    read_segmentation,
    segment_mask,
)
from dicompeek.pixels.display import Window, frame_problem, frame_warnings, render_frame
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.png import encode_png

DONE = 0


def render_command(args: argparse.Namespace, where: list[str]) -> int:
    """Render one frame of a file, or of a zip entry, to PNG (the viewer's reading, checks and words);
    what the frame shows differently from what the file asks goes to stderr, as warnings. With
    ``--seg`` the segmentation's segments (or ``--segment N``) are blended over it in their colours,
    or with ``--mask-only`` segment N's mask is written instead: 255 where present, else 0."""
    seg_options = [name for name, given in (("--segment", args.segment is not None),
                                            ("--mask-only", args.mask_only)) if given]
    if seg_options and not args.seg:
        raise Failure(seg_options[0], "needs --seg SEG_FILE_OR_ZIP[::ENTRY]")
    with open_target(args.target, where) as (index, entry, location):
        ds = read_entry(index, entry, location).dataset
        frame = args.frame - 1
        problem = frame_problem(ds, frame)
        if problem:
            raise Failure(location, f"cannot show frame {args.frame}: {problem}")
        if args.mask_only:
            image = _mask(args, where, ds, frame, location)
        else:
            image = _render(args, ds, frame, location)
            for warning in safe(lambda: frame_warnings(frame_view(ds, frame)), []):
                say(f"{location}: warning: {warning}")
            if args.seg:
                rgba = _segmentation(args, where, ds, frame, location)[0]
                image = blend(image, rgba)
    write_output(args.output, encode_png(image))
    drawn = f" with {args.seg}" + (f" segment {args.segment}" if args.segment is not None else "") if args.seg else ""
    what = f"{args.seg} segment {args.segment} mask on" if args.mask_only else ""
    print(f"{what + ' ' if what else ''}{location} frame {args.frame}{'' if what else drawn} → {args.output} "
          f"({image.shape[1]}×{image.shape[0]})")
    return DONE


def _render(args: argparse.Namespace, ds: Dataset, frame: int, location: str) -> np.ndarray:
    window = Window(*args.window) if args.window else None
    try:
        return render_frame(ds, frame, window)
    except BaseException as exc:  # a frame that cannot be decoded, a decoder's panic included
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        syntax = safe(lambda: uid_name(str(ds.file_meta.get("TransferSyntaxUID", "") or "")), "")
        raise Failure(location, f"cannot decode frame {args.frame} ({syntax}): "
                                f"{str(exc) or type(exc).__name__}") from exc


def _mask(args: argparse.Namespace, where: list[str], ds: Dataset, frame: int, location: str) -> np.ndarray:
    """Segment N's mask on the frame as 8-bit grey: 255 where present, 0 elsewhere."""
    mask = _segmentation(args, where, ds, frame, location)[1]
    return np.where(mask, np.uint8(255), np.uint8(0)).astype(np.uint8)


def _segmentation(args: argparse.Namespace, where: list[str], image: Dataset, frame: int,
                  location: str) -> tuple[np.ndarray, np.ndarray]:
    """(RGBA overlay of the chosen segments, mask of ``--segment``, or of every drawn segment)
    of the SEG ``args.seg`` on frame ``frame`` of ``image``."""
    with open_target(args.seg, where) as (index, entry, seg_location):
        ds = read_entry(index, entry, seg_location).dataset
        if not is_segmentation(ds):
            raise Failure(seg_location, f"not a segmentation ({uid_name(str(ds.get('SOPClassUID', '')))})")
        try:
            seg = read_segmentation(ds)
            check_size(seg, int(image.Rows), int(image.Columns))
            match = match_frames(seg, image, frame)
        except (NotRelated, SizeMismatch) as exc:
            raise Failure(seg_location, f"cannot draw it on {location}: {exc}") from exc
        except ValueError as exc:
            raise Failure(seg_location, f"cannot read the segmentation: {exc}") from exc
        numbers = _chosen(args, seg, seg_location)
        if not match.frames:
            say(f"{seg_location}: note: nothing segmented on frame {args.frame} of {location}")
        try:
            rgba = overlay_rgba(ds, seg, match.frames, numbers)
            mask = np.zeros((seg.rows, seg.columns), dtype=bool)
            for number in numbers:
                mask |= segment_mask(ds, seg, match.frames, number)
        except BaseException as exc:  # a decoder's failure or panic
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise Failure(seg_location, f"cannot decode the segmentation: {describe(exc)}") from exc
    return rgba, mask


def _chosen(args: argparse.Namespace, seg: Segmentation, seg_location: str) -> list[int]:
    """The segments to draw: ``--segment N``, else every segment (a label map's background, segment
    0, left out); ``--mask-only`` needs one, unless the SEG has just one."""
    drawn = [s.number for s in seg.segments if s.number > 0]
    if args.segment is not None:
        if seg.segment(args.segment) is None:
            raise Failure(seg_location, f"no segment {args.segment} (its segments: {_listed(seg)})")
        return [args.segment]
    if args.mask_only and len(drawn) != 1:
        raise Failure(seg_location, f"--mask-only needs --segment N (its segments: {_listed(seg)})")
    return drawn


def _listed(seg: Segmentation) -> str:
    return ", ".join(str(s.number) for s in seg.segments) or "none"
