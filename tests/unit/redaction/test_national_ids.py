"""Foreign national identity numbers (labelled SSN) and British driving licences: caught after a cue in the
language they are written in, or without one when python-stdnum validates a distinctive checksum-bearing format;
ordinary numbers stay readable. Every number here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor
from redaction.patterns import find_national_ids

from .conftest import assert_hidden, labels_of


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her CURP: ROLE920614MDFDPR05 per the consulado", "ROLE920614MDFDPR05"),
        ("el DPI de ella es 2741 88305 0108, lo tiene el patrón", "2741 88305 0108"),
        ("DNI 0801-1999-22817 (hondureño)", "0801-1999-22817"),
        ("cédula de ciudadanía 79.412.603 según la fiscalía", "79.412.603"),
        ("CC 1023884512 expedida en Bogotá", "1023884512"),
        ("CPF dele 318.406.527-81 e o RG 42.118.906-3", "318.406.527-81"),
        ("CPF dele 318.406.527-81 e o RG 42.118.906-3", "42.118.906-3"),
        ("CNP 2990315406317 from his buletin", "2990315406317"),
        ("PESEL: 88031412345", "88031412345"),
        ("EGN 7503126543 on the Bulgarian ID", "7503126543"),
        ("IDNP 2004001234567 on the Moldovan card", "2004001234567"),
        ("身份证号码 110105198507123051", "110105198507123051"),
        ("NIK 3174051204880003 dari KTP", "3174051204880003"),
        ("주민등록번호 880314-2134572", "880314-2134572"),
        ("เลขบัตรประชาชน 3 1012 00458 31 6", "3 1012 00458 31 6"),
        ("số CCCD 001188004512 của cô ấy", "001188004512"),
        ("her NI number is JK 48 21 07 C", "JK 48 21 07 C"),
        ("Kosovan national ID 1208843311 in the bag", "1208843311"),
    ],
)
def test_a_national_id_after_its_cue_is_masked_as_ssn(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)
    assert any(f.label == "SSN" and text[f.start : f.end] == secret for f in find_national_ids(text))


@pytest.mark.parametrize(
    "secret",
    [
        "ROLE920614MDFDPR01",  # CURP with a valid check digit
        "318.406.527-80",  # CPF
        "1990315406311",  # Romanian CNP
        "110105198507123050",  # Chinese resident ID
        "880314-2134571",  # Korean RRN
        "JG 10 37 29 A",  # NINO (no checksum; prefix and suffix letters checked)
    ],
)
def test_a_checksum_valid_id_is_masked_without_a_cue(redactor: Redactor, secret: str) -> None:
    text = f"wrote down {secret} on the back of the intake form"
    assert_hidden(redactor, text, secret)
    assert "SSN" in labels_of(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "wrote down 1990315406312 on the back",  # CNP shape, wrong check digit
        "wrote down 318.406.527-00 on the back",  # CPF shape, wrong check digits
        "meeting ID 883 2211 0045 at 3pm",
        "case ID 2024-00317 is closed",
        "poster ID, they're sending report 24-11873 by Friday",
        "BSA ID 31000229183744 was filed",
        "the fake ID says 08/12/2001",
        "ID: TX DL 40188273",
        "Texas ID: 41872203, DOB unknown",  # a state ID is the driver's licence recognizer's
        "her personal number is 713-555-0199",  # a phone, not an identity number
        "NI idea, llama al 55 1234 5678",
        "CC Lt Moreno on 24-118733",
        "NI 3 cases pending 20240311",
        "RG 2024 budget line 4410233",
    ],
)
def test_ordinary_numbers_are_not_national_ids(text: str) -> None:
    assert [text[f.start : f.end] for f in find_national_ids(text)] == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("her UK driving licence: HARRI762148AB7QZ", "HARRI762148AB7QZ"),
        ("provisional licence MORGA957301J99WX 04 in his wallet", "MORGA957301J99WX 04"),
    ],
)
def test_a_british_driving_licence_number_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)
    assert "DRIVER_LICENSE" in labels_of(redactor, text)


def test_a_driving_licence_shape_with_an_impossible_month_is_left() -> None:
    assert [f for f in find_national_ids("batch HARRI732148AB7QZ shipped") if f.label == "DRIVER_LICENSE"] == []
