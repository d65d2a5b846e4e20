"""Data processing agreements signed with subprocessors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.domain.models import Dpa
from registry.domain.versions import RecordVersion
from registry.store import digests, versions
from registry.store.codec import Codec
from registry.store.database import Conflict, Database, create_missing_indexes, group_by
from registry.store.database import insert_missing as _insert_missing

NAME = "dpas"
INDEXES = [IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(Dpa)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def upsert(db: Database, dpa: Dpa) -> bool:
    result = await db[NAME].replace_one({"_id": dpa.id}, to_document(dpa), upsert=True)
    await digests.vendor_written(db, dpa.subprocessor_id)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, dpa: Dpa) -> Dpa | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(dpa))
    await digests.vendor_written(db, dpa.subprocessor_id)
    return from_document(found) if found is not None else None


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[Dpa]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids, where=versions.LIVE)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}


async def get(db: Database, record_id: str) -> Dpa | None:
    """One record that is not removed."""
    doc = await db[NAME].find_one({"_id": record_id, **versions.LIVE})
    return from_document(doc) if doc else None


async def correct(db: Database, before: Dpa, after: Dpa, version: RecordVersion) -> Dpa | Conflict:
    """Write the corrected fields, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, to_document(before), to_document(after), version)
    await digests.vendor_written(db, before.subprocessor_id)
    return found if isinstance(found, Conflict) else from_document(found)


async def remove(db: Database, dpa: Dpa, at: datetime, version: RecordVersion) -> bool:
    """Removed (kept with its versions, no longer read as part of the catalog)."""
    found = await versions.remove(db, NAME, dpa.id, at, version)
    await digests.vendor_written(db, dpa.subprocessor_id)
    return found is not None


async def versions_of(db: Database, sub_ids: Sequence[str]) -> list[RecordVersion]:
    """The versions of every record of these vendors, removed ones included."""
    cursor = db[NAME].find({"subprocessor_id": {"$in": list(sub_ids)}, versions.KEY: {"$ne": []}})
    return [v async for doc in cursor for v in versions.of(doc)]
