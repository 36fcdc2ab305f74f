"""``SlackPlatform``: the neutral ``ChatPlatform`` on Slack's Web API, and the Bolt app that turns
Slack payloads into neutral events.

Every inbound request is acknowledged first (Slack allows 3 seconds) and the core is called from a
Bolt lazy listener afterwards; modals are opened with the trigger id as soon as the core asks. No
task-force logic lives here: which command does what, who may see what, is the handlers' business.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
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
from bot.platform import Capability, ChannelRef, CoreApp, Message, MessageRef, PlatformError, UserRef
from bot.slack import blocks
from bot.slack.safety import SeenKeys, sdk_logger
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)

PLATFORM = "slack"

#: Error codes worth retrying later (the call itself already retried 429/5xx/connection errors).
_TRANSIENT_CODES = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
#: Codes that mean "not allowed" for chat.delete: the handler's fallback runs instead.
_CANNOT_DELETE = {"cant_delete_message", "message_not_found", "not_authed", "invalid_auth", "missing_scope",
                  "no_permission", "restricted_action", "channel_not_found", "not_in_channel",
                  "account_inactive", "token_revoked"}
#: Codes after which an ephemeral message goes to the member's DM instead.
_EPHEMERAL_FALLBACK = {"user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived"}

ClaimHook = Callable[[str], Awaitable[bool]]

#: How many inbound events the core handles at once. The core's handlers do their database work
#: synchronously on the event loop; with 50 requests at once, 50 interleaved handlers kept the loop
#: busy and acks waited behind them (p99 > 500 ms). A few at a time (in arrival order) leaves the loop
#: free between their steps to answer Slack inside its 3 seconds.
HANDLER_CONCURRENCY = 2


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


def _user(user_id: str) -> UserRef:
    return UserRef(PLATFORM, user_id)


class SlackPlatform:
    """The Slack adapter: outbound ``ChatPlatform`` calls plus ``run(app)`` for inbound payloads."""

    name = PLATFORM

    def __init__(
        self,
        settings: SlackSettings,
        *,
        installation_store: Any = None,
        oauth_state_store: Any = None,
        claim: ClaimHook | None = None,
    ) -> None:
        self.settings = settings
        self._logger = sdk_logger()
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_base_url,
            retry_handlers=retry_handlers(settings.max_retries),
            logger=self._logger,
        )
        self.admin_client: AsyncWebClient | None = None
        if settings.admin_user_token:
            self.admin_client = AsyncWebClient(
                token=settings.admin_user_token,
                base_url=settings.api_base_url,
                retry_handlers=retry_handlers(settings.max_retries),
                logger=self._logger,
            )
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
        self._claim = claim
        self._events_seen = SeenKeys(ttl=3600)
        self._signatures_seen = SeenKeys(ttl=330)  # the 5-minute signature window plus clock skew
        self._dm_channels: dict[str, str] = {}
        self._team_of: dict[str, str] = {}  # user/channel id -> team id (multi-workspace token lookup)
        self._core: CoreApp | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handler_slots = asyncio.Semaphore(HANDLER_CONCURRENCY)
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self.port: int | None = None
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

    async def post(
        self, channel: ChannelRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        # Slack's Web API has no idempotency key for chat.postMessage: the key is accepted and ignored
        # (docs/architecture.md states what a member may see twice).
        resp = await self._call(
            "chat.postMessage", channel=channel.id, **blocks.message_payload(message), unfurl_links=False
        )
        return MessageRef(channel, str(resp.get("ts", "")))

    async def send_dm(
        self, user: UserRef, message: Message | str, *, idempotency_key: str | None = None
    ) -> MessageRef:
        channel = await self._dm_channel(user)
        return await self.post(channel, message)

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Message | str) -> None:
        if channel.is_direct:
            # Possibly a DM between two other people (a slash command typed there): answer in ours.
            await self.send_dm(user, message)
            return
        try:
            await self._call(
                "chat.postEphemeral", channel=channel.id, user=user.id, **blocks.message_payload(message)
            )
        except _ApiFailure as failure:
            if failure.code not in _EPHEMERAL_FALLBACK:
                raise failure.as_platform_error() from None
            # The bot is not in that channel (a private channel where a slash command was typed):
            # the member still gets the answer, privately, in their DM.
            await self.send_dm(user, message)

    async def redact(self, message: MessageRef, reason: str) -> bool:
        """Delete with the admin user token; without one, report that we cannot (never raise)."""
        if self.admin_client is None:
            return False
        try:
            await self._call("chat.delete", client=self.admin_client, channel=message.channel.id, ts=message.id)
        except _ApiFailure as failure:
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

    async def create_private_channel(self, name: str, members: Sequence[UserRef]) -> ChannelRef:
        base = _channel_name(name)
        channel_id = ""
        for attempt in range(10):
            candidate = base if attempt == 0 else f"{base[:76]}-{attempt + 1}"
            try:
                resp = await self._call("conversations.create", name=candidate, is_private=True)
            except _ApiFailure as failure:
                if failure.code == "name_taken":
                    continue
                raise failure.as_platform_error() from None
            channel_id = str((resp.get("channel") or {}).get("id", ""))
            break
        if not channel_id:
            raise PlatformError("slack conversations.create failed: name_taken", transient=False)
        ids = [m.id for m in members if m.platform == PLATFORM]
        for start in range(0, len(ids), 1000):
            try:
                await self._call("conversations.invite", channel=channel_id, users=",".join(ids[start : start + 1000]))
            except _ApiFailure as failure:
                if failure.code not in ("already_in_channel", "cant_invite_self"):
                    raise failure.as_platform_error() from None
        return _channel(channel_id, direct=False)

    async def publish_home(self, user: UserRef, summary: str) -> None:
        await self._call("views.publish", user_id=user.id, view=blocks.home_view(summary))

    async def _dm_channel(self, user: UserRef) -> ChannelRef:
        cached = self._dm_channels.get(user.id)
        if cached is None:
            resp = await self._call("conversations.open", users=user.id)
            cached = str((resp.get("channel") or {}).get("id", ""))
            if not cached:
                raise PlatformError("slack conversations.open failed: no channel", transient=True)
            self._dm_channels[user.id] = cached
        return _channel(cached, direct=True)

    async def _call(self, method: str, *, client: AsyncWebClient | None = None, **kwargs: Any) -> AsyncSlackResponse:
        """One Web API call. Retries (429 with Retry-After, 5xx, dropped connections) happen inside
        the client; what still fails becomes ``_ApiFailure`` carrying only the method and the error
        code — never the request or response, which may contain message text."""
        client = client or self.client
        token = None if client is not self.client else await self._token_for(kwargs)
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
            failure = _ApiFailure(method, code, transient)
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = _ApiFailure(method, type(exc).__name__, True)
        level = logging.WARNING if failure.transient else logging.ERROR
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
        """Connect (Socket Mode) or start listening (HTTP mode); returns once ready."""
        self._core = app
        first_time = getattr(app, "first_time", None)
        if self._claim is None and callable(first_time):
            # The core's processed_events table: a retry is skipped on every replica, after restarts.
            def claim_sync(key: str) -> bool:
                platform, _, event_id = key.partition(":")
                return bool(first_time(platform, event_id))

            async def claim(key: str) -> bool:
                return await asyncio.to_thread(claim_sync, key)

            self._claim = claim
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

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.session.close() if self.client.session else None

    async def run(self, app: CoreApp) -> None:
        """Serve until cancelled (``needtoknow run``)."""
        await self.start(app)
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    def web_app(self) -> web.Application:
        """The aiohttp application for HTTP mode: Slack's request URL, OAuth routes, a health check."""
        application = web.Application(client_max_size=1024 * 1024)
        application.router.add_post(self.settings.path, self._handle_http)
        application.router.add_get("/healthz", _healthz)
        flow = self.bolt.oauth_flow
        if flow is not None:
            application.router.add_get(flow.install_path, self._handle_oauth)
            application.router.add_get(flow.redirect_uri_path, self._handle_oauth)
        return application

    async def _handle_http(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

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
            "request_verification_enabled": http,
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
            kwargs["client"] = self.client
        bolt = AsyncApp(**kwargs)
        bolt.middleware(self._once_only)

        bolt.command(re.compile(r"^/"))(ack=self._ack_command, lazy=[self._on_command])
        bolt.action(re.compile(r".*"))(ack=_ack, lazy=[self._on_action])
        bolt.view_submission(re.compile(r".*"))(ack=self._ack_view, lazy=[self._on_view])
        bolt.view_closed(re.compile(r".*"))(_ack)
        bolt.event("message")(ack=_ack, lazy=[self._on_message])
        bolt.event("member_joined_channel")(ack=_ack, lazy=[self._on_member_joined])
        bolt.event("app_home_opened")(ack=_ack, lazy=[self._on_home_opened])
        return bolt

    async def _once_only(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Runs after signature verification: drop exact replays of a signed request, and events whose
        id we already handled (Slack retries when our 200 was late; both carry the same event id)."""
        signature = req.headers.get("x-slack-signature", [""])[0]
        if signature and not self._signatures_seen.first_time(signature):
            log.warning("slack: rejected a replayed request")
            return BoltResponse(status=401, body={"error": "invalid request"})
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if isinstance(event_id, str) and event_id:
            first = self._events_seen.first_time(event_id)
            if first and self._claim is not None:
                first = await self._claim(f"slack:{event_id}")
            if not first:
                log.info("slack: skipped duplicate delivery of event %s", event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None

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
        # An empty ack shows nothing in the channel: the command text (maybe a tip) is never echoed.
        if self._neutral_command(str(body.get("command", ""))) is None:
            await ack(text="needtoknow does not know this command.")
            return
        await ack()

    async def _on_command(self, body: Mapping[str, Any]) -> None:
        name = self._neutral_command(str(body.get("command", "")))
        if name is None:
            return
        user_id, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        self._remember_team(body, user_id, channel_id)
        event = CommandInvoked(
            user=_user(user_id),
            channel=_channel(channel_id, direct=body.get("channel_name") == "directmessage" or None),
            name=name,
            args=blocks.plain_text(str(body.get("text") or "")).strip(),
            trigger=body.get("trigger_id") or None,
        )
        await self._dispatch(event)

    async def _on_action(self, body: Mapping[str, Any]) -> None:
        actions = body.get("actions") or []
        if not actions:
            return
        action = actions[0]
        action_id = blocks.neutral_action_id(str(action.get("action_id", "")))
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        user = _user(str((body.get("user") or {}).get("id", "")))
        channel_data = body.get("channel") or {}
        channel_id = str(channel_data.get("id") or (body.get("container") or {}).get("channel_id") or "")
        self._remember_team(body, user.id, channel_id)
        trigger = body.get("trigger_id") or None
        if action_id == blocks.OPEN_FORM_ACTION:
            parsed = blocks.parse_open_form_value(value)
            if parsed is not None:
                form = self._core_app().build_form(parsed[0], user, parsed[1])
                await self.open_form(user, form, trigger=trigger)
            return
        if not channel_id:
            return  # a press inside a modal: our modals have no buttons
        channel = _channel(channel_id, direct=channel_data.get("name") == "directmessage" or None)
        ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
        await self._dispatch(
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
        user = _user(str((body.get("user") or {}).get("id", "")))
        context, channel_id = blocks.view_metadata(view)
        form = self._core_app().build_form(str(view.get("callback_id", "")), user, context)
        return user, form, blocks.raw_answers(form, view), context, channel_id

    async def _ack_view(self, ack: Callable[..., Awaitable[None]], body: Mapping[str, Any]) -> None:
        """Validate inside the 3 seconds (``Form.validate`` is pure) so errors show next to the fields."""
        try:
            _, form, raw, _, _ = self._submitted(body)
        except Exception as exc:  # unknown or retired form: close the modal, the lazy part explains
            log.warning("slack: could not rebuild a submitted form: %s", type(exc).__name__)
            await ack()
            return
        try:
            form.validate(raw)
        except FormInvalid as invalid:
            await ack(response_action="errors", errors=blocks.view_errors(form, invalid.errors))
            return
        await ack()

    async def _on_view(self, body: Mapping[str, Any]) -> None:
        try:
            user, form, raw, context, channel_id = self._submitted(body)
            form.validate(raw)
        except FormInvalid:
            return  # already answered in the ack, next to the fields
        except Exception:
            user_id = str((body.get("user") or {}).get("id", ""))
            await self.send_dm(_user(user_id), "That form is no longer active. Please start again.")
            return
        self._remember_team(body, user.id, channel_id)
        channel = _channel(channel_id) if channel_id else None
        async with self._handler_slots:
            errors = await self._core_app().submit_form(user, form.form_id, raw, context=context,
                                                        channel=channel)
        if errors:
            # The modal is closed by now; the member learns which fields to fix (messages never
            # repeat the submitted values).
            lines = "\n".join(f"• {form.field(k).label if k in {f.key for f in form.fields} else k}: {m}"
                              for k, m in errors.items())
            await self.send_dm(user, f"Your {form.title} form was not saved:\n{lines}")

    async def _on_message(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        subtype = event.get("subtype")
        channel_id = str(event.get("channel", ""))
        channel = _channel(channel_id, direct=event.get("channel_type") == "im")
        if subtype in (None, "thread_broadcast", "file_share", "me_message"):
            if event.get("bot_id") or not event.get("user"):
                return
            self._remember_team(body, str(event["user"]), channel_id)
            await self._dispatch(
                MessagePosted(
                    user=_user(str(event["user"])),
                    channel=channel,
                    message=MessageRef(channel, str(event.get("ts", ""))),
                    text=blocks.plain_text(str(event.get("text") or "")),
                )
            )
        elif subtype == "message_changed":
            new = event.get("message") or {}
            old = event.get("previous_message") or {}
            if new.get("bot_id") or not new.get("user"):
                return
            if new.get("text") == old.get("text") and "previous_message" in event:
                return  # an unfurl or reaction update, not an edit of the words
            await self._dispatch(
                MessageEdited(
                    user=_user(str(new["user"])),
                    channel=channel,
                    message=MessageRef(channel, str(new.get("ts", ""))),
                    text=blocks.plain_text(str(new.get("text") or "")),
                )
            )

    async def _on_member_joined(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        await self._dispatch(
            MemberJoined(user=_user(str(event.get("user", ""))), channel=_channel(str(event.get("channel", ""))))
        )

    async def _on_home_opened(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = _user(str(event.get("user", "")))
        self._remember_team(body, user.id)
        await self._dispatch(HomeOpened(user=user))
        summarise = getattr(self._core_app(), "home_summary", None)
        if summarise is not None:
            async with self._handler_slots:
                summary = summarise(user)
                if inspect.isawaitable(summary):
                    summary = await summary
            await self.publish_home(user, str(summary))

    async def _dispatch(self, event: Event) -> None:
        try:
            async with self._handler_slots:
                await self._core_app().dispatch(event)
        except PlatformError as exc:
            log.error("slack: %s failed: %s", type(event).__name__, exc)
        except Exception as exc:  # never let handler text reach Bolt's logger
            log.error("slack: handler for %s raised %s", type(event).__name__, type(exc).__name__)


class _ApiFailure(PlatformError):
    """A Web API call failed after the client's retries. Carries only the method and error code."""

    def __init__(self, method: str, code: str, transient: bool) -> None:
        super().__init__(f"slack {method} failed: {code}", transient=transient)
        self.method = method
        self.code = code

    def as_platform_error(self) -> PlatformError:
        return PlatformError(str(self), transient=self.transient)


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
