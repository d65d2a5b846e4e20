"""Per-customer notices of a change: the proof of who was told what, and when.

Written in bulk by the expansion job. A notice's `_id` is derived from its change and
customer (`ids.notice_id`), so the primary key alone makes a resumed or repeated
expansion harmless, and a change's notices are one `_id` range.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.models import Notice, NoticeStatus
from registry.store import ids
from registry.store.codec import Codec
from registry.store.database import (
    Database,
    Document,
    create_missing_indexes,
    insert_skipping_duplicates,
    page_by_id,
)

NAME = "notices"
INDEXES = [
    IndexModel([("customer_id", ASCENDING), ("sent_at", ASCENDING)], name="customer_sent"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(Notice)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert_batch(db: Database, batch: Sequence[Notice]) -> int:
    """Insert notices, skipping those that exist; returns how many were new."""
    docs = [to_document(n) for n in batch]
    return len(docs) - len(await insert_skipping_duplicates(db, NAME, docs))


async def insert_if_missing(db: Database, notice: Notice) -> None:
    """Write the notice unless one of its change for its customer exists (same `_id`)."""
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].insert_one(to_document(notice))


async def for_customer(db: Database, change_id: str, customer_id: str) -> Notice | None:
    doc = await db[NAME].find_one({"_id": ids.notice_id(change_id, customer_id)})
    return from_document(doc) if doc else None


async def set_status(
    db: Database, change_id: str, status: NoticeStatus, *, only: NoticeStatus | None = None
) -> int:
    query: Document = ids.notices_of_change(change_id)
    if only is not None:
        query["status"] = only.value
    result = await db[NAME].update_many(query, {"$set": {"status": status.value}})
    return result.modified_count


async def cancel_for_customer(db: Database, change_id: str, customer_id: str) -> None:
    await db[NAME].update_one(
        {"_id": ids.notice_id(change_id, customer_id)},
        {"$set": {"status": NoticeStatus.CANCELLED.value}},
    )


async def get(db: Database, notice_id: str) -> Notice | None:
    doc = await db[NAME].find_one({"_id": notice_id})
    return from_document(doc) if doc else None


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
        query.update(ids.notices_of_change(change_id))
    if customer_id is not None:
        query["customer_id"] = customer_id
    docs, total = await page_by_id(db, NAME, query, after=after[0] if after else None, limit=limit)
    return [from_document(d) for d in docs], total


async def stream_for_change(db: Database, change_id: str) -> AsyncIterator[Notice]:
    """All notices of a change in customer order, streamed (exports read any number)."""
    async for doc in db[NAME].find(ids.notices_of_change(change_id)).sort("_id", ASCENDING):
        yield from_document(doc)


async def of_customer(db: Database, customer_id: str, change_ids: Sequence[str]) -> list[Notice]:
    """One customer's notices of the given changes, by `_id` (the id names both)."""
    wanted = [ids.notice_id(change_id, customer_id) for change_id in change_ids]
    if not wanted:
        return []
    return [from_document(d) async for d in db[NAME].find({"_id": {"$in": wanted}})]


async def count_among(db: Database, change_id: str, customer_ids: Sequence[str]) -> int:
    """How many of these customers hold a notice of the change: `_id` lookups only, so
    the embedded database reads those notices and no others (a `find`, not
    `count_documents`, whose aggregation FerretDB v1 answers by scanning)."""
    total = 0
    for start in range(0, len(customer_ids), 1000):
        part = customer_ids[start : start + 1000]
        wanted = [ids.notice_id(change_id, customer_id) for customer_id in part]
        total += len([d async for d in db[NAME].find({"_id": {"$in": wanted}}, {"_id": 1})])
    return total


async def take_effect_due(db: Database, change_id: str, now: datetime) -> int:
    """The change's PENDING notices whose own date has come become EFFECTIVE (a notice
    lagging behind its change waits for its date); returns how many."""
    result = await db[NAME].update_many(
        {
            **ids.notices_of_change(change_id),
            "status": NoticeStatus.PENDING.value,
            "effective_at": {"$lte": now},
        },
        {"$set": {"status": NoticeStatus.EFFECTIVE.value}},
    )
    return result.modified_count


async def take_effect(db: Database, notice_id: str) -> bool:
    """PENDING → EFFECTIVE for one notice; False when it was not PENDING (cancelled,
    or another worker got there first)."""
    result = await db[NAME].update_one(
        {"_id": notice_id, "status": NoticeStatus.PENDING.value},
        {"$set": {"status": NoticeStatus.EFFECTIVE.value}},
    )
    return result.modified_count == 1


async def of_customers(db: Database, change_id: str, customer_ids: Sequence[str]) -> list[Notice]:
    """The notices of one change held by these customers, by `_id`."""
    wanted = [ids.notice_id(change_id, customer_id) for customer_id in customer_ids]
    if not wanted:
        return []
    return [from_document(d) async for d in db[NAME].find({"_id": {"$in": wanted}})]


async def all_of_customer(db: Database, customer_id: str) -> list[Notice]:
    """Every notice the customer holds (its timeline), oldest first."""
    cursor = db[NAME].find({"customer_id": customer_id}).sort("sent_at", ASCENDING)
    return [from_document(d) async for d in cursor]


async def latest_at(db: Database, change_id: str, status: NoticeStatus) -> datetime | None:
    """The latest own date among the change's notices in `status`, or None: PENDING gives
    the last customer the change has not reached yet, EFFECTIVE the last one it reached."""
    found = await latest(db, change_id, status, 1)
    return found[0].effective_at if found else None


async def latest(db: Database, change_id: str, status: NoticeStatus, limit: int) -> list[Notice]:
    """The change's `limit` notices in `status` with the latest own dates, latest first."""
    cursor = (
        db[NAME]
        .find({**ids.notices_of_change(change_id), "status": status.value})
        .sort("effective_at", -1)
        .limit(limit)
    )
    return [from_document(d) async for d in cursor]


async def cancelled_customers(db: Database, change_id: str) -> list[str]:
    """The customers the change's notice was cancelled for (for a change that stands:
    those excluded from it by an upheld objection)."""
    found = db[NAME].find(
        {**ids.notices_of_change(change_id), "status": NoticeStatus.CANCELLED.value},
        {"customer_id": 1},
    )
    return [d["customer_id"] async for d in found]


async def cancelled_count(db: Database, change_id: str) -> int:
    """How many of the change's notices were cancelled (for a change that stands: the
    customers it was cancelled for)."""
    found = db[NAME].find(
        {**ids.notices_of_change(change_id), "status": NoticeStatus.CANCELLED.value}, {"_id": 1}
    )
    return len([d async for d in found])
