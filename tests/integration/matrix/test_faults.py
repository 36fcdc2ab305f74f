"""Fault injection with the real app (``build_app``, the demo directory, the real engine) on a real
Synapse: the bot stopped while 50 messages arrive in one room; malformed events interleaved with PII;
the redacted repost refused by the server; and (``test_kill9.py``) ``kill -9`` at random points.

Each asserts what members see: every PII message redacted and its poster told, every ``!tip`` typed
in the room removed and routed to the point person — and nothing twice (docs/architecture.md: a
member sees each Matrix message, repost and warning exactly once).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nio import RoomSendResponse
from sqlalchemy import select

from tests.harness import demo_data
from tests.integration.matrix.helpers import Member, RunningBot, Seen, bot_settings, unique, wait_until
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer

CAST = ("vera", "omar", "alice", "nina")
REPOST = "wrote (PII removed by needtoknow)"
PII_WARNING = r"I removed your message in #core-team"


_FRUIT = ("apple", "pear", "plum", "fig", "lime", "kiwi", "lemon", "melon", "grape", "peach")
_COLOUR = ("red", "blue", "green", "gold", "gray", "pink", "teal", "tan", "navy", "olive", "rust", "sand")


def pii_text(i: int) -> str:
    # Distinct words rather than numbers, so the masked texts stay distinct (numbers may be masked).
    tag = f"{_COLOUR[i // len(_FRUIT) % len(_COLOUR)]} {_FRUIT[i % len(_FRUIT)]}"
    return f"Update on the {tag} file: the client can be reached at 312-555-{1000 + i} or client{i}@example.com"


def clean_text(i: int) -> str:
    return "Reminder: the quarterly review moves to the large conference room" + "!" * (i % 3)


def tip_text(i: int) -> str:
    return f"!tip saw a white van number {i} at the motel on Route 9 late last night"


@pytest.fixture(scope="module")
def redactor() -> Iterator[Any]:
    from redaction import Redactor

    yield Redactor()


@dataclass
class Deployment:
    """One task force: the app's database and the bot's store survive restarts of the bot."""

    server: SynapseServer
    bot_user: RegisteredUser
    people: dict[str, Member]
    tmp_path: Path
    redactor: Any
    keyring: Any = None
    bot: RunningBot | None = None
    apps: list[Any] = field(default_factory=list)
    #: The app's database (default: a SQLite file in ``tmp_path``).
    url: str | None = None

    @property
    def bot_id(self) -> str:
        return self.bot_user.user_id

    def __getitem__(self, handle: str) -> Member:
        return self.people[handle]

    def config(self) -> Any:
        from bot.config import parse_config

        data = demo_data()
        data["database"] = {"url": self.url or f"sqlite:///{self.tmp_path}/needtoknow.db"}
        data.pop("security", None)
        for member in data["members"]:
            if member["handle"] in self.people:
                member["matrix_id"] = self.people[member["handle"]].user.user_id
        return parse_config(data, source="matrix faults", base_dir=str(self.tmp_path))

    async def start(self, *, encryption: bool = False) -> RunningBot:
        from bot.app import build_app
        from bot.matrix import create_matrix_platform
        from storage.crypto import KeyRing

        self.keyring = self.keyring or KeyRing.generate()
        platform = create_matrix_platform(bot_settings(self.server, self.bot_user, self.tmp_path / "bot",
                                                       encryption=encryption))
        app = build_app(self.config(), platform, keyring=self.keyring, redactor=self.redactor)
        self.apps.append(app)
        self.bot = bot = RunningBot(platform, app)
        # Not ``RunningBot.start``: the first batch after downtime can take longer than it waits.
        bot.task = asyncio.create_task(platform.run(app))
        await wait_until(lambda: platform.sync_count > 0 or bot.task is None or bot.task.done(), timeout=30,
                         what="the first sync")
        if bot.task.done():
            bot.task.result()
        return bot

    async def stop(self) -> None:
        assert self.bot is not None
        await self.bot.stop()
        await self.bot.app.stop()
        self.bot = None

    async def room(self, *, encrypted: bool = False, policy: str = "redact") -> str:
        """``core-team`` (policy ``policy``, bot at power 50) with nina, omar and alice."""
        from storage import directory

        assert self.bot is not None
        others = [self["omar"].user.user_id, self["alice"].user.user_id]
        room = await self["nina"].create_room([self.bot_id, *others], encrypted=encrypted,
                                              power_levels={self.bot_id: 50})
        with self.bot.app.services.db.session() as s:
            directory.upsert_channel(s, name="core-team", pii_policy=policy, agreement=None,
                                     identities=[("matrix", room)])
        everyone = {self.bot_id, self["nina"].user.user_id, *others}
        clients = [self[h].client for h in ("nina", "omar", "alice")] + [self.bot.platform.client]
        await wait_until(lambda: all(room in c.rooms and everyone <= set(c.rooms[room].users) for c in clients),
                         what="everyone to be joined")
        return room

    def is_dm(self, member: Member, room_id: str) -> bool:
        room = member.client.rooms.get(room_id)
        return room is not None and room_id and len(room.users) == 2 and self.bot_id in room.users

    def bot_dms(self, handle: str) -> list[str]:
        m = self[handle]
        return [str(s.content.get("body", "")) for s in m.notices_from(self.bot_id) if self.is_dm(m, s.room_id)]

    def reposts(self, room: str) -> list[Seen]:
        return [s for s in self["omar"].notices_from(self.bot_id, room) if REPOST in s.content.get("body", "")]

    def redacted(self, room: str) -> set[str]:
        return {s.redacts for s in self["omar"].seen if s.room_id == room and s.type == "m.room.redaction"
                and s.sender == self.bot_id and s.redacts}


@pytest.fixture
async def deployment(synapse: SynapseServer, tmp_path: Path, redactor: Any) -> AsyncIterator[Deployment]:
    people = {h: Member(synapse, synapse.register(unique(h)), tmp_path / h) for h in CAST}
    d = Deployment(synapse, synapse.register(unique("bot")), people, tmp_path, redactor)
    await asyncio.gather(*(m.start() for m in people.values()))
    try:
        yield d
    finally:
        if d.bot is not None:
            await d.stop()
        await asyncio.gather(*(m.stop() for m in people.values()))


async def settle(d: Deployment, seconds: float = 2.0) -> None:
    """Give any duplicate a chance to appear before counting."""
    assert d.bot is not None
    await d.bot.app.drain()
    await asyncio.sleep(seconds)


@pytest.mark.slow
async def test_fifty_messages_while_the_bot_was_stopped_are_all_handled_once(deployment: Deployment) -> None:
    d = deployment
    await d.start()
    room = await d.room()
    await d.stop()

    pii, tips = [], []
    for i in range(50):
        if i % 10 == 3:
            tips.append(await d["alice"].send(room, tip_text(i)))
        elif i % 2 == 0:
            pii.append(await d["nina"].send(room, pii_text(i)))
        else:
            await d["nina"].send(room, clean_text(i))
    assert (len(pii), len(tips)) == (25, 5)

    bot = await d.start()
    await wait_until(lambda: set(pii) | set(tips) <= d.redacted(room), timeout=120,
                     what="every PII message and every typed tip to be removed")
    await wait_until(lambda: len(d.reposts(room)) >= len(pii), timeout=60, what="the redacted reposts")
    await wait_until(lambda: sum("I removed your message" in b for b in d.bot_dms("nina")) >= len(pii), timeout=60,
                     what="the poster to be told about each message")
    # A one-line tip waits for its writer's confirmation (reply 1 to the draft in her DM).
    def drafts() -> list[Seen]:
        return [s for s in d["alice"].notices_from(d.bot_id) if "This is what will go privately" in
                s.content.get("body", "")]

    await wait_until(lambda: len(drafts()) >= len(tips), timeout=60, what="a draft for every typed tip")
    for draft in drafts():
        await d["alice"].send(draft.room_id, "1", **{"m.relates_to": {"m.in_reply_to": {"event_id": draft.event_id}}})
    await wait_until(lambda: sum(bool(re.search(r"New tip T-\d+", b)) for b in d.bot_dms("vera")) >= len(tips),
                     timeout=120, what="every tip to reach the point person")
    await settle(d)

    assert bot.platform.backfilled_count > 0  # the sync showed only the last few: the rest was fetched
    # Exactly once each: one repost per PII message (none of the clean ones), one warning per message,
    # one tip per !tip, and no other removals.
    bodies = [s.content["body"] for s in d.reposts(room)]
    assert len(bodies) == len(pii) == len(set(bodies)), [b for b in bodies if "Update on the" not in b] + [
        b for b, n in Counter(bodies).items() if n > 1]
    assert not any("555" in b or "@example.com" in b for b in bodies)
    warnings = [b for b in d.bot_dms("nina") if "I removed your message" in b]
    assert len(warnings) == len(pii) == len(set(warnings))
    assert sum(bool(re.search(r"New tip T-\d+", b)) for b in d.bot_dms("vera")) == len(tips)
    assert d.redacted(room) == set(pii) | set(tips)
    assert bot.platform.failed_count == 0


MALFORMED: list[dict[str, Any]] = [
    {"msgtype": "m.text", "body": "reach me at 312-555-0101", "m.relates_to": "$not-an-object"},
    {"msgtype": "m.text", "body": ["call", "312-555-0102"]},
    {"msgtype": "m.text", "body": "see the note", "format": "org.matrix.custom.html",
     "formatted_body": "<p>her number is <b>312-555-0103</b></p>"},
    {"msgtype": "m.text", "body": {"text": "mail client103@example.com"}},
    {"msgtype": "m.text", "body": "odd \u202e\u200b\ufeff text \udcff \x00 reach 312-555-0104"},
    {"msgtype": "x.custom.type", "body": "unknown type, phone 312-555-0105"},
    {"msgtype": None, "body": "no type at all, phone 312-555-0106"},
]


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_malformed_events_interleaved_with_pii_leave_no_pii_standing(
    deployment: Deployment, encrypted: bool
) -> None:
    d = deployment
    await d.start(encryption=encrypted)
    room = await d.room(encrypted=encrypted)
    await d.stop()

    pii: list[str] = []
    for i, content in enumerate(MALFORMED):
        resp = await d["nina"].client.room_send(room, "m.room.message", json.loads(json.dumps(content)),
                                                ignore_unverified_devices=True)
        if isinstance(resp, RoomSendResponse):
            pii.append(resp.event_id)
        else:
            assert not encrypted, resp  # a plain room's server refuses some of them itself
        pii.append(await d["nina"].send(room, pii_text(200 + i)))
    await d.start(encryption=encrypted)
    await wait_until(lambda: set(pii) <= d.redacted(room), timeout=120, what="every PII message to be removed")
    # Removed on arrival, all at once; the notices follow in order.
    await wait_until(lambda: sum("I removed your message" in b for b in d.bot_dms("nina")) >= len(pii),
                     timeout=120, what="the poster to be told about each message")
    await settle(d)
    warnings = [b for b in d.bot_dms("nina") if "I removed your message" in b]
    assert len(warnings) == len(pii)
    assert Counter(s.redacts for s in d["omar"].seen if s.type == "m.room.redaction").most_common(1)[0][1] == 1


@pytest.mark.slow
async def test_a_repost_the_server_refuses_is_reported_truthfully(deployment: Deployment) -> None:
    """The redacted copy of a large message, sent whole, is over Synapse's 64 KiB event limit: it
    is refused for good (not retried as if temporary) and the poster is never told it was posted.
    With splitting (the default) the same message is reposted in parts and the poster told so."""
    from bot.matrix import text as mtext

    d = deployment
    await d.start()
    room = await d.room()
    big = "Minutes of the review. " + " ".join(f"point {i} follows from the previous one." for i in range(900))
    huge = f"{big} Call her at 312-555-0142."
    assert 30_000 < len(huge.encode()) < 60_000

    saved = mtext.CONTENT_BUDGET
    mtext.CONTENT_BUDGET = 10**9  # the behaviour before splitting: one event whatever its size
    try:
        first = await d["nina"].send(room, huge)
        told = await d["nina"].wait_for(lambda s: "I removed your message" in s.content.get("body", ""), timeout=60)
    finally:
        mtext.CONTENT_BUDGET = saved
    assert first in d.redacted(room)
    assert "could not repost the masked copy" in told.content["body"]
    assert "I reposted it" not in told.content["body"]
    assert d.reposts(room) == []
    with d.bot.app.services.db.session() as s:  # type: ignore[union-attr]
        from sqlalchemy import select

        from storage.models import OutboxMessage

        row = s.execute(select(OutboxMessage).where(OutboxMessage.purpose == "pii.repost")).scalar_one()
        assert (row.status, row.attempts) == ("failed", 1)
        assert "M_TOO_LARGE" in (row.last_error or "")

    second = await d["nina"].send(room, huge.replace("0142", "0143"))
    told = await d["nina"].wait_for(lambda s: "I removed your message" in s.content.get("body", "")
                                    and s.event_id != told.event_id, timeout=60)
    assert second in d.redacted(room)
    assert "I reposted it with those parts masked" in told.content["body"]
    parts = d.reposts(room)
    assert len(parts) == 1 and parts[0].content["body"].startswith("(1/")


class _Crash(BaseException):
    """The process dies right after the homeserver accepted the send: nothing after it runs (a
    ``BaseException``, so not even the outbox's ``except Exception`` records the attempt)."""


@pytest.mark.parametrize("txn_id", ["outbox key", "random (control)"])
async def test_a_crash_between_send_and_mark_posts_the_message_once(
    deployment: Deployment, txn_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox's row is sent, the process dies before marking it sent, a new process (same
    database, same bot device) sends the row again once its lease lapsed. With the outbox key as the
    Matrix transaction id the server returns the first event: members see the message once. The
    control run gives each send a fresh transaction id (what nio does without one, i.e. the code
    before the outbox key was used) and proves this test sees the duplicate when there is one."""
    from sqlalchemy import update

    import bot.matrix.platform as matrix_platform
    from bot.context import Context
    from bot.platform import ChannelRef
    from storage.models import OutboxMessage

    if txn_id != "outbox key":
        monkeypatch.setattr(matrix_platform, "transaction_id", lambda key, part=0: f"ntk.{uuid.uuid4().hex}.{part}")
    d = deployment
    bot = await d.start()
    room = await d.room()
    body = f"Operation notice {unique('op')}: briefing moved to 0600"
    with bot.app.services.db.session() as s:
        Context(bot.app.services).enqueue_channel(s, ChannelRef("matrix", room), body, key="ops:notice:1",
                                                  purpose="operations.notice")
    client = bot.platform.client
    real_send = client.room_send

    async def send_then_die(*args: Any, **kwargs: Any) -> Any:
        resp = await real_send(*args, **kwargs)
        assert isinstance(resp, RoomSendResponse)  # the homeserver stored it
        raise _Crash

    client.room_send = send_then_die  # type: ignore[method-assign]
    with pytest.raises(_Crash):
        await bot.app.deliver_outbox()
    await d["omar"].wait_for(lambda s: s.room_id == room and s.content.get("body") == body)
    await d.stop()

    bot = await d.start()  # a new process: same database, same store (device), new connection
    with bot.app.services.db.session() as s:  # the dead process's lease lapses
        s.execute(update(OutboxMessage).values(claimed_until=bot.app.services.clock.now() - timedelta(seconds=1)))
    await wait_until(lambda: room in bot.platform.client.rooms, what="the restarted bot to know the room")
    await bot.app.deliver_outbox()
    with bot.app.services.db.session() as s:
        row = s.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == "ops:notice:1")).scalar_one()
        assert (row.status, row.attempts) == ("sent", 2)  # it really was sent a second time
    marker = await bot.platform.post(ChannelRef("matrix", room), f"marker {unique('m')}")
    await d["omar"].wait_for(lambda s: s.event_id == marker.id)
    copies = [s.event_id for s in d["omar"].notices_from(d.bot_id, room) if s.content.get("body") == body]
    if txn_id == "outbox key":
        assert len(copies) == 1 and copies[0] in str(row.sent_ref)
    else:
        assert len(copies) == 2  # the detector works: without the key the re-send is a second message
