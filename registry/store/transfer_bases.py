"""The legal bases recorded for transfers to each subprocessor."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, IndexModel

from registry.domain.models import DataOrigin, TransferBasis, TransferMechanism
from registry.store import dates
from registry.store.database import Database, Document, create_missing_indexes, group_by
from registry.store.database import insert_missing as _insert_missing

NAME = "transfer_bases"
INDEXES = [IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def to_document(basis: TransferBasis) -> Document:
    return {
        "_id": basis.id,
        "subprocessor_id": basis.subprocessor_id,
        "mechanism": basis.mechanism.value,
        "origin": basis.origin.value,
        "destination": basis.destination,
        "valid_from": dates.dump(basis.valid_from),
        "valid_until": dates.dump(basis.valid_until),
        "scc_module": basis.scc_module,
        "reference": basis.reference,
        "tia_on": dates.dump(basis.tia_on),
        "tia_url": basis.tia_url,
        "note": basis.note,
    }


def from_document(doc: Document) -> TransferBasis:
    return TransferBasis(
        id=doc["_id"],
        subprocessor_id=doc["subprocessor_id"],
        mechanism=TransferMechanism(doc["mechanism"]),
        origin=DataOrigin(doc["origin"]),
        destination=doc["destination"],
        valid_from=dates.load(doc.get("valid_from")),
        valid_until=dates.load(doc.get("valid_until")),
        scc_module=doc.get("scc_module"),
        reference=doc.get("reference"),
        tia_on=dates.load(doc.get("tia_on")),
        tia_url=doc.get("tia_url"),
        note=doc.get("note"),
    )


async def upsert(db: Database, basis: TransferBasis) -> bool:
    result = await db[NAME].replace_one({"_id": basis.id}, to_document(basis), upsert=True)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, basis: TransferBasis) -> TransferBasis | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(basis))
    return from_document(found) if found is not None else None


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[TransferBasis]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}
