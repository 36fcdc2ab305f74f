"""`needtoknow run` with `[ops] listen`: /healthz, /readyz and /metrics of a real process (Slack HTTP mode
against the Web API stand-in, real engine, real SQLite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.local_http import free_port, get
from tests.integration.slack.conftest import SIGNING_SECRET, command_body, event_body, signed
from tests.integration.slack.mock_web_api import BOT_TOKEN, SlackStandIn

ROOT = Path(__file__).resolve().parents[3]
PII_TEXT = "Call Maria Lopez at 713-555-0142 about the shelter bed"
PREVIEW_TEXT = "Ring Jonathan Whitaker on 832-555-0199 tonight"
PEOPLE_AND_PLACES = ("U0ALICE", "U0DAN", "C0CORE", "alice", "dan", "Maria", "Lopez", "713-555-0142", "5550142",
                     "Jonathan", "Whitaker", "832-555-0199", "shelter", "Ring ")

pytestmark = pytest.mark.slow




def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
        return resp.status, time.perf_counter() - started


@dataclass
class OpsBot:
    proc: subprocess.Popen[str]
    standin: SlackStandIn
    ops: str
    events: str
    #: (status, failing checks) of every /readyz answer from the first /healthz 200 until ready.
    readiness: list[tuple[int, list[str]]] = field(default_factory=list)
    first_command_ack: float | None = None

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, text = get(self.ops + "/metrics")
        assert status == 200
        samples = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    def wait_calls(self, method: str, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.standin.calls_to(method)) < count:
            assert time.monotonic() < deadline, f"expected {count} call(s) to {method}"
            time.sleep(0.05)


def _config(tmp: Path, slack_port: int, ops_port: int, standin: SlackStandIn) -> Path:
    keyfile = tmp / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT,
                   capture_output=True)
    cfg = tmp / "config.toml"
    cfg.write_text(
        "[bot]\nplatform = \"slack\"\n"
        f"[database]\nurl = \"sqlite:///{tmp}/ntk.db\"\n"
        f"[security]\nkey_file = \"{keyfile}\"\n"
        f"[ops]\nlisten = \"127.0.0.1:{ops_port}\"\nmetrics_cache_seconds = 0\n"
        f"[slack]\nmode = \"http\"\nhost = \"127.0.0.1\"\nport = {slack_port}\n"
        f"api_base_url = \"{standin.base_url}\"\n"
        "[[agencies]]\nkey = \"hsi\"\nname = \"HSI\"\nkind = \"law_enforcement\"\n"
        "[[members]]\nhandle = \"alice\"\nname = \"Alice B\"\nagency = \"hsi\"\n"
        "discipline = \"law_enforcement\"\nslack_id = \"U0ALICE\"\n"
        "[[members]]\nhandle = \"dan\"\nname = \"Dan C\"\nagency = \"hsi\"\n"
        "discipline = \"law_enforcement\"\nslack_id = \"U0DAN\"\n"
        "[[channels]]\nname = \"core-team\"\npii_policy = \"warn\"\nslack_id = \"C0CORE\"\n"
    )
    return cfg


@pytest.fixture(scope="module")
def ops_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsBot]:
    tmp = tmp_path_factory.mktemp("ops")
    standin = SlackStandIn().start()
    slack_port, ops_port = free_port(), free_port()
    cfg = _config(tmp, slack_port, ops_port, standin)
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    env.pop("SLACK_APP_TOKEN", None)
    log = (tmp / "stderr.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    bot = OpsBot(proc, standin, f"http://127.0.0.1:{ops_port}", f"http://127.0.0.1:{slack_port}/slack/events")
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp / "stderr.log").read_text()
            assert time.monotonic() < deadline, f"never ready: {bot.readiness[-3:]}"
            try:
                if get(bot.ops + "/healthz")[0] != 200:
                    continue
                status, text = get(bot.ops + "/readyz")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
                continue
            bot.readiness.append((status, json.loads(text)["failing"]))
            if status == 200:
                break
            time.sleep(0.05)
        # The first slash command after ready: acknowledged within Slack's comfort zone.
        body = command_body("/preview", PREVIEW_TEXT, user="U0ALICE", channel="C0CORE")
        status, bot.first_command_ack = _post(bot.events, body, signed(body))
        assert status == 200
        yield bot
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        standin.stop()


def test_readyz_turns_ready_only_after_the_engine_is_warm(ops_bot: OpsBot) -> None:
    not_ready = [failing for status, failing in ops_bot.readiness if status == 503]
    # The server answered while the PII engine was still loading, and said so by name.
    assert not_ready and "engine" in not_ready[0], ops_bot.readiness[:3]
    assert ops_bot.readiness[-1] == (200, [])
    status, text = get(ops_bot.ops + "/readyz")
    assert status == 200
    assert json.loads(text)["checks"] == {"engine": True, "database": True, "platform": True, "scheduler": True}
    assert get(ops_bot.ops + "/healthz") == (200, "ok\n")


def test_first_slash_command_after_ready_is_acknowledged_fast(ops_bot: OpsBot) -> None:
    assert ops_bot.first_command_ack is not None and ops_bot.first_command_ack < 0.3, ops_bot.first_command_ack
    ops_bot.wait_calls("chat.postEphemeral", 1)  # and the preview itself arrived


def test_metrics_count_what_the_bot_did(ops_bot: OpsBot) -> None:
    body = event_body({"type": "message", "channel": "C0CORE", "channel_type": "channel", "user": "U0DAN",
                       "text": PII_TEXT, "ts": "1700000100.000200"}, event_id="EvOps1")
    assert _post(ops_bot.events, body, signed(body, content_type="application/json"))[0] == 200
    deadline = time.monotonic() + 30
    while True:
        m = ops_bot.metrics()
        handled = m.get(("needtoknow_handler_seconds_count", (("command", ""), ("event", "MessagePosted"))), 0)
        if m.get(("needtoknow_pii_warnings_total", ()), 0) >= 1 and handled >= 1:
            break
        assert time.monotonic() < deadline, sorted(k for k in m if k[0].startswith("needtoknow"))
        time.sleep(0.2)
    assert m[("needtoknow_messages_scanned_total", ())] >= 1
    assert m[("needtoknow_pii_findings_total", (("label", "PHONE"),))] >= 1
    assert m[("needtoknow_pii_findings_total", (("label", "PERSON"),))] >= 1
    assert m[("needtoknow_audit_events_total", (("action", "pii.warned"),))] >= 1
    assert m[("needtoknow_handler_seconds_count", (("command", "preview"), ("event", "CommandInvoked")))] >= 1
    assert m[("needtoknow_handler_seconds_count", (("command", ""), ("event", "MessagePosted")))] >= 1
    for gauge in ("needtoknow_outbox_backlog", "needtoknow_outbox_oldest_pending_age_seconds",
                  "needtoknow_deliveries_failed", "needtoknow_scheduled_overdue", "needtoknow_inbox_backlog",
                  "needtoknow_inbox_oldest_age_seconds", "needtoknow_inbox_failed"):
        assert m[(gauge, ())] >= 0
    assert m[("needtoknow_database_up", ())] == 1
    assert m[("needtoknow_ready", ())] == 1
    assert m[("needtoknow_ready_check", (("check", "engine"),))] == 1


def test_metrics_never_carry_message_text_or_ids_of_people(ops_bot: OpsBot) -> None:
    # An unknown command word is member text too: it must not become a label.
    body = command_body("/tip", "", user="U0DAN", channel="C0CORE")
    _post(ops_bot.events, body, signed(body))
    body = command_body("/Maria-713-555-0142", PII_TEXT, user="U0DAN", channel="C0CORE")
    _post(ops_bot.events, body, signed(body))
    time.sleep(1.0)
    status, text = get(ops_bot.ops + "/metrics")
    assert status == 200
    for needle in PEOPLE_AND_PLACES:
        assert needle not in text, needle
    commands = {"", "other", "tip", "preview", "release", "operation", "case", "admin", "help"}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = dict(sample.labels)
            labels.pop("le", None)  # histogram bucket bounds
            assert set(labels) <= {"event", "command", "label", "action", "check", "verdict"}, sample
            assert labels.get("command", "") in commands or "." in labels["command"], sample  # or a form id
            assert labels.get("event", "Event").isalpha(), sample
            assert labels.get("label", "PHONE").replace("_", "").isupper(), sample
            for value in labels.values():
                assert (len(value) <= 64 and value.replace(".", "").replace("_", "").isalnum()) or not value, sample
