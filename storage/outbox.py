"""The outbox: messages that must not be lost.

A handler enqueues the message in the same transaction as the record it is about (the tip, the
notice), so either both exist or neither does. Delivery claims due rows with a lease, sends them
outside any transaction, and marks them sent; a crash after sending and before marking re-sends
after the lease expires (at-least-once — a duplicate DM is better than a lost tip).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=120)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 10 minutes."""
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class OutgoingButton:
    action_id: str
    label: str
    value: str = ""
    style: str = "default"


def enqueue(
    session: Session,
    *,
    key: str,
    purpose: str,
    recipient_kind: str,
    recipient: str,
    body: str,
    buttons: list[OutgoingButton] | None = None,
    now: datetime,
) -> OutboxMessage:
    """Store a message for delivery; a second call with the same ``key`` returns the first row."""
    if recipient_kind not in ("user", "channel"):
        raise ValueError("recipient_kind must be 'user' or 'channel'")
    # Rows queued earlier in this transaction are not flushed yet: no flush per message, so a sweep
    # that queues a thousand reminders writes them in a few batched INSERTs, not a thousand.
    queued: dict[str, OutboxMessage] = session.info.setdefault("outbox_queued", {})
    if key in queued and queued[key] in session:
        return queued[key]
    with session.no_autoflush:
        existing = session.execute(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).scalar_one_or_none()
    if existing is not None:
        return existing
    row = OutboxMessage(
        idempotency_key=key,
        purpose=purpose,
        recipient_kind=recipient_kind,
        recipient=recipient,
        body=body,
        buttons=[b.__dict__ for b in (buttons or [])],
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    queued[key] = row
    return row


def claim_due(
    session: Session, now: datetime, *, limit: int = 50, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Claim pending rows whose time has come, and rows whose previous claim expired (a crash)."""
    stmt = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        row.status = "sending"
        row.claimed_until = now + lease
        row.attempts += 1
    session.flush()
    return rows


def mark_sent(session: Session, message_id: int, *, now: datetime, ref: str) -> None:
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status = "sent"
        row.sent_at = now
        row.sent_ref = ref[:255]
        row.claimed_until = None
        row.last_error = None


def mark_failed(session: Session, message_id: int, *, now: datetime, reason: str, transient: bool) -> bool:
    """Record a failed attempt. Returns True when the message is given up on (needs a human)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return False
    row.last_error = reason[:200]
    row.claimed_until = None
    if transient and row.attempts < MAX_ATTEMPTS:
        row.status = "pending"
        row.next_attempt_at = now + backoff(row.attempts)
        return False
    row.status = "failed"
    return True


def pending_count(session: Session) -> int:
    return len(
        list(
            session.execute(select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "sending"))))
        )
    )


def pending_for(session: Session, recipients: set[str]) -> list[OutboxMessage]:
    """Undelivered messages to these recipients (``"console:vera"``): a deactivated member's queue,
    re-routed or cancelled by ``handlers/directory.py``. Rows being sent right now are left alone."""
    if not recipients:
        return []
    return list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.recipient.in_(sorted(recipients)))
            .order_by(OutboxMessage.id)
        ).scalars()
    )
