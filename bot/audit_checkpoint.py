"""Audit checkpoints: the signed chain head exported outside the database.

Taken every ``[audit] checkpoint_interval_hours`` by the scheduler and on demand with
``needtoknow audit checkpoint``. Each checkpoint is an ``audit.checkpoint`` row plus, outside the
database, a signed line appended to ``[audit] checkpoint_file`` and a 24-character code sent by DM
(through the outbox, so it is not lost) to the coordinators. ``needtoknow audit verify
--checkpoint CODE`` / ``--checkpoint-file PATH`` then proves the log was not cut back or rewritten
up to that point. docs/audit.md has the threat model.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.errors import safe_exception_summary
from storage import directory
from storage.audit import AuditLog, Checkpoint, append_checkpoint
from storage.db import Database
from storage.directory import MemberView
from storage.models import AuditHead
from storage.outbox import enqueue

log = logging.getLogger(__name__)


def checkpoint_recipients(session: Session) -> list[MemberView]:
    """The coordinators (else the admins): the people who also hear about breaches."""
    people = [m for m in directory.all_members(session) if m.discipline == "coordinator" and m.active]
    return people or [m for m in directory.members_with_role(session, "admin") if m.active]


def checkpoint_message(cp: Checkpoint) -> str:
    return (
        f"Audit checkpoint {cp.at:%Y-%m-%d %H:%M} UTC: the audit log has {cp.rows} rows.\n"
        f"Code: {cp.code}\n"
        "Keep this message. If the log is ever suspected, `needtoknow audit verify --checkpoint "
        f"{cp.code}` proves that none of these {cp.rows} rows was removed or changed."
    )


def take_checkpoint(
    db: Database,
    audit: AuditLog,
    config: Config,
    now: datetime,
    *,
    reason: str,
    actor: str = "system",
    only_if_due: bool = False,
    platform: str | None = None,
) -> Checkpoint | None:
    """Sign the head, queue the code to the coordinators and append the file line.

    With ``only_if_due`` nothing happens unless the interval has passed since the last checkpoint;
    the check runs under the head's lock, so several replicas take one checkpoint, not one each.
    The file line is written after the commit: it never names rows that were rolled back."""
    with db.session() as s:
        if only_if_due:
            hours = config.audit_checkpoint_hours
            head = s.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
            last = head.checkpoint_at if head is not None else None
            if hours <= 0 or (last is not None and now - last < timedelta(hours=hours)):
                return None
        cp = audit.checkpoint(s, at=now, actor=actor, reason=reason)
        if config.audit_checkpoint_dm:
            where = platform or config.platform
            for person in checkpoint_recipients(s):
                ident = person.identity(where)
                if ident is None:
                    continue
                enqueue(
                    s,
                    key=f"audit:checkpoint:{cp.rows}:{person.handle}",
                    purpose="audit.checkpoint",
                    recipient_kind="user",
                    recipient=f"{where}:{ident}",
                    body=checkpoint_message(cp),
                    now=now,
                )
    if config.audit_checkpoint_file:
        path = config.resolve_path(config.audit_checkpoint_file)
        try:
            append_checkpoint(path, cp)
        except OSError as exc:
            # The code went out by DM; the file misses this line. Name the path, never the content.
            log.error("could not append the audit checkpoint to %s: %s", path, safe_exception_summary(exc))
    return cp
