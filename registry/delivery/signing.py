"""Standard Webhooks signatures (https://www.standardwebhooks.com).

Pure functions: the caller passes the message id, the timestamp and the exact body
bytes that will be sent, so what is signed is what goes on the wire.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from secrets import token_bytes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the marker of a secret, not a secret
SIGNATURE_VERSION = "v1"
_SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def generate_secret() -> str:
    """A new endpoint secret: ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(_SECRET_BYTES)).decode("ascii")


class Signer:
    """Signs messages under fixed secrets: each key is decoded and keyed once, then its
    MAC state is copied per message (a batch signs hundreds with the same secrets)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed to sign a webhook")
        self._keyed = [
            hmac.new(_secret_key(secret), digestmod=hashlib.sha256) for secret in secrets
        ]

    def signature(self, msg_id: str, timestamp: int, body: bytes) -> str:
        """One ``v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">`` per secret, in order,
        space separated, so rotation needs no downtime."""
        if not msg_id or "." in msg_id:
            # The spec forbids dots: they would make "id.timestamp.body" ambiguous.
            raise ValueError("msg_id must be non-empty and contain no '.'")
        prefix = f"{msg_id}.{int(timestamp)}.".encode()
        signatures = []
        for keyed in self._keyed:
            mac = keyed.copy()
            mac.update(prefix)
            mac.update(body)
            signatures.append(
                f"{SIGNATURE_VERSION},{base64.b64encode(mac.digest()).decode('ascii')}"
            )
        return " ".join(signatures)

    def headers(self, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
        """The headers of one delivery attempt (the timestamp is the attempt's, not the event's)."""
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(timestamp)),
            "webhook-signature": self.signature(msg_id, timestamp, body),
            "content-type": "application/json",
        }


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">`` under ``secret``."""
    return Signer([secret]).signature(msg_id, timestamp, body)


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space separated, so rotation needs no downtime."""
    return Signer(secrets).signature(msg_id, timestamp, body)


def webhook_headers(
    secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one delivery attempt (the timestamp is the attempt's, not the event's)."""
    return Signer(secrets).headers(msg_id, timestamp, body)


def _secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        # Never echo the secret: messages end up in logs.
        raise ValueError("webhook secret is not valid base64 after the whsec_ prefix") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key
