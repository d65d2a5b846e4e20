"""The registry version: a counter bumped by every write that changes what a query
answers, so cached responses are keyed by it and never served stale."""

from __future__ import annotations

from pymongo import ReturnDocument

from registry.store.database import Database

NAME = "meta"
_ID = "registry"


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


async def version(db: Database) -> int:
    doc = await db[NAME].find_one({"_id": _ID})
    return int(doc["version"]) if doc else 0


async def bump(db: Database) -> int:
    doc = await db[NAME].find_one_and_update(
        {"_id": _ID}, {"$inc": {"version": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    return int(doc["version"]) if doc else 0


async def has_flag(db: Database, name: str) -> bool:
    """One-time data migrations record here that they ran."""
    return await db[NAME].find_one({"_id": f"flag:{name}"}) is not None


async def set_flag(db: Database, name: str) -> None:
    await db[NAME].update_one({"_id": f"flag:{name}"}, {"$set": {"set": True}}, upsert=True)
