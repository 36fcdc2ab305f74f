"""Pure parts of the Matrix adapter: settings, command parsing, menus, reasons (no homeserver)."""

from __future__ import annotations

import pytest

from bot.forms import Choice, FieldKind, FormField
from bot.matrix import text as mtext
from bot.matrix.settings import MatrixSettings
from bot.platform import Button

TABLE = {"homeserver": "https://matrix.example.org", "user_id": "@bot:example.org", "store_path": "/tmp/x"}
ENV = {"MATRIX_ACCESS_TOKEN": "syt_secret_token", "MATRIX_PICKLE_KEY": "p" * 32}


def test_settings_parse_and_hide_secrets() -> None:
    s = MatrixSettings.from_mapping(TABLE, ENV)
    assert s.encryption and s.command_prefix == "!" and s.auto_join_from == ("directory",)
    assert "syt_secret_token" not in repr(s)


@pytest.mark.parametrize(("table", "env", "needle"), [
    ({**TABLE, "access_token": "syt_x"}, ENV, "[matrix] access_token"),
    ({**TABLE, "homeserver": "matrix.example.org"}, ENV, "[matrix] homeserver"),
    ({**TABLE, "bogus": 1}, ENV, "[matrix] bogus"),
    (TABLE, {"MATRIX_PICKLE_KEY": "p" * 32}, "MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD"),
    (TABLE, {"MATRIX_ACCESS_TOKEN": "t"}, "MATRIX_PICKLE_KEY"),
])
def test_settings_errors_name_the_key_without_values(table: dict, env: dict, needle: str) -> None:
    with pytest.raises(ValueError) as info:
        MatrixSettings.from_mapping(table, env)
    assert needle in str(info.value) and "syt_x" not in str(info.value)


def test_unencrypted_needs_no_pickle_key() -> None:
    assert not MatrixSettings.from_mapping({**TABLE, "encryption": False}, {"MATRIX_PASSWORD": "pw"}).encryption


def test_commands_parse_with_prefix_and_alias() -> None:
    known = mtext.NEUTRAL_COMMANDS
    assert mtext.parse_command("!tip a=1 rest", "!", known) == mtext.ParsedCommand("tip", "a=1 rest")
    assert mtext.parse_command("!NTK", "!", known) == mtext.ParsedCommand("help", "")
    assert mtext.parse_command("!nope", "!", known) is None
    assert mtext.parse_command("tip", "!", known) is None


def test_button_menu_and_choices() -> None:
    buttons = (Button("a.ack", "Acknowledge", "T-1"), Button("a.no", "Decline", "T-1"))
    assert mtext.button_menu(buttons) == "Reply 1 to Acknowledge, 2 to Decline (or react 1️⃣ 2️⃣)."
    assert mtext.choice_from_reply("2", buttons) == buttons[1]
    assert mtext.choice_from_reaction("1️⃣", buttons) == buttons[0]
    assert mtext.choice_from_reaction("👍", buttons) == buttons[0]
    assert mtext.choice_from_reply("7", buttons) is None


def test_redaction_reason_never_carries_personal_data() -> None:
    assert mtext.safe_reason("Removed: personal information") == "Removed: personal information"
    assert mtext.safe_reason("Removed Jane's number 555-0100") == mtext.DEFAULT_REASON
    assert mtext.safe_reason("mail jane@example.org") == mtext.DEFAULT_REASON


def test_reply_fallback_is_stripped_and_choices_map_numbers() -> None:
    assert mtext.strip_reply_fallback("> <@bot:hs> menu\n> more\n\n2") == "2"
    f = FormField("agency", "Agency", kind=FieldKind.MULTI_CHOICE, choices=(Choice("hsi", "HSI"), Choice("fbi", "FBI")))
    assert mtext.interpret_answer(f, "1, 2") == "hsi,fbi"
