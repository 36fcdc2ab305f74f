"""Scheduled items: the database says what is due; APScheduler only runs periodic sweeps.

``schedule()`` stores an item with a unique key (``release:12:expiry-14d``), so planning the same
reminder twice is harmless. A sweep claims due items with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL;
SQLite serialises writers with ``BEGIN IMMEDIATE``), runs each item's handler inside a savepoint —
the handler writes outbox rows — and marks the item done in the same transaction. So an item is
processed exactly once across restarts and replicas: either its outbox rows and its ``done`` mark
commit together, or neither does and the next sweep tries again.

An item whose time passed while the bot or the database was down is simply due when the next sweep
runs: it is never skipped. ``App.run_due`` runs it late and every message it queues says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from storage.models import ScheduledItem
from storage.plain import Plain

#: Built once (building a statement and its cache key costs more CPU than running it).
#: Run on SQLite's driver connection (``storage.plain``).
_ITEMS: Table = ScheduledItem.__table__  # type: ignore[assignment]
_KEY_ROW = Plain(select(_ITEMS.c.id, _ITEMS.c.status).where(_ITEMS.c.key == bindparam("key")))
_INSERT = Plain(_ITEMS.insert(), columns=("key", "kind", "ref", "due_at", "payload", "status", "attempts"))
_MOVE = Plain(
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(due_at=bindparam("new_due_at"), payload=bindparam("new_payload"))
)

MAX_ATTEMPTS = 5


def schedule(
    session: Session,
    *,
    key: str,
    kind: str,
    ref: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Plan an item once. Re-planning a pending item with the same key moves its due time.

    Plain statements on the session's transaction, written at once (items are planned for most
    actions; an ORM object and its flush cost several times the statements). When the session holds
    the item as an ORM object (a scheduled job re-planning what it runs), that object is changed
    instead, so it never goes stale under a later flush of the job."""
    loaded = _loaded(session, key)
    if loaded is not None:
        if loaded.status == "pending":
            loaded.due_at = due_at
            loaded.payload = payload or {}
        return
    conn = session.connection()
    found = _KEY_ROW.first(conn, {"key": key})
    if found is not None:
        if found[1] == "pending":
            _MOVE.run(conn, {"item_id": found[0], "new_due_at": due_at, "new_payload": payload or {}})
        return
    _INSERT.run(
        conn,
        {
            "key": key,
            "kind": kind,
            "ref": ref,
            "due_at": due_at,
            "payload": payload or {},
            "status": "pending",
            "attempts": 0,
        },
    )


def _loaded(session: Session, key: str) -> ScheduledItem | None:
    """The item with ``key`` if the session holds it as an ORM object (loaded, or added and not flushed)."""
    for obj in (*session.identity_map.values(), *session.new):
        if isinstance(obj, ScheduledItem) and obj.key == key:
            return obj
    return None


def cancel(session: Session, *, ref: str, kinds: Sequence[str] | None = None) -> int:
    """Cancel pending items about ``ref`` (e.g. a revoked release). Returns how many."""
    stmt = update(ScheduledItem).where(ScheduledItem.ref == ref, ScheduledItem.status == "pending")
    if kinds:
        stmt = stmt.where(ScheduledItem.kind.in_(list(kinds)))
    result = session.execute(stmt.values(status="cancelled"))
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(session: Session, now: datetime, *, limit: int = 500) -> list[ScheduledItem]:
    """Lock up to ``limit`` due items for this transaction; other workers skip them."""
    stmt = (
        select(ScheduledItem)
        .where(ScheduledItem.status == "pending", ScheduledItem.due_at <= now)
        .order_by(ScheduledItem.due_at, ScheduledItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.execute(stmt).scalars())


def mark_done(item: ScheduledItem, now: datetime) -> None:
    item.status = "done"
    item.done_at = now


def mark_retry(item: ScheduledItem, now: datetime) -> bool:
    """After a failed run: try again later, or give up. Returns True when given up."""
    item.attempts += 1
    if item.first_due_at is None:
        item.first_due_at = item.due_at  # lateness is measured from the time first planned
    if item.attempts >= MAX_ATTEMPTS:
        item.status = "failed"
        return True
    item.due_at = now + timedelta(minutes=2**item.attempts)
    return False


def next_due(session: Session, until: datetime) -> datetime | None:
    """The earliest due time of a pending item at or before ``until`` (the console's ``/clock`` steps
    through them so each item runs at its own time), or None."""
    return session.execute(
        select(ScheduledItem.due_at)
        .where(ScheduledItem.status == "pending", ScheduledItem.due_at <= until)
        .order_by(ScheduledItem.due_at)
        .limit(1)
    ).scalar_one_or_none()
