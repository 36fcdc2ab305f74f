"""Acknowledgement latency and reply drain rate of Slack slash commands in HTTP mode under load.

Starts the real core (``build_app`` on a temporary SQLite database), the Slack adapter in HTTP mode
on loopback and the Web API stand-in, then fires N concurrent signed slash-command requests, one per
directory member (several rounds), and reports p50/p99 of the time until the HTTP 200 ack and the
drain rate of the private replies (``chat.postEphemeral`` calls the stand-in received per second,
from a burst's first request to its last reply). It does this twice in the same run, each on a fresh
bot: with ``[bot] worker_threads = 0`` (handlers on the event loop, the old behaviour: the baseline)
and with ``--worker-threads`` (default 8), and prints the ratios. The PII engine
(``redaction.Redactor``) is loaded before the first request, handed to ``build_app`` and checked on a
sample (the script stops if the engine is missing or finds nothing), so with ``--command /preview``
its scanning work competes with the acks.

    .venv/bin/python benchmarks/slack_ack_latency.py --command /preview \
        --text "Tell Zebediah Quackenbush to call 312-555-0199 tonight" --concurrency 50 --rounds 5
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
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_app
from bot.config import parse_config
from bot.slack.platform import SlackPlatform
from storage.crypto import KeyRing
from tests.contract.test_slack_contract import CONFIG
from tests.integration.slack.conftest import command_body, http_settings, signed
from tests.integration.slack.mock_web_api import SlackStandIn

SAMPLE = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"


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


def bench_config(tmp: str, worker_threads: int, members: int) -> Any:
    """The contract tests' configuration plus ``members`` directory members (Slack ids UB0, UB1, ...),
    so each concurrent command comes from a different member, as in a real task force."""
    extra = [
        {"handle": f"bench{n}", "name": f"Bench Member {n}", "agency": "shs", "discipline": "community_advocate",
         "slack_id": f"UB{n}"}
        for n in range(members)
    ]
    data = dict(CONFIG, database={"url": f"sqlite:///{tmp}/bench.db"}, members=[*CONFIG["members"], *extra],
                bot=dict(CONFIG["bot"], worker_threads=worker_threads))
    return parse_config(data, source="benchmark", base_dir=tmp)


async def burst_run(redactor: Any, worker_threads: int, concurrency: int, rounds: int, command: str,
                    text: str) -> dict[str, Any]:
    """One bot (``[bot] worker_threads``) answering ``rounds`` bursts of ``concurrency`` commands.

    Ack latency: request sent -> HTTP 200. Drain rate: a burst's private replies (``chat.postEphemeral``
    calls the stand-in received) divided by the time from the burst's first request to its last reply."""
    stand_in = SlackStandIn().start()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    drained = 0
    drain_seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(tmp, worker_threads, concurrency)
        platform = SlackPlatform(http_settings(stand_in))
        app = build_app(config, platform, keyring=KeyRing.generate(), redactor=redactor)
        app.services.redactor_loader()  # the app's engine (directory names allowed) is ready too
        await platform.start(app)
        url = f"http://127.0.0.1:{platform.port}/slack/events"
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int, user: str) -> float:
                body = command_body(command, f"{text} {i}", user=user, trigger=f"trig-{i}")
                headers = signed(body)
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                return time.perf_counter() - started

            async def replies(expected: int) -> list[float]:
                for _ in range(1200):  # up to 120 s
                    calls = stand_in.calls_to("chat.postEphemeral")
                    if len(calls) >= expected:
                        return [c.at for c in calls]
                    await asyncio.sleep(0.05)
                sys.exit(f"only {len(stand_in.calls_to('chat.postEphemeral'))} of {expected} private replies came")

            await asyncio.gather(*(one(-i - 1, f"UB{i}") for i in range(5)))  # warm-up (auth.test, connections)
            expected = 5
            await replies(expected)
            statuses.clear()
            for r in range(rounds):
                began = time.monotonic()  # the stand-in stamps calls with time.monotonic() too
                acks = await asyncio.gather(*(one(r * concurrency + i, f"UB{i}") for i in range(concurrency)))
                latencies.extend(acks)
                expected += concurrency
                stamps = await replies(expected)
                drained += concurrency
                drain_seconds += max(stamps[expected - concurrency:]) - began
                await asyncio.sleep(0.2)
        await platform.stop()
        await app.stop()
    stand_in.stop()
    ms = sorted(x * 1000 for x in latencies)
    return {"p50": statistics.median(ms), "p99": _p(ms, 0.99), "max": ms[-1], "requests": len(ms),
            "statuses": statuses, "rate": drained / drain_seconds, "replies": drained}


async def main(concurrency: int, rounds: int, command: str, text: str, worker_threads: int) -> None:
    redactor, redactor_note = load_redactor()
    print(f"redaction engine: {redactor_note}", flush=True)
    print(f"{command}: {concurrency} concurrent (one per member) x {rounds} rounds, each setting on a fresh bot",
          flush=True)
    results = {}
    for threads in (0, worker_threads):
        results[threads] = r = await burst_run(redactor, threads, concurrency, rounds, command, text)
        label = "on the event loop (worker_threads = 0, baseline)" if threads == 0 else \
            f"worker_threads = {threads}"
        print(f"  {label}: ack p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms; "
              f"private replies drained at {r['rate']:.0f}/s ({r['replies']} replies; statuses {r['statuses']})",
              flush=True)
    base, new = results[0], results[worker_threads]
    print(f"drain rate ratio {new['rate'] / base['rate']:.2f}x ({base['rate']:.0f}/s -> {new['rate']:.0f}/s); "
          f"target >= 200/s: {'met' if new['rate'] >= 200 else 'NOT met'}")
    print(f"ack p99 ratio {new['p99'] / base['p99']:.2f}x ({base['p99']:.1f} -> {new['p99']:.1f} ms); "
          f"target < 100 ms: {'met' if new['p99'] < 100 else 'NOT met'}")


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
    parser.add_argument("--text", default="benchmark", help="command text (a request number is appended)")
    parser.add_argument("--worker-threads", type=int, default=8, help="the setting compared with 0 (the baseline)")
    args = parser.parse_args()
    if args.readiness:
        asyncio.run(readiness(args.acks, args.load_messages, args.message_kb))
    else:
        asyncio.run(main(args.concurrency, args.rounds, args.command, args.text, args.worker_threads))
