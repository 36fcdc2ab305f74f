"""Acknowledgement latency of Slack slash commands in HTTP mode under concurrent load.

Starts the real core (``build_app`` on a temporary SQLite database), the Slack adapter in HTTP mode
on loopback and the Web API stand-in, then fires N concurrent signed slash-command requests (several
rounds) and reports p50/p99 of the time until the HTTP 200 ack. The PII engine (``redaction.Redactor``)
is loaded before the first request, handed to ``build_app`` and checked on a sample (the script
prints what it found, and stops if the engine is missing or finds nothing), so its memory and, with
``--command /preview``, its scanning work in the lazy listeners compete with the acks.

    /work/main/.venv/bin/python benchmarks/slack_ack_latency.py --concurrency 50 --rounds 10
    /work/main/.venv/bin/python benchmarks/slack_ack_latency.py --command /preview \
        --text "Tell Zebediah Quackenbush to call 312-555-0199 tonight"

Target: p99 < 300 ms.
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


async def main(concurrency: int, rounds: int, command: str, text: str) -> None:
    redactor, redactor_note = load_redactor()
    print(f"redaction engine: {redactor_note}", flush=True)
    stand_in = SlackStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        data = dict(CONFIG, database={"url": f"sqlite:///{tmp}/bench.db"})
        config = parse_config(data, source="benchmark", base_dir=tmp)
        platform = SlackPlatform(http_settings(stand_in))
        app = build_app(config, platform, keyring=KeyRing.generate(), redactor=redactor)
        app.services.redactor_loader()  # the app's engine (directory names allowed) is ready too
        await platform.start(app)
        url = f"http://127.0.0.1:{platform.port}/slack/events"
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int) -> None:
                body = command_body(command, f"{text} {i}", user="U1", trigger=f"trig-{i}")
                headers = signed(body)
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                latencies.append(time.perf_counter() - started)

            await asyncio.gather(*(one(-i - 1) for i in range(5)))  # warm-up (auth.test, connections)
            latencies.clear()
            statuses.clear()
            for r in range(rounds):
                await asyncio.gather(*(one(r * concurrency + i) for i in range(concurrency)))
                await asyncio.sleep(0.2)  # the next round starts while lazy listeners may still run
        answered = 0
        for _ in range(600):  # wait (up to 60 s) for every lazy listener to answer
            answered = len(stand_in.calls_to("chat.postEphemeral"))
            if answered >= (rounds * concurrency) + 5:
                break
            await asyncio.sleep(0.1)
        await platform.stop()
        await app.stop()
    stand_in.stop()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
    print(f"command {command}: {len(ms)} requests, {concurrency} concurrent x {rounds} rounds; statuses {statuses}")
    print(f"private answers sent by the lazy listeners: {answered} (expected {rounds * concurrency + 5})")
    print(f"ack latency p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
          f" -> target p99 < 300 ms: {'met' if p99 < 300 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--command", default="/ntk")
    parser.add_argument("--text", default="benchmark", help="command text (a request number is appended)")
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.rounds, args.command, args.text))
