"""The composition root: ``build_app(config, platform)`` wires services, handlers and scheduler.

Adapters call ``App.dispatch`` / ``App.submit_form``; APScheduler calls ``App.run_due`` and
``App.deliver_outbox`` periodically. See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

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
from bot.platform import Button, ButtonStyle, ChannelRef, ChatPlatform, Message, PlatformError, UserRef
from bot.router import CommandSpec, Router
from handlers.access import PermissionDenied
from storage import directory, outbox, schedule
from storage.audit import AuditLog
from storage.crypto import FieldCipher, KeyedHasher, KeyRing, install_cipher
from storage.db import Database
from storage.models import ProcessedEvent

if TYPE_CHECKING:
    from redaction import Redactor

log = logging.getLogger(__name__)

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


class App:
    def __init__(self, services: Services, router: Router) -> None:
        self.services = services
        self.router = router
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scheduler: Any = None
        self._outbox_lock = asyncio.Lock()

    # -- what adapters use -----------------------------------------------------------------
    @property
    def platform(self) -> ChatPlatform:
        return self.services.platform

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self.router.commands.values())

    def context(self, user: UserRef | None, event: Event | None = None) -> Context:
        member = None
        if user is not None:
            with self.services.db.session() as s:
                member = directory.member_by_identity(s, user.platform, user.id)
        return Context(self.services, user=user, member=member, event=event)

    def first_time(self, platform: str, event_id: str) -> bool:
        """Record a platform event id; False if it was seen before (Slack retries deliveries)."""
        try:
            with self.services.db.session() as s:
                s.add(
                    ProcessedEvent(platform=platform, event_id=event_id[:255], at=self.services.clock.now())
                )
        except IntegrityError:
            return False
        return True

    async def dispatch(self, event: Event) -> None:
        """Route one neutral event to its handler. Never raises: failures become a private message."""
        await self._dispatch(event)

    async def _dispatch(self, event: Event) -> dict[str, str] | None:
        """Like ``dispatch``; for a ``FormSubmitted`` a handler's ``FieldError`` is returned (not
        replied) so the adapter can ask for that field again."""
        ctx = self.context(event.user, event)
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
            log.error("handler failed for %s: %s", type(event).__name__, safe_exception_summary(exc))
            await self._safe_reply(
                ctx,
                "Sorry — something went wrong on my side and I could not finish that. Nothing you "
                "sent was posted anywhere. Please try again; if it keeps failing, tell the coordinator.",
            )
        return None

    async def _route(self, event: Event, ctx: Context) -> None:
        r = self.router
        if isinstance(event, CommandInvoked):
            spec = r.commands.get(event.name)
            if spec is None:
                names = ", ".join(sorted(r.commands))
                raise UserError(f"I don't know the command '{event.name[:40]}'. Commands: {names}. Try help.")
            await spec.handler(event, ctx)
        elif isinstance(event, ButtonPressed):
            handler = r.find_action(event.action_id)
            if handler is None:
                raise UserError("That button is no longer active.")
            await handler(event, ctx)
        elif isinstance(event, FormSubmitted):
            form_handler = r.forms.get(event.form_id)
            if form_handler is None:
                raise UserError("That form is no longer active.")
            await form_handler(event, ctx)
        elif isinstance(event, MessagePosted | MessageEdited):
            for listener in r.message_listeners:
                await listener(event, ctx)
        elif isinstance(event, HomeOpened):
            for home in r.home_listeners:
                await home(event, ctx)

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
        """Validate raw answers and dispatch ``FormSubmitted``. Returns field errors, or None."""
        try:
            form = self.build_form(form_id, user, context)
            values = form.validate(raw)
        except FormInvalid as invalid:
            return invalid.errors
        except UserError as err:
            return {"_form": str(err)}
        return await self._dispatch(
            FormSubmitted(user=user, form_id=form_id, values=values, context=context, channel=channel)
        )

    async def home_summary(self, user: UserRef) -> str:
        """Text for a member's home view: each feature's open items for them."""
        ctx = self.context(user)
        parts: list[str] = []
        for fn in self.router.summaries:
            text = await fn(ctx)
            if text:
                parts.append(text)
        return "\n\n".join(parts) or "Nothing open for you right now."

    # -- scheduler and outbox ----------------------------------------------------------------
    def run_due(self, now: datetime | None = None, *, limit: int = 500) -> SweepResult:
        """Process due scheduled items: one transaction per batch; a failing item is isolated
        (retried later with backoff) without holding back the others."""
        now = now or self.services.clock.now()
        processed = failed = 0
        ctx = Context(self.services)
        with self.services.db.session() as s:
            items = schedule.claim_due(s, now, limit=limit)
            try:
                # Fast path: the whole batch in one savepoint (a savepoint per item costs two extra
                # round trips each on PostgreSQL).
                with s.begin_nested():
                    for item in items:
                        self._run_item(item, s, ctx, now)
                processed = len(items)
            except Exception:
                # Something failed: the batch savepoint rolled back; redo item by item so one bad
                # item cannot hold back the others.
                for item in items:
                    try:
                        with s.begin_nested():
                            self._run_item(item, s, ctx, now)
                        processed += 1
                    except Exception as exc:
                        log.error(
                            "scheduled %s %s failed: %s", item.kind, item.id, safe_exception_summary(exc)
                        )
                        schedule.mark_retry(item, now)
                        failed += 1
        if processed:
            self.kick_outbox()
        return SweepResult(processed, failed)

    def _run_item(self, item: Any, s: Any, ctx: Context, now: datetime) -> None:
        job = self.router.jobs.get(item.kind)
        if job is None:
            raise LookupError(f"no handler registered for scheduled kind {item.kind}")
        job(item, s, ctx)
        schedule.mark_done(item, now)

    async def deliver_outbox(self, now: datetime | None = None) -> int:
        """Send due outbox messages. Returns how many were sent."""
        async with self._outbox_lock:
            sent = 0
            while True:
                clock_now = now or self.services.clock.now()
                with self.services.db.session() as s:
                    batch = [
                        (m.id, m.recipient_kind, m.recipient, m.body, list(m.buttons), m.purpose, m.idempotency_key)
                        for m in outbox.claim_due(s, clock_now)
                    ]
                if not batch:
                    return sent
                for mid, kind, recipient, body, buttons, purpose, key in batch:
                    message = Message(
                        body,
                        tuple(
                            Button(
                                b["action_id"],
                                b["label"],
                                b.get("value", ""),
                                ButtonStyle(b.get("style", "default")),
                            )
                            for b in buttons
                        ),
                    )
                    try:
                        if kind == "user":
                            # The row's key makes a re-send after a crash a no-op where the platform
                            # supports it (Matrix transaction ids); see docs/architecture.md.
                            ref = await self.platform.send_dm(UserRef.parse(recipient), message, idempotency_key=key)
                        else:
                            platform, _, cid = recipient.partition(":")
                            ref = await self.platform.post(ChannelRef(platform, cid), message, idempotency_key=key)
                        with self.services.db.session() as s:
                            outbox.mark_sent(s, mid, now=self.services.clock.now(), ref=str(ref))
                        sent += 1
                    except Exception as exc:
                        transient = exc.transient if isinstance(exc, PlatformError) else True
                        reason = str(exc)[:120] if isinstance(exc, PlatformError) else type(exc).__name__
                        log.warning("delivery of outbox %s (%s) failed: %s", mid, purpose, reason)
                        with self.services.db.session() as s:
                            gave_up = outbox.mark_failed(
                                s, mid, now=self.services.clock.now(), reason=reason, transient=transient
                            )
                            if gave_up:
                                self._alert_delivery_failure(s, mid, purpose)
                if now is not None:
                    # A fixed time: one pass only (tests drive time by hand).
                    return sent

    def _alert_delivery_failure(self, s: Any, message_id: int, purpose: str) -> None:
        ctx = Context(self.services)
        ctx.audit(s, "outbox.failed", target=f"outbox:{message_id}", detail={"purpose": purpose})
        if purpose == "outbox.alert":
            return  # never alert about an alert (no loops)
        for person in ctx.coordinators(s):
            ctx.enqueue_dm(
                s,
                person,
                f"A bot message ({purpose}, #{message_id}) could not be delivered after "
                "several attempts. Please check the bot's platform connection.",
                key=f"outbox-failed:{message_id}:{person.handle}",
                purpose="outbox.alert",
            )

    def kick_outbox(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.deliver_outbox())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background deliveries (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def start_scheduler(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        cfg = self.services.config
        scheduler = AsyncIOScheduler(timezone="UTC")
        # Only periodic sweeps with no arguments: no message text is ever pickled into a job.
        scheduler.add_job(
            self._sweep_job, "interval", seconds=cfg.sweep_seconds, id="sweep", max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.deliver_outbox,
            "interval",
            seconds=cfg.outbox_seconds,
            id="outbox",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        self._scheduler = scheduler

    async def _sweep_job(self) -> None:
        await asyncio.to_thread(self.run_due)

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        await self.drain()
        self.services.db.dispose()


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
    ``ConfigError`` when a feature section is invalid."""
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
    db = Database(_resolve_db_url(config))
    if migrate:
        db.upgrade()
    with db.session() as s:
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
        kick_outbox=lambda: app_ref[0].kick_outbox(),
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
            changed[m.handle] = [op.ref for op in remove_from_all_teams(s, before.id)]
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


class RedactorLoader:
    """The PII engine, loaded once on first use, with directory names on its allow-list.

    ``invalidate()`` after a directory change rebuilds only the allow-list (cheap), never the model."""

    def __init__(self, config: Config, db: Database, hasher: KeyedHasher, preloaded: Redactor | None) -> None:
        self._config, self._db, self._hasher = config, db, hasher
        self._lock = threading.Lock()
        self._base = preloaded
        self._allowed: Redactor | None = None

    def __call__(self) -> Redactor:
        with self._lock:
            if self._base is None:
                from redaction import RedactionSettings, Redactor

                settings = RedactionSettings.from_mapping(self._config.redaction_table())
                self._base = Redactor(settings, keyed_hash=self._hasher)
            if self._allowed is None:
                with self._db.session() as s:
                    names = directory.names_for_allow_list(s)
                self._allowed = self._base.allow(names) if names else self._base
            return self._allowed

    def invalidate(self) -> None:
        with self._lock:
            self._allowed = None
