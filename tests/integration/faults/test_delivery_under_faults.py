"""Deliveries under faults, on a SQLite file and on PostgreSQL: every tip DM, confirmation and
release-expiry notice arrives after a long platform outage, exactly as docs/architecture.md
("Delivery guarantees") says; two replicas never send a DM twice; a crash between send and mark
gives only the documented duplicate."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from storage.models import AuditEntry, OutboxMessage, ScheduledItem
from tests.harness import Harness
from tests.integration.faults.faults import Crash, FaultyPlatform, copies, database_refused

RELEASE = (
    "/release new client=C-1187 agency=hsi categories=contact_information,case_details "
    'purpose="coordination of care for the T-visa application" signed=2026-03-01 expires=2026-03-03'
)
EXPIRED = "Release R-1 (client C-1187) is no longer valid; stop sharing under it."


def _make(tmp_path: Path, database_url: str, redactor: Any, **kw: Any) -> Harness:
    clock = kw.pop("clock", None) or FakeClock()
    h = Harness.create(
        tmp_path, database_url=database_url, redactor=redactor, platform=FaultyPlatform(clock), **kw
    )
    h.clock = h.app.services.clock  # type: ignore[assignment]
    h.platform.clock = h.clock  # type: ignore[attr-defined]
    return h


def _expiry_due(h: Harness) -> Any:
    with h.app.services.db.session() as s:
        return (
            s.execute(select(ScheduledItem.due_at).where(ScheduledItem.key.like("%expired%")))
            .scalars()
            .first()
        )


@pytest.mark.parametrize("mode", ["5xx", "429", "timeout"])
async def test_a_fifteen_minute_platform_outage_loses_no_tip_confirmation_or_expiry_notice(
    tmp_path: Path, database_url: str, redactor: Any, mode: str
) -> None:
    h = _make(tmp_path, database_url, redactor)
    await h.command("nina", RELEASE, channel="dm")
    due = _expiry_due(h)
    assert due is not None
    h.clock.set(due - timedelta(minutes=2))
    await h.tick()
    sent_before = len(h.platform.deliveries)

    h.platform.mode = mode  # type: ignore[attr-defined]
    await h.command("nina", '/tip observed="saw a van at the truck stop every night"', channel="dm")
    for _ in range(30):  # 15 minutes of outage, the scheduler sweeping every 30 s
        await h.tick(seconds=30)
    assert len(h.platform.deliveries) == sent_before  # nothing got through
    h.platform.mode = None  # type: ignore[attr-defined]
    for _ in range(25):  # the platform is back: the back-off (at most 10 minutes) lets it through
        await h.tick(seconds=30)

    tip_dms = [t for t in h.platform.dms("vera") if "New tip T-0001" in t]
    confirmations = [t for t in h.platform.dms("nina") if "T-0001" in t]
    assert len(tip_dms) == 1, "the point person gets the tip exactly once"
    assert len(confirmations) == 1, "the submitter gets one confirmation"
    assert h.platform.dms("alice").count(EXPIRED) == 1, "the agency hears the release expired, once"
    assert max(copies([h.platform]).values()) == 1  # no duplicates anywhere
    with h.app.services.db.session() as s:
        statuses = set(s.execute(select(OutboxMessage.status)).scalars())
    assert statuses == {"sent"}
    await h.close()


async def test_two_replicas_with_slow_sends_never_send_a_dm_twice(
    tmp_path: Path, database_url: str, redactor: Any
) -> None:
    clock = FakeClock()
    a = _make(tmp_path, database_url, redactor, clock=clock)
    b = _make(tmp_path, database_url, redactor, clock=clock, keyring=a.keyring)
    b.app.services.clock = a.app.services.clock
    for h in (a, b):
        h.app.renew_every = 0.001  # real seconds; each send below takes 50 s of the simulated clock
        h.platform.slow_seconds = 50  # type: ignore[attr-defined]
        h.platform.clock = a.app.services.clock  # type: ignore[attr-defined]
    for n in range(50):
        a.queue_dm(key=f"dm:{n}", body=f"message {n}", recipient="console:vera")

    async def replica(h: Harness) -> None:
        for _ in range(400):
            await h.app.deliver_outbox()
            await asyncio.sleep(0.002)
            with h.app.services.db.session() as s:
                left = s.execute(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).first()
            if left is None:
                return

    await asyncio.gather(replica(a), replica(b))
    seen = copies([a.platform, b.platform])
    assert len(seen) == 50, "every DM was delivered"
    assert [k for k, n in seen.items() if n > 1] == [], "no DM was sent twice"
    await a.close()
    await b.close()


async def test_crash_between_send_and_mark_resends_only_the_message_in_flight(
    tmp_path: Path, database_url: str, redactor: Any
) -> None:
    h = _make(tmp_path, database_url, redactor)
    for n in range(10):
        h.queue_dm(key=f"dm:{n}", body=f"message {n}", recipient="console:vera")
    h.platform.crash_after_send = 4  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        await h.app.deliver_outbox(h.clock.now())
    h.app.services.db.dispose()  # the process is gone

    # A new process (same database, same platform account) starts a minute later, then after the lease.
    h2 = _make(tmp_path, database_url, redactor, keyring=h.keyring, start=h.clock.now())
    h2.platform = h.platform  # the same chat platform: it remembers what was delivered
    h2.app.services.platform = h.platform
    h.platform.crash_after_send = None  # type: ignore[attr-defined]
    await h2.tick(minutes=1)
    await h2.tick(minutes=3)
    seen = copies([h.platform])
    assert len(seen) == 10
    # The documented duplicate: only the message whose send completed right before the crash.
    assert {k: n for k, n in seen.items() if n > 1} == {"dm:3": 2}
    await h2.close()


async def test_database_lost_between_send_and_mark_does_not_resend(
    tmp_path: Path, database_url: str, redactor: Any
) -> None:
    h = _make(tmp_path, database_url, redactor)
    h.app.mark_patience = 5.0
    h.queue_dm(key="dm:1", body="a tip for you", recipient="console:vera")
    loop = asyncio.get_running_loop()
    outage = database_refused(h.app)

    def lose_database() -> None:  # right after the platform accepted the message
        outage.__enter__()
        loop.call_later(0.5, outage.__exit__, None, None, None)

    h.platform.after_send = lose_database  # type: ignore[attr-defined]
    await h.app.deliver_outbox(h.clock.now())
    h.platform.after_send = None  # type: ignore[attr-defined]
    for _ in range(5):
        await h.tick(minutes=3)  # well past the lease
    assert copies([h.platform]) == {"dm:1": 1}
    await h.close()


async def test_a_message_given_up_on_tells_the_coordinator_and_the_waiting_member(
    tmp_path: Path, database_url: str, redactor: Any
) -> None:
    h = _make(tmp_path, database_url, redactor)
    h.platform.mode = "5xx"  # type: ignore[attr-defined]
    await h.command("nina", '/tip observed="saw a van at the truck stop every night"', channel="dm")
    for _ in range(74):  # past the 72-hour retry horizon, a sweep and a retry every hour
        await h.tick(hours=1)
    h.platform.mode = None  # type: ignore[attr-defined]
    await h.tick(minutes=15)
    await h.tick(minutes=15)
    # omar is the coordinator (and the backup point person, who may read the tip itself)
    to_coordinator = [t for t in h.platform.dms("omar") if "could not be delivered" in t]
    assert any("tips.route" in t for t in to_coordinator) and any("tips.confirm" in t for t in to_coordinator)
    assert all("truck stop" not in t for t in to_coordinator)
    notes = [t for t in h.platform.dms("nina") if "could not be delivered" in t]
    assert len(notes) == 2 and all("truck stop" not in t for t in notes)
    with h.app.services.db.session() as s:
        failed = [
            r.detail["purpose"]
            for r in s.execute(select(AuditEntry).where(AuditEntry.action == "outbox.failed")).scalars()
        ]
    assert {"tips.route", "tips.confirm"} <= set(failed)
    await h.close()
