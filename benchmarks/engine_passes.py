"""CPU of the engine's own passes (rules, filters, merging, masking) per normal message, the models replayed.

Run from the repository root::

    .venv/bin/python benchmarks/engine_passes.py [--messages 1500] [--rounds 5] [--profile 25] [--tree PATH]

The models' output is recorded once per segment and replayed (``engine._piped`` memoised), so what is timed is the
engine's CPU outside spaCy and the tagger: what a rule's cost changes. The messages are those of
``benchmarks/redaction_bench.py`` (``tests/corpus/corpus.jsonl`` cycled), or with ``--sets`` the first ``--per-set``
messages of each named labelled set. ``--tree`` imports the engine from another checkout (an A/B of two commits
with one script: run it alternately with ``--tree`` of each). ``--profile N`` prints the N functions with the
most own time under cProfile. Never name a blind set that is still blind.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path


def messages_of(root: Path, count: int, sets: str, per_set: int) -> list[str]:
    corpus = root / "tests" / "corpus"
    if not sets:
        base = [
            json.loads(line)["text"] for line in (corpus / "corpus.jsonl").read_text().splitlines() if line
        ]
        return [base[i % len(base)] for i in range(count)]
    out: list[str] = []
    for name in sets.split(","):
        path = corpus / "corpus.jsonl" if name == "corpus" else corpus / name / f"{name}.jsonl"
        rows = [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
        out.extend(rows[:per_set])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--sets", default="", help="comma-separated labelled sets (default: corpus.jsonl cycled)"
    )
    parser.add_argument("--per-set", type=int, default=150)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    root = Path(args.tree).resolve()
    sys.path.insert(0, str(root))
    from redaction import RedactionSettings, Redactor, engine

    texts = messages_of(Path(__file__).resolve().parent.parent, args.messages, args.sets, args.per_set)
    original = engine._piped
    memo: dict[tuple[int, str], list[tuple[int, int, str]]] = {}

    def replayed(nlp, lock, segments, batch_size, extract, spans_of=None):  # type: ignore[no-untyped-def]
        missing = [s for s in dict.fromkeys(segments) if (id(nlp), s) not in memo]
        if missing:
            for segment, spans in zip(
                missing, original(nlp, lock, missing, batch_size, extract, spans_of), strict=True
            ):
                memo[(id(nlp), segment)] = spans
        return [list(memo[(id(nlp), s)]) for s in segments]

    engine._piped = replayed  # type: ignore[assignment]
    redactor = Redactor(RedactionSettings())
    redactor.redact_many(texts)  # records the models' output and warms every cache
    timings = []
    for _ in range(args.rounds):
        started = time.process_time()
        redactor.redact_many(texts)
        timings.append(time.process_time() - started)
    report = {
        "tree": str(root),
        "messages": len(texts),
        "engine_us_per_msg_min": round(min(timings) / len(texts) * 1e6, 1),
        "engine_us_per_msg_median": round(sorted(timings)[len(timings) // 2] / len(texts) * 1e6, 1),
    }
    print(json.dumps(report))
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        redactor.redact_many(texts)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile * 2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
