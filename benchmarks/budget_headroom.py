"""How much of the engine's work budget (``engine.PERSON_WORK_PER_KB``) genuine text spends, per KB, on single
labelled messages and on long pieces made of them (issue 17).

    python benchmarks/budget_headroom.py [--piece-kb 5] [--skip SET,...] [--json]

No labelled message is longer than 1 KB, and a shorter message counts as 1 KB, so single messages show less than
long genuine text spends: this also joins each set's messages, one per line and in order, into pieces of about
``--piece-kb`` KB (the last, shorter remainder dropped) and runs each piece as one message. Reported per set: the
largest and the mean spend per KB (what the budget's checks counted, reserved and settled, by the end of the
message; over ``PERSON_WORK_PER_KB`` means masked whole), and how many were masked whole (source ``over_budget``).
A change to the budget's counting must keep the largest spend well under the budget on both. Only the sets in
``ner_floor.CORPORA`` are read (every retired set; never one still blind).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ner_floor import CORPORA  # noqa: E402
from redaction import RedactionSettings, Redactor, engine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--piece-kb", type=float, default=5.0, help="length of the joined pieces, in KB")
    parser.add_argument("--skip", default="", help="comma-separated sets (file names) not to read")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    redactor = Redactor(RedactionSettings())
    budgets: list[engine._Work] = []
    made = engine._Work.__init__

    def recorded(self: engine._Work, text: str) -> None:
        made(self, text)
        budgets.append(self)

    engine._Work.__init__ = recorded  # type: ignore[method-assign]

    def spent(text: str) -> tuple[float, bool]:
        budgets.clear()
        findings = redactor.detect(text)
        kb = max(1.0, len(text) / 1024)
        return engine.PERSON_WORK_PER_KB - budgets[-1].left / kb, any(f.source == "over_budget" for f in findings)

    report: dict[str, Any] = {"budget_per_kb": engine.PERSON_WORK_PER_KB, "piece_kb": args.piece_kb, "sets": {}}
    for name in CORPORA:
        if name in skip or Path(name).stem in skip:
            continue
        path = ROOT / "tests" / "corpus" / name
        texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        pieces: list[str] = []
        piece = ""
        for text in texts:
            piece += text + "\n"
            if len(piece) >= args.piece_kb * 1024:
                pieces.append(piece)
                piece = ""
        row: dict[str, Any] = {}
        for kind, inputs in (("messages", texts), ("pieces", pieces)):
            if not inputs:
                continue
            results = [spent(text) for text in inputs]
            row[kind] = {
                "count": len(results),
                "max_spent_per_kb": round(max(s for s, _ in results), 1),
                "mean_spent_per_kb": round(sum(s for s, _ in results) / len(results), 1),
                "masked_whole": sum(whole for _, whole in results),
            }
        report["sets"][name] = row
    for kind in ("messages", "pieces"):
        rows = [row[kind] for row in report["sets"].values() if kind in row]
        report[kind] = {
            "count": sum(r["count"] for r in rows),
            "max_spent_per_kb": max((r["max_spent_per_kb"] for r in rows), default=None),
            "masked_whole": sum(r["masked_whole"] for r in rows),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, row in report["sets"].items():
            cells = "  ".join(
                f"{kind} {r['count']:>5}: max {r['max_spent_per_kb']:>6} mean {r['mean_spent_per_kb']:>6} "
                f"whole {r['masked_whole']}"
                for kind, r in row.items()
            )
            print(f"{name:<24} {cells}")
        print(json.dumps({k: v for k, v in report.items() if k != "sets"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
