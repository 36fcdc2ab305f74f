"""Recall per label and over-redaction of the engine on the labelled corpus in ``tests/corpus/corpus.jsonl``.

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/corpus_eval.py [--show-misses] [--check] [--corpus PATH] [--split dev]

``--corpus PATH`` evaluates another JSONL file in the same format; its rows are grouped by their ``split`` field
(e.g. ``dev``/``test`` in ``tests/corpus/heldout/heldout.jsonl``) when they have one, else by ``set``. ``--split NAME``
evaluates only the rows of that split (``all``: every row, the default). On a corpus that is still blind (its rows'
``set`` is in ``BLIND_SETS``), ``--show-misses`` requires ``--split dev``: rules are tuned on ``dev``, and ``test``
misses must stay unseen. Older blind corpora whose ``test`` half has been scored are tuning data and may be read.

A gold span counts as caught when every non-space character in it is masked (by any finding: a masked SSN is safe
even if it was labelled PHONE); the label column shows how often the label also matched. Over-redaction is the share
of non-space characters *outside* gold spans that were masked. ``--check`` exits 1 if a target is missed
(overall recall >= 0.95, every label >= 0.90, over-redaction <= 3%).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redaction import Finding, Redacted, RedactionSettings, Redactor

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "corpus.jsonl"
# Corpora whose ``test`` half is still unseen (docs/redaction-evaluation.md): the newest blind set only. ``heldout``
# and ``blind2`` were scored and then retired to tuning data when the next blind set was written; so was every
# blindN up to blind16 (blind16 scored once at the end of session 13) when blind17 was commissioned (session 14).
BLIND_SETS = frozenset({"blind17"})


class PlainNer:
    """The baseline every corpus is also scored with: plain spaCy NER (the very pipeline the engine loads), every
    entity it finds masked, whatever its label -- what a team would get from spaCy alone."""

    def __init__(self, redactor: Redactor) -> None:
        self.nlp = redactor.nlp
        self.model_name = redactor.model_name

    def redact_many(self, texts: list[str]) -> list[Redacted]:
        out = []
        for doc in self.nlp.pipe(texts, batch_size=64):
            findings = tuple(
                Finding(e.start_char, e.end_char, e.label_, 0.85, "spacy") for e in doc.ents if e.text.strip()
            )
            out.append(Redacted(doc.text, findings))
        return out


def evaluate(rows: list[dict[str, object]], redactor: Redactor | PlainNer, show_misses: bool) -> dict[str, object]:
    results = redactor.redact_many([str(row["text"]) for row in rows])
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # gold, caught, label matched
    outside_total = outside_masked = 0
    clean_messages = clean_flagged = 0
    pii_messages = pii_fully_masked = 0
    for row, result in zip(rows, results, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        labels: list[str | None] = [None] * len(text)
        for finding in result.findings:
            for i in range(finding.start, finding.end):
                masked[i] = True
                labels[i] = finding.label
        gold = [False] * len(text)
        spans = row["spans"]
        assert isinstance(spans, list)
        all_caught = True
        for start, end, label in spans:
            for i in range(start, end):
                gold[i] = True
            chars = [i for i in range(start, end) if not text[i].isspace()]
            caught = all(masked[i] for i in chars)
            all_caught = all_caught and caught
            stats = per_label[label]
            stats[0] += 1
            stats[1] += caught
            stats[2] += caught and any(labels[i] == label for i in chars)
            if show_misses and not caught:
                print(f"MISS {label:<14} {text[start:end]!r:<40} in {row['id']}: {text}")
        for i, ch in enumerate(text):
            if not gold[i] and not ch.isspace():
                outside_total += 1
                if masked[i]:
                    outside_masked += 1
        if spans:
            pii_messages += 1
            pii_fully_masked += all_caught
        else:
            clean_messages += 1
            clean_flagged += bool(result.findings)
        if show_misses and any(masked[i] and not gold[i] and not text[i].isspace() for i in range(len(text))):
            print(f"OVER {row['id']}: {text}  ->  {result.text}")
    gold_total = sum(s[0] for s in per_label.values())
    caught_total = sum(s[1] for s in per_label.values())
    return {
        "messages": len(rows),
        "gold_spans": gold_total,
        "recall": caught_total / gold_total if gold_total else 1.0,
        "per_label": {
            label: {"spans": s[0], "recall": s[1] / s[0], "label_match": s[2] / s[0]}
            for label, s in sorted(per_label.items())
        },
        "over_redaction": outside_masked / outside_total if outside_total else 0.0,
        "clean_messages": clean_messages,
        "clean_messages_flagged": clean_flagged,
        "pii_messages": pii_messages,
        "pii_messages_fully_masked": pii_fully_masked,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--show-misses", action="store_true", help="print missed spans and over-masked messages"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is not met")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="JSONL corpus to evaluate (default: tests/corpus/corpus.jsonl)",
    )
    parser.add_argument(
        "--split",
        default="all",
        help="only rows whose split is this (dev/test); all = every row (default)",
    )
    parser.add_argument(
        "--pii-model",
        default="builtin",
        help="the statistical tagger: builtin (default), off, or a pipeline directory (see redaction.pii_model)",
    )
    parser.add_argument(
        "--engine",
        choices=("needtoknow", "plain-ner"),
        default="needtoknow",
        help="plain-ner: the baseline, spaCy NER alone with every entity masked",
    )
    args = parser.parse_args()
    corpus: Path = args.corpus
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    has_splits = bool(rows) and all("split" in row for row in rows)
    blind = any(row.get("set") in BLIND_SETS for row in rows)
    if blind and args.show_misses and args.split in ("all", "test"):
        parser.error("--show-misses on a blind corpus needs --split dev (test misses stay unseen)")
    if args.split != "all":
        if not has_splits:
            parser.error("--split: this corpus has no split field")
        rows = [row for row in rows if row["split"] == args.split]
        if not rows:
            parser.error(f"--split: no rows with split {args.split!r}")
    key = "split" if has_splits else "set"
    groups = list(dict.fromkeys(str(row.get(key, "")) for row in rows))
    if key == "set" and set(groups) <= {"handwritten", "generated"}:
        groups = ["handwritten", "generated"]
    names = [*sorted(groups), "all"] if key == "split" else [*groups, "all"]
    engine = Redactor(RedactionSettings(pii_model=args.pii_model))
    redactor: Redactor | PlainNer = PlainNer(engine) if args.engine == "plain-ner" else engine
    report: dict[str, object] = {
        "engine": args.engine,
        "model": redactor.model_name,
        "pii_model": args.pii_model,
        "corpus": str(corpus),
    }
    for name in names:
        subset = [row for row in rows if name == "all" or row.get(key) == name]
        report[name] = evaluate(subset, redactor, args.show_misses and name == "all")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"engine: {args.engine}, model: {report['model']}, pii_model: {args.pii_model}")
        for name in names:
            part = report[name]
            assert isinstance(part, dict)
            print(
                f"\n[{name}] messages={part['messages']} gold spans={part['gold_spans']} "
                f"recall={part['recall']:.3f} over-redaction={part['over_redaction']:.2%} "
                f"clean messages flagged={part['clean_messages_flagged']}/{part['clean_messages']} "
                f"PII messages fully masked={part['pii_messages_fully_masked']}/{part['pii_messages']}"
            )
            for label, stats in part["per_label"].items():
                print(f"  {label:<15} spans={stats['spans']:<4} recall={stats['recall']:.3f} "
                      f"label_match={stats['label_match']:.3f}")  # fmt: skip
    overall = report["all"]
    assert isinstance(overall, dict)
    ok = (
        overall["recall"] >= 0.95
        and all(s["recall"] >= 0.90 for s in overall["per_label"].values())
        and overall["over_redaction"] <= 0.03
    )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
