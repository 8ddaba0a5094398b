"""Header exports (dicompeek.tags.exports): DICOM JSON that reads back as the same header, and CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import struct
import warnings

import pydicom
import pytest
from pydicom.dataset import Dataset

from dicompeek.tags.exports import INLINE_LIMIT, dicom_json, parse_fields, series_csv
from dicompeek_synthetic import ct_phantom_series
from registry import explicit_element, part10_bytes, pydicom_file

ROUND_TRIP = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtdose.dcm", "JPEG2000.dcm", "nested_priv_SQ.dcm",
              "SC_rgb_small_odd.dcm", "ExplVR_BigEnd.dcm", "image_dfl.dcm"]


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_dicom_json_reads_back_as_the_same_header(name):
    original = pydicom.dcmread(pydicom_file(name))
    exported = json.loads(dicom_json(original, name))
    omitted = {}

    def bulk(tag: str, vr: str, uri: str) -> bytes:
        omitted[tag] = uri
        return original[int(tag, 16)].value

    restored = Dataset.from_json(exported, bulk_data_uri_handler=bulk)
    assert restored == original  # pydicom compares every element, sequences included
    for tag, uri in omitted.items():
        assert len(original[int(tag, 16)].value) > INLINE_LIMIT and uri.startswith("dicompeek:omitted/")


def test_large_values_are_left_out_by_reference_and_small_ones_inlined():
    ds = pydicom.dcmread(pydicom_file("MR_small.dcm"))  # 8 KiB of pixel data
    assert "InlineBinary" in json.loads(dicom_json(ds, "mr"))["7FE00010"]
    big = ct_phantom_series(1, 256, 256)[0]  # 128 KiB
    assert json.loads(dicom_json(big, "ct"))["7FE00010"]["BulkDataURI"].startswith("dicompeek:omitted/7FE00010")


def test_csv_has_a_row_per_instance_with_the_chosen_elements():
    series = ct_phantom_series(3, 16, 16)
    text = series_csv([(f"ct/{i}", ds) for i, ds in enumerate(series)],
                      ["InstanceNumber", "(0020,0032)", "0018,0050", "PatientAge"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["location", "InstanceNumber", "(0020,0032)", "0018,0050", "PatientAge"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "3"]
    assert rows[1][2].count("\\") == 2 and rows[1][3] == "2.5" and rows[1][4] == ""


def test_an_unknown_field_name_is_refused_by_name():
    with pytest.raises(ValueError, match="not a keyword or tag: 'PatientNme'"):
        parse_fields(["PatientNme"])


def _strict(text: str) -> dict:
    """JSON as JSON.parse reads it: NaN and Infinity are not JSON."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} in the export")
    return json.loads(text, parse_constant=refuse)


def test_not_a_number_values_are_written_as_strings_so_the_export_stays_json():
    """NaN and infinities were written as NaN and Infinity (json.dumps allows them by default),
    which no JSON parser reads (regressions viewer-window-nan.dcm, tags-variation-infinity.zip).
    DS and IS keep their text, as DCMTK's dcm2json writes a DS that is not a JSON number; FL and
    FD values are "NaN", "Infinity", "-Infinity", as the tag browser shows them."""
    nan, inf = float("nan"), float("inf")
    item = struct.pack("<HHL", 0xFFFE, 0xE000, 12) + explicit_element(0x00201041, "DS", b"nan ")
    data = part10_bytes(explicit_element(0x00081140, "SQ", item)
                        + explicit_element(0x00180050, "DS", b"inf ")
                        + explicit_element(0x0018602C, "FD", struct.pack("<d", nan))
                        + explicit_element(0x0018605A, "FL", struct.pack("<4f", 1.5, nan, inf, -inf))
                        + explicit_element(0x00281050, "DS", b"-inf\\40\\1e400 "))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom: invalid DS values
        original = pydicom.dcmread(io.BytesIO(data))
        exported = _strict(dicom_json(original, "nan.dcm"))
        assert exported["00081140"]["Value"][0]["00201041"] == {"vr": "DS", "Value": ["nan"]}
        assert exported["00180050"] == {"vr": "DS", "Value": ["inf"]}
        assert exported["0018602C"] == {"vr": "FD", "Value": ["NaN"]}
        assert exported["0018605A"] == {"vr": "FL", "Value": [1.5, "NaN", "Infinity", "-Infinity"]}
        assert exported["00281050"] == {"vr": "DS", "Value": ["-inf", 40, "1e400"]}
        restored = Dataset.from_json(exported)  # and pydicom reads them back as the same numbers
        assert str(restored.SliceThickness) == "inf" and math.isnan(restored.PhysicalDeltaX)
        assert [str(v) for v in restored.TableOfParameterValues] == ["1.5", "nan", "inf", "-inf"]
        assert [float(v) for v in restored.WindowCenter] == [-inf, 40, inf]
        assert math.isnan(restored.ReferencedImageSequence[0].SliceLocation)
