"""Outbound Matrix sends against a real Synapse: idempotent re-sends (transaction ids)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nio import RoomSendResponse

from bot.platform import ChannelRef, PlatformError
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


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_message_over_the_event_size_limit_arrives_whole_in_numbered_parts(
    world: World, encrypted: bool
) -> None:
    room = await joined_room(world, encrypted=encrypted)
    # HTML-special characters make formatted_body several times longer than body.
    text = "\n".join(f"line {i}: \"quoted\" <tag> & more — é" for i in range(4000))
    ref = await world.bot.platform.post(ChannelRef("matrix", room), text, idempotency_key="big:1")
    first = await world.alice.wait_for(lambda s: s.event_id == ref.id, timeout=30)
    n = int(first.content["body"].split(" ", 1)[0].strip("()").split("/")[1])
    assert n > 1
    parts: list[Any] = []
    for _ in range(100):
        parts = [s for s in world.alice.notices_from(world.bot_user.user_id, room)
                 if s.content.get("body", "").startswith("(")]
        if len(parts) == n:
            break
        await asyncio.sleep(0.2)
    assert [p.content["body"].split(" ", 1)[0] for p in parts] == [f"({i}/{n})" for i in range(1, n + 1)]
    joined = "\n".join(p.content["body"].split(" ", 1)[1] for p in parts)
    assert joined.split() == text.split()
    # Re-sending under the same key posts none of the parts again.
    again = await world.bot.platform.post(ChannelRef("matrix", room), text, idempotency_key="big:1")
    assert again.id == ref.id


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_the_content_budgets_fit_the_servers_limit(world: World, encrypted: bool) -> None:
    """A message exactly at the budget is accepted by Synapse; one far over it is refused with
    M_TOO_LARGE, which the adapter reports as permanent (retrying cannot help)."""
    from bot.matrix import text as mtext

    room = await joined_room(world, encrypted=encrypted)
    budget = mtext.ENCRYPTED_CONTENT_BUDGET if encrypted else mtext.CONTENT_BUDGET
    content = {"msgtype": "m.notice", "body": "", "format": "org.matrix.custom.html", "formatted_body": "x"}
    # Non-ASCII on purpose: an encrypted event grows with matrix-nio's \\uXXXX escapes.
    content["body"] = "é" * ((budget - mtext.content_size(content, ascii_json=encrypted)) // (6 if encrypted else 2))
    assert budget - 6 < mtext.content_size(content, ascii_json=encrypted) <= budget
    client = world.bot.platform.client
    ok = await client.room_send(room, "m.room.message", content, ignore_unverified_devices=True)
    assert isinstance(ok, RoomSendResponse), ok

    old = mtext.CONTENT_BUDGET, mtext.ENCRYPTED_CONTENT_BUDGET
    mtext.CONTENT_BUDGET = mtext.ENCRYPTED_CONTENT_BUDGET = 10**9  # no splitting: the pre-fix behaviour
    try:
        with pytest.raises(PlatformError) as refused:
            await world.bot.platform.post(ChannelRef("matrix", room), "z" * 70_000)
    finally:
        mtext.CONTENT_BUDGET, mtext.ENCRYPTED_CONTENT_BUDGET = old
    assert "M_TOO_LARGE" in str(refused.value) and refused.value.transient is False
