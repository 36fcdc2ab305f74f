"""Deliveries and PII handling under faults: per fault, how many deliveries were sent, lost and
duplicated (and, where it applies, how many PII messages were handled and their warnings sent).

Run from the repository root::

    .venv/bin/python benchmarks/guard_under_faults.py [--database-url postgresql://127.0.0.1:5432/test]
        [--only NAME ...] [--list]

Every scenario runs the real app (``build_app``) on the console platform with faults injected the
way ``tests/integration/faults/`` does (``tests/integration/faults/faults.py``): platform sends
failing with 5xx / 429 / timeouts, database connections refused, a crash between a send and its
"sent" mark, two replicas on one database with slow sends. Time is the injectable clock, so a
15-minute outage takes seconds. Without ``--database-url`` (or ``NEEDTOKNOW_TEST_DATABASE_URL``) it
uses a SQLite file; with it, each scenario gets its own PostgreSQL schema.

"lost" counts messages that should have arrived and did not; "duplicated" counts extra copies (by
outbox idempotency key, over every replica). docs/architecture.md ("Delivery guarantees") says which
duplicates are expected: only the message in flight when a process crashes (Slack / console).

Adding a scenario (e.g. the Matrix or Slack adapters' own faults): write ``async def name(ctx) ->
Row`` and decorate it with ``@scenario("fault description")``; it appears in the table. ``ctx`` gives
a fresh database URL, a temporary directory and the loaded PII engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot.app import Dispatched
from bot.clock import FakeClock
from bot.events import CommandInvoked, MessagePosted
from bot.platform import ChannelRef, UserRef
from storage.models import OutboxMessage
from storage.tips import Tip
from tests.harness import Harness
from tests.integration.faults.faults import Crash, FaultyPlatform, copies, database_refused

PII = [
    "Maria Gonzalez called again from 312-555-0142, she needs a ride",
    "Her address is 1420 W Elm St, Apt 3B, send the caseworker there",
    "email jsmith.survivor@example.com about the appointment",
    "Kevin Tran was seen at the motel on Route 9 with two girls",
    "her cousin Ana Ruiz texted from (773) 555-0187",
]


@dataclass
class Row:
    fault: str
    expected: int  # deliveries that must arrive
    sent: int  # distinct deliveries that arrived
    duplicated: int  # extra copies
    pii_handled: int | None = None
    pii_sent: int | None = None
    note: str = ""

    @property
    def lost(self) -> int:
        return self.expected - self.sent


@dataclass
class ScenarioContext:
    tmp: Path
    redactor: Any
    pg_base: str | None
    _n: int = 0
    _cleanup: list[Iterator[str]] = field(default_factory=list)

    def database_url(self) -> str:
        """A fresh, empty database for one scenario."""
        self._n += 1
        if not self.pg_base:
            return f"sqlite:///{self.tmp}/scenario-{self._n}.db"
        from tests.conftest import _pg_schema

        gen = _pg_schema(self.pg_base)
        url = next(gen)
        self._cleanup.append(gen)
        return url

    def close(self) -> None:
        for gen in self._cleanup:
            gen.close()

    def harness(self, url: str, clock: FakeClock | None = None, **kw: Any) -> Harness:
        clock = clock or FakeClock()
        h = Harness.create(
            self.tmp, database_url=url, redactor=self.redactor, platform=FaultyPlatform(clock), **kw
        )
        h.clock = h.app.services.clock  # type: ignore[assignment]
        h.platform.clock = h.clock  # type: ignore[attr-defined]
        return h


Scenario = Callable[[ScenarioContext], Awaitable[Row]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    """Register a fault scenario under ``name`` (the row label)."""

    def register(fn: Scenario) -> Scenario:
        SCENARIOS[name] = fn
        return fn

    return register


def _queue(h: Harness, n: int, prefix: str = "dm") -> None:
    for i in range(n):
        h.queue_dm(key=f"{prefix}:{i}", body=f"message {i}", recipient="console:vera")


def _row(fault: str, expected: int, platforms: list[Any], **kw: Any) -> Row:
    seen = copies(platforms)
    return Row(fault, expected, len(seen), sum(n - 1 for n in seen.values()), **kw)


async def _platform_outage(ctx: ScenarioContext, mode: str) -> Row:
    h = ctx.harness(ctx.database_url())
    _queue(h, 40)
    h.platform.mode = mode  # type: ignore[attr-defined]
    for i in range(10):  # tips typed during the outage: DM to the point person + confirmation each
        await h.command("nina", f'/tip observed="van number {i} at the truck stop every night"', channel="dm")
    for _ in range(30):  # 15 minutes
        await h.tick(seconds=30)
    h.platform.mode = None  # type: ignore[attr-defined]
    for _ in range(25):
        await h.tick(seconds=30)
    with h.app.services.db.session() as s:
        expected = s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    row = _row(f"platform {mode} for 15 min (40 DMs, 10 tips)", expected, [h.platform])
    await h.close()
    return row


@scenario("platform 5xx")
async def platform_5xx(ctx: ScenarioContext) -> Row:
    return await _platform_outage(ctx, "5xx")


@scenario("platform 429")
async def platform_429(ctx: ScenarioContext) -> Row:
    return await _platform_outage(ctx, "429")


@scenario("platform timeouts")
async def platform_timeouts(ctx: ScenarioContext) -> Row:
    return await _platform_outage(ctx, "timeout")


@scenario("database refused")
async def database_outage(ctx: ScenarioContext) -> Row:
    """Tips and PII messages arrive while the database refuses connections; the adapter keeps every
    event reported NOT_HANDLED and redelivers it once the database is back (as Slack/Matrix do)."""
    h = ctx.harness(ctx.database_url())
    general = ChannelRef("console", "general")
    events: list[Any] = []
    for i in range(10):
        events.append(
            CommandInvoked(
                user=UserRef("console", "nina"),
                channel=ChannelRef("console", "dm:nina", True),
                name="tip",
                args=f'observed="van number {i} at the truck stop every night"',
            )
        )
    for text in PII:
        events.append(
            MessagePosted(
                user=UserRef("console", "dan"),
                channel=general,
                message=h.platform.record_member_message(general, "dan", text),
                text=text,
            )
        )
    pending = list(events)
    with database_refused(h.app):
        pending = [e for e in pending if await h.app.dispatch(e) is Dispatched.NOT_HANDLED]
    refused = len(pending)
    for _ in range(3):  # redelivery after the outage
        pending = [e for e in pending if await h.app.dispatch(e) is Dispatched.NOT_HANDLED]
    await h.tick()
    with h.app.services.db.session() as s:
        tips = s.execute(select(func.count()).select_from(Tip)).scalar_one()
    routed = sum(1 for t in h.platform.dms("vera") if "New tip T-" in t)
    warnings = len(h.platform.ephemerals("dan"))
    row = Row(
        "database refusing connections (10 tips, 5 PII messages)",
        expected=10,
        sent=min(tips, routed),
        duplicated=max(0, tips - 10) + max(0, routed - 10),
        pii_handled=warnings,
        pii_sent=len(PII),
        note=f"{refused} events NOT_HANDLED during the outage, all handled on redelivery"
        if not pending
        else "",
    )
    await h.close()
    return row


@scenario("crash between send and mark")
async def crash_between_send_and_mark(ctx: ScenarioContext) -> Row:
    url = ctx.database_url()
    h = ctx.harness(url)
    _queue(h, 50)
    h.platform.crash_after_send = 25  # type: ignore[attr-defined]
    with contextlib.suppress(Crash):
        await h.app.deliver_outbox(h.clock.now())
    h.app.services.db.dispose()
    h2 = ctx.harness(url, keyring=h.keyring, start=h.clock.now())
    h2.app.services.platform = h.platform
    h.platform.crash_after_send = None  # type: ignore[attr-defined]
    await h2.tick(minutes=1)
    await h2.tick(minutes=3)
    row = _row("crash between send and mark (50 DMs, crash at the 25th)", 50, [h.platform])
    row.note = "expected: 1 duplicate (the DM in flight), none on Matrix"
    await h2.close()
    return row


@scenario("two replicas, slow sends")
async def two_replicas(ctx: ScenarioContext) -> Row:
    url = ctx.database_url()
    clock = FakeClock()
    a = ctx.harness(url, clock=clock)
    b = ctx.harness(url, clock=clock, keyring=a.keyring)
    b.app.services.clock = a.app.services.clock
    for h in (a, b):
        h.app.renew_every = 0.001
        h.platform.slow_seconds = 50  # type: ignore[attr-defined]
        h.platform.clock = a.app.services.clock  # type: ignore[attr-defined]
    _queue(a, 50)

    async def replica(h: Harness) -> None:
        for _ in range(400):
            await h.app.deliver_outbox()
            await asyncio.sleep(0.002)
            with h.app.services.db.session() as s:
                if s.execute(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).first() is None:
                    return

    await asyncio.gather(replica(a), replica(b))
    row = _row("two replicas, sends taking 50 s each (50 DMs)", 50, [a.platform, b.platform])
    await a.close()
    await b.close()
    return row


@scenario("alerts due during a database outage")
async def late_alerts(ctx: ScenarioContext) -> Row:
    h = ctx.harness(ctx.database_url(), overrides={"operations": {"alert_jitter_minutes": 0}})
    await h.command("alice", "/operation new", channel="dm")
    answers = {
        "when": "2026-03-12 10:00",
        "victims": "5",
        "genders": ["female"],
        "languages": "Spanish",
        "minors": "yes",
        "needs": ["shelter"],
        "location": "Motel",
        "notes": "Target",
    }
    assert await h.fill("alice", answers) is None
    await h.tick()
    before = len(h.platform.dms("nina"))
    h.clock.advance(days=3, hours=-2)
    with database_refused(h.app):
        for _ in range(10):
            with contextlib.suppress(Exception):
                h.app.run_due(h.clock.advance(minutes=30))
            await h.app.deliver_outbox(h.clock.now())
    await h.tick(minutes=1)
    alerts = [t for t in h.platform.dms("nina")[before:] if t.startswith("*Operation reminder")]
    late = sum(1 for t in alerts if "(late:" in t)
    row = Row(
        "operation alert due during a 5-hour database outage",
        expected=1,
        sent=min(1, len(alerts)),
        duplicated=max(0, len(alerts) - 1),
        note=f"{late} of {len(alerts)} carry the late note; lead and coordinator told",
    )
    await h.close()
    return row


# --- the Slack adapter's own faults (signed HTTP through Bolt, the Web API stand-in, SQLite) ---------
# The stand-in's outage windows stand for minutes-long Slack incidents scaled to seconds, with the
# adapter's retry timings scaled alike (tests/contract/test_slack_faults.py uses the same set-up).


async def _slack_run(ctx: ScenarioContext, label: str, body: Callable[[Any], Awaitable[Row]],
                     **overrides: Any) -> Row:
    from tests.contract.test_slack_faults import FAST
    from tests.contract.test_slack_scenarios import running
    from tests.integration.slack.mock_web_api import SlackStandIn

    stand_in = SlackStandIn().start()
    tmp = ctx.tmp / f"slack-{label}"
    tmp.mkdir()
    try:
        async with running(tmp, stand_in, ctx.redactor, **(FAST | overrides)) as slack:
            return await body(slack)
    finally:
        stand_in.stop()


def _slack_posters() -> list[str]:
    from tests.contract.test_slack_scenarios import USERS

    return list(USERS)


async def _slack_send_all(slack: Any, prefix: str, *, retry: int = 0) -> None:
    from tests.contract.test_slack_faults import deliver, pii_message

    for n, handle in enumerate(_slack_posters()):
        event = pii_message(handle, f"1772463600.{n + 1:06d}") | {"text": PII[n % len(PII)]}
        await deliver(slack, event, f"Ev-{prefix}-{n}", retry=retry)


async def _slack_count(slack: Any, fault: str, *, wait: float = 90.0) -> Row:
    from tests.contract.test_slack_faults import warnings_seen

    posters = _slack_posters()
    for _ in range(int(wait * 10)):
        if all(warnings_seen(slack, h) for h in posters):
            break
        await asyncio.sleep(0.1)
    await slack.settle(1.0)
    counts = [len(warnings_seen(slack, h)) for h in posters]
    warned = sum(1 for c in counts if c)
    return Row(fault, len(posters), warned, sum(max(0, c - 1) for c in counts), pii_handled=warned,
               pii_sent=len(posters), note="Slack adapter, SQLite; outage scaled to seconds")


async def _slack_outage(ctx: ScenarioContext, label: str, fault: str, kind: dict[str, Any]) -> Row:
    async def body(slack: Any) -> Row:
        # Ephemeral warnings fail for the whole window, DMs for its first part: some warnings can be
        # delivered neither way at first and their events are retried by the adapter.
        slack.stand_in.outage("chat.postEphemeral", 6.0, **kind)
        slack.stand_in.outage("chat.postMessage", 2.5, **kind)
        await _slack_send_all(slack, label)
        return await _slack_count(slack, fault)

    return await _slack_run(ctx, label, body)


@scenario("Slack: Web API 5xx on postEphemeral / postMessage")
async def slack_5xx(ctx: ScenarioContext) -> Row:
    return await _slack_outage(ctx, "5xx", "Slack: Web API 5xx on postEphemeral / postMessage", {"status": 503})


@scenario("Slack: Web API 429 (Retry-After 30 s)")
async def slack_429(ctx: ScenarioContext) -> Row:
    return await _slack_outage(ctx, "429", "Slack: Web API 429 (Retry-After 30 s)",
                               {"status": 429, "retry_after": 30})


@scenario("Slack: Web API timeouts")
async def slack_timeouts(ctx: ScenarioContext) -> Row:
    return await _slack_outage(ctx, "timeouts", "Slack: Web API timeouts", {"status": None, "hang": 2.0})


@scenario("Slack: first delivery of every event fails, Slack retries it twice")
async def slack_retry_after_failure(ctx: ScenarioContext) -> Row:
    fault = "Slack: first delivery of every event fails, Slack retries it twice"

    async def body(slack: Any) -> Row:
        slack.stand_in.outage("*", 6.0, status=503)
        await _slack_send_all(slack, "fail")
        await asyncio.sleep(7.0)
        for retry in (1, 2):
            await _slack_send_all(slack, "fail", retry=retry)
        return await _slack_count(slack, fault)

    return await _slack_run(ctx, "retry-after-failure", body, event_retries=0)


@scenario("Slack: every handled event redelivered three times")
async def slack_redelivered(ctx: ScenarioContext) -> Row:
    fault = "Slack: every handled event redelivered three times"

    async def body(slack: Any) -> Row:
        await _slack_send_all(slack, "ok")
        await _slack_count(slack, fault)
        for retry in (1, 2, 3):
            await _slack_send_all(slack, "ok", retry=retry)
        return await _slack_count(slack, fault)

    return await _slack_run(ctx, "redelivered", body)


@scenario("Slack: every replica dies after its handler, before the row is marked done (takeover)")
async def slack_takeover(ctx: ScenarioContext) -> Row:
    """Each event's handler runs (the warning is sent) and its replica "dies" before the inbox row
    is marked done; the row is run again when its lease lapses (tests/contract/test_slack_takeover.py).
    A warning sent twice would count as a duplicate."""
    from tests.contract.test_slack_takeover import die_before_marking_done, rows

    fault = "Slack: every replica dies after its handler, before the row is marked done (takeover)"

    async def body(slack: Any) -> Row:
        died = die_before_marking_done(slack, times=len(_slack_posters()))
        await _slack_send_all(slack, "takeover")
        for _ in range(600):
            if len(died) == len(_slack_posters()) and all(
                r.status == "done" and r.attempts >= 2 for r in rows(slack) if r.id in died
            ):
                break
            await asyncio.sleep(0.1)
        row = await _slack_count(slack, fault)
        row.note = f"Slack adapter, SQLite; {sum(r.attempts >= 2 for r in rows(slack))} rows taken over"
        return row

    return await _slack_run(ctx, "takeover", body, event_lease_seconds=1.0, inbox_sweep_seconds=0.1)


@scenario("Slack: every replica dies after a command's handler, before the row is marked done (takeover)")
async def slack_command_takeover(ctx: ScenarioContext) -> Row:
    """8 ``/release new`` (one per client) and 8 ``/operation new``: each handler stores its record,
    answers, and its replica "dies" before the inbox row is marked done; the row is run again when its
    lease lapses. Counted: records stored (a second release or operation from a re-run is a duplicate)
    and the NGO notices of the operations (one each)."""
    from sqlalchemy import func, select

    from storage.operations import Operation, OperationNotice
    from storage.releases import ReleaseOfInformation
    from tests.contract.test_slack_takeover import die_before_marking_done, rows

    fault = "Slack: every replica dies after a command's handler, before the row is marked done (takeover)"
    commands = [("nina", "/release", f"new client=C-{1001 + n} agency=hsi categories=case_details "
                 'purpose="coordination of care" signed=2026-03-01 expires=2026-04-15') for n in range(8)]
    commands += [("alice", "/operation", f'new when="2026-03-{12 + n} 06:00" victims=5 genders=female '
                  "languages=Spanish minors=yes ngos=haven") for n in range(8)]

    async def body(slack: Any) -> Row:
        died = die_before_marking_done(slack, times=len(commands))
        for handle, slash, text in commands:
            await slack.command(handle, slash, text, channel="dm")
        for _ in range(900):
            if len(died) == len(commands) and all(
                r.status == "done" and r.attempts >= 2 for r in rows(slack) if r.id in died
            ):
                break
            await asyncio.sleep(0.1)
        await slack.settle(1.0)
        with slack.app.services.db.session() as s:
            stored = sum(s.execute(select(func.count()).select_from(m)).scalar_one()
                         for m in (ReleaseOfInformation, Operation))
            notices = s.execute(select(func.count()).select_from(OperationNotice)).scalar_one()
        expected = len(commands)
        return Row(fault, expected, min(stored, expected), max(0, stored - expected) + max(0, notices - 8),
                   note=f"Slack adapter, SQLite; 8 releases + 8 operations; records and NGO notices counted; "
                        f"{sum(r.attempts >= 2 for r in rows(slack))} rows taken over")

    return await _slack_run(ctx, "command-takeover", body, event_lease_seconds=1.0, inbox_sweep_seconds=0.1)


def _fmt(value: int | None) -> str:
    return "-" if value is None else str(value)


async def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("NEEDTOKNOW_TEST_DATABASE_URL"))
    p.add_argument("--sqlite", action="store_true", help="use SQLite even when a PostgreSQL URL is set")
    p.add_argument("--only", nargs="*", help="scenario names (see --list)")
    p.add_argument("--list", action="store_true")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    logging.basicConfig(level=logging.CRITICAL)
    from redaction import Redactor

    chosen = {k: v for k, v in SCENARIOS.items() if not args.only or k in args.only}
    pg = None if args.sqlite else args.database_url
    with tempfile.TemporaryDirectory() as tmp:
        ctx = ScenarioContext(Path(tmp), Redactor(), pg)
        rows: list[Row] = []
        try:
            for name, fn in chosen.items():
                started = time.perf_counter()
                row = await fn(ctx)
                row.note = (row.note + "; " if row.note else "") + f"{time.perf_counter() - started:.1f} s"
                rows.append(row)
                print(f"  done: {name}", file=sys.stderr)
        finally:
            ctx.close()
    backend = "PostgreSQL" if pg else "SQLite"
    print(f"\nDeliveries under faults ({backend}, console platform)\n")
    print("| fault | expected | sent | lost | duplicated | PII handled / sent | note |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        pii = "-" if r.pii_handled is None else f"{r.pii_handled} / {_fmt(r.pii_sent)}"
        print(f"| {r.fault} | {r.expected} | {r.sent} | {r.lost} | {r.duplicated} | {pii} | {r.note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
