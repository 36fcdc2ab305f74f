"""The outbox: messages that must not be lost.

A handler enqueues the message in the same transaction as the record it is about (the tip, the
notice), so either both exist or neither does. Delivery claims due rows with a lease, sends them
outside any transaction, and marks them sent; a crash after sending and before marking re-sends
after the lease expires (at-least-once — a duplicate DM is better than a lost tip).

Each claim carries a random ``claim_token``. The sender renews the lease while a send is in
progress (``renew``), and ``mark_sent`` / ``mark_failed`` only act while the caller still holds the
token: a worker whose lease expired and was taken over by another replica cannot overwrite the
other's outcome, and learns that it lost the claim (``ClaimLost``). Transient failures are retried
with back-off until ``retry_horizon`` after the first failure (default 72 hours), not for a fixed
number of attempts, so a platform outage of hours loses nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

LEASE = timedelta(seconds=120)
RETRY_HORIZON = timedelta(hours=72)


class ClaimLost(Exception):
    """The caller's claim on an outbox row expired and another worker took it over (or it was
    finished): the caller must not record an outcome. Carries the row id only."""

    def __init__(self, message_id: int) -> None:
        super().__init__(f"outbox {message_id}: claim taken over by another worker")
        self.message_id = message_id


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 10 minutes (so a recovered platform is used within minutes)."""
    return timedelta(seconds=min(600, 5 * 2 ** min(12, max(0, attempts - 1))))


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
    tell_on_failure: str | None = None,
) -> OutboxMessage:
    """Store a message for delivery; a second call with the same ``key`` returns the first row.

    ``tell_on_failure`` is the platform reference of a member waiting for this message (e.g. the
    recipient of a confirmation): if delivery is given up on, they get a short note (no content)."""
    if recipient_kind not in ("user", "channel", "removal"):
        raise ValueError("recipient_kind must be 'user', 'channel' or 'removal'")
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
        tell_on_failure=tell_on_failure,
    )
    session.add(row)
    queued[key] = row
    session.info["outbox_added"] = session.info.get("outbox_added", 0) + 1
    return row


def claim_due(
    session: Session, now: datetime, *, limit: int = 50, lease: timedelta = LEASE, keys: list[str] | None = None
) -> list[OutboxMessage]:
    """Claim pending rows whose time has come, and rows whose previous claim expired (a crash, or
    a worker that could not renew); only those with one of ``keys`` when given. Each claimed row
    gets a fresh ``claim_token``."""
    stmt = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now),
            ),
            OutboxMessage.idempotency_key.in_(keys) if keys is not None else true(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        row.status = "sending"
        row.claimed_until = now + lease
        row.claim_token = secrets.token_hex(16)
        row.attempts += 1
    session.flush()
    return rows


def _held(message_id: int, token: str) -> object:
    return (
        (OutboxMessage.id == message_id)
        & (OutboxMessage.claim_token == token)
        & (OutboxMessage.status == "sending")
    )


def renew(session: Session, message_id: int, token: str, *, now: datetime, lease: timedelta = LEASE) -> bool:
    """Extend the lease of a row being sent. False when the claim is no longer ours."""
    result = session.execute(
        update(OutboxMessage).where(_held(message_id, token)).values(claimed_until=now + lease)  # type: ignore[arg-type]
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def mark_sent(session: Session, message_id: int, token: str, *, now: datetime, ref: str) -> None:
    """Record the send. Raises ``ClaimLost`` when another worker took the claim over."""
    result = session.execute(
        update(OutboxMessage)
        .where(_held(message_id, token))  # type: ignore[arg-type]
        .values(status="sent", sent_at=now, sent_ref=ref[:255], claimed_until=None, last_error=None)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise ClaimLost(message_id)


def mark_failed(
    session: Session,
    message_id: int,
    token: str,
    *,
    now: datetime,
    reason: str,
    transient: bool,
    horizon: timedelta = RETRY_HORIZON,
) -> bool:
    """Record a failed attempt. Returns True when the message is given up on (needs a human):
    a permanent failure, or transient failures for longer than ``horizon``. Raises ``ClaimLost``
    when another worker took the claim over."""
    row = session.execute(
        select(OutboxMessage).where(_held(message_id, token)).with_for_update()  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if row is None:
        raise ClaimLost(message_id)
    row.last_error = reason[:200]
    row.claimed_until = None
    row.claim_token = None
    if row.first_failed_at is None:
        row.first_failed_at = now
    if transient and now - row.first_failed_at < horizon:
        row.status = "pending"
        row.next_attempt_at = now + backoff(row.attempts)
        return False
    row.status = "failed"
    return True


def release(session: Session, message_id: int, token: str, *, now: datetime) -> bool:
    """Give a claimed, unsent row back (shutting down): due again at once, for any worker."""
    result = session.execute(
        update(OutboxMessage)
        .where(_held(message_id, token))  # type: ignore[arg-type]
        .values(status="pending", claimed_until=None, claim_token=None, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status.in_(("pending", "sending")))
        ).scalar_one()
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


def hold(session: Session, keys: list[str], *, until: datetime) -> None:
    """Keep pending rows from going out before ``until``: queued ahead of an action they depend on
    (the PII guard queues its repost before removing the original, so a crash right after the
    removal still reposts; the hold is lifted with ``release_held`` or the row ``withdraw``-n)."""
    session.flush()
    session.execute(
        update(OutboxMessage)
        # Only rows never tried: a re-handled event must not push back a repost already being retried.
        .where(OutboxMessage.idempotency_key.in_(keys), OutboxMessage.status == "pending", OutboxMessage.attempts == 0)
        .values(next_attempt_at=until)
    )


def release_held(session: Session, keys: list[str], *, now: datetime) -> None:
    """Make held rows due now."""
    session.flush()
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key.in_(keys), OutboxMessage.status == "pending", OutboxMessage.attempts == 0)
        .values(next_attempt_at=now)
    )


def rewrite_held(session: Session, key: str, *, body: str, now: datetime) -> bool:
    """Give a held, never-tried row its final text and make it due now, in one statement: the
    held row *is* the message (the PII guard's notice to the poster on a platform where that
    notice is a DM), so whatever the process dies after, exactly one of the two texts goes out,
    under the row's one key (on Matrix, one transaction id). False when the row is no longer held
    and untried (its hold lapsed and a delivery took it, or it is gone): its text stands."""
    session.flush()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key, OutboxMessage.status == "pending", OutboxMessage.attempts == 0)
        .values(body=body, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def withdraw(session: Session, keys: list[str]) -> None:
    """Drop rows that have not been sent or claimed (the action they depended on did not happen)."""
    session.flush()
    session.execute(
        delete(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys), OutboxMessage.status == "pending")
    )
