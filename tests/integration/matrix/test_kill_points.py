"""``kill -9`` at every step of removing a PII message, against the real Synapse.

``test_kill9.py`` kills the bot at random moments, which rarely land in the few milliseconds that
matter. Here the bot (the real ``needtoknow run``, SQLite, the real engine) kills itself with
SIGKILL right after the n-th *durable step* of one message's handling (``crash_at.py``: a database
commit that wrote, the homeserver accepting a send / redaction / room creation, the event ledger's
record, a new direct room saved), for n = 1, 2, ... until the handling has fewer steps than n. Each
case is a new poster, so each notice is a member's *first* DM (the room is opened by the outbox,
outside batch handling: the path that sent notices twice, issue 15). After each kill the bot is
started again.

Asserted for every kill point: the message is removed once, reposted once, its poster told once
(exactly-once on Matrix, docs/architecture.md), the bot kept one device (Synapse dedupes
transaction ids per device), and the poster is told within ``TOLD_WITHIN`` seconds of the restart —
not when the guard's hold lapses (the test shortens the hold to ``HOLD`` seconds, so a notice a hold
lapse would send twice shows up before the end).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.matrix.helpers import stop_process, unique
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer

ROOT = Path(__file__).resolve().parents[3]
REPOST = "wrote (PII removed by needtoknow)"
NOTICE = "I removed your message"
LEASE = 10  # [scheduler] outbox_lease_seconds: a send cut by the kill is retried after it
HOLD = 75  # the guard's hold, shortened from 2 minutes (NTK_REPOST_HOLD_SECONDS)
TOLD_WITHIN = 45.0  # seconds from the restarted bot's login to the poster's notice (lease + margin)
MAX_CASES = 40


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


class Api:
    """Client-server and admin API calls over real HTTP (no member client needs to sync)."""

    def __init__(self, server: SynapseServer) -> None:
        self.server = server
        self.admin = server.register(unique("admin"), admin=True)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Authorization", f"Bearer {token or self.admin.access_token}")
        with urllib.request.urlopen(req, timeout=20) as resp:
            return json.loads(resp.read() or b"{}")

    def send(self, user: RegisteredUser, room: str, body: str) -> str:
        path = f"/_matrix/client/v3/rooms/{q(room)}/send/m.room.message/{uuid.uuid4().hex}"
        return str(self.call("PUT", path, {"msgtype": "m.text", "body": body}, user.access_token)["event_id"])

    def events(self, room: str) -> list[dict[str, Any]]:
        """Every event of the room, oldest first (admin API: no membership needed)."""
        out: list[dict[str, Any]] = []
        token = ""
        while True:
            page = self.call("GET", f"/_synapse/admin/v1/rooms/{q(room)}/messages?dir=f&limit=500"
                             + (f"&from={q(token)}" if token else ""))
            out += page.get("chunk", [])
            if not page.get("chunk") or not page.get("end") or page.get("end") == token:
                return out
            token = page["end"]

    def rooms_of(self, user_id: str) -> list[str]:
        return list(self.call("GET", f"/_synapse/admin/v1/users/{q(user_id)}/joined_rooms")["joined_rooms"])

    def members(self, room: str) -> set[str]:
        """Joined members."""
        return set(self.call("GET", f"/_synapse/admin/v1/rooms/{q(room)}/members")["members"])

    def devices(self, user_id: str) -> list[str]:
        return [d["device_id"] for d in self.call("GET", f"/_synapse/admin/v2/users/{q(user_id)}/devices")["devices"]]


def write_config(tmp: Path, server: SynapseServer, bot: RegisteredUser, lead: RegisteredUser,
                 posters: list[RegisteredUser], room: str) -> Path:
    keyfile = tmp / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT,
                   capture_output=True)
    people = "".join(
        f'[[members]]\nhandle = "p{i}"\nname = "Poster {i}"\nagency = "hsi"\ndiscipline = "law_enforcement"\n'
        f'matrix_id = "{p.user_id}"\n'
        for i, p in enumerate(posters)
    )
    cfg = tmp / "config.toml"
    cfg.write_text(
        '[bot]\nplatform = "matrix"\n'
        f'[database]\nurl = "sqlite:///{tmp}/ntk.db"\n'
        f'[security]\nkey_file = "{keyfile}"\n'
        f'[matrix]\nhomeserver = "{server.url}"\nuser_id = "{bot.user_id}"\nstore_path = "{tmp}/store"\n'
        "encryption = false\nsync_timeout_ms = 1000\n"
        '[[agencies]]\nkey = "hsi"\nname = "HSI"\nkind = "law_enforcement"\n'
        '[[agencies]]\nkey = "tfc"\nname = "Task Force Coordination Office"\nkind = "coordination"\n'
        '[[members]]\nhandle = "lead"\nname = "Omar Haddad"\nagency = "tfc"\ndiscipline = "coordinator"\n'
        f'roles = ["core_team", "admin"]\nmatrix_id = "{lead.user_id}"\n'
        + people
        + f'[[channels]]\nname = "core-team"\npii_policy = "redact"\nmatrix_id = "{room}"\n'
        f"[scheduler]\noutbox_lease_seconds = {LEASE}\noutbox_seconds = 1\n"
    )
    return cfg


@dataclass
class Case:
    n: int
    poster: RegisteredUser
    tag: str
    event_id: str = ""
    steps: list[str] = field(default_factory=list)
    killed: bool = False
    killed_at: float = 0.0
    restarted_at: float = 0.0  # when the next process logged in


class Bot:
    def __init__(self, cfg: Path, bot: RegisteredUser, tmp: Path) -> None:
        self.cfg, self.bot, self.tmp = cfg, bot, tmp
        self.log = tmp / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, mark: str = "", at: int = 0, steps: Path | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "NTK_"))}
        env.update(MATRIX_PASSWORD=self.bot.password, NTK_CRASH_MARK=mark, NTK_CRASH_AT=str(at),
                   NTK_CRASH_LOG=str(steps or ""), NTK_REPOST_HOLD_SECONDS=str(HOLD))
        self.logins = self.log.read_text(errors="replace").count("matrix: logged in") if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.matrix.crash_at", "--config", str(self.cfg), "run"],
                cwd=ROOT, env=env, stdout=out, stderr=out)

    async def logged_in(self, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, f"the bot exited; see {self.log}"
            if self.log.read_text(errors="replace").count("matrix: logged in") > self.logins:
                return time.time()
            await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not log in within {timeout}s; see {self.log}")

    def stop(self) -> None:
        stop_process(self.proc)


def pii_text(tag: str) -> str:
    return f"Update on the {tag} file: the client can be reached at 312-555-0188 or client@example.com"


_FRUIT = ("apple", "pear", "plum", "fig", "lime", "kiwi", "lemon", "melon", "grape", "peach")
_COLOUR = ("red", "blue", "green", "gold", "gray", "pink", "teal", "tan", "navy", "olive", "rust", "sand")


def tag(n: int) -> str:
    # Plain words, distinct per case and kept by the masking (a random token may be masked as a handle).
    return f"{_COLOUR[n // len(_FRUIT) % len(_COLOUR)]} {_FRUIT[n % len(_FRUIT)]}"


@pytest.mark.slow
async def test_a_kill_at_any_step_of_a_removal_tells_the_poster_once_and_soon(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    api = Api(synapse)
    bot_user = synapse.register(unique("ntkbot"))
    lead = synapse.register(unique("lead"))
    posters = [synapse.register(unique(f"poster{i}-")) for i in range(MAX_CASES)]
    room = str(api.call("POST", "/_matrix/client/v3/createRoom", {
        "name": unique("core-"), "invite": [bot_user.user_id, *(p.user_id for p in posters)],
        "power_level_content_override": {"users": {bot_user.user_id: 50}},  # (v12: the creator is implicit)
    }, lead.access_token)["room_id"])
    for p in posters:
        api.call("POST", f"/_matrix/client/v3/join/{q(room)}", {}, p.access_token)
    bot = Bot(write_config(tmp_path, synapse, bot_user, lead, posters, room), bot_user, tmp_path)

    dm_members: dict[str, set[str]] = {}

    def dm_notices() -> dict[str, list[dict[str, Any]]]:
        """Per poster, the bot's removal notices in its direct rooms (however many rooms)."""
        told: dict[str, list[dict[str, Any]]] = {}
        for r in api.rooms_of(bot_user.user_id):
            if r == room:
                continue
            events = api.events(r)
            if not dm_members.get(r):  # the poster is invited (never joins: no client syncs for them)
                dm_members[r] = {str(e.get("state_key")) for e in events
                                 if e.get("type") == "m.room.member" and e.get("state_key") != bot_user.user_id}
            who = dm_members[r]
            for ev in events:
                body = str(ev.get("content", {}).get("body", ""))
                if ev.get("sender") == bot_user.user_id and ev.get("type") == "m.room.message" and NOTICE in body:
                    for user_id in who:
                        told.setdefault(user_id, []).append(ev)
        return told

    def room_state() -> tuple[set[str], list[str]]:
        events = api.events(room)
        redacted = {str(e.get("redacts") or e.get("content", {}).get("redacts"))
                    for e in events if e.get("type") == "m.room.redaction" and e.get("sender") == bot_user.user_id}
        reposts = [str(e["content"]["body"]) for e in events
                   if e.get("sender") == bot_user.user_id and REPOST in str(e.get("content", {}).get("body", ""))]
        return redacted, reposts

    cases: list[Case] = []
    try:
        bot.start()
        await bot.logged_in()
        # The bot joins the room (invited by the lead, a directory member).
        deadline = time.monotonic() + 90
        while bot_user.user_id not in api.members(room):
            assert time.monotonic() < deadline, "the bot did not join the room"
            await asyncio.sleep(0.5)
        bot.stop()

        restarted = 0.0
        for n in range(1, MAX_CASES + 1):
            case = Case(n, posters[n - 1], tag(n))
            steps = tmp_path / f"steps-{n}.txt"
            bot.start(mark=case.tag, at=n, steps=steps)
            restarted = await bot.logged_in()
            if cases:
                cases[-1].restarted_at = restarted
            await asyncio.sleep(1.0)  # its first sync
            case.event_id = api.send(case.poster, room, pii_text(case.tag))
            cases.append(case)
            assert bot.proc is not None
            quiet_since, size = time.monotonic(), -1
            while bot.proc.poll() is None:
                now_size = steps.stat().st_size if steps.exists() else 0
                if now_size != size:
                    quiet_since, size = time.monotonic(), now_size
                told = case.poster.user_id in dm_notices()
                if told and time.monotonic() - quiet_since > 8:
                    break  # handled to the end without reaching step n: every kill point was tried
                await asyncio.sleep(0.5)
            case.steps = steps.read_text().splitlines() if steps.exists() else []
            if bot.proc.poll() is None:
                break
            case.killed, case.killed_at = True, time.time()
        else:
            raise AssertionError(f"the handling had more than {MAX_CASES} steps")
        killed = [c for c in cases if c.killed]
        assert len(killed) >= 8, [c.steps for c in cases]  # the test really walked through the handling
        where = {c.n: (c.steps[-1] if c.steps else "?") for c in killed}

        # Everything owed is delivered by the last process (still running). Then wait past every hold
        # and lease, so a second notice or repost that a lapse would send shows up.
        def settled() -> bool:
            redacted, reposts = room_state()
            told = dm_notices()
            return all(c.event_id in redacted and any(c.tag in r for r in reposts) and c.poster.user_id in told
                       for c in cases)

        deadline = time.monotonic() + HOLD + 120
        while not settled():
            assert time.monotonic() < deadline, f"not everything delivered (kill points {where}; log {bot.log})"
            await asyncio.sleep(1.0)
        await asyncio.sleep(max(0.0, killed[-1].killed_at + HOLD + LEASE + 10 - time.time()))

        redacted, reposts = room_state()
        told = dm_notices()
        problems = []
        for c in cases:
            notices = told.get(c.poster.user_id, [])
            copies = [r for r in reposts if c.tag in r]
            if c.event_id not in redacted:
                problems.append(f"killed after step {where.get(c.n)}: not removed")
            if len(copies) != 1:
                problems.append(f"killed after step {where.get(c.n)}: {len(copies)} reposts")
            if len(notices) != 1:
                problems.append(f"killed after step {where.get(c.n)}: {len(notices)} notices to the poster")
            if c.killed and notices:
                late = notices[0]["origin_server_ts"] / 1000 - c.restarted_at
                if late > TOLD_WITHIN:
                    problems.append(f"killed after step {where.get(c.n)}: told {late:.0f} s after the restart")
        for c in cases:  # the record (pytest -rP / -s): where each process died, what the poster got
            notices = told.get(c.poster.user_id, [])
            late = (notices[0]["origin_server_ts"] / 1000 - c.restarted_at) if c.killed and notices else None
            print(f"case {c.n}: killed after {where.get(c.n, '- (ran to the end)')}; {len(notices)} notice(s)"
                  + (f", {late:.1f} s after the restart's login (negative: sent before the kill)"
                     if late is not None else ""))
        assert not problems, problems
        # One device of the bot's own across every restart (besides the one the test's registration made):
        # Synapse dedupes transaction ids per device, so a re-send after a kill is a no-op only then.
        assert len(set(api.devices(bot_user.user_id)) - {bot_user.device_id}) == 1
    finally:
        bot.stop()
