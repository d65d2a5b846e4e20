"""Who is calling: API keys in, a typed caller (services/caller.py) out.

Keys are `rk_` + 32 random bytes (URL-safe base64); only their SHA-256 is stored,
so a database dump never reveals a usable key.

A process remembers the callers of the keys it has seen (`KnownKeys`) for one registry
version: revoking a key bumps the version, so the process that revokes stops accepting
the key at once and every other process within its version watch's bound (about a
second, `registry.store.meta.STALE_AFTER_S`). That buys polling clients with a key an
answer without a database round trip.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from registry.domain import validation as check
from registry.domain.errors import NotFound, Unauthenticated, ValidationError
from registry.domain.models import Role
from registry.services.caller import ANONYMOUS, Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import api_keys, customers, ids

KEY_PREFIX = "rk_"


class InvalidApiKey(Unauthenticated):
    """A key was presented but is unknown or revoked; never treated as anonymous."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: Role
    customer_id: str | None
    prefix: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return KEY_PREFIX + raw


class KnownKeys:
    """The callers of the valid keys this process has looked up at one registry version.

    Only keys the database accepted are remembered (an unknown key is looked up every
    time, so guessing fills nothing); a new version forgets them all."""

    def __init__(self, version: Callable[[], Awaitable[int]], max_keys: int = 4096) -> None:
        self.version = version
        self.max_keys = max_keys
        self._at: int | None = None
        self._callers: dict[str, Caller] = {}

    def get(self, key_hash: str, version: int) -> Caller | None:
        return self._callers.get(key_hash) if version == self._at else None

    def remember(self, key_hash: str, version: int, caller: Caller) -> None:
        """`version` must have been read before the lookup that found the key valid."""
        if version != self._at:
            self._at, self._callers = version, {}
        elif len(self._callers) >= self.max_keys:
            self._callers.clear()
        self._callers[key_hash] = caller


def bearer_token(authorization: str) -> str:
    """The key of a `Bearer rk_…` header."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise InvalidApiKey("malformed Authorization header: expected `Bearer rk_…`")
    return token


async def authenticate(
    deps: Deps, authorization: str | None, known: KnownKeys | None = None
) -> Caller:
    """The caller a request's `Authorization` header names; with `known`, a key seen
    at the current registry version costs no database round trip."""
    if not authorization:
        return ANONYMOUS
    key_hash = hash_key(bearer_token(authorization))
    version = await known.version() if known is not None else 0
    if known is not None and (caller := known.get(key_hash, version)) is not None:
        return caller
    doc = await api_keys.find_by_hash(deps.db, key_hash)
    if doc is None or doc.get("revoked_at") is not None:
        raise InvalidApiKey("invalid or revoked API key")
    caller = Caller(role=Role(doc["role"]), customer_id=doc.get("customer_id"), key_id=doc["_id"])
    if known is not None:
        known.remember(key_hash, version, caller)
    return caller


async def create_api_key(
    deps: Deps, *, name: str, role: Role, customer_id: str | None
) -> tuple[ApiKey, str]:
    """Store a new key and return it with the only copy of its secret."""
    clean_name = check.text(name, "name", max_length=200)
    if role is Role.CUSTOMER:
        if not customer_id:
            raise ValidationError("customerId", "a CUSTOMER key must be bound to a customer")
        if not ids.is_id_of("Customer", customer_id) or not await customers.get(
            deps.db, customer_id
        ):
            raise ValidationError("customerId", f"no customer {customer_id!r}")
    elif customer_id is not None:
        raise ValidationError("customerId", f"a {role.value} key is not bound to a customer")
    key = generate_key()
    key_id = ids.new_id("ApiKey")
    await api_keys.insert(
        deps.db,
        {
            "_id": key_id,
            "name": clean_name,
            "role": role.value,
            "customer_id": customer_id,
            "key_hash": hash_key(key),
            "prefix": key[:7],
            "created_at": deps.clock.now(),
            "revoked_at": None,
        },
    )
    return ApiKey(key_id, clean_name, role, customer_id, key[:7]), key


async def revoke_api_key(deps: Deps, caller: Caller, key_id: str) -> ApiKey:
    require_role(caller, Role.ADMIN)
    doc = await api_keys.revoke(deps.db, key_id, deps.clock.now())
    if doc is None:
        raise NotFound(f"no active API key {key_id!r}")
    return ApiKey(doc["_id"], doc["name"], Role(doc["role"]), doc.get("customer_id"), doc["prefix"])
