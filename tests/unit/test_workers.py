"""Handlers run on ``[bot] worker_threads`` threads, off the adapter's event loop (bot/workers.py).

Real SQLite file / PostgreSQL, the console platform; the app's ``_handle`` is wrapped to observe
which thread runs it and when."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.audit import AuditLog
from storage.crypto import KeyedHasher
from tests.harness import Harness


def _with_threads(tmp_path: Path, threads: int, database_url: str | None = None) -> Harness:
    return Harness.create(tmp_path, database_url=database_url, overrides={"bot": {"worker_threads": threads}})


def _observe(h: Harness, before: Callable[[Any], None]) -> None:
    """Run ``before(event)`` in the thread that handles each event, just before the handler."""
    original = h.app._handle

    async def observed(event: Any) -> Any:
        before(event)
        return await original(event)

    h.app._handle = observed  # type: ignore[method-assign]


async def test_two_members_events_are_handled_at_the_same_time_off_the_loop(tmp_path: Path) -> None:
    h = _with_threads(tmp_path, 4)
    loop_thread = threading.get_ident()
    both_inside = threading.Barrier(2)
    threads: list[int] = []

    def before(_event: Any) -> None:
        threads.append(threading.get_ident())
        both_inside.wait(timeout=10)  # raises BrokenBarrierError unless the other event runs meanwhile

    _observe(h, before)
    await asyncio.gather(h.command("hana", "/help"), h.command("omar", "/help"))
    assert len(threads) == 2 and loop_thread not in threads and len(set(threads)) == 2
    # Both got their answer, sent through the platform on the adapter's loop.
    assert h.platform.ephemerals("hana") and h.platform.ephemerals("omar")
    await h.close()


async def test_platform_calls_of_a_handler_run_on_the_adapters_loop(tmp_path: Path) -> None:
    h = _with_threads(tmp_path, 2)
    loop_thread = threading.get_ident()
    seen: list[int] = []
    original = h.platform.ephemeral

    async def ephemeral(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.get_ident())
        return await original(*args, **kwargs)

    h.platform.ephemeral = ephemeral  # type: ignore[method-assign]
    await h.command("hana", "/admin members")  # refused: an ephemeral reply, audited
    assert seen == [loop_thread]
    assert h.audit_rows()[-1].action == "permission.denied"
    await h.close()


async def test_one_members_events_are_handled_one_after_another_in_order(tmp_path: Path) -> None:
    h = _with_threads(tmp_path, 4)
    spans: list[tuple[str, float, float]] = []
    original = h.app._handle

    async def slow(event: Any) -> Any:
        began = time.monotonic()
        time.sleep(0.05)  # a slow database section, in the worker thread
        result = await original(event)
        spans.append((event.args, began, time.monotonic()))
        return result

    h.app._handle = slow  # type: ignore[method-assign]
    await asyncio.gather(*(h.command("vera", f"/pii report {n}") for n in range(1, 6)))
    assert [s[0] for s in spans] == [f"report {n}" for n in range(1, 6)]  # arrival order
    for earlier, later in itertools.pairwise(spans):
        assert later[1] >= earlier[2], "a member's events overlapped"
    await h.close()


async def test_concurrent_audit_appends_keep_the_hash_chain_linear(tmp_path: Path, database_url: str) -> None:
    h = _with_threads(tmp_path, 6, database_url)
    names = [f"stranger{n}" for n in range(30)]  # 30 different people, each refused and audited
    await asyncio.gather(*(h.command(name, "/admin members") for name in names))
    rows = h.audit_rows()
    assert len(rows) == 30 and [r.id for r in rows] == list(range(1, 31))
    with h.app.services.db.session() as s:
        result = AuditLog(KeyedHasher(h.keyring.hmac_key)).verify(s)
    assert result.ok and result.rows_checked == 30, result.message
    await h.close()


async def test_worker_threads_0_runs_handlers_on_the_loop(tmp_path: Path) -> None:
    h = _with_threads(tmp_path, 0)
    loop_thread = threading.get_ident()
    threads: list[int] = []
    _observe(h, lambda _e: threads.append(threading.get_ident()))
    await h.command("hana", "/help")
    assert threads == [loop_thread] and h.platform.ephemerals("hana")
    await h.close()


async def test_only_the_pools_threads_count_as_handler_threads() -> None:
    """``Context.redact_text`` scans in place only there; elsewhere (the adapter's loop, the
    scheduler's threads) it must hand the scan to another thread."""
    from bot.workers import HandlerPool, on_handler_thread

    pool = HandlerPool(2)

    async def where() -> tuple[bool, bool]:
        return on_handler_thread(), await asyncio.to_thread(on_handler_thread)

    try:
        assert await pool.run(where) == (True, False)
        assert on_handler_thread() is False
    finally:
        pool.stop()
