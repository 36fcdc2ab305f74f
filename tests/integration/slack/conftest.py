"""Fixtures: the Web API stand-in, a recording core, and the adapter running in HTTP mode."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.events import CommandInvoked, Event, FormSubmitted
from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, RawValue
from bot.platform import ChannelRef, UserRef
from bot.slack.platform import SlackPlatform
from bot.slack.settings import SlackSettings
from tests.integration.slack.mock_web_api import ADMIN_TOKEN, APP_TOKEN, BOT_TOKEN, SlackStandIn

SIGNING_SECRET = "test-signing-secret-0123456789"


@dataclass(frozen=True)
class Spec:
    name: str
    summary: str = ""
    usage: str = ""


def tip_form(context: str = "") -> Form:
    return Form(
        form_id="tips.new",
        title="New tip",
        context=context,
        fields=(
            FormField("what", "What happened", FieldKind.LONG_TEXT, sensitive=True, max_length=500),
            FormField("urgency", "Urgency", FieldKind.CHOICE,
                      choices=(Choice("low", "Low"), Choice("high", "High"))),
            FormField("seen_on", "Seen on", FieldKind.DATE, required=False),
            FormField("meet_at", "Meeting", FieldKind.DATETIME, required=False),
            FormField("people", "People involved", FieldKind.NUMBER, required=False, min_value=0),
            FormField("minor", "A minor involved?", FieldKind.YES_NO, required=False),
            FormField("agencies", "Agencies", FieldKind.MULTI_CHOICE, required=False,
                      choices=(Choice("pd", "Police"), Choice("ngo", "NGO"))),
        ),
    )


@dataclass
class RecordingCore:
    """Stands in for ``bot.app.App``: records what the adapter hands it. For ``/tip`` without text it
    opens the tip form, as the tips handler does."""

    platform: SlackPlatform | None = None
    events: list[Event] = field(default_factory=list)
    submissions: list[FormSubmitted] = field(default_factory=list)
    dispatch_delay: float = 0.0
    #: The next this-many dispatches answer "not handled" (as the core does during a database outage).
    not_handled: int = 0
    #: Every dispatch, handled or not (``events`` holds the handled ones).
    attempts: list[Event] = field(default_factory=list)
    home: str | None = None
    commands: list[Spec] = field(
        default_factory=lambda: [Spec(n) for n in ("tip", "preview", "release", "operation", "case", "admin",
                                                   "help")]
    )
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispatch(self, event: Event) -> bool:
        self.attempts.append(event)
        if self.dispatch_delay:
            await asyncio.sleep(self.dispatch_delay)
        if self.not_handled > 0:
            self.not_handled -= 1
            return False
        self.events.append(event)
        self._changed.set()
        if isinstance(event, CommandInvoked) and event.name == "tip" and not event.args and self.platform:
            await self.platform.open_form(event.user, tip_form("T-0042"), trigger=event.trigger,
                                          channel=event.channel)
        return True

    def build_form(self, form_id: str, user: UserRef, context: str) -> Form:
        if form_id != "tips.new":
            raise KeyError(form_id)
        return tip_form(context)

    async def submit_form(self, user: UserRef, form_id: str, raw: Mapping[str, RawValue], *,
                          context: str = "", channel: ChannelRef | None = None) -> dict[str, str] | None:
        try:
            values = self.build_form(form_id, user, context).validate(raw)
        except FormInvalid as invalid:
            return invalid.errors
        self.submissions.append(FormSubmitted(user, form_id, values, context, channel))
        self._changed.set()
        return None

    def home_summary(self, user: UserRef) -> str:
        return self.home or "Nothing open."

    async def wait(self, count: int = 1, timeout: float = 5.0, kind: type | None = None) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events + list(self.submissions) if kind is None or isinstance(e, kind)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} event(s), got {found!r}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), 0.05)
            except TimeoutError:
                pass


@pytest.fixture
def stand_in() -> Iterator[SlackStandIn]:
    server = SlackStandIn().start()
    yield server
    server.stop()


def http_settings(stand_in: SlackStandIn, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = dict(
        mode="http", bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, host="127.0.0.1", port=0,
        api_base_url=stand_in.base_url, max_retries=2,
    )
    values.update(overrides)
    return SlackSettings(**values)


def socket_settings(stand_in: SlackStandIn, **overrides: Any) -> SlackSettings:
    return http_settings(stand_in, mode="socket", app_token=APP_TOKEN, signing_secret=None, **overrides)


@dataclass
class RunningBot:
    platform: SlackPlatform
    core: RecordingCore
    stand_in: SlackStandIn
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.platform.port}/slack/events"

    async def post(self, body: str, headers: Mapping[str, str]) -> tuple[int, str, float]:
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=dict(headers)) as resp:
            text = await resp.text()
            return resp.status, text, time.perf_counter() - started


@pytest.fixture
async def bot(stand_in: SlackStandIn) -> AsyncIterator[RunningBot]:
    platform = SlackPlatform(http_settings(stand_in))
    core = RecordingCore(platform=platform)
    await platform.start(core)
    async with aiohttp.ClientSession() as session:
        yield RunningBot(platform, core, stand_in, session)
    await platform.stop()


@pytest.fixture
async def admin_bot(stand_in: SlackStandIn) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(http_settings(stand_in, admin_user_token=ADMIN_TOKEN))
    yield platform
    await platform.stop()


# --- signed requests -----------------------------------------------------------------------------------


def signed(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
           content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


def command_body(command: str = "/tip", text: str = "", *, user: str = "U1", channel: str = "C1",
                 channel_name: str = "general", trigger: str = "trig-1", team: str = "T0TEST") -> str:
    return urlencode({
        "token": "legacy-verification-token", "team_id": team, "team_domain": "ntk-test",
        "channel_id": channel, "channel_name": channel_name, "user_id": user, "user_name": "someone",
        "command": command, "text": text, "api_app_id": "A0TEST", "trigger_id": trigger,
        "response_url": "https://hooks.slack.invalid/commands/1",
    })


def interactive_body(payload: Mapping[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: Mapping[str, Any], *, event_id: str = "Ev001", team: str = "T0TEST",
               **extra: Any) -> str:
    return json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A0TEST", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()), "event": dict(event),
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}], **extra,
    })


def retry_headers(body: str, attempt: int = 1) -> dict[str, str]:
    """Slack's redelivery of an event: a fresh signature plus the retry headers."""
    headers = signed(body, content_type="application/json", timestamp=int(time.time()) + attempt)
    return headers | {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
