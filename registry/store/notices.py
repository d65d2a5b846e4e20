"""Per-customer notices of a change: the proof of who was told what, and when.

Written in bulk by the expansion job; the unique (change, customer) index makes a
resumed or repeated expansion harmless.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registry.domain.models import Notice, NoticeStatus
from registry.store.database import Database, Document, create_missing_indexes

NAME = "notices"
INDEXES = [
    IndexModel(
        [("change_id", ASCENDING), ("customer_id", ASCENDING)],
        unique=True,
        name="change_customer_unique",
    ),
    IndexModel([("customer_id", ASCENDING), ("sent_at", ASCENDING)], name="customer_sent"),
    IndexModel([("next_reminder_at", ASCENDING)], name="next_reminder_at"),
    IndexModel([("lags", ASCENDING), ("effective_at", ASCENDING)], name="lagging"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def to_document(
    notice: Notice, reminders: Sequence[datetime] = (), *, lags: bool = False
) -> Document:
    """`lags`: the notice takes effect after its change (an emergency replacement the
    customer did not agree to); only such notices need the lagging sweep."""
    return {
        "lags": lags,
        "_id": notice.id,
        "change_id": notice.change_id,
        "customer_id": notice.customer_id,
        "sent_at": notice.sent_at,
        "earliest_effective_at": notice.earliest_effective_at,
        "effective_at": notice.effective_at,
        "objection_deadline": notice.objection_deadline,
        "status": notice.status.value,
        "reminders": list(reminders),
        "next_reminder_at": reminders[0] if reminders else None,
    }


def from_document(doc: Document) -> Notice:
    return Notice(
        id=doc["_id"],
        change_id=doc["change_id"],
        customer_id=doc["customer_id"],
        sent_at=doc["sent_at"],
        earliest_effective_at=doc["earliest_effective_at"],
        effective_at=doc["effective_at"],
        objection_deadline=doc["objection_deadline"],
        status=NoticeStatus(doc["status"]),
    )


async def insert_batch(db: Database, batch: list[Document]) -> int:
    """Insert notices, skipping those that exist; returns how many were new."""
    if not batch:
        return 0
    try:
        result = await db[NAME].insert_many(batch, ordered=False)
    except BulkWriteError as exc:
        return int(exc.details.get("nInserted", 0))
    return len(result.inserted_ids)


async def insert_one(db: Database, document: Document) -> None:
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].insert_one(document)


async def for_customer(db: Database, change_id: str, customer_id: str) -> Notice | None:
    doc = await db[NAME].find_one({"change_id": change_id, "customer_id": customer_id})
    return from_document(doc) if doc else None


async def set_status(
    db: Database, change_id: str, status: NoticeStatus, *, only: NoticeStatus | None = None
) -> int:
    query: Document = {"change_id": change_id}
    if only is not None:
        query["status"] = only.value
    result = await db[NAME].update_many(
        query, {"$set": {"status": status.value, "next_reminder_at": None}}
    )
    return result.modified_count


async def cancel_for_customer(db: Database, change_id: str, customer_id: str) -> None:
    await db[NAME].update_one(
        {"change_id": change_id, "customer_id": customer_id},
        {"$set": {"status": NoticeStatus.CANCELLED.value, "next_reminder_at": None}},
    )


async def lagging(db: Database, customer_id: str, as_of: datetime) -> list[Notice]:
    """The customer's live notices that take effect for it only after `as_of`."""
    cursor = db[NAME].find(
        {
            "customer_id": customer_id,
            "effective_at": {"$gt": as_of},
            "status": {"$ne": NoticeStatus.CANCELLED.value},
            "lags": True,
        }
    )
    return [from_document(d) async for d in cursor]


async def due_lagging(db: Database, now: datetime, limit: int) -> list[Document]:
    cursor = (
        db[NAME]
        .find({"lags": True, "status": NoticeStatus.PENDING.value, "effective_at": {"$lte": now}})
        .limit(limit)
    )
    return [d async for d in cursor]


async def due_reminders(db: Database, now: datetime, limit: int) -> list[Document]:
    cursor = (
        db[NAME]
        .find({"next_reminder_at": {"$lte": now}})
        .sort("next_reminder_at", ASCENDING)
        .limit(limit)
    )
    return [d async for d in cursor]


async def advance_reminder(db: Database, doc: Document, now: datetime) -> bool:
    """Move to the next reminder; False if another worker already did."""
    upcoming = [r for r in doc.get("reminders", []) if r > doc["next_reminder_at"]]
    result = await db[NAME].update_one(
        {"_id": doc["_id"], "next_reminder_at": doc["next_reminder_at"]},
        {"$set": {"next_reminder_at": upcoming[0] if upcoming else None}},
    )
    return result.modified_count == 1


async def page(
    db: Database,
    *,
    change_id: str | None,
    customer_id: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Notice], int]:
    query: Document = {}
    if change_id is not None:
        query["change_id"] = change_id
    if customer_id is not None:
        query["customer_id"] = customer_id
    total = await db[NAME].count_documents(query)
    if after is not None:
        query = (
            {"$and": [query, {"_id": {"$gt": after[0]}}]} if query else {"_id": {"$gt": after[0]}}
        )
    cursor = db[NAME].find(query).sort("_id", ASCENDING).limit(limit)
    return [from_document(d) async for d in cursor], total


async def stream_for_change(db: Database, change_id: str) -> Any:
    """All notices of a change in customer order, as a cursor (exports stream it)."""
    return db[NAME].find({"change_id": change_id}).sort("customer_id", ASCENDING)
