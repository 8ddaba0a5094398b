"""Identifier patterns in free text and in zip entry paths (dicompeek.privacy.patterns)."""

from __future__ import annotations

import pytest

from dicompeek.privacy.patterns import KINDS, PatternHit, identifiers_in, identifiers_in_path


def found(text: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.text) for hit in identifiers_in(text)]


def found_in_path(path: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.text) for hit in identifiers_in_path(path)]


@pytest.mark.parametrize("text, kind, match", [
    # dates, in every common format, validated as calendar dates
    ("Follow-up of the scan on 2021-03-04, stable.", "date", "2021-03-04"),
    ("Prior exam 2021/03/04 for comparison", "date", "2021/03/04"),
    ("Voraufnahme vom 04.03.2021 zum Vergleich", "date", "04.03.2021"),
    ("Compared with 04/03/2021", "date", "04/03/2021"),
    ("Compared with 12/31/2020", "date", "12/31/2020"),
    ("Prior CT 31-12-2020 unremarkable", "date", "31-12-2020"),
    ("DOB 05.01.62", "date", "05.01.62"),
    ("Seen 5 Jan 2020 in clinic", "date", "5 Jan 2020"),
    ("Seen Jan 5, 2020 in clinic", "date", "Jan 5, 2020"),
    ("Received 05-JAN-2020", "date", "05-JAN-2020"),
    ("Received 05-JAN-20", "date", "05-JAN-20"),
    ("Received 05JAN2020", "date", "05JAN2020"),
    ("Seen on January 5th 2020", "date", "January 5th 2020"),
    ("Untersuchung am 5. März 2020", "date", "5. März 2020"),
    ("Examen du 1er janvier 2020", "date", "1er janvier 2020"),
    ("Scan 20200105 repeated", "date", "20200105"),
    ("20200105", "date", "20200105"),
    ("acquired 20200105120000", "date", "20200105120000"),
    # phone numbers
    ("Call +49 171 1234567 with results", "phone", "+49 171 1234567"),
    ("Call +1 (555) 123-4567 with results", "phone", "+1 (555) 123-4567"),
    ("Call (555) 123-4567 with results", "phone", "(555) 123-4567"),
    ("Call 555-123-4567 with results", "phone", "555-123-4567"),
    ("Rückruf 0171 1234567 bitte", "phone", "0171 1234567"),
    ("Rückruf 089/1234567 bitte", "phone", "089/1234567"),
    ("Tel. 4711 0815 for the report", "phone", "Tel. 4711 0815"),
    ("Mobile: 1234567", "phone", "Mobile: 1234567"),
    # e-mail addresses
    ("Send to j.smith@hospital.example.org please", "email", "j.smith@hospital.example.org"),
    # social security numbers
    ("Patient SSN 123-45-6789 on file", "ssn", "SSN 123-45-6789"),
    ("insured under 123 45 6789", "ssn", "123 45 6789"),
    ("Social Security Number: 123456789", "ssn", "Social Security Number: 123456789"),
    # record numbers after a cue word, and long numbers in prose
    ("Outside films, MRN: 12345678, reviewed", "mrn", "MRN: 12345678"),
    ("MR# A1234567 outside study", "mrn", "MR# A1234567"),
    ("Med Rec No 9876543", "mrn", "Med Rec No 9876543"),
    ("Patient ID: 0042-7731 (outside)", "mrn", "Patient ID: 0042-7731"),
    ("Pat.-Nr. 4711815", "mrn", "Pat.-Nr. 4711815"),
    ("Fallnummer 20231234", "mrn", "Fallnummer 20231234"),
    ("Accession 12345", "mrn", "Accession 12345"),
    ("NHS No 943 476 5919", "mrn", "NHS No 943 476 5919"),
    ("ID: 556342", "mrn", "ID: 556342"),
    ("outside images under 30082715 from the referring site", "mrn", "30082715"),
    # street addresses and postal codes
    ("lives at 221B Baker Street, London", "address", "221B Baker Street"),
    ("lives at 1600 Pennsylvania Ave. NW", "address", "1600 Pennsylvania Ave."),
    ("100 MARQUETTE DR", "address", "100 MARQUETTE DR"),
    ("wohnhaft Hauptstraße 12, Berlin", "address", "Hauptstraße 12"),
    ("Bockenheimer Landstrasse 23, Frankfurt", "address", "Bockenheimer Landstrasse 23"),
    ("domicile 12 rue de la Paix", "address", "12 rue de la Paix"),
    ("Escherweg 2, D-26121 Oldenburg", "address", "D-26121 Oldenburg"),
    ("ZIP 90210", "address", "ZIP 90210"),
    # names after a title or a cue word
    ("Discussed with Dr. Smith today", "name-cue", "Dr. Smith"),
    ("Discussed with Dr Smith today", "name-cue", "Dr Smith"),
    ("Discussed with DR. SMITH today", "name-cue", "DR. SMITH"),
    ("Befund an Dr. Müller", "name-cue", "Dr. Müller"),
    ("Reviewed by Dr. Øberg", "name-cue", "Dr. Øberg"),
    ("Prof. Dr. Weiß", "name-cue", "Prof. Dr. Weiß"),
    ("Mrs. O'Brien was informed", "name-cue", "Mrs. O'Brien"),
    ("Patient: John Smith", "name-cue", "Patient: John Smith"),
    ("Pt: DOE", "name-cue", "Pt: DOE"),
    ("Pt Jędrzej Kowalski tolerated the procedure well.", "name-cue", "Pt Jędrzej Kowalski"),
    ("pt 홍길동 tolerated the procedure well.", "name-cue", "pt 홍길동"),
    ("Name: Anna Schmidt", "name-cue", "Name: Anna Schmidt"),
    ("Referred by Dr. J. Smith for a second opinion", "name-cue", "Referred by Dr. J. Smith"),
    ("Signed by Jones", "name-cue", "Signed by Jones"),
    ("Befund an Herr Becker", "name-cue", "Herr Becker"),
    ("Referring Physician: Smith", "name-cue", "Referring Physician: Smith"),
    ("患者: 山田太郎", "name-cue", "患者: 山田太郎"),
])
def test_each_kind_is_found_in_a_sentence_with_its_exact_text(text, kind, match):
    assert (kind, match) in found(text)


def test_a_value_with_several_identifiers_lists_each_once_in_order():
    text = ("Seen on 05.01.2020 by Dr. Müller, MRN: 12345678, tel +49 171 1234567, mail j.smith@example.org; "
            "again on 05.01.2020")
    assert found(text) == [("date", "05.01.2020"), ("name-cue", "Dr. Müller"), ("mrn", "MRN: 12345678"),
                           ("phone", "tel +49 171 1234567"), ("email", "j.smith@example.org")]


@pytest.mark.parametrize("text", [
    # UIDs, numbers and number lists
    "1.2.840.10008.5.1.4.1.1.2", "2.25.123456789012345678901234567890",
    "1.3.12.2.1107.5.2.32.35131.2014031013323744712",
    "0.5\\0.5", "-125.3", "512", "1.0E-3", "113100", "433466003", "9999999", "2819497684894126",
    "1.5 0.2 0.2 2.0 64 0.4 1.05", "6000,17133,10625,11622,11754,14424,19369,21157", "range -2048 to +2047",
    # versions, code values, tags
    "3.0.2", "V1.2.3", "VE11C", "syngo MR E11", "syngo MR 2004V 4VB11D", "Version 1.2.2010", "release 2019.1.2",
    "4.9.3.1331", "PMS5.1 Ultrasound iU22_6.3.3.145", "T-A0100", "(0008,0020)", "SNM3.T-D1100.Head", "5.6.3-9-61",
    "12975-20-2", "11-05-25-142825",
    # sequence and protocol names, image types
    "t1_mprage_sag_p2_iso_1.0", "ep2d_diff_3scan_trace_p2", "*tfl3d1_16ns", "SE\\IR", "ORIGINAL\\PRIMARY\\AXIAL",
    "t2_tse_tra_320_p2", "Axial EPI-FMRI (Interleaved I to S)", "5.8 TAP : 4 HELICES (SANS/THXABDO ART/AP PORT/TARDIF)",
    "Protocol Name: MPRAGE", "Detector ID: L03-02246", "Coil ID: 12345",
    # sizes, times, durations, slices, exposure and dose
    "512x512", "256 x 256", "FoV 1248*1248", "12:30:45", "123045.000", "TA: 04:59", "TA 05:00", "Slice 12 of 40",
    "3.0 mm", "2.5mm stnd Disc SS40", "120 kVp", "250 mAs", "CTDIvol 12.3 mGy", "TotalDLP=1748.68", "+0200",
    "EXP DOSE 72407 nGy PRE-EXP DOSE 8277 nGy", "Dose 1234567 nGy", "compression ratio 1.9974",
    # modality and clinical abbreviations that collide with titles and cues
    "Dr 2", "DR CHEST PA LAT", "CR/DR Chest", "MR BRAIN", "MR BRAIN W/WO", "MS LESION PROTOCOL", "PT: WB",
    "Lesion seen by MRI", "Patient Protocol", "Patient: Supine", "Dr. dry breeze", "Dr. XXXXX", "Name: Anonymous",
    "PT WB", "Pt Position: HFS", "Pt Weight 80 kg", "Pt tolerated the procedure well",
    # study descriptions
    "CT HEAD W/O CONTRAST", "CHEST PA/LAT", "US CHEST WALL/SOFT TISSUE", "XR C Spine Comp Min 4 Views",
    "CT, HEAD/BRAIN WO IVCON", "Head^Routine", "L3-S1^L1-L4", "Seizure, new, acute, hx of trauma, > 18 yrs~",
    "Medical Center Dr 5,Columbia,SC,US,29203",
    # pseudonyms
    "CASE-0101", "ANON-7", "SUBJ_001", "LIDC-IDRI-0001", "TCGA-02-0001", "sub-01", "ANON119084194093", "CQ500-CT-310",
    # counts and file numbers that only look like phone numbers
    "Images 00001-00512", "0000 00000",
])
def test_ordinary_content_of_a_deidentified_export_gives_no_hit(text):
    assert found(text) == []


def test_the_reason_names_the_kind_of_pattern_and_the_cue_word():
    assert [hit.why for hit in identifiers_in("MRN: 12345678, Social  Security 123-45-6789, 05.01.2020")] == [
        "a number after the cue word MRN", "a number after the cue word Social Security", "a date (DD.MM.YYYY)"]
    assert [hit.why for hit in identifiers_in("12/31/2020 and 04/03/2021")] == [
        "a date (MM/DD/YYYY)", "a date (DD/MM/YYYY or MM/DD/YYYY)"]


def test_a_title_after_a_number_is_a_name_not_a_street():
    assert found("XR KNEE 2 Views Dr. Smith") == [("name-cue", "Dr. Smith")]
    assert found("Ward 4 St. Mary") == []


@pytest.mark.parametrize("text", [
    "31.02.2020", "2020-13-01", "32/01/2020", "12/31/1850", "29.02.2021", "20201301", "18991231",
])
def test_impossible_dates_are_not_dates(text):
    assert found(text) == []


@pytest.mark.parametrize("path, expected", [
    ("Smith_J_20230105/CT/IM0001.dcm", [("name-shape", "Smith_J"), ("date", "20230105")]),
    ("LASTNAME_F_20230105/1/1.dcm", [("name-shape", "LASTNAME_F"), ("date", "20230105")]),
    ("export/Smith J/IM0001.dcm", [("name-shape", "Smith J")]),
    ("Smith^John/1/1.dcm", [("name-shape", "Smith^John")]),
    ("Müller^Jörg^^^Dr/1.dcm", [("name-shape", "Müller^Jörg^^^Dr")]),
    ("山田^太郎/1.dcm", [("name-shape", "山田^太郎")]),
    ("Doe, Jane/CT/1.dcm", [("name-shape", "Doe, Jane")]),
    ("patient/2023-01-05/1.dcm", [("date", "2023-01-05")]),
    ("patient/05.01.2023/1.dcm", [("date", "05.01.2023")]),
    ("patient/CT 5 Jan 2023/1.dcm", [("date", "5 Jan 2023")]),
    ("MR_20230105_120000/1.dcm", [("date", "20230105")]),
    ("scans\\20230105120000.dcm", [("date", "20230105120000")]),
])
def test_paths_with_names_or_dates_are_found_component_by_component(path, expected):
    assert found_in_path(path) == expected


@pytest.mark.parametrize("path", [
    "CASE-0101/1/1.dcm", "sub-01/anat/IM_0001.dcm", "DICOM/PA000000/ST000000/SE000000/IM000000",
    "IM_0001.dcm", "SE_A/IM1.dcm", "CT_1/1.dcm", "T1_W/1.dcm", "SER00001/1.dcm", "DICOMDIR", "mri_reface/1.dcm",
    "8HRBRAIN/1.dcm", "ORIGINAL_PRIMARY/1.dcm", "Head^Routine/1.dcm", "Knee_L/1.dcm", "AX T2 FLAIR/1.dcm",
    "ANON_A/1.dcm", "SUBJECT_B_001/1.dcm", "LIDC-IDRI-0001/01-01-2000-30178/3000566.000000-03192/1-001.dcm",
    "1.2.840.113619.2.55.3.20230105/1.3.12.2.1107.5.2.32.35131.20230105.dcm", "CT, HEAD/1.dcm",
    "dcm_qa_nih/20180918Si/mr_0003/epi_pe_ap-00002.dcm", "abd1.zip!adb1_10.dcm",
])
def test_paths_of_a_deidentified_export_give_no_hit(path):
    assert found_in_path(path) == []


def test_a_name_repeated_in_a_path_is_listed_once():
    assert found_in_path("Smith_J/Smith_J/1.dcm") == [("name-shape", "Smith_J")]


WHY_CASES = [
    "Seen on 05.01.2020 and 12/31/2020 and 5 Jan 2020 and Jan 5, 2020 and 20200105, 20200105120000",
    "Dr. Smith, Patient: Jane Doe, Referred by Prof. Weiß, Name: Anna Schmidt, Mr Name",
    "tel +49 171 1234567, (555) 123-4567, 0171 1234567, Tel. 4711 0815, j.smith@example.org",
    "SSN 123-45-6789, 123-45-6789, MRN: 12345678, ID: 556342, images under 30082715 at the site",
    "221B Baker Street, Hauptstraße 12, 12 rue de la Paix, D-26121 Oldenburg, ZIP 90210",
]


@pytest.mark.parametrize("text", WHY_CASES)
def test_the_reason_never_repeats_the_matched_text(text):
    hits = identifiers_in(text)
    assert len(hits) >= 4
    assert all(hit.text not in hit.why and hit.why for hit in hits)


def test_the_reason_for_a_path_never_repeats_the_matched_text():
    hits = identifiers_in_path("Smith^John/Doe, Jane/Jones_F_20230105/2023-01-05/x.dcm")
    assert {hit.kind for hit in hits} == {"name-shape", "date"}
    assert all(hit.text not in hit.why for hit in hits)


def test_every_hit_has_a_known_kind_and_is_a_frozen_value():
    hits = identifiers_in(" ".join(WHY_CASES)) + identifiers_in_path("Smith_J_20230105/1.dcm")
    assert {hit.kind for hit in hits} == set(KINDS)
    assert hits[0] == PatternHit(hits[0].kind, hits[0].text, hits[0].why)
    with pytest.raises(AttributeError):
        hits[0].text = "x"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", " ", "\x00", "a" * 100_000, "1" * 100_000, "1 " * 50_000, "Dr. " * 25_000,
                                  "+" + "1 " * 50_000, "0" + "1-" * 50_000, "Name: " * 16_000, "1 Ab Cd St " * 9_000])
def test_empty_and_huge_values_are_scanned_without_error(text):
    identifiers_in(text)  # every pattern is linear in the value: these take milliseconds
