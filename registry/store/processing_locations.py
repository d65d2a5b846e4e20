"""Where each subprocessor stores, processes or accesses data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.domain.models import ProcessingLocation
from registry.domain.versions import RecordVersion
from registry.store import digests, versions
from registry.store.codec import Codec
from registry.store.database import (
    Conflict,
    Database,
    add_missing_key,
    create_missing_indexes,
    group_by,
)
from registry.store.database import insert_missing as _insert_missing

NAME = "processing_locations"
INDEXES = [
    IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id"),
    IndexModel([("country", ASCENDING)], name="country"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(ProcessingLocation)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def upsert(db: Database, location: ProcessingLocation) -> bool:
    result = await db[NAME].replace_one({"_id": location.id}, to_document(location), upsert=True)
    await digests.vendor_written(db, location.subprocessor_id)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, location: ProcessingLocation) -> ProcessingLocation | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(location))
    await digests.vendor_written(db, location.subprocessor_id)
    return from_document(found) if found is not None else None


async def add_missing_note(db: Database, location: ProcessingLocation) -> bool:
    """Seeds: one stored before notes existed gains the seed's note; a note is never replaced."""
    added = await add_missing_key(db, NAME, to_document(location), "note")
    if added:
        await digests.vendor_written(db, location.subprocessor_id)
    return added


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[ProcessingLocation]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids, where=versions.LIVE)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}


async def subprocessor_ids_in(db: Database, countries: Sequence[str]) -> list[str]:
    ids: list[str] = await db[NAME].distinct(
        "subprocessor_id", {"country": {"$in": list(countries)}, **versions.LIVE}
    )
    return ids


async def get(db: Database, record_id: str) -> ProcessingLocation | None:
    """One record that is not removed."""
    doc = await db[NAME].find_one({"_id": record_id, **versions.LIVE})
    return from_document(doc) if doc else None


async def correct(
    db: Database, before: ProcessingLocation, after: ProcessingLocation, version: RecordVersion
) -> ProcessingLocation | Conflict:
    """Write the corrected fields, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, to_document(before), to_document(after), version)
    await digests.vendor_written(db, before.subprocessor_id)
    return found if isinstance(found, Conflict) else from_document(found)


async def remove(
    db: Database, location: ProcessingLocation, at: datetime, version: RecordVersion
) -> bool:
    """Removed (kept with its versions, no longer read as part of the catalog)."""
    found = await versions.remove(db, NAME, location.id, at, version)
    await digests.vendor_written(db, location.subprocessor_id)
    return found is not None


async def versions_of(db: Database, sub_ids: Sequence[str]) -> list[RecordVersion]:
    """The versions of every record of these vendors, removed ones included."""
    cursor = db[NAME].find({"subprocessor_id": {"$in": list(sub_ids)}, versions.KEY: {"$ne": []}})
    return [v async for doc in cursor for v in versions.of(doc)]
