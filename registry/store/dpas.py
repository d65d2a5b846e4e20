"""Data processing agreements signed with subprocessors."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, IndexModel

from registry.domain.models import Dpa
from registry.store import dates
from registry.store.database import Database, Document, create_missing_indexes, group_by
from registry.store.database import insert_missing as _insert_missing

NAME = "dpas"
INDEXES = [IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def to_document(dpa: Dpa) -> Document:
    return {
        "_id": dpa.id,
        "subprocessor_id": dpa.subprocessor_id,
        "version": dpa.version,
        "signed_on": dates.dump(dpa.signed_on),
        "effective_on": dates.dump(dpa.effective_on),
        "expires_on": dates.dump(dpa.expires_on),
        "document_url": dpa.document_url,
        "sha256": dpa.sha256,
        "scc_modules": list(dpa.scc_modules),
    }


def from_document(doc: Document) -> Dpa:
    signed_on = dates.load(doc.get("signed_on"))
    return Dpa(
        id=doc["_id"],
        subprocessor_id=doc["subprocessor_id"],
        version=doc["version"],
        signed_on=signed_on,
        effective_on=dates.load(doc.get("effective_on")),
        expires_on=dates.load(doc.get("expires_on")),
        document_url=doc.get("document_url"),
        sha256=doc.get("sha256"),
        scc_modules=tuple(doc.get("scc_modules", ())),
    )


async def upsert(db: Database, dpa: Dpa) -> bool:
    result = await db[NAME].replace_one({"_id": dpa.id}, to_document(dpa), upsert=True)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, dpa: Dpa) -> Dpa | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(dpa))
    return from_document(found) if found is not None else None


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[Dpa]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids)
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}
