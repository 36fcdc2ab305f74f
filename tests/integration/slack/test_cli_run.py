"""`needtoknow run` with Slack settings starts the real bot (HTTP mode) against the Web API stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.integration.local_http import free_port
from tests.integration.slack.conftest import SIGNING_SECRET, signed
from tests.integration.slack.mock_web_api import BOT_TOKEN, SlackStandIn

ROOT = Path(__file__).resolve().parents[3]



@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    s = SlackStandIn().start()
    yield s
    s.stop()


async def test_needtoknow_run_serves_slack_http_mode(tmp_path: Path, standin: SlackStandIn) -> None:
    port = free_port()
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[bot]\nplatform = \"slack\"\n"
        f"[database]\nurl = \"sqlite:///{tmp_path}/ntk.db\"\n"
        f"[security]\nkey_file = \"{keyfile}\"\n"
        f"[slack]\nmode = \"http\"\nhost = \"127.0.0.1\"\nport = {port}\napi_base_url = \"{standin.base_url}\"\n"
        "[[agencies]]\nkey = \"hsi\"\nname = \"HSI\"\nkind = \"law_enforcement\"\n"
        "[[members]]\nhandle = \"alice\"\nname = \"Alice B\"\nagency = \"hsi\"\n"
        "discipline = \"law_enforcement\"\nslack_id = \"U0ALICE\"\n"
    )
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = urlencode({"command": "/ntk", "text": "", "user_id": "U0ALICE", "channel_id": "C1",
                          "team_id": "T0TEST", "trigger_id": "1.2.3", "response_url": "http://127.0.0.1:9/x"})
        status = None
        async with aiohttp.ClientSession() as http:
            for _ in range(120):
                try:
                    async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body,
                                         headers=signed(body)) as resp:
                        status = resp.status
                        break
                except aiohttp.ClientConnectionError:
                    time.sleep(0.25)
        assert status == 200, proc.stderr.read() if proc.poll() is not None else "no answer"
        calls = await standin.wait_for("chat.postEphemeral", timeout=15)
        # commands are spelled as Slack knows them: /ntk and /ntk-admin, never /help or /admin
        assert "/ntk [command]" in str(calls[0].args) and "/ntk-admin" in str(calls[0].args)
        assert "`/admin" not in str(calls[0].args)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_missing_slack_token_is_a_clear_error(tmp_path: Path) -> None:
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[bot]\nplatform = \"slack\"\n[database]\nurl = \"sqlite:///{tmp_path}/ntk.db\"\n"
                   f"[security]\nkey_file = \"{keyfile}\"\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "SLACK_BOT_TOKEN" in out.stderr and "Traceback" not in out.stderr


def test_a_rejected_or_unreachable_web_api_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    keyfile = tmp_path / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[bot]\nplatform = \"slack\"\n[database]\nurl = \"sqlite:///{tmp_path}/ntk.db\"\n"
                   f"[security]\nkey_file = \"{keyfile}\"\n"
                   f"[slack]\nmode = \"http\"\nhost = \"127.0.0.1\"\nport = {free_port()}\n"
                   f"api_base_url = \"http://127.0.0.1:{free_port()}/api/\"\nmax_retries = 0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "needtoknow: the platform could not start: slack: auth.test failed at start-up" in out.stderr
    assert BOT_TOKEN not in out.stderr
