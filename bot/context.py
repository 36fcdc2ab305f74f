"""What a handler gets besides its event: the acting member and the services, injected.

Handlers depend on this object, never on globals or platform SDKs, so unit tests run them on the
console platform with a fake clock and a real SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.config import Config
from bot.errors import safe_exception_summary
from bot.events import CommandInvoked, Event, MessageEdited, MessagePosted
from bot.platform import (
    BEST_EFFORT_DELIVERY,
    DELIVERY,
    Button,
    ButtonStyle,
    ChannelRef,
    ChatPlatform,
    Message,
    UserRef,
)
from bot.workers import on_handler_thread
from handlers.access import Permission, check
from handlers.policy import configured_roles
from storage import deliveries, directory
from storage.audit import AuditLog
from storage.crypto import KeyedHasher
from storage.db import Database
from storage.directory import ChannelView, MemberView
from storage.models import OutboxMessage
from storage.outbox import OutgoingButton, enqueue

if TYPE_CHECKING:
    from bot.app import RedactorLoader
    from redaction import Redactor

log = logging.getLogger(__name__)

#: Agency types whose members are told operations only in coarse terms (see handlers/operations.py):
#: a late note to them never carries the due time, which could reveal an operation's exact time.
_OUTSIDE_NEED_TO_KNOW = frozenset({"victim_services", "ngo"})


@dataclass
class Services:
    """Process-wide services, built once by ``bot.app.build_app``."""

    config: Config
    platform: ChatPlatform
    db: Database
    audit: AuditLog
    hasher: KeyedHasher
    clock: Clock
    settings: dict[str, Any]
    redactor_loader: RedactorLoader
    #: Deliver in the background (``App.kick_outbox``): a pass, or with a list of keys those rows only.
    kick_outbox: Callable[..., None]
    #: Deliver now, awaited (``App.deliver_outbox_now``; with a key: that message only): for a handler that must tell a member
    #: the truth about a message it queued (see ``Context.deliver_now``).
    deliver_outbox: Callable[..., Awaitable[int]] | None = None
    #: The PII guard's removal on arrival (``handlers.pii_guard.remove_first``), ahead of the ordered
    #: handling of the same events: scan results by message (text included, so a changed text is
    #: rescanned) and the messages already removed. Consumed by ``guard_message``; bounded.
    prescanned: dict[str, tuple[str, Any]] = field(default_factory=dict)
    removed_first: set[str] = field(default_factory=set)
    #: Live removals on arrival in progress (``handlers.pii_guard.remove_first``): a backlog's scans
    #: and removals wait while there are any, so a live message goes first (on the adapter's loop).
    live_removals: list[object] = field(default_factory=list)
    #: Set while ``live_removals`` is empty (a backlog's next step waits for it).
    no_live_removals: asyncio.Event = field(default_factory=asyncio.Event)


class _DoneBefore(Exception):
    """Raised by ``Once.begin`` to skip a write block an earlier run did; ``Context.once`` absorbs it."""


@dataclass
class Once:
    """A write step of ``Context.once``: the transaction, and the answer given (or to give)."""

    session: Session
    #: True when an earlier run of this delivery did the step (nothing to write; answer as it did).
    before: bool = False
    answer: Message | str | None = None
    #: Small values the answer needs besides its text (ids, numbers, references), kept with it.
    data: dict[str, Any] = field(default_factory=dict)

    def begin(self) -> Session:
        """The step's transaction; when an earlier run of this delivery did the step, the rest of
        the ``with ctx.once(...)`` block is skipped instead (``once.answer`` / ``data`` hold its
        answer), so a handler's write block needs no other change."""
        if self.before:
            raise _DoneBefore()
        return self.session

    def stored(self) -> str:
        answer = Message.of(self.answer) if self.answer is not None else None
        return json.dumps({
            "text": answer.text if answer is not None else None,
            "buttons": [[b.action_id, b.label, b.value, b.style.value] for b in answer.buttons] if answer else [],
            "data": self.data,
        })

    @classmethod
    def replay(cls, session: Session, stored: str | None) -> Once:
        try:
            raw = json.loads(stored or "{}")
        except ValueError:
            raw = {}
        raw = raw if isinstance(raw, dict) else {}
        text = raw.get("text")
        answer = None
        if isinstance(text, str):
            buttons = tuple(Button(str(a), str(lb), str(v), ButtonStyle(st)) for a, lb, v, st in raw.get("buttons") or [])
            answer = Message(text, buttons)
        data = raw.get("data")
        return cls(session, before=True, answer=answer, data=data if isinstance(data, dict) else {})


@dataclass
class Context:
    """Per-event context: services plus who is acting (``member`` is None for unknown people)."""

    services: Services
    user: UserRef | None = None
    member: MemberView | None = None
    event: Event | None = None
    _audit_extra: dict[str, Any] = field(default_factory=dict)
    #: Set while a scheduled item runs late (its due time passed while the bot or database was
    #: down): every message queued gets ``late_note()`` appended, so nobody mistakes it for on time.
    late_due_at: datetime | None = None
    #: False for messages to people outside the need-to-know circle (NGO notices): the note then
    #: omits the due time, which could reveal an operation's exact time.
    late_note_exact: bool = True

    # -- services --------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def platform(self) -> ChatPlatform:
        return self.services.platform

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def hasher(self) -> KeyedHasher:
        return self.services.hasher

    def now(self) -> datetime:
        return self.services.clock.now()

    def once_stamp(self) -> str:
        """What keys the messages a handler queues apart from the same handler's another time: the
        delivery being handled when the adapter may run it again (``bot.platform.DELIVERY``: then a
        re-run queues nothing twice), else the time."""
        return DELIVERY.get() or self.now().isoformat()

    def settings(self, section: str) -> Any:
        """The parsed settings a feature registered with ``Router.settings``."""
        return self.services.settings[section]

    @property
    def redactor(self) -> Redactor:
        """The PII engine (loaded once per process on first use)."""
        return self.services.redactor_loader()

    async def redact_text(self, text: str) -> Any:
        """Run the engine off the event loop (spaCy is CPU-bound; the engine is thread-safe): in place
        on a handler thread, else in a worker thread."""
        # ``self.redactor`` is read in the worker too: a first use (or an allow-list rebuilt after a
        # directory change) must never load or build on the event loop, where it would hold up acks.
        if on_handler_thread():
            # Already off the adapter's loop, on a thread that handles this event alone: scanning
            # here saves a hand-off to yet another thread and back (a wake-up and GIL switch each).
            result = self.redactor.redact(text)
        else:
            result = await asyncio.to_thread(lambda: self.redactor.redact(text))
        if isinstance(self.event, MessagePosted | MessageEdited):
            metrics.record_scan(result.label_counts())  # counts per label only, never text
        return result

    def directory_changed(self) -> None:
        """Call after directory edits: the PII engine's allow-list of member names is rebuilt."""
        self.services.redactor_loader.invalidate()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.services.db.session() as s:
            yield s

    def done_before(self, step: str) -> Once | None:
        """The step as an earlier run of this delivery did it (``Context.once``), or None: for a
        handler whose platform calls come before its write step (a meeting room is created, then
        recorded), so a re-run does not make them again."""
        delivery = DELIVERY.get()
        if not delivery:
            return None
        with self.session() as s:
            row = deliveries.find(s, delivery, step)
            return Once.replay(s, row.answer) if row is not None else None

    @contextmanager
    def once(self, step: str) -> Iterator[Once]:
        """A handler's write step, done once per delivery. The block starts with
        ``s = once.begin()`` (its transaction), does its work and sets ``once.answer`` (what the
        member is told; ``once.data`` for small values besides). When an earlier run of this very
        delivery did the step — the adapter ran it again: a Slack inbox row taken over after its
        replica died, a Matrix event re-handled after a crash — ``begin`` skips the block, and
        ``once.answer`` / ``once.data`` are what that run stored: nothing is written twice and the
        member gets the same answer. Without a delivery that may run again (the console, the
        scheduler) it is a plain transaction. A block that raises keeps nothing (the step too).
        storage/deliveries.py; docs/architecture.md, "Delivery guarantees: Slack"."""
        delivery = DELIVERY.get()
        with self.session() as s:
            row = deliveries.find(s, delivery, step) if delivery else None
            claimed = None
            # SQLite: one writer at a time (every writing transaction begins IMMEDIATE), so the read
            # above is authoritative and the row is written with the answer at the end (one INSERT).
            serial = self.db.engine.dialect.name == "sqlite"
            if delivery and row is None and not serial:
                try:
                    with s.begin_nested():  # a savepoint: losing the claim leaves the transaction usable
                        claimed = deliveries.claim(s, delivery, step, self.now())
                except IntegrityError:
                    # Another run of this delivery (a replica whose lease lapsed while it still ran)
                    # claimed the step at the same time; PostgreSQL made this insert wait for its
                    # commit: its answer is ours.
                    row = deliveries.find(s, delivery, step)
                    if row is None:
                        raise
            if row is not None:
                try:
                    yield Once.replay(s, row.answer)
                except _DoneBefore:
                    pass
                return
            once = Once(s)
            yield once
            if claimed is not None:
                deliveries.answer(s, claimed, once.stored())
            elif delivery:
                deliveries.record(s, delivery, step, self.now(), answer=once.stored())

    # -- permission ------------------------------------------------------------------------
    def require(self, permission: Permission, *, extra_roles: frozenset[str] = frozenset()) -> MemberView:
        """The single permission check (the policy table, handlers/policy.py): returns the acting
        member or raises PermissionDenied. Roles the config adds (``CONFIGURABLE_ROLES``) count."""
        extra = extra_roles | configured_roles(permission, self.settings)
        return check(self.member, permission, extra_roles=extra)

    # -- audit -----------------------------------------------------------------------------
    @property
    def actor(self) -> str:
        if self.member is not None:
            return self.member.actor
        if self.user is not None:
            return f"unknown:{self.user.platform}"
        return "system"

    def audit(
        self,
        session: Session,
        action: str,
        target: str = "",
        detail: dict[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        """Record an audit row in the caller's transaction (references and counts only)."""
        metrics.record_audit(session, action)
        self.services.audit.record(
            session, at=self.now(), actor=actor or self.actor, action=action, target=target, detail=detail
        )

    # -- addressing ------------------------------------------------------------------------
    def user_ref(self, member: MemberView) -> UserRef | None:
        ext = member.identity(self.platform.name)
        return UserRef(self.platform.name, ext) if ext else None

    def channel_ref(self, channel: ChannelView) -> ChannelRef | None:
        ext = channel.identity(self.platform.name)
        return ChannelRef(self.platform.name, ext) if ext else None

    def coordinators(self, session: Session) -> list[MemberView]:
        """Who hears about breaches and delivery failures: coordinators, else admins."""
        people = [m for m in directory.all_members(session) if m.discipline == "coordinator" and m.active]
        return people or directory.members_with_role(session, "admin")

    # -- sending ---------------------------------------------------------------------------
    def late_note(self, *, exact: bool = True) -> str | None:
        """The note a late scheduled message carries, or None when on time. Without ``exact`` (an
        NGO recipient, a channel) it omits the due time: that could reveal an operation's time."""
        if self.late_due_at is None:
            return None
        if not (exact and self.late_note_exact):
            return "(late: this was due earlier; the bot was unavailable then)"
        due = self.late_due_at.astimezone(self.config.tz)
        return f"(late: this was due at {due:%a %d %b %H:%M %Z}; the bot was unavailable)"

    def _with_late_note(self, body: str, *, exact: bool) -> str:
        note = self.late_note(exact=exact)
        return f"{body}\n\n{note}" if note else body

    def enqueue_dm(
        self,
        session: Session,
        member: MemberView,
        body: str,
        *,
        key: str,
        purpose: str,
        buttons: Sequence[OutgoingButton] = (),
        waiting: MemberView | None = None,
    ) -> bool:
        """Queue a DM in the caller's transaction (delivered with retries after commit).

        ``waiting``: a member waiting for this message (the recipient of a confirmation, the
        submitter of a routed tip); if it is given up on, they get a short note without content.
        Returns False when the member has no identity on this platform or is deactivated (nothing
        queued: a member who left hears nothing more, wherever the call comes from)."""
        if not member.active:
            return False
        ref = self.user_ref(member)
        if ref is None:
            return False
        waiting_ref = self.user_ref(waiting) if waiting is not None else None
        enqueue(
            session,
            key=key,
            purpose=purpose,
            recipient_kind="user",
            recipient=str(ref),
            body=self._with_late_note(body, exact=member.agency.kind not in _OUTSIDE_NEED_TO_KNOW),
            buttons=list(buttons),
            now=self.now(),
            tell_on_failure=str(waiting_ref) if waiting_ref is not None else None,
        )
        return True

    def enqueue_channel(
        self,
        session: Session,
        channel: ChannelRef,
        body: str,
        *,
        key: str,
        purpose: str,
        buttons: Sequence[OutgoingButton] = (),
        tell_on_failure: UserRef | None = None,
    ) -> None:
        """Queue a channel message. ``tell_on_failure``: who gets a short note (no content) if it is
        given up on (e.g. the poster whose redacted message it reposts)."""
        enqueue(
            session,
            key=key,
            purpose=purpose,
            recipient_kind="channel",
            recipient=channel.address,  # keeps the thread: a repost of a thread reply goes back into it
            body=self._with_late_note(body, exact=False),
            buttons=list(buttons),
            now=self.now(),
            tell_on_failure=str(tell_on_failure) if tell_on_failure is not None else None,
        )

    def kick_outbox(self, keys: list[str] | None = None) -> None:
        """Deliver queued messages now instead of waiting for the next sweep (with ``keys``: those
        rows, not behind a delivery pass in progress)."""
        if keys:
            self.services.kick_outbox(keys)
        else:
            self.services.kick_outbox()

    async def deliver_now(self, key: str) -> str:
        """Run a delivery pass now and say what became of the message queued under ``key``:
        ``"sent"``, ``"failed"`` (given up: the platform refused it for good) or ``"pending"``
        (a temporary failure: it is retried with back-off). A handler that tells a member about a
        message it queued calls this first, so it never says "posted" when it was not."""
        if self.services.deliver_outbox is None:
            self.kick_outbox()
        else:
            await self.services.deliver_outbox(key)  # this message only: never behind other deliveries
        with self.session() as s:
            status = s.execute(
                select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)
            ).scalar_one_or_none()
        return status if status in ("sent", "failed") else "pending"

    async def remove_command_from_channel(self, event: CommandInvoked, reason: str) -> bool | None:
        """Remove a command typed where others can read it (a Matrix ``!release new ...`` or a console
        line in a group channel). Returns None when there is nothing to remove (Slack slash commands
        and DMs are private), else whether it was removed. ``reason`` is public: never PII."""
        if event.message is None or event.channel.is_direct:
            return None
        try:
            return await self.platform.redact(event.message, reason)
        except Exception as exc:  # the platform may be down; the caller asks the member to delete it
            log.warning("could not remove a command from a channel: %s", safe_exception_summary(exc))
            return False

    async def answer(self, once: Once, *, channel: ChannelRef | None = None) -> None:
        """Tell the acting person the answer of a write step (``once``): the one this run set, or the
        one an earlier run of the same delivery gave."""
        if once.answer is not None:
            await self.reply(once.answer, channel=channel)

    async def reply(
        self, message: Message | str, *, channel: ChannelRef | None = None, best_effort: bool = False
    ) -> None:
        """Answer the acting person privately: ephemeral in a channel, a DM otherwise.

        ``best_effort``: the answer only reports work that is done and visible anyway; an adapter
        must not handle the event again because this answer could not be delivered."""
        if self.user is None:
            return
        token = BEST_EFFORT_DELIVERY.set(True) if best_effort else None
        try:
            where = channel or getattr(self.event, "channel", None)
            if isinstance(where, ChannelRef) and not where.is_direct:
                await self.platform.ephemeral(where, self.user, message)
            else:
                await self.platform.send_dm(self.user, message)
        finally:
            if token is not None:
                BEST_EFFORT_DELIVERY.reset(token)
