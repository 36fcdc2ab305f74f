from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from tests.harness import demo_data, merge

ROOT = Path(__file__).resolve().parents[2]


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def test_demo_config_is_valid() -> None:
    config = parse_config(demo_data())
    assert config.platform == "console"
    assert {m.handle for m in config.members} >= {"vera", "alice", "nina"}


def test_example_config_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.timezone


def test_errors_name_the_key_and_the_problem() -> None:
    data = merge(demo_data(), {"bot": {"platform": "irc", "timezone": "Mars/Olympus"}})
    problems = problems_of(data)
    assert any(p.startswith("bot.platform: must be one of") for p in problems)
    assert any(p.startswith("bot.timezone: unknown time zone") for p in problems)


def test_secrets_in_the_config_file_are_refused() -> None:
    data = merge(demo_data(), {"slack": {"bot_token": "xoxb-123"}})
    problems = problems_of(data)
    assert any("slack.bot_token" in p and "environment" in p for p in problems)
    assert not any("xoxb-123" in p for p in problems), "the secret must not be echoed"


def test_two_point_persons_are_refused() -> None:
    data = demo_data()
    for m in data["members"]:
        if m["handle"] == "alice":
            m["roles"].append("point_person")
    assert any("only one member may have role point_person" in p for p in problems_of(data))


def test_member_with_unknown_agency_and_role() -> None:
    data = demo_data()
    data["members"].append(
        {
            "handle": "zed",
            "name": "Zed",
            "agency": "fbi",
            "discipline": "law_enforcement",
            "roles": ["wizard"],
        }
    )
    problems = problems_of(data)
    assert any("agency" in p and "fbi" in p for p in problems)
    assert any("unknown role 'wizard'" in p for p in problems)


def test_unknown_section_is_an_error_when_features_are_known() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(merge(demo_data(), {"tipz": {}}), feature_sections=set())
    assert "tipz: unknown section" in info.value.problems


def test_database_url_with_password_is_refused() -> None:
    problems = problems_of(merge(demo_data(), {"database": {"url": "postgresql://u:hunter2@db/x"}}))
    assert any(p.startswith("database.url") for p in problems)


def test_bad_toml_says_so(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[bot\nplatform=")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert "not valid TOML" in str(info.value)


def test_a_trained_tagger_directory_is_relative_to_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[redaction]\npii_model = "models/ours"\n', encoding="utf-8")
    assert load_config(cfg).redaction_table()["pii_model"] == str(tmp_path / "models" / "ours")
    cfg.write_text('[redaction]\npii_model = "builtin"\n', encoding="utf-8")
    assert load_config(cfg).redaction_table()["pii_model"] == "builtin"


def test_engine_process_is_off_by_default_and_a_boolean() -> None:
    assert parse_config(demo_data(), source="test").engine_process is False
    assert parse_config(merge(demo_data(), {"bot": {"engine_process": True}}), source="test").engine_process is True
    problems = problems_of(merge(demo_data(), {"bot": {"engine_process": "yes"}}))
    assert any(p.startswith("bot.engine_process: must be true or false") for p in problems)
