"""A change's payload as its events share it: stored once per (change, origin).

Every customer's event of one change and data origin carries the same vendor
snapshot (kilobytes: locations, transfer verdicts with reasons). Events store it
here once and refer to it (`events.PAYLOAD_REF`), so the delivery worker reads a
handful of payloads per batch instead of the snapshot in each of hundreds of events.

A payload's `_id` is derived from its change and its rendered content, so writing
the same payload again is a no-op and a stored payload never changes: readers may
cache it by id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from registry.store.database import Database, Document, insert_skipping_duplicates

NAME = "change_payloads"


def payload_id(change_id: str, payload: dict[str, Any]) -> str:
    """Derived from the change and the exact content (key order included)."""
    digest = hashlib.sha256(orjson.dumps(payload, default=str)).hexdigest()[:32]
    return f"{change_id}.{digest}"


async def put_many(db: Database, docs: Sequence[Document]) -> None:
    """Store payloads not stored yet (an event is written only after its payload)."""
    fresh = list({doc["_id"]: doc for doc in docs}.values())
    if fresh:
        await insert_skipping_duplicates(db, NAME, fresh)


async def get_many(db: Database, payload_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The payloads by id; a missing id is left out."""
    cursor = db[NAME].find({"_id": {"$in": list(payload_ids)}}, {"payload": 1})
    return {doc["_id"]: doc["payload"] async for doc in cursor}
