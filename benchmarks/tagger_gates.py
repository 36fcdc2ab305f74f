"""Statistical taggers, per-label gates and confidence floors scored out of sample, summed over several sets.

Run from the repository root (issue 17, docs/redaction-evaluation.md "Session 13, tagger")::

    .venv/bin/python benchmarks/tagger_gates.py --cache /tmp/gates \\
        --corpus tests/corpus/blind14/blind14.jsonl --corpus tests/corpus/blind15/blind15.jsonl \\
        --corpus tests/corpus/clean/clean.jsonl:test \\
        --tagger shipped=builtin --tagger off=off --tagger cand=/tmp/cand \\
        --tagger "cand-noage=/tmp/cand;labels=PERSON,ADDRESS,DOB,HANDLE,PHONE" \\
        --tagger "cand-p80=/tmp/cand;floor=PERSON:0.8" \\
        --union "cand-person+shipped=cand-personly+shipped-noperson"

``--tagger NAME=SETTING[;labels=L1,L2,...][;floor=LABEL:P,...]`` is a ``pii_model`` setting (``builtin``, ``off`` or
a pipeline directory) run through the whole engine; ``labels`` sets the pipeline meta's ``trusted_labels`` (the
labels whose tagger spans are used at all) and ``floor`` its ``min_confidence`` (per label, the least token
probability a tagger span needs), both on a temporary copy of the pipeline. ``--union NAME=A+B[+C...]`` scores the
characters masked by any of the runs named (an estimate of one engine taking some labels from A's tagger and the
others from B's: the rules and NER are the same in every run; e.g. the union of a tagger's single-label runs
``labels=PERSON``, ``labels=AGE``, ... against its real run measures the estimate's error). Each run's masked characters are kept in ``--cache``
under its name, so adding a union or a report needs no new run (delete the file to re-run a name).

Scored like ``corpus_eval.evaluate``: a gold span is caught when all its non-space characters are masked; a clean
message is flagged when anything in it is masked. Only counts are printed; for each entry after the first, the
difference against the first and how many messages changed each way. The sets named must be held out of every
tagger compared (a set a tagger trained on is in-sample for it; their ``meta.json`` sources are printed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redaction import RedactionSettings, Redactor  # noqa: E402
from redaction.tagger import BUILTIN_PII_MODEL  # noqa: E402


def load_rows(specs: list[str]) -> list[dict[str, Any]]:
    """Rows of each ``PATH[:SPLIT]``, tagged with the file's stem as their set when they name none."""
    rows: list[dict[str, Any]] = []
    for spec in specs:
        path, _, split = spec.partition(":")
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if split and row.get("split") != split:
                continue
            row.setdefault("set", Path(path).stem)
            rows.append(row)
    return rows


def gated_setting(setting: str, options: list[str], work: Path) -> tuple[str, dict[str, Any]]:
    """The ``pii_model`` setting to run: ``setting`` itself, or a copy of its pipeline with the meta changed."""
    if not options or setting == "off":
        return setting, {}
    source = BUILTIN_PII_MODEL if setting == "builtin" else Path(setting)
    meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
    changes: dict[str, Any] = {}
    for option in options:
        key, _, value = option.partition("=")
        if key == "labels":
            changes["trusted_labels"] = [label for label in value.split(",") if label]
        elif key == "floor":
            changes["min_confidence"] = {
                item.partition(":")[0]: float(item.partition(":")[2]) for item in value.split(",") if item
            }
        else:
            raise SystemExit(f"--tagger: unknown option {key!r} (labels=..., floor=...)")
    copy = work / f"pipeline{len(list(work.iterdir()))}"
    shutil.copytree(source, copy)
    (copy / "meta.json").write_text(json.dumps({**meta, **changes}), encoding="utf-8")
    return str(copy), changes


def masked_runs(rows: list[dict[str, Any]], setting: str) -> list[list[list[int]]]:
    """Per row, the masked character ranges ``[start, end]`` of the engine's findings."""
    redactor = Redactor(RedactionSettings(pii_model=setting))
    results = redactor.redact_many([str(row["text"]) for row in rows])
    return [[[f.start, f.end] for f in result.findings] for result in results]


def score(rows: list[dict[str, Any]], ranges: list[list[list[int]]]) -> tuple[dict[str, Any], list[bool]]:
    """Counts like ``corpus_eval.evaluate`` and, per row, fully masked (PII) or flagged (clean)."""
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    outside = outside_masked = clean = flagged = pii = full = 0
    outcome = []
    for row, found in zip(rows, ranges, strict=True):
        text = str(row["text"])
        masked = [False] * len(text)
        for start, end in found:
            for i in range(start, end):
                masked[i] = True
        gold = [False] * len(text)
        whole = True
        for start, end, label in row["spans"]:
            for i in range(start, end):
                gold[i] = True
            hit = all(masked[i] for i in range(start, end) if not text[i].isspace())
            whole = whole and hit
            per_label[label][0] += 1
            per_label[label][1] += hit
        for i, ch in enumerate(text):
            if not gold[i] and not ch.isspace():
                outside += 1
                outside_masked += masked[i]
        if row["spans"]:
            pii += 1
            full += whole
            outcome.append(whole)
        else:
            clean += 1
            flagged += any(masked)
            outcome.append(any(masked))
    spans = sum(s[0] for s in per_label.values())
    caught = sum(s[1] for s in per_label.values())
    return {
        "gold_spans": spans,
        "caught": caught,
        "recall": round(caught / spans, 4) if spans else 1.0,
        "per_label": {label: f"{s[1]}/{s[0]}" for label, s in sorted(per_label.items())},
        "pii_messages_fully_masked": f"{full}/{pii}",
        "clean_messages_flagged": f"{flagged}/{clean}",
        "over_redaction_pct": round(100 * outside_masked / outside, 3) if outside else 0.0,
    }, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", required=True, metavar="PATH[:SPLIT]")
    parser.add_argument(
        "--tagger", action="append", default=[], metavar="NAME=SETTING[;labels=..][;floor=..]"
    )
    parser.add_argument("--union", action="append", default=[], metavar="NAME=A+B[+C...]")
    parser.add_argument(
        "--cache", type=Path, required=True, help="directory for each run's masked characters"
    )
    parser.add_argument("--by-set", action="store_true", help="also report each set on its own")
    args = parser.parse_args()
    rows = load_rows(args.corpus)
    args.cache.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[list[list[int]]]] = {}
    described: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for item in args.tagger:
            name, _, rest = item.partition("=")
            setting, *options = rest.split(";")
            cached = args.cache / f"{name}.json"
            if cached.is_file():
                saved = json.loads(cached.read_text(encoding="utf-8"))
                if saved["rows"] == len(rows) and saved["spec"] == rest:
                    runs[name], described[name] = saved["ranges"], saved["about"]
                    continue
            actual, changes = gated_setting(setting, options, Path(scratch))
            about: dict[str, Any] = {"pii_model": setting, **changes}
            if setting != "off":
                meta_dir = BUILTIN_PII_MODEL if setting == "builtin" else Path(setting)
                meta = json.loads((meta_dir / "meta.json").read_text(encoding="utf-8"))
                about["sources"] = meta.get("sources")
            runs[name], described[name] = masked_runs(rows, actual), about
            cached.write_text(
                json.dumps({"rows": len(rows), "spec": rest, "about": about, "ranges": runs[name]}),
                encoding="utf-8",
            )
    for item in args.union:
        name, _, parts = item.partition("=")
        members = parts.split("+")
        runs[name] = [
            [pair for found in per_run for pair in found]
            for per_run in zip(*(runs[member] for member in members), strict=True)
        ]
        described[name] = {"union_of": members}
    subsets: dict[str, list[int]] = {"all": list(range(len(rows)))}
    if args.by_set:
        for index, row in enumerate(rows):
            subsets.setdefault(str(row.get("set")), []).append(index)
    report: dict[str, Any] = {"corpora": args.corpus, "messages": len(rows)}
    names = list(runs)
    for subset, indices in subsets.items():
        sub_rows = [rows[i] for i in indices]
        scores: dict[str, Any] = {}
        outcomes: dict[str, list[bool]] = {}
        for name in names:
            scores[name], outcomes[name] = score(sub_rows, [runs[name][i] for i in indices])
        base = names[0]
        for name in names[1:]:
            pii = [bool(row["spans"]) for row in sub_rows]
            pairs = list(zip(pii, outcomes[base], outcomes[name], strict=True))
            scores[name]["against_" + base] = {
                "caught": scores[name]["caught"] - scores[base]["caught"],
                "fully_masked_gained/lost": f"+{sum(p and not a and b for p, a, b in pairs)}"
                f"/-{sum(p and a and not b for p, a, b in pairs)}",
                "clean_flag_gained/lost": f"+{sum(not p and not a and b for p, a, b in pairs)}"
                f"/-{sum(not p and a and not b for p, a, b in pairs)}",
            }
        report[subset] = scores
    report["taggers"] = described
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
