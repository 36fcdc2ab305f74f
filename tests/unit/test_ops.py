"""The ops server's settings, readiness checks and metric labels (the live process: tests/integration/slack/
test_ops_endpoints.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import metrics
from bot.cli import CliError
from bot.events import CommandInvoked
from bot.ops import MeasuredCore, OpsServer, OpsSettings, Readiness
from bot.platform import ChannelRef, UserRef
from tests.harness import Harness


def test_ops_listen_is_off_unless_set_and_checked() -> None:
    assert not OpsSettings.from_mapping({}).enabled
    on = OpsSettings.from_mapping({"listen": "127.0.0.1:9464"})
    assert (on.host, on.port, on.enabled) == ("127.0.0.1", 9464, True)
    assert OpsSettings.from_mapping({"listen": "[::1]:9464"}).host == "::1"
    for bad in ("9464", "127.0.0.1:", "127.0.0.1:99999", ":9464", 9464):
        with pytest.raises(ValueError, match=r"ops\.listen"):
            OpsSettings.from_mapping({"listen": bad})
    with pytest.raises(ValueError, match=r"ops\.port: unknown key"):
        OpsSettings.from_mapping({"port": 9464})


def test_database_is_ready_only_at_exactly_the_codes_schema(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    readiness = Readiness(h.app, h.platform)
    assert readiness.refresh_database(force=True)
    with h.app.services.db.engine.begin() as conn:  # a newer release migrated this database
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"))
    assert not readiness.refresh_database(force=True)
    with h.app.services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))  # never migrated
    assert not readiness.refresh_database(force=True)


def test_readiness_names_what_is_missing_until_engine_and_scheduler_run(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    readiness = Readiness(h.app, h.platform)
    readiness.refresh_database(force=True)
    checks = readiness.checks()
    assert checks == {"engine": False, "database": True, "platform": True, "scheduler": False}


async def test_scheduler_check_passes_once_started(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    readiness = Readiness(h.app, h.platform)
    h.app.start_scheduler()
    try:
        assert readiness.scheduler_ticking()
    finally:
        await h.app.stop()
    assert not readiness.scheduler_ticking()


async def test_unknown_command_words_are_not_metric_labels(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    core = MeasuredCore(h.app)
    user, channel = UserRef("console", "nina"), ChannelRef("console", "general")
    before = metrics.HANDLER_SECONDS.labels("CommandInvoked", "other")._sum.get()
    await core.dispatch(CommandInvoked(user=user, channel=channel, name="maria-lopez", args="713-555-0142"))
    await core.dispatch(CommandInvoked(user=user, channel=channel, name="help", args=""))
    assert metrics.HANDLER_SECONDS.labels("CommandInvoked", "other")._sum.get() > before
    names = {s.labels.get("command") for fam in metrics.HANDLER_SECONDS.collect() for s in fam.samples}
    assert "maria-lopez" not in names and "help" in names


def test_engine_labels_and_audit_actions_are_a_closed_vocabulary() -> None:
    assert metrics.safe_label("PHONE") == "PHONE"
    assert metrics.safe_label("Maria Lopez") == "OTHER"
    assert metrics.safe_action("pii.warned") == "pii.warned"
    assert metrics.safe_action("pii warned: Maria") == "other"


def test_alert_rules_use_only_metrics_the_bot_exposes(tmp_path: Path) -> None:
    import re

    import yaml
    from prometheus_client.parser import text_string_to_metric_families

    from bot.ops import OpsServer

    h = Harness.create(tmp_path)
    server = OpsServer(OpsSettings.from_mapping({"listen": "127.0.0.1:9464"}), h.app, Readiness(h.app, h.platform))
    metrics.matrix_synced()
    metrics.gate_verdict("block")
    exposed = {s.name for fam in text_string_to_metric_families(server._render().decode()) for s in fam.samples}
    rules = yaml.safe_load((Path(__file__).parents[2] / "deploy" / "prometheus-alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in exprs for name in re.findall(r"needtoknow_[a-z_]+", expr)}
    assert used and used <= exposed, used - exposed


async def test_a_port_in_use_is_one_line_naming_ops_listen(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = OpsServer(OpsSettings.from_mapping({"listen": f"127.0.0.1:{port}"}), h.app, Readiness(h.app, h.platform))
        with pytest.raises(CliError, match=rf"ops\.listen: cannot listen on 127\.0\.0\.1:{port} \(Address already in use\)"):
            await server.start()  # it was an OSError traceback
    await h.close()
