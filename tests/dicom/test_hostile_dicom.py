"""Hostile DICOM: nothing in a file may crash a stage, exhaust the machine or lose the other files.

Each malformed case below is checked at every stage the page goes through — the header pass
(index + summary), the viewer (frame 0), the tag browser (tree, dump, DICOM JSON, variation,
comparison) — for the message a person sees, and indexed next to intact files that must come
through untouched. The privacy review runs too (tests/app/test_fuzz.py runs it on the regression
files). Allocations are watched with tracemalloc where a header states gigabytes.
"""

from __future__ import annotations

import io
import json
import re
import struct
import tracemalloc
import zlib

import pydicom
import pytest

from dicompeek.dicom import instances
from dicompeek.dicom.guard import MAX_NESTING
from dicompeek.index.indexer import Index
from dicompeek.index.summary import build_summary
from dicompeek.pixels.viewer import Viewer
from dicompeek.tags.browser import TagBrowser
from dicompeek.tags.exports import dicom_json
from dicompeek.tags.tree import dump_text, header_tree, nesting_depth
from dicompeek_synthetic import dataset_bytes
from registry import deflated_bytes, part10_bytes, small_dataset, zip_bytes
from registry import explicit_element as E

UID = "1.2.826.0.1.3680043.8.498.4242"
BASE = (E(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.7\0") + E(0x00080018, "UI", f"{UID}.1".encode())
        + E(0x00080060, "CS", b"OT") + E(0x00100010, "PN", b"HOSTILE^CASE") + E(0x0020000D, "UI", f"{UID}.2".encode())
        + E(0x0020000E, "UI", f"{UID}.3".encode()))


def image(rows: int = 4, columns: int = 4, frames: bytes | None = None, bits: int = 8) -> bytes:
    return (E(0x00280002, "US", struct.pack("<H", 1)) + E(0x00280004, "CS", b"MONOCHROME2")
            + (E(0x00280008, "IS", frames) if frames else b"")
            + E(0x00280010, "US", struct.pack("<H", rows)) + E(0x00280011, "US", struct.pack("<H", columns))
            + E(0x00280100, "US", struct.pack("<H", bits)) + E(0x00280101, "US", struct.pack("<H", bits))
            + E(0x00280102, "US", struct.pack("<H", bits - 1)) + E(0x00280103, "US", struct.pack("<H", 0)))


PIXELS = E(0x7FE00010, "OB", bytes(16))


def nested(levels: int, *, undefined: bool, delimiters: bool = True) -> bytes:
    """Referenced Image Sequence nested ``levels`` deep around one Referenced SOP Instance UID."""
    inner = E(0x00081150, "UI", b"1.2\0")
    for _ in range(levels):
        if undefined:
            item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + inner + (b"\xfe\xff\x0d\xe0\0\0\0\0" if delimiters else b"")
            inner = E(0x00081140, "SQ", item + (b"\xfe\xff\xdd\xe0\0\0\0\0" if delimiters else b""), length=0xFFFFFFFF)
        else:
            inner = E(0x00081140, "SQ", b"\xfe\xff\x00\xe0" + struct.pack("<L", len(inner)) + inner)
    return inner


INTACT = dataset_bytes(small_dataset(rows=8, columns=8))
#: (name, bytes, kind in the summary, the reason shown, or None for a DICOM file without warning)
_full = part10_bytes(BASE + nested(2, undefined=False) + image() + PIXELS)
_pixels_at = _full.index(b"\xe0\x7f\x10\x00")
_sequence_at = _full.index(b"\x08\x00\x40\x11")
CASES = [
    ("trunc-preamble.dcm", _full[:60], "non-dicom", r"^not DICOM \(binary data\): no 'DICM' marker"),
    ("trunc-after-dicm.dcm", _full[:132], "unreadable", r"^has the DICOM marker but no element could be read$"),
    ("trunc-meta.dcm", _full[:170], "unreadable", r"^truncated: the file ends after 170 bytes, inside the file meta"),
    ("trunc-element.dcm", _full[:_full.index(b"HOSTILE") + 4], "unreadable",
     r"^truncated: element \(0010,0010\) declares 12 bytes but the file ends after 4$"),
    ("trunc-sequence.dcm", _full[:_sequence_at + 30], "unreadable",
     r"^truncated: element \(0008,1140\) declares \d+ bytes but the file ends after 18$"),
    ("trunc-element-header.dcm", _full[:_sequence_at + 6], "dicom",
     r"^6 byte\(s\) after the last complete element, too few for another"),
    ("trunc-pixels.dcm", _full[:_pixels_at + 12 + 5], "dicom", r"^pixel data truncated: 16 bytes declared, 5 present$"),
    ("huge-private-length.dcm", part10_bytes(BASE + E(0x00091010, "OB", b"abcd", length=0xFFFFFFF0) + image() + PIXELS),
     "unreadable", r"^truncated: element \(0009,1010\) declares 4294967280 bytes but the file ends after 121$"),
    ("huge-pixel-length.dcm", part10_bytes(BASE + image() + E(0x7FE00010, "OB", bytes(16), length=0xFFFFFFF0)),
     "dicom", r"^pixel data truncated: 4294967280 bytes declared, 16 present$"),
    ("huge-item-length.dcm", part10_bytes(BASE + E(0x00081140, "SQ", b"\xfe\xff\x00\xe0\xf0\xff\xff\xff" + bytes(8),
                                                    length=0xFFFFFFFF) + image()),
     "unreadable", r"^DICOM parse error: a sequence item is cut off or its length is wrong"),
    ("undelimited.dcm", part10_bytes(BASE + image() + nested(3, undefined=True, delimiters=False)), "unreadable",
     r"^DICOM parse error: a sequence item is cut off or its length is wrong: no item where one should start"),
    ("deep-undefined.dcm", part10_bytes(BASE + nested(10_000, undefined=True) + image() + PIXELS), "unreadable",
     rf"^sequences nested more than {MAX_NESTING} levels deep"),
    ("deep-defined.dcm", part10_bytes(BASE + nested(10_000, undefined=False) + image() + PIXELS), "dicom", None),
    ("wrong-vrs.dcm", part10_bytes(BASE + E(0x00181000, "ZZ", b"abcd") + E(0x00280002, "US", b"\x01\x00")
                                   + E(0x00280004, "CS", b"MONOCHROME2") + E(0x00280010, "FD", bytes(8))
                                   + E(0x00280011, "UT", b"4 ") + E(0x00280100, "US", b"\x08\x00") + PIXELS),
     "dicom", None),
    ("charset.dcm", part10_bytes(E(0x00080005, "CS", b"ISO_IR 999") + BASE + E(0x00100020, "LO", b"\xe9\xff\x1b$)A")
                                 + image() + PIXELS),
     "dicom", r"Unknown encoding 'ISO_IR 999' - using default encoding instead"),
    ("overflow.dcm", part10_bytes(BASE + image(65535, 65535, b"2147483647 ", 16) + E(0x7FE00010, "OW", bytes(64))),
     "dicom", None),
    ("deflate-bomb.dcm", part10_bytes((lambda c: c.compress(bytes(48 << 20)) + c.flush())(zlib.compressobj(9, 8, -15)),
                                      pydicom.uid.DeflatedExplicitVRLittleEndian), "unreadable",
     r"^the deflated data inflates to more than 32 MB: the data after the file meta information is not DICOM: "
     r"element \(0000,0000\) repeats at byte \d+$"),
    ("zeros.dcm", part10_bytes(BASE + image()) + bytes(1 << 20), "dicom",
     r"^element \(0000,0000\) repeats at byte \d+: the rest of the data is not read \(it is not DICOM\)$"),
]
NAMES = [c[0] for c in CASES]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every case in one zip between two intact files, indexed as the page does."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.zip"
    members = {"A/intact-first.dcm": INTACT, **{f"B/{name}": data for name, data, *_ in CASES},
               "C/intact-last.dcm": dataset_bytes(small_dataset(rows=8, columns=8))}
    path.write_bytes(zip_bytes(members))
    index = Index()
    index.add([str(path)])
    index.run()
    viewer = Viewer(index)
    yield index, viewer, TagBrowser(index, viewer.cache), build_summary(index)
    index.close()


def entry_of(index: Index, name: str) -> int:
    return next(k for k, e in enumerate(index.sources.entries) if e.path.endswith("/" + name))


def record_of(index: Index, name: str):
    return next(r for r in index.dicom if r.location.endswith("/" + name))


def nodes(tree: dict) -> list[dict]:
    out, stack = [], [*tree["meta"], *tree["elements"]]
    while stack:
        node = stack.pop()
        out.append(node)
        for item in node.get("items", []):
            stack.extend(item)
    return out


@pytest.mark.parametrize("name, data, kind, reason", CASES, ids=NAMES)
def test_each_file_gets_its_own_message(loaded, name, data, kind, reason):
    index, _, _, summary = loaded
    files = {f["location"].rsplit("/", 1)[-1]: f for f in summary["files"]}
    if kind == "dicom":
        assert any(r.location.endswith("/" + name) for r in index.dicom)
    if reason is None:
        assert name not in files or files[name]["kind"] == "dicom"
        return
    assert files[name]["kind"] == kind
    assert re.search(reason, files[name]["reason"]), files[name]["reason"]


def test_nothing_else_is_lost(loaded):
    index, viewer, tags, summary = loaded
    totals = summary["totals"]
    assert totals["entries"] == len(CASES) + 2 == totals["dicom"] + totals["non_dicom"] + totals["unreadable"]
    for name in ("intact-first.dcm", "intact-last.dcm"):
        entry = entry_of(index, name)
        meta, rgba = viewer.render(entry, 0)
        assert "error" not in meta and len(rgba) == 8 * 8 * 4
        header = tags.header(entry)
        assert "error" not in header and header["count"] > 20
        assert not any(f["location"].endswith(name) for f in summary["files"])


@pytest.mark.parametrize("name", [n for n, _, kind, _ in CASES if kind == "dicom"])
def test_every_stage_answers_for_each_dicom_case(loaded, name):
    """Frame 0, header, both exports, variation, CSV and comparison: answers, never exceptions,
    and every answer is JSON the page can parse (no NaN)."""
    index, viewer, tags, _ = loaded
    entry = entry_of(index, name)
    record = record_of(index, name)
    study, series = record.fields.get("StudyInstanceUID"), record.fields.get("SeriesInstanceUID")
    answers = [viewer.render(entry, 0)[0], viewer.probe(entry, 0, 1, 1), tags.header(entry), tags.dump(entry),
               tags.dicom_json(entry), tags.compare(entry, entry_of(index, "intact-first.dcm"))]
    if study and series:
        answers += [viewer.series(study, series), tags.variation(study, series),
                    tags.series_csv(study, series, ["Rows", "PatientName"])]
    for answer in answers:
        json.dumps(answer, allow_nan=False)


def test_truncated_pixels_say_so_on_the_frame(loaded):
    index, viewer, *_ = loaded
    meta, rgba = viewer.render(entry_of(index, "trunc-pixels.dcm"), 0)
    assert rgba == b"" and meta["error"].startswith("cannot decode frame 1 (Explicit VR Little Endian): ")
    assert "less than expected (5 vs 16 bytes)" in meta["error"]


def test_overflowing_sizes_allocate_nothing_and_say_why(loaded):
    index, viewer, _, _ = loaded
    record = record_of(index, "overflow.dcm")
    opened = viewer.series(record.fields["StudyInstanceUID"], record.fields["SeriesInstanceUID"])
    mine = [f for f in opened["frames"] if f["entry"] == record.entry]
    assert len(mine) == 8 * record.size  # what 1 bit per frame could hold, not 2^31
    assert any("states 2,147,483,647 frames, more than a file of" in w for w in opened["warnings"])
    tracemalloc.start()
    try:
        meta, rgba = viewer.render(record.entry, 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rgba == b"" and meta["error"] == ("cannot show frame 1: the frame is 65,535 × 65,535 pixels, "
                                             "more than the viewer decodes (33,554,432 at most)")
    assert peak < 8 << 20
    assert viewer.render(record.entry, mine[-1]["frame"])[0]["error"].startswith("cannot show frame")


def test_a_frame_that_does_not_exist_is_named():
    from dicompeek.pixels.display import frame_problem

    ds = small_dataset(rows=4, columns=4, frames=2)
    assert frame_problem(ds, 1) is None
    assert frame_problem(ds, 2) == "frame 3 does not exist: the file has 2 frame(s)"


@pytest.mark.parametrize("name", ["huge-private-length.dcm", "huge-pixel-length.dcm", "huge-item-length.dcm"])
def test_huge_lengths_allocate_nothing(tmp_path, name):
    data = dict((n, d) for n, d, *_ in CASES)[name]
    (tmp_path / name).write_bytes(data)
    tracemalloc.start()
    try:
        index = Index()
        index.add([str(tmp_path / name)])
        index.run()
        viewer = Viewer(index)
        tags = TagBrowser(index, viewer.cache)
        viewer.render(0, 0)
        tags.header(0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        index.close()
    assert peak < 16 << 20


def test_deep_sequences_stop_at_the_nesting_limit(loaded):
    index, _, tags, _ = loaded
    entry = entry_of(index, "deep-defined.dcm")
    header = tags.header(entry)
    json.dumps(header)  # 32 levels: well within the JSON encoder's recursion
    cut = [n for n in nodes(header) if "not shown" in n.get("warning", "")]
    assert len(cut) == 1
    assert cut[0]["warning"] == f"nested more than {MAX_NESTING} levels deep: its 1 item(s) are not shown"
    assert cut[0]["items"] == [] and cut[0]["vm"] == 1
    assert "nested more than 32 levels deep" in tags.dump(entry)["text"]
    exported = tags.dicom_json(entry)
    assert exported["text"] == ""
    assert exported["error"] == "cannot export as DICOM JSON: sequences nested more than 32 levels deep"
    compared = tags.compare(entry, entry)
    assert compared["differences"] == 0
    assert any("items not compared" in row["first"] for row in compared["rows"] if row["first"])


def test_nesting_within_the_limit_is_shown_whole():
    ds = pydicom.dcmread(io.BytesIO(part10_bytes(BASE + nested(MAX_NESTING, undefined=True) + image() + PIXELS)))
    assert nesting_depth(ds) == MAX_NESTING
    text = dump_text(header_tree(ds))
    assert "not shown" not in text and text.count("(0008,1150)") == 1
    json.loads(dicom_json(ds, "x"))


def test_wrong_vrs_are_warnings_on_their_elements(loaded):
    index, viewer, tags, _ = loaded
    entry = entry_of(index, "wrong-vrs.dcm")
    meta, _ = viewer.render(entry, 0)  # converts Rows and Columns first, as the page does
    by_tag = {n["tag"]: n for n in nodes(tags.header(entry))}
    assert "invalid VR 'ZZ' in the file" in by_tag["(0018,1000)"]["warning"]
    assert "VR FD in the file, the DICOM dictionary says US" in by_tag["(0028,0010)"]["warning"]
    assert "VR UT in the file, the DICOM dictionary says US" in by_tag["(0028,0011)"]["warning"]
    assert meta["error"].startswith("cannot decode frame 1 (Explicit VR Little Endian): ")


def test_an_invalid_character_set_is_a_warning_and_the_text_still_shows(loaded):
    index, viewer, tags, _ = loaded
    entry = entry_of(index, "charset.dcm")
    by_tag = {n["tag"]: n for n in nodes(tags.header(entry))}
    assert "Unknown encoding 'ISO_IR 999'" in by_tag["(0008,0005)"]["warning"]
    assert by_tag["(0010,0020)"]["value"]  # decoded with replacement characters, not dropped
    assert "error" not in viewer.render(entry, 0)[0]


def test_junk_after_the_header_is_pointed_out_in_the_tree(loaded):
    index, viewer, tags, _ = loaded
    entry = entry_of(index, "zeros.dcm")
    header = tags.header(entry)
    assert "element (0000,0000) repeats at byte" in header["elements"][-1]["warning"]
    assert viewer.render(entry, 0)[0]["error"].startswith("cannot decode frame 1")


def test_a_deflated_dataset_is_still_read_at_every_stage(tmp_path):
    (tmp_path / "deflated.dcm").write_bytes(deflated_bytes(small_dataset(rows=8, columns=8)))
    index = Index()
    index.add([str(tmp_path / "deflated.dcm")])
    index.run()
    try:
        (record,) = index.dicom
        assert record.transfer_syntax == pydicom.uid.DeflatedExplicitVRLittleEndian and record.warning is None
        viewer = Viewer(index)
        meta, rgba = viewer.render(0, 0)
        assert "error" not in meta and len(rgba) == 8 * 8 * 4
        tree = TagBrowser(index, viewer.cache).header(0)
        syntax = next(n for n in tree["meta"] if n["tag"] == "(0002,0010)")
        assert syntax["value"] == pydicom.uid.DeflatedExplicitVRLittleEndian
    finally:
        index.close()


def test_a_truncated_deflate_stream_is_read_as_far_as_it_goes(tmp_path):
    ds = small_dataset(rows=64, columns=64)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    ds.PixelData = bytes(range(256)) * 32
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, implicit_vr=False, little_endian=True)
    (tmp_path / "cut.dcm").write_bytes(buffer.getvalue()[:-200])
    index = Index()
    index.add([str(tmp_path / "cut.dcm")])
    index.run()
    try:
        (record,) = index.dicom
        assert record.warning is not None
        assert record.warning.startswith("the deflated data is truncated (the deflate stream does not end)")
    finally:
        index.close()


def test_a_file_too_large_to_read_whole_shows_its_header(loaded, monkeypatch):
    index, _, _, _ = loaded
    monkeypatch.setattr(instances, "WHOLE_FILE_LIMIT", 100)
    viewer = Viewer(index)
    tags = TagBrowser(index, viewer.cache)
    entry = entry_of(index, "intact-first.dcm")
    meta, _ = viewer.render(entry, 0)
    assert meta["error"].startswith("cannot read this file: the file is 0 MB; files over 0 MB are not read whole")
    header = tags.header(entry)
    assert header["count"] > 20 and "header only: the file is" in header["preamble"]


def test_a_deferred_value_is_never_read_from_a_file_named_by_the_zip(tmp_path, monkeypatch):
    """A header read without its large values must not read them again from a local file that
    happens to have the zip member's name (pydicom would open it by that name)."""
    ds = small_dataset(rows=8, columns=8)
    ds.add_new(0x00091011, "OB", b"\x01" * (3 << 20))
    data = dataset_bytes(ds)
    victim = tmp_path / "victim.dcm"
    victim.write_bytes(data)  # what a deferred read by name would find, and read
    (tmp_path / "pick.zip").write_bytes(zip_bytes({str(victim): data}))
    monkeypatch.setattr(instances, "WHOLE_FILE_LIMIT", 1 << 20)
    opened = []
    real_open = open
    def recording_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", recording_open)
    index = Index()
    index.add([str(tmp_path / "pick.zip")])
    index.run()
    try:
        tags = TagBrowser(index)
        header = tags.header(0)
        tags.compare(0, 0), tags.dicom_json(0)  # these ask pydicom for the value
    finally:
        index.close()
    node = next(n for n in header["elements"] if n["tag"] == "(0009,1011)")
    assert node["warning"] == "value of 3,145,728 bytes not read: only the header of this file is read"
    assert str(victim) not in opened
