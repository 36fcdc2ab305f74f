"""Rebuild ``first_names.txt`` and ``last_names.txt`` from Faker's name lists plus a curated supplement.

Why a committed file and not Faker at run time: Faker is a test dependency, and the engine must start without it.

Which names: task forces in the US meet survivors from Latin America and the US above all, and also from Eastern
Europe, Southeast and East Asia, West Africa and the Middle East. ``CORE_LOCALES`` are taken whole (as before);
``WIDE_LOCALES`` add names from those regions (Cyrillic transliterated to Latin, diacritics folded), but a name from
them that is also an English dictionary word (``english-words``' GCIDE list: "long", "hung", "van", "amber") is left
out -- in chat it would mask ordinary words. ``SUPPLEMENT_*`` holds common given names and diminutives Faker lacks
(Vietnamese, Thai nicknames, Slavic diminutives, African-American and West African names, Filipino names).
Note: the corpus generator (``tests/corpus/build_corpus.py``) draws names from es_CO, en_IN, fr_FR and ro_RO; es_CO and
ro_RO are now in the lexicon, so the own corpus's generated half partly measures a lookup for those locales.

``first_names_extra.txt`` holds the given names of ``FIRST_ONLY_LOCALES`` not in ``first_names.txt``: the engine
takes them only with evidence (see ``redaction.names``).

Run (needs Faker, ``pip install english-words wordfreq``; none is needed at run time)::

    python redaction/data/build_name_lexicon.py
"""

from __future__ import annotations

import importlib
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

CORE_LOCALES = ("en_US", "es_MX", "es_ES", "pt_BR")
WIDE_LOCALES = (
    "es_CO", "es_AR", "es_CL", "pt_PT", "ro_RO", "pl_PL", "ru_RU", "uk_UA", "bg_BG", "cs_CZ", "sk_SK", "hr_HR",
    "vi_VN", "en_TH", "zh_CN", "zh_TW", "yo_NG", "ig_NG", "ha_NG", "en_NG", "tw_GH", "en_KE", "fr_DZ", "en_PK",
)  # fmt: skip
# Given names only (their surnames are place, hotel and company names: "Hilton", "Fulton", "Webb"), of four letters
# or more and no everyday word in any list the engine knows ("doc", "vic", "eta", "una", "elle" are names there too):
# English names beyond en_US (Faker's "en" holds "Ashlynn", "Rhiannon", "Sammie"), South and Central Asian, East and
# Southern African, Indonesian, French, Italian, Turkish and romanized Japanese names.
FIRST_ONLY_LOCALES = (
    "en", "en_GB", "en_IE", "en_NZ", "en_IN", "uz_UZ", "az_AZ", "sw", "zu_ZA", "id_ID", "fr_FR", "fr_CA", "it_IT",
    "tr_TR", "ja_JP",
)  # fmt: skip
FIRST_ATTRIBUTES = ("first_names", "first_names_female", "first_names_male", "first_romanized_names")
LAST_ATTRIBUTES = (
    "last_names",
    "last_names_female",
    "last_names_male",
    "male_last_names",
    "last_romanized_names",
)
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

SUPPLEMENT_FIRST = """
    anh bao binh chau cuong dung duc duong giang hanh hien hieu hoa hoang huong huy huyen khanh khoa lien linh loan
    minh nga ngoc nguyet nhung oanh phuong quang quynh thanh thao thuy tien trang trinh trung tuan tuyet uyen vinh
    xuan yen diep phuc thuan thu
    xiu ying mei ling wei jun hui xiao jing qing zhen ming xin yun jia lei
    somchai somsak somporn nok ploy malee siriporn pim kanya suda wanida porn noi lek nong apinya kannika
    sveta svetlana katya natasha masha dasha olya tanya lena yulia nastya vika sasha misha dima kolya vanya zhenya
    oksana olena kateryna kateryna halyna iryna nadiya daria dmitri dmitriy dmytro sergei sergey yuri vlad vladimir
    kasia gosia basia ania ola kuba zosia magda tomek bartek agnieszka
    samira fatima aisha layla nour yasmin amira hana salma mariam khadija zainab rania dalia leila omar ahmed
    mohammed mohamed mustafa youssef karim tariq hassan hussein ibrahim khalid amal noor
    aaliyah nevaeh imani keisha lakeisha tamika shaniqua latoya jamal deshawn tyrone darnell tavion jaylen jalen
    trevon dewayne kiana shanice tiana ayanna jasmine dominique aliyah janiya zaria tavon davion keshawn marquis
    tyshawn shaquille lashonda tanisha monique keyonna jakayla kenyatta dashawn lamar
    chioma ngozi amara adaeze chidinma nkechi chinwe uche emeka funmilayo folake bisi kemi yetunde abena akosua
    ama efua kwame kofi kojo
    yeferson yeison brayan wilmer yurany yuliana dayana leidy yesenia jhon stiven deiby yojana marisol
    maricel marites rowena jocelyn lorna analyn jennelyn maricar rhea jonalyn arlene rodel
    nate tony mikey jenny becky katie danny manny tommy jimmy bobby stevie
"""
SUPPLEMENT_LAST = """
    nguyen tran pham hoang huynh phan dang bui ngo duong truong dinh luong trinh quach
    volkov petrov ivanov kuznetsov popov sokolov kovalenko shevchenko bondarenko kowalski nowak wisniewski
    okafor okonkwo adeyemi mensah boateng owusu asante
"""


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye", "ж": "zh", "з": "z",
    "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_UKRAINIAN = {"и": "y", "г": "h"}


def _latin(name: str, locale: str) -> str:
    lowered = name.casefold()
    if not any("\u0400" <= ch <= "\u04ff" for ch in lowered):
        return lowered
    table = {**_CYRILLIC, **(_UKRAINIAN if locale == "uk_UA" else {})}
    return "".join(table.get(ch, ch) for ch in lowered)


def _english_words() -> frozenset[str]:
    from english_words import get_english_words_set  # build-time only

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


def _name_parts(locale: str, attributes: tuple[str, ...]) -> Iterator[str]:
    """Every word of every name Faker's ``locale`` lists under ``attributes`` (hyphenated names split)."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    for attribute in attributes:
        values = getattr(provider, attribute, ())
        if not isinstance(values, (list, tuple, dict, set, frozenset)):
            continue
        for name in values:
            yield from str(name).replace("-", " ").split()


def _names(attributes: tuple[str, ...], supplement: str, english: frozenset[str]) -> list[str]:
    found: set[str] = set()
    for locale in (*CORE_LOCALES, *WIDE_LOCALES):
        for part in _name_parts(locale, attributes):
            folded = _fold(_latin(part, locale))
            if len(folded) < 3 or not folded.isalpha() or not folded.isascii():
                continue
            if locale in WIDE_LOCALES and folded in english:
                continue
            found.add(folded)
    found.update(_fold(name) for name in supplement.split())
    return sorted(found)


def _first_only(english: frozenset[str]) -> set[str]:
    from wordfreq import zipf_frequency  # build-time only

    from redaction.vocabulary import AMBIGUOUS_FIRST_NAMES, everyday_words, places  # the engine's own lists

    everyday = everyday_words() | AMBIGUOUS_FIRST_NAMES
    known_places = places()
    found: set[str] = set()
    for locale in FIRST_ONLY_LOCALES:
        for part in _name_parts(locale, FIRST_ATTRIBUTES):
            folded = _fold(part)
            if len(folded) < 4 or not folded.isalpha() or not folded.isascii():
                continue
            if folded in english or folded in everyday or folded in known_places:
                continue
            if max(zipf_frequency(folded, language) for language in ("es", "fr", "pt", "it")) >= 3.5:
                continue  # a word in a language of the chats ("isla", "nena")
            found.add(folded)
    return found


def main() -> None:
    english = _english_words()
    first = _names(FIRST_ATTRIBUTES, SUPPLEMENT_FIRST, english)
    last = _names(LAST_ATTRIBUTES, SUPPLEMENT_LAST, english)
    (HERE / "first_names.txt").write_text("\n".join(first) + "\n", encoding="utf-8")
    (HERE / "last_names.txt").write_text("\n".join(last) + "\n", encoding="utf-8")
    extra = sorted(_first_only(english) - set(first))
    (HERE / "first_names_extra.txt").write_text("\n".join(extra) + "\n", encoding="utf-8")
    # Surnames that are no English word: these alone ("nguyen from the salon") are taken as a name.
    solo = [name for name in last if len(name) >= 4 and name not in english]
    (HERE / "solo_last_names.txt").write_text("\n".join(solo) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
