"""A console session: speak as any member, in any channel, the way a chat client would.

Used by the interactive ``needtoknow console`` and by tests (``tests/harness.py``), so the tests
exercise exactly what a person types.

Lines:
  /as <handle>           speak as another directory member (or any name, to try an unknown user)
  /in #channel | /in dm  post in a channel, or in your DM with the bot
  /press <n>             press button n of the last message with buttons you received
  /edit <text>           edit your last message in this channel
  /home                  your open items (like Slack's App Home)
  /clock [+3d | +6h | 2027-01-10 09:00]
                         show or move the bot's clock forward; due reminders, alerts and escalations
                         run at their own times on the way (console only)
  /<command> [args]      a bot command: /tip, /preview, /release, /operation, /case, /admin, /help
  anything else          a message posted in the current channel
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app import App
from bot.commands import neutral_command
from bot.console.platform import PLATFORM, ConsolePlatform
from bot.events import ButtonPressed, CommandInvoked, HomeOpened, MessageEdited, MessagePosted
from bot.forms import RawValue
from bot.platform import ChannelRef, MessageRef, UserRef
from storage import schedule

LOCAL_COMMANDS = ("as", "in", "press", "edit", "home", "clock", "who", "channels", "quit", "exit")
_STEP = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
MAX_CLOCK_STEPS = 1000
CLOCK_USAGE = "usage: /clock  |  /clock +3d  (w, d, h, m; e.g. +1d12h)  |  /clock 2027-01-10 09:00"


def parse_clock_target(arg: str, now: datetime, tz: object) -> datetime:
    """``+3d``/``+1d12h``/``+90m`` from ``now``, or a date (and time) in the task force's time zone."""
    arg = arg.strip()
    if arg.startswith("+"):
        body = arg[1:].replace(" ", "")
        parts = _STEP.findall(body)
        if not parts or "".join(n + u for n, u in parts) != body:
            raise ValueError(CLOCK_USAGE)
        delta = timedelta()
        for number, unit in parts:
            delta += timedelta(**{_UNITS[unit]: int(number)})
        return now + delta
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(arg, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=tz)  # type: ignore[arg-type]
    raise ValueError(CLOCK_USAGE)


@dataclass
class ConsoleSession:
    app: App
    platform: ConsolePlatform
    speaker: str
    channel: ChannelRef
    _last_message: dict[tuple[str, str], MessageRef] = field(default_factory=dict)

    @property
    def user(self) -> UserRef:
        return UserRef(PLATFORM, self.speaker)

    def switch_user(self, handle: str) -> None:
        self.speaker = handle.lstrip("@")

    def switch_channel(self, name: str) -> ChannelRef:
        name = name.strip()
        if name in ("dm", "@bot", "@needtoknow"):
            self.channel = self.platform.dm_channel(self.speaker)
        else:
            self.channel = ChannelRef(PLATFORM, name.lstrip("#"))
        return self.channel

    async def handle_line(self, line: str) -> str | None:
        """Process one typed line. Returns a note for the person at the keyboard, if any."""
        line = line.rstrip("\n")
        if not line.strip():
            return None
        if line.startswith("/"):
            word, _, rest = line[1:].partition(" ")
            word = word.lower()
            if word == "as":
                if not rest.strip():
                    return "usage: /as <handle>"
                self.switch_user(rest.strip())
                if self.channel.is_direct:
                    self.switch_channel("dm")
                return f"you are now {self.speaker}"
            if word == "in":
                if not rest.strip():
                    return "usage: /in #channel  or  /in dm"
                ch = self.switch_channel(rest)
                return f"now in {'your DM with the bot' if ch.is_direct else '#' + ch.id}"
            if word == "press":
                return await self.press(rest.strip())
            if word == "edit":
                return await self.edit(rest)
            if word == "home":
                return await self.app.home_summary(self.user)
            if word == "clock":
                return await self.move_clock(rest)
            if word in ("who", "channels"):
                return None  # handled by the REPL, which knows the directory
            await self.app.dispatch(
                CommandInvoked(
                    user=self.user,
                    channel=self.channel,
                    name=neutral_command(word),
                    args=rest.strip(),
                    message=self.platform.record_member_message(self.channel, self.speaker, line)
                    if not self.channel.is_direct
                    else None,
                )
            )
            await self.app.drain()
            return None
        ref = self.platform.record_member_message(self.channel, self.speaker, line)
        self._last_message[(self.speaker, self.channel.id)] = ref
        await self.app.dispatch(MessagePosted(user=self.user, channel=self.channel, message=ref, text=line))
        await self.app.drain()
        return None

    async def edit(self, text: str) -> str | None:
        ref = self._last_message.get((self.speaker, self.channel.id))
        if ref is None:
            return "nothing to edit: you have not posted here yet"
        self.platform.edit_member_message(ref, text)
        await self.app.dispatch(MessageEdited(user=self.user, channel=self.channel, message=ref, text=text))
        await self.app.drain()
        return None

    async def move_clock(self, arg: str) -> str:
        """Move the bot's clock forward, stopping at each due scheduled item on the way so it runs at
        its own time (a reminder due Tuesday goes out 'on Tuesday', not late)."""
        clock = self.app.services.clock
        tz = self.app.services.config.tz
        setter = getattr(clock, "set", None)
        if not arg.strip():
            return f"bot time: {clock.now().astimezone(tz):%a %Y-%m-%d %H:%M %Z}"
        if setter is None:
            return "this clock cannot be moved"
        try:
            target = parse_clock_target(arg, clock.now(), tz)
        except ValueError as exc:
            return str(exc)
        if target < clock.now():
            return "the clock only moves forward"
        ran = 0
        for _ in range(MAX_CLOCK_STEPS):
            with self.app.services.db.session() as s:
                due = schedule.next_due(s, target)
            if due is None:
                break
            if due > clock.now():
                setter(due)
            ran += self.app.run_due().processed
            await self.app.deliver_outbox()
            await self.app.drain()
        setter(target)
        await self.app.deliver_outbox()
        await self.app.drain()
        return f"bot time is now {target.astimezone(tz):%a %Y-%m-%d %H:%M %Z} ({ran} scheduled items ran)"

    async def press(self, which: str) -> str | None:
        ref, message = self.platform.last_buttons(self.speaker)
        if message is None:
            return "no buttons to press"
        try:
            button = message.buttons[int(which) - 1]
        except (ValueError, IndexError):
            labels = ", ".join(f"{i}={b.label}" for i, b in enumerate(message.buttons, start=1))
            return f"usage: /press <n> ({labels})"
        channel = ref.channel if ref is not None else self.channel
        await self.app.dispatch(
            ButtonPressed(
                user=self.user, channel=channel, action_id=button.action_id, value=button.value, message=ref
            )
        )
        await self.app.drain()
        return None

    async def submit_form(self, answers: dict[str, RawValue]) -> dict[str, str] | None:
        pending = self.platform.pending_forms.get(self.speaker)
        if pending is None:
            return {"_form": "no form is open"}
        errors = await self.app.submit_form(
            self.user, pending.form.form_id, answers, context=pending.form.context, channel=pending.channel
        )
        if errors is None:
            self.platform.pending_forms.pop(self.speaker, None)
        await self.app.drain()
        return errors

    async def open_home(self) -> None:
        await self.app.dispatch(HomeOpened(user=self.user))
