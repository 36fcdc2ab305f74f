"""Which Slack events were handled, shared by every replica through the core's database.

An Events API delivery counts as handled only when its handler *finished*: the ``processed_events``
row ``("slack", event_id)`` is written after success, never before. While a replica works on an
event it holds a claim row ``("slack.claim", event_id)`` whose ``at`` is renewed as a heartbeat, so a
second delivery of the same event (Slack's retry reaching another replica, or the same replica
twice) waits for the outcome instead of running the handler a second time. A claim not renewed for
``lease`` seconds belongs to a replica that died: the next delivery takes it over.

No new table: both kinds of row live in ``processed_events`` (primary key ``platform, event_id``),
whose unique key is what makes a claim atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import enum
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import ProcessedEvent

DONE = "slack"
CLAIM = "slack.claim"


class _AlreadyDone(Exception):
    """Rolls back a claim inserted for an event that turned out to be handled already."""


class Claim(enum.Enum):
    MINE = "mine"  # go ahead and handle it
    DONE = "done"  # already handled (by anyone, any time)
    BUSY = "busy"  # someone is handling it right now


class Ledger(Protocol):
    """What the adapter needs; ``DatabaseLedger`` in production, ``MemoryLedger`` without a database."""

    async def claim(self, event_id: str) -> Claim: ...

    async def renew(self, event_id: str) -> None: ...

    async def finish(self, event_id: str) -> None: ...

    async def release(self, event_id: str) -> None: ...


class DatabaseLedger:
    def __init__(self, database: Any, *, lease: float = 120.0) -> None:
        self._db = database
        self.lease = lease

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    def _claim(self, event_id: str) -> Claim:
        key = event_id[:255]
        with self._db.session() as s:
            if s.get(ProcessedEvent, (DONE, key)) is not None:
                return Claim.DONE
            # A claim older than the lease belongs to a replica that stopped: remove it, then compete
            # for the insert like everyone else (the primary key lets exactly one win).
            s.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.platform == CLAIM,
                    ProcessedEvent.event_id == key,
                    ProcessedEvent.at < self._now() - timedelta(seconds=self.lease),
                )
            )
        try:
            with self._db.session() as s:
                s.add(ProcessedEvent(platform=CLAIM, event_id=key, at=self._now()))
                s.flush()
                # Checked again after the insert: a holder that finished between our first look and
                # our insert has committed its "handled" row by now (finish writes it in the same
                # transaction that deletes its claim, and our insert waited for that transaction).
                if s.get(ProcessedEvent, (DONE, key), populate_existing=True) is not None:
                    raise _AlreadyDone
        except IntegrityError:
            return Claim.BUSY
        except _AlreadyDone:
            return Claim.DONE  # the transaction rolled back: no claim left behind
        return Claim.MINE

    def _renew(self, event_id: str) -> None:
        with self._db.session() as s:
            s.execute(
                update(ProcessedEvent)
                .where(ProcessedEvent.platform == CLAIM, ProcessedEvent.event_id == event_id[:255])
                .values(at=self._now())
            )

    def _finish(self, event_id: str) -> None:
        key = event_id[:255]
        try:
            with self._db.session() as s:
                s.add(ProcessedEvent(platform=DONE, event_id=key, at=self._now()))
                s.execute(
                    delete(ProcessedEvent).where(ProcessedEvent.platform == CLAIM, ProcessedEvent.event_id == key)
                )
        except IntegrityError:  # handled twice after a lease was taken over: the record exists already
            self._release(event_id)

    def _release(self, event_id: str) -> None:
        with self._db.session() as s:
            s.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.platform == CLAIM, ProcessedEvent.event_id == event_id[:255]
                )
            )

    def handled(self, event_id: str) -> bool:
        with self._db.session() as s:
            return s.execute(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.platform == DONE, ProcessedEvent.event_id == event_id[:255]
                )
            ).first() is not None

    # The database work runs in a worker thread: never on the event loop that answers Slack.
    async def claim(self, event_id: str) -> Claim:
        return await asyncio.to_thread(self._claim, event_id)

    async def renew(self, event_id: str) -> None:
        await asyncio.to_thread(self._renew, event_id)

    async def finish(self, event_id: str) -> None:
        await asyncio.to_thread(self._finish, event_id)

    async def release(self, event_id: str) -> None:
        await asyncio.to_thread(self._release, event_id)


class MemoryLedger:
    """One process only (an adapter run without the core's database, e.g. adapter tests)."""

    def __init__(self, *, lease: float = 120.0) -> None:
        self.lease = lease
        self._done: set[str] = set()
        self._claims: dict[str, float] = {}
        self._lock = threading.Lock()

    async def claim(self, event_id: str) -> Claim:
        with self._lock:
            if event_id in self._done:
                return Claim.DONE
            held = self._claims.get(event_id)
            if held is not None and time.monotonic() - held < self.lease:
                return Claim.BUSY
            self._claims[event_id] = time.monotonic()
            return Claim.MINE

    async def renew(self, event_id: str) -> None:
        with self._lock:
            if event_id in self._claims:
                self._claims[event_id] = time.monotonic()

    async def finish(self, event_id: str) -> None:
        with self._lock:
            self._claims.pop(event_id, None)
            self._done.add(event_id)

    async def release(self, event_id: str) -> None:
        with self._lock:
            self._claims.pop(event_id, None)
