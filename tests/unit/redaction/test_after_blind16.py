"""The label blind16's test half had below plain spaCy NER, as a general class (session 13, after the score): a card's
last four printed behind a short run of mask characters after the brand or card word, as receipts, ride receipts and
hotel folios print it. Every number here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_hidden, assert_kept, labels_of


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("04/15 VISA ****9920 -$778.00", "9920"),
        ("Driver: Hakop\nMastercard ••0392", "0392"),
        ("debit card xx-4417 was declined twice", "4417"),
        ("paid w/ Amex x1006 at the front desk", "1006"),
        ("card on file ## 5512, guest left early", "5512"),
    ],
)
def test_a_masked_cards_last_four_after_the_card_word_is_hidden(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)
    assert "CREDIT_CARD" in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # no card word: a bank account's last four (no label fits it) and an extension stay readable
        ("acct ••0057 at the credit union branch on 5th", "0057"),
        ("call the desk x1234 after 6", "1234"),
        # a card word but no mask run before the digits: a count or a time is not a last four
        ("visa interviews: 4 of them, at 1300", "1300"),
    ],
)
def test_digits_without_a_masked_card_stay_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)
