"""The Slack app manifest: exactly the scopes, commands, events and interactivity the bot uses.

``slack/manifest.yml`` in the repository is this module's output for Socket Mode; for HTTP mode run
``python -m bot.slack.manifest --mode http --url https://bot.example.org/slack/events``.
A test keeps the file and the code in step.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from bot.slack.settings import DEFAULT_COMMAND_NAMES

#: Why each scope is needed; nothing else is requested (least privilege).
BOT_SCOPE_REASONS: dict[str, str] = {
    "commands": "slash commands (/tip, /preview, /release, /operation, /case, /ntk-admin, /ntk)",
    "chat:write": "post notices, replies and ephemeral messages",
    "im:write": "open a direct message with a member (conversations.open)",
    "im:history": "the PII guard and form dialogues in direct messages (message.im)",
    "channels:history": "the PII guard in public channels (message.channels)",
    "groups:history": "the PII guard in private channels (message.groups)",
    "mpim:history": "the PII guard in group direct messages (message.mpim)",
    "channels:read": "channel membership for audience checks; member_joined_channel in public channels",
    "groups:read": "private channel membership for audience checks; member_joined_channel",
    "im:read": "recognise direct-message conversations",
    "mpim:read": "membership of group direct messages for audience checks",
    "groups:write": "create invite-only operation channels and invite their members",
}
BOT_SCOPES = tuple(BOT_SCOPE_REASONS)

BOT_EVENTS = (
    "app_home_opened",
    "member_joined_channel",
    "message.channels",
    "message.groups",
    "message.im",
    "message.mpim",
)

COMMAND_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "tip": ("Send a tip privately to the tip point person", "[what you know]"),
    "preview": ("See what a message would look like after the PII guard, before posting", "[text]"),
    "release": ("Record or check a release of information", "[case reference]"),
    "operation": ("Notify an operation's need-to-know members", "[operation reference]"),
    "case": ("Look up or update a case you work on", "[case reference]"),
    "admin": ("Task force administration (admins only)", "[subcommand]"),
    "help": ("What needtoknow can do for you", ""),
}


def manifest(
    *,
    mode: str = "socket",
    request_url: str | None = None,
    command_names: Mapping[str, str] = DEFAULT_COMMAND_NAMES,
    redirect_url: str | None = None,
) -> dict[str, Any]:
    """The manifest as a dict. HTTP mode needs ``request_url`` (``https://host/slack/events``)."""
    if mode == "http" and not request_url:
        raise ValueError("an HTTP-mode manifest needs the public request URL")
    http = mode == "http"
    commands = []
    for neutral, (description, hint) in COMMAND_DESCRIPTIONS.items():
        command: dict[str, Any] = {
            "command": command_names.get(neutral, f"/{neutral}"),
            "description": description,
            "should_escape": False,
        }
        if hint:
            command["usage_hint"] = hint
        if http:
            command["url"] = request_url
        commands.append(command)
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if http:
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if redirect_url:
        oauth["redirect_urls"] = [redirect_url]
    return {
        "display_information": {
            "name": "needtoknow",
            "description": "Tips to one point person, a PII guard, need-to-know notices, releases.",
            "background_color": "#2c3e50",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "needtoknow", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": False,
        },
    }


def to_yaml(value: Any, indent: int = 0) -> str:
    """A small YAML writer for the manifest's plain dicts, lists, strings and booleans."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                inner = to_yaml(item, indent + 1).splitlines()
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


HEADER = (
    "# needtoknow Slack app manifest (Socket Mode). Paste it at https://api.slack.com/apps ->\n"
    "# Create New App -> From a manifest. Generated by `python -m bot.slack.manifest`; for HTTP mode run\n"
    "# `python -m bot.slack.manifest --mode http --url https://YOUR-HOST/slack/events`. See docs/slack.md.\n"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print the needtoknow Slack app manifest (YAML).")
    parser.add_argument("--mode", choices=("socket", "http"), default="socket")
    parser.add_argument("--url", help="public request URL for HTTP mode, e.g. https://host/slack/events")
    parser.add_argument("--redirect-url", help="OAuth redirect URL (multi-workspace installs)")
    args = parser.parse_args(argv)
    print(HEADER + to_yaml(manifest(mode=args.mode, request_url=args.url, redirect_url=args.redirect_url)))


if __name__ == "__main__":
    main()
