"""The neutral vocabulary every platform adapter speaks.

Data flows one way: platform payload -> neutral event (``bot.events``) -> handler -> calls on a
``ChatPlatform`` -> platform. Handlers only ever see the types in this module, ``bot.events`` and
``bot.forms``; they never import a platform SDK (``tests/unit/test_layering.py`` enforces it).

References carry the platform name so a reference from one platform can never be mistaken for
another's: ``slack:U024BE7LH``, ``matrix:@alice:example.org``, ``console:alice``.
"""

from __future__ import annotations

import base64
import contextvars
import enum
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: bot.events imports the reference types defined here
    from bot.events import Event
    from bot.forms import Form, RawValue


class Capability(enum.Flag):
    """What a platform can do, so handlers choose the fallback rather than the adapter."""

    NONE = 0
    EPHEMERAL = enum.auto()  # a message only one member of a channel sees
    REDACT_OTHERS = enum.auto()  # may remove another member's message (Slack: admin user token)
    MODALS = enum.auto()  # forms render as a dialog rather than a guided conversation
    THREADS = enum.auto()
    E2EE = enum.auto()
    BUTTONS = enum.auto()  # interactive buttons (Matrix falls back to reactions/replies)
    HOME_TAB = enum.auto()  # a per-member home view (Slack App Home)
    PRIVATE_CHANNELS = enum.auto()  # may create a private channel/room with chosen members


@dataclass(frozen=True, order=True)
class UserRef:
    """A member's identity on one platform (``platform`` is ``slack``, ``matrix`` or ``console``)."""

    platform: str
    id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> UserRef:
        platform, _, ident = text.partition(":")
        if not ident:
            raise ValueError("a user reference looks like 'platform:id'")
        return cls(platform, ident)


@dataclass(frozen=True, order=True)
class ChannelRef:
    """A channel, room or direct conversation. ``is_direct`` is true for one-to-one DMs.

    ``thread`` is set when the event happened inside a thread (Slack ``thread_ts``): a post to this
    reference goes into that thread. It does not take part in equality: a thread is a place inside
    its channel, and the channel's policy applies to it.
    """

    platform: str
    id: str
    is_direct: bool = False
    thread: str | None = field(default=None, compare=False)

    #: Separates the channel from its thread in ``address`` (no platform id contains a space).
    THREAD_SEPARATOR = " thread="

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def address(self) -> str:
        """``str(self)`` plus the thread, if any: what the outbox stores as a channel recipient."""
        return f"{self}{self.THREAD_SEPARATOR}{self.thread}" if self.thread else str(self)

    @property
    def local_address(self) -> str:
        """``address`` without the platform prefix (a channel column that already knows the platform)."""
        return self.address.partition(":")[2]

    @classmethod
    def parse(cls, text: str) -> ChannelRef:
        """Read ``address`` (or ``str()``) back: ``slack:C123`` or ``slack:C123 thread=1700000000.0001``."""
        base, _, thread = text.partition(cls.THREAD_SEPARATOR)
        platform, _, ident = base.partition(":")
        if not ident:
            raise ValueError("a channel reference looks like 'platform:id'")
        return cls(platform, ident, thread=thread or None)


@dataclass(frozen=True)
class MessageRef:
    """A posted message: its channel and the platform's id for it (Slack ts, Matrix event id)."""

    channel: ChannelRef
    id: str

    def __str__(self) -> str:
        return f"{self.channel}/{self.id}"


class ButtonStyle(enum.Enum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """An action a member can take on a message.

    ``action_id`` routes the press to a handler (``tips.ack``); ``value`` carries a short,
    non-sensitive reference (``T-0042``) — never PII, because platforms echo it back in payloads
    and some log them.
    """

    action_id: str
    label: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Message:
    """Outbound text plus optional buttons. Text is plain with light markdown (``*bold*``)."""

    text: str
    buttons: tuple[Button, ...] = field(default=())

    @classmethod
    def of(cls, value: Message | str) -> Message:
        return value if isinstance(value, Message) else cls(value)


def room_tag(key: str) -> str:
    """Six lower-case letters and digits derived from a ``create_private_channel`` key: the part of
    a room's name or alias that makes it this record's (a database started afresh numbers its tips
    from 1 again; the key carries the record's creation time too)."""
    return base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:6].lower()


#: True while a handler sends a message whose loss is acceptable because what it reports is done and
#: visible elsewhere (e.g. "I removed your message" next to the redacted repost). An adapter that
#: retries an event whose replies could not be delivered does not count such a message.
BEST_EFFORT_DELIVERY: contextvars.ContextVar[bool] = contextvars.ContextVar("best_effort_delivery", default=False)

#: The durable identity of the inbound delivery being handled, set by an adapter that may run the same
#: delivery's handler again (Slack: ``slack:<inbox key>``, the event id or the request's digest). The
#: core keys what a handler creates by it (a tip's ``submission_key``, outbox keys that would otherwise
#: carry the time), so a re-run finds what the first run made instead of making it twice.
DELIVERY: contextvars.ContextVar[str | None] = contextvars.ContextVar("ntk_delivery", default=None)


class PlatformError(Exception):
    """A platform call failed. ``transient`` errors are worth retrying (timeouts, 5xx, rate limits).

    The message must never contain message text or PII: it is logged.
    """

    def __init__(self, reason: str, *, transient: bool = True) -> None:
        super().__init__(reason)
        self.transient = transient


@runtime_checkable
class ChatPlatform(Protocol):
    """Outbound operations every adapter implements (async).

    Adapters translate these to their SDK and nothing else: no task-force logic lives there.
    """

    name: str

    @property
    def capabilities(self) -> Capability:
        """What this platform can do right now (e.g. REDACT_OTHERS only with an admin token)."""
        ...

    async def post(
        self, channel: ChannelRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """Post to a channel or room everyone in it can see.

        ``idempotency_key`` (the outbox row's key) lets a platform that supports it make a re-send
        of the same message a no-op on the server (Matrix: the transaction id); platforms without
        such a mechanism accept and ignore it.
        """
        ...

    async def send_dm(
        self, user: UserRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        """Send a direct message, opening the conversation if needed (``idempotency_key``: see ``post``)."""
        ...

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        """Show a message only ``user`` sees; platforms without ephemeral messages send a DM."""
        ...

    async def redact(self, message: MessageRef, reason: str) -> bool:
        """Remove a message; returns False when the platform does not allow it (no exception).

        ``reason`` may be shown publicly (Matrix): it must never contain PII.
        """
        ...

    async def open_form(
        self,
        user: UserRef,
        form: Form,
        *,
        trigger: str | None = None,
        channel: ChannelRef | None = None,
    ) -> None:
        """Ask ``user`` to fill ``form``; the answer comes back as a ``FormSubmitted`` event."""
        ...

    async def members(self, channel: ChannelRef) -> Sequence[UserRef]:
        """Who is in a channel right now (for audience checks)."""
        ...

    async def create_private_channel(
        self, name: str, members: Sequence[UserRef], *, key: str | None = None
    ) -> ChannelRef:
        """Create a private channel/room limited to ``members`` (invite-only).

        With ``key`` (stable for the record the room is for, e.g. a tip's case meeting) creating is
        idempotent: a second call with the same key — a handler run again after its process died
        between creating the room and recording it — finds the room the first call made (Slack: a
        name derived from the key; Matrix: a room alias derived from the key) and returns it, after
        checking it is the bot's own private room with nobody in it but ``members``; missing members
        are invited. A room that fails those checks is never reused (another name is taken)."""
        ...


class CoreApp(Protocol):
    """What an adapter needs from ``bot.app.App`` (structural, so adapter tests can pass a fake).

    See docs/architecture.md: adapters translate payloads to neutral events and call these.
    """

    @property
    def commands(self) -> Any:
        """The registered commands (``CommandSpec`` with name, summary, usage)."""
        ...

    async def dispatch(self, event: Event) -> Any: ...

    def build_form(self, form_id: str, user: UserRef, context: str) -> Form: ...

    async def submit_form(
        self,
        user: UserRef,
        form_id: str,
        raw: Mapping[str, RawValue],
        *,
        context: str = "",
        channel: ChannelRef | None = None,
    ) -> Mapping[str, str] | None: ...


