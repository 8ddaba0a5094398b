"""Text burned into the pixels, read with Tesseract in CPython (dicompeek.privacy.burned_in)."""

from __future__ import annotations

import shutil

import pytest

from privacy.burned_in.screens import BIRTH, FONT, MRN, as_dataset, screen
from privacy.planted import reviewed

pytestmark = pytest.mark.skipif(not shutil.which("tesseract") or not FONT.exists(),
                                reason="Tesseract or the DejaVu font not installed")


@pytest.fixture(autouse=True)
def tesseract(monkeypatch):
    from dicompeek.app.ocr_tesseract import load

    engine, why = load()
    if engine is None:
        pytest.skip(why)
    return engine


def review_with_ocr(tmp_path, members, engine):
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review
    from registry import zip_bytes

    (tmp_path / "x.zip").write_bytes(zip_bytes(members))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        return review(index, ocr=engine)
    finally:
        index.close()


BANNER = [(8, 16, "KOWALSKI JANINA   ID MRN778812"), (34, 14, "DOB 23.05.1961   St Elsewhere Hospital")]


@pytest.mark.parametrize("noise,rgb,points", [(False, False, 12), (True, False, 16), (False, True, 22),
                                             (True, True, 28)])
def test_a_banner_with_the_patients_name_and_id_is_high_with_its_box(tmp_path, tesseract, noise, rgb, points):
    lines = [(8, points, "KOWALSKI JANINA"), (8 + points * 2, points, f"ID {MRN}")]
    ds = as_dataset([screen(lines, noise=noise, rgb=rgb)])
    result = review_with_ocr(tmp_path, {"US/1.dcm": ds}, tesseract)
    [high] = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]
    kinds = {m["kind"] for m in high["matches"]}
    assert "name" in kinds, high["matches"]
    if points >= 16:  # at 12 px Tesseract misreads two characters of the ID, past what is forgiven
        assert kinds & {"patient-id", "mrn"}, high["matches"]
    boxes = high["boxes"]
    assert boxes and all(b["x"] < 40 and b["y"] < 8 + points * 4 and b["frame"] == 0 for b in boxes)
    assert result["burned_in"]["frames_read"] == 1 and "KOWALSKI" not in high["title"] + high["reason"]


def test_a_birth_date_and_other_words_in_a_secondary_capture(tmp_path, tesseract):
    ds = as_dataset([screen(BANNER, rgb=True)], modality="OT")
    result = review_with_ocr(tmp_path, {"SC/1.dcm": ds}, tesseract)
    [high] = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]
    assert {"birth-date"} <= {m["kind"] for m in high["matches"]} or any(BIRTH[:4] in m["text"]
                                                                       for m in high["matches"])


def test_clean_screens_and_scanner_labels_give_no_high_or_medium(tmp_path, tesseract):
    clean = as_dataset([screen([]), screen([], noise=True)])
    labels = as_dataset([screen([(8, 14, "TIS 0.4   MI 1.1"), (30, 14, "5 cm"), (450, 16, "R")])])
    result = review_with_ocr(tmp_path, {"a/1.dcm": clean, "b/1.dcm": labels}, tesseract)
    flagged = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] != "info"]
    assert flagged == [], flagged
    missing = [f for f in result["findings"] if f["id"].startswith("pixels:burned-in-missing:")]
    assert missing and all(f["severity"] == "info" and f["title"].endswith("no text found") for f in missing)


def test_every_frame_of_a_short_cine_is_read_and_ct_slices_are_not(tmp_path, tesseract):
    cine = as_dataset([screen(BANNER, seed=n) for n in range(3)])
    ct = as_dataset([screen(BANNER)], modality="CT")
    ct.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    result = review_with_ocr(tmp_path, {"US/cine.dcm": cine, "CT/1.dcm": ct}, tesseract)
    assert result["burned_in"]["frames_read"] == 3 and result["burned_in"]["files_not_read"] == 1
    [high] = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]
    assert {b["frame"] for b in high["boxes"]} == {0, 1, 2}


def test_without_an_engine_the_review_reads_no_pixels(tmp_path):
    result = reviewed(tmp_path, {"US/1.dcm": as_dataset([screen(BANNER)])})
    assert result["burned_in"]["engine"] is None
    assert not [f for f in result["findings"] if f["category"] == "burned_in_text"]


def test_the_real_ultrasounds_of_the_corpus_are_high_with_their_name_and_mrn_boxed(tesseract):
    from dicompeek.index.indexer import Index
    from dicompeek.privacy import review
    from registry import CORPUS

    folder = CORPUS / "deid_data" / "ultrasounds"
    if not folder.is_dir():
        pytest.skip("shared corpus not present")
    index = Index()
    try:
        index.add([str(folder)])
        index.run()
        result = review(index, ocr=tesseract)
    finally:
        index.close()
    high = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]
    read = " ".join(m["text"] for f in high for m in f["matches"])
    for expected in ("ZZZDOWNTIME", "MARY", "120907058", "00079241539", "08/29/1951"):
        assert expected in read, expected
    assert all(box["y"] < 60 for f in high for box in f["boxes"])  # the banner at the top


def test_nine_in_ten_identifying_texts_are_found_high_with_a_box_on_them(tmp_path, tesseract):
    from pydicom.uid import generate_uid

    from privacy.burned_in.screens import recall_set

    members, planted = {}, {}
    for name, ds, lines in recall_set():
        ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
        members[f"{name}.dcm"] = ds
        planted[ds.SeriesInstanceUID] = lines[0]
    result = review_with_ocr(tmp_path, members, tesseract)
    found = 0
    for finding in result["findings"]:
        if finding["category"] != "burned_in_text" or finding["severity"] != "high":
            continue
        y, points, _ = planted[finding["series"][0]["series_uid"]]
        # the box of the planted line, not of the labels drawn elsewhere
        found += any(abs(box["y"] - y) <= points and box["x"] < 40 for box in finding["boxes"])
    assert found / len(planted) >= 0.9, f"{found} of {len(planted)}"


def test_an_overlay_plane_is_read_on_its_own(tmp_path, tesseract):
    from privacy.burned_in.screens import with_overlay

    ds = with_overlay(as_dataset([screen([])], modality="SC"), [(300, 20, "KOWALSKI JANINA")])
    result = review_with_ocr(tmp_path, {"SC/1.dcm": ds}, tesseract)
    [high] = [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]
    assert [(b["source"], abs(b["y"] - 300) < 20) for b in high["boxes"]] == [("overlay 6000", True)]
    assert result["burned_in"]["frames_read"] == 2  # the frame and the overlay


def test_a_ct_slice_that_says_burned_in_annotation_yes_is_read(tmp_path, tesseract):
    ct = as_dataset([screen(BANNER)], modality="CT", burned="YES")
    ct.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    result = review_with_ocr(tmp_path, {"CT/1.dcm": ct}, tesseract)
    assert result["burned_in"]["files_read"] == 1
    assert [f for f in result["findings"] if f["category"] == "burned_in_text" and f["severity"] == "high"]


def test_the_pass_in_parts_merges_into_what_one_pass_finds(tmp_path, tesseract):
    """The page reads each part of the plan on its own worker; merged in order, the findings
    are the command line's."""
    from pydicom.uid import generate_uid

    from dicompeek.index.indexer import Index
    from dicompeek.privacy import burned_in_part, plan
    from dicompeek.privacy.burned_in.reader import merge_burned_in, read_burned_in
    from dicompeek.privacy.identity import Identity
    from registry import zip_bytes

    members = {}
    for n in range(4):
        ds = as_dataset([screen(BANNER, seed=n), screen([(8, 16, "Legible words here")], seed=n)])
        ds.SOPInstanceUID = generate_uid()
        members[f"US/{n}.dcm"] = ds
    (tmp_path / "x.zip").write_bytes(zip_bytes(members))
    index = Index()
    try:
        index.add([str(tmp_path / "x.zip")])
        index.run()
        planned = plan(index, 3)
        states = []
        for part in planned["parts"]:
            job = burned_in_part(index, part, planned["identity"], tesseract.name)
            while (pending := job.next_image()) is not None:
                job.take(pending.key, tesseract.recognise(pending.image))
            states.append(job.state())
        merged, summary = merge_burned_in(states)
        single, alone = read_burned_in(index, index.dicom, Identity.from_state(planned["identity"]), tesseract)
    finally:
        index.close()
    assert len(states) == 3 and summary == alone
    assert [f.as_dict({}) for f in merged] == [f.as_dict({}) for f in single]


def test_the_hospital_the_header_names_is_high_in_a_banner_and_another_is_not(tmp_path, tesseract):
    from pydicom.uid import generate_uid

    own = as_dataset([screen([(8, 18, "St Elsewhere Hospital")])], modality="SC")
    other = as_dataset([screen([(8, 18, "Springfield General Hospital")])], modality="SC")
    for ds in (own, other):
        ds.InstitutionName = "ST. ELSEWHERE HOSPITAL"
        ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
    result = review_with_ocr(tmp_path, {"SC/own.dcm": own, "SC/other.dcm": other}, tesseract)
    read = {f["series"][0]["series_uid"]: f for f in result["findings"] if f["category"] == "burned_in_text"}
    assert read[own.SeriesInstanceUID]["severity"] == "high"
    assert [m["kind"] for m in read[own.SeriesInstanceUID]["matches"]] == ["institution"]
    assert read[other.SeriesInstanceUID]["severity"] == "medium"


def test_a_frame_that_cannot_be_rendered_counts_as_text_left():
    """The second reading after blanking decides Burned In Annotation NO: a secondary capture
    without pixel data (fo-dicom's GH178) or with a broken fragment must not be claimed clean,
    nor stop the copy of the file."""
    from dicompeek.privacy.burned_in.reader import text_left
    from dicompeek.privacy.identity import Identity
    from registry import small_dataset

    class Never:
        name = "never"

        def recognise(self, image):
            raise AssertionError("nothing should be read")

    ds = small_dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    del ds.PixelData
    assert text_left(ds, Never(), Identity(), None, 1) is True
