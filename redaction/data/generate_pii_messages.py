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
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
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
        native = f"{fake.first_name()} {fake.last_name()}"
        latin = _translit(native) if locale in ("ru_RU", "uk_UA", "bg_BG") else " ".join(self._latin_parts()[::2])
        return native, latin

    def person(self, like: str) -> str:
        rng = self.rng
        words = like.split()
        count = max(1, len(words))
        if _NON_LATIN.search(like) or rng.random() < 0.06:
            native, latin = self.script_name()
            if "(" in like or rng.random() < 0.3:
                return f"{latin} ({native})" if rng.random() < 0.7 else f"{native} ({latin})"
            return native
        given, second, family = self._latin_parts()
        style = rng.random()
        if count == 1:
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
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    generator = Generator(args.seed)
    rows = load_templates(args.template)
    templates = [row for row in rows if row["spans"]]
    negatives = [row for row in rows if not row["spans"]]
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
    print(f"{written} messages from {len(templates)} templates with PII and {len(negatives)} without -> {args.out}",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
