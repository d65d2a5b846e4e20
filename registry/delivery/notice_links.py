"""Signed links to a customer's notice page, so a person can act without an API key.

A token names one notice (so one change and one customer: the notice id says both)
and when it was issued, and carries an HMAC-SHA256 over both under a key derived
from `REGISTRY_SECRET_KEY` for this purpose only. Nothing is stored: rotating the
server key invalidates every link, a customer's `notice_links_revoked_at` invalidates
the links issued to it before that instant, and a link expires `LINK_LIFETIME` after
it was issued.

Tokens are bearer credentials, so event bodies in the outbox hold a placeholder
(`placeholder()`); the signed URL is put in when a message is sent (`fill_in`),
deterministically, so every attempt of a delivery sends the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from registry.delivery import signed_tokens
from registry.store import ids

LINK_LIFETIME = timedelta(days=400)
"""Long enough to open a notice of a six-month window a few months after it ended."""

_INFO = b"notice-links/hmac-sha256/v1"
_MAC_BYTES = 18  # 144 bits, 24 characters of base64url
_MARK = "@@notice-link:"
_PLACEHOLDER = re.compile(r"@@notice-link:(ntc_[0-9a-f]{48}):(\d{1,12})@@")


def link_key(secret_key: str) -> bytes:
    """This purpose's key: the same setting never signs links and encrypts secrets alike."""
    return hmac.new(secret_key.encode("utf-8"), _INFO, hashlib.sha256).digest()


def _mac(key: bytes, notice_id: str, issued: int) -> str:
    digest = hmac.new(key, f"{notice_id}.{issued}".encode(), hashlib.sha256).digest()
    return _encoded(digest)


def _encoded(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode("ascii")


def sign(key: bytes, notice_id: str, issued_at: datetime) -> str:
    issued = int(issued_at.timestamp())
    return f"{notice_id}.{issued}.{_mac(key, notice_id, issued)}"


@dataclass(frozen=True, slots=True)
class LinkClaims:
    """What a valid token vouches for; revocation is checked against the customer."""

    notice_id: str
    issued_at: datetime

    @property
    def change_id(self) -> str:
        return ids.change_of_notice(self.notice_id)


def genuine(key: bytes, token: str) -> LinkClaims | None:
    """The claims of a token this key signed, expired or not: only to send a fresh link
    to the notice's own addresses (services/fresh_links.py), never to open the page."""
    parts = signed_tokens.parse(token)
    if parts is None or not ids.is_id_of("Notice", parts.subject):
        return None
    if not signed_tokens.same(_mac(key, parts.subject, parts.issued), parts.mac):
        return None
    return LinkClaims(parts.subject, datetime.fromtimestamp(parts.issued, UTC))


def verify(key: bytes, token: str, now: datetime) -> LinkClaims | None:
    """The claims of a genuine, unexpired token; None for anything else."""
    parts = signed_tokens.parse(token)
    if parts is None or not ids.is_id_of("Notice", parts.subject):
        return None
    notice_id, issued = parts.subject, parts.issued
    if not signed_tokens.same(_mac(key, notice_id, issued), parts.mac):
        return None
    issued_at = datetime.fromtimestamp(issued, UTC)
    if not issued_at <= now < issued_at + LINK_LIFETIME:
        return None
    return LinkClaims(notice_id, issued_at)


def url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/notices/{token}"


def placeholder(notice_id: str, issued_at: datetime) -> str:
    """Stands for the signed link in a stored body; `fill_in` replaces it when sending."""
    return f"@@notice-link:{notice_id}:{int(issued_at.timestamp())}@@"


def fill_in(body: str, key: bytes, public_url: str) -> str:
    """The body with each placeholder replaced by its signed URL (bodies have one)."""
    return LinkFiller(key, public_url).fill_in(body)


class LinkFiller:
    """`fill_in` for many bodies under one key: the keyed MAC is set up once and its
    state copied per link.

    `revoked` holds the customers whose links were revoked (customer id -> instant): a
    link the placeholder would issue at or before that instant is issued just after it
    instead, so a message retried after a revocation carries a link valid when sent."""

    def __init__(
        self, key: bytes, public_url: str, revoked: Mapping[str, datetime] | None = None
    ) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        self._public_url = public_url
        self._revoked = {c: int(at.timestamp()) for c, at in (revoked or {}).items()}

    def fill_in(self, body: str) -> str:
        # `_PLACEHOLDER.sub` would scan the whole body in the regex engine; a string
        # search finds the candidates (bodies have one) several times faster.
        start = body.find(_MARK)
        if start < 0:
            return body
        parts: list[str] = []
        done = 0
        while start >= 0:
            found = _PLACEHOLDER.match(body, start)
            if found is None:
                start = body.find(_MARK, start + 1)
                continue
            parts += (body[done:start], self._link(found))
            done = found.end()
            start = body.find(_MARK, done)
        parts.append(body[done:])
        return "".join(parts)

    def _link(self, found: re.Match[str]) -> str:
        notice_id, issued = found[1], found[2]
        revoked = self._revoked.get(ids.customer_of_notice(notice_id))
        if revoked is not None and int(issued) <= revoked:
            issued = str(revoked + 1)
        mac = self._keyed.copy()
        mac.update(f"{notice_id}.{int(issued)}".encode())
        return url(self._public_url, f"{notice_id}.{issued}.{_encoded(mac.digest())}")
