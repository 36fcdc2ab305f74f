"""The append-only, hash-chained audit log, its signed head and its checkpoints.

Every disclosure (tip routed, notice sent, release checked, message redacted) and every refusal is
recorded with actor, action, target reference and time — never the PII or text itself. Each row's
hash is an HMAC over its content and the previous row's hash, so editing, deleting or reordering a
row breaks the chain. The ``audit_head`` row records the newest id and hash, signed with a key
derived from the HMAC key (``head_mac``), so deleting the newest rows and rewriting the head with
plain SQL is detected too; ``db upgrade`` creates the head, so a wiped log (both tables emptied)
has no head and is detected. ``record`` checks the head's signature before extending the chain and
writes an ``audit.head_repaired`` row when it finds a missing, forged or unsigned head, so the next
append never launders a tampering.

What no row in the database can prove is that the log was not cut back to an *earlier, genuine*
state (a replayed old head) or reset to a fresh one. **Checkpoints** anchor it outside the
database: the head (row count and last hash) signed with another derived key, appended to a file
(``[audit] checkpoint_file``) and sent to the coordinators as a 24-character code. ``verify`` with
checkpoints fails when the log has fewer rows than a checkpoint, or a different row at its count.
Threat model: docs/audit.md.

Why HMAC and not Ed25519: the code in a chat message must be short; an Ed25519 signature is 64
bytes (~100 characters of base32) while an HMAC can be truncated to 80 bits (16 characters). Both
keys would be derived from the same key file, so whoever can sign one can sign the other; a public
verification key would only spare the verifier the key file, but checking the rows needs the HMAC
key anyway.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from storage.crypto import KeyedHasher
from storage.models import AuditEntry, AuditHead, Counter
from storage.plain import Plain

#: Built once: building a statement and its cache key costs more CPU than running it, and the head
#: is locked for every audit row.
_HEAD_TABLE: Table = AuditHead.__table__  # type: ignore[assignment]
_ENTRY_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]
#: The three statements of every append run on SQLite's driver connection (``storage.plain``).
_HEAD_ROW_FOR_UPDATE = Plain(
    select(_HEAD_TABLE.c.last_id, _HEAD_TABLE.c.last_hash, _HEAD_TABLE.c.head_mac)
    .where(_HEAD_TABLE.c.id == 1)
    .with_for_update()
)
_NEWEST_ENTRY = select(_ENTRY_TABLE.c.id, _ENTRY_TABLE.c.hash).order_by(_ENTRY_TABLE.c.id.desc()).limit(1)
_CREATE_HEAD = insert(_HEAD_TABLE).values(id=1)
_INSERT_ENTRY = Plain(
    insert(_ENTRY_TABLE), columns=("id", "at", "actor", "action", "target", "detail", "prev_hash", "hash")
)
_MOVE_HEAD = Plain(
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(last_id=bindparam("new_id"), last_hash=bindparam("new_hash"), head_mac=bindparam("new_mac"))
)


@dataclass
class _Head:
    """The head row as read under its lock, and as moved by each append of this transaction."""

    last_id: int
    last_hash: str
    head_mac: str | None


@dataclass(frozen=True)
class AuditRecord:
    """An appended audit row (what ``record`` wrote)."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


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


HEAD_REPAIRED = "audit.head_repaired"
CHECKPOINT_ACTION = "audit.checkpoint"
CODE_VERSION = 1
_TAG_BYTES = 10  # 80 bits: a forger without the key has a 2**-80 chance per try


class AuditLog:
    """Appends rows inside the caller's transaction, so the audit row commits with the action."""

    def __init__(self, hasher: KeyedHasher) -> None:
        self._hasher = hasher
        self._head_key = hasher.derive("audit head v1")
        self._checkpoint_key = hasher.derive("audit checkpoint v1")

    # -- the head ----------------------------------------------------------------------------
    def _head_mac(self, last_id: int, last_hash: str) -> str:
        return self._head_key.mac(f"head|{last_id}|{last_hash}".encode("ascii"))

    def _head_problem(self, head: AuditHead | _Head | None) -> str | None:
        """Why the head cannot be trusted, or None. A fresh head (0 rows, never signed) is fine."""
        if head is None:
            return "missing"
        if head.head_mac is None:
            return None if head.last_id == 0 and head.last_hash == GENESIS else "unsigned"
        if not hmac.compare_digest(head.head_mac, self._head_mac(head.last_id, head.last_hash)):
            return "bad_signature"
        return None

    def _append(
        self,
        conn: Connection,
        head: _Head,
        *,
        at: datetime,
        actor: str,
        action: str,
        target: str,
        detail: dict[str, Any],
    ) -> AuditRecord:
        """Insert the next row and move the head to it, at once, on the caller's transaction."""
        entry_id = head.last_id + 1
        digest = _row_digest(self._hasher, entry_id, at, actor, action, target, detail, head.last_hash)
        _INSERT_ENTRY.run(
            conn,
            {
                "id": entry_id,
                "at": at,
                "actor": actor,
                "action": action,
                "target": target,
                "detail": detail,
                "prev_hash": head.last_hash,
                "hash": digest,
            },
        )
        mac = self._head_mac(entry_id, digest)
        _MOVE_HEAD.run(conn, {"new_id": entry_id, "new_hash": digest, "new_mac": mac})
        record = AuditRecord(entry_id, at, actor, action, target, detail, head.last_hash, digest)
        head.last_id, head.last_hash, head.head_mac = entry_id, digest, mac
        return record

    def _locked_head(self, session: Session, at: datetime) -> tuple[Connection, _Head]:
        """The head, locked (appends are serialised: PostgreSQL row lock; SQLite BEGIN IMMEDIATE),
        and the caller's transaction's connection to append on.

        A head that is missing, unsigned or wrongly signed is repaired so the chain can go on, and
        the repair is itself the next row: whoever emptied or rewrote the head cannot have the next
        append hide it.

        Plain SQL statements on the session's connection rather than ORM objects: an audit row goes
        with most actions, and the ORM's unit of work (tracking two objects, flushing them) cost
        several times the statements themselves. The session's pending ORM objects are not flushed
        here; they go to the database at the caller's next query or commit, in the same transaction."""
        conn = session.connection()
        found = _HEAD_ROW_FOR_UPDATE.first(conn, {})
        head = _Head(found[0], found[1], found[2]) if found is not None else None
        problem = self._head_problem(head)
        if head is None:
            # Continue after the newest row that is there (ids stay unique), from its hash.
            newest = conn.execute(_NEWEST_ENTRY).first()
            head = _Head(newest[0] if newest else 0, newest[1] if newest else GENESIS, None)
            conn.execute(_CREATE_HEAD, {"last_id": head.last_id, "last_hash": head.last_hash})
        if problem is not None:
            self._append(
                conn,
                head,
                at=at,
                actor="system",
                action=HEAD_REPAIRED,
                target="audit_head",
                detail={"reason": problem, "head_said": head.last_id},
            )
        return conn, head

    def record(
        self,
        session: Session,
        *,
        at: datetime,
        actor: str,
        action: str,
        target: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Append a row in the caller's transaction (written at once, under the head lock taken here)."""
        clean = _check_detail(detail or {})
        conn, head = self._locked_head(session, at)
        return self._append(conn, head, at=at, actor=actor, action=action, target=target, detail=clean)

    # -- checkpoints -------------------------------------------------------------------------
    def _code_tag(self, rows: int, last_hash: str) -> bytes:
        return self._checkpoint_key.mac_bytes(f"code|{rows}|{last_hash}".encode("ascii"))[:_TAG_BYTES]

    def checkpoint_code(self, rows: int, last_hash: str) -> str:
        """24 characters of base32: version, row count and an 80-bit tag over (count, last hash)."""
        raw = struct.pack(">BI", CODE_VERSION, rows) + self._code_tag(rows, last_hash)
        text = base64.b32encode(raw).decode("ascii")
        return "-".join(text[i : i + 4] for i in range(0, len(text), 4))

    def _line_mac(self, fields: Mapping[str, Any]) -> str:
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return self._checkpoint_key.mac(("line|" + payload).encode("ascii"))

    def checkpoint(self, session: Session, *, at: datetime, actor: str, reason: str) -> Checkpoint:
        """Record an ``audit.checkpoint`` row and sign the head that includes it.

        Call inside the transaction that also queues the code to the coordinators; write the file
        line (``append_checkpoint``) after it commits, so a checkpoint never names rows that were
        rolled back."""
        conn, head = self._locked_head(session, at)
        self._append(
            conn,
            head,
            at=at,
            actor=actor,
            action=CHECKPOINT_ACTION,
            target="audit_log",
            detail={"rows": head.last_id + 1, "reason": reason},
        )
        conn.execute(_HEAD_TABLE.update().where(_HEAD_TABLE.c.id == 1).values(checkpoint_at=at))
        fields = {"v": CODE_VERSION, "at": _iso(at), "rows": head.last_id, "last_hash": head.last_hash}
        return Checkpoint(
            at=at,
            rows=head.last_id,
            last_hash=head.last_hash,
            code=self.checkpoint_code(head.last_id, head.last_hash),
            mac=self._line_mac(fields),
        )

    def parse_code(self, code: str) -> CheckpointClaim:
        """A code typed back by a person (case, spaces and dashes do not matter)."""
        text = "".join(ch for ch in code.upper() if ch.isalnum())
        try:
            raw = base64.b32decode(text + "=" * (-len(text) % 8))
        except (ValueError, TypeError):
            raise CheckpointInvalid("the checkpoint code is not valid (letters A-Z and digits 2-7)") from None
        if len(raw) != 5 + _TAG_BYTES or raw[0] != CODE_VERSION:
            raise CheckpointInvalid("the checkpoint code has the wrong length or version")
        rows = struct.unpack(">I", raw[1:5])[0]
        return CheckpointClaim(rows=rows, label=f"checkpoint code ({rows} rows)", tag=raw[5:])

    def read_checkpoint_file(self, path: str | Path) -> list[CheckpointClaim]:
        """Every line of a checkpoint file, each checked against its signature.

        A line that does not parse or whose signature is wrong raises ``CheckpointInvalid``: an
        edited or forged checkpoint is itself a finding."""
        claims: list[CheckpointClaim] = []
        text = Path(path).read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                fields = {k: data[k] for k in ("v", "at", "rows", "last_hash")}
                mac = str(data["mac"])
                rows = int(fields["rows"])
            except (ValueError, KeyError, TypeError):
                raise CheckpointInvalid(f"{path} line {n} is not a checkpoint line") from None
            if not hmac.compare_digest(mac, self._line_mac(fields)):
                raise CheckpointInvalid(
                    f"{path} line {n} is not signed with this key file (edited or forged)"
                )
            claims.append(
                CheckpointClaim(
                    rows=rows,
                    label=f"checkpoint of {fields['at']} ({rows} rows, {Path(path).name} line {n})",
                    last_hash=str(fields["last_hash"]),
                )
            )
        return claims

    # -- verification ------------------------------------------------------------------------
    def verify(self, session: Session, checkpoints: Sequence[CheckpointClaim] = ()) -> VerifyResult:
        """Walk the chain in id order; report the first row that is edited, missing or out of place,
        a head that is missing or not signed by us, a repair row, and any checkpoint the log no
        longer reaches or no longer matches."""
        wanted: dict[int, list[CheckpointClaim]] = {}
        for claim in checkpoints:
            wanted.setdefault(claim.rows, []).append(claim)
        expected_prev = GENESIS
        expected_id = 1
        count = 0
        repairs: list[AuditEntry] = []
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
            if entry.action == HEAD_REPAIRED:
                repairs.append(entry)
            for claim in wanted.get(entry.id, ()):
                if not self._matches(claim, entry.hash):
                    return VerifyResult(
                        False,
                        count,
                        entry.id,
                        f"row {entry.id} is not the row the {claim.label} signed: the log was rewritten",
                    )
            expected_prev = entry.hash
            expected_id += 1
            count += 1
        for claim in sorted(checkpoints, key=lambda c: -c.rows):
            if claim.rows > count:
                return VerifyResult(
                    False,
                    count,
                    count + 1,
                    f"the {claim.label} says the log had {claim.rows} rows; it has {count}: "
                    f"rows {count + 1} to {claim.rows} were removed",
                )
        head = session.get(AuditHead, 1)
        if head is None:
            return VerifyResult(
                False,
                count,
                count + 1,
                "the audit head row is missing (`db upgrade` creates it): the log was wiped or its head deleted",
            )
        if head.last_id != count or head.last_hash != expected_prev:
            return VerifyResult(
                False, count, count + 1, f"rows after {count} are missing (head says {head.last_id})"
            )
        problem = self._head_problem(head)
        if problem is not None:
            return VerifyResult(
                False,
                count,
                count + 1,
                "the audit head is not signed with this key file"
                + (" (no signature)" if problem == "unsigned" else "")
                + ": it was rewritten, e.g. after the newest rows were deleted",
            )
        for entry in repairs:
            reason = entry.detail.get("reason")
            if reason != "unsigned" or entry is not repairs[0]:
                return VerifyResult(
                    False,
                    count,
                    entry.id,
                    f"row {entry.id} records that the audit head was {reason} "
                    f"(it said {entry.detail.get('head_said')} rows): the log was tampered with before it",
                )
        if count == 0 and not checkpoints:
            issued = session.execute(select(func.coalesce(func.sum(Counter.value), 0))).scalar_one()
            if issued:
                return VerifyResult(
                    False,
                    0,
                    1,
                    f"the log is empty but {issued} reference(s) (tips, cases, operations, releases) "
                    "were issued, each with an audit row: the log was wiped",
                )
        message = f"{count} rows verified"
        if checkpoints:
            newest = max(checkpoints, key=lambda c: c.rows)
            message += f"; {len(checkpoints)} checkpoint(s) match, the newest at row {newest.rows}"
        elif count == 0:
            message += " (an empty log is only trustworthy against a checkpoint)"
        return VerifyResult(True, count, None, message)

    def _matches(self, claim: CheckpointClaim, row_hash: str) -> bool:
        if claim.last_hash is not None:
            return hmac.compare_digest(claim.last_hash, row_hash)
        assert claim.tag is not None
        return hmac.compare_digest(claim.tag, self._code_tag(claim.rows, row_hash))


class CheckpointInvalid(ValueError):
    """A checkpoint code or file line that does not parse or is not signed with this key."""


@dataclass(frozen=True)
class CheckpointClaim:
    """What a checkpoint says: the log had ``rows`` rows, the last with this hash (file line) or
    matching this tag (code)."""

    rows: int
    label: str
    last_hash: str | None = None
    tag: bytes | None = None


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    rows: int
    last_hash: str
    code: str
    mac: str

    def line(self) -> str:
        return json.dumps(
            {
                "v": CODE_VERSION,
                "at": _iso(self.at),
                "rows": self.rows,
                "last_hash": self.last_hash,
                "code": self.code,
                "mac": self.mac,
            },
            sort_keys=True,
            separators=(",", ":"),
        )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def append_checkpoint(path: str | Path, checkpoint: Checkpoint) -> None:
    """Append one line (created 0600 in a 0700 folder; append-only by convention)."""
    from storage.files import private_dir, private_umask

    p = Path(path)
    private_dir(p.parent)
    with private_umask():
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(checkpoint.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    first_bad_id: int | None
    message: str
