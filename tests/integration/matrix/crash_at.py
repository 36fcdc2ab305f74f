"""``python -m tests.integration.matrix.crash_at <needtoknow arguments>``: the real ``needtoknow``
CLI, killed with SIGKILL at an exact step. Used by ``test_kill_points.py``.

Environment:

* ``NTK_CRASH_MARK`` — a word: counting starts when a message containing it reaches the app
  (removal on arrival or its ordered handling), so only that message's handling is counted.
* ``NTK_CRASH_AT`` — the process kills itself (SIGKILL: nothing after it runs) right after the
  n-th *durable step* after that: a database transaction that wrote something committed; the
  homeserver answered a send, a redaction or a room creation with success; the event ledger
  recorded the marked message; the adapter saved a new direct room to its state file.
* ``NTK_CRASH_LOG`` — a file each step is appended to (``<n> <step>``), so the test knows where
  the process died and how many steps the handling had.
* ``NTK_REPOST_HOLD_SECONDS`` — the PII guard's hold (``REPOST_HOLD``), shortened so a test can wait
  for everything a hold lapse would send.

Test-only: nothing here is imported by the bot.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

MARK = os.environ.get("NTK_CRASH_MARK", "")
AT = int(os.environ.get("NTK_CRASH_AT", "0") or 0)
LOG = os.environ.get("NTK_CRASH_LOG", "")

_lock = threading.Lock()
_state: dict[str, Any] = {"armed": False, "count": 0, "event_id": None}


def step(name: str) -> None:
    """One durable step happened: log it and die if it is the one."""
    if not _state["armed"]:
        return
    with _lock:
        _state["count"] += 1
        n = _state["count"]
        if LOG:
            with open(LOG, "a", encoding="utf-8") as fh:
                fh.write(f"{n} {name}\n")
                fh.flush()
                os.fsync(fh.fileno())
        if n == AT:
            os.kill(os.getpid(), signal.SIGKILL)


def _arm(events: Any) -> None:
    if _state["armed"] or not MARK:
        return
    for e in events:
        if MARK in (getattr(e, "text", "") or ""):
            _state["armed"] = True
            message = getattr(e, "message", None)
            _state["event_id"] = getattr(message, "id", None)
            return


def install() -> None:
    from nio import AsyncClient, RoomCreateResponse, RoomRedactResponse, RoomSendResponse

    import bot.app
    import handlers.pii_guard
    from bot.matrix.ledger import EventLedger
    from bot.matrix.state import MatrixState

    if hold := os.environ.get("NTK_REPOST_HOLD_SECONDS"):
        handlers.pii_guard.REPOST_HOLD = timedelta(seconds=float(hold))

    app_cls: Any = bot.app.App
    real_remove_first = app_cls.remove_pii_first
    real_dispatch = app_cls.dispatch

    async def remove_pii_first(self: Any, events: Any, **kw: Any) -> Any:
        _arm(events)
        return await real_remove_first(self, events, **kw)

    async def dispatch(self: Any, ev: Any) -> Any:
        _arm([ev])
        return await real_dispatch(self, ev)

    app_cls.remove_pii_first = remove_pii_first
    app_cls.dispatch = dispatch

    # A transaction that wrote something (any INSERT/UPDATE/DELETE on its thread), once committed.
    wrote = threading.local()

    def before_cursor_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            wrote.flag = True

    def after_commit(_session: Session) -> None:
        if getattr(wrote, "flag", False):
            wrote.flag = False
            step("commit")

    def after_rollback(_session: Session, _previous: Any = None) -> None:
        wrote.flag = False

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    event.listen(Session, "after_commit", after_commit)
    event.listen(Session, "after_soft_rollback", after_rollback)

    # The homeserver accepted a write.
    client: Any = AsyncClient
    for name, ok in (("room_send", RoomSendResponse), ("room_redact", RoomRedactResponse),
                     ("room_create", RoomCreateResponse)):
        real = getattr(client, name)

        def wrap(real: Any = real, name: str = name, ok: type = ok) -> Any:
            async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
                resp = await real(self, *args, **kwargs)
                if isinstance(resp, ok):
                    step(name)
                return resp

            return call

        setattr(client, name, wrap())

    ledger: Any = EventLedger
    real_record = ledger.record

    def record(self: Any, event_id: str, *args: Any, **kwargs: Any) -> None:
        real_record(self, event_id, *args, **kwargs)
        if event_id == _state["event_id"]:
            step("ledger")

    ledger.record = record

    state_cls: Any = MatrixState
    real_save = state_cls.save
    real_load = state_cls.load.__func__

    def load(cls: Any, store_path: Any) -> Any:
        loaded = real_load(cls, store_path)
        loaded._crash_at_saved_rooms = dict(loaded.dm_rooms)
        return loaded

    state_cls.load = classmethod(load)

    def save(self: Any) -> None:
        before = getattr(self, "_crash_at_saved_rooms", None)
        real_save(self)
        rooms = dict(self.dm_rooms)
        self._crash_at_saved_rooms = rooms
        if before is not None and rooms != before:
            step("dm-room-saved")

    state_cls.save = save


if __name__ == "__main__":
    install()
    from bot.cli import main

    sys.exit(main(sys.argv[1:]))
