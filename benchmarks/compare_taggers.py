"""The whole engine scored with each of several statistical taggers on one corpus, side by side, as JSON.

Run from the repository root::

    .venv/bin/python benchmarks/compare_taggers.py --corpus tests/corpus/blind14/blind14.jsonl --split dev \\
        --tagger shipped=builtin --tagger candidate=/work/coord/tagger-cand

Each ``--tagger NAME=SETTING`` is a ``pii_model`` setting (``builtin``, ``off`` or a pipeline directory written by
``redaction/data/train_pii_model.py``); the default is the shipped tagger alone. Every tagger is scored on the same
rows with ``corpus_eval.evaluate`` (a gold span is caught when every non-space character of it is masked): span
recall, per-label recall, PII messages fully masked, clean messages flagged, over-redaction; then, for each tagger
after the first, how many messages changed against the first (fully masked gained / lost, clean flag gained /
lost) and the difference of each number. Only counts are printed -- never a message, a span or a message id -- so
it may be run on a held-out set's test half without exposing it; ``--show-misses`` stays with ``corpus_eval.py``.
The tagger's training sets and excluded halves (its ``meta.json``) are printed beside its numbers: a set it was
trained on is in-sample for it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redaction import Redacted, RedactionSettings, Redactor  # noqa: E402
from redaction.tagger import BUILTIN_PII_MODEL  # noqa: E402


def _corpus_eval() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_eval", ROOT / "benchmarks" / "corpus_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tagger_meta(setting: str) -> dict[str, object]:
    if setting == "off":
        return {}
    directory = BUILTIN_PII_MODEL if setting == "builtin" else Path(setting)
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    return {"sources": meta.get("sources"), "excluded": meta.get("excluded")}


class _Recording:
    """A redactor that keeps, per message, whether each gold span was caught and whether anything was masked."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.results: list[Redacted] = []

    def redact_many(self, texts: list[str]) -> list[Redacted]:
        self.results = self.redactor.redact_many(texts)
        return self.results


def _outcomes(rows: list[dict[str, Any]], results: list[Redacted]) -> list[bool]:
    """Per message: fully masked (a message with gold spans) or flagged (a clean message)."""
    out = []
    for row, result in zip(rows, results, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        for finding in result.findings:
            for i in range(finding.start, finding.end):
                masked[i] = True
        if row["spans"]:
            out.append(
                all(masked[i] for s, e, _ in row["spans"] for i in range(s, e) if not text[i].isspace())
            )
        else:
            out.append(bool(result.findings))
    return out


def _delta(first: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    keys = ("recall", "over_redaction", "pii_messages_fully_masked", "clean_messages_flagged")
    out: dict[str, Any] = {key: round(other[key] - first[key], 6) for key in keys}
    out["per_label_recall"] = {
        label: round(stats["recall"] - first["per_label"].get(label, {"recall": 0.0})["recall"], 6)
        for label, stats in other["per_label"].items()
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="JSONL corpus (corpus_eval.py's format)")
    parser.add_argument(
        "--split", default="all", help="only rows whose split is this (dev/test); all = every row"
    )
    parser.add_argument("--tagger", action="append", metavar="NAME=SETTING",
                        help="a pii_model setting to score (repeat; default: shipped=builtin)")  # fmt: skip
    args = parser.parse_args()
    taggers = [item.partition("=") for item in (args.tagger or ["shipped=builtin"])]
    if any(not sep or not name or not setting for name, sep, setting in taggers):
        parser.error("--tagger: expected NAME=SETTING (builtin, off or a pipeline directory)")
    if len({name for name, _, _ in taggers}) != len(taggers):
        parser.error("--tagger: names must differ")
    rows = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.split != "all":
        rows = [row for row in rows if row.get("split") == args.split]
        if not rows:
            parser.error(f"--split: no rows with split {args.split!r}")
    corpus_eval = _corpus_eval()
    report: dict[str, Any] = {
        "corpus": str(args.corpus),
        "split": args.split,
        "messages": len(rows),
        "taggers": {},
    }
    outcomes: dict[str, list[bool]] = {}
    for name, _, setting in taggers:
        recording = _Recording(Redactor(RedactionSettings(pii_model=setting)))
        scores = corpus_eval.evaluate(rows, recording, False)
        report["taggers"][name] = {"pii_model": setting, **_tagger_meta(setting), **scores}
        outcomes[name] = _outcomes(rows, recording.results)
    first = taggers[0][0]
    for name, _, _ in taggers[1:]:
        pii = [bool(row["spans"]) for row in rows]
        pairs = list(zip(pii, outcomes[first], outcomes[name], strict=True))
        report["taggers"][name]["against_" + first] = {
            **_delta(report["taggers"][first], report["taggers"][name]),
            "fully_masked_gained": sum(p and not a and b for p, a, b in pairs),
            "fully_masked_lost": sum(p and a and not b for p, a, b in pairs),
            "clean_flag_gained": sum(not p and not a and b for p, a, b in pairs),
            "clean_flag_lost": sum(not p and a and not b for p, a, b in pairs),
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
