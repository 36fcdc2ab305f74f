"""One real spaCy model per test session: loading is the slow part, and the engine is immutable after load."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from redaction import Redactor


def keyed_test_hash(alias: str) -> str:
    """The keyed hash the bot's storage layer would supply, with a fixed test key."""
    return hmac.new(b"test-key", alias.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor(keyed_hash=keyed_test_hash)


def masked(redactor: Redactor, text: str) -> str:
    return redactor.redact(text).text


def labels_of(redactor: Redactor, text: str) -> set[str]:
    return {finding.label for finding in redactor.detect(text)}


def assert_hidden(redactor: Redactor, text: str, *secrets: str) -> None:
    """Every one of ``secrets`` is gone from the redacted text."""
    out = masked(redactor, text)
    for secret in secrets:
        assert secret not in out, (secret, out)


def assert_kept(redactor: Redactor, text: str, *words: str) -> None:
    """Every one of ``words`` is still readable in the redacted text."""
    out = masked(redactor, text)
    for word in words:
        assert word in out, (word, out)


def assert_whole(redactor: Redactor, text: str, *secrets: str) -> None:
    """Every character of each of ``secrets`` is inside one finding (no "_" or "." of it left readable)."""
    findings = redactor.detect(text)
    for secret in secrets:
        start = text.index(secret)
        end = start + len(secret)
        assert any(f.start <= start and end <= f.end for f in findings), (secret, masked(redactor, text))
