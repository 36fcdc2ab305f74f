"""Evasions and pasted Unicode are normalised before matching, and the original characters are masked."""

from __future__ import annotations

from redaction import Redactor
from redaction.normalise import normalise, normalise_alias


def test_zero_width_space_inside_name_is_masked(redactor: Redactor) -> None:
    text = "M\u200baria texted again"
    result = redactor.redact(text)
    person = next(f for f in result.findings if f.label == "PERSON")
    assert (person.start, person.end) == (0, 6)  # the zero-width space is inside the masked span
    assert result.text == "[PERSON] texted again"


def test_offsets_point_at_original_characters_after_removed_controls(redactor: Redactor) -> None:
    text = "\u202eok\u202c call 7\u200b13-555-0199 now"
    phone = next(f for f in redactor.detect(text) if f.label == "PHONE")
    assert text[phone.start : phone.end] == "7\u200b13-555-0199"


def test_fullwidth_digits_and_letters_are_caught(redactor: Redactor) -> None:
    text = "ｍａｒｉａ ７１３-５５５-０１９９"
    result = redactor.redact(text)
    assert result.text == "[PERSON] [PHONE]"


def test_cyrillic_lookalike_inside_latin_name_is_caught(redactor: Redactor) -> None:
    text = "Mаria texted"  # the "а" is Cyrillic
    assert redactor.redact(text).text == "[PERSON] texted"


def test_accented_name_keeps_original_offsets(redactor: Redactor) -> None:
    text = "e\u0301 then Ana María Gómez needs an interpreter"
    person = next(f for f in redactor.detect(text) if f.label == "PERSON")
    assert text[person.start : person.end] == "Ana María Gómez"


def test_ascii_text_needs_no_offset_map() -> None:
    assert normalise("plain ascii").starts is None


def test_normalised_offsets_map_each_character_back() -> None:
    norm = normalise("a\u200bﬁb")
    assert norm.text == "afib"
    assert norm.original_span(1, 3) == (2, 3)  # the ligature expands to two characters from one


def test_alias_normalisation_ignores_case_width_spacing_and_invisible_characters() -> None:
    assert normalise_alias("Big  Papi") == normalise_alias("ＢＩＧ p\u200bapi") == "big papi"


def test_digits_of_other_scripts_are_read_as_digits(redactor: Redactor) -> None:
    """Arabic-Indic and Burmese digits: the phone and the age are found and the original characters masked."""
    result = redactor.redact("رقمها ٠٧٨١٤٥٦٢٢٠٣ وعمرها ١٧ سنة")
    assert "٠٧٨١٤٥٦٢٢٠٣" not in result.text and "١٧" not in result.text
    assert {f.label for f in result.findings} >= {"PHONE", "AGE"}
    assert "၀၉ ၇၈၁ ၂၂၄ ၀၉၃" not in redactor.redact("ဖုန်း ၀၉ ၇၈၁ ၂၂၄ ၀၉၃").text
