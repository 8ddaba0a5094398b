"""The viewer's worker side (dicompeek.pixels.viewer): series lookup, rendering, probing, failures."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from dicompeek.index.indexer import Index
from dicompeek.pixels.viewer import Viewer
from dicompeek_synthetic import ct_phantom_series, dataset_bytes
from registry import small_dataset, zip_bytes


@pytest.fixture
def ct_viewer(tmp_path):
    series = ct_phantom_series(8, 32, 32)
    (tmp_path / "ct.zip").write_bytes(zip_bytes({f"CT/{i}.dcm": ds for i, ds in enumerate(series)}))
    index = Index()
    index.add([str(tmp_path / "ct.zip")])
    index.run()
    yield Viewer(index), series[0]
    index.close()


def test_series_frames_come_in_instance_direction(ct_viewer):
    viewer, first = ct_viewer
    result = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)
    assert [f["instance"] for f in result["frames"]] == list(range(1, 9))
    assert result["warnings"] == [] and result["modality"] == "CT"


def test_render_gives_rgba_and_what_the_overlays_need(ct_viewer):
    viewer, first = ct_viewer
    frames = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)["frames"]
    meta, rgba = viewer.render(frames[0]["entry"], 0)
    assert (meta["rows"], meta["columns"]) == (32, 32) and len(rgba) == 32 * 32 * 4
    assert meta["window"] == {"center": 40.0, "width": 400.0}
    assert meta["windows"][0]["explanation"] and meta["unit"] == "HU"
    assert meta["orientation"] == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert meta["overlay"]["PatientName"] == "DEMO^PHANTOM"
    pixels = np.frombuffer(rgba, np.uint8).reshape(32, 32, 4)
    assert pixels[..., 3].min() == 255 and pixels[..., 0].max() > pixels[..., 0].min()


def test_a_chosen_window_and_invert_change_the_image(ct_viewer):
    viewer, first = ct_viewer
    entry = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)["frames"][4]["entry"]
    _, normal = viewer.render(entry, 0)
    meta, lung = viewer.render(entry, 0, {"center": -600, "width": 1500})
    _, inverted = viewer.render(entry, 0, {"invert": True})
    assert meta["window"] == {"center": -600.0, "width": 1500.0}
    assert lung != normal
    assert np.array_equal(255 - np.frombuffer(normal, np.uint8)[0::4], np.frombuffer(inverted, np.uint8)[0::4])


def test_probe_reports_stored_and_modality_values(ct_viewer):
    viewer, first = ct_viewer
    entry = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)["frames"][0]["entry"]
    corner = viewer.probe(entry, 0, 0, 0)
    assert corner["unit"] == "HU" and corner["value"] == corner["stored"] - 1024
    assert corner["value"] < -900  # air outside the phantom
    assert viewer.probe(entry, 0, 999, 0) == {}


def test_a_frame_that_cannot_be_decoded_says_so_and_names_the_syntax(tmp_path):
    ds = small_dataset()
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")  # MPEG2: nobody decodes it here
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(60)])
    (tmp_path / "mpeg.dcm").write_bytes(dataset_bytes(ds))
    index = Index()
    index.add([str(tmp_path / "mpeg.dcm")])
    index.run()
    meta, rgba = Viewer(index).render(index.dicom[0].entry, 0)
    assert rgba == b""
    assert meta["error"].startswith("cannot decode frame 1 (MPEG2 Main Profile / Main Level")
    index.close()


def test_truncated_pixel_data_fails_only_that_file(tmp_path):
    good, short = small_dataset(rows=16, columns=16), small_dataset(rows=16, columns=16)
    (tmp_path / "good.dcm").write_bytes(dataset_bytes(good))
    (tmp_path / "short.dcm").write_bytes(dataset_bytes(short)[:-200])
    index = Index()
    index.add([str(tmp_path / "good.dcm"), str(tmp_path / "short.dcm")])
    index.run()
    viewer = Viewer(index)
    by_name = {r.location: r.entry for r in index.dicom}
    meta, rgba = viewer.render(by_name["short.dcm"], 0)
    assert "cannot decode frame 1" in meta["error"] and rgba == b""
    meta, rgba = viewer.render(by_name["good.dcm"], 0)
    assert "error" not in meta and len(rgba) == 16 * 16 * 4
    index.close()


def test_an_invalid_modality_lut_is_ignored_and_the_viewer_says_so(tmp_path):
    """LEADTOOLS' empty LUT Descriptor failed every frame ("'NoneType' object is not subscriptable");
    the frame now shows with Rescale Slope/Intercept, and the warning is in the frame's reply and
    among the series' warnings, which the page lists above the image."""
    from registry import modality_lut_dataset

    expected = ("Modality LUT Sequence ignored: its LUT Descriptor is empty; "
                "Rescale Slope and Intercept apply instead")
    series = [modality_lut_dataset(rescale=True) for _ in range(3)]
    for k, ds in enumerate(series):
        ds.StudyInstanceUID, ds.SeriesInstanceUID = series[0].StudyInstanceUID, series[0].SeriesInstanceUID
        ds.InstanceNumber = k + 1
    (tmp_path / "lut.zip").write_bytes(zip_bytes({f"LUT/{k}.dcm": ds for k, ds in enumerate(series)}))
    index = Index()
    index.add([str(tmp_path / "lut.zip")])
    index.run()
    viewer = Viewer(index)
    opened = viewer.series(series[0].StudyInstanceUID, series[0].SeriesInstanceUID)
    assert opened["warnings"] == [f"3 files (lut.zip::LUT/0.dcm, …): {expected}"]
    meta, rgba = viewer.render(opened["frames"][0]["entry"], 0)
    assert "error" not in meta and len(rgba) == 16 * 64 * 4
    assert meta["warnings"] == [expected]
    probe = viewer.probe(opened["frames"][0]["entry"], 0, 63, 0)
    assert probe["value"] == probe["stored"] * 2 - 1000  # the rescale, not the ignored LUT
    index.close()


def test_a_frame_without_problems_has_no_warnings_and_file_warnings_are_capped(ct_viewer, tmp_path):
    viewer, first = ct_viewer
    entry = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)["frames"][0]["entry"]
    assert viewer.render(entry, 0)[0]["warnings"] == []
    from dicompeek.index.indexer import DicomRecord
    from dicompeek.pixels.viewer import FILE_WARNING_LINES, file_warnings

    records = [DicomRecord(k, f"IM{k}", None, "", 1, "", {}, f"problem {k}") for k in range(9)]
    lines = file_warnings(records)
    assert len(lines) == FILE_WARNING_LINES and lines[0] == "IM0: problem 0"
    assert lines[-1] == f"… and {9 - FILE_WARNING_LINES + 1} more file warnings (the summary lists every file)"


def test_a_dataset_with_dicm_at_byte_128_opens_in_the_viewer(tmp_path):
    from registry import dicm_at_128_bytes

    ds = small_dataset(rows=16, columns=16)
    (tmp_path / "IM0001").write_bytes(dicm_at_128_bytes(ds))
    index = Index()
    index.add([str(tmp_path / "IM0001")])
    index.run()
    assert len(index.dicom) == 1
    meta, rgba = Viewer(index).render(index.dicom[0].entry, 0)
    assert "error" not in meta and len(rgba) == 16 * 16 * 4
    index.close()


def test_an_automatic_window_from_the_frames_histogram_is_rendered_on_request(ct_viewer):
    viewer, first = ct_viewer
    entry = viewer.series(first.StudyInstanceUID, first.SeriesInstanceUID)["frames"][4]["entry"]
    meta, auto = viewer.render(entry, 0, {"auto": True})
    _, normal = viewer.render(entry, 0)
    assert meta["window"] != {"center": 40.0, "width": 400.0} and meta["window"]["width"] > 400
    assert auto != normal
    assert meta["spacing"]["source"] == "PixelSpacing" and meta["spacing"]["note"] == ""


def test_roi_statistics_are_in_hounsfield_units(tmp_path):
    ds = small_dataset(rows=16, columns=16)
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.PixelSpacing = [0.5, 0.5]
    stored = np.full((16, 16), 1024 + 40, dtype="<u2")
    stored[8:, :] = 24  # -1000 HU below
    ds.PixelData = stored.tobytes()
    (tmp_path / "roi.zip").write_bytes(zip_bytes({"roi.dcm": dataset_bytes(ds)}))
    index = Index()
    index.add([str(tmp_path / "roi.zip")])
    index.run()
    viewer = Viewer(index)
    entry = viewer.series(ds.StudyInstanceUID, ds.SeriesInstanceUID)["frames"][0]["entry"]
    stats = viewer.roi(entry, 0, "ellipse", [2, 0, 14, 8])
    assert stats["unit"] == "HU" and stats["mean"] == 40.0 and stats["sd"] == 0.0
    assert stats["area_mm2"] == pytest.approx(np.pi / 4 * 12 * 8 * 0.25, abs=1e-3)
    assert viewer.roi(entry, 0, "rectangle", [0, 4, 16, 12])["mean"] == pytest.approx(-480.0)
    assert "error" in viewer.roi(entry, 0, "star", [0, 0, 4, 4])
    index.close()
