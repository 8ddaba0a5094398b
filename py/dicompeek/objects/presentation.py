"""A softcopy presentation state (GSPS and its colour, pseudo-colour and blending kin) read into
plain data: the images it applies to, its graphic layers, its graphic and text annotations, its
windows, displayed areas and spatial transformation.

Why with pydicom alone: the page (Pyodide) draws these annotations over the images they refer to,
and highdicom, which writes presentation states, does not install there; the tests read back
GSPS files highdicom made. This module reads the file as it is (coordinates in the units the
file states); :mod:`.presentation_links` turns them into the viewer's pixel space and ties them
to the images loaded.

What is read (PS3.3 A.33, C.10.4–C.10.7, C.11.6, C.11.11):

- Presentation State Identification: Content Label, Content Description, Content Creator's Name;
- Presentation State Relationship: Referenced Series Sequence → Referenced Image Sequence
  (SOP Class and Instance UIDs, Referenced Frame Number: the frames, none meaning every frame);
- Graphic Layer Sequence: name, order, description and a colour: the Recommended Display CIELab
  Value converted to sRGB, else the Recommended Display Grayscale Value as a grey, else
  :data:`DEFAULT_COLOUR` (the viewer's own colour for a report's regions);
- Graphic Annotation Sequence, per item: its images (its own Referenced Image Sequence; absent,
  every image of the presentation state, PS3.3 C.10.5), its layer, its Graphic Objects
  (units, type, points, filled, a colour of its own from the Line Style Sequence), its Text
  Objects (text, bounding box and anchor point with their units, anchor visibility, a colour of
  its own from the Text Style Sequence) and its Compound Graphics (type, units, points, rotation
  angle; see :class:`Graphic`);
- Softcopy VOI LUT Sequence: Window Center and Width (the first pair) with their images;
- Displayed Area Selection Sequence: the displayed area's corners with their images;
- Spatial Transformation: Image Rotation and Image Horizontal Flip.

A malformed annotation object (points that are not pairs, an unknown type, no text) is left out
with its reason in ``errors``; the rest is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset

from dicompeek.objects.colour import cielab_to_srgb
from dicompeek.objects.values import as_list as _list
from dicompeek.objects.values import items as _items
from dicompeek.objects.values import text as _text

#: The presentation states read: Grayscale, Color, Pseudo-Color and Blending Softcopy
#: Presentation State Storage. Their annotations are read the same way.
PRESENTATION_STATES = {
    "1.2.840.10008.5.1.4.1.1.11.1": "Grayscale Softcopy Presentation State",
    "1.2.840.10008.5.1.4.1.1.11.2": "Color Softcopy Presentation State",
    "1.2.840.10008.5.1.4.1.1.11.3": "Pseudo-Color Softcopy Presentation State",
    "1.2.840.10008.5.1.4.1.1.11.4": "Blending Softcopy Presentation State",
}
#: A layer's colour when the file recommends none: the cyan the viewer draws a report's regions in.
DEFAULT_COLOUR = (0, 229, 255)
#: Graphic Type's Enumerated Values (PS3.3 C.10.5.1.2): how many points each needs (None: 2 or more).
GRAPHIC_TYPES: dict[str, int | None] = {"POINT": 1, "POLYLINE": None, "INTERPOLATED": None, "CIRCLE": 2,
                                        "ELLIPSE": 4}
#: Compound Graphic Types (PS3.3 C.10.5.1.3) and how many points each has (None: any even number).
COMPOUND_TYPES: dict[str, int | None] = {"MULTILINE": None, "INFINITELINE": 2, "CUTLINE": 2, "RANGELINE": 2,
                                         "RULER": 2, "AXIS": 2, "CROSSHAIR": 1, "ARROW": 2, "RECTANGLE": 2,
                                         "ELLIPSE": 2}
UNITS = ("PIXEL", "DISPLAY", "MATRIX")

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One referenced image: its series, SOP Class and Instance UIDs and frames (from 1; empty:
    every frame)."""

    series_uid: str
    sop_class: str
    sop_instance: str
    frames: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    order: int
    description: str
    colour: tuple[int, int, int]
    colour_from_file: bool


@dataclass(frozen=True, slots=True)
class Graphic:
    """A Graphic Object, or a Compound Graphic (``compound`` True): ``kind`` its Graphic Type or
    Compound Graphic Type, ``points`` (column, row) in ``units`` as stored. ``compound_id`` is
    the Compound Graphic Instance ID: on a compound graphic its own, on a graphic object the
    compound graphic it is the alternate rendering of (PS3.3 C.10.5.1.3.1). ``colour`` is the
    object's own (Line Style Sequence), else None (its layer's). ``rotation``: a compound
    graphic's Rotation Angle, degrees (0 when absent)."""

    kind: str
    units: str
    points: tuple[Point, ...]
    filled: bool
    compound: bool
    compound_id: int | None
    colour: tuple[int, int, int] | None
    rotation: float


@dataclass(frozen=True, slots=True)
class Text:
    """A Text Object: its bounding box (left, top, right, bottom) and anchor point, each with its
    units as stored (None when absent)."""

    text: str
    box: tuple[float, float, float, float] | None
    box_units: str
    anchor: Point | None
    anchor_units: str
    anchor_visible: bool
    justification: str
    colour: tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One Graphic Annotation item: ``images`` empty means every image of the presentation state."""

    layer: str
    images: tuple[ImageRef, ...]
    graphics: tuple[Graphic, ...]
    texts: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Window:
    center: float
    width: float
    explanation: str
    images: tuple[ImageRef, ...]  # empty: every image


@dataclass(frozen=True, slots=True)
class DisplayedArea:
    """Displayed Area Top Left and Bottom Right Hand Corners: 1-based (column, row) of the pixels
    shown at the top left and bottom right after the spatial transformation, given in the image's
    own pixel grid (PS3.3 C.10.4)."""

    top_left: tuple[int, int]
    bottom_right: tuple[int, int]
    size_mode: str
    images: tuple[ImageRef, ...]  # empty: every image


@dataclass(frozen=True, slots=True)
class Transform:
    """Image Rotation (clockwise, degrees: 0, 90, 180, 270), then Image Horizontal Flip."""

    rotation: int
    flip: bool


@dataclass(frozen=True, slots=True)
class PresentationState:
    sop_class: str
    sop_instance_uid: str
    label: str
    description: str
    creator: str
    images: tuple[ImageRef, ...]
    layers: tuple[Layer, ...]
    annotations: tuple[Annotation, ...]
    windows: tuple[Window, ...]
    displayed_areas: tuple[DisplayedArea, ...]
    transform: Transform | None
    errors: tuple[str, ...]

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


def is_presentation_state(ds: Dataset) -> bool:
    return str(ds.get("SOPClassUID", "")) in PRESENTATION_STATES


def read_presentation_state(ds: Dataset) -> PresentationState:
    """Everything :mod:`.presentation` reads (see there). Raises ``ValueError`` for a dataset that
    is not a presentation state."""
    if not is_presentation_state(ds):
        raise ValueError(f"not a presentation state (SOP Class {ds.get('SOPClassUID', '(none)')})")
    errors: list[str] = []
    images = tuple(ref for series in _items(ds, "ReferencedSeriesSequence")
                   for ref in _image_refs(series, _text(series, "SeriesInstanceUID")))
    series_of = {ref.sop_instance: ref.series_uid for ref in images}
    layers = tuple(sorted((_layer(item) for item in _items(ds, "GraphicLayerSequence")), key=lambda la: la.order))
    annotations = []
    for number, item in enumerate(_items(ds, "GraphicAnnotationSequence"), start=1):
        where = f"Graphic Annotation item {number}"
        graphics: list[Graphic] = []
        texts: list[Text] = []
        for keyword, name in (("GraphicObjectSequence", "graphic"), ("CompoundGraphicSequence", "compound graphic"),
                              ("TextObjectSequence", "text")):
            for k, obj in enumerate(_items(item, keyword), start=1):
                try:
                    if keyword == "TextObjectSequence":
                        texts.append(_text_object(obj))
                    else:
                        graphics.append(_graphic(obj) if keyword == "GraphicObjectSequence" else _compound(obj))
                except (ValueError, TypeError, IndexError) as exc:
                    errors.append(f"{where}, {name} {k}: {exc}")
        layer = _text(item, "GraphicLayer")
        if layers and not any(la.name == layer for la in layers):
            errors.append(f"{where}: layer {layer!r} is not in the Graphic Layer Sequence")
        annotations.append(Annotation(layer=layer, images=_image_refs(item, "", series_of),
                                      graphics=tuple(graphics), texts=tuple(texts)))
    windows = []
    for number, item in enumerate(_items(ds, "SoftcopyVOILUTSequence"), start=1):
        center, width = _first_float(item.get("WindowCenter")), _first_float(item.get("WindowWidth"))
        if center is None or width is None:
            if "VOILUTSequence" not in item:
                errors.append(f"Softcopy VOI LUT item {number}: no Window Center and Width")
            continue  # a VOI LUT table: not a window the viewer can set
        windows.append(Window(center=center, width=width, explanation=_text(item, "WindowCenterWidthExplanation"),
                              images=_image_refs(item, "", series_of)))
    areas = []
    for number, item in enumerate(_items(ds, "DisplayedAreaSelectionSequence"), start=1):
        top_left, bottom_right = _ints(item.get("DisplayedAreaTopLeftHandCorner")), \
            _ints(item.get("DisplayedAreaBottomRightHandCorner"))
        if len(top_left) != 2 or len(bottom_right) != 2:
            errors.append(f"Displayed Area Selection item {number}: corners are not column, row pairs")
            continue
        areas.append(DisplayedArea(top_left=(top_left[0], top_left[1]), bottom_right=(bottom_right[0], bottom_right[1]),
                                   size_mode=_text(item, "PresentationSizeMode"),
                                   images=_image_refs(item, "", series_of)))
    transform = None
    if "ImageRotation" in ds or "ImageHorizontalFlip" in ds:
        rotation = _ints(ds.get("ImageRotation"))
        angle = rotation[0] % 360 if rotation else 0
        if angle % 90:
            errors.append(f"Image Rotation {angle} is not 0, 90, 180 or 270: not applied")
            angle = 0
        transform = Transform(rotation=angle, flip=_text(ds, "ImageHorizontalFlip").upper() == "Y")
    return PresentationState(
        sop_class=_text(ds, "SOPClassUID"), sop_instance_uid=_text(ds, "SOPInstanceUID"),
        label=_text(ds, "ContentLabel"), description=_text(ds, "ContentDescription"),
        creator=_text(ds, "ContentCreatorName"), images=images, layers=layers, annotations=tuple(annotations),
        windows=tuple(windows), displayed_areas=tuple(areas), transform=transform, errors=tuple(errors))


# --- reading ---------------------------------------------------------------------------------

def _image_refs(item: Dataset, series_uid: str, series_of: dict[str, str] | None = None) -> tuple[ImageRef, ...]:
    refs = []
    for ref in _items(item, "ReferencedImageSequence"):
        uid = _text(ref, "ReferencedSOPInstanceUID")
        refs.append(ImageRef(series_uid=series_uid or (series_of or {}).get(uid, ""),
                             sop_class=_text(ref, "ReferencedSOPClassUID"), sop_instance=uid,
                             frames=tuple(n for n in _ints(ref.get("ReferencedFrameNumber")) if n > 0)))
    return tuple(refs)


def _layer(item: Dataset) -> Layer:
    lab = _ints(item.get("GraphicLayerRecommendedDisplayCIELabValue"))
    grey = _ints(item.get("GraphicLayerRecommendedDisplayGrayscaleValue"))
    rgb = _ints(item.get("GraphicLayerRecommendedDisplayRGBValue"))  # retired, still written by some
    colour: tuple[int, int, int] = DEFAULT_COLOUR
    if len(lab) == 3:
        colour = cielab_to_srgb(lab)
    elif grey:
        level = round(min(max(grey[0], 0), 65535) * 255 / 65535)
        colour = (level, level, level)
    elif len(rgb) == 3:
        top = 255 if max(rgb) <= 255 else 65535
        r, g, b = (round(min(max(v, 0), top) * 255 / top) for v in rgb)
        colour = (r, g, b)
    orders = _ints(item.get("GraphicLayerOrder"))
    return Layer(name=_text(item, "GraphicLayer"), order=orders[0] if orders else 0,
                 description=_text(item, "GraphicLayerDescription"), colour=colour,
                 colour_from_file=len(lab) == 3 or bool(grey) or len(rgb) == 3)


def _graphic(item: Dataset) -> Graphic:
    kind = _text(item, "GraphicType").upper()
    if kind not in GRAPHIC_TYPES:
        raise ValueError(f"unknown Graphic Type {kind!r}")
    points = _points(item.get("GraphicData"), _dimensions(item))
    _check_count(kind, points, GRAPHIC_TYPES[kind])
    return Graphic(kind=kind, units=_units(item, "GraphicAnnotationUnits"), points=points,
                   filled=_text(item, "GraphicFilled").upper() == "Y", compound=False,
                   compound_id=_first_int(item.get("CompoundGraphicInstanceID")),
                   colour=_style_colour(item, "LineStyleSequence", "PatternOnColorCIELabValue"), rotation=0.0)


def _compound(item: Dataset) -> Graphic:
    kind = _text(item, "CompoundGraphicType").upper()
    if kind not in COMPOUND_TYPES:
        raise ValueError(f"unknown Compound Graphic Type {kind!r}")
    points = _points(item.get("GraphicData"), _dimensions(item))
    expected = COMPOUND_TYPES[kind]
    if expected is None and (not points or len(points) % 2):
        raise ValueError(f"{kind} needs pairs of points, has {len(points)} points")
    _check_count(kind, points, expected)
    return Graphic(kind=kind, units=_units(item, "CompoundGraphicUnits"), points=points,
                   filled=_text(item, "GraphicFilled").upper() == "Y", compound=True,
                   compound_id=_first_int(item.get("CompoundGraphicInstanceID")),
                   colour=_style_colour(item, "LineStyleSequence", "PatternOnColorCIELabValue"),
                   rotation=_first_float(item.get("RotationAngle")) or 0.0)


def _text_object(item: Dataset) -> Text:
    text = _text(item, "UnformattedTextValue")
    top_left = _floats(item.get("BoundingBoxTopLeftHandCorner"))
    bottom_right = _floats(item.get("BoundingBoxBottomRightHandCorner"))
    anchor = _floats(item.get("AnchorPoint"))
    box = (top_left[0], top_left[1], bottom_right[0], bottom_right[1]) \
        if len(top_left) == 2 and len(bottom_right) == 2 else None
    if len(anchor) not in (0, 2) or (box is None and (top_left or bottom_right)):
        raise ValueError("its bounding box or anchor point is not a column, row pair")
    if box is None and not anchor:
        raise ValueError("neither a bounding box nor an anchor point: nowhere to put it")
    return Text(text=text, box=box, box_units=_units(item, "BoundingBoxAnnotationUnits") if box else "",
                anchor=(anchor[0], anchor[1]) if anchor else None,
                anchor_units=_units(item, "AnchorPointAnnotationUnits") if anchor else "",
                anchor_visible=_text(item, "AnchorPointVisibility").upper() == "Y",
                justification=_text(item, "BoundingBoxTextHorizontalJustification"),
                colour=_style_colour(item, "TextStyleSequence", "TextColorCIELabValue"))


def _check_count(kind: str, points: tuple[Point, ...], expected: int | None) -> None:
    """``expected`` points exactly, or (None) 2 or more."""
    if expected is None and len(points) < 2:
        raise ValueError(f"{kind} needs 2 or more points, has {len(points)}")
    if expected is not None and len(points) != expected:
        raise ValueError(f"{kind} needs {expected} point{'s' if expected > 1 else ''}, has {len(points)}")


def _units(item: Dataset, keyword: str) -> str:
    units = _text(item, keyword).upper()
    if units not in UNITS:
        raise ValueError(f"unknown {keyword} {units!r}" if units else f"no {keyword}")
    return units


def _dimensions(item: Dataset) -> int:
    dimensions = _first_int(item.get("GraphicDimensions"))
    if dimensions not in (None, 2):
        raise ValueError(f"Graphic Dimensions {dimensions}: only 2 is drawn")
    return 2


def _points(data: Any, size: int) -> tuple[Point, ...]:
    values = _floats(data)
    if len(values) % size:
        raise ValueError(f"Graphic Data has {len(values)} values, not column, row pairs")
    return tuple((values[i], values[i + 1]) for i in range(0, len(values), size))


def _style_colour(item: Dataset, sequence: str, keyword: str) -> tuple[int, int, int] | None:
    for style in _items(item, sequence):
        lab = _ints(style.get(keyword))
        if len(lab) == 3:
            return cielab_to_srgb(lab)
    return None


def _floats(value: Any) -> list[float]:
    numbers = [float(v) for v in _list(value)]
    if not all(map(math.isfinite, numbers)):
        raise ValueError("a coordinate is not a finite number")
    return numbers


def _ints(value: Any) -> list[int]:
    try:
        return [int(v) for v in _list(value)]
    except (TypeError, ValueError):
        return []


def _first_int(value: Any) -> int | None:
    numbers = _ints(value)
    return numbers[0] if numbers else None


def _first_float(value: Any) -> float | None:
    try:
        numbers = [float(v) for v in _list(value)]
    except (TypeError, ValueError):
        return None
    return numbers[0] if numbers and math.isfinite(numbers[0]) else None
