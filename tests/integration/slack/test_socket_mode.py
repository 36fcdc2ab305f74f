"""Socket Mode: the adapter connects to the stand-in's websocket (via apps.connections.open) and
acknowledges each envelope before the core handles it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.events import CommandInvoked, MessagePosted
from bot.slack.platform import SlackPlatform
from tests.integration.slack.conftest import RecordingCore, socket_settings
from tests.integration.slack.mock_web_api import APP_TOKEN, SlackStandIn


@pytest.fixture
async def socket_bot(stand_in: SlackStandIn) -> AsyncIterator[tuple[SlackPlatform, RecordingCore]]:
    platform = SlackPlatform(socket_settings(stand_in))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    assert await asyncio.to_thread(stand_in.socket_connected.wait, 5)
    yield platform, core
    await platform.stop()


async def wait_ack(stand_in: SlackStandIn, envelope_id: str, timeout: float = 5.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ack in stand_in.acks:
            if ack.get("envelope_id") == envelope_id:
                return ack
        await asyncio.sleep(0.01)
    raise AssertionError("no ack")


async def test_socket_mode_connects_with_the_app_token(socket_bot: tuple[SlackPlatform, RecordingCore],
                                                       stand_in: SlackStandIn) -> None:
    [call] = stand_in.calls_to("apps.connections.open")
    assert call.token == APP_TOKEN


async def test_slash_command_over_socket_mode_is_acked_then_dispatched(
    socket_bot: tuple[SlackPlatform, RecordingCore], stand_in: SlackStandIn
) -> None:
    _, core = socket_bot
    core.dispatch_delay = 3.5
    stand_in.push({
        "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
        "payload": {"team_id": "T0TEST", "channel_id": "C1", "channel_name": "general", "user_id": "U1",
                    "command": "/ntk", "text": "", "trigger_id": "trig-s"},
    })
    started = time.monotonic()
    ack = await wait_ack(stand_in, "env-1")
    # acked within Slack's 3-second limit, and before the (3.5 s) handler finished: the ack never
    # waits for the work (ack latency itself is measured by benchmarks/slack_ack_latency.py)
    assert time.monotonic() - started < 3.0
    assert core.events == []
    assert "payload" not in ack or not ack["payload"]
    [event] = await core.wait(kind=CommandInvoked, timeout=6)
    assert event.name == "help" and event.trigger == "trig-s"


async def test_events_over_socket_mode_are_deduplicated(socket_bot: tuple[SlackPlatform, RecordingCore],
                                                        stand_in: SlackStandIn) -> None:
    _, core = socket_bot
    payload = {"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev-s1",
               "event": {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
                         "text": "hi", "ts": "1.5"}}
    stand_in.push({"envelope_id": "env-2", "type": "events_api", "payload": payload, "retry_attempt": 0})
    stand_in.push({"envelope_id": "env-3", "type": "events_api", "payload": payload, "retry_attempt": 1})
    await wait_ack(stand_in, "env-2")
    await wait_ack(stand_in, "env-3")
    await core.wait(kind=MessagePosted)
    await asyncio.sleep(0.3)
    assert len(core.events) == 1
