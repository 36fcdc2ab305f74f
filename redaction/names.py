"""Person names: what the model finds, plus what tired people type that the model misses.

The small English model finds "Maria Lopez" but not "maria lopez", "MARIA LOPEZ" or "goes by candy". Three rules
cover those: a name lexicon (any case), cue words that introduce a name ("named", "goes by", "her name is",
"client", "victim"), and the deny-list of known aliases held as keyed hashes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

from spacy.lang.en.stop_words import STOP_WORDS

from redaction.alternation import by_first_letter
from redaction.context import NUMBER_WORDS
from redaction.findings import PERSON, Finding
from redaction.normalise import fold_accents, normalise_alias
from redaction.transliterate import same_name
from redaction.vocabulary import (
    AMBIGUOUS_FIRST_NAMES,
    COMMON_SUFFIXES,
    COMMON_WORDS,
    NOT_A_PERSON,
    US_STATE_CODES,
    everyday_or_inflected,
    everyday_words,
    extra_first_names,
    first_names,
    last_names,
    places,
    solo_last_names,
    towns,
    word_names,
)

# A word; a possessive "'s" is not part of it ("Maria's" -> "Maria"), "O'Neil" and "Ana-Maria" are one word.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*")
# Only spaces (not punctuation or a new line) may sit between the parts of one name.
_GAP = re.compile(r"[ \t]{1,3}")

_STRONG_CUE = re.compile(
    r"\b"
    + by_first_letter(
        r"named|name\s+is|name's|name’s|name\s+was|names?\s*:|goes\s+by|go\s+by|went\s+by|going\s+by|aka|"
        r"a\.k\.a\.?|a/k/a|known\s+as|calls\s+(?:herself|himself|themself|themselves)|nicknamed|nickname\s+is|"
        r"nickname:|alias|se\s+llama|llamada|llamado"
    )
    + r"\s*[:\-]?\s*[\"'“‘]?",
    re.IGNORECASE,
)
# What someone is called, before a capitalised name only ("her old street name anymore" is no name): "street name Roy
# Boy", "she knew as Ty", "everybody called him Boss Man", "just call me T-Baby".
_NICKNAME_CUE = re.compile(
    r"\b"
    + by_first_letter(
        r"street\s+names?(?:\s+is)?|knew\s+(?:him\s+|her\s+|them\s+)?as|know\s+(?:him\s+|her\s+|them\s+)?as|"
        r"knows\s+(?:him\s+|her\s+|them\s+)?as|just\s+call\s+me|call\s+me|"
        + "|".join(
            rf"{who}\s+call(?:s|ed)?(?:\s+(?:him|her|them))?"
            for who in (r"everybody", r"everyone", r"people", r"they", r"the\s+girls", r"the\s+guys")
        )
    )
    + r"\s*[:\-]?\s*[\"'“‘]?",
    re.IGNORECASE,
)
# Someone saying who they are, at the start of a message, a line or a quote ("hey miss its me Nay Nay", "hi it's
# Charmaine", "this is Tay from the group home"; "I'm Dez, I'm 31"): a capitalised name after it (a greeting or "hey
# miss" may come first). "I'm" also opens "I'm Fine", so only a capitalised word that is no everyday word counts there.
_SELF_CUE = re.compile(
    r"(?:^|(?<=[\n\"“:]))[ \t]*(?:(?i:hey|hi|hello|hola|yo|ok|okay)[ \t,]+(?:(?i:miss|ms|mr|sir|maam|ma'am)[ \t,]+)?)?"
    r"(?i:it'?s[ \t]+me|it’s[ \t]+me|this[ \t]+is|it'?s|it’s|soy)[ \t,]+"
)
_SELF_WEAK_CUE = re.compile(r"(?:^|(?<=[\n\"“:.!?]))[ \t]*(?:I'?m|I’m|I[ \t]+am)[ \t]+(?=[A-ZÀ-Þ][^\W\d_]+[ \t]*,)")
_WEAK_CUE = re.compile(
    r"\b"
    + by_first_letter(  # (the same words, tried by their first letter: redaction/alternation.py)
        r"client|victim|survivor|vic|minor|juvenile|suspect|trafficker|pimp|boyfriend|girlfriend|bf|gf|mother|"
        r"mom|father|dad|sister|brother|cousin|aunt|uncle|daughter|son|mr|mrs|ms|miss|dr|witness|"
        r"spoke\s+(?:to|with)|talked\s+(?:to|with)|met\s+with|interviewed|"
        # subpoena returns, card and wire slips, records: "sender X", "name on card X", "comes back to X"
        r"sender|receiver|recipient|beneficiary|payee|remitter|cardholder|card\s*holder|account\s+holder|holder|"
        r"subscriber|registrant|registered\s+(?:owner|to)|returns\s+to|comes?\s+back\s+to|came\s+back\s+to|"
        r"rented\s+by|leased\s+(?:to|by)|sent\s+to|paid\s+to|name\s+on\s+(?:the\s+)?(?:card|account|lease|id)|"
        r"inmate|defendant|passenger|missing|runaway|titular|beneficiario|remitente|destinatario|"
        # "the girls call her Ehis", "everybody calls him Shawny"
        r"call(?:s|ed)?\s+(?:her|him)|le\s+dicen|la\s+llaman|lo\s+llaman|"
        # a person noun and a colon: "the Standing Rock girl: Anpo Whitebull", "older one: Kiana"
        + "|".join(
            rf"{noun}\s*:(?=\s)"
            for noun in "girl|boy|kid|child|teen|youth|woman|man|guy|female|male|one|lady|sibling|twin".split(
                "|"
            )
        )
    )
    + r"\s*[:\-]?\s+",
    re.IGNORECASE,
)

# Record and form labels at the start of a line or cell ("Guest: Rhiannon McAllister", "Nom: ...", "pax: ..."),
# and victim or subject codes set equal to a name ("V1 = Grâce Mbuyi Kalala", "T2 Prasert Wongsa 37").
_LABEL_CUE = re.compile(
    r"(?:^|(?<=[\n|•;\t]))[ \t]*(?:guest|pax|passenger|youth|nom|nombre|nome|pr[ée]nom|full[ \t]+name|"
    r"legal[ \t]+name|(?:alleged[ \t]+)?exploiter|employer|tenant|occupant|caller|applicant|student|guardian|"
    r"parent|child|worker|employee|resident|subject|target|contact|emergency[ \t]+contact|father|mother|wife|"
    r"husband|spouse|partner|pt|patient|madam|recruiter|agent|sponsor|owner)[ \t]*(?:name)?[ \t]*[:=][ \t]*"
    r"|(?<![\w/#-])(?:[VTSWJ]|CW|CI)\d{1,2}[ \t]*[=:–—][ \t]*|(?:^|(?<=\n))[ \t]*[VTS]\d{1,2}[ \t]+",
    re.IGNORECASE,
)
# Honorifics written after a given name ("Nasrin apa", "Ram dai", "Harjinder ji", "Dilnoza opa"): the word before is
# the name (lower-case honorifics only: "San Antonio" is a place).
_HONORIFIC_AFTER = re.compile(
    r"(?<![\w'’-])(?P<n>[A-ZÀ-Þ][^\W\d_]{1,20})[ \t]+(?:apa|opa|dai|didi|bhai|bhaiya|ji|jee|sahab|sahib|saheb|baji|"
    r"bibi|begum|khanum|hanim|hanım|bey|ssi|nim|ustaz|ate|kuya|akka|anna|amma)(?![\w-])"
    # Devanagari and Cyrillic: "रमेश भाई", "सुनिता दिदीले", "Дильноза опа"
    r"|(?P<d>[\u0900-\u0963\u0966-\u097f]{2,20})[ \t]+(?:भाई|भाइ|दिदी|दिदीले|दीदी|दाइ|दाइले|दाई|जी|बहिनी|साहब|साहेब)"
    r"(?![\u0900-\u097f])|(?P<c>[А-ЯЁІЇЄҐ][а-яёіїєґʼ'-]{1,20})[ \t]+(?:опа|апа|ака|ханум|бей)(?![\w-])"
)

# Words before a name that are not names themselves but could precede a place or an agency: the name after them must
# be a lexicon name or an unknown word, and is dropped when it is a place ("w/ Ruslana", "husband Yonas", not
# "with Houston PD").
_SOFT_CUE = re.compile(
    r"(?<![\w/])"
    + by_first_letter(
        r"w/|with|for|vs\.?|versus|against|ask\s+for|husband|wife|grandma|grandmother|grandpa|grandfather|"
        r"abuela|abuelo|auntie|stepdad|stepmom|stepfather|stepmother|niece|nephew|roommate|friend|manager|boss|employer|"
        r"recruiter|buyer|john|madam|driver|landlord|landlady|pt|patient|defendant|contractor|owner|encargado|encargada|"
        r"señora|senora|señor|senor|sr|sra|doña|dona|didi|bhai|baba|tía|tia|tío|tio"
    )
    + r"\.?[ \t]+",
    re.IGNORECASE,
)
# Nicknames made with a prefix word, masked whole: "El Güero", "Big Vic", "Mama Joy", "Lil Dre".
_NICK_PREFIX = re.compile(
    r"\b(?:El|La|Big|Lil|Little|Mama|Papa|Baby|Yung|Young|Lady|Don|Doña)[ \t]+"
    r"(?P<w>[A-ZÀ-Þ][^\W\d_]{1,20}(?:-[A-ZÀ-Þ][^\W\d_]{1,20})?)(?![\w-])"
)
# A person's two initials, dotted ("A.T.", "S.O.", "K. R."): a minor or plaintiff named by initials is still the
# person. Not a state, province or country code ("N.D.", "B.C.", "D.C."), no common dotted abbreviation ("P.O.",
# "I.D.", "E.R."), not a court's district before its state ("S.D. Tex."), a time ("9 A.M."), a citation before a year or
# a section ("A.G. 2018", "C.R.S. 18-3-504"), and not after an article or a place preposition ("in the D.R.").
_INITIALS = re.compile(
    r"(?<![\w.&/-])(?P<a>[A-Z])\.[ \t]?(?P<b>[A-Z])\.(?![\w&/-]|[ \t]?[A-Z]\.)"
    r"(?![ \t]*(?:[A-Z][a-z]{1,4}\.|Box\b|§|\d{4}\b|\d+[-.:]\d))"
)
_NOT_INITIALS = frozenset(
    """
    us uk eu un po ad bc dc da pd er id ok tv hr ps pi co gm rn vp qa it nb rp md do ot pt st jr sr rv ac lp
    ms mr mt ft ny la sf ca ie eg ss cc bs ma ba ph mp
    """.split()
)
_NOT_BEFORE_INITIALS = re.compile(r"(?i:\b(?:the|in|from|to|at|via|into|near|of the))[ \t]+$")
# The same person's name in two scripts, one in brackets after the other ("Baek Young-sook (백영숙)", "Олена Коваленко
# (Olena Kovalenko)") when neither was found: up to four capitalised Latin words next to one to four words of one
# other script (two to six characters of an unspaced one).
_OTHER_LETTERS = (
    "\u0370-\u03ff\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u0dff\u0e00-\u0eff"
    "\u1000-\u109f\u10a0-\u10ff\u1200-\u137f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
)
_OTHER_WORD = rf"[{_OTHER_LETTERS}][{_OTHER_LETTERS}\u0300-\u036f\u064b-\u065f\u0670'’-]*"
_OTHER_LETTER = re.compile(f"[{_OTHER_LETTERS}]")  # compiled once: checked on every message with a bracket
_LATIN_WORD = r"[A-ZÀ-Þ][a-zß-ÿ]*(?:['’-][A-Za-zß-ÿ]+)*"
_BESIDE_OTHER = re.compile(
    rf"(?<![\w'’-])(?P<l>{_LATIN_WORD}(?:[ \t]{_LATIN_WORD}){{0,3}})[ \t]*[(（](?P<o>{_OTHER_WORD}(?:[ \t]{_OTHER_WORD}){{0,3}})[)）]"
    rf"|(?<![\w'’-])(?P<o2>{_OTHER_WORD}(?:[ \t]{_OTHER_WORD}){{0,3}})[ \t]*[(（](?P<l2>{_LATIN_WORD}(?:[ \t]{_LATIN_WORD}){{0,3}})[)）]"
)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0eff\u1000-\u109f]")
# "pt Carter, Destinee", "Vang, Ka Ying;": a surname, a comma and a given name, ending the clause.
_REVERSED = re.compile(
    r"(?<![\w,])(?P<last>[A-ZÀ-Þ][^\W\d_]+(?:-[A-ZÀ-Þ][^\W\d_]+)?),[ \t]+"
    r"(?P<first>[A-ZÀ-Þ][^\W\d_]+(?:[ \t][A-ZÀ-Þ][^\W\d_]+)?)(?=[ \t]*(?:[;.\n\t|]|$))"
)


# An unknown capitalised word followed by one of these is a person: "Ixchel speaks Mam", "Chaz takes the money".
_VERBS_AFTER_NAME = frozenset(
    """
    said says told tells texted texts called calls speaks spoke wants wanted needs needed lives lived works worked
    stays stayed left leaves took takes gave gives got gets came comes went goes ran runs moved disclosed reported
    admitted knows knew doesnt didnt cant wont isnt wasnt hasnt never finally already just still also herself himself
    answered showed arrived escaped asked asks agreed refused declined cried thinks thought claims claimed denied
    denies remembers remembered mentioned explained confirmed identified recognized recognised met saw sent sends
    brought brings drove drives owes owed paid pays keeps kept wouldnt would will should could cannot can might may
    named dob mrn ssn cell ph tel phone email passport dl age aged getting going coming staying living working crying
    saying asking hiding sleeping waiting texting calling
    """.split()
)
# After "is"/"was"/"has"/"and" the next word must make it about a person: "Jayden is 4", "Nok is pregnant".
_LINK_VERBS = frozenset(
    {"is", "was", "has", "had", "isn't", "wasn't", "will", "can", "would", "should", "could"}
)
_PERSON_PREDICATES = frozenset(
    """
    with pregnant scared afraid missing safe ok okay fine staying living working crying asking refusing ready home back
    here still now not gone currently sick hurt injured at from only about his her their my our been being also
    terrified nervous upset worried minor underage willing unwilling able going coming parked hiding outside inside
    alone there downstairs upstairs asleep awake pregnant due afraid sleeping waiting
    """.split()
)
# An unknown capitalised word after one of these is a person: "picked up Kenia", "told Yesenia".
_VERBS_BEFORE_NAME = frozenset(
    """
    told tell texted text asked ask met meet saw see helped help visited visit paid pay hugged called call
    picked_up pick_up dropped_off drop_off spoke_with spoke_to talked_to talked_with interviewed interview
    transported drove found located recovered rescued placed gave give took take brought bring followed follow
    watching watched messaging messaged contacted recruited trafficked sold selling pimping grooming groomed moved
    """.split()
)
_AGE_NEXT = re.compile(
    rf"\s*(?:is\s+|was\s+|[,(]\s*)(?:\d{{1,2}}(?!\d)|(?i:{NUMBER_WORDS})\b)"
    # an age after a bare space in a list of people and ages: "Rahima 24, Shirin 31", "Nazma 17(?)", "Vy 16 and"
    # (the next item is a name and an age too: "Mile 9 and", "Pier 19, don't" are no list of people)
    r"|[ \t]\d{1,2}(?:\(\?\))?(?=[ \t]*[,;][ \t]*[A-ZÀ-Þ][^\W\d_]+[ \t]\d{1,2}(?!\d|[-:.]\d))"
)
# A bare age after a name in a list, and the name-and-age item before it ("Rahima 24, Shirin 31").
_BARE_AGE = re.compile(r"[ \t]\d{1,2}(?:\(\?\))?(?![\d:.,-]\d|[ \t]*(?:[%$]|[A-Za-z]))")
_AGE_ITEM_BEFORE = re.compile(r"(?<![\w'’-])[A-ZÀ-Þ][^\W\d_]+[ \t]\d{1,2}(?:\(\?\))?[ \t]*[,;][ \t]*$")
# Lower-case unknown words are names only before these ("yesi just called", "chen said").
_STRONG_VERBS_AFTER = frozenset({"said", "says", "told", "texted", "called", "just", "finally", "disclosed"})


# Words that stay readable even right after "goes by"/"aka": function words, calendar words, titles.
_NEVER_A_NICKNAME = frozenset(STOP_WORDS) | frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday january february march
    april may june july august september october november december mr mrs ms miss dr the her his
    """.split()
)
# Articles and determiners: the word after one is a thing ("at the Gaylord", "la nena"), not a person's given name.
_ARTICLES = frozenset("the a an this that these those la el le les los las un una une des del o os as der die das".split())
# A quoted one- or two-word capitalised name ("Candy", "Lady T") in a message about names, ads or nicknames.
# A nickname in quotes between a given name and a surname: 'Ronnie "Bones" Castellano', 'Rubén "Pelón" Zúñiga',
# 'Krzysztof "Krzysiek" Wiśniewski': the whole is one person (either name known to the lexicon is enough).
_NICK_BETWEEN = re.compile(
    r"(?<![\w'’-])(?P<first>[^\W\d_][^\W\d_'’]{1,20})[ \t]+[\"“][^\"”\n]{1,25}[\"”][ \t]+"
    r"(?P<last>[^\W\d_][^\W\d_'’-]{1,20}(?:[-'’][^\W\d_][^\W\d_]{1,20})?)(?![\w-])"
)
_QUOTED = re.compile(r"[\"“]([A-Z][^\W\d_]{0,20}(?: [A-Z][^\W\d_]{0,20})?)[\"”]")
_NICKNAME_CONTEXT = re.compile(
    r"\b(?:ad|ads|listing|profile|post|goes\s+by|go\s+by|aka|called|calls|call\s+her|call\s+him|nickname|alias|"
    r"known\s+as|street\s+name|name|names|named|says|said)\b",
    re.IGNORECASE,
)
# After a strong-cue name, another one joined by "or"/"/"/"," ("goes by Tiff or Lady T").
_ALTERNATIVE = re.compile(r"[ \t]*(?:,|/|\bor\b|\band\b)[ \t]*[\"'“‘]?")


# Before a word, these make it a place or an organisation ("at Mercy", "in Charlotte", "Center for Justice").
_PLACE_PREPOSITIONS = frozenset("at in from of for to near by on into inside outside".split())


def _next_to_capital(text: str, tokens: list[tuple[int, int, str]], index: int) -> bool:
    """Whether a capitalised word sits right beside ``tokens[index]``, spaces only between."""
    for other in (index - 1, index + 1):
        if 0 <= other < len(tokens):
            first, second = sorted((other, index))
            if tokens[other][2][:1].isupper() and _GAP.fullmatch(text[tokens[first][1] : tokens[second][0]]):
                return True
    return False


def _name_end(text: str, tokens: list[tuple[int, int, str]], last: int) -> int:
    """End of a name whose last token is ``last``; an initial keeps its period ("Svetlana K.")."""
    _start, end, word = tokens[last]
    if len(word) == 1 and word.isupper() and text[end : end + 1] == ".":
        return end + 1
    return end


_STYLE_PARTS = re.compile(r"[-'’]")


def _style(word: str) -> str:
    if word.isupper():
        return "upper"
    if word[:1].isupper() and word[1:].islower():
        return "title"
    if word.islower():
        return "lower"  # (before the split below, which no lower-case word passes: a title part starts upper-case)
    parts = [part for part in _STYLE_PARTS.split(word) if part]
    if len(parts) > 1 and all(part[:1].isupper() and part[1:].islower() for part in parts):
        return "title"  # "Jean-Wesner", "Pierre-Louis", "O'Neil"
    return "mixed"


def _is_common(word: str) -> bool:
    return word.casefold() in COMMON_WORDS


class NameRules:
    """Lexicon and cue rules over one chunk of normalised text."""

    def __init__(self) -> None:
        self._first = first_names()
        self._extra = extra_first_names()
        self._last = last_names()
        self._solo = solo_last_names()
        self._everyday = everyday_words()
        self._places = places()
        self._word_names = word_names()

    def find(self, text: str) -> Iterator[Finding]:
        """All rule-based PERSON findings in ``text``."""
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
        if not tokens:
            return
        starts = {start: index for index, (start, _end, _word) in enumerate(tokens)}
        yield from self._lexicon(text, tokens)
        yield from self._in_context(text, tokens)
        yield from self._given_in_frame(text, tokens)
        yield from self._cued(text, tokens, starts, _STRONG_CUE, strong=True)
        yield from self._cued(text, tokens, starts, _NICKNAME_CUE, strong=True, capitalised=True)
        if "'" in text or "’" in text or "its" in text or "his" in text or "soy" in text:
            for cue in (_SELF_CUE, _SELF_WEAK_CUE):
                for found in self._cued(text, tokens, starts, cue, strong=False, capitalised=True):
                    if is_place(text, found.start, found.end):
                        continue  # "This is Houston PD calling back"
                    first = text[found.start : found.end].split()[0]
                    if cue is _SELF_WEAK_CUE and not (self.is_name_word(first) or self.is_given_name(first)):
                        continue  # "I'm Sorry, ...": an everyday word
                    yield found
        yield from self._cued(text, tokens, starts, _WEAK_CUE, strong=False)
        yield from self._cued(text, tokens, starts, _LABEL_CUE, strong=False)
        for match in _HONORIFIC_AFTER.finditer(text):
            group = match.lastgroup or "n"
            word = match.group(group)
            if group == "n" and (_is_common(word) or fold_accents(word) in self._places):
                continue
            yield Finding(match.start(group), match.end(group), PERSON, 0.7, "name_honorific")
        yield from self._soft_cued(text, tokens, starts)
        for match in _NICK_PREFIX.finditer(text):
            if not _is_common(match.group("w")):
                yield Finding(match.start(), match.end(), PERSON, 0.7, "name_nick")
        if "," in text:
            for match in _REVERSED.finditer(text):
                first = match.group("first").split()[0]
                last = match.group("last")
                if (
                    fold_accents(first) in self._first
                    and not _is_common(last)
                    and (self._unknown(last) or fold_accents(last) in self._last)
                ):
                    yield Finding(match.start(), match.end(), PERSON, 0.7, "name_reversed")
        if ("(" in text or "（" in text) and _OTHER_LETTER.search(text):
            yield from self._beside_other_script(text)
        yield from self._only_a_person(text, tokens)
        if " is " in text or " was " in text:
            yield from self._role_is_name(text)
        if "]" in text:
            yield from self._speakers(text)
        if "LAST" in text or "SURNAME" in text or "FAMILY" in text:
            for match in _NAME_FIELDS.finditer(text):
                for group in ("l1", "f1", "f2", "l2"):
                    value = match.group(group)
                    if value and not any(_is_common(w) or self._everyday_form(fold_accents(w)) for w in value.split()):
                        yield Finding(match.start(group), match.end(group), PERSON, 0.8, "name_cue")
        if "not" in text or "NOT" in text or "instead" in text:
            yield from self._corrected(text)
        if "he " in text:
            yield from self._surname_before_group(text)
        if _particle_gate(text) or any(mark in text for mark in _PATRONYMIC_MARKS):
            yield from self._by_structure(text)
        if "." in text:
            for match in _INITIALS.finditer(text):
                pair = (match.group("a") + match.group("b")).casefold()
                if re.fullmatch(US_STATE_CODES, pair.upper()) or pair in _NOT_INITIALS:
                    continue
                if _NOT_BEFORE_INITIALS.search(text, max(0, match.start() - 12), match.start()):
                    continue
                if pair in ("am", "pm") and re.search(r"\d[ \t]?$", text[max(0, match.start() - 3) : match.start()]):
                    continue
                yield Finding(match.start(), match.end(), PERSON, 0.7, "name_initials")
        if '"' in text or "“" in text:
            for match in _NICK_BETWEEN.finditer(text):
                first, last = match.group("first"), match.group("last")
                if not (first[:1].isupper() and last[:1].isupper()) or _is_common(first) or _is_common(last):
                    continue
                if fold_accents(first) in self._first or fold_accents(first) in self._extra or any(
                    fold_accents(part) in self._last for part in re.split(r"[-'’]", last)
                ):
                    yield Finding(match.start(), match.end(), PERSON, 0.8, "name_quoted")
        if ('"' in text or "“" in text) and _NICKNAME_CONTEXT.search(text):
            for match in _QUOTED.finditer(text):
                if not any(_is_common(word) for word in match.group(1).split()):
                    yield Finding(match.start(1), match.end(1), PERSON, 0.8, "name_quoted")

    def _by_structure(self, text: str) -> Iterator[Finding]:
        """Names told by their structure, whatever their words: one or two capitalised names before a Turkic
        patronymic word ("Azamat Bakyt uulu", "Aigerim Nurlan kyzy", "Rustam Alisher o'g'li"), and a given name
        before a Spanish particle and a surname of the lexicon ("Rosanny De la Cruz", "Yadira del Castillo"): the
        given name a word no list knows or a given name, no everyday word or place on either side."""
        for match in _PATRONYMIC_NAME.finditer(text) if any(mark in text for mark in _PATRONYMIC_MARKS) else ():
            words = match.group("names").split()
            if any(_is_common(word) or fold_accents(word) in self._places for word in words):
                continue
            yield Finding(match.start(), match.end(), PERSON, 0.7, "name_structure")
        for match in _PARTICLE_NAME.finditer(text) if _particle_gate(text) else ():
            given, surname = match.group("given"), match.group("surname")
            key = fold_accents(given)
            if _is_common(given) or _is_common(surname) or key in self._places or key in AMBIGUOUS_FIRST_NAMES:
                continue
            capital_particle = text[match.end("given") :].lstrip()[:1] == "D"
            if not (key in self._first or key in self._extra or (capital_particle and self._unknown(given))):
                continue  # "Rosanny De la Cruz", "Yadira del Castillo"; not "Iglesia de la Cruz"
            if not (fold_accents(surname) in self._last or fold_accents(surname) in _PARTICLE_SURNAMES):
                continue
            if is_place(text, match.start(), match.end()):
                continue
            yield Finding(match.start(), match.end(), PERSON, 0.7, "name_structure")

    def _only_a_person(self, text: str, tokens: list[tuple[int, int, str]]) -> Iterator[Finding]:
        """Any title-case word, an everyday word or a place too, in a frame only a person fits (``_ONLY_A_PERSON``):
        "Ash (they/them, 22)", "Phoenix (the client) moved", "Tempest was forced to perform", "Onyx's cell ...";
        the subject of a sentence said to go by a person's pronouns ("River is a good fit ..., they/them, 20"); two
        words said to be twins or siblings ("Sage and Storm are twins"). Not a function word, a month, a weekday, an
        agency, a nationality, a title; not after an article or a place preposition, nor beside another capitalised
        word ("the Phoenix (the old one)", "Grace House (the shelter)")."""
        ends = None
        candidates = []
        for frames in _ONLY_A_PERSON:
            for frame in frames.finditer(text):
                if ends is None:
                    ends = {end: index for index, (_start, end, _word) in enumerate(tokens)}
                at = frame.start()
                while at > 0 and text[at - 1] in " \t":
                    at -= 1  # "Ash (they/them ...)": the word ends before the spaces
                index = ends.get(at)
                if index is not None:
                    candidates.append(index)
        if "/t" in text or "/h" in text or "/T" in text or "/H" in text:  # a subject, pronouns later in its sentence
            for index, (start, end, _word) in enumerate(tokens):
                if _SENTENCE_START.search(text, max(0, start - 4), start) and _SUBJECT_PRONOUNS.match(text, end):
                    candidates.append(index)
        for index in candidates:
            start, end, word = tokens[index]
            if _style(word) != "title" or len(word) < 3:
                continue
            if _is_common(word) or fold_accents(word) in _NEVER_A_NICKNAME or fold_accents(word) in self._first:
                continue  # (a lexicon given name is the lexicon's)
            before = tokens[index - 1][2].casefold() if index > 0 else ""
            if before in _ARTICLES or before in _PLACE_PREPOSITIONS or _next_to_capital(text, tokens, index):
                continue
            yield Finding(start, end, PERSON, 0.7, "name_frame")
        if " and " in text or "&" in text:
            for match in _PAIR_OF_PEOPLE.finditer(text):
                if any(_is_common(w) or fold_accents(w) in _NEVER_A_NICKNAME for w in (match.group("a"), match.group("b"))):
                    continue
                if _CAPITALISED_BEFORE.search(text, max(0, match.start() - 24), match.start()):
                    continue
                yield Finding(match.start("a"), match.end("a"), PERSON, 0.7, "name_frame")
                yield Finding(match.start("b"), match.end("b"), PERSON, 0.7, "name_frame")

    def _role_is_name(self, text: str) -> Iterator[Finding]:
        """One or two capitalised words said to be a person ("the client is Ocean, nonbinary, 19", "night auditor is
        Pradeep", "V2 in the Dallas case is Brooklyn, 16"), ending the clause: name words (a lexicon name or a word
        no list knows), or an everyday word or place with an age or a person's pronouns after it in the clause; never
        an agency, nationality, language, title, month or weekday ("the suspect is Hispanic")."""
        for cue in _IS_CAPITAL.finditer(text):
            match = _NAME_AFTER_IS.match(text, cue.end())
            if match is None or not _ROLE_BEFORE.search(text, max(0, cue.start() - 48), cue.start()):
                continue
            words = match.group(0).split()
            if any(_is_common(w) or fold_accents(w) in _NEVER_A_NICKNAME for w in words):
                continue
            if not all(self.is_name_word(w) or self.is_given_name(w) for w in words) and not (
                len(words) == 1
                and fold_accents(words[0]) not in _DESCRIPTIONS
                and _AGE_OR_PRONOUN_SOON.match(text, match.end())
            ):
                continue  # (an everyday word or a place needs an age or pronouns after it: "is Brooklyn, 16")
            yield Finding(match.start(), match.end(), PERSON, 0.7, "name_frame")

    def _speakers(self, text: str) -> Iterator[Finding]:
        """The speakers of a chat log or transcript pasted line by line (``_SPEAKER``): one or two capitalised words,
        a name word first (a lexicon name or a word no list knows: not "[10:02] System:", "[INMATE]:", "[MV-1]:")."""
        for match in _SPEAKER.finditer(text):
            group = "n" if match.group("n") else "b"
            words = match.group(group).split()
            if not self.is_name_word(words[0].rstrip(".")) or fold_accents(words[0]) in _NEVER_A_NICKNAME:
                continue
            if len(words) > 1 and len(words[1].rstrip(".")) > 1 and not self.is_name_word(words[1].rstrip(".")):
                continue
            yield Finding(match.start(group), match.end(group), PERSON, 0.7, "name_frame")

    def _corrected(self, text: str) -> Iterator[Finding]:
        """Both spellings of a name in a correction ("Falk, not Faulk", "*Tull not Hull", "Hodge not Hedge"): two
        single words of one style (capitals of five letters or more), one to two letters apart (three for words of
        six letters or more), at least one a name word (a lexicon name or a word no list knows), neither an agency,
        nationality, language, title, month or weekday, not both places ("Moldavia, not Moldova") and no word of a
        longer capitalised name ("Ruth's Place not Grace House", "Flint, not Flint Hills")."""
        for match in _CORRECTION.finditer(text):
            a, b = match.group("a"), match.group("b")
            style = _style(a)
            if style not in ("title", "upper") or _style(b) != style or (style == "upper" and min(len(a), len(b)) < 5):
                continue
            key_a, key_b = fold_accents(a), fold_accents(b)
            if key_a == key_b or any(_is_common(w) or fold_accents(w) in _NEVER_A_NICKNAME for w in (a, b)):
                continue
            limit = 3 if min(len(a), len(b)) >= 6 else 2
            if edit_distance(key_a, key_b, limit) > limit:
                continue
            if not (self.is_name_word(a) or self.is_name_word(b)):
                continue  # "Poplar, not Popular": two everyday words
            if key_a in self._places and key_b in self._places:
                continue
            if _CAPITALISED_BEFORE.search(text, max(0, match.start("a") - 24), match.start("a")) or (
                _CAPITALISED_AFTER.match(text, match.end("b"))
            ):
                continue
            before = _WORD_BEFORE.search(text, max(0, match.start("a") - 16), match.start("a"))
            if before is not None and before.group(1).casefold() in _ARTICLES | _PLACE_PREPOSITIONS:
                continue  # "in Moldavia, not Moldova": a place
            yield Finding(match.start("a"), match.end("a"), PERSON, 0.7, "name_frame")
            yield Finding(match.start("b"), match.end("b"), PERSON, 0.7, "name_frame")

    def _surname_before_group(self, text: str) -> Iterator[Finding]:
        """A surname between "the" and a noun of a family, a group of siblings or papers served on them ("the Qureshi
        family", "the Taufa brothers", "the Oyelaran subpoena"): a lexicon surname or a word no list knows, no
        everyday word (unless a surname), no place of the gazetteers and no given name. Not "case", "girl", "crew" or
        "interview": a town, a tribe or a hotel chain stands there as often ("the Sparks case", "the Yakama girl",
        "the Chinle interview", "the Marriott case")."""
        for match in _THE_SURNAME_GROUP.finditer(text):
            if match.start() > 0 and text[match.start() - 1].isalnum():
                continue  # "bathe ...", "Sithe ..."
            word = match.group("w")
            key = fold_accents(word)
            if _is_common(word) or key in self._first or key in AMBIGUOUS_FIRST_NAMES or key in self._places:
                continue  # "the Sparks case", "the Hutchinson crew": a town's as often as a family's
            if not (key in self._last or self._unknown(word)):
                continue
            yield Finding(match.start("w"), match.end("w"), PERSON, 0.7, "name_frame")

    def _beside_other_script(self, text: str) -> Iterator[Finding]:
        """Both halves of a name written in two scripts, one bracketed (see ``_BESIDE_OTHER``): the Latin words are
        the longest run of name words (``is_name_word``) ending at the bracket or filling it, two or more or a
        lexicon given name, no place; the other script's words number one to four (two to six characters)."""
        for match in _BESIDE_OTHER.finditer(text):
            latin, other = ("l", "o") if match.group("l") else ("l2", "o2")
            words = list(re.finditer(r"\S+", match.group(latin)))
            base = match.start(latin)
            if latin == "l":
                kept: list[re.Match[str]] = []
                for word in reversed(words):
                    if not self._bracketed_name_word(word.group(0)):
                        break
                    kept.insert(0, word)
            else:
                kept = words if all(self._bracketed_name_word(word.group(0)) for word in words) else []
            if not kept:
                continue
            start, end = base + kept[0].start(), base + kept[-1].end()
            key = fold_accents(kept[0].group(0))
            if (
                len(kept) == 1
                and key not in self._first
                and key not in self._extra
                and not same_name(kept[0].group(0), match.group(other))
            ):
                continue  # one word: a given name of the lexicon, or spelled the same in both ("Shabnam (شبنم)")
            if is_place(text, start, end):
                continue
            written = match.group(other)
            if _UNSPACED.search(written) and not 2 <= len(written.replace(" ", "")) <= 6:
                continue
            yield Finding(start, end, PERSON, 0.7, "name_script")
            yield Finding(match.start(other), match.end(other), PERSON, 0.7, "name_script")

    def _bracketed_name_word(self, word: str) -> bool:
        """A name word that is no everyday word unless a given name ("Kaspi Bank" is a firm, "Rose" a name)."""
        key = fold_accents(word)
        return self.is_name_word(word) and (key not in self._everyday or key in self._first)

    def _lexicon(self, text: str, tokens: list[tuple[int, int, str]]) -> Iterator[Finding]:
        index = 0
        while index < len(tokens):
            start, _end, word = tokens[index]
            key = fold_accents(word)
            style = _style(word)
            if (
                key in AMBIGUOUS_FIRST_NAMES
                and style in ("title", "upper")
                and index + 1 < len(tokens)
                and not _is_common(word)
            ):
                # "Guadalupe Torres": an ambiguous first name followed by a known surname is a name.
                nxt_start, nxt_end, nxt = tokens[index + 1]
                if (
                    _GAP.fullmatch(text[tokens[index][1] : nxt_start])
                    and fold_accents(nxt) in self._last
                    and _style(nxt) == style
                ):
                    yield Finding(start, nxt_end, PERSON, 0.7, "name_lexicon")
                    index += 2
                    continue
            if "-" in key and style == "title" and key.split("-")[0] in self._first:
                key = key.split("-")[0]  # "Jean-Wesner", "Ana-Maria"
            if style == "lower" and len(key) > 3 and key[-1] == "s" and self._everyday_form(key[:-1]):
                index += 1  # "two spas": the plural of an everyday word is not a lower-case name
                continue
            if key in self._first and style != "mixed" and not (style == "upper" and len(word) <= 2):
                last = self._extend(text, tokens, index, style)
                score = 0.75 if style == "title" else 0.6
                yield Finding(start, _name_end(text, tokens, last), PERSON, score, "name_lexicon")
                index = last + 1
                continue
            if key in self._extra and self._extra_evidence(text, tokens, index, style):
                last = self._extend(text, tokens, index, style)
                score = 0.7 if style == "title" else 0.6
                yield Finding(start, _name_end(text, tokens, last), PERSON, score, "name_lexicon")
                index = last + 1
                continue
            if key in self._solo and style != "mixed" and not (style == "upper" and len(word) <= 3):
                # A distinctive surname alone ("nguyen from the salon", "Okafor said").
                last = self._extend(text, tokens, index, style)
                yield Finding(
                    start,
                    _name_end(text, tokens, last),
                    PERSON,
                    0.7 if style == "title" else 0.6,
                    "name_lexicon",
                )
                index = last + 1
                continue
            index += 1

    def _extra_evidence(self, text: str, tokens: list[tuple[int, int, str]], index: int, style: str) -> bool:
        """Whether a given name of the wider lexicon (``extra_first_names``) is used as a name here: never in capitals
        ("VERSA LOCATED") or after an article ("at the Gaylord", "la nena"); in lower case only before a possessive,
        a verb or "or"/"and" ("sammie's number", "rhiannon is like 19", "ashlynn deactivated")."""
        if style not in ("title", "lower"):
            return False
        if index > 0 and tokens[index - 1][2].casefold() in _ARTICLES:
            return False
        if style == "title":
            return True
        end = tokens[index][1]
        if text[end : end + 2] in ("'s", "’s"):
            return True
        if index + 1 >= len(tokens) or not _GAP.fullmatch(text[end : tokens[index + 1][0]]):
            return False
        following = tokens[index + 1][2].casefold()
        return (
            following in _VERBS_AFTER_NAME
            or following in _LINK_VERBS
            or following in ("or", "and")
            or (following.endswith("ed") and len(following) > 4)
        )

    def _soft_cued(
        self, text: str, tokens: list[tuple[int, int, str]], starts: dict[int, int]
    ) -> Iterator[Finding]:
        for match in _SOFT_CUE.finditer(text):
            index = starts.get(match.end())
            if index is None:
                continue
            word = tokens[index][2]
            style = _style(word)
            if style not in ("title", "upper") or _is_common(word) or (style == "upper" and len(word) <= 4):
                continue
            last = self._extend(text, tokens, index, style)
            names = [fold_accents(tokens[i][2]) for i in range(index, last + 1)]
            if not any(
                self._unknown(tokens[i][2]) or key in self._first or key in self._last
                for i, key in zip(range(index, last + 1), names, strict=True)
            ):
                continue
            yield Finding(tokens[index][0], _name_end(text, tokens, last), PERSON, 0.7, "name_soft_cue")

    def is_given_name(self, word: str) -> bool:
        """A first name of the lexicon, the ambiguous ones ("Tyler", "Madison") included; never a title or an
        everyday word ("Pastor Ramón": the title stays readable)."""
        key = fold_accents(word)
        return not _is_common(word) and (key in self._first or key in AMBIGUOUS_FIRST_NAMES)

    def is_name_word(self, word: str) -> bool:
        """A lexicon first name or surname, or a word no list knows (see ``_unknown``), and not an everyday word."""
        key = fold_accents(word)
        return not _is_common(word) and (key in self._first or key in self._last or self._unknown(word))

    def _unknown(self, word: str) -> bool:
        """A word no list knows: not everyday English (which includes ``COMMON_WORDS``: agencies, titles,
        nationalities) and not a place."""
        key = fold_accents(word)
        return len(word) >= 2 and not self._everyday_form(key) and key not in self._places

    def _everyday_form(self, key: str) -> bool:
        """An everyday word or its plural ("spas", "boxes"): the word list holds mostly base forms."""
        everyday = self._everyday
        if key in everyday or (
            len(key) > 3 and key[-1] == "s" and (key[:-1] in everyday or (key[-2] == "e" and key[:-2] in everyday))
        ):
            return True
        return _inflected(key, everyday)

    def _in_context(self, text: str, tokens: list[tuple[int, int, str]]) -> Iterator[Finding]:
        """Unknown capitalised words in a person context: a verb after ("Ixchel speaks Mam", "Jayden is 4") or before
        ("picked up Kenia"). This is what catches names no lexicon holds -- the held-out corpora showed most missed
        names were rare given names at the start of a message, where the small model is weakest."""
        index = 0
        count = len(tokens)
        while index < count:
            start, _end, word = tokens[index]
            style = _style(word)
            lower = style == "lower"
            if style == "mixed" or (style == "upper" and len(word) <= 4) or (lower and len(word) < 3):
                # (capitals of four letters or fewer are agencies: "DOL says", "SSA says", "BCA direct")
                index += 1
                continue
            if not self._unknown(word) or fold_accents(word) in self._first:
                index += 1
                continue
            last = index
            if not lower:
                while last + 1 < count and last - index < 2:
                    nxt = tokens[last + 1][2]
                    if (
                        not _GAP.fullmatch(text[tokens[last][1] : tokens[last + 1][0]])
                        or _style(nxt) != style
                    ):
                        break
                    if not (self._unknown(nxt) or fold_accents(nxt) in self._last):
                        break
                    last += 1
            if self._person_context(text, tokens, index, last, lower):
                yield Finding(
                    start, _name_end(text, tokens, last), PERSON, 0.55 if lower else 0.65, "name_context"
                )
            index = last + 1

    def _given_in_frame(self, text: str, tokens: list[tuple[int, int, str]]) -> Iterator[Finding]:
        """A given name that is also an everyday word or a place ("Precious", "Harmony", "Dakota", "Faith"), in title
        case, in a frame that only a person fits: a person's verb after it ("Faith says", "Comfort also wired"), a
        possessive of a person's things or kin ("Slim's IG", "Blessing's mum"), a title, role or kin noun said of it
        ("Harmony is the victim's cousin", "(the one from ...)"), or an age beside it ("Genesis, 15", "Dakota (15)").
        The word itself says nothing here -- the frame does -- so function words, months and titles stay out."""
        for index, (start, end, word) in enumerate(tokens):
            if _style(word) != "title" or len(word) < 3:
                continue
            key = fold_accents(word)
            word_name = key in self._word_names or key in AMBIGUOUS_FIRST_NAMES
            if not word_name and key not in self._places and key not in self._last:
                continue
            if _is_common(word) or key in _NEVER_A_NICKNAME or key in self._first:
                continue
            if not word_name and (self._unknown(word) or not _strong_frame(text, end)):
                continue  # a surname no other list knows is ``_in_context``'s; a place needs a frame (below)
            titled = _TITLE_BEFORE.search(text, max(0, start - 24), start) is not None
            if index > 0 and not titled and (
                tokens[index - 1][2].casefold() in _ARTICLES or tokens[index - 1][2].casefold() in _PLACE_PREPOSITIONS
            ):
                continue  # "the Harmony shelter", "la Esperanza", "at Mercy", "Center for Justice"
            if _next_to_capital(text, tokens, index) or "\t" in text[max(0, start - 1) : end + 1]:
                continue  # one word of a longer name ("Grace Haven", "Round Rock", "Chevy Chase") or a table cell
            if not titled and (not word_name or key in self._places or is_place(text, start, end)):
                # "Austin asked", "Madison just sent theirs": a city's office as often as a person; a place or a
                # surname that is also a word is a person only in a frame no place or thing fits
                if _strong_frame(text, end):
                    yield Finding(start, end, PERSON, 0.7, "name_frame")
                continue
            if (
                person_evidence(text, start, end)
                or _FRAME_VERB_AFTER.match(text, end)
                or _AGE_NEXT.match(text, end)
            ):
                yield Finding(start, end, PERSON, 0.7, "name_frame")

    def _person_context(
        self, text: str, tokens: list[tuple[int, int, str]], first: int, last: int, lower: bool
    ) -> bool:
        after = text[tokens[last][1] : tokens[last][1] + 3]
        following = tokens[last + 1][2].casefold() if last + 1 < len(tokens) else ""
        gap = text[tokens[last][1] : tokens[last + 1][0]] if last + 1 < len(tokens) else ""
        if lower:
            return bool(following in _STRONG_VERBS_AFTER and _GAP.fullmatch(gap))
        if after[:2] in ("'s", "’s") and not after[2:].isalpha():
            return True
        if _KIN_PREDICATE.match(text, tokens[last][1]) or _PERSON_AFTER.match(text, tokens[last][1]):
            return True  # "Emberly is the kid's older cousin", "Jax (he/him)", "Zaria (the cousin)"
        if _GAP.fullmatch(gap or "x"):
            if following in _VERBS_AFTER_NAME:
                return True
            if (following == "has" or following == "had") and has_thing(text, tokens[last][1]):
                # "Bazemore has a 19yo son", "Dritan has a UK mobile" -- not a place's part ("Miami-Dade has a
                # warrant packet going")
                parts = re.split(r"[-'’ ]", text[tokens[first][0] : tokens[last][1]])
                return not any(fold_accents(part) in self._places for part in parts)
            if following in _LINK_VERBS and last + 2 < len(tokens):
                then = tokens[last + 2][2].casefold()
                return then in _PERSON_PREDICATES
            if following in _LINK_VERBS:
                return False
        if _AGE_NEXT.match(text, tokens[last][1]):
            return True  # "Jayden is 4", "Souza (19)"
        if _BARE_AGE.match(text, tokens[last][1]) and _AGE_ITEM_BEFORE.search(
            text, max(0, tokens[first][0] - 40), tokens[first][0]
        ):
            return True  # the last of a list of people and ages: "..., Shirin 31"
        if first >= 1:
            before = tokens[first - 1][2].casefold()
            if first >= 2:
                pair = f"{tokens[first - 2][2].casefold()}_{before}"
                if pair in _VERBS_BEFORE_NAME:
                    return True
            if before in _VERBS_BEFORE_NAME and _GAP.fullmatch(text[tokens[first - 1][1] : tokens[first][0]]):
                return True
        return False

    def _extend(self, text: str, tokens: list[tuple[int, int, str]], index: int, style: str) -> int:
        """Index of the last token of a name starting at ``index``: up to two more parts, spaces only between."""
        last = index
        while last + 1 < len(tokens) and last - index < 2:
            gap = text[tokens[last][1] : tokens[last + 1][0]]
            if not _GAP.fullmatch(gap):
                break
            word = tokens[last + 1][2]
            key = fold_accents(word)
            if word[:2] in ("I'", "I’"):
                break  # "Charmaine I'm at ...": the speaker's "I'm" ends the name
            if len(word) == 1 and word.isupper() and style == "title":
                # An initial after a given name ("Svetlana K."): it ends the name.
                last += 1
                break
            if len(word) == 1 and word.isupper() and style == "upper" and last + 2 < len(tokens):
                # a middle initial in capitals ("JORGE L MENDIOLA"): the name goes on if a capitalised word follows
                after = tokens[last + 2][2]
                if _GAP.fullmatch(text[tokens[last + 1][1] : tokens[last + 2][0]].replace(".", "")) and (
                    _style(after) == "upper" and len(after) > 1 and not _is_common(after)
                ):
                    last += 2
                    continue
                break
            if _is_common(word):
                break
            in_lexicon = key in self._last or (key in self._first and key not in AMBIGUOUS_FIRST_NAMES)
            same_style = style in ("title", "upper") and _style(word) == style and len(word) > 1
            if not (in_lexicon or same_style):
                break
            last += 1
        return last

    def _cued(
        self,
        text: str,
        tokens: list[tuple[int, int, str]],
        starts: dict[int, int],
        cue: re.Pattern[str],
        *,
        strong: bool,
        capitalised: bool = False,
    ) -> Iterator[Finding]:
        for match in cue.finditer(text):
            index = starts.get(match.end())
            if index is None:
                continue
            word = tokens[index][2]
            style = _style(word)
            if capitalised and not word[:1].isupper():
                continue
            if len(word) < 2 or (
                _is_common(word)
                # after "street name is", "goes by", "aka": a nickname may be an everyday word in title case ("Ice")
                and not (strong and style == "title" and word.casefold() not in _NEVER_A_NICKNAME)
            ):
                continue
            if style == "upper" and len(word) <= 4 and word.casefold() in NOT_A_PERSON:
                continue
            score = 0.85 if strong else 0.8
            if not strong and style == "lower":
                folded = fold_accents(word)
                if folded not in self._first and (
                    folded.endswith(COMMON_SUFFIXES) or len(word) < 3 or not self._unknown(word)
                ):
                    continue  # "victim impact statement", "mom read it": an everyday word, not a name
                score = 0.55
            if strong and style == "lower":
                last = self._extend_lower(text, tokens, index)
            else:
                last = self._extend(text, tokens, index, style)
                if strong and style == "title":
                    last = self._nickname_run(text, tokens, last)
            yield Finding(tokens[index][0], _name_end(text, tokens, last), PERSON, score, "name_cue")
            if strong:
                yield from self._alternatives(text, tokens, starts, last)

    def _nickname_run(self, text: str, tokens: list[tuple[int, int, str]], last: int) -> int:
        """After a strong cue a nickname runs on through capitalised everyday words ("Boss Man", "Roy Boy", "Big D"):
        up to two more title-case words or capital initials, spaces only between, never a weekday, month or title."""
        for _ in range(2):
            if last + 1 >= len(tokens) or not _GAP.fullmatch(text[tokens[last][1] : tokens[last + 1][0]]):
                break
            word = tokens[last + 1][2]
            title_or_initial = word[:1].isupper() and (len(word) == 1 or word[1:].islower())
            if not title_or_initial or word.casefold() in _NEVER_A_NICKNAME:
                break
            last += 1
        return last

    def _alternatives(
        self, text: str, tokens: list[tuple[int, int, str]], starts: dict[int, int], last: int
    ) -> Iterator[Finding]:
        """ "goes by Tiff or Lady T": capitalised names joined to a cued name by "or", "/" or a comma."""
        for _ in range(3):
            alternative = _ALTERNATIVE.match(text, tokens[last][1])
            if alternative is None:
                return
            index = starts.get(alternative.end())
            if index is None:
                return
            word = tokens[index][2]
            if _is_common(word) or _style(word) not in ("title", "upper"):
                return
            if word.isupper() and (re.fullmatch(US_STATE_CODES, word) or fold_accents(word) in self._places):
                return  # "street name Roy Boy, TX DL ...": a state, not another name
            last = index
            if last + 1 < len(tokens) and _GAP.fullmatch(text[tokens[last][1] : tokens[last + 1][0]]):
                nxt = tokens[last + 1][2]
                if nxt[:1].isupper() and not _is_common(nxt):
                    last += 1
            yield Finding(tokens[index][0], _name_end(text, tokens, last), PERSON, 0.8, "name_cue")

    def _extend_lower(self, text: str, tokens: list[tuple[int, int, str]], index: int) -> int:
        """After a strong cue ("her name is jessica lopez") any non-common lower-case word continues the name."""
        last = index
        while last + 1 < len(tokens) and last - index < 2:
            gap = text[tokens[last][1] : tokens[last + 1][0]]
            word = tokens[last + 1][2]
            if not _GAP.fullmatch(gap) or _is_common(word) or fold_accents(word).endswith(COMMON_SUFFIXES):
                break
            last += 1
        return last


def _inflected(key: str, everyday: frozenset[str]) -> bool:
    """An "-ing" or "-ed" form of an everyday word of four letters or more ("sentencing", "scheduled", "planning"),
    so "Sentencing moved to Monday" does not read as a person who moved."""
    if len(key) < 7:
        return False
    for ending in ("ing", "ed"):
        if key.endswith(ending):
            stem = key[: -len(ending)]
            candidates = (stem, stem + "e", stem[:-1] if len(stem) > 4 and stem[-1] == stem[-2] else "")
            return any(len(c) >= 4 and c in everyday for c in candidates)
    return False


def person_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Clean up an NER PERSON span, or reject it.

    Leading and trailing everyday words are trimmed ("aka Big Mike" -> "Big Mike"); a possessive "'s" is dropped.
    Rejected: spans with digits or handle characters, spans made only of calendar/agency/everyday words, a short
    acronym ("HSI"), and all-lower-case spans with no word from the name lexicon -- the small model tags stray
    lower-case chat words ("pls", "emoji") as people, while real lower-case names are caught by the lexicon and cues.
    """
    span = text[start:end]
    if any(ch.isdigit() or ch in "@#$/" for ch in span):
        return None
    words = [(m.start() + start, m.end() + start, m.group(0)) for m in _TOKEN.finditer(span)]
    whole = list(words)
    while words and words[0][2].casefold() in COMMON_WORDS and not _initial(text, words):
        words.pop(0)
    while words and (words[-1][2].casefold() in COMMON_WORDS or words[-1][2].casefold() in ("s",)):
        words.pop()
    if not words:
        return None
    if len(words) < len(whole) and all(_title_word(word) for _s, _e, word in whole):
        words = _with_name_words(whole, words)
    if all(word.casefold() in NOT_A_PERSON for _s, _e, word in words):
        return None
    folded = [fold_accents(word) for _s, _e, word in words]
    if len(words) == 1 and words[0][2].isupper() and len(words[0][2]) <= 4 and folded[0] not in first_names():
        return None
    if all(word.islower() for _s, _e, word in words) and not any(
        key in first_names() or key in last_names() for key in folded
    ):
        return None
    if len(words) > 1 and all(word.islower() for _s, _e, word in words) and any(_plain_lower(key) for key in folded):
        return None  # "grant reporting", "grant stuff": a lexicon word beside an everyday word, in lower case
    return words[0][0], words[-1][1]


def _initial(text: str, words: list[tuple[int, int, str]]) -> bool:
    """The first of ``words`` is a name's initial: one capital with a period after it and a word after that ("A.R.
    Rahman", "J. Cole") -- not the article "a"."""
    word = words[0][2]
    return len(words) > 1 and len(word) == 1 and word.isupper() and text[words[0][1] : words[0][1] + 1] == "."


def _title_word(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower()


def _with_name_words(
    whole: list[tuple[int, int, str]], kept: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """``kept`` grown back over the title-case everyday words NER put at the edges of a title-case name when they
    are words stage names are made of (``_STAGE_NAME_WORDS``: "Burna Boy", "Bad Bunny", "Lady Gaga")."""
    first = whole.index(kept[0])
    last = whole.index(kept[-1])
    while first > 0 and _name_own_word(whole[first - 1][2]):
        first -= 1
    while last + 1 < len(whole) and _name_own_word(whole[last + 1][2]):
        last += 1
    return whole[first : last + 1]


def _name_own_word(word: str) -> bool:
    return word.casefold() in _STAGE_NAME_WORDS


# Everyday words of COMMON_WORDS that stage names and nicknames are made of ("Burna Boy", "Bad Bunny", "Lady Gaga",
# "Baby Keem", "Kid Cudi", "Spice Girl"): kept at the edge of a title-case NER PERSON span. Kin words, titles,
# greetings and place or time words ("Uncle Ray", "Thanks Maria", "Magnolia State", "Canada Day") are not.
_STAGE_NAME_WORDS = frozenset("boy boys bad baby kid lady girl".split())


def _plain_lower(key: str) -> bool:
    """An everyday English word of four letters or more (or its -s/-ing/-ed form) that no name list holds (three-letter
    words are often syllables of names: "nguyen thi lan")."""
    if len(key) < 4 or key in first_names() or key in last_names() or key in AMBIGUOUS_FIRST_NAMES:
        return False
    return everyday_or_inflected(key)


_PLACE_AFTER = frozenset(
    """
    complex apartments apartment apts apt village villas homes estates motel hotel inn suites lodge church school
    county pd police sheriff isd city street st avenue ave road rd boulevard blvd drive lane ln highway hwy park
    mall plaza center centre clinic hospital airport station market ranch farm co parish township twp borough
    oblast oblasts province provinces governorate prefecture raion rayon krai voivodeship
    """.split()
)
PLACE_WORDS_AFTER = _PLACE_AFTER
# Abbreviations no surname is spelled as (unlike "Lane", "Park", "Street"), so a span ending in one is a place.
_PLACE_ABBREVIATION = frozenset("st ave rd blvd hwy ln pkwy co twp pd isd apts".split())
# A state code after a one-word span makes it a town: "Paris TX", "Jackson, MI" (not "Dennis Ruehl, CO DL").
_STATE_CODES = re.compile(rf",?[ \t]+(?:{US_STATE_CODES})\b")
_IN_PLACE = re.compile(r"\b(?:in|near|outside|around|across|throughout)[ \t]+$", re.IGNORECASE)
# Prepositions of place and movement before a town: "out of Whiteriver", "at Walcott", "leaving Window Rock".
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|near|outside|around|across|throughout|from|at|to|into|out[ \t]+of|leaving|via|past|towards?)[ \t]+$",
    re.IGNORECASE,
)


def locative_town(text: str, start: int, end: int) -> bool:
    """A one-word span after a locative preposition that is a town of the gazetteers (``places`` or the one-word
    ``towns``), not followed by a possessive: "a runaway from Whiteriver", "staging at Walcott"."""
    if text[end : end + 2] in ("'s", "’s") or not _LOCATIVE_BEFORE.search(text, max(0, start - 12), start):
        return False
    key = fold_accents(text[start:end])
    return key in towns() or (key in places() and key not in AMBIGUOUS_FIRST_NAMES)


# Evidence that a word which is also a place names a person here: a title or role just before it, a person's verb,
# a kinship noun after its possessive, an age, a verb that takes a person before it, "(the boyfriend ...)" after it.
_TITLE_BEFORE = re.compile(
    r"(?i:\b(?:mr|mrs|ms|miss|mx|dr|det|detective|officer|ofc|agent|sgt|sergeant|deputy|trooper|sra|srta|sr|don|"
    r"dona|doña|uncle|aunt|auntie|tía|tio|tío|tia|inmate|client|victim|defendant|suspect|pimp|trafficker|"
    r"rip|r\.i\.p|"  # "RIP Kobe": said of a person who died
    r"noticed|picked\s+up|call|called|told|tell|text|texted|ask|asked|met\s+with|spoke\s+(?:to|with)|"
    # a person's identifier or record "for" them: "dob for Guadalupe", "passport for Grâce", "IHS record for Mary"
    r"(?:dob|d\.o\.b|dl|passport|mrn|ssn|a#|visa|ead|cedula|cédula|record|chart)"
    r"[ \t]+for))\.?[ \t]+$"
)
# "X is the kid's older cousin", "X is the victim's sister", "X was her boyfriend": a kin or role noun said of X.
_KIN_NOUNS = (
    r"sister|brother|mom|mother|dad|father|boyfriend|girlfriend|bf|gf|husband|wife|cousin|aunt|auntie|uncle|"
    r"daughter|son|niece|nephew|grandma|grandmother|grandpa|grandfather|stepdad|stepmom|stepmother|stepfather|"
    r"friend|roommate|neighbou?r|coworker|pimp|trafficker|recruiter|victim|survivor|client|one|girl|guy|kid|woman|man"
)
_KIN_PREDICATE = re.compile(
    r"[ \t]+(?:is|was|'s|’s)[ \t]+(?:also[ \t]+|actually[ \t]+|just[ \t]+)?(?:the|her|his|my|our|their|a|an)[ \t]+"
    rf"(?:[^\W\d_]+['’]s[ \t]+)?(?:[^\W\d_]+[ \t]+)?(?i:{_KIN_NOUNS})\b(?![ \t]+(?:of|in|at|on|from)\b)"
)
_PERSON_AFTER = re.compile(
    r"(?:['’]s[ \t]+(?i:sister|brother|mom|mother|dad|father|boyfriend|girlfriend|bf|gf|husband|wife|kids?|son|"
    r"daughter|cousin|aunt|uncle|phone|number|cell|dl|passport|cert|case|lawyer|attorney|advocate|pimp|car|"
    # a person's accounts, kin and papers: "Slim's IG", "Tay's cash app", "Blessing's mum", "Lan's DOB"
    r"mum|mama|baby[ \t]+(?:mama|mother|daddy|father)|grandma|grandmother|niece|nephew|ig|insta|instagram|snap|"
    r"snapchat|whatsapp|tiktok|cash[ \t]?app|dob|real[ \t]+name|full[ \t]+name|last[ \t]+name|ssn|man|"
    r"caseworker|foster|social[ \t]+worker|po|parole[ \t]+officer|probation[ \t]+officer|wallet|kakao|wechat|"
    r"telegram|signal|line[ \t]+id|cedula|cédula|dpi|curp|id|a#|visa|ead|resume|ex|wife-in-law|main[ \t]+girl)\b"
    # the pronouns someone goes by: "Jax (he/him)", "Rory (they/them, 17)"
    r"|[ \t]*\([ \t]*(?i:she|he|they|ze|xe)[ \t]*/[ \t]*(?i:her|hers|him|his|them|theirs|they|she|he|zir|xem)\b"
    r"|[ \t]*\([ \t]*(?:\d{1,2}[ \t]*\)|(?i:the|her|his)[ \t]+(?i:kid|boy|girl|boyfriend|girlfriend|victim|client|"
    r"minor|son|daughter|brother|sister|mom|dad|guy|man|woman|person|cousin|uncle|aunt|driver|manager|owner)\b))"
)
# A verb only a person does, after a given name that is also a word ("Faith says", "Precious walked back in",
# "Comfort also wired money", "Harmony had help", "Genesis (the one from Bakersfield) disclosed").
_FRAME_VERB_AFTER = re.compile(
    r"(?:[ \t]*\([^()\n]{1,40}\))?[ \t]+(?:(?:also|just|still|never|finally|already|then|now)[ \t]+)?"
    r"(?:said|says|told|tells|texted|called|messaged|disclosed|admitted|denied|claims|claimed|explained|"
    r"mentioned|remembers|remembered|reported|refused|declined|agreed|cried|wants|wanted|walked|ran|escaped|"
    r"arrived|left|showed|logged|wired|sent|paid|owes|lives|lived|stays|stayed|works|worked|moved|went|came|"
    r"got|knows|knew|thinks|thought|asked|asks|met|saw|drove|took|gave|brought|kept|posted|"
    r"located|recovered|found|seen|is[ \t]+(?:safe|missing|scared|afraid|pregnant|back|home|with|staying|living)|"
    r"was[ \t]+(?:seen|found|located|recovered|picked|dropped|taken|arrested|missing|with))\b"
)
# "the Qureshi family", "the Taufa brothers", "the Oyelaran subpoena": a surname before a family's noun or papers.
# Names by structure (``NameRules._by_structure``): a patronymic word after one or two names, a Spanish particle
# between a given name and a surname.
# (looked for as plain substrings first: a regex gate cost 8 µs a message, these under 1)
_PATRONYMIC_MARKS = ("uulu", "kyzy", "qizi", "kizi", "kızı", "qyzy", "oglu", "oğlu", "ogly", "g'li", "gʻli", "g‘li", "g’li")
_CAP_WORD = r"[A-ZÀ-Þ][a-zß-ÿ]+(?:['’-][A-Za-zß-ÿ]+)?"
_PATRONYMIC_NAME = re.compile(
    rf"(?<![\w'’-])(?P<names>{_CAP_WORD}(?:[ \t]{_CAP_WORD})?)[ \t]+"
    r"(?:uulu|kyzy|kızı|kizi|qizi|qyzy|o[gğ]lu|ogly|o['ʻ‘’]g['ʻ‘’]li)(?=['’]s\b|[^\w'’-]|$)"
)
# Surnames written after "de"/"de la"/"del" that are also places or words: "De la Cruz", "de la Paz", "del Río".
_PARTICLE_SURNAMES = frozenset(
    "cruz paz rosa torre fuente vega garza o hoya rosa luz santos rios reyes rio valle castillo campo monte cerda "
    "leon mora pena sierra riva barrera torres".split()
)
def _particle_gate(text: str) -> bool:
    return " de " in text or " del " in text or " De " in text or " Del " in text


_PARTICLE_NAME = re.compile(
    rf"(?<![\w'’-])(?P<given>{_CAP_WORD})[ \t]+(?:[Dd]e[ \t]+(?:la|las|los|La|Los)|[Dd]el|[Dd]e)[ \t]+"
    rf"(?P<surname>{_CAP_WORD})(?![\w'’-])"
)
_THE_SURNAME_GROUP = re.compile(
    r"[Tt]he[ \t]+(?P<w>[A-ZÀ-Þ][a-zß-ÿ]+(?:['’-][A-ZÀ-Þ][a-zß-ÿ]+)?)(?:['’]s)?[ \t]+"
    r"(?:family|families|brothers|sisters|siblings|kids|children|household|subpoena|indictment)\b"
)
# What a person has and a place, a firm or an office does not: "Bazemore has a 19yo son", "Wheeler has a 2019 sex
# offense", "Major has a warrant?", "Hutchings has a FB", "Simms had 2 phones on him" (up to two words between).
_HAS_THING = re.compile(
    r"[ \t]+(?:also[ \t]+|still[ \t]+|now[ \t]+|already[ \t]+)?(?:has|had)[ \t]+"
    r"(?:(?:a|an|no|his|her|two|another|\d{1,4})[ \t]+)?(?P<between>(?:[^\W_]+[ \t]+){0,2}?)"
    r"(?i:warrants?|priors?|convictions?|sex[ \t]+offen[cs]e|record|rap[ \t]+sheet|son|sons|daughters?|kids?|"
    r"children|baby|girlfriend|boyfriend|gf|bf|wife|husband|brothers?|sisters?|mom|mother|dad|father|cousins?|"
    r"phones?|cell|mobile|fb|ig|snap|insta|instagram|facebook|po|parole|probation|lawyer|attorney|dl|passport|"
    r"visa|tps|ead|green[ \t]+card|tattoos?|gun|pistol|firearm|pickup|protective[ \t]+order|restraining[ \t]+order|"
    r"beard)\b"
)
# The possessive of a person's kin, papers or placement, an adjective allowed between ("Crystal's new number",
# "Justice's dob", "Honesty's placement", "Hope's intake", "Brook's guardian").
_PAPERS_AFTER = re.compile(
    r"['’]s[ \t]+(?:(?:new|old|real|current|other|legal|own|older|younger|little|big)[ \t]+)?"
    r"((?i:dob|d\.o\.b|ssn|passport|placement|intake|guardian|mom|mum|mama|mother|dad|father|sister|brother|"
    r"aunt|uncle|cousin|grandma|grandmother|baby[ \t]+(?:mama|mother|daddy|father)|kids?|son|daughter|"
    r"boyfriend|girlfriend|husband|wife|pimp|caseworker|po|parole|probation|lawyer|attorney|advocate|"
    r"number|phone|cell|wallet|dl|real[ \t]+name|full[ \t]+name|last[ \t]+name|resume))\b"
)
# "Kingston is 12.", "Boston is 15 and": an age said of the word, nothing after the number.
_IS_AGE = re.compile(
    r"[ \t]+(?:is|was|turned|turns)[ \t]+\d{1,2}(?=[ \t]*(?:[.,;!?)]|$|and\b|or\b|y/?o\b|years?\b))"
)


_FRAME_LEAD = re.compile(r"['’]s|[ \t]+(?:is|was|'s|’s|turns|turned|also|still|now|already|has|had)\b")


def _strong_frame(text: str, end: int) -> bool:
    """A frame after a word that only a person fits, even a word that is also a place or a thing: a kin or role noun
    said of it ("King is the one they think ...", "Greer is the aunt"), the possessive of a person's kin or papers
    ("Justice's dob", "Crystal's new number"), an age said of it ("Kingston is 12.") or what a person has ("Young has
    a pickup", "Major has a warrant?")."""
    if not _FRAME_LEAD.match(text, end):
        return False  # most words: one match tells
    if _KIN_PREDICATE.match(text, end) or _IS_AGE.match(text, end) or has_thing(text, end):
        return True
    papers = _PAPERS_AFTER.match(text, end)
    # a title-case noun is an office's title ("Commonwealth's Attorney", "State's Witness")
    return papers is not None and not papers.group(1).istitle()


def has_thing(text: str, end: int) -> bool:
    """``_HAS_THING`` after ``end``, no function word between "has" and the thing ("Catholic Charities has one via
    phone" is no one's phone)."""
    match = _HAS_THING.match(text, end)
    return match is not None and not any(
        word.casefold() in STOP_WORDS for word in match.group("between").split()
    )



# A correction of a name's spelling ("Falk, not Faulk", "*Okonkwo not Okonjo", "sorry typo above: Choi not Chio"):
# two single capitalised words of one style, spelled nearly alike, either side of "not" or "instead of".
_CORRECTION = re.compile(
    r"(?<![\w'’-])\*?(?P<a>[A-ZÀ-Þ][^\W\d_]+(?:['’-][^\W\d_]+)?),?[ \t]+(?:not|NOT|instead[ \t]+of)[ \t]+\*?"
    r"(?P<b>[A-ZÀ-Þ][^\W\d_]+(?:['’-][^\W\d_]+)?)(?![\w'’-])"
)
_CAPITALISED_BEFORE = re.compile(r"[A-ZÀ-Þ][^\W\d_]*(?:['’]s?)?[ \t]+$")
_CAPITALISED_AFTER = re.compile(r"[ \t]+[A-ZÀ-Þ0-9]")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+\*?$")
_SENTENCE_START = re.compile(r"(?:^|[.!?\n]|^>)[ \t]*$")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two short words, or ``limit + 1`` once it is certainly above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(row) > limit:
            return limit + 1
    return row[-1]


# Frames only a person fits, strong enough for any capitalised word, an everyday word too ("Ash", "Ocean", "Onyx"):
# the pronouns someone goes by, a person noun in brackets, what is done only to a person, the possessive of a
# person's name, kin or cell.
_PERSON_NOUNS = (
    r"kid|boy|girl|teen|teenager|youth|client|victim|survivor|minor|son|daughter|brother|sister|cousin|mom|dad|"
    r"mother|father|boyfriend|girlfriend|woman|man|guy|baby|niece|nephew|aunt|uncle|grandma|grandmother|grandson|"
    r"granddaughter|twin|resident|participant|mentee|worker"
)
# (three expressions, each opening with a character or a class, so ``re`` skips ahead to where one can start)
_ONLY_A_PERSON = (
    re.compile(
        r"\((?=[ \t]*(?i:she|he|they|ze|xe)[ \t]*/"
        rf"|[ \t]*(?i:the|her|his|our|their|a|an)[ \t]+(?:[^\W\d_]+[ \t]+){{0,3}}?(?i:{_PERSON_NOUNS})\b(?!['’]))"
    ),
    re.compile(
        r"[ \t](?:was|were|got|had[ \t]+been|has[ \t]+been|is[ \t]+being)[ \t]+(?:forced[ \t]+to|trafficked|recruited|"
        r"groomed|raped|assaulted|abused|beaten|pimped|kidnapped|abducted|arrested|detained|deported|"
        r"picked[ \t]+up[ \t]+by|born|diagnosed|hospitali[sz]ed)\b"
    ),
    re.compile(
        r"['’]s[ \t]+(?:(?:new|old|real|legal|chosen|current|other)[ \t]+)?(?i:deadname|dead[ \t]+name|legal[ \t]+name|"
        r"real[ \t]+name|chosen[ \t]+name|pronouns|cell|mom|mum|mother|dad|father|auntie|aunt|uncle|grandma|"
        r"grandmother|sister|brother|cousin|boyfriend|girlfriend|baby[ \t]+(?:mama|daddy)|caseworker|guardian)\b"
    ),
)
# "River is a good fit for the program, they/them, 20": the subject of a sentence said to go by a person's pronouns.
_SUBJECT_PRONOUNS = re.compile(
    r"[ \t]+(?:is|was)\b[^.!?\n]{0,80}?,[ \t]*(?i:she|he|they|ze|xe)[ \t]*/[ \t]*(?i:her|him|them|hers|his|theirs)\b"
)
# "Sage and Storm are twins": two capitalised words said to be siblings or minors together.
_PAIR_OF_PEOPLE = re.compile(
    r"(?<![\w'’-])(?P<a>[A-ZÀ-Þ][a-zß-ÿ]{2,})[ \t]+(?:and|&)[ \t]+(?P<b>[A-ZÀ-Þ][a-zß-ÿ]{2,})[ \t]+(?:are|were)[ \t]+"
    r"(?:both[ \t]+|all[ \t]+|the[ \t]+)?(?i:twins|sisters|brothers|siblings|cousins|minors|juveniles|the[ \t]+victims|"
    r"boyfriend[ \t]+and[ \t]+girlfriend|married|engaged|dating)\b"
)
# "the client is Ocean, nonbinary, 19", "night auditor is Pradeep", "V2 in the Dallas case is Brooklyn, 16": a person
# noun, up to four words, "is"/"was", then one or two capitalised words ending the clause.
_IS_CAPITAL = re.compile(r"[ \t](?:is|was)[ \t]+(?=[A-ZÀ-Þ])")
_ROLE_BEFORE = re.compile(
    r"(?:\b(?i:client|victim|survivor|vic|girl|boy|kid|teen|youth|minor|suspect|driver|owner|boss|manager|recruiter|"
    r"trafficker|pimp|buyer|auditor|clerk|foreman|supervisor|landlord|landlady|cook|employer|madam|boyfriend|"
    r"girlfriend|husband|wife|cousin|roommate|one|contact|caller|reporter|witness|interpreter)|\b[VTW]\d{1,2})"
    r"(?:[ \t]+(?!is\b|was\b)[\w'’-]+){0,4}?$"
)
_NAME_AFTER_IS = re.compile(
    r"[A-ZÀ-Þ][a-zß-ÿ]+(?:['’-](?![sS]\b)[A-Za-zß-ÿ]+)?(?:[ \t][A-ZÀ-Þ][a-zß-ÿ]+(?:['’-](?![sS]\b)[A-Za-zß-ÿ]+)?)?"
    r"(?=[ \t]*(?:[,.;:!?)]|$|[ \t](?:and|or|but|not|who|\(|-|—|–)\b))"
)
# Words that describe a person rather than name one: "the driver is White, 45".
_DESCRIPTIONS = frozenset(
    "white black brown red tan native indigenous mixed male female trans unknown single married tall short heavy "
    "slim thin young old older younger pregnant deaf blind local new".split()
)
# after an everyday word or a place, an age or a person's pronouns in the clause: "is Brooklyn, 16", "is Ocean, 19"
_AGE_OR_PRONOUN_SOON = re.compile(
    r"[^.;!?\n]{0,24}?(?:(?<![\d:/.-])\b\d{1,2}\b(?![\d:/.-]|[ \t]*(?:%|am|pm|min|hours?|hrs?|days?|weeks?|months?))"
    r"|\b(?i:she|he|they)/(?i:her|him|them)\b|\b(?i:nonbinary|non-binary|trans)\b)"
)


# A speaker's name opening a line of a chat log or a transcript, after a bracketed time or in brackets itself:
# "[03/22/2024 9:41 PM] Kenny B: how young", "[Tillis]: tell your mama ...".
_SPEAKER = re.compile(
    r"(?m)^[ \t]*(?:\[[^\]\n]{0,29}\d[^\]\n]{0,29}\][ \t]*(?P<n>[A-ZÀ-Þ][^\W\d_]+(?:[ \t][A-ZÀ-Þ][^\W\d_]*\.?)?)"
    r"|\[(?P<b>[A-ZÀ-Þ][^\W\d_]+(?:[ \t][A-ZÀ-Þ][^\W\d_]*\.?)?)\])[ \t]*:[ \t]"
)
# A pasted form's name fields on one line, both labels in capitals: "LAST NDIAYE FIRST FATOU", "SURNAME: ... GIVEN
# NAMES: ...".
_NAME_FIELDS = re.compile(
    r"(?m)^[ \t]*(?:(?:LAST|SURNAME|FAMILY)(?:[ \t]+NAME)?[ \t]*[:=]?[ \t]+(?P<l1>{w}(?:[ \t]{w})?)[ \t]+"
    r"(?:FIRST|GIVEN)(?:[ \t]+NAMES?)?[ \t]*[:=]?[ \t]+(?P<f1>{w}(?:[ \t]{w})?)"
    r"|(?:FIRST|GIVEN)(?:[ \t]+NAMES?)?[ \t]*[:=]?[ \t]+(?P<f2>{w}(?:[ \t]{w})?)[ \t]+"
    r"(?:LAST|SURNAME|FAMILY)(?:[ \t]+NAME)?[ \t]*[:=]?[ \t]+(?P<l2>{w}(?:[ \t]{w})?))[ \t]*$".replace(
        "{w}", r"[A-ZÀ-Þ][^\W\d_]*(?:['’-][^\W\d_]+)*"
    )
)

_PERSON_VERBS_AFTER = _VERBS_AFTER_NAME - frozenset(
    "will would should could cannot can might may never finally already just still also dob mrn ssn cell ph tel "
    "phone email passport dl age aged named".split()
)


def person_evidence(text: str, start: int, end: int) -> bool:
    """Whether the words around ``text[start:end]`` show it names a person: a title or role before it, a kinship
    noun after its possessive, "(the boyfriend ..." or an age in parentheses after it (see ``_TITLE_BEFORE``)."""
    return bool(
        _TITLE_BEFORE.search(text, max(0, start - 24), start)
        or _PERSON_AFTER.match(text, end)
        or _KIN_PREDICATE.match(text, end)
    )


def person_verb_after(text: str, end: int) -> bool:
    """A person's verb right after ``end`` ("Whitfield got popped", "Mali says"): weaker evidence than
    ``person_evidence`` -- agencies and cities say things too ("Pasadena says") -- so the engine asks for more."""
    after = re.match(r"[ \t]+([^\W\d_]+)", text[end : end + 30])
    return after is not None and after.group(1).casefold() in _PERSON_VERBS_AFTER


def is_place(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is (inside) a place name: "Austin", "San Antonio", "Marion County", "the
    Westchase complex". Only the words around the span are looked at, so this is cheap per finding (and cached by
    that window: a name repeated a thousand times in a long message is looked up once)."""
    window_start = max(0, start - 40)
    return _is_place_in(text[window_start : end + 40], start - window_start, end - window_start)


@functools.lru_cache(maxsize=16384)
def _is_place_in(text: str, start: int, end: int) -> bool:
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    inside = [i for i, (s, e, _w) in enumerate(tokens) if s < end and e > start]
    if not inside:
        return False
    first, last = inside[0], inside[-1]
    # only the words from three before the span to the end of a four-word place, or one after it, are read
    low, high = max(0, first - 3), max(last + 1, first + 3)
    words = [(s, e, fold_accents(w) if low <= i <= high else w) for i, (s, e, w) in enumerate(tokens)]
    if (
        last + 1 < len(words)
        and words[last + 1][2] in _PLACE_AFTER
        and text[words[last][1] : words[last + 1][0]] == " "
    ):
        return True  # "Marion County", "Clayton Co.", "Tyler PD"
    if last > first and words[last][2] in _PLACE_ABBREVIATION:
        return True  # the span ends in one: "Cesar Chavez St", "Manning Ave", "Jefferson Co"
    if first == last and _STATE_CODES.match(text, words[last][1]):
        return True  # "Paris TX", "Jackson, MI"
    if (
        first == last
        and _IN_PLACE.search(text, max(0, start - 12), start)
        and text[end : end + 2] not in ("'s", "’s")
    ):
        return True  # "placed in Joliet", "outside Ehrenberg": one word after "in" is a place, not a person
    if person_evidence(text, start, end):
        return False  # "Mr. Park", "Austin (the boyfriend)", "Whitfield got popped": a person with a place's name
    if first == last and locative_town(text, start, end):
        return True  # "out of Whiteriver", "staging at Walcott": a small town after a locative preposition
    known = places()
    for i in range(max(0, first - 3), first + 1):
        for j in range(last, min(len(words), i + 4)):
            if all(text[words[k][1] : words[k + 1][0]] == " " for k in range(i, j)):
                if " ".join(w for _s, _e, w in words[i : j + 1]).replace("-", " ") in known:
                    return True
    return False


def find_denied_aliases(
    text: str, deny_hashes: frozenset[str], keyed_hash: Callable[[str], str], max_words: int = 3
) -> Iterator[Finding]:
    """Known aliases from the deny-list, compared only as keyed hashes of ``normalise_alias`` n-grams.

    The deny-list never holds an alias in the clear; the engine hashes each candidate of one to ``max_words``
    words (with and without a leading @ or $) and looks the digest up.
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"[@$]?[\w'’.-]*\w", text)]
    for index in range(len(words)):
        for width in range(1, max_words + 1):
            if index + width > len(words):
                break
            start, end = words[index][0], words[index + width - 1][1]
            candidate = normalise_alias(text[start:end])
            for form in _forms(candidate):
                if keyed_hash(form) in deny_hashes:
                    yield Finding(start, end, PERSON, 1.0, "deny_list")
                    break


def _forms(candidate: str) -> Iterable[str]:
    yield candidate
    if candidate[:1] in "@$":
        yield candidate[1:]
