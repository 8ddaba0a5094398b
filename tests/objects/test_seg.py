"""Segmentations (dicompeek.objects.seg, render --seg) against highdicom, which reads SEGs in
CPython: our mask of every segment on every source frame, and our label map, equal highdicom's
pixel for pixel, on SEGs made here with highdicom from a synthetic CT (binary with overlapping
segments, fractional, label map, single frame) and on every SEG of ../shared/corpus."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.sr.codedict import codes

from dicompeek.objects.seg import (
    PALETTE,
    NotRelated,
    SizeMismatch,
    check_size,
    cielab_to_srgb,
    frames_for_source,
    label_map,
    match_frames,
    overlay_rgba,
    read_segmentation,
    segment_mask,
)
from dicompeek.pixels.one_bit import DEFLATED_IMAGE_FRAME, RLE_LOSSLESS, one_bit_frame
from dicompeek_synthetic import ct_phantom_series, dataset_bytes
from registry import CORPUS, ROOT

hd = pytest.importorskip("highdicom")
SLICES, SIZE = 6, 32
RED_LAB = (34891, 53480, 50167)  # sRGB (255, 0, 0) is CIELab (53.24, 80.09, 67.20), encoded per C.10.7.1.1
BLUE_LAB = hd.color.CIELabColor.from_rgb(30, 144, 255).value


@pytest.fixture(scope="module")
def ct() -> list[pydicom.FileDataset]:
    return ct_phantom_series(SLICES, SIZE, SIZE)


def masks() -> np.ndarray:
    """(slices, rows, columns, 2): segment 1 on slices 1-3, segment 2 on 2-4, overlapping;
    slices 0 and 5 covered by neither."""
    array = np.zeros((SLICES, SIZE, SIZE, 2), dtype=bool)
    array[1:4, 8:20, 8:20, 0] = True
    array[2:5, 14:26, 12:28, 1] = True
    return array


def make_seg(sources: Sequence[Dataset], array: np.ndarray, kind: str, *, colours: bool = True, **extra) -> Dataset:
    descriptions = [hd.seg.SegmentDescription(
        segment_number=n, segment_label=label, segmented_property_category=codes.SCT.Tissue,
        segmented_property_type=kind_code, algorithm_type="MANUAL",
        display_color=hd.color.CIELabColor.from_dicom_value(lab) if colours else None)
        for n, label, kind_code, lab in ((1, "Heart", codes.SCT.Heart, RED_LAB),
                                         (2, "Lung", codes.SCT.Lung, BLUE_LAB))
        if n <= array.shape[-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = hd.seg.Segmentation(
            source_images=sources, pixel_array=array, segmentation_type=kind, segment_descriptions=descriptions,
            series_instance_uid=hd.UID(), series_number=90, sop_instance_uid=hd.UID(), instance_number=1,
            manufacturer="test", manufacturer_model_name="test", software_versions="1", device_serial_number="1",
            **extra)
    return pydicom.dcmread(pydicom.filebase.DicomBytesIO(dataset_bytes(seg)))


def generated(ct: list[pydicom.FileDataset], name: str) -> tuple[Sequence[Dataset], Dataset]:
    if name == "binary, overlapping":
        return ct, make_seg(ct, masks(), "BINARY")
    if name == "fractional":
        fractions = masks()[..., :1].astype(np.float32) * 0.6
        fractions[2, 10:12, 10:12, 0] = 1.0 / 255  # the smallest fraction above 0 is present
        return ct, make_seg(ct, fractions, "FRACTIONAL", max_fractional_value=255)
    if name == "labelmap":
        array = masks()
        array[..., 0] &= ~array[..., 1]  # a label map holds one segment per pixel
        return ct, make_seg(ct, array, "LABELMAP")
    if name == "single frame, no colours":
        return ct[2:3], make_seg(ct[2:3], masks()[2:3], "BINARY", colours=False)
    raise AssertionError(name)


KINDS = ["binary, overlapping", "fractional", "labelmap", "single frame, no colours"]


def theirs(seg, uid: str, numbers: list[int], frame: int | None = None, **options) -> np.ndarray:
    common = dict(segment_numbers=numbers, skip_overlap_checks=True, ignore_spatial_locations=True,
                  assert_missing_frames_are_empty=True, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if frame is None:
            return seg.get_pixels_by_source_instance([uid], **common)[0]
        return seg.get_pixels_by_source_frame(uid, [frame], **common)[0]


def assert_same_as_highdicom(ds: Dataset, reference: Dataset, sources: list[tuple[str, int | None]]) -> int:
    """Every segment's mask and the label map on each source frame; returns the masks compared."""
    with warnings.catch_warnings():  # before ours decodes: pydicom keeps the frame asked for on the dataset
        warnings.simplefilter("ignore")
        reference = hd.seg.Segmentation.from_dataset(reference)
    seg = read_segmentation(ds)
    numbers = [s.number for s in seg.segments if s.number > 0]
    compared = 0
    for uid, frame in sources:
        frames = frames_for_source(seg, uid, frame or 1)
        expected = theirs(reference, uid, numbers, frame)
        for i, number in enumerate(numbers):
            ours = segment_mask(ds, seg, frames, number)
            assert np.array_equal(ours, expected[..., i] > 0), f"{uid} frame {frame} segment {number}"
            compared += 1
        if seg.kind != "FRACTIONAL":  # highdicom combines fractional segments only when all 0 or max
            combined = theirs(reference, uid, numbers, frame, combine_segments=True)
            assert np.array_equal(label_map(ds, seg, frames), combined), f"{uid} frame {frame} label map"
    return compared


@pytest.mark.parametrize("kind", KINDS)
def test_masks_on_every_slice_equal_highdicoms(ct, kind):
    _, ds = generated(ct, kind)
    compared = assert_same_as_highdicom(ds, ds, [(str(s.SOPInstanceUID), None) for s in ct])
    assert compared == len(ct) * len(read_segmentation(ds).segments if kind != "labelmap" else [1, 2])


@pytest.mark.parametrize("kind", KINDS)
def test_a_slice_the_seg_does_not_cover_has_empty_masks(ct, kind):
    _, ds = generated(ct, kind)
    seg = read_segmentation(ds)
    match = match_frames(seg, ct[5], 0)
    assert match.frames == ()  # not referenced (highdicom leaves empty frames out): no frame on its plane
    assert not segment_mask(ds, seg, match.frames, 1).any()
    assert not overlay_rgba(ds, seg, match.frames)[..., 3].any()


def test_frames_are_found_by_plane_when_the_seg_names_no_source(ct):
    _, ds = generated(ct, "binary, overlapping")
    for item in ds.PerFrameFunctionalGroupsSequence:
        del item.DerivationImageSequence
    seg = read_segmentation(ds)
    for k, image in enumerate(ct):
        match = match_frames(seg, image, 0)
        assert match.how == "plane"
        for number in (1, 2):
            assert np.array_equal(segment_mask(ds, seg, match.frames, number), masks()[k, ..., number - 1])


def test_segments_are_read_with_labels_codes_types_and_colours(ct):
    _, ds = generated(ct, "binary, overlapping")
    seg = read_segmentation(ds)
    assert (seg.kind, seg.rows, seg.columns, len(seg.frames)) == ("BINARY", SIZE, SIZE, 6)
    heart, lung = seg.segments
    assert (heart.number, heart.label, heart.algorithm_type) == (1, "Heart", "MANUAL")
    assert heart.category is not None and heart.category.meaning == "Tissue"
    assert heart.type is not None and (heart.type.code, heart.type.scheme, heart.type.meaning) == \
        ("80891009", "SCT", "Heart")
    assert heart.colour == (255, 0, 0) and heart.colour_from_file
    assert np.abs(np.subtract(lung.colour, (30, 144, 255))).max() <= 1  # highdicom's sRGB → CIELab and back
    assert seg.referenced_series == (str(ct[0].SeriesInstanceUID),)
    assert seg.as_json()["segments"][0]["label"] == "Heart"


def test_a_segment_without_a_cielab_value_takes_the_palette(ct):
    _, ds = generated(ct, "single frame, no colours")
    seg = read_segmentation(ds)
    assert [s.colour for s in seg.segments] == [PALETTE[0], PALETTE[1]]
    assert not any(s.colour_from_file for s in seg.segments)


def test_cielab_of_pure_red_is_srgb_red_and_the_ends_are_black_and_white():
    # hand computed: L* = 34891 / 655.35 = 53.24, a* = 53480 / 257 - 128 = 80.09, b* = 67.20;
    # fy = 0.5969, fx = 0.7571, fz = 0.2609 -> XYZ = (0.4124, 0.2127, 0.0193) -> linear RGB (1, 0, 0)
    assert cielab_to_srgb(RED_LAB) == (255, 0, 0)
    assert cielab_to_srgb((0, 32896, 32896)) == (0, 0, 0)
    assert cielab_to_srgb((65535, 32896, 32896)) == (255, 255, 255)
    outside = cielab_to_srgb((65535, 0, 65535))  # L* 100, a* -128, b* 127: no sRGB colour, clamped
    assert outside[1] == 255 and all(0 <= c <= 255 for c in outside)


def test_overlapping_segments_are_drawn_in_number_order_later_on_top(ct):
    _, ds = generated(ct, "binary, overlapping")
    seg = read_segmentation(ds)
    frames = match_frames(seg, ct[2], 0).frames
    both = masks()[2, ..., 0] & masks()[2, ..., 1]
    assert both.any()
    labels = label_map(ds, seg, frames)
    assert (labels[both] == 2).all() and (labels[masks()[2, ..., 0] & ~both] == 1).all()
    rgba = overlay_rgba(ds, seg, frames, opacity=0.5)
    assert (rgba[both][:, :3] == seg.segments[1].colour).all() and (rgba[both][:, 3] == 128).all()
    assert (rgba[~(masks()[2, ..., 0] | masks()[2, ..., 1])] == 0).all()


def test_a_seg_of_another_series_and_frame_of_reference_is_not_related(ct):
    _, ds = generated(ct, "binary, overlapping")
    other = ct_phantom_series(1, SIZE, SIZE)[0]
    with pytest.raises(NotRelated):
        match_frames(read_segmentation(ds), other, 0)


def test_a_seg_of_another_size_is_refused_with_the_sizes():
    with pytest.raises(SizeMismatch, match="32×32 pixels and the image's 64×64"):
        check_size(read_segmentation(generated(ct_phantom_series(SLICES, SIZE, SIZE), "fractional")[1]), 64, 64)


@pytest.mark.parametrize("syntax", [RLE_LOSSLESS, DEFLATED_IMAGE_FRAME])
def test_one_bit_frames_compressed_as_pydicom_3_0_cannot_decode_are_decoded(syntax):
    rows, columns = 5, 7  # 35 bits: each frame padded to 5 bytes
    frames = np.random.default_rng(3).integers(0, 2, (3, rows, columns), dtype=np.uint8)
    fragments = []
    for frame in frames:
        packed = np.packbits(frame.reshape(-1), bitorder="little").tobytes()
        if syntax == RLE_LOSSLESS:  # one segment of literal runs
            body = b"".join(bytes([len(packed[i:i + 128]) - 1]) + packed[i:i + 128] for i in range(0, len(packed), 128))
            fragments.append(struct.pack("<16I", 1, 64, *([0] * 14)) + body)
        else:
            deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
            fragments.append(deflater.compress(packed) + deflater.flush())
    ds = Dataset()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.Rows, ds.Columns, ds.NumberOfFrames, ds.BitsAllocated = rows, columns, 3, 1
    ds.PixelData = encapsulate(fragments)
    for k in range(3):
        assert np.array_equal(one_bit_frame(ds, k), frames[k])


# --- the command line ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(ct, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seg")
    paths = {f"ct{k}": folder / f"ct{k}.dcm" for k in range(SLICES)}
    for k, image in enumerate(ct):
        paths[f"ct{k}"].write_bytes(dataset_bytes(image))
    paths["seg"] = folder / "seg.dcm"
    paths["seg"].write_bytes(dataset_bytes(generated(ct, "binary, overlapping")[1]))
    paths["other"] = folder / "other.dcm"
    paths["other"].write_bytes(dataset_bytes(ct_phantom_series(1, SIZE, SIZE)[0]))
    return paths


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dicompeek", *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "py")}, check=False)


def png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


def test_mask_only_on_a_covered_slice_is_the_segments_mask(files, tmp_path):
    out = tmp_path / "mask.png"
    result = cli("render", str(files["ct2"]), "--seg", str(files["seg"]), "--segment", "2", "--mask-only",
                 "-o", str(out))
    assert result.returncode == 0, result.stderr
    image = png(out)
    assert image.dtype == np.uint8 and image.shape == (SIZE, SIZE)
    assert np.array_equal(image, np.where(masks()[2, ..., 1], 255, 0))


def test_mask_only_on_a_slice_not_covered_is_all_zero_and_not_an_error(files, tmp_path):
    out = tmp_path / "mask.png"
    result = cli("render", str(files["ct5"]), "--seg", str(files["seg"]), "--segment", "1", "--mask-only",
                 "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "nothing segmented" in result.stderr
    assert not png(out).any() and png(out).shape == (SIZE, SIZE)


def test_the_overlay_has_the_segments_colour_where_its_mask_is(files, tmp_path):
    out, plain = tmp_path / "overlay.png", tmp_path / "plain.png"
    assert cli("render", str(files["ct1"]), "-o", str(plain)).returncode == 0
    result = cli("render", str(files["ct1"]), "--seg", str(files["seg"]), "-o", str(out))
    assert result.returncode == 0, result.stderr
    image, grey = png(out).astype(int), png(plain).astype(int)
    inside = masks()[1, ..., 0]
    expected = np.rint((grey[inside][:, None] * (1 - 128 / 255)) + np.array([255, 0, 0]) * (128 / 255))
    assert np.abs(image[inside] - expected).max() <= 1
    assert (image[~inside] == grey[~inside][:, None]).all()


def test_a_seg_that_does_not_segment_the_image_is_one_line_and_exit_2(files, tmp_path):
    result = cli("render", str(files["other"]), "--seg", str(files["seg"]), "--mask-only", "--segment", "1",
                 "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "does not refer to this image" in result.stderr
    result = cli("render", str(files["ct1"]), "--seg", str(files["seg"]), "--mask-only", "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "needs --segment N (its segments: 1, 2)" in result.stderr


# --- the corpus ----------------------------------------------------------------------------------

CORPUS_SEGS = (sorted((CORPUS / "highdicom").glob("seg_image_*.dcm"))
               + sorted((CORPUS / "pydicom_data").glob("liver*.dcm")))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
@pytest.mark.parametrize("path", CORPUS_SEGS, ids=lambda p: p.name)
def test_every_corpus_seg_gives_highdicoms_masks(path):
    ds = pydicom.dcmread(path)
    if str(ds.get("DimensionOrganizationType", "")) == "TILED_FULL":
        pytest.skip("TILED_FULL: no source frames to index by (highdicom refuses too)")
    # highdicom reads neither big endian nor the deflated frames: it reads the uncompressed twin
    twin = path.with_name(path.name.replace("_deflate", "").replace("_expb", "").replace("_rle", "")
                          .replace("_j2k", ""))
    sources = sorted({s for f in read_segmentation(ds).frames for s in f.sources}, key=str)
    assert sources
    assert assert_same_as_highdicom(ds, pydicom.dcmread(twin), sources) >= len(sources)


def test_a_seg_thumbnail_shows_every_segment_on_the_middle_frames_plane_in_their_colours(ct, tmp_path):
    from dicompeek.index.indexer import Index
    from dicompeek.objects.seg import thumbnail_picture
    from dicompeek.pixels.thumbnail import thumbnail
    from pixels.test_thumbnail import png_pixels
    from registry import zip_bytes

    _, ds = generated(ct, "binary, overlapping")
    members = {f"CT/{n}.dcm": image for n, image in enumerate(ct)} | {"SEG/seg.dcm": ds}
    (tmp_path / "seg.zip").write_bytes(zip_bytes(members))
    index = Index()
    try:
        index.add([str(tmp_path / "seg.zip")])
        index.run()
        meta, png = thumbnail(index, str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), paint=thumbnail_picture)
        grey, _ = thumbnail(index, str(ct[0].StudyInstanceUID), str(ct[0].SeriesInstanceUID), paint=thumbnail_picture)
    finally:
        index.close()
    seg = read_segmentation(ds)
    source = seg.frames[meta["frame"]].sources[0][0]
    slice_number = next(n for n, image in enumerate(ct) if str(image.SOPInstanceUID) == source)
    expected = overlay_rgba(ds, seg, match_frames(seg, ct[slice_number], 0).frames, opacity=1.0)[..., :3]
    picture = png_pixels(png)
    assert picture.shape == (SIZE, SIZE, 3) and (picture == expected).all()
    colours = {tuple(int(c) for c in pixel) for pixel in picture.reshape(-1, 3)}
    present = {s.colour for s in seg.segments if masks()[slice_number, ..., s.number - 1].any()}
    assert colours == present | {(0, 0, 0)} and len(present) == 2  # both segments, on black
    assert "error" not in grey  # an image is still shown in grey
