"""Build a blind corpus's JSONL from its hand-written ``*.txt`` files (see docs/redaction-evaluation.md).

Two corpora: ``heldout`` (``tests/corpus/heldout/heldout_*.txt`` -> ``heldout.jsonl``, ids ``h001``...) and ``blind2``
(``tests/corpus/blind2/blind2_*.txt`` -> ``blind2.jsonl``, ids ``b001``..., written by three authors who never saw
the engine, its rules or the other corpora).

One message per line; ``#`` lines are comments; markup ``{{LABEL|text}}`` marks a gold span; a literal ``\\n``
in a line becomes a newline. Every span is checked to slice back to its text. The ``split`` field is
deterministic: sha256 of the message text, low bit of the first byte: 0 -> dev, 1 -> test (stable when lines
are added or reordered).

    /work/main/.venv/bin/python tests/corpus/heldout/build_heldout.py [--corpus heldout|blind2] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _blind(number: int, prefix: str) -> tuple[Path, tuple[str, ...], str, str]:
    """A blind set written by four writers: ``blindN/blindN_{a,b,c,d}.txt`` -> ``blindN.jsonl``."""
    name = f"blind{number}"
    return HERE.parent / name, tuple(f"{name}_{w}.txt" for w in "abcd"), f"{name}.jsonl", prefix


CORPORA = {
    # name: (directory, source files, output, id prefix)
    "heldout": (HERE, ("heldout_pii_a.txt", "heldout_pii_b.txt", "heldout_clean.txt"), "heldout.jsonl", "h"),
    "blind2": (HERE.parent / "blind2", ("blind2_a.txt", "blind2_b.txt", "blind2_c.txt"), "blind2.jsonl", "b"),
    # "h" is heldout's prefix, so blind8 takes "i", blind9 "j", blind10 "k", blind11 "l", blind12 "m", blind13 "n", blind14 "o",
    # blind15 "p", blind16 "q", blind17 "r"
    **{f"blind{n}": _blind(n, prefix) for n, prefix in zip(range(3, 18), "cdefgijklmnopqr", strict=True)},
    # Public social-media posts with only PERSON marked (session 14; one writer who never saw the engine): the
    # "never below plain NER" check on noisy social text. Tuning data, not a blind set.
    "social": (HERE.parent / "social", ("social_a.txt", "social_b.txt"), "social.jsonl", "w"),
}
LABELS = {
    "PERSON", "ADDRESS", "PHONE", "EMAIL", "SSN", "DOB", "AGE", "CREDIT_CARD", "IBAN", "IP_ADDRESS",
    "DRIVER_LICENSE", "LICENSE_PLATE", "HANDLE", "A_NUMBER", "PASSPORT", "MEDICAL_RECORD", "COORDINATES",
}  # fmt: skip
MARK = re.compile(r"\{\{([A-Z_]+)\|([^{}|]+)\}\}")


def parse(line: str) -> tuple[str, list[list[object]]]:
    line = line.replace("\\n", "\n")
    text, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(line):
        before = line[pos : m.start()]
        text.append(before)
        length += len(before)
        label, inner = m.group(1), m.group(2)
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in {line!r}")
        spans.append([length, length + len(inner), label, inner])
        text.append(inner)
        length += len(inner)
        pos = m.end()
    text.append(line[pos:])
    out = "".join(text)
    if "{{" in out or "}}" in out:
        raise ValueError(f"unbalanced markup in {line!r}")
    for start, end, _label, inner in spans:
        assert out[start:end] == inner, (out, start, end, inner)
        assert inner == inner.strip(), f"span with outer whitespace: {inner!r}"
    return out, [[s, e, lab] for s, e, lab, _ in spans]


def build(corpus: str = "heldout") -> list[dict[str, object]]:
    directory, sources, _out, prefix = CORPORA[corpus]
    rows, seen = [], set()
    for name in sources:
        source = name.removeprefix(f"{corpus}_").removesuffix(".txt")
        for line in (directory / name).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            text, spans = parse(line)
            if text in seen:
                raise ValueError(f"duplicate message {text!r}")
            seen.add(text)
            if source == "clean" and spans:
                raise ValueError(f"clean message with spans: {text!r}")
            split = "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "test"
            rows.append({"id": f"{prefix}{len(rows) + 1:03d}", "text": text, "spans": spans, "split": split,
                         "set": corpus, "source": source})  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="heldout")
    parser.add_argument("--check", action="store_true", help="exit 1 if the JSONL file is out of date")
    args = parser.parse_args()
    directory, _sources, out, _prefix = CORPORA[args.corpus]
    OUT = directory / out
    rows = build(args.corpus)
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.check:
        return 0 if OUT.read_text(encoding="utf-8") == data else 1
    OUT.write_text(data, encoding="utf-8")
    # Summary
    from collections import Counter

    for split in ("dev", "test", "all"):
        sub = [r for r in rows if split == "all" or r["split"] == split]
        labels = Counter(s[2] for r in sub for s in r["spans"])
        clean = sum(1 for r in sub if not r["spans"])
        print(
            f"{split}: messages={len(sub)} clean={clean} spans={sum(labels.values())} {dict(sorted(labels.items()))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
