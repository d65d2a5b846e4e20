"""The sub-processors in vendors' chains (domain/chain.py), one document per link.

A link leaves the chain by its `active_until`; it is kept, so the chain as of any past
instant can be read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.domain.chain import ChainLink
from registry.store import digests
from registry.store.codec import Codec, Spread
from registry.store.database import Database, create_missing_indexes
from registry.store.database import insert_missing as _insert_missing
from registry.store.subprocessors import scope_fields, scope_from_document

NAME = "chain_links"
INDEXES = [
    IndexModel([("vendor_id", ASCENDING)], name="vendor_id"),
    IndexModel([("catalog_vendor_id", ASCENDING)], name="catalog_vendor_id"),
]

CODEC = Codec(ChainLink, fields={"scope": Spread(scope_fields, scope_from_document)})
to_document = CODEC.to_document
from_document = CODEC.from_document


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


async def insert(db: Database, link: ChainLink) -> None:
    await db[NAME].insert_one(to_document(link))
    await digests.vendor_written(db, link.vendor_id)


async def insert_missing(db: Database, link: ChainLink) -> ChainLink | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(link))
    await digests.vendor_written(db, link.vendor_id)
    return from_document(found) if found is not None else None


async def get(db: Database, link_id: str) -> ChainLink | None:
    doc = await db[NAME].find_one({"_id": link_id})
    return from_document(doc) if doc else None


def _in_force(at: datetime | None) -> dict[str, object]:
    if at is None:  # in force now or announced: not yet ended
        return {"active_until": None}
    return {
        "active_from": {"$ne": None, "$lte": at},
        "$or": [{"active_until": None}, {"active_until": {"$gt": at}}],
    }


async def of_vendors(
    db: Database, vendor_ids: Sequence[str], at: datetime | None = None
) -> dict[str, list[ChainLink]]:
    """The links of these vendors' chains in force at `at` (None: every link not ended,
    announced ones included), by vendor."""
    found: dict[str, list[ChainLink]] = {}
    cursor = db[NAME].find({"vendor_id": {"$in": list(vendor_ids)}, **_in_force(at)})
    async for doc in cursor:
        link = from_document(doc)
        found.setdefault(link.vendor_id, []).append(link)
    return found


async def all_open(db: Database) -> list[ChainLink]:
    """Every link of every chain not ended: what a new link's cycle check looks at."""
    return [from_document(d) async for d in db[NAME].find({"active_until": None})]


async def set_active(
    db: Database, link: ChainLink, *, active_from: datetime | None, active_until: datetime | None
) -> None:
    await db[NAME].update_one(
        {"_id": link.id},
        {"$set": {"active_from": active_from, "active_until": active_until}},
    )
    await digests.vendor_written(db, link.vendor_id)


async def delete(db: Database, link: ChainLink) -> None:
    """A link whose announcement was refused: it never was in any chain."""
    await db[NAME].delete_one({"_id": link.id, "active_from": None})
    await digests.vendor_written(db, link.vendor_id)
