"""A local stand-in for the Slack Web API (and the Socket Mode websocket), in the style of
bolt-python's ``tests/mock_web_api_server``: a real aiohttp server on 127.0.0.1 with an ephemeral
port, running in its own thread and event loop, that records every call and answers like Slack.

Point ``AsyncWebClient(base_url=stand_in.base_url)`` (``[slack] api_base_url``) at it.

Knobs:
* ``fail(method, status=429, retry_after=1, times=1)`` — answer HTTP errors before succeeding;
* ``outage(method, seconds, status=503 | 429 | None, retry_after=None, hang=...)`` — for a time window
  every call to ``method`` (``"*"``: every method) fails: an HTTP status (429 with ``Retry-After``), or,
  with ``status=None``, no answer for ``hang`` seconds (the client times out);
* ``teams[user] = "T..."`` — ``users.info`` answers this team (Slack Connect: another organisation);
* ``errors[method] = "code"`` — answer ``{"ok": false, "error": code}`` every time;
* ``lose_answers(method, times=1, status=503)`` — the next ``times`` calls to ``method`` take effect (the
  message is posted, deleted, ...) but the answer is lost: the client gets an HTTP error instead
  (``call.response`` keeps what Slack did, with ``"lost": True``);
* ``chat.delete`` of a message deleted before answers ``message_not_found``, as Slack does;
* ``admin_tokens`` — tokens allowed to ``chat.delete`` other people's messages;
* ``channel_members[channel] = [...]`` — for ``conversations.members`` (paginated by 2 here);
* ``private_channels[name]`` — channels made by ``conversations.create`` (``id``, ``name``, ``creator``,
  ``is_private``, ``is_archived``); a name in it is ``name_taken``, archived or not, whoever made it, as on
  Slack; the bot's own (it is in ``channel_members``) are listed by ``conversations.list``;
  ``conversations.invite`` adds to ``channel_members``;
* ``not_in_channels`` — channels where ``chat.postEphemeral`` answers ``channel_not_found``;
* ``push(envelope)`` — send a Socket Mode envelope to the connected client; ``acks`` records replies.
* ``grant_code(team_id)`` — what Slack's authorize page hands the browser after an admin of that workspace
  approves the install: a one-time code that ``oauth.v2.access`` (client id and secret as HTTP Basic,
  ``CLIENT_ID`` / ``CLIENT_SECRET``) exchanges for that workspace's bot token (``installed_token(team)``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-bot-token"
ADMIN_TOKEN = "xoxp-test-admin-token"
APP_TOKEN = "xapp-test-app-token"
CLIENT_ID = "1234.5678"
CLIENT_SECRET = "test-client-secret-0123456789"


def installed_token(team_id: str) -> str:
    """The bot token ``oauth.v2.access`` hands out for a workspace."""
    return f"xoxb-installed-{team_id.lower()}"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)
    #: What the stand-in answered (``ts`` of a posted message, ``channel`` of an opened DM, ...).
    response: dict[str, Any] = field(default_factory=dict)


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: dict[str, str] = {}
        #: Seconds a successful call to a method takes (a slow Web API: handlers still running when a
        #: replica is stopped or killed).
        self.delays: dict[str, float] = {}
        self.admin_tokens: set[str] = {ADMIN_TOKEN}
        self.channel_members: dict[str, list[str]] = {}
        self.private_channels: dict[str, dict[str, Any]] = {}
        self.not_in_channels: set[str] = set()
        self.acks: list[dict[str, Any]] = []
        self.socket_connected = threading.Event()
        self._failures: dict[str, list[tuple[int, int | None]]] = {}
        self._lost: dict[str, list[int]] = {}
        #: (channel, ts) of every message ``chat.delete`` removed.
        self.deleted: set[tuple[str, str]] = set()
        self._outages: list[tuple[str, float, int | None, int | None, float]] = []
        self.teams: dict[str, str] = {}
        self.team_id = "T0TEST"
        self.enterprise_id: str | None = None
        self.oauth_codes: dict[str, str] = {}  # one-time code -> team id
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ws: web.WebSocketResponse | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="slack-stand-in")
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def _start(self) -> None:
        application = web.Application()
        application.router.add_route("*", "/api/{method}", self._api)
        application.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test helpers ---------------------------------------------------------------------------------

    def fail(self, method: str, *, status: int = 429, retry_after: int | None = 1, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, retry_after)] * times)

    def lose_answers(self, method: str, *, times: int = 1, status: int = 503) -> None:
        """The next ``times`` calls to ``method`` take effect, and their answer is lost (``status``)."""
        with self._lock:
            self._lost.setdefault(method, []).extend([status] * times)

    def outage(self, method: str, seconds: float, *, status: int | None = 503, retry_after: int | None = None,
               hang: float = 30.0) -> None:
        """From now on, for ``seconds``, every call to ``method`` ("*" for all) fails (see module doc)."""
        with self._lock:
            self._outages.append((method, time.monotonic() + seconds, status, retry_after, hang))

    def end_outages(self) -> None:
        with self._lock:
            self._outages.clear()

    def _outage_for(self, method: str) -> tuple[int | None, int | None, float] | None:
        now = time.monotonic()
        for name, until, status, retry_after, hang in self._outages:
            if name in (method, "*") and now < until:
                return status, retry_after, hang
        return None

    def grant_code(self, team_id: str) -> str:
        code = f"code-{team_id}-{next(self._ts)}"
        with self._lock:
            self.oauth_codes[code] = team_id
        return code

    def _oauth_v2_access(self, authorization: str, args: dict[str, Any]) -> dict[str, Any]:
        import base64

        try:
            client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            client_id, secret = str(args.get("client_id", "")), str(args.get("client_secret", ""))
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return {"ok": False, "error": "invalid_client"}
        with self._lock:
            team = self.oauth_codes.pop(str(args.get("code", "")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0TEST", "access_token": installed_token(team), "token_type": "bot",
                "scope": "commands,chat:write,im:write", "bot_user_id": f"UBOT{team}",
                "team": {"id": team, "name": f"Workspace {team}"}, "enterprise": None,
                "authed_user": {"id": f"UADMIN{team}"}, "is_enterprise_install": False}

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}")

    def push(self, envelope: dict[str, Any]) -> None:
        assert self._ws is not None, "no Socket Mode client connected"
        asyncio.run_coroutine_threadsafe(self._ws.send_str(json.dumps(envelope)), self._loop).result(5)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.acks.clear()

    # --- server side ----------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(dict(parse_qsl(body.decode())))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.pop("token", None)
        call = Call(method, args, token)
        with self._lock:
            self.calls.append(call)
            queue = self._failures.get(method)
            failure = queue.pop(0) if queue else None
            outage = self._outage_for(method)
        if outage is not None:
            status, retry_after, hang = outage
            call.response = {"ok": False, "error": "outage"}
            if status is None:
                await asyncio.sleep(hang)  # no answer: the client's timeout fires first
                return web.json_response({"ok": False, "error": "request_timeout"}, status=504)
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if status == 429 else "service_unavailable"}
            return web.json_response(body, status=status, headers=headers)
        if method == "oauth.v2.access":  # client credentials, not a token
            call.response = self._oauth_v2_access(auth, args)
            return web.json_response(call.response)
        if failure is not None:
            status, retry_after = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"}
            return web.json_response(body, status=status, headers=headers)
        if token is None or not token.startswith(("xoxb-", "xoxp-", "xapp-")):
            return web.json_response({"ok": False, "error": "not_authed"})
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        delay = self.delays.get(method, 0.0)
        if delay:
            await asyncio.sleep(delay)
        call.response = self._answer(method, args, token)
        with self._lock:
            lost = self._lost.get(method)
            lost_status = lost.pop(0) if lost else None
        if lost_status is not None:
            call.response = {**call.response, "lost": True}
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=lost_status)
        return web.json_response(call.response)

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        ts = f"{1700000000 + next(self._ts)}.000100"
        if method == "auth.test":
            answer = {"ok": True, "url": "https://ntk-test.slack.com/", "team": "Test", "user": "needtoknow",
                      "team_id": self.team_id, "user_id": "UBOT", "bot_id": "BBOT"}
            if self.enterprise_id:
                answer["enterprise_id"] = self.enterprise_id
            return answer
        if method == "users.info":
            user = str(args.get("user", ""))
            team = self.teams.get(user, self.team_id)
            return {"ok": True, "user": {"id": user, "team_id": team, "is_stranger": team != self.team_id}}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        if method == "chat.postEphemeral":
            if args.get("channel") in self.not_in_channels:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "message_ts": ts}
        if method == "chat.delete":
            if token not in self.admin_tokens:
                return {"ok": False, "error": "cant_delete_message"}
            message = (str(args.get("channel")), str(args.get("ts")))
            with self._lock:
                if message in self.deleted:
                    return {"ok": False, "error": "message_not_found"}
                self.deleted.add(message)
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).lstrip("U")}}
        if method in ("views.open", "views.publish"):
            if args.get("trigger_id") == "expired":
                return {"ok": False, "error": "expired_trigger_id"}
            return {"ok": True, "view": {"id": "V" + ts.replace(".", "")}}
        if method == "conversations.members":
            members = self.channel_members.get(str(args.get("channel")), [])
            start = int(args.get("cursor") or 0)
            page = members[start : start + 2]
            nxt = str(start + 2) if start + 2 < len(members) else ""
            return {"ok": True, "members": page, "response_metadata": {"next_cursor": nxt}}
        if method == "conversations.create":
            name = str(args.get("name"))
            with self._lock:
                if name in self.private_channels:
                    return {"ok": False, "error": "name_taken"}
                made = {"id": "G" + ts.replace(".", "")[-9:], "name": name, "creator": "UBOT",
                        "is_private": True, "is_archived": False}
                self.private_channels[name] = made
                self.channel_members[made["id"]] = ["UBOT"]
            return {"ok": True, "channel": dict(made)}
        if method == "conversations.invite":
            channel = str(args.get("channel"))
            with self._lock:
                present = self.channel_members.setdefault(channel, [])
                present.extend(u for u in str(args.get("users", "")).split(",") if u and u not in present)
            return {"ok": True, "channel": {"id": args.get("channel")}}
        if method == "conversations.list":
            with self._lock:
                mine = [dict(c) for c in self.private_channels.values()
                        if "UBOT" in self.channel_members.get(c["id"], [])
                        and not (c["is_archived"] and str(args.get("exclude_archived")).lower() in ("1", "true"))]
            return {"ok": True, "channels": mine, "response_metadata": {"next_cursor": ""}}
        return {"ok": True}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.socket_connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                with self._lock:
                    self.acks.append(json.loads(msg.data))
        return ws
