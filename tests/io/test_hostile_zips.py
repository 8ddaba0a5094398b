"""Nothing in a zip can crash the indexer, exhaust the machine or get lost (tests/hostile.py builds the zips).

Each case goes through dicompeek.index.indexer.Index and the summary as the CLI and
the page use them: every valid file indexed, every bad entry reported with
its reason, ``entries == dicom + others``, in bounded time and memory.
"""

from __future__ import annotations

import bz2
import io
import json
import time
import tracemalloc
import unicodedata
from pathlib import Path

import pydicom
import pytest

import hostile
from dicompeek.app.cli import main
from dicompeek.dicom import header
from dicompeek.dicom.instances import read_instance
from dicompeek.index.indexer import Index
from dicompeek.index.summary import build_summary
from dicompeek.io import limits, zipstream
from dicompeek.io.archive import Sources, name_issues, shown
from hostile import Expected, GiB, KiB, MiB, RawZip, dicom, zip_of
from registry import small_dataset, summarize

#: CPU seconds (this process's, so other load on the machine does not count) within which each
#: case must be indexed, in CPython; the page runs about 2x slower. It tells bounded work from
#: unbounded (a 10 GiB entry read through would take minutes); speed targets are benchmarks.
FAST = 3.0


def index_of(*paths: Path) -> tuple[dict, Index]:
    index = Index()
    index.add([str(p) for p in paths])
    index.run()
    return build_summary(index), index


def measured_index_of(path: Path) -> tuple[dict, Index, float, int]:
    """:func:`index_of`, with the CPU seconds it took and the peak of Python's allocations."""
    tracemalloc.start()
    try:
        started = time.process_time()
        summary, index = index_of(path)
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return summary, index, elapsed, peak


def check(summary: dict, expected: Expected | dict) -> None:
    """The summary gives exactly what ``expected`` says: valid files, reasons, notes, counts."""
    expected = expected.as_dict() if isinstance(expected, Expected) else expected
    totals = summary["totals"]
    assert totals["entries"] == expected["entries"]
    assert totals["entries"] == totals["dicom"] + totals["non_dicom"] + totals["unreadable"] + totals["not_indexed"]
    assert totals["dicom"] == len(expected["dicom"])
    files: dict[str, list[dict]] = {}
    for f in summary["files"]:
        files.setdefault(f["location"], []).append(f)
    for location, want in expected["files"].items():
        got = files.get(location, [])
        assert any(f["kind"] == want["kind"] and want["reason"] in (f["reason"] or "") for f in got), \
            (location[:120], want, got)
    listed_bad = {loc for loc, fs in files.items() if any(f["kind"] != "dicom" for f in fs)}
    assert listed_bad <= set(expected["files"]), sorted(listed_bad - set(expected["files"]))[:5]
    notes: dict[str, list[str]] = {}
    for n in summary["notes"]:
        notes.setdefault(n["location"], []).append(n["message"])
    for location, want in expected["notes"].items():
        assert any(want in m for m in notes.get(location, [])), (location[:120], want, notes.get(location))
    # every location and message is one line of text with nothing hidden in it
    for text in [f["location"] for f in summary["files"]] + [n["location"] for n in summary["notes"]]:
        assert not any(unicodedata.category(c) in {"Cc", "Cf"} for c in text), repr(text[:120])
        assert len(text) < 2 * limits.NAME_SHOWN_MAX + 200


def dicom_locations(index: Index) -> list[str]:
    return sorted(r.location for r in index.dicom)


# -- the zip with one of everything ------------------------------------------------------------

def test_hostile_zip_every_case_reported_and_every_valid_file_indexed(tmp_path):
    expected = hostile.hostile_zip(tmp_path / "hostile.zip")
    json.dumps(expected)  # plain data, for the page's end-to-end test
    summary, index, elapsed, peak = measured_index_of(tmp_path / "hostile.zip")
    check(summary, expected)
    assert dicom_locations(index) == sorted(expected["dicom"])
    assert elapsed < FAST
    # a 10 GiB entry, a 50 MiB liar and ten overlapping 4 MiB bombs: nothing near their size is held
    assert peak < 48 * MiB, peak
    index.close()


def test_hostile_zip_entries_stay_readable_by_position(tmp_path):
    """The viewer and the tag browser read an entry again by its position: nested and oddly named ones too."""
    expected = hostile.hostile_zip(tmp_path / "hostile.zip")
    _, index = index_of(tmp_path / "hostile.zip")
    for record in index.dicom:
        ds = read_instance(index, record.entry)
        assert ds.PatientID == "HOSTILE" and ds.SOPInstanceUID == record.fields["SOPInstanceUID"]
        assert ds.pixel_array.shape == (8, 8)
    by_location = {r.location: r for r in index.dicom}
    nested = f"{'hostile.zip'}::nested/inner.zip::deeper.zip::IM.dcm"
    assert nested in by_location and nested in expected["dicom"]
    entry = index.sources.entries[by_location[nested].entry]
    assert (entry.archive, entry.member) == ("hostile.zip::nested/inner.zip::deeper.zip",
                                             "nested/inner.zip::deeper.zip::IM.dcm")
    assert index.sources.find("nested/inner.zip::deeper.zip::IM.dcm") == [entry]
    # the full name is kept for reading, the shown one is clipped
    (long_entry,) = [e for e in index.sources.entries if e.path.startswith("long/")]
    assert len(long_entry.path) == 10249 and len(long_entry.location) < 300
    assert "clipped" in long_entry.location
    (nul_entry,) = [e for e in index.sources.entries if "\x00" in e.path]
    assert nul_entry.path == "nul\x00name.dcm" and nul_entry.location == "hostile.zip::nul\\x00name.dcm"
    with nul_entry.open() as stream:
        assert pydicom.dcmread(stream).PatientID == "HOSTILE"
    index.close()


def test_hostile_zip_as_the_page_sees_it_without_lzma(tmp_path, monkeypatch):
    """Pyodide's lzma module is a separate package the page does not load: LZMA entries say so."""
    monkeypatch.setattr(zipstream, "lzma", None)
    expected = hostile.hostile_zip(tmp_path / "hostile.zip", lzma_available=False)
    summary = summarize(tmp_path / "hostile.zip")
    check(summary, expected)
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert reasons["hostile.zip::valid/lzma.dcm"] == (
        "zip entry uses unsupported compression (LZMA: Python's lzma module is not available here)")


def test_shards_agree_on_the_hostile_zip(tmp_path):
    """Every worker enumerates the same entries in the same order, nested zips included."""
    expected = hostile.hostile_zip(tmp_path / "hostile.zip")
    paths = [str(tmp_path / "hostile.zip")]
    single, _ = index_of(tmp_path / "hostile.zip")
    shards = [Index() for _ in range(3)]
    for number, shard in enumerate(shards):
        shard.add(paths, number, 3)
        shard.run()
    for other in shards[1:]:
        shards[0].merge_records(json.loads(json.dumps(other.take_records())))
    merged = build_summary(shards[0])
    check(merged, expected)
    assert merged["totals"] == single["totals"]
    assert sorted(map(json.dumps, merged["files"])) == sorted(map(json.dumps, single["files"]))
    for shard in shards:
        shard.close()


def test_cli_summary_of_the_hostile_zip_prints_names_safely(tmp_path, capsys):
    hostile.hostile_zip(tmp_path / "hostile.zip")
    assert main(["summary", str(tmp_path / "hostile.zip")]) == 0
    out = capsys.readouterr().out
    assert "possible zip bomb" in out and "nul\\x00name.dcm" in out
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out


# -- whole-archive cases -------------------------------------------------------------------------

@pytest.mark.parametrize("builder", [hostile.truncated_zip, hostile.corrupt_directory_zip,
                                     hostile.streamed_truncated_zip, hostile.nested_chain_zip,
                                     hostile.overlap_bomb_zip])
def test_damaged_archives_give_what_can_be_read(tmp_path, builder):
    expected = builder(tmp_path / f"{builder.__name__}.zip")
    started = time.process_time()
    summary, index = index_of(tmp_path / f"{builder.__name__}.zip")
    assert time.process_time() - started < FAST
    check(summary, expected)
    assert dicom_locations(index) == sorted(expected.dicom)
    index.close()


def test_truncated_entry_keeps_its_header_and_says_what_is_missing(tmp_path):
    expected = hostile.truncated_zip(tmp_path / "cut.zip")
    summary, index = index_of(tmp_path / "cut.zip")
    check(summary, expected)
    (record,) = [r for r in index.dicom if r.location == "cut.zip::IM3.dcm"]
    assert record.warning is not None and record.warning.startswith("the zip ends inside this entry: only ")
    assert (record.fields["Rows"], record.fields["Columns"]) == (256, 256)
    with pytest.raises(Exception, match="the zip ends inside this entry"):
        read_instance(index, record.entry)  # the viewer gets the reason too
    index.close()


def test_ten_gib_bomb_is_refused_before_reading(tmp_path):
    expected = hostile.bomb_zip(tmp_path / "bomb.zip")
    assert (tmp_path / "bomb.zip").stat().st_size < 12 * MiB
    summary, _ = index_of(tmp_path / "bomb.zip")
    check(summary, expected)
    (reason,) = [f["reason"] for f in summary["files"] if f["location"] == "bomb.zip::zeros.bin"]
    assert reason == ("possible zip bomb: 10.0 GiB uncompressed from 10.1 MiB (1,011 to 1); entries over "
                      "64.0 MiB may expand at most 100 to 1 (MAX_COMPRESSION_RATIO), so it is not read")


def test_ten_gib_bomb_costs_only_its_prefix_even_without_the_ratio_check(tmp_path, monkeypatch):
    """Reading is bounded by itself: the ratio check only saves the 16 KiB."""
    monkeypatch.setattr(limits, "MAX_COMPRESSION_RATIO", 10 ** 9)
    hostile.bomb_zip(tmp_path / "bomb.zip")
    summary, _, elapsed, peak = measured_index_of(tmp_path / "bomb.zip")
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert reasons["bomb.zip::zeros.bin"].startswith("not DICOM (binary data)")
    assert elapsed < FAST and peak < 16 * MiB


def test_bzip2_cannot_expand_a_whole_block_in_one_read(tmp_path):
    """zipfile decompresses bzip2 without a bound: one 4 KiB read can become 45 MB. Here it cannot."""
    block = bz2.compress(bytes(40 * MiB), 9)  # one bzip2 block, a few dozen bytes
    data = io.BytesIO()
    z = RawZip(data)
    z.entry("zeros.bz2.bin", compressed=block, method=12, crc=hostile.crc32_zeros(40 * MiB), usize=40 * MiB)
    z.finish()
    (tmp_path / "bz.zip").write_bytes(data.getvalue())
    sources = Sources()
    sources.add(str(tmp_path / "bz.zip"))
    (entry,) = sources.entries
    tracemalloc.start()
    try:
        with entry.open() as stream:
            assert stream.read(16 * KiB) == bytes(16 * KiB)
            stream.seek(10)
            assert stream.read(4) == bytes(4)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * MiB, peak
    sources.close()


def test_zip64_archive_over_4_gib(tmp_path):
    """Built sparse in well under a second: a 4.5 GiB stored entry is a hole in the file."""
    if not hostile.sparse_files_work(tmp_path):
        pytest.skip("the temporary folder's file system has no sparse files")
    expected = hostile.zip64_large_zip(tmp_path / "zip64.zip")
    assert (tmp_path / "zip64.zip").stat().st_size > 4 * GiB
    summary, index = index_of(tmp_path / "zip64.zip")
    check(summary, expected)
    for record in index.dicom:  # entries past the 4 GiB offset read whole
        assert read_instance(index, record.entry).PatientID == "ZIP64"
    big = next(e for e in index.sources.entries if e.path == "big/zeros.raw")
    with big.open() as stream:
        stream.seek(4 * GiB + 100)
        assert stream.read(16) == bytes(16)
    index.close()


def test_one_hundred_thousand_entries(tmp_path):
    """More than 65,535 entries (a zip64 directory); the slowest case here, about 3 s in CPython."""
    expected = hostile.many_entries_zip(tmp_path / "many.zip")
    started = time.process_time()
    summary, index = index_of(tmp_path / "many.zip")
    elapsed = time.process_time() - started
    check(summary, expected)
    assert summary["totals"]["non_dicom"] == 100_000
    assert elapsed < 20  # about 4 s here; bounded, not hanging
    index.close()


# -- limits, one by one ---------------------------------------------------------------------------

def big_header_dicom(element_size: int) -> bytes:
    """A DICOM file whose header holds a private element of ``element_size`` zero bytes."""
    ds = small_dataset(patient_id="BIG")
    ds.add_new(0x00091010, "LO", "DICOMPEEK")
    ds.add_new(0x00091000, "OB", bytes(element_size))
    return hostile.dataset_bytes(ds)


def test_header_read_limit_stops_decompressing_and_names_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(header, "PREFIX_STEPS", (16 * KiB, 256 * KiB))  # reach the streaming parse soon
    monkeypatch.setattr(limits, "HEADER_READ_LIMIT", 1 * MiB)
    data = big_header_dicom(4 * MiB)
    (tmp_path / "big.zip").write_bytes(zip_of({"deflated.dcm": data, "ok.dcm": dicom()}))
    (tmp_path / "stored.zip").write_bytes(zip_of({"stored.dcm": data}, method=0))
    summary, index = index_of(tmp_path / "big.zip", tmp_path / "stored.zip")
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert reasons["big.zip::deflated.dcm"] == (
        "header pass stopped after reading 1.0 MiB of the entry, as far as it reads one entry "
        "(HEADER_READ_LIMIT): the header is larger than that, or the entry is a decompression bomb")
    # skipping the element in a stored entry costs nothing, so the same header is read
    assert sorted(r.location for r in index.dicom) == ["big.zip::ok.dcm", "stored.zip::stored.dcm"]
    index.close()


def test_total_work_limit_lists_the_rest_as_not_indexed(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "WORK_LIMIT_BASE", 2 * KiB)  # the files are about 500 bytes
    monkeypatch.setattr(limits, "WORK_LIMIT_RATIO", 0)
    (tmp_path / "w.zip").write_bytes(zip_of({f"IM{k}.dcm": dicom() for k in range(10)}))
    summary = summarize(tmp_path / "w.zip")
    totals = summary["totals"]
    assert totals["entries"] == 10 == totals["dicom"] + totals["not_indexed"]
    assert 0 < totals["dicom"] < 10
    reasons = {f["reason"] for f in summary["files"]}
    (reason,) = reasons
    assert reason.startswith("not indexed: the header pass has read ")
    assert "WORK_LIMIT_BASE/WORK_LIMIT_RATIO" in reason


def test_nested_zip_memory_limits(tmp_path, monkeypatch):
    inner = zip_of({"IM.dcm": dicom()})
    (tmp_path / "n.zip").write_bytes(zip_of({"a.zip": inner, "b.zip": inner}, method=8))
    (tmp_path / "s.zip").write_bytes(zip_of({"stored.zip": inner}, method=0))
    monkeypatch.setattr(limits, "NESTED_ZIP_MEMORY", len(inner) - 1)
    summary, index = index_of(tmp_path / "n.zip", tmp_path / "s.zip")
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert "(NESTED_ZIP_MEMORY)" in reasons["n.zip::a.zip"]
    assert dicom_locations(index) == ["s.zip::stored.zip::IM.dcm"]  # stored: read in place, any size
    index.close()
    monkeypatch.setattr(limits, "NESTED_ZIP_MEMORY", 64 * MiB)
    monkeypatch.setattr(limits, "NESTED_ZIPS_MEMORY_TOTAL", len(inner) + 10)
    summary, index = index_of(tmp_path / "n.zip")
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert dicom_locations(index) == ["n.zip::a.zip::IM.dcm"]
    assert "(NESTED_ZIPS_MEMORY_TOTAL)" in reasons["n.zip::b.zip"]
    index.close()


def test_entry_count_limit_is_reported_once(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ENTRIES", 50)
    (tmp_path / "big.zip").write_bytes(zip_of({f"f{k}.txt": b"x" for k in range(80)}, method=0))
    summary = summarize(tmp_path / "big.zip")
    assert summary["totals"]["entries"] == 51
    (problem,) = [f for f in summary["files"] if f["location"] == "big.zip"]
    assert problem["reason"] == ("too many entries: 30 of this zip's entries were left out, because all picks "
                                 "together may list at most 50 entries (MAX_ENTRIES); the first 50 are indexed")


def test_name_notes_are_capped_per_zip(tmp_path, monkeypatch):
    (tmp_path / "names.zip").write_bytes(zip_of({f"../x{k}": b"x" for k in range(30)}, method=0))
    summary = summarize(tmp_path / "names.zip")
    notes = [n for n in summary["notes"]]
    assert len(notes) == limits.MAX_NOTES_PER_KIND + 1
    assert notes[-1] == {"location": "names.zip", "message": "10 more entries with unusual names (only the "
                                                             "first 20 are noted, MAX_NOTES_PER_KIND)"}


# -- the per-file boundary --------------------------------------------------------------------------

@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), MemoryError(),
                                   ValueError("a parser bug"), KeyError("x")])
def test_any_error_while_reading_stays_with_its_entry(tmp_path, monkeypatch, error):
    (tmp_path / "z.zip").write_bytes(zip_of({"bad.dcm": dicom(), "good.dcm": dicom()}))
    real = header.read_header

    def flaky(entry):
        if entry.path == "bad.dcm":
            raise error
        return real(entry)

    monkeypatch.setattr("dicompeek.index.indexer.read_header", flaky)
    summary, index = index_of(tmp_path / "z.zip")
    assert dicom_locations(index) == ["z.zip::good.dcm"]
    (bad,) = summary["files"]
    assert bad["kind"] == "unreadable"
    assert bad["reason"].startswith(f"internal error while reading: {type(error).__name__}")
    index.close()


def test_a_bug_while_listing_a_zip_stays_with_that_zip(tmp_path, monkeypatch):
    (tmp_path / "a.zip").write_bytes(zip_of({"IM.dcm": dicom()}))
    (tmp_path / "b.zip").write_bytes(zip_of({"IM.dcm": dicom()}))

    original = Sources._add_members

    def add_members(self, reader, label, *args):
        if label == "a.zip":
            raise RuntimeError("listing bug")
        return original(self, reader, label, *args)

    monkeypatch.setattr(Sources, "_add_members", add_members)
    summary, index = index_of(tmp_path / "a.zip", tmp_path / "b.zip")
    assert dicom_locations(index) == ["b.zip::IM.dcm"]
    assert [f["reason"] for f in summary["files"]] == ["internal error while reading: RuntimeError: listing bug"]
    index.close()


# -- zip structure details ---------------------------------------------------------------------

def test_entry_whose_local_header_is_missing_is_unreadable_alone(tmp_path):
    data = bytearray(zip_of({"IM1.dcm": dicom(), "IM2.dcm": dicom()}))
    data[0:4] = b"XXXX"  # IM1's local header signature
    (tmp_path / "z.zip").write_bytes(bytes(data))
    summary, index = index_of(tmp_path / "z.zip")
    assert dicom_locations(index) == ["z.zip::IM2.dcm"]
    (bad,) = summary["files"]
    assert "no local file header where the central directory says this entry starts" in bad["reason"]
    index.close()


def test_zip_behind_a_stub_and_with_a_tricky_comment(tmp_path):
    data = zip_of({"IM1.dcm": dicom()})
    comment = b"PK\x05\x06 looks like an end record"
    data = data[:-2] + len(comment).to_bytes(2, "little") + comment
    (tmp_path / "z.zip").write_bytes(b"MZ" + bytes(5000) + data)  # a self-extractor's stub in front
    summary, index = index_of(tmp_path / "z.zip")
    assert dicom_locations(index) == ["z.zip::IM1.dcm"] and not summary["files"]
    index.close()


def test_split_archive_part_is_reported(tmp_path):
    data = bytearray(zip_of({"IM1.dcm": dicom()}))
    end = data.rindex(b"PK\x05\x06")
    data[end + 4:end + 6] = (1).to_bytes(2, "little")  # "this is disk 1"; the entry is on disk 0
    (tmp_path / "part.zip").write_bytes(bytes(data))
    summary = summarize(tmp_path / "part.zip")
    assert [n["message"] for n in summary["notes"]] == [
        "this is one part of a split (multi-volume) zip; only what this part holds can be read"]
    (bad,) = summary["files"]
    assert bad["reason"] == ("the entry is stored in another part of a split (multi-volume) zip, which was "
                             "not picked")


def test_stored_entry_with_sizes_that_disagree(tmp_path):
    data = io.BytesIO()
    z = RawZip(data)
    z.entry("IM1.dcm", dicom(), method=0, usize=10 ** 6)
    z.finish()
    (tmp_path / "z.zip").write_bytes(data.getvalue())
    summary = summarize(tmp_path / "z.zip")
    (bad,) = summary["files"]
    assert bad["reason"].startswith("the zip is damaged: this stored (uncompressed) entry states 1,000,000 bytes")


def test_member_stream_seeks_like_a_file(tmp_path):
    payload = bytes(range(256)) * 4000 + b"end"
    for method in (0, 8, 12, 14):
        (tmp_path / "z.zip").write_bytes(zip_of({"f": payload}, method=method))
        sources = Sources()
        sources.add(str(tmp_path / "z.zip"))
        with sources.entries[0].open() as s:
            assert s.read(10) == payload[:10]
            s.seek(500_000)
            assert s.read(7) == payload[500_000:500_007]
            s.seek(-3, 2)
            assert s.read() == b"end"
            s.seek(499_990)  # back, outside what was kept: starts again
            assert s.read(20) == payload[499_990:500_010]
            s.seek(0)
            assert s.read() == payload  # and the CRC checks out at the end
        sources.close()


def test_crc_mismatch_is_reported(tmp_path):
    raw = io.BytesIO()
    rz = RawZip(raw)
    rz.entry("IM1.dcm", dicom(), crc=12345)
    rz.finish()
    (tmp_path / "z.zip").write_bytes(raw.getvalue())
    summary = summarize(tmp_path / "z.zip")
    (bad,) = summary["files"]
    assert bad["reason"] == ("cannot read the entry: ZipEntryError: CRC-32 check failed: the entry's data is "
                             "corrupt, or its stated size is wrong")


# -- names -------------------------------------------------------------------------------------

def test_shown_escapes_and_clips_but_keeps_names_apart():
    assert shown("DIR/IM1.dcm") == "DIR/IM1.dcm"
    assert shown("a\x00b\x1b[0m\u202ec\n") == "a\\x00b\\x1b[0m\\u202ec\\x0a"
    assert shown("Ünïcødé ✓ 日本") == "Ünïcødé ✓ 日本"
    long_a, long_b = "x" * 10_000 + "a", "x" * 10_000 + "b"
    assert len(shown(long_a)) <= limits.NAME_SHOWN_MAX + 10
    assert shown(long_a) != shown(long_b)
    assert "10,001 characters, clipped" in shown(long_a)


@pytest.mark.parametrize("name, issues", [
    ("DIR/IM1", []),
    ("/etc/passwd", ["an absolute path"]),
    ("C:\\x\\y", ["an absolute path"]),
    ("a/../../b", ["'..' parts"]),
    ("a..b/c", []),
    ("a\x00b", ["a NUL character"]),
    ("a\x07b", ["control or formatting characters"]),
    ("x" * 300, ["300 characters long"]),
])
def test_name_issues(name, issues):
    assert name_issues(name) == issues


def test_scanning_a_damaged_zip_is_bounded(tmp_path):
    """Signatures everywhere and entries whose end cannot be found: the scan gives up, in time."""
    (tmp_path / "sigs.zip").write_bytes(b"PK\x03\x04" * (4 * MiB))
    bogus = b"PK\x03\x04" + bytes([20, 0, 8, 0, 8, 0]) + bytes(16) + b"\x01\x00\x00\x00" + b"a"
    (tmp_path / "descriptors.zip").write_bytes(bogus * 200_000)
    started = time.process_time()
    summary, index = index_of(tmp_path / "sigs.zip", tmp_path / "descriptors.zip")
    assert time.process_time() - started < FAST
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert reasons["sigs.zip"].startswith("not a readable zip archive: no end of central directory record")
    notes = [n["message"] for n in summary["notes"] if n["location"] == "descriptors.zip"]
    assert any(m.startswith("scanning stopped after reading the damaged zip several times over") for m in notes)
    index.close()


def test_names_past_the_kept_limit_are_clipped_but_readable(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "NAME_BYTES_KEPT", 4000)
    names = [f"{k}-" + "n" * 2000 + ".dcm" for k in range(4)]
    (tmp_path / "z.zip").write_bytes(zip_of({name: dicom(patient_id="NAMES") for name in names}))
    summary, index = index_of(tmp_path / "z.zip")
    assert summary["totals"]["dicom"] == 4
    kept = [e.path for e in index.sources.entries]
    assert kept[0] == names[0] and len(kept[3]) < 300 and "[2,006 bytes]" in kept[3]
    assert any("(NAME_BYTES_KEPT)" in n["message"] for n in summary["notes"])
    for record in index.dicom:
        assert read_instance(index, record.entry).PatientID == "NAMES"
    index.close()


def test_entry_streams_have_no_name_to_reopen(tmp_path):
    """pydicom reads deferred values again by opening ``stream.name``; a zip names its entries as it likes."""
    (tmp_path / "z.zip").write_bytes(zip_of({"/etc/passwd": dicom()}))
    sources = Sources()
    sources.add(str(tmp_path / "z.zip"))
    with sources.entries[0].open() as stream:
        assert not hasattr(stream, "name")
    sources.close()
