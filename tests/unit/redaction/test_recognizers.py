"""Each recognizer catches what task-force members type, and leaves coordination talk alone."""

from __future__ import annotations

import pytest

from redaction import LABELS, Redactor

from .conftest import labels_of, masked


@pytest.mark.parametrize(
    ("text", "secret", "label"),
    [
        ("Met with Maria Lopez this morning", "Maria Lopez", "PERSON"),
        ("MARIA LOPEZ CALLED AGAIN", "MARIA LOPEZ", "PERSON"),
        ("saw maria lopez at the clinic", "maria lopez", "PERSON"),
        ("her name is jessica and she is scared", "jessica", "PERSON"),
        ("she goes by Candy on the ads", "Candy", "PERSON"),
        ("client Xiomara consented", "Xiomara", "PERSON"),
        ("the victim's sister Lucia called", "Lucia", "PERSON"),
        (
            "staying at 4410 Bissonnet St Apt 12, Houston, TX 77005",
            "4410 Bissonnet St Apt 12, Houston, TX 77005",
            "ADDRESS",
        ),
        ("he lives at 8912 Gulf Fwy, Houston TX 77017", "8912 Gulf Fwy, Houston TX 77017", "ADDRESS"),
        ("PO Box 4432, Katy, TX 77491 for mail", "PO Box 4432, Katy, TX 77491", "ADDRESS"),
        ("called from 713-555-0199 twice", "713-555-0199", "PHONE"),
        ("mom is (832) 555-0147", "(832) 555-0147", "PHONE"),
        ("dotted 281.555.0123 works", "281.555.0123", "PHONE"),
        ("spaced 713 555 0188 too", "713 555 0188", "PHONE"),
        ("cell +52 55 1234 5678 in Mexico", "+52 55 1234 5678", "PHONE"),
        ("text 7 1 3 5 5 5 0 1 9 9 now", "7 1 3 5 5 5 0 1 9 9", "PHONE"),
        ("reach her at rosa.mendez88@gmail.com", "rosa.mendez88@gmail.com", "EMAIL"),
        ("email is lupita.r at yahoo dot com", "lupita.r at yahoo dot com", "EMAIL"),
        ("he uses bigpapi[at]protonmail[dot]com", "bigpapi[at]protonmail[dot]com", "EMAIL"),
        ("ssn 512-44-9021 on file", "512-44-9021", "SSN"),
        ("ssn 123 45 6789 on the form", "123 45 6789", "SSN"),
        ("social 123456789 on the I-9", "123456789", "SSN"),
        ("DOB 03/14/2007, no ID", "03/14/2007", "DOB"),
        ("she was born June 3, 2006 per records", "June 3, 2006", "DOB"),
        ("the 17-year-old was recovered", "17-year-old", "AGE"),
        ("client Nathan is 18, needs a bed", "18", "AGE"),
        ("age 14, runaway", "14", "AGE"),
        ("card 4111 1111 1111 1111 in his wallet", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("wire to DE89 3704 0044 0532 0130 00 weekly", "DE89 3704 0044 0532 0130 00", "IBAN"),
        ("posted from 73.162.44.201 last night", "73.162.44.201", "IP_ADDRESS"),
        ("server 2001:db8:85a3::8a2e:370:7334 hosts it", "2001:db8:85a3::8a2e:370:7334", "IP_ADDRESS"),
        ("DL 24681357 TX, expired", "24681357", "DRIVER_LICENSE"),
        ("silver Camry, plate KDX-4471, parked", "KDX-4471", "LICENSE_PLATE"),
        ("her snap is candygirl_22 now", "candygirl_22", "HANDLE"),
        ("ig: x.candy.x posts daily", "x.candy.x", "HANDLE"),
        ("pays on $BigPapiCash", "$BigPapiCash", "HANDLE"),
        ("venmo @papi-bands", "@papi-bands", "HANDLE"),
        ("A-number A-201 458 337 for the cert", "A-201 458 337", "A_NUMBER"),
        ("passport G34567891 held by the employer", "G34567891", "PASSPORT"),
        ("MRN 00458822 at the hospital", "00458822", "MEDICAL_RECORD"),
        ("pin 29.7604, -95.3698 is the house", "29.7604, -95.3698", "COORDINATES"),
    ],
)
def test_pii_is_masked_with_its_label(redactor: Redactor, text: str, secret: str, label: str) -> None:
    result = redactor.redact(text)
    assert secret not in result.text
    start = text.index(secret)
    covering = [f for f in result.findings if f.start <= start and f.end >= start + len(secret)]
    assert covering, f"no finding covers the {label} span"
    assert covering[0].label == label


@pytest.mark.parametrize(
    "text",
    [
        "meeting at 3pm Tuesday with HSI re case C-1187",
        "T-0042 routed to the point person, pls ack",
        "R-12 release expires Friday, reminder sent",
        "call the hotline if anyone needs a bed tonight",
        "NGO notice for Thursday op is drafted, no exact date in it",
        "court date moved to 04/22/2025, tell the advocate",
        "5 kids in the house, 2 adults, no weapons seen",
        "2 kids at the Court today, hearing at 1:30",
        "the victim is 5 minutes away",
        "Client consented to share with HSI only",
        "victim advocate will attend the forensic interview",
        "DFPS notified, CPS caseworker assigned",
        "@here reminder: CE credits due Friday",
        "v3.8.0 of the app is buggy",
        "case number 2024-CR-11873 on the docket",
        "Will you be at the meeting?",
        "plates from Oklahoma on a blue Honda",
        "thx, will do",
    ],
)
def test_coordination_talk_is_left_readable(redactor: Redactor, text: str) -> None:
    assert redactor.detect(text) == []


def test_case_and_tip_references_are_not_pii(redactor: Redactor) -> None:
    assert not redactor.looks_like("C-1187 and T-0042 and R-12", set(LABELS))


def test_looks_like_refuses_a_reference_that_is_a_phone_number(redactor: Redactor) -> None:
    assert redactor.looks_like("713-555-0199", {"PERSON", "PHONE", "ADDRESS"})
    assert not redactor.looks_like("C-1187", {"PERSON", "PHONE", "ADDRESS"})


def test_luhn_failure_is_not_a_card(redactor: Redactor) -> None:
    assert "CREDIT_CARD" not in labels_of(redactor, "ref 4111 1111 1111 1112 on the form")


def test_iban_with_bad_check_digits_is_not_flagged_without_its_shape(redactor: Redactor) -> None:
    # not the length of a German IBAN, typed in one piece, no bank word: a reference, not an account
    assert "IBAN" not in labels_of(redactor, "ref DE0037040044053201 on the form")


def test_mistyped_iban_after_a_bank_word_is_still_masked(redactor: Redactor) -> None:
    # a wrong check digit must not leak the account: the country's length and the grouping are enough
    result = redactor.redact("wire to DE00 3704 0044 0532 0130 00 under her name")
    assert result.text == "wire to [IBAN] under her name"


def test_mistyped_card_number_after_a_card_word_is_still_masked(redactor: Redactor) -> None:
    assert "CREDIT_CARD" in labels_of(redactor, "her visa 4147 2093 5561 0088 was used by him")


def test_date_without_birth_cue_is_not_a_dob(redactor: Redactor) -> None:
    assert "DOB" not in labels_of(redactor, "report due 03/14/2025, send drafts")


def test_findings_do_not_carry_the_matched_text(redactor: Redactor) -> None:
    finding = redactor.detect("call 713-555-0199")[0]
    assert not hasattr(finding, "text")
    assert {"start", "end", "label", "score", "source"} == set(finding.__slots__)


def test_label_counts_summarise_findings(redactor: Redactor) -> None:
    result = redactor.redact("Maria Lopez called from 713-555-0199 and 832-555-0147")
    assert result.label_counts() == {"PERSON": 1, "PHONE": 2}


def test_masking_styles(redactor: Redactor) -> None:
    from redaction import RedactionSettings

    text = "call Maria at 713-555-0199"
    fixed = redactor.with_allow_terms(())
    assert "[PHONE]" in masked(fixed, text)
    partial = Redactor(RedactionSettings(mask_style="partial"))
    assert partial.redact(text).text == "call M*** at ***-***-**99"
    assert (
        Redactor(RedactionSettings(mask_style="fixed")).redact(text).text == "call [REDACTED] at [REDACTED]"
    )


def test_disabled_label_is_not_reported(redactor: Redactor) -> None:
    from redaction import RedactionSettings

    no_phones = Redactor(RedactionSettings(disabled_labels=frozenset({"PHONE"})))
    assert labels_of(no_phones, "Maria called from 713-555-0199") == {"PERSON"}


def test_score_threshold_drops_weak_findings(redactor: Redactor) -> None:
    from redaction import RedactionSettings

    strict = Redactor(RedactionSettings(score_threshold=0.7))
    assert labels_of(redactor, "saw maria at the clinic") == {"PERSON"}
    assert labels_of(strict, "saw maria at the clinic") == set()


def test_detection_is_deterministic(redactor: Redactor) -> None:
    text = "Met with Maria Lopez at 4410 Bissonnet St, DOB 03/14/2007, snap: candy_22"
    assert redactor.detect(text) == redactor.detect(text)


def test_a_handle_split_after_the_at_sign_is_still_a_handle(redactor: Redactor) -> None:
    assert redactor.redact("her ig is @ mr_g0ld_r0llex now").text == "her ig is [HANDLE] now"
    assert redactor.redact("meet @ 3pm at the office, @ the side door").text == "meet @ 3pm at the office, @ the side door"


def test_a_handle_after_username_or_acct_without_a_platform_word(redactor: Redactor) -> None:
    assert "lil.vee209" not in redactor.redact("warrant return came back, username lil.vee209, linked phone unk").text
    assert "jaybee_hustle" not in redactor.redact("his alt acct is jaybee_hustle").text
    assert redactor.redact("account holder verified, page 12 of the return").text == (
        "account holder verified, page 12 of the return"
    )


def test_handle_lines_of_a_pasted_dm_thread_are_masked(redactor: Redactor) -> None:
    thread = "screenshot from the school:\ndreamgirl_99\nu up?\nkenz.bby07\nwho dis\nok"
    out = redactor.redact(thread).text
    assert "dreamgirl_99" not in out and "kenz.bby07" not in out
    assert "u up?" in out and "who dis" in out and out.endswith("\nok")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("翻译说：王丽华的护照在老板那里", "王丽华"),
        ("客户陈小红说她想回家", "陈小红"),
        ("그 여자 이름은 박지영이고 카톡 아이디는 없어요", "박지영"),
        ("قالت إن اسمها ليلى وعمرها ١٦ سنة", "ليلى"),
        ("его зовут Витёк, он возит девочек", "Витёк"),
    ],
)
def test_names_after_a_cue_in_other_scripts(redactor: Redactor, text: str, name: str) -> None:
    assert name not in redactor.redact(text).text


def test_chinese_words_that_start_with_a_surname_are_not_names(redactor: Redactor) -> None:
    assert redactor.redact("我们明天去高兴的地方开会").text == "我们明天去高兴的地方开会"


def test_a_date_and_hour_in_a_call_log_is_not_a_phone(redactor: Redactor) -> None:
    row = "1 | 12/24/2024 19:02 | 4125550117 | 4:11"
    out = redactor.redact(row).text
    assert "12/24/2024 19:02" in out and "4125550117" not in out


def test_the_national_trafficking_hotline_is_not_masked(redactor: Redactor) -> None:
    assert redactor.redact("national hotline is 1-888-373-7888, text 233733").text == (
        "national hotline is 1-888-373-7888, text 233733"
    )
    assert "713-555-0199" not in redactor.redact("call her at 713-555-0199 or the hotline 1-888-373-7888").text
