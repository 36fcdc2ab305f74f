"""Outbound calls against the Web API stand-in: ephemeral vs DM, redaction with and without the
admin token, retries on 429/5xx, and failures that carry no message content."""

from __future__ import annotations

import logging
import time

import pytest

from bot.platform import (
    Button,
    ButtonStyle,
    Capability,
    ChannelRef,
    Message,
    MessageRef,
    PlatformError,
    UserRef,
)
from bot.slack.platform import SlackPlatform
from tests.integration.slack.conftest import http_settings
from tests.integration.slack.mock_web_api import ADMIN_TOKEN, BOT_TOKEN, SlackStandIn

CHANNEL = ChannelRef("slack", "C1")
ALICE = UserRef("slack", "U1")


@pytest.fixture
async def platform(stand_in: SlackStandIn) -> SlackPlatform:
    p = SlackPlatform(http_settings(stand_in))
    yield p  # type: ignore[misc]
    await p.stop()


async def test_post_returns_the_message_ts_and_neutralises_mentions(platform: SlackPlatform,
                                                                     stand_in: SlackStandIn) -> None:
    ref = await platform.post(CHANNEL, Message("hi <!channel> & *bold*",
                                              (Button("ops.ack", "Got it", "OP-7", ButtonStyle.PRIMARY),
                                               Button("ops.ack", "Again", "OP-8"))))
    [call] = stand_in.calls_to("chat.postMessage")
    assert ref == MessageRef(CHANNEL, ref.id) and ref.id
    assert call.args["text"] == "hi &lt;!channel&gt; &amp; *bold*"
    buttons = call.args["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["ops.ack#0", "ops.ack#1"]
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert call.token == BOT_TOKEN


async def test_ephemeral_in_a_channel_is_ephemeral(platform: SlackPlatform, stand_in: SlackStandIn) -> None:
    await platform.ephemeral(CHANNEL, ALICE, "only you see this")
    [call] = stand_in.calls_to("chat.postEphemeral")
    assert (call.args["channel"], call.args["user"]) == ("C1", "U1")
    assert stand_in.calls_to("chat.postMessage") == []


async def test_ephemeral_where_the_bot_is_not_a_member_goes_to_the_dm(platform: SlackPlatform,
                                                                      stand_in: SlackStandIn) -> None:
    stand_in.not_in_channels.add("G5")
    await platform.ephemeral(ChannelRef("slack", "G5"), ALICE, "only you see this")
    [opened] = stand_in.calls_to("conversations.open")
    [dm] = stand_in.calls_to("chat.postMessage")
    assert opened.args["users"] == "U1" and dm.args["channel"] == "D1"


async def test_dm_opens_the_conversation_once(platform: SlackPlatform, stand_in: SlackStandIn) -> None:
    first = await platform.send_dm(ALICE, "one")
    second = await platform.send_dm(ALICE, "two")
    assert first.channel == second.channel == ChannelRef("slack", "D1", is_direct=True)
    assert len(stand_in.calls_to("conversations.open")) == 1
    assert len(stand_in.calls_to("chat.postMessage")) == 2


async def test_without_admin_token_redact_reports_it_cannot(platform: SlackPlatform,
                                                            stand_in: SlackStandIn) -> None:
    assert not platform.capabilities & Capability.REDACT_OTHERS
    assert await platform.redact(MessageRef(CHANNEL, "1.2"), "contained PII") is False
    assert stand_in.calls_to("chat.delete") == []


async def test_with_admin_token_redact_deletes_as_the_admin(admin_bot: SlackPlatform,
                                                           stand_in: SlackStandIn) -> None:
    assert admin_bot.capabilities & Capability.REDACT_OTHERS
    assert await admin_bot.redact(MessageRef(CHANNEL, "1.2"), "contained PII") is True
    [call] = stand_in.calls_to("chat.delete")
    assert (call.args["channel"], call.args["ts"], call.token) == ("C1", "1.2", ADMIN_TOKEN)


async def test_redact_refused_by_slack_returns_false(admin_bot: SlackPlatform, stand_in: SlackStandIn) -> None:
    stand_in.admin_tokens.clear()  # the token's owner is no longer an admin
    assert await admin_bot.redact(MessageRef(CHANNEL, "1.2"), "contained PII") is False


async def test_rate_limit_waits_for_retry_after_then_succeeds(platform: SlackPlatform,
                                                              stand_in: SlackStandIn) -> None:
    stand_in.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    await platform.post(CHANNEL, "after the rate limit")
    first, second = stand_in.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0
    assert time.monotonic() - started >= 1.0


async def test_server_errors_are_retried(platform: SlackPlatform, stand_in: SlackStandIn) -> None:
    stand_in.fail("chat.postMessage", status=503, retry_after=None, times=2)
    await platform.post(CHANNEL, "eventually")
    assert len(stand_in.calls_to("chat.postMessage")) == 3


async def test_persistent_rate_limit_is_a_transient_platform_error(platform: SlackPlatform,
                                                                  stand_in: SlackStandIn) -> None:
    stand_in.fail("chat.postMessage", status=429, retry_after=0, times=10)
    with pytest.raises(PlatformError) as info:
        await platform.post(CHANNEL, "never delivered")
    assert info.value.transient is True
    assert len(stand_in.calls_to("chat.postMessage")) == 3  # first try + max_retries=2


async def test_permanent_failure_is_logged_without_content(platform: SlackPlatform, stand_in: SlackStandIn,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    stand_in.errors["chat.postMessage"] = "channel_not_found"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PlatformError) as info:
        await platform.post(CHANNEL, "Maria lives at 12 Elm Street")
    assert info.value.transient is False
    assert str(info.value) == "slack chat.postMessage failed: channel_not_found"
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert "channel_not_found" in caplog.text
    assert "Elm Street" not in caplog.text and BOT_TOKEN not in caplog.text


async def test_members_follows_pagination(platform: SlackPlatform, stand_in: SlackStandIn) -> None:
    stand_in.channel_members["C1"] = ["U1", "U2", "U3", "U4", "U5"]
    members = await platform.members(CHANNEL)
    assert [m.id for m in members] == ["U1", "U2", "U3", "U4", "U5"]
    assert len(stand_in.calls_to("conversations.members")) == 3


async def test_private_channel_is_created_and_members_invited(platform: SlackPlatform,
                                                             stand_in: SlackStandIn) -> None:
    channel = await platform.create_private_channel("OP-7 Night Watch!", [ALICE, UserRef("slack", "U2"),
                                                                           UserRef("matrix", "@x:hs")])
    [created] = stand_in.calls_to("conversations.create")
    [invited] = stand_in.calls_to("conversations.invite")
    assert created.args["name"] == "op-7-night-watch" and created.args["is_private"] in (True, "1", "true")
    assert invited.args["users"] == "U1,U2" and invited.args["channel"] == channel.id
    assert channel.is_direct is False


async def test_a_keyed_private_channel_is_created_once_and_reused_by_a_second_call(
    platform: SlackPlatform, stand_in: SlackStandIn
) -> None:
    """A handler run again after its process died between creating the channel and recording it calls
    again with the same key: it gets the same channel (the one missing member invited), not a second."""
    from bot.platform import room_tag

    key = "tip-meeting:1:2026-03-01T09:00:00"
    first = await platform.create_private_channel("tip-t-0001-meeting", [ALICE], key=key)
    again = await platform.create_private_channel("tip-t-0001-meeting", [ALICE, UserRef("slack", "U2")], key=key)
    assert again.id == first.id
    made = [c for c in stand_in.calls_to("conversations.create") if c.response.get("ok")]
    assert [c.args["name"] for c in made] == [f"tip-t-0001-meeting-{room_tag(key)}"]
    assert stand_in.channel_members[first.id] == ["UBOT", "U1", "U2"]


async def test_a_keyed_private_channel_is_never_one_someone_else_made_or_one_with_others_in_it(
    platform: SlackPlatform, stand_in: SlackStandIn
) -> None:
    from bot.platform import room_tag

    key = "tip-meeting:2:2026-03-01T09:00:00"
    name = f"tip-t-0002-meeting-{room_tag(key)}"
    # Someone made a channel of that name (the bot was invited), and the bot's own next one has an outsider.
    stand_in.private_channels[name] = {"id": "GSQUAT", "name": name, "creator": "U9", "is_private": True,
                                       "is_archived": False}
    stand_in.channel_members["GSQUAT"] = ["U9", "UBOT"]
    stand_in.private_channels[f"{name}-2"] = {"id": "GOTHER", "name": f"{name}-2", "creator": "UBOT",
                                              "is_private": True, "is_archived": False}
    stand_in.channel_members["GOTHER"] = ["UBOT", "U1", "U9"]
    channel = await platform.create_private_channel("tip-t-0002-meeting", [ALICE], key=key)
    assert channel.id not in ("GSQUAT", "GOTHER")
    assert stand_in.private_channels[f"{name}-3"]["id"] == channel.id
    assert stand_in.channel_members["GSQUAT"] == ["U9", "UBOT"] and "U1" not in stand_in.channel_members["GSQUAT"]
    # The same call again walks the same names and lands on the channel it made.
    assert (await platform.create_private_channel("tip-t-0002-meeting", [ALICE], key=key)).id == channel.id


async def test_expired_trigger_falls_back_to_a_dm_button(platform: SlackPlatform, stand_in: SlackStandIn) -> None:
    from tests.integration.slack.conftest import tip_form

    await platform.open_form(ALICE, tip_form("T-1"), trigger="expired")
    assert len(stand_in.calls_to("views.open")) == 1
    [dm] = stand_in.calls_to("chat.postMessage")
    assert dm.args["blocks"][-1]["elements"][0]["action_id"].startswith("ntk.open_form#")
