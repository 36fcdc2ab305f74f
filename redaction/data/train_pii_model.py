"""Train the small statistical PII tagger shipped in ``redaction/data/pii_model/`` from the labelled corpora.

Why a model of our own beside spaCy's NER: the hand rules reach 0.98 on the corpus they were written against but
transfer poorly to text nobody tuned on -- addresses, ages and handles are written in too many ways for rules
(``docs/redaction-evaluation.md``). A tagger trained on every labelled message we have learns those forms from
their context. It is deliberately small (hash embeddings + a 2-layer CNN, about 3 MB) so that it, spaCy's NER and
the rules together stay within the cost target; it is a spaCy ``tagger`` component over BILUO entity tags, so
loading needs nothing but spaCy and the files committed here -- no download, no network.

Training data: the JSONL corpora in ``tests/corpus/`` (own corpus, the blind sets). ``--exclude SET:SPLIT`` holds a
half out (to measure on it); the ``test`` half of the newest blind set (``BLIND_SETS`` in
``benchmarks/corpus_eval.py``) is always left out. Each message is also added in an all-lower-case
and, for short ones, an ALL-CAPS copy, because chat is written both ways and the embeddings see the case.

Deterministic for a given seed and data (single-threaded numpy; same spaCy/thinc versions). Takes a few minutes on
two cores::

    python redaction/data/train_pii_model.py --out redaction/data/pii_model [--exclude blind7:dev] [--epochs 30]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.training import Example, offsets_to_biluo_tags
from thinc.api import compounding, fix_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from redaction.tagger import PIPE

ROOT = Path(__file__).resolve().parents[2]


# Every labelled corpus in the repository: the own corpus and each blind set (``still_blind`` removes the test half of
# the current one), so a new blind set is trained on without editing this file.
# Order matters for a reproducible model: own corpus, first held-out set, then blind sets by number.
def _corpus_order(path: Path) -> tuple[int, str]:
    if path.stem in ("corpus", "heldout"):
        return ("corpus", "heldout").index(path.stem), path.stem
    number = path.stem.removeprefix("blind")
    return (2 + int(number) if number.isdigit() else 1000), path.stem


CORPORA = tuple(sorted((ROOT / "tests" / "corpus").rglob("*.jsonl"), key=_corpus_order))
# A per-token classifier over BILUO entity tags ("B-ADDRESS", "L-ADDRESS", "U-AGE", "O") rather than spaCy's
# transition-based "ner": it has no per-token state loop, so it costs about 40% of it per message, and its
# precision on held-out text was higher (docs/redaction-evaluation.md). Small on purpose: the engine's cost budget.
ENCODER: dict[str, Any] = {
    "@architectures": "spacy.HashEmbedCNN.v2",
    "pretrained_vectors": None,
    "width": 64,
    "depth": 2,
    "embed_size": 2000,
    "window_size": 1,
    "maxout_pieces": 3,
    "subword_features": True,
}
_CAPS_MAX = 200


def still_blind() -> set[tuple[str, str]]:
    """``(set, "test")`` for each corpus whose test half is still unseen (``BLIND_SETS`` in corpus_eval.py): never
    trained on, whatever the command line says; likewise the ``test`` half of the clean-message corpus."""
    spec = importlib.util.spec_from_file_location("corpus_eval", ROOT / "benchmarks" / "corpus_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the clean-message corpus (tests/corpus/clean/) keeps its test half held out too: false alarms are measured there
    return {(name, "test") for name in module.BLIND_SETS} | {("clean", "test")}


def load_rows(paths: list[Path], exclude: set[tuple[str, str]]) -> list[dict[str, object]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if (str(row.get("set", "")), str(row.get("split", ""))) in exclude:
                continue
            rows.append(row)
    return rows


def examples(nlp: spacy.language.Language, rows: list[dict[str, object]]) -> list[Example]:
    out = []
    for row in rows:
        text = str(row["text"])
        spans = [(int(s), int(e), str(label)) for s, e, label in row["spans"]]  # type: ignore[attr-defined]
        variants = [text]
        if row.get("set") != "synthetic":  # generate_pii_messages.py varies the case itself
            variants.append(text.lower())
            if len(text) <= _CAPS_MAX:
                variants.append(text.upper())
        for variant in dict.fromkeys(variants):
            if len(variant) != len(
                text
            ):  # a few characters change length when case-mapped; skip those copies
                continue
            doc = nlp.make_doc(variant)
            ents: list[spacy.tokens.Span] = []
            for start, end, label in spans:
                span = doc.char_span(start, end, label=label, alignment_mode="expand")
                if span is not None and not any(span.start < e.end and e.start < span.end for e in ents):
                    ents.append(span)
            entities = [(e.start_char, e.end_char, e.label_) for e in ents]
            out.append(Example.from_dict(doc, {"tags": offsets_to_biluo_tags(doc, entities)}))
    return out


def train(
    rows: list[dict[str, object]],
    epochs: int,
    seed: int,
    encoder: dict[str, Any],
    snapshots: Path | None = None,
) -> spacy.language.Language:
    fix_random_seed(seed)
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy.Tagger.v2", "nO": None, "normalize": False, "tok2vec": encoder}
    pipe = cast(Any, nlp.add_pipe("tagger", name=PIPE, config={"model": model}))
    data = examples(nlp, rows)
    for example in data:
        for token in example.reference:
            pipe.add_label(token.tag_)
    optimizer = nlp.initialize(lambda: data)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        started = time.perf_counter()
        sizes = iter(compounding(8.0, 64.0, 1.02))
        position = 0
        while position < len(data):
            size = int(next(sizes))
            nlp.update(data[position : position + size], drop=0.2, sgd=optimizer, losses=losses)
            position += size
        print(f"epoch {epoch + 1:>2}/{epochs}: loss {sum(losses.values()):.0f} ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)  # fmt: skip
        if snapshots is not None:  # the model after epoch k is the one ``--epochs k`` trains (same seed, same data)
            (snapshots / f"epoch-{epoch + 1}").mkdir(parents=True, exist_ok=True)
            _finish(nlp, epoch + 1).to_disk(snapshots / f"epoch-{epoch + 1}", exclude=["vocab"])
    return nlp


def _finish(nlp: spacy.language.Language, epochs: int) -> spacy.language.Language:
    nlp.meta["name"] = "needtoknow_pii"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "needtoknow's small PII tagger, trained by redaction/data/train_pii_model.py"
    nlp.meta["epochs"] = epochs
    return nlp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write the pipeline to")
    parser.add_argument(
        "--corpus", type=Path, action="append", help="JSONL corpus (default: all in tests/corpus)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SET:SPLIT",
        help="leave out rows of this set and split",
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--width", type=int, default=ENCODER["width"])
    parser.add_argument("--depth", type=int, default=ENCODER["depth"])
    parser.add_argument("--embed-size", type=int, default=ENCODER["embed_size"])
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--snapshots", type=Path, help="also write the model after each epoch to DIR/epoch-N")
    args = parser.parse_args()
    exclude = {(item.partition(":")[0], item.partition(":")[2]) for item in args.exclude} | still_blind()
    rows = load_rows(args.corpus or list(CORPORA), exclude)
    print(f"{len(rows)} messages", file=sys.stderr)
    encoder = {**ENCODER, "width": args.width, "depth": args.depth, "embed_size": args.embed_size}
    nlp = _finish(train(rows, args.epochs, args.seed, encoder, args.snapshots), args.epochs)
    nlp.meta["sources"] = [p.name for p in (args.corpus or CORPORA)]
    nlp.meta["excluded"] = sorted(f"{name}:{split}" for name, split in exclude)
    # Without the vocab: its string store holds every word of the training messages -- on a deployment's own data,
    # names and addresses in clear text. The weights keep only hashes; the loader re-adds the tag names.
    nlp.to_disk(args.out, exclude=["vocab"])
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
