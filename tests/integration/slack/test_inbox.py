"""The Slack inbox over real HTTP (signed requests through Bolt, the Web API stand-in) on a real
SQLite file and PostgreSQL: a request is stored (encrypted) before it is acknowledged; no 200 when it
cannot be stored; a request a stopping replica acknowledged is handled by another one; a command
recovered after its trigger expired offers its form as a button; a request that keeps failing is
given up on and reported, never dropped silently."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, text

from bot.events import CommandInvoked, MessagePosted
from bot.slack.platform import SlackPlatform
from storage.crypto import FieldCipher, KeyRing, install_cipher
from storage.db import Database
from storage.models import InboxEntry
from tests.integration.slack.conftest import (
    RecordingCore,
    RunningBot,
    command_body,
    event_body,
    http_settings,
    signed,
)
from tests.integration.slack.mock_web_api import SlackStandIn

CANARY = "Zebediah Quackenbush 312-555-0199"
JSON = "application/json"


def message(text: str = "hello", *, ts: str = "1700000000.000100") -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U1",
        "text": text,
        "ts": ts,
    }


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    install_cipher(FieldCipher(KeyRing.generate()))
    database = Database(database_url)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()
        install_cipher(None)


async def _bot(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession, **settings: Any
) -> RunningBot:
    values: dict[str, Any] = {
        "event_lease_seconds": 1.0,
        "retry_backoff_seconds": 0.05,
        "event_retries": 1,
        "inbox_sweep_seconds": 0.1,
    }
    values.update(settings)
    platform = SlackPlatform(http_settings(stand_in, **values), database=db)
    core = RecordingCore(platform=platform)
    await platform.start(core)
    return RunningBot(platform, core, stand_in, session)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def _rows(db: Database) -> list[InboxEntry]:
    with db.session() as s:
        return list(s.execute(select(InboxEntry).order_by(InboxEntry.id)).scalars())


async def test_a_request_is_stored_encrypted_before_the_ack_and_cleared_once_handled(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession
) -> None:
    bot = await _bot(stand_in, db, session)
    try:
        bot.core.dispatch_delay = 0.5  # the handler is still running when we look
        body = event_body(message(CANARY), event_id="Ev-stored")
        status, _, _ = await bot.post(body, signed(body, content_type=JSON))
        assert status == 200
        with db.session() as s:  # stored before the ack: the row exists as soon as the 200 arrived
            key, payload, status_ = s.execute(text("SELECT key, payload, status FROM inbox")).one()
        assert (key, status_) == ("event:Ev-stored", "running")
        assert payload.startswith("v1:") and "Quackenbush" not in payload and "555-0199" not in payload
        await bot.core.wait(kind=MessagePosted)
        await _until(lambda: _rows(db)[0].status == "done")
        [row] = _rows(db)
        assert row.payload is None and row.attempts == 1
    finally:
        await bot.platform.stop()


async def test_no_200_when_the_request_cannot_be_stored(
    stand_in: SlackStandIn, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """The database is down (its server refuses connections): Slack gets a 503 and delivers the
    event again later, instead of an ack for something that would be lost; a slash command (never
    delivered again) is answered that nothing was stored."""
    install_cipher(FieldCipher(KeyRing.generate()))
    down = Database("postgresql://127.0.0.1:1/needtoknow")  # nothing listens there
    try:
        bot = await _bot(stand_in, down, session)
        try:
            event = event_body(message(CANARY), event_id="Ev-outage")
            command = command_body("/preview", CANARY)
            assert (await bot.post(event, signed(event, content_type=JSON)))[0] == 503
            # Slack never delivers a slash command again: the member is told, in the ack, that nothing was
            # stored (a 503 showed only Slack's own "failed with the error" line).
            status, answer, _ = await bot.post(command, signed(command))
            assert status == 200
            told = json.loads(answer)
            assert told["response_type"] == "ephemeral" and "nothing you sent was stored" in told["text"]
            assert CANARY not in answer
            await asyncio.sleep(0.3)
            assert bot.core.attempts == []
            assert "Quackenbush" not in caplog.text and "555-0199" not in caplog.text
            assert "answered 503" in caplog.text
        finally:
            await bot.platform.stop()
    finally:
        down.dispose()
        install_cipher(None)


async def test_a_stopping_replica_leaves_what_it_acknowledged_to_another(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession
) -> None:
    first = await _bot(stand_in, db, session)
    second = await _bot(stand_in, db, session)
    try:
        first.core.stopping = True  # type: ignore[attr-defined]  # SIGTERM arrived
        body = event_body(message(), event_id="Ev-stopping")
        command = command_body("/preview", "x")
        assert (await first.post(body, signed(body, content_type=JSON)))[0] == 200
        assert (await first.post(command, signed(command)))[0] == 200
        await second.core.wait(2)
        assert first.core.attempts == []  # the stopping replica started neither (nor said "restarting")
        await _until(lambda: all(r.status == "done" for r in _rows(db)))
        assert len(second.core.attempts) == 2
    finally:
        await first.platform.stop()
        await second.platform.stop()


async def test_requests_waiting_at_stop_are_handed_back_and_finished_by_the_next_start(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession
) -> None:
    first = await _bot(stand_in, db, session, event_lease_seconds=30.0)
    first.core.dispatch_delay = 1.0
    bodies = [event_body(message(ts=f"17000000{i:02d}.000100"), event_id=f"Ev-wait-{i}") for i in range(12)]
    statuses = await asyncio.gather(*(first.post(b, signed(b, content_type=JSON)) for b in bodies))
    assert {s for s, _, _ in statuses} == {200}
    await asyncio.sleep(0.2)
    await first.platform.stop()  # a few handlers ran; the rest were waiting for a handler slot
    handled_first = len(first.core.events)
    assert handled_first < 12
    waiting = [r for r in _rows(db) if r.status == "pending"]
    assert waiting and all(
        r.claim_token is None for r in waiting
    )  # handed back at once, no lease to wait out
    again = await _bot(stand_in, db, session, event_lease_seconds=30.0)
    try:
        await again.core.wait(12 - handled_first, timeout=10)
        await _until(lambda: all(r.status == "done" for r in _rows(db)))
        assert handled_first + len(again.core.events) == 12  # each exactly once
    finally:
        await again.platform.stop()


async def test_a_command_recovered_after_its_trigger_expired_offers_the_form_in_a_dm(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession
) -> None:
    """``/tip`` without text opens a modal with the trigger id (valid 3 s). Taken over from a dead
    replica later, it cannot: the member gets a button in their DM that opens the same form."""
    from urllib.parse import parse_qsl

    from bot.slack.inbox import DatabaseInbox

    body = dict(parse_qsl(command_body("/tip", ""), keep_blank_values=True))
    dead = DatabaseInbox(db, lease=0.3)
    await dead.receive("command:dead", "command", json.dumps(body), claim=True)  # ... killed here
    await asyncio.sleep(0.4)
    bot = await _bot(stand_in, db, session)
    try:
        [event] = await bot.core.wait(kind=CommandInvoked)
        assert isinstance(event, CommandInvoked) and event.trigger is None
        [dm] = await stand_in.wait_for("chat.postMessage")
        assert "New tip" in json.dumps(dm.args) and "button" in json.dumps(dm.args)
        assert stand_in.calls_to("views.open") == []
    finally:
        await bot.platform.stop()


async def test_a_request_that_keeps_failing_is_given_up_on_and_reported(
    stand_in: SlackStandIn, db: Database, session: aiohttp.ClientSession
) -> None:
    bot = await _bot(stand_in, db, session, event_retries=0, inbox_retry_hours=0.0005)  # 1.8 s
    reports: list[tuple[str, str, int]] = []
    bot.core.report_inbox_failure = lambda *args: reports.append(args)  # type: ignore[attr-defined]
    bot.core.not_handled = 10_000  # the core never manages it (e.g. a bug)
    try:
        body = event_body(message(), event_id="Ev-hopeless")
        assert (await bot.post(body, signed(body, content_type=JSON)))[0] == 200
        await _until(lambda: bool(reports), timeout=15)
        [row] = _rows(db)
        assert reports == [("slack", "event", row.id)]
        assert row.status == "failed" and row.attempts > 2 and row.last_error == "not handled"
        attempts = len(bot.core.attempts)
        await asyncio.sleep(0.5)
        assert len(bot.core.attempts) == attempts  # no longer retried
    finally:
        await bot.platform.stop()


async def test_socket_mode_does_not_acknowledge_what_it_cannot_store(
    stand_in: SlackStandIn, tmp_path: Any
) -> None:
    """Socket Mode: an envelope is acknowledged only once its request is stored, so Slack re-sends
    the envelopes the bot could not store (database down) instead of dropping them."""
    from tests.integration.slack.conftest import socket_settings

    install_cipher(FieldCipher(KeyRing.generate()))
    down = Database("postgresql://127.0.0.1:1/needtoknow")  # nothing listens there
    platform = SlackPlatform(socket_settings(stand_in), database=down)
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        assert await asyncio.to_thread(stand_in.socket_connected.wait, 5)
        payload = {
            "type": "event_callback",
            "team_id": "T0TEST",
            "event_id": "Ev-sock-down",
            "event": message(),
        }
        stand_in.push(
            {"envelope_id": "env-down", "type": "events_api", "payload": payload, "retry_attempt": 0}
        )
        await asyncio.sleep(1.0)
        assert not [a for a in stand_in.acks if a.get("envelope_id") == "env-down"]
        assert core.attempts == []
    finally:
        await platform.stop()
        down.dispose()
    # The same envelope with a database that works is acknowledged (and handled).
    up = Database(f"sqlite:///{tmp_path}/up.db")
    up.upgrade()
    stand_in.socket_connected.clear()
    platform = SlackPlatform(socket_settings(stand_in), database=up)
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        assert await asyncio.to_thread(stand_in.socket_connected.wait, 5)
        stand_in.push({"envelope_id": "env-up", "type": "events_api", "payload": payload, "retry_attempt": 1})
        await core.wait(kind=MessagePosted)
        await _until(lambda: any(a.get("envelope_id") == "env-up" for a in stand_in.acks))
    finally:
        await platform.stop()
        up.dispose()
        install_cipher(None)


async def test_storing_a_request_before_its_ack_does_not_wait_for_the_default_thread_pool(db: Database) -> None:
    """``receive`` (the write an ack waits for) has threads of its own: with every thread of asyncio's
    default executor busy (``finish`` calls queued for SQLite's writer, a slow scan) it still stores
    the request at once."""
    import threading

    from bot.slack.inbox import NEW, DatabaseInbox

    inbox = DatabaseInbox(db)
    loop = asyncio.get_running_loop()
    release = threading.Event()
    busy = [loop.run_in_executor(None, release.wait, 30) for _ in range(64)]  # more than the pool has
    try:
        await asyncio.sleep(0.1)
        status, row = await asyncio.wait_for(inbox.receive("command:busy", "command", "{}", claim=True), 10)
        assert status == NEW and row is not None
    finally:
        release.set()
        await asyncio.gather(*busy)


async def test_effects_recorded_and_rows_finished_together_share_one_transaction(db: Database) -> None:
    """A burst's handlers reply and finish at about the same time: the effects of some rows and the
    finish of others are written in one transaction (one session), each caller still told its own
    outcome (a row whose claim was lost raises ``ClaimLost``)."""
    from bot.slack.inbox import NEW, ClaimLost, DatabaseInbox

    inbox = DatabaseInbox(db)
    rows = []
    for n in range(4):
        status, row = await inbox.receive(f"command:together-{n}", "command", "{}", claim=True)
        assert status == NEW and row is not None
        rows.append(row)
    stale = dataclasses.replace(rows[3], token="not-the-claim")
    sessions = 0
    real_session = db.session

    def counting_session(*args: Any, **kwargs: Any) -> Any:
        nonlocal sessions
        sessions += 1
        return real_session(*args, **kwargs)

    db.session = counting_session  # type: ignore[method-assign]
    try:
        outcomes = await asyncio.gather(
            inbox.record_effects(rows[0], "1"),
            inbox.finish(rows[1]),
            inbox.record_effects(rows[2], "10"),
            inbox.finish(rows[2]),
            inbox.finish(stale),
            return_exceptions=True,
        )
    finally:
        db.session = real_session  # type: ignore[method-assign]
    assert outcomes[:4] == [None, None, None, None]
    assert isinstance(outcomes[4], ClaimLost)
    assert sessions == 1
    with db.session() as s:
        state = {r.id: (r.status, r.effects) for r in s.execute(select(InboxEntry)).scalars()}
    assert state[rows[0].id] == ("running", "1")
    assert state[rows[1].id] == ("done", "")
    assert state[rows[2].id] == ("done", "10")
    assert state[rows[3].id] == ("running", "")
