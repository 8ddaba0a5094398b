"""The patient's identity as the review searches for it (dicompeek.privacy.identity)."""

from __future__ import annotations

import re

from dicompeek.privacy.identity import Identity, id_token, leak_pattern, looks_like_real_name, name_tokens


def test_names_give_their_parts_and_ids_themselves_placeholders_and_short_ones_nothing():
    assert name_tokens("Kowalski^Janina^^Dr=KOWALSKI") == ["KOWALSKI", "JANINA", "KOWALSKI"]
    assert name_tokens("DEMO^PHANTOM") == [] and name_tokens("Li^Bo") == []
    assert id_token(" mrn778812 ") == "MRN778812"
    assert id_token("P1") is None and id_token("0000") is None and id_token("TEST") is None


def found(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


def test_short_words_and_numbers_must_stand_alone():
    pattern = leak_pattern({"ANA": "name", "778812": "patient-id", "KOWALSKI": "name"})
    assert pattern is not None
    assert pattern.search("banana") is None and found(pattern, "dr ana k") == "ana"
    assert pattern.search("MRN7788123") is None and found(pattern, "MRN778812b") == "778812"
    assert found(pattern, "kowalskis") == "kowalski"
    assert leak_pattern({}) is None


def test_the_identity_remembers_what_was_found_nested_and_rebuilds_its_pattern_only_when_it_grew():
    identity = Identity()
    assert identity.pattern() is None
    identity.learn_fields({"PatientName": "Kowalski^Janina", "PatientID": "MRN778812", "AccessionNumber": "A1"})
    first = identity.pattern()
    assert identity.tokens == {"KOWALSKI": "name", "JANINA": "name", "MRN778812": "patient-id"}
    assert identity.pattern() is first and identity.found == []
    assert identity.learn("name", "Nowak^Adam", found=True) and not identity.learn("name", "Nowak", found=True)
    assert identity.found == [("NOWAK", "name"), ("ADAM", "name")] and identity.pattern() is not first
    identity.add([["ADAM", "patient-id"], ["X1234", "accession"]], found=True)
    assert identity.kind_of("adam") == "name" and identity.found[-1] == ("X1234", "accession")


def test_a_real_name_has_a_family_and_a_given_name_that_are_not_placeholders():
    assert looks_like_real_name("Kowalski^Janina") and looks_like_real_name("Smith-Jones^Mary-Ann")
    assert not looks_like_real_name("Kowalski") and not looks_like_real_name("ANON^PATIENT")
    assert not looks_like_real_name("Test^Patient1") and not looks_like_real_name("Doe^John")
