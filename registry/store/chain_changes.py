"""Which sub-processors a chain change brings and takes (services/chain_changes.py), by
the change's id: what cancelling it withdraws."""

from __future__ import annotations

from dataclasses import dataclass

from registry.store.codec import Codec
from registry.store.database import Database

NAME = "chain_changes"


@dataclass(frozen=True, slots=True)
class ChainChange:
    change_id: str
    vendor_id: str
    action: str  # ADD, REMOVE, REPLACE
    added: str | None  # the link coming in
    removed: tuple[str, ...] = ()  # the links going (a removed one's sub-processors too)


CODEC = Codec(ChainChange, id_field="change_id")


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups."""


async def get(db: Database, change_id: str) -> ChainChange | None:
    doc = await db[NAME].find_one({"_id": change_id})
    return CODEC.from_document(doc) if doc else None


async def insert(db: Database, found: ChainChange) -> None:
    await db[NAME].replace_one({"_id": found.change_id}, CODEC.to_document(found), upsert=True)
