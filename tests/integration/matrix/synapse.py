"""A throwaway Synapse homeserver for the Matrix integration tests.

One process per test session: loopback only, SQLite, no federation listener, no trusted key
servers, outbound federation only to a dead loopback port (``UNREACHABLE_SERVER``), rate limits
relaxed so tests measure the bot rather than the limiter. Users are registered through the shared-secret admin API (HMAC), the same way an
operator would create the bot account with ``register_new_matrix_user``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVER_NAME = "localhost"
#: A federated server name nobody answers for (nothing listens on port 1 of the loopback): the one
#: destination the test homeserver may federate to, so an invite of ``@someone:127.0.0.1:1`` is
#: really tried — Synapse answers 502 ``M_UNKNOWN`` after about 4 s, as for a member whose
#: homeserver is down. No other outbound federation (and no network beyond the loopback).
UNREACHABLE_SERVER = "127.0.0.1:1"

_RELAXED = {"per_second": 1000, "burst_count": 1000}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def synapse_available() -> bool:
    try:
        import synapse  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class RegisteredUser:
    user_id: str
    password: str
    access_token: str
    device_id: str


class SynapseServer:
    """Owns the config directory and the homeserver subprocess."""

    def __init__(self, workdir: Path, *, python: str = sys.executable,
                 modules: list[dict[str, object]] | None = None, message_rate_limit: bool = False) -> None:
        self.workdir = workdir
        # True: Synapse's default ``rc_message`` (0.2 events a second, bursts of 10, redactions of
        # others' events included), as a homeserver has unless its operator changed it; False:
        # relaxed like every other limit here.
        self.message_rate_limit = message_rate_limit
        # Synapse modules (``homeserver.yaml`` ``modules:``), e.g. the pre-store gate's
        # synapse_http_antispam; change and call ``write_config()`` + ``restart()`` to reconfigure.
        self.modules = list(modules or [])
        self._macaroon_secret = secrets.token_hex(24)
        self._form_secret = secrets.token_hex(24)
        self.python = python
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(24)
        self.config_path = workdir / "homeserver.yaml"
        self.log_path = workdir / "homeserver.log"
        self._proc: subprocess.Popen[bytes] | None = None

    # -- config ---------------------------------------------------------------------------------
    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_config = self.workdir / "log.yaml"
        log_config.write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "formatter": "plain",
                            "filename": str(self.log_path),
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    # docs/matrix.md: the module logs a refused event's whole text at ERROR when it
                    # cannot reach the gate; the recommended level keeps that out of the log.
                    "loggers": {"synapse_http_antispam": {"level": "CRITICAL"}},
                    "disable_existing_loggers": False,
                }
            )
        )
        config = {
            "server_name": SERVER_NAME,
            "pid_file": str(self.workdir / "homeserver.pid"),
            "public_baseurl": self.url + "/",
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.workdir / "homeserver.db")}},
            "log_config": str(log_config),
            "media_store_path": str(self.workdir / "media"),
            "signing_key_path": str(self.workdir / "signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": self._macaroon_secret,
            "form_secret": self._form_secret,
            "report_stats": False,
            "enable_metrics": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [UNREACHABLE_SERVER],
            "url_preview_enabled": False,
            "enable_registration": False,
            "presence": {"enabled": False},
            "redaction_retention_period": "1m",
            "rc_message": {"per_second": 0.2, "burst_count": 10} if self.message_rate_limit else _RELAXED,
            "rc_registration": _RELAXED,
            "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
            "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
            "rc_joins_per_room": _RELAXED,
            "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
            "rc_admin_redaction": _RELAXED,
            "rc_key_requests": _RELAXED,
            "rc_room_creation": _RELAXED,
            "rc_3pid_validation": _RELAXED,
        }
        if self.message_rate_limit:
            # Synapse's default: no separate limiter for redacting others' events (a moderator's
            # redactions count against rc_message like the bot's messages).
            del config["rc_admin_redaction"]
        if self.modules:
            config["modules"] = self.modules
        # JSON is valid YAML, and keeps this free of a yaml dependency.
        self.config_path.write_text(json.dumps(config, indent=2))
        subprocess.run(
            [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path), "--generate-keys"],
            check=True,
            cwd=self.workdir,
            capture_output=True,
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        if not self.config_path.exists():
            self.write_config()
        stderr = (self.workdir / "stderr.log").open("ab")
        self._proc = subprocess.Popen(
            [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.workdir,
            stdout=stderr,
            stderr=stderr,
            env={**os.environ, "SYNAPSE_NO_TLS": "1"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"synapse exited with {self._proc.returncode}; see {self.workdir}")
            try:
                with urllib.request.urlopen(self.url + "/_matrix/client/versions", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {timeout}s; see {self.workdir}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- admin API -----------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, object] | None = None,
                 token: str | None = None) -> dict[str, object]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return dict(json.loads(resp.read() or b"{}"))

    def register(self, localpart: str, *, admin: bool = False) -> RegisteredUser:
        """Register a user with the shared-secret admin API and return its first access token."""
        nonce = str(self._request("GET", "/_synapse/admin/v1/register")["nonce"])
        password = secrets.token_urlsafe(16)
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        result = self._request(
            "POST",
            "/_synapse/admin/v1/register",
            {"nonce": nonce, "username": localpart, "password": password, "admin": admin,
             "mac": mac.hexdigest()},
        )
        return RegisteredUser(
            user_id=str(result["user_id"]),
            password=password,
            access_token=str(result["access_token"]),
            device_id=str(result["device_id"]),
        )

    def exempt_from_rate_limits(self, user_id: str) -> None:
        """What docs/matrix.md tells operators to do for the bot account: the admin API's
        ``override_ratelimit`` with 0/0 (no limit), called with a server admin's token."""
        admin = self.register(f"ratelimitadmin{secrets.token_hex(4)}", admin=True)
        quoted = urllib.request.quote(user_id, safe="")
        self._request("POST", f"/_synapse/admin/v1/users/{quoted}/override_ratelimit",
                      {"messages_per_second": 0, "burst_count": 0}, token=admin.access_token)
