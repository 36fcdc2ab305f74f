"""Neutral inbound events. Adapters build these from raw payloads; handlers consume them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.platform import ChannelRef, MessageRef, UserRef


@dataclass(frozen=True)
class Event:
    """Base of every inbound event: who did it."""

    user: UserRef


@dataclass(frozen=True)
class MessagePosted(Event):
    """A member posted a message in a channel or DM.

    ``part``: what of the channel the text is, when it is not a message but something members set
    and everyone sees (``"topic"``, ``"name"``: Matrix ``m.room.topic`` / ``m.room.name``, whose
    ``message`` is the state event that set it)."""

    channel: ChannelRef
    message: MessageRef
    text: str
    part: str = "message"


@dataclass(frozen=True)
class MessageEdited(Event):
    """A member edited a message. ``message`` is the original; ``edit`` the edit event where the
    platform makes one (Matrix ``m.replace``), else ``None`` (Slack edits in place)."""

    channel: ChannelRef
    message: MessageRef
    text: str
    edit: MessageRef | None = None


@dataclass(frozen=True)
class CommandInvoked(Event):
    """``/tip ...``, ``!tip ...`` or a console ``/tip ...``.

    ``name`` is the neutral command name (``tip``, ``preview``, ``release``, ``operation``, ``case``,
    ``admin``, ``help``); ``args`` the rest of the line. ``trigger`` is the platform token a form
    must be opened with (Slack trigger_id), ``message`` the invoking message where one exists (a
    Matrix ``!tip`` typed in a group room, so a handler can redact it).
    """

    channel: ChannelRef
    name: str
    args: str = ""
    trigger: str | None = None
    message: MessageRef | None = None


@dataclass(frozen=True)
class FormSubmitted(Event):
    """A member submitted a form. ``values`` are already validated and typed (``Form.validate``);
    ``context`` is the opaque, non-sensitive string the handler put on the form."""

    form_id: str
    values: Mapping[str, Any]
    context: str = ""
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class ButtonPressed(Event):
    """A member pressed a button (or reacted/replied where buttons do not exist)."""

    channel: ChannelRef
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class MemberJoined(Event):
    channel: ChannelRef


@dataclass(frozen=True)
class HomeOpened(Event):
    """A member opened the bot's home view (Slack App Home) or asked for their summary."""

    extra: Mapping[str, str] = field(default_factory=dict)
