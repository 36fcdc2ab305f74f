"""Core tables: directory, channels, audit, outbox, scheduled items, adapter state.

Feature tables (tips, releases, operations, PII guard) live in their own ``storage/<feature>.py``
modules on the same ``Base`` and their own alembic branch (see ``storage/migrations``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.crypto import EncryptedText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no time zones: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # short name used in commands: "hsi"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # law_enforcement, prosecution, ngo, healthcare, legal, ...

    members: Mapped[list[Member]] = relationship(back_populates="agency")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)  # "alice"; the console name
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    discipline: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)

    agency: Mapped[Agency] = relationship(back_populates="members", lazy="joined")
    identities: Mapped[list[MemberIdentity]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )


class MemberIdentity(Base):
    __tablename__ = "member_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_identity_platform_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))

    member: Mapped[Member] = relationship(back_populates="identities")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("member_id", "role", name="uq_role_member_role"),
        # Exactly one tip point person and at most one backup: the guide's single point of contact.
        Index(
            "uq_single_point_person",
            "role",
            unique=True,
            sqlite_where=text("role IN ('point_person', 'backup_point_person')"),
            postgresql_where=text("role IN ('point_person', 'backup_point_person')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))

    member: Mapped[Member] = relationship(back_populates="roles")


class Channel(Base):
    """A task-force channel/room known to the bot, with its PII guard policy."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # "core-team"
    pii_policy: Mapped[str] = mapped_column(String(16), default="warn")  # off, warn, redact, meeting, block
    agreement: Mapped[str | None] = mapped_column(Text, default=None)  # information-sharing reminder

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="channel", cascade="all, delete-orphan", lazy="selectin"
    )


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_channel_platform_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))

    channel: Mapped[Channel] = relationship(back_populates="identities")


class AuditEntry(Base):
    """Append-only, hash-chained audit row. ``detail`` holds counts and references, never PII."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))  # "member:alice", "system", "platform:slack:U1"
    action: Mapped[str] = mapped_column(String(64))  # "tip.routed", "permission.denied", ...
    target: Mapped[str] = mapped_column(String(100), default="")  # "T-0042", "R-12", "channel:core-team"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last audit id and hash, so deleting the newest rows is detectable too.

    ``head_mac`` signs (last_id, last_hash) with a key derived from the HMAC key, so rewriting the
    head with plain SQL after deleting the newest rows is detected without the key. ``db upgrade``
    creates the row, so a missing head means a wiped log. ``checkpoint_at``: when the last
    checkpoint was exported (scheduling only; see storage/audit.py)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    head_mac: Mapped[str | None] = mapped_column(String(64), default=None)
    checkpoint_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxMessage(Base):
    """A message that must not be lost, stored with its record and delivered with retries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(64))  # "tip.route", "release.expired", ...
    # "user", "channel", or "removal" (the durable retry of a message removal: ``recipient`` is the
    # channel, ``body`` the message ids and the held rows to release once removed; handlers/pii_guard.py)
    recipient_kind: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(255))  # "console:alice", "slack:C123"
    body: Mapped[str] = mapped_column(EncryptedText("outbox.body"))
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)  # reason only, no content
    # Fences a claim: only the worker holding this token may renew, mark sent or mark failed.
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    # Transient failures are retried until ``first_failed_at + [outbox] retry_hours``.
    first_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who is waiting for this message (a member's platform reference, e.g. the recipient of a
    # confirmation): told, without content, when the message is given up on.
    tell_on_failure: Mapped[str | None] = mapped_column(String(255), default=None)


class ScheduledItem(Base):
    """Something due at a time (a reminder, an alert, an escalation). The database, not the
    scheduler's job store, is the source of truth; ``key`` makes each item unique."""

    __tablename__ = "scheduled_items"
    __table_args__ = (Index("ix_scheduled_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # "release:12:expiry-14d"
    kind: Mapped[str] = mapped_column(String(64))  # handler name: "release.reminder"
    ref: Mapped[str] = mapped_column(String(100))  # what it is about: "R-12" (non-sensitive)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ids only, never text
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, claimed, done, cancelled
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    # The due time first planned, kept when a failed run moves ``due_at`` (so lateness is honest).
    first_due_at: Mapped[datetime | None] = mapped_column(default=None)


class KeyCheck(Base):
    """One row written at first start: a known value sealed under the encryption key and its keyed
    hash, so a process started with the wrong key (or HMAC key) refuses to start instead of writing
    rows no one can read and breaking the audit chain."""

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    sealed: Mapped[str] = mapped_column(EncryptedText("key_check"))
    keyed_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Platform event ids already handled (Slack retries deliveries)."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[datetime]


class InboxEntry(Base):
    """An inbound platform request (Slack event, slash command, interaction) stored before it is
    acknowledged, so a request the platform will not deliver again is never lost (storage/inbox.py).

    ``key`` makes a redelivery of the same request a no-op (Slack's event id; a digest for commands
    and interactions). ``payload`` is the request as the adapter needs it to run the handler later,
    encrypted (it holds message text); it is cleared once the row is done."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "key", name="uq_inbox_platform_key"),
        Index("ix_inbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # event, command, action, view
    payload: Mapped[str | None] = mapped_column(EncryptedText("inbox.payload"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # pending, running, done, failed
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    # Fences a claim: only the holder of this token may renew it, finish the row or record a failure.
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    first_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)  # a reason, never content
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The platform side effects the handler already made, one character each in the order it made
    #: them ("1" done, "0" done and refused, "x" failed): a re-run skips those done (never content).
    effects: Mapped[str] = mapped_column(String(2000), default="", server_default="")


class Counter(Base):
    """Sequences for human references (T-0042, R-12, C-3, OP-7)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class PlatformState(Base):
    """Small adapter state that must survive restarts (e.g. Matrix sync token, DM rooms)."""

    __tablename__ = "platform_state"

    namespace: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class IdentityChangeRequest(Base):
    """A requested change of an existing member's discipline, agency or platform ids.

    Identity decides what a member may see (operation details go to law enforcement and
    prosecutors only), so one admin cannot change it alone: a second admin approves the request
    (or the config file plus ``directory sync`` changes it). ``changes`` holds the new values —
    directory data about staff, never case information."""

    __tablename__ = "identity_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    changes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, approved, rejected, expired
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def reference(self) -> str:
        return f"IR-{self.id}"
