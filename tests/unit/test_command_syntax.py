"""Commands in the bot's text are spelled the way the member's platform expects (!tip on Matrix,
/ntk-admin on Slack), never the console's spelling."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.commands import localise_commands, platform_syntax
from bot.console.platform import ConsolePlatform
from tests.harness import Harness

MATRIX = {n: f"!{n}" for n in ("tip", "admin", "help", "release", "case", "operation", "preview")}
SLACK = {"admin": "/ntk-admin", "help": "/ntk", "tip": "/tip"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("or `/tip ack T-0001` etc.", "or `!tip ack T-0001` etc."),
        ("/admin grant vera point_person", "!admin grant vera point_person"),
        ("(see /help)", "(see !help)"),
        ("line one\n/release list", "line one\n!release list"),
        ("http://example.org/tip and a/tip and /tipsy", "http://example.org/tip and a/tip and /tipsy"),
        ("/unknown stays", "/unknown stays"),
    ],
)
def test_matrix_spelling(text: str, expected: str) -> None:
    assert localise_commands(text, MATRIX) == expected


def test_slack_spelling_uses_its_own_slash_commands() -> None:
    assert localise_commands("`/admin add` and `/help tip`", SLACK) == "`/ntk-admin add` and `/ntk tip`"


def test_platform_syntax_reads_the_adapters_settings() -> None:
    names = ["admin", "tip"]
    matrix = SimpleNamespace(settings=SimpleNamespace(command_prefix="!"))
    slack = SimpleNamespace(settings=SimpleNamespace(command_names={"admin": "/ntk-admin"}))
    assert platform_syntax(matrix, names) == {"admin": "!admin", "tip": "!tip"}
    assert platform_syntax(slack, names) == {"admin": "/ntk-admin", "tip": "/tip"}
    assert platform_syntax(ConsolePlatform(), names) == {"admin": "/admin", "tip": "/tip"}


class PrefixedConsole(ConsolePlatform):
    """The console platform with Matrix's command spelling."""

    settings = SimpleNamespace(command_prefix="!")


async def test_help_and_point_person_instructions_use_the_platforms_syntax(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, platform=PrefixedConsole())
    await h.command("vera", "/help")
    text = h.platform.ephemerals("vera")[0]
    assert "`!tip" in text and "`!admin" in text and "`/tip" not in text
    await h.tip("nina", "Two women seen at a motel, a white van")
    await h.command("vera", "/tip show T-0001", channel="dm")
    shown = "\n".join(h.platform.dms("vera"))
    assert "!tip" in shown and "/tip " not in shown
    await h.close()


async def test_every_alternative_in_help_and_usage_replies_is_spelled_for_the_platform(
    tmp_path: Path,
) -> None:
    # `/ntk` used to list "!admin members | admin channels | admin grant ...": only the first alternative was
    # a command a Matrix member could type; "Usage: admin grant ..." replies had no prefix at all.
    h = Harness.create(tmp_path, platform=PrefixedConsole())
    await h.command("omar", "/help")
    text = h.platform.ephemerals("omar")[0]
    for name in ("admin", "tip", "release", "operation", "case"):
        assert f"| {name} " not in text and f"| {name}`" not in text, name
    assert "| !admin channels |" in text and "`!tip | !tip <what you saw> |" in text
    await h.command("omar", "/admin grant", channel="dm")
    await h.command("omar", "/help admin", channel="dm")
    replies = h.platform.dms("omar")
    assert replies[0].startswith("Usage: !admin grant <handle> <role>"), replies[0]
    assert "Usage: `!admin members | !admin channels |" in replies[1], replies[1]
    await h.close()


class SlackSpelledConsole(ConsolePlatform):
    """The console platform with Slack's default slash-command names."""

    settings = SimpleNamespace(command_names={"admin": "/ntk-admin", "help": "/ntk"})


@pytest.mark.parametrize("topic", ["ntk-admin", "/ntk-admin", "admin", "ADMIN"])
async def test_help_on_a_command_accepts_the_platforms_own_spelling(tmp_path: Path, topic: str) -> None:
    # `/ntk ntk-admin` on Slack used to answer with the full help: the topic was looked up by its neutral
    # name only, and Slack members only ever see `/ntk-admin`.
    h = Harness.create(tmp_path, platform=SlackSpelledConsole())
    await h.command("omar", f"/help {topic}", channel="dm")
    reply = h.platform.dms("omar")[0]
    assert reply.startswith("*admin* —") and "Usage: `/ntk-admin members |" in reply, reply
    await h.close()


@pytest.mark.parametrize(
    ("typed", "expected"), [("/ntk", "help [command]"), ("/ntk-admin members", "omar: Omar Haddad")]
)
async def test_console_accepts_slacks_command_names(tmp_path: Path, typed: str, expected: str) -> None:
    # A member who learnt `/ntk` and `/ntk-admin` on Slack is not told "unknown command" on the console.
    h = Harness.create(tmp_path)
    await h.command("omar", typed, channel="dm")
    replies = "\n".join(h.platform.dms("omar"))
    assert "don't know the command" not in replies and expected in replies, replies
    await h.close()


def test_matrix_accepts_slacks_command_names() -> None:
    from bot.matrix.text import NEUTRAL_COMMANDS, parse_command

    assert parse_command("!ntk-admin members", "!", NEUTRAL_COMMANDS) == parse_command(
        "!admin members", "!", NEUTRAL_COMMANDS
    )
    assert parse_command("!ntk", "!", NEUTRAL_COMMANDS).name == "help"  # type: ignore[union-attr]
    assert parse_command("!ntkx", "!", NEUTRAL_COMMANDS) is None
