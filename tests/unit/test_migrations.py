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


def test_operations_recorded_before_teams_keep_their_lead_on_the_team(tmp_path: Path) -> None:
    """0006_operation_team back-fills each existing operation's lead, so no lead loses the details."""
    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config

    db = Database(f"sqlite:///{tmp_path}/m.db")
    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004_operations")
        conn.execute(
            text("INSERT INTO agencies (id, key, name, kind) VALUES (1, 'hsi', 'HSI', 'law_enforcement')")
        )
        conn.execute(
            text(
                "INSERT INTO members (id, handle, display_name, agency_id, discipline, active) "
                "VALUES (7, 'alice', 'Alice', 1, 'law_enforcement', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO operations (id, number, lead_id, status, planned_at, estimate, ngo_keys, "
                "created_at, updated_at) VALUES (3, 1, 7, 'planned', 'x', 'x', '[]', "
                "'2026-03-02 15:00:00', '2026-03-02 15:00:00')"
            )
        )
        command.upgrade(cfg, "heads")
        rows = conn.execute(text("SELECT operation_id, member_id FROM operation_team")).all()
    db.dispose()
    assert [tuple(r) for r in rows] == [(3, 7)]
