"""The command line forgives: --config anywhere, a help per verb, one clear line instead of a
traceback, and no command creates a database it was not asked to."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from storage.crypto import KeyRing


def _config(tmp_path: Path, db: str = "var/ntk.db") -> Path:
    keys = tmp_path / "k.keys"
    keys.write_text(KeyRing.generate().dumps())
    keys.chmod(0o600)  # as `needtoknow keygen` writes it (a wider mode is warned about)
    cfg = tmp_path / "conf" / "c.toml"
    cfg.parent.mkdir()
    # relative paths are relative to the config file's folder, whatever the working directory
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n[security]\nkey_file = "../k.keys"\n')
    return cfg


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_is_accepted_before_or_after_the_verb(
    tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _config(tmp_path)
    monkeypatch.chdir(tmp_path)  # not the config's folder
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    assert (tmp_path / "conf" / "var" / "ntk.db").is_file()
    assert cli_main(["doctor", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "[ok] database: sqlite:///" in out and "(schema current)" in out, out
    argv = ["--config", str(cfg), "audit", "verify"] if where == "before" else ["audit", "verify", "--config", str(cfg)]
    assert cli_main(argv) == 0
    assert "OK: 0 rows verified" in capsys.readouterr().out


def test_reading_a_missing_database_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    assert cli_main(["audit", "verify", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no database at" in err and "db upgrade" in err
    assert not (tmp_path / "conf" / "var").exists()
    assert cli_main(["keys", "rotate", "--config", str(cfg)]) == 2
    assert not (tmp_path / "conf" / "var").exists()
    capsys.readouterr()
    # directory sync writes to the database, but only to one `db upgrade` made: it used to create it
    assert cli_main(["directory", "sync", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no database at" in err and "db upgrade" in err
    assert not (tmp_path / "conf" / "var").exists()


def test_a_database_without_tables_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "conf" / "var").mkdir()
    (tmp_path / "conf" / "var" / "ntk.db").write_bytes(b"")
    for verb in (["audit", "verify"], ["directory", "sync"]):
        assert cli_main([*verb, "--config", str(cfg)]) == 2
        err = capsys.readouterr().err
        assert "not set up" in err and "db upgrade" in err and "Traceback" not in err
    with sqlite3.connect(tmp_path / "conf" / "var" / "ntk.db") as db:  # nothing was migrated into it
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_doctor_fails_on_a_database_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    assert cli_main(["doctor", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] database: no database at" in out
    assert not (tmp_path / "conf" / "var").exists()


def test_each_verb_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli_main(["audit", "verify", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: needtoknow audit verify") and "hash chain" in out


def test_without_a_config_the_demo_is_used_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEEDTOKNOW_CONFIG", raising=False)
    assert cli_main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "using the built-in demo configuration" in err
    # in an empty folder the helpful line is the missing database, not the missing demo key
    assert "no database at" in err and "key error" not in err, err
    assert not (tmp_path / "var" / "needtoknow-demo.db").exists()


class _PlatformStub:
    """Slack's ``auth.test`` and a homeserver's ``/versions`` and ``whoami``, accepting one token."""

    TOKEN = "xoxb-good-token"

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        token = self.TOKEN

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                good = self.headers.get("Authorization") == f"Bearer {token}"
                if self.path.endswith("/api/auth.test"):
                    body: dict[str, object] = {"ok": True} if good else {"ok": False, "error": "invalid_auth"}
                elif self.path.endswith("/_matrix/client/versions"):
                    body = {"versions": ["v1.11"]}
                elif self.path.endswith("/account/whoami"):
                    body = {"user_id": "@ntk:hs.example"} if good else {"errcode": "M_UNKNOWN_TOKEN"}
                else:
                    body = {}
                data = json.dumps(body).encode()
                self.send_response(200 if good or "auth.test" in self.path or "versions" in self.path else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("platform", ["slack", "matrix"])
def test_doctor_checks_that_the_platform_answers_and_accepts_the_bot(
    tmp_path: Path, platform: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = _PlatformStub()
    cfg = _config(tmp_path)
    table = (f'[slack]\napi_base_url = "{stub.url}/api/"\n' if platform == "slack"
             else f'[matrix]\nhomeserver = "{stub.url}"\nuser_id = "@ntk:hs.example"\nencryption = false\n'
                  f'store_path = "{tmp_path}/store"\n')
    cfg.write_text(f'[bot]\nplatform = "{platform}"\n' + cfg.read_text() + table)
    secret = "SLACK_BOT_TOKEN" if platform == "slack" else "MATRIX_ACCESS_TOKEN"
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-app-token")
    name = "slack api" if platform == "slack" else "matrix homeserver"
    try:
        monkeypatch.setenv(secret, stub.TOKEN)
        cli_main(["doctor", "--config", str(cfg)])
        out = capsys.readouterr().out
        assert f"[ok] {name}: {stub.url}" in out, out
        monkeypatch.setenv(secret, "xoxb-revoked-token")
        assert cli_main(["doctor", "--config", str(cfg)]) == 1
        out = capsys.readouterr().out
        assert f"[FAIL] {name}: {stub.url}" in out, out
        assert "invalid_auth" in out or "M_UNKNOWN_TOKEN" in out
        assert "revoked" not in out  # never the token itself
    finally:
        stub.close()
    assert cli_main(["doctor", "--config", str(cfg)]) == 1  # nothing listens any more
    out = capsys.readouterr().out
    assert f"[FAIL] {name}: {stub.url}" in out and "unreachable" in out, out
