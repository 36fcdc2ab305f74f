"""``[matrix]`` settings: parsed from the config table plus secrets from the environment.

Secrets never come from the file: ``MATRIX_ACCESS_TOKEN`` or ``MATRIX_PASSWORD`` authenticate the
bot, ``MATRIX_PICKLE_KEY`` encrypts the end-to-end key store at rest. Errors name the offending key
but never echo a value (a value in the wrong place may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.matrix.gate import GateSettings

_USER_ID = re.compile(r"^@[^:\s]+:[^\s]+$")
_DOMAIN = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
_DURATION = re.compile(r"^\s*([0-9]+)\s*([dhm])\s*$")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60}
_KNOWN_KEYS = {
    "homeserver",
    "user_id",
    "device_id",
    "device_name",
    "store_path",
    "command_prefix",
    "encryption",
    "auto_join_from",
    "sync_timeout_ms",
    "gate",
    "backfill_horizon",
    "member_domains",
}
_SECRET_KEYS = {"access_token", "password", "pickle_key", "token"}
MIN_PICKLE_KEY_LENGTH = 16


@dataclass(frozen=True)
class MatrixSettings:
    """Everything the Matrix adapter needs. Secret fields are excluded from ``repr``."""

    homeserver: str
    user_id: str
    store_path: Path
    access_token: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    pickle_key: str | None = field(default=None, repr=False)
    device_id: str | None = None
    device_name: str = "needtoknow"
    command_prefix: str = "!"
    encryption: bool = True
    # "directory" (members known to the directory), "anyone", or explicit user/room ids; the
    # string "directory" may also appear inside the list.
    auto_join_from: tuple[str, ...] = ("directory",)
    sync_timeout_ms: int = 30_000
    gate: GateSettings | None = None  # [matrix.gate]: the pre-store PII gate (bot/matrix/gate.py)
    # How far back a backfill after a gap (downtime, a burst larger than one sync) reaches; older
    # events in the gap are reported (log + counter), not scanned.
    backfill_horizon_seconds: int = 7 * 86_400
    # Homeserver domains whose users may map to directory members; empty means the bot's own server.
    member_domains: tuple[str, ...] = ()

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    @property
    def member_servers(self) -> frozenset[str]:
        """Only users on these servers are ever looked up in the directory (issue 16: a user on another
        server with a matching localpart — ``@vera:elsewhere.example`` — is never ``@vera:ours``)."""
        return frozenset(d.lower() for d in (self.member_domains or (self.server_name,)))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], env: Mapping[str, str]) -> MatrixSettings:
        """Build settings from the ``[matrix]`` table and the environment; ``ValueError`` names the key."""
        for key in table:
            if key in _SECRET_KEYS:
                raise ValueError(
                    f"[matrix] {key}: secrets are read from the environment (MATRIX_ACCESS_TOKEN, "
                    "MATRIX_PASSWORD, MATRIX_PICKLE_KEY), never from the config file"
                )
            if key not in _KNOWN_KEYS:
                raise ValueError(f"[matrix] {key}: unknown setting; expected one of {', '.join(sorted(_KNOWN_KEYS))}")

        homeserver = _string(table, "homeserver", required=True).rstrip("/")
        if not homeserver.startswith(("https://", "http://")):
            raise ValueError("[matrix] homeserver: must be a URL starting with https:// (or http:// for loopback)")
        user_id = _string(table, "user_id", required=True)
        if not _USER_ID.match(user_id):
            raise ValueError("[matrix] user_id: must look like @bot:example.org")
        store_path = Path(_string(table, "store_path") or "matrix-store")
        prefix = _string(table, "command_prefix") or "!"
        if len(prefix) > 3 or any(c.isspace() or c.isalnum() for c in prefix):
            raise ValueError("[matrix] command_prefix: use one to three punctuation characters, such as '!'")
        encryption = table.get("encryption", True)
        if not isinstance(encryption, bool):
            raise ValueError("[matrix] encryption: must be true or false")
        auto_join = table.get("auto_join_from", "directory")
        if isinstance(auto_join, str):
            auto_join_from: tuple[str, ...] = (auto_join,)
        elif isinstance(auto_join, list | tuple) and all(isinstance(x, str) for x in auto_join):
            auto_join_from = tuple(auto_join)
        else:
            raise ValueError("[matrix] auto_join_from: 'directory', 'anyone' or a list of user/room ids")
        for entry in auto_join_from:
            if entry not in ("directory", "anyone") and not entry.startswith(("@", "!")):
                raise ValueError("[matrix] auto_join_from: entries are 'directory', 'anyone', @user:hs or !room:hs")
        timeout = table.get("sync_timeout_ms", 30_000)
        if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1_000 <= timeout <= 120_000:
            raise ValueError("[matrix] sync_timeout_ms: an integer between 1000 and 120000")

        horizon = parse_duration(table.get("backfill_horizon", "7d"), "backfill_horizon")
        domains = table.get("member_domains", [])
        if isinstance(domains, str):
            domains = [domains]
        if not isinstance(domains, list | tuple) or not all(isinstance(d, str) and _DOMAIN.match(d) for d in domains):
            raise ValueError("[matrix] member_domains: a list of homeserver names such as [\"example.org\"]")

        access_token = env.get("MATRIX_ACCESS_TOKEN") or None
        password = env.get("MATRIX_PASSWORD") or None
        if not access_token and not password:
            raise ValueError("MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD: set one in the environment to log the bot in")
        pickle_key = env.get("MATRIX_PICKLE_KEY") or None
        if encryption:
            if not pickle_key:
                raise ValueError(
                    "MATRIX_PICKLE_KEY: required when [matrix] encryption = true; it encrypts the bot's "
                    "end-to-end key store (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            if len(pickle_key) < MIN_PICKLE_KEY_LENGTH:
                raise ValueError(f"MATRIX_PICKLE_KEY: too short; use at least {MIN_PICKLE_KEY_LENGTH} random characters")
        return cls(
            homeserver=homeserver,
            user_id=user_id,
            store_path=store_path,
            access_token=access_token,
            password=password,
            pickle_key=pickle_key,
            device_id=_string(table, "device_id") or None,
            device_name=_string(table, "device_name") or "needtoknow",
            command_prefix=prefix,
            encryption=encryption,
            auto_join_from=auto_join_from,
            sync_timeout_ms=timeout,
            gate=GateSettings.from_mapping(table["gate"], env) if "gate" in table else None,
            backfill_horizon_seconds=horizon,
            member_domains=tuple(d.strip().lower() for d in domains),
        )


def _string(table: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"[matrix] {key}: required")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"[matrix] {key}: must be a string")
    return value.strip()


def parse_duration(value: Any, key: str) -> int:
    """``"7d"``, ``"36h"``, ``"90m"`` -> seconds (at least one hour, at most a year)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"[matrix] {key}: a duration such as \"7d\", \"36h\" or \"90m\"")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not 3_600 <= seconds <= 366 * 86_400:
        raise ValueError(f"[matrix] {key}: between 1 hour and 366 days")
    return seconds
