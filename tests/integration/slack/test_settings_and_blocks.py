"""Settings parsing, Block Kit rendering and the log scrubber: the pure parts of the adapter."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.forms import FieldKind, Form, FormField
from bot.platform import Message
from bot.slack import blocks
from bot.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest
from bot.slack.safety import ScrubFilter, SeenKeys, scrub
from bot.slack.settings import SlackSettings
from tests.integration.slack.conftest import tip_form

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"}


def test_defaults_are_socket_mode_with_the_agreed_command_names() -> None:
    s = SlackSettings.from_mapping({}, ENV)
    assert s.mode == "socket" and s.slash_for("help") == "/ntk" and s.slash_for("admin") == "/ntk-admin"
    assert s.command_for("/tip") == "tip" and s.command_for("/weather") is None
    assert "xoxb-1" not in repr(s)


def test_command_names_are_configurable() -> None:
    s = SlackSettings.from_mapping({"command_names": {"help": "/needtoknow"}}, ENV)
    assert s.command_for("/needtoknow") == "help" and s.command_for("/ntk") is None


@pytest.mark.parametrize(
    ("table", "env", "message"),
    [
        ({"mode": "webhook"}, ENV, 'slack.mode: must be "socket" or "http"'),
        ({}, {**ENV, "SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN is not set"),
        ({}, {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
        ({"mode": "http"}, {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"port": "80"}, ENV, "slack.port"),
        ({"colour": "red"}, ENV, "slack.colour: unknown setting"),
        ({"command_names": {"tip": "tip"}}, ENV, "slack.command_names.tip"),
        ({"command_names": {"tip": "/ntk"}}, ENV, "same slash command"),
        ({"oauth": True, "mode": "http"}, ENV, "SLACK_CLIENT_ID is not set"),
        ({}, {**ENV, "SLACK_ADMIN_USER_TOKEN": "xoxb-2"}, "SLACK_ADMIN_USER_TOKEN"),
        ({"inbox_retention_hours": 0.5}, ENV, "slack.inbox_retention_hours: must be a number from 1"),
        ({"inbox_sweep_seconds": 0}, ENV, "slack.inbox_sweep_seconds"),
        ({"inbox_retry_hours": "1d"}, ENV, "slack.inbox_retry_hours"),
    ],
)
def test_bad_settings_name_the_key(table: dict[str, object], env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")) as info:
        SlackSettings.from_mapping(table, env)
    assert "xoxb-1" not in str(info.value)


def test_inbox_settings_have_defaults_and_can_be_set() -> None:
    default = SlackSettings.from_mapping({}, ENV)
    assert (default.inbox_sweep_seconds, default.inbox_retry_hours, default.inbox_retention_hours) == (5.0, 24.0, 24.0)
    s = SlackSettings.from_mapping({"inbox_sweep_seconds": 1, "inbox_retry_hours": 72, "inbox_retention_hours": 48},
                                   ENV)
    assert (s.inbox_sweep_seconds, s.inbox_retry_hours, s.inbox_retention_hours) == (1.0, 72.0, 48.0)


def test_modal_round_trip_gives_form_validate_its_raw_answers() -> None:
    form = tip_form("T-1")
    view = blocks.modal_view(form, channel_id="C1")
    assert view["title"]["text"] == "New tip" and len(view["title"]["text"]) <= 24
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {"what": "plain_text_input", "urgency": "static_select", "seen_on": "datepicker",
                     "meet_at": "datepicker", "meet_at__time": "timepicker", "people": "number_input",
                     "minor": "radio_buttons", "agencies": "multi_static_select"}
    state = {"values": {
        "what": {"value": {"type": "plain_text_input", "value": "text"}},
        "urgency": {"value": {"type": "static_select", "selected_option": {"value": "low"}}},
        "seen_on": {"value": {"type": "datepicker", "selected_date": "2026-01-02"}},
        "meet_at": {"value": {"type": "datepicker", "selected_date": None}},
        "meet_at__time": {"value": {"type": "timepicker", "selected_time": None}},
        "people": {"value": {"type": "number_input", "value": None}},
        "minor": {"value": {"type": "radio_buttons", "selected_option": None}},
        "agencies": {"value": {"type": "multi_static_select", "selected_options": []}},
    }}
    values = form.validate(blocks.raw_answers(form, {**view, "state": state}))
    assert values["seen_on"] == date(2026, 1, 2) and values["meet_at"] is None and values["agencies"] == []


def test_errors_for_unknown_keys_land_on_a_block() -> None:
    form = Form("f", "F", (FormField("a", "A", FieldKind.TEXT),))
    assert blocks.view_errors(form, {"zzz": "unknown"}) == {"a": "unknown"}


def test_long_messages_are_split_into_sections_that_fit() -> None:
    payload = blocks.message_payload(Message("x" * 7000))
    assert [len(b["text"]["text"]) for b in payload["blocks"]] == [3000, 3000, 1000]


def test_action_ids_round_trip() -> None:
    assert blocks.neutral_action_id(blocks.button_action_id("tips.ack", 3)) == "tips.ack"
    assert blocks.neutral_action_id("plain") == "plain"


def test_manifest_requests_only_what_the_adapter_uses() -> None:
    m = manifest()
    assert m["settings"]["socket_mode_enabled"] is True
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert m["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    http = manifest(mode="http", request_url="https://bot.example.org/slack/events")
    assert http["settings"]["interactivity"]["request_url"] == "https://bot.example.org/slack/events"
    assert {c["url"] for c in http["features"]["slash_commands"]} == {"https://bot.example.org/slack/events"}


def test_checked_in_manifest_matches_the_code() -> None:
    yaml = pytest.importorskip("yaml")
    with open("slack/manifest.yml", encoding="utf-8") as fh:
        assert yaml.safe_load(fh) == manifest()


def test_scrubber_removes_payloads_and_exception_text() -> None:
    assert scrub("Invalid request (signature: v0=abc, timestamp: 1, body: text=Maria)") == \
        "Invalid request [details withheld]"
    record = logging.LogRecord("slack_bolt.X", logging.ERROR, __file__, 1, "Error: %s", ("Maria at Elm St",), None)
    try:
        raise ValueError("Maria at Elm St")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert ScrubFilter().filter(record)
    assert "Maria" not in record.getMessage() and record.exc_info is None
    assert "ValueError" in record.getMessage()
    debug = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1, "body: %s", ("Maria",), None)
    assert ScrubFilter().filter(debug) is False


def test_seen_keys_forget_after_ttl_and_stay_bounded() -> None:
    seen = SeenKeys(ttl=10, limit=3)
    assert seen.first_time("a", now=0) and not seen.first_time("a", now=5)
    assert seen.first_time("a", now=20)
    for key in "bcdef":
        seen.first_time(key, now=21)
    assert len(seen) <= 3


def test_plain_text_undoes_slacks_encoding_and_keeps_link_targets() -> None:
    from bot.slack.blocks import plain_text

    assert plain_text("Q&amp;A &lt;b&gt; &amp;lt;") == "Q&A <b> &lt;"
    assert plain_text("mail <mailto:a@b.org|a@b.org> or <tel:+13125550100|312 555 0100>") == (
        "mail a@b.org or 312 555 0100"
    )
    assert plain_text("see <https://x.example/jane> and <https://x.example/p|her page>") == (
        "see https://x.example/jane and her page (https://x.example/p)"
    )
    assert plain_text("hi <@U123>, <@U9|vera> in <#C1|general> <!here> <!subteam^S1|@core>") == (
        "hi @U123, @vera in #general @here @core"
    )
    assert plain_text("no markup") == "no markup"


def test_building_the_adapter_logs_no_warning_in_normal_use(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt warned "As you gave `client` as well, `token` will be unused" at every start (SLACK_BOT_TOKEN is
    set and the adapter hands Bolt its own client on purpose): a WARNING line operators learn to ignore."""
    from bot.slack.platform import SlackPlatform

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-test")
    settings = SlackSettings(mode="http", bot_token="xoxb-1-test", signing_secret="s" * 32, host="127.0.0.1", port=0)
    with caplog.at_level(logging.INFO):
        SlackPlatform(settings)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
