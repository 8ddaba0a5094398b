"""Structured reports as documents (dicompeek.objects.sr, .sr_text), against DCMTK's dsrdump: every
content item dsrdump prints (its concept name and value) is ours, at the same depth, in the same
order; on pydicom's test SR, an SR made here with every value type, and every SR of the corpus."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from dicompeek.app.cli import main
from dicompeek.objects.sr import is_sr, read_document
from dicompeek.objects.sr_text import document_text
from registry import CORPUS, small_dataset, zip_bytes

DSRDUMP = shutil.which("dsrdump") or ""
#: One dsrdump line: indentation, relationship, by-reference marker, value type, concept, value.
LINE = re.compile(r'^(?P<indent> *)<(?:(?P<rel>[a-z][a-z ]*?) )?(?P<ref>r-)?(?P<type>[A-Z0-9]+):'
                  r'(?:\((?P<concept>[^"]*"(?:[^"]|"")*")\))?(?:=(?P<value>.*?))?>(?: \{.*\})?$')
QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def content(relationship: str, kind: str, concept: Dataset | None, **values) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = relationship, kind
    if concept is not None:
        item.ConceptNameCodeSequence = Sequence([concept])
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def made_sr(long_text: str) -> Dataset:
    """A Comprehensive 3D SR with every value type, a by-reference item and a long text."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.88.34")
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.ContentDate, ds.ContentTime = "SR", "20240314", "101500"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([code("126000", "DCM", "Imaging Measurement Report")])
    template = Dataset()
    template.MappingResource, template.TemplateIdentifier = "DCMR", "1500"
    ds.ContentTemplateSequence = Sequence([template])
    image = Dataset()
    image.ReferencedSOPClassUID, image.ReferencedSOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4"
    image.ReferencedFrameNumber = 2
    measured = Dataset()
    measured.NumericValue = "10.50"
    measured.MeasurementUnitsCodeSequence = Sequence([code("mm", "UCUM", "millimeter")])
    scoord = content("INFERRED FROM", "SCOORD", code("111030", "DCM", "Image Region"),
                     GraphicType="POLYLINE", GraphicData=[10.0, 20.0, 30.5, 40.0],
                     ContentSequence=Sequence([content("SELECTED FROM", "IMAGE", None,
                                                       ReferencedSOPSequence=Sequence([image]))]))
    number = content("CONTAINS", "NUM", code("410668003", "SCT", "Length"),
                     MeasuredValueSequence=Sequence([measured]), ContentSequence=Sequence([scoord]))
    reference = Dataset()
    reference.RelationshipType, reference.ReferencedContentItemIdentifier = "INFERRED FROM", [1, 2, 1]
    group = content("CONTAINS", "CONTAINER", code("125007", "DCM", "Measurement Group"), ContinuityOfContent="SEPARATE",
                    ContentSequence=Sequence([
                        content("HAS OBS CONTEXT", "TEXT", code("112039", "DCM", "Tracking Identifier"),
                                TextValue="Lesion 1"),
                        content("CONTAINS", "CODE", code("121071", "DCM", "Finding"),
                                ConceptCodeSequence=Sequence([code("27925004", "SCT", "Nodule")])),
                        number,
                        content("CONTAINS", "SCOORD3D", code("111030", "DCM", "Image Region"), GraphicType="POINT",
                                GraphicData=[1.0, 2.0, 3.0], ReferencedFrameOfReferenceUID="1.2.3.5"),
                        content("CONTAINS", "TEXT", code("121073", "DCM", "Impression"), TextValue=long_text,
                                ContentSequence=Sequence([reference])),
                        content("HAS OBS CONTEXT", "PNAME", code("121008", "DCM", "Person Observer Name"),
                                PersonName="Doe^Jane"),
                        content("HAS OBS CONTEXT", "DATE", code("111060", "DCM", "Study Date"), Date="20240301"),
                        content("HAS OBS CONTEXT", "UIDREF", code("121018", "DCM", "Procedure Study Instance UID"),
                                UID="1.2.3.6"),
                    ]))
    ds.ContentSequence = Sequence([
        content("HAS CONCEPT MOD", "CODE", code("121049", "DCM", "Language of Content Item and Descendants"),
                ConceptCodeSequence=Sequence([code("en-US", "RFC5646", "English (United States)")])),
        content("CONTAINS", "CONTAINER", code("126010", "DCM", "Imaging Measurements"), ContinuityOfContent="SEPARATE",
                ContentSequence=Sequence([group])),
    ])
    return ds


def dsrdump_items(path: Path) -> list[tuple[int, str, str, str]]:
    """(depth, value type, concept meaning, value) of every content item dsrdump prints."""
    out = subprocess.run([DSRDUMP, "+U8", "+Pl", str(path)], capture_output=True, check=True).stdout
    items = []
    for line in out.decode("utf-8", "replace").splitlines():
        found = LINE.match(line)
        if not found or found["ref"]:
            continue
        concept = QUOTED.search(found["concept"] or "")
        items.append((len(found["indent"]) // 2, found["type"], concept[1].replace('""', '"') if concept else "",
                      found["value"] or ""))
    return items


def our_items(item: dict, depth: int = 0) -> list[tuple[int, dict]]:
    found = [] if item.get("type") == "REFERENCE" else [(depth, item)]
    for child in item.get("children", []):
        found += our_items(child, depth + 1)
    return found


def escaped(text: str) -> str:
    """A value as dsrdump writes it: line breaks as \\r and \\n."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def assert_agrees_with_dsrdump(path: Path) -> None:
    document = read_document(pydicom.dcmread(path, force=True))
    ours = our_items(document["content"])
    theirs = dsrdump_items(path)
    assert theirs, f"dsrdump printed no content items for {path}"
    assert len(ours) == len(theirs), (path, len(ours), len(theirs))
    for (depth, item), (their_depth, kind, meaning, value) in zip(ours, theirs, strict=True):
        where = f"{path.name} item {item['position']}"
        assert (depth, item["type"]) == (their_depth, kind), where
        assert ((item.get("concept") or {}).get("meaning") or "") == meaning, where
        if kind == "CODE":
            assert f'"{(item["code"] or {}).get("meaning", "")}")' in value, where
        elif kind == "NUM" and item.get("value"):
            assert value.startswith(f'"{item["value"]}"'), where
        elif kind in ("TEXT", "PNAME", "UIDREF"):
            assert value == f'"{escaped(item["value"])}"', where
        elif kind == "CONTAINER":
            assert value == item["continuity"], where


needs_dsrdump = pytest.mark.skipif(not DSRDUMP, reason="DCMTK's dsrdump is not installed")


@needs_dsrdump
def test_pydicoms_test_sr_reads_as_dsrdump_reads_it():
    assert_agrees_with_dsrdump(Path(str(get_testdata_file("test-SR.dcm"))))


@needs_dsrdump
def test_every_value_type_of_a_made_sr_reads_as_dsrdump_reads_it(tmp_path):
    ds = made_sr("Findings. " * 60)
    path = tmp_path / "made.dcm"
    ds.save_as(path, enforce_file_format=True)
    assert_agrees_with_dsrdump(path)


@needs_dsrdump
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_every_sr_of_the_corpus_reads_as_dsrdump_reads_it():
    found = 0
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.suffix in (".md", ".tsv"):
            continue
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception:
            continue
        if is_sr(ds):
            assert_agrees_with_dsrdump(path)
            found += 1
    assert found >= 4


def test_the_text_reads_as_a_document_with_long_text_whole():
    long_text = "Findings. " * 60
    text = document_text(read_document(made_sr(long_text)))
    lines = text.splitlines()
    assert lines[0] == "Imaging Measurement Report (TID 1500)"
    assert lines[1] == "Completion COMPLETE · Verification UNVERIFIED · 2024-03-14 10:15:00"
    assert "      contains: Finding = Nodule (SCT 27925004)" in lines
    assert "      contains: Length = 10.50 mm (millimeter)" in lines
    assert "        inferred from: Image Region = POLYLINE (10, 20), (30.5, 40)" in lines
    assert "          selected from: (no concept name) = CT Image Storage 1.2.3.4, frame 2" in lines
    assert "      contains: Image Region = POINT (1, 2, 3)" in lines
    assert f"      contains: Impression = {long_text.rstrip()}" in lines  # whole, however long
    assert "        inferred from = see item 1.2.1" in lines
    assert "      has obs context: Study Date = 2024-03-01" in lines


def test_a_malformed_item_keeps_its_place_and_the_rest_is_read():
    ds = made_sr("x")
    broken = ds.ContentSequence[1].ContentSequence[0].ContentSequence[2].MeasuredValueSequence[0]
    broken.MeasurementUnitsCodeSequence = Sequence([Dataset()])  # a unit without its code
    del ds.ContentSequence[0].ConceptCodeSequence
    document = read_document(ds)
    language = document["content"]["children"][0]
    assert language["type"] == "CODE" and language["code"] is None
    group = document["content"]["children"][1]["children"][0]
    assert [child["type"] for child in group["children"]][:3] == ["TEXT", "CODE", "NUM"]
    assert "Language of Content Item" in document_text(document)


def test_the_command_line_prints_the_document_of_a_zip_entry(tmp_path):
    path = tmp_path / "reports.zip"
    path.write_bytes(zip_bytes({"sr/report.dcm": made_sr("A long impression. " * 20), "ct/1.dcm": small_dataset()}))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sr", f"{path}::sr/report.dcm"]) == 0
    assert out.getvalue().startswith("Imaging Measurement Report (TID 1500)\n")
    assert "contains: Finding = Nodule (SCT 27925004)" in out.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sr", f"{path}::sr/report.dcm", "--json"]) == 0
    document = json.loads(out.getvalue())
    assert document["template"] == "TID 1500" and document["content"]["children"][1]["type"] == "CONTAINER"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["sr", f"{path}::ct/1.dcm"]) == 2
    assert err.getvalue() == "reports.zip::ct/1.dcm: not a structured report (CT Image Storage)\n"


def test_image_references_are_tied_to_the_files_loaded_with_their_regions(tmp_path):
    from dicompeek.index.indexer import Index
    from dicompeek.objects.sr_links import link_references
    from dicompeek_synthetic import ct_phantom_series

    ct = ct_phantom_series(4, 16, 16)
    report = made_sr("x")
    image = report.ContentSequence[1].ContentSequence[0].ContentSequence[2].ContentSequence[0].ContentSequence[0]
    image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID = ct[2].SOPInstanceUID
    image.ReferencedSOPSequence[0].ReferencedFrameNumber = 1
    (tmp_path / "a.zip").write_bytes(zip_bytes({**{f"ct/{n}.dcm": ds for n, ds in enumerate(ct)}, "sr.dcm": report}))
    index = Index()
    index.add([str(tmp_path / "a.zip")])
    index.run()
    document = link_references(read_document(report), index.dicom)
    index.close()
    scoord = document["content"]["children"][1]["children"][0]["children"][2]["children"][0]
    (reference,) = scoord["children"][0]["references"]
    entry = reference["target"]["entry"]
    assert reference["target"] == {"study_uid": ct[2].StudyInstanceUID, "series_uid": ct[2].SeriesInstanceUID,
                                   "entry": entry, "frame": 0}
    assert scoord["graphics"] == [{"entry": entry, "frame": 0, "graphic": "POLYLINE",
                                   "points": [[10.0, 20.0], [30.5, 40.0]]}]
    assert document["linked"] == 1
