from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, update

from bot.cli import main as cli_main
from storage.audit import AuditLog
from storage.crypto import KeyedHasher
from storage.models import AuditEntry
from tests.harness import Harness


async def _harness_with_rows(tmp_path: Path, database_url: str | None = None, n: int = 5) -> Harness:
    h = Harness.create(tmp_path, database_url=database_url)
    for _ in range(n):
        await h.command("hana", "/admin members")  # refused, and audited each time
    return h


def _verify(h: Harness):
    with h.app.services.db.session() as s:
        return AuditLog(KeyedHasher(h.keyring.hmac_key)).verify(s)


async def test_permission_denied_gets_a_clear_message_and_is_audited(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("hana", "/admin grant hana admin")
    assert h.platform.ephemerals("hana") == [
        "You need the admin role to change the directory and channel policies."
    ]
    rows = h.audit_rows()
    assert [(r.actor, r.action, r.target) for r in rows] == [("member:hana", "permission.denied", "admin")]
    await h.close()


async def test_unknown_person_is_told_to_ask_the_coordinator(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("mallory", "/admin members")
    assert "not in this task force's directory" in h.platform.ephemerals("mallory")[0]
    assert h.audit_rows()[0].actor == "unknown:console"
    await h.close()


async def test_audit_chain_verifies_on_both_backends(tmp_path: Path, database_url: str) -> None:
    h = await _harness_with_rows(tmp_path, database_url)
    result = _verify(h)
    assert result.ok and result.rows_checked == 5
    await h.close()


async def test_edited_row_is_detected(tmp_path: Path, database_url: str) -> None:
    h = await _harness_with_rows(tmp_path, database_url)
    with h.app.services.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 3).values(actor="member:omar"))
    result = _verify(h)
    assert not result.ok and result.first_bad_id == 3 and "modified" in result.message
    await h.close()


async def test_deleted_row_is_detected(tmp_path: Path, database_url: str) -> None:
    h = await _harness_with_rows(tmp_path, database_url)
    with h.app.services.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    result = _verify(h)
    assert not result.ok and result.first_bad_id == 2 and "missing" in result.message
    await h.close()


async def test_deleting_the_newest_rows_is_detected(tmp_path: Path) -> None:
    h = await _harness_with_rows(tmp_path)
    with h.app.services.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id >= 4))
    result = _verify(h)
    assert not result.ok and "after 3" in result.message
    await h.close()


async def test_audit_verify_command_exits_nonzero_on_tampering(tmp_path: Path, capsys) -> None:
    h = await _harness_with_rows(tmp_path)
    keyfile = tmp_path / "k.keys"
    keyfile.write_text(h.keyring.dumps())
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/needtoknow.db"\n[security]\nkey_file = "{keyfile}"\n'
    )
    await h.close()
    assert cli_main(["--config", str(cfg), "audit", "verify"]) == 0
    assert "OK: 5 rows verified" in capsys.readouterr().out
    h2 = Harness.create(tmp_path, keyring=h.keyring)
    with h2.app.services.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 4).values(action="tip.routed"))
    await h2.close()
    assert cli_main(["--config", str(cfg), "audit", "verify"]) == 1
    assert "TAMPERED: row 4 was modified" in capsys.readouterr().out


async def test_admin_role_change_moves_the_single_point_person(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", "/admin grant dan point_person")
    await h.command("omar", "/admin members")
    listing = h.platform.ephemerals("omar")[-1]
    assert "dan: Dan Okafor — rpd, law_enforcement; roles: core_team, point_person" in listing
    assert "vera: Vera Lindqvist — usao, systems_advocate; roles: core_team\n" in listing + "\n"
    assert h.audit_rows()[-1].action == "directory.role_grant"
    await h.close()


async def test_admin_adds_a_member_who_can_then_use_the_bot(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("zoe", "/admin members")
    assert "not in this task force's directory" in h.platform.ephemerals("zoe")[-1]
    await h.command(
        "omar", '/admin add zoe name="Zoe Park" agency=haven discipline=community_advocate slack_id=U0ZOE'
    )
    assert h.platform.ephemerals("omar")[-1].startswith("Added zoe (haven, community_advocate)")
    await h.command("zoe", "/help")
    assert "You are Zoe Park (Safe Haven Services" in h.platform.ephemerals("zoe")[-1]
    assert [r.action for r in h.audit_rows()][-1] == "directory.member_added"
    await h.close()


async def test_admin_add_refuses_bad_input_without_storing(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", '/admin add zoe name="Zoe Park" agency=fbi discipline=community_advocate')
    assert "agency must be one of" in h.platform.ephemerals("omar")[-1]
    await h.command("omar", '/admin add zoe name="Zoe Park" agency=haven discipline=wizard')
    assert "discipline must be one of" in h.platform.ephemerals("omar")[-1]
    await h.command("omar", "/admin add ../etc name=x agency=haven discipline=healthcare")
    assert "Usage: /admin add" in h.platform.ephemerals("omar")[-1]
    await h.command("zoe", "/help")
    assert "not in this task force's directory" in h.platform.ephemerals("zoe")[-1]
    await h.close()


async def test_deactivated_point_person_no_longer_holds_the_role(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", "/admin deactivate vera")
    await h.command("vera", "/admin members")
    assert "not in this task force's directory" in h.platform.ephemerals("vera")[-1]
    await h.command("omar", "/admin members")
    assert "vera: Vera Lindqvist — usao, systems_advocate; roles: -" in h.platform.ephemerals("omar")[-1]
    await h.close()


async def test_admin_binds_a_channel_with_a_policy(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("omar", "/admin channel task-leads slack_id=C0LEADS policy=redact")
    await h.command("omar", "/admin channels")
    assert "#task-leads: PII policy redact" in h.platform.ephemerals("omar")[-1]
    assert h.audit_rows()[-1].action == "channel.bound"
    await h.close()
