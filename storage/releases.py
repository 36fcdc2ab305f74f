"""Releases of information: who may share what about which client, with whom, until when.

ECM guide, "Releases of Information": a release "specifies what information will be shared, with
whom, and for what purpose", "should specify how long the consent is valid and is always time
limited". ECM guide, "Before You Share": the victim "can revoke their release of information at any
given time". One row is one signed release from one releasing agency to one receiving agency.

The client reference is a pseudonym (C-1187), but together with the two agencies it still says that
a person is in a program, which a community-based caseworker may not disclose without a release
(ECM guide, "Community-Based Caseworkers and Advocates — In Practice"). So it is stored encrypted,
with a keyed hash (``client_hash``) for lookups; scope and purpose are free text and encrypted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base

ACTIVE = "active"
REVOKED = "revoked"
RENEWED = "renewed"  # replaced by a successor release (``renewed_as_id``) before it ran out


class ReleaseOfInformation(Base):
    """A signed, scoped, time-limited release. ``number`` is the human reference (R-12)."""

    __tablename__ = "releases"
    __table_args__ = (
        # /release check: every release of one client between two agencies.
        Index("ix_releases_client", "client_hash", "receiving_agency_id"),
        # /release list and the summary: an agency's / a caseworker's releases by expiry.
        Index("ix_releases_releasing_expiry", "releasing_agency_id", "expires_at"),
        Index("ix_releases_owner_expiry", "owner_id", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    client_ref: Mapped[str] = mapped_column(EncryptedText("releases.client_ref"))
    client_hash: Mapped[str] = mapped_column(String(64))
    releasing_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))  # the caseworker who recorded it
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str | None] = mapped_column(EncryptedText("releases.scope"), default=None)
    purpose: Mapped[str] = mapped_column(EncryptedText("releases.purpose"))
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)  # last valid day, in the task force's time zone
    expires_at: Mapped[datetime]  # the instant it stops being valid: local midnight after expires_on
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    revoked_verbally: Mapped[bool] = mapped_column(default=False)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), default=None)
    renewed_as_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), default=None)

    @property
    def ref(self) -> str:
        return release_ref(self.number)


def release_ref(number: int) -> str:
    return f"R-{number}"


def parse_release_ref(text: str) -> int | None:
    """``R-12`` / ``r12`` / ``12`` -> 12; anything else -> None."""
    t = text.strip().upper()
    if t.startswith("R"):
        t = t[1:].lstrip("-")
    return int(t) if t.isdigit() and len(t) <= 9 else None


def by_number(session: Session, number: int) -> ReleaseOfInformation | None:
    return session.execute(
        select(ReleaseOfInformation).where(ReleaseOfInformation.number == number)
    ).scalar_one_or_none()


def active_for_client(session: Session, client_hash: str, now: datetime) -> list[ReleaseOfInformation]:
    """Releases of this client that are in force at ``now`` (not revoked, renewed or expired)."""
    rel = ReleaseOfInformation
    stmt = select(rel).where(rel.client_hash == client_hash, rel.status == ACTIVE, rel.expires_at > now)
    return list(session.execute(stmt).scalars())


def between(session: Session, client_hash: str, agency_a: int, agency_b: int) -> list[ReleaseOfInformation]:
    """Every release of this client from either agency to the other, newest first."""
    rel = ReleaseOfInformation
    stmt = (
        select(rel)
        .where(
            rel.client_hash == client_hash,
            or_(
                (rel.releasing_agency_id == agency_a) & (rel.receiving_agency_id == agency_b),
                (rel.releasing_agency_id == agency_b) & (rel.receiving_agency_id == agency_a),
            ),
        )
        .order_by(rel.expires_at.desc(), rel.id.desc())
    )
    return list(session.execute(stmt).scalars())


def of_agency(session: Session, agency_id: int, *, limit: int) -> Sequence[ReleaseOfInformation]:
    """An agency's releases, latest expiry first (bounded: ``limit`` rows)."""
    rel = ReleaseOfInformation
    stmt = (
        select(rel)
        .where(rel.releasing_agency_id == agency_id)
        .order_by(rel.expires_at.desc(), rel.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def count_of_agency(session: Session, agency_id: int) -> int:
    rel = ReleaseOfInformation
    return int(
        session.execute(select(func.count(rel.id)).where(rel.releasing_agency_id == agency_id)).scalar_one()
    )


def expiring_for_owner(
    session: Session, owner_id: int, now: datetime, until: datetime
) -> list[ReleaseOfInformation]:
    """A caseworker's active releases that stop being valid between ``now`` and ``until``."""
    rel = ReleaseOfInformation
    stmt = (
        select(rel)
        .where(
            rel.owner_id == owner_id,
            rel.status == ACTIVE,
            rel.expires_at > now,
            rel.expires_at <= until,
        )
        .order_by(rel.expires_at, rel.id)
    )
    return list(session.execute(stmt).scalars())
