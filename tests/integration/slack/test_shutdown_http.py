"""A replica that is shutting down (SIGTERM) turns Events API deliveries away with a 503, so Slack
delivers them again — to another replica or after the restart — instead of acknowledging what it will
never handle. Slash commands still reach the core, which tells the member nothing was stored."""

from __future__ import annotations

from bot.events import CommandInvoked
from tests.integration.slack.conftest import RunningBot, command_body, event_body, signed


async def test_events_during_shutdown_are_refused_for_redelivery(bot: RunningBot) -> None:
    bot.core.stopping = True  # type: ignore[attr-defined]
    body = event_body({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
                       "text": "hello", "ts": "1700000000.000100"}, event_id="EvStop1")
    status, _, _ = await bot.post(body, signed(body, content_type="application/json"))
    assert status == 503
    command = command_body("/ntk", "")
    status, _, _ = await bot.post(command, signed(command))
    assert status == 200
    await bot.core.wait(kind=CommandInvoked)
    assert not [e for e in bot.core.events if not isinstance(e, CommandInvoked)]


async def test_events_are_acknowledged_when_not_shutting_down(bot: RunningBot) -> None:
    body = event_body({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
                       "text": "hello", "ts": "1700000000.000100"}, event_id="EvStop2")
    status, _, _ = await bot.post(body, signed(body, content_type="application/json"))
    assert status == 200
