"""Number-like identifiers a survivor's message carries: South Asian and African national IDs (labelled SSN), the
last four of a card or an SSN, A-numbers, insurance member IDs, passports, licences, IBANs and numbers dialled from
the US with 011 -- found after their cue words, in lists, or by a checksum-bearing shape; the case, receipt and form
numbers, shifts and plan numbers around them stay readable. Every number here is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_hidden, assert_kept, labels_of


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("Aadhaar she remembers: 4821 6604 9173. no PAN", ["4821 6604 9173"]),
        ("her aadhar no. is 4821-6604-9173", ["4821-6604-9173"]),
        ("PAN card ABKPS4421M, UID number 7731 2290 4410", ["ABKPS4421M", "7731 2290 4410"]),
        ("Osa (vic) NIN per her slip: 38291047765", ["38291047765"]),
        ("nin 7420 3318 925, no passport, came through Niger", ["7420 3318 925"]),
        ("BVN 22190844731 on the bank form", ["22190844731"]),
        ("NIDA number 19900412-14117-00001-21 from the mother", ["19900412-14117-00001-21"]),
        ("Ghana card number on her phone photo: GHA-719204583-4", ["GHA-719204583-4"]),
        ("family CNICs from the pic: father 35102-4471829-5, mother 35102-9038114-2",
         ["35102-4471829-5", "35102-9038114-2"]),
        ("NIC 197854302177 is the new format", ["197854302177"]),
        ("ID numbers (Kenyan national ID): 28471093, 31 044 872, 27719305", ["28471093", "31 044 872", "27719305"]),
        ("Barbados ID number for the ITIN application: 19880412-0073", ["19880412-0073"]),
        ("PRC ID number (身份证) for Ms. Lin: 35012819780322461X", ["35012819780322461X"]),
    ],
)  # fmt: skip
def test_a_national_id_after_its_cue_is_masked_as_ssn(redactor: Redactor, text: str, secrets: list[str]) -> None:
    assert_hidden(redactor, text, *secrets)
    assert "SSN" in labels_of(redactor, text)


@pytest.mark.parametrize(
    "secret",
    [
        "2345 6789 0124",  # Aadhaar in its printed groups, Verhoeff check digit right
        "ABKPS4421M",  # a personal PAN
        "42101-1234567-3",  # CNIC
        "GHA-719204583-4",  # Ghana Card
        "785430217V",  # Sri Lankan NIC, old format (day 543: a woman born on day 43)
        "CF92034105PKLE",  # Ugandan NIN
    ],
)
def test_a_distinctive_national_id_is_masked_without_a_cue(redactor: Redactor, secret: str) -> None:
    text = f"wrote down {secret} on the back of the intake form"
    assert_hidden(redactor, text, secret)
    assert "SSN" in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("wrote down 2345 6789 0125 on the back", "2345 6789 0125"),  # Aadhaar groups, Verhoeff wrong
        ("case ID number 2024-00317 is closed", "2024-00317"),
        ("meeting ID number 883 2211 0045", "883 2211 0045"),
        ("PAN fried the eggs at 0800 for 12 people", "0800"),
        ("NIN 38291047765, case 2024-118734 stays open", "2024-118734"),
        ("the NIC asked for 40 copies by Friday", "40"),
        ("ID 4417 2208 is hers, receipt 77120448 is the shelter's", "77120448"),
    ],
)
def test_numbers_around_national_id_cues_stay_readable(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


def test_a_hotline_after_an_id_cue_is_no_identity_number(redactor: Redactor) -> None:
    assert "SSN" not in labels_of(redactor, "CNIC office hotline 0800 78 000 for everyone")


@pytest.mark.parametrize(
    ("text", "secret", "label"),
    [
        ("client's Social: xxx-xx-3391 (last 4 only on the form)", "3391", "SSN"),
        ("ssn ends 9803, full 461229803", "461229803", "SSN"),
        ("account tied to card ending 4471", "4471", "CREDIT_CARD"),
        ("linked debit card ending in 8821, bank acct at Chime", "8821", "CREDIT_CARD"),
        ("payout to Chime, card last 4 0093", "0093", "CREDIT_CARD"),
        ("receipt shows VISA xxxx-xxxx-xxxx-4417", "4417", "CREDIT_CARD"),
        ("Walmart MoneyCard 4037840066554413 in her purse", "4037840066554413", "CREDIT_CARD"),
        # "ended in": the past tense of "ends in" (blind14)
        ("the rider's card ended in 8842, per the driver", "8842", "CREDIT_CARD"),
        ("her old number ended in 5519", "5519", "SSN"),
    ],
)
def test_a_partial_or_masked_card_or_ssn_is_masked(redactor: Redactor, text: str, secret: str, label: str) -> None:
    assert_hidden(redactor, text, secret)
    assert label in labels_of(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "gift card for $4471 total, ending up at the shelter",
        "card table for 12 people, last 4 rows are staff",
        "credit union ending balance 4471 after fees",
    ],
)
def test_card_words_without_a_last_four_leave_numbers_alone(redactor: Redactor, text: str) -> None:
    assert "CREDIT_CARD" not in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("the A-number on the I-797 is 216 551 904 and that's the new one", ["216 551 904"]),
        ("A# on the I-914 is 213554908, no dashes", ["213554908"]),
        ("needs her A-number on the LE declaration, it's a216803341", ["a216803341"]),
        ("EOIR line says no hearing scheduled for 215884019", ["215884019"]),
        ("USCIS# 219-664-018", ["219-664-018"]),
        ("her A number is 2 0 7 - 3 3 1 - 8 4 6 per EOIR", ["2 0 7 - 3 3 1 - 8 4 6"]),
        ("Hoa A215887402, the other woman 201 339 870", ["A215887402", "201 339 870"]),
    ],
)
def test_an_a_number_later_in_its_clause_or_listed_is_masked(
    redactor: Redactor, text: str, secrets: list[str]
) -> None:
    assert_hidden(redactor, text, *secrets)
    assert "A_NUMBER" in labels_of(redactor, text)


def test_a_receipt_number_after_an_a_number_cue_is_no_a_number(redactor: Redactor) -> None:
    assert "A_NUMBER" not in labels_of(redactor, "A# pending, receipt 091 234 567 came today")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("insurance card on file: member ID XJH884120377, group 00781", "XJH884120377"),
        ("Medicaid ID 881 204 557 T active through Dec", "881 204 557 T"),
        ("insurance: BCBS, member ZGP 913 448 702, through the husband's job", "ZGP 913 448 702"),
        ("the EOB shows member ID MCD-4410983-01", "MCD-4410983-01"),
        ("hospital number RLH0938217. She gave her first name only", "RLH0938217"),
        ("chart # CHC-0088213: pt reports 14-hr shifts", "CHC-0088213"),
        ("MRN for the burns pt GGMC-2207714 if the atty needs it", "GGMC-2207714"),
        ("MRN from the FQHC: 00291-4478-B", "00291-4478-B"),
        ("nurse: MR-0074-1193 at the ED", "MR-0074-1193"),
        ("medical rec # 3318-2290-7", "3318-2290-7"),
    ],
)
def test_medical_record_and_member_numbers_are_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


def test_the_plan_numbers_after_a_member_id_stay_readable(redactor: Redactor) -> None:
    text = "Member ID on the back of the plan card: U7721904435, group 00781, Rx BIN 004336"
    assert_hidden(redactor, text, "U7721904435")
    assert_kept(redactor, text, "00781", "004336")


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("holding all 6 passports. top one in the stack G31884205", ["G31884205"]),
        ("a copy of the old passport. we do. expired EK0481933", ["EK0481933"]),
        ("5 VN passports recovered incl. C4871926 and C5093318", ["C4871926", "C5093318"]),
        ("paszport nr EA4471926, she knew it by heart", ["EA4471926"]),
        ("no passport on him, the vessel agent has it, manifest lists it as K0291446", ["K0291446"]),
    ],
)
def test_a_passport_number_in_a_message_about_passports_is_masked(
    redactor: Redactor, text: str, secrets: list[str]
) -> None:
    assert_hidden(redactor, text, *secrets)
    assert "PASSPORT" in labels_of(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "passport is held by the employer, caseworker on standby 1400-2200",
        "passports were returned. case 24-118734 closed, receipt R1234567 filed",
        "passport photo booth, last entry EWR 2019",
    ],
)
def test_shifts_and_case_numbers_near_passport_words_stay_readable(redactor: Redactor, text: str) -> None:
    assert "PASSPORT" not in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("WA DL on the van rental: WDLK7QX93NB, rented by him", "WDLK7QX93NB"),
        ('MI DL on the payroll paperwork for the "manager": H 320 551 847 193, name unknown', "H 320 551 847 193"),
        ("AYALA,JONATHAN,19910304,M,H,A400-8821-0091/IL", "A400-8821-0091"),
        ("FL DL front OCR:\nG620-418-96-712-0", "G620-418-96-712-0"),
        ("his Moldovan permis de conducere per the border record: MDA 0041182", "0041182"),
    ],
)
def test_a_driver_licence_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Senegalese IBAN SN08 SN010 01520 000026845 87", "SN08 SN010 01520 000026845 87"),
        ("IBAN BR15 0000 0000 0000 1093 2840 814 P2", "BR15 0000 0000 0000 1093 2840 814 P2"),
        ("pay went to Ukrainian accounts, one of them UA903052990000026206123456780", "UA903052990000026206123456780"),
        ("the IBAN on a receipt: CI93 CI00 8011 1301 3429 1200 5892", "CI93 CI00 8011 1301 3429 1200 5892"),
    ],
)
def test_an_iban_grouped_its_countrys_way_is_masked(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)
    assert "IBAN" in labels_of(redactor, text)


def test_a_number_dialled_from_the_us_with_011_is_masked(redactor: Redactor) -> None:
    text = "reach abuela at 011 52 1 33 5555 0123 after 6"
    assert_hidden(redactor, text, "5555 0123", "011 52 1 33")
    assert "PHONE" in labels_of(redactor, text)


def test_delhis_area_code_011_is_no_international_prefix(redactor: Redactor) -> None:
    assert_hidden(redactor, "second agent in Delhi, landline 011-2644-7701", "2644-7701")


@pytest.mark.parametrize(
    ("text", "secret", "label"),
    [
        ("card 4417 5xxx xxxx xxxx was declined", "4417 5", "CREDIT_CARD"),
        ("receipt 4147-xxxx-xxxx-4417 from the motel", "4417", "CREDIT_CARD"),
        ("the last four of her card: 4417", "4417", "CREDIT_CARD"),
        ("her a number is a two one one four four seven nine zero three", "seven nine zero", "A_NUMBER"),
        ("they need the DUI, do we have it? She's saying 05873341-6 from memory", "05873341-6", "SSN"),
        ("does the Moldovan ID number go in the box? we have 2003004153918 for her", "2003004153918", "SSN"),
        ("她说老板娘叫林姐，电话是+86 138 5512 0467，护照在她那里", "+86", "PHONE"),
    ],
)
def test_more_partial_spoken_and_later_numbers_are_masked(
    redactor: Redactor, text: str, secret: str, label: str
) -> None:
    assert_hidden(redactor, text, secret)
    assert label in labels_of(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "code xxxx-xxxx-xxxx-xxxx in the template",
        "grid 12xx 34xx 56xx 78xx on the form",
        "national ID clinic Saturday, case 2024118734 is the shelter's",
    ],
)
def test_masks_without_digits_and_case_numbers_in_an_id_message_are_left(redactor: Redactor, text: str) -> None:
    assert not {"CREDIT_CARD", "SSN"} & labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "secret", "label"),
    [
        ("RUT 12.345.678-5 en la ficha", "12.345.678-5", "SSN"),
        ("wrote 8803145123088 on the form", "8803145123088", "SSN"),  # South African ID, Luhn and birth date
        ("رقم الهوية 2871104587 عند الكفيل", "2871104587", "SSN"),
        ("জাতীয় পরিচয়পত্র 19901234567890123", "19901234567890123", "SSN"),
        ("आधार 4821 6604 9173", "4821 6604 9173", "SSN"),
        ("INE 1234567890123 de la víctima", "1234567890123", "SSN"),
        ("carte d'identité n° 123456789012 au consulat", "123456789012", "SSN"),
        ("pasaporta e saj: AB1234567", "AB1234567", "PASSPORT"),
        ("pasipoti yake C1234567 iko kwa tajiri", "C1234567", "PASSPORT"),
    ],
)
def test_identity_and_passport_cues_in_more_languages(redactor: Redactor, text: str, secret: str, label: str) -> None:
    assert_hidden(redactor, text, secret)
    assert label in labels_of(redactor, text)


@pytest.mark.parametrize("text", ["we were RUN 12 times", "INE course 2024 in the spring", "RUT 12 shipped"])
def test_short_capital_id_cues_need_an_id_shaped_number(redactor: Redactor, text: str) -> None:
    assert "SSN" not in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("traffic stop on KTN 4498 louisiana plate two females in back", "KTN 4498"),
        ("black BMW X5, B 204 MRS Romanian plates, seen daily at the wash", "B 204 MRS"),
        ("ran JRK-4471, comes back to his mom", "JRK-4471"),
        ("Louisiana plate Y 883 442", "Y 883 442"),
        ("AZ plate CZF-1182, temp tag also seen: P847290", "P847290"),
        ("paper tag in the back window says 92X4418", "92X4418"),
    ],
)
def test_a_plate_before_its_plates_word_or_a_temporary_tag_is_masked(
    redactor: Redactor, text: str, secret: str
) -> None:
    assert_hidden(redactor, text, secret)
    assert "LICENSE_PLATE" in labels_of(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Lunch order for Friday: 12 BBQ plates from the deli",
        "white F-250 FL tag unknown",
        "seen 3 times, CA 2019 plates",
        "ran 12 plates today",
    ],
)
def test_counts_models_and_years_before_a_plates_word_are_no_plates(redactor: Redactor, text: str) -> None:
    assert "LICENSE_PLATE" not in labels_of(redactor, text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # a mistyped card (fails Luhn) among cards in a list, the card word out of reach (blind14)
        ("card numbers from the photos, first few: 4847 1900 2248 6615, 4847190022481092, 4847-1900-2253-7704",
         "4847190022481092"),
        ("seized prepaid cards: 4037840066554413 / 4037840066554414", "4037840066554414"),
        ("4847190022481092 and 4847 1900 2248 6615 were both on the receipt", "4847190022481092"),
    ],
)
def test_a_number_of_a_cards_length_listed_beside_a_card_is_a_card(redactor: Redactor, text: str, secret: str) -> None:
    assert_hidden(redactor, text, secret)


@pytest.mark.parametrize(
    "text",
    [
        # a card's length alone, or one far from a card or of another length, is no card
        "tracking 4847190022481092 shipped tuesday",
        "card 4037840066554413 was used; the order number in the email was 4847190022481092",
        "reference numbers 4847190022481092, 48471900224810 for the grant",
        "the meeting ended in 2019 with no vote",
    ],
)
def test_a_cards_length_alone_is_no_card(redactor: Redactor, text: str) -> None:
    found = [f for f in redactor.redact(text).findings if f.source == "credit_card_sibling"]
    assert found == [] and ("2019" not in text or "SSN" not in labels_of(redactor, text))
