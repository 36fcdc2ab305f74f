"""The key check: is this process holding the keys the database was written with?

At first start a known value is sealed with the encryption key and hashed with the HMAC key into
``key_check``. Every later start (``build_app``, ``needtoknow doctor``) opens it again: a wrong or
missing key stops start-up with one clear message, before anything is written under the wrong key
(rows nobody can read, an audit chain that then reads as tampered forever, "no release on record"
answers that are simply wrong).

A database written before the key check existed gets its check row only after one stored
encrypted value of each kind decrypts with the configured key, so an upgrade with the wrong key is
caught too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.crypto import DecryptionFailed, EncryptedText, KeyedHasher, active_cipher
from storage.models import Base, KeyCheck

KNOWN_VALUE = "needtoknow key check v1"
CONTEXT = "key_check"


class WrongKey(RuntimeError):
    """The configured keys are not the ones the database was written with (message is safe to print)."""


def _wrong(what: str) -> WrongKey:
    return WrongKey(
        f"the {what} does not match the one this database was written with; start with the original key "
        "file (NEEDTOKNOW_KEY_FILE / [security] key_file) — nothing was written"
    )


def verify_keys(session: Session, hasher: KeyedHasher, *, now: datetime | None = None) -> bool:
    """Raise ``WrongKey`` when the keys do not match the database. With ``now`` (start-up), write
    the check row when there is none yet; returns True when it was written."""
    cipher = active_cipher()
    raw = session.execute(select(type_coerce(KeyCheck.sealed, Text), KeyCheck.keyed_hash)).first()
    if raw is not None:
        try:
            opened = cipher.decrypt(raw[0], CONTEXT)
        except DecryptionFailed:
            raise _wrong("encryption key") from None
        if opened != KNOWN_VALUE:
            raise _wrong("encryption key")
        if raw[1] != hasher(KNOWN_VALUE):
            raise _wrong("HMAC key")
        return False
    _check_existing_values(session)
    if now is None:
        return False
    try:
        with session.begin_nested():
            session.add(KeyCheck(id=1, sealed=KNOWN_VALUE, keyed_hash=hasher(KNOWN_VALUE), created_at=now))
    except IntegrityError:  # another replica wrote it at the same moment: check theirs
        return verify_keys(session, hasher)
    return True


def _check_existing_values(session: Session) -> None:
    """Before sealing the first check: one stored value per encrypted column must decrypt."""
    cipher = active_cipher()
    for table in Base.metadata.sorted_tables:
        for col in table.columns:
            if not isinstance(col.type, EncryptedText) or table.name == KeyCheck.__tablename__:
                continue
            value = session.execute(
                select(type_coerce(col, Text)).where(col.is_not(None)).limit(1)
            ).scalar_one_or_none()
            if value is None:
                continue
            try:
                cipher.decrypt(value, col.type.context)
            except DecryptionFailed:
                raise _wrong("encryption key") from None
