"""Whether a name in Cyrillic or Arabic script is the same name as one in Latin letters ("Shabnam" and "شبنم",
"Gulnora Yusupova" and "Гулнора Юсупова"), compared by their consonants: each side is reduced to a skeleton --
letters mapped to a common Latin spelling, vowels and the letters a script writes as vowels (y, w/v, a final h)
dropped, doubled letters written once -- and the skeletons must be equal and hold three consonants or more."""

from __future__ import annotations

import functools
import re

from redaction.normalise import fold_accents

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўқғңөүұһә",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g u k g n o u u h a".split(),
        strict=True,
    )
)
_ARABIC = dict(
    zip(
        "ابپتثجچحخدذرزژسشصضطظعغفقکكگلمنوهیيةءآأإئؤى",
        "a b p t s j ch h kh d z r z zh s sh s z t z _ gh f q k k g l m n w h y y h _ a a a y w y".split(),
        strict=True,
    )
)
_DIGRAPHS = (("shch", "S"), ("sch", "S"), ("tch", "C"), ("kh", "x"), ("sh", "S"), ("ch", "C"), ("zh", "Z"), ("gh", "G"),
             ("ts", "c"), ("ph", "f"), ("dj", "j"))  # fmt: skip
_MERGED = str.maketrans({"q": "k", "c": "k", "x": "k", "G": "g"})
_DROPPED = re.compile(r"[aeiouyvw_'’\-\s]")
_REPEAT = re.compile(r"(.)\1+")


def _latin_skeleton(latin: str) -> str:
    word = fold_accents(latin).casefold()
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    word = _DROPPED.sub("", word.translate(_MERGED))
    word = _REPEAT.sub(r"\1", word)
    return word[:-1] if word.endswith("h") else word


@functools.lru_cache(maxsize=4096)
def skeleton(word: str) -> str:
    """The consonant skeleton of one word in Latin, Cyrillic or Arabic letters ("" for another script)."""
    lowered = word.casefold()
    if any("\u0400" <= ch <= "\u04ff" for ch in lowered):
        return _latin_skeleton("".join(_CYRILLIC.get(ch, "" if ch.isalpha() else ch) for ch in lowered))
    if any("\u0600" <= ch <= "\u06ff" for ch in lowered):
        return _latin_skeleton("".join(_ARABIC.get(ch, "") for ch in lowered))
    return _latin_skeleton(lowered) if lowered.isascii() or fold_accents(lowered).isascii() else ""


def same_name(latin: str, other: str) -> bool:
    """``latin`` and ``other`` (one to four words each) spell the same name: word by word the same skeleton, three
    consonants or more in all."""
    left, right = latin.split(), other.split()
    if not left or len(left) != len(right):
        return False
    pairs = [(skeleton(a), skeleton(b)) for a, b in zip(left, right, strict=True)]
    return all(a and a == b for a, b in pairs) and sum(len(a) for a, _b in pairs) >= 3
