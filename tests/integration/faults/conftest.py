"""Fixtures for the fault-injection suite: one PII engine per session (spaCy loads in seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def redactor() -> Iterator[Any]:
    from redaction import Redactor

    yield Redactor()
