"""The shared scenarios, run through the Slack adapter: the real core (``build_app``) with whatever
handlers it registers, the adapter in HTTP mode on loopback, the Web API stand-in recording what
reached Slack. Scenarios are added here as handlers land on main (tips, PII guard, releases, ...)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App, build_app
from bot.config import parse_config
from bot.slack.platform import SlackPlatform
from bot.slack.settings import DEFAULT_COMMAND_NAMES
from storage.crypto import KeyRing
from tests.integration.slack.conftest import command_body, event_body, http_settings, signed
from tests.integration.slack.conftest import stand_in as stand_in  # the fixture
from tests.integration.slack.mock_web_api import SlackStandIn

CONFIG: dict[str, Any] = {
    "bot": {"platform": "slack", "task_force_name": "Test Task Force", "timezone": "America/Chicago"},
    "agencies": [{"key": "shs", "name": "Safe Haven Services", "kind": "ngo"},
                 {"key": "pd", "name": "City Police", "kind": "law_enforcement"}],
    "members": [
        {"handle": "nina", "name": "Nina Sato", "agency": "shs", "discipline": "community_advocate",
         "slack_id": "U1"},
        {"handle": "ada", "name": "Ada Admin", "agency": "pd", "discipline": "law_enforcement",
         "roles": ["admin"], "slack_id": "U9"},
    ],
    "channels": [{"name": "general", "slack_id": "C1", "pii_policy": "warn"}],
}


class Bot:
    def __init__(self, app: App, platform: SlackPlatform, stand_in: SlackStandIn,
                 session: aiohttp.ClientSession) -> None:
        self.app, self.platform, self.stand_in, self.session = app, platform, stand_in, session

    async def command(self, slash: str, text: str = "", *, user: str = "U1", channel: str = "C1",
                      channel_name: str = "general") -> int:
        body = command_body(slash, text, user=user, channel=channel, channel_name=channel_name)
        url = f"http://127.0.0.1:{self.platform.port}/slack/events"
        async with self.session.post(url, data=body, headers=signed(body)) as resp:
            assert await resp.text() == ""  # nothing echoed into the channel
            return resp.status

    async def event(self, event: dict[str, Any], event_id: str, *, retry: int = 0) -> int:
        body = event_body(event, event_id=event_id)
        url = f"http://127.0.0.1:{self.platform.port}/slack/events"
        headers = signed(body, content_type="application/json", timestamp=int(time.time()) + retry)
        if retry:
            headers["X-Slack-Retry-Num"] = str(retry)
        async with self.session.post(url, data=body, headers=headers) as r:
            return r.status


@pytest.fixture
async def slack_bot(tmp_path: Path, stand_in: SlackStandIn) -> AsyncIterator[Bot]:
    data = dict(CONFIG, database={"url": f"sqlite:///{tmp_path}/needtoknow.db"})
    config = parse_config(data, source="slack contract test", base_dir=str(tmp_path))
    platform = SlackPlatform(http_settings(stand_in))
    app = build_app(config, platform, keyring=KeyRing.generate())
    await platform.start(app)
    async with aiohttp.ClientSession() as session:
        yield Bot(app, platform, stand_in, session)
    await platform.stop()
    await app.stop()


async def test_help_in_a_channel_is_ephemeral(slack_bot: Bot) -> None:
    assert await slack_bot.command("/ntk") == 200
    [call] = await slack_bot.stand_in.wait_for("chat.postEphemeral")
    assert (call.args["channel"], call.args["user"]) == ("C1", "U1")
    assert "Nina Sato" in call.args["text"]
    assert slack_bot.stand_in.calls_to("chat.postMessage") == []


async def test_help_in_a_dm_is_a_dm(slack_bot: Bot) -> None:
    await slack_bot.command("/ntk", channel="D1", channel_name="directmessage")
    [call] = await slack_bot.stand_in.wait_for("chat.postMessage")
    assert call.args["channel"] == "D1"
    assert slack_bot.stand_in.calls_to("chat.postEphemeral") == []


async def test_every_command_the_handlers_offer_is_reachable(slack_bot: Bot) -> None:
    names = [spec.name for spec in slack_bot.app.commands]
    assert "help" in names
    for i, name in enumerate(names):
        slash = DEFAULT_COMMAND_NAMES.get(name, f"/{name}")
        assert await slack_bot.command(slash, "help", user="U9") == 200
        # Each command answers somehow: a private reply, a DM or a modal.
        deadline = asyncio.get_running_loop().time() + 5
        while asyncio.get_running_loop().time() < deadline:
            answers = [c for c in slack_bot.stand_in.calls
                       if c.method in ("chat.postEphemeral", "chat.postMessage", "views.open")]
            if len(answers) > i:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"/{name} got no answer")
    unknown = [c for c in slack_bot.stand_in.calls if "don't know the command" in json.dumps(c.args)]
    assert unknown == []


async def test_admin_command_is_refused_to_non_admins_privately(slack_bot: Bot) -> None:
    await slack_bot.command("/ntk-admin", "members")
    [call] = await slack_bot.stand_in.wait_for("chat.postEphemeral")
    assert call.args["user"] == "U1"
    assert slack_bot.stand_in.calls_to("chat.postMessage") == []


async def test_a_retried_event_is_recorded_once_in_the_database(slack_bot: Bot) -> None:
    ev = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1", "text": "hello",
          "ts": "1700000000.000900"}
    seen: list[object] = []
    real_dispatch = slack_bot.app.dispatch

    async def counting(event: Any) -> None:
        seen.append(event)
        await real_dispatch(event)

    slack_bot.app.dispatch = counting  # type: ignore[method-assign]
    assert await slack_bot.event(ev, "Ev-contract") == 200
    await asyncio.sleep(0.2)
    # A second replica (fresh memory) sharing the database must also skip it.
    slack_bot.platform._events_seen = type(slack_bot.platform._events_seen)()
    assert await slack_bot.event(ev, "Ev-contract", retry=1) == 200
    await asyncio.sleep(0.2)
    assert len(seen) == 1
    from sqlalchemy import select

    from storage.models import InboxEntry

    with slack_bot.app.services.db.session() as s:
        rows = s.execute(select(InboxEntry.status, InboxEntry.payload).where(InboxEntry.key == "event:Ev-contract")).all()
    assert rows == [("done", None)]  # one row for both deliveries; nothing of the message kept


async def test_home_tab_shows_the_core_summary(slack_bot: Bot) -> None:
    ev = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    await slack_bot.event(ev, "Ev-home-c")
    [call] = await slack_bot.stand_in.wait_for("views.publish")
    assert call.args["user_id"] == "U1" and call.args["view"]["type"] == "home"
