"""Time per input and whole-message consistency of the redaction engine over many random chat-like inputs.

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/fuzz_bench.py [--inputs 1000] [--seed 17] [--no-baseline] [--json]

Each input (fixed seed) is 200 characters to 20 KB (log-uniform) of chat sentences, ordinary coordination lines and
hostile noise (brackets, symbol runs, digits, mixed scripts, zero-width characters), with a few planted secrets --
names, Luhn-valid card numbers, phones, emails -- each written two to five times across the message: once after a
cue ("her name is ...", "card ..."), elsewhere bare, so a long input has them in different chunks.

Timing: CPU time of ``Redactor.detect`` per input (the machine is shared; wall time would measure the others), as
p50/p99/max milliseconds per input and per KB (an input under 1 KB counts as 1 KB), beside plain spaCy NER -- the
pipeline the engine loads, on 2,000-character pieces -- timed on the same input right after it, in the same process.

Consistency (issue 17, "whole-message consistency"): a planted secret masked at one occurrence must be masked at
every occurrence; reported per kind as "left in clear in X of Y messages where it was masked elsewhere". Also, for
every finding (ages aside, and strings shorter than ``repeated()`` searches), every other whole-word occurrence of
the same string must be masked; reported as the number of messages with such a leak, per label.
Targets (issue 17): worst <= 20 ms/KB, no inconsistency, peak RSS < 400 MB; ``--check`` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.adversarial_bench import _TOKENS, timed
from benchmarks.redaction_bench import rss_mb
from redaction import Finding, RedactionSettings, Redactor

TARGET_MS_PER_KB = 20.0
TARGET_RSS_MB = 400.0

_GIVEN = (
    "Maria Xiomara Yesenia Destinee Kenia Ana Lucia Thu Nok Ruslana Svetlana Precious Jasmine Fatima Amina Olena "
    "Rosa Guadalupe Leticia Imani Keisha Mai Linh Hoa Priya Sunita Irina Oksana Chiamaka Ngozi Aaliyah Brenda"
).split()
_FAMILY = (
    "Lopez Quintanilla Nguyen Pham Tran Hernandez Morales Kowalczyk Petrenko Okafor Adeyemi Castillo Ramirez "
    "Villanueva Santos Reyes Mendoza Bautista Haddad Khoury Sharma Thapa Ivanova Shevchenko Moreno Delgado Ortiz"
).split()
_CUED = (
    "her name is {}", "client {} said", "victim {} is safe", "goes by {}", "met with {} today", "spoke to {}",
    "named {}", "{} called at 3",
)  # fmt: skip
_BARE = (
    "{} called back.", "ask {} about it", "{}'s car was there", "saw {} again", "with {} at the shelter", "{}",
    "({})", "- {}", "{}, again", '"{}"',
)  # fmt: skip
_CARD_CUED = ("card {}", "visa {} used", "paid with card {}", "cc: {}")
_CARD_BARE = ("ref {}", "{} again", "number {}", "{}", "x {} y", "({})")
_FILLER = (
    "Routine update on the grant.", "Reminder that reports are due Friday.", "Budget review moved to Monday.",
    "Training starts at 9 in room 233.", "Outreach went well today.", "Shelter beds are limited this week.",
    "Status is unchanged.", "The MOU renewal is on the agenda.", "Two tips triaged, both closed.",
    "Interpreter schedule: Spanish Mon/Wed, Vietnamese Tue.", "thanks all, see you at 3",
)  # fmt: skip


def luhn_card(rng: random.Random) -> str:
    """A random 16-digit Luhn-valid number starting 4 or 5, grouped in fours or not."""
    digits = [rng.choice((4, 5))] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return " ".join(text[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.6 else text


def _noise(rng: random.Random) -> str:
    token = rng.choice(_TOKENS)
    if rng.random() < 0.05:
        token = token * rng.randint(2, 400)
    return token


def fuzzed_input(rng: random.Random) -> tuple[str, dict[str, list[str]]]:
    """One input and its planted secrets by kind (``name``, ``card``, ``phone``, ``email``)."""
    target = int(math.exp(rng.uniform(math.log(200), math.log(20_000))))
    secrets: dict[str, list[str]] = {
        "name": [f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}" for _ in range(rng.randint(1, 3))],
        "card": [luhn_card(rng)] if rng.random() < 0.5 else [],
        "phone": [f"713-555-{rng.randrange(10_000):04d}"] if rng.random() < 0.5 else [],
        "email": [f"{rng.choice(_GIVEN).lower()}{rng.randrange(100)}@gmail.com"]
        if rng.random() < 0.3
        else [],
    }
    plants: list[str] = []
    for kind, values in secrets.items():
        for value in values:
            times = rng.randint(2, 5)
            for occurrence in range(times):
                if kind == "name":
                    form = rng.choice(_CUED if occurrence == 0 else _BARE)
                elif kind == "card":
                    form = rng.choice(_CARD_CUED if occurrence == 0 else _CARD_BARE)
                else:
                    form = rng.choice(("call {}", "{}", "ref {} again", "({})"))
                plants.append(form.format(value))
    parts: list[str] = []
    length = 0
    noisy = rng.random() < 0.5
    while length < target:
        roll = rng.random()
        if noisy and roll < 0.5:
            piece = _noise(rng)
        elif roll < 0.8:
            piece = rng.choice(_FILLER)
        else:
            piece = "\n"
        parts.append(piece)
        parts.append(" " if rng.random() < 0.8 else "\n")
        length += len(piece) + 1
    for plant in plants:  # spread over the whole message, so long inputs have them in different chunks
        parts.insert(rng.randrange(len(parts) + 1), f"\n{plant}\n")
    return "".join(parts), {k: v for k, v in secrets.items() if v}


def _mask(text: str, findings: list[Finding]) -> bytearray:
    """1 for every character inside a finding (and for spaces, which need no masking)."""
    masked = bytearray(1 if ch.isspace() else 0 for ch in text)
    for finding in findings:
        masked[finding.start : finding.end] = b"\x01" * (finding.end - finding.start)
    return masked


def _occurrences(text: str, value: str, whole_word: bool = True) -> list[int]:
    """Where ``value`` occurs, not overlapping; as a whole word (nothing alphanumeric either side) when asked."""
    out = []
    position = text.find(value)
    while position != -1:
        stop = position + len(value)
        before = text[position - 1] if position else " "
        after = text[stop] if stop < len(text) else " "
        if not whole_word or not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            out.append(position)
        position = text.find(value, stop)
    return out


def _skip(value: str, label: str) -> bool:
    """Strings ``completion.repeated`` does not search for (ages; short strings that recur as ordinary text)."""
    if label == "AGE":
        return True
    if label == "PERSON":
        return len(value) < 3 or any(ch.isdigit() for ch in value)
    return not (len(value) >= 6 or (len(value) >= 4 and any(ch.isdigit() for ch in value)))


def leaks(
    text: str, findings: list[Finding], secrets: dict[str, list[str]]
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(planted kinds masked at one occurrence at least, planted kinds also left in clear at another occurrence,
    labels of findings whose string is left in clear elsewhere) for one message; counts are 0/1 per message."""
    masked = _mask(text, findings)
    masked_once: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    for kind, values in secrets.items():
        for value in values:
            states = [all(masked[p : p + len(value)]) for p in _occurrences(text, value)]
            if any(states):
                masked_once[kind] = 1
                if not all(states):
                    leaked[kind] = 1
    found_leaks: Counter[str] = Counter()
    for value, label in {(text[f.start : f.end].strip(), f.label) for f in findings}:
        if _skip(value, label) or found_leaks[label]:
            continue
        whole_word = label == "PERSON" or value[-1:].isalpha() or len(value) < 8  # as completion.repeated
        if not all(all(masked[p : p + len(value)]) for p in _occurrences(text, value, whole_word)):
            found_leaks[label] = 1
    return masked_once, leaked, found_leaks


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-baseline", action="store_true", help="skip plain spaCy NER")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--ab-decoder", action="store_true", help="also time the engine with spaCy's NER decoder on each input"
    )
    args = parser.parse_args()
    redactor = Redactor(RedactionSettings())
    spacy_decoder = redactor.with_spacy_decoder()
    nlp = redactor.nlp
    redactor.detect("warm up Maria 713-555-0134")
    rng = random.Random(args.seed)
    engine_ms: list[float] = []
    engine_kb: list[float] = []
    ner_ms: list[float] = []
    ner_kb: list[float] = []
    slow_ms: list[float] = []
    slow_kb: list[float] = []
    chars = 0
    masked_once: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    found_leaks: Counter[str] = Counter()
    worst = ("", 0.0, 0)
    for index in range(args.inputs):
        text, secrets = fuzzed_input(rng)
        kb = max(len(text) / 1024, 1.0)
        chars += len(text)
        found: list[Finding] = []
        seconds = timed(lambda text=text, found=found: found.extend(redactor.detect(text)), text)
        engine_ms.append(seconds * 1000)
        engine_kb.append(seconds * 1000 / kb)
        if engine_kb[-1] > worst[1]:
            worst = (f"input {index}", engine_kb[-1], len(text))
        if args.ab_decoder:
            seconds = timed(spacy_decoder.detect, text)
            slow_ms.append(seconds * 1000)
            slow_kb.append(seconds * 1000 / kb)
        if not args.no_baseline:
            pieces = [text[i : i + 2000] for i in range(0, len(text), 2000)] or [""]
            seconds = timed(lambda pieces=pieces: list(nlp.pipe(pieces, batch_size=4)), text)
            ner_ms.append(seconds * 1000)
            ner_kb.append(seconds * 1000 / kb)
        once, left, others = leaks(text, found, secrets)
        masked_once.update(once)
        leaked.update(left)
        found_leaks.update(others)
    _current, peak = rss_mb()

    def stats(ms: list[float], per_kb: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(percentile(ms, 0.99), 2),
            "max_ms": round(max(ms), 2),
            "p50_ms_per_kb": round(statistics.median(per_kb), 2),
            "p99_ms_per_kb": round(percentile(per_kb, 0.99), 2),
            "max_ms_per_kb": round(max(per_kb), 2),
            "total_s": round(sum(ms) / 1000, 2),
        }

    report: dict[str, object] = {
        "inputs": args.inputs,
        "seed": args.seed,
        "kb_total": round(chars / 1024, 1),
        "engine": stats(engine_ms, engine_kb),
        "worst_input": {"input": worst[0], "ms_per_kb": round(worst[1], 2), "chars": worst[2]},
        "consistency": {
            kind: f"left in clear in {leaked[kind]} of {masked_once[kind]} messages where it was masked elsewhere"
            for kind in ("name", "card", "phone", "email")
        },
        "findings_left_in_clear_elsewhere": dict(found_leaks),
        "peak_rss_mb": round(peak, 1),
        "targets": {"ms_per_kb": TARGET_MS_PER_KB, "peak_rss_mb": TARGET_RSS_MB, "inconsistent_messages": 0},
    }
    if slow_ms:
        report["engine_with_spacy_decoder"] = stats(slow_ms, slow_kb)
        report["engine_vs_spacy_decoder_total"] = round(sum(engine_ms) / sum(slow_ms), 3)
    if ner_ms:
        report["plain_ner"] = stats(ner_ms, ner_kb)
        report["engine_vs_plain_ner_total"] = round(sum(engine_ms) / sum(ner_ms), 2)
    print(json.dumps(report, indent=2 if not args.json else None))
    met = (
        max(engine_kb) <= TARGET_MS_PER_KB
        and peak < TARGET_RSS_MB
        and not sum(leaked.values())
        and not sum(found_leaks.values())
    )
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
