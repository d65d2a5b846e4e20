"""Versions kept inside the corrected record's own document.

A correction and its version are one write (compare-and-set on the fields corrected,
with the version pushed in the same update), so a record is never corrected without
its history, nor a history entry written for a correction that lost a race. A removed
record stays stored with `removed_at` and its versions: readers of the catalog skip it
(`LIVE`), the history still shows it.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument

from registry.domain.versions import RecordVersion
from registry.store.codec import Codec
from registry.store.database import Conflict, Database, Document, set_changed

KEY = "versions"
REMOVED_AT = "removed_at"
LIVE: Document = {REMOVED_AT: None}

_CODEC = Codec(RecordVersion, id_field=None)


def push(version: RecordVersion) -> Document:
    return {"$push": {KEY: _CODEC.to_document(version)}}


def of(doc: Document) -> list[RecordVersion]:
    return [_CODEC.from_document(v) for v in doc.get(KEY) or ()]


async def correct(
    db: Database, name: str, before: Document, after: Document, version: RecordVersion
) -> Document | Conflict:
    """Write the fields that differ, guarded by their old values, with the version."""
    return await set_changed(db, name, before, after, also=push(version))


async def remove(
    db: Database, name: str, record_id: str, at: datetime, version: RecordVersion
) -> Document | None:
    """Mark the record removed, once; None when it is missing or already removed."""
    found: Document | None = await db[name].find_one_and_update(
        {"_id": record_id, **LIVE},
        {"$set": {REMOVED_AT: at}, **push(version)},
        return_document=ReturnDocument.AFTER,
    )
    return found
