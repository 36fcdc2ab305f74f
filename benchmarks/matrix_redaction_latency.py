"""Latency from a member's PII message to the bot's redaction, on a local Synapse.

    /work/main/.venv/bin/python benchmarks/matrix_redaction_latency.py [--messages 100] [--encrypted]

Starts a throwaway Synapse (loopback, SQLite) and runs the real app (``build_app`` with the demo
directory, every feature registered) with the real redaction engine through the Matrix adapter. The
bot has power level 50 in a room registered as the demo's ``core-team`` channel (policy ``redact``).
A second real matrix-nio client (the member) posts messages with a name and a phone number; the
clock runs from just before the member's send to the moment that member's sync shows the bot's
``m.room.redaction``. The bot also reposts a redacted copy and DMs the poster for each message,
as in production. The engine is loaded (and warmed with one message) before timing starts.
Target: p95 < 1 s.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import demo_data
from tests.integration.matrix.helpers import Member, RunningBot, bot_settings, wait_until
from tests.integration.matrix.synapse import SynapseServer

NAMES = ["Zebediah Quackenbush", "Marisol Etxeberria", "Tobias Wunderlich", "Ingrid Halvorsen",
         "Rafael Quintanilla", "Dmitri Volkonsky", "Priya Raghunathan", "Colette Beaumarchais"]


def message(i: int) -> str:
    return f"Tell {NAMES[i % len(NAMES)]} to call 312-555-{i:04d} tonight"


async def measure(server: SynapseServer, workdir: Path, count: int, encrypted: bool) -> tuple[list[float], str]:
    from bot.app import build_app
    from bot.config import parse_config
    from bot.matrix import create_matrix_platform
    from redaction import Redactor
    from storage import directory
    from storage.crypto import KeyRing

    redactor = Redactor()
    bot_user = server.register("benchbot")
    nina = Member(server, server.register("benchnina"), workdir / "nina")
    data: dict[str, Any] = demo_data()
    data["database"] = {"url": f"sqlite:///{workdir}/needtoknow.db"}
    data.pop("security", None)
    for member in data["members"]:
        if member["handle"] == "nina":
            member["matrix_id"] = nina.user.user_id
    config = parse_config(data, source="benchmark", base_dir=str(workdir))
    platform = create_matrix_platform(bot_settings(server, bot_user, workdir / "bot"))
    app = build_app(config, platform, keyring=KeyRing.generate(), redactor=redactor)
    bot = RunningBot(platform, app)
    await nina.start()
    await bot.start()
    try:
        room = await nina.create_room([bot_user.user_id], encrypted=encrypted, power_levels={bot_user.user_id: 50})
        with app.services.db.session() as s:
            directory.upsert_channel(s, name="core-team", pii_policy="redact", agreement=None,
                                     identities=[("matrix", room)])
        await wait_until(lambda: room in bot.platform.client.rooms, what="bot joined")
        await wait_until(lambda: bot_user.user_id in nina.client.rooms[room].users, what="nina sees the bot")

        async def one(text: str) -> float:
            start = time.perf_counter()
            event_id = await nina.send(room, text)
            await nina.wait_for(lambda s: s.type == "m.room.redaction" and s.redacts == event_id, timeout=30)
            return time.perf_counter() - start

        await one("Warm-up: call Ingrid Halvorsen at 312-555-9999")
        samples = [await one(message(i)) for i in range(count)]
        return samples, redactor.model_name
    finally:
        await bot.stop()
        await app.stop()
        await nina.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--encrypted", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = SynapseServer(Path(tmp) / "synapse")
        server.start()
        try:
            samples, model = asyncio.run(measure(server, Path(tmp), args.messages, args.encrypted))
        finally:
            server.stop()
    q = statistics.quantiles(samples, n=100)
    room = "encrypted" if args.encrypted else "plain"
    print(f"real app (build_app, demo directory, PII guard policy redact) + real engine ({model})")
    print(f"{len(samples)} messages, {room} room: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"max {max(samples) * 1000:.0f} ms (target p95 < 1000 ms)")


if __name__ == "__main__":
    main()
