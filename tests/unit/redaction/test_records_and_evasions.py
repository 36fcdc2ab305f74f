"""Rules added after the third blind corpus (docs/redaction-evaluation.md, "blind3"). Invented examples only: the
blind corpora's own messages are not copied into unit tests."""

from __future__ import annotations

import pytest

from redaction import Redactor
from redaction.normalise import normalise
from tests.unit.redaction.conftest import assert_hidden, assert_kept, labels_of, masked


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the trailer pin: 44.1123 N, 92.4410 W near the creek", "44.1123 N, 92.4410 W"),
        ("exif says 41°15'30.2\"N 95°56'01.8\"W on the ad photo", "41°15'30.2\"N 95°56'01.8\"W"),
        ("coords N 39° 44.120 W 104° 59.310 from the drone", "N 39° 44.120 W 104° 59.310"),
    ],
)
def test_coordinates_with_hemisphere_letters(redactor: Redactor, text: str, secret: str) -> None:
    assert masked(redactor, text).count("[COORDINATES]") == 1
    assert_hidden(redactor, text, secret)


def test_identifiers_a_few_words_after_their_cue(redactor: Redactor) -> None:
    assert_hidden(redactor, "passport for the younger one: K7730215, embassy has a copy", "K7730215")
    assert_hidden(redactor, "MN OL for the driver X48812093, expired", "X48812093")
    assert_hidden(redactor, "chart # QZ-3381207 at the ER", "QZ-3381207")
    assert_hidden(redactor, "passports in the safe: B1124478 (older), B1124479 (younger)", "B1124478", "B1124479")
    assert labels_of(redactor, "TX ID: 55190233, issued to her cousin") >= {"DRIVER_LICENSE"}


def test_cue_words_do_not_turn_years_or_times_into_identifiers(redactor: Redactor) -> None:
    assert_kept(redactor, "her passport expires in 2027, renew 3 months ahead", "2027")
    assert_kept(redactor, "license renewals take 6 weeks at the DMV", "6 weeks")


def test_plate_before_a_state_code(redactor: Redactor) -> None:
    assert_hidden(redactor, "ALPR: KTR4471 MN twice on I-94 last night", "KTR4471")
    assert_hidden(redactor, "ran the tag, BVX-3392 (OH) comes back stolen", "BVX-3392")
    assert_kept(redactor, "meet at I-94 MN exit 12", "I-94")


def test_mistyped_iban_needs_its_country_length(redactor: Redactor) -> None:
    assert_hidden(redactor, "wire to ES12 0049 1500 0512 3456 7890 from the spa", "0049 1500")
    assert_kept(redactor, "wire to ES12 0049 1500 (the rest is on the slip)", "ES12")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("her name is m a r i s o l ok", "her name is marisol ok"),
        ("signs as J.e.s.s.i.c.a on the app", "signs as Jessica on the app"),
        ("guest: K E V I N   O K A F O R", "guest: KEVIN OKAFOR"),
        ("room 3 1 2 again", "room 312 again"),
        ("call 4\ufe0f\u20e31\ufe0f\u20e35\ufe0f\u20e3", "call 415"),
        ("U.S. and a b c", "U.S. and a b c"),
    ],
)
def test_spaced_out_letters_and_keycaps_are_joined(text: str, normalised: str) -> None:
    assert normalise(text).text == normalised


def test_spaced_out_name_is_masked_in_the_original(redactor: Redactor) -> None:
    out = masked(redactor, "lol her name is m a r i s o l and she spelled it that way")
    assert "m a r i s o l" not in out and "[PERSON]" in out


def test_emoji_keycap_phone_is_masked_whole(redactor: Redactor) -> None:
    text = "ad says 7\ufe0f\u20e31\ufe0f\u20e33\ufe0f\u20e3-555-0148 new in town"
    assert masked(redactor, text) == "ad says [PHONE] new in town"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("his cell 612 . 555 . 0183 only after 9", "555 . 0183"),
        ("number on the card 612•555•0183", "612•555•0183"),
        ("she wrote 612-five-five-five-0183 lol", "0183"),
        ("her SSN 5 3 1 - 2 2 - 9 0 1 4 off the card", "9 0 1 4"),
        ("his social is four one two, eight eight, one zero nine three", "one zero nine three"),
        ("email maria(dot)vega(at)proton(dot)me", "vega"),
        ("write to l.ruiz AT yahoo DOT com DOT mx", "l.ruiz"),
    ],
)
def test_obfuscated_contact_numbers(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Venmo return: sender Oluwaseun Adeyemi, 14 payments", "Adeyemi"),
        ("the Chime card comes back to Tremayne Fullwood", "Fullwood"),
        ("name on card ROSALIND T PEMBERTON, last 4 only in here", "PEMBERTON"),
        ("storage unit rented by Kasimir Wojcik in cash", "Wojcik"),
    ],
)
def test_people_named_in_returns_and_slips(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


def test_weak_cues_do_not_take_everyday_words(redactor: Redactor) -> None:
    assert_kept(redactor, "victim impact statements are due Friday", "impact")
    assert_kept(redactor, "mom read it off the card", "read")
    assert_kept(redactor, "two spas off the highway, same owner", "spas")


def test_short_acronyms_before_a_verb_are_agencies(redactor: Redactor) -> None:
    assert_kept(redactor, "DOL says the payroll records are late", "DOL")
    assert_kept(redactor, "SSA says the number belongs to someone else", "SSA")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("outreach saw her at Lancaster Blvd & 14th Ave around 2", "Lancaster Blvd & 14th Ave"),
        ("pickup spot is 63rd and Halsted most nights", "63rd and Halsted"),
        ("farm is at W4412 Birch Rd, Medford WI 54451", "W4412 Birch Rd"),
        ("staying at RR 2 Box 118-B, Hazard KY 41701", "Box 118-B"),
        ("moved to 19 Orchard St, Lowell MA 01852, 3rd floor", "3rd floor"),
        ("she is in Lot 7, Pine Hollow Estates, 200 Ridge Rd, Salem OR", "Lot 7"),
        ("LAST SEEN 1800 BLOCK OF N OAK ST, WICHITA KS. CALL", "WICHITA"),
    ],
)
def test_more_address_forms(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


def test_address_parts_joined_across_a_comma(redactor: Redactor) -> None:
    assert masked(redactor, "new place: 88 Cedar Rd, 2nd fl rear, Erie PA 16501") == "new place: [ADDRESS]"


def test_ordinals_and_everyday_words_are_not_cross_streets(redactor: Redactor) -> None:
    assert_kept(redactor, "meet on the 2nd and 3rd Tuesday", "2nd and 3rd")
    assert_kept(redactor, "Main St and lunch after", "lunch")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the new girl, around fifteen, was with him", "fifteen"),
        ("brought over at 16 by a cousin", "16"),
        ("class of 2026 so like 18, per the school", "18"),
        ("DOB says 2010 which makes her 15", "15"),
        ("the baby's 2 and mom's 19, both at the shelter", "19"),
        ("she says shes 19 now", "19"),
        ("the minor is twelve not thirteen, fixing the form", "thirteen"),
        ("su novio de 31 la recoge", "31"),
        ("age on the booking sheet: forty-two", "forty-two"),
    ],
)
def test_ages_in_more_phrasings(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


def test_counts_are_not_ages(redactor: Redactor) -> None:
    assert_kept(redactor, "around 15 workers at the plant", "15 workers")
    assert_kept(redactor, "so 2 or 3 of us can go", "2 or 3")
    assert_kept(redactor, "about 20 minutes out", "20 minutes")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Elle est née le 4 avril 2001 à Dakar", "4 avril 2001"),
        ("Fecha de nac.: 2do de marzo 2006 / Tel", "marzo 2006"),
        ("생년월일 2001년 4월 9일 확인", "2001년 4월 9일"),
        ("DOB for the recert, it's Mar 3 '04. thx", "Mar 3 '04"),
        ("DOB 04 / 22 / 2007 on the lab form", "04 / 22 / 2007"),
    ],
)
def test_more_date_of_birth_forms(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


def test_snap_benefits_are_not_snapchat(redactor: Redactor) -> None:
    assert_kept(redactor, "she needs her SNAP recert by Friday", "recert")
