"""Text normalisation with a map back to the original offsets.

People hide PII from filters, sometimes on purpose (``M\u200baria``, fullwidth digits, a Cyrillic "а" inside a Latin
name) and sometimes by pasting from phones. Recognizers run on the normalised text; every finding is mapped back so
the *original* characters, including any invisible ones inside the span, are masked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

# Cyrillic and Greek letters that render like Latin ones; applied only inside words that also contain Latin letters,
# so Russian or Greek text is left alone.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "һ": "h", "ӏ": "l", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
        "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "Α": "A", "Β": "B",
        "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T",
        "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")
_LOOKALIKE = re.compile("[" + "".join(chr(c) for c in _CONFUSABLES) + "]")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus, for each of its characters, the original span it came from.

    ``starts``/``ends`` are ``None`` when the text was already normal (plain ASCII), the common chat case, so the
    fast path costs one ``isascii`` call.
    """

    text: str
    starts: list[int] | None
    ends: list[int] | None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in the normalised text to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


# Letters or digits typed one by one to slip past filters or read off a screenshot: "m a r i s o l",
# "J.e.s.s.i.c.a", "M-a-r-c-u-s", "Room 2 2 6". Four or more single characters with the same separator.
_SPACED_OUT = re.compile(
    r"(?<![^\W_])(?:[^\W_]([ .\-])[^\W_](?:\1[^\W_]){2,}|\d([ .\-])\d\2\d)(?![^\W_])"
)
_RUN_GAP = re.compile(r"[ ]{2,3}")


def normalise(text: str) -> Normalised:
    """NFKC per character cluster, digits of every script as ASCII digits, format characters (zero-width, bidi controls, soft hyphen, emoji variation
    selectors and keycaps) dropped, lone surrogates replaced, other separators turned into spaces, mixed-script
    lookalikes folded to Latin, and spaced-out letters joined ("m a r i s o l" -> "marisol")."""
    norm = _normalise_characters(text)
    if norm.text.count("\\t") >= 2:
        norm = _typed_tabs(norm)
    if _SPACED_OUT.search(norm.text) is None:
        return norm
    return _joined_spaced_out(norm)


# A table pasted with its tabs escaped (a backslash and a "t" between cells): each typed tab is read as one tab,
# so the cells are words of their own ("\\t604-11-2290" is no word "t604"). Only when the text holds two or more.
_TYPED_TAB = re.compile(r"(?<!\\)\\t")


def _typed_tabs(norm: Normalised) -> Normalised:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    text = norm.text
    position = 0
    for match in _TYPED_TAB.finditer(text):
        for index in range(position, match.start()):
            out.append(text[index])
            starts.append(norm.starts[index] if norm.starts is not None else index)
            ends.append(norm.ends[index] if norm.ends is not None else index + 1)
        out.append("\t")
        starts.append(norm.starts[match.start()] if norm.starts is not None else match.start())
        ends.append(norm.ends[match.end() - 1] if norm.ends is not None else match.end())
        position = match.end()
    for index in range(position, len(text)):
        out.append(text[index])
        starts.append(norm.starts[index] if norm.starts is not None else index)
        ends.append(norm.ends[index] if norm.ends is not None else index + 1)
    return Normalised("".join(out), starts, ends)


def _joined_spaced_out(norm: Normalised) -> Normalised:
    """Drop the separators inside spaced-out runs (and shrink a 2-3 space gap between two such runs to one)."""
    text = norm.text
    drop = bytearray(len(text))
    runs = list(_SPACED_OUT.finditer(text))
    for run in runs:
        for index in range(run.start() + 1, run.end(), 2):  # every other character is the separator
            drop[index] = 1
    for before, after in pairwise(runs):
        gap = _RUN_GAP.fullmatch(text, before.end(), after.start())
        if gap is not None:
            for index in range(before.end() + 1, after.start()):
                drop[index] = 1
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if drop[index]:
            continue
        out.append(char)
        if norm.starts is None or norm.ends is None:
            starts.append(index)
            ends.append(index + 1)
        else:
            starts.append(norm.starts[index])
            ends.append(norm.ends[index])
    return Normalised("".join(out), starts, ends)


def _normalise_characters(text: str) -> Normalised:
    if text.isascii():
        return Normalised(text, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        code = ord(ch)
        if ch.isascii():
            out.append(ch)
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        category = unicodedata.category(ch)
        if category == "Cf" or 0xFE00 <= code <= 0xFE0F or code == 0x20E3 or 0xE0100 <= code <= 0xE01EF:
            # invisible, or an emoji variation selector / keycap ("3\ufe0f\u20e3" is the digit 3): dropped, but
            # masked with the character before it, so a finding ending there hides it too
            if ends and ends[-1] == i:
                ends[-1] = i + 1
            i += 1
            continue
        if category == "Cs" or 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        j = i + 1
        while j < n and not text[j].isascii() and unicodedata.combining(text[j]):
            j += 1
        piece = " " if category in ("Zs", "Zl", "Zp") else unicodedata.normalize("NFKC", text[i:j])
        for produced in piece:
            if unicodedata.category(produced) == "Cf":
                continue
            if not produced.isascii() and produced.isdecimal():
                # Arabic-Indic, Persian, Devanagari, Burmese... digits: "٠٧٨١٤٥٦٢٢٠٣" is a phone number too
                produced = str(unicodedata.decimal(produced))
            out.append(produced)
            starts.append(i)
            ends.append(j)
        i = j
    folded = "".join(out)
    if _LOOKALIKE.search(folded):
        folded = _WORD.sub(_fold_mixed_script, folded)
    return Normalised(folded, starts, ends)


def _fold_mixed_script(match: re.Match[str]) -> str:
    word = match.group(0)
    if _LATIN.search(word) and _LOOKALIKE.search(word):
        return word.translate(_CONFUSABLES)  # one character for one, so offsets stay valid
    return word


def normalise_alias(text: str) -> str:
    """The canonical form of an alias before it is keyed-hashed for the deny-list.

    Callers hash ``normalise_alias(alias)`` when they add an alias; the engine hashes candidates the same way, so
    "Big  Papi", "BIG PAPI" and "big\u200bpapi" all meet the same digest.
    """
    folded = normalise(text).text
    folded = unicodedata.normalize("NFKC", folded).casefold()
    return " ".join(folded.split())


@lru_cache(maxsize=65536)
def fold_accents(word: str) -> str:
    """``"María"`` -> ``"maria"``; name lexicon lookups ignore accents and case. Cached: the precision filters fold
    the same words of a name-dense message hundreds of thousands of times (NFKD is slow on a non-ASCII word)."""
    lowered = word.casefold()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
