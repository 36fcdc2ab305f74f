"""Does the engine's NER decoder (``redaction/ner_decode.py``) give exactly spaCy's entities, and how much faster?

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/ner_decode_check.py [--fuzz 80] [--size 20000] [--json]

Texts: every message of every labelled corpus under ``tests/corpus`` (``*.jsonl``), the fuzzed chat inputs of
``fuzz_bench.py`` and the hostile inputs of ``adversarial_bench.py`` (cut to ``--size``), each as the models see it
(``engine._defused``) and cut into the engine's line segments. Both decoders run on the same texts in the same
batches: spaCy through ``nlp.pipe`` and ours through ``FastNer.entities``. Reports every text whose entities
(character offsets and label) differ -- there must be none -- and the CPU time of each, in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.adversarial_bench import adversarial  # noqa: E402
from benchmarks.corpus_eval import BLIND_SETS  # noqa: E402
from benchmarks.fuzz_bench import fuzzed_input  # noqa: E402
from redaction import RedactionSettings  # noqa: E402
from redaction.engine import _defused, line_segments, load_ner_pipeline  # noqa: E402
from redaction.ner_decode import FastNer  # noqa: E402


def texts_to_check(fuzz: int, size: int) -> dict[str, list[str]]:
    # A blind set still unseen is never run by anything but its one scoring (corpus_eval.py).
    corpora = sorted(p for p in (ROOT / "tests" / "corpus").rglob("*.jsonl") if p.parent.name not in BLIND_SETS)
    groups: dict[str, list[str]] = {}
    for path in corpora:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        groups[str(path.relative_to(ROOT / "tests" / "corpus"))] = [_defused(str(row["text"])) for row in rows]
    rng = random.Random(17)
    pieces: list[str] = []
    for _ in range(fuzz):
        text, _secrets = fuzzed_input(rng)
        pieces.extend(_defused(segment) for _offset, segment in line_segments(text, 2000, 200))
    groups["fuzz"] = pieces
    hostile: list[str] = []
    for text in adversarial(size).values():
        hostile.extend(_defused(segment) for _offset, segment in line_segments(text, 2000, 200))
    groups["adversarial"] = hostile
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=80)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    nlp, name = load_ner_pipeline(RedactionSettings())
    if not FastNer.supports(nlp):
        print(f"{name}: its NER is not of the shape FastNer decodes; the engine uses nlp.pipe")
        return 1
    fast = FastNer(nlp)
    fast.entities(["warm up Maria Lopez"])
    list(nlp.pipe(["warm up Maria Lopez"]))
    report: dict[str, object] = {"model": name}
    differing = 0
    spacy_total = fast_total = 0.0
    for group, texts in texts_to_check(args.fuzz, args.size).items():
        size = args.batch_size
        started = time.process_time()
        expected = [
            [(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=size)
        ]
        spacy_s = time.process_time() - started
        started = time.process_time()
        got: list[list[tuple[int, int, str]]] = []
        for i in range(0, len(texts), size):
            got.extend(fast.entities(texts[i : i + size]))
        fast_s = time.process_time() - started
        bad = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
        differing += len(bad)
        spacy_total += spacy_s
        fast_total += fast_s
        report[group] = {
            "texts": len(texts),
            "entities": sum(map(len, expected)),
            "differing_texts": len(bad),
            "spacy_s": round(spacy_s, 2),
            "fast_s": round(fast_s, 2),
        }
    report["differing_texts"] = differing
    report["cpu_ratio_fast_vs_spacy"] = round(fast_total / spacy_total, 3) if spacy_total else None
    print(json.dumps(report, indent=None if args.json else 2))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
