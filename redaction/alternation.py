"""A long case-insensitive list of words as a regular expression Python's ``re`` tries quickly, same matches.

``re`` tries the branches of ``(?i:client|victim|...)`` one by one at every place it could start, and under
IGNORECASE a branch that cannot match its first character still costs a full attempt: a list of 60 cue words cost up
to 20 µs on a 40-character message. Grouped by their first letter as a case-sensitive character class --
``(?:(?-i:[cC])(?i:lient|ousin)|(?-i:[vV])(?i:ictim|ic)|...)`` -- the engine skips a branch whose class does not
hold the character without entering it (a check ``re`` makes for a branch that starts with a class).

The same matches, by construction: the class of a letter is exactly what the letter matches under IGNORECASE (``i``
also matches "İ" and "ı", ``k`` the Kelvin sign, ``s`` the long s: ``tests/unit/redaction/test_alternation.py``
checks every code point), the branches of one letter keep their order, and branches of different letters cannot
match at the same place (their classes are disjoint), so their order does not matter. A branch that does not start
with a letter is an error: write it outside the list.
"""

from __future__ import annotations

import re

# what an ASCII letter matches under IGNORECASE, besides its two cases (checked over every code point by the test)
_FOLDED = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_QUANTIFIER = "*+?{"
_LETTER_CLASSES = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + "".join(_FOLDED.values())


def letter_class(letter: str) -> str:
    """The characters ``letter`` (ASCII) matches under IGNORECASE, as a character class."""
    lower = letter.lower()
    return f"[{lower}{lower.upper()}{_FOLDED.get(lower, '')}]"


def branches(alternation: str) -> list[str]:
    """The top-level branches of ``alternation`` (``"a|b(?:c|d)|[|]"`` -> ``["a", "b(?:c|d)", "[|]"]``)."""
    out: list[str] = []
    depth = 0
    start = 0
    index = 0
    in_class = False
    while index < len(alternation):
        char = alternation[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if alternation[index + 1 : index + 2] == "^":
                index += 1
            if alternation[index + 1 : index + 2] == "]":
                index += 1  # "[]...]": a leading "]" is a member
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(alternation[start:index])
            start = index + 1
        index += 1
    out.append(alternation[start:])
    return out


def by_first_letter(alternation: str) -> str:
    """``(?i:alternation)`` -- each branch a word or phrase starting with an ASCII letter, or with a letter of
    another script that matches no ASCII character -- as a group of the same matches, branched by first letter."""
    groups: dict[str, list[str]] = {}
    for branch in branches(alternation):
        if not _branchable(branch):
            raise ValueError(
                f"branch {branch!r} does not start with a letter (or starts with one like İ, ı, K, ſ)"
            )
        groups.setdefault(branch[0].lower(), []).append(branch[1:])
    keys = list(groups)
    for index, key in enumerate(keys):
        for other in keys[index + 1 :]:
            if re.fullmatch(f"(?i:{re.escape(key)})", other) or re.fullmatch(f"(?i:{re.escape(other)})", key):
                raise ValueError(f"branches starting with {key!r} and {other!r} match the same character")
    # a letter of another script matches no ASCII character (refused above): any non-ASCII character passes the
    # class, and the look-behind checks it is that letter under IGNORECASE
    parts = [
        f"(?-i:{letter_class(letter)})"
        if letter.isascii()
        else f"(?-i:[^\x00-\x7f])(?<=(?i:{re.escape(letter)}))"
        for letter in keys
    ]
    return f"(?:{'|'.join(part + _rest(groups[key]) for part, key in zip(parts, keys, strict=True))})"


def _rest(rests: list[str]) -> str:
    """What may follow a first letter: branched again by the next letter when every branch has one, else as is."""
    if len(rests) > 1 and all(_branchable(rest) for rest in rests):
        return by_first_letter("|".join(rests))
    return f"(?i:{'|'.join(rests)})"


def _branchable(branch: str) -> bool:
    first = branch[:1]
    return (
        first.isalpha()
        and not (branch[1:2] != "" and branch[1:2] in _QUANTIFIER)
        and (first.isascii() or re.search(f"(?i:{re.escape(first)})", _LETTER_CLASSES) is None)
    )
