"""Webhook subscriptions: where a customer wants its events, and how to sign them.

Signing secrets are stored only as SecretBox ciphertexts. After a rotation the
previous secret keeps signing until `previous_secret_expires_at`, so receivers
can switch without dropping a message. Deleting is soft (`deleted_at`): the
delivery log keeps pointing at a subscription that still exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument

from registry.domain.webhooks import SealedSecrets, Subscription
from registry.store.codec import Codec, Spread
from registry.store.database import Database, Document, create_missing_indexes

NAME = "webhook_subscriptions"
INDEXES = [
    IndexModel([("customer_id", ASCENDING), ("_id", ASCENDING)], name="customer_id"),
    IndexModel([("disabled_at", ASCENDING), ("customer_id", ASCENDING)], name="disabled"),
]
_LIVE: Document = {"deleted_at": None}


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


# The sealed secrets are stored flat, beside the subscription's other fields.
SECRETS = Codec(
    SealedSecrets,
    id_field=None,
    renamed={
        "current": "secret",
        "previous": "previous_secret",
        "previous_expires_at": "previous_secret_expires_at",
    },
)
CODEC = Codec(Subscription, fields={"secrets": Spread(SECRETS.to_document, SECRETS.from_document)})
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, sub: Subscription) -> None:
    await db[NAME].insert_one(to_document(sub))


async def get(db: Database, sub_id: str) -> Subscription | None:
    """A subscription that was not deleted."""
    doc = await db[NAME].find_one({"_id": sub_id})
    return from_document(doc) if doc and doc.get("deleted_at") is None else None


async def get_many(db: Database, ids: Sequence[str]) -> dict[str, Subscription]:
    """Every subscription with one of `ids`, deleted ones included (the worker must know)."""
    cursor = db[NAME].find({"_id": {"$in": list(ids)}})
    return {doc["_id"]: from_document(doc) async for doc in cursor}


async def for_customer(db: Database, customer_id: str | None) -> list[Subscription]:
    """Live subscriptions of one customer, or of every customer when None."""
    query: Document = dict(_LIVE)
    if customer_id is not None:
        query["customer_id"] = customer_id
    cursor = db[NAME].find(query).sort([("customer_id", ASCENDING), ("_id", ASCENDING)])
    return [from_document(doc) async for doc in cursor]


async def page(
    db: Database, customer_id: str | None, after: tuple[str, str] | None, limit: int
) -> tuple[list[Subscription], int]:
    """`for_customer` a page at a time: up to `limit` after the (customer id, id) key, and
    how many the whole list holds."""
    query: Document = dict(_LIVE)
    if customer_id is not None:
        query["customer_id"] = customer_id
    total = await db[NAME].count_documents(query)
    if after is not None:
        owner, last = after
        query["$or"] = [
            {"customer_id": {"$gt": owner}},
            {"customer_id": owner, "_id": {"$gt": last}},
        ]
    cursor = (
        db[NAME].find(query).sort([("customer_id", ASCENDING), ("_id", ASCENDING)]).limit(limit)
    )
    return [from_document(doc) async for doc in cursor], total


async def active_for_customers(db: Database, customer_ids: Sequence[str]) -> list[Subscription]:
    """What dispatch fans out to: active, live subscriptions of these customers."""
    cursor = db[NAME].find(
        {"customer_id": {"$in": list(customer_ids)}, "active": True, "deleted_at": None}
    )
    return [from_document(doc) async for doc in cursor]


async def rotate_secret(
    db: Database,
    sub_id: str,
    *,
    current: str,
    previous: str,
    previous_expires_at: datetime,
    at: datetime,
) -> Subscription | None:
    return await _update(
        db,
        sub_id,
        {
            "secret": current,
            "previous_secret": previous,
            "previous_secret_expires_at": previous_expires_at,
            "secret_rotated_at": at,
        },
    )


async def mark_deleted(db: Database, sub_id: str, at: datetime) -> Subscription | None:
    return await _update(db, sub_id, {"deleted_at": at, "active": False})


async def disable(db: Database, sub_id: str, *, at: datetime, reason: str) -> bool:
    """Deactivate; True only for the call that did it, so the owner is told once."""
    result = await db[NAME].update_one(
        {"_id": sub_id, "active": True},
        {"$set": {"active": False, "disabled_at": at, "disabled_reason": reason}},
    )
    return result.modified_count == 1


async def enable(db: Database, sub_id: str) -> Subscription | None:
    return await _update(
        db,
        sub_id,
        {"active": True, "disabled_at": None, "disabled_reason": None, "failing_since": None},
    )


async def record_success(db: Database, sub_id: str, at: datetime) -> None:
    await db[NAME].update_one(
        {"_id": sub_id}, {"$set": {"failing_since": None, "last_success_at": at}}
    )


async def record_failure(db: Database, sub_id: str, at: datetime) -> datetime:
    """Start the failure streak if none is running; returns when it started."""
    await db[NAME].update_one(
        {"_id": sub_id, "failing_since": None}, {"$set": {"failing_since": at}}
    )
    doc = await db[NAME].find_one({"_id": sub_id}, {"failing_since": 1})
    since: datetime | None = doc.get("failing_since") if doc else None
    return since or at


async def _update(db: Database, sub_id: str, values: dict[str, Any]) -> Subscription | None:
    doc = await db[NAME].find_one_and_update(
        {"_id": sub_id, **_LIVE}, {"$set": values}, return_document=ReturnDocument.AFTER
    )
    return from_document(doc) if doc else None


async def customers_subscribed(db: Database, among: Sequence[str] | None = None) -> set[str]:
    """Customers with an active subscription (narrowed to `among` when given)."""
    query: Document = {"active": True}
    if among is not None:
        query["customer_id"] = {"$in": list(among)}
    found: list[str] = await db[NAME].distinct("customer_id", query)
    return set(found)
