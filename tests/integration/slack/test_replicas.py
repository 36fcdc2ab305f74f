"""Two `needtoknow run` replicas in Slack HTTP mode on one PostgreSQL database behind a round-robin proxy.

500 signed message events (PII in a `warn` channel, so each handled event is one visible warning) and
100 slash commands (80 `/preview`, 20 one-line `/tip`s, sent once their writer presses Send, whose
acknowledgement reminders fall due a minute later) go through the proxy to both replicas: each event and
command is handled exactly once, each tip reaches the point person once and each reminder is sent once
(the schedule is claimed with SKIP LOCKED across replicas).

Slack retrying events to the other replica while the first delivery is handled is handled once too.
Stopping one replica mid-run loses nothing, whether it is stopped with SIGTERM and a drain deadline too
short for the handlers in progress (slow Web API) or killed with SIGKILL: everything it acknowledged was
in the inbox first, its unstarted rows are handed back at once (SIGTERM) and the rest is taken over by the
other replica when the lease (5 s here) expires. Each event and command is then handled at least once,
and more than once only for rows that were taken over (``attempts`` >= 2 in the inbox): the duplicate a
member may see is the one docs/architecture.md states (a second warning or answer when the stopped
replica had already sent it but not yet marked its row done).

The proxy behaves like Slack plus a load balancer: it sends each request to the next replica and, when
a replica refuses the connection or answers 5xx, to the other one (Slack retries a delivery that did
not get a 200). ``NEEDTOKNOW_REPLICA_LOAD=events,previews,tips,retried`` scales the run.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from tests.integration.local_http import free_port, get
from tests.integration.slack.conftest import SIGNING_SECRET, signed
from tests.integration.slack.mock_web_api import BOT_TOKEN, SlackStandIn

ROOT = Path(__file__).resolve().parents[3]
PG_URL = os.environ.get("NEEDTOKNOW_TEST_DATABASE_URL")
_SCALE = [int(x) for x in os.environ.get("NEEDTOKNOW_REPLICA_LOAD", "500,80,20,50").split(",")]
EVENTS, PREVIEWS, TIPS, RETRIED = _SCALE  # events, /preview commands, /tip commands, events Slack retries

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="needs NEEDTOKNOW_TEST_DATABASE_URL (PostgreSQL)"),
]


class RoundRobinProxy:
    """A tiny load balancer in its own thread: next backend per request, the other one on failure."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.sent: dict[str, int] = {b: 0 for b in backends}
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def start(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        start = self._next
        self._next += 1
        for attempt in range(len(self.backends) * 2):
            backend = self.backends[(start + attempt) % len(self.backends)]
            try:
                async with self._session.post(backend + request.path_qs, data=body, headers=headers) as resp:
                    if resp.status >= 500:
                        continue
                    self.sent[backend] += 1
                    return web.Response(status=resp.status, body=await resp.read())
            except (TimeoutError, aiohttp.ClientConnectionError):
                await asyncio.sleep(0.05)
        return web.Response(status=503)


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql)


@pytest.fixture
def database() -> Iterator[str]:
    name = f"ntk_infra_replicas_{uuid.uuid4().hex[:8]}"
    _psql(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]  # type: ignore[union-attr]
    try:
        yield f"{base}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _config(tmp: Path, url: str, keyfile: Path, port: int, ops: int, standin: SlackStandIn) -> Path:
    cfg = tmp / f"replica-{port}.toml"
    cfg.write_text(
        "[bot]\nplatform = \"slack\"\n"
        f"[database]\nurl = \"{url}\"\n"
        f"[security]\nkey_file = \"{keyfile}\"\n"
        # A drain deadline shorter than the handlers in progress when a replica is stopped (slow Web API).
        "[scheduler]\nsweep_seconds = 2\noutbox_seconds = 1\nshutdown_grace_seconds = 0.5\n"
        f"[ops]\nlisten = \"127.0.0.1:{ops}\"\n"
        f"[slack]\nmode = \"http\"\nhost = \"127.0.0.1\"\nport = {port}\napi_base_url = \"{standin.base_url}\"\n"
        "event_lease_seconds = 5\ninbox_sweep_seconds = 1\n"
        "[tips]\nack_reminder_minutes = 1\nescalate_minutes = 30\n"
        "[[agencies]]\nkey = \"hsi\"\nname = \"HSI\"\nkind = \"law_enforcement\"\n"
        "[[agencies]]\nkey = \"safe\"\nname = \"Safe Haven\"\nkind = \"victim_services\"\n"
        "[[members]]\nhandle = \"vera\"\nname = \"Vera P\"\nagency = \"hsi\"\ndiscipline = \"law_enforcement\"\n"
        "roles = [\"point_person\"]\nslack_id = \"U0VERA\"\n"
        "[[members]]\nhandle = \"dan\"\nname = \"Dan C\"\nagency = \"hsi\"\ndiscipline = \"law_enforcement\"\n"
        "slack_id = \"U0DAN\"\n"
        "[[members]]\nhandle = \"alice\"\nname = \"Alice B\"\nagency = \"hsi\"\ndiscipline = \"law_enforcement\"\n"
        "slack_id = \"U0ALICE\"\n"
        "[[members]]\nhandle = \"nina\"\nname = \"Nina S\"\nagency = \"safe\"\ndiscipline = \"community_advocate\"\n"
        "slack_id = \"U0NINA\"\n"
        "[[channels]]\nname = \"core-team\"\npii_policy = \"warn\"\nslack_id = \"C0CORE\"\n"
    )
    return cfg


def _event(i: int) -> str:
    return json.dumps({
        "token": "legacy", "team_id": "T0TEST", "api_app_id": "A0TEST", "type": "event_callback",
        "event_id": f"EvRep{i:04d}", "event_time": int(time.time()),
        "event": {"type": "message", "channel": "C0CORE", "channel_type": "channel", "user": "U0DAN",
                  "text": f"Call Maria Lopez at 713-555-{i:04d} about the bed", "ts": f"1700001{i:03d}.000100"},
        "authorizations": [{"team_id": "T0TEST", "user_id": "UBOT", "is_bot": True}],
    })


def _command(command: str, text: str, user: str, i: int) -> str:
    return urlencode({"token": "legacy", "team_id": "T0TEST", "team_domain": "t", "channel_id": "C0CORE",
                      "channel_name": "core-team", "user_id": user, "user_name": "u", "command": command,
                      "text": text, "api_app_id": "A0TEST", "trigger_id": f"trig-{i}",
                      "response_url": "https://hooks.slack.invalid/commands/1"})


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


def test_two_replicas_handle_everything_exactly_once(database: str, tmp_path: Path) -> None:
    _replicas(database, tmp_path, stop_one=None, retried=0)


def test_slack_retries_to_the_other_replica_are_handled_once(database: str, tmp_path: Path) -> None:
    _replicas(database, tmp_path, stop_one=None, retried=RETRIED)


def test_stopping_a_replica_mid_run_with_a_short_drain_loses_nothing(database: str, tmp_path: Path) -> None:
    _replicas(database, tmp_path, stop_one=signal.SIGTERM, retried=0)


def test_killing_a_replica_mid_run_loses_nothing(database: str, tmp_path: Path) -> None:
    _replicas(database, tmp_path, stop_one=signal.SIGKILL, retried=0)


def _inbox(database: str) -> dict[str, int]:
    """Inbox rows by status, plus ``taken_over``: rows claimed more than once (a replica's lease lapsed)."""
    import psycopg

    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT status, attempts FROM inbox").fetchall()
    counts: dict[str, int] = {}
    for status, attempts in rows:
        counts[status] = counts.get(status, 0) + 1
        if attempts >= 2:
            counts["taken_over"] = counts.get("taken_over", 0) + 1
    return counts


def _replicas(database: str, tmp_path: Path, *, stop_one: signal.Signals | None, retried: int) -> None:
    standin = SlackStandIn().start()
    if stop_one is not None:
        # Handlers take a while (a slow Web API): the stopped replica has work in progress.
        standin.delays.update({"chat.postEphemeral": 0.1, "conversations.open": 0.1})
    # One replica finishes the run alone (at a few requests per second on a shared 2-core machine).
    patience = 150 if stop_one is None else 480
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT,
                   capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    subprocess.run([sys.executable, "-m", "bot.cli", "--config",
                    str(_config(tmp_path, database, keyfile, 1, 1, standin)), "db", "upgrade"],
                   check=True, cwd=ROOT, env=env, capture_output=True)
    replicas: list[tuple[subprocess.Popen[str], str, str]] = []
    logs = []
    for _ in range(2):
        port, ops = free_port(), free_port()
        log = (tmp_path / f"replica-{port}.log").open("w")
        logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config",
             str(_config(tmp_path, database, keyfile, port, ops, standin)), "run"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        replicas.append((proc, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ops}"))
    proxy = RoundRobinProxy([url for _, url, _ in replicas])
    try:
        for proc, _, ops in replicas:
            _wait(lambda proc=proc, ops=ops: proc.poll() is None and _ready(ops), 180, "replica never ready")
        proxy.start()
        url = f"http://127.0.0.1:{proxy.port}/slack/events"
        statuses = asyncio.run(_traffic(url, replicas[0][0] if stop_one else None, retried, stop_one))
        assert statuses == {200}, statuses
        if stop_one == signal.SIGTERM:
            assert replicas[0][0].wait(timeout=60) == 0  # stopped cleanly mid-run, drain deadline or not
        elif stop_one == signal.SIGKILL:
            assert replicas[0][0].wait(timeout=60) == -signal.SIGKILL
        survivor = replicas[1][0]

        def warnings() -> int:
            return sum(1 for c in standin.calls_to("chat.postEphemeral") if c.args.get("user") == "U0DAN")

        def answers(user: str) -> int:
            return sum(1 for c in standin.calls_to("chat.postEphemeral") if c.args.get("user") == user)

        def dms_to_vera() -> list[str]:
            return [str(c.args.get("text", "")) + json.dumps(c.args.get("blocks", ""))
                    for c in standin.calls_to("chat.postMessage") if c.args.get("channel") == "D0VERA"]

        _wait(lambda: warnings() >= EVENTS and answers("U0ALICE") >= PREVIEWS and answers("U0NINA") >= TIPS,
              patience, "lost work (see the warnings and previews counted below)")
        _wait(lambda: set(_inbox(database)) <= {"done", "taken_over"}, 60, f"inbox not finished: {_inbox(database)}")
        inbox = _inbox(database)
        print("inbox:", inbox)
        assert inbox["done"] == EVENTS + PREVIEWS + TIPS  # one row per request (retries and takeovers included)
        taken_over = inbox.get("taken_over", 0)
        # One-line tips wait for their writer's Send: press it on one draft of each (a tip taken over
        # from the stopped replica may have shown its draft twice: the documented duplicate).
        drafts: dict[str, dict[str, object]] = {}
        for call in standin.calls_to("chat.postEphemeral"):
            if call.args.get("user") == "U0NINA":
                visit = re.search(r"visit (\d+)", json.dumps(call.args))
                drafts.setdefault(visit.group(1) if visit else str(len(drafts)), call.args)
        asyncio.run(_press_send(url, list(drafts.values())))
        # Tips reach the point person; their acknowledgement reminders fall due a minute later.
        _wait(lambda: len(dms_to_vera()) >= 2 * TIPS, patience, f"{len(dms_to_vera())} DMs to the point person")
        time.sleep(5)  # anything sent twice would show up now
        assert survivor.poll() is None
        if stop_one is None:
            assert taken_over == 0
            assert warnings() == EVENTS  # each event handled once, Slack's retries included
            assert answers("U0ALICE") == PREVIEWS
        else:  # nothing lost; a second copy only for a row the other replica took over
            assert EVENTS <= warnings() and PREVIEWS <= answers("U0ALICE")
            assert (warnings() - EVENTS) + (answers("U0ALICE") - PREVIEWS) <= taken_over, (warnings(), taken_over)
        assert len(dms_to_vera()) == 2 * TIPS, len(dms_to_vera())  # each tip once, each reminder once
        assert all(proxy.sent.values()), proxy.sent  # both replicas did share the work
    finally:
        for proc, _, _ in replicas:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _, _ in replicas:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
        from collections import Counter
        print("calls", Counter((c.method, c.args.get("user") or c.args.get("channel")) for c in standin.calls))
        same = Counter(json.dumps(c.args, sort_keys=True) for c in standin.calls_to("chat.postEphemeral"))
        print("identical ephemerals sent more than once:", [(n, a[:300]) for a, n in same.items() if n > 1])
        print("texts to U0DAN:", Counter(str(c.args.get("text"))[:90] for c in standin.calls_to("chat.postEphemeral")
                                          if c.args.get("user") == "U0DAN").most_common(5))
        for path in sorted(tmp_path.glob("replica-*.log")):  # shown by pytest when the test failed
            print(path.name, path.read_text()[-4000:])
        if proxy.port:
            proxy.stop()
        standin.stop()


def _ready(ops: str) -> bool:
    try:
        return get(ops + "/readyz")[0] == 200
    except OSError:
        return False


def _buttons(node: object) -> Iterator[dict[str, object]]:
    if isinstance(node, dict):
        if node.get("type") == "button":
            yield node
        for value in node.values():
            yield from _buttons(value)
    elif isinstance(node, list):
        for value in node:
            yield from _buttons(value)


async def _press_send(url: str, drafts: list[dict[str, object]]) -> None:
    async with aiohttp.ClientSession() as http:
        for n, draft in enumerate(drafts):
            [send] = [b for b in _buttons(draft.get("blocks")) if "Send" in json.dumps(b.get("text"))]
            payload = {"type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U0NINA"},
                       "trigger_id": f"press-{n}", "channel": {"id": "C0CORE", "name": "core-team"},
                       "container": {"type": "message", "message_ts": f"1700009{n:03d}.000100", "channel_id": "C0CORE"},
                       "actions": [{"type": "button", "action_id": send["action_id"], "value": send.get("value", ""),
                                    "block_id": "b"}]}
            body = urlencode({"payload": json.dumps(payload)})
            async with http.post(url, data=body.encode(), headers=signed(body)) as resp:
                assert resp.status == 200


async def _traffic(url: str, first: subprocess.Popen[str] | None, retried: int,
                   stop: signal.Signals | None = None) -> set[int]:
    """Events and commands through the proxy, 16 at a time; ``stop`` to the first replica halfway."""
    work: list[tuple[str, str]] = [(_event(i), "application/json") for i in range(EVENTS)]
    retry = "application/json; retry"  # marks a Slack retry: another timestamp, so another signature
    for i in range(PREVIEWS):
        work.insert(i * (EVENTS // PREVIEWS), (_command("/preview", f"Ring Jonathan Whitaker on 832-555-{i:04d}", "U0ALICE", i),
                            "application/x-www-form-urlencoded"))
    for i in range(TIPS):
        work.insert(i * (EVENTS // TIPS) + 3, (_command("/tip", f"Man with a white van at the Bellaire motel, visit {i}",
                                          "U0NINA", 1000 + i), "application/x-www-form-urlencoded"))
    # Slack retries some deliveries (a fresh signature, the same event id), possibly to the other replica.
    for i in range(0, retried * (EVENTS // max(retried, 1)), EVENTS // max(retried, 1)):
        work.insert(i + 7, (_event(i), retry))
    statuses: set[int] = set()
    sem = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as http:

        async def send(body: str, content_type: str) -> None:
            async with sem:
                if content_type == retry:
                    headers = signed(body, content_type="application/json", timestamp=int(time.time()) - 2)
                    headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"] = "1", "http_timeout"
                else:
                    headers = signed(body, content_type=content_type)
                async with http.post(url, data=body.encode(), headers=headers) as resp:
                    statuses.add(resp.status)

        half = len(work) // 2
        await asyncio.gather(*(send(b, t) for b, t in work[:half]))
        if first is not None and stop is not None:
            first.send_signal(stop)
        await asyncio.gather(*(send(b, t) for b, t in work[half:]))
    return statuses
