"""Tips, their keyed identifiers, Core Team dissemination, and the task-force case log.

Every piece of tip content (subject identifiers, location, what was observed) is an
``EncryptedText`` column. Duplicate detection never needs the clear values: ``tip_identifiers``
holds HMACs of normalised identifiers (phones in E.164, lower-cased handles and e-mails, plate
numbers, normalised names) for exact matches; fuzzy name matching decrypts names in memory only.

References: tips ``T-0042`` (counter ``tip``), cases ``C-3`` (counter ``case``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base

TIP_STATUSES = ("new", "acknowledged", "duplicate", "disseminated", "case_opened", "closed")
OPEN_TIP_STATUSES = ("new", "acknowledged", "disseminated")


def tip_reference(number: int) -> str:
    return f"T-{number:04d}"


def case_reference(number: int) -> str:
    return f"C-{number}"


class Case(Base):
    """An official task-force case (guide: members with information "met within the week to
    establish a lead agency and open an official task force case")."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    opened_at: Mapped[datetime]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def reference(self) -> str:
        return case_reference(self.number)


class CaseMember(Base):
    """A member participating in a case (the point person and those who had information)."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "member_id", name="uq_case_members_case_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))


class Tip(Base):
    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    source: Mapped[str] = mapped_column(String(32))  # community, hotline, victim_disclosure, ...
    urgency: Mapped[str] = mapped_column(String(16))  # routine, urgent
    immediate_danger: Mapped[bool] = mapped_column(default=False)
    subject_name: Mapped[str | None] = mapped_column(EncryptedText("tips.subject_name"), default=None)
    subject_phone: Mapped[str | None] = mapped_column(EncryptedText("tips.subject_phone"), default=None)
    subject_handle: Mapped[str | None] = mapped_column(EncryptedText("tips.subject_handle"), default=None)
    subject_vehicle: Mapped[str | None] = mapped_column(EncryptedText("tips.subject_vehicle"), default=None)
    subject_address: Mapped[str | None] = mapped_column(EncryptedText("tips.subject_address"), default=None)
    location: Mapped[str | None] = mapped_column(EncryptedText("tips.location"), default=None)
    observed: Mapped[str] = mapped_column(EncryptedText("tips.observed"))
    created_at: Mapped[datetime]
    routed_to: Mapped[str] = mapped_column(String(16), default="")  # point_person, backup, nobody
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"), default=None)
    disseminated_at: Mapped[datetime | None] = mapped_column(default=None)
    meeting_channel: Mapped[str | None] = mapped_column(String(255), default=None)  # "slack:C123"
    meeting_due: Mapped[datetime | None] = mapped_column(default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    #: The delivery that submitted it (``bot.platform.DELIVERY``: a Slack inbox row's key), unique: a
    #: submission handled again after a takeover finds this tip instead of storing a second one.
    submission_key: Mapped[str | None] = mapped_column(String(255), default=None)

    @property
    def reference(self) -> str:
        return tip_reference(self.number)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TIP_STATUSES


class TipIdentifier(Base):
    """A keyed hash (HMAC) of one normalised subject identifier; never the identifier itself."""

    __tablename__ = "tip_identifiers"
    __table_args__ = (
        Index("ix_tip_identifiers_lookup", "kind", "digest"),
        UniqueConstraint("tip_id", "kind", "digest", name="uq_tip_identifiers_tip_kind_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # phone, handle, email, vehicle, name
    digest: Mapped[str] = mapped_column(String(64))


class TipDissemination(Base):
    """One Core Team member asked about a disseminated tip, and their answer."""

    __tablename__ = "tip_disseminations"
    __table_args__ = (UniqueConstraint("tip_id", "member_id", name="uq_tip_disseminations_tip_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    sent_at: Mapped[datetime]
    response: Mapped[str | None] = mapped_column(String(16), default=None)  # has_info, no_info
    responded_at: Mapped[datetime | None] = mapped_column(default=None)


# -- queries -------------------------------------------------------------------------------------


def parse_tip_reference(text: str) -> int | None:
    """``T-0042``, ``t-42``, ``T42`` or ``42`` -> 42; anything else -> None."""
    t = text.strip().upper().removeprefix("T").removeprefix("-")
    return int(t) if t.isdigit() and len(t) <= 9 else None


def parse_case_reference(text: str) -> int | None:
    t = text.strip().upper()
    if not t.startswith("C"):
        return None
    t = t[1:].removeprefix("-")
    return int(t) if t.isdigit() and len(t) <= 9 else None


def tip_by_number(session: Session, number: int) -> Tip | None:
    return session.execute(select(Tip).where(Tip.number == number)).scalar_one_or_none()


def case_by_number(session: Session, number: int) -> Case | None:
    return session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()


def tips_matching_digests(
    session: Session, pairs: set[tuple[str, str]], *, exclude_tip: int
) -> dict[int, set[str]]:
    """Tip id -> identifier kinds it shares with ``pairs`` (kind, digest)."""
    if not pairs:
        return {}
    digests = {d for _, d in pairs}
    rows = session.execute(
        select(TipIdentifier.tip_id, TipIdentifier.kind, TipIdentifier.digest).where(
            TipIdentifier.digest.in_(sorted(digests)), TipIdentifier.tip_id != exclude_tip
        )
    ).all()
    out: dict[int, set[str]] = {}
    for tip_id, kind, digest in rows:
        if (kind, digest) in pairs:
            out.setdefault(tip_id, set()).add(kind)
    return out


def disseminations(session: Session, tip_id: int) -> list[TipDissemination]:
    return list(
        session.execute(
            select(TipDissemination).where(TipDissemination.tip_id == tip_id).order_by(TipDissemination.id)
        ).scalars()
    )


def case_member_ids(session: Session, case_id: int) -> list[int]:
    return list(
        session.execute(
            select(CaseMember.member_id).where(CaseMember.case_id == case_id).order_by(CaseMember.id)
        ).scalars()
    )


def add_case_member(session: Session, case_id: int, member_id: int) -> None:
    if member_id not in case_member_ids(session, case_id):
        session.add(CaseMember(case_id=case_id, member_id=member_id))
        session.flush()


def tips_of_case(session: Session, case_id: int) -> list[Tip]:
    return list(session.execute(select(Tip).where(Tip.case_id == case_id).order_by(Tip.number)).scalars())


class TipDraft(Base):
    """A one-line tip waiting for its writer to confirm it (nothing reaches the point person
    before). The answers are encrypted like a tip's content; the row is deleted on confirm,
    discard or expiry. ``token`` is a random value carried by the Send / Discard buttons."""

    __tablename__ = "tip_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answers: Mapped[str] = mapped_column(EncryptedText("tip_drafts.answers"))  # JSON of the form values
    warned: Mapped[bool] = mapped_column(default=False)  # emergency guidance already shown
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


def draft_by_token(session: Session, token: str) -> TipDraft | None:
    return session.execute(select(TipDraft).where(TipDraft.token == token[:64])).scalar_one_or_none()


def purge_expired_drafts(session: Session, now: datetime) -> int:
    rows = list(session.execute(select(TipDraft).where(TipDraft.expires_at <= now)).scalars())
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
