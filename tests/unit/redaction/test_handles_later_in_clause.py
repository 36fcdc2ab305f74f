"""Handles typed without "@" a few words after the platform's name (session 13): the text a user sees after masking.
Every handle here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Snap return came back on lulu4ever9: email on file",
            "Snap return came back on [HANDLE]: email on file",
        ),
        (
            "Snap from the flyer at the laundromat: m0dels4cash_ -- forwarded",
            "Snap from the flyer at the laundromat: [HANDLE] -- forwarded",
        ),
        ("she prefers KakaoTalk, id is mina_k88", "she prefers KakaoTalk, id is [HANDLE]"),
        (
            "Discord had an older name and the newer format sk8rboi.771",
            "Discord had an older name and the newer format [HANDLE]",
        ),
    ],
)
def test_a_handle_later_in_the_platforms_clause_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "her snap is on at 10pm, ask her then",
        "the IG post was at 3pm today",
        "Telegram group is on mp4 uploads only",
        "tiktok from the school is on b12 shots",
    ],
)
def test_times_and_words_after_a_platform_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text
