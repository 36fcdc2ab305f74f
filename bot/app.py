"""The composition root: ``build_app(config, platform)`` wires services, handlers and scheduler.

Adapters call ``App.dispatch`` / ``App.submit_form``; APScheduler calls ``App.run_due`` and
``App.deliver_outbox`` periodically. See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import enum
import gc
import importlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.audit_checkpoint import take_checkpoint
from bot.clock import Clock, SystemClock
from bot.commands import with_command_syntax
from bot.config import Config, parse_config
from bot.context import Context, Services
from bot.errors import FieldError, UserError, safe_exception_summary
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    HomeOpened,
    MessageEdited,
    MessagePosted,
)
from bot.forms import Form, FormInvalid, RawValue
from bot.platform import (
    Button,
    ButtonStyle,
    ChannelRef,
    ChatPlatform,
    Message,
    MessageRef,
    PlatformError,
    UserRef,
)
from bot.router import CommandSpec, Router
from bot.workers import DISPATCHING_TASK, HandlerPool, LoopBoundPlatform
from handlers.access import PermissionDenied
from handlers.policy import ACTIONS, authorize, command_action
from storage import deliveries, directory, outbox, schedule
from storage.audit import AuditLog, Checkpoint
from storage.crypto import FieldCipher, KeyedHasher, KeyRing, install_cipher
from storage.db import Database, database_unavailable
from storage.directory import MemberView
from storage.keycheck import verify_keys
from storage.models import OutboxMessage, ProcessedEvent
from storage.outbox import OutgoingButton

if TYPE_CHECKING:
    from redaction import Redactor

log = logging.getLogger(__name__)

_APOLOGY = (
    "Sorry — something went wrong on my side and I could not finish that. Nothing you "
    "sent was posted anywhere. Please try again; if it keeps failing, tell the coordinator."
)

# Feature modules, each with ``register(router)``. Order only affects the help listing.
FEATURES = (
    "handlers.help",
    "handlers.directory",
    "handlers.tips",
    "handlers.operations",
    "handlers.pii_guard",
    "handlers.releases",
)


@dataclass(frozen=True)
class SweepResult:
    processed: int
    failed: int
    late: int = 0


class Dispatched(enum.Enum):
    """What ``App.dispatch`` tells the adapter about a platform event (see docs/architecture.md,
    "Contract between adapters and the core").

    ``HANDLED``: the event is finished — including when the member was told about bad input or a
    permission — so the adapter acknowledges it and records it as handled.
    ``NOT_HANDLED``: nothing was stored (the database is unavailable, or the bot is shutting down);
    the adapter must NOT record the event as handled, so the platform's redelivery (Slack retry, the
    Matrix sync position not advancing) brings it back. A member who asked for something (a command,
    a button, a form) has already been told that nothing was stored and to try again."""

    HANDLED = "handled"
    NOT_HANDLED = "not_handled"

    def __bool__(self) -> bool:
        return self is Dispatched.HANDLED


ENGINE_UNAVAILABLE = (
    "The bot's PII check is unavailable right now, so nothing you sent was stored or posted. "
    "Please try again in a few minutes."
)
NOTHING_STORED = (
    "The bot's database is unavailable right now, so nothing you sent was stored or posted. "
    "Please try again in a few minutes."
)
SHUTTING_DOWN = (
    "The bot is restarting, so nothing you sent was stored or posted. Please try again in a minute."
)


@dataclass
class _Claimed:
    """An outbox row claimed for sending (plain values: no ORM object outlives its session)."""

    id: int
    token: str
    kind: str
    recipient: str
    body: str
    buttons: list[dict[str, str]]
    purpose: str
    key: str


class App:
    def __init__(self, services: Services, router: Router) -> None:
        self.services = services
        self.router = router
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = 0  # events being handled + outbox sends in progress (shutdown waits for 0)
        self._scheduler: Any = None
        self._outbox_lock = asyncio.Lock()
        self._steps_purged: datetime | None = None
        self._stopping = False
        cfg = services.config
        #: Handlers run on these worker threads (None: on the adapter's loop, ``worker_threads = 0``).
        self._pool = HandlerPool(cfg.worker_threads) if cfg.worker_threads > 0 else None
        #: One lock per member with events in flight: a member's events are handled in arrival order.
        self._member_locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        if self._pool is not None and not isinstance(services.platform, LoopBoundPlatform):
            pool = self._pool
            services.platform = LoopBoundPlatform(services.platform, lambda: pool.home)  # type: ignore[assignment]
        if self._pool is not None and isinstance(services.redactor_loader, RedactorLoader):
            # A scan that finds the engine free waits a moment for the other handlers in flight to queue
            # theirs: one batch through the models for a burst (redaction/batching.py).
            busy_pool = self._pool
            services.redactor_loader.companions = lambda: busy_pool.busy - 1
        self.outbox_lease = timedelta(seconds=cfg.outbox_lease_seconds)
        self.outbox_horizon = timedelta(hours=cfg.outbox_retry_hours)
        #: Real seconds between lease renewals while a send is in progress (a third of the lease).
        self.renew_every = cfg.outbox_lease_seconds / 3
        #: Real seconds to keep trying to record a send the platform accepted while the database
        #: is unreachable (after that the lease lapses and another worker may send it again).
        self.mark_patience = min(30.0, cfg.outbox_lease_seconds / 4)

    # -- what adapters use -----------------------------------------------------------------
    @property
    def platform(self) -> ChatPlatform:
        return self.services.platform

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self.router.commands.values())

    def _platform_closed(self) -> bool:
        """The platform's ``closed`` (Matrix: ``close`` began); platforms without one never close under a send."""
        return getattr(self.platform, "closed", False) is True

    def _platform_ready(self) -> bool:
        """The platform's ``sending_ready`` (Matrix: logged in and a first sync done, so the rooms are
        known); platforms without one can always send. The outbox claims nothing before: a send tried
        while the process starts would fail, count as an attempt and wait behind a back-off that
        grows with every restart (after a few ``kill -9`` a poster's notice waited 9 minutes)."""
        return getattr(self.platform, "sending_ready", True) is not False

    @property
    def stopping(self) -> bool:
        """True once ``shutdown`` began: adapters turn new platform deliveries away (``/readyz`` 503)."""
        return self._stopping

    @property
    def scheduler(self) -> Any:
        """The running APScheduler (None before ``start_scheduler``); ``/readyz`` checks it ticks."""
        return self._scheduler

    def context(self, user: UserRef | None, event: Event | None = None) -> Context:
        member = None
        if user is not None:
            with self.services.db.read_connection() as conn:  # for every event: never waits for a writer
                member = directory.member_by_identity(conn, user.platform, user.id)
        return Context(self.services, user=user, member=member, event=event)

    def start_workers(self) -> None:
        """Start the handler threads on the running loop (the adapter's), before requests come; without
        this they start at the first event. Nothing to do with ``worker_threads = 0``."""
        if self._pool is not None:
            self._pool.start()

    def first_time(self, platform: str, event_id: str) -> bool:
        """Record a platform event id; False if it was seen before (Slack retries deliveries).
        During a database outage nothing can be recorded: returns True (the dispatch that follows
        reports NOT_HANDLED, so the event comes back)."""
        try:
            with self.services.db.session() as s:
                s.add(
                    ProcessedEvent(platform=platform, event_id=event_id[:255], at=self.services.clock.now())
                )
        except IntegrityError:
            return False
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Nothing is recorded; ``dispatch`` will report the event NOT_HANDLED, so the platform
            # redelivers it and it is recorded then.
            log.warning("could not record event id (database unavailable): %s", safe_exception_summary(exc))
        return True

    def warm_up(self) -> None:
        """Load the PII engine (model, tagger, the directory's allow-list) and run it once.

        Blocking and CPU-heavy (seconds): adapters call it in a worker thread *before* they accept
        requests, so the first event is answered as fast as any other (Slack allows 3 seconds)."""
        engine = self.services.redactor_loader()
        warm = getattr(engine, "warm_up", None)  # the real engine also loads its lazily read word lists
        if callable(warm):
            warm()
        else:
            engine.redact("Warm-up: call 312-555-0100 about the meeting.")
        freeze_the_heap()

    def record_refused_request(self, platform: str, reason: str, kind: str) -> None:
        """Audit a request an adapter refused before it reached a handler (another workspace, an
        external user). Label-free: the reason and the kind of request, never ids or content."""
        with self.services.db.session() as s:
            Context(self.services).audit(
                s,
                f"{platform}.request_refused",
                target=f"platform:{platform}",
                detail={"reason": reason[:40], "kind": kind[:20]},
                actor=f"unknown:{platform}",
            )

    def queue_reply(self, recipient: UserRef | ChannelRef, message: Message | str, key: str) -> None:
        """A handler's direct reply (a PII warning, a command's answer) that the adapter could not
        deliver now for a reason that may pass: queued in the outbox under ``key`` (the key the
        failed attempt was sent with, so a platform that dedupes by it — Matrix transaction ids —
        does not post it twice if the attempt got through after all), retried with back-off like any
        delivery. The adapter goes on with its other events instead of waiting for this member.
        Raises when the database is unavailable (the adapter then keeps the event to retry)."""
        msg = Message.of(message)
        buttons = [OutgoingButton(b.action_id, b.label, b.value, b.style.value) for b in msg.buttons]
        with self.services.db.session() as s:
            outbox.enqueue(
                s,
                key=key[:200],
                purpose="reply.queued",
                recipient_kind="user" if isinstance(recipient, UserRef) else "channel",
                recipient=str(recipient) if isinstance(recipient, UserRef) else recipient.address,
                body=msg.text,
                buttons=buttons,
                now=self.services.clock.now(),
            )

    def report_inbox_failure(self, platform: str, kind: str, row_id: int) -> None:
        """An inbound request (acknowledged, stored in the inbox) kept failing and was given up on:
        audit it and tell the coordinators — the kind and row number only, never its content."""
        with self.services.db.session() as s:
            ctx = Context(self.services)
            ctx.audit(s, "inbox.failed", target=f"inbox:{row_id}", detail={"platform": platform[:16], "kind": kind[:16]})
            for person in ctx.coordinators(s):
                ctx.enqueue_dm(
                    s,
                    person,
                    f"A {platform} {kind} the bot received (inbox #{row_id}) could not be handled after "
                    "retrying and was given up on. Please check the bot's logs and database; the member "
                    "who sent it may need to send it again.",
                    key=f"inbox-failed:{row_id}:{person.handle}",
                    purpose="inbox.alert",
                )
        self.kick_outbox()

    async def dispatch(self, event: Event) -> Dispatched:
        """Route one neutral event to its handler. Never raises: failures become a private message.

        Returns ``Dispatched.NOT_HANDLED`` when nothing could be stored (database unavailable, or the
        bot is shutting down): the adapter must let the platform deliver the event again."""
        result, _errors = await self._dispatch(event)
        return result

    def scan_ahead(self, event: Event) -> None:
        """A command waiting for a handler thread whose handler will scan a text (``CommandSpec.scans``: ``/preview``)
        announces that text to the engine, so the texts of a burst are scanned in one batch by whichever handler
        scans first (``redaction/batching.py``, scanning ahead; same findings). Cheap and never raises: on the
        adapter's loop, no database (nothing is announced before the engine is built)."""
        if not isinstance(event, CommandInvoked):
            return
        spec = self.router.commands.get(event.name)
        if spec is None or spec.scans is None:
            return
        loader = self.services.redactor_loader
        engine = loader.current() if isinstance(loader, RedactorLoader) else None
        announce = getattr(engine, "scan_ahead", None)
        if callable(announce):
            try:
                announce([spec.scans(event.args)])
            except Exception as exc:  # an optimisation only: the handler scans the text itself
                log.warning("scanning ahead failed: %s", safe_exception_summary(exc))

    async def remove_pii_first(self, events: Sequence[Event], *, concurrency: int | None = None) -> int:
        """The PII guard's removal on arrival (``handlers.pii_guard.remove_first``): an adapter that
        received messages — a catch-up's backlog, or live ones while the backlog is being handled —
        has those with PII in removing channels taken down at once, before each is dispatched in
        order. Never raises (the ordered dispatch does whatever this could not); returns how many
        messages were removed."""
        if self._stopping:
            return 0
        from handlers.pii_guard import remove_first

        messages = [e for e in events if isinstance(e, MessagePosted | MessageEdited)]
        if not messages:
            return 0
        self._busy += 1
        try:
            return await remove_first(self.services, messages, concurrency=concurrency)
        except Exception as exc:
            log.warning(
                "pii guard: removal on arrival failed: %s (left to the ordered handling)", safe_exception_summary(exc)
            )
            return 0
        finally:
            self._busy -= 1

    async def removal_seen(self, message: MessageRef) -> int:
        """An adapter met again a message the bot itself removed — a replay after the process died
        (``kill -9``) between the removal and the end of its handling: the platform serves it
        redacted now, so its handling finds no text. The removal is certain, so the redacted repost
        and the poster's notice held for it go out at once instead of when their hold lapses
        (``handlers.pii_guard.release_after_removal``). Never raises; returns how many were released."""
        if self._stopping:
            return 0
        from handlers.pii_guard import release_after_removal

        try:
            keys = await asyncio.to_thread(release_after_removal, self.services, message)
        except Exception as exc:
            log.warning("pii guard: could not release the rows held for a removed message: %s",
                        safe_exception_summary(exc))
            return 0
        if keys:
            log.info("pii guard: a message removed before a restart was met again; %d held rows released", len(keys))
            self.kick_outbox(keys)
        return len(keys)

    async def _dispatch(self, event: Event) -> tuple[Dispatched, dict[str, str] | None]:
        """Like ``dispatch``; for a ``FormSubmitted`` a handler's ``FieldError`` is returned (not
        replied) so the adapter can ask for that field again."""
        if self._stopping:
            await self._tell_not_stored(event, SHUTTING_DOWN)
            return Dispatched.NOT_HANDLED, self._form_error(event, SHUTTING_DOWN)
        self._busy += 1
        try:
            return Dispatched.HANDLED, await self._in_member_order(event)
        except Exception as exc:
            # Only database outages and a dead engine process get here (everything else is answered in ``_handle``).
            engine = _engine_unavailable(exc)
            log.warning(
                "%s unavailable while handling %s: %s (nothing stored; not acknowledged)",
                "PII engine" if engine else "database",
                type(event).__name__,
                safe_exception_summary(exc),
            )
            text = ENGINE_UNAVAILABLE if engine else NOTHING_STORED
            await self._tell_not_stored(event, text)
            return Dispatched.NOT_HANDLED, self._form_error(event, text)
        finally:
            self._busy -= 1

    async def _in_member_order(self, event: Event) -> dict[str, str] | None:
        """Run ``_handle`` — on a worker thread when ``[bot] worker_threads`` > 0 — after the
        member's earlier events (one member's events never run at the same time)."""
        key = (event.user.platform, event.user.id) if event.user is not None else None
        if key is None:
            return await self._run_handler(event)
        lock, waiting = self._member_locks.get(key, (asyncio.Lock(), 0))
        self._member_locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                return await self._run_handler(event)
        finally:
            lock, waiting = self._member_locks[key]
            if waiting <= 1:
                del self._member_locks[key]
            else:
                self._member_locks[key] = (lock, waiting - 1)

    async def _run_handler(self, event: Event) -> dict[str, str] | None:
        token = DISPATCHING_TASK.set(asyncio.current_task())
        try:
            if self._pool is None:
                return await self._handle(event)
            return await self._pool.run(lambda: self._handle(event))
        finally:
            DISPATCHING_TASK.reset(token)

    @staticmethod
    def _form_error(event: Event, text: str) -> dict[str, str] | None:
        return {"_form": text} if isinstance(event, FormSubmitted) else None

    async def _tell_not_stored(self, event: Event, text: str) -> None:
        """Tell a member who asked for something (command, button, form) that nothing was stored.
        Passive events (messages, edits, home views) get no reply: the platform redelivers them."""
        if event.user is None or not isinstance(event, CommandInvoked | ButtonPressed):
            return  # forms get the text back as a form error; messages are redelivered silently
        ctx = Context(self.services, user=event.user, member=None, event=event)
        await self._safe_reply(ctx, text)

    async def _handle(self, event: Event) -> dict[str, str] | None:
        """Run the handler; raises only when the database is unavailable (``database_unavailable``)."""
        try:
            ctx = self.context(event.user, event)
        except Exception as exc:
            if database_unavailable(exc):
                raise
            log.error(
                "could not build the context for %s: %s", type(event).__name__, safe_exception_summary(exc)
            )
            ctx = Context(self.services, user=event.user, member=None, event=event)
            await self._safe_reply(ctx, _APOLOGY)
            return None
        try:
            await self._route(event, ctx)
        except FieldError as err:
            if isinstance(event, FormSubmitted):
                return {err.field: str(err)}
            await self._safe_reply(ctx, str(err))
        except PermissionDenied as denied:
            with self.services.db.session() as s:
                ctx.audit(
                    s,
                    "permission.denied",
                    target=denied.permission.name.lower(),
                    detail={"event": type(event).__name__},
                )
            await self._safe_reply(ctx, denied.reason)
        except UserError as err:
            await self._safe_reply(ctx, str(err))
        except Exception as exc:
            if database_unavailable(exc) or _engine_unavailable(exc):
                # Fail closed: nothing goes out unscanned; the event is reported not handled and comes back.
                raise
            log.error("handler failed for %s: %s", type(event).__name__, safe_exception_summary(exc))
            await self._safe_reply(ctx, _APOLOGY)
        return None

    async def _route(self, event: Event, ctx: Context) -> None:
        r = self.router
        if isinstance(event, CommandInvoked):
            spec = r.commands.get(event.name)
            if spec is None:
                names = ", ".join(sorted(r.commands))
                raise UserError(f"I don't know the command '{event.name[:40]}'. Commands: {names}. Try help.")
            await self._authorize(ctx, command_action(spec.name, event.args, spec.subcommands), event)
            await spec.handler(event, ctx)
        elif isinstance(event, ButtonPressed):
            handler = r.find_action(event.action_id)
            key = f"button:{event.action_id}"
            if handler is None or key not in ACTIONS:
                raise UserError("That button is no longer active.")
            await self._authorize(ctx, key, event)
            await handler(event, ctx)
        elif isinstance(event, FormSubmitted):
            form_handler = r.forms.get(event.form_id)
            if form_handler is None:
                raise UserError("That form is no longer active.")
            await self._authorize(ctx, f"form:{event.form_id}", event)
            await form_handler(event, ctx)
        elif isinstance(event, MessagePosted | MessageEdited):
            for listener in r.message_listeners:
                await listener(event, ctx)
        elif isinstance(event, HomeOpened):
            for home in r.home_listeners:
                await home(event, ctx)

    async def _authorize(self, ctx: Context, key: str, event: Event) -> None:
        """The policy table's gate (handlers/policy.py), before any handler runs. A refused command
        typed in a group channel with arguments is removed from it first: the arguments may carry
        operation details, a client reference or a tip."""
        try:
            authorize(ctx.member, key, ctx.settings)
        except PermissionDenied:
            if isinstance(event, CommandInvoked) and event.args.strip():
                await ctx.remove_command_from_channel(event, "removed: command not permitted here")
            raise

    async def _safe_reply(self, ctx: Context, text: str) -> None:
        try:
            await ctx.reply(text)
        except Exception as exc:  # the platform may be down; nothing more to do than log it
            log.warning("could not reply: %s", safe_exception_summary(exc))

    def build_form(self, form_id: str, user: UserRef, context: str = "") -> Form:
        builder = self.router.form_builders.get(form_id)
        if builder is None:
            raise UserError("That form is no longer active.")
        return builder(self.context(user), user, context)

    async def submit_form(
        self,
        user: UserRef,
        form_id: str,
        raw: Mapping[str, RawValue],
        *,
        context: str = "",
        channel: ChannelRef | None = None,
    ) -> dict[str, str] | None:
        """Validate raw answers and dispatch ``FormSubmitted``. Returns field errors, or None.

        Never raises. When nothing could be stored (database unavailable, shutting down) it returns
        ``{"_form": "...nothing was stored... try again"}``: the adapter shows it like any form error
        and the member submits again."""
        try:
            form = self.build_form(form_id, user, context)
            values = form.validate(raw)
        except FormInvalid as invalid:
            return invalid.errors
        except UserError as err:
            return {"_form": str(err)}
        except Exception as exc:
            if not database_unavailable(exc):
                log.error("could not build form %s: %s", form_id[:40], safe_exception_summary(exc))
                return {"_form": _APOLOGY}
            log.warning("database unavailable while building a form: %s", safe_exception_summary(exc))
            return {"_form": NOTHING_STORED}
        _result, errors = await self._dispatch(
            FormSubmitted(user=user, form_id=form_id, values=values, context=context, channel=channel)
        )
        return errors

    async def home_summary(self, user: UserRef) -> str:
        """Text for a member's home view: each feature's open items for them. Never raises."""
        if self._pool is not None:
            return await self._pool.run(lambda: self._home_summary(user))
        return await self._home_summary(user)

    async def _home_summary(self, user: UserRef) -> str:
        try:
            ctx = self.context(user)
            parts: list[str] = []
            for fn in self.router.summaries:
                text = await fn(ctx)
                if text:
                    parts.append(text)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("home view: database unavailable: %s", safe_exception_summary(exc))
            return "The bot's database is unavailable right now; please look again in a few minutes."
        return "\n\n".join(parts) or "Nothing open for you right now."

    # -- scheduler and outbox ----------------------------------------------------------------
    def run_due(self, now: datetime | None = None, *, limit: int = 500) -> SweepResult:
        """Process due scheduled items: one transaction per batch; a failing item is isolated
        (retried later with backoff) without holding back the others.

        An item run more than ``[scheduler] late_after_seconds`` after it was due (the bot or the
        database was down) still runs: every message it queues carries a note that it is late, an
        audit row records it, and the coordinators get one summary per sweep (kind, reference, due
        time — never content). Nothing is marked done unless its messages are queued in the same
        transaction."""
        now = now or self.services.clock.now()
        processed = failed = 0
        late: list[tuple[str, str, datetime, int]] = []
        gave_up: list[tuple[str, str]] = []
        first_id = 0  # names this sweep's note uniquely (items are claimed by one sweep only)
        grace = timedelta(seconds=self.services.config.late_after_seconds)
        base = Context(self.services)
        with self.services.db.session() as s:
            items = schedule.claim_due(s, now, limit=limit)
            contexts = {item.id: self._item_context(base, item, now, grace) for item in items}
            try:
                # Fast path: the whole batch in one savepoint (a savepoint per item costs two extra
                # round trips each on PostgreSQL).
                with s.begin_nested():
                    runs = [(item, self._run_item(item, s, contexts[item.id], now)) for item in items]
                processed = len(items)
            except Exception as exc:
                if database_unavailable(exc):
                    raise
                # Something failed: the batch savepoint rolled back; redo item by item so one bad
                # item cannot hold back the others.
                runs = []
                for item in items:
                    try:
                        with s.begin_nested():
                            runs.append((item, self._run_item(item, s, contexts[item.id], now)))
                        processed += 1
                    except Exception as item_exc:
                        if database_unavailable(item_exc):
                            raise
                        log.error(
                            "scheduled %s %s failed: %s", item.kind, item.id, safe_exception_summary(item_exc)
                        )
                        if schedule.mark_retry(item, now):
                            gave_up.append((item.kind, item.ref))
                            first_id = first_id or item.id
                        failed += 1
            for item, queued in runs:
                due = contexts[item.id].late_due_at
                if due is not None:
                    first_id = first_id or item.id
                    late.append((item.kind, item.ref, due, queued))
                    base.audit(
                        s,
                        "schedule.late",
                        target=item.ref[:100],
                        detail={
                            "kind": item.kind,
                            "minutes_late": int((now - due).total_seconds() // 60),
                            "messages": queued,
                        },
                    )
            for kind, ref in gave_up:
                base.audit(s, "schedule.failed", target=ref[:100], detail={"kind": kind})
            if late or gave_up:
                self._tell_coordinators_about_sweep(s, base, first_id, late, gave_up)
        if processed or late or gave_up:
            self.kick_outbox()
        return SweepResult(processed, failed, len(late))

    def _item_context(self, base: Context, item: Any, now: datetime, grace: timedelta) -> Context:
        due = item.first_due_at or item.due_at
        if now - due <= grace:
            return base
        return dataclasses.replace(base, late_due_at=due)

    def _run_item(self, item: Any, s: Any, ctx: Context, now: datetime) -> int:
        """Run one item's job and mark it done; returns how many messages it queued."""
        job = self.router.jobs.get(item.kind)
        if job is None:
            raise LookupError(f"no handler registered for scheduled kind {item.kind}")
        before = int(s.info.get("outbox_added", 0))
        job(item, s, ctx)
        schedule.mark_done(item, now)
        return int(s.info.get("outbox_added", 0)) - before

    def _tell_coordinators_about_sweep(
        self,
        s: Any,
        ctx: Context,
        sweep_id: int,
        late: list[tuple[str, str, datetime, int]],
        gave_up: list[tuple[str, str]],
    ) -> None:
        tz = self.services.config.tz
        lines: list[str] = []
        if late:
            lines.append(
                f"{len(late)} scheduled item(s) came due while the bot or its database was unavailable and "
                "ran late just now (each message sent says it is late):"
            )
            for kind, ref, due, queued in late[:20]:
                what = f"{queued} message(s) sent late" if queued else "nothing to send any more"
                lines.append(f"• {kind} {ref}: due {due.astimezone(tz):%a %d %b %H:%M %Z}; {what}")
            if len(late) > 20:
                lines.append(f"• … and {len(late) - 20} more (audit action schedule.late)")
        if gave_up:
            lines.append(
                f"{len(gave_up)} scheduled item(s) failed repeatedly and were given up on; check the bot's log:"
            )
            lines.extend(f"• {kind} {ref}" for kind, ref in gave_up[:20])
        body = "\n".join(lines)
        for person in ctx.coordinators(s):
            ctx.enqueue_dm(
                s, person, body, key=f"schedule-late:{sweep_id}:{person.handle}", purpose="schedule.late"
            )

    async def deliver_outbox(self, now: datetime | None = None) -> int:
        """Send due outbox messages. Returns how many were sent. Never raises: a database outage
        ends the pass (the next one retries)."""
        async with self._outbox_lock:
            sent = 0
            while not self._stopping and self._platform_ready():
                clock_now = now or self.services.clock.now()
                try:
                    with self.services.db.session() as s:
                        batch = [
                            _Claimed(
                                m.id,
                                m.claim_token or "",
                                m.recipient_kind,
                                m.recipient,
                                m.body,
                                list(m.buttons),
                                m.purpose,
                                m.idempotency_key,
                            )
                            for m in outbox.claim_due(s, clock_now, lease=self.outbox_lease)
                        ]
                except Exception as exc:
                    log.warning("outbox: could not claim messages: %s", safe_exception_summary(exc))
                    return sent
                if not batch:
                    return sent
                for i, row in enumerate(batch):
                    if self._stopping or self._platform_closed():
                        self._release(batch[i:])  # the platform is going away: due at once at the next start
                        return sent
                    sent += await self._deliver_one(row)
                if now is not None:
                    # A fixed time: one pass only (tests drive time by hand).
                    return sent
            return sent

    async def _deliver_one(self, row: _Claimed) -> int:
        """Send one claimed row, renewing its lease while the send is in progress; record the
        outcome fenced by the claim token. Returns 1 when sent."""
        # Rows wait their turn in the batch: confirm (and extend) the claim right before sending, so
        # a row whose lease lapsed meanwhile and was taken over is not sent a second time here.
        try:
            with self.services.db.session() as s:
                held = outbox.renew(
                    s, row.id, row.token, now=self.services.clock.now(), lease=self.outbox_lease
                )
        except Exception as exc:
            log.warning("outbox %s: could not confirm the claim: %s", row.id, safe_exception_summary(exc))
            return 0
        if not held:
            log.info(
                "outbox %s (%s): taken over by another worker before its turn; skipped", row.id, row.purpose
            )
            return 0
        self._busy += 1
        renewer = asyncio.create_task(self._keep_lease(row))
        try:
            try:
                ref = await self._send(row)
            except Exception as exc:
                if self._platform_closed():
                    # The platform was closed under the send (the bot is stopping): not a failed attempt,
                    # which would put the row behind a back-off for the next start. Handed back, due at
                    # once there or on another replica, under the same key (a send that got through is
                    # not repeated on Matrix; docs/architecture.md, outbox).
                    log.info("outbox %s (%s): the platform closed during the send; handed back", row.id, row.purpose)
                    self._release([row])
                    return 0
                transient = exc.transient if isinstance(exc, PlatformError) else True
                reason = str(exc)[:120] if isinstance(exc, PlatformError) else type(exc).__name__
                log.warning("delivery of outbox %s (%s) failed: %s", row.id, row.purpose, reason)
                await self._record(row, failed=(reason, transient))
                return 0
            recorded = await self._record(row, ref=str(ref))
            if recorded and row.kind == "removal":
                self.kick_outbox()  # the repost and the notice released by it
            return 1 if recorded else 0
        finally:
            renewer.cancel()
            self._busy -= 1

    async def _send(self, row: _Claimed) -> Any:
        if row.kind == "removal":
            return await self._remove(row)
        message = Message(
            row.body,
            tuple(
                Button(b["action_id"], b["label"], b.get("value", ""), ButtonStyle(b.get("style", "default")))
                for b in row.buttons
            ),
        )
        # The row's key makes a re-send after a crash a no-op where the platform supports it
        # (Matrix transaction ids); see docs/architecture.md.
        if row.kind == "user":
            return await self.platform.send_dm(UserRef.parse(row.recipient), message, idempotency_key=row.key)
        # ``ChannelRef.parse`` keeps a thread (a repost of a thread reply goes back into it).
        return await self.platform.post(ChannelRef.parse(row.recipient), message, idempotency_key=row.key)

    async def _remove(self, row: _Claimed) -> str:
        """An outbox row of kind "removal": remove messages whose removal failed for a reason that
        may pass (handlers/pii_guard.py ``_queue_removal``), then let the rows held for it (the
        redacted repost, the poster's notice) go out. Raises like a send: a transient failure is
        retried with back-off, a refusal is permanent (``_alert_delivery_failure`` then)."""
        spec = _removal_spec(row.body)
        channel = ChannelRef.parse(row.recipient)
        for message_id in spec["ids"]:
            # Removing an already removed message again is harmless (a re-send after a crash; an
            # adapter answers True for a message that is gone, e.g. Slack's ``message_not_found``).
            if not await self.platform.redact(MessageRef(channel, message_id), REMOVAL_REASON):
                raise PlatformError("removal refused by the platform", transient=False)
        return "removed"

    def _removed(self, s: Any, row: _Claimed) -> None:
        """A "removal" row is done (in the transaction that marks it sent, so exactly once): the
        rows held for it (the masked repost, the poster's notice) go out, and the removal is audited
        as the handler audits one done at once (``pii.redacted``: the poster's actor, the channel,
        labels and policy, as queued by ``handlers.pii_guard._queue_removal``; never text)."""
        spec = _removal_spec(row.body)
        if spec["then"]:
            outbox.release_held(s, spec["then"], now=self.services.clock.now())
        audit = spec["audit"]
        if audit is not None:
            Context(self.services).audit(
                s, "pii.redacted", target=audit["target"], detail=audit["detail"], actor=audit["actor"]
            )

    async def _keep_lease(self, row: _Claimed) -> None:
        """Renew the claim while the send runs (rate-limit waits can outlast the lease)."""
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                with self.services.db.session() as s:
                    held = outbox.renew(
                        s, row.id, row.token, now=self.services.clock.now(), lease=self.outbox_lease
                    )
            except Exception as exc:
                log.warning("outbox %s: could not renew the lease: %s", row.id, safe_exception_summary(exc))
                continue
            if not held:
                log.warning("outbox %s (%s): claim was taken over while sending", row.id, row.purpose)
                return

    async def _record(
        self, row: _Claimed, *, ref: str | None = None, failed: tuple[str, bool] | None = None
    ) -> bool:
        """Mark sent (``ref``) or failed, fenced by the claim token. Keeps trying for a while when
        the database is unreachable. Returns True when the outcome was recorded."""
        delay, waited = 0.2, 0.0
        while True:
            try:
                with self.services.db.session() as s:
                    now = self.services.clock.now()
                    if ref is not None:
                        outbox.mark_sent(s, row.id, row.token, now=now, ref=ref)
                        if row.kind == "removal":
                            self._removed(s, row)
                    elif failed is not None:
                        gave_up = outbox.mark_failed(
                            s,
                            row.id,
                            row.token,
                            now=now,
                            reason=failed[0],
                            transient=failed[1],
                            horizon=self.outbox_horizon,
                        )
                        if gave_up:
                            self._alert_delivery_failure(s, row)
                return True
            except outbox.ClaimLost:
                self._claim_lost(row, sent=ref is not None)
                return False
            except Exception as exc:
                if not database_unavailable(exc) or waited >= self.mark_patience:
                    log.error(
                        "outbox %s (%s): could not record the outcome: %s%s",
                        row.id,
                        row.purpose,
                        safe_exception_summary(exc),
                        " (it was sent; it may be sent again after the lease)" if ref is not None else "",
                    )
                    return False
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 5.0)

    def _claim_lost(self, row: _Claimed, *, sent: bool) -> None:
        """Another worker took the row over (our lease lapsed): say so, in the log and the audit."""
        log.warning(
            "outbox %s (%s): the claim was taken over by another worker before the outcome was recorded%s",
            row.id,
            row.purpose,
            "; the recipient may see this message twice" if sent else "",
        )
        try:
            with self.services.db.session() as s:
                Context(self.services).audit(
                    s,
                    "outbox.claim_lost",
                    target=f"outbox:{row.id}",
                    detail={"purpose": row.purpose, "sent": sent},
                )
        except Exception as exc:
            log.warning("could not audit a lost claim: %s", safe_exception_summary(exc))

    def _release(self, rows: list[_Claimed]) -> None:
        """Shutting down: hand claimed-but-unsent rows back at once (not after the lease)."""
        try:
            with self.services.db.session() as s:
                for row in rows:
                    outbox.release(s, row.id, row.token, now=self.services.clock.now())
        except Exception as exc:
            log.warning("outbox: could not release claims on shutdown: %s", safe_exception_summary(exc))

    def _alert_delivery_failure(self, s: Any, row: _Claimed) -> None:
        """A message was given up on: tell the coordinators (purpose and id only) and, when a member
        was waiting for it, that member (a short note without the content)."""
        ctx = Context(self.services)
        ctx.audit(s, "outbox.failed", target=f"outbox:{row.id}", detail={"purpose": row.purpose})
        if row.purpose in ("outbox.alert", "outbox.failed_notice"):
            return  # never alert about an alert (no loops)
        for person in ctx.coordinators(s):
            ctx.enqueue_dm(
                s,
                person,
                f"A bot message ({row.purpose}, #{row.id}) could not be delivered and was given up on. "
                "Please check the bot's platform connection and the recipient.",
                key=f"outbox-failed:{row.id}:{person.handle}",
                purpose="outbox.alert",
            )
        waiting = s.get(OutboxMessage, row.id).tell_on_failure
        if row.kind == "removal":
            # The masked repost and the notice waited for this removal: they must not go out next to
            # the message still standing. The poster is asked to delete it.
            spec = _removal_spec(row.body)
            outbox.withdraw(s, spec["then"])
            body = (
                f"I could not remove your message with PII in {spec['where']}: the platform kept "
                "failing or refused. Please delete it yourself now; the coordinator has been told."
            )
        else:
            body = (
                f"A message the bot owed you ({_PURPOSE_WORDS.get(row.purpose, row.purpose)}) could not be "
                "delivered. The coordinator has been told and will follow up; please ask them if you need it."
            )
        if waiting:
            outbox.enqueue(
                s,
                key=f"outbox-failed:{row.id}:waiting",
                purpose="outbox.failed_notice",
                recipient_kind="user",
                recipient=waiting,
                body=body,
                now=self.services.clock.now(),
            )

    def checkpoint_if_due(self, now: datetime | None = None) -> Checkpoint | None:
        """Take the periodic audit checkpoint when ``[audit] checkpoint_interval_hours`` have passed
        since the last one (docs/audit.md)."""
        cp = take_checkpoint(
            self.services.db,
            self.services.audit,
            self.services.config,
            now or self.services.clock.now(),
            reason="scheduled",
            only_if_due=True,
            platform=self.platform.name,
        )
        if cp is not None:
            self.kick_outbox()
        return cp

    async def deliver_outbox_now(self, key: str | None = None) -> int:
        """Deliver now, awaited, from any thread (a handler on a worker thread has it run on the
        adapter's loop): the message queued under ``key`` (``Context.deliver_now``), or, without a
        key, one whole pass."""
        home = self._pool.home if self._pool is not None else None
        work = self.deliver_keys([key]) if key is not None else self.deliver_outbox()
        if home is not None and asyncio.get_running_loop() is not home:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, home))
        return await work

    async def deliver_keys(self, keys: list[str], *, wait_seconds: float = 5.0) -> int:
        """Send the due outbox rows with these keys now, without waiting for a pass in progress: a
        handler that reports a message it queued (a redacted repost) must not wait behind other
        members' deliveries (a DM to a member on a server that does not answer takes seconds each).
        Claims are fenced, so this and a pass never send one row twice. A row a pass has claimed
        already is waited for up to ``wait_seconds``. Never raises; returns how many were sent."""
        sent = 0
        if not self._platform_ready():
            return 0  # the platform delivers what is due once it is (Matrix: after its first sync)
        try:
            with self.services.db.session() as s:
                batch = [
                    _Claimed(m.id, m.claim_token or "", m.recipient_kind, m.recipient, m.body, list(m.buttons),
                             m.purpose, m.idempotency_key)
                    for m in outbox.claim_due(s, self.services.clock.now(), lease=self.outbox_lease, keys=keys)
                ]
        except Exception as exc:
            log.warning("outbox: could not claim messages: %s", safe_exception_summary(exc))
            return 0
        for row in batch:
            sent += await self._deliver_one(row)
        waited = 0.0
        while waited < wait_seconds and not self._stopping:
            try:
                with self.services.db.session() as s:
                    sending = s.execute(
                        select(func.count(OutboxMessage.id)).where(
                            OutboxMessage.idempotency_key.in_(keys), OutboxMessage.status == "sending"
                        )
                    ).scalar_one()
            except Exception:
                return sent
            if not sending:
                break
            await asyncio.sleep(0.1)
            waited += 0.1
        return sent

    def kick_outbox(self, keys: list[str] | None = None) -> None:
        """Deliver in the background, not awaited: a whole pass, or — with ``keys`` — just those
        rows (``deliver_keys``: not behind a pass in progress, which may be stuck on a member whose
        server does not answer)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._stopping:
            return
        home = self._pool.home if self._pool is not None else None
        if home is not None and loop is not home:
            # Called by a handler on a worker thread: deliveries run on the adapter's loop, outside
            # the handler's context (they are the outbox's business, not the handler's).
            home.call_soon_threadsafe(self.kick_outbox, keys, context=contextvars.Context())
            return
        # In a fresh context, as from a worker thread: a delivery kicked while an adapter handles an
        # inbound event is not part of that handling (the Matrix adapter opens no direct room there).
        work = self.deliver_keys(list(keys), wait_seconds=0) if keys else self.deliver_outbox()
        task = loop.create_task(work, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background deliveries (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def start_scheduler(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        cfg = self.services.config
        # The database says what is due, so a run missed while the loop was busy is simply folded
        # into the next one: coalesce, and a grace time as long as the interval so APScheduler
        # does not log "missed by ..." warnings for a sweep that was a few seconds late.
        scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        # Only periodic sweeps with no arguments: no message text is ever pickled into a job.
        scheduler.add_job(
            self._sweep_job,
            "interval",
            seconds=cfg.sweep_seconds,
            id="sweep",
            misfire_grace_time=max(1, int(cfg.sweep_seconds)),
        )
        scheduler.add_job(
            self.deliver_outbox,
            "interval",
            seconds=cfg.outbox_seconds,
            id="outbox",
            misfire_grace_time=max(1, int(cfg.outbox_seconds)),
        )
        if cfg.audit_checkpoint_hours > 0:
            # Checks every few minutes whether a checkpoint is due (the interval is stored in the
            # database, so restarts and replicas keep one schedule).
            scheduler.add_job(
                self._checkpoint_job,
                "interval",
                seconds=min(600.0, cfg.audit_checkpoint_hours * 3600 / 4),
                id="audit-checkpoint",
                max_instances=1,
                coalesce=True,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def _sweep_job(self) -> None:
        try:
            await asyncio.to_thread(self.run_due)
            await asyncio.to_thread(self.purge_delivery_steps)
        except Exception as exc:  # a database outage: the next sweep picks everything up (late)
            log.warning("scheduled sweep could not run: %s", safe_exception_summary(exc))

    def purge_delivery_steps(self, now: datetime | None = None) -> int:
        """Delete the records of what handled deliveries did (``storage.deliveries``) once no adapter
        can run them again (``RETENTION``); at most once an hour."""
        now = now or self.services.clock.now()
        if self._steps_purged is not None and now - self._steps_purged < timedelta(hours=1):
            return 0
        with self.services.db.session() as s:
            purged = deliveries.purge(s, before=now - deliveries.RETENTION)
        self._steps_purged = now
        return purged

    def stop_accepting(self) -> None:
        """From now on every event gets ``NOT_HANDLED`` (called from the signal handler itself, so no
        event that arrives after SIGTERM slips in before the drain starts)."""
        self._stopping = True

    async def shutdown(self, grace: float | None = None) -> bool:
        """Stop taking work, let in-flight events and sends finish (up to ``grace`` seconds, default
        ``[scheduler] shutdown_grace_seconds``), stop the scheduler. Returns True when everything
        finished in time. Unfinished sends stay in the outbox for the next start."""
        grace = self.services.config.shutdown_grace_seconds if grace is None else grace
        self.stop_accepting()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # A plain poll: the counter is shared by dispatches and sends, and shutdown happens once.
        while self._busy > 0 and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        drained = self._busy == 0
        if not drained:
            for task in list(self._tasks):
                task.cancel()
        return drained

    async def _checkpoint_job(self) -> None:
        try:
            await asyncio.to_thread(self.checkpoint_if_due)
        except Exception as exc:
            log.error("audit checkpoint failed: %s", safe_exception_summary(exc))

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        await self.drain()
        if self._pool is not None:
            self._pool.stop()
        close_engine = getattr(self.services.redactor_loader, "close", None)
        if callable(close_engine):
            close_engine()
        self.services.db.dispose()


#: The reason shown in the room for a removal retried from the outbox (public: never PII).
REMOVAL_REASON = "PII removed by needtoknow"  # as handlers/pii_guard.py REDACT_REASON


def _removal_spec(body: str) -> dict[str, Any]:
    """The body of a "removal" outbox row: message ids, the held rows to release, the channel's label
    and the ``pii.redacted`` audit row to write once removed (actor, target, detail)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    audit = data.get("audit")
    if isinstance(audit, dict):
        audit = {
            "actor": str(audit.get("actor") or "system"),
            "target": str(audit.get("target") or ""),
            "detail": audit.get("detail") if isinstance(audit.get("detail"), dict) else {},
        }
    else:
        audit = None  # a row queued before removals carried their audit (no row then, as before)
    return {
        "ids": [str(i) for i in data.get("ids") or []],
        "then": [str(k) for k in data.get("then") or []],
        "where": str(data.get("where") or "a channel"),
        "audit": audit,
    }


_PURPOSE_WORDS = {
    "tips.confirm": "the confirmation of your tip",
    "tips.answer": "an answer about your tip",
    "tips.guidance": "safety guidance about your tip",
    "tips.route": "your tip, to the tip point person",
}


def load_features(router: Router, names: tuple[str, ...] = FEATURES) -> None:
    for name in names:
        importlib.import_module(name).register(router)


def build_router() -> Router:
    router = Router()
    load_features(router)
    return router


def build_app(
    config: Config,
    platform: ChatPlatform,
    *,
    keyring: KeyRing | None = None,
    clock: Clock | None = None,
    redactor: Redactor | None = None,
    migrate: bool = True,
) -> App:
    """Wire everything. Raises ``KeyMissing`` when no key is configured (never a plaintext fallback),
    ``WrongKey`` when the keys are not the ones the database was written with, ``SchemaTooNew`` when
    the database was upgraded by a newer version, ``ConfigError`` when a feature section is invalid."""
    router = build_router()
    # Re-validate with the sections the features registered (unknown sections are errors).
    config = parse_config(
        config.raw,
        source=config.source,
        base_dir=config.base_dir,
        feature_sections=set(router.settings_parsers),
    )
    settings: dict[str, Any] = {}
    problems: list[str] = []
    for section, parse in router.settings_parsers.items():
        try:
            settings[section] = parse(config.section(section))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        from bot.config import ConfigError

        raise ConfigError(problems, config.source)

    ring = keyring or KeyRing.from_environment(
        key_file=str(config.resolve_path(config.key_file)) if config.key_file else None
    )
    install_cipher(FieldCipher(ring))
    hasher = KeyedHasher(ring.hmac_key)
    db = Database(_resolve_db_url(config), pool_size=config.worker_threads + 5)
    if migrate:
        db.upgrade()
    else:
        db.check_schema()
    with db.session() as s:
        # One replica at a time: the key check and the first seed are written once.
        db.startup_lock(s)
        if verify_keys(s, hasher, now=(clock or SystemClock()).now()):
            log.info("key check written: later starts with another key are refused")
        if directory.is_empty(s):
            seed_directory(s, config)

    app_ref: list[App] = []
    services = Services(
        config=config,
        platform=with_command_syntax(platform, sorted(router.commands)),
        db=db,
        audit=AuditLog(hasher),
        hasher=hasher,
        clock=clock or SystemClock(),
        settings=settings,
        redactor_loader=RedactorLoader(config, db, hasher, redactor),
        kick_outbox=lambda keys=None: app_ref[0].kick_outbox(keys),
        deliver_outbox=lambda key=None: app_ref[0].deliver_outbox_now(key),
    )
    app = App(services, router)
    app_ref.append(app)
    return app


def _resolve_db_url(config: Config) -> str:
    url = config.database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(config.resolve_path(url[len(prefix) :]))
    return url


def _identities(console: str, slack_id: str | None, matrix_id: str | None) -> list[tuple[str, str]]:
    """(platform, id) pairs for a member or channel; the console name is always present."""
    found = [("console", console), ("slack", slack_id), ("matrix", matrix_id)]
    return [(platform, ident) for platform, ident in found if ident]


def _tell_leads_after_sync(s: Any, config: Config, member: MemberView, ops: list[Any]) -> None:
    """The lead of every active operation a member left is told (through the outbox, delivered by
    the running bot), as when a second admin approves an identity change."""
    from datetime import UTC, datetime

    from storage.operations import ACTIVE
    from storage.outbox import enqueue

    now = datetime.now(UTC)
    for op in ops:
        lead = directory.member_by_id(s, op.lead_id)
        ext = lead.identity(config.platform) if lead is not None and lead.active else None
        if op.status != ACTIVE or ext is None or lead is None or lead.id == member.id:
            continue
        enqueue(
            s,
            key=f"team-left:{op.id}:{member.id}:sync:{now.isoformat()}",
            purpose="operations.team_changed",
            recipient_kind="user",
            recipient=f"{config.platform}:{ext}",
            body=(
                f"{member.display_name} was taken off the team of {op.ref} because their discipline or "
                "agency changed in the configuration (directory sync)."
            ),
            now=now,
        )


def seed_directory(s: Any, config: Config) -> dict[str, list[str]]:
    """Load agencies, members, roles and channels from the config into the database.

    The config file is one of the two ways an existing member's discipline or agency changes (the
    other: a second admin approves ``admin identity``). Team places held under the old identity
    are dropped; roles come from the file. Returns ``{handle: [operations left]}`` for members
    whose identity changed, so ``directory sync`` can report and audit it."""
    from storage.operations import remove_from_all_teams

    changed: dict[str, list[str]] = {}
    for a in config.agencies:
        directory.upsert_agency(s, a.key, a.name, a.kind)
    for m in config.members:
        before = directory.member_by_handle(s, m.handle)
        if before is not None and (before.discipline, before.agency.key) != (m.discipline, m.agency):
            left = remove_from_all_teams(s, before.id)
            changed[m.handle] = [op.ref for op in left]
            _tell_leads_after_sync(s, config, before, left)
        directory.upsert_member(
            s,
            handle=m.handle,
            display_name=m.name,
            agency_key=m.agency,
            discipline=m.discipline,
            roles=m.roles,
            identities=_identities(m.handle, m.slack_id, m.matrix_id),
        )
    for c in config.channels:
        directory.upsert_channel(
            s,
            name=c.name,
            pii_policy=c.pii_policy,
            agreement=c.agreement,
            identities=_identities(c.name, c.slack_id, c.matrix_id),
        )
    return changed


_FROZEN = threading.Lock()
_frozen = False


def freeze_the_heap() -> None:
    """Once per process, after the engine is loaded and warm: collect, then move every object alive into the
    garbage collector's permanent generation (``gc.freeze``), so the cyclic collections that follow never walk the
    engine's model again. Before this a full collection walked the loaded spaCy model and vocabulary each time:
    160-630 ms with the event loop stopped at load 6 (acks waited that long: the ack p99 tails of 500-700 ms in
    docs/slack.md, session 12). Objects frozen are still freed by reference counting; only cycles among them would
    stay (none expected in a loaded model)."""
    global _frozen
    with _FROZEN:
        if _frozen:
            return
        _frozen = True
    gc.collect()
    gc.freeze()


def _engine_unavailable(exc: BaseException) -> bool:
    """The engine's child process died or hung and no fresh one could scan (``redaction.process``): like a
    database outage, the event is not handled and comes back (never answered unscanned)."""
    module = sys.modules.get("redaction.process")  # not imported unless [bot] engine_process is on
    return module is not None and isinstance(exc, module.EngineUnavailable)


class RedactorLoader:
    """The PII engine, loaded once on first use, with directory names on its allow-list.

    ``invalidate()`` after a directory change rebuilds only the allow-list (cheap), never the model."""

    def __init__(self, config: Config, db: Database, hasher: KeyedHasher, preloaded: Redactor | None) -> None:
        self._config, self._db, self._hasher = config, db, hasher
        self._lock = threading.Lock()
        self._base = preloaded
        self._allowed: Redactor | None = None
        self._remote = False  # the engine runs in a child process ([bot] engine_process)
        #: Other handlers in flight (set by ``App`` with worker threads): scans wait for theirs to batch.
        self.companions: Callable[[], int] | None = None

    def __call__(self) -> Redactor:
        with self._lock:
            if self._config.engine_process and not self._remote:
                # The engine in a child process (redaction/process.py); a preloaded engine gives its settings.
                from redaction import RedactionSettings
                from redaction.process import RemoteRedactor

                preloaded = getattr(self._base, "settings", None)
                settings = (
                    preloaded
                    if isinstance(preloaded, RedactionSettings)
                    else RedactionSettings.from_mapping(self._config.redaction_table())
                )
                self._base = RemoteRedactor(settings, keyed_hash=self._hasher)  # type: ignore[assignment]
                self._remote = True
                self._allowed = None
            if self._base is None:
                from redaction import RedactionSettings, Redactor

                settings = RedactionSettings.from_mapping(self._config.redaction_table())
                self._base = Redactor(settings, keyed_hash=self._hasher)
            if self._allowed is None:
                with self._db.session() as s:
                    names = directory.names_for_allow_list(s)
                self._allowed = self._base.allow(names) if names else self._base
                scan_together = getattr(self._allowed, "scan_together", None)  # a stand-in engine may lack it
                if self.companions is not None and callable(scan_together):
                    scan_together(self.companions)
            return self._allowed

    def current(self) -> Redactor | None:
        """The engine with its allow-list when built (None before the first use or after ``invalidate``); never
        builds it, never touches the database (``App.scan_ahead``, on the adapter's loop)."""
        return self._allowed

    def invalidate(self) -> None:
        with self._lock:
            self._allowed = None

    def close(self) -> None:
        """Stop the engine's child process, if it has one (``[bot] engine_process``)."""
        with self._lock:
            if self._remote and self._base is not None:
                self._base.close()  # type: ignore[attr-defined]
