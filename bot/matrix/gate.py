"""The pre-store PII gate: Synapse asks needtoknow before it stores a message.

Synapse runs a spam-checker module's ``check_event_for_spam(event)`` before an event is persisted or
sent anywhere. The published module ``synapse-http-antispam`` (``synapse_http_antispam.HTTPAntispam``)
forwards that callback as ``POST <base_url>/check_event_for_spam`` with the JSON body
``{"event": <client-format event>}`` and ``Authorization: Bearer <authorization>``. Its protocol, read
from its source (0.5.1):

* any 2xx answer lets the event through (the body is ignored);
* any other answer refuses it: the JSON body goes back to the sender's client, ``errcode`` (default
  ``M_FORBIDDEN``) and ``error`` (the human reason) included;
* a non-JSON answer or a failed connection refuses with ``M_UNKNOWN`` unless the callback is listed
  in the module's ``fail_open`` map (``check_event_for_spam`` fails *open* by default) — and the module
  then logs the whole request, event text included, at ERROR;
* the module has no timeout of its own below Synapse's 60 s HTTP client timeout, so the deadline is
  kept here: every verdict is answered within ``deadline_ms``.

So this module serves that protocol (a well-kept module instead of a Synapse module of our own) on
``[matrix.gate] listen``. For ``m.room.message`` events (edits included) in directory channels whose
policy is ``block``, a message with PII is refused with ``M_FORBIDDEN`` and a reason naming only the
labels; the sender then gets a DM with the redacted text and the preview flow's buttons
(``handlers.pii_guard.record_gate_refusal``). The bot's own events, encrypted events, clean messages
and every other event type are allowed.

Isolation: the HTTP server runs on its own event loop in its own thread, and scans run in a dedicated
thread pool, so a verdict never waits behind the bot's sync loop or handlers. The engine is loaded and
warmed before the server listens. Channel policies are read from the database by the gate's own loop
every ``POLICY_REFRESH_SECONDS`` (a verdict never waits for the database either).

Nothing of a request body is ever logged: only paths, status codes, label counts and timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import metrics
from bot.errors import safe_exception_summary
from bot.matrix import text as mtext
from bot.platform import ChannelRef, UserRef

log = logging.getLogger(__name__)

ENV_SECRET = "NEEDTOKNOW_GATE_SECRET"  # noqa: S105 - the variable's name, not a secret
MIN_SECRET_LENGTH = 24
# A Matrix event is at most 64 KiB (Synapse refuses bigger ones); the module wraps it in a small
# envelope. Anything much bigger is not from Synapse.
MAX_BODY_BYTES = 256 * 1024
POLICY_REFRESH_SECONDS = 2.0
SCAN_THREADS = 2
CLEARED_MEMORY = 4096
SELFTEST_TYPE = "org.needtoknow.gate_selftest"
PROOF_FIELD = "org.needtoknow.gate_proof"
CALLBACK = "check_event_for_spam"
_KNOWN_KEYS = {"listen", "deadline_ms", "fail_open", "allow_post_as_is", "homeserver_config"}
_LISTEN = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d{1,5})$")
_MX_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")

DEADLINE_REASON = "Not posted: the PII check did not finish in time. Please try again in a moment."


# -- settings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateSettings:
    """``[matrix.gate]``: where the gate listens and how it answers. The secret comes only from
    ``NEEDTOKNOW_GATE_SECRET`` and is excluded from ``repr``.

    ``fail_open``: the answer when a scan misses ``deadline_ms`` (or fails): ``false`` (default)
    refuses the message — nothing unchecked is stored in a ``block`` channel — and ``true`` lets it
    through to the after-the-fact guard. Set the module's ``fail_open.check_event_for_spam`` the same
    way: that one decides when the gate cannot be reached at all.
    """

    host: str
    port: int
    secret: str = field(repr=False)
    deadline_ms: int = 500
    fail_open: bool = False
    allow_post_as_is: bool = True
    homeserver_config: str = ""

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], env: Mapping[str, str]) -> GateSettings:
        if not isinstance(table, Mapping):
            raise ValueError("[matrix.gate]: must be a table")
        for key in table:
            if key in ("secret", "authorization", "token"):
                raise ValueError(f"[matrix.gate] {key}: the secret is read from {ENV_SECRET}, never the file")
            if key not in _KNOWN_KEYS:
                raise ValueError(f"[matrix.gate] {key}: unknown setting; expected one of {', '.join(sorted(_KNOWN_KEYS))}")
        listen = table.get("listen")
        match = _LISTEN.match(listen) if isinstance(listen, str) else None
        if match is None or not 1 <= int(match["port"]) <= 65535:
            raise ValueError('[matrix.gate] listen: must be "HOST:PORT", e.g. "127.0.0.1:8009"')
        deadline = table.get("deadline_ms", 500)
        if isinstance(deadline, bool) or not isinstance(deadline, int) or not 50 <= deadline <= 10_000:
            raise ValueError("[matrix.gate] deadline_ms: an integer between 50 and 10000")
        flags: dict[str, bool] = {}
        for key, default in (("fail_open", False), ("allow_post_as_is", True)):
            value = table.get(key, default)
            if not isinstance(value, bool):
                raise ValueError(f"[matrix.gate] {key}: must be true or false")
            flags[key] = value
        hs_config = table.get("homeserver_config", "")
        if not isinstance(hs_config, str):
            raise ValueError("[matrix.gate] homeserver_config: a path to homeserver.yaml (for needtoknow doctor)")
        secret = env.get(ENV_SECRET) or ""
        if not secret:
            raise ValueError(
                f"{ENV_SECRET}: required when [matrix.gate] is set; the same value goes in the module's "
                "'authorization' (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if len(secret) < MIN_SECRET_LENGTH or any(c.isspace() for c in secret):
            raise ValueError(f"{ENV_SECRET}: use at least {MIN_SECRET_LENGTH} random characters without spaces")
        return cls(
            host=match["v6"] or match["host"],
            port=int(match["port"]),
            secret=secret,
            deadline_ms=deadline,
            fail_open=flags["fail_open"],
            allow_post_as_is=flags["allow_post_as_is"],
            homeserver_config=hs_config.strip(),
        )


def sign(secret: str, purpose: str, nonce: str) -> str:
    """HMAC-SHA256 for the self-test: only someone holding the gate secret can make or answer one."""
    return hmac.new(secret.encode(), f"{purpose}:{nonce}".encode(), hashlib.sha256).hexdigest()


# -- what is scanned ------------------------------------------------------------------------------
def _visible_html(value: str) -> str:
    # Only the visible words matter for a PII scan (tags, attributes and the reply quote do not), so
    # a tag-stripping regex is enough; an HTML parser would add nothing the scan can use.
    return html.unescape(_TAG.sub(" ", _MX_REPLY.sub(" ", value))).strip()


def texts_to_scan(content: Mapping[str, Any]) -> list[str]:
    """Every text of an ``m.room.message`` a member would read, the main one first (what the DM shows
    redacted): for an edit ``m.new_content``'s body; else the body without a reply's quoted fallback.
    ``formatted_body`` and a file's name are scanned too, since clients show them."""
    found: list[str] = []

    def add(value: object, *, html_text: bool = False) -> None:
        if isinstance(value, str):
            text = _visible_html(value) if html_text else value.strip()
            if text and text not in found:
                found.append(text)

    new = content.get("m.new_content")
    relates = content.get("m.relates_to")
    is_reply = isinstance(relates, Mapping) and isinstance(relates.get("m.in_reply_to"), Mapping)
    if isinstance(new, Mapping):
        add(new.get("body"))
        add(new.get("formatted_body"), html_text=True)
        add(new.get("filename"))
    body = content.get("body")
    if isinstance(body, str) and is_reply:
        body = mtext.strip_reply_fallback(body)
    add(body)
    add(content.get("formatted_body"), html_text=True)
    add(content.get("filename"))
    return found


def is_edit(content: Mapping[str, Any]) -> bool:
    relates = content.get("m.relates_to")
    return isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    timed_out: bool = False  # answered per ``fail_open`` because the scan missed the deadline or failed

    @property
    def allowed(self) -> bool:
        return 200 <= self.status < 300


ALLOW = Answer(200, {})


def _error(status: int, errcode: str, message: str) -> Answer:
    return Answer(status, {"errcode": errcode, "error": message})


# -- the server -----------------------------------------------------------------------------------
class PreStoreGate:
    """The HTTP server for ``synapse-http-antispam``, on its own thread and event loop.

    ``app`` is the core ``App`` (its services give the engine, the database and the outbox);
    ``bot_user_id`` is the bot's Matrix id, whose events always pass.
    """

    def __init__(self, settings: GateSettings, app: Any, bot_user_id: str) -> None:
        self.settings = settings
        self._app = app
        self._bot = bot_user_id
        self._pool = ThreadPoolExecutor(max_workers=SCAN_THREADS, thread_name_prefix="ntk-gate")
        self._blocked: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._expected_auth = f"Bearer {settings.secret}".encode()
        self.counts: Counter[str] = Counter()  # allowed, refused, deadline, unauthorized, bad_request
        # Time from request to answer of recent check_event_for_spam calls, in ms (benchmarks, health).
        self.verdict_ms: deque[float] = deque(maxlen=20_000)
        # Event ids this gate scanned and found clean (bounded): the guard need not scan them again.
        self._cleared: dict[str, None] = {}
        self._cleared_lock = threading.Lock()  # written by the gate's thread, read by the bot's

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Warm the engine, load the policies, then listen (from the bot's event loop)."""
        self._main_loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._prepare)
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._serve, args=(started,), name="ntk-gate-http", daemon=True)
        self._thread.start()
        await asyncio.wrap_future(started)
        log.info("matrix gate: listening on %s", self.settings.base_url)

    def _prepare(self) -> None:
        redactor = self._app.services.redactor_loader()
        # The first call pays spaCy's lazy initialisation; it must not fall on a member's message.
        redactor.redact("Warm-up: call Jane Roe at 555-0100 at 12 Main Street.")
        self.refresh_policies()

    def _serve(self, started: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
        except BaseException as exc:
            started.set_exception(exc if isinstance(exc, Exception) else RuntimeError("gate stopped"))
            loop.close()
            return
        started.set_result(None)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _listen(self) -> None:
        server = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self._guard])
        server.router.add_post(f"/{CALLBACK}", self._check_event)
        server.router.add_post("/ping", self._ping)
        server.router.add_post("/{callback}", self._other_callback)
        self._runner = web.AppRunner(server, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port, reuse_address=True).start()
        self._refresher = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            done = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            await asyncio.wrap_future(done)
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.to_thread(thread.join, 5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        # A fresh pool (its threads start on first use), so a stopped gate can be started again.
        self._pool = ThreadPoolExecutor(max_workers=SCAN_THREADS, thread_name_prefix="ntk-gate")
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._runner is not None:
            await self._runner.cleanup()

    # -- policies --------------------------------------------------------------------------------
    def refresh_policies(self) -> None:
        """Reload which rooms are ``block`` channels (also called every few seconds by the gate)."""
        from handlers.pii_guard import blocked_channels

        with self._app.services.db.session() as s:
            self._blocked = blocked_channels(s, "matrix")

    def blocks(self, room_id: str) -> bool:
        return room_id in self._blocked

    async def _refresh_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(POLICY_REFRESH_SECONDS)
            try:
                await loop.run_in_executor(self._pool, self.refresh_policies)
            except Exception as exc:  # keep the last known policies; the database may be busy
                log.warning("matrix gate: reloading channel policies failed (%s)", safe_exception_summary(exc))

    # -- HTTP ------------------------------------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        supplied = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(supplied, self._expected_auth):
            self.counts["unauthorized"] += 1
            return _json(_error(401, "M_UNAUTHORIZED", "needtoknow gate: missing or wrong secret"))
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            self.counts["bad_request"] += 1
            return _json(_error(413, "M_TOO_LARGE", "needtoknow gate: request too large"))
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except web.HTTPRequestEntityTooLarge:
            self.counts["bad_request"] += 1
            return _json(_error(413, "M_TOO_LARGE", "needtoknow gate: request too large"))
        except web.HTTPException as exc:
            return _json(_error(exc.status, "M_UNRECOGNIZED", "needtoknow gate: unsupported request"))

    async def _body(self, request: web.Request) -> dict[str, Any] | None:
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    async def _ping(self, request: web.Request) -> web.Response:
        data = await self._body(request)
        if data is None:
            self.counts["bad_request"] += 1
            return _json(_error(400, "M_BAD_JSON", "needtoknow gate: the body must be a JSON object"))
        return web.json_response({"id": data.get("id"), "status": "ok"})

    async def _other_callback(self, request: web.Request) -> web.Response:
        # Only check_event_for_spam should be enabled in the module (docs/matrix.md); anything else
        # it forwards is allowed so a wider configuration never blocks joins, invites or logins.
        return web.json_response({})

    async def _check_event(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        data = await self._body(request)
        event = data.get("event") if data is not None else None
        if not isinstance(event, dict) or not isinstance(event.get("content", {}), dict):
            self.counts["bad_request"] += 1
            return _json(_error(400, "M_BAD_JSON", 'needtoknow gate: expected {"event": {...}}'))
        answer = await self.verdict(event, started)
        self.counts["allowed" if answer.allowed else "refused"] += 1
        # Counts only (never the room, sender or text): allow, block (refused for PII) or timeout (answered
        # per fail_open because the scan missed the deadline or failed).
        metrics.gate_verdict("timeout" if answer.timed_out else "allow" if answer.allowed else "block")
        self.verdict_ms.append((time.monotonic() - started) * 1000)
        return _json(answer)

    # -- the verdict -----------------------------------------------------------------------------
    async def verdict(self, event: Mapping[str, Any], started: float | None = None) -> Answer:
        """Allow or refuse one event, always within ``deadline_ms`` of ``started``."""
        started = time.monotonic() if started is None else started
        etype = event.get("type")
        content = event.get("content") or {}
        if etype == SELFTEST_TYPE:
            return self._self_test(content)
        sender, room_id = event.get("sender"), event.get("room_id")
        if etype != "m.room.message" or sender == self._bot or not isinstance(room_id, str):
            return ALLOW
        label = self._blocked.get(room_id)
        if label is None or not isinstance(sender, str):
            return ALLOW
        texts = texts_to_scan(content)
        if not texts:
            return ALLOW
        loop = asyncio.get_running_loop()
        deadline = started + self.settings.deadline_ms / 1000
        scan = loop.run_in_executor(self._pool, self._scan, texts)
        try:
            counts, redacted = await asyncio.wait_for(asyncio.shield(scan), max(0.0, deadline - time.monotonic()))
        except (TimeoutError, Exception) as exc:
            scan.add_done_callback(_quiet)
            if not isinstance(exc, TimeoutError):
                log.error("matrix gate: scan failed (%s)", safe_exception_summary(exc))
            self.counts["deadline"] += 1
            self._in_background(self._record_deadline, label)
            if self.settings.fail_open:
                return Answer(200, {}, timed_out=True)
            return Answer(403, {"errcode": "M_FORBIDDEN", "error": DEADLINE_REASON}, timed_out=True)
        if not counts:
            self._remember_clean(event.get("event_id"), content)
            return ALLOW
        from handlers.pii_guard import gate_refusal_reason

        record = loop.run_in_executor(
            self._pool,
            self._record_refusal,
            sender,
            room_id,
            label,
            str(event.get("event_id") or secrets.token_hex(8)),
            texts[0],
            redacted,
            counts,
            is_edit(content),
        )
        record.add_done_callback(_log_failure)
        # The refusal stands whatever happens; wait for the DM to be queued only within the deadline.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(record), max(0.0, deadline - time.monotonic()))
        log.info("matrix gate: refused a message (%s)", ", ".join(f"{k} {v}" for k, v in counts.items()))
        return _error(403, "M_FORBIDDEN", gate_refusal_reason(counts))

    def _remember_clean(self, event_id: object, content: Mapping[str, Any]) -> None:
        if not isinstance(event_id, str) or is_edit(content):
            return  # an edit must still reach the guard: it may clear an earlier warning
        with self._cleared_lock:
            self._cleared[event_id] = None
            while len(self._cleared) > CLEARED_MEMORY:
                self._cleared.pop(next(iter(self._cleared)))

    def already_checked(self, event_id: str) -> bool:
        """True once for a new message this gate scanned and let through as clean, when the guard has
        nothing else to do with it (no ``client_ref_pattern``): the adapter then skips the guard's
        second scan of the same text, which would otherwise compete with the gate for the engine.
        Messages that passed unscanned (encrypted, gate down or late, not a ``block`` room) are never
        in this set, so the guard still checks them."""
        settings = self._app.services.settings.get("pii_guard")
        if getattr(settings, "client_ref_pattern", ""):
            return False
        with self._cleared_lock:
            return self._cleared.pop(event_id, False) is None

    def _self_test(self, content: Mapping[str, Any]) -> Answer:
        nonce, signature = content.get("nonce"), content.get("signature")
        if (
            isinstance(nonce, str)
            and isinstance(signature, str)
            and 16 <= len(nonce) <= 128
            and hmac.compare_digest(signature, sign(self.settings.secret, "selftest", nonce))
        ):
            return Answer(
                403,
                {
                    "errcode": "M_FORBIDDEN",
                    "error": "needtoknow gate self-test: received (this event is never stored)",
                    PROOF_FIELD: sign(self.settings.secret, "proof", nonce),
                },
            )
        return _error(403, "M_FORBIDDEN", "needtoknow gate: not a valid self-test")

    def _scan(self, texts: list[str]) -> tuple[dict[str, int], str]:
        redactor = self._app.services.redactor_loader()
        counts: dict[str, int] = {}
        first = ""
        for i, text in enumerate(texts):
            result = redactor.redact(text)
            if i == 0:
                first = result.text
            for label, n in result.label_counts().items():
                counts[label] = max(counts.get(label, 0), n)
        return counts, first

    def _record_refusal(
        self,
        sender: str,
        room_id: str,
        label: str,
        event_id: str,
        text: str,
        redacted: str,
        counts: dict[str, int],
        edit: bool,
    ) -> None:
        from handlers.pii_guard import record_gate_refusal

        ctx = self._app.context(UserRef("matrix", sender))
        record_gate_refusal(
            ctx,
            channel=ChannelRef("matrix", room_id),
            channel_label=label,
            event_id=event_id,
            text=text,
            redacted=redacted,
            counts=counts,
            edit=edit,
            allow_as_is=self.settings.allow_post_as_is,
        )
        if self._main_loop is not None and not self._main_loop.is_closed():
            self._main_loop.call_soon_threadsafe(self._app.kick_outbox)

    def _record_deadline(self, label: str) -> None:
        from bot.context import Context
        from handlers.pii_guard import record_gate_deadline

        record_gate_deadline(Context(self._app.services), label, refused=not self.settings.fail_open)

    def _in_background(self, fn: Any, *args: Any) -> None:
        try:
            self._pool.submit(fn, *args).add_done_callback(_log_failure)
        except RuntimeError:  # shutting down
            pass


def _json(answer: Answer) -> web.Response:
    return web.json_response(answer.body, status=answer.status)


def _quiet(fut: Any) -> None:
    with contextlib.suppress(BaseException):
        fut.exception()


def _log_failure(fut: Any) -> None:
    try:
        exc = fut.exception()
    except BaseException:
        return
    if exc is not None:
        log.error("matrix gate: recording a verdict failed (%s)", type(exc).__name__)


# -- checks for `needtoknow doctor` ---------------------------------------------------------------
def _post(url: str, body: dict[str, Any], token: str | None, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310 - http(s) from config
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, dict(json.loads(resp.read() or b"{}"))
    except urllib.error.HTTPError as err:
        try:
            return err.code, dict(json.loads(err.read() or b"{}"))
        except ValueError:
            return err.code, {}


def ping_gate(settings: GateSettings) -> tuple[bool, str]:
    """Does the gate answer the module's ping with our secret (and refuse a wrong one)?"""
    nonce = secrets.token_hex(8)
    try:
        status, body = _post(f"{settings.base_url}/ping", {"id": nonce}, settings.secret)
    except (urllib.error.URLError, OSError) as exc:
        return False, f"nothing answers at {settings.base_url} ({type(exc).__name__}): is `needtoknow run` running?"
    if status != 200 or body.get("id") != nonce or body.get("status") != "ok":
        return False, f"{settings.base_url} answered the ping with {status}: is another program on that port?"
    bad, _ = _post(f"{settings.base_url}/ping", {"id": nonce}, "wrong-" + secrets.token_hex(8))
    if bad != 401:
        return False, f"{settings.base_url} accepted a wrong secret"
    return True, f"answers at {settings.base_url} and refuses a wrong secret"


def self_test_through_homeserver(homeserver: str, access_token: str, settings: GateSettings) -> tuple[bool, str]:
    """Send a signed self-test event as the bot through the homeserver: only a homeserver whose module
    forwards ``check_event_for_spam`` to this gate (with our secret) returns the gate's signed proof.

    The event goes to a fresh private room that is left and forgotten afterwards; a correctly
    configured homeserver never stores it.
    """
    api = homeserver.rstrip("/") + "/_matrix/client/v3"
    status, room = _post(
        f"{api}/createRoom",
        {"preset": "private_chat", "name": "needtoknow gate self-test", "visibility": "private"},
        access_token,
    )
    room_id = room.get("room_id")
    if status != 200 or not isinstance(room_id, str):
        return False, f"could not create a self-test room as the bot ({status} {room.get('errcode', '')})"
    quoted = urllib.parse.quote(room_id, safe="")
    try:
        nonce = secrets.token_hex(16)
        content = {"nonce": nonce, "signature": sign(settings.secret, "selftest", nonce)}
        req = urllib.request.Request(  # noqa: S310
            f"{api}/rooms/{quoted}/send/{SELFTEST_TYPE}/{secrets.token_hex(8)}",
            data=json.dumps(content).encode(),
            method="PUT",
        )
        req.add_header("Authorization", f"Bearer {access_token}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310
                resp.read()
            return False, (
                "the homeserver stored the self-test event: its spam-checker module is not configured "
                "(add synapse_http_antispam to homeserver.yaml, docs/matrix.md)"
            )
        except urllib.error.HTTPError as err:
            status = err.code
            try:
                body = dict(json.loads(err.read() or b"{}"))
            except ValueError:
                body = {}
        if body.get(PROOF_FIELD) == sign(settings.secret, "proof", nonce):
            return True, "the homeserver asks this gate before storing events (signed self-test answered)"
        code = body.get("errcode")
        if code == "M_UNAUTHORIZED":
            return False, f"the homeserver's module uses a different secret than {ENV_SECRET}"
        if code == "M_UNKNOWN":
            return False, (
                f"the homeserver's module cannot reach the gate: set its base_url to {settings.base_url} "
                "(no trailing slash) and check the gate is running"
            )
        return False, f"the homeserver refused the self-test without the gate's proof ({status} {code})"
    finally:
        for step in ("leave", "forget"):
            with contextlib.suppress(Exception):
                _post(f"{api}/rooms/{quoted}/{step}", {}, access_token)


# YAML (``key: value``) or JSON (``"key": "value",``), which is valid YAML too.
_RETENTION = re.compile(r'^\s*"?redaction_retention_period"?\s*:\s*(?P<value>[^#\n,]*)', re.MULTILINE)
_SEARCH = re.compile(r'^\s*"?enable_search"?\s*:\s*(?P<value>[^#\n,]*)', re.MULTILINE)
_DURATION = re.compile(r"^(?P<n>\d+)\s*(?P<unit>ms|s|m|h|d|w|y)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000, None: 0.001}
LONG_RETENTION_SECONDS = 86400


def homeserver_config_findings(path: str, settings: GateSettings) -> list[tuple[bool, str]]:
    """What ``doctor`` can tell from ``homeserver.yaml`` when it can read it: a long (or default, or
    disabled) ``redaction_retention_period`` and whether the module's lines are there.

    Read with a few anchored patterns, not a YAML parser: the bot does not depend on PyYAML, and only
    top-level scalars and the module's name are looked at.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        return [(False, f"cannot read {path} ({type(exc).__name__}); retention not checked")]
    findings: list[tuple[bool, str]] = []
    m = _RETENTION.search(text)
    raw = (m["value"].strip().strip("'\"") if m else "").lower()
    if not m:
        findings.append((False, "redaction_retention_period is not set: Synapse keeps redacted text 7 days; set 1h"))
    elif raw in ("null", "~", ""):
        findings.append((False, "redaction_retention_period is null: redacted text is kept forever; set 1h"))
    else:
        d = _DURATION.match(raw)
        seconds = int(d["n"]) * _UNIT_SECONDS[d["unit"]] if d else None
        if seconds is None:
            findings.append((False, f"redaction_retention_period {raw!r} not understood; use e.g. 1h"))
        elif seconds > LONG_RETENTION_SECONDS:
            findings.append((False, f"redaction_retention_period {raw} is long: redacted text stays on the server; set 1h"))
        else:
            findings.append((True, f"redaction_retention_period {raw}"))
    search = _SEARCH.search(text)
    if search is None or search["value"].strip().strip("'\"").lower() not in ("false", "no", "off"):
        findings.append((False, "enable_search is on: text that gets past the gate stays in event_search after redaction"))
    else:
        findings.append((True, "enable_search false"))
    if "synapse_http_antispam.HTTPAntispam" not in text:
        findings.append((False, "no synapse_http_antispam.HTTPAntispam module in the file"))
    elif settings.base_url not in text:
        findings.append((False, f"the module's base_url should be {settings.base_url}"))
    else:
        findings.append((True, f"module synapse_http_antispam.HTTPAntispam with base_url {settings.base_url}"))
    return findings
