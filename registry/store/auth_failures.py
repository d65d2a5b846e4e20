"""Failed authentications counted across processes: one counter per client or key prefix
and window, raised by one atomic upsert (`$inc`), which answers the count so far.

Each process refuses a client once it has learnt the shared count reached the limit, so
spreading attempts over processes gains an attacker one attempt per process, not a full
allowance each. Only keyed digests are stored (never an address or part of a key), and
a counter is deleted once its window is over (by the next failure anywhere).
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from registry.store.database import Database, create_missing_indexes

NAME = "auth_failures"
INDEXES = [IndexModel([("expires_at", ASCENDING)], name="expires_at")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def count(db: Database, counter: str, *, expires_at: datetime, now: datetime) -> int:
    """Count one failure against `counter` (a digest naming the client or prefix and the
    window); the failures counted so far, this one included. Counters of past windows
    are deleted on the way."""
    await db[NAME].delete_many({"expires_at": {"$lte": now}})
    for _ in range(2):  # two first failures raced to insert: the document exists now
        try:
            found = await db[NAME].find_one_and_update(
                {"_id": counter},
                {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires_at}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue
        return int(found["count"]) if found else 1
    return 1
