"""Any input completes: huge messages in bounded chunks, and odd Unicode or binary-looking text without crashing."""

from __future__ import annotations

import itertools

import pytest

from redaction import Redactor
from redaction.engine import has_name_candidate, ner_segments, split_for_ner


def test_100kb_message_completes_and_masks_throughout(redactor: Redactor) -> None:
    line = "Met with Maria Lopez at 4410 Bissonnet St, call 713-555-0199. Meeting at 3pm with HSI.\n"
    text = line * (100_000 // len(line) + 1)
    result = redactor.redact(text)
    assert "Maria" not in result.text and "713-555-0199" not in result.text
    assert result.text.count("Meeting at 3pm with HSI.") == text.count("\n")
    assert result.label_counts()["PHONE"] == text.count("\n")


def test_chunks_are_bounded_and_cover_the_text() -> None:
    text = ("word " * 50 + "\n") * 2000
    chunks = split_for_ner(text, 2000, 200)
    assert all(len(chunk) <= 2000 for _offset, chunk in chunks)
    assert chunks[0][0] == 0 and chunks[-1][0] + len(chunks[-1][1]) == len(text)
    for (offset, chunk), (next_offset, _next) in itertools.pairwise(chunks):
        assert next_offset < offset + len(chunk)  # consecutive chunks overlap


def test_chunking_without_any_whitespace_still_bounds_chunks() -> None:
    chunks = split_for_ner("x" * 10_000, 2000, 200)
    assert max(len(chunk) for _offset, chunk in chunks) <= 2000


def test_name_across_a_chunk_boundary_is_masked_whole(redactor: Redactor) -> None:
    filler = "the op went fine and everyone is ok " * 60
    cut = len(filler) - 1
    text = filler[:cut] + " Maria Lopez " + filler
    result = redactor.redact(text)
    assert "Maria" not in result.text and "Lopez" not in result.text


def test_ner_skips_lines_without_a_capitalised_candidate() -> None:
    text = "thanks all, see you at 3\nMet with Maria Lopez\n" * 200
    segments = ner_segments(text, 2000, 200)
    assert all("thanks all" not in segment for _offset, segment in segments)
    assert sum(segment.count("Maria Lopez") for _offset, segment in segments) >= 200


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "🙏🙏🙏",
        "\ud800 lone surrogate \udfff",
        "\x00\x01\x02binary\xff\xfe" * 50,
        "ÐÑÒ\x8f\x9f" * 1000,
        "مرحبا Привет 你好 Maria",
        "\u200b" * 5000,
        "1" * 50_000,
        "@" * 20_000,
        ("a@b." * 5000),
        "1 " * 30_000,
    ],
)
def test_odd_input_does_not_crash(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert isinstance(result.text, str)
    result.text.encode("utf-8")  # lone surrogates were replaced, so the output can always be written


def test_empty_text_has_no_findings(redactor: Redactor) -> None:
    assert redactor.redact("").findings == ()


def test_redact_many_keeps_order(redactor: Redactor) -> None:
    texts = ["Maria called", "meeting at 3", "713-555-0199"] * 50
    results = redactor.redact_many(texts)
    assert [r.text for r in results[:3]] == ["[PERSON] called", "meeting at 3", "[PHONE]"]
    assert len(results) == len(texts)


def test_ner_skips_a_line_whose_candidates_a_rule_already_covers() -> None:
    text = "met with Zyxwa Plonk today"
    assert has_name_candidate(text)
    assert not has_name_candidate(text, 0, [(9, 20)])
    assert has_name_candidate(text, 0, [(9, 14)])  # "Plonk" is still open
    assert ner_segments(text, 2000, 200, [(9, 20)]) == []


def test_a_long_line_sends_only_its_pieces_with_a_candidate_to_ner() -> None:
    # One 40 KB line whose every capitalised word a rule covers, but for one name at its very end: only the piece
    # holding that name goes to NER, not all twenty (issue 17: 100 KB of repeated addresses cost 34 ms/KB in NER).
    text = "123 main st apt 4 " * 2200 + "Zyxwa"
    segments = ner_segments(text, 2000, 200)
    assert len(segments) == 1
    offset, segment = segments[0]
    assert segment.endswith("Zyxwa") and offset + len(segment) == len(text)


def test_a_repeated_block_gets_the_same_findings_in_every_repetition(redactor: Redactor) -> None:
    # Whole-message consistency across chunks: each repetition of a pasted block (in its own chunk) is masked alike.
    block = (
        "Spoke to Xiomara Quintanilla today, card 4111 1111 1111 1111, cell 713-555-0142, DOB 3/4/2001. "
        "Her cousin Mai Linh Tran (19) stays at 4410 Bissonnet St Apt 12.\n"
        + "Routine notes about scheduling and nothing else here at all.\n"
        * 30
    )
    text = block * 12
    assert len(text) > 10 * 2000
    findings = redactor.detect(text)
    per_block = [
        [
            (f.start - k * len(block), f.end - k * len(block), f.label)
            for f in findings
            if f.start // len(block) == k
        ]
        for k in range(12)
    ]
    assert per_block[0] and all(spans == per_block[0] for spans in per_block)
    masked_text = redactor.redact(text).text
    for secret in ("Xiomara", "Quintanilla", "4111", "555-0142", "Tran", "Bissonnet"):
        assert secret not in masked_text


def test_a_string_found_once_is_masked_at_every_occurrence_in_a_long_noisy_message(
    redactor: Redactor,
) -> None:
    noise = "(( $$ 555 ]] @ # + -- 7 ... ) Routine update on the grant. \u200b 阮 " * 40
    text = (
        f"her name is Yesenia Okafor, card 5555 5555 5555 4444\n{noise}\n"
        f"Okafor again\n{noise}\nref 5555 5555 5555 4444 and Yesenia Okafor\n{noise}\n(Okafor)"
    )
    result = redactor.redact(text)
    assert "Okafor" not in result.text and "Yesenia" not in result.text and "4444" not in result.text
