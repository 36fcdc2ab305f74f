"""Issue 17: names masked whole, every occurrence masked, bounded time on hostile input, fewer false alarms."""

from __future__ import annotations

import time

import pytest

from redaction import Redactor
from redaction.completion import repeated
from redaction.findings import HANDLE, Finding

from .conftest import masked


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ("Met Maria Lopez at the shelter. Later Lopez called again.", ["Lopez"]),
        ("Met Maria Lopez at the shelter. Later LOPEZ called, lopez is scared.", ["LOPEZ", "lopez"]),
        ("her name is maria j lopez and she is 17", ["lopez", " j "]),
        ("Nguyen Thi Lan (阮氏蘭) arrived monday", ["阮氏蘭", "Thi", "Lan"]),
        ("阮氏蘭 (Nguyen Thi Lan) arrived", ["阮氏蘭"]),
        ("T. H. Pham was seen with Juan de la Cruz", ["Pham", "T.", "Cruz"]),
        ("Omar al-Rashid and Maria Cristina dela Cruz and Jose delos Santos", ["Rashid", "Cruz", "Santos"]),
        ('goes by "Big Mike" on the street', ["Big", "Mike"]),
        ("الضحية اسمها فاطمة بنت محمد العلي في المستشفى", ["فاطمة", "محمد", "العلي"]),
    ],
)
def test_a_found_name_is_masked_whole_and_everywhere(redactor: Redactor, text: str, leaks: list[str]) -> None:
    out = masked(redactor, text)
    for leak in leaks:
        assert leak not in out, out


def test_completion_stops_at_ordinary_words_and_places(redactor: Redactor) -> None:
    out = masked(redactor, "Maria Lopez went to Marion County PD with the caseworker on Tuesday")
    assert "Marion County PD" in out and "caseworker" in out and "Tuesday" in out


def test_a_word_that_is_also_a_name_is_masked_only_as_written(redactor: Redactor) -> None:
    out = masked(redactor, "Precious was there. it was precious time.")
    assert out.startswith("[PERSON]") and "precious time" in out


def test_a_card_found_once_is_masked_in_every_chunk_of_a_long_message(redactor: Redactor) -> None:
    filler = "routine notes about scheduling and nothing else here at all. " * 60
    text = f"card 4111 1111 1111 1111 used. {filler}\nref x4111 1111 1111 1111y {filler}\nthen 4111 1111 1111 1111"
    out = masked(redactor, text)
    assert "4111" not in out


def test_a_name_found_in_one_chunk_is_masked_in_the_others(redactor: Redactor) -> None:
    filler = "routine notes about scheduling and nothing else here at all.\n" * 80
    text = f"her name is Xiomara Quintanilla.\n{filler}Quintanilla called back.\n{filler}ask Quintanilla"
    out = masked(redactor, text)
    assert "Quintanilla" not in out


@pytest.mark.parametrize(
    "text",
    [
        "Routine update (3) from the night shift: two tips triaged, both closed.",
        "Agenda (1) intake backlog (2) shelter beds (3) training dates",
        "Kill-1 and Kill-2 sweeps are postponed to next month.",
        "Recap (7): Sweep-4 is on hold; OP-3 wraps up Sunday.",
        "Interpreter schedule: Spanish Mon/Wed, Vietnamese Tue, Tagalog Thu.",
        "Thu 2pm on-call rotation, Fri 9am intake backlog",
        "Heads up: the MOU renewal moved to Monday at noon, room 233.",
        "For after-hours tips use 1-800-422-4453; the duty officer checks the queue.",
    ],
)
def test_clean_coordination_is_not_masked(redactor: Redactor, text: str) -> None:
    assert redactor.detect(text) == [], masked(redactor, text)


def test_people_beside_list_numbers_still_found(redactor: Redactor) -> None:
    out = masked(redactor, "Precious (17) and girl in photo (16) per ad; Thu Nguyen called")
    assert "17" not in out and "16" not in out and "Nguyen" not in out


def test_a_long_message_of_ordinary_sentences_is_not_full_of_names(redactor: Redactor) -> None:
    sentences = [
        "Routine update on the grant.", "Reminder that reports are due.", "Budget review moved to Friday.",
        "Training starts at 9.", "Outreach went well today.", "Shelter beds are limited.", "Status is unchanged.",
    ]  # fmt: skip
    text = "\n".join(sentences[i % len(sentences)] for i in range(3600))
    assert len(text) > 90_000
    people = [f for f in redactor.detect(text) if f.label == "PERSON"]
    assert len(people) <= 5


@pytest.mark.parametrize(
    "text",
    [
        "$" * 4000,
        "(" * 2000 + "x" + ")" * 2000,
        "#" * 20_000,
        "7" * 100_000,
        "+1" * 20_000,
    ],
)
def test_hostile_input_takes_bounded_time(redactor: Redactor, text: str) -> None:
    # A generous bound (the benchmark, benchmarks/adversarial_bench.py, measures ms/KB): before issue 17 4,000 "$"
    # took over a second and 2,000 nested brackets were quadratic.
    started = time.process_time()
    redactor.detect(text)
    assert time.process_time() - started < max(1.0, len(text) / 1024 * 0.1)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her number is 8three2 five5five 01three4 ok", "8three2"),
        ("número: siete uno tres cinco cinco cinco cero uno tres cuatro", "siete uno tres"),
        ("her number oh seven four five two, nine one one, three eight six — so", "oh seven"),
        ("uk mobile 07452 911 386 after 6", "07452"),
        ("Büro 05242 931 40", "05242"),
        ("swiss 0041 79 123 45 67", "79 123"),
        ("Mobile: +44 7700 900123", "7700"),
    ],
)
def test_numbers_in_words_digits_and_foreign_formats(redactor: Redactor, text: str, secret: str) -> None:
    assert secret not in masked(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "one of the two girls had three kids, five or six years apart",
        "o sea, uno dos o tres chicas",
        "case 0412 2026 118 filed",
    ],
)
def test_ordinary_number_words_and_case_numbers_stay(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("placas ugr-81-22 (Puebla)", "ugr-81-22"),
        ("red altima plates sh mfp 2281 or so", "mfp 2281"),
        ("ran mfp2281, no hit in TX", "mfp2281"),
        ("Plate from the surveillance last night: DKR 4417, MI.", "DKR 4417"),
        ("black Passat w/ RO plates IS 07 KXR", "07 KXR"),
    ],
)
def test_plates_after_a_cue_in_any_case(redactor: Redactor, text: str, plate: str) -> None:
    assert plate not in masked(redactor, text)


def test_initials_abbreviations_and_vowel_signs_stay_inside_names(redactor: Redactor) -> None:
    out = masked(redactor, "cooks: Ram Bahadur Thapa (राम बहादुर थापा); teachers: Ma. Luisa Ocampo; Tek Bahadur B.K.")
    assert "ा" not in out and "Ma." not in out and "B.K" not in out and "." not in out.split(";")[-1]


def test_every_occurrence_of_hundreds_of_found_strings_is_masked() -> None:
    # 600 distinct found strings, each written again later: all are searched (the old fixed cap stopped at 400).
    handles = [f"@zq{index:04d}x" for index in range(600)]
    first = " ".join(handles)
    text = f"{first}\n{first}"
    findings = [Finding(i * 9, i * 9 + 8, HANDLE, 0.9, "handle") for i in range(600)]
    assert all(text[f.start : f.end] == handles[i] for i, f in enumerate(findings))
    again = {(f.start, f.end) for f in repeated(text, findings)}
    assert again == {(len(first) + 1 + i * 9, len(first) + 1 + i * 9 + 8) for i in range(600)}


def test_a_number_found_in_brackets_is_masked_where_it_is_written_bare(redactor: Redactor) -> None:
    out = masked(redactor, "ref 713-555-0078 again\nthanks all\n(713-555-0078)\nref 713-555-0078 again")
    assert "0078" not in out


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ('both cooks call the boss "Lao Feng", no real name yet', ["Lao", "Feng"]),
        ('FB return: display name "Ty Rollinz", vanity ty.rollinz.9', ["Ty ", "Rollinz"]),
        ('one goes by "Sweet Mother" on WhatsApp', ["Sweet", "Mother"]),
        ("seaman Ly Van Thoai (Thoai Do), 26, came on H-2B", ["Do)", "Thoai"]),
    ],
)
def test_a_quoted_or_bracketed_name_is_masked_whole(redactor: Redactor, text: str, leaks: list[str]) -> None:
    out = masked(redactor, text)
    for leak in leaks:
        assert leak not in out, out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the uncle Tran Van Minh (Uncle Minh) called twice", "Uncle"),
        ('contact saved as "Boss Lam", number withheld', "Boss"),
        ("TAT (Truckers Against Trafficking) phoned it in", "Truckers Against"),
    ],
)
def test_titles_and_organisations_in_quotes_or_brackets_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in masked(redactor, text)


def test_the_other_members_of_a_list_of_names_are_names(redactor: Redactor) -> None:
    out = masked(redactor, "street names in her phone: Natasha, Brianna, Sugar, Marisol — all with the same number")
    assert "Sugar" not in out and "Natasha" not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Chandler, Gilbert and Mesa PDs joined the op, Tempe is sitting this one out",
        "Madison, Jackson and Lawrence counties all reported zero",
        "boss is Jan or Pieter, Dutch accent",
    ],
)
def test_places_and_modifiers_in_a_list_are_not_names(redactor: Redactor, text: str) -> None:
    out = masked(redactor, text)
    for word in ("Mesa", "Lawrence", "Dutch"):
        if word in text:
            assert word in out, out


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ("fixed the reversed rows: Okonkwo, Chidinma / Mensah, Kwabena", [","]),
        ("APIS list:\nVELASQUEZ ROJAS/MARIBEL\nCASTILLO/ANA LUCIA", ["/"]),
        ("inmate Darnell Whitaker Jr. called his sister twice", ["Jr."]),
    ],
)
def test_a_name_written_surname_first_is_masked_with_its_comma_or_slash(
    redactor: Redactor, text: str, leaks: list[str]
) -> None:
    out = masked(redactor, text)
    for leak in leaks:
        assert leak not in out, out


def test_the_commas_of_a_list_of_names_stay(redactor: Redactor) -> None:
    out = masked(redactor, "workers Ivan Petrenko, Oleh Marchuk and Taras Bondar, all from Lviv")
    assert out.count(",") == 2, out
