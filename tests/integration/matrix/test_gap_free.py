"""Gap-free, isolated, idempotent event handling against a real Synapse (adapter level).

The bot is stopped and restarted on the same store (sync token, event ledger, device); messages
sent meanwhile arrive as a ``limited`` sync timeline and must be backfilled. The ``RecordingApp``
records every neutral event it gets and redacts messages containing ``SECRET`` (like the PII guard).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nio import RoomSendResponse

from bot.events import Event, MessageEdited, MessagePosted
from bot.matrix import create_matrix_platform
from bot.matrix.ledger import FAILED, HANDLED
from bot.matrix.state import STATE_FILE
from bot.platform import UserRef
from tests.integration.matrix.helpers import (
    Member,
    RecordingApp,
    RunningBot,
    bot_settings,
    unique,
    wait_until,
)
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer


@dataclass
class FlakyApp(RecordingApp):
    """Raises for messages containing ``BOOM``; answers NOT_HANDLED (falsy) ``outage`` times first."""

    outage: int = 0
    not_handled: list[Event] = field(default_factory=list)

    async def dispatch(self, event: Event) -> Any:
        if self.outage > 0:
            self.outage -= 1
            self.not_handled.append(event)
            return False  # the core's Dispatched.NOT_HANDLED is falsy
        if isinstance(event, MessagePosted) and "BOOM" in event.text:
            raise RuntimeError("handler bug")
        await super().dispatch(event)
        return True


@dataclass
class World:
    server: SynapseServer
    bot_user: RegisteredUser
    alice: Member
    store: Path
    bot: RunningBot | None = None
    seen: list[Event] = field(default_factory=list)  # every event any incarnation of the bot got

    async def start_bot(self, app_type: type[RecordingApp] = FlakyApp, **settings: Any) -> RunningBot:
        base = bot_settings(self.server, self.bot_user, self.store, encryption=False)
        platform = create_matrix_platform(dataclasses.replace(base, **settings))
        app = app_type(platform, members={self.alice.user.user_id})
        app.events = self.seen
        self.bot = RunningBot(platform, app)
        await self.bot.start()
        return self.bot

    async def stop_bot(self) -> None:
        assert self.bot is not None
        await self.bot.stop()
        self.bot = None

    def texts(self) -> list[str]:
        return [e.text for e in self.seen if isinstance(e, MessagePosted)]


@pytest.fixture
async def world(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[World]:
    alice = Member(synapse, synapse.register(unique("alice")), tmp_path / "alice")
    await alice.start()
    w = World(synapse, synapse.register(unique("bot")), alice, tmp_path / "bot")
    try:
        yield w
    finally:
        if w.bot is not None:
            await w.bot.stop()
        await alice.stop()


async def room_with_bot(w: World, *, bot_power: int | None = 50, encrypted: bool = False) -> str:
    assert w.bot is not None
    levels = {w.bot_user.user_id: bot_power} if bot_power is not None else None
    room = await w.alice.create_room([w.bot_user.user_id], power_levels=levels, encrypted=encrypted)
    await wait_until(lambda: room in w.bot.platform.client.rooms if w.bot else False, what="the bot to join")
    return room


async def test_every_message_sent_while_the_bot_was_down_is_handled_once_in_order(world: World) -> None:
    await world.start_bot()
    room = await room_with_bot(world)
    await world.alice.send(room, "before the outage")
    await wait_until(lambda: "before the outage" in world.texts(), what="the first message")
    await world.stop_bot()

    sent = [f"message {i} while the bot was down" for i in range(25)]
    secret_ids = []
    for i, text in enumerate(sent):
        body = f"{text} SECRET" if i % 5 == 0 else text
        sent[i] = body
        event_id = await world.alice.send(room, body)
        if "SECRET" in body:
            secret_ids.append(event_id)

    bot = await world.start_bot()
    await wait_until(lambda: all(t in world.texts() for t in sent), timeout=30, what="every message handled")
    # Oldest first, each once (the sync timeline holds only the last 10: the rest came by backfill).
    assert world.texts() == ["before the outage", *sent]
    assert bot.platform.backfilled_count >= 15
    for event_id in secret_ids:  # the oldest ones included
        await world.alice.wait_for(lambda s, e=event_id: s.type == "m.room.redaction" and s.redacts == e)

    # Restarting again (and again replaying from an old token) handles nothing twice.
    await world.stop_bot()
    state = json.loads((world.store / STATE_FILE).read_text())
    state["next_batch"] = None
    await world.start_bot()
    await world.alice.send(room, "after the second restart")
    await wait_until(lambda: "after the second restart" in world.texts(), what="the new message")
    assert world.texts() == ["before the outage", *sent, "after the second restart"]


async def test_a_stale_sync_token_replays_nothing_twice(world: World) -> None:
    await world.start_bot()
    room = await room_with_bot(world)
    assert world.bot is not None
    old_token = world.bot.platform.state.next_batch
    for i in range(5):
        await world.alice.send(room, f"first round {i}")
    await wait_until(lambda: len(world.texts()) == 5, what="five messages")
    await world.stop_bot()
    # A crash after handling and before the token was saved: the next run syncs from the old token.
    state_path = world.store / STATE_FILE
    state = json.loads(state_path.read_text())
    state["next_batch"] = old_token
    state_path.write_text(json.dumps(state))
    bot = await world.start_bot()
    await world.alice.send(room, "second round")
    await wait_until(lambda: "second round" in world.texts(), what="the new message")
    assert world.texts() == [f"first round {i}" for i in range(5)] + ["second round"]
    assert bot.platform.replayed_count >= 5


MALFORMED: list[dict[str, Any]] = [
    {"msgtype": "m.text", "body": "relation is a string SECRET", "m.relates_to": "$nonsense"},
    {"msgtype": "m.text", "body": ["a", "list", "body", "SECRET"]},
    {"msgtype": "m.text", "body": 4155550199},
    {"msgtype": "m.text", "body": "clean plain body", "format": "org.matrix.custom.html",
     "formatted_body": "<b>SECRET</b> only in the HTML"},
    {"msgtype": "m.text", "body": "* edit with a string new content SECRET", "m.new_content": "oops",
     "m.relates_to": {"rel_type": "m.replace", "event_id": "ORIGINAL"}},
    {"msgtype": "m.text", "body": {"nested": {"deeper": "object body SECRET"}}},
    {"msgtype": "m.text", "body": "odd unicode \u202e\u200b\ufeff \U0001f600 SECRET " + "\u0301" * 50},
    {"msgtype": "m.text", "body": "huge " + "x " * 12000 + "SECRET"},
    {"msgtype": ["m.text"], "body": "msgtype is a list"},
    {"msgtype": "m.text", "body": "in_reply_to is a list", "m.relates_to": {"m.in_reply_to": ["$x"]}},
    {"msgtype": "m.text", "body": "BOOM makes the handler raise"},
]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_malformed_and_failing_events_do_not_hide_the_rest_of_the_batch(
    world: World, encrypted: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # Synapse refuses a non-string body in a plain room; inside an encrypted event it cannot check,
    # so the encrypted room gets every payload.
    await world.start_bot(encryption=encrypted)
    room = await room_with_bot(world, encrypted=encrypted)
    await world.stop_bot()  # everything below arrives in one sync batch after the restart

    original = await world.alice.send(room, "an ordinary message, edited below")
    pii_ids: list[str] = []
    sent = 0
    for i, content in enumerate(MALFORMED):
        content = json.loads(json.dumps(content).replace('"ORIGINAL"', json.dumps(original)))
        resp = await world.alice.client.room_send(room, "m.room.message", content, ignore_unverified_devices=True)
        if isinstance(resp, RoomSendResponse):
            sent += 1
            if "SECRET" in json.dumps(content):
                pii_ids.append(resp.event_id)
        else:
            assert not encrypted, (content.get("msgtype"), str(content.get("body"))[:40], resp.message)
        pii_ids.append(await world.alice.send(room, f"member PII {i} SECRET"))
    last = await world.alice.send(room, "the last message")
    assert sent >= (len(MALFORMED) if encrypted else 6)

    bot = await world.start_bot(encryption=encrypted)
    await wait_until(lambda: "the last message" in world.texts(), timeout=60, what="the batch to be handled")
    for event_id in pii_ids:
        await world.alice.wait_for(lambda s, e=event_id: s.type == "m.room.redaction" and s.redacts == e)
    assert bot.platform.ledger.status(last) == HANDLED
    # The handler bug is recorded as failed; the sync token still moved on past the batch.
    assert bot.platform.failed_count == 1
    assert bot.platform.ledger.counts().get(FAILED) == 1
    await wait_until(lambda: bot.platform.handled_count > 1, what="the batch to finish")
    # Scanned text of odd payloads: the list body and the HTML-only PII reached the guard.
    texts = world.texts()
    assert any("SECRET only in the HTML" in t for t in texts)
    if encrypted:
        assert any("SECRET" in t and "list" in t for t in texts)
        assert "4155550199" in texts
        edits = [e for e in world.seen if isinstance(e, MessageEdited)]
        assert len(edits) == 1 and "SECRET" in edits[0].text
    # Logs name the failed event (type, room, id), never what it said.
    assert "could not be handled (builtins.RuntimeError at " in caplog.text  # type and code location
    assert not [r for r in caplog.records if "SECRET" in r.getMessage() or "BOOM" in r.getMessage()]


async def test_pii_only_in_an_edits_fallback_body_is_caught(world: World) -> None:
    await world.start_bot()
    room = await room_with_bot(world)
    original = await world.alice.send(room, "meeting notes")
    edit = await world.alice.send_content(room, "m.room.message", {
        "msgtype": "m.text",
        "body": "* meeting notes SECRET",  # only clients without edit support show this
        "m.new_content": {"msgtype": "m.text", "body": "meeting notes"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    })
    await world.alice.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == original)
    await world.alice.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == edit)


async def test_an_app_that_cannot_take_an_event_gets_it_again_and_the_token_waits(world: World) -> None:
    bot = await world.start_bot()
    room = await room_with_bot(world)
    app = bot.app
    assert isinstance(app, FlakyApp)
    app.outage = 3  # the database is down for the next three attempts
    batches = bot.platform.handled_count
    await world.alice.send(room, "during the outage SECRET")
    saved = bot.platform.state.next_batch
    await wait_until(lambda: len(app.not_handled) == 2, what="two refused attempts")
    # While the app cannot take it, the batch is unfinished and its sync token is not saved.
    assert (bot.platform.handled_count, bot.platform.state.next_batch) == (batches, saved)
    await wait_until(lambda: "during the outage SECRET" in world.texts(), what="the retry to succeed")
    await wait_until(lambda: bot.platform.handled_count > batches, what="the batch to finish")
    assert len(app.not_handled) == 3
    assert world.texts().count("during the outage SECRET") == 1


async def test_history_older_than_the_horizon_is_reported_not_scanned(world: World) -> None:
    await world.start_bot()
    room = await room_with_bot(world)
    await world.stop_bot()
    for i in range(15):
        await world.alice.send(room, f"old {i}")
    await asyncio.sleep(2.5)
    # A two-second horizon (the setting's minimum is an hour; set directly here to make the test fast).
    bot = await world.start_bot(backfill_horizon_seconds=2)
    await wait_until(lambda: bot.platform.horizon_hits == 1, what="the horizon to be reported")
    await world.alice.send(room, "new")
    await wait_until(lambda: "new" in world.texts(), what="the new message")
    # The sync's own timeline (the last 10) is handled; the older 5 are beyond the horizon.
    assert world.texts() == [f"old {i}" for i in range(5, 15)] + ["new"]


async def test_only_users_on_member_domains_can_be_members(world: World, tmp_path: Path) -> None:
    # The test homeserver does not federate, so "another server" is simulated by configuring the
    # member domains to exclude it: alice (listed as a member by id) is then a stranger.
    await world.start_bot(member_domains=("example.org",))
    room = await world.alice.create_room([world.bot_user.user_id])
    await world.alice.wait_for(lambda s: s.room_id == room and s.type == "m.room.member"
                               and s.content.get("membership") == "leave" and s.sender == world.bot_user.user_id)
    await world.stop_bot()

    bot = await world.start_bot()  # default: the bot's own server
    platform = bot.platform
    assert platform.user_ref(world.alice.user.user_id) == world.alice.ref
    stranger = platform.user_ref("@" + world.alice.user.user_id.split(":")[0][1:] + ":elsewhere.example")
    assert stranger.id.startswith("external:") and stranger != UserRef("matrix", world.alice.user.user_id)
    room = await room_with_bot(world)
    await world.alice.send(room, "hello")
    await wait_until(lambda: "hello" in world.texts(), what="the message")
    assert world.seen[-1].user == world.alice.ref


async def test_upgrading_a_store_from_before_the_ledger_does_not_replay_history(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.matrix.ledger import LEDGER_FILE
    from bot.matrix.platform import MatrixPlatform

    monkeypatch.setattr(MatrixPlatform, "legacy_skew_seconds", 0.0)  # one host: no clock skew
    await world.start_bot()
    room = await room_with_bot(world)
    old = [f"handled before the upgrade {i}" for i in range(15)]
    for text in old:
        await world.alice.send(room, text)
    await wait_until(lambda: world.texts() == old, what="the old messages")
    await world.stop_bot()
    (world.store / LEDGER_FILE).unlink()  # the previous version had no ledger
    await asyncio.sleep(1.1)  # origin timestamps after the state file's last save
    new = [f"sent during the upgrade {i}" for i in range(15)]
    for text in new:
        await world.alice.send(room, text)
    await world.start_bot()
    await wait_until(lambda: all(t in world.texts() for t in new), timeout=30, what="the new messages")
    assert world.texts() == old + new
