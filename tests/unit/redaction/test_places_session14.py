"""Addresses, phones and ages of session 14 (issue 17, `places` helper): one-line postal addresses of many countries
read by their structure, Puerto Rican rural addresses, Hawaiian names with the ʻokina, a mile of a road, bare room
numbers in a frame that locates someone, one person's age guessed as a range or a decade, phone numbers after a
phone label in their country's layout, extensions, a phone "on file". Every name, address and number is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_hidden, assert_kept, masked


def _fully_masked(redactor: Redactor, text: str, secret: str) -> None:
    """Every word of ``secret`` is gone from the redacted text."""
    out = masked(redactor, text)
    for word in secret.replace(",", " ").split():
        if len(word) > 1 or word.isdigit():
            assert word not in out.split(), (word, out)
    assert_hidden(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("her aunt lives at Vrchlického 318, 460 01 Liberec now", "Vrchlického 318, 460 01 Liberec"),
        ("address: Kossuth Lajos utca 27., H-6720 Szeged", "Kossuth Lajos utca 27., H-6720 Szeged"),
        ("the recruiter's office: Amselweg 14b, 31134 Hildesheim", "Amselweg 14b, 31134 Hildesheim"),
        ("sending the letter to 12, rue des Tanneurs, 67000 Strasbourg tomorrow", "12, rue des Tanneurs, 67000 Strasbourg"),
        ("she stays with her cousin, Rua do Almada, 281, 4050-037 Porto", "Rua do Almada, 281, 4050-037 Porto"),
        ("kept at Via Garibaldi, 40, 10122, Torino (TO) for a year", "Via Garibaldi, 40, 10122, Torino (TO)"),
        ("mailing: Rua Tupinambás, 55, Centro, 30120070 Belo Horizonte / MG", "Rua Tupinambás, 55, Centro, 30120070 Belo Horizonte / MG"),
        ("lives at Calle Pelayo 22, Oviedo, 33003", "Calle Pelayo 22, Oviedo, 33003"),
        ("new address Zwanenburgwal 90, 1011 JX, Amsterdam please update", "Zwanenburgwal 90, 1011 JX, Amsterdam"),
        ("her mother: Hämeenkatu 19, 33200 Tampere", "Hämeenkatu 19, 33200 Tampere"),
        ("staying at 7 Mill Lane, Kettering, NN16 0RW with the aunt", "7 Mill Lane, Kettering, NN16 0RW"),
        ("his family in 14/2 गांधी मार्ग, इंदौर 452001", "14/2 गांधी मार्ग, इंदौर 452001"),
        ("the house is Kanaan 12, Ramat Gan, 5252012", "Kanaan 12, Ramat Gan, 5252012"),
    ],
)  # fmt: skip
def test_a_one_line_postal_address_of_another_country_is_masked_whole(
    redactor: Redactor, text: str, address: str
) -> None:
    _fully_masked(redactor, text, address)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("see Exhibit 4, 2019 Report for the totals", "2019 Report"),
        ("the fee was paid in two parts, 12 500 EUR in total", "12 500 EUR"),
        ("Chapter 12, 1984 Edition has the quote", "1984 Edition"),
    ],
)  # fmt: skip
def test_a_number_and_a_capitalised_word_after_a_comma_is_not_a_postal_address(
    redactor: Redactor, text: str, kept: str
) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("her brother might be in Bo. Pueblo Nuevo, Carr. 152 Km 3.8, Barranquitas", "Bo. Pueblo Nuevo, Carr. 152 Km 3.8"),
        ("they work a farm at Carr. 31 Km 12.1, Bo. Río Abajo, Naguabo", "Carr. 31 Km 12.1, Bo. Río Abajo"),
        ("the grandmother lives in Urb. Las Lomas, Calle 9 #14, Guayama", "Urb. Las Lomas, Calle 9 #14"),
    ],
)  # fmt: skip
def test_a_puerto_rican_rural_address_is_masked(redactor: Redactor, text: str, address: str) -> None:
    _fully_masked(redactor, text, address)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("the uncle, 87-1420 Farrington Hwy, Waiʻanae HI 96792", "87-1420 Farrington Hwy"),
        ("she's staying at 45-211 Kāneʻohe Bay Dr, Kāneʻohe", "45-211 Kāneʻohe Bay Dr"),
        ("the house at 94-1049 Kaʻaholo St, Waipahu", "94-1049 Kaʻaholo St"),
    ],
)  # fmt: skip
def test_a_hawaiian_address_with_the_okina_is_masked(redactor: Redactor, text: str, address: str) -> None:
    _fully_masked(redactor, text, address)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("his cabin is at Mile 4.5 Kenai Spur Hwy, Kenai", "Mile 4.5 Kenai Spur Hwy"),
        ("she's at the aunt's on Route 3 near Mile 18, in the blue trailer", "Route 3 near Mile 18"),
        ("found the camper at Mile 112 Richardson Highway", "Mile 112 Richardson Highway"),
    ],
)  # fmt: skip
def test_a_mile_of_a_named_road_is_an_address(redactor: Redactor, text: str, address: str) -> None:
    _fully_masked(redactor, text, address)


def test_a_mile_without_a_road_stays(redactor: Redactor) -> None:
    assert_kept(redactor, "Mile 3 of the charity run was the hardest", "Mile 3")


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("room was 214 -- no wait, 241, I misread it", ("214", "241")),
        ("unit is 3307, not 3370", ("3307",)),
        ("nobody answered in 517 when patrol knocked", ("517",)),
        ("who's the guest in 1108 now?", ("1108",)),
        ("who is on the lease for 402", ("402",)),
        ("they knocked on 309 twice", ("309",)),
    ],
)  # fmt: skip
def test_a_bare_room_number_in_a_frame_that_locates_someone_is_masked(
    redactor: Redactor, text: str, hidden: tuple[str, ...]
) -> None:
    assert_hidden(redactor, text, *hidden)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("she checked into 2019 with a new caseworker", "2019"),
        ("nobody answered in 20 minutes", "20 minutes"),
        ("the training moved to Monday at noon, room 233", "233"),
    ],
)  # fmt: skip
def test_a_number_in_such_a_frame_that_is_a_year_time_or_meeting_room_stays(
    redactor: Redactor, text: str, kept: str
) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("the girl says 19 but the nurse thinks 15-16", "15-16"),
        ("second juvenile, approx 14–15, no ID", "14–15"),
        ("the boy looks 16-17 to me", "16-17"),
        ("the driver was an older guy, maybe 60s, white beard", "60s"),
        ("the man in the photo, in his 40s, is the manager", "40s"),
    ],
)  # fmt: skip
def test_one_persons_age_guessed_as_a_range_or_a_decade_is_masked(
    redactor: Redactor, text: str, hidden: str
) -> None:
    assert_hidden(redactor, text, hidden)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("ages 14-17 attended the group session", "14-17"),
        ("she doesn't know the groom's age, thinks 30s", "30s"),
        ("temps in the 50s all week, bring coats for the kids", "50s"),
        ("the shift runs about 10-12 hours, she said", "10-12"),
    ],
)  # fmt: skip
def test_a_group_range_a_temperature_or_a_count_is_no_age(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("booking email was a.b.travels@gmail.com, phone on file 303-555-0148", "booking email was [EMAIL], phone on file [PHONE]"),
        ("he checks her call log: 702-555-0161", "he checks her call log: [PHONE]"),
        ("cell number on file: 214-555-0117", "cell number on file: [PHONE]"),
    ],
)  # fmt: skip
def test_a_phone_kept_on_file_or_in_a_log_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Tel. 3312 4476", "3312 4476"),
        ("mobile 41588213", "41588213"),
        ("Mob: 917 22 418", "917 22 418"),
        ("her mother, mobile (30)/455-2871", "(30)/455-2871"),
        ("phone (0161) 4960388", "(0161) 4960388"),
        ("his number is +90(532)4418820, whatsapp only", "+90(532)4418820"),
        ("Mob: +359(0)88 4412093", "+359(0)88 4412093"),
        ("call the office at 713-555-0182 x4410 after 5", "713-555-0182 x4410"),
        ("reception (281)555-0190ext. 12", "(281)555-0190ext. 12"),
    ],
)  # fmt: skip
def test_a_phone_after_its_label_in_its_countrys_layout_is_masked_with_its_extension(
    redactor: Redactor, text: str, phone: str
) -> None:
    out = masked(redactor, text)
    assert "[PHONE]" in out and phone not in out, out
    assert not any(ch.isdigit() for ch in out.replace("[PHONE]", "").split("after")[0]), out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("flight TK 1843 lands at 14:25", "1843"),
        ("order no. 4471 2093 shipped on Monday", "4471 2093"),
        ("the case number 2024-118733 is closed", "2024-118733"),
    ],
)  # fmt: skip
def test_numbers_without_a_phone_label_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)
