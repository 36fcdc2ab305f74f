"""Latency from a member's PII message to the bot's redaction, on a local Synapse.

    /work/main/.venv/bin/python benchmarks/matrix_redaction_latency.py [--messages 100] [--encrypted]

Starts a throwaway Synapse (loopback, SQLite), runs the Matrix adapter, and has a second real
matrix-nio client post messages; the clock runs from just before the member's send to the moment
that member's sync shows the bot's ``m.room.redaction``. Until the PII guard lands on main the bot
runs the test app's stand-in guard (``RecordingApp``: redacts messages containing a marker), so the
number measures the adapter + homeserver path, not PII detection. Target: p95 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.matrix.helpers import Member, make_bot, wait_until
from tests.integration.matrix.synapse import SynapseServer


async def measure(server: SynapseServer, workdir: Path, count: int, encrypted: bool) -> list[float]:
    bot_user = server.register("benchbot")
    alice = Member(server, server.register("benchalice"), workdir / "alice")
    await alice.start()
    bot = make_bot(server, bot_user, workdir / "bot", {alice.user.user_id})
    await bot.start()
    try:
        room = await alice.create_room([bot_user.user_id], encrypted=encrypted, power_levels={bot_user.user_id: 50})
        await wait_until(lambda: room in bot.platform.client.rooms, what="bot joined")
        samples = []
        for i in range(count):
            start = time.perf_counter()
            event_id = await alice.send(room, f"SECRET call 555-01{i:02d}")
            await alice.wait_for(lambda s, e=event_id: s.type == "m.room.redaction" and s.redacts == e, timeout=30)
            samples.append(time.perf_counter() - start)
        return samples
    finally:
        await bot.stop()
        await alice.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--encrypted", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = SynapseServer(Path(tmp) / "synapse")
        server.start()
        try:
            samples = asyncio.run(measure(server, Path(tmp), args.messages, args.encrypted))
        finally:
            server.stop()
    q = statistics.quantiles(samples, n=100)
    room = "encrypted" if args.encrypted else "plain"
    print(f"{len(samples)} messages, {room} room: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"max {max(samples) * 1000:.0f} ms (target p95 < 1000 ms)")


if __name__ == "__main__":
    main()
