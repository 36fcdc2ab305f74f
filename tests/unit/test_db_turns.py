"""SQLite's writer is handed over in order inside a process: urgent sessions first, then arrival order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from storage.db import Database, Turns


def _queued(turns: Turns, urgent: int, normal: int) -> None:
    for _ in range(500):
        if len(turns._urgent) == urgent and len(turns._normal) == normal:
            return
        time.sleep(0.002)
    raise AssertionError("waiters did not queue")


def test_the_turn_goes_to_an_urgent_waiter_first_then_in_arrival_order() -> None:
    turns = Turns()
    order: list[str] = []
    assert turns.acquire(1)

    def take(name: str, urgent: bool) -> None:
        assert turns.acquire(5, urgent=urgent)
        order.append(name)
        time.sleep(0.01)
        turns.release()

    threads = []
    for name, urgent, queued in (("first", False, (0, 1)), ("second", False, (0, 2)), ("ack", True, (1, 2))):
        t = threading.Thread(target=take, args=(name, urgent))
        t.start()
        threads.append(t)
        _queued(turns, *queued)
    # The holder keeps taking turns (a busy handler): it must not get ahead of the waiters.
    turns.release()
    assert turns.acquire(5)
    order.append("holder again")
    turns.release()
    for t in threads:
        t.join(5)
    assert order == ["ack", "first", "second", "holder again"]


def test_the_turn_is_reentrant_and_a_timed_out_waiter_leaves_the_queue() -> None:
    turns = Turns()
    assert turns.acquire(1) and turns.acquire(1)  # nested sessions in one thread
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(turns.acquire(0.05)))
    waiter.start()
    waiter.join(5)
    assert result == [False] and not turns._normal
    turns.release()
    turns.release()
    other = threading.Thread(target=lambda: result.append(turns.acquire(1)))
    other.start()
    other.join(5)
    assert result == [False, True]



def test_replicas_opening_a_new_database_together_all_open_it(tmp_path: Path) -> None:
    """Switching a new SQLite file to WAL needs the file to itself, and SQLite answers "database is
    locked" at once (no busy wait) when another connection is switching it at the same moment: the
    race of replicas starting together on a new database. Every opener gets the file in WAL."""
    failures: list[str] = []
    for round_ in range(40):
        url = f"sqlite:///{tmp_path}/new-{round_}.db"
        barrier = threading.Barrier(6)

        def open_it(url: str = url, barrier: threading.Barrier = barrier) -> None:
            db = Database(url)
            try:
                barrier.wait()
                with db.engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except Exception as exc:  # collected and asserted below
                failures.append(type(exc).__name__)
            finally:
                db.dispose()

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
