"""Last pass over a message's findings: whole names, and every occurrence of what was found.

*Name completion.* A PERSON finding that holds part of a name grows to the name's adjacent parts: a capitalised
surname or middle name ("Nguyen" -> "Nguyen Thi Lan"), initials ("T. H. Pham", "maria j lopez"), particles before
a capitalised or lexicon word ("Juan de la Cruz", "Ahmed bin Salem", "Omar al-Rashid", "Maria dela Cruz"), lexicon
words in lower case ("maria lopez"), the whole of a quoted nickname ("Big Mike" in quotes), the rest of a name in
Arabic script ("محمد بن عبد الله"), and the same person written in another script in parentheses right after or
before the name ("Nguyen Thi Lan (阮氏蘭)", "阮氏蘭 (Nguyen Thi Lan)"), and a name set equal to it on one line ("Chayo =
Rosario", not "Driver = ...").

*Every occurrence.* Any string found as PII (ages and short strings aside) is masked wherever else it occurs in
the message, and so is every distinctive word of a found name: "Lopez" once found in "Maria Lopez" is masked in
"Lopez's car" three paragraphs on, and a card number found in one chunk of a long message is masked in every
chunk. Searching is ``str.find`` per distinct string (C speed, linear in the message per string); the number of
distinct strings searched is capped so that all the searches together read about ``_REPEAT_BUDGET`` characters at
most (400 strings in a 100 KB message, thousands in a chat-sized one), so this step costs milliseconds at any size.

Hand-written rather than a library: no library completes names across scripts with offsets kept; the rules are
small and bounded (at most ``_MAX_EXTRA`` words each side).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from redaction.findings import AGE, PERSON, Finding
from redaction.names import _LABEL_CUE, _NEVER_A_NICKNAME, _SOFT_CUE, _WEAK_CUE
from redaction.normalise import fold_accents
from redaction.transliterate import same_name
from redaction.vocabulary import (
    AMBIGUOUS_FIRST_NAMES,
    COMMON_WORDS,
    NOT_A_PERSON,
    TITLES,
    everyday_words,
    first_names,
    last_names,
    word_names,
)

_MAX_EXTRA = 4
_REPEAT_BUDGET = 40_000_000  # characters read by all searches of one message together
_MIN_REPEAT_STRINGS = 400
# Particles inside names: "de la Cruz", "van der Berg", "bin Salem", "dela Cruz", "delos Santos", "al Rashid".
PARTICLES = frozenset(
    """
    de del della dela delos de' da das do dos di du la las le les los van von der den ter ten bin binti bint ibn
    ben abu al el y e mac st
    """.split()
)
# Words a name never takes as a part, whatever their case: place and organisation words after a name.
_NOT_A_PART = frozenset(
    """
    county co pd police sheriff street st avenue ave road rd boulevard blvd drive dr lane ln highway hwy park mall
    plaza center centre clinic hospital airport station market ranch farm city motel hotel inn suites lodge church
    school apartments apts apt village villas homes estates township parish borough isd university college
    department dept office court jail detention services unit task force team spa massage nails salon club bar
    lounge studio store shop restaurant cafe kitchen group home program center
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
# A name word for the every-occurrence search, with the combining vowel signs of Indic, Thai and Myanmar words and
# the marks of Hebrew and Arabic (not word characters to ``re``), so that "मालचन्द" is one word, not three pieces.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0dff\u0e31-\u0e4e\u1000-\u109f"
_PART_WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*(?:['’-][^\W\d_]+)*\.?")
_MARK = re.compile(rf"[{_MARKS}]")
_INITIAL = re.compile(r"[^\W\d_]\.?")
_GAP = re.compile(r"[ \t]{1,2}")
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u0590-\u06ff\u0700-\u08ff\u0900-\u0dff"
                        r"\u0e00-\u0fff\u1000-\u109f\u10a0-\u10ff\u1100-\u11ff\u1200-\u137f\u1780-\u17ff"
                        r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # fmt: skip
# Scripts written with spaces between words (a name's parts are separate words), by block: Greek, Cyrillic, Armenian,
# Hebrew, Arabic (and Syriac/Thaana), Devanagari to Sinhala, Georgian, Ethiopic, Hangul syllables.
_SPACED_SCRIPTS = (
    (0x0370, 0x03FF), (0x0400, 0x052F), (0x0530, 0x058F), (0x0590, 0x05FF), (0x0600, 0x08FF), (0x0900, 0x0DFF),
    (0x10A0, 0x10FF), (0x1200, 0x137F), (0xAC00, 0xD7AF),
)  # fmt: skip
# A word of one script, its combining vowel signs included ("मालचन्द": the signs are not \w to ``re``).
_SCRIPT_WORD = re.compile(r"[^\W\d_][^\s\d_.,;:!?()\[\]{}<>\"“”«»/|]*")
# A capitalised particle just before a found name is part of it: "Le Ngoc Hoa", "Van Nguyen", "De Jesus", "Bin Salem".
# (and the Arabic kunya and nasab words before a name: "Umm Khalid", "Abou Hassan", "Bint Saleh")
_CAPITAL_PARTICLES = frozenset("le van de da do dos das del della di du bin ibn abu abou umm bint al ben ter".split())
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff]+")
# Arabic function words and words about a person that are not part of her name ("محمد يعمل في": works in).
_ARABIC_STOP = frozenset(
    """
    في من على إلى الى عن مع هو هي كان كانت قال قالت يعمل تعمل عمره عمرها رقم هاتف اسمه اسمها لا نعم و أو او ثم
    التي الذي هذا هذه ذلك تلك عند لدى بعد قبل منذ حتى لكن وقد قد مريض مريضة الضحية العميل العميلة ابنه ابنها
    """.split()
)
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»"}
_PAREN = re.compile(r"[ \t]*[(（]([^()（）\n]{1,40})[)）]")
# The same person written again in the other script after a slash, an equals sign or a dash: "Yonas Gebremedhin /
# ዮናስ ገብረመድህን", "ሰላም ኃይሌ = Selam Haile", "Serhiy Bondarenko / Сергій Бондаренко".
_PAIR_AFTER = re.compile(r"[ \t]*(?:/|=|\||—|–)[ \t]*([^\s\d()（）,;:=/|][^\d()（）\n,;:=/|]{0,40})")
_PAIR_BEFORE = re.compile(r"([^\s\d()（）,;:=/|][^\d()（）\n,;:=/|]{0,40}?)[ \t]*(?:/|=|\||—|–)[ \t]*$")
# Characters _PAIR_BEFORE and _quoted need in the window they search: where there is none they are not tried (a 100 KB
# message of repeated names grows 40,000 spans, and searching each window was a third of that cost).
_PAIR_SEPARATOR = re.compile(r"[/=|—–]")
_QUOTE_CHAR = re.compile("[\"“'‘«]")
# A name in Han, kana or Hangul written right beside the same name in Latin letters, with only a space or a comma
# between ("He Jianjun 何建军, 47岁", "林美華, Lin Meihua", "Baek Young-sook 백영숙"): two to four characters that are a
# short island (no more of those scripts touching them), so a Chinese sentence around a Latin name is not taken.
_CJK = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
_CJK_AFTER = re.compile(rf"(?:[ \t]|,[ \t]?)({_CJK}{{2,4}})(?!{_CJK})")
_CJK_BEFORE = re.compile(rf"(?<!{_CJK})({_CJK}{{2,4}})(?:[ \t]|,[ \t]?)$")
_PAREN_BEFORE = re.compile(r"([^\s()（）][^()（）\n]{0,38}?)[ \t]*[(（][^()（）\n]*$")


@lru_cache(maxsize=16384)
def _lexicon_name(word: str) -> bool:
    """A first name or surname of the lexicon (either half of a hyphenated one: "cruz-santos")."""
    for part in re.split(r"[-’']", word):
        key = fold_accents(part)
        if key and key not in COMMON_WORDS and (key in first_names() or key in last_names()):
            return True
    return False


# Abbreviated given names written with a full stop: "Ma. Luisa" (María), "Md." / "Mohd." (Muhammad), "Wm.".
_GIVEN_ABBREVIATIONS = frozenset("ma md mohd muhd wm jos geo chas thos fco ma.".split())


# Short East and Southeast Asian surnames that are also English or common words, taken only title-case right after a
# found given name ("Kevin Do", "Anna Ho") or right before a found name mid-sentence ("He Jianjun", "Ma Lin").
_SHORT_SURNAMES = frozenset("Do Ho Le Ly Ma Vu He Lo Ng Oh Ha Ta Yu Wu Hu Xu Li Lu Mo Bo Ko".split())


# After a name: generational suffixes (written as they are), patronymic words of Central Asia and the Caucasus
# ("son of", "daughter of", written after the father's name), and a widow's "viuda de" before her husband's surname.
_SUFFIXES = frozenset("Jr Sr Jnr Snr JR SR II III".split())
_PATRONYMIC_AFTER = frozenset("uulu kyzy kizi kızı qizi qyzy ogly oglu oğlu ogli o'g'li oʻgʻli o‘g‘li o’g’li uly".split())
_WIDOW = frozenset("viuda vda vda. vda".split())
# A Vietnamese name's middle word that announces the given name after it ("Thị", "Văn"; "Van" and "Thi" only after a
# Vietnamese surname): the given name may be any word ("My", "Long", "Hung").
_VIETNAMESE_MIDDLE = re.compile(
    r"(?:\b(?:Th[ịi]|TH[ỊI]|V[ăa]n|V[ĂA]N)|"
    r"\b(?:Nguy[ễe]n|Tr[ầa]n|L[êe]|Ph[ạa]m|Ho[àa]ng|Hu[ỳy]nh|Phan|V[ũu]|V[õo]|[ĐD][ặa]ng|B[ùu]i|[ĐD][ỗo]|Ng[ôo]|D[ươ]*ng)"
    r"[ \t]+(?:Thi|Van))$"
)
# Balinese birth-order words (first to fourth child, and "Luh"/"Gede", girl and boy): a given name's part.
_BIRTH_ORDER = frozenset("wayan putu gede luh made kadek nengah nyoman komang ketut".split())
# Words before a name that are a place's first word or an honorific, not a given name: "Santa Cruz Barillas",
# "Tan Rosa Cruz Taitano" (Chamorro "Tan"/"Tun": Mrs/Mr).
_NOT_GIVEN_BEFORE = frozenset("san santa santo sao saint st tan tun".split())
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:the|a|an)[ \t]+)$")


# Common Chinese surnames in pinyin (and Cantonese spellings), and a given name of one or two pinyin syllables:
# after a found surname of the list the given name is a part whatever English word it also is ("Wang Jun").
_CHINESE_SURNAMES = frozenset(
    """
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie song tang han
    feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao cui zhong
    tan fan jin shi liao jia xia fu fang zou xiong bai meng qin qiu hou yin xue yan duan lei long shao qian kong mao
    wong chan cheung lau ng leung kwok
    """.split()
)
_PINYIN_SYLLABLE = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|ua|uo|ui|un|ue|a|o|e|i|u)"
_PINYIN_GIVEN = re.compile(rf"{_PINYIN_SYLLABLE}(?:-?{_PINYIN_SYLLABLE})?")
_PREFIX_NICKNAMES = frozenset("Lao Xiao Ah Da".split())


def _particle_then_name(text: str, position: int) -> int | None:
    """The end of "de X" / "de la X" right after ``position`` when X is a capitalised name word, else None."""
    match = re.match(r"[ \t]+(?:de|del)(?:[ \t]+(?:la|los|las))?[ \t]+([A-ZÀ-Þ][^\W\d_]+(?:['’-][^\W\d_]+)*)", text[position : position + 60])
    if match is None or not _is_capitalised(match.group(1)) or match.group(1).casefold() in COMMON_WORDS:
        return None
    return position + match.end(1)


def _surname_first(span: str) -> bool:
    """A found name of title-case words that is a surname alone ("Balogun") or two names or more ("Akinyi
    Wanjiru"): a given name that is also a word may stand before it."""
    words = span.split()
    return (
        bool(words)
        and all(w[:1].isupper() for w in words)
        and (len(words) >= 2 or fold_accents(words[0]) not in first_names())
    )


def _lexicon_given(span: str) -> bool:
    """The last word of ``span`` is a given name of the lexicon ("Kevin" of "Kevin")."""
    words = span.split()
    return bool(words) and fold_accents(words[-1]) in first_names()


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and not (word.isupper() and len(word) > 1 and len(word) <= 4)


def complete_names(
    text: str, findings: Iterable[Finding], is_name_word: Callable[[str], bool]
) -> list[Finding]:
    """New PERSON findings: each PERSON finding grown to its adjacent name parts (see the module docstring)."""
    out: list[Finding] = []
    done: set[tuple[int, int, float, str]] = set()  # the same span from several recognizers is grown once
    is_name_word = _memoised(is_name_word)
    grown: dict[tuple[int, int], tuple[int, int]] = {}
    for finding in findings:
        if finding.label != PERSON:
            continue
        once = (finding.start, finding.end, finding.score, finding.source)
        if once in done:
            continue
        done.add(once)
        span = (finding.start, finding.end)
        if span not in grown:
            grown[span] = _grown(text, finding.start, finding.end, is_name_word)
        start, end = grown[span]
        if (start, end) != span:
            out.append(Finding(start, end, PERSON, finding.score, finding.source))
        out.extend(_other_script(text, start, end, finding.score))
        if "=" in text:
            out.extend(_equated(text, start, end, finding.score, is_name_word))
        out.extend(_reversed_field(text, start, end, finding.score, finding.source))
        out.extend(_labelled_script(text, start, end, finding.score))
        quoted = _quoted(text, start, end) or _bracketed(text, start, end)
        if quoted is not None:
            out.append(Finding(quoted[0], quoted[1], PERSON, finding.score, finding.source))
    return out


def _memoised(is_name_word: Callable[[str], bool]) -> Callable[[str], bool]:
    """``is_name_word`` asked once per distinct word of one message (it folds accents and reads four lists)."""
    verdicts: dict[str, bool] = {}

    def cached(word: str) -> bool:
        verdict = verdicts.get(word)
        if verdict is None:
            verdict = verdicts[word] = is_name_word(word)
        return verdict

    return cached


def _ok_part(word: str, lower_name: bool, is_name_word: Callable[[str], bool]) -> bool:
    return _ok_part_word(word, lower_name)


@lru_cache(maxsize=16384)
def _ok_part_word(word: str, lower_name: bool) -> bool:
    """``_ok_part``'s verdict, which depends on the word alone (a name-dense message asks it for the same few words
    tens of thousands of times)."""
    bare = word.rstrip(".")
    key = bare.casefold()
    if not bare or key in _NOT_A_PART or key in NOT_A_PERSON:
        return False
    if _NON_LATIN.search(bare):
        return False  # another script is handled by _other_script
    if _is_capitalised(bare):
        return key not in COMMON_WORDS
    if bare.isupper():  # a short all-caps word: an agency ("HSI") unless the name itself is in capitals
        return False
    # a lower-case part only from the name lists: "unknown" words would take a whole clause in Vietnamese or Tagalog
    return lower_name and _lexicon_name(bare)


# The word just before a name, one or two spaces before it (searched in the 40 characters before the name).
_WORD_BEFORE = re.compile(
    r"(?:^|(?<=[\s(\"“'\u3000-\u303f\u4e00-\u9fff\uff01-\uff1f]))([^\W\d_]+(?:['’-][^\W\d_]+)*\.?)[ \t]{1,2}$"
)


def _grown(text: str, start: int, end: int, is_name_word: Callable[[str], bool]) -> tuple[int, int]:
    span = text[start:end]
    if _ARABIC_WORD.search(span) and not re.search(r"[A-Za-z]", span):
        start, end = _whole_script_words(text, start, end)
        start, end = _grown_arabic(text, start, end)
        return _grown_script(text, start, end)
    if script_of(span) is not None:
        return _grown_script(text, *_whole_script_words(text, start, end))
    if _THAI.search(span) is not None and not re.search(r"[A-Za-z]", span):
        return _thai_island(text, start, end)
    lower_name = span.islower()
    caps_name = span.isupper() and len(span) > 4
    # right
    for _ in range(_MAX_EXTRA):
        gap = _GAP.match(text, end)
        if gap is None:
            break
        word = _WORD.match(text, gap.end())
        if word is None:
            break
        token = word.group(0)
        bare = token.rstrip(".")
        if token.endswith(".") and len(bare) > 1:
            token, bare = bare, bare  # a sentence's full stop is not part of the name
        word_end = gap.end() + len(token)
        if len(bare) == 1 and bare.isalpha():
            # an initial: only when a further name part follows ("maria j lopez", "T. H. Pham")
            following = _GAP.match(text, word_end)
            nxt = _WORD.match(text, following.end()) if following else None
            if nxt is None or not (
                _ok_part(nxt.group(0), lower_name or caps_name, is_name_word)
                or nxt.group(0).rstrip(".").casefold() in PARTICLES
            ):
                break
            end = word_end
            continue
        if bare in _SUFFIXES and not lower_name and text[start:end][:1].isupper():
            end = word.end()  # "Jose Santos Reyes Jr.", "Ransom Pennington Sr.", "Juan Carlos Mendoza III"
            break
        if bare.casefold() in _PATRONYMIC_AFTER:
            end = word_end  # "Azamat Bakyt uulu", "Rustam Alisher o'g'li", "Elnur Rashid oglu": son/daughter of
            continue
        if (
            bare.casefold() in _WIDOW
            and (married := _particle_then_name(text, word_end)) is not None
        ):
            end = married  # "Josefa Benítez viuda de Vásquez", "María López vda. de Ruiz": a widow's married name
            continue
        if (
            _VIETNAMESE_MIDDLE.search(text, start, end)
            and bare[:1].isupper()
            and len(bare) <= 6
            and bare.casefold() not in _NOT_A_PART
        ):
            end = word_end  # "Huỳnh Thị My", "Pham Van Long": after Thị/Văn comes the given name, whatever it means
            continue
        if (
            text[start:end].casefold() in _CHINESE_SURNAMES
            and bare[:1].isupper()
            and _PINYIN_GIVEN.fullmatch(bare.casefold())
            and bare.casefold() not in _NOT_A_PART
        ):
            end = word_end  # "Wang Jun", "Chen Fang": a Chinese surname, then a given name of one or two syllables
            break
        if token in _SHORT_SURNAMES and not lower_name and not caps_name and _lexicon_given(text[start:end]):
            end = word_end  # "Kevin Do", "Anna Ho": a short surname that is also an English word
            break
        if bare.casefold() in PARTICLES:
            following = _GAP.match(text, word_end)
            nxt = _WORD.match(text, following.end()) if following else None
            if nxt is None:
                break
            part = nxt.group(0)
            if bare.casefold() in PARTICLES and part.casefold() in PARTICLES:  # "de la Cruz", "van der Berg"
                following2 = _GAP.match(text, nxt.end())
                nxt2 = _WORD.match(text, following2.end()) if following2 else None
                if nxt2 is None or not _is_capitalised(nxt2.group(0).rstrip(".")) or not _ok_part(
                    nxt2.group(0), False, is_name_word
                ):
                    break
                end = nxt2.end() - (1 if nxt2.group(0).endswith(".") else 0)
                continue
            if not (_is_capitalised(part) or lower_name) or not _ok_part(part, lower_name, is_name_word):
                break
            end = nxt.end() - (1 if part.endswith(".") and len(part) > 2 else 0)
            continue
        if caps_name and bare.isupper() and _lexicon_name(bare):
            end = word_end
            continue
        if not _ok_part(token, lower_name, is_name_word):
            break
        end = word_end
    # left: initials ("T. H. Pham"), particles before a found surname are not taken alone, lexicon given names
    for _ in range(_MAX_EXTRA):
        if start == 0 or text[start - 1] not in " \t":
            break
        # The word cannot hold a space: search only after the last space before it (same result, far fewer tries).
        word_end = start - 2 if start >= 2 and text[start - 2] in " \t" else start - 1
        space = text.rfind(" ", max(0, start - 40), word_end)
        base = space + 1 if space != -1 else max(0, start - 40)
        before = _WORD_BEFORE.search(text[base:start])
        if before is None:
            break
        token = before.group(1)
        bare = token.rstrip(".")
        new_start = base + before.start(1)
        if len(bare) == 1 and bare.isupper():
            start = new_start
            continue
        if token.endswith(".") and bare.casefold() in _GIVEN_ABBREVIATIONS:
            start = new_start  # "Ma. Luisa Ocampo"
            continue
        if token.endswith(".") and len(bare) > 1:
            break  # a sentence ends before the name
        if bare.casefold() in _BIRTH_ORDER and bare.istitle():
            # Balinese birth-order names before the given name, with "I" (a man) or "Ni" (a woman) before them:
            # "I Made Suarjana", "Ni Luh Putu Ayu", "I Wayan Sudirta"
            start = new_start
            marker = re.search(r"(?:^|(?<=[\s(\"“']))(I|Ni)[ \t]$", text[max(0, start - 4) : start])
            if marker is not None:
                start = max(0, start - 4) + marker.start(1)
                break
            continue
        if (
            bare.istitle()
            and fold_accents(bare) in word_names()
            and fold_accents(bare) not in TITLES
            and fold_accents(bare) not in _NOT_GIVEN_BEFORE
            and bare.casefold() not in _QUOTE_OPENERS  # "Boss Lam", "Uncle Minh": a role or kin word
            and not _sentence_start(text, new_start)
            and _surname_first(text[start:end])
            and not _ARTICLE_BEFORE.search(text, max(0, new_start - 5), new_start)
        ):
            start = new_start  # "with Peace Balogun", "she's Mercy Akinyi Wanjiru": a given name that is a word
            break
        if (
            bare.casefold() in _CHINESE_SURNAMES
            and bare.istitle()
            and _PINYIN_GIVEN.fullmatch(text[start:end].casefold())
            and not _sentence_start(text, new_start)
        ):
            start = new_start  # "Sun Guiying", "Long Xiaomei": a Chinese surname that is also a word, before a
            break  # given name of one or two syllables of pinyin
        if bare in _PREFIX_NICKNAMES and text[start:end].casefold() in _CHINESE_SURNAMES:
            start = new_start  # "Lao Zhou", "Xiao Ma", "Ah Keung": old/young/familiar before a surname
            break
        if token in _SHORT_SURNAMES and not _sentence_start(text, new_start) and text[start:end].istitle():
            start = new_start  # "one of the men, He Jianjun": a surname written first
            break
        if bare.casefold() in PARTICLES and bare.islower():
            start = new_start  # "da Silva" found as "Silva"
            continue
        if (
            bare.casefold() in _CAPITAL_PARTICLES
            and (bare.istitle() or (bare.isupper() and caps_name))
        ):
            start = new_start  # "to Le Ngoc Hoa", "LE MINH HOA"
            continue
        if _is_capitalised(bare) and bare.casefold() not in COMMON_WORDS and is_name_word(bare) and not _sentence_start(text, new_start):
            start = new_start
            continue
        if lower_name and bare.islower() and _lexicon_name(bare):
            start = new_start
            continue
        break
    return start, end


def script_of(span: str) -> tuple[int, int] | None:
    """The spaced non-Latin script block all the letters of ``span`` belong to, or None (Latin, mixed, unspaced)."""
    block: tuple[int, int] | None = None
    for ch in span:
        if not ch.isalpha():
            continue
        point = ord(ch)
        found = next((b for b in _SPACED_SCRIPTS if b[0] <= point <= b[1]), None)
        if found is None or (block is not None and found != block):
            return None
        block = found
    return block


def _whole_script_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A name found in a spaced non-Latin script that starts or ends inside a word takes the whole word: a
    recognizer's token stops at a vowel sign or a virama, which are no word characters to ``re`` ("अन" of "अनुज",
    "රොෂාන" of "රොෂාන්", "राजेश थाप" of "राजेश थापा"). Not Hangul: a Korean word holds its particles."""
    block = script_of(text[start:end])
    if block is None or block[0] == 0xAC00:
        return start, end
    size = len(text)
    low, high = block
    while end < size and (_is_mark(text[end]) or (low <= ord(text[end]) <= high and text[end].isalpha())):
        end += 1
    while start > 0 and (_is_mark(text[start - 1]) or (low <= ord(text[start - 1]) <= high and text[start - 1].isalpha())):
        start -= 1
    return start, end


_THAI = re.compile("[\u0e00-\u0e7f]")
# A Thai name in other text: a given name and a surname, each a run of Thai letters, one space between
_THAI_ISLAND = re.compile("(?<![\u0e00-\u0e7f])[\u0e01-\u0e7f]{2,16}(?:[ \t][\u0e01-\u0e7f]{2,16})?(?![\u0e00-\u0e7f]|[ \t][\u0e00-\u0e7f])")


def _thai_island(text: str, start: int, end: int) -> tuple[int, int]:
    """Thai is written without spaces between words but with one between a given name and a surname: a name found
    in Thai letters takes the whole of a short island of Thai in other text, one or two runs of up to 16 characters
    ("สมชาย ใจดี" in an English line; its vowel signs after the found part too), never a word of a Thai sentence."""
    for island in _THAI_ISLAND.finditer(text, max(0, start - 17)):
        if island.start() > start:
            break
        if end <= island.end():
            return island.start(), island.end()
    return start, end


def _is_mark(char: str) -> bool:
    """A combining vowel sign, virama or diacritic (Unicode category M)."""
    return unicodedata.category(char)[0] == "M"


def _in_script(word: str, block: tuple[int, int]) -> bool:
    # (a modifier letter is no script's: Ukrainian "Вʼячеслав" writes its apostrophe as U+02BC)
    letters = [ch for ch in word if ch.isalpha() and not 0x02B0 <= ord(ch) <= 0x02FF]
    return bool(letters) and all(block[0] <= ord(ch) <= block[1] for ch in letters)


def _grown_script(text: str, start: int, end: int) -> tuple[int, int]:
    """A name found in a spaced non-Latin script takes its neighbours in the same script: all of them when the run
    of that script's words is a short island in other text (at most ``_MAX_EXTRA`` words: a name written beside
    Latin or Chinese text, "моя донька Ганна Колесниченко" aside), else the capitalised ones in a cased script
    (Cyrillic, Greek, Armenian). Arabic function words and words about a person stop it."""
    block = script_of(text[start:end])
    if block is None or block[0] == 0xAC00:
        # (a Korean name is one word, surname and given name together; the words beside it are titles, particles
        # and the sentence: "이수진 학생", "강 실장", "성함은 김혜선입니다")
        return start, end
    cased = block[0] < 0x0590  # Greek, Cyrillic, Armenian have capitals
    left: list[tuple[int, int]] = []
    position = start
    while len(left) <= _MAX_EXTRA:
        before = re.search(r"(\S+)[ \t]{1,2}$", text[max(0, position - 40) : position])
        if before is None:
            break
        word_start = max(0, position - 40) + before.start(1)
        word = before.group(1)
        if not _in_script(word, block) or _SCRIPT_WORD.fullmatch(word) is None or word in _ARABIC_STOP:
            break
        left.append((word_start, word_start + len(word)))
        position = word_start
    right: list[tuple[int, int]] = []
    position = end
    while len(right) <= _MAX_EXTRA:
        gap = _GAP.match(text, position)
        word_match = _SCRIPT_WORD.match(text, gap.end()) if gap else None
        if word_match is None:
            break
        word = word_match.group(0)
        if word.endswith(("'s", "’s")):
            word = word[:-2]  # "இசைவளன் ரமணன்'s cousin": the English possessive is not part of the name
        if not _in_script(word, block) or word in _ARABIC_STOP:
            break
        right.append((word_match.start(), word_match.start() + len(word)))
        position = word_match.start() + len(word)
        if len(word) < len(word_match.group(0)):
            break
    span_words = len(text[start:end].split())
    if span_words + len(left) + len(right) <= _MAX_EXTRA:
        if left:
            start = left[-1][0]
        if right:
            end = right[-1][1]
        return start, end
    if not cased:
        return start, end
    for word_start, _word_end in left:
        if not text[word_start].isupper():
            break
        start = word_start
    for _word_start, word_end in right:
        if not text[_word_start].isupper():
            break
        end = word_end
    return start, end


def _sentence_start(text: str, position: int) -> bool:
    """Whether ``position`` opens the message or a sentence: "Routine Maria ..." must not take "Routine"."""
    before = text[max(0, position - 3) : position].rstrip(" \t")
    return not before or before[-1] in ".!?\n:"


def _grown_arabic(text: str, start: int, end: int) -> tuple[int, int]:
    for _ in range(_MAX_EXTRA):
        gap = _GAP.match(text, end)
        word = _ARABIC_WORD.match(text, gap.end()) if gap else None
        if word is None or word.group(0) in _ARABIC_STOP or (word.group(0).startswith("و") and len(word.group(0)) > 3):
            break
        end = word.end()
    return start, end


_COMMA_OTHER = re.compile(r",[ \t]*([\u0400-\u04ff\u0600-\u06ff]+(?:[ \t][\u0400-\u04ff\u0600-\u06ff]+){0,3})")


def _paired_word(word: str, span_latin: bool) -> bool:
    """A word of the other script than the found name's; in Latin letters only a capitalised one ("Selam")."""
    if _NON_LATIN.search(word) is not None:
        return span_latin
    return not span_latin and word[:1].isupper() and word.replace("-", "").replace("'", "").isalpha()


def _other_script(text: str, start: int, end: int, score: float) -> list[Finding]:
    """The same person in another script in parentheses just after ("Nguyen Thi Lan (阮氏蘭)") or a name in another
    script just before a parenthesised found name ("阮氏蘭 (Nguyen Thi Lan)")."""
    out = []
    span_latin = _NON_LATIN.search(text, start, end) is None
    after = _PAREN.match(text, end)
    if after is not None:
        inner = after.group(1).strip()
        if inner and (_NON_LATIN.search(inner) is not None) == span_latin and len(inner.split()) <= 4:
            if not any(ch.isdigit() for ch in inner):
                offset = after.start(1) + (len(after.group(1)) - len(after.group(1).lstrip()))
                out.append(Finding(offset, offset + len(inner), PERSON, score, "name_script"))
    paired = _PAIR_AFTER.match(text, end)
    if paired is not None:
        words = list(re.finditer(r"\S+", paired.group(1)))
        kept = []
        for word in words[:4]:
            if _paired_word(word.group(0), span_latin):
                kept.append(word)
            else:
                break
        if kept:
            base = paired.start(1)
            out.append(Finding(base + kept[0].start(), base + kept[-1].end(), PERSON, score, "name_script"))
    window = max(0, start - 44)
    paired = _PAIR_BEFORE.search(text, window, start) if _PAIR_SEPARATOR.search(text, window, start) else None
    if paired is not None:
        words = list(re.finditer(r"\S+", paired.group(1)))
        kept = []
        for word in reversed(words[-4:]):
            if _paired_word(word.group(0), span_latin):
                kept.insert(0, word)
            else:
                break
        if kept:
            base = paired.start(1)
            out.append(Finding(base + kept[0].start(), base + kept[-1].end(), PERSON, score, "name_script"))
    if span_latin and text.startswith(",", end):
        # the same name in Cyrillic or Arabic letters after a comma ("Gulnora Yusupova, Гулнора Юсупова"): only
        # when it is spelled the same, consonant for consonant (``same_name``)
        comma = _COMMA_OTHER.match(text, end)
        if comma is not None and same_name(text[start:end], comma.group(1)):
            out.append(Finding(comma.start(1), comma.end(1), PERSON, score, "name_script"))
    if span_latin:
        island = _CJK_AFTER.match(text, end)
        if island is not None:
            out.append(Finding(island.start(1), island.end(1), PERSON, score, "name_script"))
        island = _CJK_BEFORE.search(text, max(0, start - 8), start)
        if island is not None:
            out.append(Finding(island.start(1), island.end(1), PERSON, score, "name_script"))
    if start > 0 and text[start - 1] in "(（":
        before = re.search(r"([^\s\d()（）,;:][^\d()（）\n,;:]{0,30}?)[ \t]*$", text[max(0, start - 40) : start - 1])
        if before is not None:
            inner = before.group(1).strip()
            if inner and (_NON_LATIN.search(inner) is not None) == span_latin and len(inner.split()) <= 4:
                # only the words in the other script (the sentence before may be in Latin letters)
                words = list(re.finditer(r"\S+", inner))
                base = max(0, start - 40) + before.start(1)
                kept = [w for w in words if (_NON_LATIN.search(w.group(0)) is not None) == span_latin]
                if kept and span_latin:
                    first = kept[0]
                    out.append(Finding(base + first.start(), base + kept[-1].end(), PERSON, score, "name_script"))
    return out


# A name set equal to a found name on one line, in the same script ("Chayo = Rosario Méndez", "Tyrell Simmons =
# Ghost", "Whitfield = \"Dee\""): the other side's capitalised words, read outward from the "=".
_NAME_WORD = r"[A-ZÀ-Þ][^\W\d_]*(?:['’-](?![sS]\b)[^\W\d_]+)*"  # "Sione's": the name is "Sione"
_NAME_RUN = rf"{_NAME_WORD}(?:[ \t]{_NAME_WORD}){{0,2}}"
_EQUATED_AFTER = re.compile(rf"[ \t]*=[ \t]*(?P<q>[\"“]?)(?P<run>{_NAME_RUN})")
_EQUATED_BEFORE = re.compile(rf"(?<![\w'’-])(?P<run>{_NAME_RUN})(?P<q>[\"”]?)[ \t]*=[ \t]*[\"“]?$")


def _equated_word(word: str, is_name_word: Callable[[str], bool]) -> bool:
    """A name word, no everyday word unless a given name, and no role a label names ("Encargado", "Driver")."""
    key = fold_accents(word)
    return (
        is_name_word(word)
        and (key not in everyday_words() or key in first_names() or key in AMBIGUOUS_FIRST_NAMES)
        and key not in TITLES
        and _SOFT_CUE.fullmatch(word + " ") is None
        and _WEAK_CUE.fullmatch(word + " ") is None
    )


_LINE_START = re.compile(r"(?:^|\n)[ \t>*•-]*$")


def _alias_of_whole_name(text: str, at: int, word: str, start: int, end: int) -> bool:
    """One title-case word opening a line, set equal to a whole name found after it (two words or more): an alias,
    even an everyday word ("Star = Estrella Pacheco"), but no title, role, form label, month or weekday ("Driver =
    ...", "Contact = ...", "Uncle = ...")."""
    key = fold_accents(word)
    return (
        word[:1].isupper()
        and word[1:].islower()
        and len(word) > 1
        and len(text[start:end].split()) >= 2
        and _LINE_START.search(text, max(0, at - 8), at) is not None
        and key not in TITLES
        and key not in _NEVER_A_NICKNAME
        and _SOFT_CUE.fullmatch(word + " ") is None
        and _WEAK_CUE.fullmatch(word + " ") is None
        and _LABEL_CUE.match(word + ": ") is None
    )


def _equated(
    text: str, start: int, end: int, score: float, is_name_word: Callable[[str], bool]
) -> list[Finding]:
    if _NON_LATIN.search(text, start, end) is not None:
        return []  # another script's pairs are _other_script's
    out = []
    after = _EQUATED_AFTER.match(text, end)
    if after is not None:
        words = list(re.finditer(r"\S+", after.group("run")))
        quoted = bool(after.group("q")) and text[after.end() : after.end() + 1] in ('"', "”")
        kept = []
        for word in words:
            if not (quoted or _equated_word(word.group(0), is_name_word)):
                break
            kept.append(word)
        if kept:
            base = after.start("run")
            out.append(Finding(base + kept[0].start(), base + kept[-1].end(), PERSON, score, "name_equated"))
    if "=" in text[max(0, start - 4) : start]:
        before = _EQUATED_BEFORE.search(text, max(0, start - 60), start)
        if before is not None:
            words = list(re.finditer(r"\S+", before.group("run")))
            quoted = bool(before.group("q")) and before.start("run") > 0 and text[before.start("run") - 1] in ('"', "“")
            kept = []
            for word in reversed(words):
                if not (quoted or _equated_word(word.group(0), is_name_word)):
                    break
                kept.insert(0, word)
            if not kept and len(words) == 1 and _alias_of_whole_name(text, before.start("run"), words[0].group(0), start, end):
                kept = words  # "Star = Estrella Pacheco, DOB ...", "Daddy = Khalil Jenkins, 27": an alias, a word too
            if kept:
                base = before.start("run")
                out.append(Finding(base + kept[0].start(), base + kept[-1].end(), PERSON, score, "name_equated"))
    return out


# A record's name field written "SURNAME, GIVEN MIDDLE" alone after its label ("DEF: MIMS, TAYLOR DESHAWN", "Victim:
# KARAPETYAN, LUSINE", "Guest: Trevino, Josue A"): up to two words each side of the comma, the line ends after it.
_FIELD_NAME = r"[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
_REVERSED_FIELD = re.compile(
    rf"[ \t]*[^\W\d_][^:\n]{{0,24}}:[ \t]*"
    rf"(?P<name>{_FIELD_NAME}(?:[ \t]{_FIELD_NAME})?,[ \t]*{_FIELD_NAME}(?:[ \t]{_FIELD_NAME}){{0,2}})[ \t]*(?:\n|$)"
)


def _reversed_field(text: str, start: int, end: int, score: float, source: str) -> list[Finding]:
    """The whole "SURNAME, GIVEN" of a record's name field when a finding holds one side of it."""
    line_start = text.rfind("\n", max(0, start - 100), start) + 1
    if line_start == 0 and start > 100:
        return []
    match = _REVERSED_FIELD.match(text, line_start)
    if match is None or not (match.start("name") <= start and end <= match.end("name")):
        return []
    name = match.group("name")
    if any(word.rstrip(".").casefold() in COMMON_WORDS for word in re.split(r"[ \t,]+", name) if len(word) > 1):
        return []  # "Houston, TX", "Notify by, phone": not a name
    return [Finding(match.start("name"), match.end("name"), PERSON, score, source)]


# A language or script named right before a found person's name written in it: "Urdu محمد عمران", "Ge'ez spelling
# ትዕግስት አለሙ", "Devanagari सबिना गुरुङ", "Korean: 한소라" -- on the same line after the found name (the Latin one).
_SCRIPT_LABEL = re.compile(
    r"(?i:\b(?:urdu|arabic|farsi|persian|dari|pashto|hindi|nepali|devanagari|bengali|bangla|punjabi|gurmukhi|"
    r"shahmukhi|tamil|telugu|amharic|ge['’]?ez|tigrinya|ethiopic|korean|hangul|chinese|mandarin|cantonese|japanese|"
    r"kanji|thai|khmer|burmese|myanmar|lao|russian|ukrainian|cyrillic|greek|hebrew|georgian|armenian|sinhala)"
    r"(?:[ \t]+(?:spelling|script|name|characters|chars|writing|version))?)[ \t]*[:=-]?[ \t]*$"
)
_SCRIPT_RUN = re.compile(r"(?<![^\s(])[^\x00-\x7f\s()（）,;:=/|.!?“”«»]+(?:[ \t][^\x00-\x7f\s()（）,;:=/|.!?“”«»]+){0,3}")


def _labelled_script(text: str, start: int, end: int, score: float) -> list[Finding]:
    """A name in another script after a language or script label later on the found name's line (see
    ``_SCRIPT_LABEL``): one to four words all in a non-Latin script, ending the clause."""
    if _NON_LATIN.search(text, start, end) is not None:
        return []
    line_end = text.find("\n", end)
    stop = len(text) if line_end == -1 else line_end
    out = []
    for run in _SCRIPT_RUN.finditer(text, end, min(stop, end + 160)):
        words = run.group(0).split()
        if not all(_NON_LATIN.search(word) is not None and not re.search(r"[A-Za-z]", word) for word in words):
            continue
        if _SCRIPT_LABEL.search(text, max(end, run.start() - 40), run.start()) is None:
            continue
        out.append(Finding(run.start(), run.end(), PERSON, score, "name_script"))
    return out


def _quoted(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole quoted nickname when a finding holds part of it: '"Big Mike"' found as "Mike"."""
    if _QUOTE_CHAR.search(text, max(0, start - 30), start) is None:
        return None  # the loop below would find no quote
    left = start - 1
    while left >= max(0, start - 30) and text[left] not in _QUOTES and text[left] != "\n":
        left -= 1
    if left < 0 or left < start - 30 or text[left] not in _QUOTES:
        return None
    close = _QUOTES[text[left]]
    right = text.find(close, end, end + 30)
    if right == -1 or "\n" in text[end:right]:
        return None
    inner = text[left + 1 : right]
    if not inner.strip() or len(inner.split()) > 3 or any(ch.isdigit() for ch in inner):
        return None
    if not _nickname_words(inner, quoted=True):
        return None  # '"Nena's Spa"', '"in the US"': not a nickname
    if text[left] == "'" and (left > 0 and text[left - 1].isalnum()):
        return None  # an apostrophe, not a quote
    if (left + 1, right) == (start, end):
        return None
    return left + 1, right


# Words that open a quote around a name without being part of it: a greeting or a request ('"Hi Maria"', '"ask for
# Coco"').
_QUOTE_OPENERS = frozenset(
    "hi hello hey dear ask for call text to from with and or the a an my our your her his boss uncle aunt auntie".split()
) | TITLES


_QUOTED_KIN = frozenset("uncle aunt auntie".split())


def _nickname_words(inner: str, quoted: bool = False) -> bool:
    """The words of a quote or bracket read as one name: an everyday word only in title case ('"Sweet Mother"', '"Lao
    Wang"', '"Ty Bullz"' -- a street or contact name), never a place or organisation word, a greeting or a lower-case
    everyday word ('"in the US"'). In quotes a kin word heading the name is part of it (session 14: '"Uncle Ray"',
    '"Auntie Lan"', the name a contact is saved or known under); in brackets it is not ("(Uncle Minh)")."""
    for raw in inner.split():
        word = raw.strip(".,'’")
        key = word.casefold()
        if quoted and key in _QUOTED_KIN and word[:1].isupper():
            continue
        if key in _NOT_A_PART or key in _QUOTE_OPENERS or key in NOT_A_PERSON:
            return False
        if key in COMMON_WORDS and key not in PARTICLES and not word[:1].isupper():
            return False
    return True


# A bracketed name of two or three title-case words around a found part: "(Khoi Do)", "(the boss) Lao Wang".
_BRACKET_BEFORE = re.compile(r"[(（]([^()（）\n,;:]{0,30})$")
_BRACKET_AFTER = re.compile(r"([^()（）\n,;:]{0,30})[)）]")


def _bracketed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole bracketed name when a finding holds part of it and every word in the brackets is a title-case
    name-like word: "(Khoi Do)" found as "Khoi"."""
    if "(" not in text[max(0, start - 31) : start] and "（" not in text[max(0, start - 31) : start]:
        return None
    before = _BRACKET_BEFORE.search(text, max(0, start - 31), start)
    after = _BRACKET_AFTER.match(text, end, end + 31)
    if before is None or after is None:
        return None
    left, right = before.start(1), after.end(1)
    inner = text[left:right]
    words = inner.split()
    if not 2 <= len(words) <= 3 or inner != inner.strip() or any(ch.isdigit() for ch in inner):
        return None
    if not all(word[:1].isupper() and not (word.isupper() and len(word) > 1) for word in words):
        return None  # "(HSI Houston)", "(not Maria)"
    if any(word.casefold() in COMMON_WORDS and word not in _SHORT_SURNAMES for word in words):
        return None  # "(Hakha Chin)", "(Truckers Against Trafficking)": an everyday word, unlike in a nickname
    if not _nickname_words(inner) or (left, right) == (start, end):
        return None
    return left, right


# Labels whose found string is masked wherever it recurs. Ages ("17") and short strings would mask ordinary numbers.
_NOT_REPEATED = frozenset({AGE})


class Occurrences:
    """Where strings occur in one message's text, each string searched for once: the every-occurrence search
    (``repeated``) runs up to four times on a message -- twice for the work budget's forecasts, twice in the final
    passes -- mostly for the same strings."""

    __slots__ = ("_at", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = text.lower()
        self._at: dict[tuple[str, bool], list[int]] = {}

    def of(self, needle: str, folded: bool) -> list[int]:
        """The start of each occurrence of ``needle`` in the text (``folded``: in its lower-case form), left to right,
        each searched for from the end of the one before."""
        key = (needle, folded)
        found = self._at.get(key)
        if found is None:
            haystack = self.folded if folded else self.text
            found = self._at[key] = []
            position = haystack.find(needle)
            while position != -1:
                found.append(position)
                position = haystack.find(needle, position + len(needle))
        return found


def repeated(text: str, findings: list[Finding], occurrences: Occurrences | None = None) -> list[Finding]:
    """Findings for every other occurrence of a found string and of a found name's distinctive words (``occurrences``:
    the strings of ``text`` already searched for)."""
    wanted: dict[str, Finding] = {}  # search key -> the finding it came from
    everyday = everyday_words()
    seen: set[tuple[str, str, bool]] = set()  # a value found 10,000 times is looked at once
    limit = max(_MIN_REPEAT_STRINGS, _REPEAT_BUDGET // max(len(text), 1))
    for finding in findings:
        if finding.label in _NOT_REPEATED:
            continue
        value = text[finding.start : finding.end].strip()
        if finding.label != PERSON:
            value = value.lstrip("([{").rstrip(")]}")  # "(713-555-0078)" is written bare elsewhere
        once = (value, finding.label, finding.source == "tagger")
        if once in seen:
            continue
        seen.add(once)
        if finding.label == PERSON:
            for word in _PART_WORD.finditer(value):
                part = word.group(0).rstrip(".")
                key = part.casefold()
                if (
                    len(part) >= 3
                    and (not part[:1].islower() or value.islower())  # caseless scripts count as capitalised
                    and not ((value.isupper() or finding.source == "tagger") and key in everyday)
                    and key not in COMMON_WORDS
                    and key not in PARTICLES
                    and key not in _NOT_A_PART
                    and not (part.isupper() and len(part) <= 4 and not value.isupper())
                ):
                    wanted.setdefault(part, finding)
            if len(value) >= 3 and not any(ch.isdigit() for ch in value):
                wanted.setdefault(value, finding)
        elif len(value) >= 6 or (len(value) >= 4 and any(ch.isdigit() for ch in value)):
            wanted.setdefault(value, finding)
        if len(wanted) >= limit:
            break
    if not wanted:
        return []
    if occurrences is None or occurrences.text is not text:
        occurrences = Occurrences(text)
    same_length = len(occurrences.folded) == len(text)
    covered = {(f.start, f.end) for f in findings}
    out: list[Finding] = []
    for value, finding in wanted.items():
        # a name part that is also a word ("Precious", "Lâm", "Rose") is matched only as written
        person = finding.label == PERSON and value.casefold() not in everyday
        in_folded, needle = (True, value.lower()) if person and same_length else (False, value)
        if len(needle) != len(value):
            in_folded, needle = False, value
        whole_word = finding.label == PERSON or value[-1:].isalpha() or len(value) < 8
        for position in occurrences.of(needle, in_folded):
            stop = position + len(needle)
            if (position, stop) not in covered and _bounded(text, position, stop, whole_word):
                out.append(Finding(position, stop, finding.label, finding.score, "repeat"))
    return out


def _bounded(text: str, start: int, end: int, word: bool) -> bool:
    """A whole word (for names and strings ending in a letter) or a whole number (not inside a longer one)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if word:
        return not (before.isalnum() or before == "_" or _MARK.match(before)) and not (
            after.isalnum() or after == "_" or _MARK.match(after)
        )
    return True


# What joins the two halves of a name written surname first: "Mahlangu, Thandiwe", "LOZANO/MARISOL", "Choi, Min-jung".
_REVERSED_JOINT = re.compile(r",[ \t]?|/")
_LIST_GOES_ON = re.compile(r"[ \t]*(?:[,;&]|and\b|or\b|y\b)|['’]s\b")
_LIST_WENT_ON = re.compile(r"(?:[,;&]|\band|\bor|\by)[ \t]*$")


def reversed_names(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """One PERSON finding over two found halves of a name written surname first, so the comma or slash between them
    is masked too ("Mahlangu, Thandiwe", "Gómez-Ibarra, Luz Marina", "LOZANO/MARISOL"): a slash between two found
    names, or a comma between one or two found words that end in no given name only and one to three that end in no
    surname only ("Maria, Jose and Ana", "Vang, Xiong, Lee", "Maria Lopez, Ana Ruiz" stay lists)."""
    people = sorted((f.start, f.end, f.score, f.source) for f in findings if f.label == PERSON)
    starts = {start: (end, score, source) for start, end, score, source in people}  # the longest from each start
    out: list[Finding] = []
    for start, end, score, source in people:
        joint = _REVERSED_JOINT.match(text, end)
        if joint is None or joint.end() not in starts:
            continue
        other_end, other_score, _other_source = starts[joint.end()]
        if joint.group(0).startswith(","):
            left, right = text[start:end].split(), text[joint.end() : other_end].split()
            if len(left) > 2 or len(right) > 3:
                continue
            key = fold_accents(left[-1].split("-")[-1])
            if key in first_names() and key not in last_names():
                continue  # "Maria, Jose": a list of given names
            key = fold_accents(right[-1].rstrip(".").split("-")[-1])
            if len(key) > 1 and key in last_names() and key not in first_names():
                continue  # "Vang, Xiong", "Maria Lopez, Ana Ruiz": a list of surnames or of whole names
            if _LIST_GOES_ON.match(text, other_end) or _LIST_WENT_ON.search(text, max(0, start - 8), start):
                continue  # "workers Ivan, Petro and Oleh", "present -- Dana, Keisha, Ana Ruiz": a list
        out.append(Finding(start, other_end, PERSON, min(score, other_score), source))
    return out
