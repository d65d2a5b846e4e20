"""The legal bases recorded for transfers to each subprocessor."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, IndexModel

from registry.domain.models import TransferBasis
from registry.store import digests
from registry.store.codec import Codec
from registry.store.database import Database, create_missing_indexes, group_by
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
    grouped = await group_by(db, NAME, "subprocessor_id", ids)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}
