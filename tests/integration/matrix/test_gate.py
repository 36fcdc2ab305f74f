"""The pre-store PII gate on a real Synapse with the published ``synapse-http-antispam`` module.

One Synapse of its own (the module forwards every event of the homeserver to the gate, which the
other Matrix tests must not depend on), the real ``build_app`` with the demo directory, the real
engine, and real matrix-nio clients for the members. What is asserted is what a member and the
homeserver see: the send refused with ``M_FORBIDDEN``, the DM, the room, and Synapse's own SQLite
tables and log.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nio import RoomSendError, RoomSendResponse

from tests.harness import demo_data
from tests.integration.matrix.helpers import Member, RunningBot, Seen, unique, wait_until
from tests.integration.matrix.synapse import SynapseServer, _free_port, synapse_available

pytestmark = [
    pytest.mark.synapse,
    pytest.mark.slow,
    pytest.mark.skipif(not synapse_available(), reason="matrix-synapse is not installed (pip install matrix-synapse)"),
]

try:
    import synapse_http_antispam  # noqa: F401

    HAVE_MODULE = True
except ImportError:
    HAVE_MODULE = False
if not HAVE_MODULE:
    pytestmark.append(pytest.mark.skip(reason="synapse-http-antispam is not installed (the test extra)"))

ROOT = Path(__file__).resolve().parents[3]
CANARY_NAME = "Zebediah Quackenbush"
CANARY_PHONE = "312-555-0199"
CANARY = f"Tell {CANARY_NAME} to call {CANARY_PHONE} tonight"
CAST = ("nina", "omar")
# The homeserver is shared by this module's tests and some of them store PII on purpose (a `warn`
# room, "post as is", fail-open): each test that checks Synapse's tables uses its own canary.
OTHER_NAMES = {
    "edit": ("Hortensia Vandermolen", "415-555-0143"),
    "stopped": ("Cornelius Pettigrew", "646-555-0178"),
    "warn": ("Ermengarde Blackwood", "702-555-0161"),
    "as_is": ("Bartholomew Ashcombe", "503-555-0127"),
}


def canary(which: str) -> tuple[str, str, str]:
    name, phone = OTHER_NAMES[which]
    return f"Tell {name} to call {phone} tonight", name.split()[1], phone


def _leaks(text: str, *extra: str) -> bool:
    return any(n in text for n in ("Quackenbush", "Zebediah", "555-0199", "5550199", *extra))


@dataclass
class GateWorld:
    server: SynapseServer
    port: int
    secret: str

    def module(self, *, fail_open: bool) -> dict[str, object]:
        """The exact homeserver.yaml ``modules:`` entry docs/matrix.md tells operators to use."""
        return {
            "module": "synapse_http_antispam.HTTPAntispam",
            "config": {
                "base_url": f"http://127.0.0.1:{self.port}",
                "authorization": self.secret,
                "enabled_callbacks": ["check_event_for_spam"],
                "fail_open": {"check_event_for_spam": fail_open},
            },
        }


@pytest.fixture(scope="module")
def gate_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateWorld]:
    port = _free_port()
    world = GateWorld(SynapseServer(tmp_path_factory.mktemp("synapse-gate")), port, secrets.token_urlsafe(32))
    world.server.modules = [world.module(fail_open=False)]
    world.server.start()
    try:
        yield world
    finally:
        world.server.stop()


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    from redaction import Redactor

    yield Redactor()


@dataclass
class Scene:
    world: GateWorld
    bot_user: Any
    bot: RunningBot
    people: dict[str, Member]
    tmp: Path
    make_bot: Any

    @property
    def bot_id(self) -> str:
        return str(self.bot_user.user_id)

    @property
    def app(self) -> Any:
        return self.bot.app

    def __getitem__(self, handle: str) -> Member:
        return self.people[handle]

    async def channel(self, *, policy: str = "block", encrypted: bool = False, bot_power: int | None = 50) -> str:
        from storage import directory

        owner, other = self.people["nina"], self.people["omar"]
        levels = {self.bot_id: bot_power} if bot_power is not None else None
        room = await owner.create_room([self.bot_id, other.user.user_id], encrypted=encrypted, power_levels=levels)
        with self.app.services.db.session() as s:
            directory.upsert_channel(s, name=unique("core-"), pii_policy=policy, agreement=None,
                                     identities=[("matrix", room)])
        if self.bot.platform.gate is not None:
            self.bot.platform.gate.refresh_policies()
        everyone = {self.bot_id, owner.user.user_id, other.user.user_id}
        clients = [owner.client, other.client, self.bot.platform.client]
        await wait_until(lambda: all(room in c.rooms and everyone <= set(c.rooms[room].users) for c in clients),
                         what="everyone joined")
        return room

    def is_dm(self, room_id: str) -> bool:
        return self.bot.platform.channel(room_id).is_direct

    async def dm(self, handle: str, pattern: str, timeout: float = 20) -> Seen:
        return await self.people[handle].wait_for(
            lambda s: s.sender == self.bot_id and s.content.get("msgtype") == "m.notice" and self.is_dm(s.room_id)
            and re.search(pattern, s.content.get("body", "")) is not None,
            timeout=timeout,
        )

    def audit(self, action: str) -> list[Any]:
        from sqlalchemy import select

        from storage.models import AuditEntry

        with self.app.services.db.session() as s:
            return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _config(tmp_path: Path, ids: dict[str, str]) -> dict[str, Any]:
    data = demo_data()
    data["database"] = {"url": f"sqlite:///{tmp_path}/needtoknow.db"}
    data.pop("security", None)
    for member in data["members"]:
        if member["handle"] in ids:
            member["matrix_id"] = ids[member["handle"]]
    return data


@pytest.fixture
async def scene(gate_world: GateWorld, tmp_path: Path, engine: Any) -> AsyncIterator[Scene]:
    from bot.app import build_app
    from bot.config import parse_config
    from bot.matrix import MatrixSettings, create_matrix_platform
    from storage.crypto import KeyRing

    server = gate_world.server
    bot_user = server.register(unique("bot"))
    people = {h: Member(server, server.register(unique(h)), tmp_path / h) for h in CAST}
    config = parse_config(_config(tmp_path, {h: m.user.user_id for h, m in people.items()}),
                          source="gate tests", base_dir=str(tmp_path))
    ring = KeyRing.generate()
    # doctor (a separate process) reads the running bot's database, so it needs the bot's own keys:
    # the key check refuses any other key file
    from bot.cli import write_key_file

    write_key_file(tmp_path / "doctor.keys", ring)

    def make_bot() -> RunningBot:
        settings = MatrixSettings.from_mapping(
            {"homeserver": server.url, "user_id": bot_user.user_id, "store_path": str(tmp_path / "bot"),
             "device_id": bot_user.device_id, "sync_timeout_ms": 1000,
             "gate": {"listen": f"127.0.0.1:{gate_world.port}", "deadline_ms": 500, "fail_open": False}},
            {"MATRIX_ACCESS_TOKEN": bot_user.access_token, "MATRIX_PICKLE_KEY": "bot-pickle-key-0123456789abcdef",
             "NEEDTOKNOW_GATE_SECRET": gate_world.secret},
        )
        platform = create_matrix_platform(settings)
        app = build_app(config, platform, keyring=ring, redactor=engine)
        return RunningBot(platform, app)

    bot = make_bot()
    await asyncio.gather(*(m.start() for m in people.values()))
    await bot.start()
    holder = Scene(gate_world, bot_user, bot, people, tmp_path, make_bot)
    try:
        yield holder
    finally:
        await holder.bot.stop()
        await holder.bot.app.stop()
        await asyncio.gather(*(m.stop() for m in people.values()))


async def _send(member: Member, room: str, content: dict[str, Any]) -> RoomSendResponse | RoomSendError:
    resp = await member.client.room_send(room, "m.room.message", content, ignore_unverified_devices=True)
    assert isinstance(resp, RoomSendResponse | RoomSendError), resp
    return resp


def _text(body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body}


def _edit(original: str, body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": f"* {body}", "m.new_content": _text(body),
            "m.relates_to": {"rel_type": "m.replace", "event_id": original}}


def synapse_rows_containing(server: SynapseServer, *needles: str) -> list[str]:
    """Every (table, column) of Synapse's SQLite database holding one of ``needles``."""
    found: list[str] = []
    con = sqlite3.connect(f"file:{server.workdir / 'homeserver.db'}?mode=ro", uri=True, timeout=10)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert {"event_json", "event_search", "events"} <= set(tables)
        for table in tables:
            try:
                cur = con.execute(f'SELECT * FROM "{table}"')
            except sqlite3.DatabaseError:
                continue  # FTS shadow tables and the like
            columns = [d[0] for d in cur.description]
            for row in cur:
                for column, value in zip(columns, row, strict=True):
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if isinstance(text, str) and any(n in text for n in needles):
                        found.append(f"{table}.{column}")
    finally:
        con.close()
    return found


# -- the gate refuses PII in a `block` channel before Synapse stores it -----------------------------
async def test_pii_message_is_refused_before_it_is_stored_and_the_sender_gets_the_redacted_text(
    scene: Scene,
) -> None:
    room = await scene.channel()
    resp = await _send(scene["nina"], room, _text(CANARY))

    assert isinstance(resp, RoomSendError) and resp.status_code == "M_FORBIDDEN"
    assert resp.message == ("Not posted: it looks like it contains a name and a phone number. "
                            "I sent you a redacted version.")
    dm = await scene.dm("nina", r"I did not post your message")
    body = dm.content["body"]
    assert "Tell [PERSON] to call [PHONE] tonight" in body and not _leaks(body)
    assert "1 to Post redacted" in body and "Post as is (give reason)" in body
    # Nothing of the text is anywhere in the homeserver: no table, no log line.
    assert synapse_rows_containing(scene.world.server, "Quackenbush", CANARY_PHONE) == []
    assert not _leaks((scene.world.server.log_path).read_text() if scene.world.server.log_path.exists() else "")
    refused = scene.audit("pii.gate_refused")
    assert [r.detail["labels"] for r in refused] == [{"PERSON": 1, "PHONE": 1}]
    assert not any(_leaks(str(r.detail)) for r in refused)
    assert not any(s.room_id == room and s.sender == scene["nina"].user.user_id and s.type == "m.room.message"
                   for s in scene["omar"].seen)

    # "Post redacted": the bot posts it (its own event passes the gate).
    await scene["nina"].send(dm.room_id, "1")
    posted = await scene["omar"].wait_for(
        lambda s: s.room_id == room and s.sender == scene.bot_id and "checked by needtoknow" in s.content.get("body", ""))
    assert posted.content["body"] == "Nina Sato wrote (checked by needtoknow): Tell [PERSON] to call [PHONE] tonight"


async def test_clean_message_is_delivered_and_other_event_types_pass(scene: Scene) -> None:
    room = await scene.channel()
    resp = await _send(scene["nina"], room, _text("Agenda for the Thursday case review is in the shared folder"))
    assert isinstance(resp, RoomSendResponse)
    await scene["omar"].wait_for(lambda s: s.event_id == resp.event_id)
    reaction = await scene["nina"].client.room_send(
        room, "m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": resp.event_id, "key": "👍"}})
    assert isinstance(reaction, RoomSendResponse)
    # A room whose policy is not `block` is not gated (the after-the-fact guard handles it).
    warn_room = await scene.channel(policy="warn")
    assert isinstance(await _send(scene["nina"], warn_room, _text(canary("warn")[0])), RoomSendResponse)
    await scene.dm("nina", r"looks like it contains a name and a phone number")


async def test_an_edit_that_adds_pii_is_refused(scene: Scene) -> None:
    text, surname, phone = canary("edit")
    room = await scene.channel()
    original = await _send(scene["nina"], room, _text("I will call her later"))
    assert isinstance(original, RoomSendResponse)
    edit = await _send(scene["nina"], room, _edit(original.event_id, text))
    assert isinstance(edit, RoomSendError) and edit.status_code == "M_FORBIDDEN"
    assert not _leaks(edit.message, surname, phone)
    dm = await scene.dm("nina", r"I did not post your edit")
    assert "Tell [PERSON] to call [PHONE]" in dm.content["body"]
    # PII only in the HTML of a reply is caught too.
    html = await _send(scene["nina"], room, {"msgtype": "m.text", "body": "see below",
                                             "format": "org.matrix.custom.html",
                                             "formatted_body": f"<p>Call <b>{surname}</b> at {phone}</p>"})
    assert isinstance(html, RoomSendError) and html.status_code == "M_FORBIDDEN"
    assert synapse_rows_containing(scene.world.server, surname, phone) == []


async def test_post_as_is_with_a_reason_is_posted_by_the_bot_and_audited(scene: Scene) -> None:
    text, _, _ = canary("as_is")
    room = await scene.channel()
    resp = await _send(scene["nina"], room, _text(text))
    assert isinstance(resp, RoomSendError)
    dm = await scene.dm("nina", r"I did not post your message")
    await scene["nina"].send(dm.room_id, "2")  # Post as is (give reason)
    question = await scene.dm("nina", r"Why may it be posted as is")
    await scene["nina"].send(question.room_id, "2")  # Release on file
    posted = await scene["omar"].wait_for(
        lambda s: s.room_id == room and s.sender == scene.bot_id and s.content.get("body", "").startswith("Nina Sato wrote:"))
    assert posted.content["body"] == f"Nina Sato wrote: {text}"
    rows = scene.audit("pii.gate_posted_as_is")
    assert [(r.detail["reason"], r.detail["labels"]) for r in rows] == [("release_on_file", {"PERSON": 1, "PHONE": 1})]


# -- what the gate cannot see: encrypted rooms, and the gate down ------------------------------------
async def test_encrypted_message_passes_the_gate_and_the_guard_redacts_it(scene: Scene) -> None:
    room = await scene.channel(encrypted=True)
    resp = await _send(scene["nina"], room, _text(CANARY))
    assert isinstance(resp, RoomSendResponse)  # the homeserver cannot read it: allowed
    redaction = await scene["omar"].wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == resp.event_id)
    assert redaction.sender == scene.bot_id
    await scene.dm("nina", r"I removed your message")


async def test_with_the_bot_stopped_fail_closed_refuses_and_fail_open_lets_the_guard_catch_it(scene: Scene) -> None:
    server, world = scene.world.server, scene.world
    text, surname, phone = canary("stopped")
    room = await scene.channel()
    await scene.bot.stop()
    await scene.bot.app.stop()

    refused = await _send(scene["nina"], room, _text(text))
    assert isinstance(refused, RoomSendError) and refused.status_code == "M_UNKNOWN"
    assert synapse_rows_containing(server, surname, phone) == []
    # The module logs the whole request when it cannot connect; the documented log level keeps it out.
    assert not _leaks(server.log_path.read_text() if server.log_path.exists() else "", surname, phone)

    server.modules = [world.module(fail_open=True)]
    server.write_config()
    try:
        server.restart()
        allowed = None
        for _ in range(50):  # the members' clients reconnect after the restart
            allowed = await scene["nina"].client.room_send(room, "m.room.message", _text(text),
                                                           ignore_unverified_devices=True)
            if isinstance(allowed, RoomSendResponse):
                break
            await asyncio.sleep(0.2)
        assert isinstance(allowed, RoomSendResponse)  # fail open: stored

        scene.bot = scene.make_bot()  # same store: resumes from its saved sync token
        await scene.bot.start()
        redaction = await scene["omar"].wait_for(
            lambda s: s.type == "m.room.redaction" and s.redacts == allowed.event_id, timeout=30)
        assert redaction.sender == scene.bot_id
    finally:
        server.modules = [world.module(fail_open=False)]
        server.write_config()
        server.restart()


async def test_the_bots_own_messages_wait_out_a_gate_outage_and_are_delivered_once(scene: Scene) -> None:
    """With the module failing closed, a gate that is down (restarting, not up yet) makes the homeserver
    refuse the bot's own sends too (403 M_UNKNOWN). The outbox must retry them, not give them up."""
    from sqlalchemy import select

    from storage import outbox
    from storage.models import OutboxMessage

    room = await scene.channel()
    platform, app = scene.bot.platform, scene.app
    gate = platform.gate
    assert gate is not None
    await gate.stop()  # the bot runs on; only its gate is gone
    key = unique("gate-outage-")
    with app.services.db.session() as s:
        outbox.enqueue(s, key=key, purpose="ops.notice", recipient_kind="channel", recipient=f"matrix:{room}",
                       body="Coordinator update: the MOU draft is ready for comments", now=app.services.clock.now())
    await app.deliver_outbox()
    with app.services.db.session() as s:
        row = s.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one()
        assert (row.status, row.attempts) == ("pending", 1), (row.status, row.last_error)
        assert "M_UNKNOWN" in (row.last_error or "")
        s.execute(OutboxMessage.__table__.update().where(OutboxMessage.idempotency_key == key)
                  .values(next_attempt_at=app.services.clock.now()))
    await gate.start()
    await app.deliver_outbox()
    seen = await scene["omar"].wait_for(
        lambda e: e.sender == scene.bot_id and e.room_id == room and "MOU draft" in e.content.get("body", ""))
    with app.services.db.session() as s:
        row = s.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one()
        assert row.status == "sent" and str(row.sent_ref).endswith(seen.event_id)


# -- needtoknow doctor -------------------------------------------------------------------------------
def _doctor(scene: Scene, secret: str) -> subprocess.CompletedProcess[str]:
    server, tmp = scene.world.server, scene.tmp
    keyfile = tmp / "doctor.keys"
    if not keyfile.exists():
        subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp / "doctor.toml"
    cfg.write_text(
        '[bot]\nplatform = "matrix"\n'
        f'[database]\nurl = "sqlite:///{tmp}/needtoknow.db"\n'  # the running bot's database
        f'[security]\nkey_file = "{keyfile}"\n'
        f'[matrix]\nhomeserver = "{server.url}"\nuser_id = "{scene.bot_id}"\nstore_path = "{tmp}/doctor-store"\n'
        f'device_id = "{scene.bot_user.device_id}"\n'
        f'[matrix.gate]\nlisten = "127.0.0.1:{scene.world.port}"\nhomeserver_config = "{server.config_path}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "NEEDTOKNOW_"))}
    env |= {"MATRIX_ACCESS_TOKEN": scene.bot_user.access_token, "MATRIX_PICKLE_KEY": "doctor-pickle-key-0123456789",
            "NEEDTOKNOW_GATE_SECRET": secret}
    return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "doctor"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


async def test_doctor_checks_the_gate_and_the_homeserver_module_with_a_signed_self_test(scene: Scene) -> None:
    done = await asyncio.to_thread(_doctor, scene, scene.world.secret)
    out = done.stdout
    assert "[ok] matrix homeserver: " in out and f"the access token is {scene.bot_id}'s" in out, out
    assert "[ok] matrix gate: answers at" in out, out
    assert "[ok] homeserver module: the homeserver asks this gate before storing events" in out, out
    assert "[ok] homeserver.yaml: redaction_retention_period 1m" in out, out
    assert "[ok] homeserver.yaml: module synapse_http_antispam.HTTPAntispam" in out, out
    assert done.returncode == 0, out
    assert scene.world.secret not in out + done.stderr

    wrong = await asyncio.to_thread(_doctor, scene, secrets.token_urlsafe(32))
    assert "[FAIL] matrix gate" in wrong.stdout and wrong.returncode == 1, wrong.stdout


async def test_the_self_test_fails_on_a_homeserver_without_the_module(synapse: SynapseServer) -> None:
    from bot.matrix.gate import GateSettings, self_test_through_homeserver

    user = synapse.register(unique("doctor"))
    settings = GateSettings.from_mapping({"listen": f"127.0.0.1:{_free_port()}"},
                                         {"NEEDTOKNOW_GATE_SECRET": secrets.token_urlsafe(32)})
    good, detail = await asyncio.to_thread(self_test_through_homeserver, synapse.url, user.access_token, settings)
    assert not good and "module is not configured" in detail
