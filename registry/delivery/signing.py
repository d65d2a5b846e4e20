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


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">`` under ``secret``."""
    if not msg_id or "." in msg_id:
        # The spec forbids dots: they would make "id.timestamp.body" ambiguous.
        raise ValueError("msg_id must be non-empty and contain no '.'")
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space separated, so rotation needs no downtime."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign a webhook")
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def webhook_headers(
    secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one delivery attempt (the timestamp is the attempt's, not the event's)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
    }


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
