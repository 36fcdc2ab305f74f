"""PII guard throughput: a channel receiving N messages per second, scanned by the real engine.

Run from the repository root::

    /work/main/.venv/bin/python benchmarks/pii_guard_throughput.py [--rate 20] [--seconds 30]

Feeds #general (policy ``warn``) with realistic chat, ~20% of it with PII, through ``App.dispatch`` on
the console platform, each message its own task at its scheduled time (as an adapter would). Reports
the scan backlog (messages received but not yet handled) every second — it must not grow — and the
p50/p95 latency from a message to the end of its handling (an upper bound for "message to warning",
since the warning is sent inside the handling). The same loop runs with the policy ``off`` as the
baseline in the same process; the ratio of the two is printed. Target: warning within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.events import MessagePosted
from bot.platform import ChannelRef, UserRef
from redaction import Redactor
from tests.harness import Harness

CLEAN = [
    "Morning all, the quarterly numbers are in the shared drive",
    "Can someone confirm the room for Thursday's training?",
    "I'll be late to the 2pm, stuck in traffic",
    "Thanks for the update, that works for us",
    "Reminder: protocol review is next week, please read section 3",
    "Does anyone have the new referral form template?",
    "The shelter has beds available again starting Monday",
    "Great work on the outreach event yesterday 👏",
    "We need two more volunteers for the language line rota",
    "Can we move the debrief of the closed case to Friday?",
    "ok",
    "+1",
    "Agenda for tomorrow: trends in the region, lessons learned, media policy",
    "Interpreter for Spanish and Tagalog confirmed for the clinic day",
    "Who has the key for the storage room?",
    "Case C-12 update is on the tracker, no names in the notes please",
]
PII = [
    "Maria Gonzalez called again from 312-555-0142, she needs a ride",
    "Her address is 1420 W Elm St, Apt 3B, send the caseworker there",
    "email jsmith.survivor@example.com about the appointment",
    "DOB 04/12/2006, so she is 19 now",
    "Kevin Tran was seen at the motel on Route 9 with two girls",
    "her cousin Ana Ruiz texted from (773) 555-0187",
    "A-number A123456789 for the T-visa file",
    "plate 7XYZ123 parked behind the spa again",
]


def _messages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(PII) if rng.random() < 0.2 else rng.choice(CLEAN) for _ in range(n)]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_phase(h: Harness, texts: list[str], rate: float, label: str) -> dict[str, object]:
    channel = ChannelRef("console", "general")
    user = UserRef("console", "dan")
    latencies: list[float] = []
    pii_latencies: list[float] = []
    in_flight = 0
    backlog: list[int] = []
    tasks: list[asyncio.Task[None]] = []
    warnings_before = len(h.platform.ephemerals("dan"))

    async def one(text: str) -> None:
        nonlocal in_flight
        in_flight += 1
        start = time.perf_counter()
        ref = h.platform.record_member_message(channel, "dan", text)
        await h.app.dispatch(MessagePosted(user=user, channel=channel, message=ref, text=text))
        took = time.perf_counter() - start
        latencies.append(took)
        if text in PII:
            pii_latencies.append(took)
        in_flight -= 1

    async def sampler() -> None:
        while True:
            await asyncio.sleep(1.0)
            backlog.append(in_flight)

    sampling = asyncio.create_task(sampler())
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(text)))
    feed_seconds = time.perf_counter() - t0
    await asyncio.gather(*tasks)
    total_seconds = time.perf_counter() - t0
    sampling.cancel()
    await h.app.drain()
    warnings = len(h.platform.ephemerals("dan")) - warnings_before
    return {
        "label": label,
        "messages": len(texts),
        "with_pii": sum(1 for t in texts if t in PII),
        "warnings": warnings,
        "feed_s": feed_seconds,
        "drain_s": total_seconds - feed_seconds,
        "achieved_rate": len(texts) / total_seconds,
        "p50": _pct(latencies, 0.50),
        "p95": _pct(latencies, 0.95),
        "max": max(latencies) if latencies else 0.0,
        "pii_p50": _pct(pii_latencies, 0.50),
        "pii_p95": _pct(pii_latencies, 0.95),
        "backlog": backlog,
    }


def _print(r: dict[str, object]) -> None:
    print(f"\n== {r['label']} ==")
    print(
        f"messages {r['messages']} (with PII {r['with_pii']}), warnings sent {r['warnings']}, "
        f"fed in {r['feed_s']:.1f} s, drained {r['drain_s']:.2f} s after the last, "
        f"achieved {r['achieved_rate']:.1f} msg/s"
    )
    print(
        f"latency message -> handled: p50 {1000 * float(r['p50']):.0f} ms, p95 {1000 * float(r['p95']):.0f} ms, "
        f"max {1000 * float(r['max']):.0f} ms"
    )
    print(
        f"PII messages -> warning: p50 {1000 * float(r['pii_p50']):.0f} ms, p95 {1000 * float(r['pii_p95']):.0f} ms"
    )
    print(f"backlog (in-flight messages) each second: {r['backlog']}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to feed each phase")
    args = parser.parse_args()
    n = int(args.rate * args.seconds)
    t = time.perf_counter()
    redactor = Redactor()
    print(
        f"engine {redactor.model_name} loaded in {time.perf_counter() - t:.1f} s; {n} messages per phase at {args.rate:g}/s"
    )
    texts = _messages(n)
    results = []
    for label, policy in (("PII guard on (warn)", "warn"), ("baseline (policy off)", "off")):
        with tempfile.TemporaryDirectory() as tmp:
            h = Harness.create(Path(tmp), redactor=redactor)
            if policy == "off":
                await h.command("omar", "/admin policy #general off")
            redactor_warm = h.app.services.redactor_loader()
            redactor_warm.redact("warm up Maria at 312-555-0100")
            results.append(await run_phase(h, texts, args.rate, label))
            await h.close()
    for r in results:
        _print(r)
    on, off = results
    ratio = float(on["p50"]) / max(float(off["p50"]), 1e-6)
    ratio95 = float(on["p95"]) / max(float(off["p95"]), 1e-6)
    print(f"\nratio guard/baseline: p50 {ratio:.1f}x, p95 {ratio95:.1f}x")
    backlog = list(on["backlog"])  # type: ignore[call-overload]
    half = len(backlog) // 2
    growing = half > 0 and statistics.mean(backlog[half:]) > statistics.mean(backlog[:half]) + 2
    ok = not growing and float(on["pii_p95"]) < 1.0
    print(
        f"backlog growing: {'YES' if growing else 'no'}; warning p95 < 1 s: {'yes' if float(on['pii_p95']) < 1.0 else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
