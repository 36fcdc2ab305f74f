"""SIGTERM while messages flow: ``needtoknow run`` (the real CLI, the real engine, SQLite) in a subprocess
against the test Synapse, stopped with SIGTERM twice while a member keeps posting into a ``redact`` room
and started again. Each stop must drain (exit 0 with its shutdown line); nothing may be lost (every PII
message removed, reposted and its poster told) and nothing doubled: a drained stop leaves nothing for
the at-least-once paths to send again (docs/architecture.md, "Start-up and shutdown", Matrix table).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.matrix.helpers import Member, unique, wait_until
from tests.integration.matrix.synapse import SynapseServer
from tests.integration.matrix.test_kill9 import REPOST, Bot, members, pii_text, write_config  # noqa: F401


@pytest.mark.slow
async def test_sigterm_while_messages_flow_drains_loses_nothing_and_doubles_nothing(
    synapse: SynapseServer, members: dict[str, Member], tmp_path: Path  # noqa: F811
) -> None:
    nina, omar = members["nina"], members["omar"]
    bot_user = synapse.register(unique("ntkbot"))
    room = await nina.create_room([bot_user.user_id, omar.user.user_id], power_levels={bot_user.user_id: 50})
    bot = Bot(write_config(tmp_path, synapse, bot_user, members, room), bot_user, tmp_path / "bot.log")
    bot.start()
    try:
        await nina.wait_for(lambda s: s.room_id == room and s.type == "m.room.member" and s.sender == bot_user.user_id
                            and s.content.get("membership") == "join", timeout=90)
        pii: list[str] = []
        stops = (7, 15)
        codes = []
        for i in range(24):
            if i % 2 == 0:
                pii.append(await nina.send(room, pii_text(i)))
            else:
                await nina.send(room, "Reminder: the quarterly review moves to the large conference room")
            if i in stops:
                await asyncio.sleep(0.3)  # mid-handling of the last few
                assert bot.proc is not None
                bot.proc.terminate()
                codes.append(bot.proc.wait(timeout=60))
                await asyncio.sleep(0.5)
                bot.start()
            else:
                await asyncio.sleep(0.2)

        def redacted() -> set[str]:
            return {s.redacts for s in omar.seen if s.room_id == room and s.type == "m.room.redaction" and s.redacts}

        def warnings() -> list[str]:
            return [str(s.content.get("body", "")) for s in nina.notices_from(bot_user.user_id)
                    if "I removed your message" in s.content.get("body", "")]

        def reposts() -> list[str]:
            return [str(s.content.get("body", "")) for s in omar.notices_from(bot_user.user_id, room)
                    if REPOST in s.content.get("body", "")]

        await wait_until(lambda: set(pii) <= redacted(), timeout=180, what="all PII removed")
        await wait_until(lambda: len(reposts()) >= len(pii) and len(warnings()) >= len(pii), timeout=300,
                         what=f"every repost and warning (log {bot.log})")
        await asyncio.sleep(5)
        log = bot.log.read_text(errors="replace")
        assert codes == [0, 0], (codes, log[-3000:])
        assert redacted() == set(pii)
        assert len(reposts()) == len(set(reposts())) == len(pii), reposts()
        assert len(warnings()) == len(set(warnings())) == len(pii), warnings()
    finally:
        bot.stop()
