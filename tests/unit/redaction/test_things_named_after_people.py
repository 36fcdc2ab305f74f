"""Issue 17, precision (session 10): things named after people or named like them -- hospitals, motels,
companies, organisations, roads, parks, storms, car models, places used as a kind -- are no person when the words
around the name make it a thing, and a person beside them or with a person cue is still masked. Invented examples,
not corpus lines."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import masked


@pytest.mark.parametrize(
    "text",
    [
        # an organisation's, a hospital's, a motel's or a road's head word inside the capitalised run
        "Dunmore Regional says their SANE nurse is out until Monday",
        "the intake happened at Pemberton National, gate 4",
        "we booked two rooms at the Whitaker Inn for the weekend",
        "Holloway Suites on the frontage road rents by the week",
        "Dalton Logistics has 14 trucks registered to that yard",
        "Loretta Freight dispatch never called back",
        "Franklin Roosevelt Schools sent the training request",
        "Bill Clements Tollway is closed near the exit tonight",
        # a company's legal form after the name, even in quotes
        'the lease is with "Kessler Haulage" LLC, not the driver',
        "Morrow Brothers Trucking, Inc. filed the H-2B petition",
        # "X Against Y", storms, ships and Indonesian companies
        "Nurses Against Exploitation is hosting the webinar",
        "Hurricane Beatrice flooded the shelter's ground floor",
        "the recruiter is PT Cahaya Abadi in Surabaya",
        # a park, a lake or a day after a run of names
        "the vigil is at Ella Mae Park at 7",
        "outreach table at Rosa Lee Lake on Saturday",
        # a car model after a determiner or a colour, a place used as a kind
        "the Camry was towed from the motel lot last night",
        "a silver Tacoma keeps circling the truck stop",
        "he had a Manitoba plate and an Ontario one in the trunk",
        # a name before a lower-case airport, bridge or park word
        "the Gerald Ford International airport shuttle leaves at 6",
    ],
)
def test_named_things_are_not_people(redactor: Redactor, text: str) -> None:
    assert "[PERSON]" not in masked(redactor, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("client Jin-woo Park says the boss kept his passport", "Jin-woo Park"),
        ("referral for Seo-yeon Park, 19, Korean interpreter needed", "Seo-yeon Park"),
        ("Ms. Sienna Lewis dropped off the forms", "Sienna Lewis"),
        ("the Sierra was parked outside, Sierra Mendoza was inside", "Sierra Mendoza"),
        ("Loretta Jimenez from the freight company came to the shelter", "Loretta Jimenez"),
        ("Hurricane relief volunteer Beatrice Olawale signed the consent", "Beatrice Olawale"),
    ],
)
def test_people_beside_named_things_are_still_masked(redactor: Redactor, text: str, name: str) -> None:
    assert name not in masked(redactor, text)
