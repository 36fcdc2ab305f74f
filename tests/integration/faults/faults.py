"""Fault injection for the delivery tests and ``benchmarks/guard_under_faults.py``.

Real parts everywhere except the fault itself: the console platform (a shipped adapter) with sends
that fail like a chat platform does (HTTP 5xx, 429 rate limits, timeouts, slow sends), and the real
database — SQLite file or PostgreSQL — made unreachable (connections refused) or with its backend
connection terminated in the middle of a transaction (``pg_terminate_backend``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from bot.app import App
from bot.clock import FakeClock
from bot.console.platform import ConsolePlatform
from bot.platform import ChannelRef, Message, MessageRef, PlatformError, UserRef


class Crash(BaseException):
    """The process dies here (like ``kill -9``): nothing after it runs, no ``except Exception`` sees it."""


class FaultyPlatform(ConsolePlatform):
    """The console platform whose sends fail the way chat platforms do.

    ``mode``: None (healthy), ``"5xx"``, ``"429"``, ``"timeout"`` — every send raises before anything
    is delivered. ``slow_seconds``: each send takes that long on ``clock`` (a rate-limit wait, a slow
    homeserver) while yielding to other tasks. ``crash_after_send``: the n-th send is delivered and
    then the process "dies" (``Crash``) before the outbox row can be marked.
    """

    def __init__(self, clock: FakeClock | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.mode: str | None = None
        self.clock = clock
        self.slow_seconds = 0.0
        self.real_delay = 0.0  # real seconds a send takes (shutdown tests)
        self.crash_after_send: int | None = None
        self.after_send: Callable[[], None] | None = None
        self.sends = 0
        self.failures = 0

    async def _fault(self) -> None:
        if self.mode is None:
            return
        self.failures += 1
        if self.mode == "5xx":
            raise PlatformError("HTTP 503 from the platform", transient=True)
        if self.mode == "429":
            raise PlatformError("rate limited (429)", transient=True)
        if self.mode == "timeout":
            raise TimeoutError
        raise AssertionError(self.mode)

    async def _slow(self) -> None:
        if self.real_delay:
            await asyncio.sleep(self.real_delay)
        if self.slow_seconds and self.clock is not None:
            # The wait happens on the simulated clock, in steps, yielding like a real await would.
            for _ in range(5):
                self.clock.advance(seconds=self.slow_seconds / 5)
                await asyncio.sleep(0.003)

    def _sent(self) -> None:
        self.sends += 1
        if self.after_send is not None:
            self.after_send()
        if self.crash_after_send is not None and self.sends == self.crash_after_send:
            raise Crash

    async def send_dm(self, user: UserRef, message: Message | str, **kw: Any) -> MessageRef:
        await self._fault()
        await self._slow()
        ref = await super().send_dm(user, message, **kw)
        self._sent()
        return ref

    async def post(self, channel: ChannelRef, message: Message | str, **kw: Any) -> MessageRef:
        await self._fault()
        await self._slow()
        ref = await super().post(channel, message, **kw)
        self._sent()
        return ref

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        await self._fault()
        await super().ephemeral(channel, user, message)


def copies(platforms: list[ConsolePlatform], *, kind: str = "dm") -> Counter[str]:
    """How many times each outbox message (by idempotency key) reached anyone, over all replicas."""
    seen: Counter[str] = Counter()
    for p in platforms:
        for d in p.deliveries:
            if d.kind == kind and d.idempotency_key:
                seen[d.idempotency_key] += 1
    return seen


def _unreachable_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "sqlite:////nonexistent-needtoknow-dir/refused.db"
    # Nothing listens on port 1: the connection is refused, as when PostgreSQL is down.
    return parsed.set(host="127.0.0.1", port=1).render_as_string(hide_password=False)


@contextlib.contextmanager
def database_refused(app: App) -> Iterator[None]:
    """Every new session of ``app`` fails to connect until the block ends (the database is down)."""
    db = app.services.db
    dead = create_engine(_unreachable_url(db.url), connect_args=_connect_args(db.url))
    saved = db._sessions
    db._sessions = sessionmaker(dead, expire_on_commit=False)
    try:
        yield
    finally:
        db._sessions = saved
        dead.dispose()


def _connect_args(url: str) -> dict[str, Any]:
    return {} if url.startswith("sqlite") else {"connect_timeout": 2}


@contextlib.contextmanager
def connection_terminated_on(app: App, table: str) -> Iterator[list[int]]:
    """The first statement writing ``table`` loses its connection mid-transaction: on PostgreSQL the
    backend is killed with ``pg_terminate_backend`` (a real server-side termination); on SQLite the
    statement fails as a dropped file handle would. Yields a list that counts terminations."""
    engine = app.services.db.engine
    fired: list[int] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: Any) -> None:
        if fired or not statement.lstrip().upper().startswith(
            ("INSERT INTO " + table.upper(), "UPDATE " + table.upper())
        ):
            return
        fired.append(1)
        if engine.dialect.name == "postgresql":
            import psycopg

            pid = conn.connection.dbapi_connection.info.backend_pid
            url = make_url(app.services.db.url)
            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(plain.split("?")[0], autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        else:
            raise OperationalError(statement[:20], None, ConnectionError("connection terminated"))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)
