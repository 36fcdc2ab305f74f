"""Write or compare the engine's findings on every labelled corpus and on the adversarial and fuzzed inputs.

A speed change must not change what the engine finds. Run it on the code before the change (``--write``), then on
the code after it (``--compare``), from the repository root of each::

    .venv/bin/python benchmarks/same_findings.py --write /tmp/before.json
    .venv/bin/python benchmarks/same_findings.py --compare /tmp/before.json

Inputs: every ``tests/corpus/*.jsonl`` and ``tests/corpus/*/*.jsonl`` except the sets named in ``--skip`` (default
``blind17``: a blind set is scored once, by its own protocol, and never run while the engine is being changed), the
inputs of ``benchmarks/adversarial_bench.py`` at ``--size`` and its ``--fuzz`` fuzzed inputs, and ``--fuzz-bench``
inputs of ``benchmarks/fuzz_bench.py``. Only offsets, labels, scores and sources are stored -- never the text.
``--compare`` prints the number of inputs whose findings differ (and the first few ids) and exits 1 when any do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.adversarial_bench import adversarial, fuzzed
from benchmarks.fuzz_bench import fuzzed_input
from redaction import RedactionSettings, Redactor

ROOT = Path(__file__).resolve().parent.parent


def inputs(skip: set[str], size: int, fuzz: int, fuzz_bench: int) -> dict[str, str]:
    out: dict[str, str] = {}
    corpus = ROOT / "tests" / "corpus"
    for path in sorted([*corpus.glob("*.jsonl"), *corpus.glob("*/*.jsonl")]):
        if path.parent.name in skip or path.stem in skip:
            continue
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if line.strip():
                    record = json.loads(line)
                    out[f"{path.relative_to(corpus)}:{record.get('id', number)}"] = record["text"]
    for name, text in {**adversarial(size), **fuzzed(fuzz)}.items():
        out[f"adversarial:{name}"] = text
    rng = random.Random(17)
    for index in range(fuzz_bench):
        out[f"fuzz_bench:{index}"] = fuzzed_input(rng)[0]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="PATH")
    mode.add_argument("--compare", metavar="PATH")
    parser.add_argument("--skip", default="blind17", help="comma-separated corpus sets not to read")
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--fuzz", type=int, default=100)
    parser.add_argument("--fuzz-bench", type=int, default=200)
    args = parser.parse_args()
    redactor = Redactor(RedactionSettings())
    texts = inputs(set(filter(None, args.skip.split(","))), args.size, args.fuzz, args.fuzz_bench)
    found = {
        key: [[f.start, f.end, f.label, f.score, f.source] for f in redactor.detect(text)]
        for key, text in texts.items()
    }
    digest = {key: hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16] for key, text in texts.items()}
    if args.write:
        Path(args.write).write_text(json.dumps({"inputs": digest, "findings": found}), encoding="utf-8")
        print(json.dumps({"inputs": len(found), "findings": sum(map(len, found.values()))}))
        return 0
    before = json.loads(Path(args.compare).read_text(encoding="utf-8"))
    # inputs added since (new benchmark families) are not compared; an input whose text changed is reported
    changed_inputs = sorted(k for k in digest if k in before["inputs"] and before["inputs"][k] != digest[k])
    differ = sorted(
        k for k in found if k in before["inputs"] and k not in changed_inputs and before["findings"][k] != found[k]
    )
    print(
        json.dumps(
            {
                "inputs": len(found),
                "findings": sum(map(len, found.values())),
                "inputs_compared": sum(k in before["inputs"] for k in found),
                "inputs_changed": len(changed_inputs),
                "findings_differ": len(differ),
                "first_differing": differ[:10],
            }
        )
    )
    return 1 if differ or changed_inputs else 0


if __name__ == "__main__":
    sys.exit(main())
