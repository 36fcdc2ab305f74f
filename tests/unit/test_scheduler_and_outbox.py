"""Scheduled items and the outbox: exactly-once processing across restarts, retries on outage."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from storage import outbox, schedule
from storage.models import OutboxMessage, ScheduledItem
from tests.harness import Harness


def _register_ping(h: Harness) -> None:
    def ping(item, session, ctx) -> None:
        ctx.enqueue_dm(
            session,
            __import__("storage.directory", fromlist=["x"]).member_by_handle(session, "vera"),
            f"reminder {item.ref}",
            key=f"ping:{item.key}",
            purpose="test.ping",
        )

    h.app.router.jobs.setdefault("test.ping", ping)


async def test_item_due_during_a_restart_is_delivered_exactly_once_after_it(
    tmp_path: Path, database_url: str
) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    _register_ping(h)
    with h.app.services.db.session() as s:
        schedule.schedule(
            s, key="r:1", kind="test.ping", ref="R-1", due_at=h.clock.now() + timedelta(hours=1)
        )
    await h.tick(minutes=30)
    assert h.platform.dms("vera") == []  # not due yet
    await h.close()  # the bot goes down; the item becomes due while it is down

    h2 = Harness.create(tmp_path, database_url=database_url, keyring=h.keyring, start=h.clock.now())
    h2.platform = h2.app.services.platform  # type: ignore[assignment]
    _register_ping(h2)
    await h2.tick(hours=2)
    await h2.tick(minutes=5)
    await h2.tick(days=1)
    # Due while the bot was down: sent once, late, and saying so.
    assert h2.platform.dms("vera") == [
        "reminder R-1\n\n(late: this was due at Mon 02 Mar 10:00 CST; the bot was unavailable)"
    ]
    with h2.app.services.db.session() as s:
        assert s.execute(select(ScheduledItem.status)).scalar_one() == "done"
    await h2.close()


async def test_scheduling_the_same_key_twice_plans_one_item(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    _register_ping(h)
    with h.app.services.db.session() as s:
        for _ in range(3):
            schedule.schedule(s, key="r:1", kind="test.ping", ref="R-1", due_at=h.clock.now())
    await h.tick(minutes=1)
    assert h.platform.dms("vera") == ["reminder R-1"]
    await h.close()


async def test_cancelled_item_is_not_sent(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    _register_ping(h)
    with h.app.services.db.session() as s:
        schedule.schedule(s, key="r:1", kind="test.ping", ref="R-1", due_at=h.clock.now() + timedelta(days=1))
        assert schedule.cancel(s, ref="R-1") == 1
    await h.tick(days=2)
    assert h.platform.dms("vera") == []
    await h.close()


async def test_two_sweepers_on_one_database_process_each_item_once(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    h2 = Harness.create(
        tmp_path / "b" if False else tmp_path,
        database_url=database_url,
        keyring=h.keyring,
        start=h.clock.now(),
    )
    for x in (h, h2):
        _register_ping(x)
    with h.app.services.db.session() as s:
        for i in range(60):
            schedule.schedule(s, key=f"r:{i}", kind="test.ping", ref=f"R-{i}", due_at=h.clock.now())
    h.clock.advance(minutes=1)
    h2.clock.set(h.clock.now())
    results = []
    threads = [
        threading.Thread(target=lambda a=a: results.append(a.app.run_due(limit=7))) for a in (h, h2) * 6
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h.app.run_due()
    with h.app.services.db.session() as s:
        keys = list(s.execute(select(OutboxMessage.idempotency_key)).scalars())
        statuses = set(s.execute(select(ScheduledItem.status)).scalars())
    assert len(keys) == len(set(keys)) == 60
    assert statuses == {"done"}
    assert sum(r.processed for r in results) + 0 <= 60
    await h.close()
    await h2.close()


async def test_outage_during_delivery_is_retried_not_dropped(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.queue_dm(key="m1", purpose="test", recipient="console:vera", body="important")
    h.platform.outage = True
    await h.tick()
    assert h.platform.dms("vera") == []
    h.platform.outage = False
    await h.tick(seconds=2)
    assert h.platform.dms("vera") == []  # backing off
    await h.tick(seconds=10)
    assert h.platform.dms("vera") == ["important"]
    await h.close()


async def test_nothing_is_claimed_before_the_platform_can_send(tmp_path: Path) -> None:
    """A platform that cannot send yet (Matrix before its login and first sync) gets no delivery:
    a send tried then failed, counted as an attempt and waited behind a back-off that grew with each
    restart (docs/architecture.md, outbox). Once it can, the row goes at once, as its first attempt."""
    h = Harness.create(tmp_path)
    h.queue_dm(key="m1", purpose="test", recipient="console:vera", body="important")
    h.platform.sending_ready = False  # type: ignore[attr-defined]
    await h.tick()
    assert await h.app.deliver_keys(["m1"]) == 0
    assert h.platform.dms("vera") == []
    with h.app.services.db.session() as s:
        row = s.execute(select(OutboxMessage)).scalar_one()
        assert (row.status, row.attempts) == ("pending", 0)
    h.platform.sending_ready = True  # type: ignore[attr-defined]
    await h.tick()
    assert h.platform.dms("vera") == ["important"]
    with h.app.services.db.session() as s:
        assert s.execute(select(OutboxMessage.attempts)).scalar_one() == 1
    await h.close()


async def test_crash_after_claim_redelivers_after_the_lease(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.queue_dm(key="m1", purpose="test", recipient="console:vera", body="tip for you")
    with h.app.services.db.session() as s:
        assert len(outbox.claim_due(s, h.clock.now())) == 1  # claimed... and the process dies here
    await h.tick(seconds=30)
    assert h.platform.dms("vera") == []  # still leased
    await h.tick(minutes=3)
    assert h.platform.dms("vera") == ["tip for you"]
    await h.close()


async def test_permanent_failure_alerts_the_coordinator_without_content(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.queue_dm(key="m1", purpose="tip.route", recipient="console:ghost", body="SECRET TIP TEXT")
    h.platform.outage = True
    for _ in range(8):  # an outage of 2 hours: still retried, nobody alerted yet
        await h.tick(minutes=15)
    assert h.platform.dms("omar") == []
    h.platform.permanent_failure = True  # e.g. the recipient's account is gone
    await h.tick(minutes=15)
    h.platform.outage = False
    h.platform.permanent_failure = False
    await h.tick(minutes=15)
    alerts = h.platform.dms("omar")
    assert len(alerts) == 1 and "tip.route" in alerts[0] and "SECRET" not in alerts[0]
    await h.close()


async def test_one_failing_item_does_not_hold_back_the_others(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    _register_ping(h)
    calls: list[str] = []

    def flaky(item, session, ctx) -> None:
        calls.append(item.ref)
        if item.ref == "R-bad":
            raise RuntimeError("boom")
        h.app.router.jobs["test.ping"](item, session, ctx)

    h.app.router.jobs["test.flaky"] = flaky
    with h.app.services.db.session() as s:
        for ref in ("R-1", "R-bad", "R-2"):
            schedule.schedule(s, key=f"k:{ref}", kind="test.flaky", ref=ref, due_at=h.clock.now())
    result = h.app.run_due()
    assert (result.processed, result.failed) == (2, 1)
    await h.tick()
    assert sorted(h.platform.dms("vera")) == ["reminder R-1", "reminder R-2"]
    with h.app.services.db.session() as s:
        bad = s.execute(select(ScheduledItem).where(ScheduledItem.ref == "R-bad")).scalar_one()
        assert bad.status == "pending" and bad.attempts == 1 and bad.due_at > h.clock.now()
    await h.close()


async def test_transient_failures_are_retried_for_the_configured_horizon_then_reported(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"scheduler": {"outbox_retry_hours": 2}})
    h.queue_dm(key="m1", purpose="tips.route", recipient="console:vera", body="SECRET TIP TEXT")
    h.platform.outage = True
    for _ in range(11):  # 1 h 50 min of outage: still being retried
        await h.tick(minutes=10)
    assert [t for t in h.platform.dms("omar") if "could not be delivered" in t] == []
    for _ in range(3):
        await h.tick(minutes=10)
    h.platform.outage = False
    await h.tick(minutes=10)
    assert h.platform.dms("vera") == []  # given up on after two hours...
    alerts = [t for t in h.platform.dms("omar") if "could not be delivered" in t]
    assert len(alerts) == 1 and "tips.route" in alerts[0] and "SECRET" not in alerts[0]  # ...and reported
    await h.close()
