"""Pattern recognizers: everything but person names.

Each recognizer is a function ``(text) -> iterator of Finding`` over *normalised* text. Regexes are compiled once at
import and written without nested unbounded repetition, so a 100 KB message of digits or punctuation stays linear.
Identifiers with a check digit (cards, IBANs) are validated; identifiers without one (licences, plates, passports)
are only taken next to their cue words, which is what keeps "case C-1187" and "T-0042" out of the findings.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import re
from collections.abc import Callable, Iterator

import phonenumbers
from stdnum.br import cpf as stdnum_cpf
from stdnum.cl import rut as stdnum_rut
from stdnum.cn import ric as stdnum_ric
from stdnum.in_ import aadhaar as stdnum_aadhaar
from stdnum.in_ import pan as stdnum_pan
from stdnum.kr import rrn as stdnum_rrn
from stdnum.mx import curp as stdnum_curp
from stdnum.pk import cnic as stdnum_cnic
from stdnum.ro import cnp as stdnum_cnp
from stdnum.za import idnr as stdnum_za_id

from redaction.address_parts import find_address_chains, find_described_places
from redaction.alternation import by_first_letter
from redaction.context import AGE_UNITS, NUMBER_WORDS
from redaction.findings import (
    A_NUMBER,
    ADDRESS,
    AGE,
    COORDINATES,
    CREDIT_CARD,
    DOB,
    DRIVER_LICENSE,
    EMAIL,
    HANDLE,
    IBAN,
    IP_ADDRESS,
    LICENSE_PLATE,
    MEDICAL_RECORD,
    PASSPORT,
    PERSON,
    PHONE,
    SSN,
    Finding,
)
from redaction.manifest import find_manifest_names
from redaction.month_names import month_of
from redaction.national_ids import find_table_national_ids
from redaction.normalise import fold_accents
from redaction.postal import find_postal_lines
from redaction.vocabulary import (
    COMMON_WORDS,
    NATIONALITIES,
    US_STATE_CODES,
    everyday_words,
    first_names,
    places,
)

Recognizer = Callable[[str], Iterator[Finding]]

# --- email -------------------------------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,4}\.[A-Za-z]{2,24}\b"
)
_AT = r"(?:\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at(?:\s+(?:sign|symbol))?\s+|\s+arroba\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\s+punto\s+|\s?\.\s?)"
# generic and the country domains of the countries the corpora's people come from (not "at": " at " is a word)
_TLD = (
    r"(?:com|net|org|edu|gov|mil|io|us|co|info|me|biz|uk|mx|ca|app|email|mail|ru|kz|ph|es|de|fr|it|br|ar|in|pk|ng|"
    r"gh|ke|ua|pl|ro|md|al|vn|th|cn|kr|jp|tw|hk|sg|my|id|au|nz|ie|ch|be|nl|se|no|dk|pt|gr|tr|il|ae|sa|eg|ma|za|cl|"
    r"pe|ve|gt|hn|sv|ni|cr|pa|ec|bo|py|uy|by|ge|am|uz|kg|np|bd|lk|kh|et|ug|tz|cm|sn|ht|do|cu)"
)
# the big mail providers, which a spoken address often ends with ("jess 4 real 99 at yahoo")
_MAIL_PROVIDER = r"(?:gmail|yahoo|hotmail|outlook|icloud|aol|protonmail|proton|yandex|live|msn|qq)"
# a word between the parts of a spelled local part: "papi dot chulo", "maria underscore lopez", "yesi punto lopez07"
_LOCAL_SEP = r"(?:\s+(?:dot|punto|underscore|dash|hyphen)\s+|\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*)"
_EMAIL_SPELLED = re.compile(
    rf"(?<![\w.+-])[A-Za-z0-9][\w.+-]{{0,63}}(?:{_LOCAL_SEP}[\w+-]{{1,63}}){{0,5}}{_AT}"
    rf"(?:[A-Za-z0-9-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,2}}?{_DOT}{_TLD}\b(?:{_DOT}{_TLD}\b)?"
    rf"|{_MAIL_PROVIDER}\b)",
    re.IGNORECASE,
)
# the spaced words of a local part right after an e-mail cue: "her email is q ashby 614 at yahoo dot com"
_EMAIL_WORDS_BEFORE = re.compile(
    r"(?i:\b(?:e-?mail|correo|apple\s+id)\b[^\n:\"“0-9]{0,24}?(?:[:=]|\bis\b|\bwas\b|\bas\b|\bto\b)[ \t]*[\"“']?[ \t]*)"
    r"(?P<w>(?:[a-z0-9]{1,12}[ \t]+){1,4})$"
)


_PROVIDERS = frozenset("gmail yahoo hotmail outlook icloud aol protonmail proton yandex live msn qq".split())
_LOCAL_SEP_WORD = re.compile(r"(?i:\b(?:dot|punto|underscore)\b)")
_EMAIL_WORD = re.compile(r"(?i:\b(?:e-?mail|correo|mailbox|inbox|write\s+to)\b)")


# An address typed without its domain's ending: "thuy.nguyen.1996@gmail", "maria88@yahoo" -- a mailbox at a
# provider everyone knows.
_EMAIL_NO_TLD = re.compile(rf"(?<![\w.+-])[A-Za-z0-9][\w.+-]{{0,63}}@{_MAIL_PROVIDER}\b(?![.@-]?\w)", re.IGNORECASE)


def find_emails(text: str) -> Iterator[Finding]:
    """Plain addresses and the spelled-out kind people type to dodge filters ("ana at gmail dot com")."""
    for match in _EMAIL.finditer(text):
        yield Finding(match.start(), match.end(), EMAIL, 0.95, "email")
    if "@" in text:
        for match in _EMAIL_NO_TLD.finditer(text):
            yield Finding(match.start(), match.end(), EMAIL, 0.85, "email")
    if (
        " at " in text or " dot " in text or "[" in text or "(" in text or "AT" in text or "DOT" in text
        or "arroba" in text or " @" in text or "@ " in text
    ):
        for match in _EMAIL_SPELLED.finditer(text):
            start = match.start()
            words = _EMAIL_WORDS_BEFORE.search(text, max(0, start - 80), start)
            if words is not None:
                start = words.start("w")
            elif match.group(0).split()[0].casefold() in COMMON_WORDS:
                continue  # "meet at hsi dot gov" names an agency, not a mailbox
            if match.group(0).split()[-1].casefold().strip("([<>])") in _PROVIDERS and words is None and not (
                _LOCAL_SEP_WORD.search(match.group(0)) or _EMAIL_WORD.search(text, max(0, start - 60), start)
            ):
                continue  # "she's at yahoo", "works at outlook": a provider with no mailbox cue is no address
            yield Finding(start, match.end(), EMAIL, 0.85, "email_spelled")


# --- phone -------------------------------------------------------------------------------------------------------
_PHONE = re.compile(
    r"(?<![A-Za-z0-9_À-ʯ$./:#+-])(?:\+\s?)?(?:\(?\d{1,6}\)?(?:(?:[ .\-]{1,2}|\s?[/\-.•·‧∙‑‐–]\s?|/|(?<=\))|(?<=\d)(?=\())\(?\d{1,8}\)?){1,6}|\d{7,15})"
    r"(?!(?![xX]\d|(?i:ext))[\w/]|-\d)"  # (an extension may follow: "558-610-0442x43318", "...0190ext. 12")
)
# An extension after a number: "x43318", "ext. 12", "extension 4410".
_EXTENSION = re.compile(r"[ \t]*(?:(?<=\d)[xX]|(?i:[ \t]x|ext\.?|extension))[ \t]*\d{1,6}(?![\w-])")
# A phone label right before a number ("Tel. 6747 7669", "Mob: 478 04 143", "mobile (20)/119-5014"): a number of the
# layout of a country that dials no trunk prefix (Denmark, Norway) or written without it is still a phone when it is
# valid in one of the regions of its length -- checked only when the label is right there.
_PHONE_LABEL_RIGHT_BEFORE = re.compile(
    r"(?<![^\W_])(?i:(?:phone|tel|t[ée]l|telf|mob|mobile|mobil|cell|cel|celular|handy|whats\s?app)\b\.?"
    r"(?:[ \t]*(?:no\.?|number|#))?"
    # a person's number, not a case's or a meeting's: "his number is", "the mother's number"
    r"|(?:his|her|my|their|your|\w+['’]s)[ \t]+(?:number|n[úu]mero|num[ée]ro)\b)[ \t]*(?:(?i:is)[ \t]+)?[:.#=]?[ \t]*$"
)


# a ZIP+4, a date or a time is no phone after a label ("cell 31004-2211 is the sector", "phone log 2025-01-17")
_ZIP_OR_DATE_SHAPE = re.compile(r"\d{5}-\d{4}|\d{1,4}[-./]\d{1,2}[-./]\d{1,4}|\d{1,2}[:.]\d\d(?:[:.]\d\d)?")


@functools.lru_cache(maxsize=512)
def _valid_in_some_region(digits: str) -> bool:
    """Whether ``digits``, as a national number with no trunk prefix, is valid in some region (each country code's
    metadata: about 215 checks, only for a number right after a phone label that nothing else took)."""
    if not 7 <= len(digits) <= 12 or digits[0] == "0":
        return False
    national = int(digits)
    for country in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        if country == 1:
            continue
        if phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=country, national_number=national)):
            return True
    return False
_DATE_IN_PHONE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")
# Public numbers that are never a person's (digits without the leading 1). National hotlines that appear on every flyer and in every coordination message: never a person's number.
# Trafficking (Polaris), domestic violence, Childhelp, RAINN, NCMEC, FBI tips.
PUBLIC_NUMBERS = frozenset({"8883737888", "8007997233", "8004224453", "8006564673", "8008435678", "8002255324"})
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SEPARATORS = re.compile(r"[^\d+]+")


def find_phones(text: str, region: str = "US") -> Iterator[Finding]:
    """Phone numbers in the forms people type: dashed, dotted, spaced, parenthesised, +international, run together.

    Candidates come from one cheap regex; ``phonenumbers`` decides whether the digits can be a phone number in
    ``region`` (or anywhere, with a leading ``+``). Digit groups of one (other than a country code) are refused unless
    every group is one digit -- that is an evasion ("7 1 3 5 5 5 0 1 9 9"), while "3 1 2019" is not a phone. Those
    evasions (and letters or words for digits) are ``_obfuscated_phones``'s.
    """
    yield from _obfuscated_phones(text, region)
    for match in _PHONE.finditer(text):
        finding = _plain_phone(text, match, region)
        if finding is None:
            finding = _national_phone(text, match)
        if finding is None and _PHONE_LABEL_RIGHT_BEFORE.search(text, max(0, match.start() - 24), match.start()):
            raw = match.group(0)
            digits = "".join(ch for ch in raw if ch.isdigit())
            if (
                not raw.startswith("+")
                and not _DATE_IN_PHONE.search(raw)
                and not _ZIP_OR_DATE_SHAPE.fullmatch(raw)
                and _valid_in_some_region(digits)
            ):
                finding = Finding(match.start(), match.end(), PHONE, 0.7, "phone_national")
        if finding is not None:
            extension = _EXTENSION.match(text, finding.end) if text[finding.end : finding.end + 1] in "xXe " else None
            if extension is not None:
                finding = Finding(finding.start, extension.end(), finding.label, finding.score, finding.source)
            yield finding


def _plain_phone(text: str, match: re.Match[str], region: str) -> Finding | None:
    """One candidate of ``_PHONE``: a phone in ``region``, a valid international one, or one dialled nationally in
    one of ``_ORIGIN_REGIONS``."""
    raw = match.group(0)
    if raw.startswith(("011 ", "011-", "011.")) and raw.count(raw[3]) >= 2:
        # "011 52 1 33 5555 0123": the international prefix dialled from the US (same length), when what follows
        # is a valid number abroad -- not Delhi's area code ("landline 011-2644-7701")
        abroad = _parse_or_none("+  " + raw[3:], region)
        if abroad is not None and phonenumbers.is_valid_number(abroad):
            raw = "+  " + raw[3:]
    if _DATE_IN_PHONE.search(raw) or (text.startswith(":", match.end()) and text[match.end() + 1 : match.end() + 2].isdigit()):
        return None  # "12/24/2024 19:05": a date and an hour in a call log, not a number
    groups = [g for g in _SEPARATORS.split(raw) if g]
    digits = "".join(groups).lstrip("+")
    if not 7 <= len(digits) <= 15:
        return None
    if "(0)" in raw and raw.startswith("+"):
        # "+243 (0)97 551 2204": the trunk 0 in brackets is not dialled from abroad
        groups = [g for g in _SEPARATORS.split(raw.replace("(0)", "")) if g]
    inner = groups[1:] if raw.startswith("+") or groups[0] in ("1", "+1") else groups
    if any(len(g) == 1 for g in inner) and not all(len(g) == 1 for g in inner):
        # "+52 1 669 447 2031", "+977-1-4470231": a one-digit group is fine in a valid international number
        # (or a possible one: "+52 1 686 ..." keeps Mexico's old mobile "1", which the library calls invalid)
        number = _parse_or_none(raw, region) if raw.startswith("+") else None
        if number is None or not phonenumbers.is_possible_number(number):
            return None
    if len(groups) == 3 and [len(g) for g in groups] == [3, 2, 4]:
        return None  # SSN shape; the SSN recognizer owns it
    if raw.count(".") == 3 and _IPV4.fullmatch(raw):
        return None  # an IPv4 address
    if raw.startswith("00") and len(groups[0]) == 2:
        raw_number = "+" + raw[2:]  # "00 40 721 555 012": the international prefix dialled from abroad
    else:
        raw_number = raw
    if "(0)" in raw_number and raw_number.startswith("+"):
        raw_number = raw_number.replace("(0)", "")
    number = _parse_or_none(raw_number, region)
    cued = None
    if number is None or not phonenumbers.is_valid_number(number):
        cued = PHONE_CUE_BEFORE.search(text, max(0, match.start() - 60), match.start()) and not (
            _CASE_NUMBER_BEFORE.search(text, max(0, match.start() - 30), match.start())
        )
    if cued and not raw_number.startswith(("+", "0")) and 10 <= len(digits) <= 15:
        # "WhatsApp 221774410932", "whatsapp: 243 81 554 7720": an international number written without its "+"
        abroad = _parse_or_none("+" + digits, region)
        if abroad is not None and phonenumbers.is_valid_number(abroad):
            return Finding(match.start(), match.start() + len(raw), PHONE, 0.75, "phone")
            return None
    trunk_first = raw_number.lstrip("(").startswith("0")  # "(0151) 4960911" too
    if number is None and not trunk_first:
        return None
    if trunk_first and (number is None or not phonenumbers.is_possible_number(number)):
        # "0803 441 2907": a number dialled inside its own country; valid in a region survivors come from
        # (not after a case or form word: "case 0412 2026 118")
        if _valid_abroad(raw_number) and (
            cued or not _NOT_UNIT_BEFORE.search(text, max(0, match.start() - 12), match.start())
        ):
            return Finding(match.start(), match.start() + len(raw), PHONE, 0.7, "phone")
        return None
    if number is None:
        return None
    if phonenumbers.is_valid_number(number):
        score = 0.9
    elif phonenumbers.is_possible_number(number):
        score = 0.75
    else:
        return None
    return Finding(match.start(), match.start() + len(raw), PHONE, score, "phone")


# A number written the way its own country writes it, trunk prefix first ("8 (928) 743-18-02" in Russia and
# Kazakhstan, "(077) 12-34-56" in Armenia, "8 029 123-45-67" in Belarus, "06 30 123 4567" in Hungary): valid in a
# region whose national prefix it starts with -- any of phonenumbers' regions, not only ``_ORIGIN_REGIONS`` -- and
# grouped as phones are there: the trunk prefix and the area or operator code (its length from the library) end at
# a group break and every later group has two to four digits. Run together only after a phone word ("тел.
# 89287431802"). The layout is what the existing "leading 0" rule does not ask for, so a case number such as "0412
# 2026 118" valid somewhere by chance is still refused when its groups do not fall where the region's do.
def _national_prefixes() -> dict[str, tuple[tuple[str, int, re.Pattern[str], re.Pattern[str]], ...]]:
    """Regions by the first digit of their trunk prefix: (region, its country code, the prefix as the library parses
    it -- Belarus dials "8 0..." --, the pattern every valid national number fits)."""
    table: dict[str, list[tuple[str, int, re.Pattern[str], re.Pattern[str]]]] = {}
    for code in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(code)
        if meta is None or meta.general_desc is None or meta.country_code is None:
            continue
        prefix = meta.national_prefix
        general = meta.general_desc.national_number_pattern
        if not prefix or prefix == "1" or general is None:
            continue
        parsing = re.compile(rf"(?:{meta.national_prefix_for_parsing or re.escape(prefix)})")
        table.setdefault(prefix[0], []).append((code, meta.country_code, parsing, re.compile(general)))
    return {first: tuple(entries) for first, entries in table.items()}


_NATIONAL_PREFIXES = _national_prefixes()


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _area_code_length(national: str, code: str) -> int:
    """The length of the first group the region's own layout puts the number in (its area or operator code): the
    library's format rules matched directly (its formatting functions cost milliseconds a number)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(code)
    if meta is not None and not meta.number_format and meta.country_code is not None:
        # Kazakhstan is laid out by Russia's rules (country code 7)
        main_region = phonenumbers.region_code_for_country_code(meta.country_code)
        meta = phonenumbers.PhoneMetadata.metadata_for_region(main_region)
    for layout in meta.number_format if meta is not None else ():
        leading = layout.leading_digits_pattern
        if leading and not _compiled(leading[-1]).match(national):
            continue
        grouped = _compiled(layout.pattern).fullmatch(national)
        if grouped is not None:
            return len(grouped.group(1)) if grouped.groups() else 0
    return 0


@functools.lru_cache(maxsize=1024)
def _national_regions(digits: str) -> tuple[tuple[int, int], ...]:
    """(trunk prefix length, trunk prefix + area code length) for each region in which ``digits`` (trunk prefix
    included) is a valid number: a cheap pattern first, the library's check of the number's types after."""
    found = []
    for code, country, parsing, pattern in _NATIONAL_PREFIXES.get(digits[:1], ()):
        prefix = parsing.match(digits)
        if not prefix or not prefix.end() or not pattern.fullmatch(digits, prefix.end()):
            continue
        national = digits[prefix.end() :]
        number = phonenumbers.PhoneNumber(country_code=country, national_number=int(national))
        if phonenumbers.is_valid_number_for_region(number, code):
            found.append((prefix.end(), prefix.end() + _area_code_length(national, code)))
    return tuple(found)


def _national_phone(text: str, match: re.Match[str]) -> Finding | None:
    raw = match.group(0)
    if raw.lstrip("(")[:1] not in ("0", "8") or _DATE_IN_PHONE.search(raw):
        return None
    groups = [g for g in _SEPARATORS.split(raw) if g]
    digits = "".join(groups)
    if not 8 <= len(digits) <= 13 or [len(g) for g in groups] == [3, 2, 4]:
        return None
    regions = _national_regions(digits)
    if not regions:
        return None
    cued = PHONE_CUE_BEFORE.search(text, max(0, match.start() - 60), match.start()) is not None
    if not cued and _NOT_UNIT_BEFORE.search(text, max(0, match.start() - 12), match.start()):
        return None
    if _CASE_NUMBER_BEFORE.search(text, max(0, match.start() - 30), match.start()):
        return None
    if len(groups) == 1:
        return Finding(match.start(), match.end(), PHONE, 0.7, "phone_national") if cued else None
    breaks = list(itertools.accumulate(len(g) for g in groups))
    for prefix, area in regions:
        # the trunk prefix and the area code are the first group ("(077)") or the first groups, the prefix apart
        # ("8 (928)", Belarus' "8 029")
        head = breaks.index(area) + 1 if area in breaks else 0
        before_area = breaks[: head - 1]
        if (
            area > prefix
            and head
            and all(b <= prefix for b in before_area)
            and all(2 <= len(g) <= 4 for g in groups[head:])
        ):
            return Finding(match.start(), match.end(), PHONE, 0.7, "phone_national")
    return None


# Regions a number dialled inside its own country ("0803 441 2907", UK "07452 911 386", German "05242 931 40") is
# tried in when it is no US number: the countries survivors, workers and families on these cases come from and
# pass through -- Latin America and the Caribbean, West and East Africa, South and South-East Asia, the Middle
# East, Europe (EU, UK, Ireland, the Balkans, Ukraine, Moldova). Not all 245 of phonenumbers' regions: almost
# any ten digits with a leading 0 are valid somewhere, and a case or form number must stay readable.
_ORIGIN_REGIONS = tuple(
    """
    MX GT HN SV NI CR PA CU DO HT JM CO VE EC PE BO BR AR CL PY
    NG GH CM SN CI ET ER SO KE UG TZ CD SL LR MA DZ TN EG
    PH IN NP VN CN TH KR JP MM KH LA ID MY BD PK LK AF
    IR IQ SY LB JO TR
    UA RO MD RU BY GE AL RS BA HR SI BG GR PL CZ SK HU LT LV EE
    GB IE DE FR IT ES PT NL BE CH AT SE NO DK FI
    """.split()
)


@functools.lru_cache(maxsize=2048)
def _valid_abroad(raw: str) -> bool:
    """Whether a number dialled with its national prefix is valid in one of ``_ORIGIN_REGIONS`` (cached: a long
    message repeats its numbers)."""
    return any(_valid_in(raw, abroad) for abroad in _ORIGIN_REGIONS)


# Obfuscated numbers: digits mixed with letters O/I/l, number words, middots, spaced single digits
# ("7O2-8I5-44O9", "773 eight four six 2210", "3 6 0 . 2 2 9 . 8 4 1 5", "312 · 804 · 7716").
_DIGITISH = r"(?:\d{1,4}|[OoIl](?=[OoIl]{0,3}(?:\d|[ .\-·]\d))|(?<=\d)[OoIl]|\b(?i:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)\b)"
# Atomic units, one separator class and a possessive repetition: no way to split the same characters twice, so
# long runs of digits, letters or spaces stay linear (an earlier, looser form backtracked exponentially).
_PHONE_MIXED = re.compile(
    rf"(?<![\w+])(?:\+\s?)?\(?(?>{_DIGITISH})(?:[ \t]*+[.\-·,/()•‐‑–]?[ \t]*+(?>{_DIGITISH})){{2,14}}+(?![\w])"
)
_LETTER_DIGITS = {"o": "0", "i": "1", "l": "1", **_DIGIT_WORDS}


def _obfuscated_phones(text: str, region: str) -> Iterator[Finding]:
    """Phones typed to dodge filters (10 digits, or 11 with a leading 1); the plain forms are ``find_phones``'s."""
    for match in _PHONE_MIXED.finditer(text):
        raw = match.group(0).rstrip(" .,-")
        pieces = list(re.finditer(r"\d+|[A-Za-z]+", raw))
        while pieces and not pieces[-1].group(0).isdigit() and pieces[-1].group(0).casefold() not in _LETTER_DIGITS:
            pieces.pop()  # "... 0093 lol": letters after the number are words, not digits
        if not pieces:
            continue
        raw = raw[: pieces[-1].end()]
        parts = [piece.group(0) for piece in pieces]
        digits = "".join(
            part if part.isdigit() else _LETTER_DIGITS.get(part.casefold(), "?") for part in parts
        )
        if "?" in digits:
            continue
        if not any(part.isdigit() for part in parts) and sum(w.casefold() in ("o", "oh") for w in parts) > 3:
            continue  # "oh oh oh ..." in words only is not a number
        plain = all(part.isdigit() and len(part) > 1 for part in parts) and "·" not in raw
        if plain:
            continue  # ordinary forms are find_phones's
        if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"):
            number = _parse_or_none(digits, region)
            if number is not None and phonenumbers.is_possible_number(number):
                yield Finding(match.start(), match.start() + len(raw), PHONE, 0.75, "phone_obfuscated")


def _valid_in(raw: str, region: str) -> bool:
    number = _parse_or_none(raw, region)
    return number is not None and phonenumbers.is_valid_number(number)


_ODD_SEPARATORS = str.maketrans("•·‧∙‑‐–", "-------")


def _parse_or_none(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw.translate(_ODD_SEPARATORS), region)
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        # "+52 1 33 5555 0123": the "1" Mexico's mobiles took until 2019, still written; the number is the rest
        number = phonenumbers.PhoneNumber(country_code=52, national_number=int(national[1:]))
    return number


# --- numbers with a check digit ----------------------------------------------------------------------------------
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- .]|\s{1,2})(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
_SSN_CUE = re.compile(
    r"\b(?:ssn|ss#|ss\s+no\.?|soc(?:ial)?(?:\s+sec(?:urity)?)?(?:\s*(?:#|no\.?|number|num))?)\W{0,6}"
    r"(\d(?:[\s.-]{0,2}\d){8})(?![\d])",
    re.IGNORECASE,
)


_ITIN = re.compile(r"(?<![\w-])9\d{2}([- .])(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\1\d{4}(?![\w-])")
# "5 1 2 - 4 8 - 3 3 0 7": the 3-2-4 shape typed digit by digit.
_SSN_SPACED = re.compile(r"(?<![\w-])\d(?: ?\d){2} ?- ?\d ?\d ?- ?\d(?: ?\d){3}(?![\w-])")
# "her social is five three one, seven two, zero eight four six": nine digits in words after an SSN cue.
_SSN_WORDS = re.compile(
    r"\b(?i:ssn|social(?:\s+security)?(?:\s+(?:#|no\.?|number))?)\W{0,3}(?:is\s+|was\s+|:\s*)?"
    r"(?P<n>(?i:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)(?:[\s,.-]{1,3}"
    r"(?i:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)){8})\b"
)


# "xxx-xx-3391", "***-**-3391": an SSN masked but for its last four, which still identify the person with a name
_SSN_MASKED = re.compile(r"(?<![\w*#•-])(?:[xX]{3}|[*#•]{3})([- ])(?:[xX]{2}|[*#•]{2})\1\d{4}(?![\w-])")
# "ssn ends 9803, full 461229803": the nine digits a few words after the cue, in the same clause
_SSN_LATER = re.compile(
    r"\b(?i:ssn|ss#|social(?:\s+security)?)\b[^\n.;!?\d]{1,30}?(?:\d{1,4}[^\n.;!?\d]{1,20}?)?"
    r"(?<![\d-])(?P<n>\d{3}([- ]?)\d{2}\2\d{4})(?![\w-])"
)


# "last 4 8804", "the last four are 3391", "Brandon's ends in 2219 not 2291": the last four digits of a person's
# number, which identify them with a name. A card's are taken by the card rules (CREDIT_CARD); the rest are labelled
# SSN, the number most often given that way. "ends in" a year ("the lease ends in 2026") is no identifier.
_LAST_FOUR = re.compile(
    r"\b(?i:last\s+(?:4|four)(?:\s+(?:digits?|numbers?|#))?(?:\s+(?:is|are|was|were))?|(?:ends?|ended|ending)\s+(?:in|with))"
    r"[ \t]*[:#=-]?[ \t]*(?P<d>\d{4})(?![\w-]|[.,:/]\d)"
    r"(?:[ \t]*,?[ \t]*(?i:not|or|and)[ \t]+(?P<e>\d{4})(?![\w-]|[.,:/]\d))?"
)
_LAST_FOUR_NOT = re.compile(r"(?i:\b(?:room|rm|unit|suite|apt|ext|extension|flight|gate|page|exit|route|model|year)\b)")


def _last_fours(text: str) -> Iterator[Finding]:
    for match in _LAST_FOUR.finditer(text):
        if _LAST_FOUR_NOT.search(text, max(0, match.start() - 30), match.start()):
            continue
        for group in ("d", "e"):
            value = match.group(group)
            if value is None:
                continue
            if match.group(0)[:1] in "eE" and value[:2] in ("19", "20"):
                continue  # "ends in 2026": a year
            yield Finding(match.start(group), match.end(group), SSN, 0.75, "last_four")


def find_ssns(text: str) -> Iterator[Finding]:
    """SSNs as 3-2-4 with dashes, dots or spaces anywhere; run-together or digit-by-digit only after an SSN cue."""
    for match in _SSN.finditer(text):
        yield Finding(match.start(), match.end(), SSN, 0.9, "ssn")
    if "last" in text or "Last" in text or "LAST" in text or "end" in text:
        yield from _last_fours(text)
    for match in _SSN_CUE.finditer(text):
        yield Finding(match.start(1), match.end(1), SSN, 0.95, "ssn_cue")
    lowered = text.lower()
    if "ss" in lowered or "social" in lowered:
        for match in _SSN_LATER.finditer(text):
            yield Finding(match.start("n"), match.end("n"), SSN, 0.85, "ssn_cue")
    if "xx" in text or "XX" in text or "**" in text or "##" in text or "••" in text:
        for match in _SSN_MASKED.finditer(text):
            yield Finding(match.start(), match.end(), SSN, 0.85, "ssn_masked")
    for match in _ITIN.finditer(text):
        yield Finding(match.start(), match.end(), SSN, 0.9, "itin")
    if " - " in text or "- " in text or " -" in text:
        for match in _SSN_SPACED.finditer(text):
            yield Finding(match.start(), match.end(), SSN, 0.9, "ssn")
    for match in _SSN_WORDS.finditer(text):
        yield Finding(match.start("n"), match.end("n"), SSN, 0.85, "ssn_cue")


# --- national identity numbers -----------------------------------------------------------------------------------
# Foreign national ID numbers are labelled SSN, like the US number they stand in for. A number is taken after an ID
# cue in the language it is written in, when its shape fits (six to eighteen digits, with the separators people
# type; or letters and digits the way NINOs, CURPs and Albanian NIDs are written) -- corpus and real numbers alike
# are often copied with a typo, so a cued number is not held to its checksum. Without a cue only formats whose
# checksum python-stdnum validates and whose shape is distinctive are taken: a CURP, a dotted CPF, a CNP, a Chinese
# resident ID, a hyphenated Korean RRN; plain 10-11 digit runs (PESEL, EGN, bare CPF) look like phone numbers and
# are left to their cue.
_NATID_CUE_LATIN = (
    r"\b(?:"
    + by_first_letter(  # (tried by first letter, same matches: redaction/alternation.py)
        r"curp|dpi|cui|dni|c[ée]dulas?|cpf|cnp|pesel|egn|idnp|nino|e-?tazkira|tazkira|nid|n[°º]\s*id|"
        r"national\s+(?:id(?:entity)?|insurance)(?:\s+(?:card|number|no\.?|#))?|ni\s+(?:numbers?|no\.?|#)|"
        r"personal\s+id|citizen(?:ship)?\s+id|resident\s+id|identity\s+id|voter\s+id|"
        r"citizen(?:ship)?\s+(?:card|number)|identity\s+(?:card|number)|voter\s+(?:card|number)|"
        r"id\s+(?:nacional|personal)|documento\s+(?:de\s+identidad|nacional)|registro\s+geral|carteira\s+de\s+identidade|"
        r"c[ăa]n\s+c[ưu][ớo]c(?:\s+c[ôo]ng\s+d[âa]n)?|ch[ứu]ng\s+minh(?:\s+nh[âa]n\s+d[âa]n)?|cccd|cmnd|"
        r"buletin(?:ul)?|ka?rta\s+pobytu|l[ií]čna\s+karta|rrn|"
        # South Asian and African national numbers: Aadhaar, PAN card, Nigeria's NIN and BVN, Tanzania's NIDA, Ghana
        # Card, Pakistan's CNIC, Sri Lanka's NIC, Kenya's Huduma number; an "ID number" of any country
        r"aadhaa?r|aadhar|uidai|uid\s+(?:no\.?|number|#)|pan\s+(?:card|no\.?|number|#)|nin|bvn|nida|nnin|"
        r"ghana\s+card|cnics?|n\.?i\.?c\s+(?:no\.?|number|#)|huduma(?:\s+namba)?|omang|fayda|kitambulisho|"
        r"carte\s+(?:nationale\s+)?d['’]identit[ée]|credencial\s+(?:para\s+votar|de\s+elector)|cuil|cuit|"
        r"id\s+(?:number|no\.?|#|card\s+(?:number|no\.?|#))"
    )
    + r"\b"
    r"|(?-i:CC|C\.C\.|RG|NIK|KTP|NI|ID|PAN|NICs?|NIE|NIF|RFC|DUI|UID|CNI|INE|RUT|RUN)(?![\w]|['’]d)"
    r"|(?:[A-Z][a-z]{1,20}(?:an|ese|ish|ian|i|ch)|Thai|Swiss|Greek)\s+(?:national\s+)?(?i:ids?|nid|id\s+cards?)\b)"
)
# (one word boundary before all the Latin cues, so the alternatives are tried at word starts only; the cues in other
# scripts only on text that is not ASCII -- the cue search runs on every message)
_NATID_CUE_ASCII = re.compile(_NATID_CUE_LATIN)
_NATID_CUE = re.compile(
    r"(?:" + _NATID_CUE_LATIN + r"|居民身份证|身份证|身分證|주민등록번호|주민번호|บัตรประชาชน|เลขประจำตัวประชาชน|удостоверени\w+|паспорт\w*\s+id"
    # Aadhaar in Hindi and Tamil, Bangladesh's national ID card, Arabic "national number"/"identity card", Amharic ID
    r"|आधार|ஆதார்|এনআইডি|জাতীয়\s+পরিচয়পত্র|الرقم\s+القومي|رقم\s+الهوية|بطاقة\s+الهوية|الهوية\s+الوطنية|መታወቂያ)"
)
# the clause after a cue: up to the end of the sentence or line ("no." does not end it)
_NATID_REACH = re.compile(r"(?:[^\n.;!?,]|(?<=\b[Nn]o)\.|(?<=\d)\.(?=\d)|(?<=\b[MD][rs])\.|(?<=\bMrs)\.){0,48}")
# another identifier's cue between the ID cue and the number: "ID: TX DL 40188273", "ID, ... report 24-11873"
_OTHER_ID_CUE = re.compile(
    r"\b(?:dl|cdl|d/l|dln|ol|oln|licen[cs]e|lic|pass(?:port)?|pp|a-?number|mrn|report|case|plate|tag|"
    r"hotline|helpline|phone|tel|call|fax|whatsapp|"
    r"(?-i:[A-Z]{2})\s+(?:dl|id))\b|[/:]\d",
    re.I,
)
# digits with the separators people type, or a few letters around digits ("J15309076N", "PJ 71 22 04 B")
_NATID_TOKEN = re.compile(
    r"(?<![\w/$.:+-])(?:[A-Za-z]{4}\d{6}[A-Za-z]{6}[A-Za-z0-9]\d|"
    r"(?:[A-Z]{1,4}[ -]?|[A-Za-z]{1,4})?\d(?:[\d .-]{0,24}\d)?(?:[A-Za-z]{1,3}\d?[A-Za-z]{0,2}|[ -][A-D])?)(?![\w/:%$]|[.,/]\d)"
)
_NINO = re.compile(
    r"(?<![\w-])(?i:(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ -]?\d\d[ -]?\d\d[ -]?\d\d[ -]?(?i:[A-D])(?![\w-])"
)
_CURP = re.compile(r"(?<![\w-])[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![\w-])")
_CPF_DOTTED = re.compile(r"(?<![\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-]|\.\d)")
_CNP = re.compile(r"(?<![\w.-])[1-8]\d{12}(?![\w-]|\.\d)")
_CN_RIC = re.compile(r"(?<![\w.-])[1-9]\d{16}[\dXx](?![\w-]|\.\d)")
_KR_RRN = re.compile(r"(?<![\w.-])\d{6}-[1-8]\d{6}(?![\w-]|\.\d)")
# Aadhaar in its printed 4-4-4 groups (Verhoeff check digit); a personal PAN (the fourth letter P; python-stdnum
# checks the layout); a Pakistani CNIC 5-7-1 with its dashes (province digit); a Ghana Card PIN; a Sri Lankan NIC
# of the old format (birth year, day of the year -- plus 500 for women -- and V or X); a Ugandan NIN (CM/CF).
_AADHAAR = re.compile(r"(?<![\w.-])[2-9]\d{3}([ -])\d{4}\1\d{4}(?![\w-]|[ -]\d|\.\d)")
_PAN = re.compile(r"(?<![\w-])[A-Z]{3}P[A-Z]\d{4}[A-Z](?![\w-])")
_CNIC = re.compile(r"(?<![\w.-])\d{5}-\d{7}-\d(?![\w-]|\.\d)")
_GHANA_CARD = re.compile(r"(?<![\w-])GHA-?\d{9}-?\d(?![\w-])")
_LK_NIC_OLD = re.compile(r"(?<![\w.-])\d{2}(?P<day>\d{3})\d{4}[VvXx](?![\w-])")
_CL_RUT = re.compile(r"(?<![\w.-])\d{1,2}\.\d{3}\.\d{3}-[\dkK](?![\w-]|\.\d)")
_ZA_ID = re.compile(r"(?<![\w.-])\d{2}[01]\d[0-3]\d{8}(?![\w-]|\.\d)")
_UG_NIN = re.compile(r"(?<![\w-])C[MF]\d{8}[A-Z0-9]{4}(?![\w-])")
# An identity number written with its check digit in brackets, the Hong Kong and Macau way ("Y418203(5)",
# "A123456(3)", "1234567(8)"): no case, form or phone number is written so; taken without a cue.
_BRACKETED_CHECK = re.compile(r"(?<![\w(-])(?:[A-Z]{1,2}\d{6}|[1578]\d{6})[ ]?\([0-9A]\)(?![\w(])")


def _lk_nic_ok(value: str) -> bool:
    day = int(value[2:5])
    return 1 <= day <= 366 or 501 <= day <= 866


_NATID_CHECKED: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (_CURP, stdnum_curp.is_valid),
    (_AADHAAR, stdnum_aadhaar.is_valid),
    (_PAN, stdnum_pan.is_valid),
    (_CNIC, stdnum_cnic.is_valid),
    (_GHANA_CARD, lambda value: True),
    (_LK_NIC_OLD, _lk_nic_ok),
    (_UG_NIN, lambda value: True),
    (_BRACKETED_CHECK, lambda value: True),
    (_CL_RUT, stdnum_rut.is_valid),
    (_ZA_ID, stdnum_za_id.is_valid),
    (_CPF_DOTTED, stdnum_cpf.is_valid),
    (_CNP, stdnum_cnp.is_valid),
    (_CN_RIC, stdnum_ric.is_valid),
    (_KR_RRN, stdnum_rrn.is_valid),
)

# a NINO is often written a sentence away from its cue ("NI number got issued anyway in 2019 ...: PJ 71 22 04 B")
_NINO_CUE = re.compile(r"(?i:ni\b|nino|national\s+insurance)")
# the bare capitalised cues, which are also ordinary abbreviations ("CC Lt Moreno", "RG 2024 budget")
_SHORT_CUES = frozenset(
    {"CC", "C.C.", "RG", "NIK", "KTP", "ID", "PAN", "NIC", "NICs", "NIE", "NIF", "RFC", "DUI", "UID", "CNI", "INE", "RUT", "RUN"}
)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\W{0,2}$")
_NOT_A_PERSON_ID = frozenset(
    "meeting zoom webex teams slack case tip user caller employee ticket ref reference report message job order "
    "transaction tracking account device apple session badge inmate booking student member login incident "
    "operation op request file evidence item task app client event batch poster ad listing post photo school work "
    # a US state's ID is a driver's licence-type card (the DL recognizer's "texas id", "state id")
    "state alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho "
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi "
    "missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon pennsylvania "
    "island tennessee texas utah vermont virginia washington wisconsin wyoming".split()
)

# "ID number", "Id no.", "NIC #": the number may come later in the clause, not only right after the cue
_NUMBER_WORD_AFTER = re.compile(r"(?i:\s+(?:number|no\.?|#|card))\b")
# what may stand between two identifiers of a list: "28471093, 31 044 872, 27719305", "father 35102-4471829-5,
# mother 35102-9038114-2", "C4871926 and C5093318" -- a comma, "and", "or", "&" or "/", then up to two short words
_LIST_GAP = re.compile(
    r"[ \t]*(?:,|/|&|\band\b|\bor\b)[ \t]*(?:(?P<words>[A-Za-z'’]{1,12}(?:[ \t]+[A-Za-z'’]{1,12}){0,2})[ \t]*[:=]?[ \t]*)?"
)
# words that introduce some other number in a list, which must stay readable: "ID 4417 2208, case 2024-118"
_LIST_STOP = re.compile(
    r"(?i:\b(?:case|report|docket|receipt|ref|reference|form|file|ticket|tip|incident|order|invoice|tracking|room|"
    r"phone|tel|cell|mobile|whatsapp|zip|page|item|exhibit|claim|booking|flight|badge|op|job|unit|ext|dob|born|age|"
    r"plate|tag|dl|license|licence|passport|a-?number|mrn|ssn|years?|yrs?|days?|am|pm|hours?)\b)"
)


def listed_after(
    text: str, end: int, token: re.Pattern[str], shape: Callable[[str], bool], limit: int = 6
) -> Iterator[tuple[int, int]]:
    """The identifiers of the same kind listed right after one found at ``end`` (at most ``limit``)."""
    for _ in range(limit):
        gap = _LIST_GAP.match(text, end)
        if gap is None or (gap.group("words") and _LIST_STOP.search(gap.group("words"))):
            return
        found = token.match(text, gap.end())
        if found is None:
            return
        value = found.group(0).strip(" .-")
        start = found.start() + found.group(0).index(value)
        if not shape(value) or _NOT_AN_ID_AFTER.match(text, start + len(value)):
            return
        end = start + len(value)
        yield start, end


_THREE_DIGITS = re.compile(r"\d\d\d")
_ID_TOPIC_NUMBER = re.compile(r"(?<![\w/$.:#+-])(?:\d{9,18}|\d{8}-\d)(?![\w/%$-]|[.:,]\d)")


def _stdnum_valid(valid: Callable[[str], bool], value: str) -> bool:
    # is_valid is meant to return False on a bad number, but some modules raise on odd input (cn.ric 2.2 raises
    # KeyError for a region code its table lists without a county): a recognizer must never fail a message.
    try:
        return valid(value)
    except Exception:  # any failure of a third-party validator means "not valid"
        return False

def _natid_shape(value: str) -> bool:
    digits = _digit_count(value)
    letters = sum(ch.isalpha() for ch in value)
    if letters:
        return (6 <= digits <= 18 and letters <= 11) or bool(_NINO.fullmatch(value))
    return 6 <= digits <= 20  # (Tanzania's NIDA number has twenty)


def find_national_ids(text: str) -> Iterator[Finding]:
    """National identity numbers (CURP, DPI, cédula, CPF, CNP, PESEL, NINO, 身份证, 주민등록번호 ...), labelled SSN."""
    topic: int | None = None
    for cue in (_NATID_CUE_ASCII if text.isascii() else _NATID_CUE).finditer(text):
        cue_word = cue.group(0)
        before = (
            _WORD_BEFORE.search(text, max(0, cue.start() - 30), cue.start())
            if cue_word[:2].casefold() == "id"
            else None
        )
        if before and (
            before.group(1).casefold() in _NOT_A_PERSON_ID or before.group(1).isupper()
        ):
            continue  # "meeting ID 883 2211 0045", "case ID 2024-0031": not a person's identity number
        if topic is None and (cue_word not in _SHORT_CUES or cue_word == "DUI") and not _NINO_CUE.match(cue_word):
            topic = cue.end()
        reach = _NATID_REACH.match(text, cue.end())
        if reach is None:
            continue
        end, first_by = reach.end(), reach.end()
        if _NINO_CUE.match(cue.group(0)):
            end = cue.end()  # a NI number has its own shape (below): "NI 3 cases pending 20240311" is not one
        elif cue_word in _SHORT_CUES and not _NUMBER_WORD_AFTER.match(text, cue.end()):
            first_by = cue.end() + 12  # "CC", "RG", "ID": the number starts right after ("her ID is 1208843311")
        for token in _NATID_TOKEN.finditer(text, cue.end(), end):
            if token.start() > first_by:
                break
            if token.end() - token.start() < 6:
                continue  # "ID 1", "CC 4 agents": too short to be an identity number
            value = token.group(0).strip(" .-")
            if not _natid_shape(value):
                continue
            start = token.start() + token.group(0).index(value)
            if not _NOT_AN_ID_AFTER.match(text, start + len(value)) and not _OTHER_ID_CUE.search(
                text, cue.end(), start + len(value)
            ):
                yield Finding(start, start + len(value), SSN, 0.85, "national_id")
                for more in listed_after(text, start + len(value), _NATID_TOKEN, _natid_shape):
                    yield Finding(more[0], more[1], SSN, 0.8, "national_id")
            break
        if not _NINO_CUE.match(cue.group(0)):
            continue
        for nino in _NINO.finditer(text, cue.end(), min(len(text), cue.end() + 160)):
            yield Finding(nino.start(), nino.end(), SSN, 0.85, "national_id")
    if topic is not None:
        # a message about someone's identity number: a long digit run further on is one even past a question
        # ("the DUI, do we have it? She's saying 05873341-6", "the Moldovan ID number ...? we have 2003004153918")
        for match in _ID_TOPIC_NUMBER.finditer(text, topic):
            if not _CASE_NUMBER_BEFORE.search(text, max(0, match.start() - 30), match.start()) and not (
                _OTHER_ID_CUE.search(text, max(topic, match.start() - 30), match.start())
            ):
                yield Finding(match.start(), match.end(), SSN, 0.7, "national_id_topic")
    if _THREE_DIGITS.search(text) is not None:  # every checked shape has a run of three digits
        for shape, valid in _NATID_CHECKED:
            for match in shape.finditer(text):
                if _stdnum_valid(valid, match.group(0)):
                    yield Finding(match.start(), match.end(), SSN, 0.9, "national_id_checked")
    if "CURP" in text or "curp" in text or "Curp" in text:
        # a message about a CURP: a token of its exact layout (letters, birth date, sex, state, consonants) is one
        # even with a typo in its check digit or a word between the cue and it ("CURP ... license file: LEZS...")
        for match in _CURP.finditer(text):
            yield Finding(match.start(), match.end(), SSN, 0.85, "national_id")
    for match in _NINO.finditer(text):
        if match.group(0)[:2].isupper() and match.group(0)[-1].isupper():
            yield Finding(match.start(), match.end(), SSN, 0.8, "nino")
    for match in _SOUNDEX_LICENCE.finditer(text):
        yield Finding(match.start(), match.end(), DRIVER_LICENSE, 0.8, "soundex_licence")
    for match in _UK_DRIVING_LICENCE.finditer(text):
        month = int(match.group("m"))
        if 1 <= month <= 12 or 51 <= month <= 62:
            yield Finding(match.start(), match.end(), DRIVER_LICENSE, 0.85, "uk_driving_licence")


# A British driving licence number (DVLA): five letters of the surname padded with 9, decade digit, month of birth
# (plus 50 for women), day, year digit, two initials padded with 9, a check digit and two letters -- sixteen
# characters that no ordinary word or number takes, so it is taken without a cue. python-stdnum has no module for it.
# Driver's licences whose layout is their own: a letter (the surname's Soundex initial), then 3-4-4 digits (Illinois)
# or 3-3-2-3-1 (Florida) with their dashes -- "A400-8821-0091", "G620-418-96-712-0". No case or form number is
# written that way.
_SOUNDEX_LICENCE = re.compile(r"(?<![\w-])[A-Z]\d{3}-(?:\d{4}-\d{4}|\d{3}-\d{2}-\d{3}-\d)(?![\w-]|-\d)")
_UK_DRIVING_LICENCE = re.compile(r"(?<![\w-])[A-Z9]{5}\d(?P<m>\d\d)[0-3]\d\d[A-Z9]{2}\d[A-Z]{2}(?:[ ]?\d\d)?(?![\w-])")


_CARD = re.compile(r"(?<![\w-])[2-6](?:[ -]?\d){12,18}(?![\w-])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


_CARD_LAYOUT = re.compile(r"[3-6]\d{3}( |-)\d{4}\1\d{4}\1\d{4}")
_CARD_CUE = re.compile(r"(?:\b|(?<=[a-z]))(?:card|visa|mastercard|mc|amex|discover|debit|credit|cc|prepaid|green\s+dot)\b", re.I)
_IBAN_CUE = re.compile(
    r"\b(?:iban|wires?|wired|accounts?|accts?|banks?|transfers?|cuenta|conta|konto|escrow|swift|rib)\b", re.I
)


def _cue_before(cue: re.Pattern[str], text: str, start: int, reach: int = 60) -> bool:
    return cue.search(text, max(0, start - reach), start) is not None


# The last four of a card after a card word ("card ending 4471", "debit card ending in 8821", "card last 4 0093",
# "visa ends with 1102"), or a card printed masked but for its last group ("xxxx-xxxx-xxxx-4417", "**** **** **** 4417").
_CARD_LAST_FOUR = re.compile(
    r"\b(?i:card|visa|mastercard|mc|amex|discover|debit|credit|cc)\b[^\n.;!?\d]{0,24}?"
    r"\b(?i:ending(?:\s+(?:in|with))?|(?:ends?|ended)\s+(?:in|with)|last\s+(?:4|four)(?:\s+(?:digits?|numbers?))?"
    r"(?:\s+(?:is|are|of|was|were))?)\s*[:#-]?\s*(?P<d>\d{4})(?![\w-])"
)
# "last four of her card: 4417", "ending on the visa 1102": the card word after the last-four words
_CARD_LAST_FOUR_AFTER = re.compile(
    r"\b(?i:last\s+(?:4|four)(?:\s+(?:digits?|numbers?))?|ending)\s+(?i:of|on|for)\s+(?i:the\s+|her\s+|his\s+|their\s+|my\s+)?"
    r"(?i:card|visa|mastercard|mc|amex|discover|debit\s+card|credit\s+card|cc)\b[^\n.;!?\d]{0,12}?"
    r"(?P<d>\d{4})(?![\w-])"
)
# four groups of four as printed on a receipt, some masked and some not: "xxxx-xxxx-xxxx-4417", "4147-xxxx-xxxx-4417",
# "4417 5xxx xxxx xxxx" -- the visible digits still narrow the card down
_CARD_MASKED = re.compile(r"(?<![\w*#•-])[0-9xX*#•]{4}([ -]?)(?:[0-9xX*#•]{4}\1){2}[0-9xX*#•]{1,4}(?![\w*#•-])")
# a card's last four behind a short run of mask characters, as receipts and folios print it after the brand or card
# word ("VISA ****9920", "Mastercard ••0392", "debit card xx-4417"): the four digits, not the masks
_CARD_MASK_RUN = re.compile(r"[xX*#•·]\d{4}|[xX*#•·][ -]\d{4}")
_CARD_MASKED_LAST_FOUR = re.compile(
    r"\b(?i:card|visa|mastercard|mc|amex|discover|debit|credit|cc)\b[^\n.;!?\d]{0,24}?"
    r"(?<![\w*#•·])[xX*#•·]{1,16}[ -]?(?P<d>\d{4})(?![\w-])"
)


_CARD_LIST_GAP = re.compile(r"[ \t]*(?:[,;/|]|\n|(?i:and|or|&))[ \t]*(?:(?i:and|or)[ \t]+)?")


def find_credit_cards(text: str) -> Iterator[Finding]:
    """13-19 digit card numbers that pass the Luhn check (Visa, Mastercard, Amex, Discover prefixes); a number of
    the same shape that fails it is still a card right after a card word (a mistyped digit leaks the rest). A card's
    last four after a card word, or a masked card's visible group."""
    lowered = text.lower()
    if "last" in lowered or "end" in lowered:
        for match in _CARD_LAST_FOUR.finditer(text):
            yield Finding(match.start("d"), match.end("d"), CREDIT_CARD, 0.8, "credit_card_last4")
        for match in _CARD_LAST_FOUR_AFTER.finditer(text):
            yield Finding(match.start("d"), match.end("d"), CREDIT_CARD, 0.8, "credit_card_last4")
    if "xx" in text or "XX" in text or "**" in text or "##" in text or "••" in text:
        for match in _CARD_MASKED.finditer(text):
            value = match.group(0)
            masks = sum(ch in "xX*#•" for ch in value)
            if masks >= 4 and (value[:4].isdigit() or value[-4:].isdigit()):
                # (a whole group of digits first or last: "4417 5xxx xxxx xxxx" shows a card's first digits,
                # "xxxx xxxx xxxx 4417" its last; "12xx 34xx 56xx 78xx" is no card)
                yield Finding(match.start(), match.end(), CREDIT_CARD, 0.8, "credit_card_masked")
    if _CARD_MASK_RUN.search(text):
        for match in _CARD_MASKED_LAST_FOUR.finditer(text):
            yield Finding(match.start("d"), match.end("d"), CREDIT_CARD, 0.8, "credit_card_last4")
    # A number of a card's length beside cards in the same list ("card numbers: 4847 1900 2248 6615,
    # 4847190022481092, ..."): one mistyped digit fails the Luhn check, and the card word is out of reach by then.
    cards: list[tuple[int, int, int]] = []  # (start, end, digit count) of each card found
    doubtful: list[tuple[int, int, int]] = []  # a card's length and first digit, nothing else said it is one
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            cards.append((match.start(), match.end(), len(digits)))
            yield Finding(match.start(), match.end(), CREDIT_CARD, 0.95, "credit_card")
        elif 15 <= len(digits) <= 16 and _cue_before(_CARD_CUE, text, match.start(), 40):
            cards.append((match.start(), match.end(), len(digits)))
            yield Finding(match.start(), match.end(), CREDIT_CARD, 0.7, "credit_card_cue")
        elif _CARD_LAYOUT.fullmatch(match.group(0)) and not _CASE_NUMBER_BEFORE.search(
            text, max(0, match.start() - 30), match.start()
        ):
            # four groups of four with one separator, as printed on a card and typed from one: a card even when a
            # digit is mistyped, unless a reference or case word names it ("ref 4111 1111 1111 1112")
            cards.append((match.start(), match.end(), len(digits)))
            yield Finding(match.start(), match.end(), CREDIT_CARD, 0.7, "credit_card_layout")
        elif 15 <= len(digits) <= 16:
            doubtful.append((match.start(), match.end(), len(digits)))
    for start, end, length in doubtful:
        # next to a card of the same length: only a separator of a list between them (", ", "; ", " and ", "/")
        if any(
            size == length and _CARD_LIST_GAP.fullmatch(text[min(end, c_end) : max(start, c_start)])
            for c_start, c_end, size in cards
        ):
            yield Finding(start, end, CREDIT_CARD, 0.7, "credit_card_sibling")


_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?![\w])")


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    except ValueError:
        return False


# IBAN length per country (ISO 13616 registry, the countries survivors and wires most often come from).
_IBAN_LENGTHS = {
    "AL": 28, "AT": 20, "BE": 16, "BG": 22, "BR": 29, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LT": 20,
    "LV": 21, "MD": 24, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
    "SK": 24, "SV": 28, "TR": 26, "UA": 29, "AE": 23, "CR": 22, "BA": 20, "ME": 22, "MK": 19, "XK": 20, "LU": 20,
    # West and North Africa, the Middle East, Central Asia (the SWIFT registry and the experimental African IBANs)
    "CI": 28, "SN": 28, "BJ": 28, "BF": 28, "ML": 28, "NE": 28, "TG": 28, "GW": 25, "CM": 27, "CG": 27, "GA": 27,
    "TD": 27, "CF": 27, "GQ": 27, "MA": 28, "DZ": 26, "TN": 24, "EG": 29, "LY": 25, "MR": 27, "MG": 27, "MZ": 25,
    "AO": 25, "CV": 25, "IR": 26, "IQ": 23, "JO": 30, "LB": 28, "KW": 30, "QA": 29, "BH": 22, "IL": 23, "PS": 29,
    "KZ": 20, "AZ": 28, "GE": 22, "BY": 28, "NI": 28, "HN": 28, "LC": 32, "VG": 24, "MU": 30, "SC": 31, "TL": 23,
    "SO": 23, "SD": 18, "DJ": 27, "BI": 27, "RU": 33, "MN": 20, "CY": 28, "MT": 31, "SI": 19, "IS": 26, "LI": 21,
}  # fmt: skip
# After the word IBAN, an IBAN grouped the way its country's bank prints it ("SN08 SN010 01520 000026845 87",
# "BR15 0000 0000 0000 1093 2840 814 P2"): the country's length of letters and digits in groups of one to twelve.
_IBAN_WORD = re.compile(r"\b(?i:iban)\b")
_IBAN_GROUPED = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,12}){1,10}(?![\w])")


def find_ibans(text: str) -> Iterator[Finding]:
    """IBANs, spaced or not, validated with the ISO 13616 mod-97 check; one that fails it but has its country's
    length is still an IBAN after a bank word ("wire to ES67 0182 ..."): a typo must not leak the account."""
    for match in _IBAN.finditer(text):
        compact = match.group(0).replace(" ", "").upper()
        if 15 <= len(compact) <= 34 and _iban_ok(compact):
            yield Finding(match.start(), match.end(), IBAN, 0.95, "iban")
            continue
        end = _iban_shape_end(match.group(0), _IBAN_LENGTHS.get(compact[:2], 0))
        if end and (" " in match.group(0) or _cue_before(_IBAN_CUE, text, match.start())):
            yield Finding(match.start(), match.start() + end, IBAN, 0.7, "iban_shape")
    if "IBAN" in text or "iban" in text.casefold():
        for cue in _IBAN_WORD.finditer(text):
            grouped = _IBAN_GROUPED.search(text, cue.end(), min(len(text), cue.end() + 40))
            if grouped is None:
                continue
            end = _iban_shape_end(grouped.group(0), _IBAN_LENGTHS.get(grouped.group(0)[:2], 0))
            if not end and 15 <= len(grouped.group(0).replace(" ", "")) <= 34:
                end = len(grouped.group(0))  # a mistyped or short IBAN right after the word: still the account
            if end:
                yield Finding(grouped.start(), grouped.start() + end, IBAN, 0.75, "iban_cue")


def _iban_shape_end(candidate: str, length: int) -> int:
    """Where ``candidate`` holds exactly ``length`` IBAN characters ending at a group boundary, else 0 (the regex
    may have taken a following word: "ES67 0182 ... 3954 under")."""
    count = 0
    for index, char in enumerate(candidate):
        if char != " ":
            count += 1
        if count == length:
            rest = candidate[index + 1 :]
            return index + 1 if not rest or rest[0] == " " else 0
    return 0


# --- network -----------------------------------------------------------------------------------------------------
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])")


def find_ip_addresses(text: str) -> Iterator[Finding]:
    """IPv4 and IPv6 addresses (an IP in a tip can locate a survivor's phone)."""
    for match in _IPV4.finditer(text):
        yield Finding(match.start(), match.end(), IP_ADDRESS, 0.85, "ip_address")
    if "::" in text or text.count(":") >= 3:
        for match in _IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(match.group(0))
            except ValueError:
                continue
            yield Finding(match.start(), match.end(), IP_ADDRESS, 0.85, "ip_address")


# --- dates of birth and ages -------------------------------------------------------------------------------------
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_MES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janeiro|"
    r"fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro|janvier|f[ée]vrier|mars|avril|mai|juin|"
    r"juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|"
    # Tagalog and Haitian Creole months: survivors from the Philippines and Haiti, interpreters who type them.
    r"pebrero|marso|hunyo|hulyo|setyembre|oktubre|nobyembre|disyembre|janvye|fevriye|jen|jiy[èe]|septanm|okt[òo]b|"
    r"novanm|desanm)"
)
_DATE = (
    rf"(?:(?:around|approx\.?|approximately|about|circa|ca\.|maybe|like|early|late|mid)\s+)?"
    rf"(?:\d{{1,2}}(?:ro|do|er|to|mo|vo|no|º|°)?\s+(?:de\s+)?{_MES}(?:\s+(?:de|del)\s+)?(?:\s*\d{{4}})?"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\s+of\s+{_MONTH}\.?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}\s?[/.-]\s?\d{{1,2}}(?:\s?[/.-]\s?(?:\d{{4}}|\d{{2}}))?|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"
    rf"|\d{{4}}년\s*\d{{1,2}}월\s*\d{{1,2}}일|\d{{1,2}}\s*(?-i:[A-Z]{{3}})\s*\d{{2,4}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}}|\s+'?\d{{2}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+\d{{4}})?|(?:19|20)\d{{2}}"
    # passport and form style with dashes: "15-Aug-1986", "03-OCT-1982", "Aug-19-2006"
    rf"|\d{{1,2}}-{_MONTH}-(?:\d{{4}}|\d{{2}})|{_MONTH}-\d{{1,2}}-\d{{4}})"
)
_DOB = re.compile(
    r"\b"
    + by_first_letter(
        r"dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|bday|b-day|born(?:\s+on|\s+in)?"
        r"|fecha\s+de\s+nac(?:imiento|\.)?|fdn|nacid[oa]|naci[óo]|cumplea[ñn]os|cumple|nascid[oa]|nasceu|"
        r"anivers[áa]rio|n[ée]e?\s+le|date\s+de\s+naissance|생년월일(?:\s*확인했어요)?|생일"
    )
    + r"(?!\w)\W{0,4}"
    r"(?:is\s+|was\s+|on\s+|of\s+|el\s+|en\s+|em\s+|it'?s\s+)?"
    rf"(?P<date>{_DATE})(?![\w/])",
    re.IGNORECASE,
)


# A full date from long ago: in a task-force chat a day, month and year before ``_OLD_YEAR`` is a date of birth --
# court dates, hearings and operations are this year or next. Fixed, not "today minus ten years", so results do not
# change with the calendar; revisit it every few years.
_OLD_YEAR = 2014
_FULL_DATE = re.compile(
    r"(?<![\w/.:-])(?:(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
    r"|(?P<y2>(?:19|20)\d{2})[/.-]\d{1,2}[/.-]\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(?P<y3>(?:19|20)\d{{2}})"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d{{2}})"
    rf"|\d{{1,2}}-{_MONTH}-(?P<y5>(?:19|20)\d{{2}})|{_MONTH}-\d{{1,2}}-(?P<y6>(?:19|20)\d{{2}}))(?![\w/])",
    re.IGNORECASE,
)
_NOT_BIRTH = re.compile(
    r"(?i:arrived|arrival|entered|entry|came|married|deported|removed|since|until|between|from|visa|issued|expires?|"
    r"expiration|exp|convicted|arrested|filed|hired|started|left)\W{0,3}(?:on\s+|in\s+)?$"
)
# Cue, then a few words, then the date: "DOB on the passport 17/09/2003", "DOB per her card: Feb 9 2008".
_DOB_NEAR = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|bday|b-day|born)\b[^\n.;]{0,40}?"
    rf"(?P<date>\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|(?:19|20)\d{{6}}|{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH}\.?\s+\d{{4}}|{_MONTH}\.?\s+\d{{1,2}},?\s+'\d{{2}}"
    rf"|\d{{1,2}}-{_MONTH}-\d{{4}}|{_MONTH}-\d{{1,2}}-\d{{4}})(?![\w/])",
    re.IGNORECASE,
)


# A date of birth said in words after a birth cue, as voice-to-text and interpreters write it: "her birthday is may
# fifth two thousand eight", "born on the fourth of may oh six", "date of birth is the twelfth of january nineteen
# ninety", "dob as \"the 4th of july, two thousand seven\"". A month name and a day (ordinal word or digits), the year
# in digits or words.
_UNIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TWO_DIGIT_WORD = (
    rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ]{_UNIT_WORD})?|ten|eleven|twelve|thirteen|"
    rf"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|oh[- ]{_UNIT_WORD})"
)
_YEAR_IN_WORDS = (
    rf"(?:(?:19|20)\d\d|'?\d\d|two\s+thousand(?:,?\s+(?:and\s+)?(?:{_TWO_DIGIT_WORD}|{_UNIT_WORD}))?"
    rf"|(?:nineteen|twenty)[- ]{_TWO_DIGIT_WORD}|oh[- ]{_UNIT_WORD})"
)
_ORDINAL_WORD = (
    r"(?:(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|first|second|third|"
    r"fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|"
    r"seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DAY_IN_WORDS = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})"
_DATE_IN_WORDS = (
    rf"(?:{_MONTH}\.?\s+(?:the\s+)?{_DAY_IN_WORDS}|(?:the\s+)?{_DAY_IN_WORDS}\s+of\s+{_MONTH})"
    rf"(?P<year>,?\s+{_YEAR_IN_WORDS})?"
)
_DOB_IN_WORDS = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|bday|b-day|born)\b(?P<gap>[^\n.;]{0,24}?)"
    rf"(?<![\w'])(?P<date>{_DATE_IN_WORDS})(?![\w/])",
    re.IGNORECASE,
)
# Without a year the date must follow the cue at once ("birthday is june 2nd", not "birthday party is on ...").
_CUE_TO_DATE = re.compile(r"(?i:\W{0,4}(?:(?:is|was|as|on|it'?s|says)\W{1,3}){0,2})")
# A date written the Chinese, Japanese or Vietnamese way beside a birth cue: "2008年11月3日出生", "出生日期：2008年11月3日",
# "ngày sinh 12/8/2008", "birth certificate ... says ngày 12 tháng 8 năm 2008".
_CJK_DATE = r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号號]"
_VI_DATE = r"(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+(?:19|20)\d\d"
_DOB_ASIAN = re.compile(
    rf"(?P<a>{_CJK_DATE})\s*(?:出生|生)"
    rf"|(?:出生日期|出生|生日|生年月日|誕生日)\s*[:：は是为為]?\s*(?P<b>{_CJK_DATE})"
    rf"|(?i:\b(?:ngày\s+sinh|sinh\s+ngày|sinh\s+năm|dob|date\s+of\s+birth|birth\s*date|birthday|born|"
    rf"birth\s+cert(?:ificate)?)\b)[^\n.;]{{0,40}}?(?P<c>{_VI_DATE}|{_CJK_DATE})"
)
# More dates after a date of birth, in a list: "dob 4.2.07 / 04-02-2007 / April 2nd 07" -- the same birth written
# the ways the files have it.
_DATE_LIST_GAP = re.compile(r"[ \t]*(?:[/,;]|\b(?:and|or)\b)[ \t]*")
_LISTED_DATE = re.compile(rf"(?:{_DATE_IN_WORDS}|{_DATE})(?![\w/])", re.IGNORECASE)


# A date with its month named in another language ("14 березня 1998", "12 մարտի 1998 թ.", "1998 წლის 12 მარტი", "3
# ago. 2007", "14 มี.ค. 2541" in the Thai year): around each year, the day and a word that ``month_names`` knows,
# either order, or year first with its year word. A date of birth when the year is before ``_OLD_YEAR`` (as for
# English dates) or a birth word of one of those languages comes shortly before it.
# (19xx, 20xx; 13xx for a solar-calendar month, 24xx-25xx for a Thai one; a digit first so the scan is a fast one)
_LOCAL_YEAR = re.compile(r"[12](?<![\d.,/-][12])(?:(?<=1)[93]|(?<=2)[045])\d\d(?![\d/-]|[.,]\d)")
_MONTH_WORD = r"[^\W\d_](?:[^\s\d,;:/()\[\]\"'-]){0,15}"
_DAY = r"(?:[0-3]?\d)(?:-?(?:го|ի|er|ro|º|°)|\.)?"
_DAY_MONTH_BEFORE = re.compile(
    rf"(?:(?P<d1>{_DAY})[ \t]*(?:de[ \t]+)?(?P<m1>{_MONTH_WORD})|(?P<m2>{_MONTH_WORD})[ \t]+(?P<d2>{_DAY}))"
    r"[ \t]*(?:,|de|del)?[ \t]*$"
)
_YEAR_WORD = r"(?:г\.|года|год|року|р\.|թ\.|թվականի|წლის|წ\.|ж\.|жылы|yil|yılı|m\.|\.)"
_MONTH_DAY_AFTER = re.compile(
    rf"[ \t]*(?:{_YEAR_WORD}[ \t]*)?,?[ \t]*(?:(?P<m1>{_MONTH_WORD})[ \t]+(?P<d1>{_DAY})"
    rf"|(?P<d2>{_DAY})[ \t]+(?P<m2>{_MONTH_WORD}))"
)
_ENGLISH_MONTH = re.compile(rf"(?i:{_MONTH})\.?")  # English dates are the rules above's
_YEAR_WORD_AFTER = re.compile(rf"[ \t]*{_YEAR_WORD}(?!\w)")
_LOCAL_BIRTH_CUE = re.compile(
    r"(?i:dob|d\.o\.b|born|birth|b-?day|nac[ií]|nasc|n[ée]e?\b|geb|urodz|ur\.|n[ăa]scut|do[gğ]um|do[gğ]du|tug['ʻ’]?il|"
    r"род|рожд|д\.р|г\.р|народ|туған|туулган|ծն|დაბად|დაიბად|lahir|ipinanganak|kapanganakan|kaarawan|lindur|fēt|fet|"
    r"ميلاد|مواليد|تولد|متولد|เกิด|जन्म|জন্ম)"
)


def _day_ok(day: str) -> bool:
    digits = "".join(ch for ch in day if ch.isdigit())
    return bool(digits) and 1 <= int(digits) <= 31


def _local_month_dates(text: str) -> Iterator[Finding]:
    for year_match in _LOCAL_YEAR.finditer(text):
        start = end = None
        month = None
        before = _DAY_MONTH_BEFORE.search(text, max(0, year_match.start() - 28), year_match.start())
        if before is not None:
            word = before.group("m1") or before.group("m2")
            day = before.group("d1") or before.group("d2")
            month = month_of(word) if _day_ok(day) and not _ENGLISH_MONTH.fullmatch(word) else None
            if month is not None:
                start, end = before.start(), year_match.end()
                tail = _YEAR_WORD_AFTER.match(text, end)
                if tail is not None and tail.group(0).strip() != ".":
                    end = tail.end()
        if month is None:
            after = _MONTH_DAY_AFTER.match(text, year_match.end())
            word = after.group("m1") or after.group("m2") if after is not None else ""
            if after is not None and _day_ok(after.group("d1") or after.group("d2")) and not _ENGLISH_MONTH.fullmatch(word):
                month = month_of(word)
                start, end = year_match.start(), after.end()
        if month is None or start is None or end is None:
            continue
        year = int(year_match.group(0)) + month[1]
        if not 1900 <= year <= 2030 or (month[1] == 0 and not year_match.group(0).startswith(("19", "20"))):
            continue
        if (year < _OLD_YEAR and not arrival_date(text, start)) or _LOCAL_BIRTH_CUE.search(
            text, max(0, start - 40), start
        ):
            yield Finding(start, end, DOB, 0.8, "dob_local")


def arrival_date(text: str, start: int) -> bool:
    """Whether the date at ``start`` follows a word that makes it some other event ("arrived", "visa", "since")."""
    return _NOT_BIRTH.search(text, max(0, start - 25), start) is not None


def _listed_dates(text: str, end: int) -> Iterator[Finding]:
    """The dates listed right after a date of birth (at most four more)."""
    for _ in range(4):
        gap = _DATE_LIST_GAP.match(text, end)
        if gap is None:
            return
        date = _LISTED_DATE.match(text, gap.end())
        if date is None:
            return
        yield Finding(date.start(), date.end(), DOB, 0.8, "dob")
        end = date.end()


def find_dates_of_birth(text: str) -> Iterator[Finding]:
    """Dates next to a birth cue (DOB, born, birthday), or within a few words of one; full dates from before
    ``_OLD_YEAR``. Other dates are coordination, not PII."""
    for match in _DOB.finditer(text):
        yield Finding(match.start("date"), match.end("date"), DOB, 0.9, "dob")
        yield from _listed_dates(text, match.end("date"))
    for match in _DOB_NEAR.finditer(text):
        yield Finding(match.start("date"), match.end("date"), DOB, 0.8, "dob")
        yield from _listed_dates(text, match.end("date"))
    for match in _DOB_IN_WORDS.finditer(text):
        if match.group("year") is None and _CUE_TO_DATE.fullmatch(match.group("gap")) is None:
            continue
        yield Finding(match.start("date"), match.end("date"), DOB, 0.85, "dob_words")
        yield from _listed_dates(text, match.end("date"))
    yield from _local_month_dates(text)
    if not text.isascii():
        for match in _DOB_ASIAN.finditer(text):
            group = "a" if match.group("a") else "b" if match.group("b") else "c"
            yield Finding(match.start(group), match.end(group), DOB, 0.85, "dob_words")
    for match in _FULL_DATE.finditer(text):
        year_text = match.group("y") or match.group("y2") or match.group("y3") or match.group("y4") or match.group("y5") or match.group("y6")
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000 if year < 30 else 1900
        if match.group("a") and (int(match.group("a")) > 31 or int(match.group("b")) > 31):
            continue
        if 1920 <= year < _OLD_YEAR and not arrival_date(text, match.start()):
            yield Finding(match.start(), match.end(), DOB, 0.7, "dob_old_date")


_AGE_UNIT = re.compile(
    r"(?<![\w.$])\d{1,2}\s?(?:-\s?)?(?:yo|y/o|y\.o\.?|yoa|yrs?\.?\s?old|years?\s?old|years?-old|yr-old|year\s?old|años|anos|"
    r"yrs?\.?\s?young|years?\s?young|years?\s+of\s+age|tuổi|歲|岁|살|anyos|taong\s+gulang)(?![\w])"
    rf"|(?<![\w.$-]){by_first_letter(NUMBER_WORDS)}(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?[ \t-]"
    r"(?:yrs?\.?\s?old|years?[ \t-]old|year-old|yo|y/o|y\.o\.?)(?![\w])",
    re.IGNORECASE,
)
_AGE_CUE = re.compile(
    r"\b"
    + by_first_letter("age[ds]?|aged|edad|وعمر(?:ها|ه|ي)|عمر(?:ها|ه|ي)|возраст|вік")
    + r"\s*(?:is\s+|of\s+)?[:=]?\s*(?P<n>\d{1,2})(?![\w:.]|\.\d)"
    r"(?:\s*(?:,|and|&)\s*(?P<n2>\d{1,2})(?![\w:.]|\.\d))?"
    r"|\b"
    + by_first_letter(
        "she|he|they|victim|vic|client|survivor|minor|girl|boy|kid|child|baby|daughter|son|bf|gf|boyfriend|"
        "girlfriend|suspect"
    )
    + r"(?:\s+(?-i:[A-ZÀ-Þ][\w'’-]+))?"
    r"(?:'s|’s|\s+is|\s+was|\s+just\s+turned|\s+turned|\s+turns|\s+will\s+be)"
    r"\s+(?:only\s+|about\s+|like\s+|maybe\s+)?(?P<m>\d{1,2})"
    r"(?!\s*(?:min|minutes|hours|hrs|days|weeks|months|miles|mi\b|%|am\b|pm\b|:|\.\d|\d|/|x\b|times))"
    r"|\b(?:turned|turns)\s+(?P<t>\d{1,2})\b(?!\s*(?:min|minutes|hours|days|weeks|months|%|:|\.\d))"
    r"|(?<=[a-z]),\s+(?P<a>\d{1,2}),",
    re.IGNORECASE,
)


_PERSON_NOUNS = (
    r"minor|girl|boy|kid|child|baby|daughter|son|sister|brother|cousin|niece|nephew|mom|mother|dad|father|wife|"
    r"husband|victim|vic|client|survivor|suspect|bf|gf|boyfriend|girlfriend|friend|infant|toddler|teen"
)
# "her kids are 2 and 7", "(both 15)", "sister is 20", "Milagros is 17 &".
_AGE_GROUP = re.compile(
    r"\b(?:kids|children|sons|daughters|girls|boys|twins|siblings|brothers|sisters|minors|victims)\s+(?:are|were|r)\s+"
    r"(?:both\s+|ages?\s+)?(?P<n>\d{1,2})(?P<rest>(?:\s*(?:,|and|&|y)\s*\d{1,2}(?![\w:.]|\.\d)){1,4})?(?![\w:.%]|\.\d)"
    r"|\bboth\s+(?:are\s+|were\s+)?(?P<b>\d{1,2})\b(?!\s*(?:min|minutes|hours|hrs|days|weeks|months|%|:|\.\d|x\b))",
    re.IGNORECASE,
)
_AGE_PERSON_IS = re.compile(
    rf"\b(?:{by_first_letter(_PERSON_NOUNS)}|(?P<name>[A-ZÀ-Þ][^\W\d_]+))\s+(?i:is|was|just\s+turned|turned|turns)\s+"
    r"(?P<n>\d{1,2})(?=\s*(?:$|[&,.;!)\n]|-\s|(?i:and|y|e|now|too|pregnant|yrs?|years?|yo|y/o)\b))"
)
# "Nadia 22 Moldovan", "Wilmer 16 from Olancho", "Marta - 42 yrs", "son Kevin (9)", "minor (14)": a number beside
# a known first name or a person word, then the end, punctuation, a unit, "from" or a capitalised word.
_AGE_BESIDE = re.compile(
    rf"\b(?:(?P<noun>{by_first_letter(_PERSON_NOUNS)})|(?P<name>[A-ZÀ-Þa-zß-ÿ][^\W\d_]+))"
    r"(?:\s*[-–:]\s*|\s*\(\s*|\s+)(?P<n>\d{1,2})"
    r"(?=\s*(?:$|[&,.;!)\n]|-\s|(?i:yrs?|years?|yo|y/o|años|anos|from|de|del|and|y|w/|with)\b|(?-i:[A-Z])))",
)


_NUM = rf"(?:\d{{1,2}}(?![\d:.,]\d)|(?i:(?:thirty|forty|fifty|sixty)-[a-z]+|{NUMBER_WORDS})\b)"
_NOT_AGE_AFTER = (
    r"(?!\s*(?:min|mins|minutes|hours|hrs|days|weeks|months|miles|mi\b|%|am\b|pm\b|:|\.\d|/|x\b|times|people|"
    r"girls|boys|women|men|workers|victims|kids|minors|adults|of\s+them|beds|rooms|cases|calls|arrests|ads|"
    r"dollars|bucks|k\b|lbs|feet|ft|inches|\$))"
)
# "makes her 14", "so like 17", "APPROX 15", "around fourteen", "brought over at 17", "mom's 22", "shes 18 now",
# "his age on the booking sheet: thirty-one", "the minor is thirteen", "novio de 24", "gen 38 an".
_AGE_MORE = re.compile(
    rf"\b(?:makes\s+(?:her|him|them)|(?:so|like|so\s+like|approx\.?|approximately|around|about|roughly|prob(?:ably)?)"
    rf"(?=\s+{_NUM}\s*(?:,|or\b|not\b|-|–|$|\.|\s+(?:now|then|maybe|yrs?|years?|at\s+most|tops)\b)))\s+(?P<a>{_NUM}){_NOT_AGE_AFTER}"
    rf"|\b(?:came|brought(?:\s+(?:over|here))?|arrived|recruited|trafficked|sold|started|taken|married)\s+(?:here\s+)?"
    rf"at\s+(?:age\s+)?(?P<b>{_NUM})\b(?!\s*(?:am|pm|:|\d))"
    rf"|\b{by_first_letter(_PERSON_NOUNS + '|shes|hes|she|he')}(?:'s|’s|\s+is|\s+was)?\s+(?:only\s+|like\s+|about\s+|maybe\s+)?"
    rf"(?P<c>(?i:(?:thirty|forty|fifty|sixty)-[a-z]+|{NUMBER_WORDS})\b|(?<=shes\s)\d{{1,2}}|(?<=hes\s)\d{{1,2}}|(?<='s\s)\d{{1,2}}|(?<=’s\s)\d{{1,2}})"
    rf"\b{_NOT_AGE_AFTER}"
    rf"|\bage\b[^\n.;:]{{0,30}}:\s*(?P<d>{_NUM})\b"
    rf"|\b(?:novi[oa]|chic[oa]|niñ[oa]|muchach[oa]|hombre|mujer|señor|señora|joven)[\"”']?\s+de\s+(?P<e>\d{{1,2}})\b{_NOT_AGE_AFTER}"
    rf"|\bgen\s+(?P<f>\d{{1,2}}\s+an)\b",
    re.IGNORECASE,
)


_PERSON_NEAR_WORD = by_first_letter(
    rf"she|her|he|him|shes|hes|juv|juvenile|female|male|{_PERSON_NOUNS}|cousin|age|aged|dob|born|class\s+of"
)
_PERSON_NEAR = re.compile(
    rf"\b{_PERSON_NEAR_WORD}\b",
    re.IGNORECASE,
)


# A list of ages: "ages per school records 14, 15 and 16" (a range after "ages" is a group's: "ages 14-17"); the
# children listed with their ages in brackets: "2 children (Chidi 10, Ada 6)".
_AGES_LIST = re.compile(
    r"\b(?i:ages)\b[^\n.;\d]{0,30}?(?P<list>\d{1,2}(?:[ \t]*(?:,|\band\b|&)[ \t]*\d{1,2}){1,6})(?![\d:.,/%-]|[ \t]*[-–])"
)
_CHILDREN_LISTED = re.compile(
    r"\b(?i:children|kids|sons|daughters|siblings|girls|boys|minors|grandchildren|niños|hijos|hijas)\b[^()\n]{0,12}\("
    r"(?P<list>[ \t]*[A-ZÀ-Þ][^\W\d_]+[ \t]+\d{1,2}(?:[ \t]*,[ \t]*[A-ZÀ-Þ][^\W\d_]+[ \t]+\d{1,2}){0,7}[ \t]*)\)"
)


# An age written with its unit inside Chinese or Korean text ("佢先得16歲咋", "올해16살이에요": no space or word break
# around it), and a clinical "15y F" / "34 y M" (age in years, then sex).
_AGE_CJK = re.compile(r"(?<![\d.,])\d{1,2}[ \t]?(?:周岁|週歲|歲|岁|살)")
_AGE_SEX = re.compile(r"(?<![\w.$/-])\d{1,2}[ \t]?y[ \t,]{0,2}(?-i:[FM])(?![\w&/-])")


# One person's age guessed as a range or a decade (session 14): "the nurse thinks 15-16", "approx 15–16", "looks
# 16-17", "maybe 50s", "in his 40s" -- the two numbers one to three apart, after a word of guessing, with a person in
# view (a group's range, "ages 14-17", is no one's age).
_AGE_GUESS_NUMBER = re.compile(
    r"(?<![\w.:/$-])(?:(?P<x>\d{1,2})[ \t]?(?:[-–]|to|or)[ \t]?(?P<y>\d{1,2})|(?P<d>[1-9]0)['’]?(?-i:s|S))"
    r"(?![\w:/%$-]|[.,]\d)"
    r"(?![ \t]*(?i:min|mins|minutes|hours|hrs|days|weeks|months|miles|mi|km|am|pm|people|girls|boys|women|men|times|"
    r"percent|degrees|mph|lbs|k)\b)"
)
_AGE_GUESS_BEFORE = re.compile(
    r"\b(?i:thinks?|thought|suggests?|suggested|looks?(?:[ \t]+like)?|looked|approx\.?|approximately|maybe|about|around|"
    r"prob(?:ably)?|guess(?:ing|ed)?|estimated?|est\.?|like|either|says|said|claims?|between|in[ \t]+(?:her|his|their))"
    r"[ \t]+$"
)
_DECADE_CUE = re.compile(r"(?i:maybe|approx|about|around|prob|in[ \t])")
_GUESS_PERSON = re.compile(
    rf"\b(?:{_PERSON_NEAR_WORD}|guy|man|woman|lady|dude|juvenile|teen|nurse|doctor|trucker|driver)\b", re.IGNORECASE
)


def _guessed_ages(text: str) -> Iterator[Finding]:
    for match in _AGE_GUESS_NUMBER.finditer(text):  # (the number first: a scan for digits, not for every word)
        before = _AGE_GUESS_BEFORE.search(text, max(0, match.start() - 24), match.start())
        if before is None:
            continue
        if match.group("d") and not _DECADE_CUE.match(before.group(0)):
            continue  # a decade only after "maybe", "approx", "about", "around", "probably", "in his"
        if match.group("x"):
            x, y = int(match.group("x")), int(match.group("y"))
            if not (1 <= y - x <= 3 and 10 <= x <= 90):
                continue
        if re.search(r"(?i:\bages?)[ \t]+$", text[max(0, match.start() - 8) : match.start()]):
            continue
        if not _GUESS_PERSON.search(text, max(0, match.start() - 80), match.start()):
            continue
        end = match.end("y") if match.group("x") else match.end()
        yield Finding(match.start(), end, AGE, 0.65, "age_phrase")


def find_ages(text: str) -> Iterator[Finding]:
    """Ages of a person: "17 yo", "17-year-old", "age 17", "she's 16", "Nadia 22", "kids are 2 and 7"; a bare number
    away from a person word or a known name is never an age."""
    names = first_names()
    if not text.isascii():
        for match in _AGE_CJK.finditer(text):
            yield Finding(match.start(), match.end(), AGE, 0.85, "age")
    for match in _AGE_SEX.finditer(text):
        yield Finding(match.start(), match.end(), AGE, 0.8, "age")
    if "ages" in text or "Ages" in text or "(" in text:
        for pattern in (_AGES_LIST, _CHILDREN_LISTED):
            for match in pattern.finditer(text):
                if pattern is _CHILDREN_LISTED and all(
                    fold_accents(word) in everyday_words() and fold_accents(word) not in names
                    for word in re.findall(r"[^\W\d_]+", match.group("list"))
                ):
                    continue  # "kids (Grade 3, Room 12)": no names
                for number in re.finditer(r"\d{1,2}", match.group("list")):
                    start = match.start("list") + number.start()
                    yield Finding(start, start + len(number.group(0)), AGE, 0.75, "age_group")
    for match in _AGE_GROUP.finditer(text):
        for group in ("n", "b"):
            if match.group(group):
                yield Finding(match.start(group), match.end(group), AGE, 0.75, "age_group")
        if match.group("rest"):
            offset = match.start("rest")
            for number in re.finditer(r"\d{1,2}", match.group("rest")):
                yield Finding(offset + number.start(), offset + number.end(), AGE, 0.75, "age_group")
    for pattern in (_AGE_PERSON_IS, _AGE_BESIDE):
        for match in pattern.finditer(text):
            name = match.group("name")
            if name is not None and (name.casefold() in COMMON_WORDS or fold_accents(name) not in names):
                continue
            yield Finding(match.start("n"), match.end("n"), AGE, 0.7, "age_beside")
    for match in _AGE_UNIT.finditer(text):
        yield Finding(match.start(), match.end(), AGE, 0.85, "age")
    yield from _guessed_ages(text)
    for match in _AGE_MORE.finditer(text):
        if match.group("a") and not _PERSON_NEAR.search(text, max(0, match.start() - 60), match.start("a")):
            continue  # "so 2 or 3 of us", "about 20, maybe 25": a person must be in view
        for group in "abcdef":
            if match.group(group):
                yield Finding(match.start(group), match.end(group), AGE, 0.65, "age_phrase")
    for match in _AGE_CUE.finditer(text):
        for group in ("n", "n2", "m", "t", "a"):
            if match.group(group):
                yield Finding(
                    match.start(group), match.end(group), AGE, 0.8 if group != "a" else 0.6, "age_cue"
                )


# --- identifiers next to their cue words -------------------------------------------------------------------------
_CUE_TAIL = r"\s*(?:#|no\.?|num(?:ber)?\.?)?\s*[:=#-]?\s*(?:is\s+|was\s+|reads\s+|of\s+)?"
_STATE_PREFIX = r"(?:(?-i:[A-Z]{2})\s+|(?:texas|california|florida|georgia|louisiana|oklahoma|arizona|nevada|new\s+mexico|mexico)\s+)?"
_DL = re.compile(
    r"\b(?:driver'?s?\s+licen[cs]es?|drivers?\s+lic\.?|dls?(?=\b|\d)|d/l|dln|oln|lic(?:en[cs]e)?\s*(?:#|no\.?|num(?:ber)?))"
    + _CUE_TAIL
    + _STATE_PREFIX
    + r"(?P<id>[A-Za-z0-9](?:[A-Za-z0-9-]|\s(?=\d)){3,19})(?![\w])",
    re.IGNORECASE,
)
_DL_TOKEN = re.compile(r"(?<![\w-])[A-Za-z]{0,2}\d[\d-]{4,17}\d(?![\w-])")


def _dl_shape(value: str) -> bool:
    return _digit_count(value) >= 6


# A plate after a vehicle or a state code: "red Charger CSM3318", "white Camry MN FZL 221", "LPR hit ...: RHN 5093".
_VEHICLE = (
    r"car|truck|van|suv|sedan|coupe|pickup|minivan|camper|rv|vehicle|veh|lpr(?:\s+hit)?|"
    r"camry|corolla|tacoma|tundra|sienna|rav4|highlander|prius|civic|accord|odyssey|pilot|crv|cr-v|altima|sentra|"
    r"maxima|rogue|pathfinder|titan|charger|challenger|durango|ram|caravan|journey|f-?150|f-?250|explorer|escape|"
    r"expedition|econoline|transit|fusion|focus|mustang|silverado|tahoe|suburban|malibu|impala|equinox|camaro|"
    r"escalade|yukon|sierra|acadia|elantra|sonata|tucson|santa\s+fe|optima|sorento|soul|forte|jetta|passat|"
    r"wrangler|cherokee|compass|outback|forester|impreza|mazda\d?|cx-?5|model\s+[3sxy]|lexus|bmw|benz|audi|infiniti|"
    r"honda|toyota|nissan|ford|chevy|chevrolet|dodge|jeep|kia|hyundai|gmc|subaru|volkswagen|vw|chrysler|buick|cadillac|"
    r"dacia|skoda|renault|peugeot|citro[eë]n|fiat|opel|volvo|sprinter|lada|"
    r"drives|driving|drove"
)
_US_STATE_NAMES = (
    r"alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|idaho|illinois|"
    r"indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|"
    r"montana|nebraska|nevada|new\s+hampshire|new\s+jersey|new\s+mexico|new\s+york|north\s+carolina|north\s+dakota|"
    r"ohio|oklahoma|oregon|pennsylvania|rhode\s+island|south\s+carolina|south\s+dakota|tennessee|texas|utah|vermont|"
    r"virginia|washington|west\s+virginia|wisconsin|wyoming"
)
_MX_STATE_NAMES = (
    r"aguascalientes|baja\s+california(?:\s+sur)?|campeche|chiapas|chihuahua|coahuila|colima|durango|guanajuato|"
    r"guerrero|hidalgo|jalisco|edomex|estado\s+de\s+m[eé]xico|michoac[aá]n|morelos|nayarit|nuevo\s+le[oó]n|oaxaca|"
    r"puebla|quer[eé]taro|quintana\s+roo|san\s+luis\s+potos[ií]|sinaloa|sonora|tabasco|tamaulipas|tlaxcala|"
    r"veracruz|yucat[aá]n|zacatecas|cdmx"
)
# (the lists tried by their words' first letter, same matches: redaction/alternation.py; "4runner" is the one word
# that starts with a digit)
_VEHICLE_WORD = re.compile(rf"\b(?:{by_first_letter(_VEHICLE)}|4runner)\b", re.IGNORECASE)
_VEHICLE_OR_PLATE_WORD = re.compile(
    rf"\b(?:{by_first_letter(_VEHICLE + '|plates?|placas?|tags?')}|4runner)\b", re.IGNORECASE
)
# Plate candidates first (rare), then a vehicle word in the 40 characters before: scanning the text for the long list
# of vehicle words at every word was the slowest pattern on a 100 KB message.
# Zero-width, so overlapping candidates are all tried: in "MN FZL 221" the plate is "FZL 221", not "MN FZL".
_PLATE_SHAPE = re.compile(r"(?<![\w-])(?=(?P<id>[A-Z0-9]{2,4}[ -]?[A-Z0-9]{2,4})(?![\w-]))")
# European plates of other layouts: a county letter, digits and letters ("B 123 XYZ"), or letters and five digits
# ("WGM 48217").
_PLATE_SHAPE_ABROAD = re.compile(r"(?<![\w-])(?P<id>[A-Z]{1,2} \d{2,3} [A-Z]{3}|[A-Z]{2,3}[ -]?\d{5})(?![\w-])")
_VEHICLE_GAP = re.compile(r"[^\n.;]*$")
_PLATE = re.compile(
    r"\b(?:licen[cs]e\s+plates?|plates?|tags?|lp|reg(?:istration)?|placas?)"
    + _CUE_TAIL
    + _STATE_PREFIX
    + r"(?P<id>[A-Za-z0-9]{1,4}(?:[\s-][A-Za-z0-9]{1,5}|[A-Za-z0-9]{0,5}))(?![\w])",
    re.IGNORECASE,
)
_PASSPORT = re.compile(
    r"\bpass(?:port)?"
    + _CUE_TAIL
    + r"(?P<id>[A-Za-z]{0,2}\d{6,9}[A-Za-z]?|(?=(?:[A-Za-z]*\d){4})[A-Za-z0-9]{8,9})(?![\w])",
    re.IGNORECASE,
)
_MRN = re.compile(
    r"\b(?:mrn|medical\s+record(?:\s+(?:#|no\.?|number))?|patient\s+(?:id|#|number|no\.?))"
    + _CUE_TAIL
    + r"(?P<id>[A-Za-z0-9][A-Za-z0-9-]{4,15})(?![\w])",
    re.IGNORECASE,
)
_A_DIGITS = r"\d{3}[\s-]?\d{3}[\s-]?\d{2,3}"
_A_NUMBER = re.compile(rf"(?<![\w-])A\s?[#-]?\s?{_A_DIGITS}(?![\w-])")
_A_NUMBER_CUE = re.compile(
    r"\b(?:a-?\s?number|alien\s+(?:registration\s+)?(?:number|no\.?|#)|a\s?#)\s*[:=]?\s*(?:is\s+)?"
    rf"(?P<id>(?:A\s?[#-]?\s?)?{_A_DIGITS})(?![\w-])",
    re.IGNORECASE,
)


# An A-number a few words after its cue, in the same clause, and the ones listed after it: "the A-number on the
# I-797 is 216 551 904", "A# on the I-914 is 213554908", "USCIS# 219-664-018", "EOIR ... no hearing for 215884019",
# "A-numbers: Hoa A215887402, the other woman 201 339 870".
_A_LATER_CUE = re.compile(
    r"\b(?i:a-?\s?numbers?|a\s?#|alien\s+(?:registration\s+)?(?:numbers?|no\.?|#)|uscis\s*(?:#|numbers?|no\.?)|eoir)"
)
_A_SEP = r"(?:[ \t]?-[ \t]?|[ \t])?"
_A_TOKEN = re.compile(rf"(?<![\w-])(?:[Aa][ \t]?[#-]?[ \t]?)?\d{{3}}{_A_SEP}\d{{3}}{_A_SEP}\d{{2,3}}(?![\w-]|[ \t]?-?[ \t]?\d)")
_A_REACH = re.compile(r"[^\n.;!?]{0,60}")


def _a_number_shape(value: str) -> bool:
    return 8 <= _digit_count(value) <= 9


# "her a number is a two one one four four seven nine zero three": eight or nine digits said in words after the cue
_SPOKEN = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_A_SPOKEN = re.compile(
    rf"(?i:\ba-?\s?number\s*(?:is\s+|was\s+|:\s*)?(?P<n>(?:a[\s-]+)?{_SPOKEN}(?:[\s,-]{{1,3}}{_SPOKEN}){{7,8}})\b)"
)


def find_a_numbers_after_cue(text: str) -> Iterator[Finding]:
    if "#" not in text and not any(word in text for word in ("umber", "UMBER", "lien", "EOIR", "eoir")):
        return
    for spoken in _A_SPOKEN.finditer(text):
        yield Finding(spoken.start("n"), spoken.end("n"), A_NUMBER, 0.8, "a_number_cue")
    for cue in _A_LATER_CUE.finditer(text):
        reach = _A_REACH.match(text, cue.end())
        assert reach is not None
        token = _A_TOKEN.search(text, cue.end(), reach.end())
        if token is None or _OTHER_ID_CUE_A.search(text, cue.end(), token.start()):
            continue
        yield Finding(token.start(), token.end(), A_NUMBER, 0.8, "a_number_cue")
        for start, end in listed_after(text, token.end(), _A_TOKEN, _a_number_shape):
            yield Finding(start, end, A_NUMBER, 0.8, "a_number_cue")


# another number's cue between an A-number cue and a number: "A# pending, receipt IOE0912345678", "case 2024-118"
_OTHER_ID_CUE_A = re.compile(
    r"(?i:\b(?:receipt|case|report|docket|phone|tel|cell|ssn|passport|dl|licen[cs]e|tracking|ref|zip|form)\b)"
)


def _digit_count(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


_STATE_AFTER_PLATE = re.compile(rf"[ \t]*\(?(?:{US_STATE_CODES})\)?(?![\w-])")


# A plate in capitals right after a state code, as BOLOs and LPR hits write it: "GA RFX-8042", "TX RSB 5530".
_STATE_THEN_PLATE = re.compile(
    # (not the codes that are also words or document abbreviations in capitals: "ID", "IN", "OR", "OH", "ME"...)
    rf"(?<![\w-])(?!(?:ID|IN|OR|OH|ME|OK|HI|DE|CO|AL|PA|MA)\b)(?:{US_STATE_CODES})[ \t]+"
    r"(?!(?:DL|ID|OL|PP|DOB|SSN|MRN)\b)"
    r"(?P<id>(?=[A-Z0-9 -]*[A-Z][A-Z0-9 -]*[A-Z])[A-Z0-9]{2,4}[ -]?[A-Z0-9]{2,5})"
    r"(?![\w-])"
)


# A plate after the state, province or nation that issued it, in a clause about a vehicle: "maroon Impala, WY
# 10-7841", "DODGE DURANGO MT 3-48117B", "Silverado, Idaho 1A K4471", "placas de Sonora 28-1149", "pickup, Navajo
# Nation 4G-1187". A plate may be all digits here (many states' and Mexico's are): the issuer and the vehicle say so.
_ISSUER_THEN_PLATE = re.compile(
    rf"(?=[^\W\d_])(?<![\w-])(?=(?:(?-i:{US_STATE_CODES})|(?:{by_first_letter(f'{_US_STATE_NAMES}|{_MX_STATE_NAMES}|tribal')}|(?i:(?-i:[A-Z][a-z]+)[ \t]+nation)))"
    r"[ \t]+(?!(?:DL|ID|OL|PP|DOB|SSN|MRN|EXIT|RT|HWY|SB|NB|EB|WB)\b)(?P<id>[A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,6}){0,2})(?![\w-]))"
)


_ANY_DIGIT = re.compile(r"\d")


def _issued_plates(text: str) -> Iterator[Finding]:
    if _ANY_DIGIT.search(text) is None:
        return  # a plate here has three digits
    for match in _ISSUER_THEN_PLATE.finditer(text):
        plate = match.group("id")
        compact = plate.replace(" ", "").replace("-", "")
        if not 5 <= len(compact) <= 8 or sum(ch.isdigit() for ch in compact) < 3:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", plate.split()[0]) or _NOT_AN_ID_AFTER.match(text, match.end("id")):
            continue  # "TX 2010 budget", "MT 3-4 hrs"
        window = text[max(0, match.start() - 60) : match.start()]
        vehicles = list(_VEHICLE_OR_PLATE_WORD.finditer(window))
        if vehicles and _VEHICLE_GAP.match(window, vehicles[-1].end()):
            yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.7, "plate_issuer")


def find_vehicle_plates(text: str) -> Iterator[Finding]:
    """Plate-shaped tokens (letters and digits) after a vehicle word, or before a state code ("CFJ8821 WA"), or in
    capitals right after one ("GA RFX-8042")."""
    yield from _issued_plates(text)
    for match in _STATE_THEN_PLATE.finditer(text):
        plate = match.group("id")
        compact = plate.replace(" ", "").replace("-", "")
        if 5 <= len(compact) <= 8 and 2 <= sum(ch.isdigit() for ch in compact) and not compact.isdigit():
            if not re.fullmatch(r"[A-Z]-?\d+|I-?\d+|[A-Z]{2,5}[ -]?(?:19|20)\d\d", plate):
                yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.7, "plate_state")
    for match in (*_PLATE_SHAPE.finditer(text), *_PLATE_SHAPE_ABROAD.finditer(text)):
        plate = match.group("id")
        if not any(ch.isdigit() for ch in plate):
            continue
        compact = plate.replace(" ", "").replace("-", "")
        if (
            5 <= len(compact) <= 8
            and sum(ch.isalpha() for ch in compact) >= 2
            and sum(ch.isdigit() for ch in compact) >= 2
            and _STATE_AFTER_PLATE.match(text, match.end("id"))
            and not re.fullmatch(r"[A-Z]-?\d+|\d+[A-Z]?|I-?\d+", plate)
        ):
            yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.7, "plate_state")
            continue
        window = text[max(0, match.start() - 40) : match.start()]
        vehicles = list(_VEHICLE_WORD.finditer(window))
        vehicle = vehicles[-1] if vehicles else None
        if vehicle is None or not _VEHICLE_GAP.match(window, vehicle.end()):
            continue
        compact = plate.replace(" ", "").replace("-", "")
        if (
            5 <= len(compact) <= 8
            and any(ch.isdigit() for ch in compact)
            and sum(ch.isalpha() for ch in compact) >= 2
            and not re.fullmatch(r"[A-Z]-?\d+", plate)
        ):
            yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.7, "plate_vehicle")


# A plate a few words after its cue, in any case: "placas ugr-81-22", "RO plates IS 07 KXR", "plates sh mfp 2281",
# "Plate from the surveillance last night: DKR 4417", "ran mfp2281". Within the clause, the first token run of one
# to three groups (1-4 characters each, or one of 5-8) holding two digits and two letters, whose letter-only groups
# are short and not words ("10 last" is not a plate).
_PLATE_CUE = re.compile(
    r"\b(?:plates?|plts?|placas?|tags?|matr[ií]cula|kennzeichen|reg(?:istration)?|number\s+plate|(?P<ran>ran|run))\b",
    re.IGNORECASE,
)
_PLATE_CANDIDATES = tuple(
    re.compile(rf"(?:{shape})(?![\w-])")
    for shape in (
        r"[A-Za-z0-9]{1,4}(?:[ -][A-Za-z0-9]{1,4}){2}",
        r"[A-Za-z0-9]{1,4}[ -][A-Za-z0-9]{1,4}",
        r"[A-Za-z]{1,3}[ -]\d{5,6}",  # "DV 48215", "P 884213": a letter prefix and a long number
        r"[A-Za-z0-9]{4,8}",
    )
)
_PLATE_WORD_START = re.compile(r"(?<![\w-])[A-Za-z0-9]")
_PLATE_CLAUSE = re.compile(r"[^\n.;!?]{0,48}")


def _plate_like(candidate: str, single_token: bool) -> bool:
    groups = re.split(r"[ -]", candidate)
    compact = "".join(groups)
    if single_token and " " in candidate:
        return False  # after "ran": one token, hyphen allowed ("ran JRK-4471")
    letters = sum(c.isalpha() for c in compact)
    digits = sum(c.isdigit() for c in compact)
    if not (4 <= len(compact) <= 9 and digits >= 2 and (letters >= 2 or (letters == 1 and digits >= 5))):
        return False  # (one letter and five digits or more: a temporary tag "P847290", "Y 883 442")
    upper = candidate.isupper()
    for group in groups:
        if not group.isalpha() or upper:
            if group.isalpha() and len(group) > 4:
                return False
            continue
        words = everyday_words() if len(group) >= 3 else COMMON_WORDS
        if len(group) > 4 or group.casefold() in words:
            return False
    return not _YEARISH.fullmatch(compact)


_YEARISH = re.compile(r"(?:19|20)\d\d[A-Za-z]{2}|\d{1,2}(?:am|pm|st|nd|rd|th)\w*", re.IGNORECASE)


# A plate read out in the police phonetic alphabet and number words ("mike hotel delta four four one seven").
_SPOKEN_PLATE_WORD = (
    r"(?:alpha|alfa|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliett?|kilo|lima|mike|november|oscar|papa|"
    r"quebec|romeo|sierra|tango|uniform|victor|whiskey|x-?ray|yankee|zulu|zero|oh|one|two|three|four|five|six|seven|"
    r"eight|nine|niner)"
)
_SPOKEN_PLATE = re.compile(rf"(?i:\b{_SPOKEN_PLATE_WORD}(?:[ \t,-]+{_SPOKEN_PLATE_WORD}){{3,8}}\b)")
_SPOKEN_DIGIT = re.compile(r"(?i:\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|niner)\b)")


# A plate right before its plates word, with a state or nationality between: "traffic stop on KTN 4498 louisiana
# plate", "B 204 MRS Romanian plates", "CZF 1182 plates".
_PLATE_BEFORE_CUE = re.compile(
    r"(?<![\w-])(?P<id>[A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,2})[ \t]+(?:[A-Za-z]{2,14}[ \t]+)?(?i:plates?|tags?)\b"
)


_STATE_CODE = re.compile(rf"(?:{US_STATE_CODES})")
_STATE_YEAR = re.compile(r"[A-Z]{1,3}[ -](?:19|20)\d\d|(?:19|20)\d\d[ -][A-Z]{1,3}")


def find_cued_plates(text: str) -> Iterator[Finding]:
    lowered = text.casefold()
    if not any(cue in lowered for cue in ("plat", "plt", "plac", "tag", "matr", "kennz", "reg", "ran", "run")):
        return
    for before in _PLATE_BEFORE_CUE.finditer(text):
        plate = before.group("id")
        groups = re.split(r"[ -]", plate)
        if (
            _plate_like(plate, False)
            and not _STATE_YEAR.fullmatch(plate)
            and not (groups[0].isdigit() and len(groups[0]) <= 2 and len(groups) > 1)  # "12 BBQ plates": a count
            and not (len(groups) > 1 and _STATE_CODE.fullmatch(groups[-1]))  # "F-250 FL tag": a model and a state
            and not _VEHICLE_WORD.search(plate)
        ):
            yield Finding(before.start("id"), before.end("id"), LICENSE_PLATE, 0.7, "plate_cue")
    for cue in _PLATE_CUE.finditer(text):
        clause = _PLATE_CLAUSE.match(text, cue.end())
        assert clause is not None
        spoken = _SPOKEN_PLATE.search(text, cue.end(), clause.end())
        if spoken is not None and spoken.start() - cue.end() <= 24:
            digits = len(_SPOKEN_DIGIT.findall(spoken.group(0)))
            words = len(re.findall(r"[A-Za-z]+", spoken.group(0)))
            if 1 <= digits < words:  # letters and digits both: not "two four hour" nor a spoken phone number
                yield Finding(spoken.start(), spoken.end(), LICENSE_PLATE, 0.75, "plate_cue")
                continue
        single = cue.group("ran") is not None
        limit = clause.end() if not single else min(clause.end(), cue.end() + 12)
        found = None
        for start in _PLATE_WORD_START.finditer(text, cue.end(), limit):
            for shape in _PLATE_CANDIDATES:
                candidate = shape.match(text, start.start(), limit)
                if candidate is not None and (
                    _plate_like(candidate.group(0), single)
                    or (shape is _PLATE_CANDIDATES[2] and candidate.group(0).split()[0].isupper() and not single)
                ):
                    found = candidate
                    break
            if found is not None:
                yield Finding(found.start(), found.end(), LICENSE_PLATE, 0.75, "plate_cue")
                break


# An identifier a few words after its cue, in the same clause: "passport for Marvin: G0918273", "DL came back AZ
# D04419827", "chart # KP-7731094", "KY OL for Napier N04481923", "passports found in the wheelhouse: N04481273
# (Efraín Lugo), G28750116". The cue decides the label; the token must hold four digits or more.
_ID_CUES = (
    (re.compile(r"\b(?:pass(?:port)?s?|pasaportes?|passaportes?|paspò|pasaporte|passeport|hộ\s+chiếu|여권(?:번호)?|"
                r"paspor|paszport|pasport|reisepass|passaporto|travel\s+doc(?:ument)?s?|pasaport[aë]?|pasipoti|"
                r"útlevél|cestovní\s+pas|جواز(?:\s+(?:ال)?سفر)?|পাসপোর্ট|பாஸ்போர்ட்|ፓስፖርት|"
                r"护照|護照|паспорт\w*|pp\b)|พาสปอร์ต|หนังสือเดินทาง|पासपोर्ट", re.I), PASSPORT),
    (re.compile(r"\b(?:(?:driver'?s?\s+)?licen[cs]es?|dl|cdl|d/l|dln|ol|oln|lic|licencia|state\s+id|texas\s+id|id\s+card|"
                r"(?-i:[A-Z]{2})\s+id|permis\s+de\s+condu(?:ire|cere)|permiso\s+de\s+conducir|f[üu]hrerschein|"
                r"prawo\s+jazdy|carteira\s+de\s+motorista|(?-i:CNH))\b", re.I), DRIVER_LICENSE),
    (re.compile(r"\b(?:mrn|mr\s*#|mr\b|chart|medical\s+rec(?:ord)?s?|record\s*#|patient\s+(?:id|#|number)|"
                r"expediente|historia\s+cl[ií]nica|hospital\s+(?:number|no\b|#|id))", re.I), MEDICAL_RECORD),
    # tribal enrollment: a Certificate of Degree of Indian Blood (CDIB) or a tribe's enrollment or membership number
    # identifies a person as a national ID does (labelled SSN): "CDIB CN-118-4470", "enrollment # ZT 006-1174"
    (re.compile(r"\b(?:cdib|c\.d\.i\.b\.?|tribal\s+(?:id|enrol+ment|membership|member|card|roll)(?:\s*(?:#|no\b|number))?|"
                r"enrol+ment\s*(?:#|no\b|number)|(?:membership|census|roll)\s+(?:#|no\b|number))", re.I), SSN),
    # a health insurance member number identifies the patient as well as a chart number does; only the first number
    # after it ("member ID XJH884120377, group 00781, Rx BIN 004336": the group and BIN are the plan's)
    # -- a plural cue ("Medicaid IDs: ..., ..., ...") covers every number of its list
    (re.compile(r"\b(?:member(?:\s+(?:ids?\b|#s?|numbers?|nos?\b))?|(?:medicaid|medicare|insurance|policy|subscriber|"
                r"health\s+card|nhs|chip)\s*(?:ids?\b|#s?|numbers?|nos?\b))", re.I), MEDICAL_RECORD),
)  # fmt: skip
# (a letter after a leading digit too: Cameroon's "0B114732"; CJK or Thai text may touch it: "护照号码EB4417823")
_ID_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_/$.:-])(?:(?:(?-i:[A-Z]{1,4})[ -]?|[A-Za-z]{1,3}(?=\d)|\d(?-i:[A-Z])(?=\d{4}))?\d(?:[\d -]{2,16}\d)?"
    r"(?:[A-Za-z]|(?-i:[ -][A-Z]))?"
    # or capitals and digits mixed, as some states print a licence: "WDLK7QX93NB", "384KL2096"
    r"|(?-i:(?=[A-Z0-9]{0,13}\d[A-Z0-9]{0,12}\d)(?=[A-Z0-9]{0,13}[A-Z][A-Z0-9]{0,12}[A-Z])[A-Z0-9]{8,14}))"
    r"(?![\w/%$]|:\d|\.\d|[ -]\d)"
)
# the clause after a cue; "no."/"nr."/"núm." do not end it ("pasaporte hondureño no. F871204")
_ID_REACH = re.compile(
    r"(?:[^\n.;!?]|(?<=\b[Nn]o)\.|(?<=\b[Nn]r)\.|(?<=\b[Nn]um)\.|(?<=\b[Nn]úm)\.|(?<=\bincl)\.|(?<=\b[MD][rs])\.){0,72}"
)
_NOT_AN_ID_AFTER = re.compile(r"\s*(?:am|pm|hrs?|hours|min|mins|minutes|days|weeks|months|years|yrs|lbs|%)\b", re.I)


_FIRST_ONLY = _ID_CUES[-1][0]
_PLURAL_CUE = re.compile(r"(?:ids|#s|numbers|nos)$", re.I)
# The Medicare Beneficiary Identifier (CMS's published format: 11 characters, digit 1-9, then letters and digits at
# fixed places, no S L O I B Z; printed 4-3-4 with dashes or run together) after "Medicare"/"MBI" in the same clause:
# its fixed shape is what tells it from a claim or group number, which the general cue rule cannot read ("Medicare
# 5HQ2-NV8-XT63", "Medicare MBI 7KD2MP4XC91").
_MBI_CUE = re.compile(r"\b(?:medicare|mbi)\b", re.I)
_MBI_L = "AC-HJKMNP-RT-Y"
_MBI = re.compile(
    rf"(?<![A-Za-z0-9-])[1-9][{_MBI_L}][{_MBI_L}0-9][0-9]-?[{_MBI_L}][{_MBI_L}0-9][0-9]-?[{_MBI_L}]{{2}}[0-9]{{2}}"
    r"(?![A-Za-z0-9]|-[A-Za-z0-9])"
)
_HOURS = re.compile(r"(?:[01]\d|2[0-4])[0-5]\d ?[-–] ?(?:[01]\d|2[0-4])[0-5]\d")


def find_identifiers_after_cue(text: str) -> Iterator[Finding]:
    for cue, label in _ID_CUES:
        for match in cue.finditer(text):
            reach = _ID_REACH.match(text, match.end())
            if reach is None:
                continue
            for token in _ID_TOKEN.finditer(text, match.end(), reach.end()):
                value = token.group(0).strip()
                digits = _digit_count(value)
                letters = sum(ch.isalpha() for ch in value)
                if (digits < 4 and not (digits == 3 and letters >= 5)) or (digits == 4 and not letters) or digits > 16:
                    continue  # "2019", "10/12" are not identifiers
                if re.fullmatch(r"(?:19|20)\d\d", value) or _NOT_AN_ID_AFTER.match(text, token.end()):
                    continue
                if _HOURS.fullmatch(value) or re.fullmatch(r"[A-Z]{1,4} (?:19|20)\d\d", value):
                    continue  # "on standby 1400-2200": a shift, not an identifier
                start = token.start() + (len(token.group(0)) - len(token.group(0).lstrip()))
                yield Finding(start, start + len(value), label, 0.7, "id_after_cue")
                if cue is _FIRST_ONLY and not _PLURAL_CUE.search(match.group(0)):
                    break
    for match in _MBI_CUE.finditer(text):
        reach = _ID_REACH.match(text, match.end())
        if reach is not None:
            for mbi in _MBI.finditer(text, match.end(), reach.end()):
                yield Finding(mbi.start(), mbi.end(), MEDICAL_RECORD, 0.8, "id_after_cue")


# The second line of a passport's machine-readable zone (ICAO 9303, TD3): document number (padded with "<") and its
# check digit, nationality, date of birth and its check digit, sex, expiry. Pasted from a photo of the data page.
_MRZ_LINE = re.compile(
    r"(?m)^[ \t]*(?P<number>[A-Z0-9]{5,9})(?<=[A-Z0-9])<{0,4}\d[A-Z<]{3}(?P<dob>\d{6})\d[MFX<]\d{6}\d"
)


# Once a message is about passports, a number in a passport's usual shape further on is one even in another
# sentence: "holding all 6 passports. top one in the stack G31884205", "copy of the old passport. we do. expired
# EK0481933" -- one or two capitals and seven or eight digits, not after a case, receipt or form word.
_PASSPORT_TOPIC = re.compile(
    r"(?i:\bpass(?:port)?s?\b|\bpp\b|pasaporte|passeport|paspor|paszport|pasaport|pasipoti|hộ\s+chiếu|"
    r"护照|護照|여권|паспорт|पासपोर्ट|পাসপোর্ট|பாஸ்போர்ட்|ፓስፖርት|جواز)"
)
_PASSPORT_SHAPE = re.compile(r"(?<![\w/$.:#-])(?:[A-Z]{1,2}\d{7,8}|\d{9})(?![\w/%$-]|[.:,]\d)")


def find_passports_in_topic(text: str) -> Iterator[Finding]:
    if text.isascii() and "pas" not in text.lower() and "pp" not in text.lower():
        return
    topic = _PASSPORT_TOPIC.search(text)
    if topic is None:
        return
    for match in _PASSPORT_SHAPE.finditer(text, topic.end()):
        if match.start() - topic.end() > 400 and _PASSPORT_TOPIC.search(text, match.start() - 400, match.start()) is None:
            continue
        if _CASE_NUMBER_BEFORE.search(text, max(0, match.start() - 30), match.start()):
            continue
        yield Finding(match.start(), match.end(), PASSPORT, 0.7, "passport_topic")


def find_passport_mrz(text: str) -> Iterator[Finding]:
    if "<" not in text:
        return
    for match in _MRZ_LINE.finditer(text):
        yield Finding(match.start("number"), match.end("number"), PASSPORT, 0.8, "passport_mrz")
        yield Finding(match.start("dob"), match.end("dob"), DOB, 0.8, "passport_mrz")


# A chart number glued to its cue: "MR-0074-1193", "MRN:00291-4478", "MRN#KP7731094"
_MRN_GLUED = re.compile(r"(?<![\w-])(?-i:MRN?)[-#:](?=[A-Z]{0,4}\d)[A-Z0-9](?:[A-Z0-9-]{3,15}[A-Z0-9])(?![\w-])")


# The part of a plate a witness saw: "plate started with HJ7", "plate starts KTX-9", "plate partial: LMV-09??".
_PARTIAL_PLATE = re.compile(
    r"\b(?i:(?:plates?|tag|placa)\s+(?:#\s*)?(?:starts?|started|starting|begins?|began|beginning|ends?|ended|ending)"
    r"(?:\s+(?:with|in))?|(?:plates?|tag)\s+partial\s*:?)\s+(?P<id>[A-Z0-9]{1,4}(?:-?[A-Z0-9]{1,4})?\?*)(?![\w-])"
)


def find_cued_identifiers(text: str) -> Iterator[Finding]:
    """Driver's licence, plate, passport, medical record and A-numbers: taken only beside their cue words."""
    lowered = text.casefold()
    if "d" in lowered or "l" in lowered or "o" in lowered:
        for match in _DL.finditer(text):
            ident = match.group("id").rstrip()
            if _digit_count(ident) >= 4:
                yield Finding(
                    match.start("id"), match.start("id") + len(ident), DRIVER_LICENSE, 0.85, "driver_license"
                )
                # "TX DLs 29174410 and 40551872": the licences listed after the first
                for start, end in listed_after(text, match.start("id") + len(ident), _DL_TOKEN, _dl_shape):
                    yield Finding(start, end, DRIVER_LICENSE, 0.8, "driver_license")
    if any(cue in lowered for cue in ("plate", "tag", "lp", "reg", "placa")):
        for match in _PARTIAL_PLATE.finditer(text):
            if _digit_count(match.group("id")) >= 1 and match.group("id").casefold() not in COMMON_WORDS:
                yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.8, "license_plate")
        for match in _PLATE.finditer(text):
            ident = match.group("id")
            compact = re.sub(r"[\s-]", "", ident)
            if 4 <= len(compact) <= 8 and _digit_count(compact) >= 1 and ident.casefold() not in COMMON_WORDS:
                yield Finding(match.start("id"), match.end("id"), LICENSE_PLATE, 0.8, "license_plate")
    if "pass" in lowered:
        for match in _PASSPORT.finditer(text):
            yield Finding(match.start("id"), match.end("id"), PASSPORT, 0.85, "passport")
    if "mrn" in lowered or "record" in lowered or "patient" in lowered:
        for match in _MRN.finditer(text):
            if _digit_count(match.group("id")) >= 4:
                yield Finding(match.start("id"), match.end("id"), MEDICAL_RECORD, 0.85, "medical_record")
    if "MR" in text:
        for match in _MRN_GLUED.finditer(text):
            if _digit_count(match.group(0)) >= 4:
                yield Finding(match.start(), match.end(), MEDICAL_RECORD, 0.8, "medical_record")
    if "A" in text:
        for match in _A_NUMBER.finditer(text):
            yield Finding(match.start(), match.end(), A_NUMBER, 0.85, "a_number")
            for start, end in listed_after(text, match.end(), _A_TOKEN, _a_number_shape):
                yield Finding(start, end, A_NUMBER, 0.8, "a_number")
    if "#" in text or "number" in lowered or "alien" in lowered:
        for match in _A_NUMBER_CUE.finditer(text):
            yield Finding(match.start("id"), match.end("id"), A_NUMBER, 0.85, "a_number")


# --- handles -----------------------------------------------------------------------------------------------------
# A Discord name keeps its "#1234" discriminator ("shadowkid#4471").
_DISCRIMINATOR = r"(?:#\d{4}(?![\w-]))?"
_MENTION = re.compile(r"(?<![\w.@<])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?" + _DISCRIMINATOR)
_CASHTAG = re.compile(r"(?<![\w$])\$ ?[A-Za-z][A-Za-z0-9_-]{1,19}\b")
# "@ mr_g0ld_r0llex": a space typed after the @ so the platform does not link it (an evasion). Only handle-shaped
# tokens -- an underscore, or letters and digits mixed -- so "meet @ 3pm" and "@ the office" stay.
_MENTION_SPLIT = re.compile(r"(?<![\w.@<])@ (?P<h>[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?)")
_HANDLE_SHAPE = re.compile(r"_|[A-Za-z]{3}.*\d|\d.*[A-Za-z]{3}")
_PLATFORMS = (
    r"snap(?:chat)?|sc|ig|insta(?:gram)?|tik\s?tok|tg|telegram|whats\s?app|kik|fb|facebook|twitter|venmo|"
    r"cash\s?app|zelle|paypal|only\s?fans|wickr|discord|signal|skype|wechat|grindr|tinder|bumble|mega(?:personals)?|"
    r"skip\s?the\s?games|listcrawler|x|of|tt|wa|line|kakao(?:\s?talk)?|viber|threads"
)
_HANDLE_CUE = re.compile(
    rf"\b{by_first_letter(_PLATFORMS)}(?:\s+(?:handle|name|id|user(?:name)?|acct|account))?\s*(?::|=|\bis\b|->|[ \t][-–][ \t])\s*@?"
    r"(?P<h>[A-Za-z0-9_][A-Za-z0-9_.-]{1,29}[A-Za-z0-9_]" + _DISCRIMINATOR + ")",
    re.IGNORECASE,
)
_HANDLE_LOOSE = re.compile(
    r"\b(?:on|her|his|my|their|via)\s+(?:snap(?:chat)?|ig|insta(?:gram)?|tiktok|telegram|kik|venmo|cash\s?app|twitter)"
    r"\s+@?(?P<h>[A-Za-z0-9_][A-Za-z0-9_.-]{1,29}[A-Za-z0-9_])",
    re.IGNORECASE,
)
_NOT_HANDLES = frozenset({"@here", "@channel", "@everyone", "@room", "@all"})
# "snap pr1nce.m", "Kik user nizhoni_lvs_u", "OnlyFans acct yorbelis.vzla", "on megapersonals under sweetbri419":
# a platform word, then a handle-shaped word (a digit, "_" or "." inside, or a lower-case word no list knows).
_SITE = by_first_letter(_PLATFORMS + r"|the\s+OF|OF|ad\s+site|site")
_HANDLE_BARE = re.compile(
    rf"\b(?:{_SITE}(?:\s+(?:user(?:name)?|acct|account|page|profile|handle|name|id|"
    r"display\s+name))?|user\s?name|acct|account|profile|handle|alt)(?:\s+(?:is|under|as|was))?\s*[:=]?\s+@?"
    r"(?P<h>[A-Za-z0-9_][A-Za-z0-9_.-]{1,29}[A-Za-z0-9_]" + _DISCRIMINATOR + r")(?![\w@])",
    re.IGNORECASE,
)
# A line that is only a handle-shaped word, in a pasted DM thread or follower list ("mikey_moneybagz\nyo u up").
_HANDLE_LINE = re.compile(r"(?m)^[ \t]*(?P<h>[a-z0-9][a-z0-9_.]{2,28}[a-z0-9])[ \t]*$")


def _handle_shaped(handle: str) -> bool:
    if any(ch.isdigit() or ch in "_." for ch in handle):
        return any(ch.isalpha() for ch in handle) and not _IPV4.fullmatch(handle)
    return handle.islower() and fold_accents(handle) not in everyday_words() and len(handle) >= 5


_CONTRACTION_AFTER = re.compile(r"['’](?:t|s|re|ve|ll|d|m)\b", re.IGNORECASE)
_QUANTITY = re.compile(r"\d+(?:[.,]\d+)?(?:k|m|mil|kg|km|mi|lb|lbs|usd|eur|gbp|mxn)", re.IGNORECASE)


# A handle later in the clause of a platform's name, after "is", "was", "on", "id", "format" or a colon ("Snap return
# came back on dezzyxo2k9", "Snap from the flyer at the bus station: j0bs4girlz_", "prefers KakaoTalk, id is
# seoyeon_k92", "Discord user ... and the newer format unckingpin.912"): only a token no word is shaped like -- lower
# case, starting with a letter, three letters or more and a digit or "_" among them -- and only tried in a message
# that has a letter beside a digit or "_" (``_LETTER_DIGIT``, one cheap scan).
_LATER_PLATFORMS = by_first_letter(
    "snapchat|snap|instagram|insta|ig|tiktok|tik tok|telegram|tg|kik|discord|kakaotalk|kakao|wechat|vx|grindr|"
    "tinder|onlyfans|whatsapp|signal|vk"
)
_HANDLE_LATER = re.compile(
    rf"\b{_LATER_PLATFORMS}\b[^\n.!?;\"“”]{{0,48}}?(?::|\bis\b|\bwas\b|\bon\b|\bid\b|\bformat\b)[ \t]*[\"“]?[ \t]*@?"
    r"(?P<h>[a-z][a-z0-9_.]{2,28}[a-z0-9_])(?![\w@]|\.[a-z0-9])"
)
# (written to start with the digit class: ``re`` skips ahead to a digit or "_" without trying every letter)
_LETTER_DIGIT = re.compile(r"[0-9_](?:(?<=[a-z][0-9_])|(?=[a-z]))")


def _later_handles(text: str) -> Iterator[Finding]:
    if not _LETTER_DIGIT.search(text):
        return
    for match in _HANDLE_LATER.finditer(text):
        handle = match.group("h")
        letters = sum(ch.isalpha() for ch in handle)
        if letters >= 3 and any(ch.isdigit() or ch == "_" for ch in handle) and not _QUANTITY.fullmatch(handle):
            yield Finding(match.start("h"), match.end("h"), HANDLE, 0.75, "handle_later")


def find_bare_handles(text: str) -> Iterator[Finding]:
    """Handles typed after the platform's name (or "username", "acct", "profile") without a colon or an @, and
    handle-shaped lines of a pasted thread."""
    yield from _later_handles(text)
    if text.count("\n") >= 2:
        for match in _HANDLE_LINE.finditer(text):
            handle = match.group("h")
            if _HANDLE_SHAPE.search(handle) or (re.search(r"[a-z]\.[a-z]", handle) and "." not in handle[-4:]):
                yield Finding(match.start("h"), match.end("h"), HANDLE, 0.7, "handle_line")
    for match in _HANDLE_BARE.finditer(text):
        handle = match.group("h")
        if text.startswith("SNAP", match.start()):
            continue  # SNAP in capitals is food assistance ("SNAP recert"), not Snapchat
        if _CONTRACTION_AFTER.match(text, match.end("h")) or _QUANTITY.fullmatch(handle):
            continue  # "line doesn't have", "fees of 300k": a contraction's first half, an amount
        if _handle_shaped(handle):
            yield Finding(match.start("h"), match.end("h"), HANDLE, 0.75, "handle")


# A profile's address: the account name is the path after the platform's domain ("t.me/latinasvip_houston",
# "onlyfans.com/mari_baddie", "fb.com/beto.leiva.hn", "tiktok.com/@yuli.c.r_").
_PROFILE_URL = re.compile(
    r"(?i:\b(?:t\.me|telegram\.me|instagram\.com|instagr\.am|fb\.com|facebook\.com|m\.facebook\.com|tiktok\.com|"
    r"onlyfans\.com|fansly\.com|snapchat\.com/add|x\.com|twitter\.com|vk\.com|linktr\.ee|cash\.app|venmo\.com|"
    r"youtube\.com|threads\.net|ok\.ru|vk\.ru|m\.me|pinterest\.com|twitch\.tv|weibo\.com|line\.me/ti/p)/)(?P<h>[@$]?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9_])?)(?![\w/])"
)
_URL_SCHEME = re.compile(r"(?i:(?:https?://)?(?:www\.|m\.)?)$")
_NOT_PROFILE_PATHS = frozenset({"share", "login", "groups", "events", "watch", "p", "reel", "reels", "stories", "search"})


# The name after "cashtag" or after a handle word and "is" ("cashtag KandyKayy", "CB handle they're using is
# Nightrider77"): the word says what the token is, so it need not look like a handle.
_NAMED_HANDLE = re.compile(
    r"\b(?i:cash\s?tags?|(?:cb|radio|trucker|gamer|user)\s+handle(?:[ \t]+(?:they['’]re|he['’]s|she['’]s)[ \t]+using)?"
    r"[ \t]+(?:is|was))[ \t]*[:=]?[ \t]*\$?(?P<h>[A-Za-z][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_])(?![\w@])"
)


# A handle with its platform after it in brackets ("tx_hunter77 (kik)"), after a Chinese, Korean or Japanese cue
# ("微信号 chen_ge_8866", "카톡 아이디: sora0915"), or spelled out word by word after a platform cue, voice-to-text style
# ("her snapchat is cali underscore dreamz", "IG ... at quan dot the dot plug").
_HANDLE_THEN_PLATFORM = re.compile(
    rf"(?<![\w@$.])(?P<h>[A-Za-z0-9_][A-Za-z0-9_.-]{{1,29}}[A-Za-z0-9_])[ \t]*\((?i:{_PLATFORMS})\)"
)
_HANDLE_CJK_CUE = re.compile(
    r"(?:微信号?|微信\s*ID|wechat\s*ID|카톡\s*아이디|카카오톡?\s*(?:아이디|ID)?|LINE\s*ID|ライン\s*ID)[ \t]*[:：]?[ \t]*"
    r"(?P<h>[A-Za-z0-9_][A-Za-z0-9_.-]{1,29}[A-Za-z0-9_])(?![\w.-])",
    re.IGNORECASE,
)
_SPOKEN_JOIN = r"[ \t,]+(?:underscore|dot|period|dash|hyphen)[ \t,]+"
_SPOKEN_HANDLE = re.compile(
    rf"(?i:\b(?:{_PLATFORMS}|handle|username|user\s+name)\b[^\n.;:\"“]{{0,40}}?(?:\bis\b|[:=]|\bas\b)?[ \t]*[\"“]?[ \t]*"
    r"(?P<h>(?:at(?:[ \t]+(?:symbol|sign))?,?[ \t]+)?[a-z0-9]{1,20}"
    rf"(?:{_SPOKEN_JOIN}[a-z0-9]{{1,20}}){{1,5}}))"
)


def _spelled_handles(text: str) -> Iterator[Finding]:
    if "(" in text:
        for match in _HANDLE_THEN_PLATFORM.finditer(text):
            if _handle_shaped(match.group("h")) and any(ch.isdigit() or ch in "_." for ch in match.group("h")):
                yield Finding(match.start("h"), match.end("h"), HANDLE, 0.8, "handle_cue")
    if not text.isascii():
        for match in _HANDLE_CJK_CUE.finditer(text):
            if _handle_shaped(match.group("h")):
                yield Finding(match.start("h"), match.end("h"), HANDLE, 0.8, "handle_cue")
    lowered = text.casefold()
    if "underscore" in lowered or " dot " in lowered:
        for match in _SPOKEN_HANDLE.finditer(text):
            handle = match.group("h").casefold()
            if "underscore" not in handle and not (
                handle.startswith("at") and "," not in handle and len(re.findall(r"\bdot\b", handle)) >= 2
            ):
                continue  # "the snap is at noon, dot the i": a handle says "underscore", or "at" and two dots
            yield Finding(match.start("h"), match.end("h"), HANDLE, 0.75, "handle_cue")


def find_handles(text: str) -> Iterator[Finding]:
    """@mentions of outside accounts, $cashtags and handles after a platform cue ("snap: candy_22")."""
    if "tag" in text or "handle" in text:
        for match in _NAMED_HANDLE.finditer(text):
            if match.group("h").casefold() not in COMMON_WORDS:
                yield Finding(match.start("h"), match.end("h"), HANDLE, 0.8, "handle_cue")
    if "/" in text:
        for match in _PROFILE_URL.finditer(text):
            if match.group("h").casefold() not in _NOT_PROFILE_PATHS:
                # the whole address names the account: "vk.com/id48213377", "https://www.instagram.com/mari_b"
                scheme = _URL_SCHEME.search(text, max(0, match.start() - 12), match.start())
                start = scheme.start() if scheme is not None else match.start()
                yield Finding(start, match.end("h"), HANDLE, 0.85, "handle_url")
    if "@" in text:
        for match in _MENTION.finditer(text):
            if match.group(0).casefold() not in _NOT_HANDLES:
                yield Finding(match.start(), match.end(), HANDLE, 0.8, "handle")
        for match in _MENTION_SPLIT.finditer(text):
            if _HANDLE_SHAPE.search(match.group("h")):
                yield Finding(match.start(), match.end(), HANDLE, 0.75, "handle")
    if "$" in text:
        for match in _CASHTAG.finditer(text):
            if match.group(0)[1] == " " and match.group(0)[2:].casefold() in COMMON_WORDS:
                continue
            yield Finding(match.start(), match.end(), HANDLE, 0.8, "cashtag")
    for pattern, score in ((_HANDLE_CUE, 0.85), (_HANDLE_LOOSE, 0.7)):
        for match in pattern.finditer(text):
            handle = match.group("h")
            if handle.casefold() in COMMON_WORDS:
                continue
            if pattern is _HANDLE_LOOSE and not any(ch.isdigit() or ch in "_." for ch in handle):
                continue  # "on snap yesterday": a loose cue needs a handle-shaped token
            yield Finding(match.start("h"), match.end("h"), HANDLE, score, "handle_cue")
    yield from _spelled_handles(text)


# --- street addresses --------------------------------------------------------------------------------------------
# USPS Publication 28 street suffixes (full names and common abbreviations).
_SUFFIX_WORDS = """
    alley aly avenue ave av branch bridge brook brooks burg burgs bypass byp camp canyon cape causeway center centers
    ctr circle circles cir cliff cliffs club common commons corner corners course court courts ct cove coves cv creek
    crescent crest crossing xing crossroad curve dale dam divide drive drives dr estate estates expressway expy
    extension extensions ext fall falls ferry field fields flat flats ford fords forest forge forges fork forks fort
    freeway fwy garden gardens gdns gateway glen glens green greens grove groves grv harbor harbors haven heights hts
    highway hwy hill hills hollow inlet island islands isle junction junctions key keys knoll knolls lake lakes land
    landing lane ln light lights loaf lock locks lodge loop mall manor manors meadow meadows mews mill mills mission
    motorway mount mountain mountains mtn neck orchard oval overpass park parks parkway parkways pkwy pass passage path
    pike pine pines place pl plain plains plaza plz point points pt port ports prairie radial ramp ranch rapid rapids
    rest ridge ridges river road roads rd route row rue run shoal shoals shore shores skyway spring springs spur spurs
    square squares sq station stravenue stream street streets st summit terrace ter throughway trace track
    trafficway trail trl tunnel turnpike tpke underpass union unions valley valleys via viaduct view views village
    villages ville vista walk walks wall way ways well wells blvd boulevard
"""
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIX_WORDS.split()), key=len, reverse=True)) + ")"
# Any word that marks text as part of an address (suffixes, units, boxes, rural and foreign forms); the statistical
# tagger's ADDRESS spans must contain one (redaction/tagger.py).
ADDRESS_WORDS = "|".join(
    sorted(
        set(_SUFFIX_WORDS.split())
        | set(
            """apt apartment unit suite ste rm room lot trlr trailer bldg building fl floor spc space hab depto dpto piso
            block blk box po pob rr hc cr fm sr us i county township twp exit mile mm km calle av avenida rua col
            colonia carrera cra barrio brgy barangay mhp rv sector zona casa no nº apto bloque edificio manzana mz
            poniente oriente norte sur purok sitio ul ulica вул вулиця ул улица кв квартира просп проспект số ngõ ngách
            phố đường phường quận hẻm mah mahalle sok sokak cad cadde moo soi tambon chome straße strasse str""".split()
        ),
        key=len,
        reverse=True,
    )
)
_DIRECTION = r"(?:north|south|east|west|northeast|northwest|southeast|southwest|(?-i:[NSEW]|NE|NW|SE|SW))\.?"
_STOP = (
    r"(?!(?:at|in|on|to|the|of|for|with|and|or|from|by|near|is|are|was|were|be|will|can|could|would|should|did|do|"
    r"does|has|have|had|got|get|went|go|left|we|i|you|she|he|they|it|more|less|other|some|many|few|all|any|each|"
    r"people|kids|girls|boys|guys|men|women|adults|minors|victims|workers|cars|rooms|beds|times|hours|hrs|minutes|"
    r"mins|days|weeks|months|years|miles|blocks|pm|am|apt|unit|suite|ste|about|around|than|then|that|this|but|so|if|"
    r"when|while|because|like|just|really|only|very|not|no|yes|looked|looks|said|says|honestly|maybe)\b)"
)
# (Hawaiian names hold the ʻokina, U+02BB, often typed as ‘, and macrons: "Kaiheʻe St", "Kalanianaʻole Hwy", "ʻEwa
# Beach", "Waimānalo"; Spanish names accents: "Mayagüez")
_LETTER_MORE = "À-ÖØ-öø-ɏʻ‘"
_WORD = _STOP + rf"[A-Za-z0-9{_LETTER_MORE}][A-Za-z0-9{_LETTER_MORE}.'’-]{{0,24}}"
_UNIT = r"(?:\s*,?\s*(?:apt|apartment|unit|suite|ste|#|rm|room|lot|trlr|trailer|bldg|building|fl|floor|spc|space|hab|depto|dpto|piso)\.?\s*#?\s*[A-Za-z0-9-]{1,6}(?![\w]))"
_STATES = (
    rf"(?:(?-i:{US_STATE_CODES}|PR|GU|VI|AS|MP|FM|MH|PW|A[AEP])|alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|"
    r"hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|"
    r"mississippi|missouri|montana|nebraska|nevada|new\s+hampshire|new\s+jersey|new\s+mexico|new\s+york|"
    r"north\s+carolina|north\s+dakota|ohio|oklahoma|oregon|pennsylvania|rhode\s+island|south\s+carolina|"
    r"south\s+dakota|tennessee|texas|utah|vermont|virginia|washington|west\s+virginia|wisconsin|wyoming)"
)
_CITY_WORD = _STOP + rf"[A-Za-z{_LETTER_MORE}][A-Za-z{_LETTER_MORE}.'’-]{{1,24}}"
_CAP_CITY_WORD = _STOP + rf"(?-i:[A-ZÀ-ÖØ-Þ]|[ʻ‘](?=[A-Z]))[A-Za-z{_LETTER_MORE}.'’-]{{1,24}}"
_PLACE = (
    rf"(?:\s*,?\s*(?:{_CITY_WORD}\s+){{0,2}}{_CITY_WORD}\s*,?\s+{_STATES}\b(?:\s*,?\s*\d{{5}}(?:-\d{{4}})?\b)?"
    rf"|\s*,\s*(?:{_CAP_CITY_WORD}\s+)?{_CAP_CITY_WORD}(?:\s*,\s*(?:{_CAP_CITY_WORD}\s+)?{_CAP_CITY_WORD})?"
    rf"(?=\s*(?:[.;!?\n,(—–]|$|\s-\s|\s(?-i:[a-z])))"
    rf"|\s*,\s*(?:{_CITY_WORD}\s+)?{_CITY_WORD}\s*,?\s+\d{{5}}(?:-\d{{4}})?\b"
    rf"|\s*,?\s*{_STATES}\b(?:\s*,?\s*\d{{5}}(?:-\d{{4}})?\b)?|\s*,?\s*\d{{5}}(?:-\d{{4}})?\b)?"
)
_STREET = re.compile(
    r"(?<![\w$#/.,:-])(?:(?-i:[NSEW])(?=\d{3,6}\s))?\d{1,6}(?:-?[A-Za-z])?(?:-\d{1,4})?\s+"
    rf"(?:{_DIRECTION}\s+)?"
    rf"(?:(?:{_WORD}\s+){{0,3}}?{_WORD}\s+{_SUFFIX}\b\.?(?:\s+{_SUFFIX}\b\.?)?(?:\s+{_DIRECTION}(?![\w])|"
    rf"\s+(?-i:[A-Z]{{1,2}})(?=\s*,))?"
    rf"|(?:highway|hwy|fm|farm\s+to\s+market|route|rte|county\s+road|cr|state\s+highway|sh|us|i(?!-?9\d\d\b))\s*-?\s*\d{{1,4}}"
    rf"(?:[A-Za-z](?![\w]))?(?:\s+{_SUFFIX}\b\.?)?(?:\s+{_DIRECTION}(?![\w]))?)"
    rf"{_UNIT}?{_PLACE}(?:\s*,\s*\d{{1,2}}(?:st|nd|rd|th)\s+(?:fl|floor)\b\.?(?:\s+(?:rear|front|back|left|right))?)?",
    re.IGNORECASE,
)
_PO_BOX = re.compile(
    r"\b(?:p\.?\s?o\.?|hc\s*\d{1,3}|rr\s*\d{1,3}|rural\s+route\s+\d{1,3}|star\s+route)\s+box\s+\d{1,6}(?:-?[A-Za-z]\b)?\b"
    + _PLACE,
    re.IGNORECASE,
)
_CITY_STATE_ZIP = re.compile(
    rf"\b(?:[A-Z][a-z]+\s+){{0,2}}[A-Z][a-z]+,?\s+(?:{US_STATE_CODES}|PR|GU|VI)\s+\d{{5}}(?:-\d{{4}})?\b"
)


# A street name for the rules below: one to three capitalised words (or ALL CAPS), an optional direction first and
# an optional suffix last ("Fondren", "W Bellfort", "Little York", "Bastrop St", "GESSNER").
_NAMED = r"(?:[A-Z][A-Za-z'’.-]{1,24}|\d{1,3}(?i:st|nd|rd|th)\b)"
_STREET_NAME = (
    rf"(?:(?-i:[NSEW]|NE|NW|SE|SW)\.?\s+)?(?!(?:and|or|the|at|in|on)\b){_NAMED}(?:\s+(?!(?:and|or|at|in|on)\b){_NAMED}){{0,3}}"
    rf"(?:\s+(?i:{_SUFFIX})\b\.?(?:\s+(?-i:[NSEW]|NE|NW|SE|SW)\b)?)?"
)
_CROSS_CUE = re.compile(
    r"(?P<cue>\b(?i:(?:the\s+)?corner\s+of|intersection\s+of|cross\s*-?\s*streets?(?:[^\n:.;]{0,20}:|\s+(?:are|is|of))?\s*:?|"
    rf"crossroads\s+of|esquina\s+de))\s+(?P<a>{_STREET_NAME})\s+(?i:and|&|/|@|y|x)\s+(?P<b>{_STREET_NAME})"
)
# After "corner of" the streets may be typed in lower case or as an ordinal word ("the corner of bonnie brae and
# sixth"): one to three words a side, none an everyday function word.
_LOWER_STREET = (
    r"(?!(?:and|or|the|at|in|on|a|an|my|her|his|their|where|when|by|near|to)\b)[a-z][a-z'’.-]{1,24}"
    r"(?:[ \t]+(?!(?:and|or|the|at|in|on|by|near|to|where|when|around|with|every)\b)[a-z][a-z'’.-]{1,24}){0,2}"
)
_CROSS_CUE_LOWER = re.compile(
    r"(?P<cue>\b(?:the\s+)?corner\s+of|intersection\s+of)\s+"
    rf"(?P<a>{_LOWER_STREET})[ \t]+(?:and|&|/|y)[ \t]+(?P<b>{_LOWER_STREET})(?![\w'’-])"
)
_CROSS_AMP = re.compile(
    r"(?:^|\b(?i:at|on|near|seen|by|around|off|of|@|in|corner|outside|from|to|por|en|entre|past|behind)\s+)(?:the\s+)?"
    rf"(?P<a>{_STREET_NAME})\s*(?:&|/|@)\s*(?P<b>{_STREET_NAME})"
)
_BLOCK = re.compile(
    rf"(?<![\w$#.-])\d{{1,3}}00\s+(?i:block|blk)\s+(?i:of\s+)?(?:(?-i:[NSEW])\.?\s+)?[A-Za-z][A-Za-z'’.-]{{1,24}}"
    rf"(?:\s+(?!(?i:and|or|at|in|on|the|for|to|that|thats|where)\b)[A-Z][A-Za-z'’.-]{{1,24}}){{0,2}}(?:\s+(?i:{_SUFFIX})\b\.?)?"
    rf"(?:,[ \t]*(?:[A-Z][A-Za-z'’.-]+[ \t]+){{0,2}}[A-Z][A-Za-z'’.-]+(?:[ \t]+{_STATES})?(?=[ \t]*(?:[./;\n]|$)))?"
)
# A unit on its own after its cue: "apt #3B", "Lot 14", "unit 1122"; room/#/unit only in a message about lodging.
# Worker housing has its own words: "bunkhouse 3", "cabin 14", "barrack B", "camper #7", "bunk trailer 7"; a unit may
# be one letter ("unit B", "apt C"), several rooms a range or a pair ("rooms 311-312", "rooms 14 and 16").
_UNIT_ALONE = re.compile(
    r"\b"
    + by_first_letter(
        r"apt|apartment|apto|suite|ste|lot|bunk\s+trlr|trlr|bunk\s+trailer|trailer|spc|space|unit|rm|rooms?|"
        r"habitaci[oó]n|cuarto|cabin|bunkhouse|barracks?|camper|dorm"
    )
    + r"\.?\s*(?:no\.?)?\s*"
    r"(?P<u>(?:#?[A-Za-z]?\d{1,5}[A-Za-z]?(?:-\d{1,4}|[ \t]+(?:and|&)[ \t]+\d{1,5}[A-Za-z]?)?|(?<=[\s#])[A-Za-z]{1,2}-\d{1,4}[A-Za-z]?"
    r"|\d{1,4}-[A-Za-z])(?![\w-])"
    r"|(?<=[ \t])(?-i:[A-H])(?![\w'’-]))"
    r"|(?<![\w#&])(?P<h>#\d{2,5}[A-Za-z]?)(?![\w-])"
)
# A flat named by its floor and letter after a verb that places someone, in a message about where people live or
# sleep: "the boss is in 3F", "they moved her to 2B", "she stays in B-4".
_FLAT_AFTER_VERB = re.compile(
    r"\b(?i:is|are|was|were|lives?|living|stays?|staying|stayed|sleeps?|sleeping|slept|moved[ \t]+(?:her|him|them)|"
    r"put[ \t]+(?:her|him|them)|kept)[ \t]+(?i:in|to|into|at|from)[ \t]+(?P<u>\d{1,3}(?-i:[A-H])|(?-i:[A-H])-?\d{1,3})"
    r"(?![\w'’-])"
)
_LODGING_ONLY = frozenset({"unit", "rm", "room", "rooms", "space", "spc", "habitacion", "habitación", "cuarto"})
_LETTER_UNIT_CUES = frozenset({"apt", "apartment", "apto", "unit", "cabin", "bunkhouse", "barrack", "barracks", "trailer"})
_LODGING = re.compile(
    r"\b"
    + by_first_letter(
        r"motel|hotel|inn|suites|lodge|apartments?|apts?|complex|lives?|living|stay(?:s|ing)?|staying|house|"
        r"building|bldg|trailer|door|fence|airbnb|vive|casa|sleeps?|sleeping|slept|housed|bunkhouse|barracks?|hostal|"
        r"hostel|upstairs|downstairs|flat|el\s+cuarto|al\s+cuarto|del\s+cuarto|la\s+habitaci[oó]n"
    )
    + r"\b",
    re.IGNORECASE,
)
_NOT_UNIT_BEFORE = re.compile(
    r"(?<![^\W_])(?i:ad|case|tip|form|line|item|no|number|op|ticket|ref|page|voucher|receipt|invoice|check|order|"
    r"confirmation|claim|file|docket|exhibit|account|acct|bill|id|badge|policy)\s*$"
)
_CASE_NUMBER_BEFORE = re.compile(
    r"(?<![^\W_])(?i:case|tip|form|item|ticket|ref|reference|page|voucher|receipt|invoice|check|order|confirmation|"
    r"claim|file|docket|exhibit|account|acct|bill|id|badge|policy|booking|tracking|routing|serial|report|incident)"
    r"\s*(?:number|num|no\.?|#)?\s*[:.#]?\s*$"
)
# A phone word shortly before a number ("landline", "WhatsApp", "mother's number", "tel", "Portable :"): a number
# dialled nationally or without its "+" is taken there even when a case or form word could precede it.
PHONE_CUE_BEFORE = re.compile(
    r"(?<![^\W_])(?i:phone|ph|tel|t[ée]l[ée]fono|telefone|t[ée]l[ée]phone|cell|cel|celular|mobile|mob|mobil|"
    r"landline|land\s+line|whats\s?app|wa|viber|telegram|signal|imo|line\s+app|number|num[ée]ro|n[úu]mero|contact|"
    r"portable|fixe|call|text|txt|saved\s+(?:it\s+)?as|fax|desk|office|home|work|direct)\b[^\n\d+]{0,40}$"
)
_UNIT_BEFORE_STREET = re.compile(
    r"(?i:(?:lot|apt|apartment|unit|suite|ste|spc|space|trlr|trailer|bldg|building|pmb)\.?\s*#?\s*[A-Za-z0-9-]{1,6}"
    r"|\d{1,2}(?:st|nd|rd|th)\s+(?:fl|floor)\.?)\s*,?\s*(?:(?:[A-Z][A-Za-z'’-]+\s+){0,3}[A-Z][A-Za-z'’-]+\s*,\s*)?$"
)
# A named complex: "the Villas on Tidwell", "the Pines apartments", "Westchase Village Apts".
_COMPLEX = re.compile(
    r"\b(?i:the\s+)?(?:[A-Z][A-Za-z'’-]{1,24}\s+){0,2}"
    r"(?-i:Apartments|Apts|Villas|Village|Townhomes|Lofts|Estates|Manor|Courts|Pines|Oaks|Gardens|Terrace|Commons|"
    r"Landing|Crossing|Place|Residences|Condos)\b"
    r"(?:\s+(?:on|at|of)\s+[A-Z][A-Za-z'’-]{1,24}(?:\s+[A-Z][A-Za-z'’-]{1,24})?)?"
    r"(?:\s*,?\s*(?i:apt|apartment|unit|#|suite|bldg|building)\.?\s*#?\s*[A-Za-z0-9-]{1,6}(?![\w]))?"
)
_COMPLEX_WORDS = re.compile(
    r"Apartments|Apts|Villas|Village|Townhomes|Lofts|Estates|Manor|Courts|Pines|Oaks|Gardens|Terrace|Commons|"
    r"Landing|Crossing|Place|Residences|Condos"
)
# Non-US street forms: "calle Rosales 45", "Rua das Flores, 128 - Campinas", "ul. Mickiewicza 14/3, Kraków".
_FOREIGN_STREET = re.compile(
    r"\b"
    + by_first_letter(
        r"calle|avenida|av\.|avda\.?|carrera|cra\.?|rua|travessa|ul\.|ulica|str\.|strada|bulevardul|rue|"
        r"vulytsia|vul\.|jalan|soi"
    )
    + r"\s+(?:(?i:de|del|la|las|los|das|dos|da|do|di|du)\s+){0,2}[A-Za-zÀ-ÿĀ-ž][\w'’.-]{1,30}"
    r"(?:\s+[A-ZÀ-ÞĀ-Ž][\w'’.-]{1,30}){0,2},?\s*(?:(?i:n[º°o]?\.?|#)\s*)?\d{1,5}[A-Za-z]?(?:\s*[/-]\s*\d{1,4})?"
    r"(?:\s*[,-]\s*[A-ZÀ-ÞĀ-Ž][\w'’-]{1,30}(?:\s+[A-ZÀ-ÞĀ-Ž][\w'’-]{1,30})?)?"
)


# "dropped at Beechnut and Wilcrest", "por Airline y Tidwell", "from Hamilton St & 7th": cross streets joined by a
# word; each side must look like a street (a suffix, a number, a direction) or be a word no list knows.
_CROSS_AND = re.compile(
    r"(?:^|\b"
    + by_first_letter(r"at|on|near|by|around|off|outside|from|to|of|corner|por|en|entre|past|behind")
    + r"\s+(?:the\s+)?)"
    rf"(?P<a>{_STREET_NAME})\s+(?i:and|y|n)\s+(?P<b>{_STREET_NAME})"
)
# Cross streets with no cue word before them, when one side is plainly a street ("International Blvd & 23rd Ave",
# "82nd and Foster", "Van Buren & 27th Ave"): a suffix or an ordinal on one side, a capitalised name on the other.
_CROSS_BARE = re.compile(rf"(?<![\w&/])(?P<a>{_STREET_NAME})\s*(?:&|@|\band\b|\by\b)\s*(?P<b>{_STREET_NAME})(?![\w])")
_STRONG_SIDE = re.compile(rf"(?i:\b{_SUFFIX}\.?(?:\s+(?-i:[NSEW]|NE|NW|SE|SW))?$)|\b\d{{1,3}}(?i:st|nd|rd|th)\b")


_CALENDAR = re.compile(rf"(?i:\b(?:{_MONTH}|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b)")


def _ordinals_or_dates(a: str, b: str) -> bool:
    """Both sides bare ordinals ("2nd and 3rd"), or either a weekday or month ("3rd Tuesday")."""
    bare = all(re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", side.strip()) for side in (a, b))
    return bare or any(_CALENDAR.search(side) for side in (a, b))


def _cross_bare(text: str) -> Iterator[Finding]:
    for match in _CROSS_BARE.finditer(text):
        a, b = match.group("a"), match.group("b")
        strong_a, strong_b = bool(_STRONG_SIDE.search(a)), bool(_STRONG_SIDE.search(b))
        if not (strong_a or strong_b):
            continue
        if _ordinals_or_dates(a, b):
            continue  # "2nd and 3rd": ordinals alone on both sides are not streets
        if not (_street_like(a) and _street_like(b)) or (_known_place(a) and _known_place(b)):
            continue
        weak = b if strong_a and not strong_b else a if strong_b and not strong_a else None
        if weak is not None and not (_real_street(weak) or weak[:1].isupper()):
            continue  # "Main St and lunch": the other side must look like a street name
        yield Finding(match.start("a"), _cross_end(match), ADDRESS, 0.7, "cross_street")


# A named lodging or complex with its unit: "Starlite Inn rm 112", "Garden Spires bldg 2, apt 7C",
# "Mesa Verde RV Park lot 9", "CEDAR LANE APTS UNIT 12", "Tower 2 room 1718". A word of at most 41 characters: unbounded,
# a run like "O'O'O'..." was read to its end from each of its capitals (2,000 characters: 29 ms, quadratic).
_NAMED_UNIT = re.compile(
    r"(?<![\w-])(?P<name>(?:[A-Z][A-Za-z'’&-]{0,40}\.?\s+(?:\d{1,3}\s+)?){1,4}),?\s*"
    r"(?P<unit>(?i:rm|room|unit|apt|apartment|bldg|building|cottage|cabin|space|spc|lot|ste|suite|trailer|trlr|#)\.?"
    r"\s*#?\s*[A-Za-z]?\d{1,5}[A-Za-z]?(?:-\d{1,4})?(?:\s*,?\s*(?i:apt|unit|rm|room|#)\.?\s*#?\s*[A-Za-z]?\d{1,5}[A-Za-z]?)?)"
    r"(?![\w-])"
)
_NOT_A_LODGING = re.compile(
    r"(?i:court|courtroom|courthouse|conference|meeting|hearing|interview|exam|waiting|break|breakout|zoom|board|"
    r"class|classroom|part|dept|department|division|unit|form|page|section|case|docket|ward|er|icu|bed|bay|"
    r"dorm|floor|office|suite|building|bldg|irb|hep|dose|vaccine|shot|binder|conf|cvs|walgreens|store|exhibit|tab|"
    r"item|slide|step|phase|level|grade|kit)\s*$"
)
# A meeting room in a schedule: "moved to Monday at noon, room 233", "training 9-11 in room 204".
SCHEDULED_BEFORE = re.compile(
    r"(?i:\b(?:meeting|meet|moved|booked|schedule[ds]?|agenda|training|sync|briefing|debrief|session|class|rsvp|"
    r"noon|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b\d{1,2}(?::\d\d)?\s*[ap]\.?m\b"
    r"|\b(?:at|@)\s*\d{3,4}h?\b)"
)
# A street given as where someone lives: "stays on E 131st Ave", "lives on Maple St", "house is on Beechnut near
# Bellaire Blvd".
_LIVES_ON = re.compile(
    r"\b"
    + by_first_letter(
        r"lives?|living|stays?|staying|stayed|moved|house|home|apartment|apt|place|trailer|addy|address|"
        r"vive|viven|casa"
    )
    + r"\b[^.\n]{0,25}?\b(?i:on|off|en|por)\s+(?P<a>" + _STREET_NAME + r")"
    r"(?:\s+(?i:near|by|off|at|&|and|y)\s+(?P<b>" + _STREET_NAME + r"))?"
)
# Addresses abroad in their own formats: Guatemala ("10a Calle 14-22, zona 1, Quetzaltenango"), Romania/Moldova
# ("Str. Dealului nr. 14, Bacău 600017", "Bd. Dacia 88, bl. C3, ap. 22"), Ukraine/Russia ("вул. Шевченка 12, кв. 7"),
# Viet Nam ("xóm 7, xã Diễn Hoa, huyện Diễn Châu"), China ("...清荣大道88号").
_WORDS_AFTER = r"(?:\s*,\s*(?:[A-ZÀ-ÞĀ-ŽА-ЯІЇЄҐ][\w'’.-]{1,30}(?:\s+[A-ZÀ-ÞĀ-ŽА-ЯІЇЄҐ][\w'’.-]{1,30}){0,2}|\d{4,6}|(?:zona|zone|sector|col\.?|colonia|bl\.?|ap\.?|sc\.?|et\.?|кв\.?|корп\.?)\s*[\w-]{1,5})(?:\s+\d{5,6})?){0,4}"
_ABROAD = re.compile(
    r"(?<![\w])(?:\d{1,2}[a-z]?\.?\s+(?i:calle|avenida|av\.?)\s+\d{1,3}-\d{1,3}"
    r"|"
    + by_first_letter(r"str\.|strada|bd\.|bdul\.?|bulevardul|șos\.|sos\.|calea|aleea")
    + r"\s+(?:[A-ZÀ-ÞĀ-Ž][\w'’.-]{1,30}\s+){1,3}(?:nr\.?\s*)?\d{1,4}[A-Za-z]?"
    r"|(?:вул\.|вулиця|ул\.|улица|просп\.|проспект|пров\.|пер\.|бульв\.|пл\.)\s*(?:[А-ЯІЇЄҐA-Z][\w'’.-]{1,30}\s+){1,3}\d{1,4}[А-Яа-яA-Za-z]?"
    r"|"
    + by_first_letter("xóm|thôn|ấp|số|hẻm|ngõ|phường|quận|xã|huyện")
    + r"\s+[\w]{1,12}(?:\s+[\w]{1,12}){0,3})" + _WORDS_AFTER
)
# French-style numbered addresses of West and Central Africa and Haiti: the street or estate first, the number
# after "n°"/"No." ("Avenue Kasa-Vubu n°112, Commune de Kalamu", "Cité Keur Gorgui, villa n° 38, Dakar").
_NUMBERED_ABROAD = re.compile(
    r"(?<![\w])(?i:avenue|av\.|boulevard|bd\.|rue|route|cité|cite|quartier|parcelles)\s+"
    r"(?:[A-ZÀ-ÞĀ-Ž][\w'’.-]{1,30}\s*){1,3}(?:,\s*)?(?:(?i:villa|maison|lot|unité|unite|porte|parcelle)\s*)?"
    r"(?i:n[º°o]\.?|no\.)\s*\d{1,5}[A-Za-z]?(?![\w])"
)
# European street addresses, the number after the street and the postcode before the town: "Lindenstraße 14, 81545
# München", "Via Maqueda 204, 90133 Palermo", "ul. Piotrkowska 112 m. 7, 90-006 Łódź", "vul. Sahaidachnoho 31, kv. 9,
# Vinnytsia 21001". With a postcode and a town any capitalised street name will do; without them the street's own
# word must say street (a German, Dutch or Nordic compound ending "-straße", "-weg", "-straat", "-gatan", ...).
_EU_CAP = r"[A-ZÀ-ÞĀ-Ž][\w'’.-]{1,30}"
_EU_PREFIX = r"(?:ul\.|ulica|al\.|vul\.|vulytsia|via|viale|piazza|corso|largo|rue|calle|c/|carrer|rua|pl\.|str\.)"
_EU_NUMBER = r"\d{1,4}[a-zA-Z]?(?:/\d{1,4})?(?:,?\s*(?i:m\.|kv\.|ap\.|apt\.?|whg\.|top|et\.|lok\.|bus)\s*\d{1,4}[a-zA-Z]?)?"
_EU_POSTCODE = r"(?:\d{4,5}|\d{2}-\d{3}|[A-Z]{1,2}-\d{4,5})"
_EU_TOWN_WORD = r"[A-ZÀ-ÞĀ-Ž][\w'’-]{1,30}"
_EU_TOWN = rf"{_EU_TOWN_WORD}(?:[ -]{_EU_TOWN_WORD})?"
_EU_ADDRESS = re.compile(
    rf"(?<![\w.])(?:(?i:{_EU_PREFIX})\s+)?(?P<street>(?:{_EU_CAP}\s+){{1,3}}){_EU_NUMBER},\s*"
    rf"(?:(?P<post>{_EU_POSTCODE})\s+(?P<town>{_EU_TOWN})|(?P<town2>{_EU_TOWN})\s+(?P<post2>{_EU_POSTCODE}))(?![\w-])"
)
_EU_STREET_WORD = re.compile(
    r"(?<![\w.])[A-ZÀ-ÞĀ-Ž][a-zß-ÿā-ž]{2,30}(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|chaussee|ufer|straat|"
    rf"laan|gracht|plein|kade|gatan|vägen|veien|vej|gade|katu|tie)\s+{_EU_NUMBER}(?![\w-])"
)


# A house number said in words, as voice-to-text writes it after "at", "is" or "address was": "four twelve Pinecrest
# Court", "twenty two fourteen east pine street", "twenty-one fifteen north kedzie", "eight twelve elm street apartment
# three". Two to four number words, then a street with its suffix, or a direction and a name.
_SPOKEN_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|hundred)"
)
_SPOKEN_ADDRESS = re.compile(
    rf"(?i:\b(?:at|is|was|address(?:\s+is|\s+was)?|lives?\s+(?:at|on))[ \t:]+"
    rf"(?P<a>(?:{_SPOKEN_NUMBER_WORD}[ \t]+){{1,3}}{_SPOKEN_NUMBER_WORD}[ \t]+"
    rf"(?:(?:{_DIRECTION}[ \t]+)?(?:(?!(?:and|or|the|at|in|on|by)\b)[a-z][a-z'’.-]{{1,24}}[ \t]+){{1,3}}{_SUFFIX}\b\.?"
    rf"|{_DIRECTION}[ \t]+(?!(?:and|or|the|at|in|on|by)\b)[a-z][a-z'’.-]{{2,24}}\b)"
    rf"(?:[ \t]+(?:apartment|apt|unit|number|suite|#)[ \t]*(?:\d{{1,5}}[a-z]?|{_SPOKEN_NUMBER_WORD}"
    rf"(?:[ \t]+{_SPOKEN_NUMBER_WORD}){{0,3}})\b)?))"
)


def _european_addresses(text: str) -> Iterator[Finding]:
    for match in _EU_ADDRESS.finditer(text):
        post = match.group("post") or match.group("post2")
        town = match.group("town") or match.group("town2")
        if post.isdigit() and len(post) == 4 and 1900 <= int(post) <= 2039:
            continue  # "Exhibit 4, 2019 Report": a year
        street = match.group("street").split()
        if all(fold_accents(w.strip(".")) in everyday_words() for w in [*street, *town.split()]):
            continue
        if fold_accents(town.split()[0]) in everyday_words() or town.split()[0].casefold() in COMMON_WORDS:
            continue
        end = match.end()
        words = town.split()
        if len(words) == 2 and end == match.end("town" if match.group("town") else "town2") and (
            words[1].casefold() in COMMON_WORDS or fold_accents(words[1]) in everyday_words()
        ):
            end -= len(words[1]) + 1  # "81545 München. Host dad": the town is one word
        yield Finding(match.start(), end, ADDRESS, 0.75, "foreign_street")


_CJK_ADDRESS = re.compile(r"[\u4e00-\u9fff]{2,40}\d{1,5}[号號](?:[\u4e00-\u9fff\d]{0,10}[室楼樓])?")
# A Chinese estate address by its building ("融侨小区8栋502": estate, building 8, flat 502; 幢/座 building, 弄 lane)
# -- from the first place word: one to three characters and a place suffix each, no verb or particle first)
_CJK_BUILDING = re.compile(
    r"(?:(?![在住是的说說到从從于於去来來和跟])[\u4e00-\u9fff]{1,3}?(?:省|市|区|區|县|縣|镇|鎮|乡|鄉|街道|路|街|道|村|小区|小區|苑|"
    r"花园|花園|新村|大厦|大廈|公寓|里)){1,5}\d{1,5}[栋棟幢座弄](?:\d{1,5}(?:[室号號])?|[\u4e00-\u9fff\d]{0,10}[室楼樓])?"
)
# A Korean address by its administrative words: city or province (시/도), district (구/군), neighbourhood, road or
# street (동/읍/면/리/로/길/가), then the lot or building number ("서울시 강남구 역삼동 823-15", "부산 해운대구 우동
# 1408 101동 1203호")
_KOREAN_ADDRESS = re.compile(
    r"(?:[가-힣]{1,6}(?:특별시|광역시|특별자치시|특별자치도|시|도)[ \t]*|(?:서울|부산|대구|인천|광주|대전|울산|세종|제주)[ \t]+)?"
    r"(?:[가-힣]{1,8}(?:시|군|구)[ \t]*){1,2}"
    r"(?:[가-힣\d]{1,10}(?:동|읍|면|리|로|길|가)[ \t]*){1,2}\d{1,5}(?:-\d{1,5})?(?:번지|번길)?"
    r"(?:[ \t]*\d{1,4}동)?(?:[ \t]*\d{1,5}(?:호|층))?(?![\d-])"
)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _east_asian_addresses(text: str) -> Iterator[Finding]:
    for script, pattern in ((_HAN, _CJK_BUILDING), (_HANGUL, _KOREAN_ADDRESS)):
        if script.search(text) is not None:
            for match in pattern.finditer(text):
                yield Finding(match.start(), match.end(), ADDRESS, 0.75, "foreign_street")


def _street_like(name: str) -> bool:
    """A cross-street side must not be an everyday word or agency ("HSI & CPS", "Mom & Dad")."""
    words = [w for w in re.split(r"[\s.]+", name) if w]
    return bool(words) and not all(w.casefold() in COMMON_WORDS for w in words)


def find_addresses(text: str) -> Iterator[Finding]:
    """US street addresses with unit, city, state and ZIP when present; PO boxes; "City, ST 77005".

    A run of street-name words may not include words like "at", "the", "kids", so "2 kids at the Court" is not an
    address while "4410 Bissonnet St Apt 12, Houston, TX 77005" is one span.
    """
    for match in _STREET.finditer(text):
        start = match.start()
        unit = _UNIT_BEFORE_STREET.search(text, max(0, start - 60), start)
        if unit is not None:
            start = unit.start()  # "Lot 14, 1500 FM 1960 Rd" is one address
        yield Finding(start, match.end(), ADDRESS, 0.85, "street_address")
    lowered = text.casefold()
    if "box" in lowered:
        for match in _PO_BOX.finditer(text):
            yield Finding(match.start(), match.end(), ADDRESS, 0.85, "po_box")
    for match in _CITY_STATE_ZIP.finditer(text):
        yield Finding(match.start(), match.end(), ADDRESS, 0.7, "city_state_zip")
    yield from _places_without_number(text, lowered)
    yield from _places_in_context(text)
    yield from _rooms_in_frame(text, lowered)


def _real_street(name: str) -> bool:
    """A cross-street side joined by "and": a suffix, an ordinal, a direction, or a word no list knows."""
    words = [w for w in re.split(r"[\s]+", name.strip()) if w]
    if not words:
        return False
    if re.search(rf"(?i:\b{_SUFFIX}\.?$)|\d", name) or re.match(r"(?:[NSEW]|NE|NW|SE|SW)\.?\s", name):
        return True
    everyday, given = everyday_words(), first_names()
    return all(
        fold_accents(w.strip(".")) not in everyday and fold_accents(w.strip(".")) not in given for w in words
    ) and not all(w.isupper() and len(w) <= 4 for w in words)


# A house number and a street name with no suffix, after a word that places someone there: "picked him up at 9810
# Bustleton", "it's 3317 Wabash not 3371 Wabash", "house is 1104 Calle Sabino". Three to five digits that are no year
# and a capitalised word that is no everyday word, month, weekday, people or name.
_NUMBER_STREET = re.compile(
    r"(?i:\b(?:at|lives\s+at|live\s+at|address(?:\s+is)?\s*:?|(?:house|place|home|apartment|building)\s+is|it['’]?s)[ \t]+)"
    r"(?P<a>[1-9]\d{2,4}[ \t]+(?:Calle[ \t]+|Av\.?[ \t]+|Avenida[ \t]+|Rua[ \t]+)?(?P<name>[A-Z][a-z]{3,20}))(?![\w'’-])"
)
_NUMBER_STREET_MORE = re.compile(r"[ \t]+(?:not|or)[ \t]+(?P<a>[1-9]\d{2,4}[ \t]+(?P<name>[A-Z][a-z]{3,20}))(?![\w'’-])")
_NOT_STREET_NAMES = frozenset(
    "january february march april june july august september october november december monday tuesday wednesday "
    "thursday friday saturday sunday hours hrs local zulu eastern central pacific mountain".split()
)


def _street_number_name(match: re.Match[str]) -> bool:
    number = int(match.group("a").split()[0])
    name = fold_accents(match.group("name"))
    return (
        not 1900 <= number <= 2039
        and name not in _NOT_STREET_NAMES
        and name not in everyday_words()
        and name not in first_names()
        and name not in NATIONALITIES
        and name.removesuffix("s") not in NATIONALITIES
    )


def _places_in_context(text: str) -> Iterator[Finding]:
    for match in _NUMBER_STREET.finditer(text):
        if _street_number_name(match):
            yield Finding(match.start("a"), match.end("a"), ADDRESS, 0.7, "street_number_name")
            more = _NUMBER_STREET_MORE.match(text, match.end())
            if more is not None and _street_number_name(more):
                yield Finding(more.start("a"), more.end("a"), ADDRESS, 0.7, "street_number_name")
    if "&" in text or " and " in text or " y " in text or "@" in text:
        yield from _cross_bare(text)
        yield from _strongly_cued_crossings(text)
    for match in _CROSS_AND.finditer(text):
        a, b = match.group("a"), match.group("b")
        if _ordinals_or_dates(a, b):
            continue  # "the 2nd and 3rd Tuesday"
        if _real_street(a) and _real_street(b) and not (_known_place(a) and _known_place(b)):
            yield Finding(match.start("a"), _cross_end(match), ADDRESS, 0.7, "cross_street")
    for match in _NAMED_UNIT.finditer(text):
        name = match.group("name")
        if _NOT_A_LODGING.search(name.rstrip()) or len(name.strip().rstrip(".")) < 2:
            continue  # (a lone letter is a series: "hep B #2")
        # a leading everyday word ("The Starlite Inn rm 9") is left out of the span
        words = [w for w in re.finditer(r"\S+", name) if w.group(0).strip(".").casefold() not in COMMON_WORDS]
        if words:
            yield Finding(
                match.start("name") + words[0].start(), match.end("unit"), ADDRESS, 0.7, "named_unit"
            )
    for match in _LIVES_ON.finditer(text):
        a = match.group("a")
        if _real_street(a) and not _known_place(a):
            end = match.end("b") if match.group("b") and _real_street(match.group("b")) else match.end("a")
            yield Finding(match.start("a"), end, ADDRESS, 0.7, "street_lived_on")
    for match in _ABROAD.finditer(text):
        yield Finding(match.start(), match.end(), ADDRESS, 0.75, "foreign_street")
    for match in _CJK_ADDRESS.finditer(text):
        yield Finding(match.start(), match.end(), ADDRESS, 0.75, "foreign_street")
    if not text.isascii():
        yield from _east_asian_addresses(text)
    if "," in text:
        yield from _european_addresses(text)
        yield from find_postal_lines(text)
    for match in _EU_STREET_WORD.finditer(text):
        yield Finding(match.start(), match.end(), ADDRESS, 0.75, "foreign_street")
    for match in _SPOKEN_ADDRESS.finditer(text):
        yield Finding(match.start("a"), match.end("a"), ADDRESS, 0.7, "spoken_address")
    if "°" in text or "º" in text or "o." in text or "O." in text:
        for match in _NUMBERED_ABROAD.finditer(text):
            yield Finding(match.start(), match.end(), ADDRESS, 0.75, "foreign_street")
    yield from find_address_chains(text)
    yield from find_described_places(text)


# A room, unit or flat number said bare in a frame that locates someone (session 14): corrected after its cue ("room
# was 118 -- no wait, 181"), or after a door, a guest, a lease ("nobody answered in 226", "who is the guest in 412",
# "who's on the lease for 1214", "knocked on 310"). Three or four digits, no year, time or count after them.
_ROOM_NUMBER = r"(?P<u>\d{2,5}[A-Za-z]?)(?![\w:/%$-]|[.,]\d)"
_ROOM_CORRECTED = re.compile(
    r"\b(?i:rooms?|rm|unit|apt|suite|ste|cabin)[ \t]+(?i:was|is)[ \t]+#?[ \t]*"
    + _ROOM_NUMBER
    + r"(?:[^\n\d]{0,24}?\b(?i:no[ \t]+wait|i[ \t]+mean|not|actually|sorry|correction|make[ \t]+that)\b[ \t,:—–-]*"
    r"(?P<v>\d{2,5}[A-Za-z]?)(?![\w:/%$-]|[.,]\d))?"
)
_ROOM_FRAME = re.compile(
    r"\b(?i:(?:nobody|no[ \t]+one|someone|somebody|she|he|they)[ \t]+(?:answered|answers|opened|answering)[ \t]+"
    r"(?:in|at)|no[ \t]+answer[ \t]+(?:in|at)|guests?[ \t]+in|(?:who(?:'s|’s|[ \t]+is|[ \t]+was)|anyone)[ \t]+(?:on[ \t]+the[ \t]+lease[ \t]+for|in)"
    r"|lease[ \t]+for|knock(?:ed)?[ \t]+on|checked[ \t]+(?:in)?to)"
    r"[ \t]+(?:(?i:room|rm|unit|apt|door)[ \t]+|#)?(?P<u>\d{3,4}[A-Za-z]?)(?![\w:/%$-]|[.,]\d)"
    r"(?![ \t]*(?i:am|pm|hrs|hours|min|mins|minutes|days|weeks|months|years|people|dollars|bucks|k)\b)"
)
_THREE_DIGITS_RUN = re.compile(r"\d{2}")


_ROOM_CUES = ("room", "rm ", "unit", "apt", "suite", "ste ", "cabin", "answer", "opened", "guest", "lease", "knock",
              "checked")


def _rooms_in_frame(text: str, lowered: str) -> Iterator[Finding]:
    if not any(cue in lowered for cue in _ROOM_CUES) or _THREE_DIGITS_RUN.search(text) is None:
        return
    for match in _ROOM_CORRECTED.finditer(text):
        if not match.group("v") and (
            _LODGING.search(text) is None or SCHEDULED_BEFORE.search(text, max(0, match.start() - 40), match.start())
        ):
            continue  # "the meeting room is 204": a room is where someone is when corrected or lodged there
        for group in ("u", "v"):
            if match.group(group):
                yield Finding(match.start(group), match.end(group), ADDRESS, 0.75, "unit")
    for match in _ROOM_FRAME.finditer(text):
        number = match.group("u")
        if number.isdigit() and 1900 <= int(number) <= 2039:
            continue  # a year: "checked into 2019"
        yield Finding(match.start("u"), match.end("u"), ADDRESS, 0.7, "unit")


def _known_place(name: str) -> bool:
    return " ".join(fold_accents(w) for w in name.split()) in places()


def _places_without_number(text: str, lowered: str) -> Iterator[Finding]:
    """Intersections, "N00 block of", units alone, named complexes, non-US streets."""
    if "corner" in lowered or "cross" in lowered or "intersection" in lowered or "esquina" in lowered:
        for match in _CROSS_CUE.finditer(text):
            if _street_like(match.group("a")) and _street_like(match.group("b")):
                yield Finding(_corner_start(match), match.end("b"), ADDRESS, 0.8, "cross_street")
        for match in _CROSS_CUE_LOWER.finditer(text):
            if _street_like(match.group("a")) and _street_like(match.group("b")):
                yield Finding(_corner_start(match), match.end("b"), ADDRESS, 0.75, "cross_street")
    if "&" in text or "/" in text or "@" in text:
        for match in _CROSS_AMP.finditer(text):
            if (
                _street_like(match.group("a"))
                and _street_like(match.group("b"))
                and not _is_acronym_pair(match)
            ):
                yield Finding(match.start("a"), _cross_end(match), ADDRESS, 0.75, "cross_street")
    if "bl" in lowered:
        for match in _BLOCK.finditer(text):
            yield Finding(match.start(), match.end(), ADDRESS, 0.8, "block")
    lodging = _LODGING.search(text) is not None
    for match in _UNIT_ALONE.finditer(text):
        group = "u" if match.group("u") else "h"
        if group == "u":
            words = match.group(0).split()
            cue = words[1 if words[0].casefold() == "bunk" and len(words) > 2 else 0].rstrip(".#").casefold()
            cue = re.sub(r"[^a-záó]", "", cue)
            if match.group("u").isalpha() and (cue not in _LETTER_UNIT_CUES or not lodging):
                continue  # "unit B" where people sleep; "Unit A" of a police department is no home
            # room/unit numbers need a lodging word nearby -- except 3-4 digit rooms, which are hotel or apartment
            # rooms wherever they are typed ("room 2214"), unless a meeting or court word comes first
            long_room = (
                sum(ch.isdigit() for ch in match.group("u")) >= 3
                and not _NOT_A_LODGING.search(text, max(0, match.start() - 20), match.start())
                and not SCHEDULED_BEFORE.search(text, max(0, match.start() - 40), match.start())
            )
            if cue in _LODGING_ONLY and not (lodging or long_room):
                continue
            yield Finding(match.start(), match.end(group), ADDRESS, 0.75, "unit")  # the cue too: "rm 214"
            continue
        if not lodging or _NOT_UNIT_BEFORE.search(text, 0, match.start()):
            continue
        yield Finding(match.start(group), match.end(group), ADDRESS, 0.75, "unit")
    if lodging:
        for match in _FLAT_AFTER_VERB.finditer(text):
            yield Finding(match.start("u"), match.end("u"), ADDRESS, 0.7, "unit")
    if _COMPLEX_WORDS.search(text):
        for match in _COMPLEX.finditer(text):
            if match.group(0).split()[0].casefold() != "the" and len(match.group(0).split()) < 2:
                continue
            yield Finding(match.start(), match.end(), ADDRESS, 0.75, "complex")
    for match in _FOREIGN_STREET.finditer(text):
        if any(ch.isdigit() for ch in match.group(0)):
            yield Finding(match.start(), match.end(), ADDRESS, 0.8, "foreign_street")


_CAPS_SIDE = re.compile(rf"(?:(?:[NSEW]|NE|NW|SE|SW)\.?[ \t]+)?[A-Z0-9'’.-]+(?:[ \t]+(?:{_SUFFIX.upper()})\b\.?)?")


def _cross_end(match: re.Match[str]) -> int:
    """Where a cross street ends. In a text in capitals every word looks like a name, so a side of three or more
    words keeps a direction, one name and a suffix ("LAST SEEN W 79TH & S HALSTED WEARING PINK HOODIE")."""
    side = match.group("b")
    if not side.isupper() or len(side.split()) < 3:
        return match.end("b")
    kept = _CAPS_SIDE.match(side)
    return match.start("b") + kept.end() if kept is not None else match.end("b")


# Cross streets after a word that can only mean where someone is or lives ("LKA Westheimer and Gessner", "incall only
# Tropicana & Koval", "lives off MLK and Griggs", "address was Colfax and Havana"): taken even when both sides are
# known places or one is a short capitalised word.
_CROSS_STRONG_CUE = re.compile(
    r"\b(?i:lka|l\.k\.a\.?|last\s+known(?:\s+address)?|incall|in-call|address(?:\s+(?:is|was))?|"
    r"lives?\s+(?:at|on|off|near)|living\s+(?:at|on|off|near)|staying\s+(?:at|on|off|near)|"
    r"(?:dropped(?:\s+off)?|picked\s+up|(?:last\s+)?seen|found|spotted|walking|standing)\s+(?:at|on|near|by|outside))"
    r"[ \t]*:?[ \t]+"
    r"(?i:only[ \t]+|(?:the[ \t]+)?corner[ \t]+of[ \t]+)?"
    rf"(?P<a>{_STREET_NAME})[ \t]*(?:&|/|\b(?i:and|y)\b)[ \t]*(?P<b>{_STREET_NAME})"
)


def _strongly_cued_crossings(text: str) -> Iterator[Finding]:
    for match in _CROSS_STRONG_CUE.finditer(text):
        a, b = match.group("a"), match.group("b")
        if _ordinals_or_dates(a, b) or not (_street_like(a) and _street_like(b)):
            continue
        yield Finding(match.start("a"), _cross_end(match), ADDRESS, 0.75, "cross_street")


def _corner_start(match: re.Match[str]) -> int:
    """ "the corner of Pruitt and Lomax" is masked from "the corner": the words say where, with the streets."""
    return match.start("cue") if match.group("cue").casefold().lstrip().startswith(("the", "corner")) else match.start("a")


def _is_acronym_pair(match: re.Match[str]) -> bool:
    """ "HSI & CPS", "DA/ADA": two short all-caps words are agencies, not cross streets."""
    a, b = match.group("a"), match.group("b")
    return all(side.isupper() and len(side) <= 4 for side in (a, b))


# --- coordinates -------------------------------------------------------------------------------------------------
_COORDS = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,8})(?:\s*,\s*|\s+)(-?\d{1,3}\.\d{3,8})(?![\d])")
# "30.4031 N, 88.2487 W", "31.4529° N, 110.9712° W", "26°25'04.8\"N 81°25'23.2\"W", "N 32° 46.332 W 096° 47.846":
# one coordinate in degrees (decimal, or with minutes and seconds), a hemisphere letter before or after, twice.
_DEGREES = r"\d{1,3}(?:\.\d{1,8})?\s*°?(?:\s*\d{1,2}(?:\.\d{1,6})?\s*['′’]?(?:\s*\d{1,2}(?:\.\d{1,4})?\s*(?:[\"″”]|''|’’)?)?)?"
_COORDS_HEMI = re.compile(
    rf"(?<![\w.])(?:{_DEGREES}\s*[NS]|[NS]\s*{_DEGREES})\s*[,/;]?\s*(?:{_DEGREES}\s*[EW]|[EW]\s*{_DEGREES})(?![\w])"
)


def find_coordinates(text: str) -> Iterator[Finding]:
    """Latitude/longitude pairs with at least three decimals (a dropped pin)."""
    for match in _COORDS.finditer(text):
        if abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180:
            yield Finding(match.start(), match.end(), COORDINATES, 0.85, "coordinates")
    if "°" in text or "N" in text or "S" in text:
        for match in _COORDS_HEMI.finditer(text):
            value = match.group(0)
            if ("°" in value or "." in value) and sum(ch.isdigit() for ch in value) >= 6:
                yield Finding(match.start(), match.end(), COORDINATES, 0.85, "coordinates")


# --- names after a cue in the other scripts survivors and interpreters write -------------------------------------
# The name rules work on Latin letters; these take a name right after "her name is" / "called" / "client" in
# Chinese, Korean, Arabic and Russian/Ukrainian, or a Chinese name before "'s passport" / "said".
_HAN_SURNAMES = (
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖田董袁潘于蒋蔣"
    "蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫段雷侯龙龍史陶黎"
    "贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯"
)
# Korean surnames (the common one-syllable ones; "사", "가", "부" and other everyday syllables left out), titles and
# honorifics written after a name, job titles written after a surname alone, and the particles that attach to them.
_KO_SURNAMES = "김이리박최정강조윤장임한오서신권황안송류유홍전고문양손배백허남심노하곽성차주우구민진나지엄채원천방공현함변염여추도석선설길연위표명기반라왕금옥육맹제탁국편용예경봉복태목형피두감"
_KO_JOBS = "사장|실장|원장|대표|부장|과장|팀장|선생|여사|마담|이사|회장|변호사|기자"
_KO_TITLES = "학생|씨|님|선생님|여사님|여사"
_KO_PARTICLES = "에게서|에게|한테|께서|께|이가|이는|이를|이의|이도|이랑|이하고|[이가은는을를의도에와과랑]"
_FOREIGN_NAME_CUES = (
    re.compile(
        rf"(?:叫|名字是|名字叫|姓名[:：]?|客户|客戶|受害人|被害人|女孩|阿姨)\s*(?P<n>[{_HAN_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)"
        r"(?=的|说|說|[，,。.:：\s]|在|是|$)"
    ),
    re.compile(rf"(?P<n>[{_HAN_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?=的(?:护照|護照|电话|電話|身份证|地址)|说|說)"),
    re.compile(r"이름은\s*(?P<n>[가-힣]{2,4}?)(?=이고|이에요|예요|입니다|이래요|이라고|이다|씨|님|[,.\s]|$)"),
    re.compile(r"(?P<n>[가-힣]{2,4})\s?(?=씨\b|씨[가는를의도])"),
    # a Korean name -- a common surname and one or two syllables -- before a title or honorific, spaced or attached,
    # with any particle after it ("이수진 학생 (17살)", "최민서 학생이", "김민지님께"), a surname alone before a
    # job title ("강 실장", "김 사장님"), after "I am"/"her name is" with a copula ("저는 김서연이에요", "성함은
    # 김혜선입니다"), after "Miss" ("미스 리"), and in an English sentence after a naming word ("is 최영수")
    re.compile(
        rf"(?<![가-힣])(?P<n>[{_KO_SURNAMES}][가-힣]{{2}})[ \t]?(?=(?:{_KO_TITLES})(?:{_KO_PARTICLES})?(?![가-힣]))"
    ),
    re.compile(
        rf"(?<![가-힣])(?P<n>[{_KO_SURNAMES}])[ \t](?=(?:{_KO_JOBS})님?(?:{_KO_PARTICLES})?(?![가-힣]))"
    ),
    re.compile(
        rf"(?:저는|제[ \t]?이름은|이름은|이름이|성함은|성함이)[ \t]*(?P<n>[{_KO_SURNAMES}][가-힣]{{2}})"
        r"(?=입니다|이에요|예요|이고|이라고|라고|이래요|[ \t]*[,.]|$)"
    ),
    re.compile(rf"(?:미스|미세스)[ \t]?(?P<n>[{_KO_SURNAMES}])(?![가-힣])"),
    re.compile(
        rf"(?i:\b(?:is|as|named|name|called|aka|boss|owner|manager|client|victim|mom|mother))[ \t]*[:=]?[ \t]*"
        rf"(?P<n>[{_KO_SURNAMES}][가-힣]{{1,2}})(?![가-힣])(?=[ \t]*(?:[,.;()/]|$|[A-Za-z]))"
    ),
    re.compile(
        r"(?:اسمها|اسمه|اسمي|يسمونه|يسمونها|يسمونها|تدعى|يدعى)\s+(?P<n>(?:(?:أبو|ابو|أم|ام|بنت|ابن)\s+)?[\u0621-\u064a]+)"
    ),
    re.compile(
        r"(?i:зовут|звать|звати|имя|ім'я|ім’я|по\s+имени|на\s+имя)\s+(?P<n>[А-ЯЁІЇЄ][а-яёіїє'’]+"
        r"(?:\s+[А-ЯЁІЇЄ][а-яёіїє'’]+)?)"
    ),
)


# A Korean "name" that is a title itself or ends in a particle is no name ("선생님", "주에 사장님").
_KO_NOT_A_NAME = re.compile(rf"(?:{_KO_JOBS}|선생|학생|고객|손님|기사)|[가-힣]*[에를을는의와과]$")


def find_foreign_script_names(text: str) -> Iterator[Finding]:
    """Names in Chinese, Korean, Arabic or Cyrillic script after a cue (see ``_FOREIGN_NAME_CUES``)."""
    if text.isascii():
        return
    for pattern in _FOREIGN_NAME_CUES:
        for match in pattern.finditer(text):
            name = match.group("n")
            if "\uac00" <= name[:1] <= "\ud7a3" and len(name) > 1 and _KO_NOT_A_NAME.match(name):
                continue
            yield Finding(match.start("n"), match.end("n"), PERSON, 0.8, "name_cue_script")


# --- numbers typed as digits and number words mixed ---------------------------------------------------------------
# "8three2 five5five 01three4", "siete uno tres cinco cinco cinco cero uno tres cuatro": a phone number dictated or
# disguised digit by digit in English or Spanish words. Hand-written (phonenumbers parses digits only): each token of
# at most 40 letters/digits is read as a sequence of digits and digit words (a small dynamic programme over the
# token), consecutive readable tokens form a run, and a run of 7 to 15 digits holding at least one word is a phone.
_DIGIT_UNITS = {
    **{str(d): str(d) for d in range(10)},
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
    "siete": "7", "ocho": "8", "nueve": "9",
    # French and Portuguese digits ("meia" is six in Brazilian dictation)
    "zéro": "0", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7", "huit": "8", "neuf": "9",
    "um": "1", "dois": "2", "três": "3", "sete": "7", "oito": "8", "nove": "9", "meia": "6",
}  # fmt: skip
# Numbers of two digits said as one word: teens and tens in English, Spanish, French and Portuguese ("once",
# "cuarenta", "forty", "quarante"); a tens word followed by a digit word, with or without "y"/"e"/"et"/"and" between,
# is one number ("cuarenta y cinco" -> 45, "forty five" -> 45).
_TWO_DIGIT_WORDS = {
    **dict.fromkeys(("ten", "diez", "dix", "dez"), "10"),
    **dict.fromkeys(("eleven", "once", "onze"), "11"), **dict.fromkeys(("twelve", "doce", "douze", "doze"), "12"),
    **dict.fromkeys(("thirteen", "trece", "treize", "treze"), "13"),
    **dict.fromkeys(("fourteen", "catorce", "quatorze", "catorze"), "14"),
    **dict.fromkeys(("fifteen", "quince", "quinze"), "15"),
    **dict.fromkeys(("sixteen", "dieciseis", "dieciséis", "seize", "dezesseis"), "16"),
    **dict.fromkeys(("seventeen", "diecisiete", "dezessete"), "17"),
    **dict.fromkeys(("eighteen", "dieciocho", "dezoito"), "18"),
    **dict.fromkeys(("nineteen", "diecinueve", "dezenove"), "19"),
    **dict.fromkeys(("twenty", "veinte", "vingt", "vinte"), "20"),
    **dict.fromkeys(("thirty", "treinta", "trente", "trinta"), "30"),
    **dict.fromkeys(("forty", "cuarenta", "quarante", "quarenta"), "40"),
    **dict.fromkeys(("fifty", "cincuenta", "cinquante", "cinquenta"), "50"),
    **dict.fromkeys(("sixty", "sesenta", "soixante", "sessenta"), "60"),
    **dict.fromkeys(("seventy", "setenta"), "70"), **dict.fromkeys(("eighty", "ochenta", "oitenta"), "80"),
    **dict.fromkeys(("ninety", "noventa"), "90"),
}  # fmt: skip
_NUMBER_CONNECTORS = frozenset({"y", "e", "et", "and"})
_TENS_ALONE = frozenset({"ten", "diez", "dix", "dez"})  # take no unit ("dix-huit" reads 1 0 8: masked all the same)
_LONGEST_UNIT = max(len(unit) for unit in _DIGIT_UNITS)
_NUMBER_TOKEN = re.compile(r"[0-9A-Za-zÀ-ÿ]{1,40}(?![0-9A-Za-zÀ-ÿ])")
_NUMBER_GAP = re.compile(r"[ \t.,/-]{0,3}")


def _read_digits(token: str) -> tuple[str, int] | None:
    """The digits a token spells ("8three2" -> ("832", 1 word)), or None; "o"/"oh" only beside another unit."""
    token = token.casefold()
    if token in _TWO_DIGIT_WORDS:
        return _TWO_DIGIT_WORDS[token], 1
    best: list[tuple[str, int] | None] = [None] * (len(token) + 1)
    best[0] = ("", 0)
    for i in range(len(token)):
        if best[i] is None:
            continue
        digits, words = best[i]  # type: ignore[misc]
        for j in range(i + 1, min(len(token), i + _LONGEST_UNIT) + 1):
            unit = _DIGIT_UNITS.get(token[i:j])
            if unit is not None and best[j] is None:
                best[j] = (digits + unit, words + (j - i > 1 or not token[i].isdigit()))
    return best[len(token)]


def find_mixed_digit_phones(text: str) -> Iterator[Finding]:
    if not any(ch.isdigit() for ch in text) and _SPELLED_HINT.search(text) is None:
        return
    run_start = run_end = -1
    digits = ""
    words = 0
    tokens = list(_NUMBER_TOKEN.finditer(text))
    tens = False  # the last token read was a tens word ("cuarenta"): a digit word after it is its unit
    for index, match in enumerate(tokens):
        word = match.group(0).casefold()
        read = _read_digits(match.group(0))
        if word in _TWO_DIGIT_WORDS and re.search(r"\d-$", text[max(0, match.start() - 2) : match.start()]):
            read = None  # "7-Eleven": a shop, not digits
        if tens and read is not None and len(read[0]) == 1 and read[0] != "0" and not word.isdigit():
            # "cuarenta y cinco", "forty five": the unit replaces the tens word's zero
            if _NUMBER_GAP.fullmatch(text, run_end, match.start()) is not None:
                digits = digits[:-1] + read[0]
                run_end = match.end()
                tens = False
                continue
        if (
            read is None
            and tens
            and word in _NUMBER_CONNECTORS
            and index + 1 < len(tokens)
            and _NUMBER_GAP.fullmatch(text, run_end, match.start()) is not None
        ):
            unit = _read_digits(tokens[index + 1].group(0))
            if unit is not None and len(unit[0]) == 1 and unit[0] != "0":
                run_end = match.end()  # the "y" of "cuarenta y cinco" stays inside the run
                continue
        tens = read is not None and _TWO_DIGIT_WORDS.get(word, "1")[-1] == "0" and word not in _TENS_ALONE
        if read is not None and match.group(0).casefold() in ("o", "oh"):
            # "o" is Spanish "or", "oh" an interjection: a digit only before another digit ("oh seven four")
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or _read_digits(following.group(0)) is None or not _NUMBER_GAP.fullmatch(
                text, match.end(), following.start()
            ):
                read = None
        contiguous = run_end != -1 and _NUMBER_GAP.fullmatch(text, run_end, match.start()) is not None
        if read is None or not contiguous:
            if run_end != -1 and 7 <= len(digits) <= 15 and words >= 1:
                yield Finding(_plus_start(text, run_start), run_end, PHONE, 0.8, "phone_words")
            run_start = run_end = -1
            digits, words = "", 0
        if read is not None:
            if run_end == -1:
                run_start = match.start()
            run_end = match.end()
            digits += read[0]
            words += read[1]
            if len(digits) > 15:
                run_start = run_end = -1
                digits, words = "", 0
    if run_end != -1 and 7 <= len(digits) <= 15 and words >= 1:
        yield Finding(_plus_start(text, run_start), run_end, PHONE, 0.8, "phone_words")


# "plus nine one nine eight ...": the international prefix said as a word (or typed) is part of the number.
_PLUS_BEFORE = re.compile(r"(?i:(?<![\w])(?:plus|más|mas)[ \t]+|\+[ \t]?)$")


def _plus_start(text: str, start: int) -> int:
    plus = _PLUS_BEFORE.search(text, max(0, start - 6), start)
    return plus.start() if plus is not None else start


_SPELLED_HINT = re.compile(
    r"(?i:zero|one|two|three|four|five|six|seven|eight|nine|cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|"
    r"deux|trois|quatre|cinq|sept|huit|neuf|dois|três|sete|oito|nove)"
)


# --- columns of a pasted table -----------------------------------------------------------------------------------
# A table pasted from a spreadsheet, a form or a records return: a heading row of cells separated by "|", a tab, a
# typed "\t" or commas, then rows in the same layout. The cells under a date-of-birth heading are dates of birth
# ("LAST,FIRST,DOB,SEX" then "AYALA,JONATHAN,19910304,M"); under a room, unit or apartment heading in a table of
# people (a name column beside it) they are where those people live ("| Name | Age | Room |").
_COLUMN_HEADINGS = (
    (re.compile(r"(?i:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|fecha\s+(?:de\s+)?nac(?:imiento|\.)?|f\.\s*nac\.?)"), DOB),
    (re.compile(r"(?i:room|rm|unit|apt|apartment|cuarto|habitaci[oó]n|trailer|cabin|bunk(?:house)?)"), ADDRESS),
)
_HEADING_WORD = re.compile(r"(?i:\b(?:dob|d\.o\.b|birth|birthday|nac|room|rm|unit|apt|apartment|cuarto|habitaci[oó]n|trailer|cabin|bunk\w*)\b)")
_PEOPLE_HEADING = re.compile(r"(?i:^(?:name|full\s+name|client|victim|vic|guest|resident|worker|employee|first|last|youth|minor|nombre|subject|v\s*#|#)$)")
_EMPTY_CELL = re.compile(r"(?i:|none|n/?a|unk|unknown|-+|\?+|tbd|—)")


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of ``line`` without its surrounding spaces."""
    cells = []
    position = 0
    for part in line.split(delimiter):
        stripped = part.strip()
        offset = position + (part.index(stripped) if stripped else 0)
        cells.append((offset, offset + len(stripped)))
        position += len(part) + len(delimiter)
    return cells


def find_table_columns(text: str) -> Iterator[Finding]:
    """Cells under a date-of-birth heading, and under a room or unit heading in a table of people."""
    if "\n" not in text or _HEADING_WORD.search(text) is None:
        return
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        lines.append((position, line))
        position += len(line) + 1
    index = 0
    while index < len(lines):
        line = lines[index][1]
        index += 1
        delimiter = next((d for d in ("|", "\t", "\\t", ",") if line.count(d) >= 2), None)
        if delimiter is None or _HEADING_WORD.search(line) is None:
            continue
        headings = [line[a:b] for a, b in _cells(line, delimiter)]
        columns = {
            column: label
            for column, heading in enumerate(headings)
            for pattern, label in _COLUMN_HEADINGS
            if pattern.fullmatch(heading)
        }
        people = any(_PEOPLE_HEADING.match(heading) for heading in headings)
        columns = {c: label for c, label in columns.items() if label == DOB or people}
        if not columns:
            continue
        while index < len(lines):
            row_offset, row = lines[index]
            if row.count(delimiter) < 1:
                break
            index += 1
            cells = _cells(row, delimiter)
            for column, label in columns.items():
                if column >= len(cells):
                    continue
                start, end = cells[column]
                value = row[start:end]
                if _EMPTY_CELL.fullmatch(value) or not any(ch.isdigit() for ch in value) or len(value) > 30:
                    continue
                if set(value) <= set("-:| "):
                    continue
                yield Finding(row_offset + start, row_offset + end, label, 0.75, "table_column")


PATTERN_RECOGNIZERS: tuple[Recognizer, ...] = (
    find_emails,
    find_mixed_digit_phones,
    find_ssns,
    find_national_ids,
    find_table_national_ids,
    find_credit_cards,
    find_ibans,
    find_ip_addresses,
    find_dates_of_birth,
    find_ages,
    find_cued_identifiers,
    find_identifiers_after_cue,
    find_passport_mrz,
    find_passports_in_topic,
    find_a_numbers_after_cue,
    find_vehicle_plates,
    find_cued_plates,
    find_handles,
    find_bare_handles,
    find_addresses,
    find_coordinates,
    find_foreign_script_names,
    find_manifest_names,
    find_table_columns,
)


# --- the tail of an address ---------------------------------------------------------------------------------------
# After a found address, comma-separated parts that read like its locality ("..., Malate, Manila", "..., Consolação,
# São Paulo - SP, 01304-001", "..., Dublin 13, D13 X2F8"): every word capitalised, a number or a postcode, a few
# words at most. Addresses are written with their town, region and postcode, and a partial mask leaves them
# readable; a sentence after the comma ("..., she left") has lower-case words and stops the tail.
_TAIL_PART = re.compile(
    r"[ \t]*,[ \t]*(?P<part>(?:(?:[A-ZÀ-ÖØ-Þ0-9][\w'’.&/-]*|(?:de|del|da|do|dos|das|la|el|y|-))[ \t]+){0,4}"
    r"[A-ZÀ-ÖØ-Þ0-9][\w'’.&/-]*)(?=[ \t]*(?:[,.;:!?)\n]|[ \t][—–-][ \t]|$))"  # ("..., Luton LU4 8AW — she's")
)
_TAIL_PARTS = 4


def address_tail_end(text: str, end: int) -> int:
    """Where an address ending at ``end`` really ends once its locality parts are included (see ``_TAIL_PART``)."""
    for _ in range(_TAIL_PARTS):
        match = _TAIL_PART.match(text, end)
        if match is None or match.group("part").casefold() in COMMON_WORDS:
            break
        end = match.end("part")
    return end


_HEAD_WORD = re.compile(rf"(?i:(?<![\w])(?:{ADDRESS_WORDS})\.?)[ \t]*$")


def address_head_start(text: str, start: int) -> int:
    """An address word just before ``start`` ("Av. | Madero Poniente 1140", "вул. | Шевченка, 17") belongs to it."""
    match = _HEAD_WORD.search(text, max(0, start - 16), start)
    return match.start() if match else start


# --- the rest of an age or a date ---------------------------------------------------------------------------------
# A finding that holds only part of an age or a date leaves the rest readable: "[AGE] años", "thirty [five]",
# "[25]-26", "3 [de mayo de 1994]". These extend AGE and DOB findings (from any recognizer or the tagger) to the
# whole expression.
_AGE_REST = re.compile(
    rf"(?:ish\b|[ \t]*(?:[-–]|to|or|o|a)[ \t]*\d{{1,2}}(?![\d:.,]\d)(?:ish)?|[ -](?i:one|two|three|four|five|six|"
    rf"seven|eight|nine)\b|[ \t]*(?i:{AGE_UNITS})(?!\w)(?:[ \t]+\d{{1,2}}[ \t]*(?i:mos?|months?|meses|m)\b)?)",
)
_DATE_AROUND = re.compile(rf"{_MES}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|{_DATE}", re.IGNORECASE)


def age_end(text: str, end: int) -> int:
    """Where an age ending at ``end`` really ends: a unit, a range, the second word of "thirty five", "-ish"."""
    for _ in range(3):
        match = _AGE_REST.match(text, end)
        if match is None:
            break
        end = match.end()
    return end


def date_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole date around a DOB finding that holds part of one ("3 [de mayo de 1994]", "Hunyo 4[, 1996]")."""
    window = max(0, start - 20)
    for match in _DATE_AROUND.finditer(text, window, min(len(text), end + 20)):
        if match.start() < end and start < match.end():
            start, end = min(start, match.start()), max(end, match.end())
    return start, end
