"""What customers' DORA registers need beyond the subprocessor list: each customer's
contract reference and LEI, and our own identification as their provider (`_id`
"provider"). One document per customer."""

from __future__ import annotations

from registry.domain.dora import RegisterDetails
from registry.store.codec import Codec
from registry.store.database import Database

NAME = "register_details"


CODEC = Codec(RegisterDetails)


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


async def get(db: Database, key: str) -> RegisterDetails | None:
    doc = await db[NAME].find_one({"_id": key})
    return CODEC.from_document(doc) if doc else None


async def put(db: Database, details: RegisterDetails) -> None:
    await db[NAME].replace_one({"_id": details.id}, CODEC.to_document(details), upsert=True)


async def insert_missing(db: Database, details: RegisterDetails) -> bool:
    """Seeds: True when created; an existing record is kept."""
    result = await db[NAME].update_one(
        {"_id": details.id}, {"$setOnInsert": CODEC.to_document(details)}, upsert=True
    )
    return result.upserted_id is not None
