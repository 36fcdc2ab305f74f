"""Names plain spaCy NER masks that the engine used to leave partly or wholly readable in social-media text (issue 17,
session 14, the `floor` helper; tests/corpus/social): NER's PERSON span kept whole over the everyday words a stage
name is made of, a name's initials, and hyperbole that is no statement that a word is no person. The words around
a name that are not part of it are still trimmed. Every name here is invented or a public figure's."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, assert_whole, masked


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Burna Boy sold out the stadium again", "Burna Boy"),
        ("Bad Bunny at the Met Gala in that fit", "Bad Bunny"),
        ("Lady Gaga singing the anthem gave me chills", "Lady Gaga"),
    ],
)  # fmt: skip
def test_a_stage_name_made_of_everyday_words_is_masked_whole(redactor: Redactor, text: str, name: str) -> None:
    assert_whole(redactor, text, name)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("A.R. Rahman live in concert, bucket list unlocked", "A.R. Rahman"),
        ("saw T.J. Okonkwo at the airport yesterday", "T.J. Okonkwo"),
        ("J. Cole dropped a surprise verse last night", "J. Cole"),
    ],
)  # fmt: skip
def test_a_name_keeps_its_initials(redactor: Redactor, text: str, name: str) -> None:
    assert_whole(redactor, text, name)


def test_not_human_as_praise_is_no_statement_about_a_name(redactor: Redactor) -> None:
    assert_whole(redactor, "Chidi Okafor is not human, three goals in one half", "Chidi Okafor")
    assert_kept(redactor, "the caller said Mueang is not a person, it's the district", "Mueang")


@pytest.mark.parametrize(
    ("text", "kept", "name"),
    [
        ("Thanks Maria, see you Monday", "Thanks", "Maria"),
        ("Officer Lee took the statement", "Officer", "Lee"),
        ("Hi Ana, the interview moved to 3pm", "Hi", "Ana"),
        ("Uncle Ray picked her up from school", "Uncle", "Ray"),
    ],
)  # fmt: skip
def test_words_said_to_or_about_a_person_stay_outside_the_name(
    redactor: Redactor, text: str, kept: str, name: str
) -> None:
    out = masked(redactor, text)
    assert kept in out and name not in out, out


def test_a_holiday_is_no_stage_name(redactor: Redactor) -> None:
    assert_kept(redactor, "Canada Day weekend = heavy border traffic", "Canada Day")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("RIP Kobe. still cant believe its been this long", "Kobe"),
        ("RIP Lincoln, gone too soon", "Lincoln"),
        ("R.I.P. Selena, forever the queen", "Selena"),
    ],
)  # fmt: skip
def test_rest_in_peace_is_said_of_a_person(redactor: Redactor, text: str, name: str) -> None:
    out = masked(redactor, text)
    assert name not in out and ("RIP" in out or "R.I.P" in out), out


def test_rip_before_no_name_masks_nothing(redactor: Redactor) -> None:
    assert_kept(redactor, "the RIP current warning is up for the beach", "RIP current")
    assert_kept(redactor, "RIP to my phone battery", "RIP", "phone battery")
