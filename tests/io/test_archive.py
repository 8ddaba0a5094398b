"""Enumerating picks: zips, folders, loose files (dicompeek.io.archive)."""

from __future__ import annotations

import io

import pydicom

from dicompeek.io.archive import Sources
from dicompeek.io.largefile import PickedFile
from hostile import RawZip, dicom
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
    assert entry.warning is not None and entry.warning.startswith("the zip ends inside this entry")
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
    assert "encrypted" in (problems["secret.dcm"] or "")
    assert problems["open.dcm"] is None


def test_zip_inside_a_zip_is_opened_in_place(tmp_path):
    inner = zip_bytes({"DIR/IM1.dcm": small_dataset(), "notes.txt": b"x"})
    (tmp_path / "outer.zip").write_bytes(zip_bytes({"A/inner.zip": inner, "IM0.dcm": small_dataset()}))
    sources = Sources()
    sources.add(str(tmp_path / "outer.zip"))
    entries = {e.location: e for e in sources.entries}
    assert sorted(entries) == ["outer.zip::A/inner.zip::DIR/IM1.dcm", "outer.zip::A/inner.zip::notes.txt",
                               "outer.zip::IM0.dcm"]
    nested = entries["outer.zip::A/inner.zip::DIR/IM1.dcm"]
    assert (nested.archive, nested.path, nested.folder, nested.member) == (
        "outer.zip::A/inner.zip", "DIR/IM1.dcm", "DIR", "A/inner.zip::DIR/IM1.dcm")
    assert sources.find("A/inner.zip::DIR/IM1.dcm") == [nested]
    with nested.open() as stream:
        assert stream.read(132)[128:] == b"DICM"
    sources.close()


def test_entries_sharing_a_name_are_all_kept_and_noted(tmp_path):
    buffer = io.BytesIO()
    z = RawZip(buffer)
    z.entry("IM.dcm", dicom(patient_id="FIRST"))
    z.entry("IM.dcm", dicom(patient_id="SECOND"))
    z.finish()
    (tmp_path / "dup.zip").write_bytes(buffer.getvalue())
    sources = Sources()
    sources.add(str(tmp_path / "dup.zip"))
    assert [e.location for e in sources.entries] == ["dup.zip::IM.dcm"] * 2
    assert [(n.location, n.message) for n in sources.notes] == [
        ("dup.zip::IM.dcm", "2 entries in this zip share this name; all are kept and indexed, in zip order")]
    ids = []
    for entry in sources.entries:
        with entry.open() as stream:
            ids.append(pydicom.dcmread(stream).PatientID)
    assert ids == ["FIRST", "SECOND"]
    sources.close()


def test_loose_file_names_are_shown_safely(tmp_path):
    (tmp_path / "pick").mkdir()
    (tmp_path / "pick" / "a\x1bb\nc.dcm").write_bytes(b"x")
    sources = Sources()
    sources.add(str(tmp_path / "pick"))
    (entry,) = sources.entries
    assert entry.path == "pick/a\x1bb\nc.dcm" and entry.location == "pick/a\\x1bb\\x0ac.dcm"


def test_picked_file_reads_at_any_offset_through_its_buffer(tmp_path):
    data = bytes(range(256)) * 1000
    (tmp_path / "f.bin").write_bytes(data)
    with PickedFile(str(tmp_path / "f.bin"), 1000) as f:
        assert f.read(10) == data[:10]
        assert f.read(995) == data[10:1005]  # across the buffer's end
        f.seek(-5, 1)
        assert f.read(5) == data[1000:1005]
        f.seek(100_000)
        assert f.read(5000) == data[100_000:105_000]  # larger than the buffer: one direct read
        f.seek(-3, 2)
        assert f.read() == data[-3:] and f.read(10) == b""
        assert f.tell() == len(data)
    sparse = tmp_path / "sparse.bin"
    with open(sparse, "wb") as out:
        out.seek(5 * 1024 ** 3)
        out.write(b"end")
    with PickedFile(str(sparse)) as f:
        f.seek(-3, 2)
        assert f.tell() == 5 * 1024 ** 3 and f.read(3) == b"end"


def test_escaped_text_is_never_clipped_and_shown_text_is():
    """The command line's lines are escaped as names are (escaped), but kept whole; names are
    also clipped (shown)."""
    from dicompeek.io import limits
    from dicompeek.io.archive import escaped, shown

    name = "\x1b]0;title\x07" + "x" * 1000 + "\u202e\n"
    assert escaped(name) == "\\x1b]0;title\\x07" + "x" * 1000 + "\\u202e\\x0a"
    assert escaped("plain name") == "plain name"
    assert len(shown(name)) <= limits.NAME_SHOWN_MAX and shown(name).startswith("\\x1b]0;title\\x07xxx")
