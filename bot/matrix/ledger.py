"""Which timeline events the bot has dealt with, per room: the adapter's gap-free progress record.

One row per event the adapter finished with — ``handled`` (the app took it, or it needed nothing,
such as the bot's own message), ``failed`` (malformed, or its handling raised: logged with type,
room and event id, never content), ``skipped`` (history before the bot's first sync ever) or
``undecrypted`` (no room key yet; a later sync may still decrypt it, so it is not final). The newest rows of a room are its progress: a backfill after a gap walks back
until it meets one of them. Nothing here is message text: room ids, event ids, event types, times.

Kept in a small SQLite file under ``store_path``, next to matrix-nio's key store and the state
file, because it belongs to this bot account and device (one sync stream), not to the task force's
database: a second replica on PostgreSQL must not share it. The standard library's ``sqlite3`` is
enough for a single-writer file; WAL with ``synchronous=NORMAL`` keeps every committed row across a
killed process (an operating-system crash may lose the last few, which only means re-handling them:
the handling is idempotent on the server side, see docs/matrix.md).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

LEDGER_FILE = "needtoknow-matrix-events.sqlite"

HANDLED = "handled"
FAILED = "failed"
UNDECRYPTED = "undecrypted"
SKIPPED = "skipped"  # history before the bot's very first sync (never acted on, by design)
FINAL = (HANDLED, FAILED, SKIPPED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS matrix_event (
    event_id   TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    event_type TEXT NOT NULL DEFAULT '',
    origin_ts  INTEGER NOT NULL DEFAULT 0,
    recorded   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS matrix_event_room ON matrix_event (room_id, origin_ts);
CREATE INDEX IF NOT EXISTS matrix_event_recorded ON matrix_event (recorded);
"""


@dataclass(frozen=True)
class RoomProgress:
    room_id: str
    last_event_id: str
    origin_ts: int


class EventLedger:
    def __init__(self, store_path: Path) -> None:
        store_path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = store_path / LEDGER_FILE
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.path.chmod(0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def status(self, event_id: str) -> str | None:
        row = self._db.execute("SELECT status FROM matrix_event WHERE event_id = ?", (event_id,)).fetchone()
        return str(row[0]) if row else None

    def is_final(self, event_id: str) -> bool:
        """Handled or recorded as failed: a replay or an overlap must do nothing with it again."""
        return self.status(event_id) in FINAL

    def knows(self, event_id: str) -> bool:
        """Seen at all (a backfill stops at any event the bot already met)."""
        return self.status(event_id) is not None

    def record(self, event_id: str, room_id: str, status: str, *, event_type: str = "", origin_ts: int = 0) -> None:
        self._db.execute(
            "INSERT INTO matrix_event (event_id, room_id, status, event_type, origin_ts, recorded) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET status = excluded.status, "
            "recorded = excluded.recorded",
            (event_id, room_id, status, event_type[:100], int(origin_ts or 0), time.time()),
        )

    def progress(self, room_id: str) -> RoomProgress | None:
        """The room's newest event the bot has met (by the server's timestamp)."""
        row = self._db.execute(
            "SELECT event_id, origin_ts FROM matrix_event WHERE room_id = ? ORDER BY origin_ts DESC, recorded DESC "
            "LIMIT 1",
            (room_id,),
        ).fetchone()
        return RoomProgress(room_id, str(row[0]), int(row[1])) if row else None

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, COUNT(*) FROM matrix_event GROUP BY status").fetchall()
        return {str(status): int(n) for status, n in rows}

    def prune(self, older_than_seconds: float) -> int:
        """Forget events recorded longer ago than the backfill horizon (plus margin): a backfill
        never reaches back that far, so they can never be met again."""
        cur = self._db.execute("DELETE FROM matrix_event WHERE recorded < ?", (time.time() - older_than_seconds,))
        return int(cur.rowcount or 0)
