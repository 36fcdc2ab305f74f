"""Issue 17, precision (session 11): clean task-force messages that must come out unmasked, one class per test, and
a person, number or place of the same shape beside them that must still be masked. Invented examples, not corpus
lines (input text -> masked output)."""

from __future__ import annotations

import pytest

from redaction import Redactor
from redaction.findings import PERSON, Finding
from redaction.precision import FalseAlarms

from .conftest import masked

# -- passes after the false-alarm judgement respect its verdicts ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the lexicon's "Martin Luther King" completed to "... Jr." before "Day": a holiday, once judged, stays clear
        (
            "office closed Monday for Martin Luther King Jr. Day, intake resumes Tuesday",
            "office closed Monday for Martin Luther King Jr. Day, intake resumes Tuesday",
        ),
        (
            "Martin Luther King Jr. Day parade route avoids the shelter block",
            "Martin Luther King Jr. Day parade route avoids the shelter block",
        ),
        # a person beside the holiday is still masked, and a Turkic patronymic stays part of a completed name
        (
            "Odalys Brenner called about the Martin Luther King Jr. Day closure",
            "[PERSON] called about the Martin Luther King Jr. Day closure",
        ),
        ("worker Азамат Бакыт уулу fell from the scaffold", "worker [PERSON] fell from the scaffold"),
    ],
)
def test_a_completed_name_is_judged_again(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a completion that runs into a contraction, a label or an article is not kept; the name itself is
        (
            "voicemail: hey it's Brianella I'm at the motel by exit 40",
            "voicemail: hey it's [PERSON] I'm at the motel by exit 40",
        ),
        (
            "Tenant: Rosalind Mayfield Landlord: Sunrise Property Mgmt",
            "Tenant: [PERSON] Landlord: Sunrise Property Mgmt",
        ),
        ("la mamá de Yesenia cambió de número", "la mamá de [PERSON] cambió de número"),
        # a Turkic patronymic stays part of the completed name
    ],
)
def test_a_completion_judged_a_false_alarm_leaves_the_name_it_grew_from(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


def test_overruled_is_a_span_inside_one_judged_a_false_alarm() -> None:
    text = "for Martin Luther King Jr. Day"
    alarms = FalseAlarms(text)
    alarms.clear(Finding(4, 25, PERSON, 0.85, "ner"))  # "Martin Luther King Jr"
    assert alarms.overruled(Finding(4, 22, PERSON, 0.75, "name_lexicon"))  # "Martin Luther King"
    assert alarms.overruled(Finding(4, 26, PERSON, 0.75, "name_lexicon"))  # with the "." after "Jr"
    assert not alarms.overruled(Finding(0, 26, PERSON, 0.75, "name_lexicon"))  # wider than the cleared span
    alarms.clear(Finding(4, 25, "AGE", 0.85, "age"))
    assert not alarms.overruled(Finding(4, 22, "AGE", 0.75, "age"))  # names only
    assert not alarms.overruled(Finding(4, 22, PERSON, 0.9, "deny_list"))  # the deny-list wins


# -- laws, alerts, days and holidays named after people or read as names ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Megan's Law registry check came back clean for the address",
        "Jessica's Law applies here per the DA",
        "the Adam Walsh Act registry lists nothing for that county",
        "Amber Alert issued last night for a different county",
        "Valentine's Day outreach at the truck stops, 2 vans",
        "Tết is coming up, expect the salons to close for a week",
        "Songkran at the temple is April 13-14, outreach table approved",
        "Dashain is next month and the men want to call home",
    ],
)
def test_laws_alerts_days_and_holidays_are_no_person(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Megan's phone is off, Megan said she'd call back", "[PERSON]'s phone is off, [PERSON] said she'd call back"),
        ("Maria Law said she was 16", "[PERSON] said she was [AGE]"),
        ("Amber's Day off is Tuesday", "[PERSON]'s Day off is Tuesday"),
    ],
)
def test_a_person_before_such_a_word_is_still_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


# -- organisations opened by a cue word, format and radio talk ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a cue word ("Sister", "Survivor") opening an organisation's name
        "Sister Rose Center can take one adult female after 11",
        "Agenda: Survivor Advisory Council 12/16, budget for stipends",
        # a table's heading row, a CSV row of counts
        "Client\tAge\tCountry\tPhone\tStatus <- header row, don't share the sheet",
        "county,referrals,minors\nHarris,212,14\nDallas,140,9",
        # radio call signs, patrol cars and units of people
        "Adam-12 copy, en route to the truck stop",
        "radio check: 2-Baker-14 and 3-Adam-22 on channel 5",
        "Car 12 and Car 19 respond to the truck stop",
        "Unit 4 is running the I-10 outreach tonight",
        "Unit 7 can take overflow, they have capacity for 2 cases",
    ],
)
def test_organisations_tables_and_radio_talk_are_clean(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her name is Rosa Hall, she is 16", "her name is [PERSON], she is [AGE]"),
        ("she lives in Unit 4 at the Oakwood apts", "she lives in [ADDRESS] at the Oakwood apts"),
        ("her tenant in unit 2 has 6 men living there", "her tenant in [ADDRESS] has 6 men living there"),
        ("Kayla 19 and Brianna 17 were at the truck stop", "[PERSON] [AGE] and [PERSON] [AGE] were at the truck stop"),
        ("他老婆的微信是 meiyu_changle88，可以直接联系", "他老婆的微信是 [HANDLE]"),
    ],
)
def test_people_flats_and_handles_beside_those_classes_are_still_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected
