"""The append-only, hash-chained audit log.

Every disclosure (tip routed, notice sent, release checked, message redacted) and every refusal is
recorded with actor, action, target reference and time — never the PII or text itself. Each row's
hash is an HMAC over its content and the previous row's hash, so editing, deleting or reordering a
row breaks the chain; the ``audit_head`` row records the newest id so deleting the last rows is
detected too. The HMAC key (not a bare hash) means someone with database access but without the
key file cannot forge a consistent chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.crypto import KeyedHasher
from storage.models import AuditEntry, AuditHead

GENESIS = "0" * 64

# Audit details must stay free of text. Values are limited to these types and short strings.
_MAX_DETAIL_STRING = 64


class AuditDetailRejected(ValueError):
    """A detail value looked like free text; audit rows carry references and counts only."""


def _check_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, bool | int | float) or value is None:
            clean[key] = value
        elif isinstance(value, str):
            if len(value) > _MAX_DETAIL_STRING or "\n" in value:
                raise AuditDetailRejected(f"audit detail {key!r} is too long to be a reference")
            clean[key] = value
        elif isinstance(value, Mapping):
            clean[key] = _check_detail(value)
        elif isinstance(value, list | tuple):
            clean[key] = [_check_detail({"v": v})["v"] for v in value]
        else:
            raise AuditDetailRejected(f"audit detail {key!r} has unsupported type {type(value).__name__}")
    return clean


def _row_digest(
    hasher: KeyedHasher,
    entry_id: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [entry_id, at.isoformat(), actor, action, target, detail, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hasher.mac(payload.encode("ascii"))


class AuditLog:
    """Appends rows inside the caller's transaction, so the audit row commits with the action."""

    def __init__(self, hasher: KeyedHasher) -> None:
        self._hasher = hasher

    def record(
        self,
        session: Session,
        *,
        at: datetime,
        actor: str,
        action: str,
        target: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        clean = _check_detail(detail or {})
        # Lock the head row: appends are serialised (PostgreSQL row lock; SQLite BEGIN IMMEDIATE).
        head = session.execute(
            select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
            session.add(head)
            session.flush()
        entry_id = head.last_id + 1
        digest = _row_digest(self._hasher, entry_id, at, actor, action, target, clean, head.last_hash)
        entry = AuditEntry(
            id=entry_id,
            at=at,
            actor=actor,
            action=action,
            target=target,
            detail=clean,
            prev_hash=head.last_hash,
            hash=digest,
        )
        session.add(entry)
        head.last_id = entry_id
        head.last_hash = digest
        session.flush()
        return entry

    def verify(self, session: Session) -> VerifyResult:
        """Walk the chain in id order; report the first row that is edited, missing or out of place."""
        expected_prev = GENESIS
        expected_id = 1
        count = 0
        for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().yield_per(1000):
            if entry.id != expected_id:
                return VerifyResult(False, count, expected_id, f"row {expected_id} is missing")
            if entry.prev_hash != expected_prev:
                return VerifyResult(
                    False, count, entry.id, f"row {entry.id} does not follow row {entry.id - 1}"
                )
            digest = _row_digest(
                self._hasher,
                entry.id,
                entry.at,
                entry.actor,
                entry.action,
                entry.target,
                entry.detail,
                entry.prev_hash,
            )
            if digest != entry.hash:
                return VerifyResult(False, count, entry.id, f"row {entry.id} was modified")
            expected_prev = entry.hash
            expected_id += 1
            count += 1
        head = session.get(AuditHead, 1)
        if head is not None and (head.last_id != count or head.last_hash != expected_prev):
            return VerifyResult(
                False, count, count + 1, f"rows after {count} are missing (head says {head.last_id})"
            )
        if head is None and count:
            return VerifyResult(False, count, count, "the audit head row is missing")
        return VerifyResult(True, count, None, f"{count} rows verified")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    first_bad_id: int | None
    message: str
