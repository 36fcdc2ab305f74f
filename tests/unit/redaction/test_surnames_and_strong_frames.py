"""Names a user would still read after masking, session 13: a surname said alone after the whole name, and a word
that is also a place, a surname or an everyday word in a frame only a person fits (what a person has, a person's
papers or kin after the possessive, an age or a role said of it). Every name here is invented. Each test shows the
text a user sees after masking."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the surname alone, after the whole name in the same message, even a word or a place
        (
            "Harold P. Long, court-appointed guardian. Long also manages 30 other estates",
            "[PERSON], court-appointed guardian. [PERSON] also manages 30 other estates",
        ),
        (
            "Stockbridge DOB 4/12/1981. his uncle Delmar Stockbridge is not involved",
            "[PERSON] DOB [DOB]. his uncle [PERSON] is not involved",
        ),
    ],
)
def test_a_surname_alone_after_the_whole_name_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # an article or a place preposition before it, a title-case word after it: a place or a thing
        ("Vernon Long called. we met at Long Island", "[PERSON] called. we met at Long Island"),
        ("Vernon Long called. the Long case is closed", "[PERSON] called. the Long case is closed"),
        ("Vernon Long called. Long Beach PD has the file", "[PERSON] called. Long Beach PD has the file"),
    ],
)
def test_the_surname_as_part_of_another_name_stays_readable(
    redactor: Redactor, text: str, masked: str
) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # what a person has, after a word no list knows, a surname that is a word or a place
        ("Quarrington has a 17yo son living there", "[PERSON] has a [AGE] son living there"),
        ("Dravetic has a UK mobile and drives a van", "[PERSON] has a UK mobile and drives a van"),
        ("Major has a warrant? or just AWOL", "[PERSON] has a warrant? or just AWOL"),
        ("Young has a pickup, parks it behind the bar", "[PERSON] has a pickup, parks it behind the bar"),
        # a person's papers or kin after the possessive, an adjective between
        ("Justice's dob?", "[PERSON]'s dob?"),
        ("Crystal's new number is on the intake", "[PERSON]'s new number is on the intake"),
        # a role said of it, an age said of it
        ("King is the one recruiting at the group home", "[PERSON] is the one recruiting at the group home"),
        ("Kingston is 12. school says he left", "[PERSON] is [AGE]. school says he left"),
    ],
)
def test_a_word_in_a_frame_only_a_person_fits_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "Miami-Dade has a warrant packet going, DA approved",
        "Catholic Charities has one via phone, I'll check conflicts",
        "Commonwealth's Attorney wants the state charges first",
        "Austin has a new hotline number",
        "Houston is 45 minutes away",
        "Harris County has a warrant out",
        "King County is not our case",
    ],
)
def test_places_offices_and_firms_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the same name in Cyrillic after a comma, spelled the same consonant for consonant
        (
            "passport spelling Gulnara Yusupova, Гулнара Юсупова on the old internal passport",
            "passport spelling [PERSON] on the old internal passport",
        ),
    ],
)
def test_a_name_beside_its_cyrillic_or_arabic_spelling_is_masked(
    redactor: Redactor, text: str, masked: str
) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "the office in Kabul (کابل) is closed this week",
        "staff meeting (собрание) moved to Friday",
    ],
)
def test_places_and_words_beside_another_script_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "driver for the Quarshie family is the one who helped",
            "driver for the [PERSON] family is the one who helped",
        ),
        ("federal only for the Tuilagi brothers", "federal only for the [PERSON] brothers"),
        (
            "the return date on the Adeyemo subpoena is 12/30",
            "the return date on the [PERSON] subpoena is 12/30",
        ),
    ],
)
def test_a_surname_before_a_familys_noun_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "the Dallas family court docket is full",
        "that's the pattern we flagged in the Sparks case too",
        "Can we get a Diné interpreter for the Chinle interview?",
    ],
)
def test_a_place_before_a_familys_noun_stays_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text
