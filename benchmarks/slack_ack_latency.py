"""Acknowledgement latency of Slack slash commands in HTTP mode under concurrent load.

Starts the real core (``build_app`` on a temporary SQLite database), the Slack adapter in HTTP mode
on loopback and the Web API stand-in, then fires N concurrent signed slash-command requests (several
rounds) and reports p50/p99 of the time until the HTTP 200 ack. The PII engine is loaded first when
``redaction.Redactor`` exists, so its memory and import cost are part of the measurement.

    /work/main/.venv/bin/python benchmarks/slack_ack_latency.py --concurrency 50 --rounds 10

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

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_app
from bot.config import parse_config
from bot.slack.platform import SlackPlatform
from storage.crypto import KeyRing
from tests.contract.test_slack_contract import CONFIG
from tests.integration.slack.conftest import command_body, http_settings, signed
from tests.integration.slack.mock_web_api import SlackStandIn


def load_redactor(app: object) -> str:
    try:
        import redaction

        if not hasattr(redaction, "Redactor"):
            return "not available (redaction.Redactor does not exist yet)"
        loader = app.services.redactor_loader  # type: ignore[attr-defined]
        started = time.perf_counter()
        loader()
        return f"loaded in {time.perf_counter() - started:.1f} s"
    except Exception as exc:
        return f"failed to load ({type(exc).__name__})"


async def main(concurrency: int, rounds: int, command: str) -> None:
    stand_in = SlackStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        data = dict(CONFIG, database={"url": f"sqlite:///{tmp}/bench.db"})
        config = parse_config(data, source="benchmark", base_dir=tmp)
        platform = SlackPlatform(http_settings(stand_in))
        app = build_app(config, platform, keyring=KeyRing.generate())
        redactor = load_redactor(app)
        await platform.start(app)
        url = f"http://127.0.0.1:{platform.port}/slack/events"
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int) -> None:
                body = command_body(command, f"benchmark {i}", user="U1", trigger=f"trig-{i}")
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
                await asyncio.sleep(0.2)  # let the lazy listeners of this round finish too
        await asyncio.sleep(0.5)
        await platform.stop()
        await app.stop()
    stand_in.stop()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
    print(f"command {command}: {len(ms)} requests, {concurrency} concurrent x {rounds} rounds; statuses {statuses}")
    print(f"redaction engine: {redactor}")
    print(f"ack latency p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
          f" -> target p99 < 300 ms: {'met' if p99 < 300 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--command", default="/ntk")
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.rounds, args.command))
