"""A message whose per-finding passes would overspend the work budget (``engine.PERSON_WORK_PER_KB``) is masked whole,
line by line: the budget fails closed, so it masks more than the passes would, never less."""

from __future__ import annotations

import pytest

from redaction import Redactor, engine


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
