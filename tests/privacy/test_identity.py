"""The patients' identities as the review searches for them (dicompeek.privacy.identity)."""

from __future__ import annotations

from dicompeek.privacy.identity import Identity, is_dummy, is_pseudonym, looks_like_real_name, name_sequences

KOWALSKI = {"PatientName": "Kowalski^Janina", "PatientID": "MRN778812", "PatientBirthDate": "19610523",
            "AccessionNumber": "ACC99812"}


def texts(identity: Identity, text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.kind, m.patient) for m in identity.search(text)]


def test_names_give_their_words_but_not_placeholders_particles_or_words_of_imaging():
    assert name_sequences("Kowalski^Janina") == [(("kowalski",), "name"), (("janina",), "given-name")]
    assert name_sequences("van der Berg^Anna") == [(("berg",), "name"), (("anna",), "given-name")]
    assert name_sequences("DEMO^PHANTOM") == [] and name_sequences("Knee^Moving") == []
    assert name_sequences("Li^Bo") == []  # too short to search for alone


def test_a_match_is_a_whole_word_never_part_of_one():
    identity = Identity()
    identity.learn_fields({"PatientName": "Smith^Mary", "PatientID": "12345678"})
    assert texts(identity, "ORIGINAL\\PRIMARY") == [] and texts(identity, "Smithfield") == []
    assert texts(identity, "seen by MARY today") == [("MARY", "given-name", "P1")]
    assert texts(identity, "MRN 12345678.") == [("12345678", "patient-id", "P1")]
    assert texts(identity, "123456789") == []


def test_birth_dates_are_found_in_the_forms_people_write_them():
    identity = Identity()
    identity.learn_fields(KOWALSKI)
    for written in ("19610523", "1961-05-23", "23.05.1961", "05/23/1961", "23 May 1961", "May 23, 1961"):
        assert texts(identity, f"born {written}") == [(written, "birth-date", "P1")], written


def test_names_in_scripts_without_spaces_are_found_character_by_character():
    identity = Identity()
    identity.learn_fields({"PatientName": "Yamada^Tarou=山田^太郎=やまだ^たろう", "PatientID": "H31"})
    assert [m.text for m in identity.search("患者山田太郎さん")] == ["山田太郎"]  # the whole name, longest first
    assert [m.text for m in identity.search("山田さん")] == ["山田"]
    identity.learn_fields({"PatientName": "Hong^Gildong=洪^吉洞=홍^길동", "PatientID": "I2"})
    assert [m.text for m in identity.search("환자 홍길동 님")] == ["홍길동"] or \
        [m.text for m in identity.search("환자 홍길동 님")] == ["홍", "길동"] or identity.search("환자 홍 님") == []


def test_each_patient_is_told_apart_and_pseudonyms_and_dummies_are_not_searched_for():
    identity = Identity()
    first = identity.learn_fields(KOWALSKI)
    second = identity.learn_fields({"PatientName": "CASE-0101", "PatientID": "CASE-0101"})
    third = identity.learn_fields({"PatientName": "Removed by CTP", "PatientID": "Removed"})
    assert first is not None and second is not None and third is not None
    assert (first.key, second.key, third.key) == ("P1", "P2", "P3")
    assert not first.pseudonymous and second.pseudonymous and third.pseudonymous
    assert texts(identity, "CASE-0101/1/CT/1.dcm") == [] and texts(identity, "Kowalski") == [("Kowalski", "name", "P1")]


def test_pseudonyms_dummies_and_real_names_are_told_apart():
    assert all(is_pseudonym(v) for v in ("CASE-0101", "ANON7", "LIDC-IDRI-0001", "sub-01", "QIN-HEADNECK-01-0024"))
    assert is_pseudonym("X123", "X123") and not is_pseudonym("Smith^John") and not is_pseudonym("Kowalski")
    assert all(is_dummy(v) for v in ("", "^", "ANONYMOUS", "Removed by CTP", "Unknown", "XXXXXX^XXXX", "00000000"))
    assert not is_dummy("Kowalski^Janina")
    assert looks_like_real_name("Kowalski^Janina") and looks_like_real_name("Smith-Jones^Mary-Ann")
    assert not looks_like_real_name("Kowalski") and not looks_like_real_name("ANON^PATIENT")
    assert not looks_like_real_name("Test^Patient1") and not looks_like_real_name("Doe^John")


def test_the_identity_travels_as_plain_data_and_remembers_what_was_found_nested():
    identity = Identity()
    identity.learn_fields(KOWALSKI)
    copy = Identity.from_state(identity.state())
    assert texts(copy, "Janina K.") == texts(identity, "Janina K.") != []
    version = copy.version
    assert copy.learn("P1", "name", "Nowak^Adam", found=True) and copy.version > version
    assert copy.found == [("P1", "name", "Nowak^Adam")] and texts(copy, "Nowak") == [("Nowak", "name", "P1")]
