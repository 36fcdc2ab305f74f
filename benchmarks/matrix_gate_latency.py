"""What the pre-store gate adds to a Matrix send, and whether it keeps up with 20 messages/s.

    /work/main/.venv/bin/python benchmarks/matrix_gate_latency.py [--messages 200] [--load-seconds 60] [--rate 20]

One throwaway Synapse (loopback, SQLite) and one real bot process state for the whole run: the real
app (``build_app``, demo directory, every feature registered), the real engine, the Matrix adapter
with ``[matrix.gate]`` (deadline 500 ms, fail closed) listening throughout, in a room registered as a
``block`` channel where the bot has power 50. A real matrix-nio client (the member) sends; the clock
runs around ``room_send`` (send to the homeserver's answer: accepted = event id, refused = error).

Phases, same Synapse (same database and rooms), same run, each after the bot has caught up:
  A   Synapse without the module: N clean messages, sequential (the baseline);
  B   Synapse restarted with ``synapse_http_antispam`` (fail_open false): N clean messages (accepted
      through the gate), then PII messages (send to refusal);
  A2  Synapse restarted without the module again: N clean messages (a second baseline, so the figure
      is not an artefact of phase order);
  L0  still without the module: ``--rate`` messages/s for ``--load-seconds`` s, ~20 % with PII, sent
      on a fixed schedule without waiting for answers (all stored; the guard redacts afterwards);
  L   the same load with the module: counts deadline answers ("timeouts"), answers other than
      accepted-clean / refused-PII, and the gate's own verdict times.
Targets (issue 18): added p95 < 100 ms, added p99 < 250 ms; under load, no timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nio import RoomSendError, RoomSendResponse

from tests.harness import demo_data
from tests.integration.matrix.helpers import Member, RunningBot, wait_until
from tests.integration.matrix.synapse import SynapseServer, _free_port

CLEAN = [
    "Agenda for Thursday's case review is in the shared folder",
    "Can everyone confirm attendance for the training next week?",
    "The shelter has two beds open tonight, call intake if you need one",
    "Reminder: use case numbers only in this room",
    "Thanks all, the referral went through this morning",
    "Coordinator update: the MOU draft is ready for comments",
    "Interpreter for the Tuesday interview is confirmed",
    "Please send your monthly statistics by Friday",
    "Legal clinic hours moved to the afternoon this week",
    "We need volunteers for the outreach table at the health fair",
]
NAMES = ["Zebediah Quackenbush", "Marisol Etxeberria", "Tobias Wunderlich", "Ingrid Halvorsen",
         "Rafael Quintanilla", "Dmitri Volkonsky", "Priya Raghunathan", "Colette Beaumarchais"]


def pii(i: int) -> str:
    return f"Tell {NAMES[i % len(NAMES)]} to call 312-555-{i % 10000:04d} tonight"


def clean(i: int) -> str:
    # No counter in the text: the engine reads a bare "(3)" after a sentence as an age.
    return CLEAN[i % len(CLEAN)]


def q(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1] if len(samples) > 1 else samples[0]


def fmt(samples: list[float]) -> str:
    return (f"p50 {q(samples, 50):.1f} ms, p95 {q(samples, 95):.1f} ms, p99 {q(samples, 99):.1f} ms, "
            f"max {max(samples):.1f} ms (n={len(samples)})")


def module(port: int, secret: str) -> dict[str, object]:
    return {"module": "synapse_http_antispam.HTTPAntispam",
            "config": {"base_url": f"http://127.0.0.1:{port}", "authorization": secret,
                       "enabled_callbacks": ["check_event_for_spam"],
                       "fail_open": {"check_event_for_spam": False}}}


async def send(member: Member, room: str, body: str) -> tuple[float, Any]:
    start = time.perf_counter()
    resp = await member.client.room_send(room, "m.room.message", {"msgtype": "m.text", "body": body},
                                         ignore_unverified_devices=True)
    return (time.perf_counter() - start) * 1000, resp


async def reconfigure(app: Any, platform: Any, server: SynapseServer, member: Member, room: str,
                      modules: list[dict[str, object]]) -> None:
    """Restart Synapse with ``modules``, after the bot has delivered what the last phase queued: a DM
    caught by the restart would otherwise wait out the outbox's back-off, and ``settle`` with it."""
    await settle(app, platform)
    server.modules = modules
    server.write_config()
    await asyncio.to_thread(server.restart)
    for _ in range(100):  # until the member's client gets through again
        _, resp = await send(member, room, "probe after restart")
        if isinstance(resp, RoomSendResponse):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the member could not send after the restart")


async def settle(app: Any, platform: Any, limit: float = 180.0) -> None:
    """Until the bot has caught up (outbox empty, no new sync batches handled for 3 s): the phase
    before must not leave work behind that the next phase would be measured against."""
    from sqlalchemy import func, select

    from storage.models import OutboxMessage

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = platform.handled_count
        await asyncio.sleep(3)
        with app.services.db.session() as s:
            pending = s.execute(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status == "pending")).scalar_one()
        if pending == 0 and platform.handled_count - before <= 3:
            return


async def sequential(member: Member, room: str, texts: list[str], *, accepted: bool) -> list[float]:
    samples: list[float] = []
    for text in texts:
        ms, resp = await send(member, room, text)
        ok = isinstance(resp, RoomSendResponse)
        if ok != accepted:
            code = getattr(resp, "status_code", "?")
            print(f"  unexpected answer ({'accepted' if ok else code}) for a {'clean' if accepted else 'PII'} message")
            continue
        if not accepted and getattr(resp, "status_code", None) != "M_FORBIDDEN":
            print(f"  refusal with {resp.status_code}")
        samples.append(ms)
    return samples


async def load(member: Member, room: str, rate: float, seconds: float, *, gated: bool = True) -> dict[str, Any]:
    total = int(rate * seconds)
    start = time.perf_counter()
    results: list[tuple[bool, float, Any]] = []
    backlog: list[int] = []

    async def one(i: int, is_pii: bool) -> None:
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        ms, resp = await send(member, room, pii(i) if is_pii else clean(i))
        results.append((is_pii, ms, resp))

    async def watch() -> None:
        while len(results) < total:
            await asyncio.sleep(1)
            due = min(total, int((time.perf_counter() - start) * rate))
            backlog.append(due - len(results))

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(one(i, i % 5 == 0) for i in range(total)))
    watcher.cancel()
    elapsed = time.perf_counter() - start
    if not gated:  # without the module every message is accepted (the guard acts afterwards)
        results = [(False, ms, r) for _, ms, r in results]
    clean_ok = [ms for p, ms, r in results if not p and isinstance(r, RoomSendResponse)]
    pii_refused = [ms for p, ms, r in results if p and isinstance(r, RoomSendError) and r.status_code == "M_FORBIDDEN"]
    deadline = [r for _, _, r in results if isinstance(r, RoomSendError) and "did not finish in time" in (r.message or "")]
    other = [r for p, _, r in results if (p and not (isinstance(r, RoomSendError) and r.status_code == "M_FORBIDDEN"))
             or (not p and not isinstance(r, RoomSendResponse))]
    return {"total": total, "elapsed": elapsed, "clean_ok": clean_ok, "pii_refused": pii_refused,
            "deadline": len(deadline), "other": other, "backlog": backlog}


async def run(workdir: Path, count: int, rate: float, seconds: float, with_baseline_load: bool) -> None:
    from bot.app import build_app
    from bot.config import parse_config
    from bot.matrix import MatrixSettings, create_matrix_platform
    from redaction import Redactor
    from storage import directory
    from storage.crypto import KeyRing

    port, secret = _free_port(), secrets.token_urlsafe(32)
    server = SynapseServer(workdir / "synapse")
    await asyncio.to_thread(server.start)
    try:
        redactor = Redactor()
        bot_user = server.register("benchbot")
        nina = Member(server, server.register("benchnina"), workdir / "nina")
        data: dict[str, Any] = demo_data()
        data["database"] = {"url": f"sqlite:///{workdir}/needtoknow.db"}
        data.pop("security", None)
        for m in data["members"]:
            if m["handle"] == "nina":
                m["matrix_id"] = nina.user.user_id
        config = parse_config(data, source="benchmark", base_dir=str(workdir))
        settings = MatrixSettings.from_mapping(
            {"homeserver": server.url, "user_id": bot_user.user_id, "store_path": str(workdir / "bot"),
             "device_id": bot_user.device_id, "sync_timeout_ms": 1000,
             "gate": {"listen": f"127.0.0.1:{port}", "deadline_ms": 500, "fail_open": False}},
            {"MATRIX_ACCESS_TOKEN": bot_user.access_token, "MATRIX_PICKLE_KEY": "bench-pickle-key-0123456789abcdef",
             "NEEDTOKNOW_GATE_SECRET": secret},
        )
        platform = create_matrix_platform(settings)
        app = build_app(config, platform, keyring=KeyRing.generate(), redactor=redactor)
        bot = RunningBot(platform, app)
        await nina.start()
        await bot.start()
        try:
            room = await nina.create_room([bot_user.user_id], power_levels={bot_user.user_id: 50})
            with app.services.db.session() as s:
                directory.upsert_channel(s, name="core-team", pii_policy="block", agreement=None,
                                         identities=[("matrix", room)])
            platform.gate.refresh_policies()
            await wait_until(lambda: room in platform.client.rooms, what="bot joined")
            clean_texts = [clean(i) for i in range(count)]
            for text in CLEAN:  # the clean set must be clean for the engine, or it is not a fair test
                assert not redactor.redact(text).findings, text
            for i in range(40):
                assert redactor.redact(pii(i)).findings, pii(i)
            print(f"real app + real engine ({redactor.model_name}); gate deadline 500 ms, fail closed")

            await sequential(nina, room, clean_texts[:10], accepted=True)  # warm-up
            base_a = await sequential(nina, room, clean_texts, accepted=True)
            print(f"A   without the module, clean:        {fmt(base_a)}")

            await reconfigure(app, platform, server, nina, room, [module(port, secret)])
            await settle(app, platform)
            await sequential(nina, room, clean_texts[:10], accepted=True)
            gated = await sequential(nina, room, clean_texts, accepted=True)
            print(f"B   with the gate, clean (accepted):  {fmt(gated)}")
            refused = await sequential(nina, room, [pii(i) for i in range(max(20, count // 4))], accepted=False)
            print(f"B   with the gate, PII (refused):     {fmt(refused)}")

            await reconfigure(app, platform, server, nina, room, [])
            await settle(app, platform)
            await sequential(nina, room, clean_texts[:10], accepted=True)
            base_a2 = await sequential(nina, room, clean_texts, accepted=True)
            print(f"A2  without the module again, clean:  {fmt(base_a2)}")

            if with_baseline_load:
                await settle(app, platform)
                plain = await load(nina, room, rate, seconds, gated=False)
                print(f"L0  without the module: {plain['total']} messages at {rate:g}/s in {plain['elapsed']:.1f} s; "
                      f"clean send latency {fmt(plain['clean_ok'])}; sends outstanding each second: max "
                      f"{max(plain['backlog'] or [0])}")

            await reconfigure(app, platform, server, nina, room, [module(port, secret)])
            await settle(app, platform)
            before = dict(platform.gate.counts)
            platform.gate.verdict_ms.clear()
            result = await load(nina, room, rate, seconds)
            verdicts = list(platform.gate.verdict_ms)
            deadline_answers = platform.gate.counts["deadline"] - before.get("deadline", 0)
            print(f"L   {result['total']} messages at {rate:g}/s in {result['elapsed']:.1f} s: "
                  f"{len(result['clean_ok'])} clean accepted, {len(result['pii_refused'])} PII refused, "
                  f"{len(result['other'])} other answers, {deadline_answers} deadline answers (timeouts)")
            print(f"L   clean send latency under load:    {fmt(result['clean_ok'])}")
            print(f"L   gate verdict time (all events):   {fmt(verdicts)}")
            print(f"L   sends outstanding each second: max {max(result['backlog'] or [0])}")

            base = base_a + base_a2
            print(f"baseline A+A2:                        {fmt(base)}")
            for pct, target in ((50, None), (95, 100), (99, 250)):
                added = q(gated, pct) - q(base, pct)
                ratio = q(gated, pct) / q(base, pct)
                goal = f" (target < {target} ms: {'met' if added < target else 'MISSED'})" if target else ""
                print(f"added p{pct}: {added:+.1f} ms, ratio {ratio:.2f}x{goal}")
            no_timeouts = deadline_answers == 0 and not result["other"]
            print(f"load: {'no timeouts' if no_timeouts else 'TIMEOUTS OR UNEXPECTED ANSWERS'}")
        finally:
            await bot.stop()
            await app.stop()
            await nina.stop()
    finally:
        await asyncio.to_thread(server.stop)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--no-baseline-load", action="store_true", help="skip the same load without the module")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.messages, args.rate, args.load_seconds, not args.no_baseline_load))


if __name__ == "__main__":
    main()
