"""Customer ids (with their terms key) in chunks of up to 1,000 per document.

Fan-out reads one chunk document per thousand customers instead of a thousand
customer documents, so writing notices, not reading customers, bounds the
expansion (the bucket pattern; arrays of scalars only, as FerretDB v1 requires).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from registry.store.database import Database, Document, create_missing_indexes

NAME = "customer_roster"
CHUNK = 1000
INDEXES = [IndexModel([("n", ASCENDING)], name="n")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def add(db: Database, customer_id: str, terms_key: str) -> None:
    """Append to a chunk with room, atomically; start a new chunk when all are full."""
    result = await db[NAME].update_one(
        {"n": {"$lt": CHUNK}},
        {"$push": {"ids": customer_id, "keys": terms_key}, "$inc": {"n": 1}},
    )
    if result.matched_count == 0:
        await db[NAME].insert_one(
            {"_id": str(ObjectId()), "n": 1, "ids": [customer_id], "keys": [terms_key]}
        )


async def add_many(db: Database, members: list[tuple[str, str]]) -> None:
    """Bulk loading (seeds, benchmarks): full chunks written directly."""
    for start in range(0, len(members), CHUNK):
        part = members[start : start + CHUNK]
        await db[NAME].insert_one(
            {
                "_id": str(ObjectId()),
                "n": len(part),
                "ids": [m[0] for m in part],
                "keys": [m[1] for m in part],
            }
        )


async def chunks_after(db: Database, after: str | None) -> AsyncIterator[Document]:
    query: Document = {} if after is None else {"_id": {"$gt": after}}
    async for doc in db[NAME].find(query).sort("_id", ASCENDING).batch_size(16):
        yield doc
