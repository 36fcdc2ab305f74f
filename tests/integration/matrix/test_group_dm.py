"""A room a member invites the bot to as "direct" is the member's private channel with the bot only
while nobody else is in it, on a real Synapse with the real app.

Found by probing: a member started a group DM (``is_direct``) with the bot and a colleague. The bot
took it for the member's DM with it: PII posted there was never scanned, and the bot's private
messages to the member (PII warnings with the masked text; for a point person, tips) went into a
room the colleague reads.
"""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomCreateResponse

from tests.integration.matrix import test_faults
from tests.integration.matrix.helpers import wait_until
from tests.integration.matrix.test_faults import Deployment, settle

deployment = test_faults.deployment
redactor = test_faults.redactor


@pytest.mark.slow
async def test_a_group_dm_is_a_group_room_and_private_messages_never_go_there(deployment: Deployment) -> None:
    d = deployment
    bot = await d.start()
    room = await d.room()
    nina, omar = d["nina"], d["omar"]
    resp = await nina.client.room_create(is_direct=True, invite=[d.bot_id, omar.user.user_id])
    assert isinstance(resp, RoomCreateResponse)
    group = str(resp.room_id)
    await wait_until(lambda: group in bot.platform.client.rooms and group in omar.client.rooms
                     and omar.user.user_id in bot.platform.client.rooms[group].users, what="everyone in the group DM")
    await asyncio.sleep(1)
    assert not bot.platform.channel(group).is_direct

    await nina.send(group, "Maria Lopez 312-555-0166 is the client we discussed")
    await nina.send(room, "Update: the client can be reached at 312-555-0177, Maria Lopez")
    await wait_until(lambda: sum("I removed your message" in b or "looks like it contains" in b
                                 for b in d.bot_dms("nina")) >= 2, timeout=60,
                     what="nina to be told about both messages, privately")
    await settle(d)
    from_bot_in_group = [s for s in omar.seen if s.room_id == group and s.sender == d.bot_id
                         and s.type == "m.room.message"]
    assert from_bot_in_group == [], [s.content.get("body", "")[:80] for s in from_bot_in_group]
    # The message in the group DM was scanned like any group room's (warned: the default policy).
    assert any("looks like it contains" in b for b in d.bot_dms("nina"))
    dm = bot.platform.state.dm_rooms[nina.user.user_id]
    assert dm != group and set(bot.platform.client.rooms[dm].users) <= {d.bot_id, nina.user.user_id}
