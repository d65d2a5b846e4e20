"""The operator's identity: one document, corrected in place with its versions."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from registry.domain.operator import Operator
from registry.domain.versions import RecordVersion
from registry.store import versions
from registry.store.codec import Codec
from registry.store.database import Conflict, Database, Document

NAME = "operator"
RECORD_ID = "operator"

CODEC = Codec(Operator, id_field=None)


async def ensure_indexes(db: Database) -> None:
    """One document, found by `_id`."""


def _document(operator: Operator) -> Document:
    return {"_id": RECORD_ID, **CODEC.to_document(operator)}


async def get(db: Database) -> Operator | None:
    """The recorded identity; None while nobody has recorded one."""
    doc = await db[NAME].find_one({"_id": RECORD_ID})
    return CODEC.from_document(doc) if doc else None


async def create(db: Database, operator: Operator, version: RecordVersion | None) -> bool:
    """Record the first identity (with its version, if any); False when one exists."""
    doc = _document(operator)
    if version is not None:
        doc[versions.KEY] = [versions.push(version)["$push"][versions.KEY]]
    try:
        await db[NAME].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def correct(
    db: Database, before: Operator, after: Operator, version: RecordVersion
) -> Operator | Conflict:
    """Write the fields that differ, guarded by their values in `before`, with the version."""
    found = await versions.correct(db, NAME, _document(before), _document(after), version)
    return found if isinstance(found, Conflict) else CODEC.from_document(found)


async def versions_of(db: Database) -> list[RecordVersion]:
    doc = await db[NAME].find_one({"_id": RECORD_ID}, {versions.KEY: 1})
    return versions.of(doc) if doc else []
