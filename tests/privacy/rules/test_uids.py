"""UIDs (dicompeek.privacy.rules.uids)."""

from __future__ import annotations

from dicompeek.privacy.rules.uids import uid_root
from privacy.planted import by_id, identified, one, reviewed, values


def test_uid_roots_timestamps_and_dates_are_reported(tmp_path):
    ds = identified(StudyDate="18990101")
    ds.SeriesInstanceUID = "1.3.12.2.1107.5.2.32.35162.2012021516340154873208328"
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    assert one(found, "uid-root:1.3.12.2.1107.5")["severity"] == "medium"
    assert values(one(found, "uid-time")) == [ds.SeriesInstanceUID]
    assert found["uid-random:no"]["severity"] == "info"
    assert found["dates-summary"]["title"].endswith("they look shifted")


def known_root(uid: str) -> tuple[str, str, str]:
    found = uid_root(uid)
    assert found is not None, uid
    return found


def test_the_most_specific_root_wins_and_registered_roots_are_named():
    assert known_root("1.2.826.0.1.3680043.8.498.1")[0] == "1.2.826.0.1.3680043.8.498"
    assert known_root("1.2.826.0.1.3680043.2.1")[0] == "1.2.826.0.1.3680043"
    assert uid_root("1.3.6.1.4.1.9590.100.1") == ("1.3.6.1.4.1.9590", "IANA Private Enterprise Number 9590",
                                                  "medium")
    assert known_root("1.2.840.1136190.1")[1] == "ANSI-registered organisation 1136190"  # not GE's 113619
    assert uid_root("2.25.1234") is None


def test_a_vendors_private_sop_class_and_software_version_are_kinds_of_object_not_leaks(tmp_path):
    from privacy.planted import by_id, identified, reviewed

    ds = identified()
    ds.SOPClassUID = "1.3.46.670589.11.0.0.12.4"  # a Philips private class
    ds.CreatorVersionUID = "1.3.46.670589.11"  # the software that made it (kept by E.1-1)
    ds.SOPInstanceUID = "2.25.1234"
    result = reviewed(tmp_path, {"IM1": ds})
    assert not [i for i in by_id(result) if i.startswith("uid-root:1.3.46.670589")]
