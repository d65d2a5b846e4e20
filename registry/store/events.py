"""The outbox: every event the registry emits, written once, delivered by channels.

An event belongs to one customer (its notice, its objection) and carries the
rendered `data` of the webhook body, so delivery never re-reads the registry.
`dispatched_at` is set once deliveries for every matching subscription exist.

Its `_id` is derived from its dedupe key (`ids.event_id`), so re-emitting the same
fact is a no-op without a second unique index (the collection can be sharded on
`_id`). An event moved to that scheme by the layout migration keeps its earlier id
as `former_id`, from which its deliveries' ids were derived (`delivery_id`).

A change event's `data.change` (the vendor snapshot, the same for every customer of
one change and origin; `data`'s first key) is stored once in `change_payloads`; the event keeps
`{"id": ...}` in its place and the payload's id in `PAYLOAD_REF` (`with_payload`
puts it back). Events stored before carry the whole payload and have no reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.store import change_payloads, ids
from registry.store.database import (
    Backlog,
    Database,
    Document,
    backlog,
    create_missing_indexes,
    insert_skipping_duplicates,
)

NAME = "events"
INDEXES = [
    IndexModel([("dispatched_at", ASCENDING), ("occurred_at", ASCENDING)], name="undispatched"),
    IndexModel([("customer_id", ASCENDING), ("occurred_at", ASCENDING)], name="customer_time"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def to_document(event: Event) -> Document:
    """The outbox document of a new event (not yet dispatched)."""
    return {
        "_id": id_of(event),
        "type": event.type.value,
        "customer_id": event.customer_id,
        "change_id": event.change_id,
        "occurred_at": event.occurred_at,
        "dedupe_key": event.dedupe_key,
        "data": event.data,
        "dispatched_at": None,
    }


def id_of(event: Event) -> str:
    """The event's outbox id, derived from what it is about (its dedupe key)."""
    return ids.event_id(event.dedupe_key)


def delivery_id(event: Document, subscription_id: str) -> str:
    """The id of the event's delivery to one subscription (or address), stamped with
    the event's time; a migrated event's deliveries keep the ids they were made with."""
    former = event.get("former_id")
    if former:
        return ids.delivery_id(former, subscription_id, None)
    return ids.delivery_id(event["_id"], subscription_id, event["occurred_at"])


PAYLOAD_REF = "change_payload"
"""An event's field naming its `data.change` in `change_payloads`."""


def stored_forms(batch: Sequence[Document]) -> tuple[list[Document], list[Document]]:
    """The events as stored, and the shared payloads they refer to (each hashed once)."""
    known: dict[int, str] = {}
    payloads: list[Document] = []
    stored: list[Document] = []
    for event in batch:
        data = event.get("data")
        change = data.get("change") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(change, dict) or len(change) < 2:
            stored.append(event)
            continue
        if next(iter(data)) != "change":  # the stand-in is found as data's first key
            stored.append(event)
            continue
        change_id = change.get("id")
        if not isinstance(change_id, str) or not change_id:
            stored.append(event)
            continue
        ref = known.get(id(change))
        if ref is None:
            payloads.append(change_payloads.new_document(change_id, change))
            ref = known[id(change)] = payloads[-1]["_id"]
        slim = {**data, "change": {"id": change_id}}  # same key, same place
        stored.append({**event, "data": slim, PAYLOAD_REF: ref})
    return stored, payloads


def payload_ref(event: Document) -> str | None:
    """The id of the event's shared change payload; None when it carries its own."""
    ref = event.get(PAYLOAD_REF)
    return ref if isinstance(ref, str) else None


def with_payload(event: Document, payload: object) -> Document:
    """The event with `payload` in `data.change` (its shared payload, or a stand-in)."""
    return {**event, "data": {**event["data"], "change": payload}}


async def emit(db: Database, event: Event) -> bool:
    """Insert one event; False when the same fact was already emitted."""
    (stored,), payloads = stored_forms([to_document(event)])
    await change_payloads.put_many(db, payloads)  # before the event that refers to it
    try:
        await db[NAME].insert_one(stored)
    except DuplicateKeyError:
        return False
    return True


async def emit_many(db: Database, batch: Sequence[Event]) -> int:
    """Insert a batch, skipping events already emitted; returns how many were new."""
    stored, payloads = stored_forms([to_document(event) for event in batch])
    await change_payloads.put_many(db, payloads)  # before the events that refer to them
    return len(batch) - len(await insert_skipping_duplicates(db, NAME, stored))


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
    """The events' `type`, `occurred_at` and `data`, by id: what a delivery sends
    (a shared payload is referred to, `payload_ref`, not included)."""
    cursor = db[NAME].find(
        {"_id": {"$in": list(event_ids)}},
        {"type": 1, "occurred_at": 1, "data": 1, PAYLOAD_REF: 1},
    )
    return {doc["_id"]: doc async for doc in cursor}


async def change_events_of(
    db: Database,
    customer_ids: Sequence[str],
    change_ids: Sequence[str],
    types: Sequence[EventType],
) -> dict[str, tuple[str, str]]:
    """The ids of these customers' events of these types about these changes, each
    with its (change, customer): what proof of notice looks for among deliveries."""
    cursor = db[NAME].find(
        {
            "customer_id": {"$in": list(customer_ids)},
            "change_id": {"$in": list(change_ids)},
            "type": {"$in": [t.value for t in types]},
        },
        {"customer_id": 1, "change_id": 1},
    )
    return {doc["_id"]: (doc["change_id"], doc["customer_id"]) async for doc in cursor}


async def changes_of(db: Database, event_ids: Sequence[str]) -> dict[str, str]:
    """The change each of these events is about, by event id (events about no change,
    and unknown ids, are left out)."""
    if not event_ids:
        return {}
    cursor = db[NAME].find({"_id": {"$in": list(event_ids)}}, {"change_id": 1})
    return {doc["_id"]: doc["change_id"] async for doc in cursor if doc.get("change_id")}


async def dispatch_backlog(db: Database) -> Backlog:
    """Events not yet turned into deliveries."""
    return await backlog(db, NAME, {"dispatched_at": None}, "occurred_at")
