"""How long does the scheduler sweep take to find and claim due release reminders at scale?

    python -m benchmarks.releases_sweep [--releases 100000]
    NEEDTOKNOW_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test python -m benchmarks.releases_sweep

Inserts N releases (bulk insert) with their scheduled reminders planned exactly as the app plans
them (``handlers.releases.reminder_plan``: 14, 3 and 0 days before expiry at 09:00 local, plus the
expiry notice), expiry dates spread evenly over 300 days, so about 1,000 items fall due at 09:00 on
any one day. Items due before the measured morning are marked done (earlier sweeps). Then it times
the app's own sweep (``App.run_due``, the same code APScheduler runs; it claims, runs each reminder
job and writes its outbox rows) over that morning's ~1,000 due items, and a baseline: an empty sweep
(0 due) in the same run on the same database. It prints ms per 1,000 due, the baseline and their
ratio, and shows that the sweep does not load all releases: how many release rows were loaded (an
ORM load counter), peak RSS before/after, and the claim query's plan (the ``(status, due_at)``
index with LIMIT). Target: under 1 s per 1,000 due.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event, insert, select, text, update
from sqlalchemy.orm import Session

from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import parse_config
from bot.console.platform import ConsolePlatform
from handlers.releases import ReleaseSettings, end_of, reminder_plan
from storage import directory, schedule
from storage.crypto import KeyRing
from storage.models import Counter, OutboxMessage, ScheduledItem
from storage.releases import ReleaseOfInformation

TZ = "America/Chicago"
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SPREAD_DAYS = 300
BATCH = 5000

CONFIG: dict[str, Any] = {
    "bot": {"platform": "console", "timezone": TZ, "task_force_name": "Benchmark"},
    "agencies": [
        {"key": "haven", "name": "Safe Haven Services", "kind": "ngo"},
        {"key": "hsi", "name": "Homeland Security Investigations", "kind": "law_enforcement"},
    ],
    "members": [
        {"handle": "nina", "name": "Nina Sato", "agency": "haven", "discipline": "community_advocate"},
        {"handle": "alice", "name": "Alice Brennan", "agency": "hsi", "discipline": "law_enforcement"},
        {"handle": "ali", "name": "Ali Brenner", "agency": "hsi", "discipline": "law_enforcement"},
    ],
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def build(url: str, workdir: Path) -> App:
    data = dict(CONFIG, database={"url": url})
    config = parse_config(data, source="benchmark", base_dir=str(workdir))
    return build_app(config, ConsolePlatform(), keyring=KeyRing.generate(), clock=FakeClock(START))


def populate(app: App, n: int) -> float:
    """Bulk-insert ``n`` releases and their planned items; returns seconds taken."""
    tz = app.services.config.tz
    settings: ReleaseSettings = app.services.settings["releases"]
    hasher = app.services.hasher
    t0 = time.perf_counter()
    with app.services.db.session() as s:
        nina = directory.member_by_handle(s, "nina")
        haven, hsi = directory.agency_by_key(s, "haven"), directory.agency_by_key(s, "hsi")
        assert nina and haven and hsi
    first_day = START.astimezone(tz).date() + timedelta(days=1)
    for lo in range(1, n + 1, BATCH):
        releases: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        for i in range(lo, min(lo + BATCH, n + 1)):
            expires_on = first_day + timedelta(days=i % SPREAD_DAYS)
            expires_at = end_of(expires_on, tz)
            ref = f"C-{100000 + i}"
            releases.append(
                {
                    "id": i,
                    "number": i,
                    "client_ref": ref,
                    "client_hash": hasher(f"release-client:{ref.replace('-', '')}"),
                    "releasing_agency_id": haven.id,
                    "receiving_agency_id": hsi.id,
                    "owner_id": nina.id,
                    "categories": ["contact_information", "case_details"],
                    "scope": None,
                    "purpose": "coordination of care",
                    "signed_on": expires_on - timedelta(days=60),
                    "expires_on": expires_on,
                    "expires_at": expires_at,
                    "status": "active",
                    "created_at": START,
                    "revoked_verbally": False,
                }
            )
            for key, kind, due_at, days in reminder_plan(i, expires_on, expires_at, settings, tz):
                payload: dict[str, Any] = {"release_id": i} | ({"days": days} if days is not None else {})
                items.append(
                    {
                        "key": key,
                        "kind": kind,
                        "ref": f"R-{i}",
                        "payload": payload,
                        "due_at": due_at,
                        "status": "pending",
                        "attempts": 0,
                    }
                )
        with app.services.db.session() as s:
            s.execute(insert(ReleaseOfInformation), releases)
            s.execute(insert(ScheduledItem), items)
    with app.services.db.session() as s:
        s.add(Counter(name="release", value=n))
    return time.perf_counter() - t0


def claim_plan(app: App, now: datetime) -> str:
    sql = (
        "SELECT id FROM scheduled_items WHERE status = 'pending' AND due_at <= :now "
        "ORDER BY due_at, id LIMIT 500"
    )
    naive = now.astimezone(UTC).replace(tzinfo=None)
    with app.services.db.session() as s:
        if app.services.db.is_sqlite:
            rows = s.execute(text("EXPLAIN QUERY PLAN " + sql), {"now": naive}).all()
            return "; ".join(str(r[-1]) for r in rows)
        rows = s.execute(text("EXPLAIN " + sql), {"now": naive}).all()
        lines = [str(r[0]).strip() for r in rows]
        return " | ".join(x for x in lines if x.startswith(("Limit", "->", "Index Cond")))


def sweep(app: App, now: datetime) -> tuple[float, int]:
    """Sweep until nothing is due (the scheduler would do this over successive ticks)."""
    total = 0
    t0 = time.perf_counter()
    while True:
        result = app.run_due(now)
        total += result.processed + result.failed
        if result.processed + result.failed == 0:
            break
    return time.perf_counter() - t0, total


def run(label: str, url: str, n: int, workdir: Path) -> None:
    app = build(url, workdir)
    tz = app.services.config.tz
    print(f"\n== {label}: {n:,} releases")
    seconds = populate(app, n)
    with app.services.db.session() as s:
        count = s.execute(select(ScheduledItem.id).order_by(ScheduledItem.id.desc()).limit(1)).scalar_one()
    print(f"bulk insert: {seconds:.1f} s ({n:,} releases, {count:,} scheduled items)")

    day: date = START.astimezone(tz).date() + timedelta(days=60)
    morning = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=9).astimezone(UTC)
    with app.services.db.session() as s:  # earlier sweeps already handled everything before today
        s.execute(
            update(ScheduledItem)
            .where(ScheduledItem.due_at < morning - timedelta(minutes=30))
            .values(status="done")
        )
    if not app.services.db.is_sqlite:
        with app.services.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")

    loaded = {"releases": 0}

    @event.listens_for(ReleaseOfInformation, "load")
    def _count(target: Any, context: Any) -> None:
        loaded["releases"] += 1

    empty = []
    for _ in range(7):
        elapsed, processed = sweep(app, morning - timedelta(minutes=20))
        assert processed == 0
        empty.append(elapsed)
    baseline_ms = statistics.median(empty) * 1000
    claims = []
    for _ in range(5):  # find and claim only (rolled back): the part that must not scan all rows
        with app.services.db.engine.connect() as conn, Session(bind=conn) as s:
            t0 = time.perf_counter()
            claimed = 0
            while batch := schedule.claim_due(s, morning + timedelta(seconds=30), limit=500):
                claimed += len(batch)
                for item in batch:
                    item.status = "claimed"
                s.flush()
            claims.append(time.perf_counter() - t0)
            s.rollback()
    claim_ms = statistics.median(claims) * 1000 * 1000 / max(claimed, 1)
    rss_before = rss_mb()
    elapsed, processed = sweep(app, morning + timedelta(seconds=30))
    rss_after = rss_mb()
    per_1000 = elapsed * 1000 * 1000 / max(processed, 1)
    with app.services.db.session() as s:
        outbox_rows = len(list(s.execute(select(OutboxMessage.id))))
    event.remove(ReleaseOfInformation, "load", _count)
    print(f"due at 09:00 on {day}: {processed:,} items claimed and run; {outbox_rows:,} outbox rows written")
    print(f"sweep: {elapsed * 1000:.0f} ms = {per_1000:.0f} ms per 1,000 due (target < 1000 ms)")
    print(
        f"of which find + claim only (claim_due, median of 5, rolled back): {claim_ms:.0f} ms per 1,000 due"
    )
    print(f"baseline (empty sweep, 0 due, median of 7): {baseline_ms:.2f} ms")
    print(f"ratio sweep-per-1,000-due / empty sweep: {per_1000 / baseline_ms:.0f}x")
    print(f"release rows loaded by the sweep: {loaded['releases']:,} of {n:,}")
    print(f"peak RSS before/after the sweep: {rss_before:.0f} MB / {rss_after:.0f} MB")
    print(f"claim query plan: {claim_plan(app, morning)}")
    print("OK" if per_1000 < 1000 else "SLOWER THAN TARGET")
    app.services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ntk-releases-bench-") as tmp:
        run("SQLite file", f"sqlite:///{tmp}/bench.db", args.releases, Path(tmp))
        base = os.environ.get("NEEDTOKNOW_TEST_DATABASE_URL")
        if base:
            import psycopg

            schema = f"ntk_bench_{uuid.uuid4().hex[:10]}"
            plain = base.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            try:
                sep = "&" if "?" in base else "?"
                url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
                run("PostgreSQL", url, args.releases, Path(tmp))
            finally:
                with psycopg.connect(plain, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        else:
            print("\n(PostgreSQL skipped: set NEEDTOKNOW_TEST_DATABASE_URL to include it)")


if __name__ == "__main__":
    main()
