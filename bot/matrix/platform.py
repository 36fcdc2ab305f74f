"""The Matrix adapter: a matrix-nio ``AsyncClient`` speaking the neutral vocabulary.

Inbound: one sync loop (``run``) turns timeline events into neutral events and calls the app.
Outbound: ``MatrixPlatform`` implements ``ChatPlatform``; every reply is an ``m.notice`` so other
bots ignore it and clients do not notify as loudly.

What never reaches a log or an exception here: message bodies, form answers, tokens, keys. Logs
carry event types, status codes and counts only.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import hashlib
import importlib
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinedMembersResponse,
    LocalProtocolError,
    LoginResponse,
    MegolmEvent,
    MessageDirection,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomGetStateResponse,
    RoomInviteResponse,
    RoomMemberEvent,
    RoomMessagesResponse,
    RoomPreset,
    RoomRedactResponse,
    RoomResolveAliasResponse,
    RoomSendResponse,
    RoomVisibility,
    SyncResponse,
    WhoamiResponse,
)

from bot import metrics
from bot.errors import safe_exception_summary
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MessageEdited,
    MessagePosted,
)
from bot.forms import Form, FormAnswers, parse_key_values
from bot.matrix import text as mtext
from bot.matrix.ledger import FAILED, HANDLED, LEDGER_FILE, SKIPPED, UNDECRYPTED, EventLedger
from bot.matrix.settings import MatrixSettings
from bot.matrix.state import MatrixState
from bot.platform import (
    BEST_EFFORT_DELIVERY,
    DELIVERY,
    Button,
    Capability,
    ChannelRef,
    CoreApp,
    Message,
    MessageRef,
    PlatformError,
    UserRef,
    room_tag,
)

log = logging.getLogger(__name__)
# matrix-nio logs the offending JSON verbatim (a malformed message's body, PII included) at WARNING
# when an event or a response fails its schema. The adapter logs such events itself (type, room,
# event id), so those two loggers are limited to errors.
for _noisy in ("nio.events.misc", "nio.responses"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

MEGOLM = "m.megolm.v1.aes-sha2"
_PRE_CREATOR_POWER_VERSIONS = {str(v) for v in range(1, 12)}
DIALOGUE_IDLE_SECONDS = 3600.0


BACKFILL_PAGE = 100  # events per /messages request when filling a gap
UNDELIVERED_ATTEMPTS = 10  # handlings of one event whose reply could not be delivered (about 2.5 minutes)
_REMEMBERED_EVENTS = 4096  # recent senders and removals kept in memory
# Timeline event types whose content members see as text (m.reaction: its key, and button presses).
_SCANNED_TYPES = frozenset({"m.room.message", "m.sticker", "m.reaction", *mtext.POLL_START_TYPES})
# State events with free text members can set and everyone in the room sees (the guard's ``part``).
# Others carry no free text (m.room.avatar, m.room.pinned_events: ids; power levels, join rules ...);
# display names (m.room.member) are names, and aliases a restricted charset: not scanned.
_ROOM_DETAILS = {"m.room.topic": "topic", "m.room.name": "name"}
BACKLOG_REMOVALS = 4  # a gap's removals in flight at once (live ones do not queue behind a backlog's)
ARRIVAL_PRIORITY_SECONDS = 2.0  # how long an ordered event waits for removals on arrival in progress
LIVE_SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}  # syncs after a run's first
#: Timeline events synced but not yet handled in order before the sync loop pauses (memory bound).
#: Counted in events, not batches: catching up, the bot's own reposts and notices come back as a
#: stream of one-event batches, and a bound of 64 batches stopped syncing (hence removal on
#: arrival of live PII) for ten seconds behind a 200-message backlog.
PENDING_EVENTS_LIMIT = 5000
EXTERNAL_PREFIX = "external:"  # user refs of users outside ``member_domains`` (never directory members)

# The core, as the Matrix adapter sees it.
MatrixApp = CoreApp


class MalformedEvent(Exception):
    """An event the adapter cannot interpret (content not an object, no id). The message names
    the defect, never a value."""


class _NotHandled(Exception):
    """The app answered ``Dispatched.NOT_HANDLED``: retry the event later; do not record it."""


class _Undelivered(_NotHandled):
    """A message or edit was handled but a reply to its poster (a PII warning) could not be
    delivered for a reason that may pass: handle it again later (same transaction ids, so a reply
    that did reach the server is not posted twice)."""


class _Stopping(Exception):
    """The bot is stopping in the middle of a batch: leave the batch (and its token) unfinished."""


class DirectRoomPending(PlatformError):
    """A send to a member who has no direct room with the bot yet, while an inbound event is being
    handled. Opening one is slow and remote (creating a room, inviting the member — seconds, and
    about 4 s before a 502 when the member's homeserver does not answer — then waiting for a sync
    to show it): never done inside batch handling, where it would hold up every later event of the
    batch. The room is opened outside it (the outbox delivery of the queued reply, or a background
    task) and this send fails as temporary: a handler's reply is queued in the outbox under its key
    (``_queue_reply``), an outbox row is retried with back-off like any temporary failure."""

    def __init__(self) -> None:
        super().__init__("matrix: the member's direct room is not open yet; it is opened outside the batch",
                         transient=True)


@dataclass
class _ReplyKeys:
    """Idempotency keys for what the bot sends while handling one inbound event.

    The n-th send while handling event E gets the key ``matrix-event:E:n`` (hence a fixed Matrix
    transaction id). Handling is at-least-once (an event is recorded only after it was handled), so
    a crash in between re-handles E after the restart; the same sends then carry the same
    transaction ids and the homeserver returns the first events instead of posting them again.
    """

    event_id: str
    count: int = 0
    #: Replies to the member that failed for a reason that may pass (network, 5xx, rate limit).
    undelivered: int = 0
    #: A command was dispatched for this event (handling it again could repeat what it stored).
    command: bool = False

    def next_key(self) -> str | None:
        if not self.event_id:
            return None
        key = f"matrix-event:{self.event_id}:{self.count}"
        self.count += 1
        return key


_REPLIES: contextvars.ContextVar[_ReplyKeys | None] = contextvars.ContextVar("matrix_replies", default=None)


@dataclass
class FormDialogue:
    """A guided DM dialogue: one question per message until every field has an answer."""

    user: UserRef
    room_id: str
    answers: FormAnswers
    origin: ChannelRef | None
    touched: float = field(default_factory=time.monotonic)

    @property
    def form(self) -> Form:
        return self.answers.form


# The command being dispatched (user id, args), so ``open_form`` can prefill ``key=value`` answers.
_INVOKING: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("matrix_invoking", default=None)


@dataclass
class _Batch:
    """One sync response waiting for its ordered handling (and its removal on arrival, started)."""

    resp: SyncResponse
    skip_timeline: bool
    arrival: asyncio.Task[None] | None

    @property
    def size(self) -> int:
        return max(1, sum(len(joined.timeline.events) for joined in self.resp.rooms.join.values()))


class _BatchQueue:
    """The sync loop's hand-over to the ordered handling, bounded by the timeline events waiting
    (``limit``) rather than by batches. ``put`` waits only while that many events are pending (and
    never when the queue is empty, so one batch larger than the limit still goes through); a batch
    counts as pending until the worker calls ``done`` after its sync token is saved.

    Hand-written: ``asyncio.Queue`` bounds the number of items, and a catch-up's stream of one-event
    batches (the bot's own reposts and notices echoed back) would fill any item bound that also
    keeps memory bounded for real batches of up to 100 events per room."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pending = 0  # events of batches put and not yet done
        self._batches: collections.deque[_Batch] = collections.deque()
        self._changed = asyncio.Condition()

    async def put(self, batch: _Batch) -> None:
        async with self._changed:
            if self.pending >= self.limit:
                log.warning("matrix: %d synced events wait for handling; syncing pauses until fewer do",
                            self.pending)
            await self._changed.wait_for(lambda: self.pending < self.limit or not self.pending)
            self.pending += batch.size
            self._batches.append(batch)
            self._changed.notify_all()

    async def get(self) -> _Batch:
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._batches))
            return self._batches.popleft()

    async def done(self, batch: _Batch) -> None:
        async with self._changed:
            self.pending -= batch.size
            self._changed.notify_all()

    def __len__(self) -> int:
        return len(self._batches)


class Backoff:
    """Exponential backoff with full jitter, reset after a successful sync."""

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self.first, self.cap, self.attempt = first, cap, 0

    def next(self) -> float:
        self.attempt += 1
        return random.uniform(self.first / 2, min(self.cap, self.first * 2 ** (self.attempt - 1)))

    def reset(self) -> None:
        self.attempt = 0


class MatrixPlatform:
    """``ChatPlatform`` for Matrix plus the runner (``run``/``close``)."""

    name = "matrix"
    legacy_skew_seconds = 120.0  # clock skew allowed between this host and the homeserver (upgrade floor)

    def __init__(self, settings: MatrixSettings, *, is_directory_member: Callable[[UserRef], bool] | None = None):
        self.settings = settings
        settings.store_path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.state = MatrixState.load(settings.store_path)
        config = AsyncClientConfig(
            encryption_enabled=settings.encryption,
            store_sync_tokens=False,
            pickle_key=settings.pickle_key or "",
            # nio retries connection errors by itself; cap that so our loop owns reconnection and
            # can log it. 429 responses are retried by nio after the server's retry_after_ms.
            max_timeouts=2,
            max_limit_exceeded=None,
            request_timeout=30,
        )
        self.client = AsyncClient(
            settings.homeserver,
            settings.user_id,
            device_id=settings.device_id or self.state.device_id or "",
            store_path=str(settings.store_path),
            config=config,
        )
        self.capabilities = Capability.REDACT_OTHERS | Capability.PRIVATE_CHANNELS
        if settings.encryption:
            self.capabilities |= Capability.E2EE
        self._is_directory_member = is_directory_member
        self._is_directory_room: Callable[[str], bool] | None = None
        self._app: MatrixApp | None = None
        self._buttons = mtext.PendingButtons()
        self._dialogues: dict[str, FormDialogue] = {}
        self._creators: dict[str, frozenset[str]] = {}
        # Recent message senders (an edit is checked against its original's) and events the bot removed.
        self._senders: dict[str, str] = {}
        # Recent thread replies -> their thread's root: an edit of one is reposted into the thread.
        self._threads: dict[str, str] = {}
        # Topic and name events set before the bot joined the room (``_note_details_before_join``).
        self._details_before_join: set[str] = set()
        self._removed: dict[str, None] = {}
        self._undecrypted: list[tuple[str, MegolmEvent, int]] = []
        self._stopping = asyncio.Event()
        # One lock per member: two sends to one member never open two direct rooms, while a member
        # whose server does not answer (creating the room takes seconds, then fails) holds up no one else.
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._dm_openings: dict[str, asyncio.Task[None]] = {}  # direct rooms opened outside a batch
        self._invitations: dict[str, asyncio.Task[None]] = {}  # room id -> its pending invites being sent
        self._crypto_lock = asyncio.Lock()
        ledger_existed = (settings.store_path / LEDGER_FILE).exists()
        self.ledger = EventLedger(settings.store_path)
        # A store from before the event ledger (an upgrade): everything up to the saved sync token
        # was handled by the previous version, so a backfill in a room the ledger does not know yet
        # stops at the time that token was saved (minus a margin for clock skew) instead of
        # re-handling up to a week of history.
        self._legacy_floor_ms = 0.0
        if not ledger_existed and self.state.next_batch is not None:
            with contextlib.suppress(OSError):
                self._legacy_floor_ms = (self.state.path.stat().st_mtime - self.legacy_skew_seconds) * 1000
        self.synced = asyncio.Event()  # set after each successful sync (tests and health checks)
        self.sync_count = 0
        self._last_sync: float | None = None
        self.handled_count = 0  # sync batches finished (every event handled or recorded as failed)
        # Counters (tests, health checks, the benchmark); what happened, never what was said.
        self.events_handled = 0
        self.failed_count = 0  # events recorded as failed (malformed, or their handling raised)
        self.replayed_count = 0  # events met again (replay after a crash, backfill/sync overlap): skipped
        self.backfilled_count = 0  # events fetched with /messages to fill a gap
        self.horizon_hits = 0  # backfills stopped by backfill_horizon (older events not scanned)
        self.gaps_unfilled = 0  # backfills the server refused (e.g. the bot was removed from the room)
        self.removed_on_arrival = 0  # messages with PII taken down before their ordered handling
        self._arrivals: set[asyncio.Task[None]] = set()
        self._logged_in = False
        self._first_sync_done = False  # ``sending_ready``
        self.gate: Any = None  # the pre-store gate while ``run`` runs with [matrix.gate]

    @property
    def connected(self) -> bool:
        """The ``platform`` readiness check: a sync succeeded within three long-poll timeouts."""
        if self._last_sync is None:
            return False
        return time.monotonic() - self._last_sync < max(60.0, 3 * self.settings.sync_timeout_ms / 1000)

    @property
    def sending_ready(self) -> bool:
        """Logged in and a first sync done in this run (rooms known): before, a send fails (nio knows
        no room) and the outbox would count it as a failed attempt; the app's outbox waits
        (``App._platform_ready``) and is kicked once this turns true."""
        return self._logged_in and self._first_sync_done

    # ------------------------------------------------------------------ login / lifecycle
    async def login(self) -> None:
        if self._logged_in:
            return
        s = self.settings
        if s.access_token:
            device_id = s.device_id or self.state.device_id
            if not device_id:
                self.client.user_id = s.user_id
                self.client.access_token = s.access_token
                who = await self.client.whoami()
                if not isinstance(who, WhoamiResponse) or not who.device_id:
                    raise PlatformError("matrix: the access token was rejected (whoami failed)", transient=False)
                device_id = who.device_id
            self.client.restore_login(s.user_id, device_id, s.access_token)
        else:
            resp = await self.client.login(password=s.password, device_name=s.device_name)
            if not isinstance(resp, LoginResponse):
                raise PlatformError(f"matrix: password login failed ({resp.status_code})", transient=False)
        if self.state.device_id != self.client.device_id:
            self.state.device_id = self.client.device_id
            self.state.save()
        if s.encryption and self.client.should_upload_keys:
            await self.client.keys_upload()
        self._logged_in = True
        log.info("matrix: logged in (encryption %s)", "on" if s.encryption else "off")

    async def run(self, app: MatrixApp) -> None:
        """Sync forever: reconnect with backoff after network errors or homeserver restarts.

        Syncing and handling are two tasks joined by a queue: a handler may wait for the next sync
        (a DM room it just created must appear in the client's state before it can send there
        encrypted), so handling must never block syncing. The worker persists ``next_batch`` only
        after every event of a batch was handled or recorded as failed (``EventLedger``), so a crash
        re-delivers a batch rather than dropping it, and the ledger makes the replay a no-op.
        """
        self._app = app
        if self._is_directory_member is None:
            self._is_directory_member = _directory_lookup(app)
        self._is_directory_room = _directory_room_lookup(app)
        try:
            await self.login()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.client.close()
            raise PlatformError(f"matrix: the homeserver {self.settings.homeserver} cannot be reached to log in "
                                f"({type(exc).__name__})") from None
        except BaseException:
            await self.client.close()  # a rejected token: no "Unclosed client session" after the error line
            raise
        if self.settings.gate is not None:
            # The pre-store gate answers the homeserver on its own thread (bot/matrix/gate.py).
            from bot.matrix.gate import PreStoreGate

            self.gate = PreStoreGate(self.settings.gate, app, self.client.user_id)
            await self.gate.start()
        pruned = self.ledger.prune(self.settings.backfill_horizon_seconds + 86_400)
        if pruned:
            log.info("matrix: forgot %d handled events older than the backfill horizon", pruned)
        queue = _BatchQueue(PENDING_EVENTS_LIMIT)
        worker = asyncio.create_task(self._handle_batches(queue))
        sync = asyncio.create_task(self._sync_forever(queue))
        for room_id in list(self.state.pending_invites):
            self._invite_later(room_id)  # what the last run had still to send (the state file)
        try:
            # Either task ending ends the run: the sync loop on bad credentials, the worker on stop.
            done, _pending = await asyncio.wait({worker, sync}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in (sync, worker, *self._arrivals, *self._dm_openings.values(), *self._invitations.values()):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self.gate is not None:
                await self.gate.stop()
                self.gate = None

    async def _sync_forever(self, queue: _BatchQueue) -> None:
        backoff = Backoff()
        since = self.state.next_batch
        had_token = since is not None
        first = True  # the first sync of a run asks for full state so room state (power levels,
        # encryption, members) is known again; its timeline is skipped when no token was stored.
        while not self._stopping.is_set():
            try:
                resp = await self.client.sync(
                    timeout=self.settings.sync_timeout_ms,
                    since=since,
                    full_state=first or None,
                    # After the first sync of a run, room for a busy minute (the server's default is
                    # 10 events): a live event in a "limited" timeline would be fetched by backfill in
                    # the handling queue, behind a catch-up, instead of being removed on arrival.
                    sync_filter=None if first else LIVE_SYNC_FILTER,
                )
                if isinstance(resp, SyncResponse):
                    await self._crypto_housekeeping()
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                delay = backoff.next()
                log.warning("matrix: sync failed (%s); retrying in %.1fs", safe_exception_summary(exc), delay)
                await self._pause(delay)
                continue
            if not isinstance(resp, SyncResponse):
                code = getattr(resp, "status_code", None)
                if code in ("M_UNKNOWN_TOKEN", "M_FORBIDDEN"):
                    raise PlatformError(f"matrix: sync refused ({code}); check the bot's credentials", transient=False)
                delay = backoff.next()
                log.warning("matrix: sync error (%s); retrying in %.1fs", code, delay)
                await self._pause(delay)
                continue
            backoff.reset()
            if not self._first_sync_done:
                self._first_sync_done = True
                kick = getattr(self._app, "kick_outbox", None)
                if callable(kick):
                    kick()  # what waited for the platform (rows due since before the start)
            skip_timeline = first and not had_token
            # PII is taken down on arrival, while earlier batches may still be in the handling queue
            # (catching up): the removal does not wait for their turn (``_remove_on_arrival``).
            arrival = None if skip_timeline else self._start_arrival(resp)
            await queue.put(_Batch(resp, skip_timeline, arrival))
            since = resp.next_batch
            first = False
            self.sync_count += 1
            self._last_sync = time.monotonic()
            metrics.matrix_synced(self._last_sync)  # needtoknow_matrix_sync_lag_seconds
            self.synced.set()

    async def _handle_batches(self, queue: _BatchQueue) -> None:
        while True:
            batch = await queue.get()
            resp, skip_timeline, arrival = batch.resp, batch.skip_timeline, batch.arrival
            backoff = Backoff()
            while True:
                try:
                    await self._handle_sync(resp, skip_timeline=skip_timeline, arrival=arrival)
                    break
                except _Stopping:
                    return  # the batch is unfinished: its token is not saved, the next run redoes it
                except Exception as exc:
                    # Events are isolated one by one (``_process``); what gets here is the adapter's
                    # own machinery failing (e.g. the ledger file). The batch is retried, never skipped.
                    delay = backoff.next()
                    log.error("matrix: handling a sync batch failed (%s); retrying in %.1fs", safe_exception_summary(exc), delay)
                    await self._pause(delay)
                    if self._stopping.is_set():
                        return
            self.state.next_batch = resp.next_batch
            self.state.save()
            await queue.done(batch)
            self.handled_count += 1

    @property
    def closed(self) -> bool:
        """True once ``close`` began: a send failing after it failed because of it (the app hands
        the outbox row back instead of counting an attempt)."""
        return self._stopping.is_set()

    async def close(self) -> None:
        self._stopping.set()
        await self.client.close()
        self.ledger.close()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _crypto_housekeeping(self) -> None:
        if not self.settings.encryption or self.client.olm is None:
            return
        async with self._crypto_lock:
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    async def _query_keys_before_sending(self, room_id: str) -> None:
        """A member who just joined or was invited (a new DM) has device keys nio has not fetched
        yet; sending first would share the room key with nobody and the member could not read it."""
        room = self.client.rooms.get(room_id)
        if room is None or not room.encrypted or self.client.olm is None:
            return
        async with self._crypto_lock:
            self.client.olm.update_tracked_users(room)  # includes invited members
            if self.client.should_query_keys:
                await self.client.keys_query()

    # ------------------------------------------------------------------ inbound
    async def _handle_sync(
        self, resp: SyncResponse, *, skip_timeline: bool, arrival: asyncio.Task[None] | None = None
    ) -> None:
        for room_id, invite in resp.rooms.invite.items():
            try:
                await self._on_invite(room_id, invite.invite_state)
            except Exception as exc:  # one bad invite must not hold back the rooms' messages
                log.warning("matrix: handling an invite to %s failed (%s)", room_id, safe_exception_summary(exc))
        await self._retry_undecrypted()
        for room_id, joined in resp.rooms.join.items():
            events = list(joined.timeline.events)
            if skip_timeline:
                # First start ever: history before it is not the bot's to act on. Remember where
                # each room stood, so a later gap's backfill stops here.
                for event in events:
                    if (event_id := _event_id(event)) and not self.ledger.knows(event_id):
                        self.ledger.record(event_id, room_id, SKIPPED, event_type=_event_type(event),
                                           origin_ts=_origin_ts(event))
                continue
            if joined.timeline.limited and joined.timeline.prev_batch and not any(map(self._is_own_join, events)):
                # More happened than one sync shows (downtime, a burst): fetch the rest of the gap,
                # take its PII down at once, then handle it in order.
                gap = await self._backfill(room_id, joined.timeline.prev_batch)
                await self._remove_on_arrival([(room_id, event) for event in gap], backlog=True)
                events = gap + events
            self._note_details_before_join(events)
            if arrival is not None:
                # The batch's removals on arrival first, so the ordered handling finds them done.
                await asyncio.wait({arrival})
            for event in events:
                await self._process(room_id, event)

    def _note_details_before_join(self, events: Sequence[Any]) -> None:
        """A room's topic and name set before the bot joined (at the room's creation, typically by
        whoever set the room up) are part of the room the bot was invited to, not something a
        member posted under its watch: they are not guarded (``_on_room_detail``). The timeline of
        the sync that shows the bot's own join lists them before the join."""
        joins = [n for n, event in enumerate(events) if self._is_own_join(event)]
        if not joins:
            return
        for event in events[: joins[-1]]:
            if _event_type(event) in _ROOM_DETAILS and (event_id := _event_id(event)):
                self._details_before_join.add(event_id)
        while len(self._details_before_join) > _REMEMBERED_EVENTS:
            self._details_before_join.pop()

    # ------------------------------------------------------------------ removal on arrival
    def _start_arrival(self, resp: SyncResponse) -> asyncio.Task[None] | None:
        events = [
            (room_id, event)
            for room_id, joined in resp.rooms.join.items()
            for event in joined.timeline.events
        ]
        if not events:
            return None
        task = asyncio.create_task(self._remove_on_arrival(events))
        self._arrivals.add(task)
        task.add_done_callback(self._arrivals.discard)
        return task

    async def _remove_on_arrival(self, events: Sequence[tuple[str, Any]], *, backlog: bool = False) -> None:
        """Have the app take down PII in group-room messages right away (``App.remove_pii_first``),
        ahead of handling them one by one in order: catching up after downtime, a live message would
        otherwise wait for the whole backlog. Everything else about an event — its repost, notice,
        audit row, commands, dialogues — stays with the ordered handling (``_process``), which also
        does the removal itself for any message this did not remove. Never raises.

        ``backlog``: a gap's events (fetched by backfill), removed ``BACKLOG_REMOVALS`` at a time so
        a live message's redaction does not queue behind a hundred of them at the homeserver."""
        remove_first = getattr(self._app, "remove_pii_first", None)
        if remove_first is None:
            return
        messages = []
        # Senders in this batch (the server vouches for them): an edit is only an edit when its
        # original has the same sender.
        senders = {
            event_id: sender
            for _room, event in events
            if (event_id := _event_id(event)) and isinstance(sender := getattr(event, "sender", None), str)
        }
        threads = {
            event_id: root
            for _room, event in events
            if (event_id := _event_id(event))
            and isinstance(source := getattr(event, "source", None), Mapping)
            and (root := _thread_root(_mapping(source.get("content")))) is not None
        }
        for room_id, event in events:
            try:
                message = self._arrival_message(room_id, event, senders, threads)
            except Exception:  # malformed: the ordered handling records it as failed
                message = None
            if message is not None:
                messages.append(message)
        if not messages:
            return
        try:
            removed = int(await remove_first(messages, concurrency=BACKLOG_REMOVALS if backlog else None))
            self.removed_on_arrival += removed
        except Exception as exc:
            log.warning(
                "matrix: removal on arrival failed (%s); left to the ordered handling", safe_exception_summary(exc)
            )

    def _arrival_message(
        self, room_id: str, event: Any, senders: Mapping[str, str], threads: Mapping[str, str] | None = None
    ) -> MessagePosted | MessageEdited | None:
        """The neutral event for a group-room message the guard may remove on arrival, built as
        ``_on_message`` builds it (same channel and thread, same text, so the scan and the repost's
        row are reused); None for events handled only in order: the bot's own, direct rooms
        (dialogues, private commands), commands, replies to the bot's buttons, reactions and polls,
        an edit whose original's sender is not known to be the editor, events already handled."""
        source = getattr(event, "source", None)
        if not isinstance(source, Mapping) or source.get("type") not in ("m.room.message", "m.sticker"):
            return None
        sender = getattr(event, "sender", None) or source.get("sender")
        content = source.get("content")
        event_id = _event_id(event)
        if not isinstance(sender, str) or not sender or sender == self.client.user_id:
            return None
        if not isinstance(content, Mapping) or not event_id or self.ledger.is_final(event_id):
            return None
        channel = self.channel(room_id)
        if channel.is_direct:
            return None
        user = self.user_ref(sender)
        relates = _mapping(content.get("m.relates_to"))
        if relates.get("rel_type") == "m.thread" and isinstance(relates.get("event_id"), str):
            channel = ChannelRef(channel.platform, channel.id, is_direct=channel.is_direct, thread=relates["event_id"])
        ref = MessageRef(channel, event_id)
        if relates.get("rel_type") == "m.replace" and isinstance(relates.get("event_id"), str):
            if (senders.get(relates["event_id"]) or self._senders.get(relates["event_id"])) != sender:
                return None  # maybe someone else's message: the ordered handling finds out
            thread = (threads or {}).get(relates["event_id"]) or self._threads.get(relates["event_id"])
            if thread is not None and channel.thread is None:
                # As ``_on_message``: the edit of a thread reply is reposted into the thread.
                channel = ChannelRef(channel.platform, channel.id, is_direct=channel.is_direct, thread=thread)
                ref = MessageRef(channel, event_id)
            original = MessageRef(channel, relates["event_id"])
            return MessageEdited(
                user=user, channel=channel, message=original, text=mtext.edit_text(content), edit=ref
            )
        raw_body = content.get("body")
        body = mtext.clean_text(raw_body) if isinstance(raw_body, str) else ""
        in_reply = _mapping(relates.get("m.in_reply_to")).get("event_id")
        reply_to = in_reply if isinstance(in_reply, str) else None
        text = mtext.strip_reply_fallback(body) if reply_to else body.strip()
        if mtext.looks_like_command(text, self.settings.command_prefix):
            return None
        if reply_to is not None and self._buttons.get(room_id, reply_to):
            return None
        return MessagePosted(user=user, channel=channel, message=ref, text=mtext.message_text(content))

    def _is_own_join(self, event: Any) -> bool:
        return (
            isinstance(event, RoomMemberEvent)
            and event.state_key == self.client.user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        )

    async def _backfill(self, room_id: str, prev_batch: str) -> list[Any]:
        """The events of a gap, oldest first: ``/messages`` backwards from the sync's ``prev_batch``
        until an event the bot already met (its progress in this room), the bot's own join, the
        start of the room, or the horizon (``backfill_horizon``; hitting it is logged and counted)."""
        cutoff_ms = (time.time() - self.settings.backfill_horizon_seconds) * 1000
        floor_ms = self._legacy_floor_ms if self.ledger.progress(room_id) is None else 0.0
        collected: list[Any] = []
        token: str | None = prev_batch
        backoff = Backoff(first=0.5, cap=30.0)
        while token:
            try:
                resp = await self.client.room_messages(
                    room_id, start=token, direction=MessageDirection.back, limit=BACKFILL_PAGE
                )
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                resp = None
                reason = type(exc).__name__
            else:
                reason = str(getattr(resp, "status_code", "?"))
            if not isinstance(resp, RoomMessagesResponse):
                if resp is not None and not _transient_error(resp):
                    # The bot was removed from the room, or the server refuses: nothing more to fetch.
                    self.gaps_unfilled += 1
                    log.warning("matrix: backfill in %s refused (%s); events in the gap were not scanned",
                                room_id, reason)
                    break
                if self._stopping.is_set():
                    raise _Stopping
                delay = backoff.next()
                log.warning("matrix: backfill in %s failed (%s); retrying in %.1fs", room_id, reason, delay)
                await self._pause(delay)
                continue
            done = False
            for event in resp.chunk:  # newest first
                event_id = _event_id(event)
                if event_id and self.ledger.knows(event_id):
                    done = True
                    break
                origin = _origin_ts(event)
                if origin and origin < floor_ms:
                    done = True  # handled before the upgrade to the event ledger
                    break
                if origin and origin < cutoff_ms:
                    self.horizon_hits += 1
                    log.warning(
                        "matrix: backfill in %s reached the horizon (%s): older events in the gap were not scanned",
                        room_id,
                        _describe_seconds(self.settings.backfill_horizon_seconds),
                    )
                    done = True
                    break
                collected.append(event)
                if self._is_own_join(event):
                    done = True
                    break
            if done or not resp.chunk or not resp.end or resp.end == token:
                break
            token = resp.end
        if collected:
            self.backfilled_count += len(collected)
            log.info("matrix: backfilled %d events in %s after a gap", len(collected), room_id)
        collected.reverse()
        return collected

    async def _process(self, room_id: str, event: Any) -> None:
        """Handle one timeline event on its own and record the outcome.

        Already handled or failed (a replay after a crash, an overlap of backfill and sync): nothing
        happens again. A failure is logged with type, room and event id only — never content — and
        recorded as failed; the rest of the batch continues. When the app could not take the event
        (``Dispatched.NOT_HANDLED``: its database is unavailable) it is retried with backoff and the
        batch, hence the sync token, waits for it.
        """
        event_id = _event_id(event)
        if event_id and self.ledger.is_final(event_id):
            self.replayed_count += 1
            return
        if self._arrivals:
            # Removals on arrival (live PII) go first: the ordered handling of a backlog competes
            # with them for the engine, the database and the homeserver. Bounded, so a steady
            # stream of arrivals cannot stall the ordered handling (and the sync token).
            await asyncio.wait(set(self._arrivals), timeout=ARRIVAL_PRIORITY_SECONDS)
        etype = _event_type(event)
        backoff = Backoff(first=0.5, cap=30.0)
        undelivered = 0
        # One key sequence across retries after the app could not store the event (NOT_HANDLED): the
        # failed attempt may have told the member so, and the retry's answers must not reuse that
        # send's transaction id, or the homeserver would return the earlier notice instead of posting
        # them. A retry after an undelivered reply starts the sequence again, so the reply that may
        # have reached the server after all is not posted twice.
        keys = _ReplyKeys(event_id or "")
        while True:
            replies = _REPLIES.set(keys)
            # What the handler creates is keyed by the event (a tip's submission key): a replay after
            # a crash finds it instead of storing it twice (its replies reuse their transaction ids).
            delivery = DELIVERY.set(f"matrix:{event_id}" if event_id else None)
            try:
                status = await self._on_timeline_event(room_id, event)
            except _NotHandled as not_handled:
                if self._stopping.is_set():
                    raise _Stopping from None
                if getattr(self._app, "stopping", False) is True:
                    # The app is shutting down (SIGTERM): it takes no more events, and retrying
                    # would only fill the log with "database unavailable?". The batch stays
                    # unfinished (its token unsaved) until ``close``; the next start redoes it.
                    log.info("matrix: the app is shutting down; event %s in %s is left for the next start",
                             event_id, room_id)
                    await self._stopping.wait()
                    raise _Stopping from None
                if isinstance(not_handled, _Undelivered):
                    keys = _ReplyKeys(event_id or "")
                    undelivered += 1
                    if undelivered >= UNDELIVERED_ATTEMPTS:
                        self.failed_count += 1
                        log.error("matrix: event %s in %s: a reply could not be delivered after %d attempts; "
                                  "recorded as failed", event_id, room_id, undelivered)
                        status = FAILED
                        break
                delay = backoff.next()
                why = "a reply could not be delivered" if isinstance(not_handled, _Undelivered) else (
                    "database unavailable?")
                log.warning("matrix: event %s in %s not handled by the app (%s); retrying in %.1fs",
                            event_id, room_id, why, delay)
                await self._pause(delay)
                continue
            except _Stopping:
                raise
            except Exception as exc:
                self.failed_count += 1
                log.error("matrix: event %s (%s) in %s could not be handled (%s); recorded as failed",
                          event_id, etype, room_id, safe_exception_summary(exc))
                status = FAILED
            finally:
                _REPLIES.reset(replies)
                DELIVERY.reset(delivery)
            break
        if event_id:
            self.ledger.record(event_id, room_id, status, event_type=etype, origin_ts=_origin_ts(event))
        if status == HANDLED:
            self.events_handled += 1

    async def _on_invite(self, room_id: str, invite_state: Iterable[Any]) -> None:
        inviter: str | None = None
        is_direct = False
        for ev in invite_state:
            if isinstance(ev, InviteMemberEvent) and ev.state_key == self.client.user_id and ev.membership == "invite":
                inviter = ev.sender
                content = ev.content if isinstance(ev.content, Mapping) else {}
                is_direct = content.get("is_direct") is True
        if inviter is None:
            return
        if not self._may_join(inviter, room_id):
            log.info("matrix: declined an invite from a user outside the directory")
            await self.client.room_leave(room_id)
            return
        resp = await self.client.join(room_id)
        if getattr(resp, "room_id", None) != room_id:
            log.warning("matrix: joining an invited room failed (%s)", getattr(resp, "status_code", "?"))
            return
        if is_direct:
            self.state.dm_rooms[inviter] = room_id
            self.state.save()

    def _may_join(self, inviter: str, room_id: str) -> bool:
        allowed = self.settings.auto_join_from
        if "anyone" in allowed or inviter in allowed or room_id in allowed:
            return True
        if "directory" not in allowed:
            return False
        try:
            if self._is_directory_member is not None and self._is_member_server(inviter) and self._is_directory_member(
                UserRef("matrix", inviter)
            ):
                return True
            return self._is_directory_room is not None and self._is_directory_room(room_id)
        except Exception as exc:  # a lookup failure must not crash the sync loop
            log.warning("matrix: directory lookup failed (%s)", safe_exception_summary(exc))
        return False

    def _is_member_server(self, user_id: str) -> bool:
        _local, _, server = user_id.partition(":")
        return server.lower() in self.settings.member_servers

    def user_ref(self, user_id: str) -> UserRef:
        """The neutral reference for a Matrix user. Users on servers outside ``member_domains`` get
        an id no directory entry can match (``external:@vera:elsewhere.example``), so a stranger
        who picked a member's localpart on another server is never taken for that member; sends to
        such a reference still reach the real user id."""
        if self._is_member_server(user_id):
            return UserRef("matrix", user_id)
        return UserRef("matrix", EXTERNAL_PREFIX + user_id)

    async def _retry_undecrypted(self) -> None:
        """Megolm keys can arrive a sync after the message; retry a few times, then give up (the
        event stays recorded as ``undecrypted`` in the ledger, and its id in the log)."""
        pending, self._undecrypted = self._undecrypted, []
        for room_id, event, tries in pending:
            try:
                decrypted = self.client.decrypt_event(event)
            except Exception:
                decrypted = None
            if decrypted is not None and not isinstance(decrypted, MegolmEvent):
                await self._process(room_id, decrypted)
            elif tries < 5:
                self._undecrypted.append((room_id, event, tries + 1))
            else:
                log.warning("matrix: could not decrypt event %s in %s (no room key received)", event.event_id, room_id)

    def channel(self, room_id: str) -> ChannelRef:
        user_id = self.state.dm_user_for(room_id)
        return ChannelRef("matrix", room_id, is_direct=user_id is not None and self._only_us(room_id, user_id))

    def _only_us(self, room_id: str, user_id: str) -> bool:
        """Nobody but the bot and ``user_id`` is in the room (joined or invited). A room a member
        invited the bot to as "direct" can hold others (a group DM, or people invited later): it is
        then a group room, never the member's private channel with the bot. Before the first sync
        shows the room, the remembered map is trusted."""
        room = self.client.rooms.get(room_id)
        if room is None:
            return True
        return set(room.users) | set(room.invited_users) <= {self.client.user_id, user_id}

    async def _on_timeline_event(self, room_id: str, event: Any) -> str:
        """Translate one event and dispatch it; returns the ledger status. Raises on a malformed event."""
        if isinstance(event, MegolmEvent):
            self._undecrypted.append((room_id, event, 0))
            if event.session_id:
                with contextlib.suppress(LocalProtocolError):
                    await self.client.request_room_key(event)
            return UNDECRYPTED
        source = getattr(event, "source", None)
        if not isinstance(source, Mapping):
            raise MalformedEvent("no event source")
        sender = getattr(event, "sender", None) or source.get("sender")
        if not isinstance(sender, str) or not sender or sender == self.client.user_id:
            return HANDLED
        if isinstance(event, RoomMemberEvent):
            if event.membership == "join" and event.prev_membership != "join" and event.state_key != self.client.user_id:
                await self._dispatch(MemberJoined(user=self.user_ref(event.state_key), channel=self.channel(room_id)))
            return HANDLED
        etype = source.get("type")
        content = source.get("content")
        if etype in _ROOM_DETAILS and source.get("state_key") == "" and isinstance(content, Mapping):
            await self._on_room_detail(room_id, sender, event, _ROOM_DETAILS[etype], content)
            return HANDLED
        if etype not in _SCANNED_TYPES:
            return HANDLED
        if not isinstance(content, Mapping):
            raise MalformedEvent("content is not an object")
        event_id = _event_id(event)
        if not event_id:
            raise MalformedEvent("no event id")
        if _redacted_by(source) == self.client.user_id:
            # Met again after the bot removed it: a replay after the process died before this event's
            # handling finished. Its text is gone, so the handling cannot redo the repost and notice;
            # the rows held for them go out now rather than when their hold lapses.
            removal_seen = getattr(self._app, "removal_seen", None)
            if callable(removal_seen):
                await removal_seen(MessageRef(self.channel(room_id), event_id))
        self._senders[event_id] = sender
        while len(self._senders) > _REMEMBERED_EVENTS:
            self._senders.pop(next(iter(self._senders)))
        if (root := _thread_root(content)) is not None:
            self._threads[event_id] = root
            while len(self._threads) > _REMEMBERED_EVENTS:
                self._threads.pop(next(iter(self._threads)))
        if etype == "m.reaction":
            await self._on_reaction(room_id, sender, event_id, content)
        elif etype in mtext.POLL_START_TYPES:
            # Clients show a poll's question and answers in the room like a message.
            channel = self.channel(room_id)
            await self._dispatch(MessagePosted(user=self.user_ref(sender), channel=channel,
                                               message=MessageRef(channel, event_id), text=mtext.poll_text(content)))
        else:
            # m.room.message, and m.sticker (its body is shown as the sticker's caption or alt text).
            await self._on_message(room_id, sender, event_id, content)
        return HANDLED

    async def _on_room_detail(
        self, room_id: str, sender: str, event: Any, part: str, content: Mapping[str, Any]
    ) -> None:
        """A room's topic or name, set by a member: everyone in the room sees it, so it is guarded like
        a message (``MessagePosted`` with ``part``; its ``message`` is the state event, whose removal
        clears it). Direct rooms are the member's own business with the bot."""
        event_id = _event_id(event)
        channel = self.channel(room_id)
        if not event_id or channel.is_direct or event_id in self._details_before_join:
            self._details_before_join.discard(event_id or "")
            return
        text = _room_detail_text(content, part)
        if text:
            await self._dispatch(MessagePosted(user=self.user_ref(sender), channel=channel,
                                               message=MessageRef(channel, event_id), text=text, part=part))

    async def _on_reaction(self, room_id: str, sender: str, event_id: str, content: Mapping[str, Any]) -> None:
        relates = _mapping(content.get("m.relates_to"))
        target = relates.get("event_id")
        key = relates.get("key")
        if isinstance(target, str) and (buttons := self._buttons.get(room_id, target)):
            button = mtext.choice_from_reaction(str(key or ""), buttons)
            if button is not None:
                await self._press(room_id, sender, target, button)
                return
        if isinstance(key, str) and any(c.isalnum() for c in key):
            # A reaction's key is free text that clients show under the message: words or numbers
            # in it are scanned like a message (an emoji alone is not).
            channel = self.channel(room_id)
            await self._dispatch(MessagePosted(user=self.user_ref(sender), channel=channel,
                                               message=MessageRef(channel, event_id), text=mtext.clean_text(key)))

    async def _on_message(self, room_id: str, sender: str, event_id: str, content: Mapping[str, Any]) -> None:
        # Every msgtype is scanned, m.notice and unknown or malformed ones included: clients show
        # the body of a message type they do not know, so skipping any would be a way past the
        # guard. (The bot's own notices never get here: its own events are skipped by sender.)
        msgtype = content.get("msgtype")
        if not isinstance(msgtype, str):
            msgtype = ""
        user = self.user_ref(sender)
        # A malformed relation (a string, a list) is ignored as clients ignore it: the message is
        # then an ordinary message and still scanned.
        relates = _mapping(content.get("m.relates_to"))
        channel = self.channel(room_id)
        if relates.get("rel_type") == "m.thread" and isinstance(relates.get("event_id"), str):
            # A thread reply: a repost of it goes back into its thread (``post`` honours ``thread``).
            channel = ChannelRef(channel.platform, channel.id, is_direct=channel.is_direct, thread=relates["event_id"])
        ref = MessageRef(channel, event_id)
        if relates.get("rel_type") == "m.replace" and isinstance(relates.get("event_id"), str):
            # Clients show m.new_content, older clients the fallback body: PII in either is visible,
            # so both (and their HTML) are scanned.
            text = mtext.edit_text(content)
            original_sender, thread = await self._original_of(room_id, relates["event_id"])
            if thread is not None and channel.thread is None:
                # An edit of a thread reply relates to the reply only (m.replace); the reply carries
                # the thread: a repost of the edit goes back into that thread, as the reply's would.
                channel = ChannelRef(channel.platform, channel.id, is_direct=channel.is_direct, thread=thread)
                ref = MessageRef(channel, event_id)
            if original_sender != sender:
                # Clients apply an edit only from the original's sender; anyone else's "edit" (or
                # one of a message the bot cannot see) is a message of its own, shown as such by
                # clients without edit support. Only that event is the poster's to lose, never
                # the message it claims to replace.
                await self._dispatch(MessagePosted(user=user, channel=channel, message=ref, text=text))
                return
            original = MessageRef(channel, relates["event_id"])
            await self._dispatch(MessageEdited(user=user, channel=channel, message=original, text=text, edit=ref))
            return
        scanned = mtext.message_text(content)
        raw_body = content.get("body")
        body = mtext.clean_text(raw_body) if isinstance(raw_body, str) else ""
        in_reply = _mapping(relates.get("m.in_reply_to")).get("event_id")
        reply_to = in_reply if isinstance(in_reply, str) else None
        text = mtext.strip_reply_fallback(body) if reply_to else body.strip()
        prefix = self.settings.command_prefix

        dialogue = self._dialogues.get(sender)
        if dialogue and time.monotonic() - dialogue.touched > DIALOGUE_IDLE_SECONDS:
            del self._dialogues[sender]
            dialogue = None
        if dialogue and not dialogue.room_id and self.state.dm_rooms.get(sender) == room_id:
            dialogue.room_id = room_id  # the room the dialogue's first messages were queued for
        if dialogue and dialogue.room_id == room_id and msgtype == "m.text":
            if not mtext.looks_like_command(text, prefix) or text.strip().lower() == f"{prefix}cancel":
                await self._continue_dialogue(dialogue, text)
                return

        if msgtype == "m.text":
            if reply_to is not None and (buttons := self._buttons.get(room_id, reply_to)):
                button = mtext.choice_from_reply(text, buttons)
                if button is not None:
                    await self._press(room_id, sender, reply_to, button)
                    return
            if channel.is_direct and text.strip().rstrip(".").isdigit() and (latest := self._buttons.latest(room_id)):
                button = mtext.choice_from_reply(text, latest[1])
                if button is not None:
                    await self._press(room_id, sender, latest[0], button)
                    return
            command = mtext.parse_command(text, prefix, self._command_names())
            if command is not None:
                token = _INVOKING.set((sender, command.args))
                try:
                    await self._dispatch(
                        CommandInvoked(user=user, channel=channel, name=command.name, args=command.args, message=ref)
                    )
                finally:
                    _INVOKING.reset(token)
                if channel.is_direct or not command.args.strip() or event_id in self._removed:
                    return
                # A command typed in a group room stays there for everyone to read unless its
                # handler removed it (a tip, operation details, a preview): what it carries is
                # scanned like any message, so "!help <PII>" is no way past the guard.
            elif mtext.looks_like_command(text, prefix):
                await self._send(room_id, f"Unknown command. Send {prefix}help for the list.")
        if self.gate is not None and scanned == body.strip() and self.gate.already_checked(event_id):
            # The pre-store gate scanned it clean before it was stored (bot/matrix/gate.py). Only when
            # the body is all there is to see: the gate reads the body, the guard also the HTML.
            return
        await self._dispatch(MessagePosted(user=user, channel=channel, message=ref, text=scanned))

    async def _press(self, room_id: str, sender: str, event_id: str, button: Button) -> None:
        channel = self.channel(room_id)
        await self._dispatch(
            ButtonPressed(
                user=self.user_ref(sender),
                channel=channel,
                action_id=button.action_id,
                value=button.value,
                message=MessageRef(channel, event_id),
            )
        )

    def _command_names(self) -> set[str]:
        names = set(mtext.NEUTRAL_COMMANDS)
        commands = getattr(self._app, "commands", None)
        if isinstance(commands, Mapping):
            names.update(str(k) for k in commands)
        elif isinstance(commands, Iterable):
            names.update(str(getattr(c, "name", c)) for c in commands)
        return names

    async def _dispatch(self, event: Event) -> None:
        """Hand one neutral event to the app. ``App.dispatch`` never raises by contract; anything
        it raises anyway makes the Matrix event fail (recorded, logged without content). When it
        answers ``Dispatched.NOT_HANDLED`` (falsy) the Matrix event is retried later."""
        if self._app is None:
            return
        replies = _REPLIES.get()
        if replies is not None:
            replies.undelivered = 0
            replies.command = replies.command or isinstance(event, CommandInvoked)
        result = await self._app.dispatch(event)
        if result is not None and not result:
            raise _NotHandled
        if (replies is not None and replies.undelivered and not replies.command
                and isinstance(event, MessagePosted | MessageEdited)):
            # Passive events only: handling a message again is safe (the guard's rows and sends are
            # keyed), while a command (a tip) handled again could be stored twice.
            raise _Undelivered

    # ------------------------------------------------------------------ forms as a dialogue
    async def open_form(
        self,
        user: UserRef,
        form: Form,
        *,
        trigger: str | None = None,
        channel: ChannelRef | None = None,
    ) -> None:
        try:
            room_id = await self._dm_room(matrix_user_id(user))
        except DirectRoomPending:
            # No direct room yet, inside batch handling: the dialogue's messages are queued (``_say``)
            # and the outbox opens the room; the answers are matched once the room is known.
            room_id = ""
        dialogue = FormDialogue(user=user, room_id=room_id, answers=FormAnswers(form), origin=channel)
        known = {f.key for f in form.fields}
        ignored: list[str] = []
        invoking = _INVOKING.get()
        if invoking and invoking[0] == matrix_user_id(user):
            pairs, _rest = parse_key_values(invoking[1])
            for key, value in pairs.items():
                if key in known:
                    dialogue.answers.answers[key] = value
                else:
                    ignored.append(key)
        self._dialogues[matrix_user_id(user)] = dialogue
        intro = [f"*{form.title}*"]
        if form.intro:
            intro.append(form.intro)
        if ignored:
            intro.append(f"Ignored unknown fields: {', '.join(sorted(ignored))}.")
        intro.append("Answer each question in a message; reply cancel to stop.")
        await self._say(dialogue, "\n".join(intro))
        await self._advance(dialogue)

    async def _say(self, dialogue: FormDialogue, text: str) -> None:
        """A dialogue's message to its member: into the dialogue's direct room, or — while that room
        is not open yet — as a DM (queued in the outbox inside batch handling: ``DirectRoomPending``)."""
        if not dialogue.room_id:
            dialogue.room_id = self._ready_dm_room(matrix_user_id(dialogue.user)) or ""
        if dialogue.room_id:
            await self._send(dialogue.room_id, text)
        else:
            await self.send_dm(dialogue.user, text)

    async def _continue_dialogue(self, dialogue: FormDialogue, text: str) -> None:
        dialogue.touched = time.monotonic()
        word = text.strip().lower().lstrip(self.settings.command_prefix)
        if word in mtext.CANCEL_WORDS:
            self._dialogues.pop(matrix_user_id(dialogue.user), None)
            await self._say(dialogue, "Cancelled; nothing was submitted.")
            return
        current = dialogue.answers.next_field()
        if current is None:  # pragma: no cover - a complete dialogue is submitted immediately
            await self._submit(dialogue)
            return
        raw = mtext.interpret_answer(current, text)
        dialogue.answers.answers[current.key] = raw
        # Check this one answer now (the rest of the form may still be empty), so a typo is
        # re-asked at once rather than at the end. Messages name the field, never the value.
        try:
            dialogue.form.validate({k: v for k, v in dialogue.answers.answers.items() if k in _keys(dialogue.form)})
        except ValueError as exc:
            errors = getattr(exc, "errors", {})
            if current.key in errors:
                del dialogue.answers.answers[current.key]
                await self._say(dialogue, f"{errors[current.key]}. Please answer again.")
                await self._ask(dialogue)
                return
        await self._advance(dialogue)

    async def _advance(self, dialogue: FormDialogue) -> None:
        if dialogue.answers.next_field() is None:
            await self._submit(dialogue)
        else:
            await self._ask(dialogue)

    async def _ask(self, dialogue: FormDialogue) -> None:
        nxt = dialogue.answers.next_field()
        if nxt is None:
            return
        fields = dialogue.form.fields
        number = next(i for i, f in enumerate(fields, 1) if f.key == nxt.key)
        await self._say(dialogue, mtext.question(nxt, number, len(fields)))

    async def _submit(self, dialogue: FormDialogue) -> None:
        assert self._app is not None
        raw = dict(dialogue.answers.answers)
        errors = await self._app.submit_form(
            dialogue.user, dialogue.form.form_id, raw, context=dialogue.form.context, channel=dialogue.origin
        )
        if not errors:
            self._dialogues.pop(matrix_user_id(dialogue.user), None)
            return
        lines = ["Some answers need another look:"]
        for key, problem in errors.items():
            dialogue.answers.answers.pop(key, None)
            lines.append(f"• {problem}")
        if dialogue.answers.next_field() is None:
            # Errors only on keys we cannot re-ask (not fields of the form): give up cleanly.
            self._dialogues.pop(matrix_user_id(dialogue.user), None)
            lines.append("The form could not be submitted; please start again.")
            await self._say(dialogue, "\n".join(lines))
            return
        await self._say(dialogue, "\n".join(lines))
        await self._ask(dialogue)

    # ------------------------------------------------------------------ outbound (ChatPlatform)
    async def post(
        self, channel: ChannelRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        if idempotency_key is not None and self._invites_pending(channel.id):
            # An outbox row (a case meeting's intro): retried with back-off once the invites are out.
            raise PlatformError("matrix: the room's first invites are still being sent", transient=True)
        key, reply = _reply_key(idempotency_key)
        try:
            event_id = await self._send(channel.id, message, idempotency_key=key, thread=channel.thread)
        except Exception as exc:
            error = _send_failed(exc, idempotency_key, count=False)
            if reply and await self._queue_reply(channel, message, key, error):
                return MessageRef(channel, "")
            raise _send_failed(exc, idempotency_key) from None
        return MessageRef(self.channel(channel.id), event_id)

    async def send_dm(
        self, user: UserRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        key, reply = _reply_key(idempotency_key)
        try:
            room_id = await self._dm_room(matrix_user_id(user))
            event_id = await self._send(room_id, message, idempotency_key=key)
        except Exception as exc:
            error = _send_failed(exc, idempotency_key, count=False)
            if reply and await self._queue_reply(user, message, key, error):
                return MessageRef(ChannelRef("matrix", "", is_direct=True), "")
            if isinstance(exc, DirectRoomPending):
                # Not queued (an outbox row, a best-effort note, or the database is down): open the
                # room outside the batch, so the retry of this send finds it.
                self._open_dm_later(matrix_user_id(user))
            raise _send_failed(exc, idempotency_key) from None
        return MessageRef(self.channel(room_id), event_id)

    async def _queue_reply(
        self, recipient: UserRef | ChannelRef, message: Message | str, key: str | None, error: Exception
    ) -> bool:
        """A handler's own reply (a warning, a command's answer) that failed for a reason that may
        pass — the homeserver restarting, a member on a server that does not answer — goes to the
        app's outbox under the key it was sent with (same transaction id: if the attempt got through
        after all, the re-send is a no-op) and is retried there with back-off. The event counts as
        handled and the batch goes on: other members' events never wait for this one's reply.
        False (the caller raises as before, the event is handled again) when it cannot be queued."""
        queue = getattr(self._app, "queue_reply", None)
        if (key is None or not callable(queue) or not isinstance(error, PlatformError) or not error.transient
                or (BEST_EFFORT_DELIVERY.get() and not isinstance(error, DirectRoomPending))):
            # A best-effort note that failed has its caller's fallback (the guard's held notice); one
            # that merely waits for a direct room to be opened is queued like any reply.
            return False
        try:
            await asyncio.to_thread(queue, recipient, message, key)
        except Exception as exc:  # the database too: the event is handled again later
            log.warning("matrix: a reply could not be queued either (%s)", safe_exception_summary(exc))
            return False
        if isinstance(error, DirectRoomPending):
            log.info("matrix: a reply to a member without a direct room is queued in the outbox, which opens the room")
        else:
            log.info("matrix: a reply could not be delivered now (%s); queued in the outbox", error)
        kick = getattr(self._app, "kick_outbox", None)
        if callable(kick):
            # This row on its own, now: not behind a delivery pass in progress (which may be stuck
            # opening a direct room with a member whose server does not answer).
            kick([key])
        return True

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        # Matrix has no ephemeral messages: the only private place is the member's DM.
        await self.send_dm(user, message)

    async def redact(self, message: MessageRef, reason: str) -> bool:
        try:
            return await self._redact(message, reason)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The core treats a PlatformError as "not removed" (the poster is warned, the
            # coordinators told); a raw network error would end the handler with an apology only.
            raise PlatformError(f"matrix: redaction failed ({type(exc).__name__})", transient=True) from None

    async def _redact(self, message: MessageRef, reason: str) -> bool:
        room_id = message.channel.id
        room = self.client.rooms.get(room_id)
        if room is None:
            log.warning("matrix: cannot redact in a room the bot has not joined")
            return False
        if not await self._may_redact_others(room_id):
            # Our own events are always redactable; anyone else's need the room's redact level.
            event = await self.client.room_get_event(room_id, message.id)
            if not (isinstance(event, RoomGetEventResponse) and event.event.sender == self.client.user_id):
                log.info("matrix: redaction not allowed: the bot's power level is below the room's redact level")
                return False
        resp = await self.client.room_redact(room_id, message.id, reason=mtext.safe_reason(reason))
        if not isinstance(resp, RoomRedactResponse):
            code = getattr(resp, "status_code", "?")
            if _transient_error(resp):
                # 5xx, 429, no answer, a homeserver restarting: the core retries it durably.
                log.warning("matrix: redaction failed (%s); it is tried again later", code)
                raise PlatformError(f"matrix: redaction failed ({code})", transient=True)
            log.warning("matrix: redaction refused (%s)", code)
            return False
        self._removed[message.id] = None
        while len(self._removed) > _REMEMBERED_EVENTS:
            self._removed.pop(next(iter(self._removed)))
        return True

    async def _original_of(self, room_id: str, event_id: str) -> tuple[str | None, str | None]:
        """Who sent ``event_id`` and the thread it is a reply in (None when the homeserver does not
        show it: unknown, not visible, or the request failed; no thread when it is none's reply)."""
        if (known := self._senders.get(event_id)) is not None:
            return known, self._threads.get(event_id)
        try:
            resp = await self.client.room_get_event(room_id, event_id)
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None, None
        if not isinstance(resp, RoomGetEventResponse):
            return None, None
        sender = getattr(resp.event, "sender", None)
        source = getattr(resp.event, "source", None)
        content = source.get("content") if isinstance(source, Mapping) else None
        thread = _thread_root(content) if isinstance(content, Mapping) else None
        return (sender if isinstance(sender, str) else None), thread

    async def _may_redact_others(self, room_id: str) -> bool:
        room = self.client.rooms[room_id]
        if room.power_levels.can_user_redact(self.client.user_id):
            return True
        # Room version 12 onwards, creators hold unlimited power and are absent from the power
        # levels' user map (nio does not model that yet): rooms the bot created itself (DMs,
        # private channels) would otherwise look forbidden.
        if str(room.room_version) in _PRE_CREATOR_POWER_VERSIONS:
            return False
        if room_id not in self._creators:
            state = await self.client.room_get_state(room_id)
            creators: set[str] = set()
            for ev in getattr(state, "events", None) or []:
                if ev.get("type") == "m.room.create" and ev.get("state_key") == "":
                    content = ev.get("content") or {}
                    creators = {str(ev.get("sender")), *map(str, content.get("additional_creators") or [])}
            self._creators[room_id] = frozenset(creators)  # creators never change
        return self.client.user_id in self._creators[room_id]

    async def members(self, channel: ChannelRef) -> Sequence[UserRef]:
        resp = await self.client.joined_members(channel.id)
        if not isinstance(resp, JoinedMembersResponse):
            raise PlatformError(f"matrix: listing room members failed ({getattr(resp, 'status_code', '?')})")
        # The bot itself is not an audience member.
        return [self.user_ref(m.user_id) for m in resp.members if m.user_id != self.client.user_id]

    async def create_private_channel(
        self, name: str, members: Sequence[UserRef], *, key: str | None = None
    ) -> ChannelRef:
        """An invite-only room with ``members``. With ``key`` the room gets an alias derived from it
        (``#ntk-<name>-<room_tag(key)>``) and creating is idempotent: ``M_ROOM_IN_USE`` is answered by
        resolving the alias and reusing that room when the bot created it, the bot is joined, it is
        invite-only and nobody but ``members`` is joined or invited (a re-run after the process died
        between creating the room and recording it, or a second press after a failure); members not
        in it yet are invited. A room failing those checks is never reused: the next alias of the
        key's sequence is tried (the same sequence on every run).

        The members on the bot's own homeserver are invited by the room creation itself; members on
        other homeservers one by one afterwards, each failure logged and skipped (a homeserver that
        does not answer costs seconds per invite, and a failed invite inside the creation request
        would fail the whole request after the room was made)."""
        wanted = [matrix_user_id(m) for m in members if m.platform == "matrix"]
        wanted = list(dict.fromkeys(u for u in wanted if u != self.client.user_id))
        own_server = _server_of(self.client.user_id)
        local = [u for u in wanted if _server_of(u) == own_server]
        alias = f"ntk-{_alias_part(name)}-{room_tag(key)}" if key is not None else None
        room_id = ""
        present: set[str] = set()
        for attempt in range(10 if alias else 1):
            candidate = None if alias is None else (alias if attempt == 0 else f"{alias}-{attempt + 1}")
            resp = await self._room_create_private(name, candidate, local)
            if candidate is not None and getattr(resp, "status_code", None) in _ALIAS_REFUSED:
                # A homeserver that lets the bot create rooms but not aliases (alias creation rules,
                # an application service's exclusive namespace): a room without one, not idempotent.
                log.warning("matrix: the homeserver refused a room alias; creating the room without one")
                resp = await self._room_create_private(name, None, local)
            if isinstance(resp, RoomCreateResponse):
                room_id, present = resp.room_id, set(local)
                break
            if candidate is not None and getattr(resp, "status_code", None) == "M_ROOM_IN_USE":
                found = await self._own_private_room(f"#{candidate}:{own_server}", wanted)
                if found is not None:
                    log.info("matrix: reusing the private room this record's earlier run created")
                    room_id, present = found
                    break
                continue
            raise PlatformError(
                f"matrix: creating a private room failed ({getattr(resp, 'status_code', '?')})",
                transient=_transient_error(resp),
            )
        if not room_id:
            raise PlatformError("matrix: creating a private room failed (every alias of this record is taken)")
        await self._wait_for_room(room_id)
        missing = [u for u in wanted if u not in present]
        remote = [u for u in missing if _server_of(u) != own_server]
        if remote and _REPLIES.get() is not None:
            # Inside batch handling: an invite to a homeserver that does not answer takes about 4 s,
            # and every other event of the batch would wait for it. The invites are kept in the state
            # file (a crash does not lose them) and sent in the background, retried for 72 h.
            missing = [u for u in missing if u not in remote]
            self._defer_invites(room_id, remote)
        failed = 0
        for user_id in missing:
            invited = await self.client.room_invite(room_id, user_id)
            if isinstance(invited, RoomInviteResponse):
                present.add(user_id)
            else:
                failed += 1
                if _server_of(user_id) == own_server:
                    raise PlatformError(
                        f"matrix: inviting to a private room failed ({getattr(invited, 'status_code', '?')})",
                        transient=_transient_error(invited),
                    )
        if failed:
            # Never the ids: how many, and the room (a reference the coordinator can look up).
            log.warning("matrix: %d member(s) on other homeservers could not be invited to room %s", failed, room_id)
        if self.settings.encryption:
            # The homeserver sends the invites one by one after creating the room, and a sync may
            # show the room before all of them. The first message's room key goes only to members
            # the bot knows of when sending; anyone invited later could never read it.
            await self._wait_for_invites(room_id, sorted(present))
        return ChannelRef("matrix", room_id)

    def _defer_invites(self, room_id: str, user_ids: Sequence[str]) -> None:
        entry = self.state.pending_invites.setdefault(room_id, {"users": [], "since": time.time()})
        entry["users"] = sorted({*entry["users"], *user_ids})
        self.state.save()
        self._invite_later(room_id)

    def _invite_later(self, room_id: str) -> None:
        task = self._invitations.get(room_id)
        if task is None or task.done():
            self._invitations[room_id] = asyncio.ensure_future(self._send_pending_invites(room_id))

    async def _send_pending_invites(self, room_id: str) -> None:
        """Invite a room's pending members (``MatrixState.pending_invites``) until each is invited or
        refused for good; a failure that may pass (the member's homeserver not answering, 5xx, 429) is
        retried with back-off (5 s doubling to 10 min) for ``INVITE_RETRY_SECONDS``. Logged with counts
        and the room only, never the member ids."""
        delay = 5.0
        while True:
            entry = self.state.pending_invites.get(room_id)
            if not entry or not entry["users"]:
                break
            for user_id in list(entry["users"]):
                try:
                    resp: Any = await self.client.room_invite(room_id, user_id)
                except (aiohttp.ClientError, TimeoutError, OSError):
                    continue  # no answer at all: retried with the rest
                if isinstance(resp, RoomInviteResponse) or not _transient_error(resp):
                    if not isinstance(resp, RoomInviteResponse):
                        log.warning("matrix: an invite to room %s was refused (%s); not retried", room_id,
                                    getattr(resp, "status_code", "?"))
                    entry["users"].remove(user_id)
                    self.state.save()
            if not entry["users"]:
                break
            if time.time() - float(entry["since"]) > INVITE_RETRY_SECONDS:
                log.warning("matrix: gave up inviting %d member(s) on other homeservers to room %s",
                            len(entry["users"]), room_id)
                break
            await asyncio.sleep(delay)
            delay = min(600.0, delay * 2)
        if self.state.pending_invites.pop(room_id, None) is not None:
            self.state.save()
        self._invitations.pop(room_id, None)

    def _invites_pending(self, room_id: str) -> bool:
        """An encrypted room whose first invites are still being sent, for at most ``INVITE_HOLD_SECONDS``:
        a message sent now would have its room key shared without those members, who could never read it."""
        entry = self.state.pending_invites.get(room_id)
        if not entry or not entry["users"] or time.time() - float(entry["since"]) > INVITE_HOLD_SECONDS:
            return False
        room = self.client.rooms.get(room_id)
        return bool(room.encrypted) if room is not None else bool(self.settings.encryption)

    async def _room_create_private(self, name: str, alias: str | None, invite: Sequence[str]) -> Any:
        return await self.client.room_create(
            visibility=RoomVisibility.private,
            alias=alias,
            name=name,
            preset=RoomPreset.private_chat,
            invite=invite,
            initial_state=self._encryption_state(),
            federate=True,
        )

    async def _own_private_room(self, alias: str, allowed: Sequence[str]) -> tuple[str, set[str]] | None:
        """The room ``alias`` names, with who is joined or invited, when ``create_private_channel`` may
        reuse it: the bot created it and is joined, it is invite-only, and nobody but ``allowed`` (and
        the bot) is joined or invited. None otherwise (someone else's alias, a room with others in it)."""
        resolved = await self.client.room_resolve_alias(alias)
        room_id = getattr(resolved, "room_id", None)
        if not isinstance(resolved, RoomResolveAliasResponse) or not room_id:
            return None
        state = await self.client.room_get_state(room_id)
        if not isinstance(state, RoomGetStateResponse):
            return None  # the bot is not in it (not ours, or it left)
        creator, join_rule, present = None, None, set()
        for ev in state.events:
            kind, state_key, content = ev.get("type"), ev.get("state_key"), _mapping(ev.get("content"))
            if kind == "m.room.create" and state_key == "":
                creator = ev.get("sender")
            elif kind == "m.room.join_rules" and state_key == "":
                join_rule = content.get("join_rule")
            elif kind == "m.room.member" and content.get("membership") in ("join", "invite"):
                present.add(str(state_key))
        me = self.client.user_id
        others = present - {me}
        if creator != me or me not in present or join_rule != "invite" or not others <= set(allowed):
            log.warning("matrix: a room alias of this record names a room the bot may not reuse; not reused")
            return None
        return room_id, others

    # ------------------------------------------------------------------ helpers
    def _encryption_state(self) -> list[dict[str, Any]]:
        if not self.settings.encryption:
            return []
        return [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]

    def _ready_dm_room(self, user_id: str) -> str | None:
        """The member's direct room with the bot when it can be sent to now (no request needed)."""
        room_id = self.state.dm_rooms.get(user_id)
        if room_id is None:
            return None
        room = self.client.rooms.get(room_id)
        if room is not None and (user_id in room.users or user_id in room.invited_users) and self._only_us(
            room_id, user_id
        ):
            return room_id
        if room is None and not self.synced.is_set():
            return room_id  # before the first sync room state is unknown; trust the map
        return None

    async def _dm_room(self, user_id: str) -> str:
        """The member's direct room, opened when there is none. Inside batch handling (an inbound
        event is being handled: its reply keys are set) a room that is not open yet is never opened
        here: ``DirectRoomPending`` (see there)."""
        async with self._dm_locks.setdefault(user_id, asyncio.Lock()):
            if (ready := self._ready_dm_room(user_id)) is not None:
                return ready
            if _REPLIES.get() is not None and callable(getattr(self._app, "queue_reply", None)):
                raise DirectRoomPending  # (an app without an outbox has nowhere to keep the reply)
            resp = await self.client.room_create(
                visibility=RoomVisibility.private,
                is_direct=True,
                preset=RoomPreset.trusted_private_chat,
                invite=[user_id],
                initial_state=self._encryption_state(),
            )
            if not isinstance(resp, RoomCreateResponse):
                raise PlatformError(
                    f"matrix: opening a direct room failed ({getattr(resp, 'status_code', '?')})",
                    transient=_transient_error(resp),
                )
            room_id = str(resp.room_id)
            self.state.dm_rooms[user_id] = room_id
            self.state.save()
            # Still under the member's lock: a second send to the member meanwhile must find this room
            # known (the sync shows it), not open another one.
            await self._wait_for_room(room_id)
            if self.settings.encryption:
                # Room keys go to joined members' devices; a message sent while the member is only
                # invited could stay unreadable for them. Give their client a moment to accept.
                await self._wait_for_join(room_id, user_id)
        return room_id

    def _open_dm_later(self, user_id: str) -> None:
        """Open the member's direct room outside batch handling (a task of its own, in a fresh
        context, so it is not taken for part of the batch). Failures are logged; the send that
        needed the room is retried by its own path (outbox back-off, or the event handled again)."""
        if user_id in self._dm_openings:
            return

        async def open_room() -> None:
            try:
                await self._dm_room(user_id)
            except Exception as exc:
                log.warning("matrix: opening a direct room in the background failed (%s)", safe_exception_summary(exc))

        task = asyncio.get_running_loop().create_task(open_room(), context=contextvars.Context())
        self._dm_openings[user_id] = task
        task.add_done_callback(lambda _t: self._dm_openings.pop(user_id, None))

    async def _wait_for_join(self, room_id: str, user_id: str, wait_seconds: float = 10.0) -> None:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            room = self.client.rooms.get(room_id)
            if room is not None and user_id in room.users and user_id not in room.invited_users:
                return
            self.synced.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.synced.wait(), timeout=max(0.1, deadline - time.monotonic()))

    async def _wait_for_invites(self, room_id: str, user_ids: Sequence[str], wait_seconds: float = 10.0) -> None:
        """Until every one of ``user_ids`` is invited to or joined in the room, as the bot's state sees it."""
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            room = self.client.rooms.get(room_id)
            if room is not None and all(u in room.users or u in room.invited_users for u in user_ids):
                return
            if self._app is None:
                await self.client.sync(timeout=0)
                continue
            self.synced.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.synced.wait(), timeout=max(0.1, deadline - time.monotonic()))
        log.warning("matrix: not every invite to a new private room was visible in time")

    async def _wait_for_room(self, room_id: str, wait_seconds: float = 10.0) -> None:
        """A created room is usable by nio (encryption state, members) only after a sync shows it."""
        if self._app is None:
            # Not running a sync loop (e.g. a one-off script): sync once ourselves.
            await self.client.sync(timeout=0)
            return
        deadline = time.monotonic() + wait_seconds
        while room_id not in self.client.rooms and time.monotonic() < deadline:
            self.synced.clear()
            try:
                await asyncio.wait_for(self.synced.wait(), timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break

    async def _send(
        self, room_id: str, message: Message | str, *, idempotency_key: str | None = None, thread: str | None = None
    ) -> str:
        """Send a message (split into numbered parts when it would exceed the server's event size
        limit); returns the first part's event id. Each part has its own transaction id derived from
        the key, so a re-send after a crash posts none of the parts again."""
        if idempotency_key is None and (replies := _REPLIES.get()) is not None:
            idempotency_key = replies.next_key()
        msg = Message.of(message)
        await self._query_keys_before_sending(room_id)
        room = self.client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted and self.client.olm is not None)
        budget = mtext.ENCRYPTED_CONTENT_BUDGET if encrypted else mtext.CONTENT_BUDGET
        parts: list[dict[str, Any]] = list(mtext.render_parts(msg, budget, ascii_json=encrypted))
        if thread:
            # Into the thread (with the reply fallback clients without threads understand).
            relation: dict[str, Any] = {"rel_type": "m.thread", "event_id": thread, "is_falling_back": True,
                                        "m.in_reply_to": {"event_id": thread}}
            parts = [{**content, "m.relates_to": relation} for content in parts]
        event_ids: list[str] = []
        for number, content in enumerate(parts):
            try:
                # ignore_unverified_devices: the bot shares room keys with every device of the room's
                # joined members; room membership (auto-join only from the directory) is the access
                # control. See docs/matrix.md, "Trust in encrypted rooms".
                resp = await self.client.room_send(
                    room_id,
                    "m.room.message",
                    content,
                    tx_id=transaction_id(idempotency_key, number) if idempotency_key else None,
                    ignore_unverified_devices=True,
                )
            except LocalProtocolError:
                raise PlatformError("matrix: the bot is not in that room (or its state is not synced yet)") from None
            if not isinstance(resp, RoomSendResponse):
                code = getattr(resp, "status_code", "?")
                # M_TOO_LARGE, M_FORBIDDEN, M_BAD_JSON ...: sending the same again cannot succeed.
                raise PlatformError(
                    f"matrix: sending failed ({code}" + (f", part {number + 1} of {len(parts)})" if len(parts) > 1 else ")"),
                    transient=_transient_error(resp),
                )
            event_ids.append(str(resp.event_id))
        if len(parts) > 1:
            log.info("matrix: a message over the event size limit was sent in %d parts", len(parts))
        if msg.buttons:
            self._buttons.add(room_id, event_ids[-1], msg.buttons)
        return event_ids[0]


def _reply_key(idempotency_key: str | None) -> tuple[str | None, bool]:
    """The key a send goes out with, and whether it is a handler's own reply (no key of its own:
    not an outbox delivery) — then the next of the event's reply keys (``_ReplyKeys``)."""
    if idempotency_key is not None:
        return idempotency_key, False
    replies = _REPLIES.get()
    if replies is None:
        return None, False
    return replies.next_key(), True


def _send_failed(exc: Exception, idempotency_key: str | None, *, count: bool = True) -> Exception:
    """A failed send as the core expects it (``PlatformError``; a dropped connection or a timeout is
    transient). A handler's own reply (no idempotency key: not an outbox delivery, which is retried
    durably) that failed transiently and could not be queued is noted (``count``), so the event is
    handled again (``_Undelivered``)."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        error = PlatformError(f"matrix: sending failed ({type(exc).__name__})", transient=True)
    else:
        return exc
    replies = _REPLIES.get()
    if (count and error.transient and idempotency_key is None and replies is not None
            and not BEST_EFFORT_DELIVERY.get()):
        replies.undelivered += 1
    return error


def transaction_id(idempotency_key: str, part: int = 0) -> str:
    """The Matrix transaction id for an outbox key: the same key always gives the same id.

    The homeserver remembers (user, device, room, transaction id) -> event id (Synapse: for 24 hours),
    so re-sending a message after a crash between the send and ``mark_sent`` returns the first
    event instead of posting a second one. Hashed so the id is short, URL-safe and carries nothing
    of the key (keys name rooms and references; the id appears in the server's access log).
    """
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"ntk.{digest}.{part}"


def _event_id(event: Any) -> str | None:
    value = getattr(event, "event_id", None)
    if not value:
        source = getattr(event, "source", None)
        value = source.get("event_id") if isinstance(source, Mapping) else None
    return value if isinstance(value, str) and value else None


def _event_type(event: Any) -> str:
    source = getattr(event, "source", None)
    value = source.get("type") if isinstance(source, Mapping) else None
    return value if isinstance(value, str) and value else type(event).__name__


def _origin_ts(event: Any) -> int:
    value = getattr(event, "server_timestamp", None)
    if not isinstance(value, int):
        source = getattr(event, "source", None)
        value = source.get("origin_server_ts") if isinstance(source, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _room_detail_text(content: Mapping[str, Any], part: str) -> str:
    """The text of a topic or name as clients show it: ``topic`` / ``name``, plus the topic's rich
    representations (``m.topic`` ``m.text`` bodies, the plain and the HTML one) when present."""
    texts: list[str] = []
    plain = content.get(part)
    if isinstance(plain, str):
        texts.append(plain)
    if part == "topic":
        rich = _mapping(content.get("m.topic")).get("m.text")
        for item in rich if isinstance(rich, list) else []:
            body = _mapping(item).get("body")
            if not isinstance(body, str):
                continue
            if _mapping(item).get("mimetype") == "text/html":
                body = mtext.html_to_text(body)
            if body.strip() and body.strip() not in (t.strip() for t in texts):
                texts.append(body)
    return mtext.clean_text("\n".join(t.strip() for t in texts if t.strip()))


def _redacted_by(source: Mapping[str, Any]) -> str | None:
    """Who redacted this event, when the server served it redacted (``unsigned.redacted_because``)."""
    because = _mapping(_mapping(source.get("unsigned")).get("redacted_because"))
    sender = because.get("sender")
    return sender if isinstance(sender, str) else None


def _thread_root(content: Mapping[str, Any]) -> str | None:
    """The root of the thread a message is a reply in (``m.relates_to`` with ``rel_type`` m.thread)."""
    relates = _mapping(content.get("m.relates_to"))
    root = relates.get("event_id")
    return root if relates.get("rel_type") == "m.thread" and isinstance(root, str) and root else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _transient_error(resp: object) -> bool:
    """Worth retrying: rate limits (429), server errors (5xx), no HTTP answer at all, and ``M_UNKNOWN``
    whatever its status. Any other 4xx (M_TOO_LARGE, M_FORBIDDEN, M_BAD_JSON ...) is permanent: the
    same request cannot succeed.

    ``M_UNKNOWN`` with a 403 is what a homeserver's spam-checker module answers when it cannot reach
    its server (``synapse-http-antispam`` failing closed while the pre-store gate is down, not yet up
    after a restart, or restarting): the bot's own tips, notices and reposts must wait that out in the
    outbox, not be given up on (tests/integration/matrix/test_gate.py)."""
    if getattr(resp, "status_code", None) == "M_UNKNOWN":
        return True
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    return getattr(resp, "status_code", None) in (None, "M_LIMIT_EXCEEDED")


def _describe_seconds(seconds: int) -> str:
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400} days"
    if seconds % 3_600 == 0:
        return f"{seconds // 3_600} hours"
    return f"{seconds // 60} minutes"


#: How long the invites of a private room's members on other homeservers are retried.
INVITE_RETRY_SECONDS = 72 * 3600
#: How long a message to an encrypted private room waits for those invites (``_invites_pending``).
INVITE_HOLD_SECONDS = 120.0
#: What a homeserver answers ``createRoom`` with an alias it will not register for the bot.
_ALIAS_REFUSED = frozenset({"M_EXCLUSIVE", "M_INVALID_PARAM", "M_BAD_ALIAS", "M_FORBIDDEN"})


def _server_of(user_id: str) -> str:
    """The homeserver part of a Matrix id (``@nina:example.org`` -> ``example.org``)."""
    return user_id.split(":", 1)[1] if ":" in user_id else ""


def _alias_part(name: str) -> str:
    """A room name as part of an alias local part: lower-case letters, digits and hyphens."""
    return (re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "room")[:60]


def matrix_user_id(ref: UserRef) -> str:
    """The real Matrix id behind a reference (``external:`` references included)."""
    return ref.id.removeprefix(EXTERNAL_PREFIX)


def _keys(form: Form) -> set[str]:
    return {f.key for f in form.fields}


def _directory_lookup(app: object) -> Callable[[UserRef], bool] | None:
    """Find the app's directory check without a hard dependency on the core's internals.

    Prefers ``app.is_directory_member(user)``; otherwise ``app.context(user).member`` (the core's
    ``App``: the directory maps ``[[members]] matrix_id`` to a member), or a ``directory`` object
    with ``member_for``/``find``/``lookup`` returning a member or None.
    """
    direct = getattr(app, "is_directory_member", None)
    if callable(direct):
        return lambda user: bool(direct(user))
    context = getattr(app, "context", None)
    if callable(context):
        return lambda user: getattr(context(user), "member", None) is not None
    directory = getattr(app, "directory", None)
    for name in ("member_for", "find", "lookup"):
        fn = getattr(directory, name, None)
        if callable(fn):
            return _not_none(fn)
    return None


def _directory_room_lookup(app: object) -> Callable[[str], bool] | None:
    """Rooms listed in the directory (``[[channels]] matrix_id``) may invite the bot too."""
    db = getattr(getattr(app, "services", None), "db", None)
    if db is None:
        return None
    try:
        directory = importlib.import_module("storage.directory")
    except ImportError:  # pragma: no cover - the core always ships storage
        return None

    def known(room_id: str) -> bool:
        with db.session() as session:
            return directory.channel_by_identity(session, "matrix", room_id) is not None

    return known


def _not_none(fn: Callable[[UserRef], object]) -> Callable[[UserRef], bool]:
    return lambda user: fn(user) is not None


