"""HTTP mode against the running app on loopback: signatures, acks within Slack's 3 seconds, and
every payload kind translated to the neutral event the core expects."""

from __future__ import annotations

import asyncio
import json
import time

from bot.events import ButtonPressed, CommandInvoked, HomeOpened, MemberJoined, MessageEdited, MessagePosted
from bot.platform import ChannelRef, UserRef
from tests.integration.slack.conftest import (
    RunningBot,
    command_body,
    event_body,
    interactive_body,
    signed,
)


async def test_valid_signed_command_is_acknowledged_and_dispatched(bot: RunningBot) -> None:
    body = command_body("/tip", "met a person at the bus station")
    status, _text, _ = await bot.post(body, signed(body))
    assert status == 200
    [event] = await bot.core.wait(kind=CommandInvoked)
    assert event == CommandInvoked(
        user=UserRef("slack", "U1"), channel=ChannelRef("slack", "C1"), name="tip",
        args="met a person at the bus station", trigger="trig-1",
    )


async def test_a_command_whose_text_says_payload_is_handled(bot: RunningBot) -> None:
    """The body is parsed once, by the adapter, and handed to Bolt: Bolt's own parser took any form
    body with "payload" in it for an interaction and read an empty payload (refused with a 400)."""
    for n, text in enumerate(["the payload was dropped at the depot", "payload=1", "x&payload"]):
        body = command_body("/preview", text, trigger=f"trig-p{n}")
        status, _text, _ = await bot.post(body, signed(body))
        assert status == 200, text
        events = await bot.core.wait(kind=CommandInvoked, count=n + 1)
        assert events[n].args == text


async def test_command_text_is_never_echoed_back_into_the_channel(bot: RunningBot) -> None:
    body = command_body("/tip", "secret detail")
    status, text, _ = await bot.post(body, signed(body))
    assert status == 200
    assert text == ""  # an empty ack: Slack shows nothing, not even the typed command
    await bot.core.wait(kind=CommandInvoked)
    assert all("secret detail" not in json.dumps(c.args) for c in bot.stand_in.calls)


async def test_ack_does_not_wait_for_slow_handlers(bot: RunningBot) -> None:
    bot.core.dispatch_delay = 3.5  # slower than Slack's 3-second limit
    body = command_body("/release", "R-1")
    started = time.perf_counter()
    status, _, elapsed = await bot.post(body, signed(body))
    assert status == 200
    assert elapsed < 1.0
    await bot.core.wait(kind=CommandInvoked, timeout=6)
    assert time.perf_counter() - started >= 3.5


async def test_stale_request_is_rejected(bot: RunningBot) -> None:
    body = command_body("/tip", "x")
    status, _, _ = await bot.post(body, signed(body, timestamp=int(time.time()) - 6 * 60))
    assert status == 401
    await asyncio.sleep(0.2)
    assert bot.core.events == []


async def test_tampered_request_is_rejected(bot: RunningBot) -> None:
    body = command_body("/tip", "original")
    headers = signed(body)
    status, _, _ = await bot.post(body.replace("original", "changed"), headers)
    assert status == 401
    status, _, _ = await bot.post(body, signed(body, secret="someone-elses-secret"))
    assert status == 401
    status, _, _ = await bot.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    await asyncio.sleep(0.2)
    assert bot.core.events == []


async def test_replayed_request_is_rejected_and_handled_once(bot: RunningBot) -> None:
    body = command_body("/operation", "OP-7")
    headers = signed(body)
    first, _, _ = await bot.post(body, headers)
    second, _, _ = await bot.post(body, headers)
    assert (first, second) == (200, 401)
    await bot.core.wait(kind=CommandInvoked)
    await asyncio.sleep(0.2)
    assert len(bot.core.events) == 1


async def test_every_default_command_reaches_the_core(bot: RunningBot) -> None:
    slash = {"/tip": "tip", "/preview": "preview", "/release": "release", "/operation": "operation",
             "/case": "case", "/ntk-admin": "admin", "/ntk": "help"}
    for command in slash:
        body = command_body(command, "x")
        status, _, _ = await bot.post(body, signed(body))
        assert status == 200
    events = await bot.core.wait(len(slash), kind=CommandInvoked)
    assert sorted(e.name for e in events) == sorted(slash.values())


async def test_unknown_command_gets_an_ephemeral_answer(bot: RunningBot) -> None:
    body = command_body("/weather", "x")
    status, text, _ = await bot.post(body, signed(body))
    assert status == 200 and "does not know this command" in text
    await asyncio.sleep(0.2)
    assert bot.core.events == []


async def test_tip_without_text_opens_the_modal_with_the_trigger_id(bot: RunningBot) -> None:
    body = command_body("/tip", "", trigger="trig-77")
    await bot.post(body, signed(body))
    [call] = await bot.stand_in.wait_for("views.open")
    assert call.args["trigger_id"] == "trig-77"
    view = call.args["view"]
    assert view["callback_id"] == "tips.new"
    assert json.loads(view["private_metadata"]) == {"context": "T-0042", "channel": "C1"}
    assert [b["block_id"] for b in view["blocks"]] == [
        "what", "urgency", "seen_on", "meet_at", "meet_at__time", "people", "minor", "agencies"]


def submission(values: dict[str, dict[str, object]], *, context: str = "T-0042") -> dict[str, object]:
    return {
        "type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": "U1"}, "trigger_id": "trig-2",
        "view": {
            "id": "V1", "type": "modal", "callback_id": "tips.new",
            "private_metadata": json.dumps({"context": context, "channel": "C1"}),
            "state": {"values": {k: {"value": v} for k, v in values.items()}},
        },
    }


async def test_invalid_submission_returns_errors_next_to_the_fields(bot: RunningBot) -> None:
    payload = submission({
        "what": {"type": "plain_text_input", "value": "  "},
        "urgency": {"type": "static_select", "selected_option": {"value": "high"}},
        "people": {"type": "number_input", "value": "-3"},
    })
    body = interactive_body(payload)
    status, text, _ = await bot.post(body, signed(body))
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"what", "people"}
    await asyncio.sleep(0.2)
    assert bot.core.submissions == []


async def test_valid_submission_is_acknowledged_then_submitted(bot: RunningBot) -> None:
    payload = submission({
        "what": {"type": "plain_text_input", "value": "a van outside the motel"},
        "urgency": {"type": "static_select", "selected_option": {"value": "high"}},
        "seen_on": {"type": "datepicker", "selected_date": "2026-03-01"},
        "meet_at": {"type": "datepicker", "selected_date": "2026-03-02"},
        "meet_at__time": {"type": "timepicker", "selected_time": "18:30"},
        "people": {"type": "number_input", "value": "2"},
        "minor": {"type": "radio_buttons", "selected_option": {"value": "no"}},
        "agencies": {"type": "multi_static_select", "selected_options": [{"value": "pd"}, {"value": "ngo"}]},
    })
    body = interactive_body(payload)
    status, text, _ = await bot.post(body, signed(body))
    assert (status, text) == (200, "")
    [submitted] = (await bot.core.wait())[:1]
    assert submitted.context == "T-0042"
    assert submitted.channel == ChannelRef("slack", "C1")
    assert submitted.values["what"] == "a van outside the motel"
    assert submitted.values["meet_at"].isoformat() == "2026-03-02T18:30:00"
    assert submitted.values["agencies"] == ["pd", "ngo"]
    assert submitted.values["minor"] is False


async def test_button_press_becomes_button_pressed(bot: RunningBot) -> None:
    payload = {
        "type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U2"}, "trigger_id": "trig-3",
        "channel": {"id": "D42", "name": "directmessage"},
        "container": {"type": "message", "message_ts": "1700000000.000200", "channel_id": "D42"},
        "message": {"ts": "1700000000.000200"},
        "actions": [{"type": "button", "action_id": "tips.ack#1", "value": "T-0042", "block_id": "b"}],
    }
    body = interactive_body(payload)
    status, _, _ = await bot.post(body, signed(body))
    assert status == 200
    [event] = await bot.core.wait(kind=ButtonPressed)
    channel = ChannelRef("slack", "D42", is_direct=True)
    assert event.action_id == "tips.ack" and event.value == "T-0042" and event.channel == channel
    assert event.message is not None and event.message.id == "1700000000.000200"
    assert event.trigger == "trig-3"


async def test_form_without_trigger_is_offered_as_a_button_that_opens_it(bot: RunningBot) -> None:
    from tests.integration.slack.conftest import tip_form

    await bot.platform.open_form(UserRef("slack", "U5"), tip_form("T-9"))
    [dm] = await bot.stand_in.wait_for("chat.postMessage")
    button = dm.args["blocks"][-1]["elements"][0]
    payload = {
        "type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U5"}, "trigger_id": "trig-9",
        "channel": {"id": dm.args["channel"], "name": "directmessage"}, "message": {"ts": "1.2"},
        "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}],
    }
    body = interactive_body(payload)
    await bot.post(body, signed(body))
    [opened] = await bot.stand_in.wait_for("views.open")
    assert opened.args["trigger_id"] == "trig-9"
    assert json.loads(opened.args["view"]["private_metadata"])["context"] == "T-9"
    assert not [e for e in bot.core.events if isinstance(e, ButtonPressed)]


async def test_duplicate_event_id_is_processed_once(bot: RunningBot) -> None:
    event = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
             "text": "hello", "ts": "1700000000.000300"}
    body = event_body(event, event_id="Ev-dup")
    first, _, _ = await bot.post(body, signed(body, content_type="application/json"))
    retry_headers = signed(body, content_type="application/json", timestamp=int(time.time()) + 1)
    retry_headers |= {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    second, _, _ = await bot.post(body, retry_headers)
    assert (first, second) == (200, 200)
    await bot.core.wait(kind=MessagePosted)
    await asyncio.sleep(0.3)
    assert len([e for e in bot.core.events if isinstance(e, MessagePosted)]) == 1


async def test_new_and_edited_messages_reach_the_pii_guard(bot: RunningBot) -> None:
    posted = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
              "text": "call 555-0100", "ts": "1700000000.000400"}
    edited = {"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel",
              "message": {"user": "U1", "text": "call 555-0199", "ts": "1700000000.000400"},
              "previous_message": {"user": "U1", "text": "call 555-0100", "ts": "1700000000.000400"},
              "ts": "1700000000.000500"}
    unfurl = dict(edited, message=dict(edited["message"], text="call 555-0100"))  # type: ignore[arg-type]
    from_bot = {"type": "message", "subtype": "bot_message", "bot_id": "B9", "channel": "C1", "text": "x",
                "ts": "1700000000.000600"}
    for i, ev in enumerate((posted, edited, unfurl, from_bot)):
        body = event_body(ev, event_id=f"Ev-m{i}")
        status, _, _ = await bot.post(body, signed(body, content_type="application/json"))
        assert status == 200
    await bot.core.wait(2)
    await asyncio.sleep(0.3)
    kinds = [type(e) for e in bot.core.events]
    assert kinds.count(MessagePosted) == 1 and kinds.count(MessageEdited) == 1 and len(kinds) == 2
    edit = next(e for e in bot.core.events if isinstance(e, MessageEdited))
    assert edit.text == "call 555-0199" and edit.message.id == "1700000000.000400"


async def test_direct_message_is_marked_direct(bot: RunningBot) -> None:
    ev = {"type": "message", "channel": "D7", "channel_type": "im", "user": "U1", "text": "hi", "ts": "1.1"}
    body = event_body(ev, event_id="Ev-im")
    await bot.post(body, signed(body, content_type="application/json"))
    [event] = await bot.core.wait(kind=MessagePosted)
    assert event.channel == ChannelRef("slack", "D7", is_direct=True)


async def test_member_joined_channel(bot: RunningBot) -> None:
    ev = {"type": "member_joined_channel", "user": "U3", "channel": "C9", "channel_type": "C", "team": "T0TEST"}
    body = event_body(ev, event_id="Ev-join")
    await bot.post(body, signed(body, content_type="application/json"))
    [event] = await bot.core.wait(kind=MemberJoined)
    assert event == MemberJoined(user=UserRef("slack", "U3"), channel=ChannelRef("slack", "C9"))


async def test_app_home_shows_the_members_open_items(bot: RunningBot) -> None:
    bot.core.home = "T-0042 awaiting your acknowledgement"
    ev = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = event_body(ev, event_id="Ev-home")
    await bot.post(body, signed(body, content_type="application/json"))
    [event] = await bot.core.wait(kind=HomeOpened)
    assert event.user == UserRef("slack", "U1")
    [call] = await bot.stand_in.wait_for("views.publish")
    assert call.args["user_id"] == "U1"
    assert "T-0042 awaiting" in json.dumps(call.args["view"])


async def test_health_check(bot: RunningBot) -> None:
    async with bot.session.get(f"http://127.0.0.1:{bot.platform.port}/healthz") as resp:
        assert resp.status == 200
