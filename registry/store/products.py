"""The product catalog: codes vendors' and customers' scopes name."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.errors import DuplicateKeyError

from registry.domain.models import Product
from registry.domain.versions import RecordVersion
from registry.store import versions
from registry.store.codec import Codec
from registry.store.database import Conflict, Database

NAME = "products"


class DuplicateCode(Exception):
    """A catalog entry with this code exists."""


async def ensure_indexes(db: Database) -> None:
    """The code is the `_id`: nothing else to index."""


CODEC = Codec(Product, id_field="code")
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, product: Product) -> None:
    try:
        await db[NAME].insert_one(to_document(product))
    except DuplicateKeyError:
        raise DuplicateCode(product.code) from None


async def upsert(db: Database, product: Product) -> bool:
    """Seeds: keep the first creation time, update the name; True when something changed."""
    result = await db[NAME].update_one(
        {"_id": product.code},
        {"$set": {"name": product.name}, "$setOnInsert": {"created_at": product.created_at}},
        upsert=True,
    )
    return bool(result.upserted_id is not None or result.modified_count)


async def all_products(db: Database) -> list[Product]:
    return [from_document(d) async for d in db[NAME].find({}).sort("_id", 1)]


async def get_many(db: Database, codes: Sequence[str]) -> list[Product | None]:
    found = {d["_id"]: from_document(d) async for d in db[NAME].find({"_id": {"$in": list(codes)}})}
    return [found.get(c) for c in codes]


async def delete(db: Database, code: str) -> bool:
    result = await db[NAME].delete_one({"_id": code})
    return bool(result.deleted_count)


async def correct(
    db: Database, before: Product, after: Product, version: RecordVersion
) -> Product | Conflict:
    """Write the corrected fields, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, to_document(before), to_document(after), version)
    return found if isinstance(found, Conflict) else from_document(found)


async def versions_of(db: Database, code: str) -> list[RecordVersion]:
    doc = await db[NAME].find_one({"_id": code}, {versions.KEY: 1})
    return versions.of(doc) if doc else []
