"""A de-identified copy of a real-looking export (tests/privacy/exports.py: eight patients, one
per script, CT, MR, an SR report and an ultrasound): nothing identifying left in any byte or
name, UIDs consistent, dates shifted with intervals kept, the copy's own review clean."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pydicom
import pytest

from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import Settings
from privacy.exports import PATIENTS, original_export, original_uids
from registry import zip_bytes

EVERYONE = tuple(PATIENTS)
#: The options most research transfers ask for.
USUAL = frozenset({"retain_modified_dates", "clean_descriptors", "clean_pixel_data"})


def export_zip(tmp_path: Path, patients=EVERYONE) -> Path:
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes(original_export(patients)))
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def datasets(path: Path) -> dict[str, pydicom.Dataset]:
    return {name: pydicom.dcmread(io.BytesIO(data)) for name, data in members(path).items()}


@pytest.fixture(scope="module")
def tesseract():
    from dicompeek.app.ocr_tesseract import load

    engine, why = load()
    if engine is None:
        pytest.skip(why)
    return engine


@pytest.fixture(scope="module")
def usual(tmp_path_factory, tesseract):
    """Every patient through the usual options, OCR reading the ultrasound."""
    work = tmp_path_factory.mktemp("usual")
    source = export_zip(work)
    report = deidentify_inputs([str(source)], work / "out.zip", Settings(USUAL, b"salt", ocr=tesseract))
    return source, work / "out.zip", report


def test_the_copy_reviews_clean_and_says_what_was_done_in_counts(usual):
    _, _output, report = usual
    assert report["review"]["high"] == report["review"]["medium"] == 0, report
    assert report["files_written"] == 7 * len(EVERYONE) and not report["problems"]
    assert any(a["action"] == "removed" for a in report["actions"])
    text = repr(report)
    for person in PATIENTS.values():
        assert person.patient_id not in text and person.family not in text  # counts, never values


def test_no_identifier_of_any_patient_is_left_in_any_byte_or_name(usual):
    _, output, _ = usual
    raw = members(output)
    names = " ".join(raw)
    shown = " ".join(repr(ds) for ds in datasets(output).values())  # every value, decoded
    for person in PATIENTS.values():
        for word in (person.patient_id, person.birth_date, person.ascii_name.split("^")[0], person.folder):
            assert word.encode() not in b"".join(raw.values()) and word not in names, word
        for word in (person.family, person.institution, person.referring.split("=")[0].split("^")[0],
                     person.operator.split("=")[0].split("^")[0], *person.dates):
            whole = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")  # "Li", not "Little Endian"
            assert not whole.search(shown) and not whole.search(names), (person.key, word)
    assert all(re.fullmatch(r"ANON-\d+/study-\d+/series-\d+/\d{5}\.dcm", name) for name in raw), list(raw)


def test_uids_are_new_and_every_reference_points_at_a_file_of_the_copy(usual):
    _, output, _ = usual
    copied = datasets(output)
    data = b"".join(members(output).values())
    assert not [uid for uid in original_uids(EVERYONE)
                if uid.encode() in data and not uid.startswith("1.2.840.10008.")]  # but the standard's own
    instances = {ds.SOPInstanceUID for ds in copied.values()}
    for ds in copied.values():
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID and ds.SOPInstanceUID.startswith("2.25.")
        for item in [*ds.get("ReferencedImageSequence", []), *ds.get("CurrentRequestedProcedureEvidenceSequence", [])]:
            for uid in re.findall(r"2\.25\.\d+", repr(item)):
                assert uid in instances or uid in {d.StudyInstanceUID for d in copied.values()} | \
                    {d.SeriesInstanceUID for d in copied.values()}


def test_dates_move_by_one_offset_per_patient_so_intervals_are_kept(usual):
    _source, output, _ = usual
    by_patient: dict[str, set[str]] = {}
    for ds in datasets(output).values():
        by_patient.setdefault(ds.PatientID, set()).add(ds.StudyDate)
    originals = {tuple(sorted(p.dates)) for p in PATIENTS.values()}
    for dates in by_patient.values():
        days = sorted(dt.datetime.strptime(d, "%Y%m%d") for d in dates)
        gaps = tuple((b - a).days for a, b in itertools.pairwise(days))
        assert any(gaps == tuple((dt.datetime.strptime(b, "%Y%m%d") - dt.datetime.strptime(a, "%Y%m%d")).days
                                 for a, b in itertools.pairwise(o)) for o in originals)
        assert not set(dates) & {d for o in originals for d in o}


def test_pixels_of_images_without_text_are_byte_identical(usual):
    source, output, _ = usual
    before = sorted(pydicom.dcmread(io.BytesIO(d)).PixelData for n, d in members(source).items() if "_CT/" in n)
    after = sorted(ds.PixelData for ds in datasets(output).values() if ds.Modality == "CT")
    assert before == after and len(after) == 3 * len(EVERYONE)


@pytest.mark.skipif(not shutil.which("dcmdump"), reason="DCMTK not installed")
def test_dcmtk_reads_every_file_of_the_copy(usual, tmp_path):
    _, output, _ = usual
    for name, data in members(output).items():
        path = tmp_path / "f.dcm"
        path.write_bytes(data)
        done = subprocess.run(["dcmdump", "-q", str(path)], capture_output=True, encoding="latin-1", check=False)
        assert done.returncode == 0 and "E:" not in done.stderr, (name, done.stderr)


def test_the_same_salt_gives_the_same_copy_and_another_salt_other_uids(tmp_path):
    source = export_zip(tmp_path, ("kowalski",))
    dates = frozenset({"retain_modified_dates"})
    for name, salt in (("a", b"one"), ("b", b"one"), ("c", b"two")):
        deidentify_inputs([str(source)], tmp_path / f"{name}.zip", Settings(dates, salt))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    first, other = datasets(tmp_path / "a.zip"), datasets(tmp_path / "c.zip")
    assert not {ds.StudyInstanceUID for ds in first.values()} & {ds.StudyInstanceUID for ds in other.values()}


def test_a_pseudonym_map_names_the_patients(tmp_path):
    source = export_zip(tmp_path, ("kowalski", "yamada"))
    mapped = PseudonymMap.from_csv(f"{PATIENTS['kowalski'].patient_id},SUBJ^0042,SUBJ-0042\n")
    deidentify_inputs([str(source)], tmp_path / "out.zip", Settings(frozenset(), b"s", mapped))
    ids = {(str(ds.PatientName), ds.PatientID) for ds in datasets(tmp_path / "out.zip").values()}
    assert ids == {("SUBJ^0042", "SUBJ-0042"), ("ANON-1", "ANON-1")}
    assert all(ds.PatientIdentityRemoved == "YES" for ds in datasets(tmp_path / "out.zip").values())


def test_non_dicom_files_are_dropped_unless_kept_and_counted(tmp_path):
    files = dict(original_export(("kowalski",)))
    files["Kowalski_notes/README.txt"] = b"call Kowalski"
    source = tmp_path / "x.zip"
    source.write_bytes(zip_bytes(files))
    report = deidentify_inputs([str(source)], tmp_path / "out.zip", Settings(frozenset(), b"s"))
    assert report["dropped"] == {"not DICOM": 1} and len(members(tmp_path / "out.zip")) == 7
    kept = deidentify_inputs([str(source)], tmp_path / "kept.zip", Settings(frozenset(), b"s", keep_non_dicom=True))
    assert kept["files_written"] == 8 and "Kowalski" not in " ".join(members(tmp_path / "kept.zip"))


def test_burned_in_names_are_blanked_and_overlays_kept_only_when_clean(tmp_path, tesseract):
    from pydicom.uid import generate_uid

    from privacy.burned_in.screens import BANNER_LINES, as_dataset, screen, with_overlay

    banner = as_dataset([screen(BANNER_LINES, noise=True)])
    named = with_overlay(as_dataset([screen([])], modality="SC"), [(300, 20, "KOWALSKI JANINA")])
    plain = with_overlay(as_dataset([screen([])], modality="SC"), [(300, 20, "")])
    for ds in (banner, named, plain):
        ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
    source = tmp_path / "screens.zip"
    source.write_bytes(zip_bytes({"US/1.dcm": banner, "SC/named.dcm": named, "SC/plain.dcm": plain}))
    options = frozenset({"clean_pixel_data", "clean_graphics"})
    report = deidentify_inputs([str(source)], tmp_path / "out.zip", Settings(options, b"s", ocr=tesseract))
    assert report["review"]["high"] == report["review"]["medium"] == 0, report
    assert report["pixels"].get("blanked") == 1 and report["pixels"].get("read again: no text left") == 3
    copied = list(datasets(tmp_path / "out.zip").values())
    assert all(ds.BurnedInAnnotation == "NO" for ds in copied)
    overlays = sorted((0x60003000 in ds) for ds in copied if ds.Modality == "SC")
    assert overlays == [False, True]  # the one with a name went, the empty one stayed
    [us] = [ds for ds in copied if ds.Modality == "US"]
    assert us.pixel_array.max() < 100  # the text was drawn at 235 over noise below 60: none left


@pytest.mark.skipif(not shutil.which("dciodvfy"), reason="dicom3tools not installed")
def test_dciodvfy_finds_no_error_in_the_copy_that_the_input_did_not_have(tmp_path):
    source = export_zip(tmp_path, ("kowalski",))
    deidentify_inputs([str(source)], tmp_path / "out.zip", Settings(USUAL - {"clean_pixel_data"}, b"s"))

    def errors(files: dict[str, bytes]) -> set[str]:
        found = set()
        for data in files.values():
            path = tmp_path / "f.dcm"
            path.write_bytes(data)
            done = subprocess.run(["dciodvfy", str(path)], capture_output=True, encoding="latin-1", check=False)
            found |= {line.strip() for line in (done.stdout + done.stderr).splitlines() if line.startswith("Error")}
        return found

    assert errors(members(tmp_path / "out.zip")) <= errors(members(source))
