"""Settings for the Slack adapter: the ``[slack]`` config table plus secrets from the environment.

Secrets never come from the config file (it is often committed or shared with an IT contractor);
``SlackSettings.from_mapping`` reads them from ``env`` and its ``repr`` hides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_BASE_URL = "https://slack.com/api/"

#: Neutral command name -> Slack slash command. ``/ntk`` and ``/ntk-admin`` rather than ``/help`` and
#: ``/admin`` because Slack reserves ``/help`` and other apps commonly claim ``/admin``.
DEFAULT_COMMAND_NAMES: dict[str, str] = {
    "tip": "/tip",
    "preview": "/preview",
    "release": "/release",
    "operation": "/operation",
    "case": "/case",
    "admin": "/ntk-admin",
    "help": "/ntk",
}

_MODES = ("socket", "http")


@dataclass(frozen=True)
class SlackSettings:
    """Everything the adapter needs to start. Built by ``from_mapping``; tests build it directly."""

    mode: str = "socket"
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    admin_user_token: str | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 3000
    path: str = "/slack/events"
    api_base_url: str = DEFAULT_API_BASE_URL
    command_names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COMMAND_NAMES))
    oauth: bool = False
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    state_secret: str | None = field(default=None, repr=False)
    #: How often the Web API client retries a rate-limited (429), 5xx or connection-failed call.
    max_retries: int = 3
    #: Seconds a Web API call may take before it counts as failed (and is retried).
    timeout: float = 10.0
    #: Requests with a larger body are refused (413) before anything else is done with them.
    max_body_bytes: int = 1024 * 1024
    #: An Events API event the core did not handle is tried again this many times...
    event_retries: int = 5
    #: ...after 1x, 2x, 4x ... this many seconds.
    retry_backoff_seconds: float = 2.0
    #: A replica handling a request renews its claim on the inbox row; one silent this long is
    #: taken over by another replica's sweep (a replica killed mid-handler).
    event_lease_seconds: float = 120.0
    #: How often each replica sweeps the inbox for rows to take over or retry.
    inbox_sweep_seconds: float = 5.0
    #: A request that keeps failing is retried (with back-off) this long, then reported.
    inbox_retry_hours: float = 24.0
    #: Finished inbox rows (their key only: the payload is cleared when done) are deleted after this.
    inbox_retention_hours: float = 24.0
    #: Attempts at an ephemeral message (a PII warning) before it goes to the member's DM instead.
    warning_attempts: int = 3
    #: Workspaces served besides the bot token's own (``auth.test``); with OAuth, if set, only these.
    team_ids: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], env: Mapping[str, str]) -> SlackSettings:
        """Read the ``[slack]`` table and the ``SLACK_*`` environment; raise ``ValueError`` naming the
        first bad key or missing variable (never its value)."""
        known = {"mode", "host", "port", "path", "api_base_url", "command_names", "oauth", "max_retries",
                 "timeout", "max_body_bytes", "event_retries", "retry_backoff_seconds", "event_lease_seconds",
                 "warning_attempts", "team_ids", "inbox_sweep_seconds", "inbox_retry_hours",
                 "inbox_retention_hours"}
        for key in table:
            if key not in known:
                raise ValueError(f"slack.{key}: unknown setting; expected one of: {', '.join(sorted(known))}")
        mode = table.get("mode", "socket")
        if mode not in _MODES:
            raise ValueError('slack.mode: must be "socket" or "http"')
        host = table.get("host", "127.0.0.1")
        if not isinstance(host, str) or not host:
            raise ValueError("slack.host: must be a host name or address")
        port = table.get("port", 3000)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError("slack.port: must be a port number (0-65535)")
        path = table.get("path", "/slack/events")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError('slack.path: must start with "/"')
        base = table.get("api_base_url", DEFAULT_API_BASE_URL)
        if not isinstance(base, str) or not base.startswith(("https://", "http://")):
            raise ValueError("slack.api_base_url: must be an http(s) URL")
        if not base.endswith("/"):
            base += "/"
        oauth = table.get("oauth", False)
        if not isinstance(oauth, bool):
            raise ValueError("slack.oauth: must be true or false")
        retries = table.get("max_retries", 3)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            raise ValueError("slack.max_retries: must be a whole number from 0 to 10")
        timeout = _number(table, "timeout", 10.0, 0.5, 120)
        max_body = int(_number(table, "max_body_bytes", 1024 * 1024, 1024, 16 * 1024 * 1024, whole=True))
        event_retries = int(_number(table, "event_retries", 5, 0, 20, whole=True))
        backoff = _number(table, "retry_backoff_seconds", 2.0, 0.01, 600)
        lease = _number(table, "event_lease_seconds", 120.0, 1, 3600)
        warning_attempts = int(_number(table, "warning_attempts", 3, 1, 10, whole=True))
        sweep = _number(table, "inbox_sweep_seconds", 5.0, 0.1, 600)
        inbox_retry = _number(table, "inbox_retry_hours", 24.0, 0.001, 24 * 30)
        # Slack retries an event for about an hour: a shorter retention would forget a stored event
        # before its last retry arrives (and handle it twice).
        retention = _number(table, "inbox_retention_hours", 24.0, 1, 24 * 90)
        team_ids = table.get("team_ids", [])
        if not isinstance(team_ids, list) or not all(
            isinstance(t, str) and t[:1] in ("T", "E") and t.isalnum() for t in team_ids
        ):
            raise ValueError('slack.team_ids: must be a list of Slack team ids such as ["T0123ABCD"]')
        names = dict(DEFAULT_COMMAND_NAMES)
        raw_names = table.get("command_names", {})
        if not isinstance(raw_names, Mapping):
            raise ValueError("slack.command_names: must be a table of command = \"/slash\"")
        for neutral, slash in raw_names.items():
            if not isinstance(slash, str) or not _valid_slash(slash):
                raise ValueError(
                    f"slack.command_names.{neutral}: must look like \"/name\" (lowercase, at most 32 characters)"
                )
            names[str(neutral)] = slash
        if len(set(names.values())) != len(names):
            raise ValueError("slack.command_names: two commands map to the same slash command")

        def secret(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        settings = cls(
            mode=mode,
            bot_token=secret("SLACK_BOT_TOKEN"),
            app_token=secret("SLACK_APP_TOKEN"),
            signing_secret=secret("SLACK_SIGNING_SECRET"),
            admin_user_token=secret("SLACK_ADMIN_USER_TOKEN"),
            host=host,
            port=port,
            path=path,
            api_base_url=base,
            command_names=names,
            oauth=oauth,
            client_id=secret("SLACK_CLIENT_ID"),
            client_secret=secret("SLACK_CLIENT_SECRET"),
            state_secret=secret("SLACK_STATE_SECRET"),
            max_retries=retries,
            timeout=timeout,
            max_body_bytes=max_body,
            event_retries=event_retries,
            retry_backoff_seconds=backoff,
            event_lease_seconds=lease,
            warning_attempts=warning_attempts,
            inbox_sweep_seconds=sweep,
            inbox_retry_hours=inbox_retry,
            inbox_retention_hours=retention,
            team_ids=tuple(team_ids),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ``ValueError`` naming what is missing for the chosen mode."""
        if self.oauth:
            for name, value in (
                ("SLACK_CLIENT_ID", self.client_id),
                ("SLACK_CLIENT_SECRET", self.client_secret),
                ("SLACK_STATE_SECRET", self.state_secret),
            ):
                if not value:
                    raise ValueError(f"{name} is not set (needed because slack.oauth = true)")
            if self.mode != "http":
                raise ValueError('slack.oauth: the OAuth install flow needs slack.mode = "http"')
        elif not self.bot_token:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        if self.bot_token and not self.bot_token.startswith("xoxb-"):
            raise ValueError("SLACK_BOT_TOKEN: expected a bot token (starts with xoxb-)")
        if self.mode == "socket":
            if not self.app_token:
                raise ValueError('SLACK_APP_TOKEN is not set (needed because slack.mode = "socket")')
            if not self.app_token.startswith("xapp-"):
                raise ValueError("SLACK_APP_TOKEN: expected an app-level token (starts with xapp-)")
        if self.mode == "http" and not self.signing_secret:
            raise ValueError('SLACK_SIGNING_SECRET is not set (needed because slack.mode = "http")')
        if self.admin_user_token and not self.admin_user_token.startswith("xoxp-"):
            raise ValueError("SLACK_ADMIN_USER_TOKEN: expected a user token (starts with xoxp-)")

    def slash_for(self, command: str) -> str:
        """The slash command for a neutral command name; unknown names map to ``/<name>``."""
        return self.command_names.get(command, f"/{command}")

    def command_for(self, slash: str) -> str | None:
        """The neutral command name for a slash command, or None if it is not ours."""
        for neutral, candidate in self.command_names.items():
            if candidate == slash:
                return neutral
        return None


def _number(table: Mapping[str, Any], key: str, default: float, low: float, high: float, *,
            whole: bool = False) -> float:
    value = table.get(key, default)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"slack.{key}: must be {kind} from {low:g} to {high:g}")
    return float(value)


def _valid_slash(text: str) -> bool:
    body = text[1:]
    return (
        text.startswith("/")
        and 0 < len(body) <= 31
        and all(c.islower() or c.isdigit() or c in "-_" for c in body)
    )
