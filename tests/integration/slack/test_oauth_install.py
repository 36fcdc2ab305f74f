"""Slack OAuth end to end: a real `needtoknow run` (HTTP mode, `oauth = true`) installed into two workspaces
through Bolt's install/redirect flow against the Web API stand-in (`oauth.v2.access`), installations in the
bot's own database (slack-sdk's SQLAlchemy installation store), and each workspace answered with its own
bot token; a workspace that never installed the app is not served."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.integration.local_http import free_port, get
from tests.integration.slack.conftest import SIGNING_SECRET, event_body, signed
from tests.integration.slack.mock_web_api import CLIENT_ID, CLIENT_SECRET, SlackStandIn, installed_token

ROOT = Path(__file__).resolve().parents[3]
ONE, TWO, NEVER = "T0ONE", "T0TWO", "T0NEVER"

pytestmark = pytest.mark.slow


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _request(url: str, headers: dict[str, str] | None = None, data: bytes | None = None
             ) -> tuple[int, str, dict[str, list[str]]]:
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.read().decode(), {k.lower(): resp.headers.get_all(k) for k in resp.headers}
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), {k.lower(): err.headers.get_all(k) for k in err.headers}


@dataclass
class Installable:
    proc: subprocess.Popen[str]
    standin: SlackStandIn
    base: str
    db: Path

    def start_install(self) -> tuple[str, str]:
        """GET /slack/install: the "Add to Slack" page. Returns (authorize URL, state cookie header)."""
        status, html, headers = _request(self.base + "/slack/install")
        assert status == 200, html
        link = re.search(r'href="(https://[^"]+)"', html)
        assert link is not None, html
        url = link.group(1).replace("&amp;", "&")
        cookie = next(c for c in headers.get("set-cookie", []) if c.startswith("slack-app-oauth-state="))
        return url, cookie.split(";", 1)[0]

    def finish_install(self, state: str, code: str, cookie: str | None) -> tuple[int, str]:
        query = urlencode({"code": code, "state": state})
        status, body, _ = _request(f"{self.base}/slack/oauth_redirect?{query}",
                                   headers={"Cookie": cookie} if cookie else {})
        return status, body

    def install(self, team: str) -> None:
        url, cookie = self.start_install()
        state = parse_qs(urlparse(url).query)["state"][0]
        status, body = self.finish_install(state, self.standin.grant_code(team), cookie)
        assert status == 200, body

    def bot_teams(self) -> set[str]:
        with sqlite3.connect(self.db) as conn:
            return {row[0] for row in conn.execute("SELECT team_id FROM slack_bots")}

    def command(self, team: str, user: str, channel: str, text: str = "") -> int:
        body = urlencode({"token": "legacy", "team_id": team, "team_domain": team.lower(), "channel_id": channel,
                          "channel_name": "general", "user_id": user, "user_name": "someone", "command": "/ntk",
                          "text": text, "api_app_id": "A0TEST", "trigger_id": f"trig-{user}",
                          "response_url": "https://hooks.slack.invalid/commands/1"})
        return _request(self.base + "/slack/events", signed(body), body.encode())[0]

    def message(self, team: str, user: str, channel: str, text: str, event_id: str) -> int:
        """An Events API ``message`` in ``team``'s channel (the PII guard's way in)."""
        body = event_body({"type": "message", "channel": channel, "channel_type": "channel", "user": user,
                           "text": text, "ts": f"{int(time.time())}.000100", "team": team},
                          event_id=event_id, team=team)
        return _request(self.base + "/slack/events", signed(body, content_type="application/json"),
                        body.encode())[0]

    def replies_to(self, user: str, timeout: float = 15.0, count: int = 1) -> list[tuple[str | None, str]]:
        """(token used, text) of the ephemeral answers the stand-in received for a user."""
        deadline = time.monotonic() + timeout
        while True:
            found = [(c.token, json.dumps(c.args)) for c in self.standin.calls_to("chat.postEphemeral")
                     if c.args.get("user") == user]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installable]:
    tmp = tmp_path_factory.mktemp("oauth")
    standin = SlackStandIn().start()
    port, ops = free_port(), free_port()
    keyfile = tmp / "k.keys"
    subprocess.run([sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], check=True, cwd=ROOT,
                   capture_output=True)
    cfg = tmp / "config.toml"
    cfg.write_text(
        "[bot]\nplatform = \"slack\"\n"
        f"[database]\nurl = \"sqlite:///{tmp}/ntk.db\"\n"
        f"[security]\nkey_file = \"{keyfile}\"\n"
        f"[ops]\nlisten = \"127.0.0.1:{ops}\"\n"
        f"[slack]\nmode = \"http\"\noauth = true\nhost = \"127.0.0.1\"\nport = {port}\n"
        f"api_base_url = \"{standin.base_url}\"\n"
        "[[agencies]]\nkey = \"hsi\"\nname = \"HSI\"\nkind = \"law_enforcement\"\n"
        "[[agencies]]\nkey = \"safe\"\nname = \"Safe Haven\"\nkind = \"victim_services\"\n"
        "[[members]]\nhandle = \"vera\"\nname = \"Vera P\"\nagency = \"hsi\"\n"
        "discipline = \"law_enforcement\"\nslack_id = \"U1VERA\"\n"
        "[[members]]\nhandle = \"nina\"\nname = \"Nina S\"\nagency = \"safe\"\n"
        "discipline = \"community_advocate\"\nslack_id = \"U2NINA\"\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
               SLACK_STATE_SECRET="test-state-secret-0123456789")
    log = (tmp / "stderr.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp / "stderr.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "never ready"
            try:
                if get(f"http://127.0.0.1:{ops}/readyz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)
        yield Installable(proc, standin, f"http://127.0.0.1:{port}", tmp / "ntk.db")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        standin.stop()
        assert "xoxb-" not in (tmp / "stderr.log").read_text(), "a token reached the log"


def test_install_page_sends_the_admin_to_slack_with_our_client_id_scopes_and_a_state(bot: Installable) -> None:
    url, cookie = bot.start_install()
    query = parse_qs(urlparse(url).query)
    assert url.startswith("https://slack.com/oauth/v2/authorize?")
    assert query["client_id"] == [CLIENT_ID]
    assert {"commands", "chat:write"} <= set(query["scope"][0].split(","))
    assert cookie == f"slack-app-oauth-state={query['state'][0]}"


def test_forged_missing_or_reused_state_installs_nothing(bot: Installable) -> None:
    url, cookie = bot.start_install()
    state = parse_qs(urlparse(url).query)["state"][0]
    code = bot.standin.grant_code(ONE)
    # A state we never issued, with a matching cookie (a crafted link): refused before the code is used.
    status, _ = bot.finish_install("forged-state", code, "slack-app-oauth-state=forged-state")
    assert status == 401
    # Our state but another browser (no cookie): refused.
    assert bot.finish_install(state, code, None)[0] == 400
    assert not bot.standin.calls_to("oauth.v2.access")
    assert bot.bot_teams() == set()
    # The real one works once; the same state again is refused.
    assert bot.finish_install(state, code, cookie)[0] == 200
    assert bot.finish_install(state, bot.standin.grant_code(ONE), cookie)[0] == 401
    assert bot.bot_teams() == {ONE}


def test_each_installed_workspace_is_answered_with_its_own_token(bot: Installable) -> None:
    if ONE not in bot.bot_teams():
        bot.install(ONE)
    bot.install(TWO)
    assert bot.bot_teams() == {ONE, TWO}
    # The tokens are stored encrypted (a copy of the database does not let anyone act as the bot).
    raw = bot.db.read_bytes() + (bot.db.with_name("ntk.db-wal").read_bytes() if bot.db.with_name("ntk.db-wal").exists()
                                  else b"")
    assert b"xoxb-installed" not in raw
    assert bot.command(TWO, "U2NINA", "C2GENERAL") == 200
    assert bot.command(ONE, "U1VERA", "C1GENERAL") == 200
    assert bot.command(TWO, "U2STRANGER", "C2GENERAL") == 200
    (nina_token, nina_text), = bot.replies_to("U2NINA")
    (vera_token, _), = bot.replies_to("U1VERA")
    (stranger_token, stranger_text), = bot.replies_to("U2STRANGER")
    assert nina_token == installed_token(TWO) and stranger_token == installed_token(TWO)
    assert vera_token == installed_token(ONE)
    # Directory scope: the second workspace's member is known as herself; its other people are not members.
    assert "not in this task force's directory" not in nina_text
    assert "not in this task force's directory" in stranger_text
    # Events too, not only commands: a PII message in the second workspace is warned about with its token.
    assert bot.message(TWO, "U2NINA", "C2GENERAL", "Call Maria Lopez at 713-555-0142 tonight", "EvTwo1") == 200
    warned = [(token, text) for token, text in bot.replies_to("U2NINA", count=2)[1:]]
    assert warned and warned[0][0] == installed_token(TWO) and "phone number" in warned[0][1], warned


def test_a_workspace_that_never_installed_the_app_is_not_served(bot: Installable) -> None:
    bot.command(NEVER, "U3NOBODY", "C3GENERAL")
    time.sleep(1.0)
    assert not bot.replies_to("U3NOBODY", timeout=0.5)
    assert all(c.token in {installed_token(ONE), installed_token(TWO), None} or not str(c.token).startswith("xoxb")
               for c in bot.standin.calls)
