"""The models read a condensed view of a message (``engine._defused``, issue 17): a short unit that starts with a
symbol, pasted four times or more in a row ("ig:ig:ig:ig:ig:", "-.-.-.-.", "|---|---|---|---"), is given to NER
and the tagger once, the rest blanked to spaces, so their cost tracks the words rather than the symbols. The view has
the message's length, every offset maps back to itself, and the rules still read the original text."""

from __future__ import annotations

import re

import pytest

from redaction import Redactor, engine
from redaction.engine import _defused

from .conftest import masked

RUNS = [
    "ig:" * 40,
    "-." * 30,
    "|---" * 8 + "|",
    "$cash" * 12,
    "@lil" * 25,
    "+44" * 20,
    "Kill-1" * 3 + ":)" * 20,
    "( " * 50,
    "<3" * 9,
    "?!" * 12,
]

NORMAL = [
    "Met Maria Lopez at 4410 Bissonnet St, call 713-555-0199 -- she is 17, DOB 3/4/2006.",
    "ig: @lil_maria / snap: mariaxo / fb: Maria L.",
    "Client | Age | Phone\n|---|---|---|\nMaria | 17 | (713) 555-0134",
    "ok... see u at 3 lol!! :) :-) ;)",
    "call 1-800-555-0134 or +44 7700 900123, ref 12/12/2012, 1-2-3 go",
    "hahahaha no way. ha ha ha ha",
]


@pytest.mark.parametrize("run", RUNS)
def test_a_repeated_unit_is_kept_once_and_offsets_stay(run: str) -> None:
    text = f"Maria Lopez {run} call 713-555-0134\nnext line"
    view = _defused(text)
    assert len(view) == len(text)
    # every character is either the original one or a space (so an offset in the view is the same in the text)
    assert all(a == b or b == " " for a, b in zip(text, view, strict=True))
    start = text.index(run)
    assert view[:start] == text[:start] and view.endswith(" call 713-555-0134\nnext line")
    # the run now costs the models a unit or two, not one token per symbol
    assert len(view[start : start + len(run)].split()) <= 3
    assert view[start : start + len(run)].strip() != ""


@pytest.mark.parametrize("text", NORMAL)
def test_ordinary_text_reaches_the_models_unchanged(text: str) -> None:
    assert _defused(text) == text


def test_three_repeats_are_not_condensed() -> None:
    assert _defused("a -.-.-. b") == "a -.-.-. b"
    assert _defused("x ig:ig:ig: y") == "x ig:ig:ig: y"


@pytest.mark.parametrize(
    ("text", "secrets", "kept"),
    [
        ("ig:" * 80 + " Maria Lopez said she is fine", ("Maria", "Lopez"), ("said she is fine",)),
        ("-." * 60 + "\ncall me 713-555-0134 after 5", ("713-555-0134",), ("after 5",)),
        ("|---" * 10 + "|\nshe stays at 4410 Bissonnet St, Houston TX", ("4410 Bissonnet",), ("she stays at",)),
        ("$cash" * 30 + " my girl is 15 years old", ("15 years old",), ("my girl is",)),
        ("@lil" * 40 + " DOB 03/04/2006 for the client", ("03/04/2006",), ("for the client",)),
        ("?!" * 50 + " text her on snap: mariaxo22", ("mariaxo22",), ("text her on",)),
    ],
)
def test_pii_beside_a_pasted_run_is_masked(
    redactor: Redactor, text: str, secrets: tuple[str, ...], kept: tuple[str, ...]
) -> None:
    out = masked(redactor, text)
    for secret in secrets:
        assert secret not in out, (secret, out)
    for word in kept:
        assert word in out, (word, out)


@pytest.mark.parametrize("text", NORMAL)
def test_findings_on_ordinary_text_equal_the_uncondensed_path(
    redactor: Redactor, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    condensed = redactor.detect(text)
    monkeypatch.setattr(engine, "_UNIT_RUN", re.compile(r"(?!)(x)"))
    assert redactor.detect(text) == condensed


# ``precision._said_not_a_person`` settles a window without "no" or "eudonym" without its two regex scans (issue 17).
_SAID = [
    "Marion is the county, not a person lol",
    "Doral, Hialeah, Medley are cities, NOT people",
    "no suspect named Irving in the file",
    "NOBODY NAMED Grant there (the county, not a guy named Grant)",
    "Singh and Kaur alone are Not Identifying",
    "Ruby is a PSEUDONYM only as filed",
    "Ruby is a pſeudonym only as filed",
    "Maria said she is fine. Then no one called Lopez back",
    "Maria Lopez is 17, call her tomorrow",
    "Grant Street is closed; Irving said he knows",
    "the client Marisol Vega. " + "x" * 170 + " not a person",
]


def _said_reference(text: str, start: int, end: int) -> bool:
    from redaction.precision import _NOT_A_PERSON_SAID, _SENTENCE_END

    sentence_start = max(0, start - 160)
    for match in _SENTENCE_END.finditer(text, sentence_start, start):
        sentence_start = match.end()
    sentence_end = _SENTENCE_END.search(text, end, end + 160)
    stop = sentence_end.start() if sentence_end else end + 160
    return _NOT_A_PERSON_SAID.search(text, sentence_start, stop) is not None


@pytest.mark.parametrize("text", _SAID)
def test_the_not_a_person_check_equals_its_full_scan(text: str) -> None:
    from redaction.precision import _said_not_a_person

    for match in re.finditer(r"[A-Z][a-z]+", text):
        assert _said_not_a_person(text, match.start(), match.end()) == _said_reference(
            text, match.start(), match.end()
        ), (text, match.group(0))


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("Lafayette is the county, not a person. the client is Marisol Vega", "Marisol Vega", "Lafayette"),
        ("Monaghan is the county not a person btw. Maria Lopez called", "Maria Lopez", "Monaghan"),
    ],
)
def test_a_word_said_to_be_no_person_stays_readable(redactor: Redactor, text: str, secret: str, kept: str) -> None:
    out = masked(redactor, text)
    assert secret not in out and kept in out, out


def test_a_model_span_on_the_kept_unit_covers_the_whole_run() -> None:
    from redaction.engine import _condensed, _mapped_back

    text = "x " + "@ab" * 6 + " Maria"
    view, runs = _condensed(text)
    assert runs == [(2, 5, 20)] and view == "x @ab" + " " * 15 + " Maria"
    # a span over the unit reaches the run's end; one elsewhere keeps its offsets
    assert _mapped_back([(2, 5, "HANDLE"), (21, 26, "PERSON")], runs) == [(2, 20, "HANDLE"), (21, 26, "PERSON")]
    assert _mapped_back([(0, 3, "HANDLE")], runs) == [(0, 20, "HANDLE")]
    assert _mapped_back([(0, 1, "PERSON")], runs) == [(0, 1, "PERSON")]
    assert _mapped_back([(1, 2, "PERSON")], []) == [(1, 2, "PERSON")]


def test_runs_are_mapped_back_in_order_of_the_text() -> None:
    from redaction.engine import _condensed, _mapped_back

    text = "-." * 5 + " Ana " + "ig:" * 5 + " Lu " + "+44" * 4
    view, runs = _condensed(text)
    assert len(view) == len(text) and len(runs) == 3
    for unit_start, unit_end, run_end in runs:
        assert _mapped_back([(unit_start, unit_end, "X")], runs) == [(unit_start, run_end, "X")]
        assert text[unit_start:run_end] == text[unit_start:unit_end] * ((run_end - unit_start) // (unit_end - unit_start))
