"""Rules added after the second blind corpus: context around unknown words, ages beside people, more address and
phone forms. Each test has a look-alike that must stay readable. Examples are invented (not from the corpora)."""

from __future__ import annotations

from redaction import Redactor

from .conftest import assert_hidden, assert_kept, labels_of


# --- names no lexicon holds ---------------------------------------------------------------------------------------
def test_unknown_word_before_a_person_verb_is_a_name(redactor: Redactor) -> None:
    assert_hidden(redactor, "Zorayda says the boss took her papers", "Zorayda")
    assert_hidden(redactor, "Tavarius is with his cousin tonight", "Tavarius")
    assert_hidden(redactor, "we picked up Kethlyn from the bus stop", "Kethlyn")


def test_everyday_and_place_words_in_the_same_positions_stay(redactor: Redactor) -> None:
    assert_kept(redactor, "Housing says the beds are full", "Housing")
    assert_kept(redactor, "Pasadena is with us on this op", "Pasadena")
    assert_kept(redactor, "we placed her in Joliet last week", "Joliet")


def test_given_name_before_a_found_surname_joins_it(redactor: Redactor) -> None:
    assert_hidden(redactor, "deputies picked up Tyler Qwerasto (16) at the depot", "Tyler", "Qwerasto", "16")


def test_joined_names_and_equivalences(redactor: Redactor) -> None:
    assert_hidden(redactor, "Maria Lopez = Flaca on the ads", "Flaca")
    assert_hidden(redactor, "Yesenia and Dulcinara were at the house", "Dulcinara")


def test_nickname_prefix_and_reversed_names(redactor: Redactor) -> None:
    assert_hidden(redactor, "the guy they call El Chapulin drives the van", "El Chapulin")
    assert_hidden(redactor, "pt Okonjo, Adaeze; seen 0300", "Okonjo, Adaeze")


def test_soft_cues_take_only_name_like_words(redactor: Redactor) -> None:
    assert_hidden(redactor, "she lives w/ Ruslanka now", "Ruslanka")
    assert_kept(redactor, "meeting with Houston PD at 2", "Houston")


# --- ages -------------------------------------------------------------------------------------------------------
def test_age_beside_any_person_finding(redactor: Redactor) -> None:
    assert_hidden(redactor, "Wendolyn Arreaga (17) was recovered", "(17)")
    assert_hidden(redactor, "Kofi Boateng (Ghana, 41) is the crew lead", "41")
    assert_hidden(redactor, "Luz Marina Pech 19, from Yucatan", "19")


def test_number_words_and_chained_ages(redactor: Redactor) -> None:
    assert_hidden(redactor, "she's sixteen and scared", "sixteen")
    assert_hidden(redactor, "she looks 14 or 15, tiny", "14", "15")
    assert_hidden(redactor, "tiene quince años", "quince")


def test_counts_and_durations_are_not_ages(redactor: Redactor) -> None:
    assert "AGE" not in labels_of(redactor, "she said 3 girls were inside for maybe 20 minutes")
    assert "AGE" not in labels_of(redactor, "Maria Lopez 10 am Monday at the office")


# --- addresses --------------------------------------------------------------------------------------------------
def test_cross_streets_joined_by_and(redactor: Redactor) -> None:
    assert_hidden(redactor, "they drop the girls at Gessner and Fondren at night", "Gessner and Fondren")
    assert_hidden(redactor, "pickup from Oak St & 9th", "Oak St & 9th")
    assert_kept(redactor, "coordinate with Dallas and Houston tomorrow", "Dallas", "Houston")


def test_named_lodging_with_unit_and_long_room_numbers(redactor: Redactor) -> None:
    assert_hidden(redactor, "she is at the Sunburst Inn rm 114 now", "rm 114")
    assert_hidden(redactor, "he had them in room 1408 all week", "1408")
    assert_kept(redactor, "hearing moved to courtroom 1408", "1408")


def test_foreign_address_forms(redactor: Redactor) -> None:
    assert_hidden(redactor, "familia en 6a Calle 3-15, zona 2, Mixco", "6a Calle 3-15")
    assert_hidden(redactor, "mama: Str. Florilor nr. 9, Iasi", "Str. Florilor nr. 9")
    assert_hidden(redactor, "мама: вул. Садова 14, кв. 3, Львів", "Садова 14")
    assert_hidden(redactor, "her mother lives 广东省广州市天河路100号", "天河路100号")


def test_box_forms_and_street_lived_on(redactor: Redactor) -> None:
    assert_hidden(redactor, "mail goes to HC 12 Box 305, Kayenta AZ 86033", "HC 12 Box 305")
    assert_hidden(redactor, "he stays on W 23rd St with his aunt", "W 23rd St")


# --- phones, handles, plates, dates of birth --------------------------------------------------------------------
def test_obfuscated_phones(redactor: Redactor) -> None:
    assert_hidden(redactor, "text 5I2-7O4-88O1 for dates", "5I2-7O4-88O1")
    assert_hidden(redactor, "call six one nine 555 two 2 7 7", "six one nine 555 two 2 7 7")
    assert_hidden(redactor, "her number 281 · 555 · 0136", "281 · 555 · 0136")
    assert_hidden(redactor, "tio in Mexico +52 1 55 1234 5678", "+52 1 55 1234 5678")


def test_bare_handles_after_a_platform(redactor: Redactor) -> None:
    assert_hidden(redactor, "Kik user lil.mami_22 keeps messaging her", "lil.mami_22")
    assert_kept(redactor, "she is on snap a lot", "snap a lot")


def test_plate_after_a_vehicle(redactor: Redactor) -> None:
    assert_hidden(redactor, "grey Altima TX RKP 4471 outside", "RKP 4471")
    assert_kept(redactor, "a 2019 Altima with tinted windows", "2019")


def test_old_full_dates_are_dates_of_birth(redactor: Redactor) -> None:
    assert_hidden(redactor, "Rosa Quispe, 04/11/2006, Peru", "04/11/2006")
    assert_hidden(redactor, "DOB per the school record: March 2 2009", "March 2 2009")
    assert_kept(redactor, "hearing is 03/14/2027 at 9", "03/14/2027")
    assert_kept(redactor, "she arrived 06/02/2011 on a tourist visa", "06/02/2011")


def test_a_street_named_after_a_person_is_a_place(redactor: Redactor) -> None:
    assert_kept(redactor, "van exits Manning Ave eastbound, then Cesar Chavez St", "Manning Ave", "Cesar Chavez St")
    assert_hidden(redactor, "she stays with Grace Lane's cousin Maria Lopez", "Maria Lopez")


def test_meeting_words_at_the_start_are_not_names(redactor: Redactor) -> None:
    assert_kept(redactor, "Agenda for tomorrow: trends in the region, lessons learned", "Agenda")
    assert_kept(redactor, "Quick update on CL-1187 tomorrow", "Quick")
