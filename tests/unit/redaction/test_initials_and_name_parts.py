"""Names a user would still read after masking, session 11: a person's dotted initials ("A.T." for a minor or a
plaintiff under seal). Every name here is invented. Each test shows the text a user sees after masking."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mom of MV-2 (R.K.) will speak at sentencing", "mom of MV-2 ([PERSON]) will speak at sentencing"),
        ('the plaintiff is "T.W." in the public filing', 'the plaintiff is "[PERSON]" in the public filing'),
        ("MV-3 is L. P., she needs a Tigrinya interpreter", "MV-3 is [PERSON], she needs a Tigrinya interpreter"),
        ("the draft says H.N. now instead of her name", "the draft says [PERSON] now instead of her name"),
    ],
)
def test_a_persons_dotted_initials_are_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "case 2:24-cr-00311 in the N.D. Ill., transferred from the S.D. Fla.",
        "filed in the E.D. Va. yesterday, see M.D. Pa. too",
        "the P.O. Box on the lease is closed, call the D.A. office at 9 A.M.",
        "she flew back from the D.R. in May, says the U.K. visa was refused",
        "C.R.S. 18-3-504 and A.G. 2018 are the citations",
        "ask I.T. to reset it, the T.V. in room 12 is broken",
    ],
)
def test_abbreviations_with_dots_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("the madam is Umm Walid, nobody knows her own name", "the madam is [PERSON], nobody knows her own name"),
        ("rent goes to Umm Rakan every Friday", "rent goes to [PERSON] every Friday"),
    ],
)
def test_a_kunya_is_masked_with_the_name(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("worker Baek Young-sook (백영숙), 58, hasn't left", "worker [PERSON] ([PERSON]), [AGE], hasn't left"),
    ],
)
def test_a_name_beside_itself_in_another_script_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "she lived in Busan (부산) before the move",
        "the club is in Gangnam (강남), second floor",
    ],
)
def test_a_place_beside_its_other_script_stays_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("so Chayo = Rosario? asking before I merge the files", "so [PERSON] = [PERSON]? asking before I merge the files"),
        ("Tavita = Sione's cousin, not his sister", "[PERSON] = [PERSON]'s cousin, not his sister"),
    ],
)
def test_a_name_set_equal_to_a_found_name_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Driver = Dritan Kolgjini, the van is his", "Driver = [PERSON], the van is his"),
        ("V2 = Makayla Stonechild, 15", "V2 = [PERSON], [AGE]"),
    ],
)
def test_a_role_or_code_set_equal_to_a_name_stays_readable(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("she only knew him as Tank, never a last name", "she only knew him as [PERSON], never a last name"),
        ("everybody called him Boss Man at the farm", "everybody called him [PERSON] at the farm"),
        ("his street name Ice Box, WA plates on the van", "his street name [PERSON], WA plates on the van"),
    ],
)
def test_a_nickname_after_a_naming_cue_is_masked_whole(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


def test_a_lower_case_word_after_a_naming_cue_stays_readable(redactor: Redactor) -> None:
    text = "she asked that nobody use her old street name anymore"
    assert redactor.redact(text).text == text
