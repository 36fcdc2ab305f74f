"""The false-alarm judgement is memoised per message and shared by the recognizers the rules treat alike
(``precision.judged_source``): that is only sound while those rules really do treat them alike, and while a memoised
judgement equals a fresh one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from redaction.findings import PERSON, Finding
from redaction.precision import (
    _ALIKE_PERSON_SOURCES,
    FalseAlarms,
    _false_alarm_in,
    _person_false,
    false_alarm,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# Capitalised words and runs of them, and lower-case word pairs: the shapes the name recognizers report.
_CANDIDATE = re.compile(r"[^\W\d_][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2}")


@pytest.mark.parametrize("corpus", ["corpus.jsonl", "clean/clean.jsonl", "heldout/heldout.jsonl"])
def test_recognizers_judged_alike_give_the_same_verdict_on_every_candidate(corpus: str) -> None:
    rows = [json.loads(line) for line in (CORPUS / corpus).read_text(encoding="utf-8").splitlines() if line]
    checked = flagged = 0
    for row in rows:
        text = row["text"]
        for match in _CANDIDATE.finditer(text):
            verdicts = {_person_false(text, match.start(), match.end(), source) for source in _ALIKE_PERSON_SOURCES}
            assert len(verdicts) == 1, (row["id"], match.start(), match.end())
            checked += 1
            flagged += verdicts == {True}
    assert checked > 1000 and flagged > 20  # many candidates, and the rules did flag some of them


def test_memoised_verdict_equals_a_fresh_one() -> None:
    rows = [json.loads(line) for line in (CORPUS / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line]
    compared = 0
    for row in rows[:200]:
        text = row["text"]
        memo = FalseAlarms(text)
        for match in _CANDIDATE.finditer(text):
            for source in ("ner", "tagger", "repeat", "name_cue", "name_joined"):
                finding = Finding(match.start(), match.end(), PERSON, 0.85, source)
                first = memo(finding)
                _false_alarm_in.cache_clear()
                assert first == false_alarm(text, finding) == memo(finding)
                compared += 1
    assert compared > 1000
