"""What an inbound delivery's handler already did: one row per (delivery, step), written in the
transaction that did it.

An adapter may run the same delivery's handler again (``bot.platform.DELIVERY``: a Slack inbox row
taken over after its replica died between the handler's commit and marking the row done; a Matrix
event handled again after a crash before the ledger recorded it). The re-run reads what the first
run stored, so its checks see the first run's records ("already revoked", a second release). A
handler's write step therefore runs under ``Context.once(step)``: the first run claims the step by
inserting its row at the start of the transaction (unique on delivery and step: a concurrent second
run waits for its commit on PostgreSQL, then reads its answer; SQLite has one writer at a time), does
its work and stores
the answer it gives (encrypted: it may quote what the record says); a later run finds the row, does
nothing and gives the same answer. So a re-run stores nothing twice and answers as the first run did.

Rows are purged after ``RETENTION`` (longer than any adapter re-runs a delivery: the Slack inbox
retries for 24 h, Matrix backfills 7 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, String, Table, UniqueConstraint, bindparam, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base
from storage.plain import Plain

RETENTION = timedelta(days=8)


class DeliveryStep(Base):
    """A write step a delivery's handler finished (``delivery``: ``bot.platform.DELIVERY``; ``step``:
    a name in code, e.g. ``release.new``) and the answer it gave (JSON, encrypted)."""

    __tablename__ = "delivery_steps"
    __table_args__ = (
        UniqueConstraint("delivery", "step", name="uq_delivery_steps_delivery_step"),
        Index("ix_delivery_steps_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(EncryptedText("delivery_steps.answer"), default=None)
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class Step:
    """A step's row as ``find`` and ``claim`` return it (the answer decrypted)."""

    id: int
    answer: str | None


#: Built once, run as plain statements in the session's transaction (``storage.plain``): every command,
#: button and message with a write step runs ``find`` and ``record``, and an ORM query and object with its
#: flush cost several times the statement itself. The answer column is encrypted by its column type as
#: with the ORM.
_STEPS: Table = DeliveryStep.__table__  # type: ignore[assignment]
_FIND = Plain(
    select(_STEPS.c.id, _STEPS.c.answer).where(
        _STEPS.c.delivery == bindparam("b_delivery"), _STEPS.c.step == bindparam("b_step")
    )
)
_INSERT = Plain(_STEPS.insert(), columns=("delivery", "step", "created_at", "answer"))
_ANSWER = Plain(_STEPS.update().where(_STEPS.c.id == bindparam("b_id")).values(answer=bindparam("b_answer")))


def find(session: Session, delivery: str, step: str) -> Step | None:
    row = _FIND.first(session, {"b_delivery": delivery[:255], "b_step": step})
    return Step(int(row[0]), row[1]) if row is not None else None


def claim(session: Session, delivery: str, step: str, now: datetime) -> Step:
    """Insert the step's row now: a concurrent run of the same delivery conflicts here (``IntegrityError``),
    before doing any work, and the transaction that finishes first wins. ``answer`` stores the answer later
    in the same transaction."""
    key = _INSERT.insert(
        session, {"delivery": delivery[:255], "step": step, "created_at": now, "answer": None}
    )
    return Step(key, None)


def answer(session: Session, claimed: Step, answer: str) -> None:
    """Store the answer of a step ``claim`` inserted (same transaction)."""
    _ANSWER.run(session, {"b_id": claimed.id, "b_answer": answer})


def record(session: Session, delivery: str, step: str, now: datetime, *, answer: str) -> None:
    """Write the step's row with its answer at once (SQLite: one writer, nothing to race)."""
    _INSERT.insert(session, {"delivery": delivery[:255], "step": step, "created_at": now, "answer": answer})


def purge(session: Session, *, before: datetime) -> int:
    result = session.execute(delete(DeliveryStep).where(DeliveryStep.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
