"""Spans the engine left partly or wholly readable although plain spaCy NER masks them (issue 17, session 10, the
"floor"), and the non-name labels around them: an age whose own characters say it is one is never vetoed by the
context around it, a handle keeps its trailing underscore and Discord discriminator, an address or age keeps the
period of its abbreviation, licences listed after a plural cue, a CURP with a word between its cue and it, the last
four digits of a person's number. Every name and number here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, assert_whole


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Tucson — the storage unit case. 19yo cousin moved in with him", "19yo"),
        ("Dept. 12yo girl seen at the bus stop", "12yo"),
        ("recovered at the rest area, seventeen yrs old, from Gallup", "seventeen yrs old"),
        ("profile text says 21 yrs young and new in town", "21 yrs young"),
        ("BOLO FEMALE JUVENILE, 14 YOA, LAST SEEN NEAR THE DEPOT", "14 YOA"),
        ("found the boy, 9 y.o., at the laundromat", "9 y.o."),
        ("Con bé 13 tuổi, đang ở nhà chú", "13 tuổi"),
        ("in the shelter since Tuesday, 15 anyos daw siya", "15 anyos"),
    ],
)  # fmt: skip
def test_an_age_with_its_own_unit_is_masked_whole(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her IG is @kiki.lovee_ and she posted an hour ago", "@kiki.lovee_"),
        ("snap @shay.xo__ keeps adding older guys", "@shay.xo__"),
        ("discord: nightowl#2291, he messaged her in a game server", "nightowl#2291"),
        ("he added her on discord as grimreaper#0410 last week", "grimreaper#0410"),
    ],
)  # fmt: skip
def test_a_handle_keeps_its_underscore_and_discriminator(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mom's address: Calle Allende 31, Col. Centro, Morelia, Mich. — she has no phone", "Calle Allende 31, Col. Centro, Morelia, Mich."),
        ("office at Av. Juárez 1201, Centro, Ensenada, B.C. per the flyer", "Av. Juárez 1201, Centro, Ensenada, B.C."),
    ],
)  # fmt: skip
def test_an_address_keeps_the_period_of_its_state_abbreviation(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


def test_licences_listed_after_a_plural_cue(redactor: Redactor) -> None:
    text = "Oklahoma co-defendants, OK DLs 48102277 and 51930064 on the warrant"
    assert_whole(redactor, text, "48102277", "51930064")


def test_a_curp_with_words_between_its_cue_and_it(redactor: Redactor) -> None:
    text = "the CURP for the foreman, from the lease application: RAMJ820914HPLMRN07"
    assert_whole(redactor, text, "RAMJ820914HPLMRN07")


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("last 4 3317, to match the file", ["3317"]),
        ("Dario's ends in 4482 not 4428, checked the card copy", ["4482", "4428"]),
        ("the last four are 8120 per her caseworker", ["8120"]),
    ],
)  # fmt: skip
def test_the_last_four_of_a_persons_number(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_whole(redactor, text, *secrets)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the lease ends in 2026, so we have time", "2026"),
        ("the room ending in 1204 is the storage closet", "1204"),
        ("the grant ends in 2027 unless renewed", "2027"),
    ],
)  # fmt: skip
def test_a_year_or_a_room_after_ends_in_stays_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Monthly data (draft):\nIntakes 52 | Housed 38 | Minors 9 | Labor 14 | Both 3", ["38", "14"]),
        ("Sources: police: 21 | self: 13 | clinic: 7 | school: 4", ["21", "13"]),
        ("Stats (Q2):\n| Metric | Jan | Feb |\n| Cases opened | 31 | 27 |\n| Trainings | 4 | 6 |", ["31", "27"]),
        ("Staff call: (1) budget (2) intake backlog (3) crew housing (4) interpreters", ["(3)", "(4)"]),
        ("Exhibit 16 = the school letter. Exhibit 17 = the pay stubs.", ["16", "17"]),
    ],
)  # fmt: skip
def test_counts_and_numbering_are_no_ages(redactor: Redactor, text: str, kept: list[str]) -> None:
    assert_kept(redactor, text, *kept)


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("| Name | Age | Room |\n| Dulce | 16 | 212 |\n| Araceli | 15 | 212 |", ["16", "15"]),
        ("Maribel 17 | Noemi 15 | Luz 16", ["17", "15", "16"]),
        ("girls seen: Dulce (15), Araceli (16)", ["15", "16"]),
    ],
)  # fmt: skip
def test_ages_in_a_table_or_list_of_people_stay_masked(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_whole(redactor, text, *secrets)


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("return for 2 subjects:\nLAST,FIRST,DOB,SEX\nOKAFOR,DANIEL,19870512,M\nRUIZ,ANA,20010223,F", ["19870512", "20010223"]),
        ("| # | Name | DOB |\n|---|---|---|\n| V1 | Dulce Ortega | 04 MAR 08 |", ["04 MAR 08"]),
        ("| Name | Age | Room |\n| Dulce | 16 | 212 |\n| Araceli | 15 | 214 |", ["212", "214"]),
    ],
)  # fmt: skip
def test_cells_under_a_dob_or_room_heading(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_whole(redactor, text, *secrets)


def test_a_room_column_in_a_schedule_stays_readable(redactor: Redactor) -> None:
    assert_kept(redactor, "| Time | Room | Topic |\n| 9:00 | 214 | intake |\n| 10:00 | 216 | review |", "214", "216")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("nine men sleep in bunkhouse 4, the one by the pump", "bunkhouse 4"),
        ("the nail salon workers sleep in unit C over the store", "unit C"),
        ("they stayed in cabin 22 at the camp", "cabin 22"),
        ("old motel on the highway, the women are in rooms 208-210", "rooms 208-210"),
        ("motel off the interstate, rooms 11 and 12", "rooms 11 and 12"),
        ("picked her up at the corner of Bellaire and Fondren last night", "Bellaire and Fondren"),
    ],
)  # fmt: skip
def test_worker_housing_units_and_cued_intersections(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


def test_a_police_unit_letter_is_no_home(redactor: Redactor) -> None:
    assert_kept(redactor, "Unit A takes the north lot, Unit B the south", "Unit A", "Unit B")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("job ads posted from fb.com/nando.quispe.pe all week", "nando.quispe.pe"),
        ("recruiter in Osh is Olga, VK olga_work_usa", "olga_work_usa"),
        ("ig - itz_valentina.rose, goes by Rose", "itz_valentina.rose"),
        ('review board post: "hobbyist_frank: saw Lexi at her spot"', "hobbyist_frank"),
    ],
)  # fmt: skip
def test_a_name_inside_an_account_name_masks_the_account(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("contact: r.ivanova(at)mail.ru for the visa file", "r.ivanova(at)mail.ru"),
        ("send it to k.delgado21 @ gmail . com tonight", "k.delgado21 @ gmail . com"),
        ("her old one: lupita punto reyes09 arroba hotmail punto com", "lupita punto reyes09 arroba hotmail punto com"),
        ("his email, read out: t moreno 882 at yahoo dot com", "t moreno 882 at yahoo dot com"),
        ('she gave her email as "dani dot cruz ninety at hotmail" on the form', "dani dot cruz ninety at hotmail"),
        ("the agency email is placements at seaworks dot com dot ph", "placements at seaworks dot com dot ph"),
        ("email for the sponsor: gulnara dot t at inbox dot kz", "gulnara dot t at inbox dot kz"),
    ],
)  # fmt: skip
def test_spelled_and_spaced_emails_are_masked_whole(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("she works at yahoo now, not the bank", "yahoo"),
        ("we are at gmail level of security lol", "gmail"),
        ("Ms.Kim will chair the call", "chair"),
        ("meet @ 3pm at the office", "3pm"),
    ],
)  # fmt: skip
def test_providers_and_times_are_no_addresses(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Denver sent their MOU as a model, it's 28 pages and needs edits", "28"),
        ("Tribal grants reopened in March. there is no 7-year bar anymore", "7-year"),
        ("everyone sends their numbers by Monday the 12th please", "12th"),
        ("Interpreter booked for Tigrinya, 09:00–11:30, video only", "09:00–11:30"),
    ],
)  # fmt: skip
def test_counts_ordinals_and_durations_are_no_ages(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("surveillance log: W/F approx 30 exits the car, goes in", "30"),
        ("the 19 checks out against her DOB", "19"),
        ("the boy is a 5-year-old from Tulsa", "5-year-old"),
    ],
)  # fmt: skip
def test_ages_before_a_verb_or_old_stay_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Sure, 3 goes first. Court in Waco or here?", "Court"),
        ("Stop & Shop gift cards for the pantry came in", "Stop & Shop"),
        ("Runaway & Homeless Youth program can hold him 21 days", "Runaway & Homeless Youth"),
        ("Lina's Nails & Spa in Reston is not connected", "Nails & Spa"),
        ("mileage rate is 67¢/mi from July", "67¢/mi"),
        ("needs PEP refill + hep B #2 on 7/3", "B #2"),
        ("receipts: activated 3/1 at CVS #4471, total $500", "CVS #4471"),
    ],
)  # fmt: skip
def test_non_address_and_non_handle_false_alarms(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("she was seen at Sunset & Clay around midnight", "Sunset & Clay"),
        ("join t.me/latinas_vip_tx for the menu", "latinas_vip_tx"),
        ("her page is onlyfans.com/kiki.rose22 now", "kiki.rose22"),
        ("bring the new one to Flamingo & Koval by 10", "Flamingo & Koval"),
        ("it's an apt complex at Sunset & Stephanie, be careful", "Sunset & Stephanie"),
        ("telegram channel t.me/chicasvip_dallas has 2k subs", "chicasvip_dallas"),
    ],
)  # fmt: skip
def test_intersections_and_channels_after_a_location_cue_stay_masked(
    redactor: Redactor, text: str, secret: str
) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("patrol picked him up at 7420 Frankford at 0640 on the warrant", ["7420 Frankford"]),
        ("correction: it's 2218 Kedzie not 2281 Kedzie", ["2218 Kedzie", "2281 Kedzie"]),
        ("house is 1306 Calle Nogal, the pink one", ["1306 Calle Nogal"]),
    ],
)  # fmt: skip
def test_a_house_number_and_a_street_name_without_suffix(
    redactor: Redactor, text: str, secrets: list[str]
) -> None:
    assert_whole(redactor, text, *secrets)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the briefing is at 1400 Hours tomorrow", "1400 Hours"),
        ("it's 2012 Honda, silver", "2012 Honda"),
        ("there is 300 Mexicans on that crew list", "300 Mexicans"),
    ],
)  # fmt: skip
def test_times_years_and_counts_are_no_house_numbers(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("all 3 minors Mam speakers, ages per the school file 13, 15 and 16", ["13", "15", "16"]),
        ("Household: self + 2 children (Obinna 9, Ada 4)\nMailing: PO Box 118", ["9", "4"]),
    ],
)  # fmt: skip
def test_a_list_of_ages(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_whole(redactor, text, *secrets)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("all Guatemalan, ages 14–17, placed in two homes", "14–17"),
        ("the kids (Grade 3, Room 12) are in the annex", "Grade 3"),
    ],
)  # fmt: skip
def test_a_group_range_and_school_rooms_are_no_list_of_ages(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("left with the man in the blue civic, plate started with RK4", "RK4"),
        ("he drives a black F-150, plate starts JTW-3", "JTW-3"),
    ],
)  # fmt: skip
def test_the_part_of_a_plate_a_witness_saw(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("pull the Cash App records too. cashtag LuluBaby", "LuluBaby"),
        ("CB handle they're using is Roadhog44, white Kenworth", "Roadhog44"),
    ],
)  # fmt: skip
def test_a_token_named_a_handle_is_one(redactor: Redactor, text: str, secret: str) -> None:
    assert_whole(redactor, text, secret)


def test_the_word_after_cashtag_may_be_an_ordinary_word(redactor: Redactor) -> None:
    assert_kept(redactor, "the cashtag is the same one as before", "is the same")
