"""The small statistical PII tagger that runs beside spaCy's NER and the rules (``redaction.pii_model``).

The rules are precise on the forms they know and blind to the rest; the tagger (trained by
``redaction/data/train_pii_model.py`` on every labelled message we have) generalises to forms nobody wrote a rule for
-- "Lot 22, Happy Hollow MHP, 4410 KY-15 N", "tell her 17 or not" -- but, being small, also tags junk ("212 incoming
txns Jan" as an address, "iPhone 12" as an age). ``plausible`` keeps only spans with the shape of their label, which
removed most of that junk on validation for a small loss of recall (``docs/redaction-evaluation.md``, "Fourth blind
corpus").
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from redaction.completion import script_of
from redaction.context import NUMBER_WORDS
from redaction.findings import (
    ADDRESS,
    AGE,
    CREDIT_CARD,
    DOB,
    HANDLE,
    LABELS,
    PERSON,
    PHONE,
)
from redaction.names import person_span
from redaction.patterns import ADDRESS_WORDS
from redaction.vocabulary import (
    AMBIGUOUS_FIRST_NAMES,
    COMMON_WORDS,
    everyday_or_inflected,
    everyday_words,
    first_names,
    last_names,
)

BUILTIN_PII_MODEL = Path(__file__).resolve().parent / "data" / "pii_model"
# The component of a trained tagger pipeline: a spaCy ``tagger`` whose tags are BILUO entity tags ("B-ADDRESS").
PIPE = "pii_tags"
# Labels whose tagger spans are used when the pipeline's meta names none. The others (e-mail, IP, IBAN, passport,
# ...) have fixed shapes the rules already catch; on held-out text the tagger added nothing there but noise.
DEFAULT_TRUSTED = frozenset({PERSON, ADDRESS, AGE, DOB, HANDLE, PHONE})


class ModelNotAvailable(RuntimeError):
    """No configured spaCy pipeline (or tagger) could be loaded; the message says how to install or set one."""


def load_pii_model(setting: str) -> Language | None:
    """The tagger named by ``pii_model``: ``builtin``, ``off`` or a pipeline directory."""
    if setting == "off":
        return None
    directory = BUILTIN_PII_MODEL if setting == "builtin" else Path(setting)
    if not (directory / "config.cfg").is_file():
        raise ModelNotAvailable(
            f"redaction.pii_model: no trained pipeline at {directory} (expected config.cfg there); "
            "use 'builtin', 'off', or a directory written by redaction/data/train_pii_model.py"
        )
    try:
        nlp = spacy.load(directory)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelNotAvailable(
            f"redaction.pii_model: cannot load {directory} ({type(exc).__name__})"
        ) from exc
    if PIPE not in nlp.pipe_names:
        raise ModelNotAvailable(f"redaction.pii_model: {directory} has no {PIPE} component")
    # The pipeline is saved without its string store (see train_pii_model.py: it would hold every training word);
    # the tag names are all the strings it needs.
    for tag in getattr(nlp.get_pipe(PIPE), "labels", ()):
        nlp.vocab.strings.add(str(tag))
    return nlp


def trusted_labels(tagger: Language) -> frozenset[str]:
    """``trusted_labels`` from the pipeline's meta when given, else ``DEFAULT_TRUSTED``; only labels it knows."""
    declared = tagger.meta.get("trusted_labels")
    wanted = frozenset(str(label) for label in declared) if isinstance(declared, list) else DEFAULT_TRUSTED
    tags = getattr(tagger.get_pipe(PIPE), "labels", ())
    known = frozenset(str(tag).partition("-")[2] for tag in tags if "-" in str(tag))
    return wanted & known & LABELS


# doc.user_data key: per token, the softmax probability of the tag the tagger chose (only when a pipeline's meta sets
# ``min_confidence``; see ``record_confidence``).
CONFIDENCE = "pii_tag_confidence"


def min_confidence(tagger: Language) -> dict[str, float]:
    """``min_confidence`` from the pipeline's meta: per label, the probability below which a tagger span of that
    label is dropped (the span's confidence is its least sure token's). Empty when not given: every span is kept."""
    declared = tagger.meta.get("min_confidence")
    if not isinstance(declared, dict):
        return {}
    return {str(label): float(value) for label, value in declared.items() if str(label) in LABELS}


def record_confidence(tagger: Language) -> None:
    """Make the tagger keep each token's tag probability (the softmax of its scores, which the shipped pipelines do
    not normalise) in ``doc.user_data[CONFIDENCE]``; the tags are the same, the extra cost one softmax per token."""
    pipe: Any = tagger.get_pipe(PIPE)
    original = pipe.predict

    def predict(docs: list[Doc]) -> list[Any]:
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return list(original(docs))
        guesses = []
        for doc, scores in zip(docs, pipe.model.predict(docs), strict=True):
            array = numpy.asarray(pipe.model.ops.to_numpy(scores), dtype="float64")
            shifted = numpy.exp(array - array.max(axis=1, keepdims=True))
            doc.user_data[CONFIDENCE] = (1.0 / shifted.sum(axis=1)).tolist()
            guesses.append(array.argmax(axis=1))
        return guesses

    pipe.predict = predict


def confident(doc: Doc, start: int, end: int, label: str, thresholds: dict[str, float]) -> bool:
    """Whether the tagger span ``doc.text[start:end]`` is at least as sure as ``thresholds`` asks for its label."""
    floor = thresholds.get(label)
    scores = doc.user_data.get(CONFIDENCE)
    if floor is None or scores is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return True
    return bool(min(scores[span.start : span.end]) >= floor)


def tagged_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """Character spans from the per-token BILUO tags, repairing the sequences a token classifier can produce: an
    ``I``/``L`` after ``O`` or after another label starts a span, and a span left open at ``O`` ends there."""
    spans: list[tuple[int, int, str]] = []
    open_label: str | None = None
    for token in doc:
        move, _, label = token.tag_.partition("-")
        if not label or move not in ("B", "I", "L", "U"):
            open_label = None
            continue
        end = token.idx + len(token)
        if open_label == label and move in ("I", "L"):
            spans[-1] = (spans[-1][0], end, label)
        else:
            spans.append((token.idx, end, label))
        open_label = label if move in ("B", "I") else None
    return spans


_DIGIT = re.compile(r"\d")
_NUMBER_GROUP = re.compile(r"\d+")
_MONEY = re.compile(r"\$?\d[\d,]*(?:\.\d{2})?")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_DIGIT_WORD = re.compile(r"(?i)\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b")
_AGE_NUMBER = re.compile(rf"(?i)\d|\b(?:{NUMBER_WORDS})\b")
_AGE_VALUE = re.compile(r"\d+")
_ADDRESS_WORD = re.compile(rf"(?i)(?<![\w])(?:{ADDRESS_WORDS})\.?(?![\w])|\b\d{{5}}(?:-\d{{4}})?\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")


_WORTH_TAGGING = re.compile(rf"[\dA-Z@$_#]|[^\x00-\x7f]|(?i:\b(?:{NUMBER_WORDS}|zero|oh)\b)")


def worth_tagging(text: str) -> bool:
    """Whether the tagger could add anything to ``text``: every span it is trusted for needs a digit (address, DOB,
    phone), a number word (age), a capital (a name: all-lower-case ones are the lexicon's), or a handle character.
    "ok thanks, see you tmrw" skips it -- on one message at a time its fixed cost per call is most of its cost."""
    return _WORTH_TAGGING.search(text) is not None


# Longest plausible span per label: a run-on tagger span over a table row or a paragraph is not one value.
_MAX_CHARS = {PERSON: 60, ADDRESS: 160, AGE: 24, DOB: 32, HANDLE: 40, PHONE: 32, CREDIT_CARD: 32}


_CODE = re.compile(r"[A-Za-z]{1,12}[-#]\d{1,5}[A-Za-z]?")


def plausible(label: str, text: str) -> bool:
    """Whether a tagger span has the shape of its label (see the module docstring)."""
    if len(text) > _MAX_CHARS.get(label, 80):
        return False
    if label == PHONE:  # 7 to 15 digits (E.164): a whole call-log row is not one number
        digits = len(_DIGIT.findall(text))
        return 7 <= digits <= 15 or (digits == 0 and len(_DIGIT_WORD.findall(text)) >= 7)
    if label == CREDIT_CARD:
        return len(_DIGIT.findall(text)) >= 12
    if label == DOB:
        # "Jan 14-15", "9-12", "02-04", "June 14": ranges, hours and days, not births -- a birth date has a year
        # (or three parts); nor is a date in a year still to come.
        years = [int(year) for year in _YEAR.findall(text)]
        groups = len(_NUMBER_GROUP.findall(text))
        return (
            3 <= len(_DIGIT.findall(text)) <= 8
            and (bool(years) or groups >= 3)
            and all(year <= date.today().year for year in years)
        )
    if label == AGE:
        if not _AGE_NUMBER.search(text):
            return False
        return all(int(value) <= 110 for value in _AGE_VALUE.findall(text))
    if label == ADDRESS:
        return bool(_DIGIT.search(text)) and bool(_ADDRESS_WORD.search(text)) and not _CLOCK.search(text)
    if label == HANDLE:
        # "owner_name", "pending_review", "AD_ID\tSITE": field names in pasted dumps; "$300.00": money; "Kill-1",
        # "OP-3", "C-1187": case and operation codes.
        if len(text) < 3 or "\t" in text or _MONEY.fullmatch(text) or _CODE.fullmatch(text):
            return False
        parts = _WORDS.findall(text)
        return not (
            len(parts) > 1 and all(part.casefold() in everyday_words() for part in parts) and "@" not in text
        )
    return True


_UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_SAINT_BEFORE = re.compile(r"(?:\b(?:St|Saint|San|Santa|Sta)\.?\s+)$")


def tagger_person(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Clean a tagger PERSON span, or reject it: lower-case everyday words at its edges are dropped ("Precious
    walked" -> "Precious", "loan" -> nothing), a saint's name ("St. Jude's") is not a person, then the NER clean-up
    (``person_span``). Capitalised everyday words stay: Destiny, Precious, Crystal and Junior are names here."""
    if _UNSPACED_SCRIPT.search(text, start, end) and end - start > 4:
        return (
            None  # Chinese, Japanese or Thai text has no spaces: a whole clause is one "token" to the tagger
        )
    words = [(m.start(), m.end()) for m in _NAME_WORD.finditer(text, start, end)]
    everyday = everyday_words()
    while words and text[words[0][0] : words[0][1]].islower() and text[words[0][0] : words[0][1]] in everyday:
        words.pop(0)
    while (
        words
        and text[words[-1][0] : words[-1][1]].islower()
        and text[words[-1][0] : words[-1][1]] in everyday
    ):
        words.pop()
    if not words:
        return None
    if _SAINT_BEFORE.search(text, max(0, words[0][0] - 8), words[0][0]):
        return None
    if _not_a_tagger_name(text, [text[s:e] for s, e in words], words[0][0], words[-1][1]):
        return None
    if len(words) == 1 and _everyday_opener(text, words[0][0], words[0][1]):
        return None
    return person_span(text, words[0][0], words[-1][1])


# Words that end a place or an organisation, not a name: "Sonoma Blvd", "Oklahoma Bureau", "Sapp Bros".
_PLACE_OR_ORG_END = frozenset(
    """
    blvd ave st rd hwy ln dr pkwy bureau bros inc llc ltd co corp dept department office agency county city
    street avenue road highway lane drive center centre hospital clinic school elementary motel hotel inn
    """.split()
)
_ABBREVIATIONS = frozenset("blvd ave st rd hwy ln dr pkwy inc llc ltd corp dept".split())


def _not_a_tagger_name(text: str, words: list[str], start: int, end: int) -> bool:
    """Shapes the small tagger calls a person that are not one (measured on the blind sets' dev halves with a tagger
    trained on generated messages): a plural nationality or common word ("Nigerians"), a span ending in a place or
    organisation word ("Sonoma Blvd"), a bracket inside ("살)이"), or a lower-case word in a line written mostly in
    Greek, Cyrillic or Armenian (the tagger has seen those scripts mostly as names inside English text, so in an
    Armenian sentence it tags ordinary words). Two ordinary words ("Traffic Jam") and a capitalised word opening a
    Cyrillic line were tried too and lost real names ("Ree Ree", "Eh Dah Moo", "Тетяна, дружина Романа ...")."""
    last = words[-1].rstrip(".").casefold()
    if len(words) == 1 and last.endswith("s") and last[:-1] in COMMON_WORDS:
        return True
    if last in _PLACE_OR_ORG_END and (len(words) >= 2 or last in _ABBREVIATIONS):
        return True
    if any(ch in "()[]{}" for ch in text[start:end]):
        return True
    block = script_of(" ".join(words))
    if block is not None:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        letters = [ch for ch in line if ch.isalpha()]
        inside = sum(block[0] <= ord(ch) <= block[1] for ch in letters)
        if inside * 2 > len(letters) and block[0] < 0x0590:  # Greek, Cyrillic, Armenian have capitals
            return not all(word[:1].isupper() for word in words)
    return False


OPENER_BEFORE = re.compile(r"(?:^|[.!?:;\n•*>#-]|\(\d{1,2}\)|\d{1,2}[.)])[ \t]*$")
_PERSON_VERB_AFTER = re.compile(
    r"[ \t]+(?:said|says|told|is|was|has|had|and|&|called|texted|came|left|went|got|lives|stays|works|wants|"
    r"needs|asked|claims|reported|arrived|turned|showed|from)\b|[ \t]*\([ \t]*\d",
    re.IGNORECASE,
)


def ordinary_word(word: str) -> bool:
    """An everyday English word or a simple inflection of one ("Scheduling", "Updates") that no name list holds."""
    key = word.casefold()
    if key in first_names() or key in last_names() or key in AMBIGUOUS_FIRST_NAMES:
        return False
    return everyday_or_inflected(key)


def _everyday_opener(text: str, start: int, end: int) -> bool:
    """A capitalised everyday word opening a message, line, sentence or list item, with no person verb after it and
    no name list holding it: "Routine update ...", "Reminder: ...", "Budget (2) ..." -- not a name. "Destiny said"
    and "Precious is 17" keep theirs."""
    word = text[start:end]
    if not word[:1].isupper() or not ordinary_word(word):
        return False
    if OPENER_BEFORE.search(text, max(0, start - 8), start) is None:
        return False
    return _PERSON_VERB_AFTER.match(text, end) is None
