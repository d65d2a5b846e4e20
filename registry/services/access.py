"""Who is calling: API keys in, a typed caller (services/caller.py) out.

Keys are `rk_` + 32 random bytes (URL-safe base64); only their SHA-256 is stored,
so a database dump never reveals a usable key.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

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


async def authenticate(deps: Deps, authorization: str | None) -> Caller:
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise InvalidApiKey("malformed Authorization header: expected `Bearer rk_…`")
    doc = await api_keys.find_by_hash(deps.db, hash_key(token))
    if doc is None or doc.get("revoked_at") is not None:
        raise InvalidApiKey("invalid or revoked API key")
    return Caller(role=Role(doc["role"]), customer_id=doc.get("customer_id"), key_id=doc["_id"])


async def create_api_key(
    deps: Deps, *, name: str, role: Role, customer_id: str | None
) -> tuple[ApiKey, str]:
    """Store a new key and return it with the only copy of its secret."""
    clean_name = name.strip()
    if not clean_name or len(clean_name) > 200:
        raise ValidationError("name", "name must be 1–200 characters")
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
