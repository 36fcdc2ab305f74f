"""CPU of a ``/preview``'s database work, step by step, in one thread (no load, no engine).

Builds the bot as ``benchmarks/slack_ack_latency.py`` does (SQLite file, the contract tests' directory plus 50
members, the Slack adapter) and times with the thread's CPU clock, best of 5 repeats:

* the acting member's lookup (``App.context``: done for every event);
* a ``/preview``'s write step in the channel (``Context.once("pii.preview")`` as a delivery: the step looked
  up, the channel's policy, the pending row, its purge item, the audit row with the head, the step recorded,
  ``BEGIN IMMEDIATE`` and the commit) -- what ``handlers.pii_guard.preview_message`` writes.

Run it in two trees (old and new code) alternately and compare: it has no baseline of its own.

    .venv/bin/python benchmarks/preview_db_cost.py [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.slack_ack_latency import bench_config
from bot.app import build_app
from bot.platform import DELIVERY, ChannelRef, UserRef
from bot.slack.platform import SlackPlatform
from handlers.pii_guard import channel_policy
from storage import pii_guard as store
from storage import schedule
from storage.crypto import KeyRing
from tests.integration.slack.conftest import http_settings
from tests.integration.slack.mock_web_api import SlackStandIn


class _NoEngine:
    """The database steps need no engine; the app must not load one."""

    def redact(self, text: str) -> None:
        raise RuntimeError("not used")

    def warm_up(self) -> None:
        pass


def per_call_us(step: Callable[[int], object], n: int) -> tuple[float, float]:
    """(best, median) of 5 repeats of ``n`` calls: microseconds of this thread's CPU per call."""
    repeats = []
    for _ in range(5):
        began = time.thread_time()
        for i in range(n):
            step(i)
        repeats.append((time.thread_time() - began) / n * 1e6)
    return min(repeats), statistics.median(repeats)


async def main(n: int) -> None:
    stand_in = SlackStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        platform = SlackPlatform(http_settings(stand_in))
        app = build_app(bench_config(tmp, 0, 50), platform, keyring=KeyRing.generate(), redactor=_NoEngine())
        user = UserRef("slack", "UB3")
        best, median = per_call_us(lambda i: app.context(user), n)
        print(f"member lookup (App.context): {best:.0f} us best, {median:.0f} us median per call")
        ctx = app.context(user)
        assert ctx.member is not None, "the benchmark member is missing"
        target = ChannelRef("slack", "C1")
        made = [0]

        def write_step(_: int) -> None:
            made[0] += 1
            token = DELIVERY.set(f"bench-delivery-{made[0]}")
            try:
                now = ctx.now()
                with ctx.once("pii.preview") as once:
                    s = once.begin()
                    label = channel_policy(ctx, s, target).label
                    row = store.add_pending(
                        s, kind="preview", policy="preview", poster="slack:UB3", poster_handle="bench3",
                        channel=target.id, channel_label=label, text=f"Tell Zebediah to call 312-555-{made[0] % 9000:04d}",
                        redacted="Tell [PERSON] to call [PHONE]", labels={"PERSON": 1, "PHONE": 1}, removable=True,
                        created_at=now, expires_at=now + timedelta(minutes=30),
                    )  # fmt: skip
                    schedule.schedule(
                        s,
                        key=f"pii:purge:{row.id}",
                        kind="pii.purge",
                        ref=f"PII-{row.id}",
                        due_at=row.expires_at,
                    )
                    ctx.audit(
                        s,
                        "pii.previewed",
                        target="channel:general",
                        detail={"labels": {"PHONE": 1}, "ref": f"PII-{row.id}"},
                    )
                    once.data.update(token=row.token, label=label)
            finally:
                DELIVERY.reset(token)

        best, median = per_call_us(write_step, n // 2)
        print(f"/preview write step (Context.once): {best:.0f} us best, {median:.0f} us median per command")
        await app.stop()
    stand_in.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="calls per repeat (the write step: half as many)")
    asyncio.run(main(parser.parse_args().n))
