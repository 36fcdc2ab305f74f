"""Issue 17, whole names: a record's "SURNAME, GIVEN" name field is masked whole when one side of it is found, and
the same person's name written in another script after a language label ("Urdu ...", "Ge'ez spelling ...") is
masked with the Latin one. Invented examples, not corpus lines."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import masked


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("booking sheet:\nDEF: PRUITT, TAYLOR DESHAWN\nDOB: 03/04/1991", ("PRUITT", "TAYLOR", "DESHAWN")),
        ("Victim: MKRTCHYAN, ANI\nNotify by: phone\nDefendant: PETROSYAN, GOR", ("MKRTCHYAN", "ANI", "PETROSYAN", "GOR")),
        ("Guest: ZAMORA, JOSUE A\nAddr on file: PO Box 11", ("ZAMORA", "JOSUE")),
        ("new intake: Hana Tesfaye, 23, Tigrinya speaker, Ge'ez spelling ሃና ተስፋየ", ("ሃና", "ተስፋየ")),
        ("client: Imran Qureshi s/o Bashir Ahmed, Urdu عمران قریشی", ("عمران", "قریشی")),
        ("Bimala Thapa, 31, from Dang. Devanagari बिमला थापा", ("बिमला", "थापा")),
        # short surnames that are English words, beside a found name
        ("Kevin Do also on the intel for the grow in Leeds", ("Do",)),
        ("one of the cooks, He Weiming, 52, says the owner keeps the keys", ("He ",)),
    ],
)
def test_the_whole_name_is_masked(redactor: Redactor, text: str, secrets: tuple[str, ...]) -> None:
    out = masked(redactor, text)
    for secret in secrets:
        assert secret not in out


@pytest.mark.parametrize(
    "text",
    [
        "Location: HOUSTON, TX\nStatus: open",
        "Venue: Austin, Texas\nRoom: 4B",
        "He said the shelter is full tonight",
    ],
)
def test_a_place_field_is_left(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


def test_a_short_word_after_a_name_is_left_when_it_is_no_surname(redactor: Redactor) -> None:
    assert "To call" in masked(redactor, "tell Maria To call back")
