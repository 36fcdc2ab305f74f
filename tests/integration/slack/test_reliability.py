"""What the Slack adapter guarantees when things go wrong, over real HTTP (signed requests through
Bolt, the Web API stand-in): odd or hostile requests, other workspaces, Slack Connect users, threads,
failed handlers and Slack's retries, Web API outages, and readiness before the first request."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from bot.events import ButtonPressed, CommandInvoked, MessageEdited, MessagePosted
from bot.platform import ChannelRef, UserRef
from bot.slack.platform import REFUSAL, SlackPlatform
from tests.integration.slack.conftest import (
    RecordingCore,
    RunningBot,
    command_body,
    event_body,
    http_settings,
    interactive_body,
    retry_headers,
    signed,
    socket_settings,
)
from tests.integration.slack.mock_web_api import SlackStandIn

CANARY = "Zebediah Quackenbush 312-555-0199"
JSON = "application/json"


def message(text: str = "hello", *, user: str = "U1", ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": "C1", "channel_type": "channel", "user": user, "text": text, "ts": ts,
            **extra}


@pytest.fixture
async def fast_bot(stand_in: SlackStandIn) -> AsyncIterator[RunningBot]:
    """HTTP mode with short retry timings (the production defaults are seconds to minutes)."""
    platform = SlackPlatform(http_settings(stand_in, event_retries=2, retry_backoff_seconds=0.05,
                                           event_lease_seconds=2.0, timeout=0.5))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    async with aiohttp.ClientSession() as session:
        yield RunningBot(platform, core, stand_in, session)
    await platform.stop()


def no_body_and_no_traceback(records: list[logging.LogRecord]) -> None:
    for record in records:
        assert record.exc_info is None and not record.exc_text, record.getMessage()
        text = record.getMessage()
        assert "Traceback" not in text
        assert "Quackenbush" not in text and "555-0199" not in text


# --- 4. malformed, oversized and unsigned requests -----------------------------------------------------

MALFORMED: dict[str, tuple[bytes, str, int]] = {
    "invalid JSON": (b'{"type": "event_callback", "event": {"text": "' + CANARY.encode() + b'"', JSON, 400),
    "non-UTF-8 bytes": (b'{"type": "event_callback", "text": "\xff\xfe' + CANARY.encode() + b'"}', JSON, 400),
    "a JSON array": (json.dumps([{"type": "event_callback", "text": CANARY}]).encode(), JSON, 400),
    "a JSON string": (json.dumps(CANARY).encode(), JSON, 400),
    "an event without its event": (json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0TEST",
                                               "text": CANARY}).encode(), JSON, 400),
    "an event whose text is not text": (event_body(message(text={"x": CANARY})).encode(),  # type: ignore[arg-type]
                                        JSON, 400),
    "actions: []": (interactive_body({"type": "block_actions", "team": {"id": "T0TEST"},
                                      "user": {"id": "U1"}, "actions": [], "text": CANARY}).encode(),
                    "application/x-www-form-urlencoded", 400),
    "an action without action_id": (interactive_body({"type": "block_actions", "team": {"id": "T0TEST"},
                                                      "user": {"id": "U1"}, "actions": [{"value": CANARY}]}).encode(),
                                    "application/x-www-form-urlencoded", 400),
    "a button press without a user": (interactive_body({"type": "block_actions", "team": {"id": "T0TEST"},
                                                        "actions": [{"action_id": "a", "value": CANARY}]}).encode(),
                                      "application/x-www-form-urlencoded", 400),
    "a payload that is not JSON": (b"payload=%7B%22type" + CANARY.encode(), "application/x-www-form-urlencoded", 400),
    "a payload that is an array": (interactive_body([CANARY]).encode(),  # type: ignore[arg-type]
                                   "application/x-www-form-urlencoded", 400),
    "a command without a user": (b"command=%2Ftip&channel_id=C1&team_id=T0TEST&text=" + CANARY.encode(),
                                 "application/x-www-form-urlencoded", 400),
    "a form that is not UTF-8": (b"command=%2Ftip&user_id=U1&channel_id=C1&team_id=T0TEST&text=%FF%FE",
                                 "application/x-www-form-urlencoded", 400),
    "an unknown payload type": (json.dumps({"type": "surprise", "text": CANARY}).encode(), JSON, 400),
    "a body over the size limit": (b'{"type": "event_callback", "text": "' + CANARY.encode() * 40_000 + b'"}',
                                   JSON, 413),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_request_gets_a_clean_4xx_and_nothing_of_it_is_logged(
    case: str, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    raw, content_type, expected = MALFORMED[case]
    headers = signed(raw.decode("latin-1"), content_type=content_type)
    # ``signed`` signs text; sign the exact bytes (non-UTF-8 bodies included).
    import hashlib
    import hmac

    from tests.integration.slack.conftest import SIGNING_SECRET

    ts = headers["X-Slack-Request-Timestamp"]
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    headers["X-Slack-Signature"] = f"v0={digest}"
    with caplog.at_level(logging.DEBUG):
        async with bot.session.post(bot.url, data=raw, headers=headers) as resp:
            status, answer = resp.status, await resp.text()
        await asyncio.sleep(0.2)
    assert status == expected
    assert "Quackenbush" not in answer and "Traceback" not in answer
    no_body_and_no_traceback(caplog.records)
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert bot.core.attempts == []


@pytest.mark.parametrize("case", ["invalid JSON", "non-UTF-8 bytes", "a JSON array", "a body over the size limit"])
async def test_the_signature_is_checked_before_the_body_is_parsed(
    case: str, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    raw, content_type, expected = MALFORMED[case]
    bad = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time())),
           "X-Slack-Signature": "v0=" + "0" * 64}
    for headers in (bad, {"Content-Type": content_type}):
        with caplog.at_level(logging.DEBUG):
            async with bot.session.post(bot.url, data=raw, headers=headers) as resp:
                status = resp.status
        # Unsigned junk is refused as unsigned (401), except a body too big to even read (413).
        assert status == (413 if expected == 413 else 401)
    no_body_and_no_traceback(caplog.records)
    assert bot.core.attempts == []


async def test_a_non_numeric_signature_timestamp_is_a_401(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    body = command_body("/tip", CANARY)
    headers = signed(body) | {"X-Slack-Request-Timestamp": "soon"}
    with caplog.at_level(logging.DEBUG):
        status, _, _ = await bot.post(body, headers)
    assert status == 401
    no_body_and_no_traceback(caplog.records)


async def test_malformed_socket_mode_payload_is_refused_without_a_traceback(
    stand_in: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    platform = SlackPlatform(socket_settings(stand_in))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        assert await asyncio.to_thread(stand_in.socket_connected.wait, 5)
        with caplog.at_level(logging.DEBUG):
            stand_in.push({"envelope_id": "env-bad", "type": "interactive", "payload": {
                "type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U1"}, "actions": [],
                "text": CANARY}})
            stand_in.push({"envelope_id": "env-good", "type": "slash_commands", "payload": {
                "team_id": "T0TEST", "channel_id": "C1", "user_id": "U1", "command": "/ntk", "text": ""}})
            await core.wait(kind=CommandInvoked)
        assert [type(e) for e in core.attempts] == [CommandInvoked]
        no_body_and_no_traceback(caplog.records)
    finally:
        await platform.stop()


# --- 6. workspace binding ------------------------------------------------------------------------------


async def test_start_learns_the_workspace_from_auth_test(bot: RunningBot) -> None:
    assert bot.stand_in.calls_to("auth.test")
    assert bot.platform._team_id == "T0TEST"


async def test_another_workspaces_command_is_refused_even_with_a_members_user_id(bot: RunningBot) -> None:
    body = command_body("/tip", CANARY, user="U1", team="T0OTHER")
    status, answer, _ = await bot.post(body, signed(body))
    assert status == 200
    assert json.loads(answer) == {"response_type": "ephemeral", "text": REFUSAL}
    await asyncio.sleep(0.3)
    assert bot.core.attempts == []
    assert CANARY not in json.dumps([c.args for c in bot.stand_in.calls])


async def test_another_workspaces_events_buttons_and_forms_are_refused(bot: RunningBot) -> None:
    event = event_body(message(CANARY), event_id="Ev-foreign", team="T0OTHER")
    button = interactive_body({"type": "block_actions", "team": {"id": "T0OTHER"},
                               "user": {"id": "U1", "team_id": "T0OTHER"}, "trigger_id": "t",
                               "channel": {"id": "C1"}, "actions": [{"action_id": "tips.ack", "value": "T-1"}]})
    view = interactive_body({"type": "view_submission", "team": {"id": "T0OTHER"},
                             "user": {"id": "U1", "team_id": "T0OTHER"},
                             "view": {"type": "modal", "callback_id": "tips.new", "private_metadata": "",
                                      "state": {"values": {}}}})
    for body, content_type in ((event, JSON), (button, "application/x-www-form-urlencoded"),
                               (view, "application/x-www-form-urlencoded")):
        status, answer, _ = await bot.post(body, signed(body, content_type=content_type))
        assert (status, answer) == (200, "")
    await asyncio.sleep(0.3)
    assert bot.core.attempts == [] and bot.core.submissions == []


async def test_another_enterprise_is_refused_on_grid(stand_in: SlackStandIn) -> None:
    stand_in.enterprise_id = "E0OURS"
    platform = SlackPlatform(http_settings(stand_in))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        async with aiohttp.ClientSession() as session:
            bot = RunningBot(platform, core, stand_in, session)
            ours = event_body(message(), event_id="Ev-grid-1", enterprise_id="E0OURS")
            theirs = event_body(message(ts="1700000000.000200"), event_id="Ev-grid-2", enterprise_id="E0THEIRS")
            for body in (theirs, ours):
                status, _, _ = await bot.post(body, signed(body, content_type=JSON))
                assert status == 200
            await core.wait(kind=MessagePosted)
            await asyncio.sleep(0.3)
            assert [e.message.id for e in core.events if isinstance(e, MessagePosted)] == ["1700000000.000100"]
    finally:
        await platform.stop()


async def test_slack_connect_users_are_never_taken_for_members(bot: RunningBot) -> None:
    # A message in a shared channel by someone from another organisation who happens to have the
    # same user id as one of our members.
    posted = event_body(message("hi", user_team="T0EXT", team="T0EXT"), event_id="Ev-ext-1")
    await bot.post(posted, signed(posted, content_type=JSON))
    # A button pressed by an external user.
    button = interactive_body({"type": "block_actions", "team": {"id": "T0TEST"},
                               "user": {"id": "U1", "team_id": "T0EXT"}, "trigger_id": "t",
                               "channel": {"id": "C1"}, "actions": [{"action_id": "pii.repost", "value": "x"}]})
    await bot.post(button, signed(button))
    # A message in an externally shared channel that does not say whose member the poster is:
    # users.info does (and is asked once).
    bot.stand_in.teams["U9"] = "T0EXT2"
    for n in (2, 3):
        quiet = event_body(message("hi", user="U9", ts=f"1700000000.00010{n}"), event_id=f"Ev-ext-{n}",
                           is_ext_shared_channel=True)
        await bot.post(quiet, signed(quiet, content_type=JSON))
    await bot.core.wait(4)
    users = sorted(str(e.user) for e in bot.core.events)
    assert users == ["slack:U1@T0EXT", "slack:U1@T0EXT", "slack:U9@T0EXT2", "slack:U9@T0EXT2"]
    assert len(bot.stand_in.calls_to("users.info")) == 1
    # Replies still reach them, by their real Slack id.
    await bot.platform.ephemeral(ChannelRef("slack", "C1"), UserRef("slack", "U1@T0EXT"), "private")
    [call] = bot.stand_in.calls_to("chat.postEphemeral")
    assert call.args["user"] == "U1"


async def test_our_members_in_a_shared_channel_are_still_members(bot: RunningBot) -> None:
    body = event_body(message("hi", user_team="T0TEST"), event_id="Ev-own", is_ext_shared_channel=True)
    await bot.post(body, signed(body, content_type=JSON))
    [event] = await bot.core.wait(kind=MessagePosted)
    assert event.user == UserRef("slack", "U1")
    assert bot.stand_in.calls_to("users.info") == []


# --- 3. threads ----------------------------------------------------------------------------------------


async def test_a_thread_reply_carries_its_thread_and_answers_go_back_into_it(bot: RunningBot) -> None:
    reply = event_body(message("in thread", ts="1700000000.000900", thread_ts="1700000000.000100"),
                       event_id="Ev-thread")
    top = event_body(message("top", ts="1700000000.000100", thread_ts="1700000000.000100"), event_id="Ev-top")
    for body in (reply, top):
        await bot.post(body, signed(body, content_type=JSON))
    events = await bot.core.wait(2, kind=MessagePosted)
    by_ts = {e.message.id: e for e in events}
    assert by_ts["1700000000.000900"].channel.thread == "1700000000.000100"
    assert by_ts["1700000000.000100"].channel.thread is None  # a thread's parent is a top-level message
    channel = by_ts["1700000000.000900"].channel
    await bot.platform.post(channel, "redacted repost")
    await bot.platform.ephemeral(channel, UserRef("slack", "U1"), "a warning about your reply")
    [post] = bot.stand_in.calls_to("chat.postMessage")
    [ephemeral] = bot.stand_in.calls_to("chat.postEphemeral")
    assert post.args["thread_ts"] == ephemeral.args["thread_ts"] == "1700000000.000100"
    # The outbox stores the channel with its thread and reads it back.
    assert ChannelRef.parse(channel.address).thread == "1700000000.000100"


async def test_a_button_under_a_thread_message_carries_the_thread(bot: RunningBot) -> None:
    payload = {"type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U1"}, "trigger_id": "t",
               "channel": {"id": "C1", "name": "general"},
               "container": {"type": "message", "message_ts": "1700000000.000500", "channel_id": "C1",
                             "thread_ts": "1700000000.000100", "is_ephemeral": True},
               "actions": [{"action_id": "pii.repost", "value": "tok"}]}
    body = interactive_body(payload)
    await bot.post(body, signed(body))
    [event] = await bot.core.wait(kind=ButtonPressed)
    assert event.channel.thread == "1700000000.000100"


async def test_file_names_and_shared_messages_are_scanned_as_what_members_see(bot: RunningBot) -> None:
    """Found by probing: only ``text`` was scanned, so PII in a shared file's name or title, or in a
    message shared (or a message link previewed) from a DM or private channel, stayed visible."""
    shared_file = message("see attached", ts="1700000000.000301", subtype="file_share",
                          files=[{"id": "F1", "name": "zq_312-555-0199.pdf", "title": "Zebediah Quackenbush"}])
    shared_message = message("fyi", ts="1700000000.000302", attachments=[
        {"is_share": True, "text": "call her at 312-555-0198", "fallback": "[Jan 1] nina: call her"}])
    outside_link = message("read this <https://news.example/a>", ts="1700000000.000303", attachments=[
        {"from_url": "https://news.example/a", "title": "Local council meets", "text": "Mayor Ann Smith spoke"}])
    bodies = [event_body(m, event_id=f"Ev-vis{i}") for i, m in enumerate((shared_file, shared_message, outside_link))]
    # A pasted message link: Slack edits the message to add the linked message's preview.
    plain = message("see <https://t.slack.com/archives/D1/p1>", ts="1700000000.000304")
    unfurled = {**plain, "attachments": [{"is_msg_unfurl": True, "text": "client cell 312-555-0197"}]}
    bodies.append(event_body({"type": "message", "subtype": "message_changed", "channel": "C1",
                              "channel_type": "channel", "ts": "1700000000.000399", "message": unfurled,
                              "previous_message": plain}, event_id="Ev-vis-unfurl"))
    # A reaction changes nothing anyone reads: no edit.
    reacted = {**plain, "reactions": [{"name": "eyes", "count": 1}]}
    bodies.append(event_body({"type": "message", "subtype": "message_changed", "channel": "C1",
                              "channel_type": "channel", "ts": "1700000000.000398", "message": reacted,
                              "previous_message": plain}, event_id="Ev-vis-reaction"))
    for body in bodies:
        status, _, _ = await bot.post(body, signed(body, content_type=JSON))
        assert status == 200
    posted = {e.message.id: e.text for e in await bot.core.wait(3, kind=MessagePosted)}
    assert "zq_312-555-0199.pdf" in posted["1700000000.000301"]
    assert "Zebediah Quackenbush" in posted["1700000000.000301"]
    assert "see attached" in posted["1700000000.000301"]
    assert "call her at 312-555-0198" in posted["1700000000.000302"]
    assert "Ann Smith" not in posted["1700000000.000303"]  # an outside page's words are not the member's
    [edit] = await bot.core.wait(kind=MessageEdited)
    assert edit.message.id == "1700000000.000304" and "312-555-0197" in edit.text
    await asyncio.sleep(0.3)
    assert len([e for e in bot.core.events if isinstance(e, MessageEdited)]) == 1


# --- 1 and 7. an event counts as handled only when its handler finished -------------------------------


async def test_an_event_the_core_did_not_handle_is_tried_again(fast_bot: RunningBot) -> None:
    fast_bot.core.not_handled = 2  # e.g. the database was down twice
    body = event_body(message(), event_id="Ev-again")
    status, _, _ = await fast_bot.post(body, signed(body, content_type=JSON))
    assert status == 200
    await fast_bot.core.wait(kind=MessagePosted)
    assert len(fast_bot.core.attempts) == 3 and len(fast_bot.core.events) == 1


async def test_slacks_retry_of_a_failed_event_is_handled_exactly_once(fast_bot: RunningBot) -> None:
    fast_bot.core.not_handled = 3  # the first delivery fails on every attempt (1 + 2 retries)
    body = event_body(message(), event_id="Ev-failed-first")
    await fast_bot.post(body, signed(body, content_type=JSON))
    await _until(lambda: len(fast_bot.core.attempts) == 3)
    await asyncio.sleep(0.3)
    assert fast_bot.core.events == []
    for attempt in (1, 2):  # Slack retries (twice, say): the first retry is handled, the second skipped
        status, _, _ = await fast_bot.post(body, retry_headers(body, attempt))
        assert status == 200
        await asyncio.sleep(0.3)
    assert len(fast_bot.core.events) == 1 and len(fast_bot.core.attempts) == 4


async def test_slacks_retry_of_a_handled_event_is_never_handled_twice(fast_bot: RunningBot) -> None:
    body = event_body(message(), event_id="Ev-ok")
    await fast_bot.post(body, signed(body, content_type=JSON))
    await fast_bot.core.wait(kind=MessagePosted)
    await asyncio.sleep(0.1)
    for attempt in (1, 2, 3):
        status, _, _ = await fast_bot.post(body, retry_headers(body, attempt))
        assert status == 200
    await asyncio.sleep(0.3)
    assert len(fast_bot.core.attempts) == 1


async def test_two_deliveries_of_one_event_racing_are_handled_once(fast_bot: RunningBot) -> None:
    fast_bot.core.dispatch_delay = 0.5
    body = event_body(message(), event_id="Ev-race")
    results = await asyncio.gather(
        fast_bot.post(body, signed(body, content_type=JSON)), fast_bot.post(body, retry_headers(body, 1))
    )
    assert [r[0] for r in results] == [200, 200]
    await fast_bot.core.wait(kind=MessagePosted)
    await asyncio.sleep(0.8)
    assert len(fast_bot.core.attempts) == 1


@pytest.fixture
def cipher() -> Iterator[None]:
    """The field cipher the core installs at start (the inbox payload is an encrypted column)."""
    from storage.crypto import FieldCipher, KeyRing, install_cipher

    install_cipher(FieldCipher(KeyRing.generate()))
    yield
    install_cipher(None)


async def test_replicas_sharing_a_database_handle_a_racing_event_once(database_url: str, stand_in: SlackStandIn,
                                                                       cipher: None) -> None:
    from storage.db import Database

    db = Database(database_url)
    db.upgrade()
    settings = http_settings(stand_in, event_retries=1, retry_backoff_seconds=0.05, event_lease_seconds=2.0)
    replicas = [SlackPlatform(settings, database=db) for _ in range(2)]
    cores = [RecordingCore(platform=p, dispatch_delay=0.5) for p in replicas]
    for platform, core in zip(replicas, cores, strict=True):
        await platform.start(core)
    try:
        body = event_body(message(), event_id="Ev-replicas")
        async with aiohttp.ClientSession() as session:
            bots = [RunningBot(p, c, stand_in, session) for p, c in zip(replicas, cores, strict=True)]
            await asyncio.gather(bots[0].post(body, signed(body, content_type=JSON)),
                                 bots[1].post(body, retry_headers(body, 1)))
            await _until(lambda: sum(len(c.events) for c in cores) == 1)
            await asyncio.sleep(1.0)
            assert sum(len(c.attempts) for c in cores) == 1
            # A later retry on either replica (fresh memory: a restarted one) is skipped too.
            replicas[1]._events_seen = type(replicas[1]._events_seen)()
            await bots[1].post(body, retry_headers(body, 2))
            await asyncio.sleep(0.3)
            assert sum(len(c.attempts) for c in cores) == 1
    finally:
        for platform in replicas:
            await platform.stop()
        db.dispose()


async def test_a_crashed_replicas_request_is_taken_over_after_its_lease(database_url: str, stand_in: SlackStandIn,
                                                                        cipher: None) -> None:
    """A replica stored and acknowledged an event, then was killed: Slack never delivers it again,
    yet another replica's sweep takes the row over once the lease expired and handles it."""
    from bot.slack.inbox import NEW, DatabaseInbox
    from storage.db import Database
    from storage.models import InboxEntry

    db = Database(database_url)
    db.upgrade()
    dead = DatabaseInbox(db, lease=0.5)
    body = json.loads(event_body(message(CANARY), event_id="Ev-orphan"))
    state, row = await dead.receive("event:Ev-orphan", "event", json.dumps(body), claim=True)
    assert state == NEW and row is not None  # ... acknowledged, and the replica is killed here
    platform = SlackPlatform(http_settings(stand_in, event_lease_seconds=0.5, retry_backoff_seconds=0.05,
                                           inbox_sweep_seconds=0.1), database=db)
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        [event] = await core.wait(kind=MessagePosted, timeout=5)
        assert isinstance(event, MessagePosted) and event.text == CANARY
        await _until(lambda: "Ev-orphan" in platform._events_seen)  # recorded after the handler
        with db.session() as s:
            stored = s.get(InboxEntry, row.id)
            assert stored is not None and stored.status == "done" and stored.attempts == 2
            assert stored.payload is None  # nothing of the message is kept once it was handled
        # Slack's retry of it now (on any replica) is acknowledged and not handled again.
        async with aiohttp.ClientSession() as session:
            bot = RunningBot(platform, core, stand_in, session)
            platform._events_seen = type(platform._events_seen)()
            raw = json.dumps(body)
            status, _, _ = await bot.post(raw, retry_headers(raw, 1))
            assert status == 200
        await asyncio.sleep(0.3)
        assert len(core.attempts) == 1
    finally:
        await platform.stop()
        db.dispose()


async def test_many_replicas_storing_one_event_at_once_give_it_to_exactly_one(database_url: str,
                                                                               cipher: None) -> None:
    from bot.slack.inbox import BUSY, DONE, NEW, DatabaseInbox
    from storage.db import Database

    db = Database(database_url)
    db.upgrade()
    try:
        inboxes = [DatabaseInbox(db, lease=30) for _ in range(8)]
        for round_ in range(5):
            key = f"event:Ev-crowd-{round_}"
            results = await asyncio.gather(*(i.receive(key, "event", "{}", claim=True) for i in inboxes))
            states = [state for state, _ in results]
            assert states.count(NEW) == 1 and states.count(BUSY) == 7
            [row] = [r for state, r in results if state == NEW]
            assert row is not None
            await inboxes[0].finish(row)
            again = await asyncio.gather(*(i.receive(key, "event", "{}", claim=True) for i in inboxes))
            assert {state for state, _ in again} == {DONE}
    finally:
        db.dispose()


# --- 2. warnings that cannot be delivered ephemerally ---------------------------------------------------


async def test_ephemeral_message_survives_a_short_5xx_burst(fast_bot: RunningBot) -> None:
    fast_bot.stand_in.fail("chat.postEphemeral", status=503, retry_after=None, times=2)
    await fast_bot.platform.ephemeral(ChannelRef("slack", "C1"), UserRef("slack", "U1"), "warning")
    assert len(fast_bot.stand_in.calls_to("chat.postEphemeral")) == 3
    assert fast_bot.stand_in.calls_to("chat.postMessage") == []


async def test_ephemeral_message_honours_a_short_retry_after(fast_bot: RunningBot) -> None:
    fast_bot.stand_in.fail("chat.postEphemeral", status=429, retry_after=1, times=1)
    started = time.monotonic()
    await fast_bot.platform.ephemeral(ChannelRef("slack", "C1"), UserRef("slack", "U1"), "warning")
    assert time.monotonic() - started >= 1.0
    assert len(fast_bot.stand_in.calls_to("chat.postEphemeral")) == 2
    assert fast_bot.stand_in.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("fault", ["5xx", "429 with a long Retry-After", "timeouts"])
async def test_undeliverable_ephemeral_message_falls_back_to_a_dm(fast_bot: RunningBot, fault: str) -> None:
    stand_in = fast_bot.stand_in
    if fault == "5xx":
        stand_in.outage("chat.postEphemeral", 60, status=503)
    elif fault == "timeouts":
        stand_in.outage("chat.postEphemeral", 60, status=None, hang=3)
    else:
        stand_in.outage("chat.postEphemeral", 60, status=429, retry_after=60)
    started = time.monotonic()
    await fast_bot.platform.ephemeral(ChannelRef("slack", "C1"), UserRef("slack", "U1"), "warning")
    assert time.monotonic() - started < 6
    [dm] = stand_in.calls_to("chat.postMessage")
    assert dm.args["channel"] == "D1" and dm.args["text"] == "warning"
    attempts = len(stand_in.calls_to("chat.postEphemeral"))
    assert attempts == (1 if fault.startswith("429") else 3)


async def test_an_event_whose_warning_could_not_be_delivered_at_all_is_not_recorded_as_handled(
    fast_bot: RunningBot,
) -> None:
    stand_in, platform = fast_bot.stand_in, fast_bot.platform

    async def warn(event: Any) -> bool:
        fast_bot.core.attempts.append(event)
        try:
            await platform.ephemeral(event.channel, event.user, "warning")
        except Exception:
            return True  # the core swallows it (App.dispatch never raises)...
        fast_bot.core.events.append(event)
        return True

    fast_bot.core.dispatch = warn  # type: ignore[method-assign]
    stand_in.outage("*", 6, status=503)  # ephemeral and DM both fail for a while
    body = event_body(message(), event_id="Ev-undelivered")
    await fast_bot.post(body, signed(body, content_type=JSON))
    # ... but the adapter saw the failed delivery and tried again once Slack answered again.
    await _until(lambda: len(fast_bot.core.events) == 1, timeout=25)
    assert len(fast_bot.core.attempts) >= 2


# --- 5. readiness ----------------------------------------------------------------------------------------


class SlowWarmCore(RecordingCore):
    def __init__(self, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.port = port
        self.listening_during_warm_up: bool | None = None
        self.warm_thread_is_loop: bool | None = None

    def warm_up(self) -> None:
        import socket

        try:
            asyncio.get_running_loop()
            self.warm_thread_is_loop = True
        except RuntimeError:
            self.warm_thread_is_loop = False
        time.sleep(1.0)  # a model load
        with socket.socket() as s:
            self.listening_during_warm_up = s.connect_ex(("127.0.0.1", self.port)) == 0


async def test_http_mode_listens_only_once_the_engine_is_warm(stand_in: SlackStandIn) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    platform = SlackPlatform(http_settings(stand_in, port=port))
    core = SlowWarmCore(port, platform=platform)
    await platform.start(core)
    try:
        assert core.listening_during_warm_up is False and core.warm_thread_is_loop is False
        assert platform.ready_seconds is not None and platform.ready_seconds >= 1.0
        async with aiohttp.ClientSession() as session:
            bot = RunningBot(platform, core, stand_in, session)
            body = command_body("/ntk")
            status, _, elapsed = await bot.post(body, signed(body))
        assert status == 200 and elapsed < 1.0
    finally:
        await platform.stop()


async def test_socket_mode_connects_only_once_the_engine_is_warm(stand_in: SlackStandIn) -> None:
    platform = SlackPlatform(socket_settings(stand_in))
    core = SlowWarmCore(1, platform=platform)
    task = asyncio.ensure_future(platform.start(core))
    await asyncio.sleep(0.5)
    assert stand_in.calls_to("apps.connections.open") == []  # still warming: not connected
    await task
    try:
        assert stand_in.calls_to("apps.connections.open")
    finally:
        await platform.stop()


async def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def test_socket_mode_refuses_another_workspace_and_retries_a_failed_event(stand_in: SlackStandIn) -> None:
    platform = SlackPlatform(socket_settings(stand_in, event_retries=1, retry_backoff_seconds=0.05))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    try:
        assert await asyncio.to_thread(stand_in.socket_connected.wait, 5)
        stand_in.push({"envelope_id": "env-foreign", "type": "slash_commands", "payload": {
            "team_id": "T0OTHER", "channel_id": "C1", "user_id": "U1", "command": "/tip", "text": CANARY}})
        core.not_handled = 1
        payload = {"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev-sock",
                   "event": message()}
        stand_in.push({"envelope_id": "env-ev", "type": "events_api", "payload": payload, "retry_attempt": 0})
        await core.wait(kind=MessagePosted)
        await asyncio.sleep(0.3)
        assert [type(e) for e in core.attempts] == [MessagePosted, MessagePosted]
        refusal = next(a for a in stand_in.acks if a.get("envelope_id") == "env-foreign")
        assert REFUSAL in json.dumps(refusal)
    finally:
        await platform.stop()
