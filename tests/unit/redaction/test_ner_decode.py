"""The engine's NER decoder finds exactly the entities spaCy's own decoder finds, with the same model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import Redactor
from redaction.engine import _defused
from redaction.ner_decode import FastNer

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

# Shapes that exercise each transition: multi-token entities (B, I, L), single tokens (U), entities at the first
# and last token, whitespace and newline tokens (no entity may start there), back-to-back entities, empty text.
EDGE_CASES = [
    "",
    " ",
    "\n\n",
    "Maria",
    "Maria Lopez",
    "met Maria Guadalupe Lopez Hernandez",
    "Maria Lopez\nJohn Smith\n\nAna",
    "Call   Maria    Lopez  at 713-555-0134 on Monday, March 3rd 2025",
    "Nguyen Thi Lan, Tran Van Minh and Pham Thi Hoa met HSI agents in Houston, Texas.",
    "$$$ (( [ Maria ] )) @@@ 0 1 7",
    "LOPEZ MARIA DOB 01/02/2003 apt 4B 4410 Bissonnet St Houston TX 77005",
]


def _spacy_entities(redactor: Redactor, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in redactor.nlp.pipe(texts)]


def test_the_installed_model_is_decoded_by_the_fast_path(redactor: Redactor) -> None:
    assert FastNer.supports(redactor.nlp)


def test_edge_cases_give_spacys_entities(redactor: Redactor) -> None:
    fast = FastNer(redactor.nlp)
    assert fast.entities(EDGE_CASES) == _spacy_entities(redactor, EDGE_CASES)
    # one at a time as well as batched: a text's entities do not depend on its batch
    assert [fast.entities([text])[0] for text in EDGE_CASES] == _spacy_entities(redactor, EDGE_CASES)


@pytest.mark.parametrize("corpus", ["corpus.jsonl", "clean/clean.jsonl"])
def test_labelled_messages_give_spacys_entities(redactor: Redactor, corpus: str) -> None:
    rows = [json.loads(line) for line in (CORPUS / corpus).read_text(encoding="utf-8").splitlines() if line]
    texts = [_defused(str(row["text"])) for row in rows]
    fast = FastNer(redactor.nlp)
    got = [found for i in range(0, len(texts), 64) for found in fast.entities(texts[i : i + 64])]
    expected = _spacy_entities(redactor, texts)
    assert sum(map(len, expected)) > 100  # the comparison covers many entities, not a corpus of empty results
    assert got == expected
