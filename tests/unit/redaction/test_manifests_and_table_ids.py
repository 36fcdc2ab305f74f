"""Passenger and crew names in manifest layouts (``SURNAME/GIVEN MR``, ``SURNAME, Given`` in a crew list) and the
national identity numbers of the country table (a python-stdnum checksum near a cue in the country's language).
Every name and number here is invented; the numbers are computed to pass (or, where said, to fail) their checksum."""

from __future__ import annotations

import pytest

from redaction import Redactor
from redaction.manifest import find_manifest_names
from redaction.national_ids import find_table_national_ids


def _assert_whole(redactor: Redactor, text: str, secret: str, label: str) -> None:
    """Every character of ``secret`` is inside a finding of ``label`` (not half a name, not a phone number)."""
    start = text.index(secret)
    covered = {i for f in redactor.detect(text) if f.label == label for i in range(f.start, f.end)}
    assert all(i in covered for i in range(start, start + len(secret))), (secret, label)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("pax list from the airline:\nOKONKWO/CHIDINMA MRS 22A\nOKONKWO/TOBENNA MSTR 22B", "OKONKWO/TOBENNA"),
        ("she flew as VILLANUEVA/ROSALINDA MS out of Manila", "VILLANUEVA/ROSALINDA"),
        ("the booking shows DE LA PAZ/ANA LUCIA MRS and nobody else", "DE LA PAZ/ANA LUCIA"),
        ("flight 412, one minor: QUISPE-MAMANI/YESSENIA", "QUISPE-MAMANI/YESSENIA"),
        ("crew manifest has ABEYSEKERA/NUWAN on the vessel", "ABEYSEKERA/NUWAN"),
        ("TRAN/THI-HUONG  14F\nPHAM/QUOC BAO  14E", "TRAN/THI-HUONG"),
        ("TRAN/THI-HUONG  14F\nPHAM/QUOC BAO  14E", "PHAM/QUOC BAO"),
        ("ship's crew list: MWANGALA, Chipo (galley)", "MWANGALA, Chipo"),
        ("passenger roster row 9: TEMIRKHANOVA, AIGERIM.", "TEMIRKHANOVA, AIGERIM"),
        ("charter passenger, Lindqvist/Saga Ms, seat 3C", "Lindqvist/Saga"),
    ],
)
def test_a_manifest_name_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert any(text[f.start : f.end] == secret for f in find_manifest_names(text))
    _assert_whole(redactor, text, secret, "PERSON")


@pytest.mark.parametrize(
    "text",
    [
        "HSI/FBI joint op on the flight list, and/or CBP",
        "passenger count N/A, speed 90 km/h, hotline 24/7",
        "route JFK/LAX then LAX/SFO, crew rests in TX/OK",
        "the DHS/ICE crew brief on the manifest",
        "READ/WRITE access to the passenger database",
        "crew list: Houston, Texas.",
        "passengers flagged: none, per CBP.",
        "OPEN/CLOSED status of the booking",
    ],
)
def test_slashes_and_commas_that_are_no_names_stay(text: str) -> None:
    assert list(find_manifest_names(text)) == []


def test_a_lone_capitals_pair_without_title_or_context_is_left_to_the_models() -> None:
    assert list(find_manifest_names("saw USCIS/ERO note today")) == []
    assert list(find_manifest_names("MARQUEZ/ELENA")) == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("TC kimlik no: 47503182628, nüfus kaydı Konya", "47503182628"),
        ("nüfus cüzdanı 47503182628, annesinde", "47503182628"),
        ("carnet de identidad 87091644000 (La Habana)", "87091644000"),
        ("ЕГН 8612150169 на майката", "8612150169"),
        ("РНОКПП 3021910007, паспорт окремо", "3021910007"),
        ("her teudat zehut 308106855", "308106855"),
        ("کد ملی 0084571306", "0084571306"),
        ("the Iranian national code, 0084571306, was on the form", "0084571306"),
        ("QID 29103548817 per the Doha embassy", "29103548817"),
    ],
)
def test_a_table_national_id_near_its_cue_is_masked_as_ssn(
    redactor: Redactor, text: str, secret: str
) -> None:
    assert any(f.label == "SSN" and text[f.start : f.end] == secret for f in find_table_national_ids(text))
    _assert_whole(redactor, text, secret, "SSN")


def test_a_checksum_typo_is_forgiven_right_after_the_cue_only() -> None:
    assert [f.start for f in find_table_national_ids("TC kimlik 47503182620")] == [10]  # last digit wrong
    far = "TC kimlik was on the form she had, the one we never copied down; 47503182620"
    assert list(find_table_national_ids(far)) == []


@pytest.mark.parametrize(
    "text",
    [
        "TC kimlik is 11 digits, her case 2024-00188 is open",
        "carnet de identidad pending, call 305-555-0142",
        "ЕГН липсва, дата 12.03.2024",
        "QID renewal fee 200 QAR, ref 1234567",
    ],
)
def test_numbers_that_fail_the_country_check_stay(redactor: Redactor, text: str) -> None:
    assert list(find_table_national_ids(text)) == []
