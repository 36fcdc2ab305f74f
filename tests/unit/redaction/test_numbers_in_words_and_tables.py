"""Non-name labels written the way people say or paste them (issue 17, session 11, `numbers` helper): dates of birth
said in words or written the Chinese/Vietnamese way, more dates listed after a date of birth, a phone dictated in
words with its "plus", and tables pasted with their tabs typed as backslash-t. Every name and number is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her birthday is may fifth two thousand eight, she told the counsellor",
         "her birthday is [DOB], she told the counsellor"),
        ("the date of birth is the twelfth of january nineteen ninety and she is from Ohio",
         "the date of birth is [DOB] and she is from Ohio"),
        ("she was born on the fourth of may oh six so", "she was born on [DOB] so"),
        ('voice text: "date of birth is june seventh two thousand and six period"',
         'voice text: "date of birth is [DOB] period"'),
        ('she gave dob as "the 4th of july, two thousand seven" but', 'she gave dob as "[DOB]" but'),
        ("her birthday was june 2nd", "her birthday was [DOB]"),
        ("her birthday is march third oh six and her phone got shut off",
         "her birthday is [DOB] and her phone got shut off"),
        ("dob 4.2.07 / 04-02-2007 / April 2nd 07 — all the same girl?", "dob [DOB] / [DOB] / [DOB] — all the same girl?"),
        ("女孩2009年10月4日出生", "女孩[DOB]出生"),
        ("the birth certificate copy says ngày 14 tháng 9 năm 2009, consistent", "the birth certificate copy says [DOB], consistent"),
    ],
)  # fmt: skip
def test_a_date_of_birth_in_words_or_another_script_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the training is on may fifth, born leaders wanted", "may fifth"),
        ("her birthday party is on the fourth of july at the park", "fourth of july"),
        ("DOB 3/4/05, 14 kids in the program", "14 kids"),
    ],
)  # fmt: skip
def test_dates_that_are_no_birth_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her brother is at plus nine one nine eight seven six five four three two one zero", "plus nine one"),
        ("phone on the channel: plus three eight zero, six seven, five five five, one two three four", "plus three"),
    ],
)  # fmt: skip
def test_a_dictated_phone_keeps_its_plus(redactor: Redactor, text: str, secret: str) -> None:
    out = masked(redactor, text)
    assert secret not in out and "plus" not in out, out


def test_a_table_with_typed_tabs_is_read_cell_by_cell(redactor: Redactor) -> None:
    text = (
        "rows of the tracker:\n14\\tV1\\tTran Thi Mai\\t1998-10-03\\tVN\\tshelter\n"
        "payroll:\nEMP\\tHRS\\tSSN on file\nPedro C.\\t84\\t512-44-2290\n"
        "AD_ID\\tPHONE\n7781204556\\t8325550177"
    )
    out = masked(redactor, text)
    for secret in ("1998-10-03", "512-44-2290", "8325550177", "Tran Thi Mai"):
        assert secret not in out, out
    assert "\\tVN\\tshelter" in out and "AD_ID\\tPHONE" in out


def test_one_typed_tab_is_left_as_it_is(redactor: Redactor) -> None:
    assert masked(redactor, r"the path is C:\temp on the laptop") == r"the path is C:\temp on the laptop"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host family: Birkenstraße 21, 80331 München. Host dad is away", "host family: [ADDRESS]. Host dad is away"),
        ("employer at Seestrasse 41, 6300 Zug, tel withheld", "employer at [ADDRESS], tel withheld"),
        ("the flat in Palermo: Via Roma 17, 90133 Palermo, police know it", "the flat in Palermo: [ADDRESS], police know it"),
        ("her mom's, ul. Długa 12 m. 4, 90-006 Łódź, is the one", "her mom's, [ADDRESS], is the one"),
        ("in Latin that's vul. Franka 8, kv. 3, Vinnytsia 21001 for the form", "in Latin that's [ADDRESS] for the form"),
        ("she sleeps at Lindenweg 9 with two others", "she sleeps at [ADDRESS] with two others"),
    ],
)  # fmt: skip
def test_a_european_street_address_is_masked_whole(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    ["Exhibit 4, 2019 Report is attached", "Team 4, 5000 Dollars raised", "Table 12, 1500 Hours shift"],
)
def test_a_number_and_a_year_or_count_after_a_comma_is_no_european_address(redactor: Redactor, text: str) -> None:
    assert "[ADDRESS]" not in masked(redactor, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she said the house is twenty two fourteen east pine street the one with the green door",
         "she said the house is [ADDRESS] the one with the green door"),
        ("the caller said her address was twenty-one fifteen north kedzie but then hung up",
         "the caller said her address was [ADDRESS] but then hung up"),
        ("calling about my neighbor at eight twelve elm street apartment three there's a girl",
         "calling about my neighbor at [ADDRESS] there's a girl"),
    ],
)  # fmt: skip
def test_a_house_number_said_in_words_is_an_address(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


def test_a_time_said_in_words_is_no_address(redactor: Redactor) -> None:
    assert_kept(redactor, "the meeting is at two thirty in the main hall", "two thirty")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her mom lives on the corner of bonnie brae and sixth", "her mom lives on [ADDRESS]"),
        ("a man picks her up from the corner of Pruitt and Lomax every night",
         "a man picks her up from [ADDRESS] every night"),
        ("LAST SEEN W 79TH & S HALSTED WEARING PINK HOODIE", "LAST SEEN [ADDRESS] WEARING PINK HOODIE"),
        ("cross streets she gave: Sepulveda and Lanark", "cross streets she gave: [ADDRESS]"),
        ("ok sube al cuarto 12", "ok sube al [ADDRESS]"),
        ("Ficha de viajero (hostal, Madrid):\nHabitación 6", "Ficha de viajero (hostal, Madrid):\n[ADDRESS]"),
    ],
)  # fmt: skip
def test_corners_ordinals_in_capitals_and_rooms(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


def test_a_corner_of_a_room_is_no_address(redactor: Redactor) -> None:
    assert_kept(redactor, "we met at the corner of the room and the hallway", "corner of the room and the hallway")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her snapchat is luna underscore vibez with a z", "her snapchat is [HANDLE] with a z"),
        ("she spelled her IG over the phone: mari underscore bby underscore 21",
         "she spelled her IG over the phone: [HANDLE]"),
        ('voice-to-text got his IG as "at rico dot the dot boss" lol', 'voice-to-text got his IG as "[HANDLE]" lol'),
        ("buyers from the sting: dallas_buyer55 (kik) and more", "buyers from the sting: [HANDLE] (kik) and more"),
        ("老板微信号 wang_ge_7788，店在", "老板微信号 [HANDLE]，店在"),
        ("her kakao: mina.kim0412 for now", "her kakao: [HANDLE] for now"),
        ("ig - sunnyy.bbyy posting again", "ig - [HANDLE] posting again"),
    ],
)  # fmt: skip
def test_handles_spelled_out_or_with_their_platform_after(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    ["the IG is down, dot the next item", "the snap is at noon, dot the i", "see the dot com page on ig"],
)
def test_dots_in_ordinary_talk_are_no_spelled_handle(redactor: Redactor, text: str) -> None:
    assert "[HANDLE]" not in masked(redactor, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("佢先得16歲咋", "佢先得[AGE]咋"),
        ("medical: 15y F, 2nd trimester", "medical: [AGE], 2nd trimester"),
    ],
)  # fmt: skip
def test_ages_with_a_unit_in_chinese_or_a_clinical_sex(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


def test_a_clinical_age_shape_needs_the_sex_letter_alone(redactor: Redactor) -> None:
    assert_kept(redactor, "in 10y M&A deals and the 3y FY2025 budget", "10y M&A", "3y FY2025")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("white van, LKA Westheimer and Gessner", "white van, [ADDRESS]"),
        ("incall only Tropicana & Koval", "incall only [ADDRESS]"),
        ("aunt lives off MLK and Griggs, the yellow house", "aunt lives off [ADDRESS], the yellow house"),
    ],
)  # fmt: skip
def test_cross_streets_after_a_word_that_says_where_someone_is(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    ["she lives near Dallas and Fort Worth", "outcall only Toledo/Maumee, deposit first", "the address is Mom and Dad"],
)
def test_two_towns_or_people_after_such_a_word_are_no_corner(redactor: Redactor, text: str) -> None:
    assert "[ADDRESS]" not in masked(redactor, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gmail is lan.tran.1997@gmail i think", "gmail is [EMAIL] i think"),
        ("her email is maria.lopez88@yahoo i think", "her email is [EMAIL] i think"),
    ],
)  # fmt: skip
def test_an_address_typed_without_its_domain_ending(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


def test_a_provider_mentioned_alone_is_no_address(redactor: Redactor) -> None:
    assert masked(redactor, "@gmail is down again") == "@gmail is down again"
