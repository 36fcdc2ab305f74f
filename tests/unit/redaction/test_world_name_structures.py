"""Whole names by their structure, session 14 (`worldnames`): a found name part takes the parts that the naming
customs of its region put beside it -- a word of a non-Latin script whole (vowel signs, viramas), its second word,
generational suffixes, Central Asian patronymic words, a widow's "viuda de", the given name after Vietnamese "Thị" or
"Văn", Balinese birth-order words, a given name that is also an English word before a found surname -- and names
found by structure alone ("... Bakyt uulu", "Rosanny De la Cruz"). The same particles where they name no one stay
readable. Every name here is invented. Each test shows the text a user sees after masking."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a word of a spaced non-Latin script whole, and the second word of the name beside it
        ("spoke with कमला राई this morning, she wants a female advocate", "spoke with [PERSON] this morning, she wants a female advocate"),
        ("ok so the worker who got hurt is दीपक गुरुङ, he's at the ER now", "ok so the worker who got hurt is [PERSON], he's at the ER now"),
        ("Bengali spelling for the file: নাসরিন আক্তার", "Bengali spelling for the file: [PERSON]"),
        ("சுமதி ராஜன்'s cousin drove her to the shelter", "[PERSON]'s cousin drove her to the shelter"),
    ],
)
def test_a_name_in_an_indic_script_is_masked_whole(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("his father Delroy Whitcombe Sr. is 70 and not involved", "his father [PERSON] is [AGE] and not involved"),
        ("the lease is signed by Marcus Abernathy Jr. and his wife", "the lease is signed by [PERSON] and his wife"),
        ("Juan Carlos P. Villareal III called the hotline twice", "[PERSON] called the hotline twice"),
    ],
)
def test_a_generational_suffix_is_part_of_the_name(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # Central Asian patronymics after the father's name, with or without a found part
        ("Talant Ermek uulu's cousin drove him to the clinic", "[PERSON]'s cousin drove him to the clinic"),
        ("the recruiter is Cholpon Asan kyzy, she has their passports", "the recruiter is [PERSON], she has their passports"),
        ("interview with Bekzod Sardor o'g'li moved to Thursday", "interview with [PERSON] moved to Thursday"),
        ("new referral: Farid Elshan oglu, 31, no papers", "new referral: [PERSON], [AGE], no papers"),
    ],
)
def test_a_patronymic_word_after_the_name_is_part_of_it(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("spoke with Herminia Cabrera viuda de Olmos this morning", "spoke with [PERSON] this morning"),
        ("woman 2 Yokasta De la Rosa, says she's 22", "woman 2 [PERSON], says she's [AGE]"),
        ("the one who drives is Wilfredo De los Santos", "the one who drives is [PERSON]"),
    ],
)
def test_spanish_married_names_and_particle_surnames(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # after Vietnamese Thị / Văn the given name comes, even a word ("My", "Long")
        ("Trương Thị My called the hotline again", "[PERSON] called the hotline again"),
        ("victim name per the intake sheet is Nguyen Van Long", "victim name per the intake sheet is [PERSON]"),
        # Balinese birth-order words before the given name
        ("cruise ship crew member I Made Wirawan says the agency took $4,000", "cruise ship crew member [PERSON] says the agency took $4,000"),
        ("the recruiter is I Wayan Sudarma and he still has their papers", "the recruiter is [PERSON] and he still has their papers"),
        # a given name that is also an English word, before a found surname
        ("victim name per the intake sheet is Patience Okonjo", "victim name per the intake sheet is [PERSON]"),
        ("she's Mercy Njeri Kamau, not the hospital", "she's [PERSON], not the hospital"),
    ],
)
def test_the_parts_before_and_after_a_found_name(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "flight via Abu Dhabi lands at 6 tomorrow",
        "put the hygiene kits in bin 4 in the storage room",
        "the shelter on de la Cruz Street has 2 beds tonight",
        "she is from Ras Al Khaimah originally",
        "Puerto de la Cruz is where the boat stopped",
        "Casa de la Cruz is open today",
        "Van Buren County called back",
        "the Al-Anon meeting is in room B",
        "the Sri Lanka embassy needs the form signed",
        "route goes through Al Ain then the border",
    ],
)
def test_name_particles_that_name_no_one_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a Chinese surname and a given name of one or two pinyin syllables that is also an English word
        ("wire transfers list the beneficiary as Zhang Jun, Harbin", "wire transfers list the beneficiary as [PERSON], Harbin"),
        ("the landlady is Sun Meiling, she collects the rent", "the landlady is [PERSON], she collects the rent"),
        # old / young before a surname
        ("the cook = Lao Chen (老陈), nobody knows his full name", "the cook = [PERSON] ([PERSON]), nobody knows his full name"),
    ],
)
def test_chinese_names_with_a_surname_or_given_name_that_is_a_word(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    ["office closed Sun Mon Tue for the holiday", "the Long Beach office has the file", "we met Lao workers at the camp"],
)
def test_chinese_surname_words_that_name_no_one_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text
