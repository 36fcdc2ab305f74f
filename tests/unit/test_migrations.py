"""The alembic migrations create exactly what the models declare (no drift)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import storage.all_models  # noqa: F401
from storage.db import Database
from storage.models import Base


def test_migrations_match_the_models(tmp_path: Path, database_url: str) -> None:
    db = Database(database_url)
    db.upgrade()
    with db.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata
        )
    db.dispose()
    assert diffs == []


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/m.db")
    db.upgrade()
    db.upgrade()
    db.dispose()
