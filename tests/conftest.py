"""Shared fixtures: a database URL per backend (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.harness import Harness

PG_ENV = "NEEDTOKNOW_TEST_DATABASE_URL"
PG_SKIP = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://127.0.0.1:5432/test); .ci/run sets it"


def _pg_schema(base_url: str) -> Iterator[str]:
    """A throwaway schema per test so concurrent runs on one database never collide."""
    import psycopg

    schema = f"ntk_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Run the test once on a SQLite file and once on PostgreSQL (skipped without a URL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/needtoknow.db"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    yield from _pg_schema(base)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    yield from _pg_schema(base)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness.create(tmp_path)
    yield h
    await h.close()
