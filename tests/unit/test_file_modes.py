"""The database, its WAL files, the key file and the checkpoint file are private to the bot's account."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main as cli_main
from storage.db import Database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default umask (022), under which plain file creation gives 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_sqlite_database_and_wal_files_are_created_0600_in_a_0700_folder(
    tmp_path: Path, loose_umask: None
) -> None:
    db = Database(f"sqlite:///{tmp_path}/var/needtoknow.db")
    db.upgrade()
    with db.session() as s:
        s.execute(__import__("sqlalchemy").text("SELECT 1"))
        folder = tmp_path / "var"
        files = sorted(p.name for p in folder.iterdir())
        assert {"needtoknow.db", "needtoknow.db-wal", "needtoknow.db-shm"} <= set(files)
        assert {p.name: mode(p) for p in folder.iterdir()} == {name: 0o600 for name in files}
    assert mode(folder) == 0o700
    db.dispose()


def test_keygen_writes_a_0600_key_file_in_a_0700_folder(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "secrets" / "needtoknow.keys"
    assert cli_main(["keygen", "--out", str(target)]) == 0
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    assert cli_main(["keygen", "--rotate", str(target)]) == 0
    assert mode(target) == 0o600


def _config(tmp_path: Path) -> Path:
    keyfile = tmp_path / "var" / "k.keys"
    assert cli_main(["keygen", "--out", str(keyfile)]) == 0
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[database]\nurl = "sqlite:///var/needtoknow.db"\n[security]\nkey_file = "var/k.keys"\n'
        '[audit]\ncheckpoint_file = "var/audit.jsonl"\n'
    )
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    assert cli_main(["--config", str(cfg), "audit", "checkpoint"]) == 0
    return cfg


def test_doctor_is_quiet_when_modes_are_private(tmp_path: Path, capsys: Any, loose_umask: None) -> None:
    cfg = _config(tmp_path)
    assert mode(tmp_path / "var" / "audit.jsonl") == 0o600
    capsys.readouterr()
    cli_main(["--config", str(cfg), "doctor"])
    assert "file mode" not in capsys.readouterr().out


def test_doctor_warns_about_wider_modes_with_the_chmod_to_run(
    tmp_path: Path, capsys: Any
) -> None:
    cfg = _config(tmp_path)
    var = tmp_path / "var"
    os.chmod(var / "needtoknow.db", 0o644)
    os.chmod(var / "k.keys", 0o640)
    os.chmod(var / "audit.jsonl", 0o666)
    os.chmod(var, 0o755)
    capsys.readouterr()
    cli_main(["--config", str(cfg), "doctor"])
    out = capsys.readouterr().out
    assert f"[WARN] file mode: {var / 'needtoknow.db'} is mode 0644" in out
    assert f"chmod 600 {var / 'needtoknow.db'}" in out
    assert f"chmod 600 {var / 'k.keys'}" in out and "mode 0640 (open to its group)" in out
    assert f"chmod 600 {var / 'audit.jsonl'}" in out
    assert f"chmod 700 {var}" in out
    # start-up warns too (logged with the path, never the key)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("storage.db")
    logger.addHandler(handler)
    try:
        Database(f"sqlite:///{var}/needtoknow.db").dispose()
    finally:
        logger.removeHandler(handler)
    assert any("chmod 600" in r.getMessage() for r in records)
