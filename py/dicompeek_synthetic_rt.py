"""Generate RT Structure Sets (RTSTRUCT) over generated images, for the demo and the tests.

Why here, apart from :mod:`dicompeek_synthetic`: the demo's CT gains a structure set whose
contours lie on the phantom's own structures (:func:`chest_structures`), and the tests need
structure sets made to order (with or without Contour Image Sequences, with broken contours).
pydicom and numpy only, so it runs wherever the demo is built. The result passes ``dciodvfy``.

A contour is given as an (n, 3) array of patient coordinates (mm): one point is a POINT, more a
CLOSED_PLANAR contour; or as (geometric type, array) for any other type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, RTStructureSetStorage

from dicompeek_synthetic import IMPLEMENTATION_VERSION, MANUFACTURER, Ellipsoid, _chest_parts, _fmt, new_uid

#: A contour: patient points (n, 3) in mm, or (Contour Geometric Type, points).
ContourSpec = np.ndarray | tuple[str, np.ndarray]
#: Study Component Management SOP Class, which the RT Referenced Study Sequence names.
STUDY_COMPONENT = "1.2.840.10008.3.1.2.3.2"
#: The phantom's parts (dicompeek_synthetic._chest_parts, in its order) as ROIs: name, colour,
#: RT ROI Interpreted Type.
CHEST_ROIS: tuple[tuple[str, tuple[int, int, int], str], ...] = (
    ("Body", (0, 200, 0), "EXTERNAL"), ("Lung_R", (0, 130, 255), "ORGAN"), ("Lung_L", (0, 200, 255), "ORGAN"),
    ("Heart", (255, 40, 40), "ORGAN"), ("Nodule", (255, 220, 0), "GTV"), ("Vertebra", (240, 240, 200), "ORGAN"),
    ("Sternum", (200, 160, 255), "ORGAN"))


class Roi(NamedTuple):
    """One ROI to write: its contours by index in the images (0-based), each image's list."""

    name: str
    colour: tuple[int, int, int] | None
    contours: Mapping[int, Sequence[ContourSpec]]
    interpreted_type: str = "ORGAN"
    algorithm: str = "AUTOMATIC"


def structure_set(images: Sequence[Dataset], rois: Sequence[Roi | tuple], *, label: str = "PHANTOM",
                  series_number: int = 90, contour_images: bool = True,
                  stated_points: Mapping[tuple[int, int, int], int] | None = None) -> FileDataset:
    """A valid RTSTRUCT over ``images`` (one series, one Frame of Reference): the patient and study
    of the first image, every image listed in the Referenced Frame of Reference Sequence, each
    ROI's contours referencing their image by SOP Instance UID (unless ``contour_images`` is
    False: then they must be matched by position). ``colour`` None leaves out ROI Display Color.
    ``stated_points`` overrides Number of Contour Points of (ROI index, image index, contour
    index), for tests of files that disagree with their Contour Data."""
    if not images:
        raise ValueError("a structure set needs the images it outlines")
    first = images[0]
    ds = _dataset(first, series_number)
    ds.StructureSetLabel, ds.StructureSetName = label, label
    ds.StructureSetDate, ds.StructureSetTime = ds.InstanceCreationDate, ds.InstanceCreationTime
    frame_uid = str(first.FrameOfReferenceUID)
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = frame_uid, first.get("PositionReferenceIndicator", "")
    series = Dataset()
    series.SeriesInstanceUID = first.SeriesInstanceUID
    series.ContourImageSequence = DicomSequence([_image_reference(image) for image in images])
    study = Dataset()
    study.ReferencedSOPClassUID, study.ReferencedSOPInstanceUID = STUDY_COMPONENT, first.StudyInstanceUID
    study.RTReferencedSeriesSequence = DicomSequence([series])
    reference = Dataset()
    reference.FrameOfReferenceUID = frame_uid
    reference.RTReferencedStudySequence = DicomSequence([study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([reference])
    declared, contoured, observed = [], [], []
    for index, given in enumerate(rois):
        roi = Roi(*given)
        number = index + 1
        item = Dataset()
        item.ROINumber, item.ReferencedFrameOfReferenceUID = number, frame_uid
        item.ROIName, item.ROIGenerationAlgorithm = roi.name, roi.algorithm
        declared.append(item)
        contour_item = Dataset()
        if roi.colour is not None:
            contour_item.ROIDisplayColor = list(roi.colour)
        contours: list[Dataset] = []
        for k, specs in sorted(roi.contours.items()):
            for c, spec in enumerate(specs):
                override = (stated_points or {}).get((index, k, c))
                contours.append(_contour(spec, len(contours) + 1, images[k] if contour_images else None, override))
        contour_item.ContourSequence = DicomSequence(contours)
        contour_item.ReferencedROINumber = number
        contoured.append(contour_item)
        observation = Dataset()
        observation.ObservationNumber, observation.ReferencedROINumber = number, number
        observation.RTROIInterpretedType, observation.ROIInterpreter = roi.interpreted_type, ""
        observed.append(observation)
    ds.StructureSetROISequence = DicomSequence(declared)
    ds.ROIContourSequence = DicomSequence(contoured)
    ds.RTROIObservationsSequence = DicomSequence(observed)
    return ds


def ellipsoid_contours(images: Sequence[Dataset], ellipsoid: Ellipsoid | Sequence[float],
                       points: int = 64) -> dict[int, list[np.ndarray]]:
    """The closed contour of an axis-aligned ellipsoid ((cx, cy, cz, a, b, c, ...) in mm) on each
    image's plane that cuts it, by image index: ``points`` points where rays from the centre of the
    cut meet the ellipsoid (so the phantom's pixels inside the contour are the ellipsoid's)."""
    centre, axes = np.asarray(ellipsoid[:3], float), np.asarray(ellipsoid[3:6], float)
    out: dict[int, list[np.ndarray]] = {}
    for k, image in enumerate(images):
        origin = np.asarray([float(v) for v in image.ImagePositionPatient])
        iop = [float(v) for v in image.ImageOrientationPatient]
        u, v = np.asarray(iop[:3]), np.asarray(iop[3:])
        # the plane's point nearest the centre in the ellipsoid's metric: the centre of the cut
        basis = np.stack([u, v], axis=1) / axes[:, None]
        st, *_ = np.linalg.lstsq(basis, (centre - origin) / axes, rcond=None)
        middle = origin + st[0] * u + st[1] * v
        if np.sum(((middle - centre) / axes) ** 2) >= 1.0:
            continue
        angles = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
        rays = np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * v
        m, d = (middle - centre) / axes, rays / axes
        qa, qb, qc = np.sum(d * d, axis=1), 2 * d @ m, float(m @ m) - 1.0
        t = (-qb + np.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
        out[k] = [middle + t[:, None] * rays]
    return out


def chest_structures(images: Sequence[Dataset], names: Sequence[str] = ("Body", "Heart", "Lung_R"),
                     points: int = 64) -> list[Roi]:
    """ROIs outlining the parts of :func:`dicompeek_synthetic.ct_phantom_series`'s chest on its
    slices (``names`` from :data:`CHEST_ROIS`), for the demo's structure set."""
    z = [float(image.ImagePositionPatient[2]) for image in images]
    parts = _chest_parts(max(z), len(images) * float(images[0].SliceThickness))
    known = [name for name, _, _ in CHEST_ROIS]
    rois = []
    for name in names:
        at = known.index(name)
        _, colour, kind = CHEST_ROIS[at]
        rois.append(Roi(name, colour, ellipsoid_contours(images, parts[at], points), kind, "AUTOMATIC"))
    return rois


def _dataset(image: Dataset, series_number: int) -> FileDataset:
    """The patient, study, RT series, equipment and SOP common modules, from ``image``'s study."""
    uid = new_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = RTStructureSetStorage, UID(uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128, is_implicit_VR=False,
                     is_little_endian=True)
    ds.SpecificCharacterSet = image.get("SpecificCharacterSet", "ISO_IR 100")
    ds.SOPClassUID, ds.SOPInstanceUID = RTStructureSetStorage, uid
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID",
                    "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
                    "StudyDescription"):
        setattr(ds, keyword, image.get(keyword, ""))
    ds.InstanceCreationDate, ds.InstanceCreationTime = image.get("StudyDate", ""), image.get("StudyTime", "")
    ds.Modality, ds.SeriesInstanceUID, ds.SeriesNumber = "RTSTRUCT", new_uid(), series_number
    ds.SeriesDescription, ds.OperatorsName = "STRUCTURES", ""
    ds.Manufacturer, ds.InstitutionName = MANUFACTURER, "DICOM Peek"
    ds.InstanceNumber = 1
    return ds


def _image_reference(image: Dataset) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = image.SOPClassUID, image.SOPInstanceUID
    return item


def _contour(spec: ContourSpec, number: int, image: Dataset | None, stated: int | None) -> Dataset:
    kind, points = spec if isinstance(spec, tuple) else ("POINT" if len(spec) == 1 else "CLOSED_PLANAR", spec)
    points = np.asarray(points, float).reshape(-1, 3)
    item = Dataset()
    if image is not None:
        item.ContourImageSequence = DicomSequence([_image_reference(image)])
    item.ContourGeometricType = kind
    item.NumberOfContourPoints = len(points) if stated is None else stated
    item.ContourNumber = number
    item.ContourData = [_fmt(v) for v in points.ravel()]
    return item
