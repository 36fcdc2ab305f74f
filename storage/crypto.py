"""Field encryption and keyed hashes.

Sensitive text (tip bodies, subjects, operation details, outbox bodies) is stored with AES-256-GCM,
one random 96-bit nonce per value, and the column's name as associated data so a ciphertext copied
into another column does not decrypt. Stored form: ``v1:<key id>:<base64(nonce || ciphertext)>``.
Rotation: the key ring holds one primary key (encrypts) and any number of older keys (decrypt
only); ``needtoknow keys rotate`` re-encrypts every value under the primary.

Lookups on sensitive identifiers (a subject's phone, a known alias) use HMAC-SHA256 with a separate
key that does not rotate — rotating it would orphan every stored hash.

A missing key is always an error (``KeyMissing``); there is no plaintext fallback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

ENV_KEY_FILE = "NEEDTOKNOW_KEY_FILE"
ENV_ENC_KEYS = "NEEDTOKNOW_ENCRYPTION_KEYS"
ENV_HMAC_KEY = "NEEDTOKNOW_HMAC_KEY"


class KeyMissing(RuntimeError):
    """No usable key was configured. The message says how to create one; it never contains key material."""


class DecryptionFailed(RuntimeError):
    """A stored value could not be decrypted (wrong key, tampering, unknown key id)."""


def _b64decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise KeyMissing(f"{what} is not valid base64") from None
    if len(raw) != 32:
        raise KeyMissing(f"{what} must be 32 bytes (base64 of 32 random bytes); run `needtoknow keygen`")
    return raw


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id (the first is primary) and the HMAC key."""

    encryption_keys: tuple[tuple[str, bytes], ...]
    hmac_key: bytes

    @property
    def primary_id(self) -> str:
        return self.encryption_keys[0][0]

    @classmethod
    def generate(cls, key_id: str | None = None) -> KeyRing:
        kid = key_id or f"k{secrets.token_hex(3)}"
        return cls(((kid, AESGCM.generate_key(bit_length=256)),), secrets.token_bytes(32))

    def with_new_primary(self, key_id: str | None = None) -> KeyRing:
        kid = key_id or f"k{secrets.token_hex(3)}"
        if any(k == kid for k, _ in self.encryption_keys):
            raise ValueError(f"key id {kid} already exists")
        return KeyRing(((kid, AESGCM.generate_key(bit_length=256)), *self.encryption_keys), self.hmac_key)

    def dumps(self) -> str:
        """The key-file format: ``hmac <b64>`` and ``enc <id> <b64>`` lines, primary first."""

        def enc(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).decode()

        lines = [
            "# needtoknow keys. Keep this file secret (mode 0600) and backed up: without it the",
            "# encrypted fields in the database cannot be read. The first 'enc' line is the primary.",
            f"hmac {enc(self.hmac_key)}",
        ]
        lines += [f"enc {kid} {enc(key)}" for kid, key in self.encryption_keys]
        return "\n".join(lines) + "\n"

    @classmethod
    def loads(cls, text: str, source: str = "key file") -> KeyRing:
        hmac_key: bytes | None = None
        enc: list[tuple[str, bytes]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if parts[0] == "hmac" and len(parts) == 2:
                hmac_key = _b64decode_key(parts[1], f"{source} line {n} (hmac)")
            elif parts[0] == "enc" and len(parts) == 3:
                enc.append((parts[1], _b64decode_key(parts[2], f"{source} line {n} (enc {parts[1]})")))
            else:
                raise KeyMissing(f"{source} line {n}: expected 'hmac <base64>' or 'enc <id> <base64>'")
        if hmac_key is None or not enc:
            raise KeyMissing(
                f"{source} needs one 'hmac' line and at least one 'enc' line; run `needtoknow keygen`"
            )
        return cls(tuple(enc), hmac_key)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, key_file: str | None = None) -> KeyRing:
        """Keys from ``NEEDTOKNOW_ENCRYPTION_KEYS`` (``id:b64,id:b64``) + ``NEEDTOKNOW_HMAC_KEY``, or
        from a key file (``key_file`` argument, else ``NEEDTOKNOW_KEY_FILE``)."""
        env = os.environ if env is None else env
        if env.get(ENV_ENC_KEYS) or env.get(ENV_HMAC_KEY):
            if not env.get(ENV_ENC_KEYS) or not env.get(ENV_HMAC_KEY):
                raise KeyMissing(f"set both {ENV_ENC_KEYS} and {ENV_HMAC_KEY}, or use a key file")
            keys: list[tuple[str, bytes]] = []
            for item in env[ENV_ENC_KEYS].split(","):
                kid, _, b64 = item.strip().partition(":")
                if not kid or not b64:
                    raise KeyMissing(f"{ENV_ENC_KEYS}: expected comma-separated 'id:base64' items")
                keys.append((kid, _b64decode_key(b64, f"{ENV_ENC_KEYS} ({kid})")))
            return cls(tuple(keys), _b64decode_key(env[ENV_HMAC_KEY], ENV_HMAC_KEY))
        path = key_file or env.get(ENV_KEY_FILE)
        if not path:
            raise KeyMissing(
                f"no encryption key configured: set {ENV_KEY_FILE} to a key file made by "
                f"`needtoknow keygen --out PATH`, or set {ENV_ENC_KEYS} and {ENV_HMAC_KEY}"
            )
        p = Path(path)
        if not p.is_file():
            raise KeyMissing(f"key file {p} does not exist; create it with `needtoknow keygen --out {p}`")
        from storage.files import mode_warnings

        for warning in mode_warnings([p]):
            log.warning("key file mode: %s", warning)
        return cls.loads(p.read_text(encoding="utf-8"), source=f"key file {p}")


class FieldCipher:
    """Authenticated encryption of text fields with a key ring (thread-safe: AESGCM is stateless)."""

    PREFIX = "v1"

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        self._aead = {kid: AESGCM(key) for kid, key in ring.encryption_keys}

    @property
    def primary_id(self) -> str:
        return self._ring.primary_id

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        ct = self._aead[self.primary_id].encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return f"{self.PREFIX}:{self.primary_id}:{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        try:
            prefix, kid, body = stored.split(":", 2)
        except ValueError:
            raise DecryptionFailed(f"value in {context} is not in the encrypted format") from None
        if prefix != self.PREFIX or kid not in self._aead:
            raise DecryptionFailed(f"value in {context} uses an unknown key id; is the key file complete?")
        raw = base64.urlsafe_b64decode(body)
        try:
            return self._aead[kid].decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")
        except InvalidTag:
            raise DecryptionFailed(
                f"value in {context} failed authentication (wrong key or tampered)"
            ) from None

    def key_id_of(self, stored: str) -> str:
        return stored.split(":", 2)[1]


class KeyedHasher:
    """HMAC-SHA256 of normalised identifiers, for equality lookups without storing them in clear."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, value: str) -> str:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def mac(self, data: bytes) -> str:
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def mac_bytes(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def derive(self, purpose: str) -> KeyedHasher:
        """A separate key for ``purpose`` (HKDF-SHA256 from this key), so one secret in the key file
        serves several uses without a MAC made for one use ever being valid for another."""
        hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=f"needtoknow {purpose}".encode())
        return KeyedHasher(hkdf.derive(self._key))


# The cipher used by EncryptedText columns. Installed once by the composition root (bot.app) or
# by tests; a column read or written before that raises KeyMissing rather than storing plaintext.
_active_cipher: FieldCipher | None = None


def install_cipher(cipher: FieldCipher | None) -> None:
    global _active_cipher
    _active_cipher = cipher


def active_cipher() -> FieldCipher:
    if _active_cipher is None:
        raise KeyMissing("field encryption is not configured (no key ring installed)")
    return _active_cipher


class EncryptedText(TypeDecorator[str]):
    """A text column that is encrypted on the way in and decrypted on the way out.

    Declaring a column with this type is the only way sensitive text reaches the database, so a
    forgotten ``encrypt()`` call cannot store plaintext.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_cipher().encrypt(value, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_cipher().decrypt(str(value), self.context)
