"""The adapter's small persistent state: the sync token, remembered DM rooms and the device id.

Stored as JSON under ``store_path`` and replaced atomically (write to a temporary file, fsync,
rename) so a crash never leaves half a file. The sync token is what prevents a restarted bot from
replaying old events; the DM map keeps one direct room per member; pending invites are a case
meeting's members on other homeservers still to be invited. Nothing in it is message text.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import safe_exception_summary

log = logging.getLogger(__name__)

STATE_FILE = "needtoknow-matrix-state.json"


@dataclass
class MatrixState:
    path: Path
    next_batch: str | None = None
    device_id: str | None = None
    dm_rooms: dict[str, str] = field(default_factory=dict)  # user id -> room id
    #: Invites to private rooms the bot made that are still to be sent (members on other homeservers,
    #: invited in the background): room id -> {"users": [user id, ...], "since": epoch seconds}.
    pending_invites: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, store_path: Path) -> MatrixState:
        path = store_path / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            # A corrupt file must not stop the bot; starting without a token only means the first
            # sync skips history, which is the safe direction (no replay).
            log.warning("matrix state file unreadable (%s); starting fresh", safe_exception_summary(exc))
            return cls(path)
        dm = data.get("dm_rooms") or {}
        pending = data.get("pending_invites") or {}
        return cls(
            path,
            next_batch=data.get("next_batch") or None,
            device_id=data.get("device_id") or None,
            dm_rooms={str(k): str(v) for k, v in dm.items()},
            pending_invites={
                str(room): {"users": [str(u) for u in entry.get("users") or []], "since": float(entry.get("since") or 0)}
                for room, entry in pending.items()
                if isinstance(entry, dict)
            },
        )

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = json.dumps(
            {
                "version": 1,
                "next_batch": self.next_batch,
                "device_id": self.device_id,
                "dm_rooms": self.dm_rooms,
                "pending_invites": self.pending_invites,
            },
            indent=1,
            sort_keys=True,
        )
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def dm_user_for(self, room_id: str) -> str | None:
        for user_id, dm_room in self.dm_rooms.items():
            if dm_room == room_id:
                return user_id
        return None
