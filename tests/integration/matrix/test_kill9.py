"""``kill -9`` at random points while messages flow: ``needtoknow run`` (the real CLI, the real
engine, SQLite) in a subprocess against the test Synapse, killed with SIGKILL three times while a
member keeps posting into a ``redact`` room, restarted each time. Nothing may be lost (every PII
message redacted and its poster told) and nothing doubled (one repost and one warning per message).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.matrix.helpers import Member, stop_process, unique, wait_until
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer

ROOT = Path(__file__).resolve().parents[3]
REPOST = "wrote (PII removed by needtoknow)"


@pytest.fixture
async def members(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[dict[str, Member]]:
    people = {h: Member(synapse, synapse.register(unique(h)), tmp_path / h) for h in ("nina", "omar")}
    await asyncio.gather(*(m.start() for m in people.values()))
    yield people
    await asyncio.gather(*(m.stop() for m in people.values()))


def write_config(tmp_path: Path, server: SynapseServer, bot: RegisteredUser, people: dict[str, Member],
                 room: str) -> Path:
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[bot]\nplatform = "matrix"\n'
        f'[database]\nurl = "sqlite:///{tmp_path}/ntk.db"\n'
        f'[security]\nkey_file = "{keyfile}"\n'
        f'[matrix]\nhomeserver = "{server.url}"\nuser_id = "{bot.user_id}"\nstore_path = "{tmp_path}/store"\n'
        "encryption = false\nsync_timeout_ms = 1000\n"
        '[[agencies]]\nkey = "hsi"\nname = "HSI"\nkind = "law_enforcement"\n'
        '[[agencies]]\nkey = "tfc"\nname = "Task Force Coordination Office"\nkind = "coordination"\n'
        '[[members]]\nhandle = "nina"\nname = "Nina Sato"\nagency = "hsi"\n'
        f'discipline = "law_enforcement"\nmatrix_id = "{people["nina"].user.user_id}"\n'
        '[[members]]\nhandle = "omar"\nname = "Omar Haddad"\nagency = "tfc"\ndiscipline = "coordinator"\n'
        f'roles = ["core_team", "admin"]\nmatrix_id = "{people["omar"].user.user_id}"\n'
        f'[[channels]]\nname = "core-team"\npii_policy = "redact"\nmatrix_id = "{room}"\n'
        # A send in flight when the process died is retried once its lease lapses (with the same
        # transaction id, so the server never posts it twice); a short lease keeps the test short.
        "[scheduler]\noutbox_lease_seconds = 10\noutbox_seconds = 1\n"
    )
    return cfg


class Bot:
    def __init__(self, cfg: Path, bot: RegisteredUser, log: Path) -> None:
        self.cfg, self.bot, self.log = cfg, bot, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIX_")}
        env["MATRIX_PASSWORD"] = self.bot.password
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(self.cfg), "run"],
                                         cwd=ROOT, env=env, stdout=out, stderr=out)
        self.starts += 1

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        stop_process(self.proc)


_FRUIT = ("apple", "pear", "plum", "fig", "lime", "kiwi", "lemon", "melon", "grape", "peach")
_COLOUR = ("red", "blue", "green", "gold", "gray", "pink", "teal", "tan", "navy", "olive", "rust", "sand")


def pii_text(i: int) -> str:
    # Distinct words rather than numbers, so the masked texts stay distinct (numbers may be masked).
    tag = f"{_COLOUR[i // len(_FRUIT) % len(_COLOUR)]} {_FRUIT[i % len(_FRUIT)]}"
    return f"Update on the {tag} file: the client can be reached at 312-555-{1000 + i} or client{i}@example.com"


async def bot_in_room(synapse: SynapseServer, members: dict[str, Member], tmp_path: Path) -> tuple[str, str, Bot]:
    """A bot user in a new room with nina (who made it) and omar, its ``needtoknow run`` started and joined:
    ``(bot user id, room id, bot)``. The bot is stopped if it never joins."""
    nina, omar = members["nina"], members["omar"]
    bot_user = synapse.register(unique("ntkbot"))
    room = await nina.create_room([bot_user.user_id, omar.user.user_id], power_levels={bot_user.user_id: 50})
    bot = Bot(write_config(tmp_path, synapse, bot_user, members, room), bot_user, tmp_path / "bot.log")
    bot.start()
    try:
        await nina.wait_for(lambda s: s.room_id == room and s.type == "m.room.member" and s.sender == bot_user.user_id
                            and s.content.get("membership") == "join", timeout=90)
    except BaseException:
        bot.stop()
        raise
    return bot_user.user_id, room, bot


class Outcome:
    """What the members saw of the bot in ``room``: the messages removed (as omar saw them), the notices that told
    nina (the poster) her message was removed, and the reposts omar saw."""

    def __init__(self, members: dict[str, Member], bot_id: str, room: str) -> None:
        self.nina, self.omar, self.bot_id, self.room = members["nina"], members["omar"], bot_id, room

    def redacted(self) -> set[str]:
        return {s.redacts for s in self.omar.seen if s.room_id == self.room and s.type == "m.room.redaction"
                and s.redacts}

    def warnings(self) -> list[str]:
        return [str(s.content.get("body", "")) for s in self.nina.notices_from(self.bot_id)
                if "I removed your message" in s.content.get("body", "")]

    def reposts(self) -> list[str]:
        return [str(s.content.get("body", "")) for s in self.omar.notices_from(self.bot_id, self.room)
                if REPOST in s.content.get("body", "")]


@pytest.mark.slow
async def test_kill_9_at_random_points_loses_nothing_and_doubles_nothing(
    synapse: SynapseServer, members: dict[str, Member], tmp_path: Path
) -> None:
    nina = members["nina"]
    bot_id, room, bot = await bot_in_room(synapse, members, tmp_path)
    seen = Outcome(members, bot_id, room)
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    try:
        pii: list[str] = []
        total = 36
        kills = sorted(rng.sample(range(3, total - 3), 3))
        for i in range(total):
            if i % 2 == 0:
                pii.append(await nina.send(room, pii_text(i)))
            else:
                await nina.send(room, "Reminder: the quarterly review moves to the large conference room")
            if i in kills:
                # Killed at a random moment: mid-scan, mid-redaction, mid-repost or idle.
                await asyncio.sleep(rng.uniform(0.0, 2.5))
                bot.kill9()
                await asyncio.sleep(rng.uniform(0.2, 2.0))
                bot.start()
            else:
                await asyncio.sleep(rng.uniform(0.05, 0.4))

        await wait_until(lambda: set(pii) <= seen.redacted(), timeout=240,
                         what=f"all PII removed (kills after {kills})")
        # After a kill the restarted bot meets the removed messages again and releases what was held for
        # them at once; a send the kill cut off waits for its lease (10 s here). The guard's hold (2 min)
        # is only the fallback for a message never met again (docs/architecture.md, Matrix).
        last_start = time.monotonic()
        await wait_until(lambda: len(seen.reposts()) >= len(pii) and len(seen.warnings()) >= len(pii),
                         timeout=240,
                         what=f"every repost and warning (kills after {kills}; log {bot.log})")
        told_after = time.monotonic() - last_start
        await asyncio.sleep(15)  # past the lease: a second copy of a cut-off send would show now
        print(f"kills after messages {kills}: {len(pii)} PII messages, {len(seen.redacted())} removed, "
              f"{len(seen.reposts())} reposts ({len(set(seen.reposts()))} distinct), "
              f"{len(seen.warnings())} notices ({len(set(seen.warnings()))} distinct); all told {told_after:.0f} s after the last message")
        assert bot.starts == 4
        assert seen.redacted() == set(pii)
        assert len(seen.reposts()) == len(set(seen.reposts())) == len(pii), kills
        assert len(seen.warnings()) == len(set(seen.warnings())) == len(pii), kills
    finally:
        bot.stop()
