"""A word list branched by first letter (``redaction/alternation.py``) matches exactly what the plain list matches."""

from __future__ import annotations

import re
import string
import sys

import pytest

from redaction.alternation import branches, by_first_letter, letter_class

EVERY_CHARACTER = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code < 0xE000)


@pytest.mark.parametrize("letter", string.ascii_lowercase)
def test_a_letters_class_is_what_the_letter_matches_ignoring_case(letter: str) -> None:
    assert re.findall(f"(?i:{letter})", EVERY_CHARACTER) == re.findall(letter_class(letter), EVERY_CHARACTER)


def test_branches_split_at_the_top_level_only() -> None:
    assert branches(r"a|b(?:c|d)|[|]x|\||e") == ["a", "b(?:c|d)", "[|]x", r"\|", "e"]


WORDS = r"client|cousin|card\s*holder|vic|victim|son|sister|kid|Kin|ide|ул|улица|д|дом|is|i"
TEXT = (
    "Client Jane, her COUSIN Ana, cardholder Bo, card holder Al, victim Vic, ſon Tim, KID Lu (Kelvin sign), "
    "kin İde ıdo, ул. Ленина, Улица Мира, д. 5, ДОМ 7, it is I, victims, sonny, mis-kid"
)


def test_the_branched_list_finds_the_same_words_as_the_plain_list() -> None:
    plain = re.compile(rf"\b(?:{WORDS})\b", re.IGNORECASE)
    branched = re.compile(rf"\b{by_first_letter(WORDS)}\b")
    found = [m.span() for m in plain.finditer(TEXT)]
    assert len(found) > 15
    assert [m.span() for m in branched.finditer(TEXT)] == found
    # and under a pattern's own IGNORECASE flag
    assert [m.span() for m in re.finditer(rf"\b{by_first_letter(WORDS)}\b", TEXT, re.IGNORECASE)] == found


def test_a_branch_that_does_not_start_with_a_letter_is_refused() -> None:
    for words in (r"a|\d+", "a|(?:b|c)d", "a|b?c", "a|ſon", "a|"):
        with pytest.raises(ValueError):
            by_first_letter(words)
