"""Enumerating picks: zips, folders, loose files (dicompeek.archive)."""

from __future__ import annotations

from dicompeek.archive import Sources
from registry import encrypt_flag, small_dataset, zip_bytes


def test_zip_members_are_entries_and_folders_are_not(tmp_path):
    (tmp_path / "export.zip").write_bytes(zip_bytes({
        "A/IM1.dcm": small_dataset(), "A/B/IM2": small_dataset(), "README.txt": b"hello"}))
    sources = Sources()
    sources.add(str(tmp_path / "export.zip"))
    assert sorted(e.location for e in sources.entries) == [
        "export.zip::A/B/IM2", "export.zip::A/IM1.dcm", "export.zip::README.txt"]
    assert {e.folder for e in sources.entries} == {"A", "A/B", ""}
    assert not sources.problems


def test_folder_is_walked_and_zips_inside_it_are_opened(tmp_path):
    folder = tmp_path / "PACS"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "IM1").write_bytes(b"x")
    (folder / "inner.zip").write_bytes(zip_bytes({"IM2.dcm": b"y"}))
    sources = Sources()
    sources.add(str(folder))
    assert sorted(e.location for e in sources.entries) == ["PACS/inner.zip::IM2.dcm", "PACS/sub/IM1"]


def test_non_zip_named_zip_is_reported_not_dropped(tmp_path):
    (tmp_path / "fake.zip").write_bytes(b"this is not a zip at all")
    sources = Sources()
    sources.add(str(tmp_path / "fake.zip"))
    assert not sources.entries
    (problem,) = sources.problems
    assert problem.location == "fake.zip"
    assert "not a zip archive" in problem.reason


def test_truncated_zip_is_read_by_its_local_headers_with_a_note(tmp_path):
    data = zip_bytes({"IM1.dcm": small_dataset()})
    (tmp_path / "broken.zip").write_bytes(data[: len(data) // 2])  # central directory gone
    sources = Sources()
    sources.add(str(tmp_path / "broken.zip"))
    assert not sources.problems
    (entry,) = sources.entries
    assert entry.location == "broken.zip::IM1.dcm"
    assert entry.warning.startswith("the zip ends inside this entry")
    messages = [n.message for n in sources.notes]
    assert "found by scanning the local file headers" in messages[0]
    assert messages[1].startswith("the zip is truncated: it ends inside entry 'IM1.dcm'")


def test_zip_with_nothing_recoverable_is_reported(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    sources = Sources()
    sources.add(str(tmp_path / "broken.zip"))
    assert not sources.entries
    (problem,) = sources.problems
    assert problem.reason.startswith("not a readable zip archive: no end of central directory record")
    assert problem.reason.endswith("and no entry was found by scanning for local file headers")


def test_empty_zip_gets_a_note(tmp_path):
    (tmp_path / "empty.zip").write_bytes(zip_bytes({}))
    sources = Sources()
    sources.add(str(tmp_path / "empty.zip"))
    assert not sources.entries and not sources.problems
    assert [n.message for n in sources.notes] == ["empty zip: it contains no files"]


def test_encrypted_member_is_flagged_before_reading(tmp_path):
    data = encrypt_flag(zip_bytes({"secret.dcm": small_dataset(), "open.dcm": small_dataset()}),
                        "secret.dcm")
    (tmp_path / "mixed.zip").write_bytes(data)
    sources = Sources()
    sources.add(str(tmp_path / "mixed.zip"))
    problems = {e.path: e.problem for e in sources.entries}
    assert "encrypted" in problems["secret.dcm"]
    assert problems["open.dcm"] is None
