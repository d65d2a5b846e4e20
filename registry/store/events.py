"""The outbox: every event the registry emits, written once, delivered by channels.

An event belongs to one customer (its notice, its objection) and carries the
rendered `data` of the webhook body, so delivery never re-reads the registry.
`dispatched_at` is set once deliveries for every matching subscription exist.

Its `_id` is derived from its dedupe key (`ids.event_id`), so re-emitting the same
fact is a no-op without a second unique index (the collection can be sharded on
`_id`). An event moved to that scheme by the layout migration keeps its earlier id
as `former_id`, from which its deliveries' ids were derived (`delivery_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.event_types import EventType
from registry.store import ids
from registry.store.database import (
    Database,
    Document,
    create_missing_indexes,
    insert_skipping_duplicates,
)

NAME = "events"
EVENT_TYPES = tuple(t.value for t in EventType)
INDEXES = [
    IndexModel([("dispatched_at", ASCENDING), ("occurred_at", ASCENDING)], name="undispatched"),
    IndexModel([("customer_id", ASCENDING), ("occurred_at", ASCENDING)], name="customer_time"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def document(
    *,
    type: str,
    customer_id: str,
    occurred_at: datetime,
    dedupe_key: str,
    data: dict[str, Any],
    change_id: str | None = None,
) -> Document:
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    return {
        "_id": ids.event_id(dedupe_key),
        "type": type,
        "customer_id": customer_id,
        "change_id": change_id,
        "occurred_at": occurred_at,
        "dedupe_key": dedupe_key,
        "data": data,
        "dispatched_at": None,
    }


def delivery_id(event: Document, subscription_id: str) -> str:
    """The id of the event's delivery to one subscription (or address), stamped with
    the event's time; a migrated event's deliveries keep the ids they were made with."""
    former = event.get("former_id")
    if former:
        return ids.delivery_id(former, subscription_id, None)
    return ids.delivery_id(event["_id"], subscription_id, event["occurred_at"])


async def emit(db: Database, event: Document) -> bool:
    """Insert one event; False when the same fact was already emitted."""
    try:
        await db[NAME].insert_one(event)
    except DuplicateKeyError:
        return False
    return True


async def emit_many(db: Database, batch: list[Document]) -> int:
    """Insert a batch, skipping events already emitted; returns how many were new."""
    return len(batch) - len(await insert_skipping_duplicates(db, NAME, batch))


async def undispatched_events(db: Database, limit: int) -> list[Document]:
    """Events not yet turned into deliveries, oldest first."""
    cursor = (
        db[NAME]
        .find({"dispatched_at": None})
        .sort([("occurred_at", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
    )
    return [doc async for doc in cursor]


async def mark_dispatched(db: Database, event_ids: Sequence[str], at: datetime) -> None:
    await db[NAME].update_many(
        {"_id": {"$in": list(event_ids)}, "dispatched_at": None}, {"$set": {"dispatched_at": at}}
    )


async def bodies_of(db: Database, event_ids: Sequence[str]) -> dict[str, Document]:
    """The events' `type`, `occurred_at` and `data`, by id: what a delivery sends."""
    cursor = db[NAME].find(
        {"_id": {"$in": list(event_ids)}}, {"type": 1, "occurred_at": 1, "data": 1}
    )
    return {doc["_id"]: doc async for doc in cursor}
