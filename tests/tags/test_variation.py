"""How headers differ (dicompeek.tags.variation): across a series, and between two instances."""

from __future__ import annotations

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicompeek.tags.variation import compare, series_variation
from dicompeek_synthetic import ct_phantom_series
from registry import pydicom_file


def by_keyword(result: dict) -> dict[str, dict]:
    return {e["keyword"]: e for e in result["elements"]}


def test_a_series_shows_what_is_constant_and_what_varies_with_counts_and_ranges():
    series = ct_phantom_series(5, 16, 16)
    series[4].WindowCenter = "50"
    result = series_variation([(f"ct/{i}", ds) for i, ds in enumerate(series)])
    elements = by_keyword(result)
    assert result["instances"] == 5
    assert elements["PatientName"]["constant"] and elements["PatientName"]["values"][0]["count"] == 5
    location = elements["SliceLocation"]
    assert not location["constant"] and location["distinct"] == 5
    assert (location["min"], location["max"]) == (-5.0, 5.0)
    window = elements["WindowCenter"]
    assert window["distinct"] == 2 and {v["value"]: v["count"] for v in window["values"]} == {"40": 4, "50": 1}
    assert window["values"][1]["example"] == "ct/4"
    assert "PixelData" not in elements


def test_an_element_missing_from_some_instances_is_not_constant():
    series = ct_phantom_series(3, 16, 16)
    series[0].ImageComments = "contrast"
    comments = by_keyword(series_variation([(str(i), ds) for i, ds in enumerate(series)]))["ImageComments"]
    assert comments["present"] == 1 and not comments["constant"]


def test_two_instances_side_by_side_at_every_depth():
    first, second = (pydicom.dcmread(pydicom_file("rtplan.dcm")) for _ in range(2))
    second.BeamSequence[0].BeamName = "CHANGED"
    second.PatientName = "OTHER^NAME"
    del second.ApprovalStatus
    result = compare(first, second)
    rows = {r["name"]: r for r in result["rows"]}
    assert rows["PatientName"]["differs"] and rows["PatientName"]["second"] == "OTHER^NAME"
    assert rows["BeamSequence > item 1 > BeamName"]["differs"]
    assert rows["ApprovalStatus"]["second"] is None
    assert not rows["StudyInstanceUID"]["differs"]
    assert result["differences"] == 3


def test_nested_items_keep_their_order():
    ds = Dataset()
    ds.ReferencedImageSequence = Sequence([Dataset() for _ in range(11)])
    for number, item in enumerate(ds.ReferencedImageSequence):
        item.ReferencedSOPInstanceUID = f"1.2.{number}"
    names = [r["name"] for r in compare(ds, ds)["rows"]]
    assert names[1] == "ReferencedImageSequence > item 1 > ReferencedSOPInstanceUID"
    assert names[-1] == "ReferencedImageSequence > item 11 > ReferencedSOPInstanceUID"
