"""Encryption at rest for webhook signing secrets.

We must sign with the plain secret, so it is stored encrypted (not hashed) with
Fernet (AES-128-CBC + HMAC-SHA256, authenticated). ``REGISTRY_SECRET_KEY`` is any
string an operator chooses, while Fernet wants exactly 32 random bytes: HKDF-SHA256
turns the setting into that key and, through its ``info`` label, ties the key to
this one purpose, so the same setting can later derive other keys without reuse.
HKDF does not slow down guessing, so the setting must itself be high-entropy
(for example ``openssl rand -base64 32``), not a memorable password.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_HKDF_SALT = b"subprocessor-registry"
_HKDF_INFO = b"webhook-secrets/fernet/v1"


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted: wrong REGISTRY_SECRET_KEY or damaged data."""


class SecretBox:
    """Encrypts with ``key``; decrypts with ``key`` or any of ``previous_keys``.

    ``previous_keys`` lets an operator rotate REGISTRY_SECRET_KEY: old rows still
    decrypt and are re-encrypted with the new key when next written.
    """

    def __init__(self, key: str, *, previous_keys: Sequence[str] = ()) -> None:
        self._fernet = MultiFernet([_fernet(k) for k in (key, *previous_keys)])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretDecryptionError(
                "stored webhook secret cannot be decrypted with the configured REGISTRY_SECRET_KEY"
            ) from None


def _fernet(key: str) -> Fernet:
    if not key:
        raise ValueError("REGISTRY_SECRET_KEY must not be empty")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))
