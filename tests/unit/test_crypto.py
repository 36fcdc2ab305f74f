from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Text, select, type_coerce
from sqlalchemy.exc import StatementError

from bot.cli import main as cli_main
from storage import outbox
from storage.crypto import DecryptionFailed, FieldCipher, KeyMissing, KeyRing, install_cipher
from storage.db import Database
from storage.models import OutboxMessage
from tests.harness import Harness

CANARY = "CANARY-Maria-Gonzalez-555-0142"


def test_roundtrip_and_context_binding() -> None:
    cipher = FieldCipher(KeyRing.generate())
    stored = cipher.encrypt("secret tip", "tips.body")
    assert "secret" not in stored
    assert cipher.decrypt(stored, "tips.body") == "secret tip"
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(stored, "outbox.body")  # copied into another column: refused


def test_tampered_value_is_refused() -> None:
    cipher = FieldCipher(KeyRing.generate())
    stored = cipher.encrypt("secret", "x")
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(tampered, "x")


def test_rotation_keeps_old_values_readable() -> None:
    old = KeyRing.generate("k1")
    stored = FieldCipher(old).encrypt("v", "c")
    new = old.with_new_primary("k2")
    cipher = FieldCipher(new)
    assert cipher.decrypt(stored, "c") == "v"
    assert cipher.key_id_of(cipher.encrypt("v", "c")) == "k2"


def test_key_file_roundtrip_and_missing_key_message(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    assert KeyRing.loads(ring.dumps()) == ring
    with pytest.raises(KeyMissing) as info:
        KeyRing.from_environment(env={})
    assert "needtoknow keygen" in str(info.value)
    with pytest.raises(KeyMissing):
        KeyRing.from_environment(env={"NEEDTOKNOW_KEY_FILE": str(tmp_path / "nope.keys")})


def test_unconfigured_cipher_never_stores_plaintext(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/x.db")
    db.upgrade()
    install_cipher(None)
    with pytest.raises(StatementError) as info, db.session() as s:
        outbox.enqueue(
            s,
            key="k",
            purpose="t",
            recipient_kind="user",
            recipient="console:a",
            body=CANARY,
            now=datetime.now(UTC),
        )
    assert isinstance(info.value.orig, KeyMissing)
    assert CANARY not in str(info.value)
    assert CANARY.encode() not in (tmp_path / "x.db").read_bytes()


async def test_encrypted_fields_never_reach_the_database_file_in_plaintext(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.queue_dm(key="canary", body=CANARY)
    await h.tick()
    assert CANARY in h.platform.dms("vera")  # it was delivered, decrypted
    await h.close()
    for f in tmp_path.glob("needtoknow.db*"):  # the file and its WAL
        assert CANARY.encode() not in f.read_bytes(), f.name


async def test_encrypted_on_postgres_too(tmp_path: Path, postgres_url: str) -> None:
    h = Harness.create(tmp_path, database_url=postgres_url)
    h.queue_dm(key="canary", body=CANARY)
    with h.app.services.db.session() as s:
        raw = s.execute(select(type_coerce(OutboxMessage.body, Text))).scalar_one()
    assert CANARY not in raw and raw.startswith("v1:")
    await h.close()


async def test_keys_rotate_reencrypts_stored_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyfile = tmp_path / "t.keys"
    assert cli_main(["keygen", "--out", str(keyfile)]) == 0
    ring = KeyRing.loads(keyfile.read_text())
    h = Harness.create(tmp_path, keyring=ring)
    with h.app.services.db.session() as s:
        outbox.enqueue(
            s,
            key="a",
            purpose="t",
            recipient_kind="user",
            recipient="console:vera",
            body="hello",
            now=h.clock.now(),
        )
    await h.close()
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/needtoknow.db"\n[security]\nkey_file = "{keyfile}"\n'
    )
    assert cli_main(["keygen", "--rotate", str(keyfile)]) == 0
    assert cli_main(["--config", str(cfg), "keys", "rotate"]) == 0
    new = KeyRing.loads(keyfile.read_text())
    db = Database(f"sqlite:///{tmp_path}/needtoknow.db")
    with db.session() as s:
        raw = s.execute(select(type_coerce(OutboxMessage.body, Text))).scalar_one()
    assert FieldCipher(new).key_id_of(raw) == new.primary_id != ring.primary_id
    assert (
        FieldCipher(KeyRing((new.encryption_keys[0],), new.hmac_key)).decrypt(raw, "outbox.body") == "hello"
    )


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    keyfile = tmp_path / "k"
    keyfile.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "keygen", "--out", str(keyfile)], capture_output=True, text=True
    )
    assert result.returncode == 2 and keyfile.read_text() == "x"
