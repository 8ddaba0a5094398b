"""A presentation state's annotations in the viewer's pixel space, tied to the images loaded: what
the page draws over a frame when the presentation state is selected (graphics and texts), and
the window and spatial transformation it may apply as an option.

Why apart from :mod:`.presentation`: reading needs nothing but the dataset; drawing needs the
index of the files loaded with it (which entry, which frame, how many frames and pixels).

Coordinates are those of a report's SCOORDs and of the viewer's SVG layer (web/graphics.js):
(0, 0) is the top left corner of the top left pixel, (Columns, Rows) the bottom right corner of
the bottom right pixel. PIXEL units are that already (PS3.3 C.10.5.1.1) and are passed on
unchanged. DISPLAY units are fractions of the displayed area as shown, after the spatial
transformation: (0, 0) its top left corner, (1, 1) its bottom right. They are turned into
pixels through the image's Displayed Area Selection (see :func:`display_to_pixels`); MATRIX units
(a tiled image's total pixel matrix) are not drawn, with the reason.

What is drawn: POINT, CIRCLE, ELLIPSE as stored; POLYLINE, or POLYGON when closed (its first
point repeated at the end); INTERPOLATED as a POLYLINE through its points (not the curve a
viewer may interpolate); from the Compound Graphic Sequence (PS3.3 C.10.5.1.3) ARROW (points:
the tip, where it points, then the tail), MULTILINE (a POLYLINE per pair of points), and
RECTANGLE and ELLIPSE when not rotated (a POLYGON of the four corners; an ELLIPSE from its
bounding box, major axis first). A compound graphic drawn so replaces its alternate rendering
(the Graphic Objects with its Compound Graphic Instance ID, C.10.5.1.3.1); any other compound
graphic is shown by that alternate rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import DicomRecord, Index
from dicompeek.index.series import frame_count
from dicompeek.objects.presentation import (
    DEFAULT_COLOUR,
    Annotation,
    Graphic,
    ImageRef,
    Point,
    PresentationState,
    Transform,
    read_presentation_state,
)

#: Compound graphics drawn as themselves (RECTANGLE and ELLIPSE only when not rotated).
DRAWN_COMPOUNDS = ("ARROW", "MULTILINE", "RECTANGLE", "ELLIPSE")

Area = tuple[float, float, float, float]
#: One thing to draw: (graphic, units, points as stored, the object it comes from).
Shape = tuple[str, str, list[Point], Graphic]


def series_presentations(index: Index, cache: InstanceCache, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
    """Every presentation state of a series, linked (:func:`link_presentation`), with its file's
    location and entry; a file that cannot be read is said in its place (the others are still read)."""
    states = []
    for record in index.series_records(study_uid, series_uid):
        try:
            state = link_presentation(read_presentation_state(cache.get(record.entry).dataset), index.dicom)
        except Exception as exc:  # one unreadable presentation state does not hide the others
            state = {"error": f"cannot read this presentation state: {exc}"}
        states.append({"location": record.location, "entry": record.entry, **state})
    return states


def link_presentation(ps: PresentationState, records: Sequence[DicomRecord]) -> dict[str, Any]:
    """``ps`` tied to ``records`` (the loaded files), everything in pixel space::

        {"sop_instance_uid", "label", "description", "creator",
         "targets": [{"study_uid", "series_uid", "entry", "frame"}],  # a series it applies to each
         "graphics": [{"entry", "frame", "graphic", "points", "filled", "colour", "layer"}],
         "texts": [{"entry", "frame", "text", "box", "anchor", "anchor_visible", "colour", "layer"}],
         "windows": [{"entry", "frame", "center", "width"}],
         "transform": {"rotation", "flip"} | None, "unmatched": n, "errors": [...]}

    frames from 0; a target opens the first annotated frame of its series (else its first image);
    graphics and texts in layer order (later drawn on top); ``box`` [left, top, right, bottom];
    ``colour`` [r, g, b]; ``unmatched``: how many referenced images are not loaded."""
    by_uid = {str(r.fields.get("SOPInstanceUID")): r for r in records if r.fields.get("SOPInstanceUID")}
    errors = list(ps.errors)
    unique = list({ref.sop_instance: ref for ref in ps.images}.values())
    unmatched = sum(1 for ref in unique if ref.sop_instance not in by_uid)
    order = {layer.name: k for k, layer in enumerate(ps.layers)}
    graphics: list[tuple[int, dict[str, Any]]] = []
    texts: list[tuple[int, dict[str, Any]]] = []
    reported: set[str] = set()

    def report(message: str) -> None:
        if message not in reported:
            reported.add(message)
            errors.append(message)

    for number, annotation in enumerate(ps.annotations, start=1):
        layer = ps.layer(annotation.layer)
        colour = layer.colour if layer else DEFAULT_COLOUR
        rank = order.get(annotation.layer, len(order))
        shapes = _shapes(annotation, report, number)
        for record, frame in _frames(annotation.images or ps.images, by_uid):
            try:
                area = displayed_area(ps, record, frame)
            except ValueError as exc:
                report(f"Graphic Annotation item {number}: {exc}")
                continue
            base = {"entry": record.entry, "frame": frame - 1}
            for kind, units, points, graphic in shapes:
                try:
                    pixels = [list(p) for p in to_pixels(points, units, area, ps.transform)]
                except ValueError as exc:
                    report(f"Graphic Annotation item {number}: {exc}")
                    continue
                graphics.append((rank, {**base, "graphic": kind, "points": pixels, "filled": graphic.filled,
                                        "colour": list(graphic.colour or colour), "layer": annotation.layer}))
            for text in annotation.texts:
                try:
                    box = _box(to_pixels([text.box[:2], text.box[2:]], text.box_units, area, ps.transform)) \
                        if text.box else None
                    anchor = list(to_pixels([text.anchor], text.anchor_units, area, ps.transform)[0]) \
                        if text.anchor else None
                except ValueError as exc:
                    report(f"Graphic Annotation item {number}: {exc}")
                    continue
                texts.append((rank, {**base, "text": text.text, "box": box, "anchor": anchor,
                                     "anchor_visible": bool(anchor) and text.anchor_visible,
                                     "colour": list(text.colour or colour), "layer": annotation.layer}))
    windows = []
    for record, frame in _frames(unique, by_uid):
        uid = str(record.fields.get("SOPInstanceUID"))
        window = next((w for w in ps.windows if w.images and _applies(w.images, uid, frame)), None) \
            or next((w for w in ps.windows if not w.images), None)
        if window:
            windows.append({"entry": record.entry, "frame": frame - 1, "center": window.center, "width": window.width})
    graphics.sort(key=lambda pair: pair[0])
    texts.sort(key=lambda pair: pair[0])
    return {"sop_instance_uid": ps.sop_instance_uid, "label": ps.label, "description": ps.description,
            "creator": ps.creator,
            "targets": _targets(unique, by_uid, [g for _, g in graphics] + [t for _, t in texts]),
            "graphics": [g for _, g in graphics], "texts": [t for _, t in texts], "windows": windows,
            "transform": {"rotation": ps.transform.rotation, "flip": ps.transform.flip} if ps.transform else None,
            "unmatched": unmatched, "errors": errors}


def displayed_area(ps: PresentationState, record: DicomRecord, frame: int) -> Area:
    """The displayed area of frame ``frame`` (from 1) of ``record`` as (left, top, right, bottom)
    in pixel space: its Displayed Area Selection item (one naming the image and frame, else one
    naming no image), else the whole image. The corners name the pixels shown at the top left and
    bottom right (1-based column, row, in the image's own grid), and the area spans those pixels
    whole: from (min column - 1, min row - 1) to (max column, max row). Taking min and max puts
    the corners right whichever of them a rotation or flip brings to the top left."""
    uid = str(record.fields.get("SOPInstanceUID"))
    area = next((a for a in ps.displayed_areas if a.images and _applies(a.images, uid, frame)), None) \
        or next((a for a in ps.displayed_areas if not a.images), None)
    if area is None:
        rows, columns = record.fields.get("Rows"), record.fields.get("Columns")
        if not isinstance(rows, int) or not isinstance(columns, int):
            raise ValueError("no displayed area and no image size to place DISPLAY units")
        return 0.0, 0.0, float(columns), float(rows)
    (c0, r0), (c1, r1) = area.top_left, area.bottom_right
    return min(c0, c1) - 1.0, min(r0, r1) - 1.0, float(max(c0, c1)), float(max(r0, r1))


def to_pixels(points: Sequence[Point], units: str, area: Area, transform: Transform | None) -> list[Point]:
    """``points`` in ``units`` as pixel-space points: PIXEL as they are, DISPLAY by
    :func:`display_to_pixels`; MATRIX raises ``ValueError``."""
    if units == "PIXEL":
        return [(float(x), float(y)) for x, y in points]
    if units == "DISPLAY":
        return [display_to_pixels(p, area, transform) for p in points]
    raise ValueError(f"{units} units (a tiled image's total pixel matrix) are not drawn")


def display_to_pixels(point: Point, area: Area, transform: Transform | None) -> Point:
    """A DISPLAY point (fractions of the displayed area as shown) in pixel space: the area
    (:func:`displayed_area`, W × H pixels) is shown rotated clockwise by the Image Rotation
    (W and H swap at 90 and 270), then flipped left to right (Image Horizontal Flip); the point
    is placed on that shown rectangle, then the flip and the rotation are undone."""
    left, top, right, bottom = area
    width, height = right - left, bottom - top
    rotation, flip = (transform.rotation, transform.flip) if transform else (0, False)
    shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
    x, y = point[0] * shown_w, point[1] * shown_h
    if flip:
        x = shown_w - x
    if rotation == 90:  # shown (H - y, x) of the image's (x, y)
        x, y = y, height - x
    elif rotation == 180:
        x, y = width - x, height - y
    elif rotation == 270:  # shown (y, W - x)
        x, y = width - y, x
    return left + x, top + y


# --- linking ---------------------------------------------------------------------------------

def _shapes(annotation: Annotation, report: Callable[[str], None], number: int) -> list[Shape]:
    """What one annotation draws: (graphic, units, points, source), compound graphics in place
    of their alternate renderings when drawn."""
    drawn = {g.compound_id for g in annotation.graphics
             if g.compound and g.kind in DRAWN_COMPOUNDS and (g.kind in ("ARROW", "MULTILINE") or not g.rotation)}
    alternates = {g.compound_id for g in annotation.graphics if not g.compound}
    shapes: list[Shape] = []
    for g in annotation.graphics:
        if g.compound:
            if g.compound_id not in drawn:
                if g.compound_id not in alternates:
                    report(f"Graphic Annotation item {number}: a {g.kind} compound graphic is not drawn "
                           "and has no alternate rendering")
                continue
            shapes += [(kind, g.units, points, g) for kind, points in _compound_shapes(g)]
        elif g.compound_id is None or g.compound_id not in drawn:
            points = list(g.points)
            kind = "POLYLINE" if g.kind == "INTERPOLATED" else g.kind
            if kind == "POLYLINE" and len(points) > 2 and points[0] == points[-1]:
                kind = "POLYGON"
            shapes.append((kind, g.units, points, g))
    return shapes


def _compound_shapes(g: Graphic) -> list[tuple[str, list[Point]]]:
    if g.kind == "ARROW":
        return [("ARROW", list(g.points))]
    if g.kind == "MULTILINE":
        return [("POLYLINE", [g.points[k], g.points[k + 1]]) for k in range(0, len(g.points) - 1, 2)]
    (x0, y0), (x1, y1) = g.points
    if g.kind == "RECTANGLE":
        return [("POLYGON", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    across, down = [(x0, cy), (x1, cy)], [(cx, y0), (cx, y1)]
    return [("ELLIPSE", across + down if abs(x1 - x0) >= abs(y1 - y0) else down + across)]


def _frames(refs: Sequence[ImageRef], by_uid: dict[str, DicomRecord]) -> list[tuple[DicomRecord, int]]:
    """The loaded (record, frame number from 1) that ``refs`` name: the listed frames, else every frame."""
    out = []
    for ref in refs:
        record = by_uid.get(ref.sop_instance)
        if record is not None:
            count = frame_count(record)
            out += [(record, n) for n in (ref.frames or range(1, count + 1)) if 1 <= n <= count]
    return out


def _applies(refs: Sequence[ImageRef], uid: str, frame: int) -> bool:
    return any(r.sop_instance == uid and (not r.frames or frame in r.frames) for r in refs)


def _box(corners: list[Point]) -> list[float]:
    (x0, y0), (x1, y1) = corners
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def _targets(refs: Sequence[ImageRef], by_uid: dict[str, DicomRecord],
             drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One target per series of the loaded references: its first annotated frame, else its first image."""
    targets: dict[str, dict[str, Any]] = {}
    entries = {r.entry: r for r in by_uid.values()}
    for item in drawn:
        record = entries.get(item["entry"])
        if record is not None:
            series = str(record.fields.get("SeriesInstanceUID") or "")
            targets.setdefault(series, _target(record, item["frame"]))
    for ref in refs:
        record = by_uid.get(ref.sop_instance)
        if record is not None:
            series = str(record.fields.get("SeriesInstanceUID") or "")
            targets.setdefault(series, _target(record, (ref.frames[0] - 1) if ref.frames else 0))
    order = [str(by_uid[r.sop_instance].fields.get("SeriesInstanceUID") or "")
             for r in refs if r.sop_instance in by_uid]
    return [targets[s] for s in dict.fromkeys(order)]


def _target(record: DicomRecord, frame: int) -> dict[str, Any]:
    return {"study_uid": str(record.fields.get("StudyInstanceUID") or ""),
            "series_uid": str(record.fields.get("SeriesInstanceUID") or ""), "entry": record.entry, "frame": frame}
