"""Throughput of the redaction engine against plain spaCy NER on the same model and the same messages.

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/redaction_bench.py [--messages 3000] [--rounds 5]

"Plain NER" is the very pipeline the engine loads (NER only, same model) run with ``nlp.pipe`` and reading
``doc.ents``, so the ratio is the marginal cost of normalisation, the statistical tagger (``--pii-model``), the
recognizers, merging and masking. Both batch
(``redact_many`` vs ``nlp.pipe``) and one-call-per-message (``redact`` vs ``nlp(text)``, how the PII guard calls
it) are measured, interleaved, best of ``--rounds``. Also reported: a 100 KB message and the peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redaction import RedactionSettings, Redactor

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "corpus.jsonl"


def best_of(rounds: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB, from /proc where available."""
    current = peak = 0.0
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return current, peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--pii-model", default="builtin", help="the engine's statistical tagger: builtin (default), off, or a path"
    )
    parser.add_argument(
        "--ab-decoder", action="store_true", help="also time the engine with spaCy's NER decoder, interleaved"
    )
    args = parser.parse_args()

    base = [
        json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    messages = [base[i % len(base)] for i in range(args.messages)]
    started = time.perf_counter()
    redactor = Redactor(RedactionSettings(pii_model=args.pii_model))
    load_s = time.perf_counter() - started
    nlp = redactor.nlp
    batch = redactor.settings.batch_size

    def plain_batch() -> None:
        for doc in nlp.pipe(messages, batch_size=batch):
            _ = [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def engine_batch() -> None:
        redactor.redact_many(messages)

    single = messages[: min(1000, len(messages))]

    def plain_single() -> None:
        for text in single:
            _ = [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]

    def engine_single() -> None:
        for text in single:
            redactor.redact(text)

    spacy_decoder = redactor.with_spacy_decoder()

    def spacy_decoder_batch() -> None:
        spacy_decoder.redact_many(messages)

    def spacy_decoder_single() -> None:
        for text in single:
            spacy_decoder.redact(text)

    for warm in (plain_batch, engine_batch):
        warm()
    results: dict[str, float] = {}
    for _ in range(args.rounds):  # interleave so machine noise hits both sides alike
        results["plain_batch"] = min(results.get("plain_batch", 1e9), best_of(1, plain_batch))
        results["engine_batch"] = min(results.get("engine_batch", 1e9), best_of(1, engine_batch))
        results["plain_single"] = min(results.get("plain_single", 1e9), best_of(1, plain_single))
        results["engine_single"] = min(results.get("engine_single", 1e9), best_of(1, engine_single))
        if args.ab_decoder:
            results["slow_batch"] = min(results.get("slow_batch", 1e9), best_of(1, spacy_decoder_batch))
            results["slow_single"] = min(results.get("slow_single", 1e9), best_of(1, spacy_decoder_single))

    big = ""
    index = 0
    while len(big.encode("utf-8")) < 100 * 1024:
        big += base[index % len(base)] + "\n"
        index += 1
    big_s = best_of(3, lambda: redactor.redact(big))
    big_findings = len(redactor.redact(big).findings)
    current, peak = rss_mb()

    report = {
        "model": redactor.model_name,
        "pipeline": nlp.pipe_names,
        "pii_model": args.pii_model,
        "load_seconds": round(load_s, 3),
        "messages": len(messages),
        "mean_chars_per_message": round(sum(map(len, messages)) / len(messages), 1),
        "batch": {
            "plain_ner_ms_per_msg": round(results["plain_batch"] / len(messages) * 1000, 4),
            "engine_ms_per_msg": round(results["engine_batch"] / len(messages) * 1000, 4),
            "ratio": round(results["engine_batch"] / results["plain_batch"], 3),
            "engine_msgs_per_s": round(len(messages) / results["engine_batch"], 1),
            "plain_ner_msgs_per_s": round(len(messages) / results["plain_batch"], 1),
        },
        "single_call": {
            "plain_ner_ms_per_msg": round(results["plain_single"] / len(single) * 1000, 4),
            "engine_ms_per_msg": round(results["engine_single"] / len(single) * 1000, 4),
            "ratio": round(results["engine_single"] / results["plain_single"], 3),
            "engine_msgs_per_s": round(len(single) / results["engine_single"], 1),
        },
        "message_100kb": {
            "bytes": len(big.encode("utf-8")),
            "seconds": round(big_s, 3),
            "findings": big_findings,
        },
        "rss_mb": {"current": round(current, 1), "peak": round(peak, 1)},
    }
    if args.ab_decoder:
        report["engine_with_spacy_decoder"] = {
            "batch_ms_per_msg": round(results["slow_batch"] / len(messages) * 1000, 4),
            "batch_ratio_to_plain_ner": round(results["slow_batch"] / results["plain_batch"], 3),
            "single_call_ms_per_msg": round(results["slow_single"] / len(single) * 1000, 4),
            "single_call_ratio_to_plain_ner": round(results["slow_single"] / results["plain_single"], 3),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"model {report['model']} pipeline {report['pipeline']} + tagger {args.pii_model} (loaded in {load_s:.2f}s)"
        )
        print(f"{len(messages)} messages, mean {report['mean_chars_per_message']} chars")
        for mode in ("batch", "single_call"):
            part = report[mode]
            assert isinstance(part, dict)
            print(
                f"{mode:<12} plain NER {part['plain_ner_ms_per_msg']:.3f} ms/msg | engine "
                f"{part['engine_ms_per_msg']:.3f} ms/msg, {part['engine_msgs_per_s']:.0f} msg/s | ratio {part['ratio']:.2f}x"
            )
        big_report = report["message_100kb"]
        assert isinstance(big_report, dict)
        print(f"100 KB message: {big_report['seconds']:.3f} s ({big_report['findings']} findings)")
        print(f"RSS: current {current:.0f} MB, peak {peak:.0f} MB")
        if args.ab_decoder:
            print(f"engine with spaCy's NER decoder: {json.dumps(report['engine_with_spacy_decoder'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
