"""Delivery records: one message to one subscription, with every attempt logged.

The email channel uses the same documents: one per (event, notice address), with
`channel` "email", the address as `target` and `email:<address>` as subscription id.

What is still to be attempted is queued in store/delivery_queue.py, which leases
the work; this module keeps the message and its history. Recording an attempt is
an update filtered on the attempt number (each number is recorded once, in
order), so a worker whose lease ran out and whose attempt was already written
off as lost cannot overwrite what came after it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError

from registry.store.database import Database, Document, create_missing_indexes

NAME = "webhook_deliveries"
INDEXES = [
    # Dispatching the same event twice (a crash, a second worker) creates nothing new.
    IndexModel(
        [("event_id", ASCENDING), ("subscription_id", ASCENDING)],
        unique=True,
        name="event_subscription_unique",
    ),
    IndexModel([("subscription_id", ASCENDING), ("_id", DESCENDING)], name="subscription_log"),
    IndexModel([("customer_id", ASCENDING), ("_id", DESCENDING)], name="customer_log"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


class DeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: datetime
    status_code: int | None
    latency_ms: float | None
    response_excerpt: str
    error: str | None
    outcome: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery record; the lease fields are set on the copy a worker claimed."""

    id: str
    event_id: str
    event_type: str
    subscription_id: str
    customer_id: str
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    attempt_count: int
    body: str = field(repr=False)
    attempts: tuple[Attempt, ...] = ()
    channel: str = "webhook"  # or "email", to `target` (an address) instead of a subscription
    target: str | None = field(default=None, repr=False)
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    lease_seq: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt to record, and the state it leaves the delivery in."""

    delivery: Delivery
    attempt: Attempt
    status: DeliveryStatus
    next_attempt_at: datetime | None


def new_document(
    *,
    delivery_id: str,
    event_id: str,
    event_type: str,
    subscription_id: str,
    customer_id: str,
    body: str,
    now: datetime,
    channel: str = "webhook",
    target: str | None = None,
) -> Document:
    return {
        "_id": delivery_id,
        "event_id": event_id,
        "event_type": event_type,
        "subscription_id": subscription_id,
        "customer_id": customer_id,
        "body": body,
        "created_at": now,
        "status": DeliveryStatus.PENDING.value,
        "next_attempt_at": now,
        "attempt_count": 0,
        "attempts": [],
        "delivered_at": None,
        "failed_at": None,
        "channel": channel,
        "target": target,
    }


def attempt_document(attempt: Attempt) -> Document:
    return {
        "number": attempt.number,
        "at": attempt.at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
        "outcome": attempt.outcome,
    }


def from_document(doc: Document) -> Delivery:
    return Delivery(
        id=doc["_id"],
        event_id=doc["event_id"],
        event_type=doc["event_type"],
        subscription_id=doc["subscription_id"],
        customer_id=doc["customer_id"],
        status=DeliveryStatus(doc["status"]),
        created_at=doc["created_at"],
        next_attempt_at=doc.get("next_attempt_at"),
        attempt_count=int(doc.get("attempt_count", 0)),
        body=doc["body"],
        attempts=tuple(
            Attempt(
                number=a["number"],
                at=a["at"],
                status_code=a.get("status_code"),
                latency_ms=a.get("latency_ms"),
                response_excerpt=a.get("response_excerpt", ""),
                error=a.get("error"),
                outcome=a.get("outcome", "failure"),
            )
            for a in doc.get("attempts", ())
        ),
        delivered_at=doc.get("delivered_at"),
        failed_at=doc.get("failed_at"),
        channel=doc.get("channel", "webhook"),
        target=doc.get("target"),
    )


async def insert_new(db: Database, docs: list[Document]) -> int:
    """Insert deliveries, skipping those that already exist; returns how many were new."""
    if not docs:
        return 0
    try:
        result = await db[NAME].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != 11000 for error in errors):
            raise
        return int(exc.details.get("nInserted", 0))
    return len(result.inserted_ids)


async def get_many(db: Database, delivery_ids: Sequence[str]) -> dict[str, Delivery]:
    if not delivery_ids:
        return {}
    cursor = db[NAME].find({"_id": {"$in": list(delivery_ids)}})
    return {doc["_id"]: from_document(doc) async for doc in cursor}


LOST_LEASE = "no result recorded: the worker's lease expired (the message may have been sent)"


def lost_attempt(number: int, at: datetime) -> Attempt:
    """What the log says of an attempt whose worker never reported back."""
    return Attempt(number, at, None, None, "", LOST_LEASE, "failure")


async def record(db: Database, outcome: Outcome) -> bool:
    """Log an attempt and the next state; False when a later attempt was logged first."""
    return len(await record_many(db, [outcome])) == 1


async def record_many(db: Database, outcomes: Sequence[Outcome]) -> set[str]:
    """`record` for a batch in one round trip; returns the ids it recorded."""
    if not outcomes:
        return set()
    ops = [_record_op(o) for o in outcomes]
    result = await db[NAME].bulk_write(ops, ordered=False)
    if result.modified_count == len(ops):
        return {o.delivery.id for o in outcomes}
    # Some were fenced off (rare): read back which attempts made it into the log.
    cursor = db[NAME].find({"_id": {"$in": [o.delivery.id for o in outcomes]}}, {"attempts": 1})
    logs = {doc["_id"]: doc["attempts"] async for doc in cursor}
    return {
        o.delivery.id
        for o in outcomes
        if _stored(attempt_document(o.attempt)) in logs.get(o.delivery.id, [])
    }


def _stored(attempt: Document) -> Document:
    """An attempt as it reads back: BSON keeps milliseconds."""
    at: datetime = attempt["at"]
    return {**attempt, "at": at.replace(microsecond=at.microsecond // 1000 * 1000)}


def _record_op(outcome: Outcome) -> UpdateOne:
    attempt = outcome.attempt
    values: dict[str, Any] = {
        "status": outcome.status.value,
        "next_attempt_at": outcome.next_attempt_at,
        "attempt_count": attempt.number,
    }
    if outcome.status is DeliveryStatus.DELIVERED:
        values["delivered_at"] = attempt.at
    elif outcome.status is DeliveryStatus.FAILED:
        values["failed_at"] = attempt.at
    return UpdateOne(
        {"_id": outcome.delivery.id, "attempt_count": {"$lt": attempt.number}},
        {"$set": values, "$push": {"attempts": attempt_document(attempt)}},
    )


async def note_lost(db: Database, delivery_id: str, attempt: Attempt) -> None:
    """Log an attempt whose lease expired unreported, unless its result came in after all."""
    await db[NAME].update_one(
        {"_id": delivery_id, "attempt_count": {"$lt": attempt.number}},
        {
            "$set": {"attempt_count": attempt.number},
            "$push": {"attempts": attempt_document(attempt)},
        },
    )


async def replay(db: Database, delivery_id: str, now: datetime) -> Delivery | None:
    """Mark a finished delivery pending again with a fresh schedule; its log is kept.

    The caller queues it (store/delivery_queue.py) afterwards.
    """
    doc = await db[NAME].find_one_and_update(
        {
            "_id": delivery_id,
            "status": {"$in": [DeliveryStatus.FAILED.value, DeliveryStatus.DELIVERED.value]},
        },
        {
            "$set": {
                "status": DeliveryStatus.PENDING.value,
                "next_attempt_at": now,
                "attempt_count": 0,
                "failed_at": None,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    return from_document(doc) if doc else None


async def get(db: Database, delivery_id: str) -> Delivery | None:
    doc = await db[NAME].find_one({"_id": delivery_id})
    return from_document(doc) if doc else None


async def page(
    db: Database,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    statuses: Sequence[DeliveryStatus],
    after: str | None,
    limit: int,
) -> tuple[list[Delivery], int]:
    """Newest first, keyset-paged on `_id` (ids grow with time)."""
    query: Document = {}
    if subscription_id is not None:
        query["subscription_id"] = subscription_id
    if customer_id is not None:
        query["customer_id"] = customer_id
    if statuses:
        query["status"] = {"$in": [s.value for s in statuses]}
    total = await db[NAME].count_documents(query)
    if after is not None:
        query["_id"] = {"$lt": after}
    cursor = db[NAME].find(query).sort("_id", DESCENDING).limit(limit)
    return [from_document(doc) async for doc in cursor], total


def sort_key(delivery: Delivery) -> tuple[str]:
    return (delivery.id,)
