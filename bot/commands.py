"""Command names as each platform spells them.

Handlers write commands in one neutral spelling, ``/tip ack T-0001`` (what the console accepts). Slack
maps some names to other slash commands (``/ntk-admin``, ``/ntk``) and Matrix uses a prefix (``!tip``), so
a point person on Matrix told to type ``/tip ack`` would be told wrong. Rather than each handler asking
the platform how to spell each command, one pass rewrites the bot's outgoing text: ``CommandSyntax``
wraps the platform handed to handlers and rewrites ``/name`` (a known command, where a command would be
typed) into the platform's spelling, read from the adapter's settings (``platform_syntax``); the
console is used as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.platform import Capability, ChannelRef, ChatPlatform, Message, MessageRef, UserRef

#: Other spellings a member may type for a neutral command: Slack's default slash commands (``/ntk``,
#: ``/ntk-admin``) are accepted on every platform, so a member who learnt them on Slack is not told
#: "unknown command" on the console or Matrix.
COMMAND_ALIASES = {"ntk": "help", "ntk-admin": "admin"}


def neutral_command(word: str, syntax: Mapping[str, str] | None = None) -> str:
    """The neutral name of a typed command word (``/ntk-admin``, ``!admin``, ``ntk``, ``Admin`` -> ``admin``):
    the word without its slash or ``!``, lower case, through ``syntax``'s reverse (a deployment's own
    ``command_names``) and ``COMMAND_ALIASES``. Unknown words come back as typed (lower case, unprefixed)."""
    name = word.strip().lower().lstrip("/!")
    for neutral, spelled in (syntax or {}).items():
        if spelled.lower().lstrip("/!") == name:
            return neutral
    return COMMAND_ALIASES.get(name, name)


def localise_commands(text: str, syntax: Mapping[str, str]) -> str:
    """Rewrite ``/name`` to ``syntax[name]`` where it starts a command: at the start of the text or of a
    code span, or after whitespace or an opening bracket; followed by a space, a backtick, punctuation
    or the end. Paths and URLs (``a/tip``, ``http://x/tip``) are left alone."""
    if not syntax or "/" not in text:
        return text
    names = "|".join(re.escape(n) for n in sorted(syntax, key=len, reverse=True))
    pattern = re.compile(rf"(?:^|(?<=[\s`(\[\"'“]))/({names})(?=$|[\s`)\].,;:!?\"'”])", re.M)
    return pattern.sub(lambda m: syntax[m.group(1)], text)


def slash_usage(usage: str) -> str:
    """``admin members | admin channels`` -> ``/admin members | /admin channels``: every alternative of a
    usage line is typed as a command, so each one is written with its slash (and so respelled for the
    platform, ``!admin channels`` on Matrix, ``/ntk-admin channels`` on Slack), not only the first."""
    return " | ".join(
        alt if alt.startswith("/") else f"/{alt}" for alt in (a.strip() for a in usage.split(" | "))
    )


class CommandSyntax:
    """A ``ChatPlatform`` that spells commands in its text as the wrapped platform expects them."""

    def __init__(self, platform: Any, syntax: Mapping[str, str]) -> None:
        self.wrapped = platform
        self.syntax = dict(syntax)

    def __getattr__(self, name: str) -> Any:  # adapter-specific attributes pass through
        return getattr(self.wrapped, name)

    @property
    def name(self) -> str:
        return str(self.wrapped.name)

    @property
    def capabilities(self) -> Capability:
        caps: Capability = self.wrapped.capabilities
        return caps

    def _message(self, message: Message | str) -> Message:
        msg = Message.of(message)
        return Message(localise_commands(msg.text, self.syntax), msg.buttons)

    async def post(self, channel: ChannelRef, message: Message | str, **kwargs: Any) -> MessageRef:
        ref: MessageRef = await self.wrapped.post(channel, self._message(message), **kwargs)
        return ref

    async def send_dm(self, user: UserRef, message: Message | str, **kwargs: Any) -> MessageRef:
        ref: MessageRef = await self.wrapped.send_dm(user, self._message(message), **kwargs)
        return ref

    async def ephemeral(
        self, channel: ChannelRef, user: UserRef, message: Message | str, **kwargs: Any
    ) -> None:
        await self.wrapped.ephemeral(channel, user, self._message(message), **kwargs)

    async def redact(self, message: MessageRef, reason: str) -> bool:
        done: bool = await self.wrapped.redact(message, reason)
        return done

    async def open_form(self, *args: Any, **kwargs: Any) -> Any:
        return await self.wrapped.open_form(*args, **kwargs)

    async def members(self, channel: ChannelRef) -> Sequence[UserRef]:
        found: Sequence[UserRef] = await self.wrapped.members(channel)
        return found

    async def create_private_channel(
        self, name: str, members: Sequence[UserRef], **kwargs: Any
    ) -> ChannelRef:
        ref: ChannelRef = await self.wrapped.create_private_channel(name, members, **kwargs)
        return ref


def platform_syntax(platform: Any, names: Sequence[str]) -> dict[str, str]:
    """How ``platform`` spells each neutral command: Slack's ``command_names`` (``/ntk-admin``), Matrix's
    ``command_prefix`` (``!tip``), or the console's ``/tip``."""
    settings = getattr(platform, "settings", None)
    mapping: Mapping[str, str] | None = getattr(settings, "command_names", None)
    if mapping is not None:
        return {n: mapping.get(n, f"/{n}") for n in names}
    prefix = getattr(settings, "command_prefix", None)
    if isinstance(prefix, str) and prefix:
        return {n: f"{prefix}{n}" for n in names}
    return {n: f"/{n}" for n in names}


def with_command_syntax(platform: ChatPlatform, names: Sequence[str]) -> ChatPlatform:
    """``platform`` itself when it spells commands like the console, else a ``CommandSyntax`` wrapper."""
    syntax = platform_syntax(platform, names)
    if all(v == f"/{k}" for k, v in syntax.items()):
        return platform
    wrapped: ChatPlatform = CommandSyntax(platform, syntax)  # type: ignore[assignment]
    return wrapped
