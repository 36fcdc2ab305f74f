"""Hot statements run on SQLite's driver (``storage.plain``) store and read exactly what SQLAlchemy does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import ArgumentError, IntegrityError

from storage import deliveries, schedule
from storage import pii_guard as store
from storage.crypto import FieldCipher, KeyRing, install_cipher
from storage.db import Database
from storage.models import ScheduledItem
from storage.pii_guard import PiiPending
from storage.plain import Plain

NOW = datetime(2026, 3, 2, 15, 0, 7, 123456, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    install_cipher(FieldCipher(KeyRing.generate()))
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()
    install_cipher(None)


def test_a_pending_row_stored_plainly_reads_back_the_same_through_the_orm(db: Database) -> None:
    with db.session() as s:
        new = store.add_pending(
            s,
            kind="preview",
            policy="preview",
            poster="slack:U1",
            poster_handle="nina",
            channel="C1",
            channel_label="#general",
            text="Call Zebediah at 312-555-0199",
            redacted="Call [PERSON] at [PHONE]",
            labels={"PERSON": 1, "PHONE": 1},
            removable=False,
            created_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        )
        schedule.schedule(
            s, key=f"pii:purge:{new.id}", kind="pii.purge", ref=f"PII-{new.id}", due_at=new.expires_at
        )
        deliveries.record(s, "slack:inbox:1", "pii.preview", NOW, answer='{"text": "Preview: 312-555-0199"}')
    with db.session() as s:
        row = s.execute(select(PiiPending).where(PiiPending.id == new.id)).scalar_one()
        assert (
            row.token,
            row.text,
            row.redacted,
            row.labels,
            row.removable,
            row.poster_handle,
            row.message_key,
        ) == (
            new.token,
            "Call Zebediah at 312-555-0199",
            "Call [PERSON] at [PHONE]",
            {"PERSON": 1, "PHONE": 1},
            False,
            "nina",
            None,
        )
        assert row.created_at.replace(tzinfo=UTC) == NOW
        item = s.execute(select(ScheduledItem).where(ScheduledItem.key == f"pii:purge:{new.id}")).scalar_one()
        assert (item.status, item.attempts, item.payload, item.due_at.replace(tzinfo=UTC)) == (
            "pending",
            0,
            {},
            NOW + timedelta(hours=1),
        )
        step = deliveries.find(s, "slack:inbox:1", "pii.preview")
        assert step is not None and step.answer == '{"text": "Preview: 312-555-0199"}'
        # The secret text is stored encrypted, as through the ORM.
        raw = s.connection().exec_driver_sql("SELECT text FROM pii_pending").scalar_one()
        assert "312-555-0199" not in str(raw)


def test_rows_the_orm_wrote_read_the_same_plainly(db: Database) -> None:
    with db.session() as s:
        s.add(
            ScheduledItem(key="k1", kind="x.y", ref="R-1", due_at=NOW, payload={"a": [1, 2]}, status="done")
        )
    query = Plain(
        select(
            ScheduledItem.__table__.c.due_at,
            ScheduledItem.__table__.c.payload,
            ScheduledItem.__table__.c.status,
        ).where(ScheduledItem.__table__.c.key == "k1")
    )
    with db.session() as s:
        found = query.first(s, {})
        assert found is not None
        due, payload, status = found
        assert (due.replace(tzinfo=UTC), payload, status) == (NOW, {"a": [1, 2]}, "done")
        assert query.rows(s, {}) == [found]
        # A done item is not planned again (the key is taken).
        schedule.schedule(s, key="k1", kind="x.y", ref="R-1", due_at=NOW + timedelta(days=1))
    with db.session() as s:
        assert s.execute(select(ScheduledItem.due_at)).scalar_one().replace(tzinfo=UTC) == NOW


def test_a_failing_statement_raises_sqlalchemys_error_and_keeps_nothing(db: Database) -> None:
    with pytest.raises(IntegrityError) as failed, db.session() as s:
        deliveries.record(s, "slack:inbox:2", "pii.preview", NOW, answer="secret answer 312-555-0199")
        deliveries.record(s, "slack:inbox:2", "pii.preview", NOW, answer="secret answer 312-555-0199")
    assert "312-555-0199" not in str(failed.value)  # parameters are never in the message (logs)
    with db.session() as s:
        assert deliveries.find(s, "slack:inbox:2", "pii.preview") is None  # rolled back: nothing stored


def test_an_insert_must_give_its_columns(db: Database) -> None:
    with db.session() as s:
        missing_default = Plain(
            ScheduledItem.__table__.insert(), columns=("key", "kind", "ref", "due_at", "status")
        )
        if db.is_sqlite:
            with pytest.raises(ValueError, match="attempts"):
                missing_default.run(
                    s, {"key": "k", "kind": "x", "ref": "r", "due_at": NOW, "status": "pending"}
                )
            insert = Plain(
                ScheduledItem.__table__.insert(),
                columns=("key", "kind", "ref", "due_at", "status", "attempts", "payload"),
            )
            with pytest.raises(ArgumentError):
                insert.insert(s, {"key": "k", "kind": "x", "ref": "r", "due_at": NOW, "status": "pending"})
