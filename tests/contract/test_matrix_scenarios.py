"""The shared scenarios (tips, PII guard, operations) through the Matrix adapter.

The real ``build_app`` with the demo directory (``matrix_id`` for the members who take part), one
session-wide loaded ``Redactor``, a real Synapse and real matrix-nio clients for the members.
Assertions are about what Matrix users see: redaction events, notices in rooms, DMs from the bot.
Rooms are created by members first and then added to the directory as channels
(``storage.directory.upsert_channel``), because the channel policy is keyed by the room id.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.harness import demo_data
from tests.integration.matrix.conftest import synapse  # noqa: F401 - session fixture
from tests.integration.matrix.helpers import Member, RunningBot, Seen, bot_settings, unique, wait_until
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer, synapse_available

pytestmark = [
    pytest.mark.synapse,
    pytest.mark.skipif(not synapse_available(), reason="matrix-synapse is not installed (pip install matrix-synapse)"),
]

CANARY_NAME = "Zebediah Quackenbush"
CANARY_PHONE = "312-555-0199"
CANARY = f"Tell {CANARY_NAME} to call {CANARY_PHONE} tonight"
# Members of the demo directory who get a Matrix account in these tests.
# hana (clinic) is not on the Core Team: she has a Matrix id but must never get a disseminated tip.
CAST = ("vera", "omar", "alice", "nina", "hana")


def _leaks(text: str) -> bool:
    return CANARY_NAME in text or "Quackenbush" in text or "555" in text


@pytest.fixture(scope="session")
def shared_redactor() -> Iterator[Any]:
    """One loaded engine for every app in the session (loading the model takes seconds)."""
    from redaction import Redactor

    yield Redactor()


@dataclass
class Scene:
    server: SynapseServer
    bot_user: RegisteredUser
    bot: RunningBot
    people: dict[str, Member]

    @property
    def app(self) -> Any:
        return self.bot.app

    @property
    def bot_id(self) -> str:
        return self.bot_user.user_id

    @property
    def clock(self) -> Any:
        return self.app.services.clock

    async def tick(self, **delta: float) -> None:
        """Move the app's fake clock, run what is due and deliver the outbox (as the scheduler would)."""
        self.clock.advance(**delta)
        self.app.run_due()
        await self.app.deliver_outbox(self.clock.now())
        await self.app.drain()

    def audit(self, action: str) -> list[Any]:
        from sqlalchemy import select

        from storage.models import AuditEntry

        with self.app.services.db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
            return list(rows.scalars())

    def __getitem__(self, handle: str) -> Member:
        return self.people[handle]

    async def channel(
        self,
        owner: str,
        others: tuple[str, ...],
        *,
        name: str = "core-team",
        policy: str = "redact",
        encrypted: bool = False,
        bot_power: int | None = None,
    ) -> str:
        """A room created by ``owner`` with the bot and ``others`` joined, registered in the
        directory as channel ``name`` with ``policy``."""
        from storage import directory

        levels = {self.bot_id: bot_power} if bot_power is not None else None
        invite = [self.bot_id, *(self.people[h].user.user_id for h in others)]
        room = await self.people[owner].create_room(invite, encrypted=encrypted, power_levels=levels)
        with self.app.services.db.session() as s:
            directory.upsert_channel(s, name=name, pii_policy=policy, agreement=None, identities=[("matrix", room)])
        await wait_until(lambda: room in self.bot.platform.client.rooms, what="the bot to join")
        everyone = {self.bot_id, self.people[owner].user.user_id, *(self.people[h].user.user_id for h in others)}
        clients = [self.people[h].client for h in (owner, *others)] + [self.bot.platform.client]

        def everyone_joined() -> bool:
            return all(room in c.rooms and everyone <= set(c.rooms[room].users) for c in clients)

        await wait_until(everyone_joined, what="every client to see everyone joined")
        return room

    def is_dm(self, room_id: str) -> bool:
        return self.bot.platform.channel(room_id).is_direct

    async def dm(self, handle: str, pattern: str, timeout: float = 20) -> Seen:
        """The bot's next notice in ``handle``'s DM matching ``pattern``."""
        return await self.people[handle].wait_for(
            lambda s: s.sender == self.bot_id and s.content.get("msgtype") == "m.notice" and self.is_dm(s.room_id)
            and re.search(pattern, s.content.get("body", "")) is not None,
            timeout=timeout,
        )

    async def reply(self, handle: str, to: Seen, text: str) -> str:
        """``handle`` answers the bot's message ``to`` with a Matrix reply (``m.in_reply_to``)."""
        return await self.people[handle].send(
            to.room_id, text, **{"m.relates_to": {"m.in_reply_to": {"event_id": to.event_id}}})

    def bot_dms(self, handle: str) -> list[str]:
        return [str(s.content.get("body", "")) for s in self.people[handle].notices_from(self.bot_id)
                if self.is_dm(s.room_id)]

    async def redaction_of(self, handle: str, event_id: str, timeout: float = 20) -> Seen:
        return await self.people[handle].wait_for(
            lambda s: s.type == "m.room.redaction" and s.redacts == event_id, timeout=timeout)


def _config(tmp_path: Path, ids: dict[str, str]) -> dict[str, Any]:
    data = demo_data()
    data["database"] = {"url": f"sqlite:///{tmp_path}/needtoknow.db"}
    data.pop("security", None)
    for member in data["members"]:
        if member["handle"] in ids:
            member["matrix_id"] = ids[member["handle"]]
    return data


@pytest.fixture
async def scene(synapse: SynapseServer, tmp_path: Path, shared_redactor: Any) -> AsyncIterator[Scene]:  # noqa: F811
    from bot.app import build_app
    from bot.clock import FakeClock
    from bot.config import parse_config
    from bot.matrix import create_matrix_platform
    from storage.crypto import KeyRing

    bot_user = synapse.register(unique("bot"))
    people = {h: Member(synapse, synapse.register(unique(h)), tmp_path / h) for h in CAST}
    config = parse_config(_config(tmp_path, {h: m.user.user_id for h, m in people.items()}),
                          source="matrix scenarios", base_dir=str(tmp_path))
    platform = create_matrix_platform(bot_settings(synapse, bot_user, tmp_path / "bot"))
    app = build_app(config, platform, keyring=KeyRing.generate(), redactor=shared_redactor,
                    clock=FakeClock(datetime(2026, 3, 2, 15, tzinfo=UTC)))
    bot = RunningBot(platform, app)
    await asyncio.gather(*(m.start() for m in people.values()))
    await bot.start()
    try:
        yield Scene(synapse, bot_user, bot, people)
    finally:
        await bot.stop()
        await app.stop()
        await asyncio.gather(*(m.stop() for m in people.values()))


# -- 1. PII guard, bot with power level, `redact` channel ------------------------------------------
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_pii_is_redacted_and_a_redacted_copy_reposted(scene: Scene, encrypted: bool) -> None:
    room = await scene.channel("nina", ("omar",), encrypted=encrypted, bot_power=50)
    message = await scene["nina"].send(room, CANARY)

    redaction = await scene.redaction_of("omar", message)
    reason = str(redaction.content.get("reason", ""))
    assert reason and not _leaks(reason)
    assert redaction.sender == scene.bot_id
    repost = await scene["omar"].wait_for(
        lambda s: s.room_id == room and s.sender == scene.bot_id and "wrote (PII removed" in s.content.get("body", ""))
    body = repost.content["body"]
    assert body.startswith("Nina Sato wrote (PII removed by needtoknow): Tell [PERSON] to call [PHONE]")
    assert not _leaks(body)
    assert repost.content["msgtype"] == "m.notice"
    told = await scene.dm("nina", r"I removed your message")
    assert not _leaks(told.content["body"])
    # The only bot messages in the room are the repost; the coordinator is not alerted.
    assert [s.content["body"] for s in scene["omar"].notices_from(scene.bot_id, room)] == [body]
    assert scene.bot_dms("omar") == []


async def test_an_edit_that_adds_pii_is_redacted_with_its_original(scene: Scene) -> None:
    room = await scene.channel("nina", ("omar",), bot_power=50)
    original = await scene["nina"].send(room, "I will call her later")
    edit = await scene["nina"].edit(room, original, CANARY)

    first = await scene.redaction_of("omar", original)
    second = await scene.redaction_of("omar", edit)
    assert not _leaks(str(first.content.get("reason", ""))) and not _leaks(str(second.content.get("reason", "")))
    repost = await scene["omar"].wait_for(
        lambda s: s.room_id == room and s.sender == scene.bot_id and "wrote (PII removed" in s.content.get("body", ""))
    assert not _leaks(repost.content["body"])


# -- 2. PII guard without power level --------------------------------------------------------------
async def test_without_power_level_the_poster_is_warned_and_the_coordinator_alerted(scene: Scene) -> None:
    room = await scene.channel("nina", ("omar",))  # the bot has the default level 0
    message = await scene["nina"].send(room, CANARY)

    warning = await scene.dm("nina", r"cannot remove your message")
    body = warning.content["body"]
    assert "a name and a phone number" in body and "[PERSON]" in body and not _leaks(body)
    assert "1 to Repost redacted" in body and "Keep" not in body  # no Keep in a redact channel
    alert = await scene.dm("omar", r"#core-team")
    assert "a name and a phone number" in alert.content["body"] and not _leaks(alert.content["body"])
    assert not any(s.type == "m.room.redaction" and s.redacts == message for s in scene["omar"].seen)
    assert scene["omar"].notices_from(scene.bot_id, room) == []  # nothing posted in the room


# -- 3. `!tip` typed in a group room ----------------------------------------------------------------
TIP_TEXT = f"saw {CANARY_NAME} with two girls at the motel, his phone {CANARY_PHONE}"


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_tip_typed_in_a_room_is_removed_and_goes_only_to_the_point_person(
    scene: Scene, encrypted: bool
) -> None:
    room = await scene.channel("alice", ("omar",), name="general", policy="warn", encrypted=encrypted, bot_power=50)
    typed = await scene["alice"].send(room, f"!tip {TIP_TEXT}")

    redaction = await scene.redaction_of("omar", typed)
    assert redaction.content.get("reason") == "tip moved to a private conversation"
    # A one-line tip waits for its writer: she sees it in her DM and confirms with reply 1.
    draft = await scene.dm("alice", r"This is what will go privately")
    assert "Reply 1 to Send to the point person, 2 to Discard" in draft.content["body"]
    assert scene.bot_dms("vera") == []
    await scene.reply("alice", draft, "1")
    confirmation = await scene.dm("alice", r"T-0001")
    assert not _leaks(confirmation.content["body"])
    tip = await scene.dm("vera", r"New tip T-0001")
    assert CANARY_PHONE in tip.content["body"] or CANARY_NAME in tip.content["body"]
    # Nothing about the tip in the room, and nobody but the point person received it.
    await asyncio.sleep(1)
    for handle in ("alice", "omar"):
        in_room = [s for s in scene[handle].seen if s.room_id == room and s.sender == scene.bot_id
                   and s.type == "m.room.message"]
        assert in_room == [], handle
    for handle in ("alice", "omar", "nina"):
        shown = [b for b in scene.bot_dms(handle) if not b.startswith("This is what will go privately")]
        assert not any(_leaks(body) for body in shown), handle


# -- 4. forms as a guided DM dialogue, acknowledgement by reply and reaction ------------------------
async def test_operation_form_dialogue_and_ngo_acknowledgement(scene: Scene) -> None:
    alice, nina = scene["alice"], scene["nina"]
    room = await scene.channel("alice", ("nina",), name="general", policy="warn")
    await alice.send(room, "!operation new")
    first = await scene.dm("alice", r"Planned date and time")
    dm = first.room_id

    async def answer(text: str, expect: str) -> None:
        count = len(alice.notices_from(scene.bot_id, dm))
        await alice.send(dm, text)
        await alice.wait_for(lambda s: s.room_id == dm and s.sender == scene.bot_id
                             and len(alice.notices_from(scene.bot_id, dm)) > count
                             and re.search(expect, s.content.get("body", "")) is not None)

    await answer("next friday", r"Please answer again")  # re-asked at once
    await scene.dm("alice", r"Planned date and time")
    await answer("2026-03-12 06:00", r"Estimated victims")
    await answer("5", r"Gender of victims")
    await answer("skip", r"Languages")
    await answer("Spanish", r"Minors expected")
    await answer("skip", r"Special needs")
    await answer("skip", r"NGOs to notify")
    await answer("skip", r"Location")
    await answer("Motel canary", r"Target / tactical notes")
    await answer("skip", r"Team: who else sees the exact details")
    await answer("skip", r"Recorded OP-1")

    notice = await scene.dm("nina", r"OP-1")
    body = notice.content["body"]
    assert "Estimated victims: 4–6" in body and "Motel" not in body
    assert "1 to Acknowledge" in body
    await nina.react(notice.room_id, notice.event_id, "✅")
    thanks = await scene.dm("nina", r"is acknowledged")
    assert "OP-1" in thanks.content["body"]
    await nina.send(notice.room_id, "1", **{"m.relates_to": {"m.in_reply_to": {"event_id": notice.event_id}}})
    await scene.dm("nina", r"already acknowledged")

    await alice.send(dm, "!operation status OP-1")
    status = await scene.dm("alice", r"acknowledged")
    assert "Safe Haven Services" in status.content["body"] or "nina" in status.content["body"].lower()
    # The dialogue's answers never appeared in the group room.
    assert not any("Motel" in s.content.get("body", "") for s in nina.seen if s.room_id == room)


async def test_release_form_as_a_guided_dialogue(scene: Scene) -> None:
    nina = scene["nina"]
    room = await scene.channel("nina", ("omar",), name="general", policy="warn")
    await nina.send(room, "!release new")
    first = await scene.dm("nina", r"Client reference")
    dm = first.room_id

    async def answer(text: str, expect: str) -> None:
        count = len(nina.notices_from(scene.bot_id, dm))
        await nina.send(dm, text)
        await nina.wait_for(lambda s: s.room_id == dm and s.sender == scene.bot_id
                            and len(nina.notices_from(scene.bot_id, dm)) > count
                            and re.search(expect, s.content.get("body", "")) is not None)

    await answer("C-2040", r"Receiving agency")
    await answer("9", r"Please answer again")  # no option 9: re-asked at once
    await answer("clinic", r"Categories of information")
    await answer("4, 2", r"Scope")
    await answer("last appointment date only", r"Purpose")
    await answer("coordination of care", r"Signed on")
    await answer("2026-03-02", r"Expires on")
    await answer("2026-05-31", r"Recorded release R-1")
    # Nothing of the dialogue reached the room.
    assert scene["omar"].notices_from(scene.bot_id, room) == []
    assert not any("appointment" in s.content.get("body", "") for s in scene["omar"].seen)


async def test_release_with_partial_key_values_reports_the_missing_fields_privately(scene: Scene) -> None:
    """The releases handler treats ``key=value`` arguments as a complete one-line form."""
    nina = scene["nina"]
    room = await scene.channel("nina", ("omar",), name="general", policy="warn")
    await nina.send(room, "!release new client=C-2040 agency=clinic")
    refused = await scene.dm("nina", r"nothing was stored")
    assert "Purpose is required" in refused.content["body"]
    assert scene["omar"].notices_from(scene.bot_id, room) == []


# -- 5. tips, the point person's side: acknowledge, disseminate, answers, case meeting --------------
TIP_CANARY = "ZEBRA-CANARY-7741"
INLINE_TIP = f'name="{CANARY_NAME}" phone="{CANARY_PHONE}" observed="{TIP_CANARY} two girls at the motel"'


async def _submit_tip(scene: Scene) -> Seen:
    """Alice types an inline tip in a group room; returns the point person's copy (``New tip T-0001``)."""
    room = await scene.channel("alice", ("omar",), name="general", policy="warn", bot_power=50)
    typed = await scene["alice"].send(room, f"!tip {INLINE_TIP}")
    await scene.redaction_of("alice", typed)
    await scene.dm("alice", r"stored as \*?T-0001")
    return await scene.dm("vera", r"New tip T-0001")


async def test_point_person_acknowledges_disseminates_and_core_team_answers(scene: Scene) -> None:
    vera, nina, omar = scene["vera"], scene["nina"], scene["omar"]
    tip = await _submit_tip(scene)
    assert TIP_CANARY in tip.content["body"]
    assert "Reply 1 to Acknowledge, 2 to Mark duplicate, 3 to Disseminate, 4 to Open case, 5 to Close" \
        in tip.content["body"]

    # Acknowledge by reacting to the numbered menu: the submitter is told, without who or what.
    await vera.react(tip.room_id, tip.event_id, "1️⃣")
    await scene.dm("vera", r"T-0001 acknowledged")
    received = await scene.dm("alice", r"T-0001 has been received")
    assert "tip point person" in received.content["body"] and "Vera" not in received.content["body"]
    assert TIP_CANARY not in received.content["body"] and not _leaks(received.content["body"])
    assert len(scene.audit("tip.acknowledged")) == 1

    # Disseminate by replying 3 to the same message: a one-question dialogue; skip = name only.
    await scene.reply("vera", tip, "3")
    question = await scene.dm("vera", r"What to send")
    await vera.send(question.room_id, "skip")
    sent = await scene.dm("vera", r"T-0001 sent to \d+ Core Team member")
    # Core Team members with a Matrix id, minus the point person: omar, alice, nina (dan and
    # paula have no Matrix id; hana is not on the Core Team).
    assert "sent to 3 Core Team member(s) (name/alias only)" in sent.content["body"]
    asks = {h: await scene.dm(h, r"Tip T-0001 — need-to-know check") for h in ("omar", "alice", "nina")}
    for handle, ask in asks.items():
        body = ask.content["body"]
        assert f"Name/alias: {CANARY_NAME}" in body, handle
        assert "Reply 1 to I have information, 2 to No information" in body, handle
        for secret in (TIP_CANARY, "motel", "girls", "555", "0199"):
            assert secret not in body, (handle, secret)

    # Answers through the numbered menu: a bare number in the DM, and a keycap reaction.
    await nina.send(asks["nina"].room_id, "1")
    await scene.dm("nina", r"will be in touch about a short meeting on T-0001")
    await omar.react(asks["omar"].room_id, asks["omar"].event_id, "2️⃣")
    await scene.dm("omar", r"no information on T-0001")
    has_info = await scene.dm("vera", r"Nina Sato \(Safe Haven Services\) has information")
    assert "Set up case meeting" in has_info.content["body"]
    await scene.dm("vera", r"Omar Haddad .* has no information")
    assert [r.detail["has_information"] for r in scene.audit("tip.response")] == [True, False]

    # The case meeting: a private room with only the point person and the member with information.
    await scene.reply("vera", has_info, "1")
    await scene.dm("vera", r"Private meeting room created for T-0001 with 2 members")
    intro = await nina.wait_for(lambda s: s.sender == scene.bot_id and "Case meeting for tip T-0001"
                                in s.content.get("body", ""), timeout=20)
    meeting = scene.bot.platform.client.rooms[intro.room_id]
    assert set(meeting.users) | set(meeting.invited_users) == {scene.bot_id, vera.user.user_id, nina.user.user_id}
    assert not _leaks(intro.content["body"]) and TIP_CANARY not in intro.content["body"]

    # Nobody but the point person ever saw the observation; hana (not Core Team) got nothing at all.
    await asyncio.sleep(1)
    assert scene.bot_dms("hana") == []
    for handle in ("alice", "omar", "nina", "hana"):
        assert not any(TIP_CANARY in body for body in scene.bot_dms(handle)), handle
        assert not any(TIP_CANARY in s.content.get("body", "") for s in scene[handle].seen
                       if s.sender == scene.bot_id), handle


async def test_unacknowledged_tip_is_reminded_then_escalated_to_the_backup(scene: Scene) -> None:
    await _submit_tip(scene)

    await scene.tick(minutes=59)
    assert scene.audit("tip.reminded") == []
    await scene.tick(minutes=1)  # ack_reminder_minutes = 60
    reminder = await scene.dm("vera", r"Reminder: tip T-0001 \(routine\) has not been acknowledged")
    assert "Reply 1 to Acknowledge" in reminder.content["body"]
    assert TIP_CANARY not in reminder.content["body"] and not _leaks(reminder.content["body"])

    await scene.tick(minutes=179)
    assert scene.audit("tip.escalated") == []
    await scene.tick(minutes=1)  # escalate_minutes = 240
    escalated = await scene.dm("omar", r"Escalated tip T-0001 \(not acknowledged for 240 minutes\)")
    body = escalated.content["body"]
    assert TIP_CANARY in body  # the backup gets the whole tip, with the handler's actions
    assert "Reply 1 to Acknowledge, 2 to Mark duplicate, 3 to Disseminate" in body
    # Before escalation the backup had nothing about the tip (only the escalation itself).
    assert [b for b in scene.bot_dms("omar") if "T-0001" in b] == [body]
    assert [r.detail["to"] for r in scene.audit("tip.escalated")] == ["backup"]

    # The backup acknowledges by replying to the escalated tip; the submitter is told.
    await scene.reply("omar", escalated, "1")
    await scene.dm("omar", r"T-0001 acknowledged")
    await scene.dm("alice", r"T-0001 has been received")
    await scene.tick(hours=5)  # nothing more is due
    assert len(scene.audit("tip.reminded")) == 1 and len(scene.audit("tip.escalated")) == 1
    assert not any(TIP_CANARY in b for b in scene.bot_dms("alice") + scene.bot_dms("nina"))


# -- 6. PII guard without power level: possible breach after breach_after_minutes -------------------
async def test_pii_left_standing_without_power_is_reported_as_a_possible_breach(scene: Scene) -> None:
    room = await scene.channel("nina", ("omar",))  # the bot has the default level 0
    message = await scene["nina"].send(room, CANARY)
    await scene.dm("nina", r"cannot remove your message")
    alert = await scene.dm("omar", r"PII guard \(PII-\d+\)")

    await scene.tick(minutes=14)
    assert scene.audit("pii.breach_reported") == []
    await scene.tick(minutes=1)  # breach_after_minutes = 15
    breach = await scene.dm("omar", r"Possible breach of confidentiality PB-1")
    body = breach.content["body"]
    assert "#core-team" in body and "Nina Sato" in body and "a name and a phone number" in body
    assert not _leaks(body)
    # The coordinator got exactly the alert and then the breach report; reported once.
    await scene.tick(minutes=30)
    await asyncio.sleep(1)
    assert scene.bot_dms("omar") == [alert.content["body"], body]
    [row] = scene.audit("pii.breach_reported")
    assert row.detail["breach"] == "PB-1" and not _leaks(str(row.detail))
    # Nobody removed it: the bot has no power, and the message stays in the room.
    assert not any(s.type == "m.room.redaction" and s.redacts == message for s in scene["omar"].seen)
    assert scene["omar"].notices_from(scene.bot_id, room) == []


async def test_no_breach_report_when_the_poster_edits_the_pii_out(scene: Scene) -> None:
    room = await scene.channel("nina", ("omar",))
    message = await scene["nina"].send(room, CANARY)
    await scene.dm("nina", r"cannot remove your message")
    alert = await scene.dm("omar", r"PII guard \(PII-\d+\)")

    await scene.tick(minutes=5)
    await scene["nina"].edit(room, message, "Tell the client to call the office tonight")
    await scene.dm("nina", r"no longer shows PII")
    await scene.tick(minutes=11)
    await scene.tick(minutes=30)
    await asyncio.sleep(1)
    assert scene.bot_dms("omar") == [alert.content["body"]]
    assert scene.audit("pii.breach_reported") == []


# -- 7. !preview in a room: removed, previewed by DM, posted redacted by choosing 1 ----------------
async def test_preview_in_a_room_then_post_redacted(scene: Scene) -> None:
    alice, omar = scene["alice"], scene["omar"]
    room = await scene.channel("alice", ("omar",), name="general", policy="warn", bot_power=50)
    typed = await alice.send(room, f"!preview {CANARY}")

    redaction = await scene.redaction_of("omar", typed)
    assert redaction.sender == scene.bot_id and not _leaks(str(redaction.content.get("reason", "")))
    preview = await scene.dm("alice", r"Preview for #general")
    body = preview.content["body"]
    assert "I found a name and a phone number" in body
    assert "Tell [PERSON] to call [PHONE] tonight" in body and not _leaks(body)
    assert body.endswith("Reply 1 to Post redacted (or react 1️⃣).")
    assert scene["omar"].notices_from(scene.bot_id, room) == []  # nothing posted before the choice

    await alice.send(preview.room_id, "1")  # a bare number in the DM picks from the latest menu
    post = await omar.wait_for(lambda s: s.room_id == room and s.sender == scene.bot_id
                               and "checked by needtoknow" in s.content.get("body", ""))
    assert post.content["body"] == "Alice Brennan wrote (checked by needtoknow): Tell [PERSON] to call [PHONE] tonight"
    assert post.content["msgtype"] == "m.notice"
    await scene.dm("alice", r"Posted in #general")
    # Choosing again does not post twice.
    await alice.send(preview.room_id, "1")
    await scene.dm("alice", r"expired or was already handled")
    assert [s.content["body"] for s in omar.notices_from(scene.bot_id, room)] == [post.content["body"]]
    assert not any(_leaks(s.content.get("body", "")) for s in omar.seen if s.room_id == room and s.event_id != typed)
