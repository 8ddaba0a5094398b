"""New UIDs, shifted dates and pseudonyms: consistent within a run and for one salt, unlinkable
across salts, intervals kept."""

from __future__ import annotations

import datetime as dt

import pytest

from dicompeek.privacy.deidentify.dates import MAX_DAYS, MIN_DAYS, offset_days, shift
from dicompeek.privacy.deidentify.pseudonyms import Pseudonym, PseudonymMap
from dicompeek.privacy.deidentify.uids import UidMap


def test_the_same_uid_gets_the_same_new_uid_for_one_salt_and_another_for_another():
    first, again, other = UidMap(b"salt"), UidMap(b"salt"), UidMap(b"pepper")
    uid = "1.2.840.113619.2.55.3.604688119.868.1249357406.419"
    new = first.new_uid(uid)
    assert new == first.new_uid(uid + "\0") == again.new_uid(uid) != other.new_uid(uid)
    assert new.startswith("2.25.") and len(new) <= 64 and uid not in new
    assert first.new_uid("1.2.3") != new and first.mapped == {uid: new, "1.2.3": first.new_uid("1.2.3")}
    assert first.new_uid("  ") == ""


def test_a_patients_dates_move_by_one_offset_so_intervals_are_kept():
    days = offset_days(b"salt", "MRN778812")
    assert -MAX_DAYS <= days <= -MIN_DAYS and days == offset_days(b"salt", "MRN778812")
    assert days != offset_days(b"pepper", "MRN778812") or days != offset_days(b"salt", "OTHER")
    before, after = shift("20200110", "DA", days), shift("20200301", "DA", days)
    interval = dt.date(2020, 3, 1) - dt.date(2020, 1, 10)
    assert dt.datetime.strptime(after, "%Y%m%d") - dt.datetime.strptime(before, "%Y%m%d") == interval
    assert shift("20200110", "DA", -1) == "20200109"


@pytest.mark.parametrize("value,vr,expected", [
    ("20200301", "DA", "20200229"),
    ("20200301120000.5", "DT", "20200229120000.5"),
    ("20200301093000-0500", "DT", "20200229093000-0500"),  # a time zone is not a range
    ("20200101-20200301", "DA", "20191231-20200229"),
    ("-20200301", "DA", "-20200229"),
    ("20200301\\20200302", "DA", "20200229\\20200301"),
    ("2020", "DA", "2020"),  # a year alone moves by whole years only
    ("", "DA", ""),
])
def test_every_form_of_a_date_moves(value, vr, expected):
    assert shift(value, vr, -1) == expected


@pytest.mark.parametrize("value", ["UNKNOWN", "2020-13-45", "20201345"])
def test_what_is_not_a_date_raises_so_that_it_is_removed(value):
    with pytest.raises(ValueError):
        shift(value, "DA", -10)


def test_pseudonyms_come_from_the_map_else_anon_in_order_of_appearance():
    given = PseudonymMap.from_csv("original_id,new_name,new_id\nMRN1,SUBJ^0042,SUBJ-0042\nMRN2,CASE-7\n")
    assert given.of("MRN1") == Pseudonym("SUBJ^0042", "SUBJ-0042")
    assert given.of("MRN2") == Pseudonym("CASE-7", "CASE-7")
    assert given.of("MRN9") == Pseudonym("ANON-1", "ANON-1") == given.of("MRN9")
    assert given.of("", "DOE^JANE") == Pseudonym("ANON-2", "ANON-2")
    assert given.given("MRN1") and not given.given("MRN9")


@pytest.mark.parametrize("text,problem", [("MRN1\n", "line 1: expected"),
                                          ("A,X\nA,Y\n", "line 2: 'A' is mapped twice")])
def test_a_bad_map_is_refused_naming_the_line(text, problem):
    with pytest.raises(ValueError, match=problem):
        PseudonymMap.from_csv(text, "map.csv")


def test_clean_descriptors_takes_out_the_names_of_the_staff_the_file_names():
    """E.1-1 removes Operators' Name; the copy's review then no longer knows it, so the cleaning must
    take "Tech: Ewa Lewandowska" out of Image Comments itself (and a name inside a sequence)."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from dicompeek.privacy.deidentify.actions import deidentify
    from dicompeek.privacy.deidentify.context import RunContext
    from dicompeek.privacy.deidentify.uids import UidMap
    from dicompeek.privacy.identity import Identity
    from registry import small_dataset

    ds = small_dataset()
    ds.OperatorsName = "Lewandowska^Ewa"
    item = Dataset()
    item.PerformingPhysicianName = "Nowak^Adam"
    ds.PerformedProtocolCodeSequence = Sequence([item])
    ds.ImageComments = "Omnipaque 350, 80 ml. Tech: Ewa Lewandowska. Read by Dr Adam Nowak"
    ds.StudyDescription = "CT CHEST"
    for options, kept in ((frozenset({"clean_descriptors"}), False), (frozenset(), None)):
        copy = ds.copy()
        context = RunContext(UidMap(b"s"), Identity(), 10, "ANON-1", "ANON-1")
        context.learn_people(copy, options)
        deidentify(copy, options, context)
        if kept is None:
            assert "ImageComments" not in copy  # the basic profile removes it
            continue
        assert copy.ImageComments.startswith("Omnipaque 350, 80 ml.")
        assert not {"Lewandowska", "Ewa", "Nowak", "Adam"} & set(copy.ImageComments.replace(".", " ").split())
        assert copy.StudyDescription == "CT CHEST"
