"""Presentation states (dicompeek.objects.presentation, .presentation_links) and key object
selections, on GSPS and KO made by highdicom (dicompeek_synthetic_pr): every annotation drawn
where the file puts it, in the viewer's pixel space, on the loaded frame it belongs to."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence

from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.objects.colour import cielab_to_srgb
from dicompeek.objects.presentation import is_presentation_state, read_presentation_state
from dicompeek.objects.presentation_links import link_presentation, series_presentations
from dicompeek.objects.sr import read_document
from dicompeek.objects.sr_links import link_references
from dicompeek_synthetic import ct_phantom_series, dataset_bytes
from registry import small_dataset, zip_bytes

hd = pytest.importorskip("highdicom")
from dicompeek_synthetic_pr import arrow_polyline, key_object_selection, presentation_state  # noqa: E402

SIZE = 32
PIXEL, DISPLAY = hd.pr.AnnotationUnitsValues.PIXEL, hd.pr.AnnotationUnitsValues.DISPLAY
RED_LAB = (34891, 53480, 50167)  # sRGB (255, 0, 0) as CIELab (53.24, 80.09, 67.20), encoded per C.10.7.1.1


@pytest.fixture(scope="module")
def ct() -> list[pydicom.FileDataset]:
    return ct_phantom_series(3, SIZE, SIZE)


def reread(ds: Dataset) -> pydicom.FileDataset:
    """``ds`` written and read back, as the page gets it (FL values are float32 then)."""
    return pydicom.dcmread(io.BytesIO(dataset_bytes(ds)))


def gsps(images: Sequence[Dataset], annotations: list, layers: list, **extra) -> pydicom.FileDataset:
    ds = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=images, series_instance_uid=hd.UID(), series_number=90, sop_instance_uid=hd.UID(),
        instance_number=1, manufacturer="test", manufacturer_model_name="test", software_versions="1",
        device_serial_number="1", content_label="TEST", graphic_annotations=annotations,
        graphic_layers=layers, **extra)
    return reread(ds)


def layer(name: str = "LAYER", order: int = 1, lab=None) -> object:
    return hd.pr.GraphicLayer(layer_name=name, order=order, display_color=lab)


def linked(tmp_path: Path, members: dict[str, Dataset], ps: Dataset) -> dict:
    """``ps`` linked to the files of ``members`` loaded from a zip."""
    index = indexed(tmp_path, members)
    try:
        return link_presentation(read_presentation_state(ps), index.dicom)
    finally:
        index.close()


def indexed(tmp_path: Path, members: dict[str, Dataset]) -> Index:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.zip"
    path.write_bytes(zip_bytes(members))
    index = Index()
    index.add([str(path)])
    index.run()
    return index


def entries(tmp_path: Path, images: Sequence[Dataset]) -> tuple[dict[str, Dataset], dict[str, str]]:
    members = {f"ct/{n}.dcm": ds for n, ds in enumerate(images)}
    return members, {ds.SOPInstanceUID: f"ct/{n}.dcm" for n, ds in enumerate(images)}


def test_every_graphic_is_drawn_at_its_graphic_data_in_pixel_units(tmp_path, ct):
    shapes = [("POINT", [[3.5, 4.25]], False), ("POLYLINE", [[1.0, 1.0], [20.5, 3.0], [9.0, 30.0]], False),
              ("POLYLINE", [[2.0, 2.0], [10.0, 2.0], [10.0, 9.0], [2.0, 2.0]], True),
              ("INTERPOLATED", [[4.0, 5.0], [6.0, 9.0], [12.0, 7.0]], False),
              ("CIRCLE", [[16.0, 16.0], [20.0, 16.0]], True),
              ("ELLIPSE", [[8.0, 16.0], [24.0, 16.0], [16.0, 12.0], [16.0, 20.0]], False)]
    objects = [hd.pr.GraphicObject(graphic_type=kind, graphic_data=np.array(points), units=PIXEL, is_filled=filled)
               for kind, points, filled in shapes]
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[1]], graphic_layer=layer(),
                                           graphic_objects=objects)], [layer()])
    document = linked(tmp_path, entries(tmp_path, ct)[0], ps)
    raw = [[list(p) for p in zip(g.GraphicData[0::2], g.GraphicData[1::2], strict=True)]
           for g in ps.GraphicAnnotationSequence[0].GraphicObjectSequence]
    drawn = document["graphics"]
    assert [g["points"] for g in drawn] == raw
    assert [g["graphic"] for g in drawn] == ["POINT", "POLYLINE", "POLYGON", "POLYLINE", "CIRCLE", "ELLIPSE"]
    assert [g["filled"] for g in drawn] == [False, False, True, False, True, False]
    assert {g["frame"] for g in drawn} == {0} and len({g["entry"] for g in drawn}) == 1
    assert document["errors"] == [] and document["unmatched"] == 0


def with_area(ds: Dataset, top_left, bottom_right, rotation: int | None = None,
              flip: str | None = None) -> pydicom.FileDataset:
    area = ds.DisplayedAreaSelectionSequence[0]
    area.DisplayedAreaTopLeftHandCorner, area.DisplayedAreaBottomRightHandCorner = top_left, bottom_right
    if rotation is not None:
        ds.ImageRotation = rotation
    if flip is not None:
        ds.ImageHorizontalFlip = flip
    return reread(ds)


@pytest.mark.parametrize(("rotation", "flip", "expected"), [
    # The displayed area, pixels (5, 9) to (28, 20), spans x 4..28, y 8..20 (24 × 12 pixels).
    (None, None, [[4.0, 8.0], [10.0, 14.0], [28.0, 20.0]]),
    # Turned 90° clockwise it shows 12 wide × 24 tall: its top left is the area's bottom left;
    # (0.25, 0.5) is 3 from the left (3 up from the area's bottom) and 12 down (12 right of its left).
    (90, "N", [[4.0, 20.0], [16.0, 17.0], [28.0, 8.0]]),
    # Then flipped: (0.25, 0.5) is 3 from the right, 9 up from the bottom; the top left, the area's top left.
    (90, "Y", [[4.0, 8.0], [16.0, 11.0], [28.0, 20.0]]),
    (180, "N", [[28.0, 20.0], [22.0, 14.0], [4.0, 8.0]]),
    (270, "N", [[28.0, 8.0], [16.0, 11.0], [4.0, 20.0]]),
])
def test_display_units_are_placed_through_the_displayed_area_and_its_transformation(tmp_path, ct, rotation, flip,
                                                                                     expected):
    line = hd.pr.GraphicObject(graphic_type="POLYLINE", graphic_data=np.array([[0.0, 0.0], [0.25, 0.5], [1.0, 1.0]]),
                               units=DISPLAY)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(),
                                           graphic_objects=[line])], [layer()])
    ps = with_area(ps, [5, 9], [28, 20], rotation, flip)
    (drawn,) = linked(tmp_path, entries(tmp_path, ct)[0], ps)["graphics"]
    assert drawn["points"] == expected


def test_texts_have_their_box_and_anchor_in_pixels_whatever_their_units(tmp_path, ct):
    pixel = hd.pr.TextObject(text_value="Pixel text", units=PIXEL, bounding_box=(2.0, 3.0, 12.0, 7.0),
                             anchor_point=(16.0, 18.0), anchor_point_visible=True)
    display = hd.pr.TextObject(text_value="Display text", units=DISPLAY, bounding_box=(0.0, 0.0, 0.5, 0.25))
    anchored = hd.pr.TextObject(text_value="Anchor only", units=PIXEL, anchor_point=(1.0, 2.0),
                                anchor_point_visible=False)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[2]], graphic_layer=layer(),
                                           text_objects=[pixel, display, anchored])], [layer()])
    ps = with_area(ps, [5, 9], [28, 20], 90, "N")
    texts = linked(tmp_path, entries(tmp_path, ct)[0], ps)["texts"]
    assert [(t["text"], t["box"], t["anchor"], t["anchor_visible"]) for t in texts] == [
        ("Pixel text", [2.0, 3.0, 12.0, 7.0], [16.0, 18.0], True),
        # shown 12 × 24 after the turn: its top left quarter-height half is the area's bottom left
        ("Display text", [4.0, 14.0, 10.0, 20.0], None, False),
        ("Anchor only", None, [1.0, 2.0], False)]


def test_layers_take_their_colour_from_cielab_else_their_grey_and_draw_in_order(tmp_path, ct):
    red = hd.pr.GraphicLayer(layer_name="RED", order=2, display_color=hd.color.CIELabColor(53.24, 80.09, 67.20))
    grey = hd.pr.GraphicLayer(layer_name="GREY", order=1)
    objects = {name: hd.pr.GraphicObject(graphic_type="POINT", graphic_data=np.array([[1.0, 2.0]]), units=PIXEL)
               for name in ("RED", "GREY")}
    annotations = [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=la, graphic_objects=[objects[n]])
                   for n, la in (("RED", red), ("GREY", grey))]
    ps = gsps(ct, annotations, [red, grey])
    ps.GraphicLayerSequence[1].GraphicLayerRecommendedDisplayGrayscaleValue = 32768
    ps = reread(ps)
    state = read_presentation_state(ps)
    red_layer, grey_layer = state.layer("RED"), state.layer("GREY")
    assert red_layer and red_layer.colour == cielab_to_srgb(RED_LAB) == (255, 0, 0)
    assert grey_layer and grey_layer.colour == (128, 128, 128)
    drawn = linked(tmp_path, entries(tmp_path, ct)[0], ps)["graphics"]
    assert [(g["layer"], g["colour"]) for g in drawn] == [("GREY", [128, 128, 128]), ("RED", [255, 0, 0])]


def test_each_image_gets_the_window_meant_for_it(tmp_path, ct):
    refs = [hd.ReferencedImageSequence(referenced_images=[ds]) for ds in ct]
    windows = [hd.pr.SoftcopyVOILUTTransformation(window_center=40.0 + 10 * k, window_width=400.0 - 100 * k,
                                                  referenced_images=ref) for k, ref in enumerate(refs)]
    point = hd.pr.GraphicObject(graphic_type="POINT", graphic_data=np.array([[1.0, 1.0]]), units=PIXEL)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(),
                                           graphic_objects=[point])], [layer()], voi_lut_transformations=windows)
    members, names = entries(tmp_path, ct)
    index = indexed(tmp_path, members)
    entry_of = {r.location.split("::")[-1]: r.entry for r in index.dicom}
    document = link_presentation(read_presentation_state(ps), index.dicom)
    index.close()
    expected = [{"entry": entry_of[names[ds.SOPInstanceUID]], "frame": 0, "center": 40.0 + 10 * k,
                 "width": 400.0 - 100 * k} for k, ds in enumerate(ct)]
    assert sorted(document["windows"], key=lambda w: w["center"]) == expected


def test_the_spatial_transformation_is_read_and_absent_when_not_stated(ct):
    point = hd.pr.GraphicObject(graphic_type="POINT", graphic_data=np.array([[1.0, 1.0]]), units=PIXEL)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(),
                                           graphic_objects=[point])], [layer()])
    assert read_presentation_state(ps).transform is None
    turned = read_presentation_state(with_area(ps, [1, 1], [SIZE, SIZE], 270, "Y")).transform
    assert turned and (turned.rotation, turned.flip) == (270, True)


def multiframe(frames: int = 3) -> Dataset:
    ds = small_dataset(rows=SIZE, columns=SIZE, frames=frames)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.EnhancedCTImageStorage  # a multi-frame IOD
    ds.SharedFunctionalGroupsSequence = DicomSequence([Dataset()])  # no window, no rescale: highdicom looks there
    ds.PerFrameFunctionalGroupsSequence = DicomSequence([Dataset() for _ in range(frames)])
    ds.PatientBirthDate, ds.PatientSex, ds.AccessionNumber, ds.StudyID, ds.StudyTime = "", "", "", "1", "120000"
    return ds


def test_annotations_are_linked_by_sop_instance_uid_to_their_frames(tmp_path):
    image = multiframe()
    point = hd.pr.GraphicObject(graphic_type="POINT", graphic_data=np.array([[5.0, 6.0]]), units=PIXEL)
    ps = gsps([image], [hd.pr.GraphicAnnotation(referenced_images=[image], graphic_layer=layer(),
                                                graphic_objects=[point], referenced_frame_number=[2, 3])], [layer()])
    other = small_dataset(rows=SIZE, columns=SIZE, series_uid=image.SeriesInstanceUID)  # referenced, not loaded
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = other.SOPClassUID, other.SOPInstanceUID
    ps.ReferencedSeriesSequence[0].ReferencedImageSequence.append(item)
    index = indexed(tmp_path, {"mf.dcm": image, "pr/ps.dcm": ps, "pr/broken.dcm": small_dataset()})
    (record,) = [r for r in index.dicom if r.location.endswith("mf.dcm")]
    states = series_presentations(index, InstanceCache(index), ps.StudyInstanceUID, ps.SeriesInstanceUID)
    index.close()
    (state,) = [s for s in states if s["location"].endswith("ps.dcm")]
    assert [(g["entry"], g["frame"], g["points"]) for g in state["graphics"]] == \
        [(record.entry, 1, [[5.0, 6.0]]), (record.entry, 2, [[5.0, 6.0]])]
    assert state["targets"] == [{"study_uid": image.StudyInstanceUID, "series_uid": image.SeriesInstanceUID,
                                 "entry": record.entry, "frame": 1}]
    assert state["unmatched"] == 1 and state["label"] == "TEST"


def test_a_file_that_is_not_a_presentation_state_is_said_and_the_others_read(tmp_path, ct):
    ps = reread(presentation_state(ct))
    broken = small_dataset(series_uid=ps.SeriesInstanceUID, study_uid=ps.StudyInstanceUID)
    index = indexed(tmp_path, {**entries(tmp_path, ct)[0], "pr/1.dcm": ps, "pr/2.dcm": broken})
    states = series_presentations(index, InstanceCache(index), ps.StudyInstanceUID, ps.SeriesInstanceUID)
    index.close()
    by_name = {s["location"].split("::")[-1]: s for s in states}
    assert by_name["pr/2.dcm"]["error"].startswith("cannot read this presentation state: not a presentation state")
    assert by_name["pr/1.dcm"]["graphics"] and not by_name["pr/1.dcm"]["errors"]


def test_an_annotation_without_its_own_images_applies_to_every_image(tmp_path, ct):
    point = hd.pr.GraphicObject(graphic_type="POINT", graphic_data=np.array([[5.0, 6.0]]), units=PIXEL)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(),
                                           graphic_objects=[point])], [layer()])
    del ps.GraphicAnnotationSequence[0].ReferencedImageSequence
    ps = reread(ps)
    assert read_presentation_state(ps).annotations[0].images == ()
    document = linked(tmp_path, entries(tmp_path, ct)[0], ps)
    assert len({g["entry"] for g in document["graphics"]}) == len(ct)


def test_a_broken_annotation_object_gives_its_reason_and_the_rest_is_read(tmp_path, ct):
    objects = [hd.pr.GraphicObject(graphic_type="POLYLINE", graphic_data=np.array([[1.0, 1.0], [5.0, 5.0]]),
                                   units=PIXEL) for _ in range(3)]
    text = hd.pr.TextObject(text_value="kept", units=PIXEL, anchor_point=(3.0, 4.0))
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(), graphic_objects=objects,
                                           text_objects=[text])], [layer()])
    graphics = ps.GraphicAnnotationSequence[0].GraphicObjectSequence
    graphics[0].GraphicData = [1.0, 2.0, 3.0]
    graphics[2].GraphicType = "SPLINE"
    document = linked(tmp_path, entries(tmp_path, ct)[0], reread(ps))
    assert document["errors"] == [
        "Graphic Annotation item 1, graphic 1: Graphic Data has 3 values, not column, row pairs",
        "Graphic Annotation item 1, graphic 3: unknown Graphic Type 'SPLINE'"]
    assert [g["points"] for g in document["graphics"]] == [[[1.0, 1.0], [5.0, 5.0]]]
    assert [t["text"] for t in document["texts"]] == ["kept"]


@pytest.mark.parametrize("compound", [True, False])
def test_the_demos_arrow_is_drawn_once_with_its_text_beside_it(tmp_path, ct, compound):
    tip, tail = (12.5, 14.0), (24.0, 6.0)
    ps = reread(presentation_state(ct, annotated=1, tip=tip, tail=tail, text="Heart", compound_arrow=compound))
    assert is_presentation_state(ps)
    document = linked(tmp_path, entries(tmp_path, ct)[0], ps)
    (arrow,) = document["graphics"]
    if compound:  # the ARROW in place of its POLYLINE: tip first
        assert (arrow["graphic"], arrow["points"]) == ("ARROW", [list(tip), list(tail)])
    else:
        stored = [[float(np.float32(v)) for v in p] for p in arrow_polyline(tip, tail)]  # Graphic Data is FL
        assert (arrow["graphic"], arrow["points"]) == ("POLYLINE", stored)
    (text,) = document["texts"]
    assert text["text"] == "Heart" and text["anchor"] == list(tip) and text["anchor_visible"]
    assert text["entry"] == arrow["entry"] and text["frame"] == arrow["frame"] == 0
    assert arrow["colour"] == text["colour"] and arrow["colour"][0] > 200 and arrow["colour"][2] < 100  # yellow
    assert [(w["center"], w["width"]) for w in document["windows"]] == [(40.0, 400.0)] * len(ct)
    assert document["targets"][0]["entry"] == arrow["entry"]


def test_a_key_object_selections_instances_each_come_out_linked(tmp_path, ct):
    ko = reread(key_object_selection([ct[0], ct[2]], description="Two slices"))
    members, names = entries(tmp_path, ct)
    index = indexed(tmp_path, {**members, "ko.dcm": ko})
    entry_of = {r.location.split("::")[-1]: r.entry for r in index.dicom}
    document = link_references(read_document(ko), index.dicom)
    index.close()
    images = [c for c in document["content"]["children"] if c["type"] == "IMAGE"]
    assert document["title"] == "Of Interest" and document["template"] == "TID 2010"
    assert [c["value"] for c in document["content"]["children"] if c["type"] == "TEXT"] == ["Two slices"]
    assert [r["target"] for c in images for r in c["references"]] == [
        {"study_uid": ds.StudyInstanceUID, "series_uid": ds.SeriesInstanceUID,
         "entry": entry_of[names[ds.SOPInstanceUID]], "frame": 0} for ds in (ct[0], ct[2])]
    assert document["linked"] == 2


def test_a_key_object_selections_frames_of_a_multiframe_image_are_linked(tmp_path):
    image = multiframe(4)
    ko = key_object_selection([image])
    ko.ContentSequence[-1].ReferencedSOPSequence[0].ReferencedFrameNumber = [3]
    ko = reread(ko)
    index = indexed(tmp_path, {"mf.dcm": image})
    document = link_references(read_document(ko), index.dicom)
    index.close()
    (reference,) = [r for c in document["content"]["children"] for r in c.get("references", [])]
    assert reference["frames"] == [3] and reference["target"]["frame"] == 2


def test_a_key_object_selection_names_the_presentation_state_to_show_an_image_with(tmp_path, ct):
    ps = reread(presentation_state(ct))
    ko = key_object_selection([ct[1]])
    state = Dataset()
    state.ReferencedSOPClassUID, state.ReferencedSOPInstanceUID = ps.SOPClassUID, ps.SOPInstanceUID
    ko.ContentSequence[-1].ReferencedSOPSequence[0].ReferencedSOPSequence = DicomSequence([state])
    (image,) = [c for c in read_document(reread(ko))["content"]["children"] if c["type"] == "IMAGE"]
    assert image["references"][0]["presentation_state"] == ps.SOPInstanceUID
    assert linked(tmp_path, entries(tmp_path, ct)[0], ps)["sop_instance_uid"] == ps.SOPInstanceUID


def compound(kind: str, instance_id: int, points: list[float], **extra) -> Dataset:
    item = Dataset()
    item.CompoundGraphicInstanceID, item.CompoundGraphicUnits, item.CompoundGraphicType = instance_id, "PIXEL", kind
    item.GraphicDimensions, item.NumberOfGraphicPoints, item.GraphicData = 2, len(points) // 2, points
    for keyword, value in extra.items():
        setattr(item, keyword, value)
    return item


def test_compound_graphics_are_drawn_as_themselves_or_by_their_alternate_rendering(tmp_path, ct):
    alternate = hd.pr.GraphicObject(graphic_type="POLYLINE", graphic_data=np.array([[1.0, 1.0], [9.0, 1.0]]),
                                    units=PIXEL)
    ps = gsps(ct, [hd.pr.GraphicAnnotation(referenced_images=[ct[0]], graphic_layer=layer(),
                                           graphic_objects=[alternate])], [layer()])
    item = ps.GraphicAnnotationSequence[0]
    item.GraphicObjectSequence[0].CompoundGraphicInstanceID = 5  # the turned rectangle's alternate rendering
    item.CompoundGraphicSequence = DicomSequence([
        compound("RECTANGLE", 1, [2.0, 3.0, 10.0, 7.0]),
        compound("ELLIPSE", 2, [4.0, 2.0, 8.0, 12.0]),
        compound("MULTILINE", 3, [0.0, 0.0, 4.0, 4.0, 6.0, 6.0, 8.0, 6.0]),
        compound("RULER", 4, [1.0, 20.0, 21.0, 20.0]),
        compound("RECTANGLE", 5, [1.0, 1.0, 9.0, 5.0], RotationAngle=30.0, RotationPoint=[5.0, 3.0])])
    document = linked(tmp_path, entries(tmp_path, ct)[0], reread(ps))
    assert [(g["graphic"], g["points"]) for g in document["graphics"]] == [
        ("POLYLINE", [[1.0, 1.0], [9.0, 1.0]]),  # the rotated RECTANGLE by its alternate rendering
        ("POLYGON", [[2.0, 3.0], [10.0, 3.0], [10.0, 7.0], [2.0, 7.0]]),
        ("ELLIPSE", [[6.0, 2.0], [6.0, 12.0], [4.0, 7.0], [8.0, 7.0]]),  # taller than wide: the vertical axis first
        ("POLYLINE", [[0.0, 0.0], [4.0, 4.0]]), ("POLYLINE", [[6.0, 6.0], [8.0, 6.0]])]
    assert document["errors"] == ["Graphic Annotation item 1: a RULER compound graphic is not drawn "
                                  "and has no alternate rendering"]
