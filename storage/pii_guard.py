"""PII guard tables: short-lived pending decisions (encrypted text) and weekly finding counts.

``pii_pending`` holds the text a warning's buttons act on ("Repost redacted", "Post redacted"), so
no message text ever travels in a button value: the button carries only the row's random token.
Rows are deleted when the poster acts and purged when they expire. ``pii_weekly_findings`` counts
findings per channel, ISO week and label — numbers only, never text — for the coordinator's review.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Table, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base
from storage.plain import Plain


class PiiPending(Base):
    """A warning or preview waiting for the poster's decision."""

    __tablename__ = "pii_pending"
    __table_args__ = (Index("ix_pii_pending_message", "message_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the only thing a button carries
    kind: Mapped[str] = mapped_column(String(16))  # "warning" or "preview"
    policy: Mapped[str] = mapped_column(String(16))  # warn, redact, meeting (at the time of the warning)
    poster: Mapped[str] = mapped_column(String(255))  # "console:nina" — who may act on it
    poster_handle: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str] = mapped_column(String(255))  # platform channel id (where to post / redact)
    channel_label: Mapped[str] = mapped_column(String(100))  # "#core-team" for people and audit
    message_key: Mapped[str | None] = mapped_column(String(255), default=None)  # "<channel id>/<message id>"
    message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    edit_id: Mapped[str | None] = mapped_column(String(255), default=None)  # Matrix m.replace event
    text: Mapped[str] = mapped_column(EncryptedText("pii_pending.text"))
    redacted: Mapped[str] = mapped_column(EncryptedText("pii_pending.redacted"))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # label -> count
    removable: Mapped[bool] = mapped_column(default=True)  # False: the bot could not remove the original
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PiiWeeklyFindings(Base):
    """Findings per channel per ISO week per label (counts only)."""

    __tablename__ = "pii_weekly_findings"
    __table_args__ = (UniqueConstraint("channel", "week", "label", name="uq_pii_weekly_channel_week_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))  # "#core-team"
    week: Mapped[str] = mapped_column(String(8))  # "2026-W10"
    label: Mapped[str] = mapped_column(String(32))  # PERSON, PHONE, ...
    messages: Mapped[int] = mapped_column(default=0)  # messages with at least one finding of this label
    findings: Mapped[int] = mapped_column(default=0)  # spans of this label


def iso_week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def new_token() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class NewPending:
    """What ``add_pending`` stored (the fields its callers go on with)."""

    id: int
    token: str
    channel_label: str
    labels: dict[str, int]
    expires_at: datetime


#: Built once (building a statement costs more CPU than running it), one per set of columns given
#: (``storage.plain``: an INSERT lists its columns).
_PENDING: Table = PiiPending.__table__  # type: ignore[assignment]
_INSERT_PENDING: dict[frozenset[str], Plain] = {}


def add_pending(session: Session, **fields: Any) -> NewPending:
    """Store a pending decision at once, on the session's transaction: one plain INSERT (a pending
    row goes with every warning and preview; an ORM object and its flush cost several times that).
    The text columns are encrypted by their column type as with the ORM."""
    token = new_token()
    values = {"token": token, **fields}
    columns = frozenset(values)
    insert = _INSERT_PENDING.get(columns)
    if insert is None:
        insert = _INSERT_PENDING[columns] = Plain(_PENDING.insert(), columns=sorted(columns))
    key = insert.insert(session, values)
    return NewPending(
        id=key,
        token=token,
        channel_label=str(fields["channel_label"]),
        labels=dict(fields.get("labels") or {}),
        expires_at=fields["expires_at"],
    )


def pending_by_token(session: Session, token: str, now: datetime) -> PiiPending | None:
    row = session.execute(select(PiiPending).where(PiiPending.token == token[:32])).scalar_one_or_none()
    if row is None or row.expires_at <= now:
        return None
    return row


def pending_for_message(session: Session, message_key: str) -> list[PiiPending]:
    return list(
        session.execute(
            select(PiiPending).where(PiiPending.message_key == message_key, PiiPending.kind == "warning")
        ).scalars()
    )


def pending_of_poster(session: Session, poster: str, now: datetime) -> list[PiiPending]:
    return list(
        session.execute(
            select(PiiPending)
            .where(PiiPending.poster == poster, PiiPending.kind == "warning", PiiPending.expires_at > now)
            .order_by(PiiPending.id)
        ).scalars()
    )


def purge_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(PiiPending).where(PiiPending.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def count_findings(session: Session, channel: str, week: str, labels: dict[str, int]) -> None:
    """Add one message's label counts to the channel's week."""
    for label, n in labels.items():
        query = (
            select(PiiWeeklyFindings)
            .where(
                PiiWeeklyFindings.channel == channel[:100],
                PiiWeeklyFindings.week == week,
                PiiWeeklyFindings.label == label[:32],
            )
            .with_for_update()
        )
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            try:
                # Two replicas can both find no row for a new week and insert it (PostgreSQL; SQLite's
                # BEGIN IMMEDIATE serialises them): the loser's savepoint rolls back and it counts on the
                # winner's row instead of failing the whole message.
                with session.begin_nested():
                    row = PiiWeeklyFindings(
                        channel=channel[:100], week=week, label=label[:32], messages=0, findings=0
                    )
                    session.add(row)
            except IntegrityError:
                row = session.execute(query).scalar_one()
        row.messages += 1
        row.findings += n
    session.flush()


@dataclass(frozen=True)
class WeekCount:
    channel: str
    week: str
    label: str
    messages: int
    findings: int


def findings_since(session: Session, weeks: list[str]) -> list[WeekCount]:
    rows = session.execute(
        select(PiiWeeklyFindings)
        .where(PiiWeeklyFindings.week.in_(weeks))
        .order_by(PiiWeeklyFindings.week, PiiWeeklyFindings.channel, PiiWeeklyFindings.label)
    ).scalars()
    return [WeekCount(r.channel, r.week, r.label, r.messages, r.findings) for r in rows]
