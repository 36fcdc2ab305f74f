"""The Matrix adapter against a real Synapse, driven by a second real matrix-nio client."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.events import ButtonPressed, CommandInvoked, MessageEdited, MessagePosted
from bot.matrix.state import STATE_FILE
from bot.platform import ChannelRef, MessageRef
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
    try:
        yield World(synapse, bot_user, bot, alice, tmp_path / "bot")
    finally:
        await bot.stop()
        await alice.stop()


async def joined_room(w: World, *, encrypted: bool = False, bot_power: int | None = None) -> str:
    levels = {w.bot_user.user_id: bot_power} if bot_power is not None else None
    room_id = await w.alice.create_room([w.bot_user.user_id], encrypted=encrypted, power_levels=levels)
    await w.alice.wait_for(lambda s: s.room_id == room_id and s.type == "m.room.member"
                           and s.content.get("membership") == "join" and s.sender == w.bot_user.user_id)
    await wait_until(lambda: room_id in w.bot.platform.client.rooms, what="bot to know the room")
    return room_id


async def test_help_command_is_answered_with_a_notice(world: World) -> None:
    room = await joined_room(world)
    await world.alice.send(room, "!help")
    reply = await world.alice.wait_for(lambda s: s.room_id == room and s.sender == world.bot_user.user_id
                                       and s.content.get("msgtype") == "m.notice")
    assert "commands" in reply.content["body"]
    command = world.bot.app.of_type(CommandInvoked)[0]
    assert (command.name, command.channel.is_direct) == ("help", False)
    assert command.message.id != ""


async def test_ntk_is_help_and_unknown_commands_get_a_hint(world: World) -> None:
    room = await joined_room(world)
    await world.alice.send(room, "!ntk")
    await world.alice.send(room, "!nonsense")
    await world.alice.wait_for(lambda s: s.room_id == room and "Unknown command" in s.content.get("body", ""))
    assert [c.name for c in world.bot.app.of_type(CommandInvoked)] == ["help"]


async def test_invite_from_a_stranger_is_declined(world: World, tmp_path: Path) -> None:
    stranger = Member(world.server, world.server.register(unique("stranger")), tmp_path / "stranger")
    await stranger.start()
    try:
        room = await stranger.create_room([world.bot_user.user_id])
        await stranger.wait_for(lambda s: s.room_id == room and s.type == "m.room.member"
                                and s.content.get("membership") == "leave" and s.sender == world.bot_user.user_id)
        assert room not in world.bot.platform.client.rooms
    finally:
        await stranger.stop()


async def test_dm_is_created_once_and_remembered(world: World) -> None:
    first = await world.bot.platform.send_dm(world.alice.ref, "hello from the bot")
    assert first.channel.is_direct
    await world.alice.wait_for(lambda s: s.event_id == first.id)
    second = await world.bot.platform.send_dm(world.alice.ref, "again")
    assert second.channel.id == first.channel.id
    saved = json.loads((world.store / STATE_FILE).read_text())
    assert saved["dm_rooms"] == {world.alice.user.user_id: first.channel.id}
    await world.alice.send(first.channel.id, "a reply in the DM")
    await wait_until(lambda: world.bot.app.of_type(MessagePosted), what="the DM message")
    posted = world.bot.app.of_type(MessagePosted)[0]
    assert posted.channel.is_direct and posted.channel.id == first.channel.id


async def test_guided_form_dialogue_reasks_bad_answers_and_submits(world: World) -> None:
    room = await joined_room(world)
    world.bot.app.reject_first_copies = True
    bot_id = world.bot_user.user_id
    await world.alice.send(room, "!release")
    q1 = await world.alice.wait_for(lambda s: s.sender == bot_id and "Client reference" in s.content.get("body", ""))
    dm = q1.room_id
    assert dm != room and world.bot.platform.channel(dm).is_direct

    async def answer(text: str, expect: str) -> None:
        count = len(world.alice.notices_from(bot_id, dm))
        await world.alice.send(dm, text)
        await world.alice.wait_for(lambda s: s.sender == bot_id and s.room_id == dm and expect in s.content.get("body", "")
                                   and len(world.alice.notices_from(bot_id, dm)) > count)

    await answer("C-1187", "Agency")
    await answer("9", "choose one of")  # no option 9: re-asked
    await answer("1", "Copies")
    await answer("lots", "must be a number")
    await answer("2", "Note")
    await answer("skip", "Copies")  # the app rejects copies once: only that field is re-asked
    assert world.bot.app.submissions == []
    await world.alice.send(dm, "3")
    await wait_until(lambda: world.bot.app.submissions, what="the form submission")
    values = world.bot.app.submissions[0].values
    assert values == {"client_ref": "C-1187", "agency": "hsi", "copies": 3, "note": None}
    assert world.bot.app.submissions[0].channel == ChannelRef("matrix", room)
    # Answers never leak into dispatched messages (the PII guard must not see DM answers).
    assert not [e for e in world.bot.app.of_type(MessagePosted) if "C-1187" in e.text]


async def test_form_prefilled_from_key_value_arguments(world: World) -> None:
    room = await joined_room(world)
    await world.alice.send(room, "!release client_ref=C-9 agency=FBI copies=1 note=-")
    await wait_until(lambda: world.bot.app.submissions, what="the one-line submission")
    assert world.bot.app.submissions[0].values["agency"] == "fbi"


async def test_form_cancel_aborts(world: World) -> None:
    room = await joined_room(world)
    await world.alice.send(room, "!release client_ref=C-2")
    q = await world.alice.wait_for(lambda s: "Agency" in s.content.get("body", ""))
    await world.alice.send(q.room_id, "cancel")
    await world.alice.wait_for(lambda s: "Cancelled" in s.content.get("body", ""))
    assert world.bot.app.submissions == [] and not world.bot.platform._dialogues


async def test_buttons_by_reaction_and_by_reply(world: World) -> None:
    room = await joined_room(world)
    await world.alice.send(room, "!case")
    menu = await world.alice.wait_for(lambda s: "Reply 1 to Acknowledge" in s.content.get("body", ""))
    await world.alice.react(room, menu.event_id, "2️⃣")
    await world.alice.send(room, "> <@bot> Case\n\n1", **{"m.relates_to": {"m.in_reply_to": {"event_id": menu.event_id}}})
    await wait_until(lambda: len(world.bot.app.of_type(ButtonPressed)) == 2, what="two button presses")
    pressed = world.bot.app.of_type(ButtonPressed)
    assert [(p.action_id, p.value) for p in pressed] == [("case.decline", "C-7"), ("case.ack", "C-7")]
    assert pressed[0].message == MessageRef(ChannelRef("matrix", room), menu.event_id)


async def test_redacts_another_members_message_and_its_edit_with_power(world: World) -> None:
    room = await joined_room(world, bot_power=50)
    original = await world.alice.send(room, "meeting at noon")
    edit = await world.alice.edit(room, original, "SECRET victim phone")
    redacted = set()
    for _ in range(2):
        seen = await world.alice.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts not in redacted
                                          and s.redacts in (original, edit))
        redacted.add(seen.redacts)
        assert seen.content.get("reason") == "Removed: personal information"
    assert redacted == {original, edit}
    assert world.bot.app.redactions == [True, True]
    edited = world.bot.app.of_type(MessageEdited)[0]
    assert (edited.message.id, edited.edit.id if edited.edit else None) == (original, edit)


async def test_redaction_without_power_returns_false(world: World) -> None:
    room = await joined_room(world)  # default power levels: the bot is at 0, redact needs 50
    await world.alice.send(room, "SECRET 555-0100")
    await wait_until(lambda: world.bot.app.redactions, what="the redaction attempt")
    assert world.bot.app.redactions == [False]


async def test_encrypted_room_command_is_read_and_answered(world: World) -> None:
    room = await joined_room(world, encrypted=True)
    assert world.bot.platform.client.rooms[room].encrypted
    await world.alice.send(room, "!help")
    reply = await world.alice.wait_for(lambda s: s.room_id == room and s.sender == world.bot_user.user_id
                                       and "commands" in s.content.get("body", ""), timeout=20)
    assert reply.content.get("msgtype") == "m.notice"
    assert world.bot.app.of_type(CommandInvoked)[0].channel.id == room


async def test_restarted_bot_does_not_replay_old_events(world: World) -> None:
    room = await joined_room(world)
    handled = await world.alice.send(room, "!help")
    await wait_until(lambda: world.bot.app.of_type(CommandInvoked), what="first command")
    # The sync token is saved once the batch holding the command is fully handled; a stop before
    # that re-delivers the batch (at-least-once), which the real app dedupes via App.first_time.
    handled_before = world.bot.platform.handled_count
    await wait_until(lambda: world.bot.platform.handled_count > handled_before, what="the batch to be saved")
    await world.bot.stop()
    saved = json.loads((world.store / STATE_FILE).read_text())
    assert saved["next_batch"]
    during = await world.alice.send(room, "!help")  # sent while the bot is down: new, so handled
    restarted = make_bot(world.server, world.bot_user, world.store, {world.alice.user.user_id})
    world.bot = restarted
    await restarted.start()
    after = await world.alice.send(room, "!help")
    await wait_until(lambda: len(restarted.app.of_type(CommandInvoked)) >= 2, what="the new commands")
    seen = [c.message.id for c in restarted.app.of_type(CommandInvoked)]
    # Events are handled concurrently, so their order is not guaranteed; a replay would add `handled`.
    assert sorted(seen) == sorted([during, after]) and handled not in seen


async def test_bot_reconnects_after_the_homeserver_restarts(world: World) -> None:
    room = await joined_room(world)
    world.server.restart()
    await world.alice.send(room, "!help")
    await wait_until(lambda: world.bot.app.of_type(CommandInvoked), timeout=60, what="a command after the restart")
    assert not world.bot.task.done()


async def test_redacts_in_a_private_room_the_bot_created(world: World) -> None:
    channel = await world.bot.platform.create_private_channel(unique("op-"), [world.alice.ref])
    await world.alice.wait_for(lambda s: s.room_id == channel.id and s.type == "m.room.member"
                               and s.sender == world.alice.user.user_id)
    assert world.bot.platform.client.rooms[channel.id].encrypted
    await wait_until(lambda: world.alice.user.user_id in world.bot.platform.client.rooms[channel.id].users,
                     what="alice to join")
    message = await world.alice.send(channel.id, "SECRET address")
    seen = await world.alice.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == message, timeout=20)
    assert seen.sender == world.bot_user.user_id
    assert world.bot.app.redactions == [True]
    members = await world.bot.platform.members(channel)
    assert [m.id for m in members] == [world.alice.user.user_id]


async def test_first_message_in_a_new_private_room_is_readable_by_every_invitee(
    world: World, tmp_path: Path
) -> None:
    """Synapse sends a new room's invites one by one; the bot must not share the first room key
    before it knows of every invitee (the last one invited could never read that message)."""
    others = [Member(world.server, world.server.register(unique(n)), tmp_path / n) for n in ("bob", "carol", "dora")]
    for m in others:
        await m.start()
    try:
        people = [world.alice, *others]
        channel = await world.bot.platform.create_private_channel(unique("meet-"), [m.ref for m in people])
        room = world.bot.platform.client.rooms[channel.id]
        assert {m.user.user_id for m in people} <= set(room.users) | set(room.invited_users)
        await world.bot.platform.post(channel, "first message")
        for m in people:
            seen = await m.wait_for(lambda s: s.room_id == channel.id and s.sender == world.bot_user.user_id
                                    and s.content.get("body") == "first message", timeout=20)
            assert seen.content["msgtype"] == "m.notice"
    finally:
        for m in others:
            await m.stop()


async def _bot_rooms_named(world: World, name: str) -> list[str]:
    """The rooms the bot is joined to whose name is ``name``, as the homeserver says (not nio's cache)."""
    client = world.bot.platform.client
    joined = await client.joined_rooms()
    found = []
    for room_id in joined.rooms:
        state = await client.room_get_state_event(room_id, "m.room.name")
        if getattr(state, "content", {}).get("name") == name:
            found.append(room_id)
    return found


async def test_a_keyed_private_room_is_created_once_and_reused_by_a_second_call(
    world: World, tmp_path: Path
) -> None:
    """A handler run again after a crash between creating the room and recording it (a case meeting)
    calls again with the same key: the room the first call made, with the member missing invited — not
    a second room. Before, every call made a new room."""
    from bot.platform import UserRef  # noqa: F401

    bob = Member(world.server, world.server.register(unique("bob")), tmp_path / "bob")
    await bob.start()
    try:
        name, key = unique("tip-t-0001-meeting-"), unique("tip-meeting:1:")
        first = await world.bot.platform.create_private_channel(name, [world.alice.ref], key=key)
        again = await world.bot.platform.create_private_channel(name, [world.alice.ref, bob.ref], key=key)
        assert again.id == first.id
        assert await _bot_rooms_named(world, name) == [first.id]
        await bob.wait_for(lambda s: s.room_id == first.id and s.type == "m.room.member"
                           and s.sender == bob.user.user_id, timeout=20)  # bob was invited (and joined)
    finally:
        await bob.stop()


async def test_a_keyed_private_room_is_never_one_someone_else_holds_the_alias_of(world: World) -> None:
    """Someone registered the alias first (with the bot in the room, even): that room is not the bot's,
    so it is not reused and nobody is invited into it; the next alias is taken, and a second call with
    the same key finds the room the bot made."""
    from bot.matrix.platform import _alias_part
    from bot.platform import room_tag

    name, key = unique("tip-t-0002-meeting-"), unique("tip-meeting:2:")
    alias = f"ntk-{_alias_part(name)}-{room_tag(key)}"
    squat = await world.alice.client.room_create(alias=alias, name=name, invite=[world.bot_user.user_id])
    await wait_until(lambda: squat.room_id in world.bot.platform.client.rooms, what="the bot to join alice's room")
    channel = await world.bot.platform.create_private_channel(name, [world.alice.ref], key=key)
    assert channel.id != squat.room_id
    server = world.bot_user.user_id.split(":", 1)[1]
    resolved = await world.bot.platform.client.room_resolve_alias(f"#{alias}-2:{server}")
    assert resolved.room_id == channel.id
    again = await world.bot.platform.create_private_channel(name, [world.alice.ref], key=key)
    assert again.id == channel.id


async def test_a_private_room_with_a_member_on_a_homeserver_that_does_not_answer_is_still_created(
    world: World,
) -> None:
    """A member whose homeserver is down (``@...:127.0.0.1:1``: the test Synapse really tries it) is
    skipped; the others are in the room. Before, the creation request failed (502) after the room was
    made, the member was told to press again, and each press left another room."""
    from bot.platform import UserRef

    name, key = unique("tip-t-0003-meeting-"), unique("tip-meeting:3:")
    ghost = UserRef("matrix", f"@{unique('ghost')}:127.0.0.1:1")
    channel = await world.bot.platform.create_private_channel(name, [ghost, world.alice.ref], key=key)
    await world.alice.wait_for(lambda s: s.room_id == channel.id and s.type == "m.room.member"
                               and s.sender == world.alice.user.user_id, timeout=20)
    assert await _bot_rooms_named(world, name) == [channel.id]


async def test_a_case_meetings_members_on_other_homeservers_are_invited_in_the_background_and_never_lost(
    world: World, tmp_path: Path
) -> None:
    """Inside batch handling (a "Set up case meeting" press), invites to members on other homeservers
    would hold every other event of the batch (about 4 s each when their server does not answer: 9.4 s
    for two, measured on the code before). They are kept in the state file and sent in the background;
    the room is there for the local members at once. An outbox message into the encrypted room waits
    for them (its room key would otherwise never reach them). A restart resumes what was pending."""
    from bot.matrix import platform as mplatform
    from bot.platform import PlatformError, UserRef

    ghosts = [UserRef("matrix", f"@{unique('ghost')}:127.0.0.1:1") for _ in range(2)]
    token = mplatform._REPLIES.set(mplatform._ReplyKeys("$an-event"))
    try:
        started = time.monotonic()
        channel = await world.bot.platform.create_private_channel(
            unique("tip-t-0004-meeting-"), [*ghosts, world.alice.ref], key=unique("tip-meeting:4:"))
        took = time.monotonic() - started
    finally:
        mplatform._REPLIES.reset(token)
    assert took < 3.0, took
    await world.alice.wait_for(lambda s: s.room_id == channel.id and s.type == "m.room.member"
                               and s.sender == world.alice.user.user_id, timeout=20)
    on_disk = json.loads((world.store / STATE_FILE).read_text())["pending_invites"]
    assert sorted(on_disk[channel.id]["users"]) == sorted(g.id for g in ghosts)
    with pytest.raises(PlatformError) as held:
        await world.bot.platform.post(channel, "Case meeting", idempotency_key="k-intro")
    assert held.value.transient

    # A restart (the process was killed with invites pending) sends what the state file lists.
    bob = Member(world.server, world.server.register(unique("bob")), tmp_path / "bob")
    await bob.start()
    first_bot = world.bot
    try:
        await world.bot.stop()
        state = json.loads((world.store / STATE_FILE).read_text())
        state["pending_invites"] = {channel.id: {"users": [bob.user.user_id], "since": time.time()}}
        (world.store / STATE_FILE).write_text(json.dumps(state))
        world.bot = make_bot(world.server, world.bot_user, world.store, {world.alice.user.user_id, bob.user.user_id})
        await world.bot.start()
        await bob.wait_for(lambda s: s.room_id == channel.id and s.type == "m.room.member"
                           and s.sender == bob.user.user_id, timeout=30)  # invited (and joined)
        await wait_until(lambda: channel.id not in world.bot.platform.state.pending_invites, what="nothing pending")
    finally:
        if world.bot is not first_bot:
            await world.bot.stop()
        await bob.stop()
