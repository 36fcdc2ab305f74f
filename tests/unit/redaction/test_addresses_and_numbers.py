"""Addresses and numbers written the way new writers write them (issue 17, session 12, `places` helper): addresses
abroad as a chain of address parts, units and rural or descriptive locations, IDs with their check digit. Every
name, address and number is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mother lives in Almaty oblast, Karasai raion, kv. 12, d. 5", "mother lives in [ADDRESS]"),
        ("sister: ul. Lenina 14, kv. 12, Bishkek", "sister: [ADDRESS]"),
        ("adres: Yenimahalle Mah. Çiçek Sok. No:12 D:4 Keçiören/Ankara", "adres: [ADDRESS]"),
        ("her place: Kirkos sub-city, Woreda 08, House No. 1147, Addis Ababa", "her place: [ADDRESS]"),
        ("family: Ward 5, Bhimeshwor Municipality, Dolakha", "family: [ADDRESS]"),
        ("office Plot 47, Kampala Road, 2nd floor, Kampala", "office [ADDRESS]"),
        ("адрес: г. Ош, ул. Ленина, д. 5, кв. 12", "адрес: [ADDRESS]"),
        ("آدرس: تهران، خیابان آزادی، کوچه ۱۲، پلاک ۵", "آدرس: [ADDRESS]"),
        ("mom: Tashkent, Chilonzor tumani, 9-kvartal, 14-uy", "mom: [ADDRESS]"),
    ],
)  # fmt: skip
def test_an_address_abroad_written_as_a_chain_of_parts_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the meeting is in Conference Room B, Floor 3 of the annex", "Floor 3"),
        ("Ward 5 nurses said no", "Ward 5"),
        ("Ward 5, Bed 3 is free tonight", "Ward 5, Bed 3"),
        ("the form asks for Block, Tower and Flat as separate fields", "Block, Tower and Flat"),
        ("District 9 and Sector 7 teams meet at noon", "District 9 and Sector 7"),
        ("Mama Blessing's house per V3 is closed", "per V3"),
    ],
)  # fmt: skip
def test_one_address_part_alone_is_no_address(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she's staying in the third trailer past the chapter house", "she's staying in [ADDRESS]"),
        ("last seen at BIA Route 1, mile marker 17 with her uncle", "last seen at [ADDRESS] with her uncle"),
        ("found near mile marker 212 on I-90 at 0300", "found near [ADDRESS] at 0300"),
        ("she's at the blue house behind the Dollar General on Hwy 18", "she's at [ADDRESS]"),
        ("he is at his cousin's place near Ethete", "he is at his [ADDRESS]"),
        ("lives off BIA 4 past the cattle guard", "lives off [ADDRESS]"),
        ("the house is the green trailer at the end of CR 12", "the house is [ADDRESS]"),
        ("she lives in unit B-2 at the back", "she lives in [ADDRESS] at the back"),
        ("they moved her to 2B upstairs", "they moved her to [ADDRESS] upstairs"),
        ("the girls sleep above the shop, the boss is in 3F", "the girls sleep above the shop, the boss is in [ADDRESS]"),
    ],
)  # fmt: skip
def test_a_rural_or_described_place_and_a_unit_are_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the quarterly report is in the third binder past the door", "third binder past the door"),
        ("meet at the church lot on Pennsylvania at 9", "church lot on Pennsylvania"),
        ("came from a massage place off Bellaire, interpreter requested", "massage place off Bellaire"),
        ("Summary (6): Step-2 is still open; Sector-11 wraps up tomorrow.", "Step-2"),
        ("we are in room 2B for the training at 9am", "2B"),
        ("the class moved to 3F this semester", "3F"),
    ],
)  # fmt: skip
def test_a_business_meeting_room_or_step_is_no_place(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HKID Y418203(5) belongs to the mother", "HKID [SSN] belongs to the mother"),
        ("her card says A123456 (3), issued 2019", "her card says [SSN], issued 2019"),
        ("her Taiwanese ID is F228193047 per the consulate", "her Taiwanese ID is [SSN] per the consulate"),
    ],
)  # fmt: skip
def test_an_id_with_its_check_digit_in_brackets_or_a_taiwan_id_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BLK 2011 DODGE DURANGO MT 3-48117B", "BLK 2011 DODGE DURANGO MT [LICENSE_PLATE]"),
        ("white Silverado, Idaho 1A K4471, parked out back", "white Silverado, Idaho [LICENSE_PLATE], parked out back"),
        ("grey Nissan Sentra con placas de Sonora 28-1149", "grey Nissan Sentra con placas de Sonora [LICENSE_PLATE]"),
        ("silver pickup, Navajo Nation 4G-1187", "silver pickup, Navajo Nation [LICENSE_PLATE]"),
        ("Polish van at the house: WGM 48217, white", "Polish van at the house: [LICENSE_PLATE], white"),
        ("he drives a grey Golf EY21 LWP", "he drives a grey Golf [LICENSE_PLATE]"),
        ("the Dacia • B 123 XYZ", "the Dacia • [LICENSE_PLATE]"),
    ],
)  # fmt: skip
def test_a_plate_after_its_issuer_or_a_vehicle_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("MT 3-48117B is the case number", "3-48117B"),
        ("Texas 10-4 copy, the truck is gone", "10-4"),
    ],
)  # fmt: skip
def test_a_number_after_a_state_with_no_vehicle_or_a_year_is_no_plate(
    redactor: Redactor, text: str, kept: str
) -> None:
    assert_kept(redactor, text, kept)


def test_cross_streets_after_a_verb_that_places_someone_are_masked(redactor: Redactor) -> None:
    assert masked(redactor, "girls were dropped at Rundberg and Lamar every night") == (
        "girls were dropped at [ADDRESS] every night"
    )
    assert_kept(redactor, "the meeting is at Austin and Dallas offices", "Austin and Dallas")
