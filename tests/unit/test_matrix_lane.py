"""The order in which the Matrix adapter's writes reach the homeserver (``HomeserverLane``).

Catching up after downtime, a live message's redaction must not queue at the homeserver behind a
backlog's redactions and the ordered handling's reposts and notices.
"""

from __future__ import annotations

import asyncio

from bot.matrix.platform import _LANE, BACKLOG, LIVE, ORDERED, HomeserverLane


async def _write(lane: HomeserverLane, priority: int, name: str, log: list[str], hold: asyncio.Event) -> None:
    _LANE.set(priority)  # a task's own context
    async with lane.write():
        log.append(name)
        await hold.wait()


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_nothing_else_starts_while_a_live_message_is_being_redacted() -> None:
    lane = HomeserverLane(limit=2, live_wait=60)
    started: list[str] = []
    live_done = asyncio.Event()
    done = asyncio.Event()
    done.set()
    busy = [asyncio.create_task(_write(lane, ORDERED, f"notice {i}", started, done)) for i in range(2)]
    await asyncio.gather(*busy)
    live = asyncio.create_task(_write(lane, LIVE, "live redaction", started, live_done))
    await _settle()
    tasks = [asyncio.create_task(_write(lane, p, n, started, done))
             for p, n in ((ORDERED, "repost"), (BACKLOG, "backlog redaction"))]
    await _settle()
    assert started == ["notice 0", "notice 1", "live redaction"]  # both wait for the live one
    live_done.set()
    await asyncio.gather(live, *tasks)
    # Then the backlog's removal before the repost, although the repost asked first.
    assert started == ["notice 0", "notice 1", "live redaction", "backlog redaction", "repost"]


async def test_a_live_redaction_never_waits_for_the_lane() -> None:
    lane = HomeserverLane(limit=1, live_wait=60)
    started: list[str] = []
    hold = asyncio.Event()
    busy = asyncio.create_task(_write(lane, ORDERED, "repost", started, hold))
    queued = asyncio.create_task(_write(lane, BACKLOG, "backlog redaction", started, hold))
    await _settle()
    live = asyncio.create_task(_write(lane, LIVE, "live redaction", started, asyncio.Event()))
    await _settle()
    assert started == ["repost", "live redaction"]  # past the queued backlog and the limit
    live.cancel()
    hold.set()
    await asyncio.gather(busy, queued)
    assert started == ["repost", "live redaction", "backlog redaction"]


async def test_other_writes_are_limited_and_start_by_priority_then_arrival() -> None:
    lane = HomeserverLane(limit=2, live_wait=60)
    started: list[str] = []
    hold = asyncio.Event()
    first = [asyncio.create_task(_write(lane, ORDERED, f"notice {i}", started, hold)) for i in range(2)]
    await _settle()
    later = [asyncio.create_task(_write(lane, p, n, started, hold)) for p, n in
             ((ORDERED, "repost 1"), (BACKLOG, "backlog 1"), (ORDERED, "repost 2"), (BACKLOG, "backlog 2"))]
    await _settle()
    assert started == ["notice 0", "notice 1"]  # two in flight, the rest wait
    assert lane.in_flight == 2
    hold.set()
    await asyncio.gather(*first, *later)
    assert started == ["notice 0", "notice 1", "backlog 1", "backlog 2", "repost 1", "repost 2"]
    assert lane.in_flight == 0


async def test_a_long_live_redaction_holds_other_writes_back_only_for_a_while() -> None:
    lane = HomeserverLane(limit=2, live_wait=0.2)
    started: list[str] = []
    go = asyncio.Event()
    go.set()
    hung = asyncio.create_task(_write(lane, LIVE, "live redaction", started, asyncio.Event()))
    await _settle()
    task = asyncio.create_task(_write(lane, ORDERED, "repost", started, go))
    await asyncio.sleep(0.05)
    assert started == ["live redaction"]
    await asyncio.wait_for(task, timeout=5)  # goes ahead after live_wait, live redaction or not
    assert started == ["live redaction", "repost"]
    hung.cancel()


async def test_a_cancelled_waiter_does_not_block_the_writes_behind_it() -> None:
    lane = HomeserverLane(limit=1, live_wait=60)
    started: list[str] = []
    hold = asyncio.Event()
    busy = asyncio.create_task(_write(lane, ORDERED, "in flight", started, hold))
    await _settle()
    cancelled = asyncio.create_task(_write(lane, BACKLOG, "cancelled", started, hold))
    behind = asyncio.create_task(_write(lane, ORDERED, "behind", started, hold))
    await _settle()
    cancelled.cancel()
    await _settle()
    hold.set()
    await asyncio.gather(busy, behind)
    assert started == ["in flight", "behind"]
    assert cancelled.cancelled()
