"""The console platform: a terminal "workspace" that records what every member receives.

It is both the try-it-out platform (``needtoknow console``) and the fake platform unit tests drive:
every post, DM, ephemeral message, redaction and form is kept in ``deliveries`` so a test can
assert who saw what (``test_tip_never_appears_in_channel``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.forms import Form
from bot.platform import Capability, ChannelRef, Message, MessageRef, PlatformError, UserRef

PLATFORM = "console"


@dataclass(frozen=True)
class Delivery:
    """One thing the bot showed someone. ``kind``: post, dm, ephemeral, redact, form, repost."""

    kind: str
    text: str
    to_user: str | None = None  # handle for dm/ephemeral/form
    channel: str | None = None  # channel name for post/ephemeral/redact
    ref: MessageRef | None = None
    message: Message | None = None
    idempotency_key: str | None = None  # the outbox key it was sent under (console ignores it otherwise)


@dataclass
class PendingForm:
    form: Form
    channel: ChannelRef | None


@dataclass
class ConsoleChannel:
    name: str
    members: list[str]
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (author, text)


class ConsolePlatform:
    """Implements ``ChatPlatform`` in memory. ``can_redact=False`` simulates a platform where the
    bot may not remove others' messages; ``outage`` makes every send fail (transient);
    ``permanent_failure`` makes every send fail for good (e.g. the recipient's account is gone)."""

    name = PLATFORM

    def __init__(self, *, can_redact: bool = True, echo: Callable[[Delivery], None] | None = None) -> None:
        self.can_redact = can_redact
        self.outage = False
        self.permanent_failure = False
        self.deliveries: list[Delivery] = []
        self.pending_forms: dict[str, PendingForm] = {}
        self.channels: dict[str, ConsoleChannel] = {}
        self._keyed_channels: dict[str, str] = {}  # create_private_channel key -> channel name
        self.everyone: list[str] = []
        self._ids = itertools.count(1)
        self._echo = echo

    @property
    def capabilities(self) -> Capability:
        caps = Capability.EPHEMERAL | Capability.BUTTONS | Capability.PRIVATE_CHANNELS | Capability.MODALS
        return caps | Capability.REDACT_OTHERS if self.can_redact else caps

    # -- set-up ------------------------------------------------------------------------------
    def add_channel(self, name: str, members: Sequence[str]) -> ChannelRef:
        self.channels[name] = ConsoleChannel(name, list(members))
        return ChannelRef(PLATFORM, name)

    def dm_channel(self, handle: str) -> ChannelRef:
        return ChannelRef(PLATFORM, f"dm:{handle}", is_direct=True)

    def record_member_message(self, channel: ChannelRef, author: str, text: str) -> MessageRef:
        """A member (not the bot) posts: returns the reference the neutral event carries."""
        ref = MessageRef(channel, f"m{next(self._ids)}")
        chan = self.channels.get(channel.id)
        if chan is not None:
            chan.messages[ref.id] = (author, text)
        return ref

    def edit_member_message(self, ref: MessageRef, text: str) -> None:
        chan = self.channels.get(ref.channel.id)
        if chan is not None and ref.id in chan.messages:
            chan.messages[ref.id] = (chan.messages[ref.id][0], text)

    # -- ChatPlatform ------------------------------------------------------------------------
    def _check(self) -> None:
        if self.permanent_failure:
            raise PlatformError("console platform: simulated permanent failure", transient=False)
        if self.outage:
            raise PlatformError("console platform is in a simulated outage", transient=True)

    def _record(self, d: Delivery) -> None:
        self.deliveries.append(d)
        if self._echo is not None:
            self._echo(d)

    async def post(
        self, channel: ChannelRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        self._check()
        msg = Message.of(message)
        if channel.is_direct or channel.id.startswith("dm:"):
            return await self.send_dm(
                UserRef(PLATFORM, channel.id.removeprefix("dm:")), msg, idempotency_key=idempotency_key
            )
        ref = MessageRef(channel, f"b{next(self._ids)}")
        chan = self.channels.setdefault(channel.id, ConsoleChannel(channel.id, list(self.everyone)))
        chan.messages[ref.id] = ("needtoknow", msg.text)
        self._record(
            Delivery("post", msg.text, channel=channel.id, ref=ref, message=msg, idempotency_key=idempotency_key)
        )
        return ref

    async def send_dm(
        self, user: UserRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        self._check()
        msg = Message.of(message)
        ref = MessageRef(self.dm_channel(user.id), f"d{next(self._ids)}")
        self._record(
            Delivery("dm", msg.text, to_user=user.id, ref=ref, message=msg, idempotency_key=idempotency_key)
        )
        return ref

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        self._check()
        msg = Message.of(message)
        if channel.is_direct:
            await self.send_dm(user, msg)
            return
        self._record(Delivery("ephemeral", msg.text, to_user=user.id, channel=channel.id, message=msg))

    async def redact(self, message: MessageRef, reason: str) -> bool:
        self._check()
        if not self.can_redact:
            return False
        chan = self.channels.get(message.channel.id)
        if chan is not None:
            chan.messages.pop(message.id, None)
        self._record(Delivery("redact", reason, channel=message.channel.id, ref=message))
        return True

    async def open_form(
        self, user: UserRef, form: Form, *, trigger: str | None = None, channel: ChannelRef | None = None
    ) -> None:
        self._check()
        self.pending_forms[user.id] = PendingForm(form, channel)
        self._record(Delivery("form", form.title, to_user=user.id, channel=channel.id if channel else None))

    async def members(self, channel: ChannelRef) -> Sequence[UserRef]:
        if channel.is_direct:
            return [UserRef(PLATFORM, channel.id.removeprefix("dm:"))]
        chan = self.channels.get(channel.id)
        names = chan.members if chan is not None else self.everyone
        return [UserRef(PLATFORM, h) for h in names]

    async def create_private_channel(
        self, name: str, members: Sequence[UserRef], *, key: str | None = None
    ) -> ChannelRef:
        self._check()
        if key is not None:
            # Idempotent per key, as on Slack and Matrix: the same call again returns the same room.
            made = self._keyed_channels.get(key)
            if made is not None and made in self.channels:
                chan = self.channels[made]
                for m in members:
                    if m.id not in chan.members:
                        chan.members.append(m.id)
                return ChannelRef(PLATFORM, made)
        base, n = name, 2
        while name in self.channels:
            name, n = f"{base}-{n}", n + 1
        if key is not None:
            self._keyed_channels[key] = name
        return self.add_channel(name, [m.id for m in members])

    # -- what tests and the REPL read -------------------------------------------------------
    def received_by(self, handle: str) -> list[Delivery]:
        """Everything ``handle`` saw privately (DMs, ephemeral messages, forms)."""
        return [d for d in self.deliveries if d.to_user == handle]

    def dms(self, handle: str) -> list[str]:
        return [d.text for d in self.deliveries if d.kind == "dm" and d.to_user == handle]

    def ephemerals(self, handle: str) -> list[str]:
        return [d.text for d in self.deliveries if d.kind == "ephemeral" and d.to_user == handle]

    def private_texts(self, handle: str) -> list[str]:
        return [d.text for d in self.received_by(handle) if d.kind in ("dm", "ephemeral")]

    def channel_posts(self, name: str) -> list[str]:
        return [d.text for d in self.deliveries if d.kind == "post" and d.channel == name]

    def visible_in_channel(self, name: str) -> list[tuple[str, str]]:
        """What anyone in the channel can still read: (author, text), members' and the bot's."""
        chan = self.channels.get(name)
        return list(chan.messages.values()) if chan is not None else []

    def last_buttons(self, handle: str) -> tuple[MessageRef | None, Message | None]:
        for d in reversed(self.deliveries):
            if d.to_user == handle and d.message is not None and d.message.buttons:
                return d.ref, d.message
        return None, None
