"""Generate labelled training messages for the PII tagger from the patterns of the labelled corpora.

Why: the tagger (``train_pii_model.py``) learns names, addresses and numbers from the words it has seen; the
labelled corpora hold a few thousand identities, most of them English or Spanish. This script keeps each labelled
message's wording (the context a tagger learns from) and replaces every gold span with a new identity of the same
label drawn from Faker in many locales and scripts: names with particles (da, van der, bin, al-), multi-part
Spanish, Filipino and Vietnamese names, initials, lower and upper case, names in CJK, Arabic, Cyrillic, Thai,
Devanagari, Georgian or Armenian script alone or beside the Latin one in parentheses; phones written the ways of
many countries (national, international, with and without ``+``); addresses of many countries on one line; handles,
e-mail addresses, ages and dates of birth in the format of the span they replace; other identifiers keep their
shape with new characters (a card number stays Luhn-valid).

Within a message a name word is replaced the same way at every occurrence ("Maria Lopez ... Maria" ->
"Ngozi Adeyemi ... Ngozi"), as the gold labels of the corpora mark every occurrence.

Only rows of the requested (set, split) pairs are used as templates (``--template SET:SPLIT``, or ``SET`` for a
set without splits); nothing else is read. Deterministic for a given seed, templates and Faker version::

    python redaction/data/generate_pii_messages.py --out build/generated.jsonl --copies 2 --negative-copies 1 \\
        --template corpus --template heldout:dev --template blind2:dev ... [--seed 20261207]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / "tests" / "corpus"

# Locales whose names are written in the Latin script (with their diacritics).
LATIN_NAME_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_NG", "yo_NG", "ha_NG", "en_IN", "en_PK", "es_MX", "es_ES", "es_CO", "es_AR",
    "pt_BR", "pt_PT", "fr_FR", "de_DE", "nl_NL", "it_IT", "ro_RO", "pl_PL", "cs_CZ", "hu_HU", "tr_TR", "id_ID",
    "sw", "sq_AL", "hr_HR", "lt_LT", "fi_FI", "sv_SE", "az_AZ", "uz_UZ", "tw_GH", "zu_ZA",
)  # fmt: skip
# Locales whose names are in another script, with a way to write them in Latin letters where Faker has one.
SCRIPT_NAME_LOCALES = (
    "zh_CN", "zh_TW", "ja_JP", "ko_KR", "ar_AA", "ar_SA", "ar_EG", "fa_IR", "ru_RU", "uk_UA", "bg_BG", "th_TH",
    "hi_IN", "bn_BD", "ne_NP", "ka_GE", "hy_AM", "el_GR", "he_IL", "am_ET",
)  # fmt: skip
ADDRESS_LOCALES = (
    "en_US", "en_US", "en_US", "en_GB", "en_IE", "en_CA", "en_AU", "en_NZ", "en_IN", "en_PH", "es_MX", "es_ES",
    "es_CO", "es_AR", "es_CL", "pt_BR", "pt_PT", "fr_FR", "fr_CA", "de_DE", "de_AT", "nl_NL", "nl_BE", "it_IT",
    "ro_RO", "pl_PL", "cs_CZ", "hu_HU", "tr_TR", "uk_UA", "ru_RU", "vi_VN", "th_TH", "id_ID", "el_GR", "bg_BG",
    "hr_HR", "sk_SK", "da_DK", "no_NO", "sv_SE", "fi_FI", "lt_LT", "ka_GE", "hy_AM", "ja_JP", "zh_CN", "ko_KR",
)  # fmt: skip
PHONE_LOCALES = (
    "en_US", "en_US", "en_GB", "en_IE", "en_CA", "en_AU", "en_IN", "es_MX", "es_ES", "es_CO", "pt_BR", "fr_FR",
    "de_DE", "de_CH", "nl_NL", "it_IT", "ro_RO", "pl_PL", "uk_UA", "ru_RU", "vi_VN", "th_TH", "id_ID", "tr_TR",
    "el_GR", "hu_HU", "cs_CZ", "he_IL", "fa_IR", "ja_JP", "ko_KR", "zh_CN", "en_NZ", "de_AT", "fr_CH", "bg_BG",
)  # fmt: skip
PARTICLES = ("da", "de", "del", "de la", "dos", "van", "van der", "von", "bin", "bint", "al-", "el-", "abu", "ibn",
             "di", "du", "le", "ter", "mac")  # fmt: skip
VIETNAMESE_FAMILY = ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do",
                     "Ho", "Ngo", "Duong", "Ly")  # fmt: skip
VIETNAMESE_MIDDLE = ("Thi", "Van", "Duc", "Minh", "Ngoc", "Thanh", "Huu", "Quoc", "Kim", "Bao")
VIETNAMESE_GIVEN = ("Lan", "Hoa", "Anh", "Tuan", "Hung", "Mai", "Linh", "Trang", "Dung", "Khoa", "Phuong", "Nam",
                    "Thu", "Hai", "Long", "Yen", "Hanh", "Quang")  # fmt: skip
NICKNAMES = ("Baby", "Kiki", "Lulu", "Chino", "Flaco", "Nene", "Peaches", "Coco", "Mimi", "Sunny", "Tiny", "Jojo",
             "Bebe", "Lucky", "Sweets", "Dede", "Gigi", "Rocky", "Papi", "Mama Ada")  # fmt: skip
# Nicknames and apodos as the writers of the later blind sets use them for people (``--nickname-share``): Spanish
# and Filipino short forms, street names, kin-style forms of address before a given name.
APODOS = ("El Flaco", "La Güera", "Chuy", "Pancho", "Lupita", "El Gordo", "La Flaca", "Nacho", "Memo", "Paco",
          "Toño", "Chela", "Lalo", "Beto", "Güero", "La Negra", "Moreno", "Junior", "Big Mike", "Lil Tee", "Dre",
          "Shorty", "Kay Kay", "Ree Ree", "Boo", "Tita Nena", "Ate Joy", "Kuya Ben", "Manang Cora", "Bongbong",
          "Dodong", "Inday", "Pinky", "Babajide", "Mama Nkechi", "Auntie Bisi", "Baba Tunde", "Sasha", "Vova",
          "Zhenya", "Xiao Mei", "Ah Keung", "A-Lin", "Nong May", "P'Nok", "Abu Karim", "Umm Sami", "Hajji Ali",
          "Cholo", "Pelón", "Tavo", "Cuca", "Mari", "Kenji-kun", "Min-ji unnie")  # fmt: skip
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")  # fmt: skip
NUMBER_WORDS = ("twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                "twenty", "twenty-one", "twenty-two", "twenty-five", "thirty", "thirty-four", "forty", "fifty")  # fmt: skip
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                     ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye",
                      "g"], strict=True))  # fmt: skip
_MONTH_NAME = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")
_SPANISH_MONTH = re.compile(r"(?i)\b(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
                            r"noviembre|diciembre)\b")  # fmt: skip
_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\s\W\d_]")
_INITIAL = re.compile(r"^[A-Za-z]\.?$")


def _translit(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in _CYRILLIC:
            latin = _CYRILLIC[low]
            out.append(latin.capitalize() if ch != low else latin)
        else:
            out.append(ch)
    return "".join(out)


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _recase(value: str, like: str) -> str:
    letters = [c for c in like if c.isalpha()]
    if letters and all(c.islower() for c in letters):
        return value.lower()
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return value.upper()
    return value


class Generator:
    def __init__(self, seed: int, script_share: float = 0.06, nickname_share: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.script_share = script_share
        self.nickname_share = nickname_share
        self._fakers: dict[str, Faker] = {}
        self.seed = seed

    def faker(self, locale: str) -> Faker:
        if locale not in self._fakers:
            fake = Faker(locale)
            fake.seed_instance(self.seed + len(self._fakers))
            self._fakers[locale] = fake
        return self._fakers[locale]

    # ---- names ---------------------------------------------------------------------------------------------
    def _latin_parts(self) -> tuple[str, str, str]:
        """(given, second given, family) in Latin letters, from one locale or a Latin rendering of another."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            fake = self.faker(rng.choice(("zh_CN", "zh_TW", "ja_JP")))
            given, family = fake.first_romanized_name(), fake.last_romanized_name()
            return given.title(), self.faker("ja_JP").first_romanized_name(), family.title()
        if roll < 0.2:
            fake = self.faker(rng.choice(("ru_RU", "uk_UA", "bg_BG")))
            return _translit(fake.first_name()), _translit(fake.first_name()), _translit(fake.last_name())
        if roll < 0.27:
            return rng.choice(VIETNAMESE_GIVEN), rng.choice(VIETNAMESE_MIDDLE), rng.choice(VIETNAMESE_FAMILY)
        fake = self.faker(rng.choice(LATIN_NAME_LOCALES))
        given, second, family = fake.first_name(), fake.first_name(), fake.last_name()
        if rng.random() < 0.25:
            given, second, family = _ascii(given), _ascii(second), _ascii(family)
        return given, second, family

    def script_name(self) -> tuple[str, str]:
        """A name in a non-Latin script and its Latin rendering (a plausible one where Faker has none)."""
        rng = self.rng
        locale = rng.choice(SCRIPT_NAME_LOCALES)
        fake = self.faker(locale)
        if locale in ("zh_CN", "zh_TW", "ja_JP"):
            family, given = fake.last_name(), fake.first_name()
            latin = f"{fake.first_romanized_name().title()} {fake.last_romanized_name().title()}"
            native = f"{family}{given}" if locale != "ja_JP" or rng.random() < 0.5 else f"{family} {given}"
            return native, latin
        if locale == "ko_KR":  # family name first, usually without a space
            native = f"{fake.last_name()}{fake.first_name()}" if rng.random() < 0.7 else f"{fake.last_name()} {fake.first_name()}"
            return native, " ".join(self._latin_parts()[::2])
        native = f"{fake.first_name()} {fake.last_name()}"
        latin = _translit(native) if locale in ("ru_RU", "uk_UA", "bg_BG") else " ".join(self._latin_parts()[::2])
        return native, latin

    def person(self, like: str) -> str:
        rng = self.rng
        words = like.split()
        count = max(1, len(words))
        if _NON_LATIN.search(like) or rng.random() < self.script_share:
            native, latin = self.script_name()
            if "(" in like or rng.random() < 0.3:
                return f"{latin} ({native})" if rng.random() < 0.7 else f"{native} ({latin})"
            return native
        given, second, family = self._latin_parts()
        style = rng.random()
        if self.nickname_share and count <= 2 and rng.random() < self.nickname_share:
            value = rng.choice([name for name in APODOS if len(name.split()) == count] or list(APODOS))
        elif count == 1:
            if rng.random() < 0.06:
                value = rng.choice(NICKNAMES).split()[0]
            else:
                value = given if rng.random() < 0.7 else family
        elif count == 2:
            if _INITIAL.match(words[0]):
                value = f"{given[0]}. {family}" if words[0].endswith(".") else f"{given[0]} {family}"
            elif _INITIAL.match(words[1]):
                value = f"{given} {family[0]}." if words[1].endswith(".") else f"{given} {family[0]}"
            elif style < 0.1:
                value = f"{given} {rng.choice(PARTICLES)} {family}".replace("- ", "-")
            elif style < 0.15:
                value = f"{given} {second[0]}. {family}"
            else:
                value = f"{given} {family}"
        else:
            if style < 0.25:
                value = f"{given} {second} {family}"
            elif style < 0.45:
                extra = self.faker(rng.choice(("es_MX", "es_ES", "es_CO", "pt_BR"))).last_name()
                value = f"{given} {family} {extra}"
            elif style < 0.6:
                value = f"{given} {rng.choice(PARTICLES)} {family}".replace("- ", "-")
            elif style < 0.75:
                value = f"{rng.choice(VIETNAMESE_FAMILY)} {rng.choice(VIETNAMESE_MIDDLE)} {rng.choice(VIETNAMESE_GIVEN)}"
            elif style < 0.85:
                value = f"{given} {second[0]}. {family}"
            else:
                value = " ".join([given, second, family, self._latin_parts()[2]][:count])
            if "(" in like:
                value = f"{value} ({self.script_name()[0]})"
        if '"' in like and count >= 2:
            value = f'{given} "{rng.choice(NICKNAMES)}" {family}'
        if rng.random() < 0.1:
            return value.lower()
        return _recase(value, like)

    # ---- places and numbers --------------------------------------------------------------------------------
    def address(self, like: str) -> str:
        rng = self.rng
        fake = self.faker(rng.choice(ADDRESS_LOCALES))
        roll = rng.random()
        if roll < 0.25 and len(like) < 30:
            value = fake.street_address()
        else:
            value = fake.address()
        separator = "\n" if "\n" in like else rng.choice((", ", ", ", " ", ", "))
        value = separator.join(part.strip() for part in value.splitlines() if part.strip())
        return _recase(value, like) if rng.random() < 0.8 else value.lower()

    def phone(self, like: str) -> str:
        rng = self.rng
        fake = self.faker(rng.choice(PHONE_LOCALES))
        value = fake.phone_number()
        if rng.random() < 0.2 and hasattr(fake, "country_calling_code"):
            digits = re.sub(r"\D", "", value)
            value = f"{fake.country_calling_code()} {digits[-9:-6]} {digits[-6:-3]} {digits[-3:]}"
        if rng.random() < 0.15:
            value = value.lstrip("+")
        return value

    def age(self, like: str) -> str:
        rng = self.rng
        value = rng.randint(12, 45) if rng.random() < 0.85 else rng.randint(6, 70)

        def digits(match: re.Match[str]) -> str:
            return str(value) if len(match.group()) <= 2 else match.group()

        if re.search(r"\d", like):
            return re.sub(r"\d+", digits, like, count=1)
        for word in sorted(NUMBER_WORDS, key=len, reverse=True):
            if word in like.lower():
                return re.sub(re.escape(word), rng.choice(NUMBER_WORDS), like, count=1, flags=re.IGNORECASE)
        return like

    def dob(self, like: str) -> str:
        rng = self.rng
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
        m, d, y = born.month, born.day, born.year
        if _SPANISH_MONTH.search(like):
            return f"{d} de {MONTHS_ES[m - 1]} de {y}"
        if _MONTH_NAME.search(like):
            month = MONTHS_EN[m - 1]
            short = month[:3] if re.search(r"(?i)\b[a-z]{3}\b", like) and rng.random() < 0.6 else month
            return rng.choice((f"{short} {d}, {y}", f"{d} {short} {y}", f"{short} {d} {y}"))
        short_year = bool(re.search(r"\D\d{2}$", like)) and not re.search(r"\d{4}", like)
        year = f"{y % 100:02d}" if short_year else str(y)
        if re.match(r"\d{4}", like):
            return f"{y}-{m:02d}-{d:02d}"
        for sep in ("/", ".", "-"):
            if sep in like:
                first, second = (m, d) if rng.random() < 0.5 else (d, m)
                pad = rng.random() < 0.6
                return sep.join((f"{first:02d}" if pad else str(first), f"{second:02d}" if pad else str(second), year))
        return like

    def handle(self, like: str) -> str:
        rng = self.rng
        fake = self.faker(rng.choice(("en_US", "es_MX", "pt_BR", "fr_FR", "de_DE", "en_GB", "it_IT", "pl_PL")))
        name = fake.user_name()
        roll = rng.random()
        if roll < 0.2:
            name = name.replace(".", "_") + str(rng.randint(1, 99))
        elif roll < 0.3:
            name = f"{rng.choice(NICKNAMES).replace(' ', '').lower()}{rng.choice(('x', '_', '.'))}{rng.randint(1, 999)}"
        return f"@{name}" if like.startswith("@") else name

    def email(self, like: str) -> str:
        return str(self.faker(self.rng.choice(PHONE_LOCALES)).email())

    def same_shape(self, like: str) -> str:
        rng = self.rng
        out = []
        for ch in like:
            if ch.isdigit() and ch.isascii():
                out.append(str(rng.randint(0, 9)))
            elif ch.isascii() and ch.isupper():
                out.append(chr(rng.randint(65, 90)))
            elif ch.isascii() and ch.islower():
                out.append(chr(rng.randint(97, 122)))
            else:
                out.append(ch)
        return "".join(out)

    def card(self, like: str) -> str:
        digits = self.faker("en_US").credit_card_number(card_type=self.rng.choice(("visa", "mastercard", "amex")))
        if " " in like or "-" in like:
            sep = " " if " " in like else "-"
            digits = sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))
        return digits

    def value(self, label: str, like: str) -> str:
        makers: dict[str, Callable[[str], str]] = {
            "PERSON": self.person,
            "ADDRESS": self.address,
            "PHONE": self.phone,
            "AGE": self.age,
            "DOB": self.dob,
            "HANDLE": self.handle,
            "EMAIL": self.email,
            "CREDIT_CARD": self.card,
        }
        return makers.get(label, self.same_shape)(like)

    # ---- messages ------------------------------------------------------------------------------------------
    def fill(self, text: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[list[object]]]:
        """``text`` with every span replaced; equal gold strings and name words get the same replacement."""
        whole: dict[tuple[str, str], str] = {}
        words: dict[str, str] = {}
        out: list[str] = []
        new_spans: list[list[object]] = []
        position = 0
        for start, end, label in sorted(spans):
            if start < position:
                continue
            original = text[start:end]
            key = (label, original.casefold())
            if key not in whole:
                whole[key] = self._consistent_person(original, words) if label == "PERSON" else self.value(label, original)
            replacement = whole[key]
            out.append(text[position:start])
            begin = sum(len(part) for part in out)
            out.append(replacement)
            new_spans.append([begin, begin + len(replacement), label])
            position = end
        out.append(text[position:])
        return "".join(out), new_spans

    def _consistent_person(self, original: str, words: dict[str, str]) -> str:
        parts = original.split()
        known = [words.get(part.casefold()) for part in parts]
        if parts and all(known):
            return " ".join(str(k) for k in known)
        value = self.person(original)
        new_parts = value.split()
        if len(new_parts) == len(parts) and "(" not in original:
            merged = [k if k else new for k, new in zip(known, new_parts, strict=True)]
            for part, new in zip(parts, merged, strict=True):
                words.setdefault(part.casefold(), new)
            return " ".join(merged)
        return value


# ---- clean negatives ------------------------------------------------------------------------------------------
# What sank the first generated-data tagger (docs/redaction-evaluation.md, "Generated training messages"): it learnt
# that capitalised words and numbers in coordination talk are PII. Clean messages teach the opposite, so each clean
# template is also written with its place names swapped for others (GeoNames, many countries; a place that is also a
# given name -- "Aurora", "Adrian" -- as often as not), and clean frames put places, agencies and capitalised
# everyday words where names usually stand.
_PLACE_FILES = ("places_geonames.txt", "places_first_names.txt", "places.txt")
CLEAN_FRAMES = (
    "{word} update from the {place} office: {n} tips triaged, nothing actionable.",
    "{word}: call with {place} PD moved to {day} {time}.",
    "Can someone cover the {place} shift on {day}? I'm out.",
    "{place} tip is a duplicate of the one from {day}, closing it.",
    "Heads up, the {place} shelter has {n} beds open as of {time}.",
    "{word} meeting notes -- {place} task force, {place2} consulate, {n} referrals pending",
    "drove back from {place} this morning, will write it up by {time}",
    "Is {place} ours or {place2}'s jurisdiction? asking before I forward it",
    "{day} agenda: (1) {word} (2) {place} referrals (3) training dates",
    "{place} and {place2} both confirmed, {n} cases transferred",
    "FYI {place} County court is closed {day}, hearings pushed",
    "{word} reminder: timesheets due {day}. {place} folks too.",
    "the {place} lead went nowhere. {word} check again next week?",
    "{n} new flags in {place} overnight, all bots",
    "Thanks all. {word} work on the {place} case. Back {day}.",
    "{place} Station is where the outreach van parks on {day}s",
    "hotline volume up {n}% since the {place} billboard went up",
    "{word}. Will loop in {place} CBP on {day}.",
    "{tool} isn't loading for me, sending the {word} notes by email instead",
    "uploaded to {tool}, folder {place} / {word}",
    "Bed count tonight: {place} House {n}, {place2} {n2}, {word} Center {n3}",
    "the {Word} form is in {tool}, the {place} one too",
    "it's somewhere on {place}, near {place2} -- that's all we have",
    "{Word} and {Word2} are program names, not people, fyi for the link chart",
    "training on {tool} {day} at {time}, {Word} track",
)
# Clean frames of the classes a tagger trained on generated data flagged on sets it never saw (session 10 and 12
# out-of-sample checks, docs/redaction-evaluation.md): numbers where an age could stand (shifts, days of the month,
# counts, rooms, versions, durations), programmes, languages and teams named with capitalised words, and given names
# used as ordinary words ("Will do", "May need"). ``--number-frames``; its own random stream.
NUMBER_FRAMES = (
    "shift is {h}p-{h2}a this week, {place} coverage after that",
    "can we do the {d}th instead? {place} folks are out on the {d2}th",
    "{n} of us on the call, {n2} dropped at {time}",
    "Room {n} is booked for the {word} training, {n2} seats",
    "we're at {n} referrals for {month}, up from {n2}",
    "{tool} {v}.{v2} broke the export again",
    "back in {n} min, {word} call ran long",
    "{n} yrs of {word} data in the {place} pull, {n2} rows flagged",
    "Day {n2} of the {word} training, {n} people showed",
    "{n} hotline calls, {n2} texts, {n3} emails overnight",
    "Q{q} numbers: {n} cases opened, {n2} closed, {n3} referred",
    "ages {n2}-{n} only for the {word} program, per the grant",
    "the {d}th at {h}, {place} office, {n} seats",
    "Step {n2}: upload to {tool}. Step {n3}: tag it {word}.",
    "{n}+ volunteers signed up for {month} {d}",
    "{month} {d} - {word} meeting, {n} on the list",
    "page {n} of the {word} report, table {n2}",
    "grade {n2} curriculum went out to {n} schools in {place}",
    "{Word} Start and {Word2} Futures are both programs, not people",
    "{Lang} speakers needed {day}, {n} cases pending",
    "the {Lang} interpreter pool is down to {n2}",
    "{Word} {Word2} is the name of the new {word} initiative",
    "Will do, {word} notes by {day}",
    "May need {n2} more folks for {place} on {day}",
    "Mark as resolved, {word} was a duplicate",
    "Bill the {place} account for the {n} hours",
    "Grace period on the {word} grant ends {month} {d}",
    "Faith-based partners in {place}: {n} orgs so far",
    "Art and {word} sessions every {day} at {time}",
    "{Word} Team ({n} people) meets {day}",
)
LANGUAGES = ("Mayan", "Mam", "K'iche'", "Q'anjob'al", "Haitian Creole", "Somali", "Karen", "Hmong", "Dari", "Pashto",
             "Tigrinya", "Amharic", "Swahili", "Tagalog", "Ilocano", "Punjabi", "Nepali", "Burmese", "Arabic", "Wolof")  # fmt: skip
MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec")
# Everyday words that are given names in the corpora's cases (virtue names, street names): never a clean frame's
# capitalised word, though no name list holds some of them (c2 lost "Precious Mbeki" and "Candy" on blind9 dev).
WORD_NAMES = ("Precious", "Destiny", "Crystal", "Junior", "Candy", "Princess", "Angel", "Honey", "Diamond", "Star",
              "Sugar", "Heaven", "Unique", "Treasure", "Passion", "Essence", "Blessing", "Godswill", "Favour", "Favor",
              "Mercy", "Patience", "Comfort", "Peace", "Joy", "Faith", "Hope", "Charity", "Grace", "Gift", "Goodness",
              "Happiness", "Wisdom", "Success", "Lovely", "Beauty", "Sweetness", "Trust", "Marvellous", "Miracle",
              "Bright", "Innocent", "Prince", "King", "Queen", "Lady", "Champ", "Smiley", "Cookie", "Cherry")  # fmt: skip
# Tools, formats and scripts that chat capitalises like names ("Devanagari isn't rendering", "SharePoint").
TOOLS = ("SharePoint", "Slack", "Teams", "Zoom", "Signal", "WhatsApp", "Telegram", "Excel", "OneDrive", "Dropbox",
         "Cellebrite", "Relativity", "Apricot", "Salesforce", "TCIC", "Devanagari", "Cyrillic", "Hangul", "Gurmukhi",
         "Tigrinya", "Tagalog", "Pashto", "Dari", "Amharic", "Google Drive", "Outlook", "Jira", "Notion", "Airtable")  # fmt: skip
# Locales for the clean lines in other languages (``--foreign-lines``): Faker's word lists where it has real words,
# and its weekday and month names ("Lundi 10h alors, au bureau de Brooklyn").
FOREIGN_LOCALES = ("fr_FR", "es_ES", "de_DE", "it_IT", "pl_PL", "ru_RU", "uk_UA", "tl_PH", "vi_VN", "hy_AM", "nl_NL",
                   "ar_AA", "el_GR", "he_IL", "cs_CZ", "fa_IR", "th_TH", "zh_CN", "ja_JP", "bn_BD")  # fmt: skip
DATE_LOCALES = (*FOREIGN_LOCALES, "pt_BR", "ro_RO", "tr_TR", "id_ID", "es_MX", "ko_KR")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mon", "Thu", "tmrw")


def _load_places() -> list[str]:
    names: list[str] = []
    for file in _PLACE_FILES:
        for line in (ROOT / "redaction" / "data" / file).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                names.append(line.strip())
    return names


class Negatives:
    """Clean training messages: place-swapped copies of clean templates and filled clean frames (see above)."""

    def __init__(self, rng: random.Random, words: list[str]) -> None:
        self.rng = rng
        self.places = _load_places()
        self.geonames = [
            line.strip()
            for line in (ROOT / "redaction" / "data" / "places_geonames.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        self.first_name_places = [
            line.strip()
            for line in (ROOT / "redaction" / "data" / "places_first_names.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        self.words = words
        known = sorted({p for p in self.places if len(p) >= 4 and p.isalpha()}, key=len, reverse=True)
        self._known = set(known)

    def place(self, first_name_share: float = 0.0) -> str:
        """A place name; a given name's place ("Aurora") only in frames, where the context says it is a place --
        swapped into a template's "Lisburn? Larne?" it would make a clean "Paola? Sharon?"."""
        pool = self.first_name_places if self.rng.random() < first_name_share else self.geonames
        return " ".join(part.capitalize() for part in self.rng.choice(pool).split())

    def swap_places(self, text: str) -> str:
        """Capitalised words of ``text`` that are place names, each replaced by another place."""

        def swap(match: re.Match[str]) -> str:
            return self.place() if match.group().casefold() in self._known else match.group()

        return re.sub(r"\b[A-Z][a-z]{3,}\b", swap, text)

    def foreign(self, fakers: Callable[[str], Faker]) -> str:
        """A clean line in another language, often opening with a weekday or month, as the capitalised first word
        a tagger trained on English text takes for a name."""
        rng = self.rng
        words = fakers(rng.choice(FOREIGN_LOCALES)).sentence(nb_words=rng.randint(3, 10))
        dates = fakers(rng.choice(DATE_LOCALES))
        roll = rng.random()
        # Faker names a weekday or month of a random date up to *now*, so its choice drifts with the clock: name
        # the localised provider a date drawn here instead (every localised provider formats it through ``date``).
        when = date(2024, 1, 1) + timedelta(days=rng.randint(0, 365))
        provider = dates.provider("faker.providers.date_time")
        assert provider is not None
        provider.date = lambda pattern="%Y-%m-%d", end_datetime=None: when.strftime(pattern)
        try:
            if roll < 0.35:
                opener = rng.choice(("10h", "9h30", "14:00", "", "matin"))
                return f"{dates.day_of_week()} {opener} {words}".replace("  ", " ")
            if roll < 0.55:
                return f"{words} {dates.month_name()} {rng.randint(1, 28)}"
            return words
        finally:
            del provider.date

    def frame(self) -> str:
        rng = self.rng
        return rng.choice(CLEAN_FRAMES).format(
            tool=rng.choice(TOOLS),
            Word=rng.choice(self.words).capitalize(),
            Word2=rng.choice(self.words).capitalize(),
            n2=rng.randint(0, 9),
            n3=rng.randint(0, 9),
            word=rng.choice(self.words).capitalize(),
            place=self.place(0.4),
            place2=self.place(0.4),
            day=rng.choice(DAYS),
            time=rng.choice(("9am", "10:30", "noon", "3pm", "EOD", "14:00")),
            n=rng.randint(2, 60),
        )


    def number_frame(self) -> str:
        rng = self.rng
        return rng.choice(NUMBER_FRAMES).format(
            tool=rng.choice(TOOLS),
            Word=rng.choice(self.words).capitalize(),
            Word2=rng.choice(self.words).capitalize(),
            word=rng.choice(self.words),
            Lang=rng.choice(LANGUAGES),
            place=self.place(0.4),
            day=rng.choice(DAYS),
            month=rng.choice(MONTHS),
            time=rng.choice(("9am", "10:30", "noon", "3pm", "EOD", "14:00")),
            h=rng.randint(1, 12),
            h2=rng.randint(1, 12),
            d=rng.randint(1, 28),
            d2=rng.randint(1, 28),
            q=rng.randint(1, 4),
            v=rng.randint(1, 20),
            v2=rng.randint(0, 9),
            n=rng.randint(2, 90),
            n2=rng.randint(1, 30),
            n3=rng.randint(0, 20),
        )


def hard_negative_ids(rows: list[dict[str, object]], model: Path) -> set[str]:
    """Ids of the clean ``rows`` on which the tagger at ``model`` finds a span it is trusted for (after its shape
    filters): the false alarms to weight up (hard-negative mining). Only the tagger, not the whole engine."""
    sys.path.insert(0, str(ROOT))
    from redaction.findings import PERSON
    from redaction.tagger import load_pii_model, plausible, tagged_spans, tagger_person, trusted_labels

    tagger = load_pii_model(str(model))
    assert tagger is not None
    trusted = trusted_labels(tagger)
    hard: set[str] = set()
    texts = [str(row["text"]) for row in rows]
    for row, doc in zip(rows, tagger.pipe(texts), strict=True):
        text = str(row["text"])
        for start, end, label in tagged_spans(doc):
            if label not in trusted or not plausible(label, text[start:end]):
                continue
            if label == PERSON and tagger_person(text, start, end) is None:
                continue
            hard.add(f"{row.get('set')}:{row['id']}")
            break
    return hard


def load_templates(selectors: list[str]) -> list[dict[str, object]]:
    wanted = [(s.partition(":")[0], s.partition(":")[2]) for s in selectors]
    rows = []
    for name, split in wanted:
        path = CORPUS_DIR / "corpus.jsonl" if name == "corpus" else CORPUS_DIR / name / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if split and row.get("split") != split:
                continue
            rows.append(row)
    return rows


def _everyday_sample() -> list[str]:
    """Everyday English words of 4-10 letters (``everyday_words.txt``): capitalised sentence starts in frames."""
    path = ROOT / "redaction" / "data" / "everyday_words.txt"
    words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip() and not w.startswith("#")]
    sys.path.insert(0, str(ROOT))
    from redaction.vocabulary import AMBIGUOUS_FIRST_NAMES, extra_first_names, first_names, last_names

    # every word any name list holds, ambiguous ones included ("precious", "lucky"): those stay names in training
    names = first_names() | extra_first_names() | last_names() | AMBIGUOUS_FIRST_NAMES
    names |= {part.casefold() for nickname in NICKNAMES + APODOS + WORD_NAMES for part in nickname.split()}
    for file in ("first_names.txt", "first_names_extra.txt", "last_names.txt", "solo_last_names.txt"):
        path = ROOT / "redaction" / "data" / file
        names |= {w.strip().casefold() for w in path.read_text(encoding="utf-8").splitlines() if not w.startswith("#")}
    return [w for w in words if w.isalpha() and w.islower() and 4 <= len(w) <= 10 and w not in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--template", action="append", required=True, metavar="SET[:SPLIT]",
                        help="labelled rows to use as patterns (corpus, heldout:dev, blind2:dev, ...)")  # fmt: skip
    parser.add_argument("--copies", type=int, default=2, help="new messages per template with PII")
    parser.add_argument(
        "--negative-copies",
        type=int,
        default=1,
        help="copies of each template without PII (keeps the share of clean text the corpora have)",
    )
    parser.add_argument("--place-swaps", type=int, default=0,
                        help="copies of each clean template with its place names swapped for others")  # fmt: skip
    parser.add_argument("--clean-frames", type=int, default=0, help="clean messages from the built-in frames")
    parser.add_argument("--foreign-lines", type=int, default=0, help="clean lines in other languages (Faker words)")
    parser.add_argument("--number-frames", type=int, default=0,
                        help="clean messages from the number, programme and word-name frames")  # fmt: skip
    parser.add_argument("--clean-template", action="append", default=[], metavar="SET[:SPLIT]",
                        help="more clean rows for place swaps and hard negatives (their PII rows are not used)")  # fmt: skip
    parser.add_argument("--mine-with", type=Path, metavar="MODEL",
                        help="a tagger pipeline: clean templates it flags are hard negatives")  # fmt: skip
    parser.add_argument("--hard-ids", type=Path, metavar="FILE",
                        help="instead of --mine-with: the hard negatives' set:id, one a line")  # fmt: skip
    parser.add_argument("--hard-copies", type=int, default=3, help="extra copies of each hard negative")
    parser.add_argument("--script-share", type=float, default=0.06,
                        help="share of Latin-script names replaced by a name in another script")  # fmt: skip
    parser.add_argument("--nickname-share", type=float, default=0.0,
                        help="share of one- and two-word names replaced by a nickname or apodo")  # fmt: skip
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    generator = Generator(args.seed, args.script_share, args.nickname_share)
    rows = load_templates(args.template)
    templates = [row for row in rows if row["spans"]]
    negatives = [row for row in rows if not row["spans"]]
    seen = {(row.get("set"), row["id"]) for row in negatives}
    negatives += [
        row
        for row in load_templates(args.clean_template)
        if not row["spans"] and (row.get("set"), row["id"]) not in seen
    ]
    written = 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for copy in range(args.copies):
            for row in templates:
                spans = [(int(s), int(e), str(label)) for s, e, label in row["spans"]]  # type: ignore[attr-defined]
                text, new_spans = generator.fill(str(row["text"]), spans)
                record: dict[str, object] = {"id": f"s{copy}-{row.get('set')}-{row['id']}", "text": text, "spans": new_spans, "set": "synthetic",
                          "split": "train", "source": f"{row.get('set', 'corpus')}:{row['id']}"}  # fmt: skip
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        for copy in range(args.negative_copies):
            for row in negatives:
                record = {"id": f"n{copy}-{row.get('set')}-{row['id']}", "text": row["text"], "spans": [],
                          "set": "synthetic", "split": "train", "source": f"{row.get('set', 'corpus')}:{row['id']}"}  # fmt: skip
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        negative_rng = random.Random(args.seed + 1)  # its own stream: adding negatives leaves the rest unchanged
        clean = Negatives(negative_rng, sorted(_everyday_sample()))
        for copy in range(args.place_swaps):
            for row in negatives:
                text = clean.swap_places(str(row["text"]))
                if text == row["text"] and copy:
                    continue
                record = {"id": f"p{copy}-{row.get('set')}-{row['id']}", "text": text, "spans": [],
                          "set": "synthetic", "split": "train", "source": f"{row.get('set', 'corpus')}:{row['id']}"}  # fmt: skip
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        for index in range(args.foreign_lines):
            record = {"id": f"x{index}", "text": clean.foreign(generator.faker), "spans": [], "set": "synthetic",
                      "split": "train", "source": "foreign"}  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
        for index in range(args.clean_frames):
            record = {"id": f"f{index}", "text": clean.frame(), "spans": [], "set": "synthetic", "split": "train",
                      "source": "frame"}  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
        number_rng = Negatives(random.Random(args.seed + 2), clean.words)  # its own stream again
        for index in range(args.number_frames):
            record = {"id": f"m{index}", "text": number_rng.number_frame(), "spans": [], "set": "synthetic",
                      "split": "train", "source": "number-frame"}  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
        if args.mine_with is not None or args.hard_ids is not None:
            if args.mine_with is not None:
                hard = hard_negative_ids(negatives, args.mine_with)
            else:
                lines = args.hard_ids.read_text(encoding="utf-8").splitlines()
                hard = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
            for copy in range(args.hard_copies):
                for row in negatives:
                    if f"{row.get('set')}:{row['id']}" not in hard:
                        continue
                    text = str(row["text"])
                    variant = (text, text.lower(), clean.swap_places(text))[copy % 3]
                    record = {"id": f"h{copy}-{row.get('set')}-{row['id']}", "text": variant, "spans": [],
                              "set": "synthetic", "split": "train", "source": f"{row.get('set', 'corpus')}:{row['id']}"}  # fmt: skip
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
            print(f"{len(hard)} hard negatives of {len(negatives)} clean templates", file=sys.stderr)
    print(f"{written} messages from {len(templates)} templates with PII and {len(negatives)} without -> {args.out}",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
