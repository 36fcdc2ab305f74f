"""The inbox: inbound platform requests stored before they are acknowledged.

Slack does not deliver a request again once it got its HTTP 200. So the adapter writes the request
(an Events API event, a slash command, an interaction) to this table *before* it acknowledges it, and
runs the handler from the row afterwards. The row is claimed the moment it is written (``receive``),
by the replica that acknowledged it: a random ``claim_token`` and a lease (``claimed_until``) that the
holder renews while the handler runs. ``finish`` and ``fail`` only act while the caller still holds
the token, so a replica whose lease lapsed cannot overwrite the outcome of the one that took over.

Every replica sweeps (``claim_due``): rows whose lease expired (a replica killed mid-handler, or one
that stopped before it got to them) and rows waiting for a retry are claimed afresh. A failing row
is retried with back-off until ``horizon`` after its first failure, then marked ``failed`` (the
caller tells the coordinators). ``done`` rows keep only their key (the payload is cleared) so a
redelivery of the same request is recognised; ``purge`` deletes them after the retention window.

``key`` is unique per platform: a redelivery of a stored request (Slack's retry of an event) finds
the row instead of creating a second one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from storage.models import InboxEntry

_INBOX: Table = InboxEntry.__table__  # type: ignore[assignment]
_FINISH = (
    update(_INBOX)
    .where(
        tuple_(_INBOX.c.id, _INBOX.c.claim_token).in_(bindparam("claims", expanding=True)),
        _INBOX.c.status == "running",
    )
    .values(
        status="done", done_at=bindparam("now"), payload=None, claimed_until=None, claim_token=None,
        last_error=None,
    )
    .returning(_INBOX.c.id)
)
_RECORD_EFFECTS = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("row_id"), func.length(_INBOX.c.effects) <= bindparam("n"))
    .values(effects=bindparam("effects"))
)

LEASE = timedelta(seconds=120)
RETRY_HORIZON = timedelta(hours=24)

NEW = "new"  # stored now, claimed by the caller
MINE = "mine"  # stored before and not finished: claimed now by the caller (a retry is due or a lease lapsed)
BUSY = "busy"  # stored before; another worker holds a live claim on it
DONE = "done"  # stored before and finished (or given up on)


class ClaimLost(Exception):
    """The caller's claim on an inbox row lapsed and another worker took it over (or finished it)."""

    def __init__(self, row_id: int) -> None:
        super().__init__(f"inbox {row_id}: claim taken over by another worker")
        self.row_id = row_id


@dataclass(frozen=True)
class Claimed:
    """A claimed row as plain values (no ORM object outlives its session)."""

    id: int
    token: str
    kind: str
    payload: str
    attempts: int
    received_at: datetime
    #: The row's key (the platform's id of the request): what the handler's records are keyed by.
    key: str = ""
    #: The side effects earlier runs of the handler made (see ``record_effects``).
    effects: str = ""


def _claimed(row: InboxEntry) -> Claimed:
    return Claimed(
        row.id, row.claim_token or "", row.kind, row.payload or "", row.attempts, row.received_at,
        row.key, row.effects or "",
    )


def store(
    session: Session,
    *,
    platform: str,
    key: str,
    kind: str,
    payload: str,
    now: datetime,
    lease: timedelta = LEASE,
    claim: bool = True,
) -> Claimed:
    """Insert a new row, claimed by the caller (``claim``) or waiting for any worker's sweep.
    Raises ``IntegrityError`` when ``key`` is stored already: see ``take``."""
    token = secrets.token_hex(16) if claim else None
    # A Core INSERT ... RETURNING (no ORM unit of work): this runs before every acknowledgement.
    row_id = session.execute(
        insert(InboxEntry)
        .values(
            platform=platform,
            key=key[:255],
            kind=kind[:16],
            payload=payload,
            status="running" if claim else "pending",
            attempts=1 if claim else 0,
            received_at=now,
            next_attempt_at=now,
            claimed_until=now + lease if claim else None,
            claim_token=token,
        )
        .returning(InboxEntry.id)
    ).scalar_one()
    return Claimed(int(row_id), token or "", kind[:16], payload, 1 if claim else 0, now, key[:255])


def _values(
    platform: str,
    key: str,
    kind: str,
    payload: str,
    now: datetime,
    lease: timedelta,
    claim: bool,
    token: str | None,
) -> dict[str, Any]:
    return {
        "platform": platform,
        "key": key[:255],
        "kind": kind[:16],
        "payload": payload,
        "status": "running" if claim else "pending",
        "attempts": 1 if claim else 0,
        "received_at": now,
        "next_attempt_at": now,
        "claimed_until": now + lease if claim else None,
        "claim_token": token,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id, key`` for every row: the keys that were new,
    with their ids (a key stored already is left alone).

    One statement on the table (Core), run for all rows at once: SQLAlchemy's "insertmanyvalues"
    sends them as multi-row VALUES batches from one compiled statement. A single ``.values(rows)``
    statement was compiled afresh for every burst size (a burst of 50 requests cost about six times
    the CPU per row)."""
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(_INBOX).on_conflict_do_nothing(index_elements=["platform", "key"])
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(_INBOX).on_conflict_do_nothing(index_elements=["platform", "key"])
    else:  # pragma: no cover - the project supports these two
        raise RuntimeError(f"inbox: unsupported database {dialect}")
    result = session.connection().execute(stmt.returning(_INBOX.c.id, _INBOX.c.key), rows)
    return {str(key): int(row_id) for row_id, key in result}


def receive_many(
    session: Session,
    items: list[tuple[str, str, str, bool]],
    *,
    platform: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> list[tuple[str, Claimed | None]]:
    """``store`` each request ``(key, kind, payload, claim)``, or — when its key is stored already (a
    redelivery) — ``take`` it, in the caller's transaction and without an error, with one INSERT for
    all the new ones (a burst of requests costs one statement and one commit). Returns, per item,
    ``(NEW, row)`` or what ``take`` returns."""
    tokens = [secrets.token_hex(16) if claim else None for _, _, _, claim in items]
    first: dict[str, int] = {}  # key -> index of its first occurrence in this batch
    for n, (key, _, _, _) in enumerate(items):
        first.setdefault(key[:255], n)
    rows = [
        _values(platform, key, kind, payload, now, lease, claim, tokens[n])
        for n, (key, kind, payload, claim) in enumerate(items)
        if first[key[:255]] == n
    ]
    inserted = _insert_new(session, rows)
    out: list[tuple[str, Claimed | None]] = []
    for n, (key, kind, payload, claim) in enumerate(items):
        row_id = inserted.get(key[:255])
        if row_id is not None and first[key[:255]] == n:
            out.append(
                (NEW, Claimed(row_id, tokens[n] or "", kind[:16], payload, 1 if claim else 0, now, key[:255]))
            )
        else:
            out.append(take(session, platform=platform, key=key, now=now, lease=lease, claim=claim))
    return out


def receive(
    session: Session,
    *,
    platform: str,
    key: str,
    kind: str,
    payload: str,
    now: datetime,
    lease: timedelta = LEASE,
    claim: bool = True,
) -> tuple[str, Claimed | None]:
    """One request: see ``receive_many``."""
    return receive_many(session, [(key, kind, payload, claim)], platform=platform, now=now, lease=lease)[0]


def take(
    session: Session, *, platform: str, key: str, now: datetime, lease: timedelta = LEASE, claim: bool = True
) -> tuple[str, Claimed | None]:
    """A redelivery of a stored request: ``(DONE, None)`` when it was finished, ``(BUSY, None)`` while
    another worker holds a live claim (or ``claim`` is false), else the row claimed for the caller
    ``(MINE, row)``."""
    row = session.execute(
        select(InboxEntry)
        .where(InboxEntry.platform == platform, InboxEntry.key == key[:255])
        .with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status in ("done", "failed"):
        return DONE, None
    if not claim or (row.status == "running" and row.claimed_until is not None and row.claimed_until >= now):
        return BUSY, None
    _claim(row, now, lease)
    session.flush()
    return MINE, _claimed(row)


def _claim(row: InboxEntry, now: datetime, lease: timedelta) -> None:
    row.status = "running"
    row.claimed_until = now + lease
    row.claim_token = secrets.token_hex(16)
    row.attempts += 1


def claim_due(
    session: Session, *, platform: str, now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[Claimed]:
    """Claim rows waiting for a (re)try and rows whose claim expired, oldest first."""
    stmt = (
        select(InboxEntry)
        .where(
            InboxEntry.platform == platform,
            or_(
                (InboxEntry.status == "pending") & (InboxEntry.next_attempt_at <= now),
                (InboxEntry.status == "running") & (InboxEntry.claimed_until < now),
            ),
        )
        .order_by(InboxEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        _claim(row, now, lease)
    session.flush()
    return [_claimed(r) for r in rows]


def _held(row_id: int, token: str) -> object:
    return (InboxEntry.id == row_id) & (InboxEntry.claim_token == token) & (InboxEntry.status == "running")


def renew(
    session: Session, claims: Iterable[tuple[int, str]], *, now: datetime, lease: timedelta = LEASE
) -> int:
    """Extend the leases of rows being handled (one statement). Returns how many are still held."""
    pairs = list(claims)
    if not pairs:
        return 0
    result = session.execute(
        update(InboxEntry)
        .where(
            InboxEntry.id.in_([i for i, _ in pairs]),
            InboxEntry.claim_token.in_([t for _, t in pairs]),
            InboxEntry.status == "running",
        )
        .values(claimed_until=now + lease)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def finish(session: Session, row_id: int, token: str, *, now: datetime) -> None:
    """The handler finished: done, payload cleared. Raises ``ClaimLost`` when the claim was taken over."""
    result = session.execute(
        update(InboxEntry)
        .where(_held(row_id, token))  # type: ignore[arg-type]
        .values(
            status="done", done_at=now, payload=None, claimed_until=None, claim_token=None, last_error=None
        )
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise ClaimLost(row_id)


def finish_many(session: Session, claims: list[tuple[int, str]], *, now: datetime) -> set[int]:
    """``finish`` several rows with one statement; returns the ids finished (a row missing from it
    was taken over: its caller lost the claim)."""
    if not claims:
        return set()
    # On the table (Core), built once: an ORM-enabled UPDATE would also look for the rows among the
    # session's objects (there are none) and the statement would be rebuilt for every batch.
    result = session.connection().execute(_FINISH, {"claims": claims, "now": now})
    return {int(row_id) for row_id in result.scalars()}


def fail(
    session: Session,
    row_id: int,
    token: str,
    *,
    now: datetime,
    reason: str,
    horizon: timedelta = RETRY_HORIZON,
    first_delay: timedelta = timedelta(seconds=5),
) -> bool:
    """Record a failed attempt: retried after a back-off (``first_delay``, doubling with each attempt,
    at most 10 minutes) until ``horizon`` after the first failure; then the row is ``failed``
    (returns True: tell someone). Raises ``ClaimLost`` when the claim was taken over."""
    row = session.execute(
        select(InboxEntry).where(_held(row_id, token)).with_for_update()  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if row is None:
        raise ClaimLost(row_id)
    row.last_error = reason[:200]
    row.claimed_until = None
    row.claim_token = None
    if row.first_failed_at is None:
        row.first_failed_at = now
    if now - row.first_failed_at < horizon:
        row.status = "pending"
        delay = first_delay.total_seconds() * 2 ** min(16, max(0, row.attempts - 1))
        row.next_attempt_at = now + timedelta(seconds=min(600.0, delay))
        return False
    row.status = "failed"
    row.done_at = now
    return True


def record_effects(session: Session, row_id: int, effects: str) -> None:
    """Remember the side effects a row's handler made so far (one character each, never content).
    Not fenced by the claim: an effect that happened is a fact whoever holds the row now; the string
    never shrinks (a stale writer's shorter one is ignored; a failed effect retried may turn into a
    done one at the same length)."""
    record_effects_many(session, [(row_id, effects)])


def record_effects_many(session: Session, records: list[tuple[int, str]]) -> None:
    """``record_effects`` for several rows in one go (one statement, built once, run for each)."""
    if records:
        session.connection().execute(
            _RECORD_EFFECTS, [{"row_id": i, "n": len(e), "effects": e[:2000]} for i, e in records]
        )


def release(session: Session, claims: Iterable[tuple[int, str]], *, now: datetime) -> int:
    """Give claimed rows back unhandled (shutting down): due again at once, for any worker."""
    released = 0
    for row_id, token in claims:
        result = session.execute(
            update(InboxEntry)
            .where(_held(row_id, token))  # type: ignore[arg-type]
            .values(
                status="pending",
                claimed_until=None,
                claim_token=None,
                next_attempt_at=now,
                attempts=InboxEntry.attempts - 1,
            )
        )
        released += int(getattr(result, "rowcount", 0) or 0)
    return released


def purge(session: Session, *, platform: str, before: datetime) -> int:
    """Delete rows finished (or given up on) before ``before``."""
    result = session.execute(
        delete(InboxEntry).where(
            InboxEntry.platform == platform,
            InboxEntry.status.in_(("done", "failed")),
            InboxEntry.done_at < before,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def backlog(session: Session) -> tuple[int, datetime | None, int]:
    """(rows not finished, the oldest one's arrival, rows given up on) over every platform."""
    count, oldest = session.execute(
        select(func.count(InboxEntry.id), func.min(InboxEntry.received_at)).where(
            InboxEntry.status.in_(("pending", "running"))
        )
    ).one()
    failed = session.execute(
        select(func.count(InboxEntry.id)).where(InboxEntry.status == "failed")
    ).scalar_one()
    return int(count), oldest, int(failed)
