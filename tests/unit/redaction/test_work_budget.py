"""A message whose per-finding passes would overspend the work budget (``engine.PERSON_WORK_PER_KB``) is masked whole,
line by line: the budget fails closed, so it masks more than the passes would, never less."""

from __future__ import annotations

import pytest

from redaction import Redactor, engine, precision
from redaction.findings import PERSON, PHONE, Finding
from redaction.normalise import Normalised


def _masked_characters(text: str, redactor: Redactor) -> set[int]:
    return {i for f in redactor.detect(text) for i in range(f.start, f.end)}


def test_a_name_in_every_word_is_masked_whole_line_by_line(redactor: Redactor) -> None:
    given = "Maria Ana Lucia Thu Svetlana Fatima Amina Olena Rosa Leticia Imani Keisha Priya Irina".split()
    lines = [" ".join(f"Chị {given[(i * 7 + j) % len(given)]}" for j in range(40)) for i in range(30)]
    text = "\n".join(lines) + "\n"
    findings = redactor.detect(text)
    assert {f.source for f in findings} == {"over_budget"}
    assert [text[f.start : f.end] for f in findings] == lines  # every line whole, the line breaks kept


def test_an_ordinary_long_message_stays_within_the_budget(redactor: Redactor) -> None:
    line = "Met with Maria Lopez at 4410 Bissonnet St, call 713-555-0199. Meeting at 3pm with HSI.\n"
    findings = redactor.detect(line * 400)
    assert findings and all(f.source != "over_budget" for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "Client Maria Lopez (17) called 713-555-0134 from the Motel 6 on Beltway 8, room 118.\n"
        "  Her sister Ana Lopez and \"Big Mike\" Hernandez drove her; DOB 3/4/2006, ig: @lil_maria.",
        "Rosa, Ana and Lucia met Svetlana at St. Jude's; Austin RAC says Thu 2pm.",
    ],
)
def test_over_budget_masks_every_character_the_passes_mask(
    redactor: Redactor, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    within = _masked_characters(text, redactor)
    monkeypatch.setattr(engine, "PERSON_WORK_PER_KB", 0)
    over = redactor.detect(text)
    assert {f.source for f in over} == {"over_budget"}
    assert within and within <= {i for f in over for i in range(f.start, f.end)}
    assert all(text[i].isspace() for i in range(len(text)) if not any(f.start <= i < f.end for f in over))


def test_a_message_over_the_budget_before_the_filters_is_never_judged(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rules' and the models' findings are spent ahead for the final passes, so a name in every word trips the
    # budget before any finding is judged by the false-alarm rules or looked up among the places.
    def judged(*_args: object) -> bool:
        raise AssertionError("a finding was judged after the budget was spent")

    monkeypatch.setattr(precision, "false_alarm", judged)
    monkeypatch.setattr(engine, "is_place", judged)
    text = " ".join(f"Chị {name}" for name in ("Maria", "Thu", "Svetlana", "Imani") * 500)
    findings = redactor.detect(text)
    assert [(f.start, f.end, f.source) for f in findings] == [(0, len(text), "over_budget")]


def test_spent_ahead_is_settled_to_what_the_passes_take() -> None:
    person = Finding(0, 5, PERSON, 0.9, "ner")
    phone = Finding(6, 18, PHONE, 0.9, "phone")
    work = engine._Work("x")
    start = work.left
    assert work.spend([person, person, phone])
    assert work.reserve("later", [person, person, phone])  # the later pass expected to take both names
    assert work.left == start - 4
    assert work.reserve("later", [person, person, person])  # a new forecast replaces the first
    assert work.left == start - 5
    assert work.settle("later", [person])  # it took one: two given back
    assert work.left == start - 2 - 1
    assert work.settle("other", [person, person], times=2)  # nothing reserved: a plain spend
    assert work.left == start - 3 - 4
    assert not work.spend([person] * int(work.left + 1))


def test_a_forecast_over_the_budget_masks_whole_before_the_models_run(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Maria Lopez" 2,000 times: the rules find a few hundred names, and each would be found again at every other
    # occurrence -- the forecast of that search spends the budget before NER and the tagger see the text.
    seen: list[str] = []
    ner, tagged = type(redactor)._ner_people, type(redactor)._tagged

    def ner_people(self: Redactor, normalised: list[Normalised], rules: object) -> object:
        seen.extend(norm.text for norm in normalised)
        return ner(self, normalised, rules)  # type: ignore[arg-type]

    def tagger(self: Redactor, normalised: list[Normalised]) -> object:
        seen.extend(norm.text for norm in normalised)
        return tagged(self, normalised)

    monkeypatch.setattr(type(redactor), "_ner_people", ner_people)
    monkeypatch.setattr(type(redactor), "_tagged", tagger)
    text = "Maria Lopez " * 2000
    assert [(f.start, f.end, f.source) for f in redactor.detect(text)] == [(0, len(text) - 1, "over_budget")]
    assert seen and not any(seen)  # the models got nothing to read



def test_the_every_occurrence_search_looks_for_each_string_once_per_message() -> None:
    # The budget's forecasts and the final passes search one message for mostly the same strings: each is searched
    # for once per message (``completion.Occurrences``), and the findings are those of a fresh search.
    from redaction import completion

    class Counting(completion.Occurrences):
        searches = 0

        def of(self, needle: str, folded: bool) -> list[int]:
            Counting.searches += (needle, folded) not in self._at
            return super().of(needle, folded)

    text = "Maria Lopez called. MARIA said maria lopez would come; Lopez, Maria. Call 713-555-0134, 713-555-0134."
    phone = text.index("713")
    first = [Finding(0, 11, PERSON, 0.9, "ner"), Finding(phone, phone + 12, PHONE, 0.9, "phone")]
    second = [*first, Finding(20, 25, PERSON, 0.9, "name_lexicon")]
    occurrences = Counting(text)
    assert completion.repeated(text, first, occurrences) == completion.repeated(text, first)
    searched = Counting.searches
    assert searched >= 3  # "Maria", "Lopez", "Maria Lopez", the phone number
    assert completion.repeated(text, second, occurrences) == completion.repeated(text, second)
    assert completion.repeated(text, first, occurrences) == completion.repeated(text, first)
    assert Counting.searches == searched + 1  # only "MARIA" was new ("maria" is also a word: matched as written)
    assert occurrences.of("lopez", True) == [6, 37, 55]
