"""The shared scenarios (tips, PII guard, operations, releases) through the Slack adapter.

The real core (``build_app`` with the demo directory, one loaded redaction engine for the session, a
fake clock) runs behind the adapter in HTTP mode on loopback. Every inbound request is a signed HTTP
request like Slack's (slash command, Events API callback, ``block_actions`` payload); every outbound
call lands in the Web API stand-in. Assertions are about what Slack users would see: who got a DM,
an ephemeral message, a channel post, a deleted message.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import parse_config
from bot.slack.platform import SlackPlatform
from storage.crypto import KeyRing
from storage.models import AuditEntry
from tests.harness import demo_data
from tests.integration.slack.conftest import (
    command_body,
    event_body,
    http_settings,
    interactive_body,
    signed,
)
from tests.integration.slack.conftest import stand_in as stand_in  # the fixture
from tests.integration.slack.mock_web_api import ADMIN_TOKEN, BOT_TOKEN, Call, SlackStandIn

#: Slack member ids of the demo directory. The stand-in opens DM ``D<id without the U>``.
USERS = {handle: f"U{handle.upper()}" for handle in ("vera", "omar", "alice", "dan", "paula", "nina", "hana", "leo")}
CHANNELS = {"general": "CGENERAL", "core-team": "GCORETEAM", "case-review": "GCASEREVIEW"}
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago

CANARY_NAME = "Zebediah Quackenbush"
CANARY_PHONE = "312-555-0199"
CANARY = f"Tell {CANARY_NAME} to call {CANARY_PHONE} tonight"
TIP_CANARY = "ZEBRA-CANARY-7741"
TIP = f'name="Marco Silva" phone="(312) 555-0147" observed="{TIP_CANARY} two girls at the motel"'
PII_BITS = (CANARY_NAME, "Quackenbush", CANARY_PHONE, "0199")


def dm(handle: str) -> str:
    return "D" + USERS[handle][1:]


def slack_config_data(tmp_path: Path) -> dict[str, Any]:
    data = demo_data()
    data["bot"]["platform"] = "slack"
    data["database"] = {"url": f"sqlite:///{tmp_path}/needtoknow.db"}
    data.get("security", {}).pop("key_file", None)
    for member in data["members"]:
        member["slack_id"] = USERS[member["handle"]]
    for channel in data["channels"]:
        channel["slack_id"] = CHANNELS[channel["name"]]
    return data


@pytest.fixture(scope="session")
def redactor() -> Iterator[Any]:
    """One loaded PII engine for every scenario (spaCy takes seconds to load)."""
    from redaction import Redactor

    yield Redactor()


class SlackBot:
    """The app behind the adapter, driven over HTTP like Slack would."""

    def __init__(self, app: App, platform: SlackPlatform, stand_in: SlackStandIn, clock: FakeClock,
                 session: aiohttp.ClientSession) -> None:
        self.app, self.platform, self.stand_in, self.clock, self.session = app, platform, stand_in, clock, session
        self._event_ids = iter(range(1, 1_000_000))
        self._ts = iter(range(1, 1_000_000))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.platform.port}/slack/events"

    async def _post(self, body: str, content_type: str) -> tuple[int, str]:
        headers = signed(body, content_type=content_type)
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def command(self, handle: str, slash: str, text: str = "", *, channel: str = "general") -> None:
        """Type ``slash text`` as ``handle`` in ``channel`` (a directory channel name or ``dm``)."""
        if channel == "dm":
            channel_id, channel_name = dm(handle), "directmessage"
        else:
            channel_id, channel_name = CHANNELS[channel], channel
        body = command_body(slash, text, user=USERS[handle], channel=channel_id, channel_name=channel_name,
                            trigger=f"trig-{next(self._ts)}")
        status, answer = await self._post(body, "application/x-www-form-urlencoded")
        assert (status, answer) == (200, "")  # an empty ack: nothing echoed into the channel

    def new_ts(self) -> str:
        return f"1772463600.{next(self._ts):06d}"

    async def event(self, event: dict[str, Any]) -> None:
        body = event_body(event, event_id=f"Ev{next(self._event_ids):06d}")
        status, _ = await self._post(body, "application/json")
        assert status == 200

    async def say(self, handle: str, text: str, *, channel: str) -> str:
        """Post a message in a channel; returns its ts."""
        ts = self.new_ts()
        await self.event({"type": "message", "channel": CHANNELS[channel], "channel_type": "channel",
                          "user": USERS[handle], "text": text, "ts": ts, "event_ts": ts})
        return ts

    async def edit(self, handle: str, ts: str, old: str, new: str, *, channel: str) -> None:
        """Slack's ``message_changed`` event for an edit of message ``ts``."""
        await self.event({
            "type": "message", "subtype": "message_changed", "hidden": True, "channel": CHANNELS[channel],
            "channel_type": "channel", "ts": self.new_ts(), "event_ts": self.new_ts(),
            "message": {"type": "message", "user": USERS[handle], "text": new, "ts": ts,
                        "edited": {"user": USERS[handle], "ts": self.new_ts()}},
            "previous_message": {"type": "message", "user": USERS[handle], "text": old, "ts": ts},
        })

    async def press(self, handle: str, call: Call, label: str) -> None:
        """Press the button labelled ``label`` on the message ``call`` posted, as ``handle`` (a
        ``block_actions`` payload shaped like Slack's for a message or an ephemeral message)."""
        elements = [e for b in call.args.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]]
        [button] = [e for e in elements if e["text"]["text"] == label]
        channel_id = str(call.args["channel"])
        ephemeral = call.method == "chat.postEphemeral"
        ts = str(call.response.get("message_ts" if ephemeral else "ts"))
        container: dict[str, Any] = {"type": "message", "message_ts": ts, "channel_id": channel_id,
                                     "is_ephemeral": ephemeral}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": USERS[handle], "username": handle, "team_id": "T0TEST"},
            "api_app_id": "A0TEST", "token": "legacy", "team": {"id": "T0TEST", "domain": "ntk-test"},
            "trigger_id": f"trig-{next(self._ts)}", "container": container,
            "channel": {"id": channel_id,
                        "name": "directmessage" if channel_id.startswith("D") else "channel"},
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b",
                         "text": button["text"], "value": button.get("value", ""),
                         "action_ts": f"{time.time():.6f}"}],
        }
        if not ephemeral:  # Slack sends the message only when it is not ephemeral
            payload["message"] = {"type": "message", "ts": ts, "text": call.args.get("text", ""),
                                  "blocks": call.args.get("blocks", [])}
        status, _ = await self._post(interactive_body(payload), "application/x-www-form-urlencoded")
        assert status == 200

    # --- what Slack users see -----------------------------------------------------------------------

    def posts(self, channel_id: str) -> list[Call]:
        return [c for c in self.stand_in.calls_to("chat.postMessage") if c.args.get("channel") == channel_id]

    def dms(self, handle: str) -> list[Call]:
        return self.posts(dm(handle))

    def ephemerals(self, handle: str, channel: str | None = None) -> list[Call]:
        return [c for c in self.stand_in.calls_to("chat.postEphemeral") if c.args.get("user") == USERS[handle]
                and (channel is None or c.args.get("channel") == CHANNELS[channel])]

    async def until(self, found: Callable[[], list[Call]], count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait for the lazy listeners (and the outbox) until ``found()`` has ``count`` calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = found()
            if len(calls) >= count:
                await self.settle()
                return found()
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} call(s); saw {[c.method for c in self.stand_in.calls]}")

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until no Web API call has been made for ``quiet`` seconds and background deliveries
        are done (so 'nothing else was sent' assertions are meaningful)."""
        while True:
            count = len(self.stand_in.calls)
            await asyncio.sleep(quiet)
            await self.app.drain()
            if len(self.stand_in.calls) == count:
                return

    async def tick(self, **delta: float) -> None:
        """Move the fake clock, run what is due and deliver the outbox (like the scheduler would)."""
        self.clock.advance(**delta)
        self.app.run_due()
        await self.app.deliver_outbox(self.clock.now())
        await self.app.drain()

    def audit(self) -> list[AuditEntry]:
        with self.app.services.db.session() as s:
            return list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())

    def everything_sent(self) -> str:
        return json.dumps([c.args for c in self.stand_in.calls])


@asynccontextmanager
async def running(tmp_path: Path, stand_in: SlackStandIn, redactor: Any, *,
                  admin_token: bool = False, bot: dict[str, Any] | None = None,
                  **overrides: Any) -> AsyncIterator[SlackBot]:
    data = slack_config_data(tmp_path)
    data["bot"].update(bot or {})  # e.g. engine_process
    config = parse_config(data, source="slack scenario test", base_dir=str(tmp_path))
    settings = http_settings(stand_in, admin_user_token=ADMIN_TOKEN if admin_token else None, **overrides)
    platform = SlackPlatform(settings)
    clock = FakeClock(START)
    app = build_app(config, platform, keyring=KeyRing.generate(), clock=clock, redactor=redactor)
    for name, channel_id in CHANNELS.items():
        members = next(c.get("members") for c in config.raw["channels"] if c["name"] == name) or list(USERS)
        stand_in.channel_members[channel_id] = [USERS[h] for h in members]
    await platform.start(app)
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackBot(app, platform, stand_in, clock, session)
    finally:
        await platform.stop()
        await app.stop()


@pytest.fixture
async def slack(tmp_path: Path, stand_in: SlackStandIn, redactor: Any) -> AsyncIterator[SlackBot]:
    async with running(tmp_path, stand_in, redactor) as bot:
        yield bot


@pytest.fixture
async def slack_admin(tmp_path: Path, stand_in: SlackStandIn, redactor: Any) -> AsyncIterator[SlackBot]:
    async with running(tmp_path, stand_in, redactor, admin_token=True) as bot:
        yield bot


# --- 1. tips --------------------------------------------------------------------------------------


async def test_tip_goes_only_to_the_point_person_and_the_submitter_gets_a_private_reference(
    slack: SlackBot,
) -> None:
    await slack.command("nina", "/tip", TIP, channel="general")
    [tip_dm] = await slack.until(lambda: slack.dms("vera"))
    [confirmation] = await slack.until(lambda: slack.ephemerals("nina", "general"))
    # The DM was opened for the point person only.
    assert [c.args["users"] for c in slack.stand_in.calls_to("conversations.open")] == [USERS["vera"]]
    assert "New tip T-0001" in tip_dm.args["text"] and TIP_CANARY in tip_dm.args["text"]
    labels = [e["text"]["text"] for b in tip_dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Acknowledge", "Mark duplicate", "Disseminate", "Open case", "Close"]
    assert "T-0001" in confirmation.args["text"]
    for secret in (TIP_CANARY, "Marco", "0147", "Vera"):
        assert secret not in confirmation.args["text"]
    # Nothing about the tip in any channel, nor in anyone else's DM.
    others = [c for c in slack.stand_in.calls_to("chat.postMessage") if c is not tip_dm]
    assert not any(TIP_CANARY in json.dumps(c.args) or "Marco" in json.dumps(c.args) for c in others)
    assert not any(c.args["channel"] in CHANNELS.values() for c in slack.stand_in.calls_to("chat.postMessage"))
    assert slack.stand_in.calls_to("chat.delete") == []

    await slack.press("vera", tip_dm, "Acknowledge")
    await slack.until(lambda: [c for c in slack.dms("vera") if c is not tip_dm])
    assert any("T-0001" in c.args["text"] and "cknowledged" in c.args["text"]
               for c in slack.dms("vera")[1:])
    assert [r.target for r in slack.audit() if r.action == "tip.acknowledged"] == ["T-0001"]


# --- 2. PII guard without the admin token -----------------------------------------------------------


async def test_pii_in_a_warn_channel_gets_a_private_warning_and_is_not_deleted(slack: SlackBot) -> None:
    await slack.say("dan", CANARY, channel="general")
    [warning] = await slack.until(lambda: slack.ephemerals("dan", "general"))
    text = warning.args["text"]
    assert "a name and a phone number" in text and "[PERSON]" in text and "[PHONE]" in text
    assert not any(bit in json.dumps(warning.args) for bit in PII_BITS)
    labels = [e["text"]["text"] for b in warning.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Repost redacted", "Keep (give reason)", "Delete"]
    assert slack.stand_in.calls_to("chat.delete") == []
    assert slack.stand_in.calls_to("chat.postMessage") == []


async def test_pii_in_a_redact_channel_without_admin_token_warns_alerts_and_reports_a_breach(
    slack: SlackBot,
) -> None:
    await slack.say("nina", CANARY, channel="core-team")
    [warning] = await slack.until(lambda: slack.ephemerals("nina", "core-team"))
    assert "cannot remove your message" in warning.args["text"]
    assert not any(bit in json.dumps(warning.args) for bit in PII_BITS)
    [alert] = await slack.until(lambda: slack.dms("omar"))
    assert "#core-team" in alert.args["text"] and "a name and a phone number" in alert.args["text"]
    assert slack.stand_in.calls_to("chat.delete") == []  # no admin token: the adapter does not even try
    assert [c for c in slack.stand_in.calls_to("chat.postMessage") if c.args["channel"] == "GCORETEAM"] == []

    await slack.tick(minutes=14)
    assert len(slack.dms("omar")) == 1
    await slack.tick(minutes=2)
    breach = slack.dms("omar")[-1].args["text"]
    assert "Possible breach of confidentiality PB-1" in breach and "#core-team" in breach
    assert "Nina Sato" in breach
    assert not any(bit in slack.everything_sent().replace(json.dumps(warning.args), "") for bit in PII_BITS)
    assert [r.action for r in slack.audit()].count("pii.breach_reported") == 1


# --- 3. PII guard with the admin token ---------------------------------------------------------------


async def test_pii_in_a_redact_channel_with_admin_token_is_deleted_and_reposted_redacted(
    slack_admin: SlackBot,
) -> None:
    slack = slack_admin
    ts = await slack.say("nina", CANARY, channel="core-team")
    [deleted] = await slack.until(lambda: slack.stand_in.calls_to("chat.delete"))
    assert deleted.token == ADMIN_TOKEN
    assert (deleted.args["channel"], deleted.args["ts"]) == ("GCORETEAM", ts)
    [repost] = await slack.until(lambda: slack.posts("GCORETEAM"))
    assert repost.token == BOT_TOKEN
    assert repost.args["text"].startswith("Nina Sato wrote (PII removed by needtoknow): Tell [PERSON]")
    assert not any(bit in json.dumps(repost.args) for bit in PII_BITS)
    [told] = await slack.until(lambda: slack.ephemerals("nina", "core-team"))
    assert "I removed your message in #core-team" in told.args["text"]
    assert not any(bit in slack.everything_sent() for bit in PII_BITS)
    assert slack.dms("omar") == []  # nothing to escalate


async def test_warning_repost_button_with_admin_token_deletes_and_reposts(slack_admin: SlackBot) -> None:
    slack = slack_admin
    ts = await slack.say("dan", CANARY, channel="general")
    [warning] = await slack.until(lambda: slack.ephemerals("dan", "general"))
    await slack.press("dan", warning, "Repost redacted")
    [deleted] = await slack.until(lambda: slack.stand_in.calls_to("chat.delete"))
    assert (deleted.token, deleted.args["ts"]) == (ADMIN_TOKEN, ts)
    [repost] = await slack.until(lambda: slack.posts("CGENERAL"))
    assert repost.args["text"].startswith("Dan Okafor wrote (PII removed by needtoknow): Tell [PERSON]")
    assert not any(bit in slack.everything_sent() for bit in PII_BITS)


# --- 4. edits ----------------------------------------------------------------------------------------


async def test_an_edit_bringing_pii_in_is_caught(slack: SlackBot) -> None:
    ts = await slack.say("dan", "I will call her later", channel="general")
    await slack.settle()
    assert slack.ephemerals("dan") == []
    await slack.edit("dan", ts, "I will call her later", CANARY, channel="general")
    [warning] = await slack.until(lambda: slack.ephemerals("dan", "general"))
    assert "a name and a phone number" in warning.args["text"]
    assert not any(bit in json.dumps(warning.args) for bit in PII_BITS)
    assert slack.audit()[-1].detail["edit"] is True


async def test_pii_edited_out_then_back_in_is_caught_again(slack: SlackBot) -> None:
    clean = "Tell the client to call the office tonight"
    ts = await slack.say("nina", CANARY, channel="core-team")
    await slack.until(lambda: slack.ephemerals("nina", "core-team"))
    await slack.edit("nina", ts, CANARY, clean, channel="core-team")
    await slack.until(lambda: slack.ephemerals("nina", "core-team"), 2)
    assert "no longer shows PII" in slack.ephemerals("nina", "core-team")[-1].args["text"]
    await slack.edit("nina", ts, clean, CANARY, channel="core-team")
    [*_, again] = await slack.until(lambda: slack.ephemerals("nina", "core-team"), 3)
    assert "cannot remove your message" in again.args["text"]
    assert not any(bit in json.dumps(again.args) for bit in PII_BITS)


async def test_redacted_message_edited_back_to_pii_is_deleted_again(slack_admin: SlackBot) -> None:
    slack = slack_admin
    ts = await slack.say("nina", CANARY, channel="core-team")
    await slack.until(lambda: slack.stand_in.calls_to("chat.delete"))
    # A late edit event for the deleted original (Slack may deliver it) must be caught too. (The
    # handler keys a repost by message and time: the clock moves on, as it does between an edit.)
    slack.clock.advance(minutes=1)
    await slack.edit("nina", ts, "ok", f"{CANARY} (edited)", channel="core-team")
    deletes = await slack.until(lambda: slack.stand_in.calls_to("chat.delete"), 2)
    assert [d.args["ts"] for d in deletes] == [ts, ts]
    assert len(slack.posts("GCORETEAM")) == 2
    assert not any(bit in json.dumps([c.args for c in slack.posts("GCORETEAM")]) for bit in PII_BITS)


# --- 5. preview ----------------------------------------------------------------------------------------


async def test_a_burst_of_previews_is_scanned_ahead_in_one_batch_and_each_member_gets_their_own(
    slack: SlackBot,
) -> None:
    """``/preview``s acknowledged together announce their texts while they wait for a handler thread, so the first
    scan takes the others along (``App.scan_ahead``, ``redaction/batching.py``): each member still gets the preview
    of their own text (the same as scanned alone), one pending row and one audit row each, nothing else sent."""
    colours = ("red", "blue", "green", "white", "black", "silver", "brown", "yellow")
    texts = {
        handle: (f"Tell {first} Quackenbush to call 312-555-01{n:02d} about the {colour} van" if n % 2 else
                 f"The shelter has beds open tonight, the {colour} van brings blankets")
        for n, (handle, first, colour) in enumerate(zip(USERS, ("Zebediah", "Maria", "Ana", "Luis", "Dmitri",
                                                                "Keisha", "Oksana", "Tomas"), colours, strict=True))
    }
    engine = slack.app.services.redactor_loader()
    expected = {handle: engine.redact(text).text for handle, text in texts.items()}  # each scanned alone
    assert len(set(expected.values())) == len(texts)
    batcher = engine._batcher
    served_before = batcher.served_ahead
    await asyncio.gather(*(slack.command(h, "/preview", text, channel="general") for h, text in texts.items()))
    for handle in texts:
        await slack.until(lambda h=handle: slack.ephemerals(h, "general"), timeout=30)
    await slack.settle(0.5)
    for handle, masked in expected.items():
        [preview] = slack.ephemerals(handle, "general")
        assert masked in preview.args["text"], handle
        others = [m for h, m in expected.items() if h != handle]
        assert not any(m in preview.args["text"] for m in others), handle
    assert not any(bit in slack.everything_sent() for bit in ("Quackenbush", "312-555-01"))
    assert [r.action for r in slack.audit() if r.action.startswith("pii.")] == ["pii.previewed"] * len(texts)
    assert batcher.served_ahead > served_before  # some handlers found their text scanned ahead
    assert not batcher._ahead and not batcher._done_ahead  # nothing announced is left over


async def test_preview_then_post_redacted(slack: SlackBot) -> None:
    await slack.command("dan", "/preview", CANARY, channel="general")
    [preview] = await slack.until(lambda: slack.ephemerals("dan", "general"))
    assert "I found a name and a phone number" in preview.args["text"]
    assert not any(bit in json.dumps(preview.args) for bit in PII_BITS)
    labels = [e["text"]["text"] for b in preview.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Post redacted"]
    assert slack.stand_in.calls_to("chat.postMessage") == []
    await slack.press("dan", preview, "Post redacted")
    [post] = await slack.until(lambda: slack.posts("CGENERAL"))
    assert post.args["text"] == "Dan Okafor wrote (checked by needtoknow): Tell [PERSON] to call [PHONE] tonight"
    assert [r.action for r in slack.audit() if r.action.startswith("pii.")] == [
        "pii.previewed", "pii.preview_posted"]


# --- 6. operations -------------------------------------------------------------------------------------


async def test_operation_notice_reaches_the_ngo_coarsely_and_the_ack_is_recorded(slack: SlackBot) -> None:
    await slack.command(
        "alice", "/operation",
        'new when="2026-03-12 06:00" victims=5 genders=female languages=Spanish minors=yes needs=shelter '
        'ngos=haven location="Motel canary" notes="Target canary"',
        channel="dm",
    )
    [notice] = await slack.until(lambda: slack.dms("nina"))
    text = notice.args["text"]
    assert "OP-1" in text and "Expected: end of next week" in text and "Estimated victims: 4–6" in text
    for leak in ("2026", "03-12", "06:00", "Motel", "Target", "Thursday", "March"):
        assert leak not in text
    buttons = [e for b in notice.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["text"]["text"], e.get("value")) for e in buttons] == [("Acknowledge", "1")]
    reply = await slack.until(lambda: slack.dms("alice"))
    assert reply[0].args["text"].startswith("Recorded OP-1.")
    assert not any(c.args["channel"] in CHANNELS.values() for c in slack.stand_in.calls_to("chat.postMessage"))

    await slack.press("nina", notice, "Acknowledge")
    thanks = await slack.until(lambda: slack.dms("nina"), 2)
    assert thanks[-1].args["text"] == "Thank you — notice 1 for OP-1 is acknowledged."
    acks = [r for r in slack.audit() if r.action == "operations.notice_acknowledged"]
    assert [(r.actor, r.detail) for r in acks] == [("member:nina", {"notice": 1})]


# --- 7. releases ---------------------------------------------------------------------------------------


async def test_release_check_answers_ephemerally(slack: SlackBot) -> None:
    await slack.command("nina", "/release", "check C-1187 hsi", channel="general")
    [no] = await slack.until(lambda: slack.ephemerals("nina", "general"))
    assert no.args["text"].startswith("No")
    await slack.command(
        "nina", "/release",
        "new client=C-1187 agency=hsi categories=contact_information,case_details "
        'purpose="coordination of care" signed=2026-03-01 expires=2026-04-15',
        channel="dm",
    )
    await slack.until(lambda: slack.dms("nina"))
    await slack.command("nina", "/release", "check c1187 hsi contact_information", channel="core-team")
    [yes] = await slack.until(lambda: slack.ephemerals("nina", "core-team"))
    assert yes.args["text"].startswith("Yes for contact information — client C1187:")
    assert "valid until 2026-04-15" in yes.args["text"]
    assert not any(c.args["channel"] in CHANNELS.values() for c in slack.stand_in.calls_to("chat.postMessage"))


# --- Slack's text encoding -----------------------------------------------------------------------------


async def test_slack_encoded_text_is_scanned_and_reposted_as_typed(slack: SlackBot) -> None:
    """Slack sends ``&`` as ``&amp;`` and e-mails as ``<mailto:...|...>``: the repost must show what
    the member typed (escaped once), not ``&amp;amp;`` or raw link markup."""
    encoded = ("Q&amp;A &lt;3: call 312-555-0199 or mail "
               "<mailto:z.quack@example.org|z.quack@example.org>")
    await slack.command("dan", "/preview", encoded, channel="general")
    [preview] = await slack.until(lambda: slack.ephemerals("dan", "general"))
    assert "z.quack" not in json.dumps(preview.args) and "mailto" not in preview.args["text"]
    await slack.press("dan", preview, "Post redacted")
    [post] = await slack.until(lambda: slack.posts("CGENERAL"))
    assert post.args["text"].startswith("Dan Okafor wrote (checked by needtoknow): Q&amp;A &lt;3: call [PHONE]")
    assert "mailto" not in post.args["text"] and "&amp;amp;" not in post.args["text"]
    assert post.args["text"].count("[EMAIL]") == 1, post.args["text"]


# --- 8. the insider (issue 16): identity is not editable by whoever holds admin ----------------------------


async def test_an_admin_cannot_make_himself_law_enforcement_and_read_the_operation(slack: SlackBot) -> None:
    await slack.command(
        "alice", "/operation", 'new when="2026-03-12 06:00" victims=5 location="Motel LOCCANARY5" notes="x"',
        channel="dm",
    )
    await slack.until(lambda: slack.dms("alice"))
    steps = [
        ("/ntk-admin", 'add omar name="Omar Haddad" agency=hsi discipline=law_enforcement'),
        ("/ntk-admin", "grant omar operation_lead"),
        ("/operation", "team OP-1 add omar"),
        ("/operation", "show OP-1"),
    ]
    for slash, text in steps:
        await slack.command("omar", slash, text, channel="dm")
    replies = await slack.until(lambda: slack.dms("omar"), len(steps))
    texts = [c.args["text"] for c in replies]
    assert "does not change an existing member's discipline, agency" in texts[0]
    assert "Nobody can grant a role to themselves" in texts[1]
    await slack.settle()
    for call in slack.stand_in.calls:
        if "LOCCANARY5" in json.dumps(call.args):
            assert call.args.get("channel") == dm("alice"), call.method
    assert not any(r.action == "directory.member_updated" for r in slack.audit())
    assert sum(1 for r in slack.audit() if r.action == "permission.denied" and r.actor == "member:omar") >= 3
