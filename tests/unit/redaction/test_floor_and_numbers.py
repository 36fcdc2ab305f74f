"""Spans the engine left partly or wholly readable although plain spaCy NER masks them (issue 17, session 10, the
"floor"), and the non-name labels around them: an age whose own characters say it is one is never vetoed by the
context around it, a handle keeps its trailing underscore and Discord discriminator, an address or age keeps the
period of its abbreviation, licences listed after a plural cue, a CURP with a word between its cue and it, the last
four digits of a person's number. Every name and number here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, masked


def assert_whole(redactor: Redactor, text: str, *secrets: str) -> None:
    """Every character of each of ``secrets`` is inside one finding (no "_" or "." of it left readable)."""
    findings = redactor.detect(text)
    for secret in secrets:
        start = text.index(secret)
        end = start + len(secret)
        assert any(f.start <= start and end <= f.end for f in findings), (secret, masked(redactor, text))


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Tucson — the storage unit case. 19yo cousin moved in with him", "19yo"),
        ("Dept. 12yo girl seen at the bus stop", "12yo"),
        ("recovered at the rest area, seventeen yrs old, from Gallup", "seventeen yrs old"),
        ("profile text says 21 yrs young and new in town", "21 yrs young"),
        ("BOLO FEMALE JUVENILE, 14 YOA, LAST SEEN NEAR THE DEPOT", "14 YOA"),
        ("found the boy, 9 y.o., at the laundromat", "9 y.o."),
        ("Con bé 13 tuổi, đang ở nhà chú", "13 tuổi"),
        ("in the shelter since Tuesday, 15 anyos daw siya", "15 anyos"),
    ],
)  # fmt: skip
def test_an_age_with_its_own_unit_is_masked_whole(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her IG is @kiki.lovee_ and she posted an hour ago", "@kiki.lovee_"),
        ("snap @shay.xo__ keeps adding older guys", "@shay.xo__"),
        ("discord: nightowl#2291, he messaged her in a game server", "nightowl#2291"),
        ("he added her on discord as grimreaper#0410 last week", "grimreaper#0410"),
    ],
)  # fmt: skip
def test_a_handle_keeps_its_underscore_and_discriminator(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mom's address: Calle Allende 31, Col. Centro, Morelia, Mich. — she has no phone", "Calle Allende 31, Col. Centro, Morelia, Mich."),
        ("office at Av. Juárez 1201, Centro, Ensenada, B.C. per the flyer", "Av. Juárez 1201, Centro, Ensenada, B.C."),
    ],
)  # fmt: skip
def test_an_address_keeps_the_period_of_its_state_abbreviation(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


def test_licences_listed_after_a_plural_cue(redactor: Redactor) -> None:
    text = "Oklahoma co-defendants, OK DLs 48102277 and 51930064 on the warrant"
    assert_whole(redactor, text, "48102277", "51930064")


def test_a_curp_with_words_between_its_cue_and_it(redactor: Redactor) -> None:
    text = "the CURP for the foreman, from the lease application: RAMJ820914HPLMRN07"
    assert_whole(redactor, text, "RAMJ820914HPLMRN07")


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("last 4 3317, to match the file", ["3317"]),
        ("Dario's ends in 4482 not 4428, checked the card copy", ["4482", "4428"]),
        ("the last four are 8120 per her caseworker", ["8120"]),
    ],
)  # fmt: skip
def test_the_last_four_of_a_persons_number(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_whole(redactor, text, *secrets)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the lease ends in 2026, so we have time", "2026"),
        ("the room ending in 1204 is the storage closet", "1204"),
        ("the grant ends in 2027 unless renewed", "2027"),
    ],
)  # fmt: skip
def test_a_year_or_a_room_after_ends_in_stays_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)
