"""Issue 17, second round: names in other scripts completed and masked everywhere, a repeated name part completed,
place-named people kept on evidence, lower-case lexicon names still sent to NER, and the training-data generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import Redactor
from redaction.completion import complete_names, repeated
from redaction.data.generate_pii_messages import Generator, load_templates
from redaction.engine import has_name_candidate
from redaction.findings import PERSON, Finding
from redaction.names import is_place
from redaction.tagger import tagger_person

from .conftest import masked


def _any_word(_word: str) -> bool:
    return True


def _grown(text: str, part: str) -> str:
    start = text.index(part)
    found = Finding(start, start + len(part), PERSON, 0.85, "ner")
    spans = [(f.start, f.end) for f in complete_names(text, [found], _any_word)] or [(found.start, found.end)]
    start, end = max(spans, key=lambda span: span[1] - span[0])
    return text[start:end]


@pytest.mark.parametrize(
    ("text", "part", "whole"),
    [
        # a short island of Cyrillic, Georgian, Hebrew or Arabic script in other text: the whole island
        ("ok so ზინა ჯოხაძე said her cousin is 15", "ჯოხაძე", "ზინა ჯოხაძე"),
        ("booking says 19 → איה חיימוב, DOB 2/2/2004", "חיימוב", "איה חיימוב"),
        ("she's كوثر تنزیلی, DOB 1/2/2001", "تنزیلی", "كوثر تنزیلی"),
        ("CHILD: Марина Удовиченко / AGE 9", "Марина", "Марина Удовиченко"),
        # a long Cyrillic sentence: only the capitalised neighbours
        ("моя донька Ганна Колесниченко залишилась у бабусі в Харкові сьогодні", "Ганна", "Ганна Колесниченко"),
        # a capitalised particle before a found name
        ("sent to Le Ngoc Hoa yesterday", "Ngoc Hoa", "Le Ngoc Hoa"),
        ("DL OCR: LE MINH HOA / DOB 1/2/99", "MINH HOA", "LE MINH HOA"),
    ],
)
def test_a_found_part_takes_the_rest_of_the_name_in_any_script(text: str, part: str, whole: str) -> None:
    assert _grown(text, part) == whole


def test_script_completion_does_not_take_a_whole_sentence_or_function_words() -> None:
    text = "моя донька Ганна залишилась у бабусі в Харкові сьогодні вранці"
    assert _grown(text, "Ганна") == "Ганна"
    assert _grown("الضحية اسمها فاطمة في المستشفى", "فاطمة") == "فاطمة"


@pytest.mark.parametrize(
    ("text", "name", "again"),
    [
        ("[a]: אוחנה כהן: SSN on file / ask אוחנה about it", "אוחנה כהן", "אוחנה"),
        ('contact saved as "داوود سلیمی" / (داوود was scared)', "داوود سلیمی", "داوود"),
        ("she is मालचन्द शर्मा (Mal) / ask मालचन्द about it", "मालचन्द शर्मा", "मालचन्द"),
    ],
)
def test_a_name_in_a_caseless_script_is_found_at_every_occurrence(text: str, name: str, again: str) -> None:
    start = text.index(name)
    found = Finding(start, start + len(name), PERSON, 0.85, "ner")
    repeats = {(f.start, f.end) for f in repeated(text, [found])}
    position = text.rindex(again)
    assert (position, position + len(again)) in repeats


def test_an_indic_name_word_is_not_matched_inside_another_word() -> None:
    text = "मालचन्द said / मालचन्दी is someone else"
    found = Finding(0, len("मालचन्द"), PERSON, 0.85, "ner")
    assert repeated(text, [found]) == []


def test_a_name_part_found_again_takes_its_neighbours_there(redactor: Redactor) -> None:
    out = masked(redactor, 'Dex said to call him. he told her to save his number as "Dex Huel" and it is on file')
    assert "Dex" not in out and "Huel" not in out


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Austin (the boyfriend, not the city) says he'll testify", "Austin"),
        ('V says the "landlord" Mr. Park collects the rent in cash every sunday', "Park"),
        ("Temple PD update: Whitfield got popped on a traffic stop in Belton last night", "Whitfield"),
        ("Can someone from legal aid call Pemba back today?", "Pemba"),
        ("detective O'Brien has the phone dump", "O'Brien"),
    ],
)
def test_a_person_named_like_a_place_is_kept_on_evidence(redactor: Redactor, text: str, name: str) -> None:
    assert name not in masked(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "the Austin team meets on Tuesday",
        "she was placed in Aurora last week",
        "two trainings in Chandler and Tempe next month",
    ],
)
def test_places_stay_places_without_person_evidence(text: str) -> None:
    for word in ("Austin", "Aurora", "Chandler"):
        if word in text:
            start = text.index(word)
            assert is_place(text, start, start + len(word))


def test_lower_case_lexicon_names_still_go_to_ner() -> None:
    # NER's PERSON spans in lower case are kept when a word is in the name lists, so such text must reach NER
    assert has_name_candidate("client identified her trafficker as daniel ray hutchins")
    assert has_name_candidate("nguyen thi lan was at the massage place")
    assert not has_name_candidate("thanks all, see you at 3 for the garden walk")


def test_generator_is_deterministic_and_labels_what_it_writes(tmp_path: Path) -> None:
    templates = [row for row in load_templates(["blind2:dev"]) if row["spans"]][:60]
    runs = []
    for _ in range(2):
        generator = Generator(11)
        runs.append([generator.fill(str(row["text"]), [tuple(s) for s in row["spans"]]) for row in templates])  # type: ignore[misc]
    assert runs[0] == runs[1]
    for (text, spans), row in zip(runs[0], templates, strict=True):
        assert [label for _s, _e, label in spans] == [label for _s, _e, label in sorted(row["spans"])]  # type: ignore[call-overload]
        for start, end, _label in spans:
            assert 0 <= int(start) < int(end) <= len(text) and text[int(start) : int(end)].strip()  # type: ignore[call-overload]
    json.dumps(runs[0])


def test_generator_replaces_a_name_word_the_same_way_at_every_occurrence() -> None:
    text = "Met Maria Lopez today. Later Lopez called, and maria is scared."
    spans = [(4, 15, "PERSON"), (29, 34, "PERSON"), (47, 52, "PERSON")]
    new_text, new_spans = Generator(3).fill(text, spans)
    full, later, lower = (new_text[int(s) : int(e)] for s, e, _label in new_spans)  # type: ignore[call-overload]
    assert later == full.split()[-1]
    assert lower.casefold() == full.split()[0].casefold()


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("the (0) in there is a UK habit, Nigerians just drop it", "Nigerians"),
        ("Sonoma Blvd is in Vallejo, not Sonoma County", "Sonoma Blvd"),
        ("OBN = Oklahoma Bureau of Narcotics", "Oklahoma Bureau"),
        ("이수진 학생 (17살)이 노래방에서", "살)이"),
        ("Խմբային տան աշխատակիցը ասում է", "Խմբային տան"),
    ],
)
def test_tagger_shapes_that_are_not_people_are_dropped(text: str, span: str) -> None:
    start = text.index(span)
    assert tagger_person(text, start, start + len(span)) is None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("CI says they call her Auntie Fang, maybe", "Auntie Fang"),
        ('"tell Ree Ree she better not talk to nobody"', "Ree Ree"),
        ("Тетяна, дружина Романа, каже що документи вже відправили поштою", "Тетяна"),
        ("մայրը զանգեց, Անի Հովհաննիսյան անունով աղջիկը", "Անի Հովհաննիսյան"),
        ("Precious was there with her cousin", "Precious"),
        ("the younger one Han So-ra (한소라)", "Han So-ra"),
    ],
)
def test_tagger_names_that_look_like_those_shapes_stay(text: str, span: str) -> None:
    start = text.index(span)
    assert tagger_person(text, start, start + len(span)) is not None


def test_ner_still_runs_when_it_could_grow_a_covered_name() -> None:
    # the lexicon rule covers "nguyen"; NER's PERSON span "nguyen thi lan" is longer, so the line must reach NER
    text = "nguyen thi lan was at the massage place"
    assert has_name_candidate(text, 0, [(0, 6)])
    # a name the rules cover whole, with only common words beside it, does not
    assert not has_name_candidate("Maria Lopez was at the shelter", 0, [(0, 11)])


def test_a_name_longer_than_the_rule_finding_is_masked_whole(redactor: Redactor) -> None:
    out = masked(redactor, "nguyen thi lan was at the massage place")
    assert "thi" not in out and "lan" not in out


def test_generated_clean_negatives_swap_places_only_and_put_no_listed_name_where_names_stand() -> None:
    """The clean training messages (issue 17: what sank the first generated-data tagger was too little clean text)
    must stay clean: a place-swapped template keeps its people and its ordinary words, and the capitalised words the
    frames put where a name usually stands are never a name (or they would teach "Precious" is no name)."""
    import random

    from redaction.data.generate_pii_messages import APODOS, NICKNAMES, Negatives, _everyday_sample
    from redaction.vocabulary import AMBIGUOUS_FIRST_NAMES, first_names, last_names

    words = sorted(_everyday_sample())
    listed = first_names() | last_names() | AMBIGUOUS_FIRST_NAMES
    listed |= {part.casefold() for nickname in NICKNAMES + APODOS for part in nickname.split()}
    assert not listed & set(words)
    assert {"lucky", "peaches", "chuy", "memo", "precious", "blessing", "godswill", "candy"}.isdisjoint(words)
    runs = []
    for _ in range(2):
        negatives = Negatives(random.Random(5), words)
        text = "Maria said the Houston and Bakersfield tips are duplicates, Routine check tomorrow"
        runs.append([negatives.swap_places(text) for _ in range(20)] + [negatives.frame() for _ in range(50)])
    assert runs[0] == runs[1]
    for swapped in runs[0][:20]:
        assert swapped.startswith("Maria said the ") and swapped.endswith(" tips are duplicates, Routine check tomorrow")
        assert "Houston" not in swapped and "Bakersfield" not in swapped
