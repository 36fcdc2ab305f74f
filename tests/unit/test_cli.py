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
    assert not (tmp_path / "var" / "needtoknow-demo.db").exists()
