"""What the viewer lays over a series (dicompeek.objects.layers): the loaded derived objects that
refer to it, and a segmentation's masks on its frames, checked against the masks the SEG was made
from (the phantom's structures) and against highdicom's reading of the same file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from dicompeek.dicom.cache import InstanceCache
from dicompeek.index.indexer import Index
from dicompeek.objects.layers import ObjectLayers, kind_of, referenced_uids
from registry import small_dataset, zip_bytes

hd = pytest.importorskip("highdicom")
from dicompeek_synthetic import ct_phantom_series  # noqa: E402
from dicompeek_synthetic_pr import presentation_state  # noqa: E402
from dicompeek_synthetic_rt import chest_structures, structure_set  # noqa: E402
from dicompeek_synthetic_seg import measurement_report, phantom_segmentation, segment_masks  # noqa: E402


@pytest.fixture(scope="module")
def study() -> dict[str, Any]:
    ct = ct_phantom_series(12, 32, 32)
    seg = phantom_segmentation(ct)
    return {"ct": ct, "seg": seg, "sr": measurement_report(ct, seg),
            "rt": structure_set(ct, chest_structures(ct)), "pr": presentation_state(ct)}


@pytest.fixture()
def loaded(tmp_path, study) -> Iterator[tuple[Index, ObjectLayers]]:
    members = {f"ct/{n}.dcm": ds for n, ds in enumerate(study["ct"])}
    members.update({"seg.dcm": study["seg"], "sr.dcm": study["sr"], "rt.dcm": study["rt"], "pr.dcm": study["pr"],
                    "other.dcm": small_dataset()})
    (tmp_path / "a.zip").write_bytes(zip_bytes(members))
    index = Index()
    index.add([str(tmp_path / "a.zip")])
    index.run()
    yield index, ObjectLayers(index, InstanceCache(index))
    index.close()


def unpacked(data: bytes, count: int, rows: int, columns: int) -> np.ndarray:
    """The masks as sent: one bit a pixel, least significant first, each padded to a byte."""
    size = (rows * columns + 7) // 8
    assert len(data) == count * size
    return np.stack([np.unpackbits(np.frombuffer(data[k * size:(k + 1) * size], np.uint8), bitorder="little")
                     [:rows * columns].reshape(rows, columns) for k in range(count)]) if count else \
        np.zeros((0, rows, columns), np.uint8)


def entry_of(index: Index, uid: str) -> int:
    return next(r.entry for r in index.dicom if r.fields.get("SOPInstanceUID") == uid)


def test_the_segmentation_and_the_report_are_the_ct_series_layers_with_the_segments_named(loaded, study):
    index, layers = loaded
    ct = study["ct"]
    found = layers.related(ct[0].StudyInstanceUID, ct[0].SeriesInstanceUID)
    assert [(o["kind"], o["entry"]) for o in found] == [
        (kind, entry_of(index, study[key].SOPInstanceUID))
        for kind, key in (("SEG", "seg"), ("SR", "sr"), ("RTSTRUCT", "rt"), ("PR", "pr"))]
    segments = found[0]["segments"]
    assert [(s["number"], s["label"], s["category"], s["type"]) for s in segments] == [
        (1, "Right lung", "Organ", "Right lung"), (2, "Left lung", "Organ", "Left lung"),
        (3, "Heart", "Organ", "Heart")]
    assert segments[2]["colour"][0] > 180 > segments[2]["colour"][2]  # the heart is red
    assert found[0]["label"] == "ORGANS"


def test_a_series_nothing_refers_to_has_no_layers(loaded, study):
    index, layers = loaded
    other = next(r for r in index.dicom if r.location.endswith("other.dcm"))
    assert layers.related(other.fields["StudyInstanceUID"], other.fields["SeriesInstanceUID"]) == []


def test_each_slice_gets_the_masks_it_was_made_from_and_highdicoms_reading_agrees(loaded, study):
    index, layers = loaded
    ct, seg = study["ct"], study["seg"]
    seg_entry = entry_of(index, seg.SOPInstanceUID)
    expected = segment_masks(ct)
    reference = hd.seg.Segmentation.from_dataset(seg)
    shown = 0
    for k, image in enumerate(ct):
        meta, data = layers.seg_masks(seg_entry, entry_of(index, image.SOPInstanceUID), 0)
        present = [n for n in (1, 2, 3) if expected[k, :, :, n - 1].any()]
        assert meta["segments"] == present and meta["how"] == ("reference" if present else "plane")
        masks = unpacked(data, len(present), 32, 32)
        if present:
            theirs = reference.get_pixels_by_source_instance(
                source_sop_instance_uids=[image.SOPInstanceUID], segment_numbers=present,
                skip_overlap_checks=True)[0]
            for m, number in enumerate(present):
                assert np.array_equal(masks[m] == 1, expected[k, :, :, number - 1])
                assert np.array_equal(masks[m] == 1, theirs[:, :, m] > 0)
            shown += 1
    assert shown >= 4


def test_a_segmentation_on_another_grid_says_why_it_is_not_drawn(loaded, study):
    index, layers = loaded
    other = next(r for r in index.dicom if r.location.endswith("other.dcm"))
    meta, data = layers.seg_masks(entry_of(index, study["seg"].SOPInstanceUID), other.entry, 0)
    assert data == b"" and "pixels" in meta["error"]


def test_kinds_and_references_of_derived_objects(study):
    assert [kind_of(u) for u in ("1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.481.3",
                                 "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.88.59",
                                 "1.2.840.10008.5.1.4.1.1.2")] == ["SEG", "RTSTRUCT", "PR", "SR", None]
    series, instances = referenced_uids(study["sr"])
    assert study["ct"][0].SeriesInstanceUID in series and study["seg"].SOPInstanceUID in instances


def test_the_structures_and_the_presentation_state_bring_their_drawings_on_the_series_frames(loaded, study):
    index, layers = loaded
    ct = study["ct"]
    entries = {entry_of(index, ds.SOPInstanceUID) for ds in ct}
    found = {o["kind"]: o for o in layers.related(ct[0].StudyInstanceUID, ct[0].SeriesInstanceUID)}
    rt, pr = found["RTSTRUCT"], found["PR"]
    assert [r["name"] for r in rt["rois"]] == ["Body", "Heart", "Lung_R"]
    assert rt["graphics"] and {g["entry"] for g in rt["graphics"]} <= entries
    assert {g["graphic"] for g in rt["graphics"]} == {"POLYGON"} and all("target" not in g for g in rt["graphics"])
    assert {g["roi"] for g in rt["graphics"]} == {r["number"] for r in rt["rois"]}
    assert [g["graphic"] for g in pr["graphics"]] == ["ARROW"] and [t["text"] for t in pr["texts"]] == ["Heart"]
    assert {w["entry"] for w in pr["windows"]} == entries and pr["windows"][0]["width"] == 400


def test_a_segmentation_opened_itself_is_its_own_layer_each_frame_in_its_segment(loaded, study):
    index, layers = loaded
    seg = study["seg"]
    entry = entry_of(index, seg.SOPInstanceUID)
    (own, report) = layers.related(seg.StudyInstanceUID, seg.SeriesInstanceUID)
    assert (own["kind"], own["entry"], own["own"], report["kind"]) == ("SEG", entry, True, "SR")
    frames = seg.PerFrameFunctionalGroupsSequence
    for k in (0, len(frames) - 1):
        meta, data = layers.seg_masks(entry, entry, k)
        number = frames[k].SegmentIdentificationSequence[0].ReferencedSegmentNumber
        assert meta["segments"] == [number] and meta["how"] == "own"
        assert np.array_equal(unpacked(data, 1, 32, 32)[0], seg.pixel_array[k])
    assert "no frame" in layers.seg_masks(entry, entry, len(frames))[0]["error"]
