"""Rules added for held-out recall: each catches a *kind* of miss and leaves the look-alike coordination talk alone."""

from __future__ import annotations

from redaction import Redactor

from .conftest import assert_hidden, labels_of, masked


def test_cross_street_is_an_address(redactor: Redactor) -> None:
    assert_hidden(
        redactor, "dropped her off at the corner of Westheimer and Hillcroft", "Westheimer and Hillcroft"
    )
    assert_hidden(redactor, "LAST SEEN BISSONNET & BELTWAY 8 AROUND 2AM", "BISSONNET & BELTWAY")
    assert_hidden(redactor, "she stays near Bellfort & S Post Oak", "Bellfort & S Post Oak")


def test_agency_pair_is_not_a_cross_street(redactor: Redactor) -> None:
    assert "ADDRESS" not in labels_of(redactor, "call with HSI & CPS at 3")


def test_hundred_block_is_an_address(redactor: Redactor) -> None:
    assert_hidden(redactor, "seen in the 4200 block of Telephone Rd yesterday", "4200 block of Telephone Rd")


def test_unit_after_its_cue_is_an_address(redactor: Redactor) -> None:
    assert_hidden(redactor, "she is in apt #12C now", "#12C")
    assert_hidden(redactor, "the Red Roof Inn, room 207, since friday", "207")
    assert_hidden(redactor, "trailer at Lot 22, 900 FM 529 Rd", "Lot 22, 900 FM 529 Rd")


def test_meeting_room_and_voucher_numbers_are_not_addresses(redactor: Redactor) -> None:
    assert "ADDRESS" not in labels_of(redactor, "debrief Monday 2pm, room 4B")
    assert "ADDRESS" not in labels_of(redactor, "hotel voucher #5521 approved")


def test_named_complex_is_an_address(redactor: Redactor) -> None:
    assert_hidden(redactor, "she moved into the Oaks on Gessner, apt 14", "the Oaks on Gessner, apt 14")


def test_street_with_two_suffix_words_and_city_zip_is_one_address(redactor: Redactor) -> None:
    assert_hidden(redactor, "staying at 3310 Cedar Ridge Ln", "3310 Cedar Ridge Ln")
    assert_hidden(redactor, "lives at 812 Hardy Ave, Houston 77026", "812 Hardy Ave, Houston 77026")


def test_non_us_street_is_an_address(redactor: Redactor) -> None:
    assert_hidden(redactor, "su mamá vive en calle Morelos 118", "calle Morelos 118")
    assert_hidden(redactor, "Rua Augusta, 77 - Santos", "Rua Augusta, 77 - Santos")


def test_names_from_wider_locales_are_people(redactor: Redactor) -> None:
    for text, name in [
        ("oksana wants to talk tomorrow", "oksana"),
        ("Ngozi was moved to the shelter", "Ngozi"),
        ("Thanh works the late shift", "Thanh"),
        ("yeison left with the recruiter", "yeison"),
    ]:
        assert_hidden(redactor, text, name)


def test_possessive_name_is_a_person(redactor: Redactor) -> None:
    out = masked(redactor, "Oksana's phone was taken")
    assert "Oksana" not in out and "'s phone" in out


def test_initial_after_a_name_is_masked(redactor: Redactor) -> None:
    assert_hidden(redactor, "Yulia M. declined the interview", "Yulia M.")


def test_distinctive_surname_alone_is_a_person(redactor: Redactor) -> None:
    assert_hidden(redactor, "okonkwo from the restaurant called", "okonkwo")


def test_quoted_nickname_in_an_ad_is_a_person(redactor: Redactor) -> None:
    assert_hidden(redactor, 'new ad "Honey" 832-555-0101', "Honey")


def test_alternative_names_after_a_cue_are_people(redactor: Redactor) -> None:
    assert_hidden(redactor, "she goes by Lulu or Miss Bee", "Lulu", "Bee")


def test_city_names_are_not_people(redactor: Redactor) -> None:
    for text in [
        "Victoria PD is on the call",
        "Austin and San Antonio teams at 11",
        "Marion County sheriff called",
    ]:
        assert "PERSON" not in labels_of(redactor, text), text


def test_titles_and_nationalities_are_not_masked(redactor: Redactor) -> None:
    out = masked(redactor, "Pastor Ramón (Honduran) is helping")
    assert out.startswith("Pastor ") and "(Honduran)" in out and "Ramón" not in out


def test_number_beside_a_name_is_an_age(redactor: Redactor) -> None:
    assert_hidden(redactor, "Oksana 19 from Odesa, came on a visa", "19")
    assert_hidden(redactor, "her son Mateo (6) is with the aunt", "6")
    assert_hidden(redactor, "Lucia - 33 yrs, labor case", "33")


def test_group_ages_are_ages(redactor: Redactor) -> None:
    assert_hidden(redactor, "her kids are 4 and 9", "4", "9")
    assert_hidden(redactor, "the twins (both 13) are at school", "13")
    assert_hidden(redactor, "the sister is 21, lives in Pasadena", "21")


def test_numbers_that_are_not_ages_stay(redactor: Redactor) -> None:
    for text in [
        "meet at Motel 6 on Beltway 8",
        "the call is at 11, room 4",
        "Route 59 traffic, 15 min late",
    ]:
        assert "AGE" not in labels_of(redactor, text), text


def test_phone_with_slashes_spaced_dashes_or_letter_o(redactor: Redactor) -> None:
    assert_hidden(redactor, "832/555/0101", "832/555/0101")
    assert_hidden(redactor, "832 - 555 - 0101 after 5", "832 - 555 - 0101")
    assert_hidden(redactor, "832-555-O1O1 is hers", "832-555-O1O1")


def test_international_prefix_and_spelled_digits_are_phones(redactor: Redactor) -> None:
    assert_hidden(redactor, "00 52 55 1234 5678 is the uncle", "00 52 55 1234 5678")
    assert_hidden(
        redactor,
        "call eight three two five five five oh one oh one",
        "eight three two five five five oh one oh one",
    )


def test_spanish_and_ordinal_dates_of_birth(redactor: Redactor) -> None:
    assert_hidden(redactor, "nació el 3 de abril de 2007", "3 de abril de 2007")
    assert_hidden(redactor, "born on the 2nd of March 2008", "the 2nd of March 2008")
    assert_hidden(redactor, "she was born around 2007", "around 2007")


def test_itin_and_coordinates_without_comma(redactor: Redactor) -> None:
    assert "SSN" in labels_of(redactor, "ITIN 931-71-2204 on the return")
    assert "COORDINATES" in labels_of(redactor, "pin 29.7604 -95.3698")
