"""API keys: only the SHA-256 of a key is stored; the key itself is shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument

from registry.store.database import Database, Document, create_missing_indexes

NAME = "api_keys"
INDEXES = [
    IndexModel([("key_hash", ASCENDING)], unique=True, name="key_hash_unique"),
    IndexModel([("created_at", ASCENDING)], name="created_at"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def insert(db: Database, document: Document) -> None:
    await db[NAME].insert_one(document)


async def find_by_hash(db: Database, key_hash: str) -> Document | None:
    return await db[NAME].find_one({"key_hash": key_hash})


async def get(db: Database, key_id: str) -> Document | None:
    return await db[NAME].find_one({"_id": key_id})


async def revoke(db: Database, key_id: str, at: datetime) -> Document | None:
    result: dict[str, Any] | None = await db[NAME].find_one_and_update(
        {"_id": key_id, "revoked_at": None},
        {"$set": {"revoked_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    return result
