"""Presentation states and key object selections made for the demo and the tests.

Why apart from :mod:`dicompeek_synthetic`: these are made with highdicom (``highdicom.pr``,
``highdicom.ko``), which writes the modules of a GSPS and a KO as the standard wants them and
which does not install in the page (Pyodide); this module runs only in CPython, at build time
and in the tests. The package itself reads them with pydicom alone
(:mod:`dicompeek.objects.presentation`, :mod:`dicompeek.objects.sr`).

The GSPS's arrow is drawn the way every viewer can show it: a POLYLINE (the shaft, then the two
strokes of the head, from the tip), and, since highdicom 0.28 has no compound graphics, a
Compound Graphic Sequence item of type ARROW added here with that POLYLINE as its alternate
rendering (the same Compound Graphic Instance ID, PS3.3 C.10.5.1.3.1): a viewer that draws
compound graphics draws the ARROW and leaves the POLYLINE out, any other draws the POLYLINE. A
text sits beside it, anchored (visible anchor) at the tip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import highdicom as hd
import numpy as np
from highdicom.color import CIELabColor
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

MANUFACTURER = "DICOM Peek synthetic"
#: The annotation layer's recommended colour (CIELab, as highdicom takes it): a bright yellow.
LAYER_COLOUR = (97.0, -21.0, 94.0)
#: The ARROW's Compound Graphic Instance ID, shared with its POLYLINE alternate rendering.
ARROW_ID = 1


def presentation_state(images: Sequence[Dataset], *, annotated: int | None = None,
                       tip: tuple[float, float] | None = None, tail: tuple[float, float] | None = None,
                       text: str = "Heart", window: tuple[float, float] | None = (40.0, 400.0),
                       label: str = "ANNOTATED", description: str = "An arrow and a text",
                       compound_arrow: bool = True, series_number: int = 90,
                       instance_number: int = 1) -> Dataset:
    """A Grayscale Softcopy Presentation State for ``images`` (one series, one size): an arrow
    from ``tail`` to ``tip`` and ``text`` beside it on image ``annotated`` (an index, the middle
    one by default), in PIXEL units on a layer "ANNOTATION" with a yellow recommended colour;
    the window (centre, width) for every image, or none. ``tip`` and ``tail`` default to a
    point a little right of the centre and a point up and to its right."""
    images = list(images)
    if not images:
        raise ValueError("a presentation state needs at least one image")
    image = images[len(images) // 2 if annotated is None else annotated]
    rows, columns = int(image.Rows), int(image.Columns)
    tip = tip or (round(columns * 0.56, 2), round(rows * 0.48, 2))
    tail = tail or (round(columns * 0.78, 2), round(rows * 0.22, 2))
    layer = hd.pr.GraphicLayer(layer_name="ANNOTATION", order=1, description="Arrow and text",
                               display_color=CIELabColor(*LAYER_COLOUR))
    arrow = hd.pr.GraphicObject(graphic_type=hd.pr.GraphicTypeValues.POLYLINE,
                                graphic_data=np.array(arrow_polyline(tip, tail)),
                                units=hd.pr.AnnotationUnitsValues.PIXEL)
    box = (min(tail[0], columns - 1.0) - columns * 0.2, max(tail[1] - rows * 0.12, 0.0),
           min(tail[0], columns - 1.0), max(tail[1] - rows * 0.02, 1.0))
    note = hd.pr.TextObject(text_value=text, units=hd.pr.AnnotationUnitsValues.PIXEL,
                            bounding_box=tuple(round(max(v, 0.0), 2) for v in box),  # type: ignore[arg-type]
                            anchor_point=tip, anchor_point_visible=True)
    annotation = hd.pr.GraphicAnnotation(referenced_images=[image], graphic_layer=layer,
                                         graphic_objects=[arrow], text_objects=[note])
    voi = [hd.pr.SoftcopyVOILUTTransformation(window_center=window[0], window_width=window[1])] if window else None
    ds = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=images, series_instance_uid=generate_uid(), series_number=series_number,
        sop_instance_uid=generate_uid(), instance_number=instance_number, manufacturer=MANUFACTURER,
        manufacturer_model_name="dicompeek_synthetic_pr", software_versions="1",
        device_serial_number="1", content_label=label, content_description=description,
        graphic_annotations=[annotation], graphic_layers=[layer], voi_lut_transformations=voi,
        content_creator_name="PEEK^DEMO")
    if compound_arrow:
        add_compound_arrow(ds.GraphicAnnotationSequence[0], tip, tail, ARROW_ID)
    return ds


def arrow_polyline(tip: tuple[float, float], tail: tuple[float, float],
                   head: float = 0.3, angle: float = 25.0) -> list[tuple[float, float]]:
    """An arrow as one POLYLINE: tail, tip, one stroke of the head, back to the tip, the other
    (each stroke ``head`` of the shaft long, ``angle`` degrees off it)."""
    dx, dy = tail[0] - tip[0], tail[1] - tip[1]
    length = math.hypot(dx, dy) * head
    base = math.atan2(dy, dx)
    strokes = [(round(tip[0] + length * math.cos(base + s * math.radians(angle)), 2),
                round(tip[1] + length * math.sin(base + s * math.radians(angle)), 2)) for s in (1, -1)]
    return [tail, tip, strokes[0], tip, strokes[1]]


def add_compound_arrow(annotation: Dataset, tip: tuple[float, float], tail: tuple[float, float],
                       instance_id: int, units: str = "PIXEL") -> None:
    """Add an ARROW (tip first, then tail: the anchor point, then the foot, PS3.3 C.10.5.1.3)
    to a Graphic Annotation item whose Graphic Objects are its alternate rendering."""
    item = Dataset()
    item.CompoundGraphicInstanceID = instance_id
    item.CompoundGraphicUnits = units
    item.GraphicDimensions = 2
    item.NumberOfGraphicPoints = 2
    item.GraphicData = [float(tip[0]), float(tip[1]), float(tail[0]), float(tail[1])]
    item.CompoundGraphicType = "ARROW"
    annotation.CompoundGraphicSequence = DicomSequence([item])
    for graphic in annotation.get("GraphicObjectSequence") or ():
        graphic.CompoundGraphicInstanceID = instance_id


def key_object_selection(images: Sequence[Dataset], *, description: str = "Key images",
                         series_number: int = 91, instance_number: int = 1) -> Dataset:
    """A Key Object Selection document ("Of Interest", TID 2010) selecting ``images``."""
    images = list(images)
    if not images:
        raise ValueError("a key object selection needs at least one image")
    content = hd.ko.KeyObjectSelection(document_title=codes.DCM.OfInterest, referenced_objects=images,
                                       description=description)
    return hd.ko.KeyObjectSelectionDocument(
        evidence=images, content=content, series_instance_uid=generate_uid(), series_number=series_number,
        sop_instance_uid=generate_uid(), instance_number=instance_number, manufacturer=MANUFACTURER)
