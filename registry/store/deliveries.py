"""Delivery records: one message to one subscription, and the log of its attempts.

The email channel uses the same documents: one per (event, notice address), with
`channel` "email", the address as `target` and `email:<address>` as subscription id.

Two collections, one concept. `webhook_deliveries` holds the message and its
state; `webhook_delivery_attempts` is an append-only log, one document per
attempt, so recording a batch of results is one insert plus one update per
(status, attempt number) group rather than one rewrite per delivery. What is
still to be attempted is queued and leased in store/delivery_queue.py.

Every attempt that was made is logged, even one whose worker lost its lease:
it did happen. The record's state changes only for the newest attempt (an
update filtered on the attempt number), so a late result cannot overwrite what
came after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne

from registry.domain.webhooks import (
    Attempt,
    Delivery,
    DeliveryFailure,
    DeliveryStatus,
    FailureKind,
)
from registry.store.database import (
    Database,
    Document,
    create_missing_indexes,
    insert_skipping_duplicates,
)

NAME = "webhook_deliveries"
ATTEMPTS = "webhook_delivery_attempts"
INDEXES = [
    IndexModel([("subscription_id", ASCENDING), ("_id", DESCENDING)], name="subscription_log"),
    IndexModel([("customer_id", ASCENDING), ("_id", DESCENDING)], name="customer_log"),
]
ATTEMPT_INDEXES = [IndexModel([("delivery_id", ASCENDING), ("_id", ASCENDING)], name="delivery")]


async def ensure_indexes(db: Database) -> None:
    # A delivery's `_id` is derived from its event and subscription (store/ids.py),
    # so the primary key alone makes a repeated dispatch create nothing new.
    await create_missing_indexes(db, NAME, INDEXES)
    await create_missing_indexes(db, ATTEMPTS, ATTEMPT_INDEXES)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt to record, and the state it leaves the delivery in (a FAILED one
    says why: `failure`)."""

    delivery: Delivery
    attempt: Attempt
    status: DeliveryStatus
    next_attempt_at: datetime | None
    failure: DeliveryFailure | None = None


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
        "delivered_at": None,
        "failed_at": None,
        "channel": channel,
        "target": target,
    }


def _failure_document(failure: DeliveryFailure | None) -> Document | None:
    return None if failure is None else {"kind": failure.kind.value, "cause": failure.cause}


def _failure(doc: Document) -> DeliveryFailure | None:
    """A FAILED record's cause; one failed before causes were kept says only that."""
    found = doc.get("failure")
    if isinstance(found, dict):
        try:
            return DeliveryFailure(FailureKind(str(found.get("kind"))), str(found.get("cause", "")))
        except ValueError:
            pass
    if doc.get("status") == DeliveryStatus.FAILED.value:
        return DeliveryFailure(FailureKind.RETRIES_EXHAUSTED, "its last attempt failed")
    return None


def from_document(doc: Document, attempts: Sequence[Attempt] = ()) -> Delivery:
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
        attempts=tuple(attempts),
        delivered_at=doc.get("delivered_at"),
        failed_at=doc.get("failed_at"),
        failure=_failure(doc),
        channel=doc.get("channel", "webhook"),
        target=doc.get("target"),
    )


def _attempt_document(delivery_id: str, attempt: Attempt) -> Document:
    return {
        "_id": ObjectId(),  # in insertion order: the log reads back as it happened
        "delivery_id": delivery_id,
        "number": attempt.number,
        "at": attempt.at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
        "outcome": attempt.outcome,
    }


def _attempt(doc: Document) -> Attempt:
    return Attempt(
        number=doc["number"],
        at=doc["at"],
        status_code=doc.get("status_code"),
        latency_ms=doc.get("latency_ms"),
        response_excerpt=doc.get("response_excerpt", ""),
        error=doc.get("error"),
        outcome=doc.get("outcome", "failure"),
    )


async def insert_new(db: Database, docs: list[Document]) -> int:
    """Insert deliveries, skipping those that already exist; returns how many were new."""
    skipped = await insert_skipping_duplicates(db, NAME, docs)
    if skipped:
        await _check_same_deliveries(db, [docs[i] for i in sorted(skipped)])
    return len(docs) - len(skipped)


class DeliveryIdCollision(RuntimeError):
    """Two different (event, subscription) pairs derived the same delivery id."""


async def _check_same_deliveries(db: Database, skipped: list[Document]) -> None:
    """A skipped insert must be the same delivery made before, never another one whose
    derived id happens to collide: that would silently drop a message."""
    wanted = {doc["_id"]: (doc["event_id"], doc["subscription_id"]) for doc in skipped}
    cursor = db[NAME].find({"_id": {"$in": list(wanted)}}, {"event_id": 1, "subscription_id": 1})
    async for doc in cursor:
        if (doc["event_id"], doc["subscription_id"]) != wanted[doc["_id"]]:
            raise DeliveryIdCollision(f"delivery id {doc['_id']} already names another delivery")


async def get(db: Database, delivery_id: str) -> Delivery | None:
    return (await get_many(db, [delivery_id])).get(delivery_id)


async def get_many(
    db: Database, delivery_ids: Sequence[str], *, with_attempts: bool = True
) -> dict[str, Delivery]:
    if not delivery_ids:
        return {}
    cursor = db[NAME].find({"_id": {"$in": list(delivery_ids)}})
    docs = [doc async for doc in cursor]
    logs = await _logs(db, [doc["_id"] for doc in docs]) if with_attempts else {}
    return {doc["_id"]: from_document(doc, logs.get(doc["_id"], ())) for doc in docs}


async def _logs(db: Database, delivery_ids: Sequence[str]) -> dict[str, list[Attempt]]:
    logs: dict[str, list[Attempt]] = defaultdict(list)
    if delivery_ids:
        cursor = db[ATTEMPTS].find({"delivery_id": {"$in": list(delivery_ids)}}).sort("_id", 1)
        async for doc in cursor:
            logs[doc["delivery_id"]].append(_attempt(doc))
    return logs


LOST_LEASE = "no result recorded: the worker's lease expired (the message may have been sent)"


def lost_attempt(number: int, at: datetime) -> Attempt:
    """What the log says of an attempt whose worker never reported back."""
    return Attempt(number, at, None, None, "", LOST_LEASE, "failure")


async def record(db: Database, outcome: Outcome) -> bool:
    """Log an attempt and, unless a later attempt was recorded first, the state it leads to."""
    return len(await record_many(db, [outcome])) == 1


async def record_many(db: Database, outcomes: Sequence[Outcome]) -> set[str]:
    """`record` for a batch; returns the ids whose state it set.

    Delivered ones are updated with one `update_many` per attempt number; a retry
    carries its own next attempt time and a failure its own cause, so those are
    updated one by one, in one bulk write.
    """
    if not outcomes:
        return set()
    await db[ATTEMPTS].insert_many([_attempt_document(o.delivery.id, o.attempt) for o in outcomes])
    delivered: dict[int, list[Outcome]] = defaultdict(list)
    one_by_one: list[Outcome] = []
    for o in outcomes:
        if o.next_attempt_at is None and o.status is DeliveryStatus.DELIVERED:
            delivered[o.attempt.number].append(o)
        else:
            one_by_one.append(o)
    modified = 0
    for number, group in delivered.items():
        at = max(o.attempt.at for o in group)  # one time per group; each attempt's is logged
        result = await db[NAME].update_many(
            {"_id": {"$in": [o.delivery.id for o in group]}, "attempt_count": {"$lt": number}},
            {
                "$set": {
                    "status": DeliveryStatus.DELIVERED.value,
                    "next_attempt_at": None,
                    "attempt_count": number,
                    "delivered_at": at,
                }
            },
        )
        modified += result.modified_count
    if one_by_one:
        ops = [
            UpdateOne(
                {"_id": o.delivery.id, "attempt_count": {"$lt": o.attempt.number}},
                {"$set": _state(o)},
            )
            for o in one_by_one
        ]
        modified += (await db[NAME].bulk_write(ops, ordered=False)).modified_count
    if modified == len(outcomes):
        return {o.delivery.id for o in outcomes}
    # Some were fenced off (rare): the records that moved on are someone else's now.
    cursor = db[NAME].find(
        {"_id": {"$in": [o.delivery.id for o in outcomes]}}, {"attempt_count": 1, "status": 1}
    )
    now_at = {doc["_id"]: (doc["attempt_count"], doc["status"]) async for doc in cursor}
    return {
        o.delivery.id
        for o in outcomes
        if now_at.get(o.delivery.id) == (o.attempt.number, o.status.value)
    }


def _state(o: Outcome) -> Document:
    """The fields an outcome other than a delivery sets: a retry's next time, or the
    end of a FAILED one and why."""
    values: Document = {
        "status": o.status.value,
        "next_attempt_at": o.next_attempt_at,
        "attempt_count": o.attempt.number,
    }
    if o.next_attempt_at is None and o.status is DeliveryStatus.FAILED:
        values["failed_at"] = o.attempt.at
        values["failure"] = _failure_document(o.failure)
    return values


async def note_lost(db: Database, delivery_id: str, attempt: Attempt) -> None:
    """Log an attempt whose lease expired unreported, unless its result came in after all."""
    result = await db[NAME].update_one(
        {"_id": delivery_id, "attempt_count": {"$lt": attempt.number}},
        {"$set": {"attempt_count": attempt.number}},
    )
    if result.modified_count:
        await db[ATTEMPTS].insert_one(_attempt_document(delivery_id, attempt))


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
                "failure": None,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        return None
    logs = await _logs(db, [delivery_id])
    return from_document(doc, logs.get(delivery_id, ()))


async def page(
    db: Database,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    statuses: Sequence[DeliveryStatus],
    after: str | None,
    limit: int,
) -> tuple[list[Delivery], int]:
    """Newest first, keyset-paged on `_id` (ids grow with time), with their logs."""
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
    docs = [doc async for doc in cursor]
    logs = await _logs(db, [doc["_id"] for doc in docs])
    return [from_document(doc, logs.get(doc["_id"], ())) for doc in docs], total


def sort_key(delivery: Delivery) -> tuple[str]:
    return (delivery.id,)


def claimed_copy(delivery: Delivery, *, seq: int, attempt: int) -> Delivery:
    """The record as a worker holds it while making attempt number `attempt`."""
    return replace(delivery, lease_seq=seq, attempt_count=attempt)


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished delivery of an event, on one channel: delivered (`failure` None) or
    given up, with why."""

    event_id: str
    channel: str
    at: datetime | None
    failure: DeliveryFailure | None = None


async def finished_of_events(
    db: Database, customer_ids: Sequence[str], event_ids: Sequence[str]
) -> list[Finished]:
    """The delivered and the failed deliveries of these events to these customers (the
    customer narrows the read to its `customer_log` range)."""
    cursor = db[NAME].find(
        {
            "customer_id": {"$in": list(customer_ids)},
            "event_id": {"$in": list(event_ids)},
            "status": {"$in": [DeliveryStatus.DELIVERED.value, DeliveryStatus.FAILED.value]},
        },
        {"event_id": 1, "channel": 1, "delivered_at": 1, "failed_at": 1, "status": 1, "failure": 1},
    )
    found: list[Finished] = []
    async for doc in cursor:
        channel = str(doc.get("channel") or "webhook")
        if doc["status"] == DeliveryStatus.DELIVERED.value:
            found.append(Finished(doc["event_id"], channel, doc.get("delivered_at")))
        else:
            found.append(Finished(doc["event_id"], channel, doc.get("failed_at"), _failure(doc)))
    return found


async def forget_address(db: Database, subscription_id: str, erased_as: str) -> None:
    """Erase an e-mail address from its deliveries: no target, an anonymous subscription."""
    await db[NAME].update_many(
        {"subscription_id": subscription_id},
        {"$set": {"target": None, "subscription_id": erased_as}},
    )


async def failure_counts(db: Database) -> dict[tuple[str, str], int]:
    """FAILED deliveries by (channel, failure kind), in one aggregation; one failed
    before causes were kept counts as "retries_exhausted", its only way to fail then."""
    group = {"channel": "$channel", "kind": "$failure.kind"}
    cursor = await db[NAME].aggregate(
        [
            {"$match": {"status": DeliveryStatus.FAILED.value}},
            {"$group": {"_id": group, "n": {"$sum": 1}}},
        ]
    )
    found: dict[tuple[str, str], int] = defaultdict(int)
    async for row in cursor:
        key = row.get("_id")
        key = key if isinstance(key, dict) else {}
        kind = str(key.get("kind") or FailureKind.RETRIES_EXHAUSTED.value)
        found[(str(key.get("channel") or "webhook"), kind)] += int(row.get("n", 0))
    return dict(found)


async def counts(db: Database) -> dict[tuple[str, str, str], int]:
    """Deliveries by (channel, event type, status), in one aggregation; records that
    predate a field count as "webhook", "unknown" or "UNKNOWN"."""
    group = {"channel": "$channel", "status": "$status", "type": "$event_type"}
    cursor = await db[NAME].aggregate([{"$group": {"_id": group, "n": {"$sum": 1}}}])
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    async for row in cursor:
        key = row.get("_id")
        key = key if isinstance(key, dict) else {}
        label = (
            str(key.get("channel") or "webhook"),
            str(key.get("type") or "unknown"),
            str(key.get("status") or "UNKNOWN"),
        )
        found[label] += int(row.get("n", 0))
    return dict(found)
