"""Where the Slack adapter keeps a request between its acknowledgement and the end of its handler.

``DatabaseInbox`` (production) is the core database's ``inbox`` table (``storage/inbox.py``), shared
by every replica: a request is written there, encrypted, before Slack gets its 200, so a replica that
is killed or stopped mid-handler loses nothing — another replica (or the next start) takes the row
over once its lease has expired. ``MemoryInbox`` keeps rows in this process only, for an adapter run
without the core's database (adapter tests; the ack-latency benchmark's baseline): not durable.

All database work runs in a worker thread, never on the event loop that answers Slack. The write
before an acknowledgement (``receive``) has threads of its own: in the default executor (six threads on
two cores) it queued behind ``finish`` calls waiting for SQLite's writer, and acks stalled for a second.
It runs in an ``urgent`` session (on SQLite it gets the writer before the handlers' transactions
already queued, storage/db.py ``Turns``), and the requests of a burst share it (``_GroupCommit``).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from storage import inbox as store
from storage.inbox import BUSY, DONE, MINE, NEW, Claimed, ClaimLost

#: Threads storing requests before their ack (one batch at a time per inbox; see ``_GroupCommit``).
_ACK_THREADS = 4

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["BUSY", "DONE", "MINE", "NEW", "ClaimLost", "Claimed", "DatabaseInbox", "Inbox", "MemoryInbox"]


class Inbox(Protocol):
    lease: timedelta
    #: Survives the process (another replica or the next start takes rows over).
    durable: bool

    async def receive(
        self, key: str, kind: str, payload: str, *, claim: bool
    ) -> tuple[str, Claimed | None]: ...

    async def claim_due(self, limit: int) -> list[Claimed]: ...

    async def renew(self, rows: list[Claimed]) -> int: ...

    async def finish(self, row: Claimed) -> None: ...

    async def fail(self, row: Claimed, reason: str) -> bool: ...

    async def release(self, rows: list[Claimed]) -> int: ...

    async def record_effects(self, row: Claimed, effects: str) -> None: ...

    async def purge(self) -> int: ...


def _now() -> datetime:
    return datetime.now(UTC)


class _GroupCommit(Generic[T, R]):
    """Calls arriving while a write is in progress are written together in the next transaction: one
    wait for SQLite's single writer and one commit per burst instead of one each; a call arriving
    alone is written at once. ``write_many`` runs in a worker thread and returns, per item, a result
    or the exception for that item; an exception it raises fails the whole batch."""

    def __init__(
        self,
        write_many: Callable[[list[T]], list[R | Exception]],
        limit: int = 100,
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        self._write_many = write_many
        self._limit = limit
        self._executor = executor  # None: asyncio's default executor
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Future[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._limit], self._waiting[self._limit :]
                try:
                    results: list[R | Exception] = await asyncio.get_running_loop().run_in_executor(
                        self._executor, self._write_many, [item for item, _ in batch]
                    )
                except Exception as exc:  # e.g. the database is down: every call of the batch fails
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._writer = None


class DatabaseInbox:
    durable = True

    def __init__(
        self,
        database: Any,
        *,
        platform: str = "slack",
        lease: float = 120.0,
        horizon_hours: float = 24.0,
        retention_hours: float = 24.0,
        first_retry_seconds: float = 5.0,
    ) -> None:
        self._db = database
        self.platform = platform
        self.lease = timedelta(seconds=lease)
        self.horizon = timedelta(hours=horizon_hours)
        self.retention = timedelta(hours=retention_hours)
        self.first_retry = timedelta(seconds=first_retry_seconds)
        # Threads for ``receive`` only (started when first needed, idle ones cost nothing).
        self._ack_threads = ThreadPoolExecutor(max_workers=_ACK_THREADS, thread_name_prefix="ntk-inbox-ack")
        self._receives: _GroupCommit[tuple[str, str, str, bool], tuple[str, Claimed | None]] = _GroupCommit(
            self._receive_many, executor=self._ack_threads
        )
        # Rows finished and side effects recorded go through one queue: a burst's handlers reply and
        # finish at about the same time, so one transaction records some rows' effects and finishes others.
        self._updates: _GroupCommit[tuple[int, str] | Claimed, None] = _GroupCommit(self._update_many)

    def _receive_many(
        self, items: list[tuple[str, str, str, bool]]
    ) -> list[tuple[str, Claimed | None] | Exception]:
        """Several requests in one transaction and one INSERT (see ``receive``). ``urgent``: Slack is
        waiting for the acknowledgements that follow this write, so on SQLite it takes the writer
        before the handlers' transactions already queued (storage/db.py, Turns)."""
        with self._db.session(urgent=True) as s:
            results = store.receive_many(s, items, platform=self.platform, now=_now(), lease=self.lease)
        return list(results)

    def _claim_due(self, limit: int) -> list[Claimed]:
        with self._db.session() as s:
            return store.claim_due(s, platform=self.platform, now=_now(), limit=limit, lease=self.lease)

    def _renew(self, rows: list[Claimed]) -> int:
        with self._db.session() as s:
            return store.renew(s, [(r.id, r.token) for r in rows], now=_now(), lease=self.lease)

    def _update_many(self, items: list[tuple[int, str] | Claimed]) -> list[Exception | None]:
        """In one transaction: the side effects recorded (``(row id, effects)``, one statement) and the
        rows marked done (``Claimed``, one fenced statement); a row whose claim was lost gets ``ClaimLost``.
        Effects first: a row's effects are recorded before its handler goes on to finish it anyway."""
        effects = [item for item in items if isinstance(item, tuple)]
        rows = [item for item in items if isinstance(item, Claimed)]
        with self._db.session() as s:
            store.record_effects_many(s, effects)
            done = store.finish_many(s, [(r.id, r.token) for r in rows], now=_now())
        return [None if isinstance(item, tuple) or item.id in done else ClaimLost(item.id) for item in items]

    def _fail(self, row: Claimed, reason: str) -> bool:
        with self._db.session() as s:
            return store.fail(
                s,
                row.id,
                row.token,
                now=_now(),
                reason=reason,
                horizon=self.horizon,
                first_delay=self.first_retry,
            )

    def _release(self, rows: list[Claimed]) -> int:
        with self._db.session() as s:
            return store.release(s, [(r.id, r.token) for r in rows], now=_now())

    def _purge(self) -> int:
        with self._db.session() as s:
            return store.purge(s, platform=self.platform, before=_now() - self.retention)

    async def receive(self, key: str, kind: str, payload: str, *, claim: bool) -> tuple[str, Claimed | None]:
        """Store a request before it is acknowledged (``NEW``, claimed by the caller when ``claim``), or
        find it stored already (a redelivery): ``DONE``, ``BUSY`` or ``MINE`` (claimed now). Raises when
        the database cannot be reached: the request must then not be acknowledged.

        Requests of a burst share a transaction (``_GroupCommit``)."""
        return await self._receives.submit((key, kind, payload, claim))

    async def claim_due(self, limit: int) -> list[Claimed]:
        return await asyncio.to_thread(self._claim_due, limit)

    async def renew(self, rows: list[Claimed]) -> int:
        return await asyncio.to_thread(self._renew, rows)

    async def finish(self, row: Claimed) -> None:
        """Mark a row done (fenced by its token: ``ClaimLost`` when taken over); rows finishing
        together share a transaction (with other rows' effects recorded)."""
        await self._updates.submit(row)

    async def fail(self, row: Claimed, reason: str) -> bool:
        return await asyncio.to_thread(self._fail, row, reason)

    async def release(self, rows: list[Claimed]) -> int:
        return await asyncio.to_thread(self._release, rows) if rows else 0

    async def record_effects(self, row: Claimed, effects: str) -> None:
        """Remember what the row's handler has done so far (see ``storage.inbox.record_effects``)."""
        await self._updates.submit((row.id, effects))

    async def purge(self) -> int:
        return await asyncio.to_thread(self._purge)


@dataclass
class _Row:
    claimed: Claimed
    status: str
    until: float = 0.0
    due: float = 0.0


class MemoryInbox:
    """One process only, nothing survives it (see the module docstring)."""

    durable = False

    def __init__(self, *, lease: float = 120.0, first_retry_seconds: float = 5.0) -> None:
        self.lease = timedelta(seconds=lease)
        self.first_retry = first_retry_seconds
        self._rows: dict[str, _Row] = {}
        self._by_id: dict[int, str] = {}
        self._lock = threading.Lock()
        self._next_id = 1

    @staticmethod
    def _clock() -> float:
        import time

        return time.monotonic()

    def _claim(self, row: _Row) -> Claimed:
        row.status = "running"
        row.until = self._clock() + self.lease.total_seconds()
        row.claimed = replace(row.claimed, token=secrets.token_hex(16), attempts=row.claimed.attempts + 1)
        return row.claimed

    async def receive(self, key: str, kind: str, payload: str, *, claim: bool) -> tuple[str, Claimed | None]:
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                claimed = Claimed(self._next_id, "", kind, payload, 0, _now(), key)
                self._next_id += 1
                row = self._rows[key] = _Row(claimed, "pending")
                self._by_id[claimed.id] = key
                return NEW, self._claim(row) if claim else None
            if row.status in ("done", "failed"):
                return DONE, None
            if not claim or (row.status == "running" and row.until >= self._clock()):
                return BUSY, None
            return MINE, self._claim(row)

    async def claim_due(self, limit: int) -> list[Claimed]:
        now = self._clock()
        out: list[Claimed] = []
        with self._lock:
            for row in self._rows.values():
                if len(out) >= limit:
                    break
                if (row.status == "pending" and row.due <= now) or (
                    row.status == "running" and row.until < now
                ):
                    out.append(self._claim(row))
        return out

    def _held(self, claimed: Claimed) -> _Row | None:
        key = self._by_id.get(claimed.id)
        row = self._rows.get(key) if key is not None else None
        if row is None or row.status != "running" or row.claimed.token != claimed.token:
            return None
        return row

    async def renew(self, rows: list[Claimed]) -> int:
        held = 0
        with self._lock:
            for claimed in rows:
                row = self._held(claimed)
                if row is not None:
                    row.until = self._clock() + self.lease.total_seconds()
                    held += 1
        return held

    async def finish(self, claimed: Claimed) -> None:
        with self._lock:
            row = self._held(claimed)
            if row is None:
                raise ClaimLost(claimed.id)
            row.status = "done"
            row.claimed = replace(row.claimed, payload="")

    async def fail(self, claimed: Claimed, reason: str) -> bool:
        with self._lock:
            row = self._held(claimed)
            if row is None:
                raise ClaimLost(claimed.id)
            row.status = "pending"
            row.due = self._clock() + self.first_retry * 2 ** max(0, row.claimed.attempts - 1)
            return False

    async def release(self, rows: list[Claimed]) -> int:
        released = 0
        with self._lock:
            for claimed in rows:
                row = self._held(claimed)
                if row is not None:
                    row.status, row.due = "pending", 0.0
                    released += 1
        return released

    async def record_effects(self, claimed: Claimed, effects: str) -> None:
        with self._lock:
            key = self._by_id.get(claimed.id)
            row = self._rows.get(key) if key is not None else None
            if row is not None and len(row.claimed.effects) <= len(effects):
                row.claimed = replace(row.claimed, effects=effects)

    async def purge(self) -> int:
        return 0
