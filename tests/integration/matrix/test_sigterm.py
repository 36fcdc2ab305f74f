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

from tests.integration.matrix.helpers import Member, wait_until
from tests.integration.matrix.synapse import SynapseServer
from tests.integration.matrix.test_kill9 import Outcome, bot_in_room, members, pii_text  # noqa: F401


@pytest.mark.slow
async def test_sigterm_while_messages_flow_drains_loses_nothing_and_doubles_nothing(
    synapse: SynapseServer, members: dict[str, Member], tmp_path: Path  # noqa: F811
) -> None:
    nina = members["nina"]
    bot_id, room, bot = await bot_in_room(synapse, members, tmp_path)
    seen = Outcome(members, bot_id, room)
    try:
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

        await wait_until(lambda: set(pii) <= seen.redacted(), timeout=180, what="all PII removed")
        await wait_until(lambda: len(seen.reposts()) >= len(pii) and len(seen.warnings()) >= len(pii),
                         timeout=300,
                         what=f"every repost and warning (log {bot.log})")
        await asyncio.sleep(5)
        log = bot.log.read_text(errors="replace")
        assert codes == [0, 0], (codes, log[-3000:])
        assert seen.redacted() == set(pii)
        assert len(seen.reposts()) == len(set(seen.reposts())) == len(pii), seen.reposts()
        assert len(seen.warnings()) == len(set(seen.warnings())) == len(pii), seen.warnings()
    finally:
        bot.stop()
