"""Addresses, phones and dates written the local way (issue 17, session 13, `places` helper): phones in a country's
own layout with its trunk prefix, address part words of more languages, dates of birth with local month names.
Every name, address and number is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her mom's number is 8 (928) 743-18-02", "her mom's number is [PHONE]"),
        ("мама: 8 (928) 743-18-02", "мама: [PHONE]"),
        ("call her brother 8 701 123 4567 in Almaty", "call her brother [PHONE] in Almaty"),
        ("the aunt in Yerevan: (077) 12-34-56", "the aunt in Yerevan: [PHONE]"),
        ("the Minsk number 8 029 123-45-67", "the Minsk number [PHONE]"),
        ("she texted from 8 (705) 411 22 33", "she texted from [PHONE]"),
    ],
)  # fmt: skip
def test_a_phone_written_the_way_its_country_writes_it_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("invoice 0412 2026 118 from march", "0412 2026 118"),
        ("case 0803 441 2907 is closed", "0803 441 2907"),
        ("the shipment weighed 8 123 456 78 kg in total", "8 123 456 78"),
    ],
)  # fmt: skip
def test_a_number_that_is_not_laid_out_like_a_phone_stays(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)
