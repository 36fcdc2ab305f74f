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

    /work/main/.venv/bin/python benchmarks/matrix_redaction_latency.py --catch-up [--backlog 60]

Catch-up after downtime (issue 15): first a steady-state baseline (20 messages, as above); then
the bot is stopped and a backlog arrives — by default 60 messages, half with PII — and the bot is
started again on the same store and database. What ten minutes of downtime means: one bot guards
every room of the task force, so its backlog is the sum over the rooms. A busy coordination room
carries about six messages a minute (60 in ten minutes, the default); several busy rooms at once, as
around an operation, about 20 a minute (``--backlog 200``); ``--backlog 500`` is 50 a minute, ten
rooms at five a minute each — more than any task force room list we know of, so the upper bound. The
benchmark posts the backlog into one room, the worst case for the live messages: the homeserver
persists a room's events one after another, and the live messages go to the same room. Two
figures: how long each backlog PII message stays visible after the bot is back (from the start of the
new process's run to the member seeing the redaction), and send-to-redaction for 10 live PII messages
posted while the bot is catching up (``--live N`` for more). Reported against the baseline's p95 as a
ratio; the load average before and after the run is printed (the machine may be shared).
Target: live p95 < 500 ms while catching up. ``--trace`` adds each live message's timeline (the
member's send answered, the event reaching the bot's sync, the redaction sent and answered, the member
seeing it); every catch-up run prints the CPU time the homeserver and the bot (with the member's
client, same process) used and how often the bot synced.

    ... --catch-up --messages 5 --backlog 20 --rate-limit default|exempt

The test Synapse relaxes every rate limit. ``default`` gives it Synapse's default message limit
(``rc_message`` 0.2 events a second, bursts of 10, redactions of others' messages included);
``exempt`` also exempts the bot with the admin API's ``override_ratelimit``, as docs/matrix.md tells
operators to. The member is exempt in both (the bot is measured, not the sender).
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


async def measure(
    server: SynapseServer,
    workdir: Path,
    count: int,
    encrypted: bool,
    catch_up: int | None = None,
    stats: dict[str, list[float]] | None = None,
    exempt_bot: bool = False,
    live_count: int = 10,
) -> tuple[list[float], str]:
    from bot.app import build_app
    from bot.config import parse_config
    from bot.matrix import create_matrix_platform
    from redaction import Redactor
    from storage import directory
    from storage.crypto import KeyRing

    redactor = Redactor()
    bot_user = server.register("benchbot")
    if exempt_bot:
        server.exempt_from_rate_limits(bot_user.user_id)
    nina = Member(server, server.register("benchnina"), workdir / "nina")
    if server.message_rate_limit:
        server.exempt_from_rate_limits(nina.user.user_id)  # the bot is measured, not the sender
    data: dict[str, Any] = demo_data()
    data["database"] = {"url": f"sqlite:///{workdir}/needtoknow.db"}
    data.pop("security", None)
    for member in data["members"]:
        if member["handle"] == "nina":
            member["matrix_id"] = nina.user.user_id
    config = parse_config(data, source="benchmark", base_dir=str(workdir))
    platform = create_matrix_platform(bot_settings(server, bot_user, workdir / "bot"))
    keyring = KeyRing.generate()
    stats = stats if stats is not None else {}
    app = build_app(config, platform, keyring=keyring, redactor=redactor)
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
        if catch_up is None:
            return samples, redactor.model_name
        # -- downtime: stop the bot as SIGTERM does (in-flight handling finishes); a backlog arrives;
        # start a new bot on the same store and database
        await app.shutdown(30)
        await bot.stop()
        await app.stop()
        backlog = []
        newest = ""
        for i in range(catch_up):
            if i % 2 == 0:
                newest = await nina.send(room, message(1000 + i))
                backlog.append(newest)
            else:
                newest = await nina.send(room, "Reminder: the quarterly review moves to the large conference room")
        platform = create_matrix_platform(bot_settings(server, bot_user, workdir / "bot"))
        app = build_app(config, platform, keyring=keyring, redactor=redactor)
        bot = RunningBot(platform, app)
        seen_at: dict[str, float] = {}

        def note_redactions() -> None:
            now = time.perf_counter()
            for s in nina.seen:
                if s.type == "m.room.redaction" and s.redacts and s.redacts not in seen_at:
                    seen_at[s.redacts] = now

        note_redactions()
        trace = _Trace(platform, redactor) if stats is not None and "trace" in stats else None
        cpu_before = (time.process_time(), _cpu_seconds(server))
        start = time.perf_counter()
        bot.task = asyncio.create_task(platform.run(app))
        live: list[tuple[str, float]] = []
        answered: dict[str, float] = {}  # the member's send answered by the homeserver
        next_live = start + 0.3
        caught_up: float | None = None  # the ordered handling finished the backlog (oldest first)
        while (not set(backlog) <= set(seen_at) or len(live) < live_count
               or not {e for e, _ in live} <= set(seen_at)):
            if time.perf_counter() - start > 900:
                raise RuntimeError("the backlog was not cleared within 900 s")
            if len(live) < live_count and time.perf_counter() >= next_live:
                sent_at = time.perf_counter()
                live.append((await nina.send(room, message(2000 + len(live))), sent_at))
                answered[live[-1][0]] = time.perf_counter()
                next_live = sent_at + 0.5
            await asyncio.sleep(0.01)
            note_redactions()
            if caught_up is None and platform.ledger.is_final(newest):
                caught_up = time.perf_counter()
        while caught_up is None:
            if time.perf_counter() - start > 900:
                raise RuntimeError("the backlog was not handled within 900 s")
            await asyncio.sleep(0.05)
            if platform.ledger.is_final(newest):
                caught_up = time.perf_counter()
        if trace is not None:
            stats["trace"] = []
            for e, t in live:
                stats.setdefault("t_answered", []).append(answered[e] - t)
                stats.setdefault("t_arrived", []).append(trace.arrived.get(e, float("nan")) - t)
                stats.setdefault("t_redact_sent", []).append(trace.redact_sent.get(e, float("nan")) - t)
                stats.setdefault("t_redact_done", []).append(trace.redact_done.get(e, float("nan")) - t)
                stats.setdefault("t_seen", []).append(seen_at[e] - t)
            stats["t_scan_calls"] = [float(len(trace.scan_seconds))]
            stats["t_scan_busy"] = [sum(trace.scan_seconds)]
        stats["cpu"] = [time.process_time() - cpu_before[0], _cpu_seconds(server) - cpu_before[1],
                        time.perf_counter() - start]
        stats["syncs"] = [float(platform.sync_count)]
        stats["backlog"] = [seen_at[e] - start for e in backlog]
        stats["live"] = [seen_at[e] - t for e, t in live]
        stats["live_catching_up"] = [seen_at[e] - t for e, t in live if t < caught_up]
        stats["caught_up"] = [caught_up - start]
        stats["backfilled"] = [float(platform.backfilled_count)]
        stats["on_arrival"] = [float(platform.removed_on_arrival)]
        return samples, redactor.model_name
    finally:
        await bot.stop()
        await app.stop()
        await nina.stop()


def _cpu_seconds(server: SynapseServer) -> float:
    """CPU time (user + system) the homeserver process has used so far (Linux ``/proc``)."""
    proc = server._proc
    if proc is None:
        return float("nan")
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Trace:
    """``--trace``: when each event reached the bot (a sync handed it to the removal on arrival or
    a backfill fetched it), when its redaction request was sent and answered, and how long the
    engine was busy — wrapped around the running bot, nothing changed in it."""

    def __init__(self, platform: Any, redactor: Any) -> None:
        self.arrived: dict[str, float] = {}
        self.redact_sent: dict[str, float] = {}
        self.redact_done: dict[str, float] = {}
        self.scan_seconds: list[float] = []
        start_arrival = platform._start_arrival

        def traced_arrival(resp: Any) -> Any:
            now = time.perf_counter()
            for joined in resp.rooms.join.values():
                for event in joined.timeline.events:
                    self.arrived.setdefault(getattr(event, "event_id", ""), now)
            return start_arrival(resp)

        platform._start_arrival = traced_arrival
        room_redact = platform.client.room_redact

        async def traced_redact(room_id: str, event_id: str, *args: Any, **kwargs: Any) -> Any:
            self.redact_sent.setdefault(event_id, time.perf_counter())
            try:
                return await room_redact(room_id, event_id, *args, **kwargs)
            finally:
                self.redact_done.setdefault(event_id, time.perf_counter())

        platform.client.room_redact = traced_redact
        from handlers import pii_guard

        scan_many = pii_guard._scan_many

        def traced_many(services: Any, texts: Any) -> Any:
            began = time.perf_counter()
            try:
                return scan_many(services, texts)
            finally:
                self.scan_seconds.append(time.perf_counter() - began)

        pii_guard._scan_many = traced_many  # type: ignore[assignment]


def _ms(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"{samples[0] * 1000:.0f} ms" if samples else "-"
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--encrypted", action="store_true")
    parser.add_argument("--catch-up", action="store_true", help="measure catching up after downtime")
    parser.add_argument("--backlog", type=int, default=60, help="messages sent while the bot is down")
    parser.add_argument("--live", type=int, default=10, help="live PII messages sent while catching up (0.5 s apart)")
    parser.add_argument("--trace", action="store_true",
                        help="with --catch-up: each live message's timeline (reached the bot, redaction sent/answered)")
    parser.add_argument("--rate-limit", choices=("relaxed", "default", "exempt"), default="relaxed",
                        help="Synapse's rc_message: relaxed (tests), Synapse's default (0.2/s, burst 10), "
                             "or the default with the bot exempted by the admin API (docs/matrix.md)")
    args = parser.parse_args()
    stats: dict[str, list[float]] = {"trace": []} if args.trace else {}
    load_before = os.getloadavg()
    count = 20 if args.catch_up and args.messages == 100 else args.messages
    with tempfile.TemporaryDirectory() as tmp:
        server = SynapseServer(Path(tmp) / "synapse", message_rate_limit=args.rate_limit != "relaxed")
        server.start()
        try:
            samples, model = asyncio.run(measure(server, Path(tmp), count, args.encrypted,
                                                 args.backlog if args.catch_up else None, stats,
                                                 exempt_bot=args.rate_limit == "exempt", live_count=args.live))
        finally:
            server.stop()
    q = statistics.quantiles(samples, n=100, method="inclusive")
    room = "encrypted" if args.encrypted else "plain"
    print(f"real app (build_app, demo directory, PII guard policy redact) + real engine ({model})")
    print(f"Synapse rc_message: {args.rate_limit}")
    print("load average (1, 5, 15 min): before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
        *load_before, *os.getloadavg()))
    print(f"{len(samples)} messages, {room} room: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"max {max(samples) * 1000:.0f} ms (target p95 < 1000 ms)")
    if args.catch_up:
        backlog, live = stats["backlog"], stats["live"]
        base = q[94]
        live_p95 = statistics.quantiles(live, n=100, method="inclusive")[94]
        print(f"catch-up after downtime: {args.backlog} messages ({len(backlog)} with PII) arrived while the bot "
              f"was stopped; {int(stats['backfilled'][0])} of them fetched by backfill; "
              f"{int(stats['on_arrival'][0])} PII messages removed on arrival")
        print(f"  backlog PII visible after the bot is back: {_ms(backlog)}")
        bot_cpu, synapse_cpu, wall = stats["cpu"]
        print(f"  from the restart until the backlog and live PII were removed ({wall:.1f} s): CPU of the bot and "
              f"member process {bot_cpu:.1f} s, of Synapse {synapse_cpu:.1f} s; the bot synced "
              f"{int(stats['syncs'][0])} times")
        during = stats["live_catching_up"]
        print(f"  the ordered handling finished the backlog {stats['caught_up'][0]:.1f} s after the bot was back")
        print(f"  live PII sent while catching up, send -> redaction: {_ms(live)} "
              f"({live_p95 / base:.1f}x the steady-state p95; target p95 < 500 ms)")
        print(f"    of which {len(during)} sent before the ordered handling had finished the backlog: {_ms(during)}")
        if args.trace:
            print("  live PII timeline from the member's send (--trace):")
            for key, what in (("t_answered", "the member's send answered"), ("t_arrived", "reached the bot (sync)"), ("t_redact_sent", "redaction sent"),
                              ("t_redact_done", "redaction answered"), ("t_seen", "member saw it")):
                values = [v for v in stats[key] if v == v]
                print(f"    {what}: {_ms(values)} ({len(values)} of {len(stats[key])})")
            print(f"  engine: {int(stats['t_scan_calls'][0])} batch scans, busy {stats['t_scan_busy'][0]:.1f} s")


if __name__ == "__main__":
    main()
