"""operation_alert_buckets: clear timestamps of operation alerts no longer give the planned time

Revision ID: 0016b_operation_alert_buckets
Revises: 0006_operation_team
Create Date: 2026-12-06 22:00:00

Before this revision an alert's ``due_at`` was the planned time minus its lead time plus up to 90
random minutes, and the times it was sent (the notice, the outbox row, the acknowledgement check
derived from it) carried the same: the planned time to within minutes. The code now times alerts
from a bucket of the local day (handlers/timeline.py ``alert_bucket``). This migration has no key
and no time zone, so it cannot read the exact planned time: it moves each of those clear times to a
12-hour UTC grid instead, which reveals no more than a 12-hour window and never makes an alert early:

- pending alert items: ``due_at`` -> the end of the 12-hour slot holding (old due + its hours), minus
  its hours (the old due was at or after the point, so this is too; at most 12 h later);
- finished alert items, alert notices, their acknowledgement checks and outbox rows: their times
  -> the start of their 12-hour slot (pending checks and unsent rows: the end, never early).

Audit rows keep their times: they are hash-chained (docs/operations.md states this residual).
"""
from datetime import datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0016b_operation_alert_buckets'
down_revision = '0006_operation_team'
branch_labels = None
depends_on = None

_SLOT = timedelta(hours=12)
_EPOCH = datetime(2000, 1, 1)


def _floor(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    naive = value.replace(tzinfo=None)
    return _EPOCH + ((naive - _EPOCH) // _SLOT) * _SLOT


def _ceil(value: datetime | None) -> datetime | None:
    floor = _floor(value)
    if floor is None or value is None:
        return None
    return floor if floor == value.replace(tzinfo=None) else floor + _SLOT


def upgrade() -> None:
    conn = op.get_bind()
    items = conn.execute(
        sa.text("SELECT id, payload, due_at, status, done_at FROM scheduled_items WHERE kind = 'operations.alert'")
    ).all()
    for item_id, payload, due_at, status, done_at in items:
        data = payload if isinstance(payload, dict) else __import__("json").loads(payload or "{}")
        hours = timedelta(hours=int(data.get("hours", 0)))
        due = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
        new_due = (_floor(due + hours) + _SLOT) - hours  # type: ignore[operator]
        conn.execute(
            sa.text("UPDATE scheduled_items SET due_at = :due, done_at = :done WHERE id = :id"),
            {"due": new_due, "done": new_due if done_at is not None else None, "id": item_id},
        )
    notices = conn.execute(
        sa.text("SELECT id, created_at, resent_at, escalated_at FROM operation_notices WHERE kind = 'alert'")
    ).all()
    for notice_id, created_at, resent_at, escalated_at in notices:
        conn.execute(
            sa.text(
                "UPDATE operation_notices SET created_at = :c, resent_at = :r, escalated_at = :e WHERE id = :id"
            ),
            {"c": _floor(_dt(created_at)), "r": _floor(_dt(resent_at)), "e": _floor(_dt(escalated_at)), "id": notice_id},
        )
        for check_id, due_at, status in conn.execute(
            sa.text("SELECT id, due_at, status FROM scheduled_items WHERE ref = :ref"),
            {"ref": f"notice:{notice_id}"},
        ).all():
            moved = _ceil(_dt(due_at)) if status == "pending" else _floor(_dt(due_at))
            conn.execute(
                sa.text("UPDATE scheduled_items SET due_at = :due, done_at = NULL WHERE id = :id"),
                {"due": moved, "id": check_id},
            )
        for row_id, created, next_at, sent_at, status in conn.execute(
            sa.text(
                "SELECT id, created_at, next_attempt_at, sent_at, status FROM outbox "
                "WHERE idempotency_key LIKE :key"
            ),
            {"key": f"operations:notice:{notice_id}%"},
        ).all():
            conn.execute(
                sa.text(
                    "UPDATE outbox SET created_at = :c, next_attempt_at = :n, sent_at = :s, "
                    "claimed_until = NULL WHERE id = :id"
                ),
                {
                    "c": _floor(_dt(created)),
                    "n": _ceil(_dt(next_at)) if status in ("pending", "sending") else _floor(_dt(next_at)),
                    "s": _floor(_dt(sent_at)),
                    "id": row_id,
                },
            )


def _dt(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def downgrade() -> None:
    pass  # the old, precise times cannot (and must not) be restored
