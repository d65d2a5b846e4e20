"""The distinct contract terms in use, so a change checks its window once per terms
set instead of once per customer (the mutation stays fast at any customer count).

Entries are only added: a terms set nobody holds any more can only make the
computed window more conservative, never shorter.
"""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from registry.domain.models import CustomerTerms
from registry.store.customers import terms_from_document, terms_key, terms_to_document
from registry.store.database import Database, create_missing_indexes

NAME = "customer_terms"
INDEXES = [IndexModel([("seen_at", ASCENDING)], name="seen_at")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def remember(db: Database, terms: CustomerTerms) -> None:
    await db[NAME].update_one(
        {"_id": terms_key(terms)},
        {"$setOnInsert": {"terms": terms_to_document(terms), "seen_at": 0}},
        upsert=True,
    )


async def all_terms(db: Database) -> dict[str, CustomerTerms]:
    return {d["_id"]: terms_from_document(d["terms"]) async for d in db[NAME].find({})}
