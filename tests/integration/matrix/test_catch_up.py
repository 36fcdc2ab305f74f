"""Catching up: live PII is removed while the ordered handling is far behind (real Synapse).

The ``CatchingUpApp``'s ordered handling can be held up (as the real app's is by a backlog: a scan,
a redaction, a repost and a notice per message) and, like ``App.remove_pii_first``, removes messages
containing ``SECRET`` as soon as the adapter hands them over on arrival.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.events import Event, MessageEdited, MessagePosted
from bot.matrix import create_matrix_platform
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
class CatchingUpApp(RecordingApp):
    """``SECRET`` messages are removed on arrival; the ordered handling can be held up (``held``)."""

    removed_on_arrival: list[str] = field(default_factory=list)
    stopping: bool = False
    not_handled: int = 0
    held: asyncio.Event | None = None  # set: the ordered handling waits until it is set

    async def remove_pii_first(self, events: Sequence[Event], *, concurrency: int | None = None) -> int:
        removed = 0
        for event in events:
            if isinstance(event, MessagePosted) and "SECRET" in event.text:
                if await self.platform.redact(event.message, "Removed: personal information"):
                    self.removed_on_arrival.append(event.message.id)
                    removed += 1
        return removed

    async def dispatch(self, event: Event) -> Any:
        if self.stopping:
            self.not_handled += 1
            return False  # the core's Dispatched.NOT_HANDLED while it shuts down
        if self.held is not None:
            await self.held.wait()
        if isinstance(event, MessagePosted | MessageEdited) and event.message.id in self.removed_on_arrival:
            self.events.append(event)
            return True
        await super().dispatch(event)
        return True


@dataclass
class World:
    server: SynapseServer
    alice: Member
    bot_user: RegisteredUser
    store: Path
    bot: RunningBot = field(init=False)
    app: CatchingUpApp = field(init=False)

    async def start_bot(self) -> None:
        settings = bot_settings(self.server, self.bot_user, self.store, encryption=False)
        platform = create_matrix_platform(settings)
        self.app = CatchingUpApp(platform, members={self.alice.user.user_id})
        self.bot = RunningBot(platform, self.app)
        await self.bot.start()


@pytest.fixture
async def world(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[World]:
    alice = Member(synapse, synapse.register(unique("alice")), tmp_path / "alice")
    await alice.start()
    w = World(synapse, alice, synapse.register(unique("bot")), tmp_path / "bot")
    await w.start_bot()
    try:
        yield w
    finally:
        await w.bot.stop()
        await alice.stop()


async def test_live_pii_is_removed_while_the_ordered_handling_is_far_behind(world: World) -> None:
    room = await world.alice.create_room([world.bot_user.user_id], power_levels={world.bot_user.user_id: 50})
    await wait_until(lambda: room in world.bot.platform.client.rooms, what="the bot to join")
    world.app.held = asyncio.Event()  # the ordered handling stalls on its next event
    # Many small sync batches (a message or two each): more than a queue of batches would hold.
    for i in range(150):
        await world.alice.send(room, f"busy room, message {i}")
    await asyncio.sleep(1.0)  # the bot has synced them all
    started = time.monotonic()
    live = await world.alice.send(room, "call me on SECRET")
    await world.alice.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == live, timeout=10)
    assert time.monotonic() - started < 10
    # Removed on arrival, while the ordered handling is still on the first of the 150.
    assert live in world.app.removed_on_arrival
    assert [e for e in world.app.events if isinstance(e, MessagePosted)] == []

    # The ordered handling then gets every event, once, in order, and does not redact it again.
    world.app.held.set()
    await wait_until(lambda: any(isinstance(e, MessagePosted) and e.message.id == live for e in world.app.events),
                     timeout=120, what="the ordered handling to catch up")
    handled = [e.text for e in world.app.events if isinstance(e, MessagePosted)]
    assert handled == [*(f"busy room, message {i}" for i in range(150)), "call me on SECRET"]
    assert world.app.redactions == []


async def test_a_shutting_down_app_leaves_the_batch_for_the_next_start_without_retrying(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    room = await world.alice.create_room([world.bot_user.user_id])
    await wait_until(lambda: room in world.bot.platform.client.rooms, what="the bot to join")
    world.app.stopping = True  # as after SIGTERM: every event is answered NOT_HANDLED
    with caplog.at_level(logging.INFO, logger="bot.matrix.platform"):
        event_id = await world.alice.send(room, "sent while the bot shuts down")
        await wait_until(lambda: world.app.not_handled >= 1, what="the event offered to the app")
        handled_batches = world.bot.platform.handled_count
        await asyncio.sleep(2.0)  # retries would have come by now (backoff starts at 0.5 s)
    assert world.app.not_handled == 1
    assert "database unavailable" not in caplog.text
    assert "left for the next start" in caplog.text
    # The batch is unfinished: its sync token is not saved, and the event is not in the ledger.
    assert world.bot.platform.handled_count == handled_batches
    assert world.bot.platform.ledger.status(event_id) is None

    # The next start handles it, once.
    await world.bot.stop()
    await world.start_bot()
    await wait_until(lambda: [e.text for e in world.app.of_type(MessagePosted)] == ["sent while the bot shuts down"],
                     what="the event handled by the next start")
