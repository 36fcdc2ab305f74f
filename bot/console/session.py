"""A console session: speak as any member, in any channel, the way a chat client would.

Used by the interactive ``needtoknow console`` and by tests (``tests/harness.py``), so the tests
exercise exactly what a person types.

Lines:
  /as <handle>           speak as another directory member (or any name, to try an unknown user)
  /in #channel | /in dm  post in a channel, or in your DM with the bot
  /press <n>             press button n of the last message with buttons you received
  /edit <text>           edit your last message in this channel
  /home                  your open items (like Slack's App Home)
  /<command> [args]      a bot command: /tip, /preview, /release, /operation, /case, /admin, /help
  anything else          a message posted in the current channel
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app import App
from bot.console.platform import PLATFORM, ConsolePlatform
from bot.events import ButtonPressed, CommandInvoked, HomeOpened, MessageEdited, MessagePosted
from bot.forms import RawValue
from bot.platform import ChannelRef, MessageRef, UserRef

LOCAL_COMMANDS = ("as", "in", "press", "edit", "home", "who", "channels", "quit", "exit")


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
            if word in ("who", "channels"):
                return None  # handled by the REPL, which knows the directory
            await self.app.dispatch(
                CommandInvoked(
                    user=self.user,
                    channel=self.channel,
                    name=word,
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
