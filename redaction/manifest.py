"""Names written the way airline and crew manifests write them, found without a model.

A passenger record (PNR) writes a name ``SURNAME/GIVEN`` in capitals, often with a title after it
(``BOUCHARD/ELODIE MS``, ``DE LA CRUZ/ANA MARIA MRS``, ``NGUYEN/VAN-AN MSTR``); a crew or passenger list writes
``SURNAME, Given``. The layout is the evidence when no model finds either half, but a slash also joins acronyms
("HSI/FBI"), route codes ("JFK/LAX"), states ("TX/OK"), units and words ("and/or", "N/A", "km/h", "24/7"). So a
slash name is taken when a title follows it, or when the message speaks of a manifest, passengers or crew, or when it
lists two or more of them; and never when a half is an everyday word, has no vowel, or both halves are three letters
or fewer. The comma form is taken only in a crew or passenger context. Words are bounded (30 letters, three words a
side) and nothing repeats inside a repetition, so the scan is linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from redaction.findings import PERSON, Finding
from redaction.normalise import fold_accents
from redaction.vocabulary import COMMON_WORDS, everyday_or_inflected, first_names, last_names, listed_places

_WORD = r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_])){0,29}"
# (a given name stops before the surname of the next name on the line: "CRUZ/ANA CRUZ MORA/LUZ" is two names)
_SLASH_NAME = re.compile(
    rf"(?<![\w/@.:-])(?P<sur>{_WORD}(?:[ ]{_WORD}){{0,2}})/(?P<given>{_WORD}(?:[ ]{{1,2}}(?!{_WORD}(?:[ ]{_WORD})?/){_WORD}){{0,3}})(?![\w/]|/\w)"
)
_TITLES = frozenset("mr mrs ms mstr miss chd inf dr mx mme mlle sr sra".split())
# words of a manifest line that are not part of a name: "PAX BOUCHARD/ELODIE MS SEAT 14C"
_LINE_WORDS = frozenset(
    "pax passenger passengers pasajero pasajera passager passagère crew seat cabin deck pnr flt flight row gate zone "
    "group class bag bags ticket tkt etkt doc docs dob nat pp ppt passport name names list manifest and or y et "
    "adt adult child infant".split()
)
# particles of a surname written first, kept even though they are short everyday words elsewhere
_PARTICLES = frozenset(
    "de la del da das do dos di du le van von der den ter al el bin ben abu ibn st".split()
)
_CONTEXT = re.compile(
    r"(?i:\b(?:manifests?|passengers?|pax|crew(?:\s+list)?|pnr|boarding|seat|flt|flights?|itinerar(?:y|ies)|"
    r"bookings?|e-?tickets?|apis|check-?in|cabin|roster|airlines?|carrier|charter|vessel|ship|"
    r"pasajer[oa]s?|tripulaci[óo]n|vuelo|passag(?:er|ère)s?|équipage|passageiros?|tripula[çc][ãa]o)\b)"
)
# "crew list says RAMPERSAD, Anil": a capitalised surname, a comma, a given name, in a crew or passenger context
_COMMA_NAME = re.compile(
    rf"(?<![\w,/-])(?P<sur>{_WORD}(?:[ -]{_WORD})?),[ ]?(?P<given>{_WORD}(?:[ ]{_WORD}){{0,2}})(?=[ \t]*(?:[,;.|()\n]|$))"
)
_LIST_CONTEXT = re.compile(
    r"(?i:\b(?:manifests?|passengers?|pax|crew|roster|pasajer[oa]s?|tripulaci[óo]n|passag(?:er|ère)s?|équipage)\b)"
)
_LETTER_SLASH_LETTER = re.compile(r"[^\W\d_]/[^\W\d_]")
_VOWELS = frozenset("aeiouy")


def _caps(word: str) -> bool:
    return word.isupper()


def _title_case(word: str) -> bool:
    return word[0].isupper() and not word[1:].isupper() and word[1:] == word[1:].lower()


def _plain(word: str) -> bool:
    """A word that can be part of a name: not an everyday word, with a vowel (not "DHS", "CBP")."""
    key = fold_accents(word.casefold())
    return (
        key not in COMMON_WORDS
        and key not in _LINE_WORDS
        and key not in _TITLES
        and any(ch in _VOWELS for ch in key)
    )


def _everyday(word: str) -> bool:
    key = fold_accents(word.casefold())
    return everyday_or_inflected(key) and key not in first_names() and key not in last_names()


def _letters(words: list[str]) -> int:
    return sum(ch.isalpha() for word in words for ch in word)


def _slash_names(text: str) -> Iterator[tuple[int, int, bool, bool]]:
    """(start, end, capitals, titled) of each well-formed slash name: the same case on both sides of the slash."""
    for match in _SLASH_NAME.finditer(text):
        sur_words = match.group("sur").split(" ")
        caps = _caps(sur_words[-1])
        same = _caps if caps else _title_case
        if not caps and not _title_case(sur_words[-1]):
            continue
        # the surname: the words of the same case right before the slash, not a line word ("PAX BOUCHARD/ELODIE")
        kept = 1
        while kept < len(sur_words):
            word = sur_words[-kept - 1]
            if not same(word) and word.casefold() not in _PARTICLES:
                break
            if word.casefold() in _LINE_WORDS or (
                word.casefold() in COMMON_WORDS and word.casefold() not in _PARTICLES
            ):
                break
            kept += 1
        surname = sur_words[-kept:]
        while surname and surname[0].casefold() in _PARTICLES and len(surname) > 1 and not same(surname[0]):
            surname = surname[1:]
        given_words = match.group("given").split()
        given: list[str] = []
        titled = False
        for word in given_words:
            if word.casefold() in _TITLES and given:
                titled = True
                break
            if not same(word) or word.casefold() in _LINE_WORDS:
                break
            given.append(word)
        if not given or not _plain(surname[-1]) or not all(_plain(word) for word in given):
            continue
        if _letters(surname) < 2 or _letters(given) < 2:
            continue
        if not titled and _letters(surname) <= 3 and _letters(given) <= 3:
            continue  # "HSI/FBI", "JFK/LAX", "TX/OK"
        if not titled and all(_everyday(word) for word in surname + given):
            continue  # "READ/WRITE", "OPEN/CLOSED" (but "BROWN/ROSE": a name of the lexicon)
        start = match.end("sur") - len(" ".join(surname))
        end = match.start("given") + _given_end(match.group("given"), len(given))
        yield start, end, caps, titled


def _given_end(given: str, words: int) -> int:
    """The offset in ``given`` after its first ``words`` words (the words may be separated by one or two spaces)."""
    spans = [found.end() for found in re.finditer(r"\S+", given)]
    return spans[words - 1]


def find_manifest_names(text: str) -> Iterator[Finding]:
    """Passenger and crew names written ``SURNAME/GIVEN`` (with a title, in a manifest context or a list of them)
    and ``SURNAME, Given`` in a crew or passenger list."""
    if _LETTER_SLASH_LETTER.search(text) is not None:
        names = list(_slash_names(text))
        context = _CONTEXT.search(text) is not None
        listed = sum(caps for _start, _end, caps, _titled in names) >= 2
        for start, end, caps, titled in names:
            if (caps and (titled or context or listed)) or (not caps and titled and context):
                yield Finding(start, end, PERSON, 0.8, "manifest_name")
    if "," in text and _LIST_CONTEXT.search(text) is not None:
        for match in _COMMA_NAME.finditer(text):
            sur_words = match.group("sur").split(" ")
            if len(sur_words) == 2 and _caps(sur_words[1]) and not _caps(sur_words[0]):
                sur_words = sur_words[1:]  # "says RAMPERSAD, Anil": the surname is the word in capitals
            given = match.group("given").split(" ")
            if not all(_caps(word) for word in sur_words) or _letters(sur_words) < 3:
                continue
            if not (all(_title_case(word) for word in given) or all(_caps(word) for word in given)):
                continue
            words = sur_words + given
            if not all(_plain(word) for word in words) or _letters(given) < 2:
                continue
            if any(fold_accents(word.casefold()) in listed_places() for word in words):
                continue  # "HOUSTON, Texas"
            start = match.end("sur") - len(" ".join(sur_words))
            yield Finding(start, match.end(), PERSON, 0.8, "manifest_name")
