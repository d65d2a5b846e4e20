"""Signed links for public subscribers: confirm a subscription, unsubscribe in one click.

Tokens are HMACs under the notice-link key (`notice_links.link_key`) with a purpose
label, never stored. A confirmation link expires after `CONFIRM_LIFETIME`; an
unsubscribe link works as long as the subscriber exists (RFC 8058 wants it to).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from registry.delivery import signed_tokens

CONFIRM_LIFETIME = timedelta(days=7)
_MAC_BYTES = 18


def _mac(key: bytes, purpose: str, sub_id: str, issued: int) -> str:
    digest = hmac.new(key, f"{purpose}:{sub_id}.{issued}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode("ascii")


def confirm_token(key: bytes, sub_id: str, issued_at: datetime) -> str:
    issued = int(issued_at.timestamp())
    return f"{sub_id}.{issued}.{_mac(key, 'confirm', sub_id, issued)}"


def unsubscribe_token(key: bytes, sub_id: str) -> str:
    return f"{sub_id}.0.{_mac(key, 'unsubscribe', sub_id, 0)}"


def _check(key: bytes, purpose: str, token: str) -> tuple[str, int] | None:
    parts = signed_tokens.parse(token)
    if parts is None or not parts.subject.startswith("esub_") or len(parts.subject) != 37:
        return None
    if not signed_tokens.same(_mac(key, purpose, parts.subject, parts.issued), parts.mac):
        return None
    return parts.subject, parts.issued


def confirmed_subscriber(key: bytes, token: str, now: datetime) -> str | None:
    """The subscriber a live confirmation token names, else None."""
    found = _check(key, "confirm", token)
    if found is None:
        return None
    issued_at = datetime.fromtimestamp(found[1], UTC)
    return found[0] if issued_at <= now < issued_at + CONFIRM_LIFETIME else None


def unsubscribing_subscriber(key: bytes, token: str) -> str | None:
    found = _check(key, "unsubscribe", token)
    return found[0] if found is not None and found[1] == 0 else None


def confirm_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/subscriptions/confirm?token={token}"


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/subscriptions/unsubscribe?token={token}"
