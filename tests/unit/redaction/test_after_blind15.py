"""The two labels blind15's test half had below plain spaCy NER, as general classes (session 12, after the score):
medical record numbers after a plural cue or in Medicare's own format, and a baby's age in months or weeks set off
after the name. Every number and name here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_hidden, assert_kept, labels_of


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        # a plural cue covers every number of its list, not only the first
        ("the analyst needs the Medicaid IDs: 200481733C, 200519027A, 200660418B",
         ["200481733C", "200519027A", "200660418B"]),
        ("member numbers 88120344, 88120379 (both kids)", ["88120344", "88120379"]),
        # Medicare's beneficiary identifier by its published shape, with or without dashes
        ("Medicare 3JK9-TP4-MW27 per the intake", ["3JK9-TP4-MW27"]),
        ("his MBI 8RW4QD6HY53, card is in the payee's drawer", ["8RW4QD6HY53"]),
    ],
)
def test_medical_record_numbers_after_plural_cues_and_in_medicare_format(
    redactor: Redactor, text: str, secrets: list[str]
) -> None:
    assert_hidden(redactor, text, *secrets)
    assert "MEDICAL_RECORD" in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # one member number, then the plan's group number stays readable (the singular cue's first-only rule)
        ("member ID XJH884120377, group 00781", "00781"),
        # an MBI-like code with no Medicare cue is left alone; so is a shape with a forbidden letter
        ("ticket 3JK9-TP4-MW27 is closed", "3JK9-TP4-MW27"),
        ("Medicare plan code 3SK9-TP4-MW27", "3SK9-TP4-MW27"),
    ],
)
def test_numbers_beside_medical_cues_stay_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Precious, 4 months, dob 06/08/2024, removed for neglect", "4 months"),
        ("sibling Kaeden Moore, 3 weeks, still in the NICU", "3 weeks"),
        ("baby Zion (9 mos) is with the aunt", "9 mos"),
    ],
)
def test_a_babys_age_in_months_or_weeks_after_the_name_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


@pytest.mark.parametrize(
    "text",
    ["review with Kaeden's worker in 4 months, then close", "the intake takes 3 weeks, per the county"],
)
def test_months_and_weeks_that_are_no_age_stay_readable(redactor: Redactor, text: str) -> None:
    assert_kept(redactor, text, "months" if "months" in text else "weeks")
    assert "AGE" not in labels_of(redactor, text)
