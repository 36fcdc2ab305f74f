from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, parse_key_values
from tests.harness import Harness


async def test_help_lists_commands_privately(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/help")
    text = h.platform.ephemerals("nina")[0]
    assert "help [command]" in text and "Nina Sato (Safe Haven Services" in text
    assert h.platform.channel_posts("general") == []
    await h.close()


async def test_unknown_command_gets_a_clear_message(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/frobnicate now")
    assert "I don't know the command 'frobnicate'" in h.platform.ephemerals("nina")[0]
    await h.close()


async def test_help_in_dm_is_a_dm(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/help", channel="dm")
    assert len(h.platform.dms("nina")) == 1
    await h.close()


async def test_huge_and_odd_input_does_not_crash(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/admin " + "\u202e\u200b😀" * 20000)
    await h.command("nina", "/" + "x" * 5000)
    assert len(h.platform.ephemerals("nina")) == 2
    await h.close()


def test_form_validation_names_every_bad_field_without_echoing_values() -> None:
    form = Form(
        "f",
        "F",
        (
            FormField("count", "Estimated victims", FieldKind.NUMBER, min_value=0),
            FormField(
                "genders",
                "Genders",
                FieldKind.MULTI_CHOICE,
                choices=(Choice("f", "Female"), Choice("m", "Male")),
            ),
            FormField("when", "Date", FieldKind.DATE),
            FormField("note", "Note", required=False, max_length=5),
        ),
    )
    try:
        form.validate({"count": "-1", "genders": "Femail", "when": "Maria Lopez", "note": "toolong"})
    except FormInvalid as exc:
        assert set(exc.errors) == {"count", "genders", "when", "note"}
        assert "Maria" not in str(exc)
    else:
        raise AssertionError("expected FormInvalid")
    assert form.validate({"count": "3", "genders": ["Female", "m"], "when": "2026-03-31"})["genders"] == [
        "f",
        "m",
    ]


def test_key_value_arguments() -> None:
    assert parse_key_values('client=C-1 purpose="coordination of care" extra') == (
        {"client": "C-1", "purpose": "coordination of care"},
        ["extra"],
    )
    assert parse_key_values('a="unbalanced')[0] == {"a": '"unbalanced'}


def test_cli_version_and_console_demo_start(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("needtoknow ")
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input="/help\n/as alice\n/who\n/quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "[only vera sees, in #general]" in run.stdout
    assert "nina       Nina Sato" in run.stdout
    assert (tmp_path / "var" / "needtoknow-demo.db").exists()


async def test_field_error_from_a_form_handler_asks_for_that_field_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.errors import FieldError
    from bot.events import CommandInvoked, FormSubmitted
    from handlers.policy import ACTIONS, Action, Permission

    # A new command and form need rows in the policy table (without them they are refused).
    monkeypatch.setitem(ACTIONS, "form:t.f", Action(Permission.USE_BOT))
    monkeypatch.setitem(ACTIONS, "t", Action(Permission.USE_BOT))
    h = Harness.create(tmp_path)
    form = Form("t.f", "T", (FormField("ref", "Reference"),))

    async def refuse(event: FormSubmitted | CommandInvoked, ctx) -> None:
        raise FieldError("ref", "That reference looks like a name.")

    h.app.router.form("t.f", build=lambda ctx, user, context: form)(refuse)
    h.app.router.command("t", summary="t")(refuse)
    errors = await h.app.submit_form(h.session("nina").user, "t.f", {"ref": "Maria Lopez"})
    assert errors == {"ref": "That reference looks like a name."}
    assert h.platform.ephemerals("nina") == [] and h.platform.dms("nina") == []
    await h.command("nina", "/t Maria Lopez")  # the same refusal from a one-line command is a reply
    assert h.platform.ephemerals("nina") == ["That reference looks like a name."]
    await h.close()
