"""The statistical tagger's output is decoded robustly and filtered to spans with the shape of their label."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from redaction import RedactionSettings, Redactor
from redaction.patterns import address_head_start, address_tail_end, age_end, date_span
from redaction.tagger import BUILTIN_PII_MODEL, plausible, tagged_spans, worth_tagging


def doc_with_tags(words: list[str], tags: list[str]) -> Doc:
    return Doc(Vocab(), words=words, tags=tags)


def spans_of(words: list[str], tags: list[str]) -> list[tuple[str, str]]:
    doc = doc_with_tags(words, tags)
    return [(doc.text[start:end], label) for start, end, label in tagged_spans(doc)]


def test_well_formed_biluo_tags_become_spans() -> None:
    words = ["LKA", "4410", "Bissonnet", "St", "w/", "Maria", ",", "16"]
    tags = ["O", "B-ADDRESS", "I-ADDRESS", "L-ADDRESS", "O", "U-PERSON", "O", "U-AGE"]
    assert spans_of(words, tags) == [("4410 Bissonnet St", "ADDRESS"), ("Maria", "PERSON"), ("16", "AGE")]


def test_broken_sequences_are_repaired_not_dropped() -> None:
    # A span the classifier never closed ends at the next O; an I- without a B- still starts a span; a label change
    # in mid-span starts a new one.
    words = ["at", "lot", "22", "near", "her", "mom", "Rosa", "Lima", "today"]
    tags = ["O", "B-ADDRESS", "I-ADDRESS", "O", "O", "O", "I-PERSON", "B-ADDRESS", "O"]
    assert spans_of(words, tags) == [("lot 22", "ADDRESS"), ("Rosa", "PERSON"), ("Lima", "ADDRESS")]


@pytest.mark.parametrize(
    ("label", "text", "expected"),
    [
        ("PHONE", "( 7 2 5 ) 3 0 2 - 1 1 9 8", True),
        ("PHONE", "3:24-cr-00188", True),  # 9 digits: the shape alone cannot tell a docket number
        ("PHONE", "151-166", False),
        ("PHONE", "nine one four", False),
        ("AGE", "sixteen", True),
        ("AGE", "15 YOA", True),
        ("AGE", "NAME=(withheld", False),
        ("AGE", "1200", False),
        ("DOB", "Jan-Jun / Jul", False),
        ("DOB", "23-Aug-2006", True),
        ("DOB", "02-04", False),  # an hour range in a call summary
        ("DOB", "4/2/07", True),
        ("ADDRESS", "Lot 22, Happy Hollow MHP", True),
        ("ADDRESS", "7742 Township Rd 606", True),
        ("ADDRESS", "212 incoming txns Jan", False),
        ("ADDRESS", "Pacific Hwy S near SeaTac", False),
        ("ADDRESS", "Dec 3, courtroom 14A, 1:30pm", False),
        ("HANDLE", "lilmama_skye", True),
        ("HANDLE", "pending_review", False),
        ("HANDLE", "$300.00", False),
        ("HANDLE", "AD_ID\tSITE", False),
        ("PHONE", "2025-01-17,03:14:22,00:02:41,2145550178,4695550392", False),
        ("DOB", "17,03:14:22,00:02:41,2145550178", False),  # a call-log row, not a birth date
        ("CREDIT_CARD", "4111 1111", False),
    ],
)
def test_only_spans_shaped_like_their_label_are_kept(label: str, text: str, expected: bool) -> None:
    assert plausible(label, text) is expected


def test_tagger_findings_are_merged_with_the_rules(redactor: Redactor) -> None:
    """A span both the rules and the tagger find is reported once, by the more specific rule."""
    findings = redactor.detect("call her at 713-555-0199 tonight")
    assert [(f.label, f.source) for f in findings] == [("PHONE", "phone")]


@pytest.mark.parametrize(
    ("text", "end_after"),
    [
        ("she is at 12 Calle Luna, Barrio Lourdes, San Salvador. ok?", "San Salvador"),
        ("4410 Bissonnet St, Houston, TX 77005, then we left", "TX 77005"),
        ("Unit 9, 88 Roxas Blvd, Malate, Manila\nnext line", "Manila"),
    ],
)
def test_an_address_takes_its_locality_parts(text: str, end_after: str) -> None:
    first_comma = text.index(",")
    assert text[: address_tail_end(text, first_comma)].endswith(end_after)


def test_an_address_tail_stops_at_a_sentence() -> None:
    text = "4410 Bissonnet St, she moved out, Maria said"
    assert address_tail_end(text, text.index(",")) == text.index(",")


def test_an_address_word_before_a_tagged_span_belongs_to_it() -> None:
    text = "mom lives at Av. Madero Poniente 1140"
    assert text[address_head_start(text, text.index("Madero")) :] == "Av. Madero Poniente 1140"
    assert address_head_start("near Madero 1140", 5) == 5


def test_plain_lower_case_chat_skips_the_tagger() -> None:
    assert not worth_tagging("ok thanks all, see you tmrw at the office")
    for text in ("she is sixteen", "room 4", "Maria called", "@lilbit", "José", "handle sweet_pea"):
        assert worth_tagging(text), text


@pytest.mark.parametrize(
    ("text", "part", "whole"),
    [
        ("tiene catorce años y no habla", "catorce", "catorce años"),
        ("he looks thirty five maybe", "thirty", "thirty five"),
        ("both girls maybe 25-26", "25", "25-26"),
        ("baby is 17 yrs 4 mos? no, 1 yr 4 mos", "17", "17 yrs 4 mos"),
        ("the guy is 20ish", "20", "20ish"),
    ],
)
def test_an_age_found_in_part_is_masked_whole(text: str, part: str, whole: str) -> None:
    start = text.index(part)
    assert text[start : age_end(text, start + len(part))] == whole


@pytest.mark.parametrize(
    ("text", "part", "whole"),
    [
        ("nació el 3 de mayo de 1994 en Cobán", "de mayo de 1994", "3 de mayo de 1994"),
        ("DOB Hunyo 4, 1996 per passport", "1996", "Hunyo 4, 1996"),
        ("fèt 9 novanm 2001 nan Gonayiv", "novanm 2001", "9 novanm 2001"),
    ],
)
def test_a_date_of_birth_found_in_part_is_masked_whole(text: str, part: str, whole: str) -> None:
    start = text.index(part)
    new_start, new_end = date_span(text, start, start + len(part))
    assert text[new_start:new_end] == whole


def test_partial_ages_and_dates_are_completed_in_the_redacted_text(redactor: Redactor) -> None:
    assert "años" not in redactor.redact("la niña Yesenia tiene catorce años").text


def _pipeline_with_meta(tmp_path: Path, **meta: object) -> str:
    """A copy of the shipped tagger whose meta.json also says ``meta`` (the per-label gate and floors)."""
    copy = tmp_path / "pii_model"
    shutil.copytree(BUILTIN_PII_MODEL, copy)
    saved = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    (copy / "meta.json").write_text(json.dumps({**saved, **meta}), encoding="utf-8")
    return str(copy)


def test_a_pipeline_can_keep_only_some_labels_of_its_tagger(tmp_path: Path) -> None:
    """An age only the tagger finds is masked by the shipped tagger and left when its meta trusts PERSON only."""
    text = "the boy, fourteen maybe, was with Tomasz"
    assert Redactor(RedactionSettings(pii_model="builtin")).redact(text).text == (
        "the boy, [AGE] maybe, was with [PERSON]"
    )
    gated = _pipeline_with_meta(tmp_path, trusted_labels=["PERSON"])
    assert Redactor(RedactionSettings(pii_model=gated)).redact(text).text == (
        "the boy, fourteen maybe, was with [PERSON]"
    )


@pytest.mark.parametrize(("floor", "expected"), [(0.5, "[AGE]"), (1.01, "fourteen")])
def test_a_pipeline_can_drop_tagger_spans_below_a_confidence(
    tmp_path: Path, floor: float, expected: str
) -> None:
    """``min_confidence`` per label: a tagger span whose least sure token is below the floor is not used."""
    text = "the boy, fourteen maybe, was with Tomasz"
    pipeline = _pipeline_with_meta(tmp_path, min_confidence={"AGE": floor})
    assert Redactor(RedactionSettings(pii_model=pipeline)).redact(text).text == (
        f"the boy, {expected} maybe, was with [PERSON]"
    )
