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


def test_upgrade_moves_pending_operation_alerts_off_the_exact_time(tmp_path: Path) -> None:
    """0016b_operation_alert_buckets: an alert planned from the exact time (point + jitter) moves to a
    12-hour grid: never earlier than before (so never before its point), at most 12 hours later."""
    from datetime import datetime, timedelta

    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config

    db = Database(f"sqlite:///{tmp_path}/m.db")
    old_due = datetime(2026, 3, 9, 15, 37)  # planned 2026-03-12 15:00 UTC - 72 h + 37 min of jitter
    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006_operation_team")
        conn.execute(
            text(
                "INSERT INTO scheduled_items (id, key, kind, ref, payload, due_at, status, attempts) VALUES "
                "(1, 'operation:1:alert:72', 'operations.alert', 'OP-1', '{\"operation_id\": 1, \"hours\": 72}', "
                ":due, 'pending', 0)"
            ),
            {"due": old_due},
        )
        command.upgrade(cfg, "heads")
        (due,) = conn.execute(text("SELECT due_at FROM scheduled_items WHERE id = 1")).one()
    db.dispose()
    new_due = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
    assert new_due == datetime(2026, 3, 10, 0, 0)  # 72 h before the end of the slot holding 03-12 15:37
    assert old_due <= new_due <= old_due + timedelta(hours=12)
    assert (new_due.hour, new_due.minute) in ((0, 0), (12, 0))
