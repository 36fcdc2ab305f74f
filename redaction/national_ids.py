"""National identity numbers of many countries, one table: the cue words of each country (in its own language and
in English) and the python-stdnum module that validates its number. Labelled SSN, like every national ID.

A number near a country's cue is that country's ID when python-stdnum validates it. Right after the cue (the same
clause, within ``_CLOSE`` characters) a number of the exact layout whose only fault is its check digit is taken too:
numbers are often copied with a typo, and the cue says what it is. The cues are searched with one regular
expression (one named group per country), so a message without any costs one scan; no nested unbounded repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum.bg import egn
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.ch import ssn as ch_ssn
from stdnum.cu import ni as cu_ni
from stdnum.cz import rc as cz_rc
from stdnum.dk import cpr
from stdnum.do import cedula as do_cedula
from stdnum.ec import ci as ec_ci
from stdnum.ee import ik as ee_ik
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.fi import hetu
from stdnum.fr import nir
from stdnum.gr import amka
from stdnum.hr import oib
from stdnum.id import nik
from stdnum.ie import pps
from stdnum.il import idnr as il_idnr
from stdnum.is_ import kennitala
from stdnum.it import codicefiscale
from stdnum.jp import in_ as jp_in
from stdnum.lt import asmens
from stdnum.md import idno
from stdnum.mx import curp
from stdnum.my import nric
from stdnum.no import fodselsnummer
from stdnum.pl import pesel
from stdnum.pt import cc as pt_cc
from stdnum.ro import cnp
from stdnum.ru import inn
from stdnum.se import personnummer
from stdnum.si import emso
from stdnum.th import pin as th_pin
from stdnum.tr import tckimlik
from stdnum.ua import rntrc

from redaction.findings import SSN, Finding

# "<demonym> ... ID": the country named in English before an ID word ("turkish nat'l ID", "Cuban identity card")
_ID_WORD = (
    r"[^\n.;:]{0,24}?\b(?:id|ids|identity|identification|nat(?:iona)?['’]?l(?:ity)?|citizen\w*|personal)\b"
)


def _named(demonym: str) -> str:
    return rf"\b(?:{demonym})\b{_ID_WORD}"


def _iran_code_ok(value: str) -> bool:
    """Iran's national code (کد ملی): ten digits, the last a mod-11 check of the first nine."""
    digits = re.sub(r"[ .-]", "", value)
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    rest = sum(int(digit) * (10 - i) for i, digit in enumerate(digits[:9])) % 11
    return int(digits[9]) == (rest if rest < 2 else 11 - rest)


def _qid_shape(value: str) -> bool:
    """Qatar's QID: eleven digits, the first 2 or 3 (the century of birth); python-stdnum has no module for it."""
    digits = re.sub(r"[ .-]", "", value)
    return len(digits) == 11 and digits.isdigit() and digits[0] in "23"


def _taiwan_id_shape(value: str) -> bool:
    """Taiwan's national ID: a letter (the place of first registration), 1 or 2 (the sex) and eight digits, the last a
    check digit -- taken by its layout after its cue (written with a typo as often as not), python-stdnum has none."""
    return re.fullmatch(r"[A-Z][12]\d{8}", value.strip()) is not None


# country: (cue regex, validators). Each validator is a python-stdnum module (validate/is_valid) or a function.
_Check = ModuleType | Callable[[str], bool]
_TABLE: dict[str, tuple[str, tuple[_Check, ...]]] = {
    "tr": (
        r"t\.?\s?c\.?\s+kimlik|kimlik\s+(?:no|numaras[ıi])|tckn|n[üu]fus\s+c[üu]zdan[ıi]|"
        + _named(r"turk(?:ish|ey)|t[üu]rkiye"),
        (tckimlik,),
    ),
    "cu": (
        r"carn[eé]t?\s+de\s+identidad|n[úu]mero\s+de\s+identidad\s+permanente|" + _named("cuban?"),
        (cu_ni,),
    ),
    "br": (r"cpf|cadastro\s+de\s+pessoas?\s+f[íi]sicas?|" + _named("brazil(?:ian)?"), (cpf,)),
    "mx": (r"curp|" + _named("mexic(?:an|o)"), (curp,)),
    "md": (r"idnp|idno|buletin(?:ul)?\s+de\s+identitate|" + _named("moldov(?:an|a)"), (idno,)),
    "ro": (r"cnp|cod\s+numeric\s+personal|" + _named("romanian?"), (cnp,)),
    "bg": (r"egn|егн|единен\s+граждански\s+номер|лична\s+карта|" + _named("bulgari(?:an|a)"), (egn,)),
    "ua": (
        r"рнокпп|іпн|ідентифікаційн\w{0,4}\s+(?:код|номер)|податков\w{0,4}\s+номер|"
        + _named("ukrain(?:ian|e)"),
        (rntrc,),
    ),
    "ru": (r"инн|" + _named("russian?"), (inn,)),
    "il": (r"teudat\s+zehut|תעודת\s+זהות|ת\.ז|" + _named("israeli?"), (il_idnr,)),
    # a cédula of Ecuador or the Dominican Republic (other countries' cédulas have no check digit)
    "ced": (r"c[ée]dula(?:\s+de\s+identidad)?|" + _named("ecuador(?:ian)?|dominican"), (ec_ci, do_cedula)),
    "es": (r"dni|nie|documento\s+nacional\s+de\s+identidad|" + _named("spanish|spain"), (es_dni, es_nie)),
    "pt": (r"cart[ãa]o\s+de\s+cidad[ãa]o|" + _named("portuguese|portugal"), (pt_cc,)),
    "it": (r"codice\s+fiscale|" + _named("italian|italy"), (codicefiscale,)),
    "gr": (r"amka|αμκα|" + _named("greek|greece"), (amka,)),
    "hr": (r"(?-i:OIB)|" + _named("croatian?"), (oib,)),
    "si": (r"em[šs]o|" + _named("sloven(?:ian|e|ia)"), (emso,)),
    "cz": (r"rodn[ée]\s+[čc][íi]slo|" + _named("czech|slovak"), (cz_rc,)),
    "pl": (r"pesel|" + _named("polish|poland"), (pesel,)),
    "ee": (r"isikukood|" + _named("estonian?"), (ee_ik,)),
    "lt": (r"asmens\s+kodas|" + _named("lithuanian?"), (asmens,)),
    "fi": (r"henkil[öo]tunnus|hetu|" + _named("finnish|finland"), (hetu,)),
    "se": (r"personnummer|" + _named("swedish|sweden"), (personnummer,)),
    "no": (r"f[øo]dselsnummer|" + _named("norwegian|norway"), (fodselsnummer,)),
    "dk": (r"(?-i:CPR)|cpr[- ]nummer|" + _named("danish|denmark"), (cpr,)),
    "is": (r"kennitala|" + _named("icelandic|iceland"), (kennitala,)),
    "fr": (
        r"(?-i:NIR)|num[ée]ro\s+de\s+s[ée]curit[ée]\s+sociale|carte\s+vitale|" + _named("french|france"),
        (nir,),
    ),
    "ie": (r"ppsn?|personal\s+public\s+service|" + _named("irish|ireland"), (pps,)),
    "ch": (r"(?-i:AHV|AVS)|" + _named("swiss"), (ch_ssn,)),
    "th": (r"บัตรประชาชน|เลขประจำตัวประชาชน|" + _named("thai(?:land)?"), (th_pin,)),
    "my": (r"nric|mykad|kad\s+pengenalan|" + _named("malaysian?"), (nric,)),
    "jp": (r"my\s+number|マイナンバー|個人番号|" + _named("japanese|japan"), (jp_in,)),
    "ca": (r"(?-i:SIN)|social\s+insurance|" + _named("canadian|canada"), (sin,)),
    "id": (r"(?-i:NIK|KTP)|nomor\s+induk\s+kependudukan|" + _named("indonesian?"), (nik,)),
    "ir": (
        r"کد\s?ملی|کد\s?ملي|شماره\s+ملی|code\s+melli|melli\s+code|" + _named("iranian|iran"),
        (_iran_code_ok,),
    ),
    "qa": (r"(?-i:QID)|" + _named("qatari?"), (_qid_shape,)),
    "tw": (r"身分證|身份證|國民身分證|" + _named(r"taiwan(?:ese)?"), (_taiwan_id_shape,)),
}
# (the word start is checked once for all countries: written in each country's group, it was tried 40 times at every
# character, 2.8x the scan's time)
_CUES = re.compile(
    r"(?<!\w)(?:"
    + "|".join(rf"(?P<{country}>(?:{cue})(?!\w))" for country, (cue, _checks) in _TABLE.items())
    + ")",
    re.IGNORECASE,
)
# a number with the separators people type, or a compact run of letters and digits (codice fiscale, DNI, NIE)
_TOKEN = re.compile(r"(?<![\w.+/-])(?:[A-Za-z]?\d[\d .-]{4,22}\d[A-Za-z]?|[A-Za-z0-9]{8,20})(?![\w-]|\.\d)")
# a phone word right before a number makes it a phone ("cédula pending, her cel 809-...")
_PHONE_WORD = re.compile(
    r"(?i:\b(?:phone|tel|cell|cel|mobile|m[óo]vil|celular|tel[ée]fono|telefone|whats\s?app|call|text|номер\s+телефону?)\b)"
)
_SIX_DIGITS = re.compile(r"\d(?:[ .-]?\d){5}|\d\d[A-Za-z]\d\d[A-Za-z]\d{3}")  # (or a codice fiscale's tail)
_BEFORE = 60  # a number may come a little before its cue: "31824567092 (TC kimlik is 11 digits)"
_AFTER = 90
_CLOSE = 40  # right after the cue a checksum typo is forgiven


def _layout(value: str) -> list[int]:
    return [len(group) for group in re.findall(r"[A-Za-z0-9]+", value)]


def _check(validator: _Check, value: str, close: bool) -> bool:
    if not isinstance(validator, ModuleType):
        return validator(value)
    try:
        validator.validate(value)
        groups = _layout(value)
        if len(groups) > 1 and hasattr(validator, "format") and _layout(validator.format(value)) != groups:
            return False  # "0414-552-8107" near "cédula" is a phone: a Dominican cédula is written 3-7-1
    except stdnum_errors.InvalidChecksum:
        return close  # the right layout with a typo in the check digit, right after its cue
    except Exception:  # any other failure of a third-party validator means "not this country's number"
        return False
    return True


def _candidates(token: re.Match[str]) -> Iterator[tuple[int, int]]:
    """The token whole, then its first group alone ("92041508733 15 04" is a number and a date)."""
    value = token.group(0).rstrip(" .-")
    yield token.start(), token.start() + len(value)
    first = re.match(r"[A-Za-z0-9]+", value)
    if first is not None and first.end() < len(value):
        yield token.start(), token.start() + first.end()


def _cues_near_numbers(text: str) -> Iterator[re.Match[str]]:
    """The cues within reach of a number with six digits or more: the cue scan runs on those stretches only."""
    windows: list[list[int]] = []
    for number in _SIX_DIGITS.finditer(text):
        start, end = max(0, number.start() - _AFTER - 60), min(len(text), number.end() + _BEFORE + 60)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    for start, end in windows:
        yield from _CUES.finditer(text, start, end)


def find_table_national_ids(text: str) -> Iterator[Finding]:
    """National identity numbers validated by their country's checksum near a cue in its language (TC kimlik,
    carnet de identidad, ЕГН, کد ملی, ...)."""
    if _SIX_DIGITS.search(text) is None:
        return  # every number of the table has six digits or more: most messages end here, before the cue scan
    seen: set[tuple[str, int, bool]] = set()  # a number between two cues of one country is checked once
    for cue in _cues_near_numbers(text):
        country = cue.lastgroup
        if country is None:
            continue
        checks = _TABLE[country][1]
        for token in _TOKEN.finditer(text, max(0, cue.start() - _BEFORE), min(len(text), cue.end() + _AFTER)):
            if token.start() < cue.end() and token.end() > cue.start():
                continue  # the cue itself
            if sum(ch.isdigit() for ch in token.group(0)) < 6:
                continue
            close = (
                cue.end() <= token.start() <= cue.end() + _CLOSE
                and "\n" not in text[cue.end() : token.start()]
            )
            if (country, token.start(), close) in seen or _PHONE_WORD.search(
                text, max(0, token.start() - 30), token.start()
            ):
                continue
            seen.add((country, token.start(), close))
            for start, end in _candidates(token):
                if any(_check(check, text[start:end], close) for check in checks):
                    yield Finding(start, end, SSN, 0.85, "national_id_table")
                    break
