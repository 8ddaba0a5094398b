"""Content not reviewed (dicompeek.privacy.rules.not_reviewed)."""

from __future__ import annotations

from privacy.planted import by_id, identified, reviewed, values


def test_non_dicom_entries_are_unreviewed_content(tmp_path):
    found = by_id(reviewed(tmp_path, {"1.dcm": identified(), "report.pdf": b"%PDF-1.4 Janina",
                                      "list.csv": b"name,id\nx,y\n"}))
    pdf = found["non-dicom:non-dicom:PDF document"]
    assert (pdf["severity"], values(pdf)) == ("high", ["x.zip::report.pdf"])
    assert values(found["non-dicom:non-dicom:text"]) == ["x.zip::list.csv"]


def test_an_encapsulated_document_is_content_not_reviewed(tmp_path):
    ds = identified(Modality="DOC", SOPClassUID="1.2.840.10008.5.1.4.1.1.104.1")
    ds.add_new(0x00420011, "OB", b"%PDF-1.4 " + bytes(91))
    found = by_id(reviewed(tmp_path, {"doc.dcm": ds}))
    document = found["document"]
    assert (document["severity"], document["category"]) == ("high", "non-dicom")
    assert values(document) == ["OB, 100 bytes"]
    assert document["element"]["tag"] == "(0042,0011)"
    assert "(E.1-1 action D: replace with a dummy value)" in document["reason"]
