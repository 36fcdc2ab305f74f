"""Operation records and the need-to-know notices sent to NGOs about them.

What is sensitive and therefore encrypted (``EncryptedText``): the exact planned date and time, the
location, the target/tactical notes, and the estimate (victim count, genders, languages, minors,
needs — shared with the NGO, but still about people and an operation). Notice bodies are encrypted
too: they are re-sent when not acknowledged. Plain columns hold only references, statuses, agency
keys and bookkeeping times (when a notice was created, acknowledged, escalated).

``scheduled_items.due_at`` of the lead-time alerts is plain (the sweep must query it), and so are
the times alerts are sent (outbox, notices, audit rows): all are computed from the bucket of the
local day the operation falls in (``handlers.timeline.alert_bucket``), never from the exact time, so
someone reading the database without the key learns no more than that bucket (12 hours by default).
See docs/operations.md, "What the database reveals without the key".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, ScheduledItem

ACTIVE = "planned"
CANCELLED = "cancelled"
CONCLUDED = "concluded"


class Operation(Base):
    """A planned law-enforcement operation (``OP-<number>``)."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)  # planned, cancelled, concluded
    # ISO-8601 UTC instant, encrypted: the exact time never sits in the database in clear.
    planned_at: Mapped[str] = mapped_column(EncryptedText("operations.planned_at"))
    location: Mapped[str | None] = mapped_column(EncryptedText("operations.location"), default=None)
    notes: Mapped[str | None] = mapped_column(EncryptedText("operations.notes"), default=None)
    # JSON of the NGO-facing estimate (victims_min/max, genders, languages, minors, needs).
    estimate: Mapped[str] = mapped_column(EncryptedText("operations.estimate"))
    ngo_keys: Mapped[list[str]] = mapped_column(JSON, default=list)  # agency keys of kind ngo
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def ref(self) -> str:
        return f"OP-{self.number}"


class OperationNotice(Base):
    """One need-to-know notice to one NGO contact, with its acknowledgement state."""

    __tablename__ = "operation_notices"
    __table_args__ = (Index("ix_operation_notices_operation", "operation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # initial, alert, update, postponed, cancelled, concluded
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    agency_key: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(EncryptedText("operation_notices.body"))
    outbox_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    resent_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # A later postponement/cancellation/conclusion makes this notice's content stale: it is then
    # neither re-sent nor escalated (a stale "within the next 24 hours" must not go out again).
    superseded: Mapped[bool] = mapped_column(default=False)


class OperationTeamMember(Base):
    """A member on an operation's team: the only people who see its exact details.

    The issue: the exact date, location and target details are "visible only to law enforcement
    and prosecutors on the operation". The lead who records an operation is on its team from the
    start; operation leads add and remove others (law enforcement and prosecutors only). Plain
    columns: who is on which operation is a reference, not a detail of the operation."""

    __tablename__ = "operation_team"
    __table_args__ = (UniqueConstraint("operation_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    added_at: Mapped[datetime]


def operation_by_ref(session: Session, ref: str) -> Operation | None:
    """``OP-7`` / ``op-7`` / ``7`` -> the operation, or None."""
    text = ref.strip().upper().removeprefix("OP-").removeprefix("OP")
    if not text.isdigit() or len(text) > 9:
        return None
    return session.execute(select(Operation).where(Operation.number == int(text))).scalar_one_or_none()


def notices_of(session: Session, operation_id: int) -> list[OperationNotice]:
    return list(
        session.execute(
            select(OperationNotice)
            .where(OperationNotice.operation_id == operation_id)
            .order_by(OperationNotice.id)
        ).scalars()
    )


def team_of(session: Session, operation_id: int) -> list[int]:
    """Member ids on the operation's team, in the order they were added."""
    return list(
        session.execute(
            select(OperationTeamMember.member_id)
            .where(OperationTeamMember.operation_id == operation_id)
            .order_by(OperationTeamMember.id)
        ).scalars()
    )


def on_team(session: Session, operation_id: int, member_id: int) -> bool:
    return (
        session.execute(
            select(OperationTeamMember.id).where(
                OperationTeamMember.operation_id == operation_id,
                OperationTeamMember.member_id == member_id,
            )
        ).first()
        is not None
    )


def add_to_team(session: Session, operation_id: int, member_id: int, now: datetime) -> bool:
    """Put the member on the team. Returns False when they already were."""
    if on_team(session, operation_id, member_id):
        return False
    session.add(OperationTeamMember(operation_id=operation_id, member_id=member_id, added_at=now))
    session.flush()
    return True


def remove_from_team(session: Session, operation_id: int, member_id: int) -> bool:
    """Take the member off the team. Returns False when they were not on it."""
    row = session.execute(
        select(OperationTeamMember).where(
            OperationTeamMember.operation_id == operation_id,
            OperationTeamMember.member_id == member_id,
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def remove_from_all_teams(session: Session, member_id: int) -> list[Operation]:
    """Take the member off every team (deactivation, identity change); returns those operations so
    their leads are told."""
    rows = list(
        session.execute(
            select(OperationTeamMember).where(OperationTeamMember.member_id == member_id)
        ).scalars()
    )
    ops = [op for op in (session.get(Operation, r.operation_id) for r in rows) if op is not None]
    for row in rows:
        session.delete(row)
    session.flush()
    return sorted(ops, key=lambda o: o.number)


def supersede_open_notices(session: Session, operation_id: int) -> int:
    """Mark every unacknowledged notice of the operation stale. Returns how many."""
    n = 0
    for notice in notices_of(session, operation_id):
        if notice.acknowledged_at is None and not notice.superseded:
            notice.superseded = True
            n += 1
    return n


def replan(
    session: Session,
    *,
    key: str,
    kind: str,
    ref: str,
    due_at: datetime,
    payload: dict[str, Any],
) -> ScheduledItem:
    """Plan ``key`` for ``due_at`` whatever its state: a done or cancelled item becomes pending again.

    ``storage.schedule.schedule`` never revives a finished item; a postponed operation needs
    exactly that (its 72-hour point lies ahead again), under the same key."""
    item = session.execute(select(ScheduledItem).where(ScheduledItem.key == key)).scalar_one_or_none()
    if item is None:
        item = ScheduledItem(key=key, kind=kind, ref=ref, due_at=due_at, payload=payload, status="pending")
        session.add(item)
    else:
        item.status = "pending"
        item.due_at = due_at
        item.payload = payload
        item.attempts = 0
        item.done_at = None
        item.claimed_until = None
    session.flush()
    return item
