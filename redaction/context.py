"""Second pass: PII that is only recognisable next to PII already found.

A bare number is an age when it stands beside a person ("Kayla Dunnigan 19", "Precious (17)", "Kofi Mensah (Ghana,
36)", "Tyjae (fifteen)"), and a second age follows a first ("is 14 not 17", "looks 14 or 15", "19 now, was 16").
These rules need every PERSON finding -- the model's as well as the rules' -- so they run after all recognizers, on
the same normalised text. They only ever add findings.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate

from redaction.alternation import by_first_letter
from redaction.findings import AGE, PERSON, Finding
from redaction.normalise import fold_accents
from redaction.vocabulary import AMBIGUOUS_FIRST_NAMES, COMMON_WORDS, places, word_names

# English and Spanish number words an age is written with ("she's sixteen", "tiene diecisiete").
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    "eighteen|nineteen|twenty(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|thirty|forty|fifty|sixty|"
    "uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|dieciséis|dieciseis|"
    "diecisiete|dieciocho|diecinueve|veinte|veintiuno|veintidós|veintidos|veintitrés|veintitres"
)
_N = rf"(?:\d{{1,2}}|(?i:{NUMBER_WORDS}))"
# Units that make a number an age, in several languages ("45세", "22 tuổi", "27 років", "17 سنة", Somali "15 sano",
# Hmong "14 xyoo").
AGE_UNITS = (
    r"(?:yo|y/o|y\.o\.?|yoa|yrs?\.?(?:\s*(?:old|young))?|years?(?:\s*(?:old|young))?|años|anos|ans|tuổi|세|살|岁|歲|лет|років|"
    r"роки|рокiв|jaar|lat|anyos|taong\s+gulang|tahun|thn|ปี|տարեկան|"
    r"سنة|سنوات|عاما|عامًا|နှစ်|sano|jir|xyoos?)"
)
# What may follow an age: the end, punctuation, a unit, or a word that cannot be a counted noun (never ":40" or
# ".5": a clock time or a decimal).
_AFTER_AGE = (
    rf"(?![:.]\d)(?=\s*(?:$|[,.;:!?)\]\n\t/&—–-]|(?i:{AGE_UNITS})(?!\w)|(?i:and|y|or|o|not|but|now|when|too|from|de|w/|with|"
    r"months?\s+pregnant|pregnant|female|male|F|M|yoF|yoM)\b|(?-i:[A-Z])))"
)
# Person, then the age: "Kayla Dunnigan 19,", "Precious (17)", "(son, 24)", "(Ghana, 36)", "(22, Moldova)",
# "Hiwot Tadesse<TAB>22", "Nevaeh Lott is seventeen", "Yesenia turns 16".
_AFTER_PERSON = re.compile(
    r"(?:'s|’s)?(?:"
    rf"\s*\(\s*(?:[^()\d\n]{{1,25}},\s*)?(?P<p>{_N})(?=\s*(?:{AGE_UNITS})?\s*[,)/])"
    rf"|\s*[,:\t—–-]\s*(?:(?:age|aged|approx|about|around|maybe|prob|like)\s+)?(?P<c>{_N}){_AFTER_AGE}"
    rf"|[ ]+(?P<s>\d{{1,2}}){_AFTER_AGE}"
    r"|\s+(?:is|was|turns|turned|just\s+turned|will\s+be|who\s+is|is\s+only|is\s+like|is\s+maybe|is\s+now|"
    rf"es|tiene)\s+(?:(?:only|like|maybe|about|around|now|barely|almost)\s+)?(?P<v>{_N}){_AFTER_AGE}"
    r")"
)
# A baby's or toddler's age in months, weeks or days set off after the person: "Precious, 4 months, dob ...",
# "Kaeden (3 weeks)", "sibling Zion - 9 mos." -- a count of months after a name and a comma is the age it says.
_INFANT_AFTER_PERSON = re.compile(
    r"(?:'s|’s)?\s*[,(:—–-]\s*(?P<i>\d{1,2}\s*(?:months?|mos?\.?|weeks?|wks?\.?|days?|meses|semanas)(?:\s+old)?)"
    r"(?=\s*(?:$|[,;:!?)\]\n/]|\.(?:\s|$)))",
    re.IGNORECASE,
)
# A further age after an age: "14 not 17", "14 or 15", "19 now but was 16", "14 maybe 15".
_AGE_CHAIN = re.compile(
    r"(?:\s*(?:now|today)?\s*(?:,|but|and|&|;)?\s*(?:not|or|maybe|o|ni|was|is|turns|turned|will\s+be|"
    rf"but\s+was|and\s+was|/|-|to)\s+(?:like\s+|maybe\s+|only\s+)?)(?P<n>{_N}){_AFTER_AGE}"
)
# An age without a person word beside it, but introduced by how it was judged: "looks 14", "maybe 16",
# "booking says 19", "says she's 13", "tengo catorce", "she's like 14".
_JUDGED = re.compile(
    r"\b(?:looks?(?:\s+like)?|looked(?:\s+like)?|seems?|seemed|appears?|prob(?:ably)?|maybe|barely|approx(?:imately)?|"
    r"says?|said|claims?|claimed|told\s+(?:us|her|him|them|me)|tengo|tiene|tenía|tenia|cumple|cumplió|"
    r"(?:she|he|they)(?:'s|’s|\s+is|\s+was|\s+are|\s+were|\s+said|\s+says)(?:\s+(?:like|only|maybe|barely|about|around|"
    r"almost|just|now))?|(?:she|he)\s+(?:turns|turned|just\s+turned))"
    rf"\s+(?:(?:like|only|maybe|about|around|almost|just)\s+)?(?P<n>{_N}){_AFTER_AGE}",
    re.IGNORECASE,
)
# Person words a "judged" number must sit near (within the same message) to count: without one, "maybe 15"
# is just as likely minutes or dollars.
PERSONISH = re.compile(
    r"\b"
    + by_first_letter(  # (tried by first letter, same matches: redaction/alternation.py)
        r"she|he|her|him|girl|boy|kid|child|minor|juvenile|teen|victim|client|woman|man|guy|daughter|son|"
        r"niña|niño|chica|chico|muchacha|ella|él|tengo|tiene|cumple|years?|yrs?|age|underage|young|younger|older|"
        r"booking|id|dob|birthday"
    )
    + r"\b",
    re.IGNORECASE,
)
_COUNTED = re.compile(
    r"\s*(?:min|mins|minutes|hours?|hrs?|days?|weeks?|wks?|months?|mos?|miles?|mi|am|pm|%|percent|x|times|people|"
    r"girls|boys|women|men|workers|kids|ads|victims|contacts|phones|cars|dollars|bucks|k|grand|rooms|beds|calls|"
    r"texts|pics|photos|nights|shifts|cases|counts|o'?clock)\b",
    re.IGNORECASE,
)


def ages_beside_people(text: str, findings: Iterable[Finding]) -> Iterator[Finding]:
    """AGE findings for numbers that stand beside a PERSON finding, chained ages, and judged ages."""
    ages: list[tuple[int, int]] = []
    for finding in findings:
        if finding.label == PERSON:
            match = _AFTER_PERSON.match(text, finding.end)
            if match is not None:
                group = next(g for g in ("p", "c", "s", "v") if match.group(g) is not None)
                if not _COUNTED.match(text, match.end(group)):
                    ages.append((match.start(group), match.end(group)))
            else:
                infant = _INFANT_AFTER_PERSON.match(text, finding.end)
                if infant is not None:
                    ages.append((infant.start("i"), infant.end("i")))
        elif finding.label == AGE:
            ages.append((finding.start, finding.end))
    if PERSONISH.search(text):
        for match in _JUDGED.finditer(text):
            if not _COUNTED.match(text, match.end("n")):
                ages.append((match.start("n"), match.end("n")))
    seen: set[tuple[int, int]] = set()
    pending = list(ages)
    while pending:
        start, end = pending.pop()
        if (start, end) in seen:
            continue
        seen.add((start, end))
        yield Finding(start, end, AGE, 0.7, "age_context")
        chained = _AGE_CHAIN.match(text, end)
        if chained is not None and not _COUNTED.match(text, chained.end("n")):
            pending.append((chained.start("n"), chained.end("n")))


# A name joined to a found name: "Yorbelis and Deivis", "Tyrell Simmons = Ghost", "Big Vic = Victor Okonkwo",
# "Tee is Tierra Lofton".
_CAP = r"[A-ZÀ-Þ][^\W\d_]{1,24}(?:-[A-ZÀ-Þ][^\W\d_]{1,24})?"
_JOINED_AFTER = re.compile(
    rf"[ \t]*(?:(?P<eq>=|→|->|\baka\b|\ba/k/a\b)|(?P<and>,|\band\b|&|\by\b|\bor\b))[ \t]*[\"“']?"
    rf"(?P<name>{_CAP}(?:[ \t]{_CAP}){{0,2}})"
)
_JOINED_BEFORE = re.compile(
    rf"(?<![\w-])(?P<name>{_CAP}(?:[ \t]{_CAP}){{0,2}})[\"”']?[ \t]*(?:(?P<eq>=|→|->|\bis\b)|(?P<and>\band\b|&|\by\b))[ \t]*$"
)


_JOINED_ENDINGS = ("=", "→", ">", "is", "and", "&", "y")  # what _JOINED_BEFORE's joiner ends with
# A nickname or alias set equal to a found name, in any case and even when it is an everyday word: "Daddy = Khalil
# Jenkins", "Star = Estrella Pacheco", "lil mama aka Destinee", "\"peaches\" is Makayla Strickland", "Coco's real
# name is Li Fang Zhou", "Mercedes is actually ...". One or two words (an initial with its period counts).
_NICK_WORD = r"[^\W\d_][^\W\d_'’.-]{0,20}\.?"
_NICK_BEFORE = re.compile(
    rf"(?:^|(?<=[\s,;:(\[—–-]))(?P<q>[\"“'])?(?P<name>{_NICK_WORD}(?:[ \t]{_NICK_WORD})?)[\"”']?[ \t]*"
    r"(?:=|\baka\b|\ba\.k\.a\.?|\ba/k/a\b|['’]s[ \t]+real[ \t]+name[ \t]+is\b|"
    r"(?<=[\"”'])[ \t]*is(?:[ \t]+(?:actually|really))?\b)[ \t]*$",
    re.IGNORECASE,
)
# "keke is Keyonna's nickname": the word before "is" when the found name is followed by its possessive nickname.
_NICKNAME_OF = re.compile(r"['’]s[ \t]+(?:nick[ \t]?name|street[ \t]+name|alias)\b", re.IGNORECASE)
_NICK_IS_BEFORE = re.compile(rf"(?:^|(?<=[\s,;:(]))(?P<name>{_NICK_WORD})[ \t]+is[ \t]+(?:also[ \t]+)?$")
# Two-word nicknames start with a nickname word ("lil mama", "Big Vic", "La Güera") or an initial ("j. whitfield").
_NICK_PREFIXES = frozenset("lil little big la el baby mama papa young yung lady don doña miss mr".split())
# Kin, roles and pronouns set equal to a name are descriptions, not nicknames ("uncle = Rafael", "V1 = ...").
_NOT_A_NICKNAME = frozenset(
    """
    she he it this that who what which there here her his they them we you i me my our their its the a an and or but
    so then also real name number phone one new old other older younger first second third last girl guy boy man
    woman kid victim client driver owner boss mom mother mum dad father daddy mama papa sister brother sis bro cousin
    aunt auntie uncle son daughter niece nephew husband wife bf gf boyfriend girlfriend grandma grandpa grandmother
    grandfather abuela abuelo tia tio tía tío primo prima hermano hermana novio novia esposo esposa jefe jefa
    encargado encargada patron patrón employer employee worker sponsor suspect defendant witness manager recruiter
    buyer john pimp madam landlord roommate friend neighbor neighbour coworker ele ela él ella il elle lui lei
    track ticket tip labor labour forced ingeniero licenciado licenciada doctor doctora señor señora mama-san
    captain skipper master bosun crewman crew cook chef foreman supervisor partner contact rep youngest oldest eldest
    middle nanny maid helper gangmaster mother-in-law
    """.split()
)


def _nickname(text: str, start: int, end: int, quoted: bool) -> bool:
    words = text[start:end].split()
    if any(word.casefold().strip(".'’") in _NOT_A_NICKNAME for word in words):
        return False
    first = words[0].casefold()
    return quoted or len(words) == 1 or first in _NICK_PREFIXES or (len(first) == 2 and first.endswith("."))
_GIVEN_BEFORE = re.compile(rf"(?<![\w-])(?P<name>{_CAP})[ \t]$")


def people_beside_people(
    text: str,
    findings: Iterable[Finding],
    is_name_word: Callable[[str], bool],
    is_given_name: Callable[[str], bool],
) -> Iterator[Finding]:
    """PERSON findings for capitalised words joined to a PERSON finding by "=", "aka", "and", "&", "is".

    After "="/"aka" any capitalised word that is not an everyday word is taken; after "and"/"&"/"," only words that
    ``is_name_word`` accepts (a lexicon name or an unknown word), so "Maria and Houston PD" stays readable.
    """
    people = [f for f in findings if f.label == PERSON]
    spans: set[tuple[int, int]] = set()
    coordinated: set[tuple[int, int]] = set()
    for finding in people:
        # The patterns below end right before the finding; a cheap look at what is there first skips most of them
        # (each search tries every position of its window: 35,000 findings cost seconds).
        spaced = finding.start > 0 and text[finding.start - 1] in " \t"
        previous = _GIVEN_BEFORE.search(text, max(0, finding.start - 30), finding.start) if spaced else None
        if previous is not None and is_given_name(previous.group("name")):
            # "Tyler Yazzie" where only "Yazzie" was found: a given name right before is part of the name
            spans.add((previous.start("name"), finding.end))
        after = _JOINED_AFTER.match(text, finding.end)
        if after is not None and (after.group("eq") or is_name_word(after.group("name").split()[0])):
            spans.add((after.start("name"), after.end("name")))
        floor = max(0, finding.start - 80)
        stop = finding.start
        while stop > floor and text[stop - 1] in " \t":
            stop -= 1
        joined = text.endswith(_JOINED_ENDINGS, floor, stop)
        before = _JOINED_BEFORE.search(text, floor, finding.start) if joined else None
        if before is not None:
            words = before.group("name").split()
            if not (before.group("eq") == "is" and len(words) > 1) and is_name_word(words[-1]):
                spans.add((before.start("name"), before.end("name")))
        if "=" in text[floor:stop] or stop - floor > 3:
            nick = _NICK_BEFORE.search(text, max(0, finding.start - 60), finding.start)
            if nick is not None and _nickname(text, nick.start("name"), nick.end("name"), bool(nick.group("q"))):
                spans.add((nick.start("name"), nick.end("name")))
        if _NICKNAME_OF.match(text, finding.end):
            nick = _NICK_IS_BEFORE.search(text, max(0, finding.start - 40), finding.start)
            if nick is not None and _nickname(text, nick.start("name"), nick.end("name"), False):
                spans.add((nick.start("name"), nick.end("name")))
        # a given name that is also a word or a place, coordinated with the found name: "Cheyenne and Dakota",
        # "Lovely or Sherline", "Kiana Roberts & Precious" (the found name says what the list is)
        if after is not None and after.group("and") in ("and", "or", "y"):
            if _coordinated_given(text, after.start("name"), after.end("name"), text[finding.start : finding.end]):
                coordinated.add((after.start("name"), after.end("name")))
        if spaced:
            before_or = _COORDINATED_BEFORE.search(text, max(0, finding.start - 30), finding.start)
            if before_or is not None and _coordinated_given(
                text, before_or.start("name"), before_or.end("name"), text[finding.start : finding.end]
            ):
                coordinated.add((before_or.start("name"), before_or.end("name")))
    spans -= {(f.start, f.end) for f in people}
    for start, end in sorted(spans):
        yield Finding(start, end, PERSON, 0.65, "name_joined")
    for start, end in sorted(coordinated - spans - {(f.start, f.end) for f in people}):
        yield Finding(start, end, PERSON, 0.65, "name_coordinated")


_COORDINATED_BEFORE = re.compile(rf"(?<![\w'’-])(?P<name>{_CAP})[ \t]+(?:and|or|y)[ \t]+$")
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:the|a|an|at|in|from|of|for|to|near|on|la|el|los|las)[ \t]+)$")


def _coordinated_given(text: str, start: int, end: int, partner: str) -> bool:
    """One title-case word that is a given name although also a word or a place ("Dakota", "Precious", "Faith"), and
    not the first word of a longer capitalised name, nor a month or weekday before a number ("May 5"), nor a thing
    after an article or a place preposition ("at Mercy and Dr. Lee"); a place only beside a partner that is no place
    ("Cheyenne and Dakota", not "Eugene and Salem" or "Austin and Charlotte" when one of them was taken for a name)."""
    word = text[start:end]
    if not word[:1].isupper() or not word[1:].islower() or len(word) < 3:
        return False
    key = fold_accents(word)
    if key in COMMON_WORDS or (key not in AMBIGUOUS_FIRST_NAMES and key not in word_names()):
        return False
    if key in places() and any(fold_accents(part) in places() for part in partner.split()):
        return False
    if re.match(r"[ \t]+(?:[A-ZÀ-Þ0-9]|[a-z]+s\b)|['’]s\b", text[end : end + 30]):
        return False  # "Hope House", "May 5", "Dakota counties": a name of something else
    return _ARTICLE_BEFORE.search(text, max(0, start - 8), start) is None


# A list of names: items of one to three capitalised words (quoted or not, an age after them allowed) separated by
# commas, semicolons, "and", "&" or "or" -- "names on the ads rotate: Tania, Bree, Coco, Jazmyn", "ledger: Marcus,
# Ransom, Tanya, \"Big Ray\", Dale", "ages: Rahima 17, Shirin 16, Sultana 19".
_LIST_WORD = r"[A-ZÀ-Þ](?:\.|[^\W\d_]*(?:['’-][^\W\d_]+)*)"  # a word, or an initial ("Z."): a full stop ends the list
_LIST_ITEM = rf"[\"“]?{_LIST_WORD}(?:[ \t]{_LIST_WORD}){{0,2}}[\"”]?(?:[ \t]\d{{1,2}}(?:\(\?\))?)?"
_LIST_SEPARATOR = r"(?:[ \t]*[,;][ \t]*(?:(?:and|or|&)[ \t]+)?|[ \t]+(?:and|or|&)[ \t]+)"
_NAME_LIST = re.compile(rf"(?<![\w'’-]){_LIST_ITEM}(?:{_LIST_SEPARATOR}{_LIST_ITEM}){{2,}}(?![\w'’-])")
_ITEM = re.compile(_LIST_ITEM)
_SEPARATOR = re.compile(_LIST_SEPARATOR)
_LOWER_WORD_AFTER = re.compile(r"[ \t]+([a-z][a-z'’-]*)")
_ITEM_WORDS = re.compile(_LIST_WORD)


def people_in_lists(
    text: str,
    findings: Iterable[Finding],
    is_place: Callable[[str, int, int], bool],
    is_given_name: Callable[[str], bool],
) -> Iterator[Finding]:
    """PERSON findings for the other members of a list most of whose members are found people: a list of three or
    more items (``_NAME_LIST``) at least two of which, and at least half, hold a PERSON finding. A member not found
    is taken when it is one or two title-case words that are no stop, chat, title, nationality or not-a-person word
    and no place but a given name -- the list says what it is: "Coco", "Lucky", "Dale" (also a town) are names here."""
    people = sorted((f.start, f.end) for f in findings if f.label == PERSON)
    if len(people) < 2:
        return
    starts = [start for start, _end in people]
    reach = list(accumulate((end for _start, end in people), max))  # the furthest end of the spans so far

    def holds_person(start: int, end: int) -> bool:
        before = bisect_left(starts, end)  # the spans that start before the item ends
        return before > 0 and reach[before - 1] > start

    for match in _NAME_LIST.finditer(text):
        items = []
        pos = match.start()
        while pos < match.end():
            item = _ITEM.match(text, pos)
            if item is None:
                break
            items.append((item.start(), item.end()))
            separator = _SEPARATOR.match(text, item.end())
            if separator is None:
                break
            pos = separator.end()
        found = [holds_person(start, end) for start, end in items]
        if len(items) < 3 or sum(found) < 2 or 2 * sum(found) < len(items):
            continue
        for (start, end), is_found in zip(items, found, strict=True):
            if is_found:
                continue
            words = _ITEM_WORDS.findall(text, start, end)
            if not 1 <= len(words) <= 2 or any(
                word.isupper() and len(word) > 1 for word in words
            ):  # an acronym or a line in capitals: the list is not only names
                continue
            if any(word.rstrip(".").casefold() in COMMON_WORDS for word in words):
                continue
            following = _LOWER_WORD_AFTER.match(text, end)
            if following is not None and following.group(1) not in COMMON_WORDS:
                continue  # "... and Mesa PDs", "Lawrence counties", "Dutch accent": a noun's modifier, no name
            name = _ITEM_WORDS.search(text, start, end)
            assert name is not None
            last = name.end() if len(words) == 1 else _ITEM_WORDS.search(text, name.end(), end).end()  # type: ignore[union-attr]
            if is_place(text, name.start(), last) and not (len(words) == 1 and is_given_name(words[0])):
                continue  # "Chandler, Gilbert and Mesa": a place, unless a given name ("Dale")
            yield Finding(name.start(), last, PERSON, 0.65, "name_list")
