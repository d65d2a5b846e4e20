"""The legal bases recorded for transfers to each subprocessor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel

from registry.domain.models import TransferBasis
from registry.domain.versions import RecordVersion
from registry.store import digests, versions
from registry.store.codec import Codec
from registry.store.database import Conflict, Database, create_missing_indexes, group_by
from registry.store.database import insert_missing as _insert_missing

NAME = "transfer_bases"
INDEXES = [IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(TransferBasis)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def upsert(db: Database, basis: TransferBasis) -> bool:
    result = await db[NAME].replace_one({"_id": basis.id}, to_document(basis), upsert=True)
    await digests.vendor_written(db, basis.subprocessor_id)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, basis: TransferBasis) -> TransferBasis | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(basis))
    await digests.vendor_written(db, basis.subprocessor_id)
    return from_document(found) if found is not None else None


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[TransferBasis]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids, where=versions.LIVE)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}


async def get(db: Database, record_id: str) -> TransferBasis | None:
    """One record that is not removed."""
    doc = await db[NAME].find_one({"_id": record_id, **versions.LIVE})
    return from_document(doc) if doc else None


async def correct(
    db: Database, before: TransferBasis, after: TransferBasis, version: RecordVersion
) -> TransferBasis | Conflict:
    """Write the corrected fields, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, to_document(before), to_document(after), version)
    await digests.vendor_written(db, before.subprocessor_id)
    return found if isinstance(found, Conflict) else from_document(found)


async def remove(db: Database, basis: TransferBasis, at: datetime, version: RecordVersion) -> bool:
    """Removed (kept with its versions, no longer read as part of the catalog)."""
    found = await versions.remove(db, NAME, basis.id, at, version)
    await digests.vendor_written(db, basis.subprocessor_id)
    return found is not None


async def versions_of(db: Database, sub_ids: Sequence[str]) -> list[RecordVersion]:
    """The versions of every record of these vendors, removed ones included."""
    cursor = db[NAME].find({"subprocessor_id": {"$in": list(sub_ids)}, versions.KEY: {"$ne": []}})
    return [v async for doc in cursor for v in versions.of(doc)]
