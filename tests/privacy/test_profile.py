"""PS3.15 Table E.1-1 as data (dicompeek.privacy.profile)."""

from __future__ import annotations

from dicompeek.privacy.profile import DATA, PROFILE, action_text


def test_the_table_ships_as_package_data_with_its_edition():
    assert DATA.parent.name == "data" and DATA.parent.parent.name == "privacy" and DATA.is_file()
    assert 600 <= len(PROFILE.rows) <= 700 and "2024" in PROFILE.edition
    assert {o.code for o in PROFILE.options} == {f"1131{n:02}" for n in range(3, 13)} | {"113100"}


def test_a_row_is_found_by_tag_then_repeating_group_then_as_private():
    name = PROFILE.row_for(0x00100010)
    assert name is not None and name.basic == "Z"
    overlay = PROFILE.row_for(0x60023000)
    assert overlay is not None and overlay.pattern and overlay.matches(0x601E3000)
    private = PROFILE.row_for(0x00291010)
    assert private is not None and private.private
    assert PROFILE.row_for(0x00280010) is None  # Rows: not identifying


def test_options_are_found_by_their_cid_7050_code():
    assert PROFILE.option_name("113111") == "Retain Safe Private Option"
    retain_uid = PROFILE.option_for("113110")
    assert retain_uid is not None and retain_uid.key == "retain_uid"
    assert PROFILE.option_for("113101") is None and PROFILE.option_name("113101") is None


def test_action_letters_are_spelled_out():
    assert action_text("X/Z/D") == ("E.1-1 action X/Z/D: remove, or empty it or replace with a dummy value, or "
                                    "replace with a dummy value")
    assert action_text("") == "not listed in E.1-1"
