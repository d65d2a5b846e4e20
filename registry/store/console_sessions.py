"""Staff console sessions: only the SHA-256 of a session id is stored, never the id.

A session is opened by an API key (`key_id`) or by a person signed in with the company's
OpenID provider (`person`, `role`). A sign-in with the provider first stores a pending
session (`pending`: its state, nonce and PKCE verifier) that the provider's answer takes,
once, and that is never a signed-in session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.domain.person import Person
from registry.store.codec import Codec
from registry.store.database import Database, create_missing_indexes

NAME = "console_sessions"
INDEXES = [
    IndexModel([("key_id", ASCENDING)], name="key_id"),
    IndexModel([("expires_at", ASCENDING)], name="expires_at"),
]


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What the provider's answer must match: sent with the browser, kept here."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


@dataclass(frozen=True, slots=True)
class StoredSession:
    id_hash: str
    key_id: str | None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    role: str | None = None  # a person's role, from the provider's claim at sign-in
    person: Person | None = None
    pending: PendingSignIn | None = None


_CODEC = Codec(StoredSession, id_field="id_hash")


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def insert(db: Database, session: StoredSession) -> None:
    await db[NAME].insert_one(_CODEC.to_document(session))


async def get(db: Database, id_hash: str) -> StoredSession | None:
    doc = await db[NAME].find_one({"_id": id_hash})
    return _CODEC.from_document(doc) if doc is not None else None


async def take_pending(db: Database, id_hash: str) -> StoredSession | None:
    """The pending sign-in, removed as it is read: a provider's answer is taken once."""
    doc = await db[NAME].find_one_and_delete({"_id": id_hash, "pending": {"$ne": None}})
    return _CODEC.from_document(doc) if doc is not None else None


async def touch(db: Database, id_hash: str, at: datetime, expires_at: datetime) -> None:
    await db[NAME].update_one(
        {"_id": id_hash}, {"$set": {"last_seen_at": at, "expires_at": expires_at}}
    )


async def delete(db: Database, id_hash: str) -> bool:
    result = await db[NAME].delete_one({"_id": id_hash})
    return result.deleted_count == 1


async def delete_for_key(db: Database, key_id: str) -> int:
    result = await db[NAME].delete_many({"key_id": key_id})
    return result.deleted_count


async def delete_expired(db: Database, now: datetime) -> int:
    result = await db[NAME].delete_many({"expires_at": {"$lte": now}})
    return result.deleted_count
