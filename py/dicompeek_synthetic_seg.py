"""A segmentation (SEG) of the phantom CT and a TID 1500 measurement report (SR) about it, for the
demo and the tests: what a workshop shows after "here is the CT".

Why highdicom: these are written at build time and in tests, in CPython only (the page reads them
with :mod:`dicompeek.objects`, pydicom and numpy alone), and highdicom is the tool the tutorials
use to make them; a SEG it writes is a SEG other viewers read.

The segments are the phantom's own structures (:func:`dicompeek_synthetic.ct_phantom_parts`),
rasterised on each slice's pixel centres exactly as the CT's pixels were painted, so the overlay
lies on the structures.
"""

from __future__ import annotations

from collections.abc import Sequence

import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from dicompeek_synthetic import MANUFACTURER, ct_phantom_parts, new_uid, slice_coordinates

#: The demo's segments: (label, part index in ct_phantom_parts, SNOMED CT code, meaning,
#: CIELab colour (L*, a*, b*) as a person would pick it: blue lungs, red heart.
SEGMENTS = (
    ("Right lung", 1, "3341006", "Right lung", (60.0, -10.0, -45.0)),
    ("Left lung", 2, "44029006", "Left lung", (75.0, -25.0, -30.0)),
    ("Heart", 3, "80891009", "Heart", (50.0, 65.0, 45.0)),
)
SEG_SERIES_NUMBER = 4
SR_SERIES_NUMBER = 5


def segment_masks(ct: Sequence[Dataset]) -> np.ndarray:
    """(slices, rows, columns, segments) bool: where each of :data:`SEGMENTS` is on each slice,
    by the phantom's ellipsoids alone (what the CT's pixels were painted from, without noise)."""
    parts = ct_phantom_parts(ct)
    masks = np.zeros((len(ct), int(ct[0].Rows), int(ct[0].Columns), len(SEGMENTS)), dtype=bool)
    for k, ds in enumerate(ct):
        x, y, z = slice_coordinates(ds)
        for s, (_, part, *_rest) in enumerate(SEGMENTS):
            cx, cy, cz, a, b, c, _value = parts[part]
            masks[k, :, :, s] = ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 + ((z - cz) / c) ** 2 <= 1.0
    return masks


def phantom_segmentation(ct: Sequence[Dataset]) -> Dataset:
    """A binary SEG of the phantom CT's lungs and heart, one frame per slice and segment present,
    each frame referencing its CT slice, with recommended display colours."""
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=n + 1, segment_label=label,
            segmented_property_category=codes.SCT.Organ,
            segmented_property_type=hd.sr.CodedConcept(code, "SCT", meaning),
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            display_color=hd.color.CIELabColor(*lab))
        for n, (label, _part, code, meaning, lab) in enumerate(SEGMENTS)]
    seg = hd.seg.Segmentation(
        source_images=list(ct), pixel_array=segment_masks(ct).astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY, segment_descriptions=descriptions,
        series_instance_uid=new_uid(), series_number=SEG_SERIES_NUMBER, sop_instance_uid=new_uid(),
        instance_number=1, manufacturer=MANUFACTURER, manufacturer_model_name="Phantom segmenter",
        software_versions="1", device_serial_number="0", content_label="ORGANS",
        content_description="Lungs and heart of the phantom")
    seg.SeriesDescription = "Segmentation: lungs and heart"
    return seg


def measurement_report(ct: Sequence[Dataset], seg: Dataset) -> Dataset:
    """A TID 1500 measurement report: the nodule's diameter, measured on the slice through its
    centre with a polyline across it (a SCOORD the viewer draws), and the heart's volume from the
    segmentation's segment 3."""
    parts = ct_phantom_parts(ct)
    cx, cy, cz, a, _b, _c, _value = parts[4]  # the nodule
    middle = min(range(len(ct)), key=lambda k: abs(float(ct[k].ImagePositionPatient[2]) - cz))
    image = ct[middle]
    origin, spacing = [float(v) for v in image.ImagePositionPatient], float(image.PixelSpacing[0])
    column, row = (cx - origin[0]) / spacing + 0.5, (cy - origin[1]) / spacing + 0.5  # pixel corner origin
    across = np.array([[column - a / spacing, row], [column + a / spacing, row]], dtype=np.float32)
    nodule = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=new_uid(), identifier="Nodule 1"),
        referenced_region=hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.POLYLINE, graphic_data=across,
            source_image=hd.sr.SourceImageForRegion.from_source_image(image)),
        finding_type=codes.SCT.Nodule,
        measurements=[hd.sr.Measurement(name=codes.SCT.Diameter, value=round(2 * a, 1),
                                        unit=codes.UCUM.Millimeter)])
    heart_volume = float(segment_masks(ct)[..., 2].sum()) * spacing * spacing * float(ct[0].SliceThickness) / 1000.0
    heart = hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=new_uid(), identifier="Heart"),
        referenced_segment=hd.sr.ReferencedSegment(
            sop_class_uid=seg.SOPClassUID, sop_instance_uid=seg.SOPInstanceUID, segment_number=3,
            source_series=hd.sr.SourceSeriesForSegmentation(ct[0].SeriesInstanceUID)),
        finding_type=codes.SCT.Heart,
        measurements=[hd.sr.Measurement(name=codes.SCT.Volume, value=round(heart_volume, 1),
                                        unit=codes.UCUM.CubicCentimeter)])
    observer = hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Reader^Demo")))
    report = hd.sr.MeasurementReport(observation_context=observer, procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
                                     imaging_measurements=[nodule, heart])
    sr = hd.sr.Comprehensive3DSR(
        evidence=[*ct, seg], content=report, series_instance_uid=new_uid(), series_number=SR_SERIES_NUMBER,
        sop_instance_uid=new_uid(), instance_number=1, manufacturer=MANUFACTURER,
        series_description="Measurement report", is_complete=True)
    return sr
