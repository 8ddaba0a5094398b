"""What the walk shows the rules (dicompeek.privacy.elements)."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from dicompeek.privacy.elements import SEARCH_ONLY, Element, classify, value_text, vr_of


@pytest.mark.parametrize("keyword, tag, category, severity", [
    ("PatientName", 0x00100010, "element", "high"),
    ("PatientAddress", 0x00101040, "element", "high"),
    ("InstitutionName", 0x00080080, "element", "medium"),
    ("PatientSex", 0x00100040, "element", "low"),
    ("StudyDate", 0x00080020, "dates", "medium"),
    ("StudyTime", 0x00080030, "dates", "low"),
    ("SeriesDescription", 0x0008103E, "free-text", "medium"),
    ("TextValue", 0x0040A160, "free-text", "medium"),
    ("StudyInstanceUID", 0x0020000D, "uids", "low"),
    ("PatientIdentityRemoved", 0x00120062, "claim", "medium"),
    ("OverlayData", 0x60003000, "pixels", "medium"),
    ("IconImageSequence", 0x00880200, "pixels", "medium"),
    ("EncapsulatedDocument", 0x00420011, "document", "high"),
])
def test_every_standard_tag_has_one_category(keyword, tag, category, severity):
    info = classify(tag)
    assert (info.category, info.severity) == (category, severity), keyword


def test_what_no_rule_lists_is_only_searched_for_leaks():
    assert classify(0x00280010) is SEARCH_ONLY  # Rows
    assert classify(0x00081140) is SEARCH_ONLY  # Referenced Image Sequence: its UIDs are reviewed as UIDs
    assert vr_of(0x00291010) == "UN" and vr_of(0x00100010) == "PN" and vr_of(0x7FE00010) == "OB"


def test_values_are_shown_as_text_without_padding():
    ds = Dataset()
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    assert value_text(ds, 0x00080008, ds.ImageType) == "ORIGINAL\\PRIMARY"
    assert value_text(ds, 0x00100010, b"Ab^Cd \x00") == "Ab^Cd"
    assert value_text(ds, 0x00200013, 7) == "7"


def test_an_element_shows_binary_values_by_size_and_converts_others_only_when_asked():
    ds = Dataset()
    ds.add_new(0x00420011, "OB", bytes(12))
    ds.add_new(0x00280010, "US", 512)
    blob = Element(ds, 0x00420011, "OB", bytes(12), None, (0x00400275,), "(0040,0275) > item 1 > ",
                   classify(0x00420011))
    assert blob.shown == "OB, 12 bytes" and blob.path == (0x00400275, 0x00420011)
    assert blob.location == "(0040,0275) > item 1 > (0042,0011)" and not blob.private and not blob.sequence
    assert blob.describe() == {"tag": "(0042,0011)", "keyword": "EncapsulatedDocument", "name": "Encapsulated Document",
                               "path": "(0040,0275) > item 1 > (0042,0011)"}
    rows = Element(ds, 0x00280010, "US", 512, None, (), "", classify(0x00280010))
    assert rows.shown == "512"
