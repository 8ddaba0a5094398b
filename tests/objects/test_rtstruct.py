"""RT structure sets (dicompeek.objects.rtstruct, .rtstruct_links) and the patient-to-pixel transform
(dicompeek.pixels.geometry): the transform on an oblique plane worked by hand; pydicom's test
RTSTRUCT read as pydicom reads it raw; a structure set made here over a generated CT drawn on the
right slices (by reference, and by position without Contour Image Sequences), its points the raw
Contour Data through the transform, on the phantom's heart; what is not drawn is counted."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.objects.rtstruct import is_structure_set, read_structure_set
from dicompeek.objects.rtstruct_links import series_structures
from dicompeek.objects.seg import PALETTE
from dicompeek.pixels.geometry import frame_plane, plane_from_values
from dicompeek_synthetic import AXIAL, _chest_parts, _plane, ct_phantom_series, dataset_bytes
from dicompeek_synthetic_rt import Roi, chest_structures, ellipsoid_contours, structure_set
from registry import pydicom_file, zip_bytes

SLICES, SIZE = 12, 64


@pytest.fixture(scope="module")
def ct() -> list[pydicom.FileDataset]:
    return ct_phantom_series(SLICES, SIZE, SIZE)


def loaded(tmp_path, members: dict) -> tuple[Index, InstanceCache, dict[str, int]]:
    """An index of a zip of ``members``, its cache, and each member's entry by SOP Instance UID."""
    path = tmp_path / "a.zip"
    path.write_bytes(zip_bytes(members))
    index = Index()
    index.add([str(path)])
    index.run()
    return index, InstanceCache(index), {str(r.fields["SOPInstanceUID"]): r.entry for r in index.dicom}


def structures(tmp_path, images: list[Dataset], rtstruct: Dataset | bytes) -> tuple[dict, dict[str, int]]:
    """The one structure set of a zip of ``images`` and ``rtstruct``, linked, and the entries."""
    index, cache, entries = loaded(tmp_path, {**{f"ct/{k}.dcm": ds for k, ds in enumerate(images)},
                                              "rt.dcm": rtstruct})
    record = next(r for r in index.dicom if r.location.endswith("rt.dcm"))
    (linked,) = series_structures(index, cache, record.fields["StudyInstanceUID"], record.fields["SeriesInstanceUID"])
    index.close()
    return linked, entries


def raw_to_pixels(image: Dataset, data) -> np.ndarray:
    """PS3.3 C.7.6.2.1.1 written out again from the image's raw attributes (no normalising): the
    reference the module's transform is checked against."""
    p0 = np.array([float(v) for v in image.ImagePositionPatient])
    iop = [float(v) for v in image.ImageOrientationPatient]
    delta_row, delta_column = (float(v) for v in image.PixelSpacing)
    offsets = np.array([float(v) for v in data]).reshape(-1, 3) - p0
    return np.stack([offsets @ iop[:3] / delta_column + 0.5, offsets @ iop[3:] / delta_row + 0.5], axis=1)


def inside(polygon: list[list[float]], rows: int, columns: int) -> np.ndarray:
    """Pixels whose centre is inside ``polygon`` (even-odd rule), as a bool (rows, columns) array."""
    y, x = np.mgrid[0:rows, 0:columns] + 0.5
    result = np.zeros((rows, columns), dtype=bool)
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if y1 != y2:
            result ^= ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
    return result


# --- the transform --------------------------------------------------------------------------------

def test_a_point_on_an_oblique_plane_lands_on_the_pixel_worked_out_by_hand():
    # P0 = (10, 20, 30); rows run along r = (0.6, 0.8, 0), columns down c = (0, 0, -1);
    # Pixel Spacing [2.0, 0.5]: 2 mm between rows, 0.5 mm between columns; n = r×c = (-0.8, 0.6, 0).
    # P = (16.2, 29.4, 22): P−P0 = (6.2, 9.4, -8);
    #   (P−P0)·r = 3.72 + 7.52 = 11.24 mm → 11.24 / 0.5 = 22.48 columns → x = 22.48 + 0.5 = 22.98
    #   (P−P0)·c = 8 mm → 8 / 2 = 4 rows → y = 4 + 0.5 = 4.5
    #   (P−P0)·n = -4.96 + 5.64 = 0.68 mm from the plane.
    plane = plane_from_values(["10", "20", "30"], ["0.6", "0.8", "0", "0", "0", "-1"], ["2.0", "0.5"])
    assert plane is not None
    assert plane.to_pixels([[16.2, 29.4, 22.0]]) == pytest.approx(np.array([[22.98, 4.5]]))
    assert plane.distances([[16.2, 29.4, 22.0]]) == pytest.approx(np.array([0.68]))
    # back on the plane: P less 0.68 mm along n = (16.2 + 0.544, 29.4 - 0.408, 22)
    assert plane.to_patient([[22.98, 4.5]]) == pytest.approx(np.array([[16.744, 28.992, 22.0]]))
    # the first pixel's centre (P0) is half a pixel from the frame's top-left corner
    assert plane.to_pixels([[10, 20, 30]]) == pytest.approx(np.array([[0.5, 0.5]]))


def test_the_index_s_backslash_strings_and_rounded_direction_cosines_give_the_same_plane():
    exact = plane_from_values([0, 0, 0], [1 / math.sqrt(2), 1 / math.sqrt(2), 0, 0, 0, -1], [1, 1])
    stored = plane_from_values("0\\0\\0", "0.7071\\0.7071\\0\\0\\0\\-1", "1\\1")
    assert exact is not None and stored is not None
    point = [[70.71, 70.71, -5.0]]
    assert stored.to_pixels(point) == pytest.approx(exact.to_pixels(point))


def test_a_plane_needs_usable_position_orientation_and_spacing():
    assert plane_from_values(None, [1, 0, 0, 0, 1, 0], [1, 1]) is None
    assert plane_from_values([0, 0, 0], [1, 0, 0, 1, 0, 0], [1, 1]) is None  # parallel directions
    assert plane_from_values([0, 0, 0], [1, 0, 0, 0, 1, 0], [0, 1]) is None
    assert plane_from_values("a\\b\\c", [1, 0, 0, 0, 1, 0], [1, 1]) is None


# --- reading --------------------------------------------------------------------------------------

def test_pydicoms_rtstruct_reads_as_its_raw_values():
    ds = pydicom.dcmread(pydicom_file("rtstruct.dcm"), force=True)
    structure = read_structure_set(ds)
    assert is_structure_set(ds) and structure.label == ds.StructureSetLabel
    assert [(r.number, r.name, r.frame_of_reference, r.generation_algorithm) for r in structure.rois] == [
        (int(i.ROINumber), i.ROIName, i.ReferencedFrameOfReferenceUID, i.ROIGenerationAlgorithm)
        for i in ds.StructureSetROISequence]
    by_number = {int(i.ReferencedROINumber): i for i in ds.ROIContourSequence}
    types = {int(i.ReferencedROINumber): i.RTROIInterpretedType for i in ds.RTROIObservationsSequence}
    for roi in structure.rois:
        raw = by_number[roi.number]
        assert roi.colour == tuple(int(v) for v in raw.ROIDisplayColor) and roi.colour_from_file
        assert roi.interpreted_type == types[roi.number]
        assert len(roi.contours) == len(raw.ContourSequence)
        for contour, item in zip(roi.contours, raw.ContourSequence, strict=True):
            assert contour.geometric_type == item.ContourGeometricType
            assert contour.points.shape == (int(item.NumberOfContourPoints), 3)
            assert contour.points.ravel().tolist() == [float(v) for v in item.ContourData]
    assert structure.skipped == 0 and structure.problems == ()


def test_an_roi_without_a_display_colour_gets_a_palette_colour(ct):
    rt = structure_set(ct, [Roi("A", None, {0: [np.array([[0.0, 0.0, float(ct[0].ImagePositionPatient[2])]])]})])
    (roi,) = read_structure_set(rt).rois
    assert roi.colour == PALETTE[0] and not roi.colour_from_file
    assert roi.contours[0].geometric_type == "POINT"


def test_broken_contours_are_skipped_and_counted_and_the_rest_is_read(ct):
    heart = chest_structures(ct, ("Heart",))
    rt = structure_set(ct, heart, stated_points={(0, max(heart[0].contours), 0): 3})
    contours = rt.ROIContourSequence[0].ContourSequence
    contours[0].ContourData = contours[0].ContourData[:-1]  # 3n - 1 numbers
    contours[1].ContourGeometricType = "SPLINE"
    del contours[2].ContourData
    structure = read_structure_set(rt)
    assert len(structure.rois[0].contours) == len(contours) - 3 and structure.skipped == 3
    assert structure.problems == (
        "ROI 1: contours whose Contour Data is not (x, y, z) finite numbers skipped",
        "ROI 1: contours of unknown Contour Geometric Type 'SPLINE' skipped",
        "ROI 1: contours without Contour Data skipped",
        "ROI 1: Number of Contour Points disagrees with Contour Data (the Contour Data is used)")


def test_a_dataset_that_is_not_a_structure_set_or_has_no_roi_is_refused_with_the_reason(ct):
    with pytest.raises(ValueError, match="not an RT structure set"):
        read_structure_set(ct[0])
    rt = structure_set(ct, [])
    del rt.StructureSetROISequence, rt.ROIContourSequence
    with pytest.raises(ValueError, match="lists no ROI"):
        read_structure_set(rt)


def test_the_generated_structure_set_is_valid_for_dciodvfy(ct, tmp_path):
    if not shutil.which("dciodvfy"):
        pytest.skip("dciodvfy (dicom3tools) is not installed")
    path = tmp_path / "rt.dcm"
    path.write_bytes(dataset_bytes(structure_set(ct, chest_structures(ct))))
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, check=False)
    assert "Error" not in result.stdout + result.stderr, result.stdout + result.stderr


# --- linking to the loaded images -----------------------------------------------------------------

def test_contours_are_drawn_on_the_slices_they_reference_at_their_raw_points_through_the_transform(ct, tmp_path):
    rt = structure_set(ct, chest_structures(ct, ("Body", "Heart")))
    linked, entries = structures(tmp_path, ct, rt)
    body, heart = (read_structure_set(rt).rois[k].contours for k in (0, 1))
    assert [(r["name"], r["colour"], r["type"], r["contours"], r["drawn"]) for r in linked["rois"]] == [
        ("Body", [0, 200, 0], "EXTERNAL", SLICES, SLICES), ("Heart", [255, 40, 40], "ORGAN", len(heart), len(heart))]
    assert linked["unmatched"] == 0 and linked["errors"] == [] and linked["label"] == "PHANTOM"
    assert len(linked["graphics"]) == len(body) + len(heart)
    by_uid = {str(ds.SOPInstanceUID): ds for ds in ct}
    raw = [item for roi in rt.ROIContourSequence for item in roi.ContourSequence]
    for graphic, item in zip(linked["graphics"], raw, strict=True):
        image = by_uid[item.ContourImageSequence[0].ReferencedSOPInstanceUID]
        assert graphic["entry"] == entries[str(image.SOPInstanceUID)] and graphic["frame"] == 0
        assert graphic["how"] == "reference" and graphic["graphic"] == "POLYGON"
        assert graphic["target"] == {"study_uid": image.StudyInstanceUID, "series_uid": image.SeriesInstanceUID,
                                     "entry": graphic["entry"], "frame": 0}
        assert np.array(graphic["points"]) == pytest.approx(raw_to_pixels(image, item.ContourData), abs=1e-3)
    assert linked["targets"] == [{"study_uid": ct[0].StudyInstanceUID, "series_uid": ct[0].SeriesInstanceUID,
                                  "graphics": len(raw)}]


def test_the_heart_contour_encloses_the_phantom_s_heart(ct, tmp_path):
    linked, entries = structures(tmp_path, ct, structure_set(ct, chest_structures(ct, ("Heart",))))
    by_entry = {entries[str(ds.SOPInstanceUID)]: ds for ds in ct}
    middle = max(linked["graphics"], key=lambda g: len(inside(g["points"], SIZE, SIZE).nonzero()[0]))
    image = by_entry[middle["entry"]]
    hu = image.pixel_array.astype(float) - 1024
    heart = inside(middle["points"], SIZE, SIZE)
    assert heart.sum() > 50
    assert abs(hu[heart].mean() - 45) < 3 and np.all(np.abs(hu[heart] - 45) < 30)
    # the phantom's heart, computed at the pixel centres as the phantom paints it: the same pixels
    # (the 64-point polygon is within 0.02 pixel of the ellipse, so at most a pixel or two differ)
    z = [float(ds.ImagePositionPatient[2]) for ds in ct]
    cx, cy, cz, a, b, c, _ = _chest_parts(max(z), SLICES * float(ct[0].SliceThickness))[3]
    x, y, zz = _plane([float(v) for v in image.ImagePositionPatient], AXIAL, float(image.PixelSpacing[0]), SIZE, SIZE)
    painted = ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 + ((zz - cz) / c) ** 2 <= 1.0
    assert np.count_nonzero(painted != heart) <= 2


def test_without_contour_image_sequences_contours_are_drawn_by_position_on_the_same_slices(ct, tmp_path):
    by_reference, _ = structures(tmp_path, ct, structure_set(ct, chest_structures(ct, ("Body", "Heart"))))
    (tmp_path / "a.zip").unlink()
    by_position, _ = structures(tmp_path, ct, structure_set(ct, chest_structures(ct, ("Body", "Heart")),
                                                            contour_images=False))
    assert {g["how"] for g in by_position["graphics"]} == {"position"}
    assert [(g["entry"], g["roi"]) for g in by_position["graphics"]] == [
        (g["entry"], g["roi"]) for g in by_reference["graphics"]]
    assert by_position["unmatched"] == 0


def test_contours_on_images_not_loaded_and_off_every_slice_are_counted(ct, tmp_path):
    z_top = float(ct[0].ImagePositionPatient[2])
    off = {0: [np.array([[0.0, 0.0, z_top + 40.0]])]}  # 40 mm above the first slice, by position
    rt = structure_set(ct, [*chest_structures(ct, ("Body",)), Roi("Off", (1, 2, 3), off)], contour_images=False)
    linked, _ = structures(tmp_path, ct[: SLICES // 2], rt)
    body, away = linked["rois"]
    assert (body["contours"], body["drawn"]) == (SLICES, SLICES // 2)
    assert (away["contours"], away["drawn"]) == (1, 0)
    assert linked["unmatched"] == SLICES - SLICES // 2 + 1
    assert len(linked["graphics"]) == SLICES // 2


def test_a_referenced_slice_not_loaded_falls_back_to_a_slice_at_the_same_place(ct, tmp_path):
    rt = structure_set(ct, chest_structures(ct, ("Body",)))
    for item in rt.ROIContourSequence[0].ContourSequence:
        item.ContourImageSequence[0].ReferencedSOPInstanceUID = "1.2.3.4"
    linked, _ = structures(tmp_path, ct, rt)
    assert {g["how"] for g in linked["graphics"]} == {"position"} and linked["unmatched"] == 0


def test_an_unreadable_structure_set_says_why_and_the_others_are_still_read(ct, tmp_path):
    good = structure_set(ct, chest_structures(ct, ("Heart",)))
    bad = structure_set(ct, chest_structures(ct, ("Heart",)))
    bad.SeriesInstanceUID = good.SeriesInstanceUID
    del bad.StructureSetROISequence, bad.ROIContourSequence
    index, cache, _ = loaded(tmp_path, {**{f"ct/{k}.dcm": ds for k, ds in enumerate(ct)},
                                        "rt/good.dcm": good, "rt/bad.dcm": bad})
    found = series_structures(index, cache, good.StudyInstanceUID, good.SeriesInstanceUID)
    index.close()
    by_name = {s["location"].rsplit("/", 1)[-1]: s for s in found}
    assert by_name["good.dcm"]["graphics"] and "error" not in by_name["good.dcm"]
    assert by_name["bad.dcm"]["error"] == ("cannot read this structure set: the structure set lists no ROI "
                                           "(no Structure Set ROI or ROI Contour Sequence)")
    assert by_name["bad.dcm"]["graphics"] == [] and by_name["bad.dcm"]["errors"] == [by_name["bad.dcm"]["error"]]


def test_a_multi_frame_image_referenced_without_a_frame_number_is_drawn_on_its_nearest_frame(ct):
    from dicompeek.index.indexer import DicomRecord
    from dicompeek.objects.rtstruct_links import link_structures

    enhanced = Dataset()
    enhanced.SOPInstanceUID, enhanced.NumberOfFrames = "1.2.3.9", 3
    enhanced.SharedFunctionalGroupsSequence = [Dataset()]
    enhanced.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence = [Dataset()]
    enhanced.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    enhanced.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence = [Dataset()]
    enhanced.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing = [2, 2]
    enhanced.PerFrameFunctionalGroupsSequence = []
    for z in (0, 5, 10):
        item = Dataset()
        item.PlanePositionSequence = [Dataset()]
        item.PlanePositionSequence[0].ImagePositionPatient = [-10, -10, z]
        enhanced.PerFrameFunctionalGroupsSequence.append(item)
    record = DicomRecord(7, "mf.dcm", None, "", 1000, "1.2.840.10008.1.2.1",
                         {"SOPInstanceUID": "1.2.3.9", "NumberOfFrames": 3, "StudyInstanceUID": "1.2",
                          "SeriesInstanceUID": "1.2.1"}, None)
    rt = structure_set(ct[:1], [Roi("P", None, {0: [np.array([[0.0, 0.0, 5.2]])]})])
    rt.ROIContourSequence[0].ContourSequence[0].ContourImageSequence[0].ReferencedSOPInstanceUID = "1.2.3.9"
    linked = link_structures(read_structure_set(rt), [record], lambda r: enhanced)
    (graphic,) = linked["graphics"]
    assert (graphic["entry"], graphic["frame"], graphic["graphic"]) == (7, 1, "POINT")
    assert graphic["points"] == [[5.5, 5.5]]  # 10 mm from (-10, -10) at 2 mm a pixel, to the centre
    last = frame_plane(enhanced, 2)
    assert last is not None and last.origin == (-10.0, -10.0, 10.0)


def test_malformed_numbers_in_a_file_skip_the_contour_and_give_a_palette_colour(ct):
    rt = structure_set(ct, chest_structures(ct, ("Body",)))
    data = dataset_bytes(rt)
    first = rt.ROIContourSequence[0].ContourSequence[0]
    number = f"{first.ContourData[0]}\\".encode()
    broken = data.replace(number, b"x" * (len(number) - 1) + b"\\", 1).replace(b"0\\200\\0", b"0\\2Z0\\0", 1)
    with pytest.warns(UserWarning):
        structure = read_structure_set(pydicom.dcmread(pydicom.filebase.DicomBytesIO(broken)))
    (roi,) = structure.rois
    assert roi.colour == PALETTE[0] and len(roi.contours) == SLICES - 1 and structure.skipped == 1
    assert structure.problems == (
        "ROI 1: ROI Display Color is not three numbers from 0 to 255 (a palette colour is used)",
        "ROI 1: contours whose Contour Data is not (x, y, z) finite numbers skipped")


def test_ellipsoid_contours_lie_on_oblique_and_sagittal_planes_and_on_the_ellipsoid():
    from dicompeek_synthetic import mr_series

    ellipsoid = (5.0, -10.0, 20.0, 40.0, 60.0, 30.0)
    for images in (mr_series(6, 16, 16), ct_phantom_series(6, 16, 16)):
        found = ellipsoid_contours(images, ellipsoid, points=32)
        assert found
        for k, (points,) in found.items():
            plane = frame_plane(images[k])
            assert plane is not None and np.abs(plane.distances(points)).max() < 1e-9
            on = (((points - ellipsoid[:3]) / ellipsoid[3:]) ** 2).sum(axis=1)
            assert on == pytest.approx(np.ones(32))
