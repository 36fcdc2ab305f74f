"""Addresses, phones and dates written the local way (issue 17, session 13, `places` helper): phones in a country's
own layout with its trunk prefix, address part words of more languages, dates of birth with local month names.
Every name, address and number is invented."""

from __future__ import annotations

import pytest

from redaction import Redactor

from .conftest import assert_kept, masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her mom's number is 8 (928) 743-18-02", "her mom's number is [PHONE]"),
        ("мама: 8 (928) 743-18-02", "мама: [PHONE]"),
        ("call her brother 8 701 123 4567 in Almaty", "call her brother [PHONE] in Almaty"),
        ("the aunt in Yerevan: (077) 12-34-56", "the aunt in Yerevan: [PHONE]"),
        ("the Minsk number 8 029 123-45-67", "the Minsk number [PHONE]"),
        ("she texted from 8 (705) 411 22 33", "she texted from [PHONE]"),
    ],
)  # fmt: skip
def test_a_phone_written_the_way_its_country_writes_it_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("invoice 0412 2026 118 from march", "0412 2026 118"),
        ("case 0803 441 2907 is closed", "0803 441 2907"),
        ("the shipment weighed 8 123 456 78 kg in total", "8 123 456 78"),
    ],
)  # fmt: skip
def test_a_number_that_is_not_laid_out_like_a_phone_stays(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("мама живе: м. Харків, вул. Сумська, буд. 72, кв. 19", "мама живе: [ADDRESS]"),
        ("her address is vul. Sumska, bud. 72, kv. 19, Kharkiv", "her address is [ADDRESS]"),
        ("Київ, просп. Перемоги, 37, кв. 112", "[ADDRESS]"),
        ("she stayed at Бишкек ш., Ахунбаев көч., 45-үй, 12-батир", "she stayed at [ADDRESS]"),
        ("Алматы қ., Абай даңғ., 150-үй, 25-пәтер", "[ADDRESS]"),
        ("family in Toshkent sh., Chilonzor tumani, Bunyodkor ko'chasi, 12-uy, 45-xonadon", "family in [ADDRESS]"),
        ("Երևան, Թումանյան փող. 12, բն. 34", "[ADDRESS]"),
        ("თბილისი, რუსთაველის გამზ. 18, ბინა 3", "[ADDRESS]"),
        ("the mother is at Rustaveli 18, bn. 3", "the mother is at [ADDRESS]"),
        ("they rented Megobroba 7, bina 22 in Batumi", "they rented [ADDRESS] in Batumi"),
        ("Gagarina St 9, apt 41", "[ADDRESS]"),
        ("Bakı ş., Nizami küç. 45, mən. 12", "[ADDRESS]"),
        ("Ош шаары, Ленин көчөсү 12, 5-батир", "[ADDRESS]"),
        ("they live Boudha-6, Tusal Marg, Kathmandu", "they live [ADDRESS]"),
        ("H.No. 8-3-214/12, Srinagar Colony, Hyderabad 500073 is the parents' place", "[ADDRESS] is the parents' place"),
        ("address Puthenpurackal House, P.O. Kuravilangad, Kottayam 686633", "address [ADDRESS]"),
        ("and Flat 304, Tower B, Sunny Enclave, Kharar", "and [ADDRESS]"),
        ("family home: 88/3 หมู่ 5 ต.บ้านเป็ด อ.เมือง จ.ขอนแก่น 40000", "family home: [ADDRESS]"),
        ("em ở số 18 ngõ 42 Trần Duy Hưng, Hà Nội", "em ở [ADDRESS]"),
        ("她说老板住在福清市龙山街道融侨小区8栋502，电话不知道", "她说老板住在[ADDRESS]，电话不知道"),
        ("가게 주소는 서울시 강남구 역삼동 823-15", "가게 주소는 [ADDRESS]"),
    ],
)  # fmt: skip
def test_an_address_written_the_local_way_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Windows 10, kv. 5 sounds weird", "Windows 10, kv. 5"),
        ("we meet in Tbilisi on Friday at 10", "Tbilisi on Friday at 10"),
        ("Block 5, Room 12 is the lab", "Block 5, Room 12"),
        ("the house 3 doors down, Dallas 75201 is where", "house 3 doors down"),
        ("회의는 3시에 강남구청에서 해요", "강남구청에서"),
        ("我们3点在2栋开会", "2栋"),
    ],
)  # fmt: skip
def test_a_street_word_or_number_alone_is_no_address(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("народилася 14 березня 1998 року в Херсоні", "народилася [DOB] в Херсоні"),
        ("her DOB is 12 մարտի 1998 թ. per the birth certificate", "her DOB is [DOB] per the birth certificate"),
        ("დაბადების თარიღი: 1998 წლის 12 მარტი", "დაბადების თარიღი: [DOB]"),
        ("born ago. 3, 2007 in Zacatelco", "born [DOB] in Zacatelco"),
        ("her bday in the Thai calendar, 14 มี.ค. 2541, is on the form", "her bday in the Thai calendar, [DOB], is on the form"),
        ("дата рождения 5 июня 2015 г.", "дата рождения [DOB]"),
        ("doğum tarihi 3 Mart 2001", "doğum tarihi [DOB]"),
        ("tanggal lahir 17 Agustus 2003", "tanggal lahir [DOB]"),
    ],
)  # fmt: skip
def test_a_date_of_birth_with_a_local_month_name_is_masked(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert masked(redactor, text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("the hearing moved to 14 березня 2025", "14 березня 2025"),
        ("the law of 1 марта 2024 changed everything", "1 марта 2024"),
        ("we met 3 years ago 2019 in march", "3 years ago 2019"),
    ],
)  # fmt: skip
def test_a_recent_date_with_no_birth_word_stays(redactor: Redactor, text: str, kept: str) -> None:
    assert_kept(redactor, text, kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her page is vk.com/id48213377 now", "her page is [HANDLE] now"),
        ("see https://www.instagram.com/mari_baddie for pics", "see [HANDLE] for pics"),
    ],
)  # fmt: skip
def test_a_profile_address_is_masked_whole(redactor: Redactor, text: str, expected: str) -> None:
    assert masked(redactor, text) == expected
