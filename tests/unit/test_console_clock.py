"""The console's /clock: a newcomer watches reminders, alerts and escalations without waiting days."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ConsoleClock
from bot.console.session import parse_clock_target
from tests.harness import Harness

TIP = "/tip Man collects money from two young women at a motel on Bellaire Blvd, drives a white van"


async def test_clock_forward_runs_the_tip_reminder_then_the_escalation(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"tips": {"ack_reminder_minutes": 30, "escalate_minutes": 120}})
    await h.tip("nina", TIP.removeprefix("/tip "))
    assert len(h.platform.dms("vera")) == 1
    note = await h.command("nina", "/clock +1d")
    assert note is not None and "bot time is now" in note
    assert any("Reminder: tip T-0001" in t for t in h.platform.dms("vera"))
    assert any("Escalated tip T-0001" in t for t in h.platform.dms("omar"))
    # stepped through due times: the clock ends where it was asked to, not earlier
    assert h.clock.now() == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    await h.close()


async def test_clock_steps_stop_at_each_due_time(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"tips": {"ack_reminder_minutes": 30, "escalate_minutes": 120}})
    await h.tip("nina", TIP.removeprefix("/tip "))
    seen: list[datetime] = []
    original = h.app.run_due

    def recording_run_due(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(h.clock.now())
        return original(*args, **kwargs)

    h.app.run_due = recording_run_due  # type: ignore[method-assign]
    await h.command("nina", "/clock +5h")
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert [round((t - start).total_seconds() / 60) for t in seen][:2] == [30, 120]
    await h.close()


async def test_clock_refuses_to_go_back_and_explains_bad_input(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    assert await h.command("nina", "/clock 2020-01-01") == "the clock only moves forward"
    note = await h.command("nina", "/clock soon")
    assert note is not None and note.startswith("usage: /clock")
    shown = await h.command("nina", "/clock")
    assert shown is not None and shown.startswith("bot time: Mon 2026-03-02 09:00")
    assert h.platform.deliveries == [] or all(d.kind != "post" for d in h.platform.deliveries)
    await h.close()


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("+3d", datetime(2026, 3, 5, 15, 0, tzinfo=UTC)),
        ("+1d12h", datetime(2026, 3, 4, 3, 0, tzinfo=UTC)),
        ("+90m", datetime(2026, 3, 2, 16, 30, tzinfo=UTC)),
        ("+1w", datetime(2026, 3, 9, 15, 0, tzinfo=UTC)),
        ("2026-03-10 09:00", datetime(2026, 3, 10, 14, 0, tzinfo=UTC)),  # Chicago, after the DST change
    ],
)
def test_clock_targets(arg: str, expected: datetime) -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert parse_clock_target(arg, now, ZoneInfo("America/Chicago")) == expected


@pytest.mark.parametrize("arg", ["+", "+3x", "+3d junk", "tomorrow", "2026-13-01"])
def test_clock_rejects_malformed_targets(arg: str) -> None:
    with pytest.raises(ValueError, match="usage"):
        parse_clock_target(arg, datetime(2026, 3, 2, tzinfo=UTC), ZoneInfo("UTC"))


def test_console_clock_moves_forward_from_real_time() -> None:
    clock = ConsoleClock()
    before = clock.now()
    clock.advance(days=2)
    assert (clock.now() - before).days == 2
