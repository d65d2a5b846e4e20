"""Staff console sessions: only the SHA-256 of a session id is stored, never the id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.store.database import Database, create_missing_indexes

NAME = "console_sessions"
INDEXES = [
    IndexModel([("key_id", ASCENDING)], name="key_id"),
    IndexModel([("expires_at", ASCENDING)], name="expires_at"),
]


@dataclass(frozen=True, slots=True)
class StoredSession:
    id_hash: str
    key_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def insert(db: Database, session: StoredSession) -> None:
    await db[NAME].insert_one(
        {
            "_id": session.id_hash,
            "key_id": session.key_id,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "expires_at": session.expires_at,
        }
    )


async def get(db: Database, id_hash: str) -> StoredSession | None:
    doc = await db[NAME].find_one({"_id": id_hash})
    if doc is None:
        return None
    return StoredSession(
        id_hash=doc["_id"],
        key_id=doc["key_id"],
        created_at=doc["created_at"],
        last_seen_at=doc["last_seen_at"],
        expires_at=doc["expires_at"],
    )


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
