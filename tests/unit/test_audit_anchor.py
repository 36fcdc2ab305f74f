"""The anchored audit trail: tampering with plain SQL (no key) is caught, with and without checkpoints.

Each tampering is what someone with database access but not the key file can do: edit a row, delete
a middle row, delete the newest rows and rewrite ``audit_head`` to match, or wipe the log. Every
one runs on SQLite and PostgreSQL, verified three ways: plain (no checkpoint), against the code a
coordinator received by DM, and against the checkpoint file.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.cli import main as cli_main
from storage.audit import AuditLog, CheckpointClaim, CheckpointInvalid, VerifyResult
from storage.crypto import KeyedHasher, KeyRing
from tests.harness import Harness

GENESIS = "0" * 64
CP_FILE = "audit/checkpoints.jsonl"


async def _busy_log(tmp_path: Path, database_url: str | None = None) -> Harness:
    """A task force that recorded an operation and refused a few requests (about 10 audit rows)."""
    h = Harness.create(
        tmp_path, database_url=database_url, overrides={"audit": {"checkpoint_file": CP_FILE}}
    )
    await h.command("alice", '/operation new when="2026-03-20 10:00" victims=5', channel="dm")
    for _ in range(3):
        await h.command("hana", "/admin members")
    return h


def _log(h: Harness) -> AuditLog:
    return AuditLog(KeyedHasher(h.keyring.hmac_key))


def _verify(h: Harness, claims: list[CheckpointClaim] | None = None) -> VerifyResult:
    with h.app.services.db.session() as s:
        return _log(h).verify(s, claims or [])


def _sql(h: Harness, *statements: str) -> None:
    """Plain SQL, as someone with database access but without the key file would run it."""
    with h.app.services.db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _rows(h: Harness) -> int:
    with h.app.services.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


# -- the four tamperings (plain SQL, no key) ------------------------------------------------------
def modify(h: Harness) -> None:
    _sql(h, "UPDATE audit_log SET actor = 'member:omar' WHERE id = 3")


def delete_middle(h: Harness) -> None:
    _sql(h, "DELETE FROM audit_log WHERE id = 3")


def delete_tail_rewrite_head(h: Harness) -> None:
    keep = _rows(h) - 3
    _sql(
        h,
        f"DELETE FROM audit_log WHERE id > {keep}",
        f"UPDATE audit_head SET last_id = {keep}, "
        f"last_hash = (SELECT hash FROM audit_log WHERE id = {keep})",
    )


def wipe(h: Harness) -> None:
    # Everything a fresh database has: no rows, a head saying 0 rows and never signed.
    _sql(
        h,
        "DELETE FROM audit_log",
        f"UPDATE audit_head SET last_id = 0, last_hash = '{GENESIS}', head_mac = NULL",
    )


TAMPERINGS: dict[str, Callable[[Harness], None]] = {
    "modify": modify,
    "delete-middle": delete_middle,
    "delete-tail+rewrite-head": delete_tail_rewrite_head,
    "wipe": wipe,
}
EXPECTED = {
    "modify": "row 3 was modified",
    "delete-middle": "row 3 is missing",
    "delete-tail+rewrite-head": "not signed with this key file",
    "wipe": "reference(s)",
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
@pytest.mark.parametrize("anchor", ["none", "code", "file"])
async def test_tampering_with_plain_sql_fails_verification(
    tmp_path: Path, database_url: str, tampering: str, anchor: str
) -> None:
    h = await _busy_log(tmp_path, database_url)
    cp = h.app.checkpoint_if_due()
    assert cp is not None and cp.rows == _rows(h)
    assert _verify(h).ok
    log = _log(h)
    claims = {
        "none": [],
        "code": [log.parse_code(cp.code)],
        "file": log.read_checkpoint_file(tmp_path / CP_FILE),
    }[anchor]
    assert _verify(h, claims).ok
    TAMPERINGS[tampering](h)
    result = _verify(h, claims)
    print(f"{tampering} / {anchor}: {'OK' if result.ok else 'TAMPERED'}: {result.message}")
    assert not result.ok
    if anchor == "none" or tampering in ("modify", "delete-middle"):
        assert EXPECTED[tampering] in result.message
    else:
        assert f"it has {_rows(h)}" in result.message and "were removed" in result.message
    await h.close()


async def test_rewritten_head_is_caught_without_a_checkpoint_even_with_its_signature_removed(
    tmp_path: Path, database_url: str
) -> None:
    h = await _busy_log(tmp_path, database_url)
    delete_tail_rewrite_head(h)
    _sql(h, "UPDATE audit_head SET head_mac = NULL")
    result = _verify(h)
    assert not result.ok and "not signed with this key file (no signature)" in result.message
    await h.close()


async def test_the_next_audited_action_does_not_launder_a_rewritten_head(tmp_path: Path) -> None:
    h = await _busy_log(tmp_path)
    delete_tail_rewrite_head(h)
    await h.command("hana", "/admin members")  # the bot goes on: a refusal is audited
    result = _verify(h)
    assert not result.ok and "audit head was bad_signature" in result.message
    await h.close()


async def test_wiping_both_tables_is_caught_without_a_checkpoint(tmp_path: Path, database_url: str) -> None:
    h = await _busy_log(tmp_path, database_url)
    _sql(h, "DELETE FROM audit_log", "DELETE FROM audit_head")
    result = _verify(h)
    assert not result.ok and "head row is missing" in result.message
    await h.command("hana", "/admin members")  # and the bot writing again does not hide it
    result = _verify(h)
    assert not result.ok and "audit head was missing" in result.message
    await h.close()


async def test_only_a_checkpoint_catches_a_replayed_old_head_or_a_full_reset(
    tmp_path: Path, database_url: str
) -> None:
    """The limits of plain verify, stated as tests: a head copied from an earlier genuine state, or a
    database reset to look fresh (counters too), verify as OK — a checkpoint catches both."""
    h = await _busy_log(tmp_path, database_url)
    with h.app.services.db.engine.connect() as conn:
        old = conn.execute(text("SELECT last_id, last_hash, head_mac FROM audit_head")).one()
    for _ in range(3):
        await h.command("hana", "/admin members")
    cp = h.app.checkpoint_if_due()
    assert cp is not None
    claims = [_log(h).parse_code(cp.code)]
    _sql(
        h,
        f"DELETE FROM audit_log WHERE id > {old.last_id}",
        f"UPDATE audit_head SET last_id = {old.last_id}, last_hash = '{old.last_hash}', "
        f"head_mac = '{old.head_mac}'",
    )
    assert _verify(h).ok
    result = _verify(h, claims)
    assert not result.ok and f"it has {old.last_id}" in result.message
    wipe(h)
    _sql(h, "DELETE FROM counters")
    assert _verify(h).ok
    assert "only trustworthy against a checkpoint" in _verify(h).message
    result = _verify(h, claims)
    assert not result.ok and "it has 0: rows 1 to" in result.message
    await h.close()


async def test_a_fresh_database_verifies(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    assert _verify(h).ok and _verify(h).rows_checked == 0
    await h.command("hana", "/admin members")
    assert _verify(h).ok and _verify(h).rows_checked == 1
    await h.close()


# -- checkpoints ----------------------------------------------------------------------------------
async def test_periodic_checkpoint_goes_to_the_coordinator_and_the_file(tmp_path: Path) -> None:
    h = await _busy_log(tmp_path)
    cp = h.app.checkpoint_if_due()
    assert cp is not None
    assert h.app.checkpoint_if_due() is None  # not due again for 24 hours
    await h.tick(hours=23)
    assert h.app.checkpoint_if_due() is None
    dms = [t for t in h.platform.dms("omar") if t.startswith("Audit checkpoint")]
    assert len(dms) == 1 and f"Code: {cp.code}" in dms[0] and f"{cp.rows} rows" in dms[0]
    assert len(cp.code.replace("-", "")) == 24
    await h.tick(hours=1)
    second = h.app.checkpoint_if_due()
    assert second is not None and second.rows > cp.rows
    await h.tick()
    assert len([t for t in h.platform.dms("omar") if t.startswith("Audit checkpoint")]) == 2
    lines = (tmp_path / CP_FILE).read_text().splitlines()
    assert len(lines) == 2 and cp.code in lines[0] and second.code in lines[1]
    # the coordinator is the only one told; no channel sees it
    assert not any("Audit checkpoint" in t for t in h.platform.private_texts("alice"))
    assert [r.action for r in h.audit_rows()].count("audit.checkpoint") == 2
    assert _verify(h, _log(h).read_checkpoint_file(tmp_path / CP_FILE)).ok
    await h.close()


async def test_checkpoint_file_and_folder_are_private(tmp_path: Path) -> None:
    h = await _busy_log(tmp_path)
    assert h.app.checkpoint_if_due() is not None
    path = tmp_path / CP_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    await h.close()


async def test_forged_or_edited_checkpoints_are_refused(tmp_path: Path) -> None:
    h = await _busy_log(tmp_path)
    cp = h.app.checkpoint_if_due()
    assert cp is not None
    log = _log(h)
    path = tmp_path / CP_FILE
    path.write_text(path.read_text().replace(f'"rows":{cp.rows}', f'"rows":{cp.rows - 2}'))
    with pytest.raises(CheckpointInvalid, match="not signed with this key file"):
        log.read_checkpoint_file(path)
    other = AuditLog(KeyedHasher(KeyRing.generate().hmac_key))
    with pytest.raises(CheckpointInvalid):
        log.parse_code("not-a-code")
    # a code made with another key file for the very same head matches no row
    forged = log.parse_code(other.checkpoint_code(cp.rows, cp.last_hash))
    assert not _verify(h, [forged]).ok
    wrong = log.parse_code(cp.code[:-1] + ("A" if cp.code[-1] != "A" else "B"))
    result = _verify(h, [wrong])
    assert not result.ok and "is not the row the checkpoint code" in result.message
    await h.close()


def _cli_config(tmp_path: Path, h: Harness, database_url: str) -> Path:
    keyfile = tmp_path / "k.keys"
    keyfile.write_text(h.keyring.dumps())
    os.chmod(keyfile, 0o600)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "{database_url}"\n[security]\nkey_file = "{keyfile}"\n'
        f'[audit]\ncheckpoint_file = "{CP_FILE}"\n'
    )
    return cfg


async def test_cli_checkpoint_and_verify_report_each_tampering(
    tmp_path: Path, database_url: str, capsys: Any
) -> None:
    h = await _busy_log(tmp_path, database_url)
    cfg = _cli_config(tmp_path, h, database_url)
    h.clock.set(datetime.now(UTC))  # the CLI works at the real time; let the bot catch up first
    await h.tick()
    assert cli_main(["--config", str(cfg), "audit", "checkpoint"]) == 0
    out = capsys.readouterr().out
    code = out.split(": ", 1)[1].split()[0]
    rows = int(out.split("row ", 1)[1].split(":")[0])
    assert out.startswith("checkpoint at row") and "queued to the coordinators by DM" in out
    await h.tick(minutes=1)
    assert any(code in t for t in h.platform.dms("omar"))  # the running bot delivers the DM
    assert cli_main(["--config", str(cfg), "audit", "verify", "--checkpoint", code.lower()]) == 0
    assert "2 checkpoint(s) match" in capsys.readouterr().out  # the code and the file line
    assert cli_main(["--config", str(cfg), "audit", "verify"]) == 0  # uses [audit] checkpoint_file
    keep = rows - 3
    _sql(
        h,
        f"DELETE FROM audit_log WHERE id > {keep}",
        f"UPDATE audit_head SET last_id = {keep}, last_hash = (SELECT hash FROM audit_log WHERE id = {keep})",
    )
    assert cli_main(["--config", str(cfg), "audit", "verify", "--checkpoint", code]) == 1
    assert "TAMPERED: the checkpoint code" in capsys.readouterr().out
    assert cli_main(["--config", str(cfg), "audit", "verify"]) == 1
    assert "were removed" in capsys.readouterr().out
    assert cli_main(["--config", str(cfg), "audit", "verify", "--checkpoint", "AAAA"]) == 1
    assert "TAMPERED: the checkpoint code has the wrong length" in capsys.readouterr().out
    await h.close()


async def test_an_unwritable_checkpoint_file_loses_the_line_not_the_checkpoint(
    tmp_path: Path,
) -> None:
    """Fault injection for the file path (best-effort): the code still reaches the coordinator."""
    h = await _busy_log(tmp_path)
    (tmp_path / CP_FILE).mkdir(parents=True)  # a folder where the file should be: appends fail
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("bot.audit_checkpoint").addHandler(handler)
    try:
        cp = h.app.checkpoint_if_due()
    finally:
        logging.getLogger("bot.audit_checkpoint").removeHandler(handler)
    assert cp is not None
    await h.tick()
    assert any(cp.code in t for t in h.platform.dms("omar"))
    messages = [r.getMessage() for r in records]
    assert any("could not append the audit checkpoint" in m for m in messages)
    assert not any(cp.code in m for m in messages)
    assert _verify(h, [_log(h).parse_code(cp.code)]).ok
    await h.close()


async def test_the_scheduler_takes_the_periodic_checkpoint(tmp_path: Path) -> None:
    import asyncio

    h = Harness.create(tmp_path, overrides={"audit": {"checkpoint_interval_hours": 0.001}})  # checks every 0.9 s
    h.app.start_scheduler()
    try:
        for _ in range(50):
            await asyncio.sleep(0.2)
            if any(r.action == "audit.checkpoint" for r in h.audit_rows()):
                break
        assert [r.action for r in h.audit_rows()].count("audit.checkpoint") == 1  # the fake clock stands still
    finally:
        await h.close()
    off = Harness.create(tmp_path / "off", overrides={"audit": {"checkpoint_interval_hours": 0}})
    assert off.app.checkpoint_if_due() is None  # 0: only `needtoknow audit checkpoint`
    await off.close()
