"""Issue 17, precision of one-word names: a capitalised everyday word that NER or the tagger calls a person is left
readable when nothing around it says "person"; a word people are named (Precious, Blessing, Hank), an accented name
and a word with a person's verb, role or age beside it stay masked. Invented examples, not corpus lines."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import masked


@pytest.mark.parametrize(
    "text",
    [
        "Verdict in the Dallas case: guilty on all counts",
        "Gift cards are in the lobby until Friday",
        "Orientation slides were approved by Thorn yesterday",
        "Recruiter pattern: DM first, then a motel the same night",
        "the drop-off was at Home Depot on the frontage road",
        "Potluck is for staff only this year",
        "Sentencing moved to Monday, room to be confirmed",
        # placeholders of filings and charts
        "is Jane Doe 2 the same as V3? no, V3 is Jane Doe 1",
        "all 3 Jane Does from the spa case now have charts",
        'pt registered as "Jane Doe 14" until the ID clinic confirms',
        # a sentence saying the word is no person
        "Lafayette is the parish there, not a person lol",
        "Whitley and Monroe in the tracker are counties, not people",
        "yes Beaumont TX. no suspect named Beaumont",
        "Clay County SO (the county, not a guy named Clay) joins the call",
        # programs, grants, buildings and awards named after a person
        "Mary Elizabeth Brady grant report due Friday, send counts",
        "Ronald Dellums federal building entrance is on Clay St, bring ID",
        "The Fannie Lou Hamer Award nomination for our team is due Jan 9",
        "Nelson Consulting Group sends invoices to finance",
    ],
)
def test_an_everyday_word_or_a_placeholder_is_not_a_name(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("ask for Precious at the back door, she runs the schedule", "Precious"),
        ("Blessing and Comfort were in the same house last spring", "Blessing"),
        ("Blessing and Comfort were in the same house last spring", "Comfort"),
        ("the file on Thaís came back from the consulate", "Thaís"),
        ("Funes is on my caseload since March", "Funes"),
        ("ex: Ahmadi, Farid -- wait, wrong client, disregard", "Ahmadi"),  # beside a known given name
        ("Verdict says she was moved to Tulsa, she is 16", "Verdict"),  # a person's verb and pronoun: kept
        ('pt registered as "Jane Doe 14", real name Marisol Vega, 16', "Marisol Vega"),
        ("Lafayette is the county, not a person. the client is Marisol Vega", "Marisol Vega"),
        ("T visa cert signed for Glenda and Marvin (the siblings from the farm)", "Marvin"),
    ],
)
def test_a_name_that_is_a_word_is_still_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert secret not in masked(redactor, text)
