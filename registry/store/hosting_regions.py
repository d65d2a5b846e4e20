"""The hosting-region catalog: where customers' data is hosted (`eu`, `us`)."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.errors import DuplicateKeyError

from registry.domain.models import HostingRegion
from registry.domain.versions import RecordVersion
from registry.store import versions
from registry.store.codec import Codec
from registry.store.database import Conflict, Database
from registry.store.products import DuplicateCode

NAME = "hosting_regions"


async def ensure_indexes(db: Database) -> None:
    """The code is the `_id`: nothing else to index."""


CODEC = Codec(HostingRegion, id_field="code")
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, region: HostingRegion) -> None:
    try:
        await db[NAME].insert_one(to_document(region))
    except DuplicateKeyError:
        raise DuplicateCode(region.code) from None


async def upsert(db: Database, region: HostingRegion) -> bool:
    """Seeds: keep the first creation time; True when something changed."""
    result = await db[NAME].update_one(
        {"_id": region.code},
        {
            "$set": {"name": region.name, "countries": list(region.countries)},
            "$setOnInsert": {"created_at": region.created_at},
        },
        upsert=True,
    )
    return bool(result.upserted_id is not None or result.modified_count)


async def all_regions(db: Database) -> list[HostingRegion]:
    return [from_document(d) async for d in db[NAME].find({}).sort("_id", 1)]


async def get_many(db: Database, codes: Sequence[str]) -> list[HostingRegion | None]:
    found = {d["_id"]: from_document(d) async for d in db[NAME].find({"_id": {"$in": list(codes)}})}
    return [found.get(c) for c in codes]


async def delete(db: Database, code: str) -> bool:
    result = await db[NAME].delete_one({"_id": code})
    return bool(result.deleted_count)


async def correct(
    db: Database, before: HostingRegion, after: HostingRegion, version: RecordVersion
) -> HostingRegion | Conflict:
    """Write the corrected fields, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, to_document(before), to_document(after), version)
    return found if isinstance(found, Conflict) else from_document(found)


async def versions_of(db: Database, code: str) -> list[RecordVersion]:
    doc = await db[NAME].find_one({"_id": code}, {versions.KEY: 1})
    return versions.of(doc) if doc else []
