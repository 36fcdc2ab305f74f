"""Where the engine ends below the NER it is built on: gold PERSON spans that plain spaCy NER tags PERSON but the
engine leaves (partly) readable, over the retired labelled corpora (issue 17).

    python benchmarks/ner_floor.py [--show] [--show-labels] [--pii-model builtin|off|PATH]

Plain NER runs on the original text of each message (the very pipeline the engine loads). Prints the count of such
gold names and, for comparison, the count of NER PERSON spans outside any gold PERSON span that the engine leaves
readable (false alarms it removes), overall and per set. ``--show`` lists the former. Only the sets named in
``CORPORA`` are read (never a set still blind, nor any set not named here).

It also prints the floor the way ``corpus_eval.py --engine plain-ner`` scores plain NER: gold spans of every label
whose every non-space character some NER entity (of any label: an SSN NER calls DATE is masked by plain NER too)
covers and the engine leaves partly readable, per label. ``--show-labels`` lists them (the non-PERSON ones).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redaction import RedactionSettings, Redactor  # noqa: E402

# Every tuning set: the own corpus, heldout, clean and every blind set whose test half has been scored (blind2 to
# blind16). A new blind set is added here only once it is retired; blind17 is never read.
CORPORA = ["corpus.jsonl", "heldout/heldout.jsonl", "clean/clean.jsonl"] + [
    f"blind{i}/blind{i}.jsonl" for i in range(2, 17)
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--show-labels", action="store_true")
    parser.add_argument("--pii-model", default="builtin")
    args = parser.parse_args()
    rows = [
        json.loads(line)
        for name in CORPORA
        for line in (ROOT / "tests" / "corpus" / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    engine = Redactor(RedactionSettings(pii_model=args.pii_model))
    texts = [str(row["text"]) for row in rows]
    results = engine.redact_many(texts)
    below = removed = 0
    per_set: dict[str, int] = {}
    any_label: dict[str, int] = {}
    for row, doc, result in zip(rows, engine.nlp.pipe(texts, batch_size=64), results, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        for finding in result.findings:
            for i in range(finding.start, finding.end):
                masked[i] = True
        gold: list[str | None] = [None] * len(text)
        by_ner = [False] * len(text)
        for ent in doc.ents:
            if ent.text.strip():
                for i in range(ent.start_char, ent.end_char):
                    by_ner[i] = True
        for start, end, label in row["spans"]:
            for i in range(start, end):
                gold[i] = label
            chars = [i for i in range(start, end) if not text[i].isspace()]
            if all(by_ner[i] for i in chars) and not all(masked[i] for i in chars):
                any_label[label] = any_label.get(label, 0) + 1
                if args.show_labels and label != "PERSON":
                    print(f"{row.get('set')} {row['id']} {label}: {text[start:end]!r}")
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            chars = [i for i in range(ent.start_char, ent.end_char) if not text[i].isspace()]
            open_chars = [i for i in chars if not masked[i]]
            if not open_chars:
                continue
            if any(gold[i] == "PERSON" for i in open_chars):
                below += 1
                per_set[str(row.get("set"))] = per_set.get(str(row.get("set")), 0) + 1
                if args.show:
                    print(f"{row.get('set')} {row['id']}: {ent.text!r} | {result.text[:160]!r}")
            else:
                removed += 1
    print(f"{len(rows)} messages: gold names plain NER finds and the engine leaves readable: {below}; "
          f"NER PERSON spans outside gold names the engine leaves readable (false alarms removed): {removed}")  # fmt: skip
    print("per set: " + ", ".join(f"{name} {count}" for name, count in sorted(per_set.items())))
    print(f"gold spans of any label plain NER masks whole (any entity) and the engine leaves readable: "
          f"{sum(any_label.values())}; per label: "
          + ", ".join(f"{name} {count}" for name, count in sorted(any_label.items())))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
