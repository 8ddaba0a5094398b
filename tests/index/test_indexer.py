"""Incremental indexing, progress and cancel (dicompeek.index.indexer)."""

from __future__ import annotations

import io
import zipfile

from dicompeek.index.indexer import Index
from dicompeek_synthetic import dataset_bytes, write_bench_zip
from registry import encrypt_flag, small_dataset, summarize, zip_bytes


def test_every_entry_lands_in_exactly_one_list(tmp_path):
    good = small_dataset()
    data = zip_bytes({"ok.dcm": good, "text.txt": b"notes", "empty.dcm": b"",
                      "cut.dcm": dataset_bytes(good)[:300],
                      "enc.dcm": small_dataset()})
    data = encrypt_flag(data, "enc.dcm")
    (tmp_path / "mixed.zip").write_bytes(data)
    (tmp_path / "renamed.zip").write_bytes(b"plain text, not a zip")
    summary = summarize(tmp_path / "mixed.zip", tmp_path / "renamed.zip")
    totals = summary["totals"]
    assert totals["entries"] == 6
    assert totals["entries"] == totals["dicom"] + totals["non_dicom"] + totals["unreadable"] + totals["not_indexed"]
    assert (totals["dicom"], totals["non_dicom"], totals["unreadable"]) == (1, 1, 4)
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert "encrypted" in reasons["mixed.zip::enc.dcm"]
    assert reasons["mixed.zip::empty.dcm"] == "empty file (0 bytes)"
    assert "not a zip archive" in reasons["renamed.zip"]
    assert reasons["mixed.zip::cut.dcm"].startswith("truncated")


def test_steps_report_progress_until_finished(tmp_path):
    write_bench_zip(tmp_path / "b.zip", n_series=2, per_series=40, rows=16, columns=16)
    index = Index()
    first = index.add([str(tmp_path / "b.zip")])
    assert (first["done"], first["total"], first["finished"]) == (0, 80, False)
    assert first["bytes_total"] > 80 * 16 * 16 * 2
    seen = []
    while True:
        progress = index.step(0.0)  # one entry per step
        seen.append(progress["done"])
        if progress["finished"]:
            break
    assert seen == list(range(1, 81))
    assert progress["bytes_done"] == progress["bytes_total"]
    assert len(index.dicom) == 80
    index.close()


def test_cancel_lists_the_rest_as_not_indexed(tmp_path):
    write_bench_zip(tmp_path / "b.zip", n_series=1, per_series=30, rows=8, columns=8)
    index = Index()
    index.add([str(tmp_path / "b.zip")])
    for _ in range(10):
        index.step(0.0)
    progress = index.cancel()
    assert progress["finished"] and progress["cancelled"]
    assert len(index.dicom) == 10
    assert len(index.others) == 20
    assert {o.kind for o in index.others} == {"not-indexed"}
    index.close()


def test_a_second_pick_adds_to_the_first(tmp_path):
    (tmp_path / "a.zip").write_bytes(zip_bytes({"1.dcm": small_dataset(patient_id="A")}))
    (tmp_path / "b.zip").write_bytes(zip_bytes({"1.dcm": small_dataset(patient_id="B")}))
    index = Index()
    index.add([str(tmp_path / "a.zip")])
    index.run()
    index.add([str(tmp_path / "b.zip")])
    index.run()
    assert sorted(r.fields["PatientID"] for r in index.dicom) == ["A", "B"]
    index.close()


def test_corrupt_compressed_entry_is_unreadable_and_named(tmp_path):
    data = bytearray(zip_bytes({"IM1.dcm": small_dataset(rows=64, columns=64), "IM2.dcm": small_dataset()}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("IM1.dcm")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start:start + 40] = b"\xff" * 40  # garbage where the deflate stream begins
    (tmp_path / "damaged.zip").write_bytes(bytes(data))
    summary = summarize(tmp_path / "damaged.zip")
    reasons = {f["location"]: f["reason"] for f in summary["files"]}
    assert reasons["damaged.zip::IM1.dcm"].startswith("cannot read the entry: error: Error -3 while decompressing")
    assert summary["totals"]["dicom"] == 1


def test_shards_merged_give_the_same_summary_as_one_index(tmp_path):
    """The page splits work between workers; the merged result must not differ."""
    import json

    from dicompeek.index.summary import build_summary

    write_bench_zip(tmp_path / "b.zip", n_series=3, per_series=11, rows=8, columns=8)
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    paths = [str(tmp_path / "b.zip"), str(tmp_path / "broken.zip")]
    single = Index()
    single.add(paths)
    single.run()
    shards = [Index() for _ in range(3)]
    for number, shard in enumerate(shards):
        progress = shard.add(paths, number, 3)
        assert progress["total"] == 11 + (1 if number == 0 else 0)  # the broken pick counts once
        shard.run()
    main = shards[0]
    for other in shards[1:]:
        main.merge_records(json.loads(json.dumps(other.take_records())))
        assert not other.dicom and not other.others
    merged, expected = build_summary(main), build_summary(single)
    assert merged["totals"] == expected["totals"] == merged["totals"] | {"entries": 34, "dicom": 33}
    assert merged["patients"] == expected["patients"]
    assert sorted(f["location"] for f in merged["files"]) == sorted(f["location"] for f in expected["files"])
    for index in (single, *shards):
        index.close()
