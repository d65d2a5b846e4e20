"""A database as the previous storage layout (layout 1) wrote it.

Layout 1 gave events ObjectId-based ids with a unique index on `dedupe_key`, and
objections an `open_guard` field under a unique index; everything else was already
keyed as now. The writer below reproduces those documents and indexes directly, so
the migration tests do not depend on the current code writing the old shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from registry.domain.event_types import EVENT_TYPES
from registry.store import (
    COLLECTIONS,
    deliveries,
    delivery_queue,
    events,
    ids,
    notices,
    objections,
    webhook_subscriptions,
)
from registry.store.database import Database, Document
from tests.event_bodies import change as sample_change
from tests.event_bodies import event_data

OLD_EVENT_INDEX = IndexModel([("dedupe_key", ASCENDING)], unique=True, name="dedupe_key_unique")
OLD_OBJECTION_INDEX = IndexModel([("open_guard", ASCENDING)], unique=True, name="open_guard_unique")


@dataclass
class OldDatabase:
    """What was written, to compare the migrated database against."""

    customer_ids: list[str]
    change_id: str
    subscription_ids: tuple[str, str]
    notice_ids: list[str] = field(default_factory=list)
    events: dict[str, Document] = field(default_factory=dict)  # by dedupe key
    delivery_ids: set[str] = field(default_factory=set)
    attempt_ids: set[ObjectId] = field(default_factory=set)
    queued: set[str] = field(default_factory=set)
    partly_dispatched: str = ""  # the dedupe key of the event dispatched to one of two
    open_objection: str = ""
    resolved_objection: str = ""


async def write(db: Database, now: datetime, *, customers: int = 6) -> OldDatabase:
    """Indexes and documents of layout 1: notices, events (dispatched, partly and not
    dispatched), deliveries with attempts and queue entries, objections."""
    for module in COLLECTIONS:
        await module.ensure_indexes(db)
    await db[events.NAME].create_indexes([OLD_EVENT_INDEX])
    await db[objections.NAME].create_indexes([OLD_OBJECTION_INDEX])

    change_id = ids.new_id("Change")
    customer_ids = [ids.new_id("Customer") for _ in range(customers)]
    sub_a, sub_b = ids.new_id("WebhookSubscription"), ids.new_id("WebhookSubscription")
    old = OldDatabase(customer_ids, change_id, (sub_a, sub_b))
    for sub_id in (sub_a, sub_b):
        await db[webhook_subscriptions.NAME].insert_one(
            {
                "_id": sub_id,
                "customer_id": customer_ids[0],
                "url": f"https://hooks.example.com/{sub_id}",
                "event_types": list(EVENT_TYPES),
                "active": True,
                "created_at": now,
                "secret": "sealed",
                "deleted_at": None,
            }
        )

    for customer_id in customer_ids:
        notice_id = ids.notice_id(change_id, customer_id)
        old.notice_ids.append(notice_id)
        await db[notices.NAME].insert_one(
            {
                "_id": notice_id,
                "change_id": change_id,
                "customer_id": customer_id,
                "sent_at": now,
                "earliest_effective_at": now + timedelta(days=30),
                "effective_at": now + timedelta(days=30),
                "objection_deadline": now + timedelta(days=20),
                "status": "PENDING",
            }
        )

    # Every customer's change.announced event; the first customer's is dispatched to
    # both subscriptions, the second customer's (same subscriptions, for the test) to
    # only one: the worker died before the second delivery and `dispatched_at`.
    for n, customer_id in enumerate(customer_ids):
        at = now + timedelta(seconds=n)
        dedupe_key = f"change.announced:{ids.notice_id(change_id, customer_id)}"
        event = {
            "_id": ids.new_id("Event"),  # layout 1: a fresh ObjectId
            "type": "change.announced",
            "customer_id": customer_ids[0] if n < 2 else customer_id,
            "change_id": change_id,
            "occurred_at": at,
            "dedupe_key": dedupe_key,
            # A real change notice (every event must match schema/events/).
            "data": event_data(customer_id, of=sample_change(id=change_id), at=at),
            "dispatched_at": at if n == 0 else None,
        }
        await db[events.NAME].insert_one(event)
        old.events[dedupe_key] = event
        targets = {0: (sub_a, sub_b), 1: (sub_a,)}.get(n, ())
        for sub_id in targets:
            delivery_id = ids.delivery_id(event["_id"], sub_id, None)
            await db[deliveries.NAME].insert_one(
                deliveries.new_document(
                    delivery_id=delivery_id,
                    event_id=event["_id"],
                    event_type=event["type"],
                    subscription_id=sub_id,
                    customer_id=customer_ids[0],
                    body="{}",
                    now=at,
                )
            )
            old.delivery_ids.add(delivery_id)
            attempt = await db[deliveries.ATTEMPTS].insert_one(
                {"_id": ObjectId(), "delivery_id": delivery_id, "number": 1, "at": at}
            )
            old.attempt_ids.add(attempt.inserted_id)
            await db[delivery_queue.NAME].insert_one(delivery_queue.new_entry(delivery_id, at))
            old.queued.add(delivery_id)
        if n == 1:
            old.partly_dispatched = dedupe_key

    # An open objection, and a resolved one that holds its own id as guard.
    for n, status in enumerate(("OPEN", "RESOLVED")):
        objection_id = ids.new_id("Objection")
        await db[objections.NAME].insert_one(
            {
                "_id": objection_id,
                "change_id": change_id,
                "customer_id": customer_ids[n],
                "reason": "our data must stay in the EU",
                "filed_at": now,
                "deadline": now + timedelta(days=20),
                "status": status,
                "resolution": None if status == "OPEN" else "WITHDRAWN",
                "note": None,
                "resolved_at": None if status == "OPEN" else now,
                "open_guard": (
                    f"{change_id}:{customer_ids[n]}" if status == "OPEN" else objection_id
                ),
            }
        )
        if status == "OPEN":
            old.open_objection = objection_id
        else:
            old.resolved_objection = objection_id
    return old
