"""Start-up and shutdown: a wrong key or a newer schema stops start-up with one clear line; replicas
starting together on an empty database all come up; SIGTERM drains what is in progress."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.app import Dispatched, build_app
from bot.cli import main as cli_main
from bot.cli import serve
from bot.config import parse_config
from bot.console.platform import ConsolePlatform
from bot.events import CommandInvoked
from bot.platform import ChannelRef, UserRef
from storage.crypto import KeyRing
from storage.db import Database, SchemaTooNew
from storage.keycheck import WrongKey
from storage.models import KeyCheck, OutboxMessage
from tests.conftest import PG_ENV, PG_SKIP, _pg_schema
from tests.harness import Harness, demo_data
from tests.integration.faults.faults import FaultyPlatform


def _cli_config(tmp_path: Path, url: str | None = None) -> Path:
    (tmp_path / "k.keys").write_text(KeyRing.generate().dumps())
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[bot]\nplatform = "console"\n[database]\nurl = "{url or "sqlite:///ntk.db"}"\n'
        '[security]\nkey_file = "k.keys"\n'
    )
    return cfg


def _one_line(err: str) -> str:
    lines = [
        line for line in err.splitlines() if line.strip() and "WARNING" not in line and "INFO" not in line
    ]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_a_wrong_key_stops_start_up_and_doctor_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEEDTOKNOW_KEY_FILE", raising=False)
    cfg = _cli_config(tmp_path)
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    assert cli_main(["--config", str(cfg), "directory", "sync"]) == 0  # first use of the keys: check written
    assert cli_main(["--config", str(cfg), "doctor"]) in (0, 1)
    assert "[ok] key check" in capsys.readouterr().out
    (tmp_path / "k.keys").write_text(KeyRing.generate().dumps())  # the wrong key file
    for verb in (["run"], ["directory", "sync"], ["audit", "verify"]):
        assert cli_main(["--config", str(cfg), *verb]) == 3, verb
        line = _one_line(capsys.readouterr().err)
        assert "refusing to start" in line and "encryption key does not match" in line
    assert cli_main(["--config", str(cfg), "doctor"]) == 1
    assert "[FAIL] key check: the encryption key does not match" in capsys.readouterr().out


def test_a_wrong_hmac_key_alone_is_refused_too(tmp_path: Path, database_url: str) -> None:
    ring = KeyRing.generate()
    h = Harness.create(tmp_path, database_url=database_url, keyring=ring)
    h.app.services.db.dispose()
    other = KeyRing.generate()
    lines = [line for line in ring.dumps().splitlines() if not line.startswith("hmac")]
    lines += [line for line in other.dumps().splitlines() if line.startswith("hmac")]
    mixed = KeyRing.loads("\n".join(lines) + "\n")
    with pytest.raises(WrongKey, match="HMAC key"):
        Harness.create(tmp_path, database_url=database_url, keyring=mixed)


async def test_a_database_from_before_the_key_check_is_checked_against_its_data(
    tmp_path: Path, database_url: str
) -> None:
    ring = KeyRing.generate()
    h = Harness.create(tmp_path, database_url=database_url, keyring=ring)
    h.queue_dm(key="m1", body="a tip for you")
    with h.app.services.db.session() as s:
        s.execute(text("DELETE FROM key_check"))  # as written by a version without the check
    await h.close()
    with pytest.raises(WrongKey, match="encryption key"):
        Harness.create(tmp_path, database_url=database_url, keyring=KeyRing.generate())
    h2 = Harness.create(tmp_path, database_url=database_url, keyring=ring)  # the right key: sealed now
    with h2.app.services.db.session() as s:
        assert s.execute(select(KeyCheck.id)).scalar_one() == 1
    await h2.close()


def test_a_newer_schema_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEEDTOKNOW_KEY_FILE", raising=False)
    cfg = _cli_config(tmp_path)
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    db = Database(f"sqlite:///{tmp_path}/ntk.db")
    with db.session() as s:
        s.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"))
    db.dispose()
    capsys.readouterr()
    for verb in (["run"], ["db", "upgrade"], ["audit", "verify"]):
        assert cli_main(["--config", str(cfg), *verb]) == 3, verb
        line = _one_line(capsys.readouterr().err)
        assert "9999_from_the_future" in line and "newer than this version" in line
    assert cli_main(["--config", str(cfg), "doctor"]) == 1
    assert "newer than this version" in capsys.readouterr().out
    db = Database(f"sqlite:///{tmp_path}/ntk.db")
    with pytest.raises(SchemaTooNew):
        db.upgrade()
    db.dispose()


def test_an_older_schema_is_one_line_naming_db_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database one migration behind (a new version installed, `db upgrade` not run yet): the
    verbs that read it and `doctor` say so in one line, where doctor used to print ok."""
    from alembic import command

    from storage.db import alembic_config

    monkeypatch.delenv("NEEDTOKNOW_KEY_FILE", raising=False)
    cfg = _cli_config(tmp_path)
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    url = f"sqlite:///{tmp_path}/ntk.db"
    db = Database(url)
    with db.engine.connect() as conn:
        head = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.dispose()
    command.downgrade(alembic_config(url), f"{head[0]}@-1")
    assert Database(url).missing_revisions() == [head[0]]
    capsys.readouterr()
    for verb in (["audit", "verify"], ["keys", "rotate"]):
        assert cli_main(["--config", str(cfg), *verb]) == 2, verb
        line = _one_line(capsys.readouterr().err)
        assert "older schema" in line and "db upgrade" in line, line
    assert cli_main(["--config", str(cfg), "doctor"]) == 1
    assert "older schema" in capsys.readouterr().out
    assert cli_main(["--config", str(cfg), "db", "upgrade"]) == 0
    assert Database(url).missing_revisions() == []
    assert cli_main(["--config", str(cfg), "audit", "verify"]) == 0


@pytest.mark.parametrize("broken", ["not_a_database", "unreachable"])
def test_a_database_that_cannot_be_used_is_one_line_for_every_verb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    """A file that is not SQLite, or a PostgreSQL server that refuses connections: every verb that
    opens the database says so in one line (the address and the error's type, not the driver's
    message), never a traceback."""
    monkeypatch.delenv("NEEDTOKNOW_KEY_FILE", raising=False)
    if broken == "not_a_database":
        (tmp_path / "ntk.db").write_text("these are notes, not a database\n")
        cfg = _cli_config(tmp_path)
    else:
        cfg = _cli_config(tmp_path, "postgresql://ntk@127.0.0.1:1/ntk")
    capsys.readouterr()
    for verb in (["db", "upgrade"], ["run"], ["console"], ["directory", "sync"], ["audit", "verify"]):
        assert cli_main(["--config", str(cfg), *verb]) == 2, verb
        line = _one_line(capsys.readouterr().err)
        assert "database" in line and "refused" not in line.lower() and "file is not" not in line, line
    assert cli_main(["--config", str(cfg), "doctor"]) == 1
    assert "Traceback" not in capsys.readouterr().out


def _starter(
    config: Any, ring: KeyRing, barrier: threading.Barrier, apps: list[Any], errors: list[BaseException]
) -> Any:
    def start() -> None:
        try:
            barrier.wait()
            apps.append(build_app(config, ConsolePlatform(), keyring=ring))
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)

    return start


def _fresh_urls(kind: str, tmp_path: Path, n: int) -> Iterator[str]:
    if kind == "sqlite":
        for i in range(n):
            yield f"sqlite:///{tmp_path}/replicas-{i}.db"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    for _ in range(n):
        gen = _pg_schema(base)
        url = next(gen)
        try:
            yield url
        finally:
            gen.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("replicas", [2, 4])
def test_replicas_starting_together_on_an_empty_database_all_come_up(
    tmp_path: Path, kind: str, replicas: int
) -> None:
    ring = KeyRing.generate()
    for url in _fresh_urls(kind, tmp_path, 4):  # four rounds, each on a new empty database
        config = parse_config(
            {**demo_data(), "database": {"url": url}}, source="test", base_dir=str(tmp_path)
        )
        barrier = threading.Barrier(replicas)
        errors: list[BaseException] = []
        apps: list[Any] = []
        start = _starter(config, ring, barrier, apps, errors)
        threads = [threading.Thread(target=start) for _ in range(replicas)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], [type(e).__name__ for e in errors]
        assert len(apps) == replicas
        with apps[0].services.db.session() as s:
            members = s.execute(text("SELECT count(*) FROM members")).scalar_one()
            checks = s.execute(text("SELECT count(*) FROM key_check")).scalar_one()
        assert members == len(config.members) and checks == 1
        for app in apps:
            app.services.db.dispose()


async def test_sigterm_finishes_the_send_in_progress_then_exits_with_a_log_line(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    platform = FaultyPlatform()
    h = Harness.create(tmp_path, database_url=database_url, platform=platform)
    platform.real_delay = 0.5  # the send takes half a second
    h.queue_dm(key="m1", body="a tip for you")
    late_event: list[Dispatched] = []

    tip = CommandInvoked(
        user=UserRef("console", "nina"),
        channel=ChannelRef("console", "dm:nina", True),
        name="tip",
        args='observed="a van at the truck stop every night"',
    )
    handled: list[Dispatched] = []

    async def handle_tip(app: Any) -> None:
        handled.append(await app.dispatch(tip))

    async def run_platform(app: Any) -> None:
        delivery = asyncio.create_task(app.deliver_outbox())
        event = asyncio.create_task(handle_tip(app))  # its confirmation is slow to send, too
        await asyncio.sleep(0.1)  # the send and the event are in flight
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        platform.real_delay = 0  # the reply below is quick
        # An event arriving after the signal is refused, so the platform redelivers it elsewhere.
        late_event.append(
            await app.dispatch(
                CommandInvoked(
                    user=UserRef("console", "nina"),
                    channel=ChannelRef("console", "dm:nina", True),
                    name="help",
                )
            )
        )
        await delivery
        await event
        await asyncio.Event().wait()  # a platform runs until cancelled

    with caplog.at_level(logging.INFO):
        assert await serve(h.app, run_platform) == 0
    assert platform.dms("vera")[0] == "a tip for you"
    assert late_event == [Dispatched.NOT_HANDLED]
    assert handled == [Dispatched.HANDLED]  # the event in flight finished before the exit
    assert any("T-0001" in t for t in platform.dms("nina"))
    assert any("needtoknow stopped on SIGTERM" in r.getMessage() for r in caplog.records)
    db = Database(h.app.services.db.url)
    with db.session() as s:
        assert (
            s.execute(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == "m1")).scalar_one()
            == "sent"
        )
        # Whatever the tip queued and could not send before the exit stays in the outbox, unclaimed.
        assert set(s.execute(select(OutboxMessage.status)).scalars()) <= {"sent", "pending"}
    db.dispose()


class _ClosingPlatform(FaultyPlatform):
    """A platform closed while a send is in flight: the send fails because of the close."""

    closed = False

    async def send_dm(self, user: Any, message: Any, **kw: Any) -> Any:
        self.closed = True
        raise RuntimeError("Session is closed")


async def test_a_send_cut_by_the_platform_closing_is_handed_back_not_counted_as_a_failure(
    tmp_path: Path, database_url: str
) -> None:
    """Stopping the bot closes the platform under a send in flight: that is not a failed attempt (which
    would put the message behind a back-off at the next start); the row is due again at once."""
    h = Harness.create(tmp_path, database_url=database_url, platform=_ClosingPlatform())
    h.queue_dm(key="m1", body="your message was removed")
    await h.app.deliver_outbox()
    with h.app.services.db.session() as s:
        row = s.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == "m1")).scalar_one()
        assert (row.status, row.claim_token, row.first_failed_at) == ("pending", None, None)  # no failure
        assert row.next_attempt_at <= h.clock.now()  # due at once, no back-off
