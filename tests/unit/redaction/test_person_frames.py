"""Names a user would still read after masking, session 12: a name that is also an everyday word, a place or no
list's word, recognised by the frame it sits in rather than by the word. Every name here is invented. Each test shows
the text a user sees after masking."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a person's verb after a given name that is also a word
        ("Faith says the driver took her phone", "[PERSON] says the driver took her phone"),
        (
            "Precious walked back in at 4am, no new indicators",
            "[PERSON] walked back in at 4am, no new indicators",
        ),
        ("Comfort also wired money to her aunt", "[PERSON] also wired money to her aunt"),
        (
            "Genesis (the one from Visalia) disclosed on Monday",
            "[PERSON] (the one from Visalia) disclosed on Monday",
        ),
        # a possessive of a person's accounts or kin
        ("Slim's IG is where the ads go up", "[PERSON]'s IG is where the ads go up"),
        ("Blessing's mum calls every Sunday", "[PERSON]'s mum calls every Sunday"),
        # an age in a list of people and ages
        ("ages: Rahmina 24, Shirvan 31", "ages: [PERSON] [AGE], [PERSON] [AGE]"),
    ],
)
def test_a_name_in_a_person_frame_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "the Harmony shelter has two beds tonight",
        "Hope House said they have a bed",
        "Mississippi Center for Justice said they have a paralegal now",
        "our docs at Mercy asked for the webinar slides",
        "Austin asked whether the protocol covers walk-ins",
        "boat is docked at Pier 19, don't share the vessel name",
        "weekly counts: Referrals 61, Served 49",
        "Grace period ends Monday",
    ],
)
def test_words_and_places_outside_a_person_frame_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Cheyenne and Dakota (twins, 15) ran from the group home",
            "[PERSON] and [PERSON] (twins, [AGE]) ran from the group home",
        ),
        ("Shondra and Precious left together", "[PERSON] and [PERSON] left together"),
    ],
)
def test_a_given_name_coordinated_with_a_found_name_is_masked(
    redactor: Redactor, text: str, masked: str
) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "Houston and Dallas both have beds",
        "Eugene and Salem both reporting the same ad set",
    ],
)
def test_places_and_firms_coordinated_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "상담 선생님 말씀으로는 정하윤 학생이 요즘 자주 결석해요",
            "상담 선생님 말씀으로는 [PERSON] 학생이 요즘 자주 결석해요",
        ),
        ("어머니 성함은 박미숙입니다", "어머니 성함은 [PERSON]입니다"),
        ('"저는 윤다은이에요. 여권이 없어요."', '"저는 [PERSON]이에요. 여권이 없어요."'),
        (
            "the broker she paid is 권 실장, no full name",
            "the broker she paid is [PERSON] 실장, no full name",
        ),
        (
            "the owner per the doumi is 한정우, he runs two spas",
            "the owner per the doumi is [PERSON], he runs two spas",
        ),
    ],
)
def test_a_korean_name_before_a_title_or_after_a_cue_is_masked_alone(
    redactor: Redactor, text: str, masked: str
) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "이번 주에 사장님이 오세요",
        "정말 감사합니다 선생님",
        "저는 학생이에요. 선생님이 도와주셨어요.",
    ],
)
def test_korean_titles_and_sentences_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            '"hey miss its me Kay Kay my new number is gone"',
            '"hey miss its me [PERSON] my new number is gone"',
        ),
        ("hi it's Charlize I'm at my cousin's place", "hi it's [PERSON] I'm at my cousin's place"),
        (
            "\"I'm Jaz, I'm 31, I've been out six years\"",
            "\"I'm [PERSON], I'm [AGE], I've been out six years\"",
        ),
        ("name update: Jaxen (he/him), new card coming", "name update: [PERSON] (he/him), new card coming"),
        ("Tiny's PO says he checked in", "[PERSON]'s PO says he checked in"),
    ],
)
def test_someone_saying_who_they_are_or_their_pronouns_is_masked(
    redactor: Redactor, text: str, masked: str
) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "It's Monday, the office is closed",
        "I'm Sorry, I'm late",
        "it's Fine, I can do it",
        "This is Houston PD calling back",
        "It's Ok",
    ],
)
def test_ordinary_sentences_after_its_and_im_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("dob for Guadalupe per the school 11/08/2008", "dob for [PERSON] per the school [DOB]"),
        ("DRC passport for Grâce is with the owner", "DRC passport for [PERSON] is with the owner"),
    ],
)
def test_a_name_a_persons_identifier_is_for_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    ["the number for Mercy is on the wall", "phone for Austin PD is on the sheet"],
)
def test_an_organisations_number_stays_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "tribal ID scan for the Rosebud girl: Wakinyan Redcloud, enrollment pending",
            "tribal ID scan for the Rosebud girl: [PERSON], enrollment pending",
        ),
        ("the older one: Kiana, she is 15", "the older one: [PERSON], she is [AGE]"),
    ],
)
def test_a_name_after_a_person_noun_and_a_colon_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


def test_a_time_after_a_colon_stays_readable(redactor: Redactor) -> None:
    assert redactor.redact("reminder for the team: Monday at 9").text == "reminder for the team: Monday at 9"
