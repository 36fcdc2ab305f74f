"""Acknowledgement latency and reply drain rate of Slack slash commands in HTTP mode under load.

Starts the real core (``build_app`` on a temporary SQLite database, or on a throwaway schema of the
PostgreSQL database given by ``--database-url``), the Slack adapter in HTTP mode on loopback and the
Web API stand-in (a thread of this process), then fires N concurrent signed slash-command requests,
one per directory member (several rounds), from a separate load-generator process (signing and
sending 50 requests is CPU work that Slack does, not the bot; in this process it would compete for
the bot's GIL). It reports p50/p95/p99 of the time until the HTTP 200 ack, the drain rate of the
private replies (``chat.postEphemeral`` calls the stand-in received per second, from a burst's first
request to its last reply) and the bot process's CPU time per command (all its threads, the
stand-in's included, from a burst's first request to its last reply: the figure machine load
disturbs least), and the bot's own CPU per command without the stand-in's thread, with the rate a
dedicated core would allow at that CPU, the part of it on the event loop's thread (acks, Web API replies,
hand-offs to and from the worker threads) and how many PII scans shared a batch through the models on average. ``/preview`` texts vary across requests (``TEXTS``: with and
without PII, several lengths) unless ``--text`` fixes one. It does this in the same run for two
settings, each on a fresh bot: ``[bot] worker_threads = 0`` (handlers on the event loop: the baseline) and ``--worker-threads`` (default 16, the configuration's default),
``--repeat`` times alternating, and prints the medians and their ratios. The baseline runs today's
code otherwise (shared Web API connections, plain-row directory lookups). The PII engine
(``redaction.Redactor``) is loaded before the first request, handed to ``build_app`` and checked on
a sample (the script stops if the engine is missing or finds nothing), so with ``--command
/preview`` its scanning work competes with the acks.

    .venv/bin/python benchmarks/slack_ack_latency.py --command /preview --concurrency 50 --rounds 5 --repeat 3
    .venv/bin/python benchmarks/slack_ack_latency.py --command /preview \
        --text "Tell Zebediah Quackenbush to call 312-555-0199 tonight" --rounds 5 --repeat 3   # one text
    .venv/bin/python benchmarks/slack_ack_latency.py ... --database-url postgresql://127.0.0.1:5432/test
    .venv/bin/python benchmarks/slack_ack_latency.py --concurrency 50 --rounds 10   # /ntk

Targets (issue 19): drain rate >= 200 private replies per second per process; ack p99 < 100 ms.

``--readiness`` measures what a cold start and CPU-heavy scanning do to acks, each as a ratio to a
warm, idle baseline measured in the same run:

* cold start: ``build_app`` without a preloaded engine, ``SlackPlatform.start`` (which loads and warms
  the engine in a worker thread before it listens), then the very first request, a ``/preview`` with
  PII (the engine's first real use) — its ack time against the median ack of the same request later;
* acks under scanning: sequential ``/ntk`` acks while long PII messages (Events API) and ``/preview``
  commands are being scanned in the background, against the same acks on the idle bot.

    /work/main/.venv/bin/python benchmarks/slack_ack_latency.py --readiness

Targets: first ack after start < 1 s; p99 ack while scanning < 300 ms.

``--inbox`` measures what storing each request in the database inbox before its ack costs (the
durable inbox, docs/architecture.md "Delivery guarantees: Slack"): the same bursts, ``--repeat`` times
alternating, each on a fresh bot with ``--worker-threads``, once with the inbox kept in memory
(``MemoryInbox``: no database write before the ack, as before the inbox; the baseline) and once with
the database inbox (production), and prints the medians and their ratios.

    .venv/bin/python benchmarks/slack_ack_latency.py --inbox --concurrency 50 --rounds 5 --repeat 3

``--plain`` measures what running the hot statements on SQLite's driver saves (``storage.plain``: the member
lookup, the delivery step, the pending row, its purge item, the audit append; the BEGIN issued by the dialect
instead of a connection event listener): the same bursts, ``--repeat`` times alternating in this process, each on
a fresh bot with ``--worker-threads``, once with those statements through SQLAlchemy Core and the listener (the
code path before session 13: the baseline) and once as shipped.

    .venv/bin/python benchmarks/slack_ack_latency.py --plain --command /preview --rounds 5 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_app
from bot.config import parse_config
from bot.slack.inbox import MemoryInbox
from bot.slack.platform import SlackPlatform
from storage import db as db_module
from storage import plain
from storage.crypto import KeyRing
from tests.contract.test_slack_contract import CONFIG
from tests.integration.slack.conftest import command_body, http_settings, signed
from tests.integration.slack.mock_web_api import SlackStandIn

SAMPLE = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"

#: What members preview (``--command /preview`` without ``--text``): a mix of lengths, of messages with
#: PII of several kinds and of ordinary coordination without any, so the drain rate does not rest on one
#: text. Request n of a run sends ``preview_text(n)``: template ``n % len(TEXTS)`` with its fields (names,
#: numbers, times) filled from ``n``, so no two requests of a run send the same text (the engine keeps small
#: caches keyed by the text around a finding, for long messages repeating a string; a benchmark repeating a
#: few texts would hit them across requests, which real traffic would not).
TEXTS = (
    "Tell {first} {last} to call 312-555-{d4} tonight",
    "Can someone from Safe Haven meet van {n3} at the Bellaire Blvd motel around {hour}?",
    "{first} {last} called again from 713-555-{d4}, she wants to talk to her caseworker before Friday",
    "Reminder: task force meeting moved to Thursday {hour}am, room {n3}",
    "Client C-{d4} is 16, DOB 03/{day}/2010, staying with her aunt at {n4} Westheimer Rd Apt {day}",
    "The white van plate TX 7KL-{n3} was seen again near the truck stop on I-10 exit {n3}",
    "Thanks all, the shelter has {small} beds open tonight (ticket {n3})",
    "Email from {lower}.{lower2}{day}@gmail.com says the recruiter goes by @{lower}jobs_hou on Instagram",
    "Please send the {small} release forms for case {n3} to the clinic before the interview at {hour}",
    "Officer Ramirez will call {first} {last} at +55 11 98765-{d4} tomorrow morning",
    "Who has the Spanish interpreter schedule for case {n3} in the week of the {day}th?",
    "Her passport number is X{d4}{d4} and the employer kept it, she says his name is Mr. {last}",
    "Victim said the manager {first} {last} takes payments on Cash App ${first}{day}",
    "Lunch order {n3} for the training on the {day}th is in, {small} vegetarian options included",
    "SSN {n3}-45-{d4} was on the lease application for the apartment on Gessner",
    "Can HSI confirm whether operation {n3} is still on for the end of next week?",
)
_FIRST = ("Zebediah", "Maria", "Ana", "Luis", "Dmitri", "Keisha", "Nguyen", "Fatima", "Oksana", "Tomas", "Priya",
          "Jamal", "Esperanza", "Wei", "Amara", "Bogdan", "Rosa", "Kwame", "Ingrid", "Mateo", "Soo-ah")
_LAST = ("Quackenbush", "Lopez", "Souza", "Ortega", "Volkov", "Washington", "Tran", "Haddad", "Kovalenko", "Reyes",
         "Sharma", "Carter", "Morales", "Zhang", "Okafor", "Petrov", "Delgado", "Mensah", "Larsen", "Herrera")


def preview_text(n: int) -> str:
    """Request ``n``'s text: a template of ``TEXTS`` with fields that differ from request to request."""
    first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST)) % len(_LAST)]
    return TEXTS[n % len(TEXTS)].format(
        first=first, last=last, lower=first.lower().replace("-", ""), lower2=last.lower(), d4=f"{1000 + n % 9000}",
        n3=f"{100 + n % 900}", n4=f"{1000 + (n * 7) % 9000}", day=f"{1 + n % 28:02d}", hour=f"{1 + n % 12}",
        small=f"{2 + n % 7}",
    )


def load_redactor() -> tuple[Any, str]:
    """Load the engine (spaCy model included) and prove it works; exit if it does not."""
    from redaction import Redactor

    started = time.perf_counter()
    redactor = Redactor()
    result = redactor.redact(SAMPLE)
    took = time.perf_counter() - started
    labels = sorted({getattr(f, "label", "?") for f in getattr(result, "findings", ())})
    if "[PHONE]" not in result.text:
        sys.exit(f"redaction engine loaded but did not redact the sample: {result.text!r}")
    return redactor, f"loaded in {took:.1f} s; sample -> {result.text!r} (labels {labels})"


def bench_config(tmp: str, worker_threads: int, members: int, database_url: str | None = None,
                 engine_process: bool = False) -> Any:
    """The contract tests' configuration plus ``members`` directory members (Slack ids UB0, UB1, ...),
    so each concurrent command comes from a different member, as in a real task force."""
    extra = [
        {"handle": f"bench{n}", "name": f"Bench Member {n}", "agency": "shs", "discipline": "community_advocate",
         "slack_id": f"UB{n}"}
        for n in range(members)
    ]
    data = dict(CONFIG, database={"url": database_url or f"sqlite:///{tmp}/bench.db"},
                members=[*CONFIG["members"], *extra], bot=dict(CONFIG["bot"], worker_threads=worker_threads,
                                                                   engine_process=engine_process))
    return parse_config(data, source="benchmark", base_dir=tmp)


@contextlib.contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A throwaway schema on the PostgreSQL database (other people use the same database)."""
    import psycopg

    schema = f"ntk_bench_{uuid.uuid4().hex[:10]}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in base_url else "?"
        yield f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- the load generator: its own process ------------------------------------------------------------
# Signing, encoding and sending 50 requests at once is CPU work too. In the bot's process it would
# compete with the bot for the one GIL and be counted as the bot's (Slack's servers do that work in
# production), so the requests come from a separate process. Its clock (time.monotonic) is the
# system-wide one the stand-in stamps calls with.


def _client_process(conn: Connection, concurrency: int) -> None:
    asyncio.run(_client_loop(conn, concurrency))


async def _client_loop(conn: Connection, concurrency: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str, command: str, text: str, user: str, trigger: str) -> tuple[float, int]:
            body = command_body(command, text, user=user, trigger=trigger)
            headers = signed(body)
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                return time.perf_counter() - started, resp.status

        conn.send("ready")
        while True:
            job = await asyncio.to_thread(conn.recv)
            if job is None:
                break
            url, requests = job
            began = time.monotonic()
            results = await asyncio.gather(*(one(url, *r) for r in requests))
            conn.send((began, results))


class LoadGenerator:
    """A child process that fires bursts of signed slash commands on request."""

    def __init__(self, concurrency: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_client_process, args=(child, concurrency), daemon=True)
        self._process.start()
        if self._conn.recv() != "ready":
            sys.exit("the load generator did not start")

    async def burst(self, url: str, requests: list[tuple[str, str, str, str]]) -> tuple[float, list[Any]]:
        """Send ``requests`` (command, text, user, trigger) at once; (monotonic start, [(seconds, status)])."""
        self._conn.send((url, requests))
        result: tuple[float, list[Any]] = await asyncio.to_thread(self._conn.recv)
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(10)


async def burst_run(redactor: Any, client: LoadGenerator, worker_threads: int, concurrency: int, rounds: int,
                    command: str, text: str | None, database_url: str | None, *, durable: bool = True,
                    engine_process: bool = False, core_statements: bool = False) -> dict[str, Any]:
    """One bot (``[bot] worker_threads``) answering ``rounds`` bursts of ``concurrency`` commands.

    Ack latency: request sent -> HTTP 200 (measured in the load generator). Drain rate: a burst's
    private replies (``chat.postEphemeral`` calls the stand-in received) divided by the time from the
    burst's first request to its last reply. ``core_statements``: the ``--plain`` baseline (see the module doc)."""
    plain.ON_THE_DRIVER, db_module.BEGIN_BY_LISTENER = not core_statements, core_statements
    try:
        return await _burst_run(redactor, client, worker_threads, concurrency, rounds, command, text, database_url,
                                durable=durable, engine_process=engine_process)
    finally:
        plain.ON_THE_DRIVER, db_module.BEGIN_BY_LISTENER = True, False


async def _burst_run(redactor: Any, client: LoadGenerator, worker_threads: int, concurrency: int, rounds: int,
                     command: str, text: str | None, database_url: str | None, *, durable: bool,
                     engine_process: bool) -> dict[str, Any]:
    stand_in = SlackStandIn().start()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    drained = 0
    drain_seconds = 0.0
    cpu_seconds = 0.0
    stand_in_seconds = 0.0
    loop_seconds = 0.0
    child_seconds = 0.0
    # The stand-in (Slack's side of the Web API) is a thread of this process: its CPU is counted apart,
    # so the bot's own CPU per command is known too (on a real deployment that work is Slack's).
    stand_in_clock = time.pthread_getcpuclockid(stand_in._thread.ident)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url_db = stack.enter_context(postgres_schema(database_url)) if database_url else None
        config = bench_config(tmp, worker_threads, concurrency, url_db, engine_process)
        # durable=False: the inbox in memory (no database write before the ack), the --inbox baseline.
        platform = SlackPlatform(http_settings(stand_in), inbox=None if durable else MemoryInbox())
        app = build_app(config, platform, keyring=KeyRing.generate(), redactor=redactor)
        engine = app.services.redactor_loader()  # the app's engine (directory names allowed) is ready too
        batcher = getattr(engine, "_batcher", None)
        await platform.start(app)
        # [bot] engine_process: the engine's child process works for the bot too; its CPU is counted with the bot's.
        child = getattr(getattr(engine, "process", None), "pid", None)
        url = f"http://127.0.0.1:{platform.port}/slack/events"

        async def replies(expected: int) -> list[float]:
            for _ in range(1200):  # up to 120 s
                calls = stand_in.calls_to("chat.postEphemeral")
                if len(calls) >= expected:
                    return [c.at for c in calls]
                await asyncio.sleep(0.02)
            sys.exit(f"only {len(stand_in.calls_to('chat.postEphemeral'))} of {expected} private replies came")

        def text_of(n: int) -> str:
            return f"{text} {n}" if text else preview_text(n)

        # Warm-up (auth.test, connections), not counted.
        await client.burst(url, [(command, text_of(i), f"UB{i}", f"trig-w{i}") for i in range(5)])
        expected = 5
        await replies(expected)
        batches_before = (getattr(batcher, "batches", 0), getattr(batcher, "items", 0))
        for r in range(rounds):
            child_before = _child_cpu(child)
            cpu_before = time.process_time() + child_before
            loop_before = time.thread_time()  # this coroutine runs on the bot's event loop thread
            stand_in_before = time.clock_gettime(stand_in_clock)
            began, results = await client.burst(
                url, [(command, text_of(r * concurrency + i), f"UB{i}", f"trig-{r}-{i}") for i in range(concurrency)]
            )
            for seconds, status in results:
                latencies.append(seconds)
                statuses[status] = statuses.get(status, 0) + 1
            expected += concurrency
            stamps = await replies(expected)
            child_after = _child_cpu(child)
            cpu_seconds += time.process_time() + child_after - cpu_before
            child_seconds += child_after - child_before
            loop_seconds += time.thread_time() - loop_before
            stand_in_seconds += time.clock_gettime(stand_in_clock) - stand_in_before
            drained += concurrency
            drain_seconds += max(stamps[expected - concurrency :]) - began
            await asyncio.sleep(0.2)
        batches = getattr(batcher, "batches", 0) - batches_before[0]
        scans = getattr(batcher, "items", 0) - batches_before[1]
        await platform.stop()
        await app.stop()
    stand_in.stop()
    ms = sorted(x * 1000 for x in latencies)
    return {"p50": statistics.median(ms), "p95": _p(ms, 0.95), "p99": _p(ms, 0.99), "max": ms[-1],
            "requests": len(ms), "statuses": statuses, "rate": drained / drain_seconds, "replies": drained,
            "cpu_ms": cpu_seconds * 1000 / drained, "bot_cpu_ms": (cpu_seconds - stand_in_seconds) * 1000 / drained,
            "loop_cpu_ms": loop_seconds * 1000 / drained, "child_cpu_ms": child_seconds * 1000 / drained,
            "per_batch": scans / batches if batches else 0.0}


def _child_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a live child process has used so far (0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def compare(concurrency: int, rounds: int, command: str, text: str | None, repeat: int, database_url: str | None,
                  headline: str, baseline: tuple[str, dict[str, Any]], candidate: tuple[str, dict[str, Any]]) -> None:
    """Run ``baseline`` and ``candidate`` (labels and ``burst_run`` settings) ``repeat`` times, alternating, each on
    a fresh bot, and print every run and the medians with the candidate's ratio to the baseline."""
    redactor, redactor_note = load_redactor()
    print(f"redaction engine: {redactor_note}", flush=True)
    print(f"machine load (uptime): {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} "
          f"on {os.cpu_count()} CPUs", flush=True)
    where = "PostgreSQL" if database_url else "SQLite file"
    print(f"{command} on {where}: {concurrency} concurrent (one per member) x {rounds} rounds, {headline}, each on "
          f"a fresh bot, {repeat} time(s) alternating; requests from a separate process; texts: "
          f"{'one, ' + repr(text[:40]) if text else f'{len(TEXTS)} templates, every request a different text'}",
          flush=True)
    client = LoadGenerator(concurrency)
    results: list[list[dict[str, Any]]] = [[], []]
    try:
        for _ in range(repeat):
            for side, (label, settings) in enumerate((baseline, candidate)):
                r = await burst_run(redactor, client, settings.get("worker_threads", 8), concurrency, rounds,
                                    command, text, database_url, durable=settings.get("durable", True),
                                    engine_process=settings.get("engine_process", False),
                                    core_statements=settings.get("core_statements", False))
                results[side].append(r)
                print(f"  {label}: ack p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, "
                      f"max {r['max']:.1f} ms; private replies drained at {r['rate']:.0f}/s "
                      f"({r['replies']} replies; statuses {r['statuses']}; process CPU "
                      f"{r['cpu_ms']:.1f} ms per command, the bot's own {r['bot_cpu_ms']:.1f} ms without the "
                      f"stand-in, of which the event loop's thread {r['loop_cpu_ms']:.2f} ms"
                      + (f" and the engine process {r['child_cpu_ms']:.2f} ms" if r["child_cpu_ms"] else "")
                      + "; PII scans per "
                      f"batch {r['per_batch']:.1f})", flush=True)
    finally:
        client.close()

    def med(side: int, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    print(f"medians over {repeat} run(s): drain rate {med(0, 'rate'):.0f}/s (baseline) -> {med(1, 'rate'):.0f}/s = "
          f"{med(1, 'rate') / med(0, 'rate'):.2f}x; target >= 200/s: {'met' if med(1, 'rate') >= 200 else 'NOT met'}")
    print(f"ack p50 {med(0, 'p50'):.1f} -> {med(1, 'p50'):.1f} ms, p95 {med(0, 'p95'):.1f} -> "
          f"{med(1, 'p95'):.1f} ms, p99 {med(0, 'p99'):.1f} -> {med(1, 'p99'):.1f} ms = "
          f"{med(1, 'p99') / med(0, 'p99'):.2f}x; target p99 < 100 ms: {'met' if med(1, 'p99') < 100 else 'NOT met'}")
    print(f"drain rate vs the 48/s measured when issue 19 was filed: {med(1, 'rate') / ORIGINAL_RATE:.2f}x "
          f"(a figure of that day's machine and load, not of this run)")
    print(f"CPU per command (whole process) {med(0, 'cpu_ms'):.1f} -> {med(1, 'cpu_ms'):.1f} ms; the bot's own "
          f"(without the in-process Web API stand-in) {med(0, 'bot_cpu_ms'):.1f} -> {med(1, 'bot_cpu_ms'):.1f} ms "
          f"= {med(1, 'bot_cpu_ms') / med(0, 'bot_cpu_ms'):.2f}x; on a dedicated core that CPU allows at most "
          f"{1000 / med(1, 'bot_cpu_ms'):.0f} commands/s (a projection from CPU time, not a measurement)")
    print(f"of which the event loop's thread (acks, Web API replies, hand-offs) {med(0, 'loop_cpu_ms'):.2f} -> "
          f"{med(1, 'loop_cpu_ms'):.2f} ms = {med(1, 'loop_cpu_ms') / med(0, 'loop_cpu_ms'):.2f}x; PII scans per "
          f"batch through the models {med(0, 'per_batch'):.1f} -> {med(1, 'per_batch'):.1f}")
    print(f"machine load after: {os.getloadavg()[0]:.1f}")


#: Private replies per second to 50 concurrent /preview when issue 19 was filed (handlers on the event loop).
ORIGINAL_RATE = 48.0


def _p(ms: list[float], q: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def readiness(acks: int, load_messages: int, message_kb: int) -> None:
    """Cold start and acks while scanning, each against a warm idle baseline (see module doc)."""
    import json

    from tests.integration.slack.conftest import event_body

    stand_in = SlackStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        data = dict(CONFIG, database={"url": f"sqlite:///{tmp}/bench.db"})
        config = parse_config(data, source="benchmark", base_dir=tmp)
        platform = SlackPlatform(http_settings(stand_in))
        started = time.perf_counter()
        app = build_app(config, platform, keyring=KeyRing.generate())  # no engine loaded yet
        await platform.start(app)  # loads and warms the engine in a worker thread, then listens
        start_seconds = time.perf_counter() - started
        url = f"http://127.0.0.1:{platform.port}/slack/events"
        async with aiohttp.ClientSession() as session:

            async def ack(command: str, text: str, i: int) -> float:
                body = command_body(command, text, user="U1", trigger=f"trig-{i}")
                began = time.perf_counter()
                async with session.post(url, data=body, headers=signed(body)) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status
                return (time.perf_counter() - began) * 1000

            first = await ack("/preview", SAMPLE, 0)
            await asyncio.sleep(1.0)
            warm_preview = [await ack("/preview", f"{SAMPLE} {i}", i) for i in range(1, 21)]
            idle = []
            for i in range(acks):
                idle.append(await ack("/ntk", "", 100 + i))
                await asyncio.sleep(0.02)
            await app.drain()

            sentence = f"{SAMPLE}. The van was parked near the old mill on Route 9 with two people inside. "
            long_text = (sentence * (message_kb * 1024 // len(sentence) + 1))[: message_kb * 1024]

            async def load() -> None:
                for n in range(load_messages):
                    ts = f"1772463600.{n + 1:06d}"
                    event = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
                             "text": f"{n} {long_text}", "ts": ts}
                    body = event_body(event, event_id=f"Ev-load-{n}")
                    async with session.post(url, data=body, headers=signed(body, content_type="application/json")
                                            ) as resp:
                        await resp.read()
                    if n % 2:
                        await ack("/preview", f"{n} {long_text[:3000]}", 10_000 + n)

            def warned_so_far() -> int:
                return len([c for c in stand_in.calls_to("chat.postEphemeral")
                            if "looks like it contains" in json.dumps(c.args)])

            scanning = asyncio.ensure_future(load())
            await asyncio.sleep(0.3)
            busy = []
            i = 0
            # Only acks answered while scanning is still going on count (the last warning ends it).
            while warned_so_far() < load_messages and i < acks * 50:
                busy.append(await ack("/ntk", "", 1000 + i))
                i += 1
                await asyncio.sleep(0.02)
            await scanning
            warned = warned_so_far()
        await platform.stop()
        await app.stop()
    stand_in.stop()
    base = statistics.median(warm_preview)
    print(f"start (engine load + warm-up in a worker thread, then listening): {start_seconds:.1f} s "
          f"(warm-up {platform.ready_seconds or 0:.1f} s)")
    print(f"first ack after start (/preview with PII): {first:.1f} ms; warm /preview ack p50 {base:.1f} ms "
          f"-> ratio {first / base:.2f}x; target < 1 s: {'met' if first < 1000 else 'NOT met'}")
    idle_p50, idle_p99 = statistics.median(idle), _p(idle, 0.99)
    busy_p50, busy_p99 = statistics.median(busy), _p(busy, 0.99)
    print(f"/ntk ack idle: p50 {idle_p50:.1f} ms, p99 {idle_p99:.1f} ms ({len(idle)} acks)")
    print(f"/ntk ack while {load_messages} x {message_kb} KB PII messages and {load_messages // 2} /preview are "
          f"scanned: p50 {busy_p50:.1f} ms, p99 {busy_p99:.1f} ms ({len(busy)} acks) -> ratio p50 "
          f"{busy_p50 / idle_p50:.2f}x, p99 {busy_p99 / idle_p99:.2f}x; target p99 < 300 ms: "
          f"{'met' if busy_p99 < 300 else 'NOT met'}")
    print(f"warnings sent for the long PII messages: {warned} of {load_messages}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readiness", action="store_true", help="cold start and acks while scanning")
    parser.add_argument("--acks", type=int, default=100, help="--readiness: acks per measurement")
    parser.add_argument("--load-messages", type=int, default=20, help="--readiness: PII messages scanned")
    parser.add_argument("--message-kb", type=int, default=8, help="--readiness: size of each")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--command", default="/ntk")
    parser.add_argument("--text", default=None,
                        help="one command text for every request (a request number is appended); default: the "
                             "realistic preview texts in TEXTS, varied across requests")
    parser.add_argument("--worker-threads", type=int, default=16,
                        help="the setting compared with 0 (the baseline); default: the configuration's default")
    parser.add_argument("--repeat", type=int, default=1, help="run both settings this many times (medians)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (a throwaway schema is created and dropped); default: a SQLite file")
    parser.add_argument("--engine-process", action="store_true",
                        help="the --worker-threads side runs the PII engine in a child process ([bot] engine_process;"
                             " its CPU is counted with the bot's)")
    parser.add_argument("--plain", action="store_true",
                        help="compare the hot statements through SQLAlchemy Core (baseline) with them on SQLite's "
                             "driver (storage.plain), at --worker-threads")
    parser.add_argument("--inbox", action="store_true",
                        help="compare the inbox in memory (baseline) with the database inbox, at --worker-threads")
    args = parser.parse_args()
    if args.text is None and args.command != "/preview":
        args.text = "benchmark"  # TEXTS are messages to preview
    if args.readiness:
        asyncio.run(readiness(args.acks, args.load_messages, args.message_kb))
    elif args.plain:
        asyncio.run(compare(args.concurrency, args.rounds, args.command, args.text, args.repeat, args.database_url,
                            f"worker_threads = {args.worker_threads}, hot statements through SQLAlchemy Core vs on "
                            "SQLite's driver",
                            ("statements through SQLAlchemy Core (baseline)",
                             {"worker_threads": args.worker_threads, "core_statements": True}),
                            ("statements on the driver (storage.plain)", {"worker_threads": args.worker_threads})))
    elif args.inbox:
        asyncio.run(compare(args.concurrency, args.rounds, args.command, args.text, args.repeat, args.database_url,
                            f"worker_threads = {args.worker_threads}, inbox in memory vs in the database",
                            ("memory inbox (baseline)", {"worker_threads": args.worker_threads, "durable": False}),
                            ("database inbox (stored before the ack)",
                             {"worker_threads": args.worker_threads, "durable": True})))
    else:
        asyncio.run(compare(args.concurrency, args.rounds, args.command, args.text, args.repeat, args.database_url,
                            f"handlers on the event loop vs on {args.worker_threads} worker threads",
                            ("worker_threads = 0 (handlers on the event loop: baseline)", {"worker_threads": 0}),
                            (f"worker_threads = {args.worker_threads}"
                             + (", engine_process = true" if args.engine_process else ""),
                             {"worker_threads": args.worker_threads, "engine_process": args.engine_process})))
