"""``SlackPlatform``: the neutral ``ChatPlatform`` on Slack's Web API, and the Bolt app that turns
Slack payloads into neutral events.

Every inbound request that needs handling is written to the inbox (``bot/slack/inbox.py``, the
database's ``inbox`` table, encrypted) and only then acknowledged (Slack allows 3 seconds); its
handler runs from the inbox row afterwards, under a claim renewed while it runs, so a request
acknowledged by a replica that is killed or stopped is taken over by another one. Modals are opened
with the trigger id as soon as the core asks (a request run late gets a button in its DM instead).
No task-force logic lives here: which command does what, who may see what, is the handlers' business.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import inspect
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.errors import safe_exception_summary
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    HomeOpened,
    MemberJoined,
    MessageEdited,
    MessagePosted,
)
from bot.forms import Form, FormInvalid, RawValue
from bot.platform import (
    BEST_EFFORT_DELIVERY,
    DELIVERY,
    Capability,
    ChannelRef,
    CoreApp,
    Message,
    MessageRef,
    PlatformError,
    UserRef,
    room_tag,
)
from bot.slack import blocks
from bot.slack.inbox import BUSY, DONE, Claimed, ClaimLost, DatabaseInbox, Inbox, MemoryInbox
from bot.slack.requests import FORM, parse_raw_body, payload_problem
from bot.slack.safety import SeenKeys, sdk_logger
from bot.slack.settings import SlackSettings
from bot.workers import handler_task

log = logging.getLogger(__name__)

T = TypeVar("T")

PLATFORM = "slack"

#: Error codes worth retrying later (the call itself already retried 429/5xx/connection errors).
_TRANSIENT_CODES = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
#: Codes that mean "not allowed" for chat.delete: the handler's fallback runs instead.
_CANNOT_DELETE = {"cant_delete_message", "not_authed", "invalid_auth", "missing_scope",
                  "no_permission", "restricted_action", "channel_not_found", "not_in_channel",
                  "account_inactive", "token_revoked"}
#: Codes after which an ephemeral message goes to the member's DM instead.
_EPHEMERAL_FALLBACK = {"user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived"}
#: The longest ``Retry-After`` an ephemeral warning waits for before it goes to the member's DM.
_EPHEMERAL_MAX_WAIT = 5.0
#: A trigger id is good for 3 seconds: a request run from the inbox later than this (taken over
#: after a crash, retried) opens no modal with it; ``open_form`` sends the member a button instead.
_TRIGGER_SECONDS = 2.5
#: At most this many inbox rows held (being handled or waiting for a handler slot) per process;
#: the sweep claims no more beyond it.
_MAX_HELD = 200
#: After SIGTERM's drain: how long ``stop`` waits for handlers that finished to record it.
_STOP_WAIT = 5.0
#: What a request from another workspace is told (a slash command shows it to the invoker only).
UNKNOWN_COMMAND = "needtoknow does not know this command."
REFUSAL = "needtoknow serves only its own workspace. This request was refused and nothing was stored."
#: The answer to a slash command that could not be stored before its acknowledgement (database down).
COMMAND_NOT_STORED = (
    "The bot's database is unavailable right now, so nothing you sent was stored. "
    "Please type the command again in a few minutes."
)


@dataclass
class _Deliveries:
    """Replies a handler could not deliver while it handled one event (see ``_dispatch_tracked``)."""

    task: asyncio.Task[Any] | None
    failed: int = 0


#: The inbox row whose handler runs in this task (see ``_run_row``).
_ROW: contextvars.ContextVar[int | None] = contextvars.ContextVar("slack_inbox_row", default=None)


@dataclass
class _Effects:
    """The Web API side effects (posts, ephemerals, DMs, deletions, form buttons) one inbox row's
    handler makes, numbered in the order it makes them and recorded in the row (``inbox.effects``)
    as each completes. Slack's Web API has no idempotency key, so when the row is run again (another
    replica took it over after this one died mid-handler, or an attempt is retried) the n-th effect
    of the re-run is skipped when the n-th of an earlier run was done: the poster is not warned twice,
    a command is not answered twice. Records the handler creates are keyed by the row too
    (``bot.platform.DELIVERY``), so the re-run takes the same path and only does what is missing.

    Hand-written: this is the adapter's own bookkeeping of its own calls; no library keeps it."""

    row: Claimed
    task: asyncio.Task[Any] | None
    done: list[str]
    next: int = 0


_EFFECTS: contextvars.ContextVar[_Effects | None] = contextvars.ContextVar("slack_effects", default=None)
#: Inside one numbered effect: the calls it makes (``ephemeral`` falling back to ``send_dm``) are part of it.
_IN_EFFECT: contextvars.ContextVar[bool] = contextvars.ContextVar("slack_in_effect", default=False)

#: Set while the core handles one Events API event, so a reply that could not be delivered (after
#: retries and the DM fallback) marks the event as not handled, and it is tried again.
_DELIVERIES: contextvars.ContextVar[_Deliveries | None] = contextvars.ContextVar("slack_deliveries", default=None)


def _note_failed_delivery() -> None:
    if BEST_EFFORT_DELIVERY.get():
        return
    tracked = _DELIVERIES.get()
    # Only the handler's own task: an outbox delivery it kicked off inherits the context but is the
    # outbox's business (retried durably on its own).
    if tracked is not None and tracked.task is handler_task():
        tracked.failed += 1

#: How many inbound events the core handles at once. The core's handlers do their database work
#: synchronously on the event loop; with 50 requests at once, 50 interleaved handlers kept the loop
#: busy and acks waited behind them (p99 > 500 ms). A few at a time (in arrival order) leaves the loop
#: free between their steps to answer Slack inside its 3 seconds.
HANDLER_CONCURRENCY = 2
#: How long a handler about to start waits for the acknowledgements being worked on (see ``_HandlerSlots``).
_ACKS_FIRST_WAIT = 0.25
#: ... and for this long without a new request after the last acknowledgement (the rest of a burst).
_ACKS_QUIET = 0.005


class _HandlerSlots:
    """At most ``size`` handlers at once (in arrival order), and acknowledgements first.

    A handler is started only when no HTTP request is being acknowledged (``acking``) and none has
    arrived for ``_ACKS_QUIET`` since the last acknowledgement, or after ``_ACKS_FIRST_WAIT`` at the
    latest so a steady stream of requests cannot starve handlers. The request was stored and
    acknowledged already; only its handler waits. Why: the handlers' CPU work (PII scan, SQLAlchemy)
    runs on worker threads under the same GIL as the event loop that answers Slack; started while a
    burst of 50 requests was still being acknowledged, they took turns with it (the interpreter
    switches threads every 5 ms) and the last acks of the burst waited 100+ ms. The requests of a burst
    do not arrive all at once: between two of them no request is being acknowledged for a moment, and
    handlers started in such a gap competed with the rest of the burst's acks; hence the quiet time.
    Handlers that start together also scan together (one batch through the models, less CPU each)."""

    def __init__(self, size: int) -> None:
        self._slots = asyncio.Semaphore(size)
        self._acking = 0
        self._acks_done = asyncio.Event()
        self._acks_done.set()
        self._last_ack = 0.0  # time.monotonic() when the last acknowledgement finished
        self._order = asyncio.Lock()

    def resize(self, size: int) -> None:
        """Before any handler runs (``start``)."""
        self._slots = asyncio.Semaphore(size)

    @contextlib.contextmanager
    def acking(self) -> Iterator[None]:
        """Around the acknowledgement of one HTTP request (on the event loop)."""
        self._acking += 1
        self._acks_done.clear()
        try:
            yield
        finally:
            self._acking -= 1
            self._last_ack = time.monotonic()
            if not self._acking:
                self._acks_done.set()

    async def __aenter__(self) -> None:
        deadline = time.monotonic() + _ACKS_FIRST_WAIT
        # One at a time through the wait, in arrival order (asyncio.Lock is first come, first served):
        # handlers sleeping on their own could wake in another order, and one member's events must
        # reach the core in the order they came.
        async with self._order:
            while (left := deadline - time.monotonic()) > 0:
                if not self._acks_done.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(left):
                            await self._acks_done.wait()
                    continue
                quiet = self._last_ack + _ACKS_QUIET - time.monotonic()
                if quiet <= 0:
                    break
                await asyncio.sleep(min(quiet, left))
            await self._slots.acquire()

    async def __aexit__(self, *_: object) -> None:
        self._slots.release()


def retry_handlers(max_retries: int) -> list[AsyncRetryHandler]:
    """slack-sdk's own retry handlers: 429 honours ``Retry-After``; 500/503 and dropped connections
    back off exponentially with jitter."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
        AsyncServerErrorRetryHandler(max_retry_count=max_retries),
        AsyncConnectionErrorRetryHandler(max_retry_count=max_retries),
    ]


def _safe_code(value: object) -> str:
    """An API error code is a short snake_case word; anything else is replaced (it may be content)."""
    text = str(value)
    return text if re.fullmatch(r"[a-z0-9_.]{1,64}", text) else "unknown_error"


def _channel(channel_id: str, *, direct: bool | None = None) -> ChannelRef:
    is_direct = channel_id.startswith("D") if direct is None else direct
    return ChannelRef(PLATFORM, channel_id, is_direct=is_direct)


def _user(user_id: str, external_team: str | None = None) -> UserRef:
    """A Slack user. An external user (Slack Connect: another organisation's member in a shared
    channel) gets ``U123@T456``: no directory identity ever has that form, so whatever their user id,
    they are never taken for one of our members. Outbound calls strip the suffix (``_slack_id``)."""
    return UserRef(PLATFORM, f"{user_id}@{external_team}" if external_team else user_id)


#: Open connections to the Web API at most (slack-sdk's calls share one pool; see ``start``).
_WEB_API_CONNECTIONS = 32


def _slack_id(user: UserRef | str) -> str:
    return (user.id if isinstance(user, UserRef) else user).partition("@")[0]


class SlackPlatform:
    """The Slack adapter: outbound ``ChatPlatform`` calls plus ``run(app)`` for inbound payloads."""

    name = PLATFORM

    def __init__(
        self,
        settings: SlackSettings,
        *,
        installation_store: Any = None,
        oauth_state_store: Any = None,
        database: Any = None,
        inbox: Inbox | None = None,
    ) -> None:
        self.settings = settings
        self._logger = sdk_logger()
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_base_url,
            retry_handlers=retry_handlers(settings.max_retries),
            logger=self._logger,
        )
        # Ephemeral warnings: no retries inside the client; ``ephemeral`` retries with its own
        # bounds (a long Retry-After sends the warning to the DM instead of waiting for it). Only a
        # kept-alive connection the other end had closed is retried here, at once.
        self.urgent_client = AsyncWebClient(
            token=settings.bot_token, base_url=settings.api_base_url, logger=self._logger,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=1, error_types=[aiohttp.ServerDisconnectedError])
            ],
        )
        self.admin_client: AsyncWebClient | None = None
        if settings.admin_user_token:
            self.admin_client = AsyncWebClient(
                token=settings.admin_user_token,
                base_url=settings.api_base_url,
                retry_handlers=retry_handlers(settings.max_retries),
                logger=self._logger,
            )
        for client in (self.client, self.urgent_client, self.admin_client):
            if client is not None:
                client.timeout = settings.timeout  # type: ignore[assignment]  # aiohttp takes a float
        self.capabilities = (
            Capability.EPHEMERAL
            | Capability.MODALS
            | Capability.THREADS
            | Capability.BUTTONS
            | Capability.HOME_TAB
            | Capability.PRIVATE_CHANNELS
        )
        if self.admin_client is not None:
            self.capabilities |= Capability.REDACT_OTHERS
        self._installation_store = installation_store
        self._database = database  # the inbox's database; by default the core's (start)
        self._inbox_given = inbox
        self._inbox: Inbox = inbox or MemoryInbox(lease=settings.event_lease_seconds)
        self._held: dict[int, Claimed] = {}  # inbox rows this process claimed and has not finished
        self._started: set[int] = set()  # ... of which the core has started handling these
        self._row_tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[Any]] = []  # the inbox sweep and lease renewal
        self._closing = False
        self._events_seen = SeenKeys(ttl=3600)  # handled event ids (a fast path before the inbox)
        self._http: aiohttp.ClientSession | None = None  # shared by the Web API clients (start)
        self._team_id: str | None = None  # our workspace, from auth.test at start
        self._enterprise_id: str | None = None
        self._bot_id: str | None = None
        self._bot_user_id: str | None = None
        # user id -> their team when not ours (users.info); a failed lookup is not remembered
        self._external: dict[str, asyncio.Future[str | None]] = {}
        self._signatures_seen = SeenKeys(ttl=330)  # the 5-minute signature window plus clock skew
        self._dm_channels: dict[str, str] = {}
        self._team_of: dict[str, str] = {}  # user/channel id -> team id (multi-workspace token lookup)
        self._core: CoreApp | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handler_slots = _HandlerSlots(HANDLER_CONCURRENCY)
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self.port: int | None = None
        self.ready_seconds: float | None = None  # how long start() spent warming the engine
        # With OAuth the installation store lives in the bot's database, known at start() at the latest.
        self._bolt: AsyncApp | None = None
        if not settings.oauth or installation_store is not None:
            self._bolt = self._build_bolt(oauth_state_store)

    @property
    def connected(self) -> bool:
        """Listening (HTTP mode) or connected (Socket Mode): the ``platform`` readiness check."""
        return self._runner is not None or self._socket is not None

    @property
    def bolt(self) -> AsyncApp:
        if self._bolt is None:
            raise RuntimeError("the OAuth installation store is set up in start(app)")
        return self._bolt

    # ------------------------------------------------------------------------------------------------
    # Outbound: ChatPlatform

    async def _effect(self, call: Callable[[], Awaitable[T]], replay: Callable[[str], T],
                      outcome: Callable[[T], str] = lambda _: "1") -> T:
        """Make one side effect of the handler of the inbox row being run, or skip it when an earlier
        run of the row made it already (``_Effects``); ``replay`` builds the result of a skipped one
        from its recorded outcome. Outside a row's handler (outbox sends, which carry their own
        idempotency key; start-up) the call is simply made."""
        state = _EFFECTS.get()
        if state is None or _IN_EFFECT.get() or state.task is not handler_task():
            return await call()
        index = state.next
        state.next += 1
        if index < len(state.done) and state.done[index] in "01":
            log.info("slack: skipped side effect %s of inbox row %s: an earlier run made it", index + 1, state.row.id)
            return replay(state.done[index])
        token = _IN_EFFECT.set(True)
        try:
            result = await call()
            mark = outcome(result)
        except BaseException:
            mark = "x"
            raise
        finally:
            _IN_EFFECT.reset(token)
            if index < len(state.done):
                state.done[index] = mark
            else:
                state.done.extend(["x"] * (index - len(state.done)) + [mark])
            try:
                await self._inbox.record_effects(state.row, "".join(state.done))
            except Exception as exc:  # the effect happened; only a re-run could repeat it
                log.warning("slack: could not record a side effect of inbox row %s: %s", state.row.id,
                            safe_exception_summary(exc))
        return result

    async def post(self, channel: ChannelRef, message: Message | str, *,
                   idempotency_key: str | None = None) -> MessageRef:
        """Post in a channel (into ``channel.thread`` when set). ``idempotency_key`` is accepted for
        the ``ChatPlatform`` protocol: Slack's Web API has no idempotent send, so it is not used (an
        outbox row, which carries one, is marked sent by the outbox; a handler's own post is
        recorded in its inbox row instead, ``_effect``)."""
        if idempotency_key is not None:
            return await self._post(channel, message)
        return await self._effect(lambda: self._post(channel, message), lambda _: MessageRef(channel, ""))

    async def _post(self, channel: ChannelRef, message: Message | str) -> MessageRef:
        thread: dict[str, Any] = {"thread_ts": channel.thread} if channel.thread else {}
        try:
            resp = await self._call(
                "chat.postMessage", channel=channel.id, **blocks.message_payload(message), unfurl_links=False,
                **thread,
            )
        except PlatformError:
            _note_failed_delivery()
            raise
        return MessageRef(channel, str(resp.get("ts", "")))

    async def send_dm(self, user: UserRef, message: Message | str, *,
                      idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None:
            return await self._send_dm(user, message)
        return await self._effect(lambda: self._send_dm(user, message),
                                  lambda _: MessageRef(_channel(self._dm_channels.get(_slack_id(user), ""),
                                                                direct=True), ""))

    async def _send_dm(self, user: UserRef, message: Message | str) -> MessageRef:
        try:
            channel = await self._dm_channel(user)
        except PlatformError:
            _note_failed_delivery()
            raise
        return await self._post(channel, message)

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        """Show ``message`` to ``user`` only. A failing ``chat.postEphemeral`` (5xx, 429, timeout) is
        retried a few times with back-off (honouring a short ``Retry-After``); then, or at once when
        the bot cannot post there, the message goes to the member's DM: a PII warning must arrive."""
        await self._effect(lambda: self._ephemeral(channel, user, message), lambda _: None)

    async def _ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        if channel.is_direct:
            # Possibly a DM between two other people (a slash command typed there): answer in ours.
            await self.send_dm(user, message)
            return
        thread: dict[str, Any] = {"thread_ts": channel.thread} if channel.thread else {}
        attempts = max(1, self.settings.warning_attempts)
        for attempt in range(attempts):
            try:
                await self._call(
                    "chat.postEphemeral", client=self.urgent_client, channel=channel.id, user=_slack_id(user),
                    **blocks.message_payload(message), **thread,
                )
                return
            except _ApiFailure as failure:
                if not failure.transient or attempt == attempts - 1:
                    break
                wait = failure.retry_after if failure.retry_after is not None else 0.5 * 2**attempt
                if wait > _EPHEMERAL_MAX_WAIT:
                    break
                await asyncio.sleep(wait)
        # The bot is not in that channel (a private channel where a slash command was typed), or
        # Slack kept failing: the member still gets the message, privately, in their DM.
        log.info("slack: ephemeral message not delivered; sending it as a DM instead")
        await self.send_dm(user, message)

    async def redact(self, message: MessageRef, reason: str) -> bool:
        """Delete with the admin user token; without one, report that we cannot (never raise). A
        re-run of the handler that deleted it already gets the first run's answer (``_effect``),
        not ``message_not_found``."""
        return await self._effect(lambda: self._redact(message), lambda mark: mark == "1",
                                  lambda removed: "1" if removed else "0")

    async def _redact(self, message: MessageRef) -> bool:
        if self.admin_client is None:
            return False
        try:
            await self._call("chat.delete", client=self.admin_client, channel=message.channel.id, ts=message.id)
        except _ApiFailure as failure:
            if failure.code == "message_not_found":
                # The message is gone, which is what the deletion is for: an earlier attempt whose
                # success answer was lost (a timeout or 5xx after Slack deleted it: the client's own
                # retry, the outbox's, a re-run) finds it gone, and so does one made after the poster
                # deleted it. Slack cannot tell these apart; taking it for a refusal would ask the
                # poster to delete a message already gone and withdraw the masked repost
                # (docs/architecture.md, "Removal of a PII message").
                log.info("slack chat.delete: the message is already gone")
                return True
            if failure.code in _CANNOT_DELETE or not failure.transient:
                log.warning("slack chat.delete not possible: %s", failure.code)
                return False
            raise failure.as_platform_error() from None
        return True

    async def open_form(
        self,
        user: UserRef,
        form: Form,
        *,
        trigger: str | None = None,
        channel: ChannelRef | None = None,
    ) -> None:
        await self._effect(lambda: self._open_form(user, form, trigger=trigger, channel=channel), lambda _: None)

    async def _open_form(
        self, user: UserRef, form: Form, *, trigger: str | None, channel: ChannelRef | None
    ) -> None:
        view = blocks.modal_view(form, channel_id=channel.id if channel else None)
        if trigger:
            try:
                await self._call("views.open", trigger_id=trigger, view=view)
                return
            except _ApiFailure as failure:
                if failure.code not in ("expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"):
                    raise failure.as_platform_error() from None
        # A modal needs a fresh trigger id (valid 3 seconds, from a click or command). Without one,
        # the member gets a button in their DM; pressing it opens the same form.
        await self.send_dm(user, Message(f"*{form.title}*", (blocks.open_form_button(form),)))

    async def members(self, channel: ChannelRef) -> Sequence[UserRef]:
        out: list[UserRef] = []
        cursor: str | None = None
        while True:
            kwargs: dict[str, Any] = {"channel": channel.id, "limit": 1000}
            if cursor:
                kwargs["cursor"] = cursor
            resp = await self._call("conversations.members", **kwargs)
            out.extend(_user(str(m)) for m in resp.get("members") or [])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return out

    async def create_private_channel(
        self, name: str, members: Sequence[UserRef], *, key: str | None = None
    ) -> ChannelRef:
        """An invite-only channel with ``members``. With ``key`` the name carries ``room_tag(key)`` and
        creating is idempotent: ``name_taken`` on a name of this key's sequence is answered by finding
        that channel among the bot's private channels and reusing it when the bot created it, it is
        not archived and nobody but ``members`` is in it (a re-run after the process died between
        creating the channel and recording it); otherwise the next name of the sequence is tried.
        The sequence is the same on every run, so a re-run walks to the same channel."""
        base = _channel_name(name)
        if key is not None:
            base = f"{base[:72].rstrip('-')}-{room_tag(key)}"
        ids = [m.id for m in members if m.platform == PLATFORM]
        channel_id = ""
        for attempt in range(10):
            candidate = base if attempt == 0 else f"{base[:76]}-{attempt + 1}"
            try:
                resp = await self._call("conversations.create", name=candidate, is_private=True)
            except _ApiFailure as failure:
                if failure.code == "name_taken":
                    if key is not None and (found := await self._own_private_channel(candidate, ids)):
                        log.info("slack: reusing the private channel this record's earlier run created")
                        channel_id = found
                        break
                    continue
                raise failure.as_platform_error() from None
            channel_id = str((resp.get("channel") or {}).get("id", ""))
            break
        if not channel_id:
            raise PlatformError("slack conversations.create failed: name_taken", transient=False)
        for start in range(0, len(ids), 1000):
            try:
                await self._call("conversations.invite", channel=channel_id, users=",".join(ids[start : start + 1000]))
            except _ApiFailure as failure:
                if failure.code not in ("already_in_channel", "cant_invite_self"):
                    raise failure.as_platform_error() from None
        return _channel(channel_id, direct=False)

    async def _own_private_channel(self, name: str, allowed: Sequence[str]) -> str | None:
        """The id of the bot's private channel called ``name`` when it is one ``create_private_channel``
        may reuse: created by the bot, not archived, and nobody in it but ``allowed`` (and the bot).
        None when there is no such channel the bot can see (someone else's, or one with others in it)."""
        try:
            # With OAuth there is no single bot user: ask which one this call's token is.
            bot_user = self._bot_user_id or str((await self._call("auth.test")).get("user_id") or "")
            if not bot_user:
                return None
            cursor: str | None = None
            while True:
                kwargs: dict[str, Any] = {"types": "private_channel", "exclude_archived": True, "limit": 1000}
                if cursor:
                    kwargs["cursor"] = cursor
                resp = await self._call("conversations.list", **kwargs)
                for channel in resp.get("channels") or []:
                    if not isinstance(channel, Mapping) or channel.get("name") != name:
                        continue
                    if (
                        channel.get("creator") != bot_user
                        or not channel.get("is_private")
                        or channel.get("is_archived")
                    ):
                        return None
                    channel_id = str(channel.get("id") or "")
                    present = {m.id for m in await self.members(_channel(channel_id, direct=False))}
                    if not channel_id or not present <= {*allowed, bot_user}:
                        log.warning("slack: a private channel of this record has others in it; not reused")
                        return None
                    return channel_id
                cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except _ApiFailure as failure:
            raise failure.as_platform_error() from None

    async def publish_home(self, user: UserRef, summary: str) -> None:
        await self._call("views.publish", user_id=_slack_id(user), view=blocks.home_view(summary))

    async def _dm_channel(self, user: UserRef) -> ChannelRef:
        user_id = _slack_id(user)
        cached = self._dm_channels.get(user_id)
        if cached is None:
            resp = await self._call("conversations.open", users=user_id)
            cached = str((resp.get("channel") or {}).get("id", ""))
            if not cached:
                raise PlatformError("slack conversations.open failed: no channel", transient=True)
            self._dm_channels[user_id] = cached
        return _channel(cached, direct=True)

    async def _call(self, method: str, *, client: AsyncWebClient | None = None, **kwargs: Any) -> AsyncSlackResponse:
        """One Web API call. Retries (429 with Retry-After, 5xx, dropped connections) happen inside
        the client; what still fails becomes ``_ApiFailure`` carrying only the method and the error
        code — never the request or response, which may contain message text."""
        client = client or self.client
        token = None if client is self.admin_client else await self._token_for(kwargs)
        if token is not None:
            kwargs["token"] = token  # slack-sdk takes a per-call token from the arguments
        # The typed method (chat_postMessage, ...) knows whether Slack wants JSON, a form or a query.
        call = getattr(client, method.replace(".", "_"))
        try:
            response: AsyncSlackResponse = await call(**kwargs)
            return response
        except SlackApiError as exc:
            code = _safe_code(exc.response.get("error", "unknown_error"))
            status = int(exc.response.status_code)
            transient = status == 429 or status >= 500 or code in _TRANSIENT_CODES
            failure = _ApiFailure(method, code, transient, retry_after=_retry_after(exc.response.headers))
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = _ApiFailure(method, type(exc).__name__, True)
        level = logging.WARNING if failure.transient else logging.ERROR
        if (method, failure.code) == ("chat.delete", "message_not_found"):
            level = logging.INFO  # the message is gone: what a deletion is for (``_redact``)
        elif (method, failure.code) == ("conversations.create", "name_taken"):
            level = logging.INFO  # answered by ``create_private_channel`` (the channel exists, or the next name)
        log.log(level, "slack %s failed: %s (transient=%s)", method, failure.code, failure.transient)
        raise failure

    async def _token_for(self, kwargs: Mapping[str, Any]) -> str | None:
        """Multi-workspace installs: the bot token of the workspace the target belongs to."""
        if self._installation_store is None:
            return None
        team = None
        for key in ("channel", "user", "users", "user_id"):
            value = kwargs.get(key)
            if isinstance(value, str) and value in self._team_of:
                team = self._team_of[value]
                break
        bot = await self._installation_store.async_find_bot(enterprise_id=None, team_id=team)
        return None if bot is None else str(bot.bot_token)

    # ------------------------------------------------------------------------------------------------
    # Inbound: Bolt app and runners

    async def start(self, app: CoreApp) -> None:
        """Get ready, then connect (Socket Mode) or start listening (HTTP mode); returns once ready.

        Readiness comes first: the workspace this bot serves (``auth.test``) and a loaded, warmed PII
        engine (in a worker thread, seconds). Only then does Slack reach us, so the first request is
        acknowledged as fast as any other and never waits behind a model load on the event loop."""
        self._core = app
        threads = getattr(getattr(getattr(app, "services", None), "config", None), "worker_threads", 0)
        if isinstance(threads, int) and threads > 0:
            # Handlers run on the core's worker threads, off this loop: as many events at once as
            # there are threads (a few more wait here, already acknowledged, in arrival order).
            self._handler_slots.resize(threads * 2)
        database = self._database or getattr(getattr(app, "services", None), "db", None)
        if self._inbox_given is not None:
            self._inbox = self._inbox_given
        elif database is not None:
            # The core's inbox table: every request is stored there before it is acknowledged and
            # handled from the row (on any replica, across restarts); see bot/slack/inbox.py.
            self._inbox = DatabaseInbox(
                database, lease=self.settings.event_lease_seconds, horizon_hours=self.settings.inbox_retry_hours,
                retention_hours=self.settings.inbox_retention_hours,
                first_retry_seconds=self._first_retry_seconds(),
            )
        else:
            self._inbox = MemoryInbox(lease=self.settings.event_lease_seconds,
                                      first_retry_seconds=self._first_retry_seconds())
        self._closing = False
        self._share_http_session()
        await self._learn_workspace()
        warm_up = getattr(app, "warm_up", None)
        if callable(warm_up):
            started = time.perf_counter()
            await asyncio.to_thread(warm_up)
            self.ready_seconds = time.perf_counter() - started
            log.info("slack: PII engine ready in %.1f s", self.ready_seconds)
        start_workers = getattr(app, "start_workers", None)
        if callable(start_workers):
            start_workers()  # the handler threads, before the first request (see HandlerPool.start)
        if self.settings.oauth and self._bolt is None:
            url = getattr(getattr(getattr(app, "services", None), "db", None), "url", None)
            if not url:
                raise ValueError("slack.oauth: needs the bot's database for the installation store")
            from bot.slack import oauth_stores

            self._installation_store, state_store = oauth_stores(self.settings, str(url))
            self._bolt = self._build_bolt(state_store)
        if self.settings.mode == "http":
            runner = web.AppRunner(self.web_app(), access_log=None)  # access logs would carry OAuth codes
            await runner.setup()
            site = web.TCPSite(runner, self.settings.host, self.settings.port)
            await site.start()
            self._runner = runner
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
            log.info("slack: HTTP mode listening on %s:%s%s", self.settings.host, self.port, self.settings.path)
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(
                self.bolt, self.settings.app_token, logger=self._logger, web_client=self.client
            )
            await self._socket.connect_async()
            log.info("slack: Socket Mode connected")
        # Every replica sweeps the inbox: rows left by a replica that died or stopped (and, at once,
        # rows this one left at its last stop) are taken over; failed rows are retried.
        self._loops = [asyncio.ensure_future(self._sweep_loop()), asyncio.ensure_future(self._renew_loop())]

    async def stop(self) -> None:
        self._closing = True  # no inbox row starts from now on
        for loop_task in self._loops:
            loop_task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        await self._settle_rows()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
            for client in self._web_clients():
                client.session = None

    def _web_clients(self) -> list[AsyncWebClient]:
        return [c for c in (self.client, self.urgent_client, self.admin_client) if c is not None]

    def _share_http_session(self) -> None:
        """One aiohttp session (connection pool) for every Web API call, created on the adapter's
        loop. Without it slack-sdk opens a new session, so a new connection (and, to Slack, a TLS
        handshake), for each call; with it connections are kept alive and reused."""
        if self._http is not None:
            return
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout),  # slack-sdk passes none per call
            connector=aiohttp.TCPConnector(limit=_WEB_API_CONNECTIONS),
        )
        for client in self._web_clients():
            client.session = self._http

    async def run(self, app: CoreApp) -> None:
        """Serve until cancelled (``needtoknow run``)."""
        try:
            await self.start(app)  # inside: a start that fails (auth.test refused) closes what it opened
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def _learn_workspace(self) -> None:
        """Which workspace (and Enterprise Grid organisation) the bot token belongs to: requests from
        any other are refused. With OAuth there is no single token: installed teams (Bolt's
        installation store) plus the optional ``team_ids`` list decide."""
        if self.settings.oauth:
            return
        try:
            resp = await self._call("auth.test")
        except PlatformError as exc:
            raise PlatformError(f"slack: auth.test failed at start-up ({exc}); check SLACK_BOT_TOKEN",
                                transient=False) from None
        self._team_id = str(resp.get("team_id") or "") or None
        self._enterprise_id = str(resp.get("enterprise_id") or "") or None
        self._bot_id = str(resp.get("bot_id") or "") or None
        self._bot_user_id = str(resp.get("user_id") or "") or None
        if self._team_id is None:
            raise PlatformError("slack: auth.test did not name the bot's workspace (team_id)", transient=False)
        log.info("slack: serving workspace %s", self._team_id)

    def web_app(self) -> web.Application:
        """The aiohttp application for HTTP mode: Slack's request URL, OAuth routes, a health check."""
        # One byte over the limit is enough to refuse; _read_body answers 413 itself.
        application = web.Application(client_max_size=self.settings.max_body_bytes + 1)
        application.router.add_post(self.settings.path, self._handle_http)
        application.router.add_get("/healthz", _healthz)
        flow = self.bolt.oauth_flow
        if flow is not None:
            application.router.add_get(flow.install_path, self._handle_oauth)
            application.router.add_get(flow.redirect_uri_path, self._handle_oauth)
        return application

    async def _handle_http(self, request: web.Request) -> web.Response:
        """Slack's request URL. In this order: size, signature (on the raw bytes, before anything is
        parsed), encoding and shape; only a signed, well-formed request reaches Bolt. Refusals are a
        short 4xx and one log line naming the reason — never the body, never a traceback. Handlers
        wait to start while requests are being acknowledged (``_HandlerSlots``)."""
        with self._handler_slots.acking():
            return await self._acknowledge(request)

    async def _acknowledge(self, request: web.Request) -> web.Response:
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return _refuse(413, "body over the size limit")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "body over the size limit")
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as exc:
            return _refuse(400, f"body could not be read ({type(exc).__name__})")
        if len(raw) > limit:
            return _refuse(413, "body over the size limit")
        if not self._signed(raw, request.headers):
            return _refuse(401, "missing or invalid signature")
        body, problem = parse_raw_body(raw, request.content_type)
        if problem is not None:
            return _refuse(400, problem)
        if not self._inbox.durable and self._stopping() and request.content_type == "application/json":
            # Shutting down (SIGTERM) without a durable inbox: an Events API delivery acknowledged now
            # would never be handled here; a 503 makes Slack deliver it again, to another replica or
            # after the restart. (With the database inbox it is stored and left to another replica.)
            return web.Response(status=503)
        try:
            if not self.settings.oauth and request.content_type == FORM and _request_kind(body) == "command":
                return await to_aiohttp_response(
                    await self._acknowledge_command(body, request.headers.get("X-Slack-Signature", ""))
                )
            bolt_request = _ParsedRequest(raw.decode("utf-8"), body, query=request.query_string,
                                          headers=_headers(request))
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception as exc:  # a Bolt failure: never its traceback (it may quote the payload)
            log.error("slack: request failed inside Bolt: %s", safe_exception_summary(exc))
            return web.json_response({"error": "internal error"}, status=500)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes. Written here rather than with slack-sdk's
        ``SignatureVerifier`` because that one decodes the body as UTF-8 first (an exception on
        arbitrary bytes) and parses the timestamp without a guard."""
        secret = self.settings.signing_secret or ""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not secret or not timestamp.isdigit() or not signature or len(timestamp) > 12:
            return False
        if abs(time.time() - int(timestamp)) > 60 * 5:
            return False
        digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}", signature)

    async def _handle_oauth(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    def _build_bolt(self, oauth_state_store: Any) -> AsyncApp:
        settings = self.settings
        http = settings.mode == "http"
        kwargs: dict[str, Any] = {
            "name": "needtoknow",
            "logger": self._logger,
            "signing_secret": settings.signing_secret or "",
            # HTTP mode: ``_handle_http`` checked the signature on the raw bytes before Bolt sees the
            # request (nothing else reaches ``async_dispatch``); Bolt checking it again doubled that work.
            "request_verification_enabled": False,
            "url_verification_enabled": http,
            "ssl_check_enabled": http,
        }
        if settings.oauth:
            from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

            from bot.slack.manifest import BOT_SCOPES

            kwargs["oauth_settings"] = AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=self._installation_store,
                state_store=oauth_state_store,
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            )
            kwargs["installation_store"] = self._installation_store
            kwargs["client"] = AsyncWebClient(
                base_url=settings.api_base_url,
                retry_handlers=retry_handlers(settings.max_retries),
                logger=self._logger,
            )
        else:
            # Authorised from the auth.test answer of start(): Bolt would otherwise call auth.test
            # on the first request and refuse every request while the Web API is unreachable.
            async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
                return self._authorize()  # Bolt passes arguments by name: a plain function, no self

            kwargs["authorize"] = authorize
            kwargs["client"] = AsyncWebClient(
                base_url=settings.api_base_url, retry_handlers=retry_handlers(settings.max_retries),
                logger=self._logger,
            )
        # Before Bolt's authorisation: a malformed request or another workspace's never gets further.
        kwargs["before_authorize"] = self._gate
        bolt = AsyncApp(**kwargs)
        bolt.middleware(self._once_only)

        # Listeners only acknowledge: the request was stored in the inbox (``_once_only``) and its
        # handler runs from the row (``_run_row``), so an acknowledged request survives a crash.
        bolt.command(re.compile(r"^/"))(self._ack_command)
        bolt.action(re.compile(r".*"))(_ack)
        bolt.view_submission(re.compile(r".*"))(self._ack_view)
        bolt.view_closed(re.compile(r".*"))(_ack)
        bolt.event("message")(_ack)
        bolt.event("member_joined_channel")(_ack)
        bolt.event("app_home_opened")(_ack)
        return bolt

    def _authorize(self) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=self._enterprise_id, team_id=self._team_id, bot_token=self.settings.bot_token,
            bot_id=self._bot_id, bot_user_id=self._bot_user_id,
        )

    async def _gate(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Runs in both modes (Socket Mode payloads never pass ``_handle_http``), before Bolt's own
        authorisation and any listener.

        A payload missing what its kind needs (``actions: []``, no user, no event) is refused, never
        half-handled. Events, commands, interactions and view submissions from any workspace but
        ours are refused too: the same app can be installed elsewhere and shares our signing secret."""
        refused = self._refused(req.body)
        if refused is not None:
            return refused
        await next()
        return None

    def _refused(self, body: Mapping[str, Any]) -> BoltResponse | None:
        """``_gate``'s answer to a request it refuses (malformed, or from another workspace); None to go on."""
        problem = payload_problem(body)
        if problem is not None:
            log.warning("slack: refused a malformed request: %s", problem)
            return BoltResponse(status=400, body={"error": "malformed request"})
        kind = _request_kind(body)
        if kind in ("url_verification", "ssl_check", "app_rate_limited"):
            return None
        team, enterprise = _request_workspace(body)
        if self._is_ours(team, enterprise):
            return None
        log.warning("slack: refused a %s from another workspace", kind)
        self._audit_refusal("foreign_workspace", kind)
        if kind == "command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": REFUSAL})
        return BoltResponse(status=200, body="")

    def _is_ours(self, team: str | None, enterprise: str | None) -> bool:
        allowed = set(self.settings.team_ids)
        if self.settings.oauth:
            # Bolt's authorize step refuses a team without an installation; team_ids narrows it.
            return not allowed or team in allowed or (team is None and enterprise is not None)
        if self._team_id is None:
            return False
        if self._enterprise_id is not None and enterprise is not None and enterprise != self._enterprise_id:
            return False
        return team == self._team_id or team in allowed

    def _audit_refusal(self, reason: str, kind: str) -> None:
        record = getattr(self._core, "record_refused_request", None)
        if not callable(record):
            return

        def write() -> None:
            try:
                record(PLATFORM, reason, kind)
            except Exception as exc:  # the database may be down: the refusal itself still holds
                log.warning("slack: could not audit a refused request: %s", safe_exception_summary(exc))

        self._spawn(asyncio.to_thread(write))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _once_only(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Drop exact replays of a signed request (HTTP mode); then store the request in the inbox
        *before* it is acknowledged, so an acknowledged request is never lost.

        A redelivery of a stored request (Slack's retry of an event, on any replica) finds its row
        and is acknowledged without running anything twice. When the inbox cannot be written (the
        database is down) the answer is a 503 (Socket Mode: no acknowledgement), so Slack delivers
        the request again; nothing was acknowledged that could be lost."""
        body = req.body if isinstance(req.body, dict) else {}
        answer, row = await self._store_first(body, req.headers.get("x-slack-signature", [""])[0])
        if answer is not None:
            return answer
        await next()  # the listener acknowledges
        if row is not None:  # None while stopping: stored for another replica or the next start
            self._start_row(row)
        return None

    async def _acknowledge_command(self, body: dict[str, Any], signature: str) -> BoltResponse:
        """A slash command in HTTP mode, acknowledged without Bolt: the same steps and answers as
        Bolt's dispatch with ``_gate``, ``_once_only`` and ``_ack_command`` (refused, stored in the inbox
        before the ack, acknowledged, its row started), without Bolt's per-request machinery (its context,
        middleware chain, listener matching and argument injection: about 0.4 ms of the event loop's CPU
        per request, on the path every ack of a burst waits behind). Only without OAuth (Bolt's
        authorisation then looks up the installation) and for commands: every other request goes
        through Bolt."""
        refused = self._refused(body)
        if refused is not None:
            return refused
        answer, row = await self._store_first(body, signature)
        if answer is not None:
            return answer
        answer = BoltResponse(status=200, body=self._command_ack_text(body) or "")
        if row is not None:
            self._start_row(row)
        return answer

    async def _store_first(self, body: dict[str, Any], signature: str) -> tuple[BoltResponse | None, Claimed | None]:
        """``_once_only``'s work: (the answer when the request is not to be acknowledged by its listener
        — a replay, a stored request delivered again, the inbox unavailable —, None; else None and the
        claimed row to start after the ack, None when there is nothing to run here)."""
        if signature and not self._signatures_seen.first_time(signature):
            log.warning("slack: rejected a replayed request")
            return BoltResponse(status=401, body={"error": "invalid request"}), None
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id and event_id in self._events_seen:
            log.info("slack: skipped a repeated delivery of an event already handled")
            return BoltResponse(status=200, body=""), None
        kind = self._inbox_kind(body)
        if kind is None:  # nothing to handle later (url_verification, a bot's own message, ...)
            return None, None
        try:
            state, row = await self._inbox.receive(
                _inbox_key(kind, body), kind, json.dumps(body, separators=(",", ":")), claim=not self._hand_back()
            )
        except Exception as exc:  # the type only: a database error may quote the payload
            if kind == "command":
                # Slack never delivers a slash command again, and a 503 shows the member only Slack's
                # own "failed with the error ..." line: the answer says what happened instead.
                log.error("slack: could not store a command before acknowledging it (%s); the member was "
                          "told nothing was stored", safe_exception_summary(exc))
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": COMMAND_NOT_STORED}), None
            log.error("slack: could not store a %s before acknowledging it (%s); answered 503 so Slack "
                      "delivers it again", kind, safe_exception_summary(exc))
            return BoltResponse(status=503, body={"error": "temporarily unavailable"}), None
        if state in (DONE, BUSY):
            if state == DONE and isinstance(event_id, str) and event_id:
                self._events_seen.remember(event_id)
            log.info("slack: a repeated delivery of a stored %s was acknowledged (%s)", kind, state)
            return BoltResponse(status=200, body=""), None
        return None, row

    def _inbox_kind(self, body: Mapping[str, Any]) -> str | None:
        """What kind of inbox row a request becomes; None for requests with nothing to handle later."""
        kind = _request_kind(body)
        if kind == "command":
            return "command" if self._neutral_command(str(body.get("command", ""))) is not None else None
        if kind == "interaction":
            return "action"
        if kind == "view":
            return "view" if body.get("type") == "view_submission" else None
        if kind != "event":
            return None
        event = body.get("event")
        if not isinstance(event, Mapping):
            return None
        etype = event.get("type")
        if etype in ("member_joined_channel", "app_home_opened"):
            return "event"
        if etype != "message":
            return None
        subtype = event.get("subtype")
        if subtype in (None, "thread_broadcast", "file_share", "me_message"):
            return "event" if not event.get("bot_id") and event.get("user") else None
        if subtype == "message_changed":
            new = event.get("message")
            return "event" if isinstance(new, Mapping) and not new.get("bot_id") and new.get("user") else None
        return None

    # --- running requests from the inbox -----------------------------------------------------------

    def _first_retry_seconds(self) -> float:
        """The sweep's first retry continues the in-process back-off (1x, 2x, 4x ... the
        ``retry_backoff_seconds``): 64 s with the defaults, at most 10 minutes."""
        settings = self.settings
        return min(600.0, settings.retry_backoff_seconds * float(2 ** max(0, settings.event_retries)))

    def _stopping(self) -> bool:
        return self._closing or bool(getattr(self._core, "stopping", False))

    def _hand_back(self) -> bool:
        """Stopping with a durable inbox: requests are left (or handed back) to another replica or
        the next start instead of being started here. Without one (no database) they run as before
        (the core tells a member who asked that the bot is restarting)."""
        return self._inbox.durable and self._stopping()

    def _start_row(self, row: Claimed) -> None:
        self._held[row.id] = row
        task = asyncio.ensure_future(self._run_row(row))
        self._row_tasks.add(task)
        task.add_done_callback(self._row_tasks.discard)

    async def _run_row(self, row: Claimed) -> None:
        """Run one claimed inbox row's handler and record the outcome, fenced by the claim token:
        done; handed back unstarted (shutting down); or failed, to be retried with back-off."""
        _ROW.set(row.id)
        # What this row's handler creates is keyed by the row, and its Web API calls are numbered and
        # recorded in it: a re-run (a takeover, a retry) repeats neither (``_Effects``).
        DELIVERY.set(f"{PLATFORM}:{row.key}" if row.key else None)
        _EFFECTS.set(_Effects(row, asyncio.current_task(), list(row.effects)))
        event_id: str | None = None
        try:
            try:
                body = json.loads(row.payload)
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                outcome, reason = "retry", "unreadable payload"
            else:
                event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else None
                age = (datetime.now(UTC) - row.received_at).total_seconds()
                if "trigger_id" in body and (age > _TRIGGER_SECONDS or row.attempts > 1):
                    body = {k: v for k, v in body.items() if k != "trigger_id"}  # expired: no modal
                try:
                    outcome, reason = await self._handle_row(row.kind, body)
                except Exception as exc:  # never the message: the type names the failure
                    outcome, reason = "retry", type(exc).__name__
                    log.error("slack: handling a %s from the inbox raised %s", row.kind, reason)
            if outcome == "done":
                await self._finish_row(row)
                if event_id:
                    self._events_seen.remember(event_id)
            elif outcome == "release":
                await self._inbox.release([row])
            else:
                await self._fail_row(row, reason)
        except ClaimLost:
            log.warning("slack: inbox row %s was taken over by another replica before its outcome was recorded; "
                        "it may be handled twice", row.id)
        except Exception as exc:  # the claim lapses and the row is taken over after its lease
            log.error("slack: could not record the outcome of inbox row %s: %s", row.id, safe_exception_summary(exc))
        finally:
            self._held.pop(row.id, None)
            self._started.discard(row.id)

    async def _finish_row(self, row: Claimed) -> None:
        delay = 0.2
        for attempt in range(5):
            try:
                await self._inbox.finish(row)
                return
            except ClaimLost:
                raise
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(delay)
                delay *= 2

    async def _fail_row(self, row: Claimed, reason: str) -> None:
        gave_up = await self._inbox.fail(row, reason)
        if not gave_up:
            log.warning("slack: a %s from the inbox (row %s) failed (%s); it is retried later", row.kind, row.id, reason)
            return
        log.error("slack: a %s from the inbox (row %s) kept failing and was given up on (%s)", row.kind, row.id, reason)
        report = getattr(self._core, "report_inbox_failure", None)
        if callable(report):
            try:
                await asyncio.to_thread(report, PLATFORM, row.kind, row.id)
            except Exception as exc:
                log.error("slack: could not report a failed inbox row: %s", safe_exception_summary(exc))

    async def _handle_row(self, kind: str, body: dict[str, Any]) -> tuple[str, str]:
        """("done" | "release" | "retry", reason) for one request."""
        if kind == "event":
            return await self._run_event(body)
        if kind == "command":
            handled = await self._on_command(body)
        elif kind == "action":
            handled = await self._on_action(body)
        elif kind == "view":
            handled = await self._on_view(body)
        else:
            return "retry", "unknown kind"
        return ("release", "") if handled is None else ("done", "")

    async def _run_event(self, body: Mapping[str, Any]) -> tuple[str, str]:
        """An Events API event counts as handled only when its handler finished. A failed attempt
        (the core did not handle it — e.g. the database was down —, raised, or a reply could not be
        delivered even by DM) is tried again here a few times with back-off, then the row waits for
        the sweep's retry (longer back-off, for ``inbox_retry_hours``)."""
        event = body.get("event") or {}
        etype = event.get("type")
        settings = self.settings
        attempts = 1 + max(0, settings.event_retries)
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(settings.retry_backoff_seconds * 2 ** (attempt - 1))
            if self._hand_back():
                return "release", ""
            effects = _EFFECTS.get()
            if effects is not None:
                effects.next = 0  # a retry runs the handler again: its effects are numbered afresh
            if etype == "message":
                handled = await self._on_message(body, event)
            elif etype == "member_joined_channel":
                handled = await self._on_member_joined(body, event)
            elif etype == "app_home_opened":
                handled = await self._on_home_opened(body, event)
            else:
                return "done", ""
            if handled is None:
                return "release", ""
            if handled:
                return "done", ""
            log.warning("slack: event not handled (attempt %s of %s)", attempt + 1, attempts)
        return "retry", "not handled"

    async def _sweep_loop(self) -> None:
        """Claim inbox rows whose lease expired (a replica that died) or whose retry is due, and run
        them; now and then purge finished rows older than the retention window."""
        last_purge = 0.0
        while True:
            try:
                if not self._stopping():
                    room = _MAX_HELD - len(self._held)
                    if room > 0:
                        rows = await self._inbox.claim_due(min(50, room))
                        if rows:
                            log.info("slack: took %s requests from the inbox (retries, or a stopped replica's)",
                                     len(rows))
                        for row in rows:
                            self._start_row(row)
                    if time.monotonic() - last_purge > 600:
                        last_purge = time.monotonic()
                        purged = await self._inbox.purge()
                        if purged:
                            log.info("slack: purged %s finished inbox rows", purged)
            except Exception as exc:  # a database outage: the next sweep tries again
                log.warning("slack: inbox sweep failed: %s", safe_exception_summary(exc))
            await asyncio.sleep(self.settings.inbox_sweep_seconds)

    async def _renew_loop(self) -> None:
        """Renew the leases of every row this process holds, in one statement, a third of a lease apart."""
        interval = max(0.05, self.settings.event_lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            rows = list(self._held.values())
            if not rows:
                continue
            try:
                await self._inbox.renew(rows)
            except Exception as exc:
                log.warning("slack: could not renew inbox leases: %s", safe_exception_summary(exc))

    async def _settle_rows(self) -> None:
        """Stopping: rows not started are handed back for another replica (or the next start) at
        once; handlers still running get a moment to record their outcome. A row whose handler has
        not finished by then stays claimed and is taken over when its lease expires."""
        if self._row_tasks:
            await asyncio.wait(list(self._row_tasks), timeout=_STOP_WAIT)
        waiting = [row for row_id, row in self._held.items() if row_id not in self._started]
        if waiting:
            try:
                released = await self._inbox.release(waiting)
                log.info("slack: handed %s requests not yet started back to the inbox", released)
            except Exception as exc:
                log.warning("slack: could not hand requests back to the inbox: %s (taken over after the lease)",
                            safe_exception_summary(exc))
        for task in list(self._row_tasks):
            task.cancel()
        await asyncio.gather(*self._row_tasks, return_exceptions=True)

    # --- listeners: ack first (fast, no I/O besides the response), then the lazy part -------------

    def _core_app(self) -> CoreApp:
        if self._core is None:
            raise RuntimeError("SlackPlatform.start(app) was not called")
        return self._core

    def _remember_team(self, body: Mapping[str, Any], *ids: str | None) -> None:
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        if isinstance(team, str) and team:
            for ident in ids:
                if ident:
                    self._team_of[ident] = team

    def _neutral_command(self, slash: str) -> str | None:
        name = self.settings.command_for(slash)
        if name is not None:
            return name
        offered = _command_names(self._core_app().commands)
        return slash[1:] if slash[1:] in offered else None

    async def _ack_command(self, ack: Callable[..., Awaitable[None]], body: Mapping[str, Any]) -> None:
        text = self._command_ack_text(body)
        if text is not None:
            await ack(text=text)
            return
        await ack()

    def _command_ack_text(self, body: Mapping[str, Any]) -> str | None:
        """What a slash command's acknowledgement says: nothing (None) for our commands -- an empty ack shows
        nothing in the channel, so the command text (maybe a tip) is never echoed -- or that the command is unknown.
        The one answer of both acknowledgement paths (Bolt's listener and ``_acknowledge_command``)."""
        return UNKNOWN_COMMAND if self._neutral_command(str(body.get("command", ""))) is None else None

    async def _on_command(self, body: Mapping[str, Any]) -> bool | None:
        """Handle a slash command; None when it was not started (shutting down)."""
        name = self._neutral_command(str(body.get("command", "")))
        if name is None:
            return True
        user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        self._remember_team(body, user_id, channel_id)
        event = CommandInvoked(
            user=await self._member_user(user_id, body.get("user_team_id") or body.get("user_team"), body),
            channel=_channel(channel_id, direct=body.get("channel_name") == "directmessage" or None),
            name=name,
            args=blocks.plain_text(str(body.get("text") or "")).strip(),
            trigger=body.get("trigger_id") or None,
        )
        # The text its handler will scan, announced while it waits for a handler thread: a burst's texts are
        # scanned in one batch (``App.scan_ahead``).
        scan_ahead = getattr(self._core_app(), "scan_ahead", None)
        if callable(scan_ahead):
            scan_ahead(event)
        return await self._dispatch(event)

    async def _on_action(self, body: Mapping[str, Any]) -> bool | None:
        actions = body.get("actions") or []
        if not actions:
            return True
        action = actions[0]
        action_id = blocks.neutral_action_id(str(action.get("action_id", "")))
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        user_data = body.get("user") or {}
        user = await self._member_user(str(user_data.get("id", "")), user_data.get("team_id"), body)
        channel_data = body.get("channel") or {}
        channel_id = str(channel_data.get("id") or (body.get("container") or {}).get("channel_id") or "")
        self._remember_team(body, user.id, channel_id)
        trigger = body.get("trigger_id") or None
        if action_id == blocks.OPEN_FORM_ACTION:
            parsed = blocks.parse_open_form_value(value)
            if parsed is not None:
                form = self._core_app().build_form(parsed[0], user, parsed[1])
                await self.open_form(user, form, trigger=trigger)
            return True
        if not channel_id:
            return True  # a press inside a modal: our modals have no buttons
        container = body.get("container") or {}
        thread = (body.get("message") or {}).get("thread_ts") or container.get("thread_ts")
        direct = True if channel_data.get("name") == "directmessage" else channel_id.startswith("D")
        channel = ChannelRef(PLATFORM, channel_id, is_direct=direct, thread=str(thread) if thread else None)
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
        return await self._dispatch(
            ButtonPressed(
                user=user,
                channel=channel,
                action_id=action_id,
                value=value,
                message=MessageRef(channel, str(ts)) if ts else None,
                trigger=trigger,
            )
        )

    def _submitted(self, body: Mapping[str, Any]) -> tuple[UserRef, Form, dict[str, RawValue], str, str | None]:
        view = body.get("view") or {}
        user_data = body.get("user") or {}
        user = _user(str(user_data.get("id", "")), self._external_team(user_data.get("team_id"), body))
        context, channel_id = blocks.view_metadata(view)
        form = self._core_app().build_form(str(view.get("callback_id", "")), user, context)
        return user, form, blocks.raw_answers(form, view), context, channel_id

    async def _ack_view(self, ack: Callable[..., Awaitable[None]], body: Mapping[str, Any]) -> None:
        """Validate inside the 3 seconds (``Form.validate`` is pure) so errors show next to the fields."""
        try:
            _, form, raw, _, _ = self._submitted(body)
        except Exception as exc:  # unknown or retired form: close the modal, the lazy part explains
            log.warning("slack: could not rebuild a submitted form: %s", safe_exception_summary(exc))
            await ack()
            return
        try:
            form.validate(raw)
        except FormInvalid as invalid:
            await ack(response_action="errors", errors=blocks.view_errors(form, invalid.errors))
            return
        await ack()

    async def _on_view(self, body: Mapping[str, Any]) -> bool | None:
        try:
            user, form, raw, context, channel_id = self._submitted(body)
            form.validate(raw)
        except FormInvalid:
            return True  # already answered in the ack, next to the fields
        except Exception:
            user_data = body.get("user") or {}
            user_ref = _user(str(user_data.get("id", "")), self._external_team(user_data.get("team_id"), body))
            await self.send_dm(user_ref, "That form is no longer active. Please start again.")
            return True
        self._remember_team(body, user.id, channel_id)
        channel = _channel(channel_id) if channel_id else None
        async with self._handler_slots:
            if self._hand_back():
                return None
            self._mark_started()
            errors = await self._core_app().submit_form(user, form.form_id, raw, context=context,
                                                        channel=channel)
        if errors:
            # The modal is closed by now; the member learns which fields to fix (messages never
            # repeat the submitted values).
            lines = "\n".join(f"• {form.field(k).label if k in {f.key for f in form.fields} else k}: {m}"
                              for k, m in errors.items())
            try:
                await self.send_dm(user, f"Your {form.title} form was not saved:\n{lines}")
            except PlatformError as exc:  # the submission itself is finished: not run again for this
                log.error("slack: could not tell a member their form was not saved: %s (%s)", exc,
                          safe_exception_summary(exc))
        return True

    async def _on_message(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> bool | None:
        subtype = event.get("subtype")
        channel_id = str(event.get("channel", ""))
        direct = event.get("channel_type") == "im"
        neutral: Event
        if subtype in (None, "thread_broadcast", "file_share", "me_message"):
            if event.get("bot_id") or not event.get("user"):
                return True
            channel = _in_thread(_channel(channel_id, direct=direct), event)
            self._remember_team(body, str(event["user"]), channel_id)
            neutral = MessagePosted(
                user=await self._member_user(str(event["user"]), _user_team(event), body),
                channel=channel,
                message=MessageRef(channel, str(event.get("ts", ""))),
                text=blocks.visible_text(event),
            )
        elif subtype == "message_changed":
            new = event.get("message") or {}
            old = event.get("previous_message") or {}
            if new.get("bot_id") or not new.get("user"):
                return True
            if "previous_message" in event and blocks.visible_text(new) == blocks.visible_text(old):
                return True  # a reaction or an outside link's preview, nothing new to read
            # (A pasted message link's preview arrives this way too: the text it shows is scanned.)
            channel = _in_thread(_channel(channel_id, direct=direct), new)
            neutral = MessageEdited(
                user=await self._member_user(str(new["user"]), _user_team(new), body),
                channel=channel,
                message=MessageRef(channel, str(new.get("ts", ""))),
                text=blocks.visible_text(new),
            )
        else:
            return True
        return await self._dispatch_tracked(neutral)

    async def _on_member_joined(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> bool | None:
        user = await self._member_user(str(event.get("user", "")), _user_team(event), body)
        return await self._dispatch_tracked(MemberJoined(user=user, channel=_channel(str(event.get("channel", "")))))

    async def _on_home_opened(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> bool | None:
        if event.get("tab", "home") != "home":
            return True
        user = await self._member_user(str(event.get("user", "")), _user_team(event), body)
        self._remember_team(body, user.id)
        handled = await self._dispatch_tracked(HomeOpened(user=user))
        if not handled:
            return handled
        summarise = getattr(self._core_app(), "home_summary", None)
        if summarise is not None:
            async with self._handler_slots:
                summary = summarise(user)
                if inspect.isawaitable(summary):
                    summary = await summary
            await self.publish_home(user, str(summary))
        return True

    # --- who is a member: our workspace only -------------------------------------------------------

    def _external_team(self, team: object, body: Mapping[str, Any] | None = None) -> str | None:
        """``team`` when it names a workspace other than ours (a Slack Connect user), else None.

        Ours: the bot token's workspace, the ``team_ids`` list and, with OAuth (one installation per
        workspace), the workspace the request itself came from."""
        if not isinstance(team, str) or not team:
            return None
        ours = {self._team_id, *self.settings.team_ids}
        if self.settings.oauth and body is not None:
            ours.add(_request_workspace(body)[0])
        return None if team in ours else team

    async def _member_user(self, user_id: str, team: object, body: Mapping[str, Any] | None = None) -> UserRef:
        """The neutral user for a Slack user id. Someone from another organisation (Slack Connect)
        is never one of our members, whatever their user id: their team comes from the event
        (``user_team``/``team``, ``user.team_id``), and in an externally shared channel where the
        event does not say, from ``users.info`` (remembered)."""
        external = self._external_team(team, body)
        if external is not None or team or not user_id:
            return _user(user_id, external)
        if body is not None and (body.get("is_ext_shared_channel") or body.get("is_stranger")):
            lookup = self._external.get(user_id)
            if lookup is None:  # one users.info per user, however many events arrive at once
                lookup = self._external[user_id] = asyncio.ensure_future(self._team_from_users_info(user_id, body))
            return _user(user_id, await asyncio.shield(lookup))
        return _user(user_id)

    async def _team_from_users_info(self, user_id: str, body: Mapping[str, Any]) -> str | None:
        try:
            resp = await self._call("users.info", user=user_id)
        except PlatformError:
            self._external.pop(user_id, None)  # ask again next time
            return "unknown"  # not knowing whose member it is: not ours (never mapped to a member)
        data = resp.get("user") or {}
        if data.get("is_stranger"):
            return str(data.get("team_id") or "unknown")
        return self._external_team(data.get("team_id"), body)

    # --- handing events to the core -----------------------------------------------------------------

    def _mark_started(self) -> None:
        row = _ROW.get()
        if row is not None:
            self._started.add(row)

    async def _dispatch_tracked(self, event: Event) -> bool | None:
        """Dispatch and report whether the core handled the event (see ``_run_event``); None when
        it was not started because the adapter is stopping (the row is handed back)."""
        tracked = _Deliveries(asyncio.current_task())
        token = _DELIVERIES.set(tracked)
        try:
            async with self._handler_slots:
                # Checked with no await before the core's own check: a request the core would turn
                # away as "restarting" is handed back to the inbox instead (another replica runs it).
                if self._hand_back():
                    return None
                self._mark_started()
                result = await self._core_app().dispatch(event)
        except Exception as exc:  # never let handler text reach Bolt's logger
            log.error("slack: handler for %s raised %s", type(event).__name__, safe_exception_summary(exc))
            return False
        finally:
            _DELIVERIES.reset(token)
        if _not_handled(result):
            log.warning("slack: the core did not handle %s", type(event).__name__)
            return False
        if tracked.failed:
            log.warning("slack: a reply about %s could not be delivered", type(event).__name__)
            return False
        return True

    async def _dispatch(self, event: Event) -> bool | None:
        """A command or a button: run once (a member who asked was answered, even when the core
        could not store anything). None when not started because the adapter is stopping."""
        try:
            async with self._handler_slots:
                if self._hand_back():
                    return None
                self._mark_started()
                await self._core_app().dispatch(event)
        except PlatformError as exc:
            log.error("slack: %s failed: %s (%s)", type(event).__name__, exc, safe_exception_summary(exc))
        except Exception as exc:  # never let handler text reach Bolt's logger
            log.error("slack: handler for %s raised %s", type(event).__name__, safe_exception_summary(exc))
        return True


def _not_handled(result: object) -> bool:
    """The core's answer to ``dispatch``: ``False``, or a result whose ``handled`` is false, means the
    event was not handled (docs/architecture.md, delivery guarantees) and must be tried again."""
    if result is False:
        return True
    if getattr(result, "value", None) == "not_handled":  # bot.app.Dispatched.NOT_HANDLED
        return True
    return getattr(result, "handled", True) is False


def _user_team(data: Mapping[str, Any]) -> object:
    """The poster's own team on an event (Slack Connect: differs from the channel's workspace)."""
    return data.get("user_team") or data.get("team")


def _in_thread(channel: ChannelRef, message: Mapping[str, Any]) -> ChannelRef:
    """A thread reply's channel carries the thread: replies and reposts go back into it."""
    thread, ts = message.get("thread_ts"), message.get("ts")
    if isinstance(thread, str) and thread and thread != ts:
        return ChannelRef(channel.platform, channel.id, is_direct=channel.is_direct, thread=thread)
    return channel


def _inbox_key(kind: str, body: Mapping[str, Any]) -> str:
    """The inbox key of a request: a redelivery gets the same one. Events: Slack's event id. Commands
    and interactions have no id (Slack does not retry them; a replayed signature is refused before
    this): a digest of the whole payload, whose trigger id (random, per invocation), user, channel
    and timestamps make it unique per invocation — never a guessable digest of text alone."""
    if kind == "event":
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id:
            return f"event:{event_id}"
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f"{kind}:sha256:{digest}"


def _request_kind(body: Mapping[str, Any]) -> str:
    if body.get("command"):
        return "command"
    kind = str(body.get("type") or "")
    if kind == "event_callback":
        return "event"
    if kind in ("block_actions", "interactive_message"):
        return "interaction"
    if kind.startswith("view_"):
        return "view"
    if body.get("ssl_check"):
        return "ssl_check"
    return kind[:20] or "unknown"


def _request_workspace(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(team id, enterprise id) a request comes from, in every payload shape Slack uses."""
    team = body.get("team_id")
    if not team:
        team_data = body.get("team")
        team = team_data.get("id") if isinstance(team_data, Mapping) else None
    if not team:
        user = body.get("user")
        team = user.get("team_id") if isinstance(user, Mapping) else None
    enterprise = body.get("enterprise_id")
    if not enterprise:
        data = body.get("enterprise")
        enterprise = data.get("id") if isinstance(data, Mapping) else None
    return (str(team) if team else None, str(enterprise) if enterprise else None)


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("slack: refused a request: %s", reason)
    return web.json_response({"error": reason}, status=status)


class _ParsedRequest(AsyncBoltRequest):
    """An HTTP request whose body ``parse_raw_body`` parsed and checked already: Bolt gets the payload
    instead of parsing the body a second time. (Bolt builds a request from a parsed payload only for
    Socket Mode, where there is no raw body; the raw body and the HTTP mode are set back after.)"""

    def __init__(self, raw: str, body: dict[str, Any], *, query: str, headers: dict[str, str | Sequence[str]]) -> None:
        super().__init__(body=body, query=query, headers=headers, mode="socket_mode")
        self.raw_body = raw
        self.mode = "http"


def _headers(request: web.Request) -> dict[str, str | Sequence[str]]:
    return {k: v for k, v in request.headers.items()}


class _ApiFailure(PlatformError):
    """A Web API call failed after the client's retries. Carries only the method and error code."""

    def __init__(self, method: str, code: str, transient: bool, *, retry_after: float | None = None) -> None:
        super().__init__(f"slack {method} failed: {code}", transient=transient)
        self.method = method
        self.code = code
        self.retry_after = retry_after

    def as_platform_error(self) -> PlatformError:
        return PlatformError(str(self), transient=self.transient)


def _retry_after(headers: Any) -> float | None:
    try:
        for key, value in dict(headers or {}).items():
            if str(key).lower() == "retry-after":
                raw = value[0] if isinstance(value, list | tuple) else value
                return max(0.0, float(raw))
    except (TypeError, ValueError):
        return None
    return None


async def _ack(ack: Callable[..., Awaitable[None]]) -> None:
    await ack()


async def _healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def _command_names(commands: Any) -> set[str]:
    if isinstance(commands, Mapping):
        return {str(k) for k in commands}
    return {str(getattr(c, "name", c)) for c in commands or ()}


def _channel_name(name: str) -> str:
    """Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return (cleaned or "ntk")[:80]
