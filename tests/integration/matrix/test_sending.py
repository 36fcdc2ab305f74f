"""Outbound Matrix sends against a real Synapse: idempotent re-sends (transaction ids)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.platform import ChannelRef
from tests.integration.matrix.helpers import Member, RunningBot, make_bot, unique, wait_until
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer


@dataclass
class World:
    server: SynapseServer
    bot_user: RegisteredUser
    bot: RunningBot
    alice: Member
    store: Path


@pytest.fixture
async def world(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[World]:
    bot_user = synapse.register(unique("bot"))
    alice = Member(synapse, synapse.register(unique("alice")), tmp_path / "alice")
    await alice.start()
    bot = make_bot(synapse, bot_user, tmp_path / "bot", {alice.user.user_id})
    await bot.start()
    w = World(synapse, bot_user, bot, alice, tmp_path / "bot")
    try:
        yield w
    finally:
        await w.bot.stop()
        await alice.stop()


async def joined_room(w: World, *, encrypted: bool = False) -> str:
    room_id = await w.alice.create_room([w.bot_user.user_id], encrypted=encrypted)
    await wait_until(lambda: room_id in w.bot.platform.client.rooms, what="bot to know the room")
    return room_id


def bodies(w: World, room: str, text: str) -> list[str]:
    return [s.event_id for s in w.alice.notices_from(w.bot_user.user_id, room) if s.content.get("body") == text]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_resend_after_a_crash_with_the_same_outbox_key_posts_nothing_new(
    world: World, encrypted: bool
) -> None:
    room = await joined_room(world, encrypted=encrypted)
    channel = ChannelRef("matrix", room)
    first = await world.bot.platform.post(channel, "Reminder: release R-7 expires Friday", idempotency_key="rel:R-7:3d")

    # The bot dies between the send and marking the outbox row sent; a new process (same account
    # and device, new client, new connection) sends the row again.
    await world.bot.stop()
    world.bot = make_bot(world.server, world.bot_user, world.store, {world.alice.user.user_id})
    await world.bot.start()
    await wait_until(lambda: room in world.bot.platform.client.rooms, what="the restarted bot to know the room")
    again = await world.bot.platform.post(channel, "Reminder: release R-7 expires Friday", idempotency_key="rel:R-7:3d")
    assert again.id == first.id

    # A different key is a different message.
    other = await world.bot.platform.post(channel, "Reminder: release R-7 expires Friday", idempotency_key="rel:R-7:1d")
    assert other.id != first.id
    await world.alice.wait_for(lambda s: s.event_id == other.id)
    assert bodies(world, room, "Reminder: release R-7 expires Friday") == [first.id, other.id]


async def test_the_same_key_in_a_dm_is_one_message(world: World) -> None:
    first = await world.bot.platform.send_dm(world.alice.ref, "Your tip T-0042 was received", idempotency_key="tip:42:ack")
    again = await world.bot.platform.send_dm(world.alice.ref, "Your tip T-0042 was received", idempotency_key="tip:42:ack")
    assert again == first
    await world.alice.wait_for(lambda s: s.event_id == first.id)
    marker = await world.bot.platform.send_dm(world.alice.ref, "marker")
    await world.alice.wait_for(lambda s: s.event_id == marker.id)
    assert bodies(world, first.channel.id, "Your tip T-0042 was received") == [first.id]
