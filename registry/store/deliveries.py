"""Deliveries: one message to one subscription, with every attempt logged.

The email channel uses the same documents: one per (event, notice address), with
`channel` "email", the address as `target` and `email:<address>` as subscription id.

A delivery is claimed in two steps. First a *lease slot* `<delivery id>.<seq>` is
inserted into `webhook_delivery_leases`: a unique `_id` insert is atomic on every
server, so only one worker gets generation `seq`. Then the delivery itself is
updated with `find_one_and_update` on the generation it was seen at. The slot is
what makes claims exclusive on the embedded FerretDB v1, whose findAndModify reads
and writes in separate steps (eight concurrent claimers took 299 of 300 documents
twice there); on MongoDB the conditional update alone would do. Deliveries never
leased before are claimed a batch at a time (`take_slots` + `claim_many`), the
others one by one. Recording a result is an update filtered on the lease owner,
generation and attempt number, so a worker whose lease ran out cannot complete it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registry.store.database import Database, Document, create_missing_indexes

NAME = "webhook_deliveries"
LEASES = "webhook_delivery_leases"
INDEXES = [
    # Dispatching the same event twice (a crash, a second worker) creates nothing new.
    IndexModel(
        [("event_id", ASCENDING), ("subscription_id", ASCENDING)],
        unique=True,
        name="event_subscription_unique",
    ),
    IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
    IndexModel([("subscription_id", ASCENDING), ("_id", DESCENDING)], name="subscription_log"),
    IndexModel([("customer_id", ASCENDING), ("_id", DESCENDING)], name="customer_log"),
]
LEASE_INDEXES = [IndexModel([("delivery_id", ASCENDING)], name="delivery_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)
    await create_missing_indexes(db, LEASES, LEASE_INDEXES)


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
    id: str
    event_id: str
    event_type: str
    subscription_id: str
    customer_id: str
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    attempt_count: int
    lease_seq: int
    body: str = field(repr=False)
    attempts: tuple[Attempt, ...] = ()
    channel: str = "webhook"  # or "email", to `target` (an address) instead of a subscription
    target: str | None = field(default=None, repr=False)
    lease_owner: str | None = None
    lease_until: datetime | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A due delivery as one scan saw it; `lease_seq` is the generation to claim after."""

    id: str
    lease_seq: int
    attempt_count: int
    lease_owner: str | None


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
        "lease_seq": 0,
        "lease_owner": None,
        "lease_until": None,
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
        lease_seq=int(doc.get("lease_seq", 0)),
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
        lease_owner=doc.get("lease_owner"),
        lease_until=doc.get("lease_until"),
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


async def due(db: Database, now: datetime, limit: int) -> list[Candidate]:
    """Pending deliveries due at `now` and not under a live lease, oldest first."""
    cursor = (
        db[NAME]
        .find(
            _due_filter(now),
            {"lease_seq": 1, "attempt_count": 1, "lease_owner": 1},
        )
        .sort([("next_attempt_at", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
    )
    return [
        Candidate(
            id=doc["_id"],
            lease_seq=int(doc.get("lease_seq", 0)),
            attempt_count=int(doc.get("attempt_count", 0)),
            lease_owner=doc.get("lease_owner"),
        )
        async for doc in cursor
    ]


async def take_slot(
    db: Database, delivery_id: str, seq: int, *, owner: str, until: datetime, now: datetime
) -> bool:
    """Reserve generation `seq` of a delivery; False when another worker has it."""
    try:
        await db[LEASES].insert_one(
            {
                "_id": f"{delivery_id}.{seq}",
                "delivery_id": delivery_id,
                "owner": owner,
                "taken_at": now,
                "until": until,
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def release_slot(db: Database, delivery_id: str, seq: int) -> None:
    """Give back a slot that was taken but not used, so the next worker need not wait."""
    await db[LEASES].delete_one({"_id": f"{delivery_id}.{seq}"})


async def take_slots(
    db: Database, candidates: Sequence[Candidate], *, owner: str, until: datetime, now: datetime
) -> set[str]:
    """`take_slot` for many deliveries in one round trip; returns the ids whose slot we got."""
    if not candidates:
        return set()
    docs = [
        {
            "_id": f"{c.id}.{c.lease_seq + 1}",
            "delivery_id": c.id,
            "owner": owner,
            "taken_at": now,
            "until": until,
        }
        for c in candidates
    ]
    try:
        await db[LEASES].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != 11000 for error in errors):
            raise
        lost = {docs[error["index"]]["delivery_id"] for error in errors}
        return {c.id for c in candidates} - lost
    return {c.id for c in candidates}


async def claim_many(
    db: Database, candidates: Sequence[Candidate], *, owner: str, until: datetime, now: datetime
) -> list[Delivery]:
    """`claim` for never-leased deliveries whose slots the caller holds, in two round trips."""
    if not candidates:
        return []
    seen = [{"_id": c.id, "lease_seq": c.lease_seq} for c in candidates]
    await db[NAME].update_many(
        {"$and": [{"$or": seen}, {"lease_owner": None}, _due_filter(now)]},
        {
            "$set": {"lease_owner": owner, "lease_until": until},
            "$inc": {"lease_seq": 1, "attempt_count": 1},
        },
    )
    ids = [c.id for c in candidates]
    cursor = db[NAME].find({"_id": {"$in": ids}, "lease_owner": owner, "lease_until": until})
    return [from_document(doc) async for doc in cursor]


async def release_slots(db: Database, slots: Sequence[tuple[str, int]]) -> None:
    if slots:
        await db[LEASES].delete_many({"_id": {"$in": [f"{i}.{seq}" for i, seq in slots]}})


async def slot_expired(db: Database, delivery_id: str, seq: int, now: datetime) -> bool:
    doc = await db[LEASES].find_one({"_id": f"{delivery_id}.{seq}"})
    return doc is not None and doc["until"] < now


async def skip_slot(db: Database, delivery_id: str, seen_seq: int) -> None:
    """Step past a slot whose owner died before claiming with it (no attempt was made)."""
    await db[NAME].update_one(
        {"_id": delivery_id, "lease_seq": seen_seq}, {"$set": {"lease_seq": seen_seq + 1}}
    )


async def claim(
    db: Database, candidate: Candidate, *, owner: str, until: datetime, now: datetime
) -> Delivery | None:
    """Lease a delivery whose slot `candidate.lease_seq + 1` the caller holds."""
    update: dict[str, Any] = {
        "$set": {"lease_owner": owner, "lease_until": until, "lease_seq": candidate.lease_seq + 1},
        "$inc": {"attempt_count": 1},
    }
    if candidate.lease_owner is not None:
        # The previous holder's lease ran out without a result: say so in the log.
        lost = Attempt(candidate.attempt_count, now, None, None, "", _LOST_LEASE, "failure")
        update["$push"] = {"attempts": attempt_document(lost)}
    doc = await db[NAME].find_one_and_update(
        {
            "_id": candidate.id,
            "lease_seq": candidate.lease_seq,
            "lease_owner": candidate.lease_owner,
            **_due_filter(now),
        },
        update,
        return_document=ReturnDocument.AFTER,
    )
    return from_document(doc) if doc else None


def _due_filter(now: datetime) -> Document:
    return {
        "status": DeliveryStatus.PENDING.value,
        "next_attempt_at": {"$lte": now},
        "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
    }


_LOST_LEASE = "no result recorded: the worker's lease expired (the message may have been sent)"


async def record(
    db: Database,
    delivery: Delivery,
    attempt: Attempt,
    *,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
) -> bool:
    """Log an attempt and the next state; False when the lease was lost (fenced off)."""
    values: dict[str, Any] = {
        "status": status.value,
        "next_attempt_at": next_attempt_at,
        "lease_owner": None,
        "lease_until": None,
    }
    if status is DeliveryStatus.DELIVERED:
        values["delivered_at"] = attempt.at
    elif status is DeliveryStatus.FAILED:
        values["failed_at"] = attempt.at
    result = await db[NAME].update_one(
        {
            "_id": delivery.id,
            "lease_owner": delivery.lease_owner,
            "lease_seq": delivery.lease_seq,
            "attempt_count": delivery.attempt_count,
        },
        {"$set": values, "$push": {"attempts": attempt_document(attempt)}},
    )
    return result.modified_count == 1


async def replay(db: Database, delivery_id: str, now: datetime) -> Delivery | None:
    """Queue a finished delivery again with a fresh schedule; its log is kept."""
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
                "lease_owner": None,
                "lease_until": None,
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
