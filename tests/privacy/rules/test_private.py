"""Private blocks (dicompeek.privacy.rules.private)."""

from __future__ import annotations

from privacy.planted import by_id, identified, reviewed, values


def test_private_blocks_are_counted_and_binary_blobs_flagged(tmp_path):
    ds = identified()
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x10, "OB", bytes(300))
    block.add_new(0x08, "CS", "IMAGE NUM 4")
    found = by_id(reviewed(tmp_path, {"1.dcm": ds}))
    private = found["private:0029:SIEMENS CSA HEADER"]
    assert private["title"] == "Private block “SIEMENS CSA HEADER” in group 0029: 2 elements"
    assert "E.3.10-1" in private["reason"]
    assert "(0029,1008) IMAGE NUM 4" in values(private)
    blob = found["private-blob:0029:SIEMENS CSA HEADER"]
    assert values(blob) == ["(0029,1010) OB"] and "300 bytes" in blob["title"]


def test_short_printable_binary_values_are_shown_and_the_summary_adds_up(tmp_path):
    ds = identified()
    block = ds.private_block(0x0043, "GEMS_PARM_01", create=True)
    block.add_new(0x01, "OB", b"V1.2 ")
    files = {"a.dcm": ds, "b.dcm": identified()}
    found = by_id(reviewed(tmp_path, files))
    block_finding = found["private:0043:GEMS_PARM_01"]
    assert values(block_finding) == ["(0043,1001) V1.2"] and "private-blob:0043:GEMS_PARM_01" not in found
    assert block_finding["element"]["tag"] == "(0043,00xx)" and block_finding["element"]["path"] == "(0043,1001)"
    summary = found["private:summary"]
    assert (summary["title"], summary["files"]) == ("1 private elements in 1 private blocks", 1)
